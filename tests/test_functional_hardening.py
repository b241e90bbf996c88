"""Issue 10 hardening of the function transforms: argnums (repeated, numpy integers, bools),
hvp's structure errors, and closures over an outer transform's variable (items 3, 10, 15, 18).

The expected closure derivatives are worked out by hand in each test; torch.func (PyTorch
2.13) gives the same numbers for the examples it supports.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import (
    Tensor,
    Value,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    no_grad,
    value_and_grad,
    vjp,
)

PROPERTY = settings(max_examples=60, deadline=None)
reals = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
vectors = st.lists(reals, min_size=1, max_size=4).map(np.array)


def two_args(x: Any, y: Any) -> Any:
    return x * y * y


# ---- item 3: argnums naming one argument twice -----------------------------------------------

TRANSFORMS = [grad, value_and_grad, jacobian, hessian]


@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("argnums", [(0, 0), (0, -2), (1, -1, 0)])
def test_repeated_argnums_raise_naming_the_argument(transform: Callable[..., Any],
                                                    argnums: tuple[int, ...]) -> None:
    # Before: the second copy took the gradient, the first got zeros, with no error.
    repeated = argnums[0] % 2
    with pytest.raises(ValueError, match=rf"{transform.__name__}: argnums must name each "
                                         rf"argument once.*argument {repeated}"):
        transform(two_args, argnums=argnums)(2.0, 3.0)


def test_repeated_argnums_raise_for_arrays_too() -> None:
    with pytest.raises(ValueError, match="once"):
        grad(lambda x, y: (x * y).sum(), argnums=(1, -1))(np.ones(2), np.ones(2))


# ---- item 10: argnums of any integer type, but not bool --------------------------------------


@pytest.mark.parametrize("integer", [np.int64(1), np.int32(1), np.uint8(1), np.int64(-1)])
def test_a_numpy_integer_argnum_is_a_single_argnum(integer: Any) -> None:
    # d(x y^2)/dy = 2 x y; a single argnum gives the derivative itself, not a 1-tuple
    assert grad(two_args, argnums=integer)(2.0, 3.0) == 12.0
    assert value_and_grad(two_args, argnums=integer)(2.0, 3.0) == (18.0, 12.0)
    assert hessian(two_args, argnums=integer)(2.0, 3.0) == 4.0
    np.testing.assert_allclose(grad(lambda x, y: (x * y).sum(), argnums=integer)(
        np.array([1.0, 2.0]), np.ones(2)), [1.0, 2.0])


def test_a_tuple_of_numpy_integers_gives_a_tuple() -> None:
    assert grad(two_args, argnums=(np.int32(0), np.int64(-1)))(2.0, 3.0) == (9.0, 12.0)
    assert grad(two_args, argnums=np.array([1, 0]))(2.0, 3.0) == (12.0, 9.0)


@pytest.mark.parametrize("argnums", [True, np.bool_(False), (0, True), 1.0, (0.0,), "0", None])
def test_argnums_that_are_not_integers_raise(argnums: Any) -> None:
    with pytest.raises(TypeError, match=r"grad: argnums must be an int or a non-empty tuple "
                                        r"of ints, got"):
        grad(two_args, argnums=argnums)(2.0, 3.0)


# ---- item 15: hvp says what is wrong with the structure of its tangents ----------------------


def cubic(x: Any, y: Any) -> Any:
    return x * x * y


@pytest.mark.parametrize(("primals", "tangents", "kind"), [
    ((1.0, 2.0), [1.0, 0.0], "list"),
    ((np.ones(2),), np.ones(2), "ndarray"),
    ((1.0, 2.0), 1.0, "float"),
])
def test_hvp_tangents_that_are_not_a_tuple_like_the_primals(primals: Any, tangents: Any,
                                                            kind: str) -> None:
    n = len(primals)
    with pytest.raises(TypeError, match=rf"hvp: .*primals is a tuple of {n}, so tangents must "
                                        rf"be a tuple of {n} tangent\(s\) too, got {kind}$"):
        hvp(lambda *xs: sum(((x * x).sum() if isinstance(x, Tensor) else x * x) for x in xs),
            primals, tangents)


def test_hvp_tuples_of_different_lengths_say_both_lengths() -> None:
    with pytest.raises(ValueError, match=r"same structure, got a tuple of 2 primal\(s\) and a "
                                         r"tuple of 3 tangent\(s\)"):
        hvp(cubic, (1.0, 2.0), (1.0, 0.0, 0.0))


def test_hvp_with_matching_structures_still_works() -> None:
    # H of x^2 y at (1, 2) is [[2y, 2x], [2x, 0]] = [[4, 2], [2, 0]]; H (1, 0) = (4, 2)
    assert hvp(cubic, (1.0, 2.0), (1.0, 0.0)) == (2.0, (4.0, 2.0))


# ---- item 18: an inner transform sees the outer transform's variable it closes over ----------


def test_the_issue_example_and_torch_agree() -> None:
    # d/dx [ d/dy (x y) ] = d/dx x = 1 (torch.func.grad gives 1.0); it was 0.0
    assert grad(lambda x: grad(lambda y: x * y)(1.0))(2.0) == 1.0


@PROPERTY
@given(reals, reals)
def test_float_closures_match_the_analytic_derivative(a: float, b: float) -> None:
    # inner: d/dy [x^2 y^3 + sin(x) y] = 3 x^2 y^2 + sin x; outer d/dx at y = b: 6 x b^2 + cos x
    def outer(x: Value) -> Value:
        return grad(lambda y: x * x * y ** 3 + x.sin() * y)(b)

    assert grad(outer)(a) == pytest.approx(6 * a * b * b + math.cos(a), rel=1e-12, abs=1e-12)


@PROPERTY
@given(vectors, st.data())
def test_array_closures_match_the_analytic_derivative(a: np.ndarray, data: Any) -> None:
    b = data.draw(st.lists(reals, min_size=a.size, max_size=a.size).map(np.array))

    # inner: d/dy sum(e^x y^2) = 2 e^x y; outer: d/dx sum(2 e^x b) = 2 e^x b
    def outer(x: Tensor) -> Tensor:
        return grad(lambda y: (x.exp() * y * y).sum())(b).sum()

    np.testing.assert_allclose(grad(outer)(a), 2 * np.exp(a) * b, rtol=1e-12, atol=1e-12)


def test_three_levels_of_closures() -> None:
    # d/dz (x y z)^2 at z = 1: 2 x^2 y^2; d/dy at y = 1: 4 x^2; d/dx at x = 2: 8 x = 16
    def middle(x: Value) -> Value:
        return grad(lambda y: grad(lambda z: (x * y * z) ** 2)(1.0))(1.0)

    assert grad(middle)(2.0) == 16.0


def test_each_float_transform_nested_with_a_closure() -> None:
    # value_and_grad: x y^2 + 2 x y at y = 3 is 15 x: 15 (torch: 15)
    assert grad(lambda x: sum(value_and_grad(lambda y: x * y * y)(3.0)))(2.0) == 15.0
    # jacobian of (x y, x + y) wrt y is (x, 1): d/dx of its sum is 1
    assert grad(lambda x: sum(jacobian(lambda y: [x * y, x + y])(3.0)))(2.0) == 1.0
    # hessian of x y^3 wrt y at 0.5 is 6 x y = 3 x: 3 (torch: 3)
    assert grad(lambda x: hessian(lambda y: x * y ** 3)(0.5))(2.0) == 3.0
    # vjp of y -> x y with cotangent 3: 3 x: 3 (torch: 3)
    assert grad(lambda x: vjp(lambda y: x * y, 5.0)[1](3.0)[0])(2.0) == 3.0
    # hvp of y -> x y^3 at 0.5 along 2: 6 x 0.5 * 2 = 6 x: 6 (torch, jvp of grad: 6)
    assert grad(lambda x: hvp(lambda y: x * y ** 3, 0.5, 2.0)[1])(2.0) == 6.0
    # and the value hvp returns: x 0.5^3, derivative 0.125
    assert grad(lambda x: hvp(lambda y: x * y ** 3, 0.5, 2.0)[0])(2.0) == 0.125


def test_each_array_transform_nested_with_a_closure() -> None:
    x = np.array([1.0, 2.0, 3.0])
    b = np.array([0.5, -1.0, 2.0])
    w = np.arange(1.0, 10.0).reshape(3, 3)
    # jacobian of y -> x * y is diag(x): d/dx sum(W * diag(x)) = diag(W) (torch: [1, 5, 9])
    np.testing.assert_array_equal(
        grad(lambda t: (jacobian(lambda y: t * y)(b) * w).sum())(x), np.diag(w))
    # hessian of sum(x y^3) is diag(6 x b): d/dx sum(W * H) = 6 b diag(W) (torch: [3, -30, 108])
    np.testing.assert_allclose(
        grad(lambda t: (hessian(lambda y: (t * y ** 3).sum())(b) * w).sum())(x),
        6 * b * np.diag(w))
    # value_and_grad of sum(x y): (sum(x b), x); d/dx of value + sum(grad) = b + 1
    np.testing.assert_allclose(
        grad(lambda t: sum(r.sum() for r in value_and_grad(lambda y: (t * y).sum())(b)))(x),
        b + 1)
    # vjp of y -> x * y^2 with cotangent u: 2 x y u; d/dx sum = 2 b u
    u = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(
        grad(lambda t: vjp(lambda y: t * y * y, b)[1](u)[0].sum())(x), 2 * b * u)
    # hvp of sum(x y^3) along v: 6 x b v; d/dx sum = 6 b v
    np.testing.assert_allclose(
        grad(lambda t: hvp(lambda y: (t * y ** 3).sum(), b, u)[1].sum())(x), 6 * b * u)


def test_a_closure_inside_no_grad_still_differentiates() -> None:
    with no_grad():  # d/dx [2 x y at y = 3] = 6
        assert grad(lambda x: grad(lambda y: x * y * y)(3.0))(2.0) == 6.0


def test_cotangents_and_tangents_that_are_variables_are_differentiated() -> None:
    # a pullback is linear in its cotangent: d/du [u * d(y^2)/dy at 5] = 10 (torch: 10)
    assert grad(lambda u: vjp(lambda y: y ** 2, 5.0)[1](u)[0])(3.0) == 10.0
    # H v for y^3 at 0.5 is 3 v: d/dv = 3 (torch, jvp of grad: 3)
    assert grad(lambda v: hvp(lambda y: y ** 3, 0.5, v)[1])(2.0) == 3.0
    b = np.array([1.0, -2.0])
    np.testing.assert_allclose(
        grad(lambda u: vjp(lambda y: y ** 2, b)[1](u)[0].sum())(np.ones(2)), 2 * b)
    np.testing.assert_allclose(
        grad(lambda v: hvp(lambda y: (y ** 3).sum(), b, v)[1].sum())(np.ones(2)), 6 * b)


def test_results_are_nodes_inside_a_transform_of_the_same_kind_only() -> None:
    seen: dict[str, Any] = {}

    def f(x: Value) -> Value:
        seen["float"] = grad(lambda y: y * y)(3.0)
        seen["array"] = grad(lambda t: (t * t).sum())(np.ones(2))
        return x

    assert grad(f)(1.0) == 1.0
    assert isinstance(seen["float"], Value) and seen["float"].data == 6.0
    # Values and Tensors never meet, so an array transform cannot be closed over from here
    assert type(seen["array"]) is np.ndarray
    assert type(grad(lambda y: y * y)(3.0)) is float  # top level: as before


def test_a_transform_running_in_one_thread_does_not_nest_another_threads() -> None:
    entered, release = threading.Event(), threading.Event()

    def blocking(x: Value) -> Value:
        entered.set()
        release.wait(10)
        return x * x

    worker = threading.Thread(target=lambda: grad(blocking)(1.0))
    worker.start()
    try:
        assert entered.wait(10)
        result = grad(lambda y: y * y)(3.0)
    finally:
        release.set()
        worker.join()
    assert type(result) is float and result == 6.0


def test_the_running_marker_is_cleared_when_f_raises() -> None:
    with pytest.raises(ZeroDivisionError):
        grad(lambda x: 1 / 0)(1.0)
    assert type(grad(lambda y: y * y)(3.0)) is float


def test_jvp_inside_a_reverse_transform_raises_rather_than_cut_the_closure() -> None:
    # forward-mode tangents are plain arrays: d/dx sum(x * y) along v = sum(x v) would be lost
    def closing(x: Tensor) -> Tensor:
        return Tensor(jvp(lambda y: (x * y).sum(), np.ones(2), np.ones(2))[1])

    with pytest.raises(NotImplementedError, match="jvp: called inside another transform.*"
                                                  "closes over.*use vjp or jacobian"):
        grad(closing)(np.array([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match="primals or tangents"):
        grad(lambda x: (x * jvp(lambda y: y * y, x, np.ones(2))[1]).sum())(np.ones(2))


def test_jvp_inside_a_reverse_transform_without_dependence_still_works() -> None:
    # the tangent of y -> 2 y along ones is 2 everywhere, a constant for the outer grad
    tangent = jvp(lambda y: y * 2.0, np.ones(2), np.ones(2))[1]
    np.testing.assert_array_equal(
        grad(lambda x: (x * jvp(lambda y: y * 2.0, np.ones(2), np.ones(2))[1]).sum())(
            np.ones(2)), tangent)
