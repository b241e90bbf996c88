"""Data sets for the course's exercises, as numpy arrays.

- generated (``toys``): ``logic_gate`` (AND, OR, XOR, NAND), ``make_moons``, ``make_circles``,
  ``make_spirals``, ``make_blobs``, ``make_xor_quadrants``, ``make_curve`` (x^2, sin x);
- bundled (``digits``): ``load_digits``, the 8x8 digits shipped inside the package;
- downloaded on first use (``mnist``): ``load_mnist``, ``load_fashion_mnist``;
- the registry (``registry``): ``DATASETS``, ``list_datasets``, ``get_dataset``,
  ``load_dataset``, used by the command line.

X is float64 of shape (n, n_features); classification labels y are int64 of shape (n,).
"""

from .digits import load_digits
from .idx import read_idx
from .mnist import (
    FASHION_MNIST_MIRRORS,
    MNIST_MIRRORS,
    DownloadError,
    load_fashion_mnist,
    load_mnist,
)
from .registry import DATASETS, DatasetInfo, get_dataset, list_datasets, load_dataset
from .toys import (
    logic_gate,
    make_blobs,
    make_circles,
    make_curve,
    make_moons,
    make_spirals,
    make_xor_quadrants,
)

__all__ = [
    "DATASETS", "FASHION_MNIST_MIRRORS", "MNIST_MIRRORS", "DatasetInfo", "DownloadError",
    "get_dataset", "list_datasets", "load_dataset", "load_digits", "load_fashion_mnist",
    "load_mnist", "logic_gate", "make_blobs", "make_circles", "make_curve", "make_moons",
    "make_spirals", "make_xor_quadrants", "read_idx",
]
