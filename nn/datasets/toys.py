"""Small generated data sets for the course's exercises: logic gates, toy 2-D classification sets
(moons, circles, spirals, Gaussian blobs, the TensorFlow playground's XOR quadrants) and 1-D
regression curves. Nothing is downloaded; the same ``seed`` gives the same arrays.

Conventions shared by every generator here:

- ``X`` is float64 of shape (n_samples, n_features); classification labels ``y`` are int64 of
  shape (n_samples,) in 0..n_classes-1, regression targets float64 of shape (n_samples, 1).
- ``noise`` is the standard deviation of Gaussian noise added to the points (to the targets for
  the regression curves); 0 gives the clean shape.
- Classes are as balanced as ``n_samples`` allows (sizes differ by at most one), and the rows
  are shuffled, except for the logic gates, which keep the truth table's order.
- ``seed`` is an int, a ``numpy.random.Generator`` or None (fresh entropy).
"""

from __future__ import annotations

import numpy as np

Seed = int | np.random.Generator | None

# Inputs (x1, x2) in the course's order; each gate's output for those four rows.
GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
LOGIC_GATES: dict[str, tuple[int, int, int, int]] = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
}

# name: (f, the interval x is drawn from)
CURVES = {
    "square": (np.square, (-1.0, 1.0)),
    "sine": (np.sin, (-np.pi, np.pi)),
}


def _check(function: str, n_samples: int, noise: float, minimum: int) -> None:
    if n_samples < minimum:
        raise ValueError(f"{function}: n_samples must be at least {minimum}, got {n_samples}")
    if noise < 0:
        raise ValueError(f"{function}: noise must be >= 0, got {noise}")


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """``n_samples`` split into ``n_classes`` sizes differing by at most one, larger first."""
    return [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]


def _labels(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _noisy_shuffled(X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(len(y))
    return X[order], y[order]


def logic_gate(gate: str, n_samples: int = 4, noise: float = 0.0, seed: Seed = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """A logic gate's truth table: ``X`` (n, 2) of inputs in {0, 1}, ``y`` (n,) its outputs.

    ``gate`` is "and", "or", "xor" or "nand" (any case). The rows are (0,0), (0,1), (1,0),
    (1,1), repeated in that order up to ``n_samples`` rows, so ``logic_gate("xor")`` is the
    table itself: y = [0, 1, 1, 0]. ``noise`` jitters the inputs (the labels stay exact).
    """
    table = LOGIC_GATES.get(gate.lower()) if isinstance(gate, str) else None
    if table is None:
        raise ValueError(f"logic_gate: unknown gate {gate!r}; expected one of "
                         f"{', '.join(LOGIC_GATES)}")
    _check("logic_gate", n_samples, noise, 4)
    rows = np.arange(n_samples) % 4
    X = GATE_INPUTS[rows] + np.random.default_rng(seed).normal(scale=noise, size=(n_samples, 2))
    return X, np.asarray(table, dtype=np.int64)[rows]


def make_moons(n_samples: int = 100, noise: float = 0.0,
               seed: int | np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in 2-D: ``X`` of shape (n, 2), labels ``y`` in {0, 1}.

    The upper moon is (cos t, sin t) and the lower one (1 - cos t, 1/2 - sin t) for t in
    [0, pi], with Gaussian noise of standard deviation ``noise``, shuffled.
    """
    if n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be at least 2, got {n_samples}")
    if noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.8,
                 seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles in 2-D: the unit circle (label 0) around one of radius ``factor``
    (label 1), points evenly spaced in angle; ``X`` (n, 2), ``y`` (n,)."""
    _check("make_circles", n_samples, noise, 2)
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor (the inner radius) must be in (0, 1), "
                         f"got {factor}")
    sizes = [n_samples // 2, n_samples - n_samples // 2]  # scikit-learn's split: outer first
    circles = []
    for radius, size in zip((1.0, factor), sizes):
        angle = np.linspace(0.0, 2 * np.pi, size, endpoint=False)
        circles.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _noisy_shuffled(np.vstack(circles), _labels(sizes), noise, np.random.default_rng(seed))


def make_spirals(n_samples: int = 100, noise: float = 0.0, n_arms: int = 2, turns: float = 1.0,
                 seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_arms`` interleaved spiral arms in 2-D, one class each; ``X`` (n, 2), ``y`` (n,) in
    0..n_arms-1.

    Arm k is r (cos a, sin a) with a = 2 pi (turns r + k / n_arms), r going from near 0 to 1:
    the arms are the same spiral rotated by a full turn / n_arms.
    """
    if n_arms < 2:
        raise ValueError(f"make_spirals: n_arms must be at least 2, got {n_arms}")
    _check("make_spirals", n_samples, noise, n_arms)
    if turns <= 0:
        raise ValueError(f"make_spirals: turns must be > 0, got {turns}")
    sizes = _class_sizes(n_samples, n_arms)
    arms = []
    for arm, size in enumerate(sizes):
        radius = (np.arange(size) + 0.5) / size  # never 0, where all the arms would meet
        angle = 2 * np.pi * (turns * radius + arm / n_arms)
        arms.append(radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _noisy_shuffled(np.vstack(arms), _labels(sizes), noise, np.random.default_rng(seed))


def make_blobs(n_samples: int = 100, centers: int | np.ndarray = 3, n_features: int = 2,
               noise: float = 1.0, seed: Seed = None,
               center_box: tuple[float, float] = (-10.0, 10.0)) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs, one class each: ``X`` (n, n_features), ``y`` (n,) in 0..k-1.

    ``centers`` is a count k (centres drawn uniformly in ``center_box`` in every coordinate,
    as scikit-learn does) or an array (k, n_features) of centres (then ``n_features`` is its
    width). ``noise`` is each blob's standard deviation (scikit-learn's ``cluster_std``).
    """
    rng = np.random.default_rng(seed)
    if isinstance(centers, (int, np.integer)):
        if centers < 1 or n_features < 1:
            raise ValueError(f"make_blobs: centers and n_features must be >= 1, got "
                             f"{centers} and {n_features}")
        middle = rng.uniform(*center_box, size=(int(centers), n_features))
    else:
        middle = np.asarray(centers, dtype=np.float64)
        if middle.ndim != 2 or len(middle) < 1:
            raise ValueError(f"make_blobs: centers must be a count or an array of shape "
                             f"(k, n_features), got shape {middle.shape}")
    _check("make_blobs", n_samples, noise, len(middle))
    sizes = _class_sizes(n_samples, len(middle))
    labels = _labels(sizes)
    return _noisy_shuffled(middle[labels], labels, noise, rng)


def make_xor_quadrants(n_samples: int = 100, noise: float = 0.0, margin: float = 0.05,
                       seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """The TensorFlow playground's "exclusive or" set: points in the square [-1, 1]^2, label 1
    where the coordinates' signs differ (x1 > 0 XOR x2 > 0), 0 in the other two quadrants.

    Each coordinate's magnitude is uniform in [``margin``, 1], leaving a gap along the axes as
    the playground does; the four quadrants get equal shares. ``X`` (n, 2), ``y`` (n,).
    """
    _check("make_xor_quadrants", n_samples, noise, 4)
    if not 0 <= margin < 1:
        raise ValueError(f"make_xor_quadrants: margin must be in [0, 1), got {margin}")
    rng = np.random.default_rng(seed)
    signs = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])  # quadrants I-IV
    quadrant = np.repeat(np.arange(4), _class_sizes(n_samples, 4))
    X = signs[quadrant] * rng.uniform(margin, 1.0, size=(n_samples, 2))
    y = (quadrant % 2).astype(np.int64)  # quadrants II and IV: the signs differ
    return _noisy_shuffled(X, y, noise, rng)


def make_curve(curve: str = "square", n_samples: int = 100, noise: float = 0.0,
               seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D regression set y = f(x) + noise: ``X`` (n, 1) drawn uniformly, ``y`` (n, 1) float64.

    ``curve`` is "square" (f(x) = x^2 on [-1, 1]) or "sine" (f(x) = sin x on [-pi, pi]). ``y``
    is a column, like a model's one output, so ``MSELoss()(model(Tensor(X)), y)`` lines up.
    """
    if curve not in CURVES:
        raise ValueError(f"make_curve: unknown curve {curve!r}; expected one of "
                         f"{', '.join(CURVES)}")
    _check("make_curve", n_samples, noise, 1)
    function, (low, high) = CURVES[curve]
    rng = np.random.default_rng(seed)
    X = rng.uniform(low, high, size=(n_samples, 1))
    return X, function(X) + rng.normal(scale=noise, size=X.shape)
