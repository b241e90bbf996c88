"""Small synthetic data sets for demos and tests (generated, never downloaded)."""

from __future__ import annotations

import numpy as np


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


def load_digits(n_train: int = 1437, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1], split after one seeded shuffle.

    Returns (X_train, y_train, X_test, y_test) with X of shape (n, 64) and integer labels 0-9.
    Nothing is downloaded: the 1,797 images ship inside scikit-learn.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as error:
        raise ImportError("load_digits needs scikit-learn, which the dev and bench extras "
                          "install (make test / make bench, or pip install scikit-learn)"
                          ) from error
    digits = sklearn_digits()
    if not 0 < n_train < len(digits.target):
        raise ValueError(f"load_digits: n_train must be between 1 and "
                         f"{len(digits.target) - 1}, got {n_train}")
    order = np.random.default_rng(seed).permutation(len(digits.target))
    X = digits.data[order].astype(np.float64) / 16.0
    y = digits.target[order].astype(np.int64)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
