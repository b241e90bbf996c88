"""Derivatives as functions: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, ``hvp``,
``vjp`` (reverse mode) and ``jvp`` (forward mode), in the style of JAX's transforms.

``grad(f)`` is a new function that returns df/dx. Called with Python floats, ``f`` receives
``Value``s and the derivatives come back as floats; called with numpy arrays, ``f`` receives
``Tensor``s (``requires_grad=True``) and the derivatives come back as arrays. Arguments not
named in ``argnums`` reach ``f`` unchanged.

Transforms nest: a transform called inside the function of another transform of its kind
(floats in floats, arrays in arrays), as in ``grad(grad(f))`` or ``hessian``, or called with
nodes (arguments, ``hvp`` tangents or ``vjp`` cotangents), runs with ``create_graph=True`` and
returns nodes, so that the outer transform can differentiate them again. That holds even when
its arguments are plain numbers, so an inner function may close over the outer variable:
``grad(lambda x: grad(lambda y: x * y)(1.0))(2.0)`` is 1.0, as in JAX and torch.func. At top
level the results are floats and arrays. Which transforms are running is tracked per thread.
Forward-mode ``jvp`` does not nest inside a reverse transform (it raises where it would be
cut from the outer variables).

Unused inputs: if ``f``'s result does not depend on an input at all, its derivative is zero
(a float 0.0 or an array of zeros of the input's shape), as in JAX and PyTorch's
``materialize_grads``, rather than ``None``; "not recorded" and "zero" mean the same thing for
a function.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real
from typing import Any

import numpy as np

from . import engine, forward
from .engine import Node
from .tensor import Tensor, concatenate
from .value import Value

ArgNums = int | Sequence[int]
SCALAR, ARRAY = "float", "array"

# The kinds (SCALAR or ARRAY) of the transforms whose f is running in this thread, innermost
# last. A ContextVar, so a new thread starts with none and threads never see each other's.
_running: ContextVar[tuple[str, ...]] = ContextVar("running_transforms", default=())


@contextmanager
def _running_transform(kind: str) -> Iterator[None]:
    token = _running.set((*_running.get(), kind))
    try:
        yield
    finally:
        _running.reset(token)


def _inside_transform(kind: str) -> bool:
    """Whether a transform of this kind is running its f: then anything computed may depend
    on that transform's variables (a closure). Values and Tensors never meet in one graph, so
    a transform of the other kind cannot be closed over."""
    return kind in _running.get()


# ---- inputs: plain numbers become fresh leaves; nodes are wrapped so that they nest ------------


def _kind(x: Any, where: str) -> str:
    """Whether ``x`` is differentiated as a scalar (``Value``) or an array (``Tensor``)."""
    if isinstance(x, Value) or (isinstance(x, Real) and not isinstance(x, bool)):
        return SCALAR
    if isinstance(x, (Tensor, np.ndarray, list, tuple)):
        return ARRAY
    raise TypeError(f"{where}: can differentiate with respect to floats, numpy arrays, Values "
                    f"or Tensors, got {type(x).__name__}")


def _is_node(x: Any) -> bool:
    return isinstance(x, Value) or (isinstance(x, Tensor) and x.requires_grad)


def _fresh_input(x: Any, kind: str) -> Node:
    """A new node standing for ``x``: a leaf for a number, an identity of a node (so that a
    nested transform differentiates with respect to its own argument, not the outer one's)."""
    if _is_node(x):
        return x + 0.0
    if kind == SCALAR:
        return Value(float(x))
    return Tensor(x.data if isinstance(x, Tensor) else x, requires_grad=True)


def _argnum(i: Any) -> int | None:
    """``i`` as an int if it is an integer of any type (numpy's too), else None. A bool is
    not an argument number, even though Python counts it as an int."""
    if isinstance(i, (bool, np.bool_)):
        return None
    try:
        return operator.index(i)
    except TypeError:
        return None


def _check_argnums(argnums: ArgNums, count: int, where: str) -> tuple[tuple[int, ...], bool]:
    """The positions ``argnums`` names (negative ones count from the end), and whether it is a
    single integer (then f's derivatives come back unwrapped, not as a tuple)."""
    single = _argnum(argnums) is not None
    try:
        numbers = [_argnum(i) for i in ((argnums,) if single else argnums)]
    except TypeError:  # neither an integer nor a sequence
        numbers = []
    if not numbers or None in numbers:
        raise TypeError(f"{where}: argnums must be an int or a non-empty tuple of ints, "
                        f"got {argnums!r}")
    for i in numbers:
        if not -count <= i < count:
            raise ValueError(f"{where}: argnums {i} is out of range for a call with "
                             f"{count} positional argument(s)")
    positions = tuple(i % count for i in numbers)
    repeated = sorted({p for p in positions if positions.count(p) > 1})
    if repeated:  # the second copy of an input would take its gradient away from the first
        raise ValueError(f"{where}: argnums must name each argument once, got {argnums!r}, "
                         f"which names argument {repeated[0]} more than once")
    return positions, single


class _Call:
    """One evaluation of ``f`` on fresh input nodes, with what is needed to read its result."""

    def __init__(self, f: Callable[..., Any], args: tuple[Any, ...], argnums: ArgNums,
                 where: str) -> None:
        self.where = where
        positions, self.single = _check_argnums(argnums, len(args), where)
        kinds = {_kind(args[i], where) for i in positions}
        if len(kinds) > 1:
            raise TypeError(f"{where}: the differentiated arguments mix floats and arrays; "
                            "Values and Tensors cannot meet in one graph")
        self.kind = kinds.pop()
        # Nested: given nodes, or called inside f of a transform of its kind, which f may close
        # over. Then the derivatives are computed with create_graph=True and returned as nodes,
        # so that they stay connected to the outer transform's variables.
        self.nested = (_inside_transform(self.kind)
                       or any(_is_node(args[i]) for i in positions))
        # A transform records its own graph even inside no_grad (as torch.func does): without
        # the graph there would be nothing to differentiate.
        with engine.enable_grad(), _running_transform(self.kind):
            self.inputs = [_fresh_input(args[i], self.kind) for i in positions]
            call_args = list(args)
            for i, node in zip(positions, self.inputs):
                call_args[i] = node
            self.output = f(*call_args)

    def pullback(self, output: Any, cotangent: Any, keep_graph: bool = False,
                 batch: tuple[int, ...] = ()) -> list[Any]:
        """d<output, cotangent>/d(input) for every input; zeros for inputs the output does not
        depend on. The results are nodes (with their graph) when nested, when ``keep_graph``,
        or when the cotangent is a node (the results depend on it).

        A Tensor cotangent may have ``batch`` axes in front of the output's shape: several
        cotangents pulled back in one pass, each result then has the same axes in front."""
        create_graph = self.nested or keep_graph or _is_node(cotangent)
        if isinstance(output, Node) and output._parents or output in self.inputs:
            seed = cotangent
            if create_graph and not _is_node(cotangent):
                seed = Value(cotangent) if isinstance(output, Value) else Tensor(cotangent)
            grads = engine.gradients(output, self.inputs, seed, create_graph=create_graph)
        else:  # a constant: nothing was recorded, so every derivative is zero
            grads = [None] * len(self.inputs)
        return [self._finish(g, x, create_graph, batch) for g, x in zip(grads, self.inputs)]

    def _finish(self, gradient: Any, x: Node, as_node: bool, batch: tuple[int, ...]) -> Any:
        """A gradient as the caller wants it: a node, or else a float or an array."""
        if gradient is None:  # not recorded: the output does not depend on x
            if self.kind == SCALAR:
                return Value(0.0) if as_node else 0.0
            zeros = np.zeros(batch + x.shape, dtype=x.data.dtype)
            return Tensor(zeros) if as_node else zeros
        if as_node:
            return gradient
        return float(gradient) if self.kind == SCALAR else np.array(gradient, dtype=x.data.dtype)

    def raw(self, output: Any) -> Any:
        """An output as the caller wants it: the node itself when nested, else its data."""
        if self.nested or not isinstance(output, Node):
            return output
        return output.data if isinstance(output, Value) else output.data.copy()

    def scalar_output(self, hint: str) -> Any:
        """The output, checked to be a single number."""
        out = self.output
        if isinstance(out, Value) or (isinstance(out, Real) and not isinstance(out, bool)):
            if isinstance(out, Real) and self.kind == ARRAY:
                return Tensor(np.asarray(float(out)))
            return out if isinstance(out, Value) else Value(float(out))
        if isinstance(out, Tensor):
            if out.size != 1:
                raise ValueError(f"{self.where}: f must return a scalar, got a tensor of shape "
                                 f"{out.shape}; {hint}")
            return out
        raise TypeError(f"{self.where}: f must return a scalar (a Value, a one-element Tensor "
                        f"or a number), got {type(out).__name__}; {hint}")

    def one_seed(self, output: Any) -> Any:
        return 1.0 if isinstance(output, Value) else np.ones(output.shape, output.dtype)

    def pick(self, per_input: list[Any]) -> Any:
        """One result per input, unwrapped when a single argnum (an int) was asked for."""
        return per_input[0] if self.single else tuple(per_input)


# ---- reverse mode --------------------------------------------------------------------------


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning (f(*args), df/d args[argnums]).

    ``f`` must return a scalar. With a tuple ``argnums`` the gradient is a tuple, one entry
    per argument.
    """
    return _value_and_grad(f, argnums, "value_and_grad")


def _value_and_grad(f: Callable[..., Any], argnums: ArgNums,
                    where: str) -> Callable[..., tuple[Any, Any]]:
    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        call = _Call(f, args, argnums, where)
        out = call.scalar_output("for a vector-valued f use jacobian(f)")
        grads = call.pullback(out, call.one_seed(out))
        return call.raw(out), call.pick(grads)
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """A function returning df/d args[argnums] (f scalar-valued): grad(f)(x) = f'(x).

    ``grad(grad(f))(x)`` is f''(x): each level differentiates the one inside it.
    """
    value_and_grad_f = _value_and_grad(f, argnums, "grad")

    def grad_f(*args: Any) -> Any:
        return value_and_grad_f(*args)[1]
    return grad_f


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """A function returning J[i][j] = d f_i / d x_j.

    Floats: a scalar f gives what ``grad`` gives; a sequence of m outputs gives a tuple of m
    rows, one reverse pass each. Arrays: a Tensor output of shape S and an input of shape X give
    an array of shape S + X; with a tuple of outputs or a tuple ``argnums``, tuples of those
    (outputs outside). All rows of an output come from one reverse pass, whose cotangent stacks
    the unit vectors of its elements (each pulled back by itself); only for a very large graph
    are the rows split into blocks, one pass each, to bound the memory a pass holds.
    """
    return _jacobian(f, argnums, "jacobian")


def _jacobian(f: Callable[..., Any], argnums: ArgNums, where: str) -> Callable[..., Any]:
    def jacobian_f(*args: Any) -> Any:
        call = _Call(f, args, argnums, where)
        outputs = call.output
        if isinstance(outputs, (list, tuple)):
            return tuple(_jacobian_rows(call, out) for out in outputs)
        return _jacobian_rows(call, outputs)
    return jacobian_f


def _jacobian_rows(call: _Call, out: Any) -> Any:
    if call.kind == SCALAR:
        if not isinstance(out, Value | Real) or isinstance(out, bool):
            raise TypeError(f"jacobian: with float inputs f must return Values or numbers, "
                            f"got {type(out).__name__}")
        node = out if isinstance(out, Value) else Value(float(out))
        return call.pick(call.pullback(node, 1.0))
    if not isinstance(out, Tensor):
        raise TypeError(f"jacobian: with array inputs f must return Tensors, got "
                        f"{type(out).__name__}")
    per_input: list[list[Any]] = [[] for _ in call.inputs]
    step = _rows_per_pass(out)
    for start in range(0, out.size, step):  # rows start, start + 1, ...: one pass
        rows = min(step, out.size - start)
        units = np.zeros((rows, out.size), dtype=out.dtype)  # row k: the k-th unit vector
        units[np.arange(rows), np.arange(start, start + rows)] = 1.0
        pulled = call.pullback(out, units.reshape((rows, *out.shape)), batch=(rows,))
        for blocks, block in zip(per_input, pulled):
            blocks.append(block)
    return call.pick([_join_rows(blocks, out.shape, x, call.nested)
                      for blocks, x in zip(per_input, call.inputs)])


# The numbers a batched pass may hold at once, about (rows) x (numbers in the graph): beyond
# that the rows are split into blocks, one pass each (2**24 numbers: 128 MB in float64).
_NUMBERS_PER_PASS = 2**24


def _rows_per_pass(out: Tensor) -> int:
    """How many rows of the Jacobian of ``out`` one batched pass computes: all of them unless
    that would hold more than ``_NUMBERS_PER_PASS`` numbers at once."""
    numbers, seen, todo = 0, {out}, [out]
    while todo:
        node = todo.pop()
        numbers += node.data.size
        for parent in node._parents:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return max(1, min(out.size, _NUMBERS_PER_PASS // max(numbers, 1)))


def _join_rows(blocks: list[Any], out_shape: tuple[int, ...], x: Node, nested: bool) -> Any:
    """The blocks of rows of one input's Jacobian as one array (a Tensor when nested) of
    shape out_shape + x.shape."""
    shape = out_shape + x.shape
    if not blocks:  # an empty output
        zeros = np.zeros(shape, dtype=x.data.dtype)
        return Tensor(zeros) if nested else zeros
    if len(blocks) == 1:
        return blocks[0].reshape(shape)
    joined = concatenate(blocks) if nested else np.concatenate(blocks)
    return joined.reshape(shape)


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """A function returning H[i][j] = d^2 f / dx_i dx_j (f scalar-valued): the Jacobian of the
    gradient, computed by differentiating the gradient's own graph. For arrays that is two
    reverse passes, whatever the size: one recording the gradient, one pulling back all unit
    vectors at once (a few for a very large graph; see ``jacobian``).

    A float input gives a float; several float arguments (tuple ``argnums``) a tuple of rows;
    an array of shape X gives an array of shape X + X.
    """
    def gradient(*args: Any) -> Any:
        call = _Call(f, args, argnums, "hessian")
        out = call.scalar_output("the Hessian of a vector-valued f is jacobian(jacobian(f))")
        return call.pick(call.pullback(out, call.one_seed(out)))
    return _jacobian(gradient, argnums, "hessian")


def hvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """(f(primals), H v): the Hessian of scalar-valued ``f`` at ``primals`` times ``tangents``
    without building H, by differentiating <grad f, v> once more (two reverse passes).

    ``primals`` and ``tangents`` are both a float/array, or equally long tuples of them. A
    tangent may be a node (a Value, or a Tensor that requires grad): H v is then a node too.
    """
    single = not isinstance(primals, tuple)
    if not single:
        _check_same_structure(primals, tangents)
    xs, vs = ((primals,), (tangents,)) if single else (primals, tangents)
    call = _Call(f, xs, tuple(range(len(xs))), "hvp")
    out = call.scalar_output("hvp needs a scalar-valued f")
    grads = call.pullback(out, call.one_seed(out), keep_graph=True)
    vs = tuple(_as_tangent(v, x, call.kind) for v, x in zip(vs, call.inputs))
    with engine.enable_grad():  # <grad f, v> is a graph too: the next pass differentiates it
        directional = None
        for g, v in zip(grads, vs):
            term = g * v if call.kind == SCALAR else (g * v).sum()
            directional = term if directional is None else directional + term
    products = call.pullback(directional, call.one_seed(directional),
                             keep_graph=any(_is_node(v) for v in vs))
    return call.raw(out), products[0] if single else tuple(products)


def _check_same_structure(primals: tuple[Any, ...], tangents: Any) -> None:
    if not isinstance(tangents, tuple):
        raise TypeError(f"hvp: primals and tangents must have the same structure: primals is a "
                        f"tuple of {len(primals)}, so tangents must be a tuple of {len(primals)} "
                        f"tangent(s) too, got {type(tangents).__name__}")
    if len(tangents) != len(primals):
        raise ValueError(f"hvp: primals and tangents must have the same structure, got a tuple "
                         f"of {len(primals)} primal(s) and a tuple of {len(tangents)} "
                         f"tangent(s)")


def _as_tangent(v: Any, x: Node, kind: str) -> Any:
    """A tangent as a number or as an array shaped like its primal ``x``; a node stays a node,
    so that H v depends on it."""
    if kind == SCALAR:
        if isinstance(v, Value):
            return v
        if isinstance(v, Real) and not isinstance(v, bool):
            return float(v)
        raise TypeError(f"hvp: tangents for float primals must be numbers or Values, got "
                        f"{type(v).__name__}")
    if _is_node(v):
        tangent = v
    else:
        tangent = np.asarray(v.data if isinstance(v, Tensor) else v, dtype=x.data.dtype)
    if tangent.shape != x.shape:
        raise ValueError(f"hvp: a tangent of shape {tangent.shape} for a primal of shape "
                         f"{x.shape}")
    return tangent


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., tuple[Any, ...]]]:
    """(f(*primals), pullback), where pullback(u) = u^T J: the cotangent ``u`` (shaped like f's
    output, or a tuple for a tuple of outputs) pulled back to one gradient per primal.

    The graph is kept, so the pullback can be called many times (one reverse pass each).
    """
    if not primals:
        raise ValueError("vjp: f needs at least one primal input")
    call = _Call(f, primals, tuple(range(len(primals))), "vjp")
    outputs = call.output
    several = isinstance(outputs, (list, tuple))
    outs = list(outputs) if several else [outputs]

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        cotangents = list(cotangent) if several else [cotangent]
        if len(cotangents) != len(outs):
            raise ValueError(f"vjp: f returned {len(outs)} outputs but the cotangent has "
                             f"{len(cotangents)} parts")
        total: list[Any] | None = None
        for out, u in zip(outs, cotangents):
            grads = call.pullback(*_seeded(out, u, call))
            total = grads if total is None else [a + b for a, b in zip(total, grads)]
        return tuple(total or ())

    values = [call.raw(out) for out in outs]
    return (tuple(values) if several else values[0]), pullback


def _seeded(out: Any, u: Any, call: _Call) -> tuple[Any, Any]:
    """An output as a node and its cotangent as a raw number or array of the output's shape,
    or as a node (then the gradients are nodes that depend on it)."""
    if call.kind == SCALAR:
        node = out if isinstance(out, Value) else Value(float(out))
        if isinstance(u, Value):
            return node, u
        if not isinstance(u, Real) or isinstance(u, bool):
            raise TypeError(f"vjp: the cotangent of a scalar output must be a number or a "
                            f"Value, got {type(u).__name__}")
        return node, float(u)
    node = out if isinstance(out, Tensor) else Tensor(np.asarray(out, dtype=float))
    if _is_node(u):
        seed = u
    else:
        seed = np.asarray(u.data if isinstance(u, Tensor) else u, dtype=node.dtype)
    if seed.shape != node.shape:
        raise ValueError(f"vjp: the cotangent has shape {seed.shape} but f's output has shape "
                         f"{node.shape}")
    return node, seed


# ---- forward mode ----------------------------------------------------------------------------


def jvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """(f(primals), J(primals) @ tangents) from ONE forward pass that carries tangents along.

    Floats: f receives dual numbers (see ``forward.Dual``); ``primals`` and ``tangents`` are
    numbers or equally long sequences of numbers. Arrays: f receives Tensors that carry a
    tangent beside their data; ``primals`` and ``tangents`` are arrays of equal shapes, or
    equally long tuples of them, and f returns a Tensor or a tuple of Tensors. No graph is
    recorded and no reverse pass runs, so jvp cannot be nested inside a reverse transform:
    there it raises ``NotImplementedError`` if f depends on that transform's variables.
    """
    several = isinstance(primals, tuple)
    first = primals[0] if several and primals else primals
    if not isinstance(first, (np.ndarray, Tensor)):
        return forward.jvp(f, primals, tangents)
    xs, vs = (primals, tangents) if several else ((primals,), (tangents,))
    if not isinstance(vs, tuple) or len(vs) != len(xs):
        raise ValueError("jvp: primals and tangents must have the same structure (an array "
                         "each, or equally long tuples of arrays)")
    for x in xs:
        if not isinstance(x, (np.ndarray, Tensor)):
            raise TypeError(f"jvp: mixes arrays with {type(x).__name__}; give arrays only, or "
                            "numbers only")
    # Tangents are plain arrays, so an enclosing reverse transform could not differentiate
    # them: where f may depend on its variables, record (forward mode needs no graph
    # otherwise) and raise if f does, rather than return a derivative cut from them.
    inside = _inside_transform(ARRAY)
    if inside and any(_is_node(x) for x in (*xs, *vs)):
        raise _reverse_over_forward("its primals or tangents")
    with engine.enable_grad() if inside else engine.no_grad():
        duals = [Tensor._dual(x.data if isinstance(x, Tensor) else x, v) for x, v in zip(xs, vs)]
        outputs = f(*duals)
    tuple_output = isinstance(outputs, (list, tuple))
    if inside and any(_is_node(out) for out in (outputs if tuple_output else (outputs,))):
        raise _reverse_over_forward("a variable f closes over")
    if tuple_output:
        pairs = [_value_and_tangent(out) for out in outputs]
        return tuple(p for p, _ in pairs), tuple(t for _, t in pairs)
    return _value_and_tangent(outputs)


def _reverse_over_forward(through: str) -> NotImplementedError:
    return NotImplementedError(
        f"jvp: called inside another transform (grad, jacobian, hessian, hvp, vjp), f depends "
        f"on recorded nodes through {through}; its tangents are plain arrays, so the outer "
        f"derivative would miss that dependence: use vjp or jacobian for the inner derivative")


def _value_and_tangent(out: Any) -> tuple[np.ndarray, np.ndarray]:
    """A Tensor output's data and tangent (zeros where nothing it depends on had one)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"jvp: with array inputs f must return Tensors, got "
                        f"{type(out).__name__}")
    tangent = np.zeros_like(out.data) if out.tangent is None else out.tangent
    return out.data, tangent
