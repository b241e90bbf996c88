"""Edges: empty axes, integer types for axes, special numbers, float32 promotion, bad labels."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest

from autograd_core import Tensor, Value, cross_entropy, where

SPECIALS = [-math.inf, -1000.0, -2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 1000.0, math.inf, math.nan]
UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "softplus", "elu",
         "leaky_relu"]


def same(a: float, b: float) -> bool:
    """Equal, NaN counting as equal to NaN."""
    return a == b or (math.isnan(a) and math.isnan(b))


# ---- reductions over an axis of length 0 --------------------------------------------------------


def test_logsumexp_over_no_numbers_is_minus_infinity() -> None:
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    out = x.logsumexp(axis=1)
    np.testing.assert_array_equal(out.data, [-np.inf, -np.inf])
    out.sum().backward()
    assert x.grad.shape == (2, 0)
    assert x.logsumexp(axis=1, keepdims=True).shape == (2, 1)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_over_no_numbers_is_empty(op: str) -> None:
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    with np.errstate(divide="ignore"):  # numpy warns of ln 0 on the way, as for any ln 0
        out = getattr(x, op)(axis=1)
    assert out.shape == (2, 0)
    out.sum().backward()
    assert x.grad.shape == (2, 0)


@pytest.mark.parametrize("op", ["max", "min"])
def test_an_extremum_over_no_numbers_is_a_clear_error(op: str) -> None:
    with pytest.raises(ValueError, match=rf"{op}: axis 1 of a tensor of shape \(2, 0\) has "
                                         "length 0"):
        getattr(Tensor(np.zeros((2, 0))), op)(axis=1)


@pytest.mark.parametrize("op", ["max", "min", "sum", "logsumexp"])
def test_reducing_a_nonempty_axis_of_an_empty_tensor_gives_an_empty_result(op: str) -> None:
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = getattr(x, op)(axis=1)
    assert out.shape == (0,)
    out.sum().backward()
    assert x.grad.shape == (0, 3)


def test_mean_of_no_numbers_is_nan_and_sum_is_zero() -> None:
    x = Tensor(np.zeros((2, 0)))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        assert np.all(np.isnan(x.mean(axis=1).data))
    np.testing.assert_array_equal(x.sum(axis=1).data, [0.0, 0.0])


def test_cross_entropy_of_an_empty_batch() -> None:
    logits = Tensor(np.zeros((0, 3)), requires_grad=True)
    labels = np.zeros(0, dtype=int)
    mean = cross_entropy(logits, labels)
    assert math.isnan(mean.item())
    assert cross_entropy(logits, labels, reduction="sum").item() == 0.0
    assert cross_entropy(logits, labels, reduction="none").shape == (0,)
    mean.backward()
    assert logits.grad.shape == (0, 3)


# ---- axes of any integer type --------------------------------------------------------------------


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "logsumexp", "softmax",
                                "log_softmax"])
@pytest.mark.parametrize("axis", [np.int64(1), np.int32(-1), (np.int64(1),), [1]])
def test_numpy_integer_axes_act_as_ints(op: str, axis: object) -> None:
    data = np.arange(6.0).reshape(2, 3)
    x, y = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
    out, expected = getattr(x, op)(axis=axis), getattr(y, op)(axis=1)
    np.testing.assert_array_equal(out.data, expected.data)
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    np.testing.assert_array_equal(x.grad, y.grad)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "logsumexp"])
def test_an_axis_a_zero_dimensional_tensor_lacks_is_numpys_axis_error(op: str) -> None:
    with pytest.raises(np.exceptions.AxisError, match=f"{op}: axis 0 is out of bounds for array "
                                                      "of dimension 0"):
        getattr(Tensor(0.3), op)(axis=0)
    assert getattr(Tensor(0.3), op)().item() == pytest.approx(0.3)


def test_axes_out_of_range_named_twice_or_not_integers() -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(np.exceptions.AxisError, match="sum: axis 2 is out of bounds"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match=r"mean: axis \(1, -1\) names an axis twice"):
        x.mean(axis=(1, -1))
    with pytest.raises(TypeError, match="max: axis must be an integer.*got 1.5"):
        x.max(axis=1.5)  # type: ignore[arg-type]


# ---- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize("label, shown", [(np.inf, "inf"), (1e20, "1e+20"), (-1e20, "-1e+20")])
def test_huge_float_labels_are_reported_as_they_are(label: float, shown: str) -> None:
    with pytest.raises(ValueError, match=rf"labels must lie in \[0, 3\).*{re.escape(shown)}") \
            as info:
        cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.0, label]))
    assert "9223372036854775808" not in str(info.value)


def test_fractional_or_nan_labels_are_not_integers() -> None:
    for labels in ([0.0, 0.5], [np.nan, 1.0]):
        with pytest.raises(TypeError, match="labels must be integers, got dtype float64"):
            cross_entropy(Tensor(np.zeros((2, 3))), np.array(labels))


# ---- special numbers: the same rule for Value and Tensor, PyTorch's --------------------------


def test_relu_passes_the_gradient_of_nan_and_abs_stops_it() -> None:
    """PyTorch: relu'(NaN) = 1 (NaN is not <= 0), abs'(NaN) = sign(NaN) = 0."""
    for op, slope in (("relu", 1.0), ("abs", 0.0)):
        v = Value(math.nan)
        getattr(v, op)().backward()
        t = Tensor([math.nan], requires_grad=True)
        getattr(t, op)().sum().backward()
        assert v.grad == slope and t.grad[0] == slope


@pytest.mark.parametrize("op", UNARY)
def test_value_and_tensor_agree_on_special_numbers(op: str) -> None:
    for x in SPECIALS:
        v = Value(x)
        try:
            out = getattr(v, op)()
        except ValueError:  # a finite input outside the domain: Value raises, by design
            assert math.isfinite(x)
            continue
        out.backward()
        t = Tensor([x], requires_grad=True)
        with np.errstate(all="ignore"):
            t_out = getattr(t, op)()
            t_out.sum().backward()
        assert same(out.data, float(t_out.data[0])), (op, x)
        assert same(v.grad, float(t.grad[0])), (op, x)


def test_value_and_tensor_powers_agree_on_special_numbers() -> None:
    for a, b in itertools.product(SPECIALS, SPECIALS):
        base, exponent = Value(a), Value(b)
        try:
            out = base ** exponent
        except ValueError:
            assert math.isfinite(a) and math.isfinite(b) and a <= 0, (a, b)
            continue
        out.backward()
        tb, te = Tensor([a], requires_grad=True), Tensor([b], requires_grad=True)
        with np.errstate(all="ignore"):
            t_out = tb ** te
            t_out.sum().backward()
        assert same(out.data, float(t_out.data[0])), (a, b)
        assert same(base.grad, float(tb.grad[0])), (a, b)
        assert same(exponent.grad, float(te.grad[0])), (a, b)


def test_infinite_and_nan_inputs_outside_a_domain_follow_ieee_instead_of_raising() -> None:
    assert math.isnan(Value(-math.inf).log().data)
    assert math.isnan(Value(math.nan).log().data)
    assert math.isnan(Value(-math.inf).sqrt().data)
    assert (Value(-2.0) ** math.inf).data == math.inf
    assert math.isnan((Value(-2.0) ** math.nan).data)
    assert (Value(0.0) ** -math.inf).data == math.inf
    assert (Value(-math.inf) ** 0.5).data == math.inf  # C99 pow
    with pytest.raises(ValueError, match="log"):
        Value(-1.0).log()  # finite inputs outside the domain still raise
    with pytest.raises(ValueError, match="non-integer power"):
        Value(-2.0) ** 0.5


def test_the_exponent_slope_at_base_zero() -> None:
    """d(a^b)/db at a = 0: the limit from the right, 0 for b >= 0 and -inf for b < 0."""
    a = Tensor([0.0, 0.0, 0.0], requires_grad=True)
    b = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    with np.errstate(all="ignore"):
        (a ** b).sum().backward()
    np.testing.assert_array_equal(b.grad, [-np.inf, 0.0, 0.0])
    np.testing.assert_array_equal(a.grad, [-np.inf, 0.0, 0.0])
    x, y = Value(0.0), Value(-math.inf)
    (x ** y).backward()
    assert y.grad == -math.inf


def test_the_base_slope_at_exponent_zero_is_zero_even_for_nan() -> None:
    a = Tensor([math.nan, 0.0, 2.0], requires_grad=True)
    with np.errstate(all="ignore"):
        (a ** 0.0).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.0, 0.0])


# ---- float32 stays float32 -------------------------------------------------------------------


@pytest.mark.parametrize("other", [2.0, 3, True, np.float64(2.0), np.int64(3), np.bool_(True),
                                   np.array([1, 2, 3]), np.array([True, False, True]),
                                   np.array([1, 2, 3], dtype=np.int8)],
                         ids=lambda o: f"{type(o).__name__}-{getattr(o, 'dtype', '')}")
def test_float32_is_not_widened_by_numbers_bools_or_integer_arrays(other: object) -> None:
    for compute in (lambda t: t + other, lambda t: other * t, lambda t: t / other,
                    lambda t: t - other, lambda t: other ** t,
                    lambda t: where(np.array([True, False, True]), t, other)):
        t = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # t / False is inf, as it should be
            out = compute(t)
            out.sum().backward()
        assert out.dtype == np.float32
        assert t.grad.dtype == np.float32


def test_float32_matmul_with_an_integer_matrix_stays_float32() -> None:
    t = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = t @ np.eye(3, dtype=np.int64)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32


def test_a_float64_array_still_widens_float32_as_in_pytorch() -> None:
    t = Tensor(np.ones(2, dtype=np.float32))
    assert (t + np.ones(2)).dtype == np.float64
