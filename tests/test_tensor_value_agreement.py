"""``Tensor`` and ``Value`` are two node types on one engine: elementwise they must agree.

For every unary op, the Tensor op applied to an array must equal the Value op applied to each
element, in value and in gradient, to 1e-12 relative, at points inside the op's domain
(including the kinks, where both follow PyTorch's conventions). The ranges for tanh and sigmoid
stop where 1 - t^2 and s (1 - s) cancel so badly that a one-ulp difference between numpy's and
the math module's tanh/exp would exceed that tolerance in *both* engines.
"""

from __future__ import annotations

from collections.abc import Callable

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, Value

AGREE = settings(max_examples=50, deadline=None)
RTOL = 1e-12


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


# name -> (Tensor op, Value op, domain of the points)
UNARY: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[Value], Value],
                       st.SearchStrategy[float]]] = {
    "exp": (Tensor.exp, Value.exp, floats(-20, 20)),
    "log": (Tensor.log, Value.log, floats(1e-3, 1e3)),
    "sqrt": (Tensor.sqrt, Value.sqrt, floats(1e-3, 1e3)),
    "tanh": (Tensor.tanh, Value.tanh, floats(-3, 3)),
    "sigmoid": (Tensor.sigmoid, Value.sigmoid, floats(-10, 10)),
    "relu": (Tensor.relu, Value.relu, floats(-5, 5)),
    "leaky_relu": (Tensor.leaky_relu, Value.leaky_relu, floats(-5, 5)),
    "leaky_relu(0.3)": (lambda t: t.leaky_relu(0.3), lambda v: v.leaky_relu(0.3),
                        floats(-5, 5)),
    "elu": (Tensor.elu, Value.elu, floats(-5, 5)),
    "elu(2.0)": (lambda t: t.elu(2.0), lambda v: v.elu(2.0), floats(-5, 5)),
    "softplus": (Tensor.softplus, Value.softplus, floats(-30, 30)),
    "sin": (Tensor.sin, Value.sin, floats(-10, 10)),
    "cos": (Tensor.cos, Value.cos, floats(-10, 10)),
    "abs": (Tensor.abs, Value.abs, floats(-5, 5)),
    "erf": (Tensor.erf, Value.erf, floats(-6, 6)),
}

# points where an op is not differentiable, or switches formula
KINKS = {"relu": [0.0], "leaky_relu": [0.0], "leaky_relu(0.3)": [0.0], "elu": [0.0],
         "elu(2.0)": [0.0], "abs": [0.0], "softplus": [0.0, 20.0, -20.0], "sigmoid": [0.0],
         "tanh": [0.0], "sin": [0.0], "cos": [0.0], "exp": [0.0], "log": [1.0], "sqrt": [1.0],
         "erf": [0.0]}


def value_results(f: Callable[[Value], Value], points: np.ndarray) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    data = np.empty_like(points)
    grads = np.empty_like(points)
    for position in np.ndindex(points.shape):
        v = Value(float(points[position]))
        out = f(v)
        out.backward()
        data[position] = out.data
        grads[position] = v.grad
    return data, grads


def tensor_results(f: Callable[[Tensor], Tensor], points: np.ndarray) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    t = Tensor(points, requires_grad=True)
    out = f(t)
    out.sum().backward()
    return out.data, t.grad


def assert_agree(name: str, points: np.ndarray) -> None:
    tensor_op, value_op, _ = UNARY[name]
    t_data, t_grad = tensor_results(tensor_op, points)
    v_data, v_grad = value_results(value_op, points)
    assert t_data.shape == points.shape and t_grad.shape == points.shape
    np.testing.assert_allclose(t_data, v_data, rtol=RTOL, atol=0, err_msg=f"{name} values")
    np.testing.assert_allclose(t_grad, v_grad, rtol=RTOL, atol=0, err_msg=f"{name} gradients")


@pytest.mark.parametrize("name", list(UNARY))
@AGREE
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4))
def test_unary_tensor_matches_value(name: str, data: st.DataObject,
                                    shape: tuple[int, ...]) -> None:
    points = data.draw(hnp.arrays(np.float64, shape, elements=UNARY[name][2]))
    assert_agree(name, points)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_tensor_matches_value_at_kinks(name: str) -> None:
    assert_agree(name, np.array(KINKS[name]))


def test_sqrt_at_zero_agrees_infinite_slope() -> None:
    with np.errstate(divide="ignore"):
        t_data, t_grad = tensor_results(Tensor.sqrt, np.array([0.0]))
    v_data, v_grad = value_results(Value.sqrt, np.array([0.0]))
    assert t_data[0] == v_data[0] == 0.0
    assert t_grad[0] == v_grad[0] == np.inf


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_gradient_matches_value_for_very_negative_inputs(alpha: float) -> None:
    # elu'(x) = alpha e^x for x <= 0. Value computes alpha * exp(x); the tensor's
    # alpha * expm1(x) + alpha cancels catastrophically once e^x << 1.
    points = np.array([-8.0, -15.0, -25.0, -40.0, -50.0])
    t = Tensor(points, requires_grad=True)
    t.elu(alpha).sum().backward()
    _, v_grad = value_results(lambda v: v.elu(alpha), points)
    np.testing.assert_allclose(v_grad, alpha * np.exp(points), rtol=1e-15)
    np.testing.assert_allclose(t.grad, v_grad, rtol=RTOL, atol=0)


BINARY: dict[str, tuple[Callable[[object, object], object], st.SearchStrategy[float],
                        st.SearchStrategy[float]]] = {
    "+": (lambda a, b: a + b, floats(-5, 5), floats(-5, 5)),
    "-": (lambda a, b: a - b, floats(-5, 5), floats(-5, 5)),
    "*": (lambda a, b: a * b, floats(-5, 5), floats(-5, 5)),
    "/": (lambda a, b: a / b, floats(-5, 5), floats(0.1, 5)),
    "**": (lambda a, b: a**b, floats(0.1, 5), floats(-3, 3)),
}


@pytest.mark.parametrize("name", list(BINARY))
@AGREE
@given(data=st.data(), size=st.integers(1, 5))
def test_binary_tensor_matches_value(name: str, data: st.DataObject, size: int) -> None:
    f, left, right = BINARY[name]
    a = data.draw(hnp.arrays(np.float64, (size,), elements=left))
    b = data.draw(hnp.arrays(np.float64, (size,), elements=right))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = f(ta, tb)
    out.sum().backward()
    for i in range(size):
        va, vb = Value(float(a[i])), Value(float(b[i]))
        vo = f(va, vb)
        vo.backward()
        np.testing.assert_allclose(out.data[i], vo.data, rtol=RTOL, atol=0)
        np.testing.assert_allclose(ta.grad[i], va.grad, rtol=RTOL, atol=1e-300)
        np.testing.assert_allclose(tb.grad[i], vb.grad, rtol=RTOL, atol=1e-300)
