"""``draw_graph``: a computation graph as a Graphviz picture, for looking at what backward does.

The picture reads left to right, in the direction the data flows:

* every ``Value`` or ``Tensor`` is one record box, ``label | data | grad``; a ``Tensor`` box
  shows its shape, dtype and a summary of its numbers instead of the whole array;
* every operation is a small oval holding the op's symbol (``_op``), between the boxes of
  its inputs and the box of its result: input -> op -> output;
* a node used twice is drawn once, with two outgoing edges (and ``x * x`` has two edges
  from ``x`` into ``*``, because the gradient flows back along both).

Box colours tell the roles of the leaves (nodes without parents):

* parameter (blue, rounded): a parameter of ``module=`` (named as in
  ``module.named_parameters()``, e.g. ``0.weight``); without a module, a ``Value`` with a
  label (micrograd's style) or a ``Tensor`` with ``requires_grad``;
* input (yellow): with ``module=``, any other leaf with a label or ``requires_grad``;
* constant (grey, dashed): every other leaf, e.g. the ``Value`` made from ``2`` in ``2 * x``.
  (Tensor ops do not record inputs that need no gradient, so those never appear.)

The output (``root``) is green with a thick border; ``highlight`` draws red borders.
Text (labels, op names, the title, module names) is drawn as it is: characters that mean
something to Graphviz are escaped, line breaks start a new line, other control characters
show as Unicode control pictures (record boxes collapse runs of spaces, as Graphviz records
do). After ``backward(create_graph=True)`` a gradient is a Value or Tensor itself: its
numbers are shown.

With ``module=``, ops are grouped into one cluster box per sub-module. Rule: an op belongs to
the module that *directly* holds the first parameter it consumes (``linear`` reading layer
0's weight goes into cluster "0"); the op's result box and the module's parameter boxes go
with it, and clusters nest as the modules do. Ops that consume no parameter (an activation,
the loss) stay outside, as do parameters of ``module`` itself.

Graphs with more than ``max_nodes`` Values/Tensors are refused with a ``ValueError`` or, with
``module=``, summarised: one box per direct sub-module, one for the other leaves (inputs and
constants) and one for the output, with an edge wherever data flows from one box to another
without passing through a third. The graph does not record which module ran an op, so a layer
is found by its parameters; a layer without parameters in the graph (``Tanh``, ``ReLU``, a
frozen layer) is drawn dashed, placed by the module's order of its sub-modules: between the
layers before and after it, on the edge that joins them. Nothing here recurses, so graphs of
any depth are safe.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import graphviz
import numpy as np

from . import devices
from .engine import Node, topological_order
from .render import Drawing
from .tensor import Tensor
from .value import Value

RANKDIRS = ("LR", "TB", "RL", "BT")
_INPUT, _OUTPUT = "<input>", "<output>"  # the summary's end boxes (no module has these paths)
_NO_GRAD_YET = object()  # a node missing from grads=: its gradient is not known yet
Statement = tuple[str, str, dict[str, str]]  # a node statement: id, label, attributes

FONT = "Helvetica"
# Every node starts as an intermediate box (the graph's defaults); roles say what differs.
_BOX = {"shape": "record", "style": "filled", "fillcolor": "white"}
_ROLE_STYLES: dict[str, dict[str, str]] = {
    "intermediate": {},
    "parameter": {"shape": "Mrecord", "fillcolor": "#cfe2ff", "color": "#1f4e99"},
    "input": {"fillcolor": "#fff3bf"},
    "constant": {"style": "filled,dashed", "fillcolor": "#eeeeee", "fontcolor": "#555555"},
    "output": {"fillcolor": "#d3f9d8", "penwidth": "2.5"},
}
_OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#f1f3f5", "fontsize": "11",
             "width": "0.3", "height": "0.3", "margin": "0.04,0.02"}
_HIGHLIGHT_STYLE = {"color": "#e03131", "penwidth": "3"}
_CLUSTER_STYLE = {"style": "rounded,dashed", "color": "#868e96", "fontname": FONT,
                  "fontsize": "11", "labeljust": "l"}
_SUMMARY_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#cfe2ff"}
_SUMMARY_BY_ORDER_STYLE = {"shape": "box", "style": "rounded,filled,dashed",
                           "fillcolor": "#f8f9fa"}


# ---- numbers and labels ----------------------------------------------------------------------


def format_number(x: float) -> str:
    """Compact text for a number: 4 decimals without trailing zeros (24.7041, 0.5, -3),
    or 4 significant digits in scientific notation outside [1e-4, 1e6) (1.235e+07)."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)  # nan, inf, -inf
    if x == 0:
        return "0"  # also for -0.0
    if 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}".rstrip("0").rstrip(".")
    return f"{x:.4g}"


def _summary_lines(array: np.ndarray) -> list[str]:
    if array.size == 0:
        return ["empty"]
    if array.size <= 4:
        text = np.array2string(array, separator=", ", max_line_width=10_000,
                               formatter={"float_kind": format_number, "int": format_number})
        return [text.replace("\n", "")]  # numpy breaks the line between rows
    return [f"mean {format_number(array.mean())}",
            f"min {format_number(array.min())}  max {format_number(array.max())}"]


def summarize_array(array: np.ndarray) -> str:
    """The numbers themselves for up to 4 of them, otherwise their mean, min and max."""
    host = devices.to_host(array) if devices.is_array(array) else np.asarray(array)
    return "  ".join(_summary_lines(host))


def _grad_lines(grad: Any) -> list[str]:
    if grad is _NO_GRAD_YET:
        return ["?"]
    if grad is None:
        return ["None"]  # a Tensor before any backward, as in PyTorch
    if isinstance(grad, Node):  # after backward(create_graph=True): show the gradient's numbers
        grad = grad.data
    if devices.is_array(grad):
        return _summary_lines(devices.to_host(grad))  # a GPU's numbers are copied to the host
    try:
        return [format_number(grad)]
    except (TypeError, ValueError):
        raise TypeError(f"draw_graph: a gradient must be a number or an array, got "
                        f"{type(grad).__name__}") from None


# ---- text for DOT: every string drawn goes through _label or _record_label -------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f]")  # all but line breaks
_RECORD_SYNTAX = re.compile(r"[{}|<>]")


def _escaped(text: Any) -> str:
    """``text`` as Graphviz label text that shows it verbatim.

    Graphviz reads a backslash as the start of an escape (``\\n``, ``\\N``; a trailing one
    would even end the quoted string) and ``&...;`` as a character entity; a line break becomes
    Graphviz's own ``\\n``. Other control characters, which an SVG file cannot hold (and
    records drop), are shown as their Unicode control pictures (U+2409 for a tab). Double
    quotes are left to the ``graphviz`` package's quoting.
    """
    text = _visible_controls(str(text).replace("\\", "\\\\").replace("&", "&amp;"))
    return _LINE_BREAK.sub(r"\\n", text)


def _visible_controls(text: str) -> str:
    return _CONTROL.sub(lambda match: chr(0x2400 + ord(match.group())), text)


def _label(*lines: Any) -> str:
    """A plain label (graph title, cluster caption, op, summary box) showing ``lines``.

    Marked as no HTML: the ``graphviz`` package would pass text like ``<b>x</b>`` on unquoted,
    as an HTML-like label.
    """
    return graphviz.nohtml("\\n".join(_escaped(line) for line in lines))


def _record_field(text: Any) -> str:
    """Text safe inside one field of a Graphviz record label (braces, bars and angle brackets
    are record syntax there)."""
    return _RECORD_SYNTAX.sub(r"\\\g<0>", _escaped(text))


def _record_label(fields: list[list[str]], rankdir: str) -> str:
    """A record label with the given fields side by side (each field: lines of text).

    A record's top-level fields stack across the rank direction, so for LR/RL they are
    wrapped in braces to lie in one row, as they already do for TB/BT.
    """
    body = " | ".join("\\n".join(_record_field(line) for line in field) for field in fields)
    return graphviz.nohtml(f"{{{body}}}" if rankdir in ("LR", "RL") else body)


# ---- inputs ----------------------------------------------------------------------------------


def _check_node(obj: Any, what: str) -> Node:
    if not isinstance(obj, Node):
        raise TypeError(f"draw_graph: {what} must be a Value or Tensor, got {type(obj).__name__}")
    return obj


def _describe(node: Node) -> str:
    """A short name for a node in messages (a Tensor's repr could print a huge array)."""
    if isinstance(node, Tensor):
        return f"a Tensor of shape {node.data.shape} (op {node._op or 'none'})"
    return f"{type(node).__name__}(data={format_number(node.data)}, op {node._op or 'none'})"


def _check_options(rankdir: Any, max_nodes: Any, title: Any) -> None:
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got "
                         f"{rankdir!r}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw_graph: title must be a str or None, got {type(title).__name__}")


def _highlighted(highlight: Any) -> set[Node]:
    if isinstance(highlight, Node):  # one node; iterating a Tensor would yield its rows
        highlight = (highlight,)
    if not isinstance(highlight, Iterable):
        raise TypeError(f"draw_graph: highlight must be Values/Tensors (a list of them or one), "
                        f"got {type(highlight).__name__}")
    return {_check_node(node, "each highlight entry") for node in highlight}


# ---- roles and modules -----------------------------------------------------------------------


class _ModuleMap:
    """Where each parameter of a module lives: its dotted name, the module holding it
    directly (its owner, for clusters) and the top-level sub-module around it (for summaries).
    The path "" is the module itself."""

    def __init__(self, module: Any) -> None:
        named = getattr(module, "named_parameters", None)
        if not callable(named):
            raise TypeError(f"draw_graph: module must be an nn.Module (with named_parameters()), "
                            f"got {type(module).__name__}")
        self.modules = _module_paths(module)  # path -> module
        # The direct sub-modules in the order the module lists them (Sequential: call order).
        self.layers = [path for path in self.modules if path and _parent_path(
            path, self.modules) == ""]
        self.children = set(self.layers)
        self.names: dict[Node, str] = {}
        self.owner: dict[Node, str] = {}
        self.unit: dict[Node, str] = {}
        for name, param in named():
            self.names[param] = name
            self.owner[param] = _parent_path(name, self.modules)
            self.unit[param] = _top_child(name, self.children)

    def kind(self, path: str) -> str:
        return type(self.modules[path]).__name__

    def caption(self, path: str, within: str = "") -> str:
        """e.g. "0: Linear" (the path relative to the module ``within``); for the module
        itself just its class name."""
        relative = path[len(within) + 1:] if within else path
        return f"{relative}: {self.kind(path)}" if path else self.kind(path)

    def op_module(self, node: Node, attribute: dict[Node, str]) -> str | None:
        """The module (per ``attribute``: owner or unit) of the first parameter ``node`` reads."""
        for parent in node._parents:
            if parent in attribute:
                return attribute[parent]
        return None


def _module_paths(module: Any) -> dict[str, Any]:
    """Dotted path -> module for ``module`` ("") and every module inside it (iterative walk)."""
    paths = {"": module}
    seen = {id(module)}
    stack = [("", module)]
    while stack:
        path, current = stack.pop()
        named_children = getattr(current, "named_children", None)
        below = []
        for name, child in named_children() if callable(named_children) else ():
            if id(child) in seen:  # a shared module keeps its first name, as its parameters do
                continue
            seen.add(id(child))
            full = f"{path}.{name}" if path else name
            paths[full] = child
            below.append((full, child))
        stack.extend(reversed(below))  # depth first in attribute order, like named_parameters
    return paths


def _parent_path(name: str, paths: Mapping[str, Any]) -> str:
    """The longest module path that is a proper prefix of the dotted ``name`` ("" if none)."""
    cut = name.rfind(".")
    while cut > 0:
        if name[:cut] in paths:
            return name[:cut]
        cut = name.rfind(".", 0, cut)
    return ""


def _top_child(name: str, children: set[str]) -> str:
    """The direct sub-module whose path prefixes ``name`` ("" if the module holds it itself)."""
    cut = name.find(".")
    while cut > 0:
        if name[:cut] in children:
            return name[:cut]
        cut = name.find(".", cut + 1)
    return ""


def _is_named_leaf(node: Node) -> bool:
    """A leaf someone deliberately made: a labelled Value, or a Tensor that wants a gradient."""
    if isinstance(node, Value):
        return bool(node.label)
    return bool(getattr(node, "requires_grad", False))


def _role(node: Node, root: Node, modules: _ModuleMap | None) -> str:
    if node is root:
        return "output"
    if node._parents:
        return "intermediate"
    if modules is not None:
        if node in modules.names:
            return "parameter"
        return "input" if _is_named_leaf(node) else "constant"
    return "parameter" if _is_named_leaf(node) else "constant"


# ---- boxes -----------------------------------------------------------------------------------


def _title_lines(node: Node, modules: _ModuleMap | None) -> list[str]:
    """The name (a module parameter's relative to its cluster, or a Value's label), and for
    a Tensor its shape and dtype."""
    name = ""
    if modules is not None and node in modules.names:
        owner = modules.owner[node]
        name = modules.names[node][len(owner) + 1 if owner else 0:]
    name = name or (getattr(node, "label", "") or "")
    lines = [name] if name else []
    if isinstance(node, Tensor):
        lines.append(_shape_text(node))
    return lines


def _shape_text(tensor: Tensor) -> str:
    shape = "scalar" if tensor.data.ndim == 0 else str(tensor.data.shape)
    return f"{shape} {tensor.data.dtype}"


def _prefixed(word: str, lines: list[str]) -> list[str]:
    return [f"{word} {lines[0]}", *lines[1:]]


def _box_label(node: Node, modules: _ModuleMap | None, grad: Any, show_grad: bool,
               rankdir: str) -> str:
    title = _title_lines(node, modules)
    fields = [title] if title else []
    data = node.data
    fields.append(_prefixed("data", _summary_lines(devices.to_host(data))
                            if devices.is_array(data) else [format_number(data)]))
    if show_grad:
        fields.append(_prefixed("grad", _grad_lines(grad)))
    return _record_label(fields, rankdir)


# ---- the full picture ------------------------------------------------------------------------


def _new_drawing(rankdir: str, title_lines: list[str]) -> Drawing:
    drawing = Drawing(name="computation_graph", format="svg",
                      graph_attr={"rankdir": rankdir, "fontname": FONT},
                      node_attr={"fontname": FONT, "fontsize": "12", **_BOX},
                      edge_attr={"fontname": FONT, "arrowsize": "0.7"})
    if title_lines:
        drawing.attr(label=_label(*title_lines), labelloc="t", fontsize="14")
    return drawing


def _draw_full(order: list[Node], root: Node, modules: _ModuleMap | None, rankdir: str,
               title: str | None, show_grad: bool, emphasised: set[Node],
               grads: Mapping[Any, Any] | None) -> Drawing:
    drawing = _new_drawing(rankdir, [title] if title else [])
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    # Node statements go into their cluster's list ("" = outside), edges all at top level.
    placed: dict[str, list[Statement]] = {"": []}
    edges: list[tuple[str, str]] = []
    for node in order:
        role = _role(node, root, modules)
        cluster = ""
        if modules is not None:
            cluster = (modules.op_module(node, modules.owner) if node._parents
                       else modules.owner.get(node)) or ""
        grad = node.grad if grads is None else grads.get(node, _NO_GRAD_YET)
        style = {**_ROLE_STYLES[role], **(_HIGHLIGHT_STYLE if node in emphasised else {})}
        label = _box_label(node, modules, grad, show_grad, rankdir)
        placed.setdefault(cluster, []).append((ids[node], label, style))
        if node._parents:
            op_id = ids[node] + "op"
            op_style = {**_OP_STYLE, **(_HIGHLIGHT_STYLE if node in emphasised else {})}
            placed[cluster].append((op_id, _label(node._op or "?"), op_style))
            edges.extend((ids[parent], op_id) for parent in node._parents)
            edges.append((op_id, ids[node]))
    _add_clusters(drawing, placed, modules)
    for node_id, label, style in placed[""]:
        drawing.node(node_id, label, **style)
    for tail, head in edges:
        drawing.edge(tail, head)
    return drawing


def _add_clusters(drawing: Drawing, placed: dict[str, list[Statement]],
                  modules: _ModuleMap | None) -> None:
    """One cluster per module with boxes, nested inside the clusters of its parent modules."""
    if modules is None:
        return
    parent_of: dict[str, str] = {}
    pending = [path for path in placed if path]
    while pending:  # every ancestor module of a used one gets a cluster too
        path = pending.pop()
        if path in parent_of:
            continue
        parent_of[path] = _parent_path(path, modules.modules)
        if parent_of[path]:
            pending.append(parent_of[path])
    # The name only has to be unique (and start with "cluster"); escaping keeps it valid DOT,
    # and SVG (where it is the cluster's tooltip) cannot hold control characters.
    clusters = {path: Drawing(name=graphviz.escape(_visible_controls(f"cluster_{path}")))
                for path in parent_of}
    for path, subgraph in clusters.items():
        subgraph.attr(label=_label(modules.caption(path, parent_of[path])), **_CLUSTER_STYLE)
        for node_id, label, style in placed.get(path, ()):
            subgraph.node(node_id, label, **style)
    # graphviz copies a subgraph's text when it is added: attach the deepest ones first.
    for path in sorted(clusters, key=lambda p: (-p.count("."), _path_order(p))):
        target = clusters[parent_of[path]] if parent_of[path] else drawing
        target.subgraph(clusters[path])


# ---- the summary -----------------------------------------------------------------------------


def _draw_summary(order: list[Node], root: Node, modules: _ModuleMap, rankdir: str,
                  title: str | None, max_nodes: int) -> Drawing:
    """One box per direct sub-module (plus input and output), edges where data flows between."""
    op_count, links = _flows(order, root, modules)
    links, by_order = _place_by_order(modules.layers, set(op_count), links)
    notes = [f"summary of {len(order)} nodes (more than max_nodes={max_nodes}): one box per "
             "sub-module"]
    if set(modules.layers) - set(op_count):
        notes.append("dashed: layers without parameters in the graph, placed by their order "
                     "in the module")
    drawing = _new_drawing(rankdir, [title, *notes] if title else notes)
    ids = {_INPUT: "input", _OUTPUT: "output"}
    if any(_INPUT in pair for pair in links):
        drawing.node("input", _label("inputs and", "constants"), shape="box",
                     style="rounded,filled", fillcolor="#fff3bf")
    layers = modules.layers + sorted(set(op_count) - set(modules.layers), key=_path_order)
    for i, layer in enumerate(layers):  # (the second list: the module's own parameters, "")
        ids[layer] = f"m{i}"
        if layer in op_count:
            ops = f"{op_count[layer]} op" + ("s" if op_count[layer] != 1 else "")
            drawing.node(ids[layer], _label(modules.caption(layer), ops), **_SUMMARY_STYLE)
        else:
            has_parameters = any(True for _ in modules.modules[layer].named_parameters())
            detail = "parameters not in the graph" if has_parameters else "no parameters"
            drawing.node(ids[layer], _label(modules.caption(layer), detail),
                         **_SUMMARY_BY_ORDER_STYLE)
    drawing.node("output", _label("output", _output_detail(root)), shape="box",
                 style="rounded,filled", fillcolor="#d3f9d8", penwidth="2.5")
    for tail, head in links:
        dashed = {"style": "dashed"} if {tail, head} & by_order else {}
        drawing.edge(ids[tail], ids[head], **dashed)
    return drawing


def _flows(order: list[Node], root: Node,
           modules: _ModuleMap) -> tuple[dict[str, int], dict[tuple[str, str], None]]:
    """Ops per direct sub-module that holds a parameter they read, and the links between boxes.

    Each node carries the set of boxes whose results reach it without passing through another
    box ("sources"); an op inside box U links every source of its inputs to U.
    """
    sources: dict[Node, frozenset[str]] = {}
    op_count: dict[str, int] = {}
    links: dict[tuple[str, str], None] = {}  # ordered set
    empty: frozenset[str] = frozenset()
    for node in order:
        if not node._parents:
            is_param = node in modules.names
            sources[node] = empty if is_param else frozenset((_INPUT,))
            continue
        parents = node._parents
        incoming = sources[parents[0]] if len(parents) == 1 else frozenset().union(
            *(sources[p] for p in parents))
        unit = modules.op_module(node, modules.unit)
        if unit is None:
            sources[node] = incoming
            continue
        op_count[unit] = op_count.get(unit, 0) + 1
        for source in incoming:
            if source != unit:
                links[(source, unit)] = None
        sources[node] = frozenset((unit,))
    for source in sources[root]:
        links[(source, _OUTPUT)] = None
    return op_count, links


def _place_by_order(layers: list[str], found: set[str], links: dict[tuple[str, str], None]
                    ) -> tuple[dict[tuple[str, str], None], set[str]]:
    """Put the layers not ``found`` by their parameters on the data's path, by their order.

    The found layers, with the input first and the output last, cut ``layers`` into gaps; a
    gap's layers are chained into the edge between the found boxes around it (the gap before
    the first layer also when nothing is recorded flowing into that layer: its data came from
    an input that needs no gradient). A gap whose neighbours are not linked keeps its boxes
    unconnected rather than guess. Returns the new links and the layers placed by order.
    """
    stops = [_INPUT, *(layer for layer in layers if layer in found), _OUTPUT]
    position = {layer: i for i, layer in enumerate(layers)}
    position.update({_INPUT: -1, _OUTPUT: len(layers)})
    chains: dict[tuple[str, str], list[str]] = {}  # an edge -> the boxes it now passes
    leading: list[str] = []  # a chain into the first layer from an input not drawn
    for before, after in zip(stops, stops[1:]):
        gap = layers[position[before] + 1:position[after]]
        if not gap:
            continue
        if (before, after) in links:
            chains[(before, after)] = [before, *gap, after]
        elif before == _INPUT and not any(head == after for _, head in links):
            leading = [*gap, after]
    placed = dict.fromkeys(zip(leading, leading[1:]))
    for edge in links:  # in their order, each edge replaced by its chain
        chain = chains.get(edge, list(edge))
        placed.update(dict.fromkeys(zip(chain, chain[1:])))
    return placed, set(layers) - found


def _path_order(path: str) -> tuple[Any, ...]:
    """Sort "2" before "10" (Sequential positions) and keep other names alphabetical."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in path.split("."))


def _output_detail(root: Node) -> str:
    if isinstance(root, Tensor):
        return f"{_shape_text(root)}: {summarize_array(root.data)}"
    return f"data {format_number(root.data)}"


# ---- the public function ---------------------------------------------------------------------


def draw_graph(root: Value | Tensor, *, rankdir: str = "LR", show_grad: bool = True,
               max_nodes: int = 500, module: Any = None, title: str | None = None,
               highlight: Iterable[Value | Tensor] | Value | Tensor = (),
               grads: Mapping[Any, Any] | None = None) -> Drawing:
    """Draw the computation graph that produced ``root`` (see the module docstring).

    Args:
        root: the output Value or Tensor; everything it depends on is drawn.
        rankdir: Graphviz direction, "LR" (data flows left to right), "TB", "RL" or "BT".
        show_grad: whether boxes show gradients.
        max_nodes: most Values/Tensors to draw; above it the graph is summarised per
            sub-module when ``module`` is given, refused with ``ValueError`` otherwise.
        module: an ``nn.Module``: names its parameters and groups ops into clusters.
        title: a caption above the picture.
        highlight: nodes to emphasise (with the op that produced each), e.g. the node a
            backward animation is processing.
        grads: node -> gradient to show instead of ``node.grad`` (a backward pass in
            progress); nodes missing from it show "grad ?".
        (``highlight``, ``grads`` and ``show_grad`` do not apply to a summary.)

    Returns:
        A ``Drawing`` (a ``graphviz.Digraph``): ``.source`` is the DOT text (no renderer
        needed), Jupyter shows it as SVG, ``.render("graph.svg")`` writes a file.
    """
    _check_node(root, "root")
    _check_options(rankdir, max_nodes, title)
    emphasised = _highlighted(highlight)
    if grads is not None and not isinstance(grads, Mapping):
        raise TypeError(f"draw_graph: grads must be a mapping of node to gradient (or None), "
                        f"got {type(grads).__name__}")
    modules = _ModuleMap(module) if module is not None else None
    order = topological_order(root)
    if emphasised:
        outside = emphasised.difference(order)
        if outside:
            raise ValueError(f"draw_graph: {len(outside)} highlight node(s) are not part of "
                             f"the graph of root, e.g. {_describe(next(iter(outside)))}")
    if len(order) > max_nodes:
        if modules is None:
            raise ValueError(
                f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
                f"pass max_nodes={len(order)} (or more) to draw every node, or module=<your "
                "nn.Module> to draw one box per layer")
        return _draw_summary(order, root, modules, rankdir, title, max_nodes)
    return _draw_full(order, root, modules, rankdir, title, show_grad, emphasised, grads)
