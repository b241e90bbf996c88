"""Operation counts: how much work a ``Value`` graph costs forwards and backwards.

The forward count is structural: one graph node is one operation, so sharing a sub-expression
(``a = x**2`` used twice) is visibly cheaper than writing it out twice.

The backward count follows what ``engine.backward`` does, under this cost model (one
floating-point operation = one +, -, *, /, sign flip, power or elementary function call;
comparisons and branches are free):

* chain rule: one multiply ``upstream * local`` per parent of every interior node;
* fan-in: a node whose gradient receives k > 1 contributions costs k - 1 additions;
* local derivatives cost what their formula costs, reusing the node's own output and the
  intermediates its forward rule already computed (see ``LOCAL_COST``);
* not counted: the seed dL/droot (given), and adding a leaf's gradient into its ``grad``
  attribute (that accumulates across passes; one fresh pass needs no addition there).

``trivial`` reports how many of the multiplies are by an exact 1 (the seed 1.0 at the root,
or a local derivative equal to 1 such as both sides of ``+``): the engine performs them, but
an optimising hand derivation would not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .engine import topological_order
from .value import Value

# Local-derivative cost of each op, as the formula in value.py computes it (why in comments).
LOCAL_COST: dict[str, int] = {
    "+": 0,  # 1 and 1
    "*": 0,  # the other operand, already known
    "/": 3,  # 1/b (1) and -q/b (sign flip + divide), q = a/b reused from the forward pass
    "**": 5,  # p x^(p-1) (subtract, power, multiply) and x^y ln x (log, multiply)
    "exp": 0,  # e^x is the output itself
    "log": 1,  # 1/x
    "sqrt": 1,  # 0.5/out (the output reused)
    "sin": 1,  # cos x
    "cos": 2,  # -sin x: sine and sign flip
    "abs": 0,  # sign(x): a comparison
    "tanh": 2,  # 1 - t*t
    "sigmoid": 2,  # s (1 - s)
    "ReLU": 0,  # 0 or 1: a comparison
    "leaky_relu": 0,  # alpha or 1: a comparison
    "softplus": 2,  # 1/(1 + e), e from the forward pass
    "dot": 0,  # the other operand of each product, already known
}


def local_cost(node: Value) -> int:
    """Operations to form a node's local derivatives (``LOCAL_COST``; **p and elu by case)."""
    op = node._op
    if op == "elu":  # 1 on the linear side; alpha e^x (exp, multiply) on the other
        return 0 if node._parents[0].data > 0 else 2
    if op.startswith("**") and op != "**":  # a numeric exponent p, stored in the op name
        p = float(op[2:])
        return 0 if p in (0.0, 1.0) else 1 if p == 2.0 else 2  # 0 / 1 / 2x / p x^(p-1)
    if op not in LOCAL_COST:
        raise ValueError(f"count_backward_ops: no cost model for op {op!r}")
    return LOCAL_COST[op]


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    """Rows as aligned text columns, the first left-aligned, the rest right-aligned."""
    cells = [tuple(str(c) for c in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join([first, *rest]))
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


@dataclass
class ForwardCount:
    """Forward-pass operations by op type; leaves split into inputs and constants."""

    ops: Counter[str] = field(default_factory=Counter)
    inputs: int = 0
    constants: int = 0

    @property
    def total(self) -> int:
        """Operations only (leaves cost nothing to compute)."""
        return sum(self.ops.values())

    def __str__(self) -> str:
        rows: list[tuple[object, ...]] = sorted(self.ops.items())
        rows += [("(inputs)", self.inputs), ("(constants)", self.constants),
                 ("total ops", self.total)]
        return _table(("op", "count"), rows)


@dataclass
class BackwardCount:
    """Backward-pass operations by op type of the node doing them (additions: the receiver)."""

    local: Counter[str] = field(default_factory=Counter)
    multiplies: Counter[str] = field(default_factory=Counter)
    additions: Counter[str] = field(default_factory=Counter)
    trivial: int = 0

    @property
    def total(self) -> int:
        """Every operation the pass performs under the cost model."""
        return sum(self.local.values()) + sum(self.multiplies.values()) + sum(
            self.additions.values())

    def __str__(self) -> str:
        ops = sorted(set(self.local) | set(self.multiplies) | set(self.additions))
        rows: list[tuple[object, ...]] = []
        for op in ops:
            parts = (self.local[op], self.multiplies[op], self.additions[op])
            rows.append((op, *parts, sum(parts)))
        rows.append(("total", sum(self.local.values()), sum(self.multiplies.values()),
                     sum(self.additions.values()), self.total))
        table = _table(("op", "local", "mul", "add", "total"), rows)
        return f"{table}\n(of the multiplies, {self.trivial} are by an exact 1)"


def _check_root(root: object, name: str) -> Value:
    if not isinstance(root, Value):
        raise TypeError(f"{name}: expected a Value graph, got {type(root).__name__}")
    return root


def _leaf_kind(node: Value, inputs: set[Value] | None) -> str:
    """Leaves are inputs when listed in ``inputs`` (or when no list is given), else constants."""
    return "(input)" if inputs is None or node in inputs else "(constant)"


def count_ops(root: Value, inputs: Iterable[Value] | None = None) -> ForwardCount:
    """Nodes of the graph behind ``root`` by op type: one node = one forward operation.

    Leaves listed in ``inputs`` count as inputs, other leaves as constants (numbers that the
    operators wrapped); without ``inputs`` every leaf counts as an input.
    """
    _check_root(root, "count_ops")
    chosen = None if inputs is None else set(inputs)
    count = ForwardCount()
    for node in topological_order(root):
        if node._parents:
            count.ops[node._op] += 1
        elif _leaf_kind(node, chosen) == "(input)":
            count.inputs += 1
        else:
            count.constants += 1
    return count


def count_backward_ops(root: Value, inputs: Iterable[Value] | None = None) -> BackwardCount:
    """Operations ``root.backward()`` performs by op type, under the module's cost model.

    ``inputs`` only names the rows for leaves' fan-in additions (as in ``count_ops``).
    """
    _check_root(root, "count_backward_ops")
    chosen = None if inputs is None else set(inputs)
    count = BackwardCount()
    received: Counter[Value] = Counter()  # contributions each node's gradient receives
    for node in reversed(topological_order(root)):
        if not node._parents:
            continue
        op = node._op
        count.local[op] += local_cost(node)
        count.multiplies[op] += len(node._parents)
        seed_is_one = node is root  # backward() seeds the root with 1.0
        count.trivial += sum(1 for g in node._local_grads if seed_is_one or g == 1.0)
        received.update(node._parents)
    for node, k in received.items():
        row = node._op if node._parents else _leaf_kind(node, chosen)
        count.additions[row] += k - 1
    count.additions = +count.additions  # drop zero rows so the table lists only real work
    return count
