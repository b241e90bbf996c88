"""Batched cotangents: every Tensor VJP pulls back a stack of cotangents in one call.

The rule (issue 14): a VJP given a cotangent of shape B + out.shape, its leading
``g.ndim - out.ndim`` axes being batch axes, returns B + input.shape, each batch slice equal to
what that slice alone would give. So one reverse pass seeded with m stacked cotangents gives m
gradients, which is how ``jacobian`` and ``hessian`` get all their rows from one pass.

For every differentiable op (strategies and tables from test_tensor_gradients) the checks are:
a pass with a random (B, *out.shape) cotangent equals B separate passes, on the fast path
(arrays) and with ``create_graph`` (a Tensor cotangent, whose gradients are Tensors with a
graph: differentiating them again agrees with differentiating the B separate ones). Then
``jacobian`` and ``hessian`` against a row-by-row reference and central differences.
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
    MATMUL_CASES,
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
from autograd_core import functional as functional_module

BATCHED = settings(max_examples=20, deadline=None)
shapes, nonscalar_shapes, pairs = shape_strategies(3)
batches = st.sampled_from([(1,), (3,), (2, 2)])

Case = tuple[Callable[..., Tensor], list[np.ndarray]]


def check_batched(f: Callable[..., Tensor], inputs: list[np.ndarray],
                  batch: tuple[int, ...]) -> None:
    """One pass with a (batch + out.shape) cotangent equals one pass per batch slice, with
    arrays and with create_graph; the create_graph gradients differentiate correctly too."""
    rng = np.random.default_rng(len(inputs) + sum(np.size(x) for x in inputs))
    leaves = [Tensor(x, requires_grad=True) for x in inputs]
    out = f(*leaves)
    u = rng.standard_normal(batch + out.shape)
    together = engine.gradients(out, leaves, u.copy())
    graphed = engine.gradients(out, leaves, Tensor(u), create_graph=True)
    weights = [rng.standard_normal(batch + leaf.shape) for leaf in leaves]
    separate: list[list[Any]] = [[] for _ in leaves]
    second_reference = [np.zeros(leaf.shape) for leaf in leaves]
    for index in np.ndindex(*batch):
        alone = engine.gradients(out, leaves, u[index].copy())
        alone_graphed = engine.gradients(out, leaves, Tensor(u[index]), create_graph=True)
        for i, (grad, node) in enumerate(zip(alone, alone_graphed)):
            separate[i].append(grad)
            if node is not None:  # d<grad_b, w_b>/d(leaves), summed over the batch below
                for k, second in enumerate(_second(node, weights[i][index], leaves)):
                    second_reference[k] += second
    for leaf, grad, node, slices in zip(leaves, together, graphed, separate):
        if grad is None:  # the op has no path to this input
            assert node is None and all(s is None for s in slices)
            continue
        assert isinstance(grad, np.ndarray) and grad.shape == batch + leaf.shape
        assert isinstance(node, Tensor) and node.shape == batch + leaf.shape
        expected = np.stack(slices).reshape(batch + leaf.shape)
        np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(node.data, expected, rtol=1e-12, atol=1e-12)
    second_together = [np.zeros(leaf.shape) for leaf in leaves]
    for node, w in zip(graphed, weights):
        if node is not None:
            for k, second in enumerate(_second(node, w, leaves)):
                second_together[k] += second
    for got, want in zip(second_together, second_reference):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def _second(node: Tensor, w: np.ndarray, leaves: list[Tensor]) -> list[np.ndarray]:
    """d<node, w>/d(leaf) for each leaf (zeros where there is no path)."""
    if not node.requires_grad:
        return [np.zeros(leaf.shape) for leaf in leaves]
    grads = engine.gradients((node * w).sum(), leaves, np.array(1.0))
    return [np.zeros(leaf.shape) if g is None else g for g, leaf in zip(grads, leaves)]


# ------------------------------------------------------------------------------------------------
# the cases: one strategy per op, drawing its inputs and parameters
# ------------------------------------------------------------------------------------------------

CASES: dict[str, Callable[[st.DrawFn], Case]] = {}


def case(name: str) -> Callable[[Callable[[st.DrawFn], Case]], Callable[[st.DrawFn], Case]]:
    def register(draw_case: Callable[[st.DrawFn], Case]) -> Callable[[st.DrawFn], Case]:
        CASES[name] = draw_case
        return draw_case
    return register


def _binary_case(op: str) -> Callable[[st.DrawFn], Case]:
    def draw_case(draw: st.DrawFn) -> Case:
        f, left, right = BINARY[op]
        (sa, sb), _ = draw(pairs)
        a, b = draw(arrays(sa, left)), draw(arrays(sb, right))
        how = draw(st.sampled_from(["both", "number right", "number left", "array left"]))
        if how == "number right":
            return (lambda t: f(t, 1.5)), [a]
        if how == "number left":
            return (lambda t: f(1.5, t)), [b]
        if how == "array left":
            return (lambda t: f(a, t)), [b]
        return f, [a, b]
    return draw_case


for _op in BINARY:
    CASES[f"binary {_op}"] = _binary_case(_op)

MORE_UNARY: dict[str, tuple[Callable[[Tensor], Tensor], st.SearchStrategy[float]]] = {
    **UNARY,
    "log1p": (Tensor.log1p, floats(-0.5, 3)),
    "expm1": (Tensor.expm1, floats(-3, 3)),
    "square": (Tensor.square, floats(-3, 3)),
    "neg": (lambda t: -t, floats(-3, 3)),
}


def _unary_case(name: str) -> Callable[[st.DrawFn], Case]:
    def draw_case(draw: st.DrawFn) -> Case:
        f, elements = MORE_UNARY[name]
        return f, [draw(arrays(draw(shapes), elements))]
    return draw_case


for _name in MORE_UNARY:
    CASES[f"unary {_name}"] = _unary_case(_name)


@case("clamp")
def _clamp(draw: st.DrawFn) -> Case:
    lo, hi = draw(st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
    x = draw(arrays(draw(shapes), away_from((-1.0, -0.5, 0.5, 1.0), -3, 3)))
    if draw(st.booleans()):
        return (lambda t: t.clamp(lo, hi)), [x]
    return (lambda t: t.clip(lo, hi)), [x]


@case("maximum/minimum")
def _maximum(draw: st.DrawFn) -> Case:
    (sa, sb), _ = draw(pairs)
    a, b = draw(arrays(sa, floats(-3, 3))), draw(arrays(sb, floats(-3, 3)))
    if draw(st.booleans()):
        b = np.round(b)  # some ties
        a = np.round(a)
    pick = draw(st.sampled_from([ac.maximum, ac.minimum]))
    return pick, [a, b]


@case("sum/mean")
def _sum_mean(draw: st.DrawFn) -> Case:
    shape = draw(shapes)
    axis, keepdims = draw(axes(len(shape))), draw(st.booleans())
    name = draw(st.sampled_from(["sum", "mean"]))
    return (lambda t: getattr(t, name)(axis=axis, keepdims=keepdims)), [
        draw(arrays(shape, floats(-3, 3)))]


@case("max/min")
def _max_min(draw: st.DrawFn) -> Case:
    shape = draw(shapes)
    axis, keepdims = draw(axes(len(shape))), draw(st.booleans())
    name = draw(st.sampled_from(["max", "min"]))
    x = draw(distinct_arrays(shape)) if draw(st.booleans()) else np.ones(shape)  # ties: all
    return (lambda t: getattr(t, name)(axis=axis, keepdims=keepdims)), [x]


@case("logsumexp")
def _logsumexp(draw: st.DrawFn) -> Case:
    shape = draw(shapes)
    axis, keepdims = draw(axes(len(shape))), draw(st.booleans())
    return (lambda t: t.logsumexp(axis=axis, keepdims=keepdims)), [
        draw(arrays(shape, floats(-5, 5)))]


@case("softmax/log_softmax")
def _softmax(draw: st.DrawFn) -> Case:
    shape = draw(nonscalar_shapes)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    name = draw(st.sampled_from(["softmax", "log_softmax"]))
    return (lambda t: getattr(t, name)(axis=axis)), [draw(arrays(shape, floats(-5, 5)))]


@case("var/std")
def _var_std(draw: st.DrawFn) -> Case:
    shape = draw(nonscalar_shapes)
    axis, keepdims = draw(axes(len(shape))), draw(st.booleans())
    name = draw(st.sampled_from(["var", "std"]))
    count = np.ones(shape).sum(axis=axis).flat[0]  # numbers in each variance
    correction = draw(st.sampled_from([0, 1])) if count > 1 else 0  # n - 1 = 0: inf and NaN
    x = draw(distinct_arrays(shape))  # distinct: std > 0 wherever two numbers are averaged
    return (lambda t: getattr(t, name)(axis=axis, keepdims=keepdims, correction=correction)), [x]


@case("norm")
def _norm(draw: st.DrawFn) -> Case:
    shape = draw(nonscalar_shapes)
    axis, keepdims = draw(axes(len(shape))), draw(st.booleans())
    p = draw(st.sampled_from([1, 2, 3, np.inf, -np.inf]))
    x = draw(distinct_arrays(shape))
    return (lambda t: t.norm(p, axis=axis, keepdims=keepdims)), [x]


@case("reshape/view/flatten")
def _reshape(draw: st.DrawFn) -> Case:
    shape = draw(shapes)
    size = int(np.prod(shape, dtype=int))
    x = draw(arrays(shape, floats(-3, 3)))
    how = draw(st.sampled_from(["reshape", "view", "flatten", "flatten(1)"]))
    if how == "flatten":
        return (lambda t: t.flatten()), [x]
    if how == "flatten(1)" and len(shape) >= 2:
        return (lambda t: t.flatten(1)), [x]
    target = draw(st.sampled_from([(size,), (-1, 1), tuple(reversed(shape)), (1, *shape)]))
    return (lambda t: getattr(t, "view" if how == "view" else "reshape")(target)), [x]


@case("squeeze/unsqueeze")
def _squeeze(draw: st.DrawFn) -> Case:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=2))
    x = draw(arrays(shape, floats(-3, 3)))
    if draw(st.booleans()):
        dim = draw(st.integers(-len(shape) - 1, len(shape)))
        return (lambda t: t.unsqueeze(dim)), [x]
    dim = draw(st.none() | st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    return (lambda t: t.squeeze(dim)), [x]


@case("transpose")
def _transpose(draw: st.DrawFn) -> Case:
    shape = draw(shapes)
    x = draw(arrays(shape, floats(-3, 3)))
    how = draw(st.sampled_from(["perm", ".T", "()"]))
    if how == ".T":
        return (lambda t: t.T), [x]
    if how == "()":
        return (lambda t: t.transpose()), [x]
    perm = tuple(draw(st.permutations(list(range(len(shape))))))
    return (lambda t: t.transpose(perm)), [x]


@case("broadcast_to/expand_as")
def _broadcast(draw: st.DrawFn) -> Case:
    (shape, _), target = draw(pairs)
    x = draw(arrays(shape, floats(-3, 3)))
    if draw(st.booleans()):
        return (lambda t: t.broadcast_to(target)), [x]
    return (lambda t: t.expand_as(np.zeros(target))), [x]


@case("basic indexing")
def _basic_index(draw: st.DrawFn) -> Case:
    shape = draw(shapes)
    index = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return (lambda t: t[index]), [draw(arrays(shape, floats(-3, 3)))]


@case("integer array indexing, repeated indices")
def _array_index(draw: st.DrawFn) -> Case:
    shape = draw(nonscalar_shapes)
    index = draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    return (lambda t: t[index]), [draw(arrays(shape, floats(-3, 3)))]


@case("boolean mask")
def _mask(draw: st.DrawFn) -> Case:
    shape = draw(nonscalar_shapes)
    mask = draw(hnp.arrays(np.bool_, shape))
    return (lambda t: t[mask]), [draw(arrays(shape, floats(-3, 3)))]


@case("index arrays apart (their axes go first)")
def _separated(draw: st.DrawFn) -> Case:
    # numpy puts the axes of index arrays separated by a slice in front of the result
    shape = draw(hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=3))
    rows = draw(hnp.arrays(np.intp, draw(st.sampled_from([(2,), (2, 2)])),
                           elements=st.integers(0, shape[0] - 1)))
    last = draw(st.integers(0, shape[2] - 1))
    index = (rows, slice(None), last) if draw(st.booleans()) else (
        last % shape[0], slice(None), rows % shape[2])
    return (lambda t: t[index]), [draw(arrays(shape, floats(-3, 3)))]


@case("mixed slice and array")
def _mixed(draw: st.DrawFn) -> Case:
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4))
    rows = draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=1, max_size=5))
    index = (slice(None, None, draw(st.sampled_from([1, -1, 2]))), rows)
    return (lambda t: t[index]), [draw(arrays(shape, floats(-3, 3)))]


@case("scatter_add (indexing's adjoint)")
def _scatter_add(draw: st.DrawFn) -> Case:
    shape = draw(nonscalar_shapes)
    basic = draw(st.booleans())
    index = draw(hnp.basic_indices(shape) if basic else hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    picked = np.zeros(shape)[index].shape
    return (lambda t: t._scatter_add(index, shape)), [draw(arrays(picked, floats(-3, 3)))]


@case("concatenate")
def _concatenate(draw: st.DrawFn) -> Case:
    base = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(st.integers(-len(base), len(base) - 1))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base)
        shape[axis] = draw(st.integers(1, 3))
        parts.append(draw(arrays(tuple(shape), floats(-3, 3))))
    return (lambda *ts: ac.concatenate(list(ts), axis=axis)), parts


@case("stack")
def _stack(draw: st.DrawFn) -> Case:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    parts = [draw(arrays(shape, floats(-3, 3))) for _ in range(draw(st.integers(1, 3)))]
    return (lambda *ts: ac.stack(list(ts), dim=axis)), parts


@case("where")
def _where(draw: st.DrawFn) -> Case:
    (sc, sx, sy), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                              max_side=3))
    cond = draw(hnp.arrays(np.bool_, sc))
    x, y = draw(arrays(sx, floats(-3, 3))), draw(arrays(sy, floats(-3, 3)))
    if draw(st.booleans()):
        return (lambda a: ac.where(cond, a, 0.5)), [x]
    return (lambda a, b: ac.where(cond, a, b)), [x, y]


@case("matmul")
def _matmul(draw: st.DrawFn) -> Case:
    sa, sb = draw(matmul_shapes())
    a, b = draw(arrays(sa, floats(-2, 2))), draw(arrays(sb, floats(-2, 2)))
    return (lambda x, y: x @ y), [a, b]


@case("linear")
def _linear(draw: st.DrawFn) -> Case:
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = draw(arrays((*lead, n_in), floats(-2, 2)))
    w = draw(arrays((n_out, n_in), floats(-2, 2)))
    if draw(st.booleans()):
        return (lambda x_, w_, b_: ac.linear(x_, w_, b_)), [
            x, w, draw(arrays((n_out,), floats(-2, 2)))]
    return (lambda x_, w_: ac.linear(x_, w_)), [x, w]


@case("cross_entropy")
def _cross_entropy(draw: st.DrawFn) -> Case:
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    z = draw(arrays((n, c), floats(-5, 5)))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    return (lambda t: ac.cross_entropy(t, labels, reduction=reduction)), [z]


@pytest.mark.parametrize("name", list(CASES))
@BATCHED
@given(data=st.data(), batch=batches)
def test_a_batched_pass_equals_one_pass_per_cotangent(name: str, data: st.DataObject,
                                                      batch: tuple[int, ...]) -> None:
    f, inputs = data.draw(st.composite(CASES[name])())
    check_batched(f, inputs, batch)


@pytest.mark.parametrize("sa, sb", list(MATMUL_CASES.values()), ids=list(MATMUL_CASES))
@pytest.mark.parametrize("batch", [(3,), (2, 2)])
def test_matmul_batched_for_every_operand_kind(sa: tuple[int, ...], sb: tuple[int, ...],
                                               batch: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_batched(lambda x, y: x @ y, [a, b], batch)
    check_batched(lambda y: a @ y, [b], batch)  # a constant operand
    check_batched(lambda x: x @ b, [a], batch)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_batched_after_a_network(reduction: str) -> None:
    rng = np.random.default_rng(5)
    x, w, bias = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    labels = np.array([0, 4, 4, 2])
    check_batched(lambda x_, w_, b_: ac.cross_entropy(ac.linear(x_, w_, b_).tanh(), labels,
                                                      reduction=reduction), [x, w, bias], (3,))


def test_float32_stays_float32_in_a_batched_pass() -> None:
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), requires_grad=True)
    out = (x @ x.T).softmax(axis=1)[:, 0].sum()
    (grad,) = engine.gradients(out, [x], np.ones((3,), dtype=np.float32))
    assert grad.dtype == np.float32 and grad.shape == (3, 2, 2)


# ------------------------------------------------------------------------------------------------
# jacobian and hessian: all rows in one pass, equal to the row-by-row result
# ------------------------------------------------------------------------------------------------


def row_by_row(f: Callable[..., Any], *args: Any, argnums: Any = 0) -> Any:
    """The Jacobian of a Tensor-valued f, one vjp pullback per output element: the reference
    (a tuple per argument for a tuple ``argnums``)."""
    positions = (argnums,) if isinstance(argnums, int) else argnums

    def f_of_chosen(*chosen: Any) -> Any:
        full = list(args)
        for i, x in zip(positions, chosen):
            full[i] = x
        return f(*full)
    out, pullback = ac.vjp(f_of_chosen, *(args[i] for i in positions))
    out = np.asarray(out)
    rows: list[tuple[Any, ...]] = []
    for k in range(out.size):
        unit = np.zeros(out.size)
        unit[k] = 1.0
        rows.append(pullback(unit.reshape(out.shape)))
    blocks = tuple(np.stack([row[i] for row in rows]).reshape(out.shape + np.shape(args[p]))
                   if rows else np.zeros(out.shape + np.shape(args[p]))
                   for i, p in enumerate(positions))
    return blocks[0] if isinstance(argnums, int) else blocks


def mlp_loss(theta: Tensor, x: np.ndarray, y: np.ndarray, hidden: int) -> Tensor:
    """The mean squared error of a one-hidden-layer tanh MLP, parameters packed in theta."""
    inputs = x.shape[1]
    w1 = theta[:hidden * inputs].reshape(hidden, inputs)
    b1 = theta[hidden * inputs:hidden * (inputs + 1)]
    w2 = theta[hidden * (inputs + 1):]
    return ((((x @ w1.T + b1).tanh() @ w2) - y) ** 2).mean()


def mlp_problem(hidden: int = 3, inputs: int = 2, points: int = 7) -> tuple[Any, ...]:
    rng = np.random.default_rng(11)
    theta = rng.normal(size=hidden * (inputs + 2))
    return theta, rng.normal(size=(points, inputs)), rng.normal(size=points), hidden


def test_hessian_of_an_mlp_loss_matches_central_differences_of_its_gradient() -> None:
    theta, x, y, hidden = mlp_problem()
    f = lambda t: mlp_loss(t, x, y, hidden)  # noqa: E731
    hessian = ac.hessian(f)(theta)
    gradient = ac.grad(f)
    columns = [(gradient(theta + e * 1e-5) - gradient(theta - e * 1e-5)) / 2e-5
               for e in np.eye(len(theta))]
    assert hessian.shape == (len(theta), len(theta))
    np.testing.assert_allclose(hessian, np.stack(columns, axis=1), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hessian, row_by_row(gradient, theta), rtol=1e-12, atol=1e-14)


class PassCounter:
    """Counts the reverse passes (engine.gradients calls) made through the functional API."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = engine.gradients

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(*args, **kwargs)
        monkeypatch.setattr(engine, "gradients", counted)


def test_hessian_takes_two_passes_and_jacobian_one_whatever_the_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    theta, x, y, hidden = mlp_problem(hidden=6)  # 24 parameters
    counter = PassCounter(monkeypatch)
    ac.hessian(lambda t: mlp_loss(t, x, y, hidden))(theta)
    assert counter.count == 2  # one recording the gradient, one for all 24 rows
    counter.count = 0
    ac.jacobian(lambda t: (t * t).tanh())(theta)
    assert counter.count == 1


def test_a_huge_graph_is_split_into_blocks_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    theta, x, y, hidden = mlp_problem()  # 12 parameters
    f = lambda t: mlp_loss(t, x, y, hidden)  # noqa: E731
    expected = ac.hessian(f)(theta)
    monkeypatch.setattr(functional_module, "_NUMBERS_PER_PASS", 1000)  # ~ 5 rows a pass
    counter = PassCounter(monkeypatch)
    blocked = ac.hessian(f)(theta)
    assert 2 < counter.count < 1 + len(theta)  # a few passes, not one per row
    np.testing.assert_allclose(blocked, expected, rtol=1e-13, atol=1e-15)
    monkeypatch.setattr(functional_module, "_NUMBERS_PER_PASS", 1)  # one row a pass
    np.testing.assert_allclose(ac.hessian(f)(theta), expected, rtol=1e-13, atol=1e-15)
    nested = ac.grad(lambda t: (ac.hessian(f)(t) ** 2).sum())(theta)
    monkeypatch.setattr(functional_module, "_NUMBERS_PER_PASS", 2**24)
    np.testing.assert_allclose(nested, ac.grad(lambda t: (ac.hessian(f)(t) ** 2).sum())(theta),
                               rtol=1e-12, atol=1e-14)


JACOBIAN_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "elementwise": lambda t: (t * t).tanh(),
    "softmax of a matrix": lambda t: t.reshape(2, 3).softmax(axis=0),
    "matmul and indexing": lambda t: t.reshape(2, 3)[[0, 1, 1], :] @ t[:3],
    "reductions": lambda t: ac.stack([t.norm(), t.var(), t.max(), t.logsumexp()]),
    "scalar output": lambda t: (t.exp() * t).sum(),
    "a single element": lambda t: t[2:3] * t[0],
    "identity": lambda t: t,
    "does not depend on t": lambda t: Tensor(np.ones((2, 2))),
    "empty output": lambda t: t[:0],
}


@pytest.mark.parametrize("name", list(JACOBIAN_FUNCTIONS))
def test_jacobian_equals_the_row_by_row_result(name: str) -> None:
    f = JACOBIAN_FUNCTIONS[name]
    x = np.linspace(-1.0, 1.5, 6)
    jacobian = ac.jacobian(f)(x)
    reference = row_by_row(f, x)
    assert jacobian.shape == reference.shape and jacobian.dtype == np.float64
    np.testing.assert_allclose(jacobian, reference, rtol=1e-12, atol=1e-14)


def test_jacobian_with_several_arguments_and_outputs_equals_the_row_by_row_result() -> None:
    a, b = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0], [3.0, -4.0]])

    def f(x: Tensor, y: Tensor) -> Tensor:
        return (x[:2] * y).sum(axis=1).exp() + y.mean()

    both = ac.jacobian(f, argnums=(0, 1))(a, b)
    reference = row_by_row(f, a, b, argnums=(0, 1))
    for got, want in zip(both, reference):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    first, second = ac.jacobian(lambda x, y: (f(x, y), x * 2.0), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(first[0], reference[0], rtol=1e-12)
    np.testing.assert_allclose(first[1], reference[1], rtol=1e-12)
    np.testing.assert_allclose(second[0], 2.0 * np.eye(3))
    np.testing.assert_array_equal(second[1], np.zeros((3, 2, 2)))


def test_hessian_with_several_arguments_equals_the_row_by_row_result() -> None:
    a, b = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0], [3.0, -4.0]])

    def f(x: Tensor, y: Tensor) -> Tensor:
        return ((x[:2] @ y).tanh() * x[1:]).sum() + (y * y * y).sum()

    hessian = ac.hessian(f, argnums=(0, 1))(a, b)
    gradient = ac.grad(f, argnums=(0, 1))
    for i in range(2):  # row block i: the Jacobian of the gradient with respect to argument i
        reference = row_by_row(lambda x, y, i=i: gradient(x, y)[i], a, b, argnums=(0, 1))
        for j in range(2):
            np.testing.assert_allclose(hessian[i][j], reference[j], rtol=1e-12, atol=1e-14)


HESSIAN_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "advanced indexing, repeated": lambda t: (t[[0, 2, 2, 5]] ** 3).sum() * t[np.array([1])].sum(),
    "index arrays apart": lambda t: (t.reshape(2, 1, 3)[[1, 0], :, [2, 2]] ** 2).exp().sum(),
    "softmax and logsumexp": lambda t: t.reshape(2, 3).softmax(axis=0)[0, 1] + t.logsumexp(),
    "var, norm, max": lambda t: t.var() * t.norm(3) + (t * t).max(),
    "where and maximum": lambda t: (ac.where(t.data > 0, t * t, t.sin()).sum()
                                    * ac.maximum(t * t, 0.2).sum()),
    "concatenate, stack, transpose": lambda t: (ac.concatenate(
        [ac.stack([t[:3], t[3:]]).T @ t[4:], t[:1]]) * t[2:]).tanh().sum(),
}


@pytest.mark.parametrize("name", list(HESSIAN_FUNCTIONS))
def test_hessian_equals_the_row_by_row_result(name: str) -> None:
    f = HESSIAN_FUNCTIONS[name]
    x = np.array([0.3, -0.7, 1.1, 0.5, -0.2, 0.9])
    np.testing.assert_allclose(ac.hessian(f)(x), row_by_row(ac.grad(f), x),
                               rtol=1e-12, atol=1e-13)


def test_nested_jacobians_are_differentiable_and_match() -> None:
    x = np.array([0.3, -0.7, 1.1])
    f = lambda t: (t * t.sum()).sin()  # noqa: E731
    # the Jacobian of the Jacobian: the inner one is built from Tensors with a graph
    second = ac.jacobian(ac.jacobian(f))(x)
    reference = row_by_row(lambda t: ac.jacobian(f)(t).reshape(-1), x).reshape(3, 3, 3)
    np.testing.assert_allclose(second, reference, rtol=1e-12, atol=1e-14)
    # a third derivative through hessian: grad of a Hessian entry
    third = ac.grad(lambda t: ac.hessian(lambda s: (s ** 4).sum())(t)[1, 1])(x)
    np.testing.assert_allclose(third, [0.0, 24 * x[1], 0.0], rtol=1e-12)


def test_hessian_keeps_float32() -> None:
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    hessian = ac.hessian(lambda t: (t * t * t).sum())(x)
    assert hessian.dtype == np.float32
    np.testing.assert_allclose(hessian, np.diag(6.0 * x), rtol=1e-6)
