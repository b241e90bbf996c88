"""The playground's state and training, in plain Python: no web server needed.

``Settings`` holds what the page's form chooses and checks it (``Settings.from_dict`` turns the
page's JSON into settings or raises ``SettingsError`` with a message for the page).
``Playground`` owns the data, the network (``nn.Sequential`` of ``nn.Linear`` layers and
activations), the optimizer (``nn.optim.SGD``) and the epoch counter; ``step`` trains,
``snapshot`` gives everything the page draws, and ``inspect`` / ``backward_step`` the
computation of one training point (see ``inspector``).

The network is the course's playground's: the chosen features, the hidden layers, one output
neuron (tanh for classification with labels -1/+1, linear for regression), and the loss
L = 1/2 (yhat - y)^2 averaged over the points; L1 or L2 regularisation adds
rate * sum |w| or rate * sum w^2 over the weights (not the biases) to the training objective.
The reported losses are the data term alone.
"""

from __future__ import annotations

import base64
import math
from dataclasses import asdict, dataclass, fields, replace
from numbers import Integral, Real
from typing import Any

import numpy as np

from .. import nn
from ..engine import no_grad
from ..nn.data import train_test_split
from ..nn.optim import SGD
from ..tensor import Tensor
from .datasets import DATASETS, EXTENT, FEATURES, N_SAMPLES, feature_matrix, grid_points
from .inspector import Inspection, PointNetwork

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
REGULARIZATIONS = ("none", "L1", "L2")
MAX_LAYERS = 6
MAX_NEURONS = 8
MAX_BATCH = 30
MAX_NOISE = 0.5
TRAIN_FRACTIONS = (0.1, 0.9)
MAX_RATE = 10.0
RESOLUTION = 48  # heat-map cells per side
HISTORY_POINTS = 300  # the loss curve sent to the page is thinned to about this many points


class SettingsError(ValueError):
    """A setting the page sent is out of range or of the wrong kind; the message says which
    and what is allowed."""


@dataclass(frozen=True)
class Settings:
    """The form's choices (the course's playground's defaults)."""

    dataset: str = "circle"
    noise: float = 0.0  # 0 to 0.5, scaled to each data set
    train_fraction: float = 0.5  # the share of the points used for training
    batch_size: int = 10
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)  # neurons per hidden layer
    activation: str = "tanh"
    learning_rate: float = 0.03
    regularization: str = "none"
    regularization_rate: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        _check_settings(self)

    @classmethod
    def from_dict(cls, data: Any, base: Settings | None = None) -> Settings:
        """Settings from the page's JSON object: the keys it gives replace those of ``base``
        (the defaults when None). Raises ``SettingsError`` naming the bad field."""
        if not isinstance(data, dict):
            raise SettingsError(f"settings must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s) {', '.join(unknown)}; known: "
                                f"{', '.join(sorted(known))}")
        parsed = {name: _PARSERS[name](name.replace("_", " "), value)
                  for name, value in data.items()}
        return replace(base or cls(), **parsed)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @property
    def task(self) -> str:
        return DATASETS[self.dataset].task


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (Real, str)):
        raise SettingsError(f"{name}: expected a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise SettingsError(f"{name}: expected a finite number, got {value!r}")
    return number


def _integer(name: str, value: Any) -> int:
    number = _number(name, value)
    if number != int(number):
        raise SettingsError(f"{name}: expected a whole number, got {value!r}")
    return int(number)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{name}: expected a name, got {value!r}")
    return value


def _names(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise SettingsError(f"{name}: expected a list of names, got {value!r}")
    return tuple(_text(name, item) for item in value)


def _sizes(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        raise SettingsError(f"{name}: expected a list of layer sizes, got {value!r}")
    return tuple(_integer(f"{name} (layer {i})", item) for i, item in enumerate(value, 1))


_PARSERS = {"dataset": _text, "noise": _number, "train_fraction": _number,
            "batch_size": _integer, "features": _names, "hidden": _sizes,
            "activation": _text, "learning_rate": _number, "regularization": _text,
            "regularization_rate": _number, "seed": _integer}


def _check_settings(s: Settings) -> None:
    """Every rule the form must obey; the first broken one raises ``SettingsError``."""
    if s.dataset not in DATASETS:
        raise SettingsError(f"data set {s.dataset!r} unknown; choose one of {', '.join(DATASETS)}")
    _check_range("noise", s.noise, 0.0, MAX_NOISE)
    _check_range("train fraction", s.train_fraction, *TRAIN_FRACTIONS)
    _check_count("batch size", s.batch_size, 1, MAX_BATCH)
    if not s.features:
        raise SettingsError("no input feature chosen: the network needs at least one (e.g. x1)")
    for name in s.features:
        if name not in FEATURES:
            raise SettingsError(f"feature {name!r} unknown; choose from {', '.join(FEATURES)}")
    if len(set(s.features)) != len(s.features):
        raise SettingsError(f"features: each feature at most once, got {list(s.features)}")
    if len(s.hidden) > MAX_LAYERS:
        raise SettingsError(f"at most {MAX_LAYERS} hidden layers, got {len(s.hidden)}")
    for i, size in enumerate(s.hidden, 1):
        if isinstance(size, bool) or not isinstance(size, Integral) or not 1 <= size <= MAX_NEURONS:
            raise SettingsError(f"hidden layer {i} has {size} neurons; each hidden layer needs "
                                f"1 to {MAX_NEURONS} (remove the layer instead of emptying it)")
    if s.activation not in ACTIVATIONS:
        raise SettingsError(f"activation {s.activation!r} unknown; choose one of "
                            f"{', '.join(ACTIVATIONS)}")
    if not 0 < s.learning_rate <= MAX_RATE:
        raise SettingsError(f"learning rate must be positive and at most {MAX_RATE:g}, got "
                            f"{s.learning_rate:g}")
    if s.regularization not in REGULARIZATIONS:
        raise SettingsError(f"regularization {s.regularization!r} unknown; choose one of "
                            f"{', '.join(REGULARIZATIONS)}")
    _check_range("regularization rate", s.regularization_rate, 0.0, MAX_RATE)
    _check_count("seed", s.seed, 0, 2 ** 32 - 1)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, got {value!r}")


def _check_count(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}, got {value!r}")


# Settings that only change how the next steps train: the network and its epoch stay.
_TRAINING_ONLY = {"learning_rate", "regularization", "regularization_rate", "batch_size"}


class Playground:
    """Data, network, optimizer and epoch counter of one page (see the module docstring)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._resets = 0
        self._grid = grid_points(RESOLUTION)
        self._make_data()
        self.reset()

    # ---- changing things -------------------------------------------------------------

    def update(self, settings: Settings) -> bool:
        """Switch to ``settings``; returns whether the network started afresh. A change of
        learning rate, regularisation or batch size keeps training the same network; any other
        change makes new data (when the data's settings changed) and new weights."""
        changed = {f.name for f in fields(Settings)
                   if getattr(settings, f.name) != getattr(self.settings, f.name)}
        data_changed = bool(changed & {"dataset", "noise", "train_fraction", "seed"})
        self.settings = settings
        if changed <= _TRAINING_ONLY:
            self.optimizer.param_groups[0]["lr"] = settings.learning_rate
            return False
        if data_changed:
            self._make_data()
        self.reset()
        return True

    def reset(self) -> None:
        """New random weights (a new draw on every reset, repeatable from the seed), epoch 0."""
        generator = np.random.default_rng([self.settings.seed, self._resets])
        self._resets += 1
        sizes = [len(self.settings.features), *self.settings.hidden, 1]
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(n_in, n_out, generator=generator))
            last = i == len(sizes) - 2
            layers.append(self._output_activation() if last
                          else ACTIVATIONS[self.settings.activation]())
        self.model = nn.Sequential(*layers)
        self.linears: list[nn.Linear] = [m for m in layers if isinstance(m, nn.Linear)]
        self.optimizer = SGD(self.model.parameters(), lr=self.settings.learning_rate)
        self._shuffler = np.random.default_rng([self.settings.seed, self._resets, 1])
        self.epoch = 0
        self.history: list[tuple[int, float, float]] = [(0, *self.losses())]
        self._point_network: PointNetwork | None = None

    def _output_activation(self) -> nn.Module:
        return nn.Tanh() if self.settings.task == "classification" else nn.Identity()

    def _make_data(self) -> None:
        s = self.settings
        rng = np.random.default_rng(s.seed)
        X, y = DATASETS[s.dataset].make(N_SAMPLES, s.noise, rng)
        self.points_train, self.points_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=1 - s.train_fraction, seed=rng)

    # ---- training --------------------------------------------------------------------

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` passes over the training points in shuffled mini-batches: for each
        batch, L + penalty -> backward -> SGD step."""
        if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
            raise ValueError(f"Playground.step: epochs must be a positive int, got {epochs!r}")
        X = self.inputs(self.points_train)
        for _ in range(epochs):
            order = self._shuffler.permutation(len(X))
            for start in range(0, len(X), self.settings.batch_size):
                rows = order[start:start + self.settings.batch_size]
                objective = self._loss(self.model(Tensor(X[rows])), self.y_train[rows])
                penalty = self._penalty()
                if penalty is not None:
                    objective = objective + penalty
                self.optimizer.zero_grad()
                objective.backward()
                self.optimizer.step()
            self.epoch += 1
            self.history.append((self.epoch, *self.losses()))
        self._point_network = None

    @staticmethod
    def _loss(prediction: Tensor, target: np.ndarray) -> Tensor:
        """L = mean over the points of 1/2 (yhat - y)^2 (so that dL/dyhat = yhat - y per point,
        over the batch size)."""
        return 0.5 * nn.MSELoss()(prediction, Tensor(target))

    def _penalty(self) -> Tensor | None:
        s = self.settings
        if s.regularization == "none" or s.regularization_rate == 0:
            return None
        weights = [layer.weight for layer in self.linears]
        penalty = nn.l1_penalty if s.regularization == "L1" else nn.l2_penalty
        return penalty(weights, s.regularization_rate)

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """The chosen features of ``points`` (n, 2): the network's input."""
        return feature_matrix(points, self.settings.features)

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The network's output for ``points`` (n, 2), shape (n, 1)."""
        with no_grad():
            return self.model(Tensor(self.inputs(points))).data

    def losses(self) -> tuple[float, float]:
        """(train loss, test loss): mean 1/2 (yhat - y)^2, without the penalty."""
        train = 0.5 * float(np.mean((self.predict(self.points_train) - self.y_train) ** 2))
        test = 0.5 * float(np.mean((self.predict(self.points_test) - self.y_test) ** 2))
        return train, test

    def accuracy(self, split: str = "test") -> float | None:
        """The share of points on the right side of 0 (classification only)."""
        if self.settings.task != "classification":
            return None
        points, y = ((self.points_test, self.y_test) if split == "test"
                     else (self.points_train, self.y_train))
        return float(np.mean(np.sign(self.predict(points)) == y))

    # ---- what the page draws ---------------------------------------------------------

    def neuron_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        """For each layer after the inputs, its neurons' outputs at ``points``: arrays
        (n, width), the last one the output neuron's."""
        outputs = []
        with no_grad():
            h = Tensor(self.inputs(points))
            for module in self.model:
                h = module(h)
                if not isinstance(module, nn.Linear):
                    outputs.append(h.data)
        return outputs

    def snapshot(self, full: bool = True) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready data. Heat maps are RESOLUTION^2 bytes
        (base64), row by row from the top, 0 for -1 or less, 255 for +1 or more. ``full`` adds
        what changes only with the settings: the points and the features' maps."""
        train, test = self.history[-1][1:]
        outputs = self.neuron_outputs(self._grid)
        state: dict[str, Any] = {
            "epoch": self.epoch,
            "train_loss": train,
            "test_loss": test,
            "test_accuracy": self.accuracy("test"),
            "history": _thinned(self.history),
            "layers": [len(self.settings.features), *self.settings.hidden, 1],
            "weights": [layer.weight.data.tolist() for layer in self.linears],
            "biases": [layer.bias.data.tolist() for layer in self.linears],
            "maps": [[_heat_map(out[:, j]) for j in range(out.shape[1])] for out in outputs],
            "settings": self.settings.to_dict(),
            "task": self.settings.task,
        }
        if full:
            inputs = self.inputs(self._grid)
            state.update({
                "resolution": RESOLUTION,
                "extent": EXTENT,
                "feature_maps": [_heat_map(column / max(np.abs(column).max(), 1e-12))
                                 for column in inputs.T],
                "train_points": _points(self.points_train, self.y_train),
                "test_points": _points(self.points_test, self.y_test),
            })
        return state

    # ---- one point's computation -----------------------------------------------------

    def point_network(self, point: int) -> PointNetwork:
        """The scalar copy of the network for training point ``point``, after backward
        (kept until the weights change)."""
        if isinstance(point, bool) or not isinstance(point, Integral) or not (
                0 <= point < len(self.points_train)):
            raise ValueError(f"point must be a training point's index from 0 to "
                             f"{len(self.points_train) - 1}, got {point!r}")
        cached = self._point_network
        if cached is None or cached.point != point:
            cached = PointNetwork(point, self.settings.features,
                                  self.inputs(self.points_train[point:point + 1])[0],
                                  float(self.y_train[point, 0]), self.linears,
                                  self.settings.activation, self.settings.task)
            self._point_network = cached
        return cached

    def inspect(self, point: int, neuron: tuple[int, int] | None = None,
                weight: tuple[int, int, int] | None = None) -> Inspection:
        """What the page shows when a neuron (layer, index) or a weight (layer, to, from) is
        clicked, for training point ``point``: see ``PointNetwork.inspect``."""
        return self.point_network(point).inspect(neuron=neuron, weight=weight)


def _heat_map(values: np.ndarray) -> str:
    scaled = np.round((np.clip(values, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    return base64.b64encode(scaled.tobytes()).decode("ascii")


def _points(X: np.ndarray, y: np.ndarray) -> list[list[float]]:
    return np.round(np.column_stack([X, y]), 4).tolist()


def _thinned(history: list[tuple[int, float, float]]) -> list[list[float]]:
    stride = max(1, math.ceil(len(history) / HISTORY_POINTS))
    kept = history[::stride]
    if kept[-1] is not history[-1]:
        kept.append(history[-1])
    return [list(entry) for entry in kept]
