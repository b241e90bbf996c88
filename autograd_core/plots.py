"""Plots for teaching: training curves, decision boundaries, loss surfaces, activations.

matplotlib is optional: it is imported inside each function, so ``import autograd_core``
works without it, and a plot function called without it raises ``ImportError`` saying how
to install it (``pip install matplotlib``, or the ``plots`` extra).

Every function draws into ``ax`` when given one, and otherwise into a new pyplot figure, and
returns the ``Figure`` it drew on (the figure ``ax`` belongs to, when given). Nothing calls
``plt.show()``: scripts call it themselves or use ``fig.savefig``; notebooks display the
figure on their own (end the cell with ``;`` if the returned figure then shows twice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import no_grad
from .tensor import Tensor
from .value import Value

if TYPE_CHECKING:
    from collections.abc import Iterator

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "SCALAR_MODEL_MAX_RESOLUTION",
    "plot_activation",
    "plot_decision_boundary",
    "plot_history",
    "plot_loss_surface",
    "optimizer_trajectory",
]

# A scalar (Value) model runs once per grid point in pure Python: about 0.2 ms per point for
# micrograd's MLP(2, [16, 16, 1]), so 50 x 50 points take half a second; 200 x 200 would take 8.
SCALAR_MODEL_MAX_RESOLUTION = 50

# Tensor models see the grid in batches of this many rows, so that a wide hidden layer does
# not need one (resolution^2 x width) array at once.
_BATCH_ROWS = 8192

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": Tensor.relu,
    "leaky_relu": Tensor.leaky_relu,
    "elu": Tensor.elu,
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "softplus": Tensor.softplus,
}


# ---- shared helpers -----------------------------------------------------------------------------

def _pyplot() -> Any:
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("autograd_core.plots needs matplotlib: pip install matplotlib "
                          "(or install autograd-core with the plots extra: "
                          "pip install 'autograd-core[plots]')") from error
    return plt


def _axes(ax: Axes | None, projection: str | None = None) -> Axes:
    """``ax`` itself, or the axes of a new pyplot figure."""
    if ax is not None:
        return ax
    return _pyplot().figure().add_subplot(projection=projection)


def _number(x: Any, what: str) -> float:
    """A float from a number, a Value or a one-element Tensor (losses are often left as such)."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, Tensor):
        return x.item()
    if isinstance(x, (Real, np.number)) and not isinstance(x, (bool, np.bool_)):
        return float(x)
    raise TypeError(f"{what}: expected a number, Value or one-element Tensor, "
                    f"got {type(x).__name__}")


def _interval(limits: Any, name: str, op: str) -> tuple[float, float]:
    """``limits`` as (low, high) with finite low < high."""
    try:
        low, high = (float(v) for v in limits)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be a pair of numbers (low, high), "
                        f"got {limits!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{op}: {name} must be finite with low < high, got {limits!r}")
    return low, high


def _resolution(resolution: Any, op: str) -> int:
    if not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < 2:
        raise ValueError(f"{op}: resolution must be an int >= 2, got {resolution!r}")
    return resolution


# ---- 1. training curves -------------------------------------------------------------------------

_X_KEYS = ("epoch", "step")  # a history may record its own x-axis under one of these names
_VALIDATION_PREFIXES = ("val_", "valid_", "validation_", "test_")


def _epoch_columns(history: Any) -> dict[str, Any]:
    """A ``History`` from ``nn.fit`` (or Keras's) as its dict of lists, with epochs 1, 2, ...
    as the x-axis."""
    columns = dict(history.history)
    epochs = max((len(values) for values in columns.values()), default=0)
    columns.setdefault("epoch", list(range(1, epochs + 1)))
    return columns


def _as_columns(history: Any) -> dict[str, list[float]]:
    """A dict of lists, a list of per-step dicts, or a ``History``, as name -> list of floats
    (NaN for a step that did not record a name)."""
    if isinstance(getattr(history, "history", None), Mapping):
        history = _epoch_columns(history)
    if isinstance(history, Mapping):
        columns = {str(k): _as_list(v, str(k)) for k, v in history.items()}
    elif isinstance(history, Sequence) and all(isinstance(row, Mapping) for row in history):
        names = list(dict.fromkeys(k for row in history for k in row))
        columns = {str(k): [row.get(k, np.nan) for row in history] for k in names}
    else:
        raise TypeError("plot_history: history must be a dict of lists like {'loss': [...]}, "
                        "a list of per-step dicts or the History that nn.fit returns, got "
                        f"{type(history).__name__}")
    if not columns:
        raise ValueError("plot_history: history is empty")
    return {name: [_number(v, f"plot_history: history[{name!r}]") for v in values]
            for name, values in columns.items()}


def _as_list(values: Any, name: str) -> list[Any]:
    """A list, tuple, numpy array or 1-D Tensor of numbers as a list."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__"):
        raise TypeError(f"plot_history: history[{name!r}] must be a list of numbers, "
                        f"got {type(values).__name__}")
    return list(values)


def _split_name(name: str) -> tuple[str, str]:
    """'val_loss' -> ('loss', 'validation'), 'train_loss' and 'loss' -> ('loss', 'train')."""
    for prefix in _VALIDATION_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):], "test" if prefix == "test_" else "validation"
    if name.startswith("train_") and len(name) > len("train_"):
        return name[len("train_"):], "train"
    return name, "train"


def _panels(columns: Mapping[str, list[float]], metrics: Sequence[str] | None
            ) -> dict[str, list[tuple[str, str]]]:
    """metric -> [(key in history, 'train'/'validation'/'test')], one panel per metric."""
    panels: dict[str, list[tuple[str, str]]] = {}
    for key in columns:
        if key not in _X_KEYS:
            metric, split = _split_name(key)
            panels.setdefault(metric, []).append((key, split))
    if metrics is None:
        return panels
    if isinstance(metrics, str):
        metrics = [metrics]
    wanted = [_split_name(m)[0] for m in metrics]
    unknown = [m for m in wanted if m not in panels]
    if unknown:
        raise ValueError(f"plot_history: no metric {unknown[0]!r} in the history; "
                         f"it has {sorted(panels)}")
    return {m: panels[m] for m in dict.fromkeys(wanted)}


def _is_accuracy(metric: str) -> bool:
    return "acc" in metric.lower()


def _draw_accuracy_scale(ax: Axes, values: np.ndarray) -> None:
    """Accuracy axes run over the whole range, 0-1 or 0-100 %, so that runs compare at a glance
    (with 2 % to spare at each end: a curve at 100 % would otherwise hide in the frame)."""
    finite = values[np.isfinite(values)]
    if finite.size and finite.max() > 1.0:
        ax.set_ylim(-2, 102)
        ax.set_ylabel("accuracy (%)")
    else:
        ax.set_ylim(-0.02, 1.02)


def plot_history(history: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | Any, *,
                 metrics: Sequence[str] | None = None,
                 ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """Training curves: one panel per metric, training and validation curves together.

    ``history`` is a dict of lists (``{"loss": [...], "val_loss": [...], "accuracy": [...]}``),
    a list of per-step dicts, or the ``History`` that ``nn.fit`` returns (drawn against its
    epochs 1, 2, ...); values may be numbers, Values or one-element Tensors.
    ``val_``/``valid_``/``validation_``/``test_`` and ``train_`` prefixes pair curves of one
    metric; an ``epoch`` or ``step`` entry becomes the x-axis. Metrics whose name contains
    "acc" get a 0-1 axis (0-100 if the numbers are percentages). ``metrics`` picks and orders
    the panels (default: all). ``ax``: one Axes per panel (a single Axes for one panel), or
    None for a new figure with the panels side by side. Returns the figure.
    """
    columns = _as_columns(history)
    panels = _panels(columns, metrics)
    if not panels:
        raise ValueError("plot_history: the history has no metrics, only "
                         f"{sorted(columns)}")
    axes = _history_axes(ax, len(panels))
    for panel_ax, (metric, curves) in zip(axes, panels.items()):
        _draw_panel(panel_ax, metric, curves, columns)
    return axes[0].figure


def _history_axes(ax: Axes | Sequence[Axes] | None, count: int) -> list[Axes]:
    if ax is None:
        figure = _pyplot().figure(figsize=(4.5 * count, 3.5), layout="constrained")
        return list(np.atleast_1d(figure.subplots(1, count)))
    axes = [ax] if not isinstance(ax, (Sequence, np.ndarray)) else list(np.ravel(ax))
    if len(axes) != count:
        raise ValueError(f"plot_history: {count} panels to draw but {len(axes)} axes given; "
                         "pass one Axes per metric, or ax=None")
    return axes


def _draw_panel(ax: Axes, metric: str, curves: list[tuple[str, str]],
                columns: Mapping[str, list[float]]) -> None:
    from matplotlib.ticker import MaxNLocator

    x_key = next((k for k in _X_KEYS if k in columns), None)
    for key, split in curves:
        values = np.asarray(columns[key], dtype=float)
        steps = (np.asarray(columns[x_key]) if x_key and len(columns[x_key]) == len(values)
                 else np.arange(1, len(values) + 1))
        # Validation is often recorded every few steps, leaving NaN gaps: join its points.
        kept = np.isfinite(values)
        ax.plot(steps[kept], values[kept], label=key, marker="o" if kept.sum() < 30 else None,
                markersize=3, linestyle="--" if split != "train" else "-")
    ax.set_title(metric)
    ax.set_xlabel(x_key or "step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "step 2.5" on short runs
    ax.set_ylabel(metric)
    if _is_accuracy(metric):
        _draw_accuracy_scale(ax, np.concatenate([np.asarray(columns[k], float) for k, _ in curves]))
    ax.grid(alpha=0.3)
    ax.legend()


# ---- 2. decision boundaries ---------------------------------------------------------------------

@contextmanager
def _evaluation_mode(model: Any) -> Iterator[None]:
    """Put an ``nn.Module`` in eval mode (dropout off, batch norm on running statistics) and
    restore every sub-module's own mode afterwards."""
    modules = list(model.modules()) if callable(getattr(model, "modules", None)) else []
    saved = [(m, m.training) for m in modules if hasattr(m, "training")]
    if saved and callable(getattr(model, "eval", None)):
        model.eval()
    try:
        yield
    finally:
        for module, training in saved:
            module.training = training


def _tensor_scores(model: Any, points: np.ndarray) -> np.ndarray:
    """A Tensor model's outputs on the (n, 2) points, as (n,) or (n, C) floats."""
    chunks = []
    for start in range(0, len(points), _BATCH_ROWS):
        batch = points[start:start + _BATCH_ROWS]
        out = model(Tensor(batch))
        if not isinstance(out, Tensor):
            raise TypeError(f"returned {type(out).__name__}, not a Tensor")
        if out.ndim not in (1, 2) or len(out) != len(batch):
            raise ValueError(f"a Tensor model must map a batch of shape (n, 2) to (n,), (n, 1) "
                             f"or (n, C), got shape {out.shape} for n = {len(batch)}")
        chunks.append(out.data)
    scores = np.concatenate(chunks)
    return scores[:, 0] if scores.ndim == 2 and scores.shape[1] == 1 else scores


def _scalar_scores(model: Any, points: np.ndarray) -> np.ndarray:
    """A scalar model's outputs, one call per point, as (n,) or (n, C) floats."""
    rows = []
    for x0, x1 in points.tolist():
        out = model([x0, x1])
        outs = out if isinstance(out, (list, tuple)) else [out]
        rows.append([_number(o, "plot_decision_boundary: the scalar model's output")
                     for o in outs])
    scores = np.asarray(rows, dtype=float)
    return scores[:, 0] if scores.shape[1] == 1 else scores


def _is_tensor_model(model: Any, probe: np.ndarray) -> bool:
    """Whether ``model`` takes a Tensor batch (else it is taken to take a list of 2 floats).

    Tried on a batch of 3 points: a scalar model fails on it (3 inputs for 2 weights), and 3
    rather than 2 keeps a scalar model from mistaking the two rows for its two inputs.
    """
    try:
        _tensor_scores(model, np.resize(probe, (3, 2)))
    except Exception as tensor_error:  # any failure: the model may still be a scalar one
        try:
            _scalar_scores(model, probe[:1])
        except Exception as scalar_error:
            raise TypeError(
                "plot_decision_boundary: the model takes neither a Tensor batch of shape "
                f"(n, 2) ({type(tensor_error).__name__}: {tensor_error}) nor a list of 2 floats "
                f"({type(scalar_error).__name__}: {scalar_error})") from scalar_error
        return False
    return True


def _points_and_labels(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    points = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=float)
    labels = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2) with n >= 1, "
                         f"got {points.shape}")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (len(points),):
        raise ValueError(f"plot_decision_boundary: y must hold one label per row of X "
                         f"({len(points)}), got shape {labels.shape}")
    return points, labels


def _grid(points: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """A resolution x resolution grid over the points' bounding box plus 10% on every side."""
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.where(high > low, 0.1 * (high - low), 1.0)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    return np.meshgrid(xs, ys)


def plot_decision_boundary(model: Callable[[Any], Any], X: Any, y: Any, *,
                           resolution: int = 200, ax: Axes | None = None) -> Figure:
    """A 2-D classifier's regions, with the data on top.

    ``model`` is either a Tensor model (a batch Tensor of shape (n, 2) -> (n,), (n, 1) or
    (n, C)) or a micrograd-style scalar model (a list of 2 floats -> a Value, or a list of C
    Values); which one is found by trying. It is evaluated under ``no_grad``, in eval mode if
    it is an ``nn.Module``, on a grid over X plus 10% of its span on each side. One output is a
    score: colour shows it, the black line is the boundary score = 0, and labels > 0 (1 of 0/1,
    +1 of -1/+1) belong to the positive side. C outputs: regions of the argmax class, and
    labels must be class indices 0..C-1. A scalar model runs once per point in Python, so its
    grid is at most ``SCALAR_MODEL_MAX_RESOLUTION`` (50) points a side. Returns the figure.
    """
    resolution = _resolution(resolution, "plot_decision_boundary")
    points, labels = _points_and_labels(X, y)
    with no_grad(), _evaluation_mode(model):
        tensor_model = _is_tensor_model(model, points)
        if not tensor_model:
            resolution = min(resolution, SCALAR_MODEL_MAX_RESOLUTION)
        gx, gy = _grid(points, resolution)
        grid_points = np.column_stack([gx.ravel(), gy.ravel()])
        scores = (_tensor_scores if tensor_model else _scalar_scores)(model, grid_points)
    ax = _axes(ax)
    if scores.ndim == 1:
        _draw_binary(ax, gx, gy, scores.reshape(gx.shape), points, labels)
    else:
        _draw_classes(ax, gx, gy, scores.argmax(axis=1).reshape(gx.shape), scores.shape[1],
                      points, labels)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax.figure


def _draw_binary(ax: Axes, gx: np.ndarray, gy: np.ndarray, score: np.ndarray,
                 points: np.ndarray, labels: np.ndarray) -> None:
    if len(np.unique(labels)) > 2:
        raise ValueError(f"plot_decision_boundary: the model has one output but y holds "
                         f"{len(np.unique(labels))} classes; give it one output per class")
    # Symmetric levels put score 0 at the middle of the diverging colour map. Scores grow
    # without bound away from the data; scaling to the 95th percentile keeps the contrast near
    # the boundary (the rest is drawn in the end colours).
    magnitudes = np.abs(score[np.isfinite(score)])
    limit = float(np.percentile(magnitudes, 95)) if magnitudes.size else 0.0
    limit = limit or 1.0
    filled = ax.contourf(gx, gy, score, levels=np.linspace(-limit, limit, 21), cmap="RdBu",
                         alpha=0.6, extend="both")
    ax.figure.colorbar(filled, ax=ax, label="score")
    if score.min() < 0 < score.max():  # else there is no boundary in view to draw
        ax.contour(gx, gy, score, levels=[0.0], colors="black", linewidths=1.5)
    ax.scatter(points[:, 0], points[:, 1], c=np.where(labels > 0, 1.0, 0.0), cmap="RdBu",
               vmin=0, vmax=1, edgecolors="black", linewidths=0.5, s=25)


def _draw_classes(ax: Axes, gx: np.ndarray, gy: np.ndarray, classes: np.ndarray, count: int,
                  points: np.ndarray, labels: np.ndarray) -> None:
    if not (np.all(labels == np.round(labels)) and labels.min() >= 0 and labels.max() < count):
        raise ValueError(f"plot_decision_boundary: with {count} model outputs the labels must "
                         f"be class indices 0..{count - 1}, got values from {labels.min()} "
                         f"to {labels.max()}")
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    palette = colormaps["tab10" if count <= 10 else "tab20"].colors
    cmap = ListedColormap([palette[k % len(palette)] for k in range(count)])
    # Levels halfway between the integer classes make each class one filled band.
    bands = np.arange(count + 1) - 0.5
    ax.contourf(gx, gy, classes, levels=bands, cmap=cmap, alpha=0.35)
    if len(np.unique(classes)) > 1:
        ax.contour(gx, gy, classes, levels=bands[1:-1], colors="black", linewidths=1.0)
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap=cmap, vmin=-0.5, vmax=count - 0.5,
               edgecolors="black", linewidths=0.5, s=25)


# ---- 3. loss surfaces and optimizer trajectories ------------------------------------------------

def _evaluate(f: Callable[[Any, Any], Any], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """f at every (x, y): all at once on numpy arrays, then on Tensors, else point by point."""
    for wrap in (np.asarray, Tensor):
        try:
            with np.errstate(all="ignore"), no_grad():
                out = f(wrap(x), wrap(y))
            z = np.asarray(out.data if isinstance(out, (Tensor, Value)) else out, dtype=float)
        except Exception:  # f may only take floats (math.sin, if x > 0, ...): try the next way
            continue
        if z.shape == x.shape:  # a scalar here would mean f reduced the grid: not usable
            return z
    with no_grad():
        flat = [_number(f(a, b), "plot_loss_surface: f(x, y)")
                for a, b in zip(x.ravel().tolist(), y.ravel().tolist())]
    return np.asarray(flat, dtype=float).reshape(x.shape)


def _trajectory_points(trajectories: Mapping[str, Any] | None) -> dict[str, np.ndarray]:
    if trajectories is None:
        return {}
    if not isinstance(trajectories, Mapping):
        raise TypeError("plot_loss_surface: trajectories must be a dict name -> sequence of "
                        f"(x, y) points, got {type(trajectories).__name__}")
    out = {}
    for name, path in trajectories.items():
        points = np.asarray(path, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"plot_loss_surface: trajectory {name!r} must be a non-empty "
                             f"sequence of (x, y) points, got shape {points.shape}")
        out[str(name)] = points
    return out


def plot_loss_surface(f: Callable[[Any, Any], Any], xlim: tuple[float, float],
                      ylim: tuple[float, float], *,
                      trajectories: Mapping[str, Sequence[tuple[float, float]]] | None = None,
                      kind: str = "contour", resolution: int = 100,
                      levels: int | Sequence[float] = 30, log_scale: bool = False,
                      ax: Axes | None = None) -> Figure:
    """A loss of two parameters, f(x, y) -> float, over ``xlim`` x ``ylim``.

    f is tried on whole numpy grids, then on Tensors, then called point by point.
    ``kind="contour"`` draws filled contours with ``levels`` (a count or the level values);
    ``kind="surface"`` a 3-D surface (``ax`` must then be a 3-D Axes). ``trajectories`` maps
    a name to a sequence of (x, y) points (e.g. from ``optimizer_trajectory``), drawn as lines
    with markers and named in the legend; on the surface they are lifted to f's values.
    ``log_scale`` plots log10 f instead (colours, levels and heights; level values in
    ``levels`` stay in f's units), which shows narrow valleys, and needs f > 0. Returns the
    figure.
    """
    if kind not in ("contour", "surface"):
        raise ValueError(f"plot_loss_surface: kind must be 'contour' or 'surface', got {kind!r}")
    x_low, x_high = _interval(xlim, "xlim", "plot_loss_surface")
    y_low, y_high = _interval(ylim, "ylim", "plot_loss_surface")
    resolution = _resolution(resolution, "plot_loss_surface")
    paths = _trajectory_points(trajectories)
    height = _height(log_scale)
    drawn_levels = _contour_levels(levels, height)
    if kind == "surface" and ax is not None and getattr(ax, "name", None) != "3d":
        raise ValueError("plot_loss_surface: kind='surface' needs 3-D axes, e.g. "
                         "fig.add_subplot(projection='3d'), or ax=None")
    gx, gy = np.meshgrid(np.linspace(x_low, x_high, resolution),
                         np.linspace(y_low, y_high, resolution))
    gz = _evaluate(f, gx, gy)
    if log_scale and not np.all(gz[np.isfinite(gz)] > 0):
        raise ValueError("plot_loss_surface: log_scale needs f > 0 over the whole grid, but its "
                         f"minimum there is {np.nanmin(gz):.4g}; plot f - min + eps instead")
    label = "log10 f(x, y)" if log_scale else "f(x, y)"
    if kind == "surface":
        ax = _surface_axes(ax)
        _draw_surface(ax, f, gx, gy, height(gz), paths, height)
        ax.set_zlabel(label)
    else:
        ax = _axes(ax)
        _draw_contours(ax, gx, gy, height(gz), paths, drawn_levels, label)
    # The asked-for window, even when a trajectory leaves it (a divergent run would else
    # shrink the surface to a speck).
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if paths:
        ax.legend()
    return ax.figure


def _surface_axes(ax: Axes | None) -> Axes:
    _pyplot()  # the clear ImportError first, if matplotlib is missing
    # Importing it registers the "3d" projection (automatic only since matplotlib 3.2).
    import mpl_toolkits.mplot3d  # noqa: F401

    return _axes(ax, projection="3d")


def _height(log_scale: bool) -> Callable[[np.ndarray], np.ndarray]:
    """What is drawn for f's values: log10 f on a log scale, else f itself."""
    if not log_scale:
        return np.asarray
    return lambda z: np.log10(np.asarray(z, dtype=float))


def _contour_levels(levels: int | Sequence[float], height: Callable[[np.ndarray], np.ndarray]
                    ) -> int | np.ndarray:
    if isinstance(levels, (bool, str)) or not isinstance(levels, (int, Sequence, np.ndarray)):
        raise TypeError(f"plot_loss_surface: levels must be a count or a sequence of values, "
                        f"got {levels!r}")
    if isinstance(levels, int):
        if levels < 1:
            raise ValueError(f"plot_loss_surface: levels must be at least 1, got {levels}")
        return levels
    values = np.asarray(levels, dtype=float)
    if values.ndim != 1 or len(values) < 2 or np.any(np.diff(values) <= 0):
        raise ValueError("plot_loss_surface: level values must be increasing (at least two), "
                         f"got {levels!r}")
    with np.errstate(divide="ignore", invalid="ignore"):  # checked right below
        drawn = height(values)
    if not np.all(np.isfinite(drawn)):
        raise ValueError(f"plot_loss_surface: level values must be finite, and positive with "
                         f"log_scale, got {levels!r}")
    return drawn


def _draw_contours(ax: Axes, gx: np.ndarray, gy: np.ndarray, gz: np.ndarray,
                   paths: Mapping[str, np.ndarray], levels: int | np.ndarray, label: str) -> None:
    filled = ax.contourf(gx, gy, gz, levels=levels, cmap="viridis")
    # Thin lines on the same levels make the valleys readable where colours are close.
    ax.contour(gx, gy, gz, levels=filled.levels, colors="white", linewidths=0.4, alpha=0.5)
    ax.figure.colorbar(filled, ax=ax, label=label)
    for name, points in paths.items():
        ax.plot(points[:, 0], points[:, 1], marker="o", markersize=3, linewidth=1.5, label=name)


def _draw_surface(ax: Axes, f: Callable[[Any, Any], Any], gx: np.ndarray, gy: np.ndarray,
                  heights: np.ndarray, paths: Mapping[str, np.ndarray],
                  height: Callable[[np.ndarray], np.ndarray]) -> None:
    ax.plot_surface(gx, gy, heights, cmap="viridis", alpha=0.7, linewidth=0, antialiased=True)
    # mplot3d orders artists by depth, which hides paths lying on the surface behind it:
    # draw in zorder instead, so the paths (added later, higher zorder) stay on top.
    ax.computed_zorder = False
    for name, points in paths.items():
        z = height(_evaluate(f, points[:, 0], points[:, 1]))
        ax.plot(points[:, 0], points[:, 1], z, marker="o", markersize=3, linewidth=1.5,
                label=name, zorder=10)


def optimizer_trajectory(f: Callable[[Tensor], Tensor], start: Sequence[float],
                         optimizer_factory: Callable[[list[Tensor]], Any],
                         steps: int) -> list[tuple[float, float]]:
    """The points an ``nn.optim`` optimizer visits while minimising f from ``start``.

    f takes a Tensor of shape (2,) (the parameter (x, y)) and returns a 0-d Tensor built with
    Tensor ops, e.g. ``lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2``.
    ``optimizer_factory`` makes the optimizer from the parameter list, e.g.
    ``lambda params: nn.optim.Adam(params, lr=0.1)``. Every step goes through a closure, so
    ``nn.optim.GD`` (Armijo line search) works as well as the others. Returns ``steps + 1``
    points, the start included.
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"optimizer_trajectory: steps must be an int >= 0, got {steps!r}")
    start_array = np.asarray(start, dtype=float)
    if start_array.shape != (2,):
        raise ValueError(f"optimizer_trajectory: start must be 2 numbers (x, y), got shape "
                         f"{start_array.shape}")
    point = Tensor(start_array, requires_grad=True)  # a copy: the caller's start stays put
    optimizer = optimizer_factory([point])

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = f(point)
        if not isinstance(loss, Tensor) or loss.size != 1:
            raise TypeError("optimizer_trajectory: f must return a 0-d Tensor computed from its "
                            f"argument with Tensor ops, got {type(loss).__name__}"
                            + (f" of shape {loss.shape}" if isinstance(loss, Tensor) else ""))
        loss.backward()
        return loss

    path = [(float(point.data[0]), float(point.data[1]))]
    for _ in range(steps):
        optimizer.step(closure)
        path.append((float(point.data[0]), float(point.data[1])))
    return path


# ---- 4. activation functions --------------------------------------------------------------------

def plot_activation(name_or_fn: str | Callable[[Tensor], Tensor], *,
                    xlim: tuple[float, float] = (-5, 5), ax: Axes | None = None) -> Figure:
    """An activation function f and its derivative f', the latter computed by backpropagation.

    ``name_or_fn`` is one of "relu", "leaky_relu", "elu", "tanh", "sigmoid", "softplus" (the
    Tensor methods, default parameters), or any elementwise callable on Tensors, such as
    ``nn.ELU(0.5)`` or ``lambda t: t * t.sigmoid()``. The lines are labelled "f" and "f'".
    Returns the figure.
    """
    fn, title = _activation(name_or_fn)
    low, high = _interval(xlim, "xlim", "plot_activation")
    # An odd count puts a sample exactly at 0 when xlim is symmetric: relu'(0) shows as 0.
    x = Tensor(np.linspace(low, high, 1001), requires_grad=True)
    out = fn(x)
    if not isinstance(out, Tensor) or out.shape != x.shape:
        got = f"shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__
        raise TypeError(f"plot_activation: the function must map a Tensor to a Tensor of the "
                        f"same shape, elementwise; got {got}")
    if not out.requires_grad:
        raise TypeError("plot_activation: the function's output is not connected to its input "
                        "by Tensor ops (was .data or numpy used?), so it has no derivative")
    # For an elementwise f, d(sum f(x))/dx_i = f'(x_i): one backward pass gives every slope.
    out.sum().backward()
    ax = _axes(ax)
    ax.plot(x.data, out.data, label="f", linewidth=2)
    ax.plot(x.data, x.grad, label="f'", linewidth=2, linestyle="--")
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)
    ax.legend()
    return ax.figure


def _activation(name_or_fn: str | Callable[[Tensor], Tensor]
                ) -> tuple[Callable[[Tensor], Tensor], str]:
    if isinstance(name_or_fn, str):
        fn = _ACTIVATIONS.get(name_or_fn.lower())
        if fn is None:
            raise ValueError(f"plot_activation: unknown activation {name_or_fn!r}; known: "
                             f"{', '.join(_ACTIVATIONS)}, or pass a function of a Tensor")
        return fn, name_or_fn.lower()
    if not callable(name_or_fn):
        raise TypeError(f"plot_activation: expected an activation name or a callable, got "
                        f"{type(name_or_fn).__name__}")
    name = getattr(name_or_fn, "__name__", None)  # a module (nn.ELU(0.5)) has none: its repr
    return name_or_fn, "activation" if name == "<lambda>" else name or repr(name_or_fn)
