"""Build ``digits.npz`` beside this file: scikit-learn's 8x8 digits, shipped inside the package.

    python -m autograd_core.nn.datasets.build_digits [OUTPUT]    # default: that digits.npz

Needs scikit-learn (the dev extra installs it); nothing else imports this module, and loading
the digits never needs scikit-learn. The file holds two uint8 arrays: ``data`` (1797, 64), the
pixel counts 0-16 in scikit-learn's row order, and ``target`` (1797,), the digits 0-9. Stored
as integers, they convert back to scikit-learn's float64 values exactly. numpy writes the zip
entries with a fixed date, so the same numpy and zlib rebuild the same bytes;
tests/test_datasets.py checks the arrays against scikit-learn.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

DEFAULT_OUTPUT = Path(__file__).resolve().with_name("digits.npz")


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as (data uint8 (1797, 64), target uint8 (1797,))."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    data, target = digits.data, digits.target
    # uint8 must hold every value exactly, or the shipped file would differ from the source
    if not (np.array_equal(data, np.round(data)) and data.min() >= 0 and data.max() <= 16):
        raise ValueError("build_digits: expected integer pixel counts in [0, 16]")
    if not (target.min() >= 0 and target.max() <= 9):
        raise ValueError("build_digits: expected labels in [0, 9]")
    return data.astype(np.uint8), target.astype(np.uint8)


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    data, target = digits_arrays()
    np.savez_compressed(output, data=data, target=target)
    return output


if __name__ == "__main__":
    written = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
    print(f"wrote {written} ({written.stat().st_size} bytes)")
