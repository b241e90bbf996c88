"""Backpropagation made visible: the backward pass one node at a time, and the chain rule
written out path by path.

``backward_steps`` replays ``engine.backward`` as a generator. It keeps the gradients in a
dictionary of its own, so the nodes' ``.grad`` fields stay as they were, and after each node it
reports what that node received and what it sent on to each parent.

``explain`` writes dL/dx for a scalar graph the way it is derived by hand: the sum, over every
path from L down to x, of the product of the local derivatives along the path. Backward computes
the same sum, but shares the common parts of the paths (the generalised chain rule, node by
node), which is why it stays linear in the size of the graph while the number of paths can grow
exponentially with its depth.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from .engine import Node, topological_order
from .tensor import Tensor
from .value import Value

DEFAULT_MAX_PATHS = 64
VJP = "vjp"  # the local derivative of a Tensor op: its Jacobian is never built, only applied
ROOT_FALLBACK = "f"  # names for an unlabeled root / wrt, as in df/dx
WRT_FALLBACK = "x"


# ------------------------------------------------------------------------------------------
# backward_steps: the backward pass, one node per step
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node's turn in the backward pass (nodes come root first, in reverse topological order).

    ``gradient`` is dL/d``node``, complete by now because every node that uses ``node`` has
    already had its turn. ``local_grads[i]`` is d(node)/d(parent i) (for a Tensor op the
    string ``"vjp"``), and ``contributions[i]`` is what the node sent to parent i:
    ``gradient * local_grads[i]`` for a Value, the op's vector-Jacobian product for a Tensor.
    ``gradients`` is a read-only snapshot after this step: final gradients of the nodes done so
    far, partial sums for the nodes still waiting.
    """

    index: int
    root: Node
    node: Node
    gradient: Any
    local_grads: tuple[Any, ...]
    contributions: tuple[Any, ...]
    gradients: Mapping[Node, Any]

    @property
    def parents(self) -> tuple[Node, ...]:
        """The nodes this step sends gradient to (empty for a leaf)."""
        return self.node._parents

    def draw(self, **kwargs: Any) -> Any:
        """The graph with this step's node highlighted and the gradients known so far."""
        # Imported here so that explaining never needs graphviz, and to keep imports one-way.
        from .drawing import draw_graph

        return draw_graph(self.root, highlight=[self.node], grads=dict(self.gradients), **kwargs)


def backward_steps(root: Node, grad: Any = 1.0) -> Iterator[BackwardStep]:
    """Run the backward pass from ``root`` lazily, yielding a ``BackwardStep`` per node.

    ``grad`` is dL/droot: a number for a Value; for a Tensor an array of the root's shape (the
    default 1.0 is accepted for a one-element tensor). The nodes' ``.grad`` are not touched;
    the last step's ``gradients`` equal what ``backward`` would leave in them. Every step takes
    a snapshot of the gradients, so a pass costs time quadratic in the graph size: meant for
    the small graphs one studies.
    """
    seed = _seed(root, grad)  # checked now: a generator body would only fail at the first next()
    return _snapshots(root, seed)


def _snapshots(root: Node, seed: Any) -> Iterator[BackwardStep]:
    gradients: dict[Node, Any] = {}
    for index, (node, upstream, contributions) in enumerate(_replay(root, seed, gradients)):
        yield BackwardStep(index, root, node, upstream, _local_grads(node), contributions,
                           MappingProxyType(dict(gradients)))


def _replay(root: Node, seed: Any, gradients: dict[Node, Any]) -> Iterator[tuple[Node, Any, tuple]]:
    """``engine.backward``'s loop on ``gradients`` instead of the nodes: yields (node, dL/dnode,
    contributions sent to its parents) after updating the parents' partial sums."""
    gradients[root] = seed
    for node in reversed(topological_order(root)):
        upstream = gradients[node]  # complete: every consumer of node came earlier
        contributions = tuple(node._parent_grads(upstream)) if node._parents else ()
        for parent, contribution in zip(node._parents, contributions):
            earlier = gradients.get(parent)
            # Same expression and order as the engine, so the results agree to the last bit.
            gradients[parent] = contribution if earlier is None else earlier + contribution
        yield node, upstream, contributions


def _final_gradients(root: Node, seed: Any) -> dict[Node, Any]:
    """All of a pass's gradients, without the per-step snapshots."""
    gradients: dict[Node, Any] = {}
    deque(_replay(root, seed, gradients), maxlen=0)  # run the generator to its end
    return gradients


def _local_grads(node: Node) -> tuple[Any, ...]:
    if isinstance(node, Value):
        return tuple(node._local_grads)
    return (VJP,) * len(node._parents)


def _seed(root: Node, grad: Any) -> Any:
    """dL/droot checked against the root's kind, shape and dtype."""
    if isinstance(root, Value):
        if isinstance(grad, bool) or not isinstance(grad, Real):
            raise TypeError(f"backward_steps: grad for a Value root must be a real number, "
                            f"got {type(grad).__name__}")
        return float(grad)
    if isinstance(root, Tensor):
        return _tensor_seed(root, grad)
    raise TypeError(f"backward_steps: root must be a Value or a Tensor, got {type(root).__name__}")


def _tensor_seed(root: Tensor, grad: Any) -> np.ndarray:
    data = grad.data if isinstance(grad, Tensor) else grad
    try:
        seed = np.asarray(data, dtype=root.data.dtype)
    except (TypeError, ValueError):
        raise TypeError(f"backward_steps: grad must be real numbers, got {type(grad).__name__}"
                        ) from None
    if seed.shape == root.shape:
        return seed
    if seed.size == 1 and root.data.size == 1:  # a plain 1.0 for a one-element loss
        return seed.reshape(root.shape)
    raise ValueError(f"backward_steps: grad has shape {seed.shape} but the root has shape "
                     f"{root.shape}; pass grad= of the root's shape")


# ------------------------------------------------------------------------------------------
# explain: dL/dx as a sum over paths of products of local derivatives
# ------------------------------------------------------------------------------------------


class Factor(NamedTuple):
    """One factor of a path's product: its symbol (``dh/dz``) and its value."""

    name: str
    value: float


Path = tuple[tuple[Factor, ...], float]
Edge = tuple[Value, int]  # (node, index of the parent the edge leads to)


@dataclass(frozen=True, eq=False)
class Explanation:
    """dL/dx written out; ``str()`` gives the derivation in the course's notation.

    ``symbol`` is the derivative's name (``dL/dw1``). ``paths`` holds (factors, product) for
    each path from ``root`` to ``wrt``, empty when there are more than ``max_paths`` of them
    (then ``path_count`` says how many there are).
    ``total`` is the sum over paths; ``backward_grad`` is what a backward pass gives;
    ``matches`` says whether the two agree (up to rounding).
    """

    root: Value
    wrt: Value
    symbol: str
    paths: list[Path]
    path_count: int
    total: float
    backward_grad: float
    matches: bool
    text: str

    @property
    def capped(self) -> bool:
        """Whether there were too many paths to list them one by one."""
        return len(self.paths) < self.path_count

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return (f"Explanation({self.symbol} = {self.total!r}, paths={self.path_count}, "
                f"matches={self.matches})")


def explain(root: Value, wrt: Value, *, name: str | None = None,
            max_paths: int = DEFAULT_MAX_PATHS,
            fold_unlabeled: bool | None = None) -> Explanation:
    """Explain d(root)/d(wrt) as the sum over paths of products of local derivatives.

    Nodes are named by their labels; ``name`` renames ``wrt``. With ``fold_unlabeled`` the
    factors run from one labeled node to the next (as in dL/dyhat * dyhat/dh), unlabeled
    intermediate nodes being folded into them; without it every node is a factor boundary and
    the unlabeled ones get names v0, v1, ... listed under "where". By default nodes are folded
    exactly when some node between root and wrt has a label. Beyond ``max_paths`` paths only
    the chain rule per node is shown. The users' ``.grad`` values are not changed.
    """
    _check_scalar(root, "root")
    _check_scalar(wrt, "wrt")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int):
        raise TypeError(f"explain: max_paths must be an int, got {type(max_paths).__name__}")
    if max_paths < 0:
        raise ValueError(f"explain: max_paths must be >= 0, got {max_paths}")

    order = topological_order(root)
    counts = _count_paths(order, wrt)
    backward_grad = _final_gradients(root, 1.0).get(wrt, 0.0)
    if counts.get(wrt, 0) == 0:  # not in the graph
        return _absent(root, wrt, name, backward_grad)

    on_path = [node for node in order if counts[node]]  # the nodes some path runs through
    capped = counts[root] > max_paths
    # The per-node chain rule needs every node named; folding applies to listed paths only.
    fold = not capped and (fold_unlabeled if fold_unlabeled is not None else any(
        node.label for node in on_path if node is not root and node is not wrt))
    shown = [node for node in on_path if not fold or node is root or node is wrt or node.label]
    names = _names(shown, root, wrt, name)
    heading = f"d{names[root]}/d{names[wrt]}"

    paths: list[Path] = []
    if capped:
        total, lines = _chain_rule(on_path, counts, names, root, wrt)
        lines.insert(0, f"{heading}: {counts[root]} paths lead from {names[root]} to "
                        f"{names[wrt]} (more than max_paths={max_paths}), too many to list. Their "
                        "sum is the chain rule applied once per node, from the root down:")
        terms = [total]
    else:
        paths = [_factors(edges, names) for edges in _enumerate_paths(root, wrt, counts)]
        terms = [product for _, product in paths]
        total = _left_sum(terms)
        lines = _render_paths(heading, names, root, wrt, paths, total)
    matches = _agree(total, backward_grad, terms)
    lines[-1] += f"  (backward: {_num(backward_grad)} {'✓' if matches else '✗'})"
    lines += _legend(shown, names)
    return Explanation(root, wrt, heading, paths, counts[root], total, backward_grad, matches,
                       "\n".join(lines))


def _check_scalar(node: object, role: str) -> None:
    if isinstance(node, Value):
        return
    if isinstance(node, Node):
        raise TypeError(f"explain: {role} is a {type(node).__name__}; the path-by-path chain rule "
                        "is written for scalar Value graphs. For a Tensor graph, follow the "
                        "backward pass node by node with backward_steps(root)")
    raise TypeError(f"explain: {role} must be a Value, got {type(node).__name__}")


def _count_paths(order: Sequence[Node], wrt: Node) -> dict[Node, int]:
    """How many paths lead from each node down to ``wrt`` (dynamic programming: parents come
    first in ``order``). A parent used twice, as in x*x, opens two paths."""
    counts: dict[Node, int] = {}
    for node in order:
        counts[node] = 1 if node is wrt else sum(counts[parent] for parent in node._parents)
    return counts


def _enumerate_paths(root: Value, wrt: Value, counts: Mapping[Node, int]) -> list[list[Edge]]:
    """Every path from ``root`` to ``wrt`` as its list of edges, first parent's paths first.

    Depth-first with an explicit stack (graphs can be deeper than Python's recursion limit);
    each partial path is a linked list (edge, rest) so that extending it costs O(1).
    """
    found: list[list[Edge]] = []
    stack: list[tuple[Value, Any]] = [(root, None)]
    while stack:
        node, trail = stack.pop()
        if node is wrt:
            found.append(_unwind(trail))
            continue
        for i in reversed(range(len(node._parents))):  # reversed: the stack pops the first first
            if counts[node._parents[i]]:
                stack.append((node._parents[i], ((node, i), trail)))
    return found


def _unwind(trail: Any) -> list[Edge]:
    edges: list[Edge] = []
    while trail is not None:
        edge, trail = trail
        edges.append(edge)
    edges.reverse()
    return edges


def _factors(edges: list[Edge], names: Mapping[Node, str]) -> Path:
    """Group a path's local derivatives into factors between named nodes; also its product."""
    factors: list[Factor] = []
    product = 1.0
    segment = 1.0
    start = edges[0][0] if edges else None
    for node, i in edges:
        local = node._local_grads[i]
        product *= local  # the order backward multiplies in: root first
        segment *= local
        parent = node._parents[i]
        if parent in names:
            factors.append(Factor(f"d{names[start]}/d{names[parent]}", segment))
            start, segment = parent, 1.0
    return tuple(factors), product


def _chain_rule(on_path: Sequence[Value], counts: Mapping[Node, int], names: Mapping[Node, str],
                root: Value, wrt: Value) -> tuple[float, list[str]]:
    """dL/dn = sum over the uses of n of dL/d(user) * d(user)/dn, for each node n from the
    root down; returns dL/dwrt and one line per node."""
    users: dict[Node, list[Edge]] = {node: [] for node in on_path}
    for node in on_path:
        for i, parent in enumerate(node._parents):
            if counts[parent]:
                users[parent].append((node, i))
    grads: dict[Node, float] = {root: 1.0}
    lines = []
    for node in reversed(on_path):
        if node is root:
            continue
        symbols, numbers, total = [], [], 0.0
        for user, i in users[node]:
            local = user._local_grads[i]
            total += grads[user] * local
            if user is root:  # dL/dL = 1 goes without saying
                symbols.append(f"d{names[root]}/d{names[node]}")
                numbers.append(_paren(local))
            else:
                symbols.append(f"d{names[root]}/d{names[user]} * d{names[user]}/d{names[node]}")
                numbers.append(f"{_paren(grads[user])} * {_paren(local)}")
        grads[node] = total
        lines.append(f"  d{names[root]}/d{names[node]} = {' + '.join(symbols)}"
                     f" = {' + '.join(numbers)} = {_num(total)}")
    return grads[wrt], lines


def _render_paths(heading: str, names: Mapping[Node, str], root: Value, wrt: Value,
                  paths: list[Path], total: float) -> list[str]:
    if root is wrt:
        return [f"{heading} = 1  ({names[root]} itself: the empty path, a product of no factors)"]
    if len(paths) == 1:
        factors, product = paths[0]
        pad = " " * len(heading)
        return [f"{heading} = {_symbols(factors)}",
                f"{pad} = {_values(factors)}",
                f"{pad} = {_num(product)}"]
    lines = [f"{heading} = sum over the {len(paths)} paths from {names[root]} to {names[wrt]} "
             "of the product of the local derivatives along each:"]
    for k, (factors, product) in enumerate(paths, 1):
        worked = f" = {_values(factors)}" if len(factors) > 1 else ""
        lines.append(f"  path {k}: {_symbols(factors)}{worked} = {_num(product)}")
    lines.append(f"{heading} = {' + '.join(_paren(p) for _, p in paths)}")
    lines.append(f"{' ' * len(heading)} = {_num(total)}")
    return lines


def _absent(root: Value, wrt: Value, name: str | None, backward_grad: float) -> Explanation:
    root_name = root.label or ROOT_FALLBACK
    wrt_name = name or wrt.label or WRT_FALLBACK
    matches = backward_grad == 0.0
    symbol = f"d{root_name}/d{wrt_name}"
    text = (f"{symbol} = 0: {wrt_name} is not in the graph of {root_name}, so "
            f"no path leads to it and {root_name} does not depend on it"
            f"  (backward: {_num(backward_grad)} {'✓' if matches else '✗'})")
    return Explanation(root, wrt, symbol, [], 0, 0.0, backward_grad, matches, text)


def _names(shown: Sequence[Value], root: Value, wrt: Value, name: str | None) -> dict[Node, str]:
    """Symbols for the nodes that appear: labels, else f (root), x (wrt) or v0, v1, ..."""
    taken = {node.label for node in shown if node.label}
    names: dict[Node, str] = {}
    counter = 0
    for node in shown:  # topological order, so v0, v1, ... read like a program
        if node is wrt and name:
            names[node] = name
        elif node.label:
            names[node] = node.label
        elif node is root and ROOT_FALLBACK not in taken:
            names[node] = ROOT_FALLBACK
        elif node is wrt and WRT_FALLBACK not in taken:
            names[node] = WRT_FALLBACK
        else:
            while f"v{counter}" in taken:
                counter += 1
            names[node] = f"v{counter}"
            counter += 1
        taken.add(names[node])
    return names


def _legend(shown: Sequence[Value], names: Mapping[Node, str]) -> list[str]:
    """What each generated name stands for, e.g. ``v0 = w1 * x = 3``."""
    lines = []
    for node in shown:
        if node.label:
            continue
        lines.append(f"  {names[node]} = {_describe(node, names)}")
    return ["where", *lines] if lines else []


_INFIX = {"+", "*", "/", "**"}


def _describe(node: Value, names: Mapping[Node, str]) -> str:
    value = _num(node.data)
    if not node._parents:
        return f"{value} (a leaf)"
    args = [names.get(p) or p.label or _paren(p.data) for p in node._parents]
    if node._op in _INFIX and len(args) == 2:
        formula = f"{args[0]} {node._op} {args[1]}"
    elif node._op.startswith("**"):  # a number exponent, kept in the op's name
        formula = f"{args[0]}{node._op}"
    else:
        formula = f"{node._op}({', '.join(args)})"
    return f"{formula} = {value}"


def _agree(total: float, backward_grad: float, terms: Sequence[float]) -> bool:
    """Equal up to rounding: the sums run in different orders, so allow a few ulps of the
    largest term (NaN agrees with NaN: both sides then hit the same undefined derivative)."""
    if math.isnan(total) or math.isnan(backward_grad):
        return math.isnan(total) and math.isnan(backward_grad)
    scale = max((abs(t) for t in terms if math.isfinite(t)), default=0.0)
    return math.isclose(total, backward_grad, rel_tol=1e-9, abs_tol=1e-12 * max(scale, 1.0))


def _left_sum(terms: Sequence[float]) -> float:
    """Sum from left to right, the order the terms are written out in."""
    total = 0.0
    for term in terms:
        total += term
    return total


def _num(x: float) -> str:
    return f"{x:.6g}"


def _paren(x: float) -> str:
    """A number as a factor: negatives in parentheses, as in 2 * (-3)."""
    text = _num(x)
    return f"({text})" if text.startswith("-") else text


def _symbols(factors: Sequence[Factor]) -> str:
    return " * ".join(f.name for f in factors)


def _values(factors: Sequence[Factor]) -> str:
    return " * ".join(_paren(f.value) for f in factors)
