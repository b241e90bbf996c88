"""One training point's computation, neuron by neuron, on scalar ``Value``s.

``PointNetwork`` redoes the network's forward pass for one point with a ``Value`` per weight,
bias, pre-activation and activation, labelled in the course's notation (``W1[2,1]`` is the
weight into neuron 2 of layer 1 from input 1, ``b1[2]`` its bias, ``z1[2]`` the weighted sum,
``h1[2]`` the activation, ``yhat`` the output, ``L`` = 1/2 (yhat - y)^2 the loss), then runs
``L.backward()``. The numbers are the Tensor network's (the weights are copied from it), so
the page can show ``draw_graph`` of any neuron with data and gradients dL/d(node), ``explain``
of dL/d(weight) path by path, and ``backward_steps`` of L node by node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..drawing import draw_graph, format_number
from ..engine import Node, topological_order
from ..explain import BackwardStep, Explanation, backward_steps, explain
from ..render import RendererNotFound, RenderError, fit_to_page
from ..value import Value

MAX_DRAWN_NODES = 250  # larger graphs take the renderer too long for a click; text only then
NeuronId = tuple[int, int]  # (layer, index): layer 0 the inputs, the last the output; from 0
WeightId = tuple[int, int, int]  # (layer, to, from): weight[to, from] of Linear number layer-1


@dataclass(frozen=True, eq=False)
class Inspection:
    """What clicking shows: ``node`` (the neuron's output, or the weight) is drawn within
    ``graph_root``'s graph and explained by ``explanation`` (dL/d``node``)."""

    title: str
    node: Value
    graph_root: Value
    explanation: Explanation

    def to_json(self) -> dict[str, Any]:
        """The picture (or why there is none) and the chain rule's text, for the page."""
        return {"title": self.title, "graph": render_graph(self.graph_root, self.title,
                                                           highlight=[self.node]),
                "explanation": str(self.explanation), "gradient": self.explanation.backward_grad}


class PointNetwork:
    """The network for one training point on labelled ``Value``s, after ``L.backward()``."""

    def __init__(self, point: int, feature_names: Sequence[str], features: np.ndarray,
                 target: float, linears: Sequence[Any], activation: str, task: str) -> None:
        self.point = point
        self.target = target
        self.neurons: list[list[Value]] = [
            [Value(float(x), label=name) for name, x in zip(feature_names, features)]]
        self.weights: dict[WeightId, Value] = {}
        self.biases: dict[NeuronId, Value] = {}
        for layer, linear in enumerate(linears, 1):
            last = layer == len(linears)
            kind = ("tanh" if task == "classification" else "linear") if last else activation
            self.neurons.append([self._neuron(layer, j, linear, kind, last)
                                 for j in range(linear.out_features)])
        self.output = self.neurons[-1][0]
        y = Value(target, label="y")
        self.loss = 0.5 * (self.output - y) ** 2
        self.loss.label = "L"
        self.loss.backward()
        self._steps: list[BackwardStep] | None = None

    def _neuron(self, layer: int, j: int, linear: Any, kind: str, last: bool) -> Value:
        """z = sum_i W[j,i] h_i + b[j], then h = activation(z); labelled as in the docstring."""
        weights = linear.weight.data[j]
        total: Value | None = None
        for i, source in enumerate(self.neurons[layer - 1]):
            w = Value(float(weights[i]), label=f"W{layer}[{j + 1},{i + 1}]")
            self.weights[(layer, j, i)] = w
            total = w * source if total is None else total + w * source
        b = Value(float(linear.bias.data[j]), label=f"b{layer}[{j + 1}]")
        self.biases[(layer, j)] = b
        z = b if total is None else total + b
        name = "yhat" if last else f"h{layer}[{j + 1}]"
        if kind == "linear":  # h = z: one node, named for what it is used as
            z.label = name
            return z
        z.label = f"z{layer}[{j + 1}]"
        h = {"relu": z.relu, "tanh": z.tanh, "sigmoid": z.sigmoid}[kind]()
        h.label = name
        return h

    # ---- what a click shows ----------------------------------------------------------

    def neuron(self, neuron: NeuronId) -> Value:
        layer, index = _pair(neuron, "neuron")
        if not 0 <= layer < len(self.neurons) or not 0 <= index < len(self.neurons[layer]):
            raise ValueError(f"neuron {list(neuron)} does not exist: layers 0 to "
                             f"{len(self.neurons) - 1}, sizes {[len(n) for n in self.neurons]}")
        return self.neurons[layer][index]

    def weight(self, weight: WeightId) -> Value:
        key = _triple(weight)
        if key not in self.weights:
            raise ValueError(f"weight {list(weight)} does not exist: (layer, to, from) with "
                             f"layer 1 to {len(self.neurons) - 1}, counted from 0 within a layer")
        return self.weights[key]

    def inspect(self, neuron: NeuronId | None = None,
                weight: WeightId | None = None) -> Inspection:
        """A neuron: its own graph (everything its output depends on) and dL/d(its output).
        A weight: the graph of the neuron it feeds, the weight highlighted, and dL/dW."""
        if (neuron is None) == (weight is None):
            raise ValueError("inspect: give either a neuron or a weight")
        if neuron is not None:
            node = self.neuron(neuron)
            title = f"neuron {node.label} for training point {self.point}"
            root = node
        else:
            node = self.weight(weight)  # type: ignore[arg-type]
            layer, to, _ = _triple(weight)
            root = self.neurons[layer][to]
            title = f"weight {node.label} into {root.label}, training point {self.point}"
        return Inspection(title, node, root, explain(self.loss, node))

    # ---- the backward pass, one node at a time -----------------------------------------

    @property
    def steps(self) -> list[BackwardStep]:
        if self._steps is None:
            self._steps = list(backward_steps(self.loss))
        return self._steps

    def backward_step(self, index: int) -> dict[str, Any]:
        """Step ``index`` of the backward pass of L: the node, dL/d(node), what it sends to each
        input (dL/d(node) times the local derivative), and the graph with the node in red."""
        steps = self.steps
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(steps):
            raise ValueError(f"backward step must be from 0 to {len(steps) - 1}, got {index!r}")
        step = steps[index]
        sends = [{"to": _describe(parent), "local": float(local), "value": float(sent)}
                 for parent, local, sent in zip(step.parents, step.local_grads,
                                                step.contributions)]
        return {"index": index, "count": len(steps), "node": _describe(step.node),
                "gradient": float(step.gradient), "sends": sends,
                "graph": render_graph(self.loss, f"backward, step {index + 1} of {len(steps)}",
                                      highlight=[step.node], grads=dict(step.gradients))}


def render_graph(root: Value, title: str, **options: Any) -> dict[str, Any]:
    """``draw_graph(root)`` as ``{"svg": ...}`` for the page; when it cannot be drawn,
    ``{"error": why}``, plus ``"dot"`` (the Graphviz text) when only the renderer is missing."""
    size = len(topological_order(root))
    if size > MAX_DRAWN_NODES:
        return {"error": f"this graph has {size} nodes, more than the {MAX_DRAWN_NODES} drawn "
                         "here; click a neuron nearer the inputs or use a smaller network"}
    drawing = draw_graph(root, title=title, max_nodes=MAX_DRAWN_NODES, **options)
    try:
        svg = drawing.pipe(format="svg", encoding="utf-8")
    except (RendererNotFound, RenderError) as error:
        return {"error": f"the graph cannot be drawn: {error}", "dot": drawing.source}
    return {"svg": fit_to_page(svg)}


def _describe(node: Node) -> str:
    """A node as its formula two levels deep (labels as names) and its value, e.g.
    ``(W3[1,1] * h2[1]) + (W3[1,2] * h2[2]) = -4.0858``."""
    assert isinstance(node, Value)
    formula = node.label or _formula(node, depth=2)
    if formula.startswith("(") and formula.endswith(")") and _balanced(formula[1:-1]):
        formula = formula[1:-1]
    return f"{formula} = {format_number(node.data)}"


def _formula(node: Value, depth: int) -> str:
    if node.label:
        return node.label
    if not node._parents or depth == 0:
        return format_number(node.data)
    args = [_formula(parent, depth - 1) for parent in node._parents]
    if node._op in {"+", "*", "/"} and len(args) == 2:
        return f"({args[0]} {node._op} {args[1]})"
    if node._op.startswith("**"):  # a number exponent, kept in the op's name
        return f"{args[0]}{node._op}"
    return f"{node._op}({', '.join(args)})"


def _balanced(text: str) -> bool:
    """Whether the parentheses in ``text`` pair up without closing more than were opened."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _pair(item: Any, what: str) -> tuple[int, int]:
    if not isinstance(item, (list, tuple)) or len(item) != 2 or not all(
            isinstance(x, int) and not isinstance(x, bool) for x in item):
        raise ValueError(f"{what} must be [layer, index] (two whole numbers), got {item!r}")
    return item[0], item[1]


def _triple(item: Any) -> tuple[int, int, int]:
    if not isinstance(item, (list, tuple)) or len(item) != 3 or not all(
            isinstance(x, int) and not isinstance(x, bool) for x in item):
        raise ValueError(f"weight must be [layer, to, from] (three whole numbers), got {item!r}")
    return item[0], item[1], item[2]
