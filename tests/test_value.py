"""Hand-derived derivatives from the course, engine pitfalls, and every error path of Value."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import pytest

from autograd_core import GradcheckError, Value, gradcheck, no_grad


def test_exp_of_square_course_example() -> None:
    # d/dx exp(x^2) = 2x exp(x^2)
    for x0 in (-1.3, 0.0, 0.4, 2.0):
        x = Value(x0)
        (x**2).exp().backward()
        assert x.grad == pytest.approx(2 * x0 * math.exp(x0**2), rel=1e-14)


def test_sqrt_of_square_plus_exp_course_example() -> None:
    # d/dx sqrt(x^2 + exp(x^2)) = x (1 + exp(x^2)) / sqrt(x^2 + exp(x^2))
    for x0 in (-2.0, -0.5, 0.3, 1.7):
        x = Value(x0)
        a = x**2
        (a + a.exp()).sqrt().backward()
        expected = x0 * (1 + math.exp(x0**2)) / math.sqrt(x0**2 + math.exp(x0**2))
        assert x.grad == pytest.approx(expected, rel=1e-13)


def test_one_weight_relu_network_course_example() -> None:
    # yhat = w2 * relu(w1 * x), L = (y - yhat)^2 / 2 with x=1, y=5, w1=3, w2=2
    x, y = 1.0, 5.0
    w1, w2 = Value(3.0, label="w1"), Value(2.0, label="w2")
    yhat = w2 * (w1 * x).relu()
    loss = (y - yhat) ** 2 / 2
    loss.backward()
    assert loss.data == 0.5
    assert (w1.grad, w2.grad) == (2.0, 3.0)
    for w in (w1, w2):
        w.data -= 0.1 * w.grad
    assert w1.data == pytest.approx(2.8, abs=1e-15)
    assert w2.data == pytest.approx(1.7, abs=1e-15)


def test_node_used_twice_accumulates() -> None:
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_backward_twice_accumulates_leaves_without_stale_intermediates() -> None:
    x = Value(3.0)
    y = x * x * x
    y.backward()
    assert x.grad == 27.0
    y.backward()
    assert x.grad == 54.0


def test_intermediate_grad_is_overwritten_each_pass() -> None:
    x = Value(2.0)
    h = x * x
    y = h * 3.0
    y.backward()
    y.backward()
    assert h.grad == 3.0  # this pass's dy/dh, not 6
    assert x.grad == 24.0


def test_zero_grad_by_hand_resets_accumulation() -> None:
    x = Value(3.0)
    y = x * x
    y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == 6.0


def test_backward_with_seed_gradient() -> None:
    x = Value(2.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 2.0


def test_leaf_backward() -> None:
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_million_node_chain_has_no_recursion_error() -> None:
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_000.5
    del y  # freeing the chain must not overflow the C stack either


@pytest.mark.parametrize("x0", [1000.0, -1000.0, 1e308, -1e308, 710.0, -745.2])
def test_tanh_and_sigmoid_saturate_exactly(x0: float) -> None:
    x = Value(x0)
    t = x.tanh()
    t.backward()
    assert t.data == math.copysign(1.0, x0)
    assert x.grad == 0.0
    x = Value(x0)
    s = x.sigmoid()
    s.backward()
    assert s.data == (1.0 if x0 > 0 else 0.0)
    assert x.grad == 0.0


def test_sigmoid_matches_definition_in_the_middle() -> None:
    for x0 in (-30.0, -2.0, 0.0, 0.5, 30.0):
        assert Value(x0).sigmoid().data == pytest.approx(1 / (1 + math.exp(-x0)), rel=1e-15)


def test_softplus_is_finite_for_large_inputs() -> None:
    x = Value(1000.0)
    y = x.softplus()
    y.backward()
    assert (y.data, x.grad) == (1000.0, 1.0)
    x = Value(-1000.0)
    y = x.softplus()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)


def test_exp_overflow_gives_inf_not_an_exception() -> None:
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf


@pytest.mark.parametrize(
    ("method", "expected_grad"),
    [("relu", 0.0), ("abs", 0.0), ("leaky_relu", 0.01), ("elu", 1.0)],
)
def test_pytorch_conventions_at_zero(method: str, expected_grad: float) -> None:
    x = Value(0.0)
    getattr(x, method)().backward()
    assert x.grad == expected_grad


def test_leaky_relu_and_elu_parameters() -> None:
    x = Value(-2.0)
    y = x.leaky_relu(alpha=0.2)
    y.backward()
    assert (y.data, x.grad) == (-0.4, 0.2)
    x = Value(-1.0)
    y = x.elu(alpha=2.0)
    y.backward()
    assert y.data == pytest.approx(2.0 * (math.exp(-1) - 1))
    assert x.grad == pytest.approx(2.0 * math.exp(-1))


def test_value_to_the_value_power() -> None:
    x, p = Value(2.0), Value(3.0)
    y = x**p
    y.backward()
    assert y.data == 8.0
    assert x.grad == 12.0  # p x^(p-1)
    assert p.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)  # x^p ln x
    assert gradcheck(lambda a, b: a**b, 1.7, -0.6)


def test_zero_base_value_power_has_zero_exponent_slope() -> None:
    x, p = Value(0.0), Value(2.0)
    (x**p).backward()
    assert (x.grad, p.grad) == (0.0, 0.0)


def test_sqrt_at_zero_has_infinite_slope_like_pytorch() -> None:
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf
    x = Value(0.0)
    (x**0.5).backward()
    assert x.grad == math.inf


def test_zero_exponent_has_zero_slope_everywhere() -> None:
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0


def test_reflected_operators() -> None:
    v = Value(4.0)
    assert (2 * v).data == 8.0
    assert (1 - v).data == -3.0
    assert (10 / v).data == 2.5
    assert (2**v).data == 16.0
    assert (3 + v).data == 7.0
    assert (-v).data == -4.0
    assert abs(Value(-3.0)).data == 3.0
    y = 10 / v
    y.backward()
    assert v.grad == -10 / 16


def test_division_is_true_division_like_pytorch() -> None:
    # a * b**-1 rounds differently from a / b; the engine must compute a / b.
    a, b = Value(1.0), Value(3.0)
    assert (a / b).data == 1.0 / 3.0
    assert (Value(0.1) / Value(0.3)).data == 0.1 / 0.3


def test_nan_and_inf_propagate() -> None:
    nan = Value(math.nan)
    for result in (nan + 1, nan * 2, nan.exp(), nan.tanh(), nan.relu(), nan.sigmoid(),
                   nan.log(), nan.sqrt(), nan.sin(), nan.abs()):
        assert math.isnan(result.data)
    assert math.isnan(Value(math.inf).sin().data)
    assert math.isnan(Value(-math.inf).cos().data)
    assert Value(math.inf).tanh().data == 1.0
    assert Value(math.inf).log().data == math.inf
    y = nan * Value(2.0)
    y.backward()
    assert y.grad == 1.0


def test_no_grad_records_nothing() -> None:
    x = Value(2.0)
    with no_grad():
        y = (x * x).exp()
    assert y._parents == ()
    y.backward()
    assert x.grad == 0.0
    assert (x * x)._parents == (x, x)


def test_micrograd_introspection_attributes() -> None:
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c._prev == {a, b}
    assert c._op == "*"
    assert repr(c) == "Value(data=6.0, grad=0.0)"
    assert Value(1.0, label="w").label == "w"


# ---- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1j, True])
def test_constructor_rejects_non_numbers_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


def test_constructor_rejects_a_value() -> None:
    with pytest.raises(TypeError, match="already a Value"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.pow])
def test_operands_that_are_not_numbers_raise_type_error(op: Callable[..., Value]) -> None:
    with pytest.raises(TypeError, match=r"expected a real number or Value, got str"):
        op(Value(2.0), "a")
    with pytest.raises(TypeError, match=r"got list"):
        op(Value(2.0), [1.0])


def test_log_domain_error_names_op_and_value() -> None:
    for x0 in (0.0, -1.5):
        with pytest.raises(ValueError, match=rf"log.*{x0}"):
            Value(x0).log()


def test_sqrt_domain_error_names_op_and_value() -> None:
    with pytest.raises(ValueError, match=r"sqrt.*-4\.0"):
        Value(-4.0).sqrt()


def test_power_domain_errors() -> None:
    with pytest.raises(ValueError, match=r"\*\*.*-8\.0.*0\.5"):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match=r"0\.0 to the negative power"):
        Value(0.0) ** -1
    with pytest.raises(ValueError, match=r"positive base.*-2\.0"):
        Value(-2.0) ** Value(2.0)
    with pytest.raises(ValueError, match=r"positive base"):
        (-2.0) ** Value(2.0)
    assert (Value(-2.0) ** 3).data == -8.0  # integer powers of negatives are fine


def test_division_by_zero_names_op() -> None:
    with pytest.raises(ZeroDivisionError, match=r"Value /.*1\.0"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError):
        1.0 / Value(0.0)


def test_backward_rejects_non_numeric_seed() -> None:
    with pytest.raises(TypeError, match="backward"):
        Value(1.0).backward("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed dL/dself.*must be a number, got a Value"):
        Value(1.0).backward(Value(1.0))  # type: ignore[arg-type]


# ---- gradcheck -------------------------------------------------------------------------


def test_gradcheck_passes_on_correct_gradients() -> None:
    assert gradcheck(lambda x, y: (x * y + x.sin()).tanh(), 0.3, Value(-1.2)) is True


def test_gradcheck_reports_every_input_when_a_derivative_is_wrong() -> None:
    def wrong(x: Value, y: Value) -> Value:
        out = x * y
        out._local_grads = (y.data, 2 * x.data)  # a deliberately wrong d/dy
        return out

    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong, 1.5, 2.0)
    message = str(info.value)
    assert "input 0 = 1.5: analytic 2.0, numeric" in message
    assert "input 1 = 2.0: analytic 3.0, numeric 1.49999" in message
    assert message.count("mismatch") == 1


def test_gradcheck_leaves_caller_values_untouched() -> None:
    x = Value(2.0)
    gradcheck(lambda v: v * v, x)
    assert x.grad == 0.0


def test_gradcheck_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda v: 1.0, 2.0)  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0))
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda v: v, 1.0, eps=0)


def test_enable_grad_records_inside_no_grad() -> None:
    from autograd_core import enable_grad, is_grad_enabled

    x = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = x * x
        assert not is_grad_enabled()
        z = x * x
    assert y._parents == (x, x)
    assert z._parents == ()
