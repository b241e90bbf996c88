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
