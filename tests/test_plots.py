"""autograd_core.plots: each plot renders to a PNG and draws what it should, headless."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograd_core import Tensor, Value, nn  # noqa: E402
from autograd_core.plots import (  # noqa: E402
    SCALAR_MODEL_MAX_RESOLUTION,
    optimizer_trajectory,
    plot_activation,
    plot_decision_boundary,
    plot_history,
    plot_loss_surface,
)


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def assert_png(fig: Any, path: Path) -> None:
    """The figure saves to a PNG with real content (a blank 640x480 figure is ~2 KB)."""
    fig.savefig(path)
    assert path.exists()
    assert path.stat().st_size > 10_000


def legend_labels(ax: Any) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [text.get_text() for text in legend.get_texts()]


# ---- matplotlib stays optional -------------------------------------------------------------------

def test_importing_the_package_and_plots_module_does_not_need_matplotlib() -> None:
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import autograd_core, autograd_core.plots, nn\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


@pytest.mark.parametrize("call", [
    lambda: plot_history({"loss": [1.0, 0.5]}),
    lambda: plot_decision_boundary(lambda t: t[:, 0], [[0.0, 0.0], [1.0, 1.0]], [0, 1]),
    lambda: plot_loss_surface(lambda x, y: x * x + y * y, (-1, 1), (-1, 1)),
    lambda: plot_loss_surface(lambda x, y: x * x + y * y, (-1, 1), (-1, 1), kind="surface"),
    lambda: plot_activation("relu"),
], ids=["history", "decision_boundary", "contour", "surface", "activation"])
def test_without_matplotlib_each_plot_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, call: Callable[[], Any]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib.*plots"):
        call()


def test_optimizer_trajectory_needs_no_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    path = optimizer_trajectory(lambda p: (p * p).sum(), (1.0, 1.0),
                                lambda ps: nn.optim.SGD(ps, lr=0.25), 2)
    assert path == [(1.0, 1.0), (0.5, 0.5), (0.25, 0.25)]


# ---- plot_history ------------------------------------------------------------------------------

HISTORY = {"loss": [1.0, 0.6, 0.4, 0.3], "val_loss": [1.1, 0.8, 0.6, 0.55],
           "accuracy": [0.5, 0.7, 0.8, 0.9], "val_accuracy": [0.4, 0.6, 0.7, 0.75]}


def test_history_pairs_train_and_validation_on_separate_loss_and_accuracy_axes(
        tmp_path: Path) -> None:
    fig = plot_history(HISTORY)
    assert_png(fig, tmp_path / "history.png")
    loss_ax, accuracy_ax = fig.axes
    assert (loss_ax.get_title(), accuracy_ax.get_title()) == ("loss", "accuracy")
    assert legend_labels(loss_ax) == ["loss", "val_loss"]
    assert legend_labels(accuracy_ax) == ["accuracy", "val_accuracy"]
    assert accuracy_ax.get_ylim() == (-0.02, 1.02)
    train, val = loss_ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(val.get_ydata(), HISTORY["val_loss"])
    assert train.get_linestyle() == "-" and val.get_linestyle() == "--"


def test_history_as_a_list_of_step_dicts_with_sparse_validation_and_percentages() -> None:
    steps = [{"epoch": 10 * i, "loss": Tensor(1.0 / (i + 1)), "acc": 50.0 + 10 * i}
             for i in range(4)]
    for i in (1, 3):  # validation only every other epoch
        steps[i]["val_loss"] = Value(1.5 / (i + 1))
    fig = plot_history(steps)
    loss_ax, accuracy_ax = fig.axes
    val = loss_ax.get_lines()[1]
    np.testing.assert_array_equal(val.get_xdata(), [10, 30])  # the gaps are joined
    np.testing.assert_allclose(val.get_ydata(), [0.75, 0.375])
    assert loss_ax.get_xlabel() == "epoch"
    assert accuracy_ax.get_ylim() == (-2.0, 102.0)
    assert accuracy_ax.get_ylabel() == "accuracy (%)"


def test_history_metrics_picks_panels_and_draws_into_given_axes() -> None:
    fig = plot_history(HISTORY, metrics=["val_accuracy"])  # a validation name means its metric
    assert [ax.get_title() for ax in fig.axes] == ["accuracy"]

    fig, (left, right) = plt.subplots(1, 2)
    assert plot_history(HISTORY, metrics=["accuracy", "loss"], ax=[left, right]) is fig
    assert (left.get_title(), right.get_title()) == ("accuracy", "loss")
    assert len(plt.get_fignums()) == 2  # nothing new was opened


def test_history_from_fit_is_drawn_against_its_epochs(tmp_path: Path) -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, np.array([0, 1, 1, 0])), batch_size=2)
    model = nn.Sequential(nn.Linear(2, 4, generator=np.random.default_rng(0)), nn.Tanh(),
                          nn.Linear(4, 2, generator=np.random.default_rng(1)))
    history = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                     loader, epochs=3, val_loader=loader, progress=False)
    fig = plot_history(history)
    assert_png(fig, tmp_path / "fit.png")
    loss_ax, accuracy_ax = fig.axes
    assert (loss_ax.get_title(), accuracy_ax.get_title()) == ("loss", "accuracy")
    assert legend_labels(loss_ax) == ["loss", "val_loss"]
    assert loss_ax.get_xlabel() == "epoch"
    train, val = loss_ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(val.get_ydata(), history["val_loss"])
    assert "epoch" not in history.history  # the x-axis was added for the drawing only


@pytest.mark.parametrize(("history", "kwargs", "error", "match"), [
    ({}, {}, ValueError, "empty"),
    ({"epoch": [1, 2]}, {}, ValueError, "no metrics"),
    (HISTORY, {"metrics": ["f1"]}, ValueError, "no metric 'f1'.*accuracy"),
    ({"loss": [1.0, "low"]}, {}, TypeError, r"history\['loss'\]"),
    ({"loss": 0.5}, {}, TypeError, "list of numbers"),
    ("loss", {}, TypeError, "dict of lists"),
    (HISTORY, {"ax": "two axes please"}, ValueError, "2 panels.*1 axes"),
])
def test_history_rejects_bad_input(history: Any, kwargs: dict[str, Any], error: type,
                                   match: str) -> None:
    with pytest.raises(error, match=match):
        plot_history(history, **kwargs)


# ---- plot_activation ---------------------------------------------------------------------------

def test_relu_derivative_from_the_engine_is_the_step_function(tmp_path: Path) -> None:
    fig = plot_activation("relu")
    assert_png(fig, tmp_path / "relu.png")
    ax = fig.axes[0]
    f, df = ax.get_lines()
    assert legend_labels(ax) == ["f", "f'"]
    x = f.get_xdata()
    assert x[0] == -5 and x[-1] == 5 and 0.0 in x
    np.testing.assert_array_equal(f.get_ydata(), np.maximum(x, 0))
    np.testing.assert_array_equal(df.get_ydata(), (x > 0).astype(float))  # relu'(0) = 0


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "tanh", "sigmoid", "softplus"])
def test_each_named_activation_has_a_derivative_matching_finite_differences(name: str) -> None:
    f, df = plot_activation(name, xlim=(-3, 3)).axes[0].get_lines()
    x, y, slope = f.get_xdata(), f.get_ydata(), df.get_ydata()
    numeric = np.gradient(y, x)
    smooth = np.abs(x) > 0.05  # away from the kink of the ReLU family
    np.testing.assert_allclose(slope[smooth], numeric[smooth], atol=1e-3)
    assert f.axes.get_title() == name


def test_a_callable_activation_draws_into_the_given_axes() -> None:
    fig, ax = plt.subplots()
    swish = lambda t: t * t.sigmoid()
    assert plot_activation(swish, xlim=(-2, 4), ax=ax) is fig
    f, df = ax.get_lines()
    x = f.get_xdata()
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(df.get_ydata(), s + x * s * (1 - s), rtol=1e-12)
    assert (x[0], x[-1]) == (-2, 4)

    fig = plot_activation(nn.ELU(0.5))  # a module is a callable too
    assert fig.axes[0].get_title() == "ELU(alpha=0.5)"


@pytest.mark.parametrize(("activation", "kwargs", "error", "match"), [
    ("swishy", {}, ValueError, "unknown activation 'swishy'.*relu"),
    (42, {}, TypeError, "name or a callable"),
    (lambda t: Tensor(t.data ** 2), {}, TypeError, "not connected"),
    (lambda t: t.sum(), {}, TypeError, "same shape"),
    (lambda t: t.data, {}, TypeError, "got ndarray"),
    ("tanh", {"xlim": (1, -1)}, ValueError, "low < high"),
    ("tanh", {"xlim": 5}, TypeError, "pair of numbers"),
])
def test_activation_rejects_bad_input(activation: Any, kwargs: dict[str, Any], error: type,
                                      match: str) -> None:
    with pytest.raises(error, match=match):
        plot_activation(activation, **kwargs)


# ---- optimizer_trajectory ----------------------------------------------------------------------

def bowl(p: Any) -> Any:
    """f(x, y) = x^2 + 10 y^2: its gradient (2x, 20y) makes gradient descent easy to follow."""
    return p[0] ** 2 + 10 * p[1] ** 2


def rosenbrock(x: Any, y: Any) -> Any:
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def test_sgd_trajectory_follows_the_gradient_descent_formula() -> None:
    lr = 0.02
    path = optimizer_trajectory(bowl, (2.0, 1.0), lambda ps: nn.optim.SGD(ps, lr=lr), 10)
    assert len(path) == 11 and path[0] == (2.0, 1.0)
    k = np.arange(11)
    # x <- x - lr * 2x and y <- y - lr * 20y: geometric sequences
    np.testing.assert_allclose(np.array(path), np.column_stack(
        [2.0 * (1 - 2 * lr) ** k, 1.0 * (1 - 20 * lr) ** k]), rtol=1e-12)


def test_armijo_gd_trajectory_decreases_the_loss_at_every_step() -> None:
    path = optimizer_trajectory(lambda p: rosenbrock(p[0], p[1]), (-1.5, 2.0),
                                lambda ps: nn.optim.GD(ps, lr=1.0), 40)
    assert len(path) == 41
    losses = [rosenbrock(x, y) for x, y in path]
    assert all(after < before for before, after in zip(losses, losses[1:]))
    assert losses[-1] < 0.05 * losses[0]


def test_adam_trajectory_heads_for_the_minimum() -> None:
    path = optimizer_trajectory(bowl, (2.0, 1.0), lambda ps: nn.optim.Adam(ps, lr=0.1), 200)
    assert np.hypot(*path[-1]) < 0.05


@pytest.mark.parametrize(("f", "start", "steps", "error", "match"), [
    (lambda p: float(p.data.sum()), (0.0, 0.0), 1, TypeError, "0-d Tensor.*got float"),
    (lambda p: p * p, (0.0, 0.0), 1, TypeError, r"shape \(2,\)"),
    (bowl, (0.0, 0.0, 0.0), 1, ValueError, "start must be 2 numbers"),
    (bowl, (0.0, 0.0), -1, ValueError, "steps must be an int >= 0"),
    (bowl, (0.0, 0.0), 2.5, ValueError, "steps must be an int >= 0"),
])
def test_optimizer_trajectory_rejects_bad_input(f: Any, start: Any, steps: Any, error: type,
                                                match: str) -> None:
    with pytest.raises(error, match=match):
        optimizer_trajectory(f, start, lambda ps: nn.optim.SGD(ps, lr=0.1), steps)


# ---- plot_loss_surface -------------------------------------------------------------------------

def course_surface(x: Any, y: Any) -> Any:
    """The loss-surface example of the course notes (002): bumps on a bowl."""
    r = x ** 2 + y ** 2
    return np.sin(r) + r + 2 * np.sin(3 * x) * np.sin(3 * y)


def test_contour_with_trajectories(tmp_path: Path) -> None:
    paths = {name: optimizer_trajectory(lambda p: rosenbrock(p[0], p[1]), (-1.5, 2.0),
                                        factory, 25)
             for name, factory in [("Adam", lambda ps: nn.optim.Adam(ps, lr=0.1)),
                                   ("GD", lambda ps: nn.optim.GD(ps, lr=1.0))]}
    fig = plot_loss_surface(rosenbrock, (-2, 2), (-1, 3), trajectories=paths, resolution=60,
                            log_scale=True)
    assert_png(fig, tmp_path / "rosenbrock.png")
    ax = fig.axes[0]
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 3.0)
    assert len(ax.collections) == 2  # filled contours and their lines
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["Adam", "GD"]
    assert all(len(line.get_xdata()) == 26 for line in lines)
    np.testing.assert_array_equal(lines[1].get_xydata(), paths["GD"])
    assert legend_labels(ax) == ["Adam", "GD"]
    # Levels are drawn in log10 units: Rosenbrock spans about 1e-4 .. 2.5e3 on this grid.
    levels = ax.collections[0].levels
    assert -5 < levels.min() < 0 < 3 < levels.max() < 4
    assert fig.axes[1].get_ylabel() == "log10 f(x, y)"  # the colour bar


def test_surface_lifts_trajectories_to_the_loss(tmp_path: Path) -> None:
    path = [(2.0, 2.0), (1.0, 1.5), (0.5, 0.2), (0.0, 0.0)]
    fig = plot_loss_surface(course_surface, (-3, 3), (-3, 3), kind="surface",
                            trajectories={"by hand": path}, resolution=50)
    assert_png(fig, tmp_path / "course_surface.png")
    ax = fig.axes[0]
    assert ax.name == "3d"
    (line,) = ax.get_lines()
    xs, ys, zs = line.get_data_3d()
    np.testing.assert_allclose(zs, [course_surface(x, y) for x, y in path])
    assert legend_labels(ax) == ["by hand"]


def test_surface_into_given_3d_axes_and_not_into_2d_axes() -> None:
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    assert plot_loss_surface(course_surface, (-1, 1), (-1, 1), kind="surface", ax=ax,
                             resolution=10) is fig
    with pytest.raises(ValueError, match="3-D axes"):
        plot_loss_surface(course_surface, (-1, 1), (-1, 1), kind="surface",
                          ax=plt.figure().add_subplot())


def test_f_on_floats_or_tensors_gives_the_same_picture_as_f_on_arrays() -> None:
    calls = []

    def on_floats(x: float, y: float) -> float:
        calls.append(1)
        r = x * x + y * y
        return math.sin(r) + r + 2 * math.sin(3 * x) * math.sin(3 * y)

    def on_tensors(x: Tensor, y: Tensor) -> Tensor:
        r = x * x + y * y
        return r.sin() + r + 2 * (3 * x).sin() * (3 * y).sin()

    fans = [plot_loss_surface(f, (-3, 3), (-3, 3), resolution=20, levels=12).axes[0]
            for f in (course_surface, on_floats, on_tensors)]
    assert len(calls) >= 20 * 20  # the fallback went point by point
    reference = fans[0].collections[0].levels
    for ax in fans[1:]:
        np.testing.assert_allclose(ax.collections[0].levels, reference)


def test_explicit_contour_levels() -> None:
    fig = plot_loss_surface(lambda x, y: x * x + y * y, (-1, 1), (-1, 1), levels=[0.1, 0.5, 1],
                            resolution=20)
    np.testing.assert_array_equal(fig.axes[0].collections[0].levels, [0.1, 0.5, 1])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"kind": "wireframe"}, ValueError, "kind must be 'contour' or 'surface'"),
    ({"xlim": (1, 1)}, ValueError, "xlim must be finite with low < high"),
    ({"ylim": (0, math.inf)}, ValueError, "ylim must be finite"),
    ({"resolution": 1}, ValueError, "resolution must be an int >= 2"),
    ({"levels": 0}, ValueError, "levels must be at least 1"),
    ({"levels": "many"}, TypeError, "levels must be a count"),
    ({"levels": [1, 0.5]}, ValueError, "increasing"),
    ({"log_scale": True}, ValueError, "log_scale needs f > 0.*-1"),
    ({"trajectories": [(0, 0)]}, TypeError, "dict name -> sequence"),
    ({"trajectories": {"sgd": [0, 1, 2]}}, ValueError, "trajectory 'sgd'"),
])
def test_loss_surface_rejects_bad_input(kwargs: dict[str, Any], error: type, match: str) -> None:
    arguments = {"xlim": (-1, 1), "ylim": (-1, 1), "resolution": 10, **kwargs}
    with pytest.raises(error, match=match):
        plot_loss_surface(lambda x, y: x * y - 0.5, **arguments)


# ---- plot_decision_boundary --------------------------------------------------------------------

X = np.array([[0.0, 0.0], [1.0, 0.2], [0.3, 2.0], [2.0, 1.0], [1.0, 1.5]])
Y = np.array([0, 1, 0, 1, 0])  # label 1 where x1 > x2


def diagonal_linear() -> nn.Linear:
    """score = x1 - x2: the boundary is the diagonal x1 = x2."""
    layer = nn.Linear(2, 1)
    layer.weight.data[...] = [[1.0, -1.0]]
    layer.bias.data[...] = 0.0
    return layer


def boundary_vertices(ax: Any) -> np.ndarray:
    """The points of the black score = 0 line."""
    lines = ax.collections[1]
    return np.vstack([path.vertices for path in lines.get_paths() if len(path.vertices)])


def test_binary_tensor_model_boundary_over_the_data_with_margin(tmp_path: Path) -> None:
    fig = plot_decision_boundary(diagonal_linear(), X, Y, resolution=80)
    assert_png(fig, tmp_path / "boundary.png")
    ax = fig.axes[0]
    # X spans [0, 2] in both coordinates; the grid adds 10% of that on every side
    assert ax.get_xlim() == pytest.approx((-0.2, 2.2))
    assert ax.get_ylim() == pytest.approx((-0.2, 2.2))
    filled, boundary, points = ax.collections
    assert filled.levels[0] < 0 < filled.levels[-1]
    vertices = boundary_vertices(ax)
    np.testing.assert_allclose(vertices[:, 0], vertices[:, 1], atol=1e-9)
    np.testing.assert_array_equal(points.get_offsets(), X)
    # the dots take the end colours of the map: label 1 like positive scores
    colours = points.get_facecolors()
    assert np.allclose(colours[1], colours[3]) and not np.allclose(colours[0], colours[1])


def test_one_dimensional_output_and_minus_one_plus_one_labels() -> None:
    fig = plot_decision_boundary(lambda t: t[:, 0] - t[:, 1], X.tolist(), 2 * Y - 1,
                                 resolution=40)
    vertices = boundary_vertices(fig.axes[0])
    np.testing.assert_allclose(vertices[:, 0], vertices[:, 1], atol=1e-9)


def test_scalar_model_runs_once_per_point_on_a_capped_grid() -> None:
    calls = []

    def scalar_model(x: list[float]) -> Value:
        calls.append(x)
        return Value(x[0]) - x[1]  # a Tensor batch fails here: Value() needs a number

    fig = plot_decision_boundary(scalar_model, X, Y, resolution=200)
    tensor_probe, *point_calls = calls
    assert isinstance(tensor_probe, Tensor)  # tried first, and failed
    assert len(point_calls) == 1 + SCALAR_MODEL_MAX_RESOLUTION ** 2  # a probe, then the grid
    assert all(len(x) == 2 and all(type(v) is float for v in x) for x in point_calls)
    vertices = boundary_vertices(fig.axes[0])
    np.testing.assert_allclose(vertices[:, 0], vertices[:, 1], atol=1e-9)


def test_micrograd_style_mlp_is_evaluated_without_a_graph() -> None:
    import random

    random.seed(0)
    model = nn.MLP(2, [4, 1])
    outputs = []

    def recording(x: list[float]) -> Value:
        out = model(x)
        outputs.append(out)
        return out

    plot_decision_boundary(recording, X, Y, resolution=20)
    assert len(outputs) == 1 + 20 * 20
    assert all(not out._parents for out in outputs)  # built under no_grad


def test_multiclass_regions_from_the_argmax() -> None:
    def three_class_scores(t: Tensor) -> Tensor:  # class 0 left, 1 right, 2 top
        return t @ Tensor([[-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) + Tensor([1.0, -1.0, -1.5])

    points = np.array([[-1.0, 0.0], [2.0, 0.0], [0.5, 3.0], [0.5, -1.0]])
    labels = np.array([0, 1, 2, 0])
    fig = plot_decision_boundary(three_class_scores, points, labels, resolution=50)
    filled, borders, dots = fig.axes[0].collections
    np.testing.assert_array_equal(filled.levels, [-0.5, 0.5, 1.5, 2.5])
    fig.canvas.draw()  # colours are computed when drawn
    colours = dots.get_facecolors()
    assert np.allclose(colours[0], colours[3]) and not np.allclose(colours[0], colours[1])

    def scalar_scores(x: list[float]) -> list[Value]:  # the same, one point at a time
        return [Value(-x[0] + 1), Value(x[0] - 1), Value(x[1] - 1.5)]

    fig = plot_decision_boundary(scalar_scores, points, labels, resolution=50)
    np.testing.assert_array_equal(fig.axes[0].collections[0].levels, [-0.5, 0.5, 1.5, 2.5])


def test_module_is_plotted_in_eval_mode_and_left_in_its_own_mode() -> None:
    model = nn.Sequential(diagonal_linear(), nn.Dropout(p=1.0))  # training: every score is 0
    model.train()
    fig = plot_decision_boundary(model, X, Y, resolution=30)
    assert len(fig.axes[0].collections) == 3  # the boundary line exists: dropout was off
    assert model.training and model[1].training


@pytest.mark.parametrize(("model", "X", "y", "error", "match"), [
    (diagonal_linear(), X[:, :1], Y, ValueError, r"X must have shape \(n, 2\)"),
    (diagonal_linear(), X, Y[:3], ValueError, "one label per row"),
    (lambda t: t.sum(), X, Y, TypeError, "neither a Tensor batch.*nor a list of 2 floats"),
    (lambda x: "yes", X, Y, TypeError, "neither"),
    (diagonal_linear(), X, [0, 1, 2, 0, 1], ValueError, "one output but y holds 3 classes"),
    (lambda t: t @ Tensor(np.eye(2)), X, [0, 1, 2, 0, 1], ValueError, "indices 0..1"),
])
def test_decision_boundary_rejects_bad_input(model: Any, X: Any, y: Any, error: type,
                                             match: str) -> None:
    with pytest.raises(error, match=match):
        plot_decision_boundary(model, X, y, resolution=10)


def test_decision_boundary_resolution_must_be_an_int_of_at_least_two() -> None:
    with pytest.raises(ValueError, match="resolution must be an int >= 2"):
        plot_decision_boundary(diagonal_linear(), X, Y, resolution=1)
