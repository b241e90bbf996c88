"""The engine: graph nodes, the grad-mode switch, and reverse-mode ``backward``.

Every operation returns a node that remembers its parents. ``backward`` puts the
graph in topological order (iteratively, so deep graphs cannot hit Python's
recursion limit) and walks it from the output to the leaves, applying the
generalised chain rule

    dL/dparent = sum over children of  (dL/dchild) * (dchild/dparent).

During the pass every node collects the gradients it receives in ``_pending``; an interior
node's gradient is complete when its turn comes. Afterwards a leaf's ``grad`` has been
*accumulated into* with the pass's total (as in PyTorch, so call ``zero_grad`` between
steps), while an interior node's ``grad`` is *overwritten* with its gradient
from this pass, which keeps it visible for inspection and drawing without
letting stale values from an earlier pass leak into the next one. Because the sums live on
the nodes, two threads must not backpropagate at once through shared nodes (parameters
included); separate graphs in separate threads are fine.

``Value`` writes the loop out for floats (``Value._propagate``): the local derivatives were
computed in the forward pass, so a scalar backward pass is one multiplication per edge.

``Value`` (scalars) and ``Tensor`` (arrays) are both ``Node`` subclasses; each
supplies ``_parent_grads``, the vector-Jacobian product of its own operation.

Higher derivatives come from the same loop: with ``create_graph=True`` the gradients
are nodes rather than raw numbers, each op computes its vector-Jacobian product with
recorded ops, and the gradient therefore has a graph of its own to differentiate.
``gradients`` is the same pass returning d(root)/d(inputs) without touching ``.grad``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

# The two explicit mode switches: the only global state of the engine. Each thread (and each
# asyncio task) has its own value, so that evaluating under no_grad in one thread never stops
# another from recording its graph; a new thread starts with grad on and anomaly detection off.
_grad_mode: ContextVar[bool] = ContextVar("grad_enabled", default=True)
_anomaly_mode: ContextVar[bool] = ContextVar("detect_anomaly", default=False)

Function = TypeVar("Function", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether new operations are being recorded for ``backward`` (in this thread)."""
    return _grad_mode.get()


def set_grad_enabled(enabled: bool) -> None:
    """Turn graph recording on or off for this thread (prefer the ``no_grad`` context)."""
    _grad_mode.set(bool(enabled))


def is_anomaly_enabled() -> bool:
    """Whether tensor ops raise at the first NaN or inf they produce from finite inputs."""
    return _anomaly_mode.get()


def set_detect_anomaly(enabled: bool) -> None:
    """Turn anomaly detection on or off for this thread (prefer the ``detect_anomaly`` context)."""
    _anomaly_mode.set(bool(enabled))


class _ModeContext:
    """Sets a mode on entry and restores the previous one on exit, in the entering thread only.

    One object may be entered again and again, nested, or from several threads at once (as a
    decorator it is shared by every call), so what it restores is kept per thread, on a stack.
    """

    __slots__ = ("_mode", "_value", "_saved")

    def __init__(self, mode: ContextVar[bool], value: bool) -> None:
        self._mode = mode
        self._value = value
        self._saved = threading.local()

    def __enter__(self) -> None:
        tokens = self._saved.__dict__.setdefault("tokens", [])
        tokens.append(self._mode.set(self._value))

    def __exit__(self, *exc_info: object) -> None:
        self._mode.reset(self._saved.tokens.pop())

    def __call__(self, function: Function) -> Function:
        """Use as a decorator: ``function`` runs in this mode."""
        @functools.wraps(function)
        def in_mode(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)
        return in_mode  # type: ignore[return-value]


def no_grad() -> _ModeContext:
    """Context (or decorator) in which operations compute values but record no graph."""
    return _ModeContext(_grad_mode, False)


def enable_grad() -> _ModeContext:
    """Context (or decorator) in which operations record the graph, even inside ``no_grad``."""
    return _ModeContext(_grad_mode, True)


def detect_anomaly() -> _ModeContext:
    """Context (or decorator) in which a tensor op (forward or backward) that turns finite
    numbers into NaN or inf raises ``FloatingPointError`` naming the op, instead of
    propagating them."""
    return _ModeContext(_anomaly_mode, True)


class Node:
    """A vertex of the computation graph: its value, its gradient and its parents.

    Nodes hash and compare by identity (the graph walk keys sets and dicts on them), so
    subclasses must not define ``__eq__``. Every constructor sets all five fields.
    """

    # _pending: during a backward pass, the sum of the gradients the node has received so far,
    # or the pass's ``empty`` marker while it has received none (see _graph)
    __slots__ = ("data", "grad", "_parents", "_op", "_pending")

    data: Any
    grad: Any
    _parents: tuple[Node, ...]
    _op: str
    _pending: Any

    def _parent_grads(self, upstream: Any) -> Sequence[Any]:
        """Vector-Jacobian product: given dL/dself, return dL/dparent for each parent."""
        raise NotImplementedError

    def _accumulate(self, gradient: Any) -> None:
        """Add ``gradient`` into a leaf's ``grad`` (leaves accumulate across passes).
        ``gradient`` belongs to nobody else: the leaf may keep it."""
        self.grad = gradient if self.grad is None else self.grad + gradient

    @staticmethod
    def _propagate(order: list[Node], empty: object, keep_grads: bool) -> None:
        """The chain rule over ``order`` (root first). A node's gradient is complete when its
        turn comes (``keep_grads``: it becomes its ``grad``); each parent then receives
        upstream times its local derivative, added into the parent's ``_pending``.
        Subclasses may write the same loop out for their raw numbers."""
        for node in order:
            upstream = node._pending
            if keep_grads:
                node.grad = upstream
            for parent, contribution in zip(node._parents, node._parent_grads(upstream)):
                pending = parent._pending
                parent._pending = contribution if pending is empty else pending + contribution


def _graph(root: Node, empty: object) -> tuple[list[Node], list[Node]]:
    """(interior, leaves) of what ``root`` depends on: the nodes with parents (root included
    when it has parents), each before all of its parents, the order a backward pass visits
    them (an iterative DFS); and the leaves, each once.

    A node seen in this walk has ``_pending`` set to ``empty``, a marker made fresh for each
    pass, so no mark from an earlier pass counts and no set of visited nodes is needed. A
    node's first visit pushes it back, then ``None`` (the sign that everything above it is
    done), then its unseen parents; popping that ``None`` places the node under it. The stack
    holds only the nodes themselves and ``None``: a million-node chain allocates no container
    per node for the garbage collector to scan.
    """
    order: list[Node] = []
    leaves: list[Node] = []
    stack: list[Node | None] = [root] if root._parents else []
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:  # every parent of the node below is placed
            order.append(pop())  # type: ignore[arg-type]
        elif node._pending is not empty:  # else pushed twice, and seen already
            node._pending = empty
            push(node)
            push(None)
            for parent in node._parents:
                if parent._pending is not empty:
                    if parent._parents:
                        push(parent)
                    else:
                        parent._pending = empty
                        leaves.append(parent)
    order.reverse()
    return order, leaves


def topological_order(root: Node) -> list[Node]:
    """Every node ``root`` depends on, each after all of its parents (iterative DFS), each
    leaf where the walk first meets it: the order drawings and explanations list nodes in.

    Iterative, so deep graphs cannot hit Python's recursion limit. The stack holds the nodes
    themselves (a node's first visit pushes its parents, its second places it), so a
    million-node chain allocates no container per node for the garbage collector to scan.
    """
    order: list[Node] = []
    placed: dict[Node, bool] = {}  # False while its parents are being placed, then True
    stack = [root]
    while stack:
        node = stack[-1]
        done = placed.get(node)
        if done is None:  # first visit: its parents go first
            placed[node] = False
            for parent in node._parents:
                if parent not in placed:
                    if parent._parents:
                        stack.append(parent)
                    else:  # a leaf needs nothing before it
                        placed[parent] = True
                        order.append(parent)
        else:  # every parent is placed (or this is a copy pushed twice, already placed)
            stack.pop()
            if not done:
                placed[node] = True
                order.append(node)
    return order


class _BackwardPass:
    """The conditions a pass runs in (a plain class: cheaper to enter than a generator).

    With ``create_graph`` the gradients are computed by recorded ops, so grad mode is on (in
    this thread) and the graph of the gradient exists and can itself be differentiated.
    """

    __slots__ = ("create_graph", "token")

    def __init__(self, create_graph: bool) -> None:
        self.create_graph = create_graph

    def __enter__(self) -> None:
        self.token = _grad_mode.set(True) if self.create_graph else None

    def __exit__(self, *exc_info: object) -> None:
        if self.token is not None:
            _grad_mode.reset(self.token)


def backward(root: Node, gradient: Any, create_graph: bool = False) -> None:
    """Propagate ``gradient`` (dL/droot) from ``root`` to every node it depends on: interior
    nodes keep this pass's gradient in ``grad`` (overwriting an earlier pass's), leaves add it
    to theirs (leaves accumulate across passes, as in PyTorch).

    On the fast path (``create_graph=False``) ``gradient`` is a raw number or array and every
    gradient is one too. With ``create_graph=True`` it is a node, and so is every gradient.
    """
    with _BackwardPass(create_graph):  # (the sums below are recorded too, with create_graph)
        _, leaves = _pass(root, gradient, True, create_graph)
        for leaf in leaves:  # this pass's total, added once (as PyTorch does)
            leaf._accumulate(leaf._pending)
            leaf._pending = None


def gradients(root: Node, inputs: Sequence[Node], gradient: Any,
              create_graph: bool = False) -> list[Any]:
    """d(root)/d(input) contracted with ``gradient``, for each input (``None`` where root does
    not depend on it), leaving every node's ``.grad`` untouched (PyTorch's autograd.grad)."""
    with _BackwardPass(create_graph):
        interior, leaves = _pass(root, gradient, False, create_graph)
    wanted = set(inputs)
    found: dict[Node, Any] = {}
    for node in (*interior, *leaves):  # the inputs' sums are kept, the others dropped
        if node in wanted:
            found[node] = node._pending
        node._pending = None
    return [found.get(node) for node in inputs]


def _pass(root: Node, gradient: Any, keep_grads: bool,
          create_graph: bool) -> tuple[list[Node], list[Node]]:
    """Sort, seed the root, propagate. Returns (interior, leaves) as ``_graph`` does, each
    node's gradient left in its ``_pending`` (for the caller to take and clear); ``root``
    counts as the only leaf when it has no parents."""
    empty = object()  # this pass's marker: see _graph
    interior, leaves = _graph(root, empty)
    root._pending = gradient
    if not interior:
        return interior, [root]
    # a graph of Values or of Tensors (they never mix), with raw numbers or, to build the
    # gradient's graph, nodes: the node type's own loop for raw numbers, else the generic one
    propagate = Node._propagate if create_graph else type(root)._propagate
    propagate(interior, empty, keep_grads)
    return interior, leaves
