"""Forward-mode tangents on ``Tensor``: every op pushes ``tangent`` forwards (J v).

The reference is reverse mode, already checked against central differences: for the tangents
v_i given to some inputs (the others count as zero) and a random cotangent w, the forward
tangent must satisfy <w, J v> = sum_i <J_i^T w, v_i>, the right side from ``backward(w)``.
Shapes, domains and op parameters are drawn as in test_tensor_gradients.
"""

from __future__ import annotations

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
from autograd_core import Tensor, engine

FORWARD = settings(max_examples=25, deadline=None)

MAX_SIDE = 4
shapes, nonscalar_shapes, pairs = shape_strategies(MAX_SIDE)


def check_forward(f: Callable[..., Tensor], *inputs: np.ndarray,
                  with_tangent: list[bool] | None = None) -> None:
    """f's forward tangent against reverse mode, through two random cotangents. Inputs whose
    ``with_tangent`` entry is False get no tangent (zero)."""
    rng = np.random.default_rng(0)
    chosen = with_tangent if with_tangent is not None else [True] * len(inputs)
    tangents = [rng.standard_normal(np.shape(x)) if has else None
                for x, has in zip(inputs, chosen)]
    out = f(*[Tensor._dual(x, v) for x, v in zip(inputs, tangents)])
    assert isinstance(out.tangent, np.ndarray)
    assert out.tangent.shape == out.shape and out.tangent.dtype == out.dtype
    for _ in range(2):
        w = rng.standard_normal(out.shape)
        leaves = [Tensor(x, requires_grad=True) for x in inputs]
        f(*leaves).backward(w)
        reverse = sum(float(np.sum(leaf.grad * v)) for leaf, v in zip(leaves, tangents)
                      if v is not None and leaf.grad is not None)
        forward = float(np.sum(w * out.tangent))
        assert forward == pytest.approx(reverse, rel=1e-10, abs=1e-12)


def some_true(n: int) -> st.SearchStrategy[list[bool]]:
    """Which of n inputs get a tangent: any choice but none."""
    return st.lists(st.booleans(), min_size=n, max_size=n).filter(any)


# ------------------------------------------------------------------------------------------------
# elementwise functions and arithmetic
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(UNARY))
@FORWARD
@given(data=st.data(), shape=shapes)
def test_unary_tangents(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    f, elements = UNARY[name]
    check_forward(f, data.draw(arrays(shape, elements)))


@FORWARD
@given(data=st.data(), shape=shapes,
       bounds=st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
def test_negation_and_clip_tangents(data: st.DataObject, shape: tuple[int, ...],
                                    bounds: tuple[float | None, float | None]) -> None:
    lo, hi = bounds
    x = data.draw(arrays(shape, away_from(tuple(b for b in bounds if b is not None), -3, 3)))
    check_forward(lambda t: -t, x)
    check_forward(lambda t: t.clip(lo, hi), x)


@pytest.mark.parametrize("op", list(BINARY))
@FORWARD
@given(data=st.data(), shape_pair=pairs, chosen=some_true(2))
def test_binary_tangents_with_broadcasting_and_partial_tangents(
        op: str, data: st.DataObject, shape_pair: Any, chosen: list[bool]) -> None:
    f, left, right = BINARY[op]
    (sa, sb), _ = shape_pair
    a = data.draw(arrays(sa, left))
    b = data.draw(arrays(sb, right))
    check_forward(f, a, b, with_tangent=chosen)


@pytest.mark.parametrize("op", list(BINARY))
@FORWARD
@given(data=st.data(), shape=shapes, scalar=away_from((0.0,), -2.5, 2.5, margin=0.5))
def test_binary_tangents_with_constants(op: str, data: st.DataObject, shape: tuple[int, ...],
                                        scalar: float) -> None:
    f, left, right = BINARY[op]
    if op == "**":
        x = data.draw(arrays(shape, floats(0.3, 2.5)))
        check_forward(lambda t: t**scalar, x)
        check_forward(lambda t: abs(scalar) ** t, x)
        return
    x = data.draw(arrays(shape, right))
    check_forward(lambda t: f(t, scalar), x)
    check_forward(lambda t: f(scalar, t), x)
    check_forward(lambda t: f(x + 0.5, t), x)


def test_a_missing_tangent_is_zero_even_against_an_infinite_or_nan_slope() -> None:
    # d(a^b)/db = a^b ln a is NaN for a < 0: with no tangent on b it must not leak into d(a^b)
    a = Tensor._dual(np.array([-2.0, 3.0]), np.array([1.0, 1.0]))
    np.testing.assert_array_equal((a**2.0).tangent, [-4.0, 6.0])
    np.testing.assert_array_equal((a ** Tensor([2.0, 2.0])).tangent, [-4.0, 6.0])
    # and d(a/b)/da = 1/b is infinite at b = 0: only b's tangent counts here
    b = Tensor._dual(np.array([0.0, 2.0]), np.array([0.0, 1.0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = Tensor([0.0, 4.0]) / b
    assert quotient.tangent[1] == -1.0


@FORWARD
@given(data=st.data(), shape_pair=matmul_shapes(), chosen=some_true(2))
def test_matmul_tangents(data: st.DataObject, shape_pair: Any, chosen: list[bool]) -> None:
    sa, sb = shape_pair
    a = data.draw(arrays(sa, floats(-2, 2)))
    b = data.draw(arrays(sb, floats(-2, 2)))
    check_forward(lambda x, y: x @ y, a, b, with_tangent=chosen)


# ------------------------------------------------------------------------------------------------
# reductions and the softmax family
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp"])
@FORWARD
@given(data=st.data(), shape=shapes, keepdims=st.booleans())
def test_reduction_tangents(name: str, data: st.DataObject, shape: tuple[int, ...],
                            keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(distinct_arrays(shape) if name in ("max", "min")
                  else arrays(shape, floats(-3, 3)))
    check_forward(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@FORWARD
@given(data=st.data(), shape=nonscalar_shapes)
def test_softmax_family_tangents(name: str, data: st.DataObject,
                                 shape: tuple[int, ...]) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_forward(lambda t: getattr(t, name)(axis=axis), data.draw(arrays(shape, floats(-5, 5))))


# ------------------------------------------------------------------------------------------------
# shape ops, indexing, joining, where
# ------------------------------------------------------------------------------------------------


@FORWARD
@given(data=st.data(), shape=shapes)
def test_reshape_transpose_tangents(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(shape, floats(-3, 3)))
    perm = tuple(data.draw(st.permutations(list(range(len(shape))))))
    check_forward(lambda t: t.reshape(-1), x)
    check_forward(lambda t: t.reshape((*shape, 1)), x)
    check_forward(lambda t: t.transpose(perm), x)
    check_forward(lambda t: t.T, x)


@FORWARD
@given(data=st.data(), shape_pair=pairs)
def test_broadcast_to_tangents(data: st.DataObject, shape_pair: Any) -> None:
    (shape, _), target = shape_pair
    check_forward(lambda t: t.broadcast_to(target), data.draw(arrays(shape, floats(-3, 3))))


@FORWARD
@given(data=st.data(), shape=shapes)
def test_basic_indexing_tangents(data: st.DataObject, shape: tuple[int, ...]) -> None:
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    check_forward(lambda t: t[index], data.draw(arrays(shape, floats(-3, 3))))


@FORWARD
@given(data=st.data(), shape=nonscalar_shapes)
def test_advanced_indexing_and_scatter_tangents(data: st.DataObject,
                                                shape: tuple[int, ...]) -> None:
    index = data.draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    mask = data.draw(hnp.arrays(np.bool_, shape))
    x = data.draw(arrays(shape, floats(-3, 3)))
    check_forward(lambda t: t[index], x)
    check_forward(lambda t: t[mask], x)
    picked = x[index]
    check_forward(lambda t: t._scatter_add(index, shape), picked)  # repeated indices add up


@FORWARD
@given(data=st.data(), base=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
       count=st.integers(1, 3))
def test_concatenate_stack_tangents(data: st.DataObject, base: tuple[int, ...],
                                    count: int) -> None:
    ndim = len(base)
    axis = data.draw(st.integers(-ndim, ndim - 1))
    chosen = data.draw(some_true(count))
    parts = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = data.draw(st.integers(1, 3))
        parts.append(data.draw(arrays(tuple(shape), floats(-3, 3))))
    check_forward(lambda *ts: ac.concatenate(list(ts), axis=axis), *parts, with_tangent=chosen)
    same = [data.draw(arrays(base, floats(-3, 3))) for _ in range(count)]
    new_axis = data.draw(st.integers(-ndim - 1, ndim))
    check_forward(lambda *ts: ac.stack(list(ts), axis=new_axis), *same, with_tangent=chosen)


@FORWARD
@given(data=st.data(), shape_triple=hnp.mutually_broadcastable_shapes(
    num_shapes=3, min_dims=0, max_dims=3, max_side=MAX_SIDE), chosen=some_true(2))
def test_where_tangents(data: st.DataObject, shape_triple: Any, chosen: list[bool]) -> None:
    (sc, sx, sy), _ = shape_triple
    cond = data.draw(hnp.arrays(np.bool_, sc))
    x = data.draw(arrays(sx, floats(-3, 3)))
    y = data.draw(arrays(sy, floats(-3, 3)))
    check_forward(lambda a, b: ac.where(cond, a, b), x, y, with_tangent=chosen)
    check_forward(lambda a: ac.where(cond, a, 0.5), x)


# ------------------------------------------------------------------------------------------------
# the fused network ops
# ------------------------------------------------------------------------------------------------


@FORWARD
@given(data=st.data(), lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       n_in=st.integers(1, 4), n_out=st.integers(1, 4), chosen=some_true(3))
def test_linear_tangents(data: st.DataObject, lead: tuple[int, ...], n_in: int, n_out: int,
                         chosen: list[bool]) -> None:
    x = data.draw(arrays((*lead, n_in), floats(-2, 2)))
    w = data.draw(arrays((n_out, n_in), floats(-2, 2)))
    b = data.draw(arrays((n_out,), floats(-2, 2)))
    check_forward(lambda x_, w_, b_: ac.linear(x_, w_, b_), x, w, b, with_tangent=chosen)
    if any(chosen[:2]):
        check_forward(lambda x_, w_: ac.linear(x_, w_), x, w, with_tangent=chosen[:2])


@FORWARD
@given(data=st.data(), n=st.integers(1, 4), c=st.integers(1, 4),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_tangents(data: st.DataObject, n: int, c: int, reduction: str) -> None:
    z = data.draw(arrays((n, c), floats(-5, 5)))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    check_forward(lambda t: ac.cross_entropy(t, labels, reduction=reduction), z)
    check_forward(lambda t: ac.cross_entropy(t * t, labels, reduction=reduction), z)


# ------------------------------------------------------------------------------------------------
# the private API and how tangents behave
# ------------------------------------------------------------------------------------------------


def test_no_tangent_anywhere_leaves_none_and_dual_validates() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert x.tangent is None and (x.exp() * 2.0 + x).sum().tangent is None
    assert Tensor._dual([1.0, 2.0], None).tangent is None
    d = Tensor._dual([1, 2], [1, 0])
    assert d.tangent.dtype == np.float64 and not d.requires_grad
    assert Tensor._dual(np.ones(2, dtype=np.float32), [1.0, 1.0]).tangent.dtype == np.float32
    with pytest.raises(ValueError, match="tangent has shape"):
        Tensor._dual(np.ones(3), np.ones(2))
    assert x.detach().tangent is None


def test_tangents_flow_in_no_grad_and_keep_float32() -> None:
    x = Tensor._dual(np.array([0.5, -1.0], dtype=np.float32), np.array([1.0, 2.0]))
    with ac.no_grad():
        y = (x * x).tanh()
    assert y.tangent.dtype == np.float32 and not y.requires_grad
    t = np.tanh(np.float32([0.25, 1.0]))
    np.testing.assert_allclose(y.tangent, (1 - t * t) * 2 * x.data * x.tangent, rtol=1e-6)


def test_network_tangent_matches_central_differences() -> None:
    rng = np.random.default_rng(1)
    x, v = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    w1, b1, w2 = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((2, 4))
    labels = np.array([0, 1, 1, 0, 1])

    def loss(t: Tensor) -> Tensor:
        hidden = ac.linear(t, Tensor(w1), Tensor(b1)).softplus()
        return ac.cross_entropy(ac.linear(hidden, Tensor(w2)), labels)

    eps = 1e-6
    numeric = (loss(Tensor(x + eps * v)).item() - loss(Tensor(x - eps * v)).item()) / (2 * eps)
    assert loss(Tensor._dual(x, v)).tangent == pytest.approx(numeric, rel=1e-7)


def test_forward_over_reverse_gives_hessian_vector_products() -> None:
    # the create_graph gradient is made of ops, so it carries a tangent too: H v
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 3))
    x0, v = rng.standard_normal(3), rng.standard_normal(3)
    x = Tensor._dual(x0, v, requires_grad=True)
    f = (x @ Tensor(A) @ x) + x.sin().sum()
    (gradient,) = engine.gradients(f, [x], Tensor(1.0), create_graph=True)
    hessian = A + A.T - np.diag(np.sin(x0))
    np.testing.assert_allclose(gradient.tangent, hessian @ v, rtol=1e-12)
