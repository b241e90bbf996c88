"""Higher-order derivatives of scalar functions: ``Value.backward(create_graph=True)`` and the
function transforms ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, ``hvp``, ``vjp``.

Second derivatives are checked by ``gradcheck`` applied to a gradient function: if the gradient's
own graph is right, its backward pass agrees with central differences of the gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_forward import BOUND, run
from test_forward import programs as forward_programs
from test_value_properties import OP_CASES, _evaluate_checked, cases

from autograd_core import (
    Tensor,
    Value,
    concatenate,
    forward_jacobian,
    grad,
    gradcheck,
    hessian,
    hvp,
    jacobian,
    jvp,
    no_grad,
    value_and_grad,
    vjp,
)

PER_OP = settings(max_examples=25, deadline=None)
PROPERTY = settings(max_examples=60, deadline=None)


def gradient_sum(f: Callable[..., Value]) -> Callable[..., Value]:
    """x -> sum_i df/dx_i, itself a Value function whose backward needs second derivatives."""
    def h(*xs: Value) -> Value:
        total = Value(0.0)
        for weight, g in enumerate(grad(f, argnums=tuple(range(len(xs))))(*xs), start=1):
            total = total + weight * g  # distinct weights: a swapped pair of partials shows
        return total
    return h


# ---- create_graph on Value ---------------------------------------------------------------


def test_backward_create_graph_makes_the_gradient_a_value_with_a_graph() -> None:
    x = Value(0.7)
    y = x * x * x + x.sin()
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first._parents
    assert first.data == pytest.approx(3 * 0.49 + math.cos(0.7), rel=1e-15)
    x.grad = 0.0
    first.backward()
    assert x.grad == pytest.approx(6 * 0.7 - math.sin(0.7), rel=1e-14)


def test_plain_backward_still_leaves_floats() -> None:
    x = Value(0.7)
    (x * x).backward()
    assert type(x.grad) is float and x.grad == 1.4


def test_create_graph_works_inside_no_grad_for_the_gradient_graph() -> None:
    x = Value(2.0)
    y = x * x * x
    with no_grad():
        y.backward(create_graph=True)  # PyTorch too records the gradient's graph here
    assert isinstance(x.grad, Value) and x.grad._parents


# ---- second derivatives of every op, and of random graphs -----------------------------------


@pytest.mark.parametrize("name", sorted(OP_CASES))
@PER_OP
@given(data=st.data())
def test_each_op_second_derivative_matches_gradcheck(name: str, data: Any) -> None:
    case = data.draw(OP_CASES[name], label="case")
    assert gradcheck(gradient_sum(case.f), *case.point, rtol=2e-3)


@PROPERTY
@given(cases(max_instrs=6))
def test_random_graph_second_derivatives_match_gradcheck(case: Any) -> None:
    program, point = case
    _evaluate_checked(program, point)
    assert gradcheck(gradient_sum(program), *point, rtol=2e-3)


@PROPERTY
@given(cases(max_instrs=6))
def test_hessian_matches_finite_differences_of_the_gradient(case: Any) -> None:
    program, point = case
    _evaluate_checked(program, point)
    everything = tuple(range(len(point)))
    gradient = grad(program, argnums=everything)
    exact = hessian(program, argnums=everything)(*point)
    eps = 1e-6
    for j in range(len(point)):
        up, down = list(point), list(point)
        up[j] += eps
        down[j] -= eps
        column = [(a - b) / (2 * eps) for a, b in zip(gradient(*up), gradient(*down))]
        for i in range(len(point)):
            assert exact[i][j] == pytest.approx(column[i], rel=2e-3, abs=1e-5)
    for i in range(len(point)):  # symmetric up to rounding (exactly: the graphs differ)
        for j in range(i):
            assert exact[i][j] == pytest.approx(exact[j][i], rel=1e-9, abs=1e-12)


# ---- third derivatives against their formulas ---------------------------------------------

X = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)


def _sech2(x: float) -> float:
    return 1 - math.tanh(x) ** 2


def _sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


THIRD: dict[str, tuple[Callable[[Any], Any], Callable[[float], float]]] = {
    "sin": (lambda x: x.sin(), lambda x: -math.cos(x)),
    "cos": (lambda x: x.cos(), lambda x: math.sin(x)),
    "exp(2x)": (lambda x: (2 * x).exp(), lambda x: 8 * math.exp(2 * x)),
    "x^5": (lambda x: x**5, lambda x: 60 * x * x),
    "x^2.5 at x+3": (lambda x: (x + 3) ** 2.5, lambda x: 2.5 * 1.5 * 0.5 * (x + 3) ** -0.5),
    "log(x+3)": (lambda x: (x + 3).log(), lambda x: 2 / (x + 3) ** 3),
    "1/(x+3)": (lambda x: 1 / (x + 3), lambda x: -6 / (x + 3) ** 4),
    "sqrt(x+3)": (lambda x: (x + 3).sqrt(), lambda x: 3 / 8 * (x + 3) ** -2.5),
    "tanh": (lambda x: x.tanh(), lambda x: _sech2(x) * (6 * math.tanh(x) ** 2 - 2)),
    "sigmoid": (lambda x: x.sigmoid(),
                lambda x: _sig(x) * (1 - _sig(x)) * (1 - 6 * _sig(x) + 6 * _sig(x) ** 2)),
    "softplus": (lambda x: x.softplus(), lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x))),
    # erf' = 2/sqrt(pi) e^(-x^2), so its third derivative is 2/sqrt(pi) (4x^2 - 2) e^(-x^2)
    "erf": (lambda x: x.erf(),
            lambda x: 2 / math.sqrt(math.pi) * (4 * x * x - 2) * math.exp(-x * x)),
    "2^x": (lambda x: 2.0**x, lambda x: math.log(2) ** 3 * 2**x),
    "x*exp(x)": (lambda x: x * x.exp(), lambda x: (x + 3) * math.exp(x)),
}


@pytest.mark.parametrize("name", sorted(THIRD))
@settings(max_examples=30, deadline=None)
@given(x=X)
def test_third_derivatives_match_their_formulas(name: str, x: float) -> None:
    f, third = THIRD[name]
    assert grad(grad(grad(f)))(x) == pytest.approx(third(x), rel=1e-9, abs=1e-12)


def test_fourth_derivative_of_exp_is_exp() -> None:
    assert grad(grad(grad(grad(lambda x: x.exp()))))(0.3) == pytest.approx(math.exp(0.3), 1e-15)


# ---- closed forms ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.floats(-5, 5), min_size=n, max_size=n), min_size=n, max_size=n),
    st.lists(st.floats(-5, 5), min_size=n, max_size=n))))
def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose(case: Any) -> None:
    a, point = case
    n = len(point)

    def quadratic(*x: Value) -> Value:
        return sum((a[i][j] * x[i] * x[j] for i in range(n) for j in range(n)), Value(0.0))

    h = hessian(quadratic, argnums=tuple(range(n)))(*point)
    expected = np.array(a) + np.array(a).T
    np.testing.assert_allclose(np.array(h), expected, rtol=1e-12, atol=1e-12)


def test_hvp_is_the_hessian_times_the_vector() -> None:
    def f(x: Value, y: Value) -> Value:
        return x * x * y + (x * y).sin()

    point, v = (0.4, -1.3), (0.7, 2.0)
    h = np.array(hessian(f, argnums=(0, 1))(*point))
    value, product = hvp(f, point, v)
    assert value == f(Value(0.4), Value(-1.3)).data
    np.testing.assert_allclose(product, h @ np.array(v), rtol=1e-13)
    single_value, single = hvp(lambda x: x**4, 2.0, 0.5)
    assert (single_value, single) == (16.0, pytest.approx(12 * 4 * 0.5))


def test_value_and_grad_and_vjp() -> None:
    value, slope = value_and_grad(lambda x, k: x**k, argnums=0)(3.0, 3)
    assert (value, slope) == (27.0, 27.0)
    out, pullback = vjp(lambda x, y: [x * y, x + y.exp()], 2.0, 0.0)
    assert out == (0.0, 3.0)
    assert pullback([1.0, 0.0]) == (0.0, 2.0)
    assert pullback([0.5, 2.0]) == (2.0, 0.5 * 2.0 + 2.0)


@PROPERTY
@given(forward_programs())
def test_jacobian_transform_agrees_with_forward_mode(case: Any) -> None:
    program, xs = case
    outputs = run(program, [Value(x) for x in xs])
    assume(all(abs(o.data) < BOUND for o in outputs))
    everything = tuple(range(len(xs)))
    reverse = jacobian(lambda *args: list(run(program, args)), argnums=everything)(*xs)
    assume(all(abs(g) < BOUND for row in reverse for g in row))
    forward = forward_jacobian(lambda *args: run(program, args), *xs)
    np.testing.assert_allclose(np.array(reverse), np.array(forward), rtol=1e-9, atol=1e-12)


# ---- nesting --------------------------------------------------------------------------------


def test_inner_transform_differentiates_its_own_argument_only() -> None:
    # d/dx [ d/dz (z * x) at z = x ] = d/dx x = 1, not d/dx of d(x*x)/dx = 2
    assert grad(lambda x: grad(lambda z: z * x)(x))(3.0) == 1.0


def test_grad_of_value_and_grad_and_of_jacobian() -> None:
    assert grad(lambda x: value_and_grad(lambda y: y**3)(x)[1])(2.0) == 12.0
    assert grad(lambda x: jacobian(lambda y: [y * y, y])(x)[0])(5.0) == 2.0


# ---- bad input and unused inputs --------------------------------------------------------------


def test_unused_inputs_and_constant_functions_give_zeros() -> None:
    assert grad(lambda x, y: x * 2.0, argnums=(0, 1))(1.0, 5.0) == (2.0, 0.0)
    assert grad(lambda x: 7.0)(1.0) == 0.0
    assert hessian(lambda x, y: x * y + x * 3.0, argnums=(0, 1))(1.0, 2.0) == ((0.0, 1.0),
                                                                               (1.0, 0.0))
    assert grad(grad(lambda x: 3.0 * x))(4.0) == 0.0


def test_arguments_outside_argnums_reach_f_unchanged() -> None:
    seen = []

    def f(x: Value, label: str) -> Value:
        seen.append(label)
        return x * x

    assert grad(f)(3.0, "unchanged") == 6.0
    assert seen == ["unchanged"]


@pytest.mark.parametrize(("thunk", "error", "match"), [
    (lambda: grad(lambda x: [x, x])(1.0), TypeError, r"grad: f must return a scalar.*jacobian"),
    (lambda: hessian(lambda x: [x, x])(1.0), TypeError, r"hessian:.*jacobian\(jacobian\(f\)\)"),
    (lambda: grad(lambda x: x, argnums=2)(1.0), ValueError, "argnums 2 is out of range"),
    (lambda: grad(lambda x: x, argnums=())(1.0), TypeError, "argnums must be"),
    (lambda: grad(lambda x: x)("a"), TypeError, "grad: can differentiate .* got str"),
    (lambda: grad(lambda x, y: x, argnums=(0, 1))(1.0, np.ones(2)), TypeError, "mix floats"),
    (lambda: hvp(lambda x: x, (1.0, 2.0), (1.0,)), ValueError, "same structure"),
    (lambda: vjp(lambda x: [x, x], 1.0)[1]([1.0]), ValueError, "2 outputs"),
])
def test_clear_errors(thunk: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        thunk()


# ---- arrays: f receives Tensors, results are numpy arrays -------------------------------------

ARRAY_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "tanh-matmul": lambda x: (Tensor(np.arange(6.0).reshape(2, 3) / 5) @ x.tanh()).exp(),
    "softmax": lambda x: x.softmax() * x,
    "logsumexp-broadcast": lambda x: (x.reshape(3, 1) * x - x.logsumexp()).sigmoid(),
    "index-concat": lambda x: concatenate([x[[0, 0, 2]] * x[1], x.sin()]),
}
SMALL = st.lists(st.floats(-2.0, 2.0, allow_subnormal=False), min_size=3, max_size=3)


@pytest.mark.parametrize("name", sorted(ARRAY_FUNCTIONS))
@settings(max_examples=20, deadline=None)
@given(x=SMALL, v=SMALL)
def test_forward_mode_jvp_agrees_with_the_reverse_jacobian(name: str, x: list[float],
                                                            v: list[float]) -> None:
    f = ARRAY_FUNCTIONS[name]
    out, tangent = jvp(f, np.array(x), np.array(v))
    full = jacobian(f)(np.array(x))
    assert full.shape == out.shape + (3,)
    np.testing.assert_allclose(tangent, full @ np.array(v), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(out, f(Tensor(np.array(x))).data)


@settings(max_examples=20, deadline=None)
@given(x=SMALL, w=SMALL)
def test_array_hessian_matches_finite_differences_and_hvp(x: list[float], w: list[float]) -> None:
    def f(t: Tensor) -> Tensor:
        return ((t * np.array(w)).sin() * t.exp()).sum() + (t @ t) ** 2

    point = np.array(x)
    h = hessian(f)(point)
    eps = 1e-6
    gradient = grad(f)
    columns = [(gradient(point + eps * e) - gradient(point - eps * e)) / (2 * eps)
               for e in np.eye(3)]
    np.testing.assert_allclose(h, np.array(columns).T, rtol=1e-5, atol=1e-6)
    value, product = hvp(f, point, np.array(w))
    assert value == pytest.approx(float(f(Tensor(point)).data))
    np.testing.assert_allclose(product, h @ np.array(w), rtol=1e-10, atol=1e-10)


def test_array_hessian_of_a_quadratic_form_and_tuple_argnums() -> None:
    a = np.random.default_rng(0).normal(size=(4, 4))
    h = hessian(lambda x: x @ (Tensor(a) @ x))(np.ones(4))
    np.testing.assert_allclose(h, a + a.T, rtol=1e-14)
    blocks = hessian(lambda x, y: (x * x).sum() * (y * y * y).sum(), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([3.0]))
    assert [[b.shape for b in row] for row in blocks] == [[(2, 2), (2, 1)], [(1, 2), (1, 1)]]
    np.testing.assert_allclose(blocks[0][1], [[2 * 1.0 * 27], [2 * 2.0 * 27]])
    np.testing.assert_allclose(blocks[1][1], [[5.0 * 6 * 3.0]])


def test_array_transforms_return_arrays_and_nest() -> None:
    x = np.array([0.5, -1.0])
    value, g = value_and_grad(lambda t: (t ** 3).sum())(x)
    assert isinstance(g, np.ndarray) and float(value) == pytest.approx(-0.875)
    np.testing.assert_allclose(g, 3 * x ** 2)
    second = grad(lambda t: (grad(lambda u: (u ** 3).sum())(t) * np.array([1.0, 2.0])).sum())(x)
    np.testing.assert_allclose(second, 6 * x * np.array([1.0, 2.0]))
    out, pullback = vjp(lambda t: t.exp() * 2.0, x)
    (back,) = pullback(np.array([1.0, 3.0]))
    np.testing.assert_allclose(back, 2 * np.exp(x) * np.array([1.0, 3.0]))
    np.testing.assert_allclose(out, 2 * np.exp(x))
    unused = grad(lambda t, u: (t * t).sum(), argnums=(0, 1))(x, np.ones((2, 2)))
    np.testing.assert_array_equal(unused[1], np.zeros((2, 2)))
    _, no_tangent = jvp(lambda t: Tensor(np.ones(3)), x, np.ones(2))
    np.testing.assert_array_equal(no_tangent, np.zeros(3))


@pytest.mark.parametrize(("thunk", "error", "match"), [
    (lambda: grad(lambda t: t * 2.0)(np.ones(3)), ValueError, r"shape \(3,\).*jacobian"),
    (lambda: hessian(lambda t: t.exp())(np.ones(2)), ValueError, r"hessian:.*jacobian"),
    (lambda: jvp(lambda t: t, (np.ones(2), np.ones(2)), (np.ones(2),)), ValueError,
     "same structure"),
    (lambda: jvp(lambda t: t, np.ones(2), np.ones(3)), ValueError, "shape"),
    (lambda: jvp(lambda t: 3.0, np.ones(2), np.ones(2)), TypeError, "must return Tensors"),
    (lambda: hvp(lambda t: (t * t).sum(), np.ones(2), np.ones(3)), ValueError, "tangent"),
    (lambda: vjp(lambda t: t * 2.0, np.ones(2))[1](np.ones(3)), ValueError, "cotangent"),
])
def test_clear_errors_for_arrays(thunk: Callable[[], Any], error: type[Exception],
                                 match: str) -> None:
    with pytest.raises(error, match=match):
        thunk()
