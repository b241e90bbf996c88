"""Bad input for ``Tensor``: clear errors naming shapes and ops, and ``detect_anomaly``."""

from __future__ import annotations

import operator
import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import Tensor, detect_anomaly

# ------------------------------------------------------------------------------------------------
# shape mismatches name both shapes and the op
# ------------------------------------------------------------------------------------------------

BINARY_OPS: dict[str, Callable[[object, object], object]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


@pytest.mark.parametrize("symbol", list(BINARY_OPS))
def test_broadcast_mismatch_names_both_shapes_and_op(symbol: str) -> None:
    f = BINARY_OPS[symbol]
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones(4))
    with pytest.raises(ValueError) as info:
        f(a, b)
    message = str(info.value)
    assert "(2, 3)" in message and "(4,)" in message
    assert re.search(rf"(^|\W){re.escape(symbol)}(\W|$)", message), message
    # the same with a numpy array on either side
    with pytest.raises(ValueError, match=re.escape("(4,)")):
        f(a, np.ones(4))
    with pytest.raises(ValueError, match=re.escape("(2, 3)")):
        f(np.ones(4), a)


@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)),
                                    ((2, 2, 3), (2, 4, 5))])
def test_matmul_mismatch_names_both_shapes_and_op(sa: tuple[int, ...],
                                                  sb: tuple[int, ...]) -> None:
    with pytest.raises(ValueError) as info:
        Tensor(np.ones(sa)) @ Tensor(np.ones(sb))
    message = str(info.value)
    assert str(sa) in message and str(sb) in message and "@" in message, message


def test_other_shape_errors_name_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)|\(4,\).*\(2, 3\)"):
        ac.concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones(4))])
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        ac.stack([Tensor(np.ones(2)), Tensor(np.ones(3))])
    with pytest.raises(ValueError, match=r"where.*\(2,\).*\(3,\)"):
        ac.where(np.array([True, False]), Tensor(np.ones(3)), Tensor(np.ones(3)))


def test_reshape_to_wrong_size() -> None:
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError) as info:
        t.reshape(4, 2)
    message = str(info.value)
    assert "reshape" in message and "(2, 3)" in message and "(4, 2)" in message
    with pytest.raises(ValueError, match="reshape"):
        t.reshape((7,))


def test_transpose_with_bad_axes() -> None:
    with pytest.raises(ValueError, match="transpose"):
        Tensor(np.ones((2, 3))).transpose(0, 0)
    with pytest.raises(ValueError, match="transpose"):
        Tensor(np.ones((2, 3))).transpose(0, 1, 2)


def test_transpose_accepts_negative_axes_like_numpy() -> None:
    x0 = np.arange(6.0).reshape(1, 2, 3)
    t = Tensor(x0, requires_grad=True)
    out = t.transpose(-1, 0, -2)
    np.testing.assert_array_equal(out.data, x0.transpose(-1, 0, -2))
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.ones_like(x0))


def test_index_out_of_range_raises_index_error() -> None:
    with pytest.raises(IndexError, match=r"\(3,\)"):
        Tensor([1.0, 2.0, 3.0])[5]
    with pytest.raises(IndexError):
        Tensor([1.0, 2.0, 3.0])[[0, 3]]


# ------------------------------------------------------------------------------------------------
# construction, item, backward
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["abc", ["1", "2"], None, object(), {"a": 1}, [1.0, "x"],
                                  [[1.0, 2.0], [3.0]], np.array([1 + 2j]), 1j,
                                  np.array(["2021-01-01"], dtype="datetime64[D]")],
                         ids=["str", "str-list", "None", "object", "dict", "mixed", "ragged",
                              "complex-array", "complex", "datetime"])
def test_non_numeric_data_raises_type_error(data: object) -> None:
    with pytest.raises(TypeError):
        Tensor(data)


def test_unsupported_dtype_raises_type_error() -> None:
    with pytest.raises(TypeError):
        Tensor([1.0], dtype=np.int64)


def test_non_numeric_operand_raises_type_error() -> None:
    with pytest.raises(TypeError):
        Tensor([1.0]) + "a"
    with pytest.raises(TypeError):
        "a" * Tensor([1.0])


def test_item_on_multi_element_tensor() -> None:
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        Tensor(np.ones((2, 2))).item()
    with pytest.raises(ValueError):
        Tensor(np.ones(0)).item()


def test_backward_on_non_scalar_without_grad() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"grad.*\(2,\)"):
        y.backward()
    assert x.grad is None
    # a one-element tensor of any rank is fine, as in PyTorch
    z = Tensor([[3.0]], requires_grad=True)
    (z * 2.0).backward()
    np.testing.assert_array_equal(z.grad, [[2.0]])


def test_backward_with_wrong_grad_shape() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises((ValueError, RuntimeError)) as info:
        y.backward(np.ones(3))
    assert "(3,)" in str(info.value) and "(2,)" in str(info.value)
    with pytest.raises((ValueError, RuntimeError)):
        y.backward(np.ones((2, 1)))  # broadcastable, but not the tensor's shape
    assert x.grad is None


def test_backward_on_tensor_without_graph() -> None:
    with pytest.raises(RuntimeError, match="requires_grad|require grad"):
        Tensor(1.0).backward()
    with pytest.raises(RuntimeError):
        (Tensor([1.0, 2.0]) * 3.0).sum().backward()


def test_clip_needs_a_bound() -> None:
    with pytest.raises(ValueError, match="clip"):
        Tensor([1.0]).clip()


def test_empty_max_raises() -> None:
    with pytest.raises(ValueError, match="max"):
        Tensor(np.ones((0, 3))).max()


# ------------------------------------------------------------------------------------------------
# detect_anomaly
# ------------------------------------------------------------------------------------------------

FORWARD_ANOMALIES: dict[str, tuple[Callable[[Tensor], Tensor], list[float]]] = {
    "log": (lambda t: t.log(), [-1.0]),
    "sqrt": (lambda t: t.sqrt(), [-4.0, 1.0]),
    "/": (lambda t: t / 0.0, [1.0]),
    "exp": (lambda t: t.exp(), [1000.0]),
    "**": (lambda t: t**0.5, [-2.0]),
}


@pytest.mark.parametrize("op", list(FORWARD_ANOMALIES))
def test_detect_anomaly_forward_names_op(op: str) -> None:
    f, values = FORWARD_ANOMALIES[op]
    x = Tensor(values, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(FloatingPointError) as info, detect_anomaly():
            f(x)
    message = str(info.value)
    assert re.search(rf"(^|\W){re.escape(op)}(\W|$)", message), message
    assert not ac.is_anomaly_enabled()  # restored after the exception


def test_detect_anomaly_forward_without_requires_grad() -> None:
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="log"), \
            detect_anomaly():
        Tensor([-1.0]).log()


@pytest.mark.parametrize("op, f, values", [
    ("sqrt", lambda t: t.sqrt(), [0.0, 4.0]),  # sqrt(0) = 0, slope 1/(2*0) = inf
    ("log", lambda t: t.log(), [1e-320, 1.0]),  # ln finite, slope 1/1e-320 overflows
    ("**", lambda t: t**0.5, [0.0, 1.0]),
    ("/", lambda t: 1.0 / t, [1e-200]),  # 1e200 is finite, d/dt = -1e400 is not
], ids=["sqrt", "log", "pow", "div"])
def test_detect_anomaly_backward_names_op(op: str, f: Callable[[Tensor], Tensor],
                                          values: list[float]) -> None:
    x = Tensor(values, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with detect_anomaly():
            loss = f(x).sum()  # the forward pass is finite: no error yet
            assert np.isfinite(loss.item())
            with pytest.raises(FloatingPointError) as info:
                loss.backward()
    message = str(info.value)
    assert "backward" in message
    assert re.search(rf"(^|\W){re.escape(op)}(\W|$)", message), message


def test_detect_anomaly_backward_sqrt_at_zero() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(all="ignore"), detect_anomaly():
        y = x.sqrt()  # forward is finite: sqrt(0) = 0
        np.testing.assert_array_equal(y.data, [0.0, 2.0])
        loss = y.sum()
        with pytest.raises(FloatingPointError, match=r"sqrt") as info:
            loss.backward()
    assert "backward" in str(info.value)


def test_detect_anomaly_backward_relu_of_sqrt_names_the_right_op() -> None:
    # the inf is created by sqrt's backward, not by the ops before or after it
    x = Tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(all="ignore"), detect_anomaly(), \
            pytest.raises(FloatingPointError) as info:
        ((x * 1.0).sqrt() * 3.0).relu().sum().backward()
    message = str(info.value)
    assert "sqrt" in message and "relu" not in message


def test_detect_anomaly_is_quiet_for_finite_results_and_nonfinite_inputs() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        ((x * x).log().exp().sqrt() + 1.0).softmax().sum().backward()
        assert np.all(np.isfinite(x.grad))
        # NaN/inf already in the input is not a new anomaly
        with np.errstate(all="ignore"):
            y = Tensor([np.inf, np.nan]).exp()
        assert np.isinf(y.data[0]) and np.isnan(y.data[1])
        # softmax of extreme logits stays finite: no false alarm
        Tensor([[1000.0, -1000.0]], requires_grad=True).log_softmax().sum().backward()


def test_no_anomaly_error_outside_the_context() -> None:
    x = Tensor([-1.0], requires_grad=True)
    with pytest.warns(RuntimeWarning):
        y = x.log()
    assert np.isnan(y.data[0])
    z = Tensor([0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        z.sqrt().sum().backward()
    assert z.grad[0] == np.inf
    assert not ac.is_anomaly_enabled()


def test_backward_anomaly_checked_when_backward_runs_inside_context() -> None:
    z = Tensor([0.0], requires_grad=True)
    y = z.sqrt().sum()  # recorded outside the context
    with np.errstate(all="ignore"), detect_anomaly(), pytest.raises(FloatingPointError):
        y.backward()


def test_fused_op_errors_name_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        ac.linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        ac.linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3))), Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="cross_entropy"):
        ac.cross_entropy(Tensor(np.ones((2, 3))), [0, 3])
    with pytest.raises(ValueError, match="cross_entropy"):
        ac.cross_entropy(Tensor(np.ones((2, 3))), [0])
    with pytest.raises(TypeError, match="cross_entropy"):
        ac.cross_entropy(Tensor(np.ones((2, 3))), [0.5, 1.0])
