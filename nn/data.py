"""Batching and splitting data: ``TensorDataset``, ``DataLoader``, ``random_split``, ``Subset``
(PyTorch's ``torch.utils.data`` names and semantics) and scikit-learn's ``train_test_split``.

Our Tensors hold floats only, so a batch keeps each array's kind: **float data become
Tensors, integer and boolean data stay numpy arrays** (class labels, token indices). That is
what the losses take, so PyTorch's line works as it is::

    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for x, y in loader:  # x: Tensor (32, features); y: int64 array (32,) or float Tensor
        loss = loss_fn(model(x), y)  # nn.CrossEntropyLoss takes integer labels, MSELoss both

Shuffling draws a new order every epoch (every ``iter(loader)``) from ``generator``, a
``numpy.random.Generator``, or without one from the default generator of
``autograd_core.rng`` (so ``nn.manual_seed(0)`` makes the order repeatable).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from autograd_core import Tensor

from . import rng

__all__ = ["DataLoader", "Subset", "TensorDataset", "random_split", "train_test_split"]

Batch = Any  # a Tensor, an integer array, or a tuple/dict of them


# ---- turning arrays into what a model and a loss take -----------------------------------------

def _as_batch(array: np.ndarray) -> Tensor | np.ndarray:
    """Float data as a Tensor (float32 stays float32), integer and boolean data as the array.

    ``array`` must be a fresh copy (fancy indexing and ``np.stack`` make one), never a view
    of a dataset: a float32/float64 one becomes the Tensor's data without another copy.
    """
    if array.dtype.kind != "f":
        return array
    return Tensor.from_numpy(array) if array.dtype in (np.float32, np.float64) else Tensor(array)


def _numeric_array(data: Any, op: str, what: str) -> np.ndarray:
    """``data`` (a Tensor, array or nested list of numbers) as a numpy array, checked."""
    array = data.data if isinstance(data, Tensor) else data
    try:
        array = np.asarray(array)
    except (TypeError, ValueError) as error:  # ragged nested lists, for instance
        raise TypeError(f"{op}: {what} is not an array of numbers ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: {what} must hold real numbers, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{op}: {what} must have a first axis to index (one row per "
                         "sample), got a 0-d value")
    return array


def _collate(items: Sequence[Any]) -> Batch:
    """Items of a dataset (Tensors, arrays, numbers, or tuples/dicts of them) stacked along a
    new first axis, PyTorch's ``default_collate``."""
    first = items[0]
    if isinstance(first, (tuple, list)):
        if any(len(item) != len(first) for item in items):
            raise ValueError("DataLoader: the dataset's items are tuples of different lengths")
        return tuple(_collate(column) for column in zip(*items))
    if isinstance(first, Mapping):
        return {key: _collate([item[key] for item in items]) for key in first}
    if isinstance(first, (Tensor, np.ndarray, np.number, np.bool_, Real)):
        try:
            stacked = np.stack([item.data if isinstance(item, Tensor) else np.asarray(item)
                                for item in items])
        except ValueError as error:
            raise ValueError(f"DataLoader: cannot stack the items of a batch ({error})") from None
        if stacked.dtype.kind not in "biuf":
            raise TypeError(f"DataLoader: items must hold real numbers, got dtype {stacked.dtype}")
        return _as_batch(stacked)
    raise TypeError(f"DataLoader: cannot batch items of type {type(first).__name__}; a "
                    "dataset's items must be Tensors, numpy arrays, numbers, or tuples or "
                    "dicts of them")


# ---- datasets ---------------------------------------------------------------------------------

class TensorDataset:
    """Samples made of rows of equally long arrays: ``dataset[i]`` is
    ``(X[i], y[i], ...)``, as ``torch.utils.data.TensorDataset``.

    Takes numpy arrays, nested lists or Tensors (their data; the dataset holds arrays, cut
    from any graph). Float rows come out as Tensors, integer and boolean ones as numpy values
    (see the module's docstring). Any numpy index works: ``dataset[[3, 1, 4]]`` gives the
    three rows of each array at once, which is how ``DataLoader`` fetches a batch.
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: expected at least one array, got none")
        self.arrays: tuple[np.ndarray, ...] = tuple(
            _numeric_array(a, "TensorDataset", f"argument {i}") for i, a in enumerate(arrays))
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(f"TensorDataset: the arrays must have the same first dimension "
                             f"(one row per sample), got lengths {lengths}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        # Indexing with an int gives a numpy scalar or row; Tensor() copies float rows, so a
        # sample never shares memory with the dataset.
        return tuple(Tensor(a[index]) if a.dtype.kind == "f" else a[index] for a in self.arrays)

    def _batch(self, indices: np.ndarray) -> tuple[Any, ...]:
        # Fancy indexing copies: each batch array is new and becomes a Tensor without a copy.
        return tuple(_as_batch(a[indices]) for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.dtype}{list(a.shape)}" for a in self.arrays)
        return f"TensorDataset({shapes})"


class Subset:
    """The samples of ``dataset`` at ``indices``, in that order (``torch.utils.data.Subset``)."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.intp)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, Integral):
            return self.dataset[int(self.indices[index])]
        return self.dataset[self.indices[index]]

    def _batch(self, indices: np.ndarray) -> Batch:
        return _fetch(self.dataset, self.indices[indices])

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {self.dataset!r})"


def _fetch(dataset: Any, indices: np.ndarray) -> Batch:
    """The batch of ``dataset``'s samples at ``indices``: sliced at once when the dataset
    can (TensorDataset, Subset), otherwise item by item and stacked."""
    if hasattr(dataset, "_batch"):
        return dataset._batch(indices)
    return _collate([dataset[int(i)] for i in indices])


def _check_dataset(dataset: Any, op: str) -> int:
    """``len(dataset)``, or a TypeError when it cannot be indexed and measured."""
    if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
        raise TypeError(f"{op}: dataset must support len() and indexing (a TensorDataset, a "
                        f"list of samples, ...), got {type(dataset).__name__}")
    return len(dataset)


# ---- the loader -------------------------------------------------------------------------------

class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    Each iteration is one epoch: the samples in order, or with ``shuffle=True`` in a new
    random order drawn from ``generator`` (a ``numpy.random.Generator``; default: the
    default generator of ``autograd_core.rng``, looked up when the epoch starts). A batch
    stacks ``batch_size`` samples along a new first axis; the last one is smaller unless
    ``drop_last=True`` drops it. ``len(loader)`` is the number of batches per epoch:
    ceil(n / batch_size), or floor with ``drop_last``.
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False,
                 generator: np.random.Generator | None = None) -> None:
        size = _check_dataset(dataset, "DataLoader")
        if not isinstance(batch_size, Integral) or isinstance(batch_size, bool) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got "
                             f"{batch_size!r}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"DataLoader: {name} must be True or False, got {flag!r}")
        if shuffle and size == 0:
            raise ValueError("DataLoader: cannot shuffle an empty dataset (0 samples)")
        if generator is not None:
            rng.resolve(generator, "DataLoader")  # checked now; None is resolved per epoch
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.dataset)
        order = (rng.resolve(self.generator, "DataLoader").permutation(n) if self.shuffle
                 else np.arange(n))
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield _fetch(self.dataset, order[start:start + self.batch_size])

    def __repr__(self) -> str:
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


# ---- splits -----------------------------------------------------------------------------------

def _split_lengths(lengths: Sequence[Any], n: int) -> list[int]:
    """Counts as they are; fractions summing to 1 as floor(n * f) each, the remainder handed
    out one by one from the first split on (PyTorch 2's rule)."""
    values = list(lengths)
    if not values or not all(isinstance(v, Real) and not isinstance(v, bool) for v in values):
        raise TypeError(f"random_split: lengths must be a non-empty sequence of counts or "
                        f"fractions, got {lengths!r}")
    total = sum(values)
    if math.isclose(total, 1) and total <= 1:
        for i, fraction in enumerate(values):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is {fraction!r}, "
                                 "not between 0 and 1")
        counts = [math.floor(n * fraction) for fraction in values]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    if not all(isinstance(v, Integral) and v >= 0 for v in values):
        raise ValueError(f"random_split: lengths must be counts >= 0 summing to the dataset's "
                         f"length, or fractions summing to 1, got {lengths!r}")
    if total != n:
        raise ValueError(f"random_split: the lengths sum to {total}, but the dataset has {n} "
                         "samples")
    return [int(v) for v in values]


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into disjoint ``Subset``s of the given ``lengths``.

    ``lengths`` are counts that sum to ``len(dataset)``, or fractions that sum to 1, e.g.
    ``[0.8, 0.2]`` (each split gets floor(n * fraction) samples, and any remainder goes one
    by one to the splits from the first on). The order comes from ``generator`` (default:
    ``autograd_core.rng``'s default generator).
    """
    n = _check_dataset(dataset, "random_split")
    counts = _split_lengths(lengths, n)
    order = rng.resolve(generator, "random_split").permutation(n)
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - count:end]) for end, count in zip(ends, counts)]


def _test_count(test_size: Any, n: int) -> int:
    """sklearn's rule: a fraction in (0, 1) gives ceil(test_size * n), an int is a count."""
    if isinstance(test_size, bool) or not isinstance(test_size, Real):
        raise TypeError(f"train_test_split: test_size must be a fraction in (0, 1) or a "
                        f"count, got {test_size!r}")
    if isinstance(test_size, Integral):
        count = int(test_size)
    elif 0 < test_size < 1:
        count = math.ceil(test_size * n)
    else:
        raise ValueError(f"train_test_split: test_size = {test_size!r} should be in (0, 1) "
                         "as a fraction, or an int count")
    if not 0 < count < n:
        raise ValueError(f"train_test_split: test_size = {test_size!r} leaves {count} test "
                         f"and {n - count} training samples out of {n}; both must be >= 1")
    return count


def _stratified_test(labels: np.ndarray, n_test: int,
                     generator: np.random.Generator) -> np.ndarray:
    """Test indices holding each class in its share of ``n_test``: floor(n_test * c_k / n) per
    class, the few left over to the classes with the largest remainders (larger classes
    first on a tie)."""
    classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"train_test_split: class {classes[counts.argmin()].item()!r} of stratify "
                         "has only 1 member; every class needs at least 2 to be in both "
                         "splits")
    n = len(labels)
    if not len(classes) <= n_test <= n - len(classes):
        raise ValueError(f"train_test_split: with stratify, the test split ({n_test}) and the "
                         f"training split ({n - n_test}) must each hold at least one sample "
                         f"of each of the {len(classes)} classes")
    shares = n_test * counts  # class k's ideal test count is shares[k] / n: integers, exact
    per_class, remainders = shares // n, shares % n
    for k in np.lexsort((-counts, -remainders))[:n_test - per_class.sum()]:
        per_class[k] += 1
    chosen = [generator.permutation(np.flatnonzero(codes == k))[:per_class[k]]
              for k in range(len(classes))]
    return generator.permutation(np.concatenate(chosen))


def _generator_from_seed(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"train_test_split: seed must be >= 0, got {seed}")
        return np.random.default_rng(int(seed))
    if seed is None:
        return rng.get_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    raise TypeError(f"train_test_split: seed must be an int, a numpy.random.Generator or "
                    f"None, got {type(seed).__name__}")


def train_test_split(X: Any, y: Any, test_size: float | int = 0.25,
                     seed: int | np.random.Generator | None = None,
                     stratify: Any = None) -> tuple[Any, Any, Any, Any]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size``: a fraction in (0, 1) (ceil(test_size * n) test samples) or a count.
    ``seed``: an int, a ``numpy.random.Generator``, or None for ``autograd_core.rng``'s
    default generator. ``stratify``: labels (usually ``y``) whose class proportions both
    splits keep (each class needs >= 2 samples). Arrays and lists come back as numpy arrays,
    Tensors as Tensors.
    """
    rows_x = _numeric_array(X, "train_test_split", "X")
    rows_y = _numeric_array(y, "train_test_split", "y")
    n = len(rows_x)
    if len(rows_y) != n:
        raise ValueError(f"train_test_split: X has {n} samples but y has {len(rows_y)}")
    n_test = _test_count(test_size, n)
    generator = _generator_from_seed(seed)
    if stratify is None:
        order = generator.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        labels = _numeric_array(stratify, "train_test_split", "stratify")
        if labels.shape != (n,):
            raise ValueError(f"train_test_split: stratify must hold one label per sample, "
                             f"shape ({n},), got shape {labels.shape}")
        test = _stratified_test(labels, n_test, generator)
        train = generator.permutation(np.setdiff1d(np.arange(n), test))

    def part(original: Any, rows: np.ndarray, indices: np.ndarray) -> Any:
        return Tensor(rows[indices]) if isinstance(original, Tensor) else rows[indices]

    return (part(X, rows_x, train), part(X, rows_x, test),
            part(y, rows_y, train), part(y, rows_y, test))
