"""The 8x8 handwritten digits (1,797 images, from scikit-learn), shipped inside the package.

``digits.npz`` beside this module holds ``data`` (1797, 64) uint8 pixel counts 0-16 and
``target`` (1797,) uint8 digits, in scikit-learn's order; ``build_digits.py`` rebuilds it
from scikit-learn. Nothing is downloaded and scikit-learn is not needed.
"""

from __future__ import annotations

import io
from importlib import resources

import numpy as np

N_DIGITS = 1797


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The bundled file's arrays as stored: (data uint8 (1797, 64), target uint8 (1797,))."""
    # read through importlib.resources so that it works from a zipped install too
    raw = resources.files(__package__).joinpath("digits.npz").read_bytes()
    with np.load(io.BytesIO(raw)) as archive:
        return archive["data"], archive["target"]


def load_digits(n_train: int = 1437, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits, pixels scaled to [0, 1], split after one seeded shuffle.

    Returns (X_train, y_train, X_test, y_test): X float64 of shape (n, 64) (an 8x8 image row by
    row), y int64 digits 0-9; n is ``n_train`` for the training part and 1797 - n_train for the
    test part. The same as before the digits were bundled (when they came from scikit-learn),
    bit for bit.
    """
    if not 0 < n_train < N_DIGITS:
        raise ValueError(f"load_digits: n_train must be between 1 and {N_DIGITS - 1}, "
                         f"got {n_train}")
    data, target = digits_arrays()
    order = np.random.default_rng(seed).permutation(N_DIGITS)
    X = data[order].astype(np.float64) / 16.0
    y = target[order].astype(np.int64)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
