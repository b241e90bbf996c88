"""Module state: buffers, state_dict / load_state_dict (all or nothing), save / load files."""

from __future__ import annotations

import os
import random
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, Value
from autograd_core.nn.layers import BatchNorm1d, Linear, ReLU, Sequential
from autograd_core.nn.module import IncompatibleKeys, Module
from autograd_core.nn.scalar import MLP

KEYS = ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "3.weight", "3.bias"]


def make_model(seed: int) -> Sequential:
    g = np.random.default_rng(seed)
    return Sequential(Linear(3, 4, generator=g), BatchNorm1d(4), ReLU(),
                      Linear(4, 2, generator=g))


def trained_model(seed: int) -> Sequential:
    """A model whose running statistics are not the initial ones."""
    model = make_model(seed)
    g = np.random.default_rng(seed + 100)
    for _ in range(3):
        model(g.standard_normal((8, 3)))
    return model


def snapshot(model: Module) -> dict[str, np.ndarray]:
    return model.state_dict()


def assert_same_state(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        assert np.array_equal(a[key], b[key]), key


# ---- state_dict --------------------------------------------------------------------------------


def test_state_dict_keys_follow_pytorchs_order() -> None:
    state = trained_model(0).state_dict()
    assert list(state) == KEYS
    assert state["1.num_batches_tracked"].shape == () and state["1.num_batches_tracked"] == 3
    assert state["1.num_batches_tracked"].dtype == np.int64
    assert all(isinstance(v, np.ndarray) for v in state.values())


def test_state_dict_holds_copies() -> None:
    model = trained_model(0)
    state = model.state_dict()
    state["0.weight"][...] = 0.0
    state["1.running_mean"][...] = 0.0
    assert not np.allclose(model[0].weight.data, 0.0)
    assert not np.allclose(model[1].running_mean, 0.0)
    before = state["1.running_var"].copy()
    model(np.ones((4, 3)) * np.arange(4)[:, None])  # training step changes the model...
    assert np.array_equal(state["1.running_var"], before)  # ...not the dict taken earlier


def test_round_trip_into_a_fresh_model() -> None:
    source, target = trained_model(1), make_model(2)
    result = target.load_state_dict(source.state_dict())
    assert result == IncompatibleKeys([], [])
    assert_same_state(target.state_dict(), source.state_dict())
    x = np.random.default_rng(3).standard_normal((5, 3))
    source.eval(), target.eval()
    assert np.array_equal(target(x).data, source(x).data)


def test_loading_writes_in_place_and_copies_the_source() -> None:
    model = make_model(0)
    weight_array, running_mean = model[0].weight.data, model[1].running_mean
    state = trained_model(4).state_dict()
    model.load_state_dict(state)
    assert model[0].weight.data is weight_array and model[1].running_mean is running_mean
    state["0.weight"][...] = 123.0  # the model does not share the caller's arrays
    assert not np.any(model[0].weight.data == 123.0)


def test_loading_casts_to_the_models_dtype_and_accepts_tensors() -> None:
    model = Linear(2, 2, dtype=np.float32)
    model.load_state_dict({"weight": Tensor(np.eye(2)), "bias": [1, 2]})
    assert model.weight.dtype == np.float32 and np.array_equal(model.weight.data, np.eye(2))
    assert np.array_equal(model.bias.data, [1.0, 2.0])


def test_shared_parameters_appear_once_and_load_into_both_users() -> None:
    class Tied(Module):
        def __init__(self) -> None:
            self.encoder = Linear(2, 2, generator=np.random.default_rng(0))
            self.decoder = Linear(2, 2, bias=False)
            self.decoder.weight = self.encoder.weight

    model = Tied()
    assert list(model.state_dict()) == ["encoder.weight", "encoder.bias"]
    model.load_state_dict({"encoder.weight": np.full((2, 2), 7.0), "encoder.bias": np.zeros(2)})
    assert np.all(model.decoder.weight.data == 7.0)


# ---- load_state_dict errors ------------------------------------------------------------------


def changed_state(seed: int = 9) -> dict[str, np.ndarray]:
    """A complete, valid state that differs from make_model(0)'s everywhere."""
    return trained_model(seed).state_dict()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.pop("3.bias"), r"missing keys \['3.bias'\]"),
    (lambda s: s.pop("1.num_batches_tracked"), r"missing keys \['1.num_batches_tracked'\]"),
    (lambda s: s.update(extra=np.ones(1)), r"unexpected keys \['extra'\]"),
    (lambda s: s.update({"3.bias": np.ones(3)}), r"3.bias: expected shape \(2,\), got \(3,\)"),
    (lambda s: s.update({"0.weight": np.ones((3, 4))}),
     r"0.weight: expected shape \(4, 3\), got \(3, 4\)"),
    (lambda s: s.update({"3.bias": np.array(["a", "b"])}), "3.bias: expected real numbers"),
    (lambda s: s.update({"3.bias": object()}), "3.bias: expected real numbers, got dtype object"),
    (lambda s: s.update({"3.bias": [[1.0], [2.0, 3.0]]}), "3.bias: not an array"),
    (lambda s: s.update({"1.num_batches_tracked": np.array(2.5)}),
     "1.num_batches_tracked: expected whole numbers for a int64 buffer"),
])
def test_every_problem_raises_and_nothing_is_loaded(edit, message: str) -> None:
    model = make_model(0)
    before = snapshot(model)
    state = changed_state()
    edit(state)
    with pytest.raises(ValueError, match=f"load_state_dict for Sequential: .*{message}"):
        model.load_state_dict(state)
    assert_same_state(snapshot(model), before)


def test_all_problems_are_listed_together() -> None:
    model = make_model(0)
    state = changed_state()
    del state["0.bias"]
    state["bogus"] = np.zeros(2)
    state["3.weight"] = np.zeros((1, 1))
    with pytest.raises(ValueError) as caught:
        model.load_state_dict(state)
    text = str(caught.value)
    assert "missing keys ['0.bias']" in text and "unexpected keys ['bogus']" in text
    assert "3.weight: expected shape (2, 4), got (1, 1)" in text
    assert "nothing was loaded" in text


def test_non_strict_loading_skips_missing_and_unexpected_keys() -> None:
    model = make_model(0)
    old_bias = model[3].bias.data.copy()
    state = changed_state()
    del state["3.bias"]
    state["extra"] = np.ones(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["3.bias"] and result.unexpected_keys == ["extra"]
    assert np.array_equal(model[3].bias.data, old_bias)
    assert np.array_equal(model[0].weight.data, state["0.weight"])


def test_non_strict_loading_still_rejects_wrong_shapes() -> None:
    model = make_model(0)
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"0.bias: expected shape \(4,\), got \(5,\)"):
        model.load_state_dict({"0.weight": np.zeros((4, 3)), "0.bias": np.zeros(5)},
                              strict=False)
    assert_same_state(snapshot(model), before)


def test_load_state_dict_needs_a_mapping() -> None:
    with pytest.raises(TypeError, match="expected a mapping of name to array, got list"):
        make_model(0).load_state_dict([("0.weight", np.zeros((4, 3)))])  # type: ignore[arg-type]


def test_integral_floats_load_into_integer_buffers() -> None:
    bn = BatchNorm1d(2)
    state = bn.state_dict()
    state["num_batches_tracked"] = np.array(5.0)
    bn.load_state_dict(state)
    assert bn.num_batches_tracked == 5 and bn.num_batches_tracked.dtype == np.int64


# ---- buffers -----------------------------------------------------------------------------------


class Counter(Module):
    def __init__(self) -> None:
        self.scale = Tensor(np.ones(2), requires_grad=True)
        self.register_buffer("count", np.zeros(2))
        self.register_buffer("unused", None)


def test_registered_buffers_are_state_but_not_parameters() -> None:
    model = Counter()
    assert [name for name, _ in model.named_parameters()] == ["scale"]
    assert [name for name, _ in model.named_buffers()] == ["count"]  # None buffers are absent
    assert list(model.state_dict()) == ["scale", "count"]
    model.load_state_dict({"scale": np.zeros(2), "count": np.array([3.0, 4.0])})
    assert np.array_equal(model.count, [3.0, 4.0])
    model.register_buffer("count", np.ones(3))  # re-registering replaces the array
    assert model.buffers()[0].shape == (3,)


def test_register_buffer_errors() -> None:
    model = Counter()
    with pytest.raises(ValueError, match="attribute 'scale' already exists and is not a buffer"):
        model.register_buffer("scale", np.zeros(2))
    with pytest.raises(ValueError, match="name must be an identifier, got 'a.b'"):
        model.register_buffer("a.b", np.zeros(2))
    with pytest.raises(TypeError, match="'c' must be a numpy array or None, got list"):
        model.register_buffer("c", [1.0])  # type: ignore[arg-type]
    model.count = "oops"
    with pytest.raises(TypeError, match="Counter: buffer 'count' must be a numpy array, got str"):
        model.state_dict()


# ---- scalar Value models -----------------------------------------------------------------------


def test_value_mlp_round_trips_as_0d_arrays(tmp_path: Path) -> None:
    random.seed(0)
    source = MLP(2, [3, 1])
    random.seed(1)
    target = MLP(2, [3, 1])
    state = source.state_dict()
    assert len(state) == len(source.parameters()) == 13
    assert list(state)[:2] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1"]
    assert all(v.shape == () and v.dtype == np.float64 for v in state.values())
    target.save(tmp_path / "mlp.npz")
    target.load(tmp_path / "mlp.npz")  # its own state: a no-op
    target.load_state_dict(state)
    x = [Value(0.5), Value(-1.5)]
    assert target(x).data == source(x).data
    assert all(type(p.data) is float for p in target.parameters())
    random.seed(2)
    other = MLP(2, [3, 1])
    source.save(tmp_path / "source.npz")
    other.load(tmp_path / "source.npz")
    assert [p.data for p in other.parameters()] == [p.data for p in source.parameters()]


def test_value_shape_mismatch_is_reported_and_values_are_accepted() -> None:
    random.seed(0)
    model = MLP(1, [1])
    model.load_state_dict({"layers.0.neurons.0.w.0": Value(2.0), "layers.0.neurons.0.b": 3})
    assert [p.data for p in model.parameters()] == [2.0, 3.0]
    with pytest.raises(ValueError, match=r"layers.0.neurons.0.b: expected shape \(\), got \(1,\)"):
        model.load_state_dict({"layers.0.neurons.0.w.0": np.array(1.0),
                               "layers.0.neurons.0.b": np.array([1.0])})


# ---- printing ------------------------------------------------------------------------------------


def test_a_custom_module_prints_its_children() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.fc = Linear(2, 2)
            self.blocks = [ReLU(), Sequential(ReLU())]

    assert repr(Net()) == (
        "Net(\n"
        "  (fc): Linear(in_features=2, out_features=2, bias=True)\n"
        "  (blocks.0): ReLU()\n"
        "  (blocks.1): Sequential(\n"
        "    (0): ReLU()\n"
        "  )\n"
        ")")


# ---- files ------------------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    source, target = trained_model(5), make_model(6)
    path = tmp_path / "model.ckpt"  # written exactly there: no ".npz" is appended
    source.save(path)
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt"]  # no partial file left behind
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == KEYS
    assert target.load(str(path)) == IncompatibleKeys([], [])
    assert_same_state(target.state_dict(), source.state_dict())


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    make_model(0).save(path)
    trained_model(1).save(path)
    model = make_model(2)
    model.load(path)
    assert_same_state(model.state_dict(), trained_model(1).state_dict())


def test_names_that_numpy_savez_reserves_are_fine(tmp_path: Path) -> None:
    class Odd(Module):
        def __init__(self) -> None:
            self.file = Tensor(np.arange(3.0), requires_grad=True)
            self.allow_pickle = Tensor(np.ones(1), requires_grad=True)

    Odd().save(tmp_path / "odd.npz")
    model = Odd()
    model.file.data[...] = 0.0
    model.load(tmp_path / "odd.npz")
    assert np.array_equal(model.file.data, [0.0, 1.0, 2.0])


def expect_bad_file(model: Module, path: Path, message: str) -> None:
    before = snapshot(model)
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert_same_state(snapshot(model), before)


@pytest.mark.parametrize("keep", [0, 1, 30, 0.5, -22, -1])
def test_truncated_files_raise_and_change_nothing(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "model.npz"
    trained_model(1).save(path)
    data = path.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    path.write_bytes(data[:cut])
    expect_bad_file(make_model(0), path, "is not a readable .npz state file")


def test_a_foreign_npz_names_the_keys_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3), labels=np.arange(4))
    expect_bad_file(make_model(0), path,
                    r"does not fit this model: .*missing keys \['0.weight'.*"
                    r"unexpected keys \['weights', 'labels'\]")


def test_an_npz_with_the_right_names_but_wrong_shapes(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    state = trained_model(1).state_dict()
    state["3.weight"] = np.ones((4, 2))
    np.savez(path, **state)
    expect_bad_file(make_model(0), path, r"3.weight: expected shape \(2, 4\), got \(4, 2\)")


def test_other_kinds_of_file_are_rejected(tmp_path: Path) -> None:
    model = make_model(0)
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    expect_bad_file(model, npy, "holds a single array, not an .npz archive")
    text = tmp_path / "notes.txt"
    text.write_text("weights: 1 2 3\n")
    expect_bad_file(model, text, "is not a readable .npz state file")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{"0.weight": np.array([{"a": 1}], dtype=object)})
    expect_bad_file(model, pickled, "is not a readable .npz state file.*pickle")
    plain_zip = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    expect_bad_file(model, plain_zip, "member 'readme.txt' is not a .npy array")
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.npz")


@pytest.fixture(scope="module")
def saved_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        trained_model(1).save(path)
        return path.read_bytes()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_corrupted_bytes_are_caught_or_harmless(saved_bytes: bytes, data: st.DataObject) -> None:
    damaged = bytearray(saved_bytes)
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(damaged) - 1), st.integers(1, 255)),
                               min_size=1, max_size=3))
    for position, mask in flips:
        damaged[position] ^= mask
    model = make_model(0)
    before = snapshot(model)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.npz"
        path.write_bytes(bytes(damaged))
        try:
            model.load(path)
        except ValueError:
            assert_same_state(snapshot(model), before)
        else:  # the flips hit bytes nobody reads (zip timestamps, say): the data is intact
            assert_same_state(snapshot(model), trained_model(1).state_dict())


# ---- frozen parameters (requires_grad = False) are still parameters -----------------------------


def frozen_linear(seed: int) -> Linear:
    layer = Linear(3, 2, generator=np.random.default_rng(seed))
    layer.weight.requires_grad = False  # frozen before the module ever listed its members
    return layer


def test_a_frozen_weight_is_saved_listed_and_loaded(tmp_path: Path) -> None:
    source = frozen_linear(0)
    assert list(source.state_dict()) == ["weight", "bias"]
    assert [name for name, _ in source.named_parameters()] == ["weight", "bias"]
    assert source.parameters()[0] is source.weight
    source.save(tmp_path / "frozen.npz")
    for target in (frozen_linear(1), Linear(3, 2, generator=np.random.default_rng(1))):
        assert target.load(tmp_path / "frozen.npz") == IncompatibleKeys([], [])
        assert np.array_equal(target.weight.data, source.weight.data)


def test_an_optimizer_skips_a_frozen_parameter() -> None:
    from autograd_core.nn.optim import SGD

    model = frozen_linear(0)
    weight, bias = model.weight.data.copy(), model.bias.data.copy()
    optimizer = SGD(model.parameters(), lr=0.1)
    model(np.ones((4, 3))).sum().backward()
    optimizer.step()
    assert model.weight.grad is None and np.array_equal(model.weight.data, weight)
    assert np.allclose(model.bias.data, bias - 0.1 * 4)  # d(sum)/d(bias) = 4 per output


class Holder(Module):
    """Parameters inside a list and a dict."""

    def __init__(self) -> None:
        self.blocks = [Tensor(np.ones(2), requires_grad=True)]
        self.named = {"scale": Tensor(np.ones(1), requires_grad=True)}
        self.blocks.append(Tensor(np.zeros(3), requires_grad=True))


def test_frozen_parameters_in_lists_and_dicts_stay_parameters() -> None:
    model = Holder()
    assert list(model.state_dict()) == ["blocks.0", "blocks.1", "named.scale"]
    for p in model.parameters():
        p.requires_grad = False
    assert list(model.state_dict()) == ["blocks.0", "blocks.1", "named.scale"]
    model.load_state_dict({"blocks.0": [5.0, 6.0], "blocks.1": [1, 2, 3], "named.scale": [7.0]})
    assert np.array_equal(model.blocks[1].data, [1.0, 2.0, 3.0])


def test_results_of_operations_are_not_parameters() -> None:
    class Cache(Module):
        def __init__(self) -> None:
            self.w = Tensor(np.ones(2), requires_grad=True)

        def forward(self, x: Tensor) -> Tensor:
            self.last = self.w * x  # a non-leaf: would make the saved file fit no fresh model
            return self.last

    model = Cache()
    model(Tensor(np.ones(2)))
    assert model.last.requires_grad and list(model.state_dict()) == ["w"]
    assert [name for name, _ in model.named_parameters()] == ["w"]


def test_a_tensor_that_never_needed_gradients_is_a_frozen_parameter() -> None:
    class Scaled(Module):
        def __init__(self) -> None:
            self.scale = Tensor(np.full(2, 3.0))
            self.register_buffer("count", np.zeros(1))
            self.constant = np.ones(2)  # an array: neither a parameter nor saved

    model = Scaled()
    assert [name for name, _ in model.named_parameters()] == ["scale"]
    assert list(model.state_dict()) == ["scale", "count"]
    model.load_state_dict({"scale": [1.0, 2.0], "count": [4.0]})
    assert np.array_equal(model.scale.data, [1.0, 2.0])


def test_copies_of_a_model_keep_its_frozen_parameters() -> None:
    import copy
    import pickle

    model = frozen_linear(0)
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert list(clone.state_dict()) == ["weight", "bias"]
        assert clone.weight is not model.weight
        assert np.array_equal(clone.weight.data, model.weight.data)
        assert not clone.weight.requires_grad and clone.bias.requires_grad


def test_a_module_without_an_init_call_still_keeps_frozen_parameters() -> None:
    class Bare(Module):
        pass

    model = Bare()
    model.w = Tensor(np.ones(2), requires_grad=True)
    model.w.requires_grad = False
    model.layers = [Linear(2, 2)]
    model.layers[0].bias.requires_grad = False
    assert list(model.state_dict()) == ["w", "layers.0.weight", "layers.0.bias"]


# ---- save: a unique partial file, links and permissions ---------------------------------------


def test_save_leaves_someone_elses_partial_file_alone(tmp_path: Path) -> None:
    other = tmp_path / "model.npz.partial"
    other.write_bytes(b"not ours")
    trained_model(1).save(tmp_path / "model.npz")
    assert other.read_bytes() == b"not ours"
    assert sorted(os.listdir(tmp_path)) == ["model.npz", "model.npz.partial"]


def test_save_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "real.npz"
    make_model(0).save(real)
    link = tmp_path / "latest.npz"
    link.symlink_to(Path("runs") / "real.npz")  # relative, as `ln -s` makes them
    trained_model(1).save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("runs", "real.npz")
    assert sorted(os.listdir(tmp_path / "runs")) == ["real.npz"]
    model = make_model(2)
    model.load(real)
    assert_same_state(model.state_dict(), trained_model(1).state_dict())
    dangling = tmp_path / "next.npz"
    dangling.symlink_to(tmp_path / "runs" / "next-target.npz")
    trained_model(1).save(dangling)  # as open() would: the link's target is created
    assert dangling.is_symlink() and (tmp_path / "runs" / "next-target.npz").is_file()


def test_saved_files_get_opens_mode_or_keep_theirs(tmp_path: Path) -> None:
    old_umask = os.umask(0o027)
    try:
        path = tmp_path / "model.npz"
        make_model(0).save(path)
        assert path.stat().st_mode & 0o777 == 0o640  # 0o666 less the umask, as open() gives
        path.chmod(0o604)
        trained_model(1).save(path)
        assert path.stat().st_mode & 0o777 == 0o604  # replaced, but with its permissions
    finally:
        os.umask(old_umask)


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_save_removes_its_partial_file_and_keeps_the_old_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    from autograd_core.nn import module as nn_module

    path = tmp_path / "model.npz"
    make_model(0).save(path)
    before = path.read_bytes()

    def failing_write(file: object, state: object) -> None:
        file.write(b"half an archive")  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(nn_module, "_write_npz", failing_write)
    with pytest.raises(type(error)):
        trained_model(1).save(path)
    assert os.listdir(tmp_path) == ["model.npz"] and path.read_bytes() == before


def test_overlapping_saves_to_one_path_do_not_collide(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_core.nn import module as nn_module

    path = tmp_path / "model.npz"
    write = nn_module._write_npz
    calls = []

    def write_with_another_save_in_between(file: object, state: dict) -> None:
        calls.append(1)
        if len(calls) == 1:  # another save of the same path starts and ends meanwhile
            make_model(0).save(path)
        write(file, state)

    monkeypatch.setattr(nn_module, "_write_npz", write_with_another_save_in_between)
    trained_model(1).save(path)  # the last to finish wins, whole
    model = make_model(2)
    model.load(path)
    assert_same_state(model.state_dict(), trained_model(1).state_dict())
    assert os.listdir(tmp_path) == ["model.npz"]


# ---- integer buffers: values that int64 cannot hold are rejected --------------------------------


@pytest.mark.parametrize(("value", "message"), [
    (1e30, "1e[+]30 does not fit a int64 buffer"),
    (-1e30, "-1e[+]30 does not fit a int64 buffer"),
    (2.0 ** 63, "9.223372036854776e[+]18 does not fit a int64 buffer"),
    (2 ** 63, "9223372036854775808 does not fit a int64 buffer"),
    (np.uint64(2 ** 64 - 1), "18446744073709551615 does not fit a int64 buffer"),
    (float("inf"), "expected whole numbers for a int64 buffer, got inf"),
    (float("nan"), "expected whole numbers for a int64 buffer, got nan"),
])
def test_integer_buffers_reject_numbers_they_cannot_hold(value: object, message: str) -> None:
    bn = trained_model(0)[1]
    state = bn.state_dict()
    state["num_batches_tracked"] = np.asarray(value)
    with pytest.raises(ValueError, match=f"num_batches_tracked: {message}"):
        bn.load_state_dict(state)
    assert bn.num_batches_tracked == 3


@pytest.mark.parametrize(("value", "loaded"), [
    (-0.0, 0), (-(2.0 ** 63), -(2 ** 63)), (2 ** 63 - 1, 2 ** 63 - 1),
    (np.uint64(7), 7), (np.float32(3e9), 3_000_000_000), (True, 1)])
def test_integer_buffers_take_every_number_they_can_hold(value: object, loaded: int) -> None:
    bn = BatchNorm1d(2)
    state = bn.state_dict()
    state["num_batches_tracked"] = np.asarray(value)
    bn.load_state_dict(state)
    assert int(bn.num_batches_tracked) == loaded and bn.num_batches_tracked.dtype == np.int64


# ---- .safetensors files: PyTorch's names, the same guarantees as .npz ---------------------------


def safetensors_file(tmp_path: Path, model: Module, name: str = "model.safetensors") -> Path:
    path = tmp_path / name
    model.save(path)
    return path


def test_a_safetensors_file_holds_pytorchs_names_and_our_dtypes(tmp_path: Path) -> None:
    from safetensors import safe_open
    from safetensors.numpy import load_file

    source = trained_model(5)
    path = safetensors_file(tmp_path, source)
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]  # no partial file left behind
    assert not zipfile.is_zipfile(path)
    stored = load_file(path)  # what any safetensors reader sees
    assert sorted(stored) == sorted(KEYS)
    assert_same_state({key: stored[key] for key in KEYS}, source.state_dict())
    assert stored["1.num_batches_tracked"].dtype == np.int64
    with safe_open(path, framework="np") as file:
        assert file.metadata()["format"] == "pt"
    target = make_model(6)
    assert target.load(path) == IncompatibleKeys([], [])
    assert_same_state(target.state_dict(), source.state_dict())


@pytest.mark.parametrize("name", ["m.SafeTensors", "dir.npz.safetensors"])
def test_the_extension_chooses_safetensors_in_any_case(tmp_path: Path, name: str) -> None:
    path = safetensors_file(tmp_path, trained_model(1), name)
    assert path.read_bytes()[8:9] == b"{"  # a JSON header, not a zip archive
    model = make_model(0)
    model.load(path)
    assert_same_state(model.state_dict(), trained_model(1).state_dict())


def test_value_models_save_as_0d_safetensors(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    random.seed(0)
    source = MLP(2, [3, 1])
    path = safetensors_file(tmp_path, source)
    stored = load_file(path)
    assert len(stored) == 13 and all(v.shape == () and v.dtype == np.float64
                                      for v in stored.values())
    random.seed(1)
    target = MLP(2, [3, 1])
    target.load(path)
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]
    assert all(type(p.data) is float for p in target.parameters())


def test_a_safetensors_file_written_elsewhere_loads_without_a_checksum(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    state = trained_model(3).state_dict()
    save_file(state, tmp_path / "other.safetensors")  # no metadata: as another program writes
    model = make_model(0)
    model.load(tmp_path / "other.safetensors")
    assert_same_state(model.state_dict(), state)


def test_safetensors_keys_shapes_and_integer_buffers_are_checked(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    model = make_model(0)
    save_file({"weights": np.ones(3)}, tmp_path / "foreign.safetensors")
    expect_bad_file(model, tmp_path / "foreign.safetensors",
                    r"does not fit this model: .*missing keys \['0.weight'.*"
                    r"unexpected keys \['weights'\]")
    state = changed_state()
    state["1.num_batches_tracked"] = np.array(2.5)
    save_file(state, tmp_path / "half.safetensors")
    expect_bad_file(model, tmp_path / "half.safetensors",
                    "1.num_batches_tracked: expected whole numbers for a int64 buffer")
    state["1.num_batches_tracked"] = np.array(2 ** 64 - 1, dtype=np.uint64)
    save_file(state, tmp_path / "huge.safetensors")
    expect_bad_file(model, tmp_path / "huge.safetensors", "does not fit a int64 buffer")
    state = changed_state()
    del state["3.bias"]
    save_file(state, tmp_path / "partial.safetensors")
    result = model.load(tmp_path / "partial.safetensors", strict=False)
    assert result == IncompatibleKeys(["3.bias"], [])
    assert np.array_equal(model[0].weight.data, state["0.weight"])


@pytest.mark.parametrize("keep", [0, 1, 7, 8, 30, 0.5, -1])
def test_truncated_safetensors_raise_and_change_nothing(tmp_path: Path, keep: float) -> None:
    path = safetensors_file(tmp_path, trained_model(1))
    data = path.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    path.write_bytes(data[:cut])
    expect_bad_file(make_model(0), path, "is not a readable .safetensors state file")


def test_damaged_tensor_bytes_fail_the_checksum(tmp_path: Path) -> None:
    path = safetensors_file(tmp_path, trained_model(1))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # a weight's lowest bit: still a well-formed file
    path.write_bytes(bytes(data))
    expect_bad_file(make_model(0), path, "is damaged: its tensors do not match the checksum")


def test_other_kinds_of_file_named_safetensors_are_rejected(tmp_path: Path) -> None:
    model = make_model(0)
    npz = tmp_path / "archive.safetensors"
    trained_model(1).save(tmp_path / "archive.npz")
    os.replace(tmp_path / "archive.npz", npz)
    expect_bad_file(model, npz, "is not a readable .safetensors state file")
    header = b'{"0.weight":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}'
    bfloat16 = tmp_path / "bf16.safetensors"  # a dtype numpy does not have
    bfloat16.write_bytes(len(header).to_bytes(8, "little") + header + b"\x00\x00")
    expect_bad_file(model, bfloat16, "is not a readable .safetensors state file")
    swapped = tmp_path / "swapped.npz"  # and the other way round
    trained_model(1).save(tmp_path / "x.safetensors")
    os.replace(tmp_path / "x.safetensors", swapped)
    expect_bad_file(model, swapped, "is not a readable .npz state file")
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.safetensors")


@pytest.fixture(scope="module")
def saved_safetensors_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return safetensors_file(Path(folder), trained_model(1)).read_bytes()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_corrupted_safetensors_are_caught_or_harmless(saved_safetensors_bytes: bytes,
                                                      data: st.DataObject) -> None:
    damaged = bytearray(saved_safetensors_bytes)
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(damaged) - 1), st.integers(1, 255)),
                               min_size=1, max_size=3))
    for position, mask in flips:
        damaged[position] ^= mask
    # A damaged name of the checksum entry makes the file look like one written elsewhere,
    # which is read unchecked: then only several flips together can go unnoticed.
    key = saved_safetensors_bytes.index(b'"autograd_core.crc32"')
    unchecked = any(key <= position < key + 21 for position, _ in flips) and len(flips) > 1
    model = make_model(0)
    before = snapshot(model)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.safetensors"
        path.write_bytes(bytes(damaged))
        try:
            model.load(path)
        except ValueError:
            assert_same_state(snapshot(model), before)
        else:  # the flips hit bytes nobody reads (the header's padding, say): the data is intact
            if not unchecked:
                assert_same_state(snapshot(model), trained_model(1).state_dict())


def test_safetensors_saves_write_through_links_and_keep_permissions(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "real.safetensors"
    make_model(0).save(real)
    real.chmod(0o604)
    link = tmp_path / "latest.safetensors"
    link.symlink_to(Path("runs") / "real.safetensors")
    trained_model(1).save(link)
    assert link.is_symlink() and sorted(os.listdir(tmp_path / "runs")) == ["real.safetensors"]
    assert real.stat().st_mode & 0o777 == 0o604
    model = make_model(2)
    model.load(real)
    assert_same_state(model.state_dict(), trained_model(1).state_dict())


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_safetensors_save_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    from autograd_core.nn import module as nn_module

    path = safetensors_file(tmp_path, make_model(0))
    before = path.read_bytes()
    other = tmp_path / "model.safetensors.partial"  # someone else's: left alone
    other.write_bytes(b"not ours")

    def failing_write(file: object, state: object) -> None:
        file.write(b"half a file")  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(nn_module, "_write_safetensors", failing_write)
    with pytest.raises(type(error)):
        trained_model(1).save(path)
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors", "model.safetensors.partial"]
    assert path.read_bytes() == before and other.read_bytes() == b"not ours"
