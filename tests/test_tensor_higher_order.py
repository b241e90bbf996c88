"""Second and higher derivatives of every ``Tensor`` op: ``backward(create_graph=True)``.

With ``create_graph`` each op's VJP runs on the graph's nodes, so the gradient is a Tensor
with a graph of its own. The checks: for F(x) = <op(x), u> (or <op(x)^2, u> for ops that are
linear, whose second derivative would vanish), the function h(x) = <dF/dx, w>, with dF/dx
computed with ``create_graph=True``, must pass ``gradcheck``: its own backward pass (the
second derivative of F, contracted with w) agrees with central differences of the gradient.
The strategies (shapes, domains away from kinks, axes) are those of test_tensor_gradients.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tensor_gradients import (
    BINARY,
    UNARY,
    arrays,
    away_from,
    axes,
    distinct_arrays,
    floats,
    matmul_shapes,
    shape_strategies,
)

import autograd_core as ac
from autograd_core import Tensor, engine, gradcheck

SECOND = settings(max_examples=12, deadline=None)

# Small shapes: gradcheck of a gradient evaluates the first-order graph twice per entry.
MAX_SIDE = 3
shapes, nonscalar_shapes, pairs = shape_strategies(MAX_SIDE)


def first_derivatives(f: Callable[..., Tensor], leaves: list[Tensor], u: np.ndarray,
                      square: bool) -> list[Tensor | None]:
    """d<f(leaves), u>/d(leaf) (or of <f^2, u>) for each leaf, as Tensors with graphs."""
    y = f(*leaves)
    if square:
        y = y * y
    return engine.gradients(y, leaves, Tensor(u), create_graph=True)


def check_second(f: Callable[..., Tensor], *inputs: np.ndarray, square: bool = False) -> None:
    """gradcheck of h(x) = sum_i <dF/dx_i, w_i>: F's second derivatives against differences of
    its (create_graph) first derivatives. Also: that first derivative equals plain backward's."""
    rng = np.random.default_rng(0)
    with ac.no_grad():
        out_shape = f(*[Tensor(x) for x in inputs]).shape
    u = rng.standard_normal(out_shape)
    ws = [rng.standard_normal(np.shape(x)) for x in inputs]

    def h(*xs: Tensor) -> Tensor:
        with ac.enable_grad():  # gradcheck's numeric side runs h in no_grad: h needs a graph
            leaves = [x if x.requires_grad else Tensor(x.data, requires_grad=True) for x in xs]
            total = Tensor(0.0)
            for grad, w in zip(first_derivatives(f, leaves, u, square), ws):
                if grad is not None:
                    total = total + (grad * w).sum()
            return total

    assert gradcheck(h, *inputs, atol=1e-5, rtol=1e-4)
    leaves = [Tensor(x, requires_grad=True) for x in inputs]
    graphed = first_derivatives(f, leaves, u, square)
    y = f(*leaves)
    (y * y if square else y).backward(u)
    for leaf, grad in zip(leaves, graphed):
        assert isinstance(leaf.grad, np.ndarray)
        assert grad is not None and isinstance(grad, Tensor)
        assert grad.shape == leaf.shape
        np.testing.assert_allclose(grad.data, leaf.grad, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------------------------
# elementwise functions and arithmetic
# ------------------------------------------------------------------------------------------------

PIECEWISE_LINEAR = {"relu", "leaky_relu", "leaky_relu(0.2)", "abs", "abs()"}


@pytest.mark.parametrize("name", list(UNARY))
@SECOND
@given(data=st.data(), shape=shapes)
def test_unary_second_derivatives(name: str, data: st.DataObject,
                                  shape: tuple[int, ...]) -> None:
    f, elements = UNARY[name]
    x = data.draw(arrays(shape, elements))
    check_second(f, x, square=name in PIECEWISE_LINEAR)


@SECOND
@given(data=st.data(), shape=shapes,
       bounds=st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
def test_negation_and_clip_second_derivatives(data: st.DataObject, shape: tuple[int, ...],
                                              bounds: tuple[float | None, float | None]) -> None:
    lo, hi = bounds
    x = data.draw(arrays(shape, away_from(tuple(b for b in bounds if b is not None), -3, 3)))
    check_second(lambda t: -t, x, square=True)
    check_second(lambda t: t.clip(lo, hi), x, square=True)


@pytest.mark.parametrize("op", list(BINARY))
@SECOND
@given(data=st.data(), shape_pair=pairs)
def test_binary_second_derivatives_with_broadcasting(op: str, data: st.DataObject,
                                                     shape_pair: Any) -> None:
    f, left, right = BINARY[op]
    (sa, sb), _ = shape_pair
    a = data.draw(arrays(sa, left))
    b = data.draw(arrays(sb, right))
    check_second(f, a, b, square=op in ("+", "-"))


@pytest.mark.parametrize("op", list(BINARY))
@SECOND
@given(data=st.data(), shape=shapes, scalar=away_from((0.0,), -2.5, 2.5, margin=0.5))
def test_binary_second_derivatives_with_constants(op: str, data: st.DataObject,
                                                  shape: tuple[int, ...], scalar: float) -> None:
    """One operand a constant (a number or an array): the node keeps it as a VJP operand."""
    f, left, right = BINARY[op]
    square = op in ("+", "-", "*")
    if op == "**":
        x = data.draw(arrays(shape, floats(0.3, 2.5)))
        check_second(lambda t: t**scalar, x)
        check_second(lambda t: abs(scalar) ** t, x)
        check_second(lambda t: t**2, x)
        check_second(lambda t: t**x, x)  # the same values, once as a constant
        return
    x = data.draw(arrays(shape, right))
    check_second(lambda t: f(t, scalar), x, square=square)
    check_second(lambda t: f(scalar, t), x, square=square)
    check_second(lambda t: f(x + 0.5, t), x, square=square)


@SECOND
@given(data=st.data(), shape_pair=matmul_shapes())
def test_matmul_second_derivatives(data: st.DataObject, shape_pair: Any) -> None:
    sa, sb = shape_pair
    a = data.draw(arrays(sa, floats(-2, 2)))
    b = data.draw(arrays(sb, floats(-2, 2)))
    check_second(lambda x, y: x @ y, a, b)  # bilinear: only the mixed second derivatives live
    check_second(lambda x, y: x @ y, a, b, square=True)
    check_second(lambda y: a @ y, b, square=True)


# ------------------------------------------------------------------------------------------------
# reductions and the softmax family
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean"])
@SECOND
@given(data=st.data(), shape=shapes, keepdims=st.booleans())
def test_sum_mean_second_derivatives(name: str, data: st.DataObject, shape: tuple[int, ...],
                                     keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(arrays(shape, floats(-3, 3)))
    check_second(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x, square=True)


@pytest.mark.parametrize("name", ["max", "min"])
@SECOND
@given(data=st.data(), shape=shapes, keepdims=st.booleans())
def test_max_min_second_derivatives(name: str, data: st.DataObject, shape: tuple[int, ...],
                                    keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(distinct_arrays(shape))
    check_second(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x, square=True)


@SECOND
@given(data=st.data(), shape=shapes, keepdims=st.booleans())
def test_logsumexp_second_derivatives(data: st.DataObject, shape: tuple[int, ...],
                                      keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(arrays(shape, floats(-4, 4)))
    check_second(lambda t: t.logsumexp(axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SECOND
@given(data=st.data(), shape=nonscalar_shapes)
def test_softmax_family_second_derivatives(name: str, data: st.DataObject,
                                           shape: tuple[int, ...]) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape, floats(-4, 4)))
    check_second(lambda t: getattr(t, name)(axis=axis), x)


# ------------------------------------------------------------------------------------------------
# shape ops, indexing, joining, where
# ------------------------------------------------------------------------------------------------


@SECOND
@given(data=st.data(), shape=shapes)
def test_reshape_transpose_second_derivatives(data: st.DataObject,
                                              shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(shape, floats(-3, 3)))
    perm = tuple(data.draw(st.permutations(list(range(len(shape))))))
    check_second(lambda t: t.reshape(-1), x, square=True)
    check_second(lambda t: t.reshape((1, *shape)), x, square=True)
    check_second(lambda t: t.transpose(perm), x, square=True)
    check_second(lambda t: t.T, x, square=True)


@SECOND
@given(data=st.data(), shape_pair=pairs)
def test_broadcast_to_first_and_second_derivatives(data: st.DataObject,
                                                   shape_pair: Any) -> None:
    (shape, _), target = shape_pair
    x = data.draw(arrays(shape, floats(-3, 3)))
    out = Tensor(x).broadcast_to(target)
    np.testing.assert_array_equal(out.data, np.broadcast_to(x, target))
    out.data[...] = 0.0  # a fresh writable array, not a view of x
    assert gradcheck(lambda t: t.broadcast_to(target), x)
    check_second(lambda t: t.broadcast_to(target), x, square=True)
    check_second(lambda t: t.broadcast_to(target).exp(), x)


def test_broadcast_to_rejects_incompatible_shapes() -> None:
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast a tensor of shape"):
        Tensor(np.ones((2, 3))).broadcast_to((3, 3))
    with pytest.raises(ValueError, match="broadcast_to"):
        Tensor(np.ones((1, 3))).broadcast_to((3,))  # fewer axes: numpy refuses too
    assert Tensor(np.ones(1)).broadcast_to(4).shape == (4,)


@SECOND
@given(data=st.data(), shape=shapes)
def test_basic_indexing_second_derivatives(data: st.DataObject, shape: tuple[int, ...]) -> None:
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    x = data.draw(arrays(shape, floats(-3, 3)))
    check_second(lambda t: t[index], x, square=True)
    check_second(lambda t: t[index].sin(), x)


@SECOND
@given(data=st.data(), shape=nonscalar_shapes)
def test_advanced_indexing_second_derivatives(data: st.DataObject,
                                              shape: tuple[int, ...]) -> None:
    index = data.draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    mask = data.draw(hnp.arrays(np.bool_, shape))
    x = data.draw(arrays(shape, floats(-3, 3)))
    check_second(lambda t: t[index], x, square=True)  # repeated indices accumulate
    check_second(lambda t: t[mask], x, square=True)
    check_second(lambda t: t[index].tanh(), x)


def test_third_derivative_through_indexing_with_repeats_is_exact() -> None:
    # f = sum_k x[i_k]^3: the third derivative of sum(d2f) is 6 times the number of hits
    x = Tensor(np.array([0.5, -1.0, 2.0, 3.0]), requires_grad=True)
    index = np.array([0, 2, 2, 3, 2, 0])
    g1 = engine.gradients((x[index] ** 3).sum(), [x], Tensor(1.0), create_graph=True)[0]
    g2 = engine.gradients(g1.sum(), [x], Tensor(1.0), create_graph=True)[0]
    g3 = engine.gradients(g2.sum(), [x], Tensor(1.0), create_graph=True)[0]
    np.testing.assert_array_equal(g3.data, 6.0 * np.bincount(index, minlength=4))


@SECOND
@given(data=st.data(), base=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
       count=st.integers(1, 3))
def test_concatenate_stack_second_derivatives(data: st.DataObject, base: tuple[int, ...],
                                              count: int) -> None:
    ndim = len(base)
    axis = data.draw(st.integers(-ndim, ndim - 1))
    parts = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = data.draw(st.integers(1, 2))
        parts.append(data.draw(arrays(tuple(shape), floats(-3, 3))))
    check_second(lambda *ts: ac.concatenate(list(ts), axis=axis), *parts, square=True)
    same = [data.draw(arrays(base, floats(-3, 3))) for _ in range(count)]
    new_axis = data.draw(st.integers(-ndim - 1, ndim))
    check_second(lambda *ts: ac.stack(list(ts), axis=new_axis), *same, square=True)
    check_second(lambda t: ac.stack([t.exp(), t * t], axis=new_axis), same[0])


@SECOND
@given(data=st.data(), shape_triple=hnp.mutually_broadcastable_shapes(
    num_shapes=3, min_dims=0, max_dims=3, max_side=MAX_SIDE))
def test_where_second_derivatives(data: st.DataObject, shape_triple: Any) -> None:
    (sc, sx, sy), _ = shape_triple
    cond = data.draw(hnp.arrays(np.bool_, sc))
    x = data.draw(arrays(sx, floats(-3, 3)))
    y = data.draw(arrays(sy, floats(-3, 3)))
    check_second(lambda a, b: ac.where(cond, a, b), x, y, square=True)
    check_second(lambda a, b: ac.where(cond, a.exp(), a * b), x, y)
    check_second(lambda a: ac.where(cond, a, 0.5), x, square=True)


# ------------------------------------------------------------------------------------------------
# the fused network ops
# ------------------------------------------------------------------------------------------------


@SECOND
@given(data=st.data(), lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=2),
       n_in=st.integers(1, 3), n_out=st.integers(1, 3), with_bias=st.booleans())
def test_linear_second_derivatives(data: st.DataObject, lead: tuple[int, ...], n_in: int,
                                   n_out: int, with_bias: bool) -> None:
    x = data.draw(arrays((*lead, n_in), floats(-2, 2)))
    w = data.draw(arrays((n_out, n_in), floats(-2, 2)))
    b = data.draw(arrays((n_out,), floats(-2, 2)))
    if with_bias:
        check_second(lambda x_, w_, b_: ac.linear(x_, w_, b_), x, w, b, square=True)
        check_second(lambda w_: ac.linear(x, w_, b), w, square=True)  # constant input, bias
    else:
        check_second(lambda x_, w_: ac.linear(x_, w_), x, w)
        check_second(lambda x_, w_: ac.linear(x_, w_), x, w, square=True)


@SECOND
@given(data=st.data(), n=st.integers(1, 3), c=st.integers(1, 4),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_second_derivatives(data: st.DataObject, n: int, c: int,
                                          reduction: str) -> None:
    z = data.draw(arrays((n, c), floats(-4, 4)))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    check_second(lambda t: ac.cross_entropy(t, labels, reduction=reduction), z)
    check_second(lambda t: ac.cross_entropy(t * t, labels, reduction=reduction), z)


# ------------------------------------------------------------------------------------------------
# closed forms, higher orders and the API
# ------------------------------------------------------------------------------------------------


def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose() -> None:
    rng = np.random.default_rng(5)
    n = 4
    A = rng.standard_normal((n, n))
    x = Tensor(rng.standard_normal(n), requires_grad=True)
    (x @ Tensor(A) @ x).backward(create_graph=True)
    gradient = x.grad
    assert isinstance(gradient, Tensor) and gradient.requires_grad
    np.testing.assert_allclose(gradient.data, (A + A.T) @ x.data, rtol=1e-13)
    rows = [engine.gradients(gradient, [x], np.eye(n)[i])[0] for i in range(n)]  # plain passes
    np.testing.assert_allclose(np.array(rows), A + A.T, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["exp(sin)", "tanh"])
def test_third_derivative_of_an_elementwise_chain_matches_its_closed_form(name: str) -> None:
    points = np.linspace(-2.0, 2.0, 9)
    x = Tensor(points, requires_grad=True)
    y = x.sin().exp() if name == "exp(sin)" else x.tanh()
    derivatives = []
    for _ in range(3):  # elementwise: d/dx of sum(f^(k)) is f^(k+1), entry by entry
        (y,) = engine.gradients(y.sum(), [x], Tensor(1.0), create_graph=True)
        derivatives.append(y.data)
    s, c, t = np.sin(points), np.cos(points), np.tanh(points)
    if name == "exp(sin)":
        expected = [c * np.exp(s), (c * c - s) * np.exp(s), (c**3 - 3 * s * c - c) * np.exp(s)]
    else:
        expected = [1 - t * t, -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)]
    for got, want in zip(derivatives, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_fourth_derivative_of_a_power_is_exact() -> None:
    x = Tensor(np.array([0.5, 1.5, -2.0]), requires_grad=True)
    y = x**5
    for _ in range(4):
        (y,) = engine.gradients(y.sum(), [x], Tensor(1.0), create_graph=True)
    np.testing.assert_allclose(y.data, 120 * x.data, rtol=1e-14)


def test_create_graph_leaves_tensor_grads_with_a_graph_and_default_leaves_arrays() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    (x * x * w).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad.requires_grad
    assert isinstance(w.grad, Tensor) and w.grad.requires_grad
    np.testing.assert_array_equal(x.grad.data, 2 * x.data * w.data)
    np.testing.assert_array_equal(w.grad.data, x.data**2)
    x.grad.sum().backward()  # differentiate the gradient: d/dx sum(2 x w) = 2 w, added on
    np.testing.assert_array_equal(x.grad.data, 2 * x.data * w.data + 2 * w.data)

    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (a * a).sum().backward()
    assert type(a.grad) is np.ndarray
    (a * a).sum().backward(create_graph=True)  # an array grad, then a graph: now a Tensor
    assert isinstance(a.grad, Tensor)
    np.testing.assert_array_equal(a.grad.data, [4.0, 8.0])


def test_create_graph_accepts_an_explicit_seed_and_float32() -> None:
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (x * x).backward(np.array([3.0, 1.0]), create_graph=True)
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [6.0, 4.0])
    (second,) = engine.gradients(x.grad.sum(), [x], np.ones((), dtype=np.float32))
    assert second.dtype == np.float32
    np.testing.assert_array_equal(second, [6.0, 2.0])


def test_detect_anomaly_works_with_create_graph() -> None:
    with ac.detect_anomaly():
        x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
        x.log().sum().backward(create_graph=True)  # finite everywhere: no complaint
        np.testing.assert_allclose(x.grad.data, [2.0, 0.5])
        z = Tensor(np.array([0.0, 1.0]), requires_grad=True)
        with np.errstate(divide="ignore"), pytest.raises(FloatingPointError):
            z.sqrt().sum().backward(create_graph=True)  # 1 / (2 sqrt 0) = inf


def test_gradient_of_gradient_norm_a_training_style_penalty() -> None:
    # d/dW of ||dL/dx||^2 for L = sum(tanh(x W^T)): a gradient penalty, checked numerically
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal((2, 3))
    w0 = rng.standard_normal((4, 3))

    def penalty(w: Tensor) -> Tensor:
        with ac.enable_grad():
            w = w if w.requires_grad else Tensor(w.data, requires_grad=True)
            x = Tensor(x0, requires_grad=True)
            (gx,) = engine.gradients(ac.linear(x, w).tanh().sum(), [x], Tensor(1.0),
                                     create_graph=True)
            return (gx * gx).sum()

    assert gradcheck(penalty, w0)
    assert math.isfinite(penalty(Tensor(w0)).item())
