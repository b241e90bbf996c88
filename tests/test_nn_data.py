"""nn.data: TensorDataset, DataLoader, Subset, random_split and train_test_split follow
PyTorch's (and scikit-learn's) semantics; float data come out as Tensors, labels as arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_core import Tensor, nn
from autograd_core.nn.data import (
    DataLoader,
    Subset,
    TensorDataset,
    random_split,
    train_test_split,
)


def numbered(n: int, features: int = 2) -> TensorDataset:
    """Row i of X is (i, i, ...) and y[i] = i: every batch says which samples it holds."""
    X = np.repeat(np.arange(n, dtype=np.float64)[:, None], features, axis=1)
    return TensorDataset(X, np.arange(n))


def sample_ids(loader: DataLoader) -> list[list[int]]:
    """The sample numbers of each batch of one epoch."""
    return [y.tolist() for _, y in loader]


# ---- TensorDataset ----------------------------------------------------------------------------

def test_tensor_dataset_items_are_rows_with_floats_as_tensors_and_labels_as_integers() -> None:
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 2, 0, 1, 2])
    dataset = TensorDataset(X, y)
    assert len(dataset) == 6
    x, label = dataset[4]
    assert isinstance(x, Tensor) and x.shape == (2,) and x.data.tolist() == [8.0, 9.0]
    assert isinstance(label, np.integer) and label == 1
    rows, labels = dataset[[5, 0]]
    assert rows.shape == (2, 2) and labels.tolist() == [2, 0]
    x.data[0] = -1.0  # a sample is a copy: the dataset keeps its numbers
    assert X[4, 0] == 8.0


def test_tensor_dataset_takes_tensors_lists_and_keeps_float32() -> None:
    dataset = TensorDataset(Tensor([[1.0, 2.0], [3.0, 4.0]]), [0.5, 1.5],
                            np.ones((2, 3), dtype=np.float32))
    x, t, w = dataset[1]
    assert x.data.tolist() == [3.0, 4.0] and t.item() == 1.5
    assert w.dtype == np.float32


@pytest.mark.parametrize(("arrays", "error", "message"), [
    ((), ValueError, "at least one array"),
    ((np.zeros((3, 2)), np.zeros(4)), ValueError, r"lengths \[3, 4\]"),
    ((np.array(["a", "b"]),), TypeError, "argument 0 must hold real numbers"),
    ((np.zeros(3), np.float64(1.0)), ValueError, "argument 1 .* 0-d"),
    (([[1.0], [2.0, 3.0]],), TypeError, "argument 0 is not an array of numbers"),
])
def test_tensor_dataset_rejects_bad_arrays(arrays: tuple[Any, ...], error: type,
                                           message: str) -> None:
    with pytest.raises(error, match=f"TensorDataset: .*{message}"):
        TensorDataset(*arrays)


# ---- DataLoader: counts, order, kinds ---------------------------------------------------------

@pytest.mark.parametrize(("n", "batch_size", "drop_last", "sizes"), [
    (10, 3, False, [3, 3, 3, 1]),  # PyTorch: len(DataLoader(10 samples, 3)) == 4
    (10, 3, True, [3, 3, 3]),  # and 3 with drop_last
    (10, 5, False, [5, 5]),
    (10, 5, True, [5, 5]),
    (2, 3, False, [2]),
    (2, 3, True, []),
    (0, 4, False, []),
])
def test_batch_counts_with_and_without_drop_last(n: int, batch_size: int, drop_last: bool,
                                                  sizes: list[int]) -> None:
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(sizes)
    assert [len(ids) for ids in sample_ids(loader)] == sizes


def test_without_shuffle_batches_are_in_order_and_stack_along_a_new_first_axis() -> None:
    loader = DataLoader(numbered(7, features=3), batch_size=3)
    batches = list(loader)
    assert sample_ids(loader) == [[0, 1, 2], [3, 4, 5], [6]]
    x, y = batches[1]
    assert isinstance(x, Tensor) and x.shape == (3, 3) and x.dtype == np.float64
    assert np.array_equal(x.data, [[3.0] * 3, [4.0] * 3, [5.0] * 3])
    assert isinstance(y, np.ndarray) and y.dtype == np.int64
    assert not x.requires_grad


def test_the_default_batch_size_is_one() -> None:
    loader = DataLoader(numbered(3))
    assert len(loader) == 3 and sample_ids(loader) == [[0], [1], [2]]


def test_a_batch_never_shares_memory_with_the_dataset() -> None:
    X = np.zeros((4, 2))
    for x, _ in DataLoader(TensorDataset(X, np.zeros(4, dtype=np.int64)), batch_size=2):
        x.data += 1.0
    assert not X.any()


def test_float32_stays_float32_and_booleans_stay_arrays() -> None:
    dataset = TensorDataset(np.ones((4, 2), dtype=np.float32), np.array([True, False] * 2))
    x, flags = next(iter(DataLoader(dataset, batch_size=4)))
    assert x.dtype == np.float32 and flags.dtype == np.bool_


def test_the_pytorch_line_works_with_cross_entropy_and_mse() -> None:
    rng = np.random.default_rng(0)
    model = nn.Linear(3, 2, generator=np.random.default_rng(1))
    classes = DataLoader(TensorDataset(rng.normal(size=(8, 3)), rng.integers(0, 2, 8)),
                         batch_size=4)
    targets = DataLoader(TensorDataset(rng.normal(size=(8, 3)), rng.normal(size=(8, 2))),
                         batch_size=4)
    for loss_fn, loader in ((nn.CrossEntropyLoss(), classes), (nn.MSELoss(), targets)):
        for x, y in loader:
            loss = loss_fn(model(x), y)
            loss.backward()
            assert loss.size == 1 and model.weight.grad is not None


def test_a_tensor_dataset_is_sliced_per_batch_not_item_by_item(monkeypatch: Any) -> None:
    def one_item(self: TensorDataset, index: Any) -> Any:
        raise AssertionError("DataLoader fetched a single item")

    monkeypatch.setattr(TensorDataset, "__getitem__", one_item)
    dataset = numbered(10)
    loader = DataLoader(Subset(dataset, [9, 8, 7, 6]), batch_size=3, shuffle=True,
                        generator=np.random.default_rng(0))
    assert sorted(sum(sample_ids(loader), [])) == [6, 7, 8, 9]
    assert sum(sample_ids(DataLoader(dataset, batch_size=4)), []) == list(range(10))


def test_any_indexable_dataset_is_collated_item_by_item() -> None:
    pairs = [(np.array([float(i), -float(i)]), i % 3) for i in range(5)]
    x, y = next(iter(DataLoader(pairs, batch_size=4)))
    assert isinstance(x, Tensor) and x.shape == (4, 2) and x.data[3].tolist() == [3.0, -3.0]
    assert isinstance(y, np.ndarray) and y.tolist() == [0, 1, 2, 0]
    tensors = [(Tensor([float(i)]), Tensor(float(i) / 2)) for i in range(3)]
    a, b = next(iter(DataLoader(tensors, batch_size=3)))
    assert a.shape == (3, 1) and b.data.tolist() == [0.0, 0.5, 1.0]
    records = [{"x": np.ones(2) * i, "label": i} for i in range(4)]
    batch = next(iter(DataLoader(records, batch_size=2)))
    assert set(batch) == {"x", "label"} and batch["label"].tolist() == [0, 1]


def test_items_that_cannot_be_batched_are_named() -> None:
    with pytest.raises(TypeError, match="DataLoader: cannot batch items of type str"):
        next(iter(DataLoader(["a", "b"], batch_size=2)))
    with pytest.raises(ValueError, match="DataLoader: cannot stack"):
        next(iter(DataLoader([np.ones(2), np.ones(3)], batch_size=2)))


# ---- DataLoader: shuffling --------------------------------------------------------------------

def test_shuffle_is_reproducible_with_a_seeded_generator_and_new_every_epoch() -> None:
    def loader() -> DataLoader:
        return DataLoader(numbered(20), batch_size=6, shuffle=True,
                          generator=np.random.default_rng(7))

    first, second = loader(), loader()
    epochs = [sample_ids(first) for _ in range(3)]
    assert epochs == [sample_ids(second) for _ in range(3)]
    for ids in epochs:
        assert [len(batch) for batch in ids] == [6, 6, 6, 2]
        assert sorted(sum(ids, [])) == list(range(20))  # each epoch: every sample once
    assert epochs[0] != epochs[1] != epochs[2]
    assert sum(epochs[0], []) != list(range(20))


def test_shuffle_without_a_generator_follows_manual_seed_at_iteration_time() -> None:
    loader = DataLoader(numbered(30), batch_size=30, shuffle=True)
    nn.manual_seed(3)
    once = sample_ids(loader)
    nn.manual_seed(3)
    assert sample_ids(loader) == once
    assert sample_ids(loader) != once


def test_shuffle_with_drop_last_drops_a_different_remainder_each_epoch() -> None:
    loader = DataLoader(numbered(10), batch_size=4, shuffle=True, drop_last=True,
                        generator=np.random.default_rng(1))
    seen = [sorted(sum(sample_ids(loader), [])) for _ in range(5)]
    assert all(len(ids) == 8 for ids in seen)
    assert len({tuple(ids) for ids in seen}) > 1


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"batch_size": 0}, ValueError, "batch_size must be a positive int, got 0"),
    ({"batch_size": 2.0}, ValueError, "batch_size must be a positive int, got 2.0"),
    ({"batch_size": True}, ValueError, "batch_size must be a positive int, got True"),
    ({"batch_size": None}, ValueError, "batch_size must be a positive int, got None"),
    ({"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
    ({"drop_last": 1}, TypeError, "drop_last must be True or False"),
    ({"generator": 42}, TypeError, "generator must be a numpy.random.Generator"),
])
def test_loader_arguments_are_checked(kwargs: dict[str, Any], error: type,
                                      message: str) -> None:
    with pytest.raises(error, match=f"DataLoader: .*{message}"):
        DataLoader(numbered(4), **kwargs)


def test_loader_needs_an_indexable_sized_dataset_and_samples_to_shuffle() -> None:
    with pytest.raises(TypeError, match="DataLoader: dataset must support len"):
        DataLoader(iter(range(3)))
    with pytest.raises(ValueError, match="DataLoader: cannot shuffle an empty dataset"):
        DataLoader(numbered(0), shuffle=True)


# ---- random_split and Subset ------------------------------------------------------------------

def test_random_split_by_counts_gives_disjoint_subsets_covering_the_dataset() -> None:
    dataset = numbered(10)
    parts = random_split(dataset, [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    ids = [sorted(int(p[i][1]) for i in range(len(p))) for p in parts]
    assert not set(ids[0]) & set(ids[1])
    assert sorted(ids[0] + ids[1]) == list(range(10))
    assert ids[0] != [0, 1, 2]  # shuffled (for this seed)


@pytest.mark.parametrize(("n", "fractions", "sizes"), [
    (10, [0.33, 0.33, 0.34], [4, 3, 3]),  # PyTorch 2: floors 3, 3, 3, remainder to the first
    (5, [0.5, 0.5], [3, 2]),
    (30, [0.3, 0.3, 0.4], [9, 9, 12]),
    (7, [0.25, 0.25, 0.25, 0.25], [2, 2, 2, 1]),
    (3, [1.0, 0.0], [3, 0]),
])
def test_random_split_by_fractions_follows_pytorch(n: int, fractions: list[float],
                                                    sizes: list[int]) -> None:
    parts = random_split(numbered(n), fractions, generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == sizes


def test_random_split_is_reproducible_and_uses_the_default_generator() -> None:
    def ids(parts: list[Subset]) -> list[list[int]]:
        return [p.indices.tolist() for p in parts]

    dataset = numbered(12)
    seeded = ids(random_split(dataset, [0.5, 0.5], generator=np.random.default_rng(5)))
    assert ids(random_split(dataset, [6, 6], generator=np.random.default_rng(5))) == seeded
    nn.manual_seed(1)
    default = ids(random_split(dataset, [4, 8]))
    nn.manual_seed(1)
    assert ids(random_split(dataset, [4, 8])) == default


def test_a_subset_indexes_its_dataset_and_loads_in_batches() -> None:
    dataset = numbered(10)
    subset = Subset(dataset, [7, 2, 5])
    assert len(subset) == 3 and int(subset[0][1]) == 7 and int(subset[-1][1]) == 5
    assert subset[1:][1].tolist() == [2, 5]
    assert sample_ids(DataLoader(subset, batch_size=2)) == [[7, 2], [5]]
    nested = Subset(subset, [2, 0])
    assert sample_ids(DataLoader(nested, batch_size=2)) == [[5, 7]]


@pytest.mark.parametrize(("lengths", "error", "message"), [
    ([3, 3], ValueError, "the lengths sum to 6, but the dataset has 10"),
    ([1.5, -0.5], ValueError, "fraction at index 0 is 1.5"),
    ([0.5, 0.4], ValueError, "counts >= 0 summing to the dataset's length, or fractions"),
    ([11, -1], ValueError, "counts >= 0"),
    ([], TypeError, "non-empty sequence of counts or fractions"),
    (["5", "5"], TypeError, "counts or fractions"),
])
def test_random_split_rejects_bad_lengths(lengths: list[Any], error: type,
                                          message: str) -> None:
    with pytest.raises(error, match=f"random_split: .*{message}"):
        random_split(numbered(10), lengths)


# ---- train_test_split -------------------------------------------------------------------------

def test_train_test_split_returns_sklearn_order_with_rows_kept_together() -> None:
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    assert X_train.shape == (15, 2) and X_test.shape == (5, 2)  # ceil(0.25 * 20) = 5
    assert np.array_equal(X_train[:, 0], 2 * y_train)
    assert np.array_equal(X_test[:, 0], 2 * y_test)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    assert y_test.tolist() != [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("test_size", "n_test"), [(0.25, 3), (0.3, 4), (0.01, 1), (0.5, 6),
                                                   (0.9, 10), (4, 4)])
def test_test_size_is_a_fraction_rounded_up_or_a_count(test_size: float, n_test: int) -> None:
    _, X_test, _, y_test = train_test_split(np.zeros((11, 1)), np.zeros(11), test_size, seed=0)
    assert len(X_test) == len(y_test) == n_test


def test_train_test_split_is_reproducible_by_seed_and_takes_a_generator() -> None:
    X, y = np.arange(30.0)[:, None], np.arange(30)
    first = train_test_split(X, y, seed=4)
    again = train_test_split(X, y, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    other = train_test_split(X, y, seed=5)
    assert not np.array_equal(first[3], other[3])
    by_generator = train_test_split(X, y, seed=np.random.default_rng(4))
    assert all(np.array_equal(a, b) for a, b in zip(first, by_generator))
    nn.manual_seed(2)
    default = train_test_split(X, y)
    nn.manual_seed(2)
    assert np.array_equal(train_test_split(X, y)[3], default[3])


def test_stratify_keeps_class_proportions_exactly() -> None:
    y = np.array([0] * 100 + [1] * 50)
    X = np.arange(150.0)[:, None]
    for seed in range(5):
        _, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed,
                                                      stratify=y)
        assert np.bincount(y_test).tolist() == [20, 10]
        assert np.bincount(y_train).tolist() == [80, 40]
        assert np.array_equal(y[X_test[:, 0].astype(int)], y_test)
    # unstratified, the test split's share of class 1 moves with the seed
    shares = {int(np.sum(train_test_split(X, y, test_size=0.2, seed=s)[3])) for s in range(5)}
    assert shares != {10}


def test_stratify_hands_leftover_test_places_to_the_largest_remainders() -> None:
    # 5, 3, 2 samples, 5 test places: ideal 2.5, 1.5, 1.0; one leftover place, tied
    # remainders, goes to the larger class.
    y = np.array([0] * 5 + [1] * 3 + [2] * 2)
    _, _, y_train, y_test = train_test_split(np.zeros((10, 1)), y, test_size=0.5, seed=0,
                                             stratify=y)
    assert np.bincount(y_test).tolist() == [3, 1, 1]
    assert np.bincount(y_train).tolist() == [2, 2, 1]


def test_tensors_come_back_as_tensors() -> None:
    X_train, X_test, y_train, y_test = train_test_split(Tensor(np.ones((8, 2))),
                                                        np.arange(8), seed=0)
    assert isinstance(X_train, Tensor) and isinstance(X_test, Tensor)
    assert isinstance(y_train, np.ndarray) and X_test.shape == (2, 2)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"test_size": 0.0}, ValueError, "test_size = 0.0 should be in"),
    ({"test_size": 1.0}, ValueError, "test_size = 1.0 should be in"),
    ({"test_size": 10}, ValueError, "leaves 10 test and 0 training"),
    ({"test_size": 0}, ValueError, "leaves 0 test"),
    ({"test_size": True}, TypeError, "test_size must be a fraction"),
    ({"test_size": "0.2"}, TypeError, "test_size must be a fraction"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
    ({"seed": "0"}, TypeError, "seed must be an int"),
    ({"stratify": np.zeros(9)}, ValueError, r"stratify must hold one label per sample"),
    ({"stratify": np.array([0] * 9 + [1])}, ValueError, "class 1 of stratify has only 1"),
    ({"stratify": np.arange(10) % 5, "test_size": 3}, ValueError,
     "at least one sample of each of the 5 classes"),
])
def test_train_test_split_rejects_bad_arguments(kwargs: dict[str, Any], error: type,
                                                message: str) -> None:
    with pytest.raises(error, match=f"train_test_split: .*{message}"):
        train_test_split(np.zeros((10, 2)), np.zeros(10), **kwargs)


def test_train_test_split_needs_as_many_labels_as_samples() -> None:
    with pytest.raises(ValueError, match="train_test_split: X has 10 samples but y has 9"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))
