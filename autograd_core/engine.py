"""The engine: graph nodes, the grad-mode switch, and reverse-mode ``backward``.

Every operation returns a node that remembers its parents. ``backward`` puts the
graph in topological order (iteratively, so deep graphs cannot hit Python's
recursion limit) and walks it from the output to the leaves, applying the
generalised chain rule

    dL/dparent = sum over children of  (dL/dchild) * (dchild/dparent).

Gradients travel in a dictionary during the pass. Afterwards a leaf's ``grad``
has been *accumulated into* (as in PyTorch, so call ``zero_grad`` between
steps), while an interior node's ``grad`` is *overwritten* with its gradient
from this pass, which keeps it visible for inspection and drawing without
letting stale values from an earlier pass leak into the next one.

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
    subclasses must not define ``__eq__``.
    """

    __slots__ = ("data", "grad", "_parents", "_op")

    data: Any
    grad: Any
    _parents: tuple[Node, ...]
    _op: str

    def _parent_grads(self, upstream: Any) -> Sequence[Any]:
        """Vector-Jacobian product: given dL/dself, return dL/dparent for each parent."""
        raise NotImplementedError

    def _accumulate(self, gradient: Any, shared: bool) -> None:
        """Add ``gradient`` into a leaf's ``grad`` (leaves accumulate across passes).

        ``shared`` says whether other code may hold the same gradient object.
        """
        self.grad = gradient if self.grad is None else self.grad + gradient


def topological_order(root: Node) -> list[Node]:
    """Every node ``root`` depends on, each after all of its parents (iterative DFS).

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
    """Propagate ``gradient`` (dL/droot) from ``root`` to every node it depends on.

    On the fast path (``create_graph=False``) ``gradient`` is a raw number or array and every
    gradient is one too. With ``create_graph=True`` it is a node, and so is every gradient.
    """
    _propagate(root, gradient, create_graph, wanted=None)


def gradients(root: Node, inputs: Sequence[Node], gradient: Any,
              create_graph: bool = False) -> list[Any]:
    """d(root)/d(input) contracted with ``gradient``, for each input (``None`` where root does
    not depend on it), leaving every node's ``.grad`` untouched (PyTorch's autograd.grad)."""
    wanted: dict[Node, Any] = {node: None for node in inputs}
    _propagate(root, gradient, create_graph, wanted)
    return [wanted[node] for node in inputs]


def _propagate(root: Node, gradient: Any, create_graph: bool,
               wanted: dict[Node, Any] | None) -> None:
    """The pass itself: from the root down, each node's gradient is complete when its turn
    comes (every node using it came earlier), and it is passed on to the node's parents.

    Each node's gradient is stored on it (``backward``: leaves accumulate, interior nodes are
    overwritten) or, when ``wanted`` is given, only in ``wanted`` for the nodes it names.
    """
    with _BackwardPass(create_graph):
        grads = {root: gradient}
        # Arrays someone else can still reach: the seed, every interior node's gradient (kept on
        # node.grad, and passed through unchanged by ops such as +), and what leaves received.
        # A leaf may take any other gradient as its own instead of copying it.
        reachable = {id(gradient)}
        for node in reversed(topological_order(root)):
            upstream = grads.pop(node)
            if wanted is None:  # backward: the gradient goes onto the node
                if node._parents:
                    node.grad = upstream
                else:
                    node._accumulate(upstream, id(upstream) in reachable)
                reachable.add(id(upstream))
            elif node in wanted:
                wanted[node] = upstream
            if not node._parents:
                continue
            for parent, contribution in zip(node._parents, node._parent_grads(upstream)):
                earlier = grads.get(parent)
                grads[parent] = contribution if earlier is None else earlier + contribution
