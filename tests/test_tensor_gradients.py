"""Hypothesis-driven gradient checks for every ``Tensor`` op against central differences.

Each test draws small shapes (at most 3 dims, each side <= 4), values inside the op's domain
and away from its kinks, and the op's parameters (axes, keepdims, broadcasting partners,
indices), then runs ``autograd_core.gradcheck``: the analytic vector-Jacobian product from
``backward`` must match central finite differences through a random cotangent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core import Tensor, gradcheck

GRAD = settings(max_examples=40, deadline=None)
FEW = settings(max_examples=30, deadline=None)

MAX_DIMS = 3
MAX_SIDE = 4



def shape_strategies(max_side: int) -> tuple[st.SearchStrategy[Any], ...]:
    """(any shape, shapes with at least one axis, broadcastable pairs) with sides <= max_side;
    shared with the second-order and forward-mode tests."""
    return (hnp.array_shapes(min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=max_side),
            hnp.array_shapes(min_dims=1, max_dims=MAX_DIMS, min_side=1, max_side=max_side),
            hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=MAX_DIMS,
                                              min_side=1, max_side=max_side))


shapes, nonscalar_shapes, pairs = shape_strategies(MAX_SIDE)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def away_from(kinks: tuple[float, ...], lo: float, hi: float,
              margin: float = 0.05) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] at least ``margin`` from every kink."""
    edges = [lo, *sorted(kinks), hi]
    pieces = [floats(a + margin, b - margin) for a, b in zip(edges, edges[1:])
              if b - a > 2 * margin]
    return st.one_of(*pieces)


def arrays(shape: Any, elements: st.SearchStrategy[float]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def distinct_arrays(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Values with pairwise gaps >= 0.25, so max/min have no ties, even after a step of eps."""
    size = int(np.prod(shape, dtype=int))
    order = draw(st.permutations(list(range(size))))
    jitter = draw(arrays((size,), floats(0.0, 0.2)))
    return (0.45 * np.array(order, dtype=float) - 0.9 + jitter).reshape(shape)


@st.composite
def axes(draw: st.DrawFn, ndim: int) -> int | tuple[int, ...] | None:
    """None, an int (possibly negative), or a tuple of distinct (possibly negative) axes."""
    options: list[st.SearchStrategy[Any]] = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    return draw(st.one_of(*options))


def check(f: Callable[..., Tensor], *inputs: np.ndarray) -> None:
    """gradcheck, plus: every leaf's grad is a float64 array of exactly its input's shape
    (gradcheck's comparison broadcasts, so a wrongly shaped gradient could slip through)."""
    assert gradcheck(f, *inputs)
    leaves = [Tensor(x, requires_grad=True) for x in inputs]
    out = f(*leaves)
    out.backward(np.ones(out.shape))
    for leaf, x in zip(leaves, inputs):
        assert isinstance(leaf.grad, np.ndarray)
        assert leaf.grad.shape == np.shape(x)
        assert leaf.grad.dtype == np.float64


# ------------------------------------------------------------------------------------------------
# binary arithmetic with full broadcasting
# ------------------------------------------------------------------------------------------------

BINARY: dict[str, tuple[Callable[[Any, Any], Any], st.SearchStrategy[float],
                        st.SearchStrategy[float]]] = {
    "+": (lambda a, b: a + b, floats(-3, 3), floats(-3, 3)),
    "-": (lambda a, b: a - b, floats(-3, 3), floats(-3, 3)),
    "*": (lambda a, b: a * b, floats(-3, 3), floats(-3, 3)),
    "/": (lambda a, b: a / b, floats(-3, 3), away_from((0.0,), -3, 3, margin=0.5)),
    "**": (lambda a, b: a**b, floats(0.3, 2.5), floats(-2, 2)),
}


@pytest.mark.parametrize("op", list(BINARY))
@GRAD
@given(data=st.data(), shape_pair=pairs)
def test_binary_op_broadcasting_gradients(op: str, data: st.DataObject,
                                          shape_pair: Any) -> None:
    f, left, right = BINARY[op]
    (sa, sb), result = shape_pair
    a = data.draw(arrays(sa, left))
    b = data.draw(arrays(sb, right))
    out = f(Tensor(a), Tensor(b))
    assert out.shape == result
    np.testing.assert_allclose(out.data, f(a, b), rtol=1e-14, atol=1e-15)
    check(f, a, b)


@pytest.mark.parametrize("op", list(BINARY))
@GRAD
@given(data=st.data(), shape=shapes, scalar=away_from((0.0,), -2.5, 2.5, margin=0.5))
def test_binary_op_with_python_number_both_sides(op: str, data: st.DataObject,
                                                 shape: tuple[int, ...], scalar: float) -> None:
    f, left, right = BINARY[op]
    if op == "**":  # x ** c needs x > 0 for a fractional c; c ** x needs c > 0
        x = data.draw(arrays(shape, floats(0.3, 2.5)))
        base = abs(scalar)
        check(lambda t: t**scalar, x)
        check(lambda t: base**t, x)
        assert isinstance(base ** Tensor(x), Tensor)
        return
    x = data.draw(arrays(shape, right))
    check(lambda t: f(t, scalar), x)
    check(lambda t: f(scalar, t), x)
    np.testing.assert_allclose(f(scalar, Tensor(x)).data, f(scalar, x), rtol=1e-14)


@pytest.mark.parametrize("op", list(BINARY))
@FEW
@given(data=st.data(), shape_pair=pairs)
def test_binary_op_with_numpy_array_both_sides(op: str, data: st.DataObject,
                                               shape_pair: Any) -> None:
    f, left, right = BINARY[op]
    (sa, sb), _ = shape_pair
    a = data.draw(arrays(sa, left))
    b = data.draw(arrays(sb, right))
    # numpy array on the left: numpy must defer to the Tensor's reflected operator
    reflected = f(a, Tensor(b))
    assert isinstance(reflected, Tensor)
    np.testing.assert_allclose(reflected.data, f(a, b), rtol=1e-14)
    check(lambda t: f(a, t), b)
    check(lambda t: f(t, b), a)


@FEW
@given(data=st.data(), shape=shapes, exponent=st.sampled_from([1, 2, 3, -1, -2]))
def test_integer_power_of_negative_base(data: st.DataObject, shape: tuple[int, ...],
                                        exponent: int) -> None:
    x = data.draw(arrays(shape, away_from((0.0,), -2.5, 2.5, margin=0.4)))
    check(lambda t: t**exponent, x)


@GRAD
@given(data=st.data(), shape=shapes)
def test_negation(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(shape, floats(-3, 3)))
    check(lambda t: -t, x)


@FEW
@given(data=st.data(), shape_pair=pairs)
def test_shared_operand_in_a_broadcast_expression(data: st.DataObject, shape_pair: Any) -> None:
    (sa, sb), _ = shape_pair
    a = data.draw(arrays(sa, floats(-2, 2)))
    b = data.draw(arrays(sb, floats(0.5, 2)))
    check(lambda x, y: (x * y + x / y - y * y) * x, a, b)


# ------------------------------------------------------------------------------------------------
# elementwise functions
# ------------------------------------------------------------------------------------------------

UNARY: dict[str, tuple[Callable[[Tensor], Tensor], st.SearchStrategy[float]]] = {
    "exp": (Tensor.exp, floats(-3, 3)),
    "log": (Tensor.log, floats(0.1, 5)),
    "sqrt": (Tensor.sqrt, floats(0.1, 5)),
    "tanh": (Tensor.tanh, floats(-3, 3)),
    "sigmoid": (Tensor.sigmoid, floats(-6, 6)),
    "relu": (Tensor.relu, away_from((0.0,), -3, 3)),
    "leaky_relu": (Tensor.leaky_relu, away_from((0.0,), -3, 3)),
    "leaky_relu(0.2)": (lambda t: t.leaky_relu(0.2), away_from((0.0,), -3, 3)),
    "elu": (Tensor.elu, away_from((0.0,), -3, 3)),
    "elu(0.5)": (lambda t: t.elu(0.5), away_from((0.0,), -3, 3)),
    "softplus": (Tensor.softplus, floats(-6, 6)),
    "sin": (Tensor.sin, floats(-4, 4)),
    "cos": (Tensor.cos, floats(-4, 4)),
    "abs": (Tensor.abs, away_from((0.0,), -3, 3)),
    "abs()": (abs, away_from((0.0,), -3, 3)),
    "erf": (Tensor.erf, floats(-3, 3)),
}


@pytest.mark.parametrize("name", list(UNARY))
@GRAD
@given(data=st.data(), shape=shapes)
def test_unary_gradients(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    f, elements = UNARY[name]
    x = data.draw(arrays(shape, elements))
    out = f(Tensor(x))
    assert out.shape == x.shape
    check(f, x)


@FEW
@given(data=st.data(), shape=shapes,
       bounds=st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None), (0.0, 2.0)]))
def test_clip_gradients(data: st.DataObject, shape: tuple[int, ...],
                        bounds: tuple[float | None, float | None]) -> None:
    lo, hi = bounds
    kinks = tuple(b for b in bounds if b is not None)
    x = data.draw(arrays(shape, away_from(kinks, -3, 3)))
    out = Tensor(x).clip(lo, hi)
    np.testing.assert_array_equal(out.data, np.clip(x, lo, hi))
    check(lambda t: t.clip(lo, hi), x)


# ------------------------------------------------------------------------------------------------
# reductions
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean"])
@GRAD
@given(data=st.data(), shape=shapes, keepdims=st.booleans())
def test_sum_mean_gradients(name: str, data: st.DataObject, shape: tuple[int, ...],
                            keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(arrays(shape, floats(-3, 3)))
    out = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-14)
    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["max", "min"])
@GRAD
@given(data=st.data(), shape=shapes, keepdims=st.booleans())
def test_max_min_gradients(name: str, data: st.DataObject, shape: tuple[int, ...],
                           keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(distinct_arrays(shape))
    out = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.data, expected)
    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x)


@GRAD
@given(data=st.data(), shape=shapes, keepdims=st.booleans())
def test_logsumexp_gradients(data: st.DataObject, shape: tuple[int, ...], keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(arrays(shape, floats(-5, 5)))
    out = Tensor(x).logsumexp(axis=axis, keepdims=keepdims)
    expected = np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)
    check(lambda t: t.logsumexp(axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@GRAD
@given(data=st.data(), shape=nonscalar_shapes)
def test_softmax_family_gradients(name: str, data: st.DataObject,
                                  shape: tuple[int, ...]) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape, floats(-5, 5)))
    e = np.exp(x)
    s = e / e.sum(axis=axis, keepdims=True)
    expected = s if name == "softmax" else np.log(s)
    np.testing.assert_allclose(getattr(Tensor(x), name)(axis=axis).data, expected,
                               rtol=1e-12, atol=1e-15)
    check(lambda t: getattr(t, name)(axis=axis), x)
    if axis == -1:  # the default axis
        np.testing.assert_array_equal(getattr(Tensor(x), name)().data,
                                      getattr(Tensor(x), name)(axis=-1).data)


# ------------------------------------------------------------------------------------------------
# shape ops
# ------------------------------------------------------------------------------------------------


@GRAD
@given(data=st.data(), shape=shapes)
def test_reshape_gradients(data: st.DataObject, shape: tuple[int, ...]) -> None:
    size = int(np.prod(shape, dtype=int))
    target = data.draw(st.sampled_from([(size,), (-1,), tuple(reversed(shape)), (1, *shape),
                                        (*shape, 1), (size, 1), ()] if size == 1 else
                                       [(size,), (-1,), tuple(reversed(shape)), (1, *shape),
                                        (*shape, 1), (size, 1), (-1, 1)]))
    x = data.draw(arrays(shape, floats(-3, 3)))
    assert Tensor(x).reshape(target).shape == x.reshape(target).shape
    assert Tensor(x).reshape(*target).shape == x.reshape(target).shape
    check(lambda t: t.reshape(target), x)


@GRAD
@given(data=st.data(), shape=shapes)
def test_transpose_gradients(data: st.DataObject, shape: tuple[int, ...]) -> None:
    perm = tuple(data.draw(st.permutations(list(range(len(shape))))))
    x = data.draw(arrays(shape, floats(-3, 3)))
    np.testing.assert_array_equal(Tensor(x).transpose(perm).data, x.transpose(perm))
    np.testing.assert_array_equal(Tensor(x).transpose(*perm).data, x.transpose(perm))
    np.testing.assert_array_equal(Tensor(x).T.data, x.T)
    check(lambda t: t.transpose(perm), x)
    check(lambda t: t.T, x)
    check(lambda t: t.transpose(), x)


@GRAD
@given(data=st.data(), shape=shapes)
def test_basic_indexing_gradients(data: st.DataObject, shape: tuple[int, ...]) -> None:
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    x = data.draw(arrays(shape, floats(-3, 3)))
    np.testing.assert_array_equal(Tensor(x)[index].data, x[index])
    check(lambda t: t[index], x)


@GRAD
@given(data=st.data(), shape=nonscalar_shapes)
def test_integer_array_indexing_gradients(data: st.DataObject, shape: tuple[int, ...]) -> None:
    index = data.draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    x = data.draw(arrays(shape, floats(-3, 3)))
    np.testing.assert_array_equal(Tensor(x)[index].data, x[index])
    check(lambda t: t[index], x)
    # repeated indices must accumulate: the gradient of sum(t[index]) counts each hit
    t = Tensor(x, requires_grad=True)
    t[index].sum().backward()
    expected = np.zeros(shape)
    np.add.at(expected, index, 1.0)
    np.testing.assert_array_equal(t.grad, expected)


@GRAD
@given(data=st.data(), shape=nonscalar_shapes)
def test_boolean_mask_gradients(data: st.DataObject, shape: tuple[int, ...]) -> None:
    mask = data.draw(hnp.arrays(np.bool_, shape))
    x = data.draw(arrays(shape, floats(-3, 3)))
    np.testing.assert_array_equal(Tensor(x)[mask].data, x[mask])
    check(lambda t: t[mask], x)
    t = Tensor(x, requires_grad=True)
    t[mask].sum().backward()
    np.testing.assert_array_equal(t.grad, mask.astype(float))


@GRAD
@given(data=st.data(), shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4))
def test_mixed_slice_and_array_indexing_gradients(data: st.DataObject,
                                                  shape: tuple[int, ...]) -> None:
    rows = data.draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=1, max_size=5))
    start = data.draw(st.integers(-shape[0], shape[0]))
    step = data.draw(st.sampled_from([1, 2, -1, -2]))
    index = (slice(start, None, step), rows)
    x = data.draw(arrays(shape, floats(-3, 3)))
    np.testing.assert_array_equal(Tensor(x)[index].data, x[index])
    check(lambda t: t[index], x)


@FEW
@given(data=st.data(), base=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
       count=st.integers(1, 3))
def test_concatenate_gradients(data: st.DataObject, base: tuple[int, ...], count: int) -> None:
    ndim = len(base)
    axis = data.draw(st.integers(-ndim, ndim - 1))
    parts = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = data.draw(st.integers(1, 3))
        parts.append(data.draw(arrays(tuple(shape), floats(-3, 3))))
    out = ac.concatenate([Tensor(p) for p in parts], axis=axis)
    np.testing.assert_array_equal(out.data, np.concatenate(parts, axis=axis))
    check(lambda *ts: ac.concatenate(list(ts), axis=axis), *parts)
    # the same tensor twice gets both slices of the gradient
    check(lambda t: ac.concatenate([t, t * 2.0], axis=axis), parts[0])


@FEW
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       count=st.integers(1, 3))
def test_stack_gradients(data: st.DataObject, shape: tuple[int, ...], count: int) -> None:
    ndim = len(shape) + 1
    axis = data.draw(st.integers(-ndim, ndim - 1))
    parts = [data.draw(arrays(shape, floats(-3, 3))) for _ in range(count)]
    out = ac.stack([Tensor(p) for p in parts], axis=axis)
    np.testing.assert_array_equal(out.data, np.stack(parts, axis=axis))
    check(lambda *ts: ac.stack(list(ts), axis=axis), *parts)


@GRAD
@given(data=st.data(), shape_triple=hnp.mutually_broadcastable_shapes(
    num_shapes=3, min_dims=0, max_dims=MAX_DIMS, max_side=MAX_SIDE))
def test_where_gradients(data: st.DataObject, shape_triple: Any) -> None:
    (sc, sx, sy), result = shape_triple
    cond = data.draw(hnp.arrays(np.bool_, sc))
    x = data.draw(arrays(sx, floats(-3, 3)))
    y = data.draw(arrays(sy, floats(-3, 3)))
    out = ac.where(cond, Tensor(x), Tensor(y))
    assert out.shape == result
    np.testing.assert_array_equal(out.data, np.where(cond, x, y))
    check(lambda a, b: ac.where(cond, a, b), x, y)
    check(lambda a: ac.where(cond, a, 0.5), x)
    check(lambda b: ac.where(cond, 0.5, b), y)


# ------------------------------------------------------------------------------------------------
# matrix multiplication
# ------------------------------------------------------------------------------------------------


@st.composite
def matmul_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shapes for a @ b: 1-D or (batched) matrices, with broadcast batch dimensions."""
    m, k, n = (draw(st.integers(1, MAX_SIDE)) for _ in range(3))
    (batch_a, batch_b), _ = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=1, max_side=3))
    kind_a = draw(st.sampled_from(["vector", "matrix"]))
    kind_b = draw(st.sampled_from(["vector", "matrix"]))
    a = (k,) if kind_a == "vector" else (*batch_a, m, k)
    b = (k,) if kind_b == "vector" else (*batch_b, k, n)
    return a, b


@GRAD
@given(data=st.data(), shape_pair=matmul_shapes())
def test_matmul_gradients(data: st.DataObject, shape_pair: Any) -> None:
    sa, sb = shape_pair
    a = data.draw(arrays(sa, floats(-2, 2)))
    b = data.draw(arrays(sb, floats(-2, 2)))
    out = Tensor(a) @ Tensor(b)
    expected = a @ b
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-14)
    check(lambda x, y: x @ y, a, b)
    check(lambda y: a @ y, b)  # numpy array on the left
    check(lambda x: x @ b, a)


MATMUL_CASES = {
    "2-D @ 2-D": ((2, 3), (3, 4)),
    "1-D @ 2-D": ((3,), (3, 4)),
    "2-D @ 1-D": ((2, 3), (3,)),
    "1-D @ 1-D": ((3,), (3,)),
    "3-D @ 3-D, broadcast batch": ((2, 1, 2, 3), (3, 3, 4)),
    "3-D @ 3-D, same batch": ((2, 2, 3), (2, 3, 4)),
    "3-D @ 2-D": ((2, 2, 3), (3, 4)),
    "2-D @ 3-D": ((2, 3), (4, 3, 2)),
    "3-D @ 1-D": ((2, 2, 3), (3,)),
    "1-D @ 3-D": ((3,), (2, 3, 4)),
}


@pytest.mark.parametrize("sa, sb", list(MATMUL_CASES.values()), ids=list(MATMUL_CASES))
def test_matmul_cases_against_closed_form(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = ta @ tb
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-14)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    # closed forms on matrix-promoted operands: dA = G B^T, dB = A^T G, summed over broadcast
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if b.ndim == 1:
        g2 = g2[..., None]
    if a.ndim == 1:
        g2 = g2[..., None, :]
    da = g2 @ np.swapaxes(b2, -1, -2)
    db = np.swapaxes(a2, -1, -2) @ g2
    while da.ndim > a2.ndim:
        da = da.sum(0)
    while db.ndim > b2.ndim:
        db = db.sum(0)
    da = da.sum(axis=tuple(i for i in range(a2.ndim) if a2.shape[i] == 1 and da.shape[i] != 1),
                keepdims=True)
    db = db.sum(axis=tuple(i for i in range(b2.ndim) if b2.shape[i] == 1 and db.shape[i] != 1),
                keepdims=True)
    np.testing.assert_allclose(ta.grad, da.reshape(a.shape), rtol=1e-12)
    np.testing.assert_allclose(tb.grad, db.reshape(b.shape), rtol=1e-12)
    assert gradcheck(lambda x, y: x @ y, a, b)


# ------------------------------------------------------------------------------------------------
# the fused network ops (linear, cross_entropy)
# ------------------------------------------------------------------------------------------------


@FEW
@given(data=st.data(), lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       n_in=st.integers(1, 4), n_out=st.integers(1, 4), with_bias=st.booleans())
def test_linear_gradients(data: st.DataObject, lead: tuple[int, ...], n_in: int, n_out: int,
                          with_bias: bool) -> None:
    x = data.draw(arrays((*lead, n_in), floats(-2, 2)))
    w = data.draw(arrays((n_out, n_in), floats(-2, 2)))
    b = data.draw(arrays((n_out,), floats(-2, 2)))
    expected = x @ w.T + (b if with_bias else 0.0)
    if with_bias:
        out = ac.linear(Tensor(x), Tensor(w), Tensor(b))
        check(lambda x_, w_, b_: ac.linear(x_, w_, b_), x, w, b)
    else:
        out = ac.linear(Tensor(x), Tensor(w))
        check(lambda x_, w_: ac.linear(x_, w_), x, w)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-14)


@FEW
@given(data=st.data(), n=st.integers(1, 4), c=st.integers(1, 4),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_gradients(data: st.DataObject, n: int, c: int, reduction: str) -> None:
    z = data.draw(arrays((n, c), floats(-5, 5)))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    out = ac.cross_entropy(Tensor(z), labels, reduction=reduction)
    composed = -Tensor(z).log_softmax(axis=1)[np.arange(n), labels]
    composed = {"mean": composed.mean(), "sum": composed.sum(), "none": composed}[reduction]
    assert out.shape == composed.shape
    np.testing.assert_allclose(out.data, composed.data, rtol=1e-12, atol=1e-14)
    check(lambda t: ac.cross_entropy(t, labels, reduction=reduction), z)
