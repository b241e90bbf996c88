"""The playground's 2-D data sets and input features.

Points lie in the square [-6, 6]^2 (``EXTENT``), the scale of the course's playground, so that
features such as sin(x1) and x1^2 have room to matter. The classification sets reuse
``nn.datasets`` (scaled up); the two regression surfaces are defined here. Classification
labels are -1 and +1 (the output neuron is a tanh), regression targets lie in about [-1, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..nn.datasets import make_blobs, make_circles, make_spirals, make_xor_quadrants

EXTENT = 6.0  # the square [-EXTENT, EXTENT]^2 that the pages' pictures show
RADIUS = 5.0  # the data sets fill about the disc of this radius
N_SAMPLES = 500

Maker = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class PlaygroundDataset:
    """One data set of the page: ``make(n, noise, rng)`` returns X (n, 2) and y (n, 1)."""

    name: str
    title: str
    task: str  # "classification" (y in {-1, +1}) or "regression"
    make: Maker


def _signed(labels: np.ndarray) -> np.ndarray:
    """Class 0/1 labels as the column of -1/+1 that a tanh output aims at."""
    return (2.0 * labels - 1.0).reshape(-1, 1)


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_circles(n, noise=noise / 2, factor=0.5, seed=rng)  # the inner circle is +1
    return RADIUS * X, _signed(y)


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_xor_quadrants(n, noise=noise / 2, margin=0.06, seed=rng)
    # make_xor_quadrants labels 1 where the signs differ; the playground colours x1 x2 > 0 +1
    return RADIUS * X, -_signed(y)


def _gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
    X, y = make_blobs(n, centers=centres, noise=0.5 + 3 * noise, seed=rng)
    return X, _signed(y)


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_spirals(n, noise=noise / 4, n_arms=2, turns=1.75, seed=rng)
    return RADIUS * X, _signed(y)


def _uniform(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(-RADIUS, RADIUS, size=(n, 2))


def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = _uniform(n, rng)
    y = (X[:, :1] + X[:, 1:]) / (2 * RADIUS)  # a tilted plane from -1 to 1
    return X, y + rng.normal(scale=noise, size=y.shape)


# (x1, x2, sign) of the bumps of the "regression Gaussian" surface, each of width 1.2
BUMPS = ((-3.0, 2.5, 1.0), (0.0, 2.5, -1.0), (3.0, 2.5, 1.0),
         (-3.0, -2.5, -1.0), (0.0, -2.5, 1.0), (3.0, -2.5, -1.0))


def bumps(X: np.ndarray) -> np.ndarray:
    """sum_k sign_k exp(-|x - c_k|^2 / (2 * 1.2^2)): a surface of hills and hollows."""
    total = np.zeros(len(X))
    for cx, cy, sign in BUMPS:
        total += sign * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / (2 * 1.2 ** 2))
    return total.reshape(-1, 1)


def _bumps(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = _uniform(n, rng)
    y = bumps(X)
    return X, y + rng.normal(scale=noise, size=y.shape)


DATASETS: dict[str, PlaygroundDataset] = {d.name: d for d in (
    PlaygroundDataset("circle", "circle", "classification", _circle),
    PlaygroundDataset("xor", "exclusive or", "classification", _xor),
    PlaygroundDataset("gauss", "two Gaussians", "classification", _gauss),
    PlaygroundDataset("spiral", "spiral", "classification", _spiral),
    PlaygroundDataset("reg-plane", "plane (regression)", "regression", _plane),
    PlaygroundDataset("reg-gauss", "Gaussian hills (regression)", "regression", _bumps),
)}


# ---- input features ------------------------------------------------------------------------

FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}


def feature_matrix(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The network's input: one column per chosen feature of the points ``X`` (n, 2)."""
    return np.column_stack([FEATURES[name](X) for name in names])


def grid_points(resolution: int) -> np.ndarray:
    """The centres of a resolution x resolution grid over the square, row by row from the top
    (x2 = +EXTENT) down, each row from left to right: the order of an image's pixels."""
    step = 2 * EXTENT / resolution
    centres = -EXTENT + step * (np.arange(resolution) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])
