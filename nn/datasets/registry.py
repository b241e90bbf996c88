"""Every data set by name, for the command line and for listing: ``DATASETS`` maps a name to a
``DatasetInfo`` (what it is, where it comes from, how to load it).

    >>> from autograd_core.nn.datasets import get_dataset
    >>> info = get_dataset("moons")
    >>> X, y = info.load(seed=0)                # the loader with info.defaults, then your options
    >>> info.kind, info.task, X.shape, info.n_classes
    ('generated', 'classification', (200, 2), 2)

A loader returns (X, y) or, when ``info.split`` is true, (X_train, y_train, X_test, y_test).
Only the options in ``info.parameters`` are accepted (the generated sets take ``n_samples``,
``noise`` and ``seed``; the digits ``n_train`` and ``seed``; MNIST ``flatten``, ``mirrors``,
``cache_dir`` and ``progress``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from . import mnist
from .digits import load_digits
from .toys import (
    logic_gate,
    make_blobs,
    make_circles,
    make_curve,
    make_moons,
    make_spirals,
    make_xor_quadrants,
)


@dataclass(frozen=True)
class DatasetInfo:
    """One data set of the registry.

    ``kind`` is "generated" (computed from a seed), "bundled" (a file inside the package) or
    "download" (fetched on first use, then cached). ``task`` is "classification" (y int64
    labels 0..n_classes-1) or "regression" (y float64 of shape (n, 1), ``n_classes`` None).
    ``n_features`` and ``n_classes`` hold for the default options.
    """

    name: str
    description: str
    kind: Literal["generated", "bundled", "download"]
    task: Literal["classification", "regression"]
    n_features: int
    n_classes: int | None
    loader: Callable[..., tuple[np.ndarray, ...]]
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    split: bool = False  # the loader returns (X_train, y_train, X_test, y_test), not (X, y)

    @property
    def parameters(self) -> tuple[str, ...]:
        """The names of the options that ``load`` accepts."""
        return tuple(inspect.signature(self.loader).parameters)

    def load(self, **options: Any) -> tuple[np.ndarray, ...]:
        """The loader's arrays, called with ``defaults`` updated by ``options``."""
        unknown = sorted(set(options) - set(self.parameters))
        if unknown:
            raise TypeError(f"data set {self.name!r} takes no option {', '.join(unknown)}; "
                            f"its options: {', '.join(self.parameters)}")
        return self.loader(**{**self.defaults, **options})

    def is_cached(self, cache_dir: mnist.PathArg | None = None) -> bool:
        """Whether loading needs no network: always for generated and bundled sets; for a
        download, whether all its files are cached with their published SHA-256."""
        return self.kind != "download" or mnist.is_cached(self.name, cache_dir)

    def cache_folder(self, cache_dir: mnist.PathArg | None = None) -> Path | None:
        """Where a download's files are (or will be) cached; None for the other kinds."""
        return mnist.cache_folder(self.name, cache_dir) if self.kind == "download" else None


def _gate(name: str) -> DatasetInfo:
    return DatasetInfo(name, f"{name.upper()} gate: its truth table, 4 rows (x1, x2) in {{0, 1}}",
                       "generated", "classification", 2, 2, partial(logic_gate, name))


def _curve(name: str, formula: str, noise: float) -> DatasetInfo:
    return DatasetInfo(name, f"regression curve {formula} with Gaussian noise on y",
                       "generated", "regression", 1, None, partial(make_curve, name),
                       MappingProxyType({"n_samples": 200, "noise": noise}))


def _download(name: str, title: str, loader: Callable[..., tuple[np.ndarray, ...]]
              ) -> DatasetInfo:
    return DatasetInfo(name, f"{title}: 60,000 + 10,000 images 28x28 (784 features), "
                       f"10 classes; downloaded once", "download", "classification", 784, 10,
                       loader, split=True)


DATASETS: dict[str, DatasetInfo] = {info.name: info for info in [
    *(_gate(gate) for gate in ("and", "or", "xor", "nand")),
    DatasetInfo("moons", "two interleaving half circles (micrograd's demo)", "generated",
                "classification", 2, 2, make_moons,
                MappingProxyType({"n_samples": 200, "noise": 0.1})),
    DatasetInfo("circles", "a circle inside another", "generated", "classification", 2, 2,
                make_circles, MappingProxyType({"n_samples": 200, "noise": 0.05, "factor": 0.5})),
    DatasetInfo("spirals", "interleaved spiral arms, one class each (n_arms)", "generated",
                "classification", 2, 2, make_spirals,
                MappingProxyType({"n_samples": 300, "noise": 0.05})),
    DatasetInfo("blobs", "Gaussian blobs, one class each (centers)", "generated",
                "classification", 2, 3, make_blobs, MappingProxyType({"n_samples": 300})),
    DatasetInfo("xor-quadrants", "the TensorFlow playground's XOR: label 1 where the signs "
                "of x1 and x2 differ", "generated", "classification", 2, 2, make_xor_quadrants,
                MappingProxyType({"n_samples": 200, "noise": 0.05})),
    _curve("square", "y = x^2 on [-1, 1]", 0.05),
    _curve("sine", "y = sin x on [-pi, pi]", 0.1),
    DatasetInfo("digits", "8x8 handwritten digits (64 features, 10 classes), 1437 + 360 "
                "images, shipped with the package", "bundled", "classification", 64, 10,
                load_digits, split=True),
    _download("mnist", "MNIST handwritten digits", mnist.load_mnist),
    _download("fashion-mnist", "Fashion-MNIST clothing", mnist.load_fashion_mnist),
]}


def list_datasets() -> list[DatasetInfo]:
    """Every registered data set, in the registry's order (gates, 2-D sets, curves, images)."""
    return list(DATASETS.values())


def get_dataset(name: str) -> DatasetInfo:
    """The registry's entry for ``name``; ValueError listing the known names otherwise."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def load_dataset(name: str, **options: Any) -> tuple[np.ndarray, ...]:
    """``get_dataset(name).load(**options)``."""
    return get_dataset(name).load(**options)
