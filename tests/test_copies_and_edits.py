"""What a tensor shares and copies, edits between forward and backward, pickling and copying."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from autograd_core import Tensor, Value, cross_entropy, nn, where

# ---- Tensor(array) copies; Tensor.from_numpy shares ----------------------------------------


def test_two_tensors_from_one_array_are_not_tied() -> None:
    initial = np.array([1.0, 2.0, 3.0])
    first = Tensor(initial, requires_grad=True)
    second = Tensor(initial, requires_grad=True)
    (first * first).sum().backward()
    nn.optim.SGD([first], lr=0.5).step()
    np.testing.assert_array_equal(first.data, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(second.data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(initial, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_copies_float_arrays_as_it_copies_integer_ones(dtype: type) -> None:
    array = np.arange(3, dtype=dtype)
    t = Tensor(array)
    array[0] = 7
    assert t.data[0] == 0 and t.dtype == dtype


def test_from_numpy_shares_the_array_both_ways() -> None:
    array = np.array([1.0, 2.0])
    w = Tensor.from_numpy(array, requires_grad=True)
    assert w.requires_grad and w.data is array
    (3 * w).sum().backward()
    nn.optim.SGD([w], lr=1.0).step()  # an in-place update is seen through the caller's array
    np.testing.assert_array_equal(array, [-2.0, -1.0])
    array[1] = 10.0
    assert w.data[1] == 10.0
    assert not Tensor.from_numpy(np.zeros(2, dtype=np.float32)).requires_grad


def test_from_numpy_refuses_what_it_cannot_share() -> None:
    with pytest.raises(TypeError, match=r"from_numpy.*float64 or float32.*int64.*Tensor\(array\)"):
        Tensor.from_numpy(np.arange(3, dtype=np.int64))
    with pytest.raises(TypeError, match="from_numpy: expected a numpy array, got list"):
        Tensor.from_numpy([1.0, 2.0])  # type: ignore[arg-type]


def test_detach_shares_the_data_as_in_pytorch() -> None:
    t = Tensor(np.ones(2), requires_grad=True)
    d = t.detach()
    assert d.data is t.data and not d.requires_grad and not d._parents


# ---- edits between forward and backward -------------------------------------------------------


def test_replacing_data_after_the_forward_pass_does_not_change_the_gradient() -> None:
    """The gradient is the derivative where the forward pass was computed."""
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0], requires_grad=True)
    y = (w * x).sum()
    w.data = np.array([10.0, 20.0])
    x.data = np.array([30.0, 40.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


def test_the_same_rule_for_a_value() -> None:
    x = Value(2.0)
    y = x * x
    x.data = 5.0
    y.backward()
    assert x.grad == 4.0


def test_create_graph_refuses_a_replaced_tensor() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0], requires_grad=True)
    y = (w * x).sum()
    w.data = np.array([10.0, 20.0])
    with pytest.raises(RuntimeError, match=r"op '\*'.*\.data replaced after the forward pass"):
        y.backward(create_graph=True)


def test_create_graph_refuses_a_changed_value() -> None:
    x = Value(2.0)
    y = (x * x).tanh()
    x.data = 5.0
    with pytest.raises(RuntimeError, match=r"create_graph.*op '\*'.*changed after the forward"):
        y.backward(create_graph=True)


def test_create_graph_accepts_a_change_the_derivative_does_not_use() -> None:
    x = Value(2.0)
    y = x + 1.0  # d/dx = 1 whatever x is
    x.data = 5.0
    y.backward(create_graph=True)
    assert x.grad.data == 1.0


def test_an_initialiser_writing_in_place_before_backward_is_an_error() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0], requires_grad=True)
    y = (w * x).sum()
    nn.init.constant_(w, 5.0)
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*op '\*'.*written in place"):
        y.backward()
    assert x.grad is None  # nothing half-done is visible either


def test_an_optimizer_step_before_backward_is_an_error() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.grad = np.ones(2)
    nn.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"op '\*'.*version 0 -> 1.*optimizer.step\(\) after"):
        y.backward()


def test_loading_a_state_dict_before_backward_is_an_error() -> None:
    model, other = nn.Linear(2, 1), nn.Linear(2, 1)
    loss = model(Tensor([[1.0, 2.0]])).sum()
    model.load_state_dict(other.state_dict())
    with pytest.raises(RuntimeError, match="linear.*written in place"):
        loss.backward()


def test_writes_after_backward_are_fine_and_the_next_pass_sees_them() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    optimizer = nn.optim.SGD([w], lr=0.25)
    for _ in range(3):
        optimizer.zero_grad()
        (w * w).sum().backward()
        optimizer.step()
    np.testing.assert_allclose(w.data, np.array([1.0, 2.0]) * 0.5 ** 3)


def test_an_index_array_changed_after_the_forward_pass_does_not_move_the_gradient() -> None:
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    index = np.array([0, 0, 2])
    as_list = [1, 2]
    mask = np.array([True, False, True])
    y = t[index].sum() + 10 * t[as_list].sum() + 100 * t[mask].sum() + 1000 * t[(index,)].sum()
    index[...] = 1
    as_list[:] = [0, 0]
    mask[...] = False
    y.backward()
    np.testing.assert_array_equal(t.grad, [2102.0, 10.0, 1111.0])


def test_a_where_mask_changed_after_the_forward_pass_does_not_move_the_gradient() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    mask = np.array([True, False])
    y = where(mask, a, b).sum()
    mask[...] = [False, True]
    y.backward()
    np.testing.assert_array_equal(a.grad, [1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.0, 1.0])


def test_labels_changed_after_the_forward_pass_do_not_move_the_gradient() -> None:
    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    labels = np.array([0, 2])
    loss = cross_entropy(logits, labels, reduction="sum")
    labels[...] = 1
    loss.backward()
    expected = np.full((2, 3), 1 / 3)
    expected[0, 0] -= 1
    expected[1, 2] -= 1
    np.testing.assert_allclose(logits.grad, expected)


# ---- pickling and copying ----------------------------------------------------------------------


def round_trips(obj: object) -> list[object]:
    return [pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj)]


def test_a_non_leaf_value_pickles_and_copies_as_a_leaf() -> None:
    x = Value(2.0, label="x")
    y = x ** 3.0  # a closure as its derivative
    y.label = "y"
    y.backward()
    for clone in round_trips(y):
        assert isinstance(clone, Value)
        assert (clone.data, clone.grad, clone.label, clone._parents) == (8.0, 1.0, "y", ())


def test_a_non_leaf_tensor_pickles_and_copies_as_a_leaf() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.leaky_relu(0.2) * 3.0
    y.backward(np.ones(2))
    for clone in round_trips(y):
        assert isinstance(clone, Tensor)
        np.testing.assert_array_equal(clone.data, y.data)
        np.testing.assert_array_equal(clone.grad, np.ones(2))
        assert clone.requires_grad and not clone._parents and clone.data is not y.data


def test_gradients_with_a_graph_are_kept_as_their_values() -> None:
    x = Value(3.0)
    (x * x * x).backward(create_graph=True)
    t = Tensor([1.0, 2.0], requires_grad=True)
    (t * t * t).sum().backward(create_graph=True)
    for clone in round_trips(x):
        assert clone.grad == 27.0
    for clone in round_trips(t):
        assert type(clone.grad) is np.ndarray
        np.testing.assert_array_equal(clone.grad, [3.0, 12.0])


def test_a_model_pickles_and_deep_copies_after_create_graph() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    loss = (model(Tensor([[1.0, -1.0]])) ** 2).sum()
    loss.backward(create_graph=True)
    for clone in round_trips(model):
        assert isinstance(clone, nn.Sequential)
        for (name, p), (clone_name, q) in zip(model.named_parameters(),
                                              clone.named_parameters()):
            assert name == clone_name
            np.testing.assert_array_equal(p.data, q.data)
            np.testing.assert_array_equal(p.grad.data, q.grad)
            assert q.data is not p.data
        out = clone(Tensor([[0.5, 0.5]]))  # the clone runs, and is independent
        out.sum().backward()
        clone[0].weight.data[...] = 0.0
        assert np.any(model[0].weight.data != 0.0)


def test_a_scalar_mlp_pickles_and_deep_copies_after_create_graph() -> None:
    model = nn.MLP(2, [3, 1])
    loss = model([Value(1.0), Value(-2.0)]) ** 2
    loss.backward(create_graph=True)
    for clone in round_trips(model):
        assert [p.data for p in clone.parameters()] == [p.data for p in model.parameters()]
        assert [p.grad for p in clone.parameters()] == [p.grad.data for p in model.parameters()]


def test_deepcopy_keeps_a_shared_parameter_shared() -> None:
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    clone = copy.deepcopy(model)
    assert clone[0].weight is clone[2].weight
    assert clone[0].weight is not model[0].weight
