"""draw_graph's DOT text (structure, labels, styles, clusters, limits), rendering through the
renderer that render.py finds, and the computation-graphs notebook run cell by cell."""

from __future__ import annotations

import ast
import contextlib
import html
import io
import json
import os
import random
import re
import stat
import time
from pathlib import Path
from typing import Any

import graphviz
import numpy as np
import pytest

from autograd_core import Tensor, Value, nn, topological_order
from autograd_core import render as render_module
from autograd_core.drawing import draw_graph, format_number, summarize_array
from autograd_core.render import Drawing, RendererNotFound, RenderError, find_renderer

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_computation_graphs.ipynb"

# ---- reading the DOT text back -------------------------------------------------------------

NODE = re.compile(r'^\s*(\w+) \[label=("(?:[^"\\]|\\.)*"|[^\s\]]+)(.*)\]$')
EDGE = re.compile(r"^\s*(\w+) -> (\w+)")


class Dot:
    """The nodes (label, attributes, enclosing clusters) and edges of a graph's source."""

    def __init__(self, source: str) -> None:
        self.labels: dict[str, str] = {}
        self.attrs: dict[str, str] = {}
        self.clusters: dict[str, tuple[str, ...]] = {}
        self.edges: list[tuple[str, str]] = []
        stack: list[str] = []
        for line in source.splitlines():
            opened = re.match(r"^\s*subgraph (\S+) \{$", line)
            if opened:
                stack.append(opened.group(1).strip('"'))
            elif line.strip() == "}":
                if stack:
                    stack.pop()
            elif EDGE.match(line):
                tail, head = EDGE.match(line).groups()
                self.edges.append((tail, head))
            elif NODE.match(line):
                node_id, label, rest = NODE.match(line).groups()
                self.labels[node_id] = label.strip('"')
                self.attrs[node_id] = rest
                self.clusters[node_id] = tuple(stack)

    def boxes(self) -> dict[str, str]:
        """Value/Tensor boxes (op nodes have ids ending in "op")."""
        return {k: v for k, v in self.labels.items() if not k.endswith("op")}

    def ops(self) -> dict[str, str]:
        return {k: v for k, v in self.labels.items() if k.endswith("op")}

    def box_with(self, *texts: str) -> str:
        """The id of the only box whose label contains every one of ``texts``."""
        found = [k for k, label in self.boxes().items() if all(t in label for t in texts)]
        assert len(found) == 1, (texts, found, self.boxes())
        return found[0]

    def out_degree(self, node_id: str) -> int:
        return sum(tail == node_id for tail, _ in self.edges)


def micrograd_readme_expression() -> tuple[Value, Value, Value]:
    """micrograd's README example; returns (a, b, g) after g.backward()."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def tiny_model() -> tuple[nn.Sequential, Tensor]:
    gen = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 3, generator=gen), nn.ReLU(), nn.Linear(3, 1, generator=gen))
    loss = (model(Tensor(gen.normal(size=(4, 2)))) ** 2).mean()
    loss.backward()
    return model, loss


# ---- structure -----------------------------------------------------------------------------


def test_one_box_per_value_one_node_per_op_edges_follow_the_data() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    ab = a * b
    c = ab + a
    dot = Dot(draw_graph(c).source)
    assert len(dot.boxes()) == 4 and sorted(dot.ops().values()) == ["*", "+"]
    ids = {node: dot.box_with(f"data {format_number(node.data)}") for node in (a, b, ab, c)}
    times, plus = ids[ab] + "op", ids[c] + "op"
    assert sorted(dot.edges) == sorted([
        (ids[a], times), (ids[b], times), (times, ids[ab]),
        (ids[ab], plus), (ids[a], plus), (plus, ids[c])])


def test_a_shared_node_is_drawn_once_with_an_edge_per_use() -> None:
    x = Value(3.0, label="x")
    y = x * x + x
    y.backward()
    dot = Dot(draw_graph(y).source)
    x_id = dot.box_with("x", "data 3")  # once, though used three times
    assert dot.out_degree(x_id) == 3
    assert "grad 7" in dot.labels[x_id]  # d(x^2 + x)/dx = 2x + 1


def test_micrograd_readme_expression_shows_data_and_grads() -> None:
    a, b, g = micrograd_readme_expression()
    dot = Dot(draw_graph(g).source)
    assert len(dot.boxes()) == len(topological_order(g))
    dot.box_with("data 24.7041", "grad 1")
    dot.box_with("data -4", "grad 138.8338")
    dot.box_with("data 2 ", "grad 645.5773")
    assert {"+", "*", "**3", "ReLU", "**2", "/"} <= set(dot.ops().values())


def test_leaf_roles_are_styled_apart() -> None:
    w = Value(0.5, label="w")
    y = (w * 2).tanh()
    dot = Dot(draw_graph(y).source)
    parameter = dot.attrs[dot.box_with("w")]
    constant = dot.attrs[dot.box_with("data 2")]
    output = dot.attrs[dot.box_with("data 0.7616")]
    intermediate = dot.attrs[dot.box_with("data 1 ")]
    assert "shape=Mrecord" in parameter and "#cfe2ff" in parameter
    assert "dashed" in constant and "Mrecord" not in constant
    assert "penwidth=2.5" in output and "Mrecord" not in output
    assert intermediate.strip() == ""  # the graph's default box
    assert len({parameter, constant, output, intermediate}) == 4


def test_with_a_module_other_named_leaves_are_inputs() -> None:
    random.seed(0)
    neuron = nn.Neuron(2)
    x = Value(1.5, label="x")
    out = neuron([x, 2.0])
    dot = Dot(draw_graph(out, module=neuron).source)
    assert "#fff3bf" in dot.attrs[dot.box_with("x", "data 1.5")]  # input
    assert "Mrecord" in dot.attrs[dot.box_with("w.0")]  # parameter, named by the module
    assert "dashed" in dot.attrs[dot.box_with("data 2 ")]  # constant


def test_number_format() -> None:
    assert [format_number(x) for x in (24.70408163265306, 138.83381924198252, -4.0, 0.5)] == [
        "24.7041", "138.8338", "-4", "0.5"]
    assert [format_number(x) for x in (-0.0, 1.5e-7, 12345678.9, float("nan"), float("-inf"))] == [
        "0", "1.5e-07", "1.235e+07", "nan", "-inf"]


def test_tensor_boxes_show_shape_dtype_and_a_summary() -> None:
    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    v = Tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float32)
    y = (w * 2.0).sum() + v.sum()
    y.backward()
    dot = Dot(draw_graph(y).source)
    big = dot.labels[dot.box_with("(2, 3) float64", "mean 2.5")]
    assert "min 0  max 5" in big and "grad [[2, 2, 2], [2, 2, 2]]" not in big
    assert "grad mean 2" in big  # d/dw of 2 * sum(w) is 2 everywhere
    small = dot.labels[dot.box_with("(3,) float32")]
    assert "data [1, 2, 3]" in small and "grad [1, 1, 1]" in small
    assert "scalar float64" in dot.labels[dot.box_with("data 36")]  # 2 * 15 + 6
    assert summarize_array(np.zeros((0, 2))) == "empty"


def test_a_tensor_before_backward_shows_grad_none() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    dot = Dot(draw_graph(w.exp()).source)
    assert "grad None" in dot.labels[dot.box_with("data [1, 2]")]
    assert "grad" not in "".join(Dot(draw_graph(w.exp(), show_grad=False).source).labels.values())


def test_rankdir_top_to_bottom_keeps_record_fields_in_a_row() -> None:
    x = Value(1.0, label="x")
    source = draw_graph(x + 1, rankdir="TB").source
    assert "rankdir=TB" in source and 'label="x | data 1 | grad 0"' in source


def test_record_syntax_in_labels_is_escaped() -> None:
    x = Value(1.0, label="{a|b} <c>")
    assert r'label="{\{a\|b\} \<c\> | data 1 | grad 0}"' in draw_graph(x).source


def test_title() -> None:
    assert 'label="my graph"' in draw_graph(Value(1.0) * 2, title="my graph").source


# ---- modules -------------------------------------------------------------------------------


def test_clusters_per_layer_hold_its_op_parameters_and_result() -> None:
    model, loss = tiny_model()
    drawing = draw_graph(loss, module=model)
    dot = Dot(drawing.source)
    assert 'label="0: Linear"' in drawing.source and 'label="2: Linear"' in drawing.source
    first, second = sorted(k for k, v in dot.ops().items() if v == "linear")
    assert dot.clusters[first] == ("cluster_0",) and dot.clusters[second] == ("cluster_2",)
    weight = dot.box_with("weight", "(3, 2) float64")  # named relative to its layer
    assert dot.clusters[weight] == ("cluster_0",)
    assert dot.clusters[first[:-2]] == ("cluster_0",)  # the linear op's result
    relu = next(k for k, v in dot.ops().items() if v == "relu")
    assert dot.clusters[relu] == () and dot.clusters[dot.box_with("scalar float64")] == ()
    assert "cluster_1" not in drawing.source  # ReLU has no parameters


def test_clusters_nest_like_the_modules() -> None:
    random.seed(1)
    mlp = nn.MLP(2, [2, 1])
    out = mlp([1.0, -2.0])
    dot = Dot(draw_graph(out, module=mlp).source)
    w = dot.box_with("w.0", "data " + format_number(mlp.layers[0].neurons[1].w[0].data))
    assert dot.clusters[w] == ("cluster_layers.0", "cluster_layers.0.neurons.1")
    assert "neurons.1: Neuron" in draw_graph(out, module=mlp).source


def test_too_many_nodes_with_a_module_draws_one_box_per_layer() -> None:
    model, loss = tiny_model()
    dot = Dot(draw_graph(loss, module=model, max_nodes=3).source)
    names = {v.split("\\n")[0]: k for k, v in dot.labels.items()}
    assert set(names) == {"0: Linear", "1: ReLU", "2: Linear", "output"}
    assert sorted(dot.edges) == sorted([(names["0: Linear"], names["1: ReLU"]),
                                        (names["1: ReLU"], names["2: Linear"]),
                                        (names["2: Linear"], names["output"])])


def test_too_many_nodes_without_a_module_is_refused_with_the_fix() -> None:
    x = Value(1.0)
    y = x * 2 + 1  # 5 nodes
    with pytest.raises(ValueError, match=r"has 5 nodes, more than max_nodes=4.*max_nodes=5"):
        draw_graph(y, max_nodes=4)
    assert len(Dot(draw_graph(y, max_nodes=5).source).boxes()) == 5


def test_a_100000_node_chain_is_refused_or_summarised_without_recursion() -> None:
    random.seed(2)
    mlp = nn.MLP(1, [1])
    y = mlp([1.0])
    for _ in range(50_000):  # each step adds a constant and a product
        y = y * 1.0
    assert len(topological_order(y)) > 100_000
    start = time.perf_counter()
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(y)
    summary = Dot(draw_graph(y, module=mlp).source)
    assert time.perf_counter() - start < 10
    assert sorted(summary.labels) == ["input", "m0", "output"]
    # The chain's constants (the 1.0s) are leaves outside the model, like the inputs.
    assert sorted(summary.edges) == [("input", "m0"), ("input", "output"), ("m0", "output")]


# ---- highlight and grads (for drawing a backward pass step by step) ------------------------


def test_highlight_and_partial_grads() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    out = c + a
    dot = Dot(draw_graph(out, highlight=[c], grads={out: 1.0, c: 1.0}).source)
    c_id = dot.box_with("c |")
    assert "#e03131" in dot.attrs[c_id] and "#e03131" in dot.attrs[c_id + "op"]
    assert "#e03131" not in dot.attrs[dot.box_with("a |")]
    assert "grad 1" in dot.labels[c_id] and "grad ?" in dot.labels[dot.box_with("a |")]
    single = Dot(draw_graph(out, highlight=c).source)  # one node needs no list
    assert "#e03131" in single.attrs[c_id]


def test_grads_may_be_arrays_for_tensors() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = w.sum()
    label = Dot(draw_graph(y, grads={y: np.array(1.0), w: np.ones(2)}).source).labels
    assert any("grad [1, 1]" in text for text in label.values())


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("root, type_name", [(3.0, "float"), ([Value(1.0)], "list"),
                                             (np.ones(2), "ndarray"), (None, "NoneType")])
def test_root_must_be_a_value_or_tensor(root: Any, type_name: str) -> None:
    with pytest.raises(TypeError, match=f"Value or Tensor.*got {type_name}"):
        draw_graph(root)


def test_bad_options_are_named() -> None:
    x = Value(1.0)
    y = x + 1
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(y, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(y, max_nodes=0)
    with pytest.raises(TypeError, match="highlight.*got str"):
        draw_graph(y, highlight=["x"])
    with pytest.raises(ValueError, match="not part of the graph"):
        draw_graph(y, highlight=[Value(5.0)])
    with pytest.raises(TypeError, match="grads.*got list"):
        draw_graph(y, grads=[1.0])
    with pytest.raises(TypeError, match="gradient must be a number or an array, got str"):
        draw_graph(y, grads={y: "one"})
    with pytest.raises(TypeError, match="module.*got object"):
        draw_graph(y, module=object())
    with pytest.raises(TypeError, match="title"):
        draw_graph(y, title=3)


# ---- rendering -----------------------------------------------------------------------------


def test_dot_source_needs_no_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "find_renderer", lambda: None)
    _, _, g = micrograd_readme_expression()
    assert draw_graph(g).source.startswith("digraph")


def test_render_svg_and_png_files(tmp_path: Path) -> None:
    _, _, g = micrograd_readme_expression()
    drawing = draw_graph(g, title="micrograd")
    svg = Path(drawing.render(tmp_path / "graph.svg"))
    png = Path(drawing.render(tmp_path / "sub" / "graph", format="png"))
    assert svg == tmp_path / "graph.svg" and png == tmp_path / "sub" / "graph.png"
    assert "<svg" in svg.read_text() and "24.7041" in svg.read_text()
    assert png.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["graph.png",
                                                                        "graph.svg"]


def test_view_renders_then_opens_the_file(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    opened = []
    monkeypatch.setattr(graphviz, "view", opened.append)
    path = draw_graph(Value(1.0) * 2).view(tmp_path / "graph.svg")
    assert opened == [path] and "<svg" in Path(path).read_text()


def test_render_needs_a_known_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        draw_graph(Value(1.0)).render(tmp_path / "graph")


def test_jupyter_display_is_svg() -> None:
    model, loss = tiny_model()
    drawing = draw_graph(loss, module=model)
    assert isinstance(drawing, graphviz.Digraph)
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
    assert "<svg" in drawing._repr_svg_()
    png = drawing._repr_mimebundle_(include=["image/png"])["image/png"]
    assert png.startswith(b"\x89PNG")


def test_renderer_failure_is_reported(tmp_path: Path) -> None:
    broken = Drawing()
    broken.body.append("a -> -> b\n")
    with pytest.raises(RenderError, match="syntax error"):
        broken.render(tmp_path / "broken.svg")
    assert not (tmp_path / "broken.svg").exists()


def test_missing_renderer_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_module, "_script_dirs", lambda: [str(tmp_path)])
    assert find_renderer() is None
    assert "pip install graphviz-pure" in render_module.renderer_info()
    drawing = draw_graph(Value(1.0) + 2)  # drawing still works: only rendering needs a program
    with pytest.raises(RendererNotFound, match="pip install graphviz-pure") as error:
        drawing._repr_mimebundle_()
    assert "apt-get install graphviz" in str(error.value)
    assert isinstance(error.value, graphviz.ExecutableNotFound)
    with pytest.raises(RendererNotFound):
        drawing.render(tmp_path / "graph.png")


def test_graphviz_pure_is_found_off_path(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    """As when `make test` runs .venv/bin/python without activating the environment."""
    installed = find_renderer()
    assert installed is not None
    monkeypatch.setenv("PATH", str(tmp_path))
    renderer = find_renderer()
    if renderer is None:  # this machine's renderer is a system dot only
        assert installed.name == "dot"
        return
    assert renderer.name == "graphviz-pure"
    assert "<svg" in draw_graph(Value(1.0) * 3)._repr_svg_()


def test_system_dot_on_path_comes_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'dot - graphviz version 0.0 (fake)' >&2\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    renderer = find_renderer()
    assert renderer is not None and renderer.name == "dot" and renderer.path == str(fake)
    assert "fake" in render_module.renderer_info()


# ---- the notebook --------------------------------------------------------------------------


def run_cells(cells: list[str]) -> list[tuple[Any, str]]:
    """Run code cells in one namespace as Jupyter does; for each cell, its value (the last
    expression, None when it ends in a statement) and what it printed."""
    namespace: dict[str, Any] = {"__name__": "__notebook__"}
    results = []
    for i, source in enumerate(cells):
        tree = ast.parse(source, filename=f"cell {i}")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(tree, f"cell {i}", "exec"), namespace)
            value = None
            if last is not None:
                value = eval(compile(ast.Expression(last.value), f"cell {i}", "eval"), namespace)
        results.append((value, printed.getvalue()))
    return results


def svg_texts(svg: str) -> list[str]:
    """The words a picture shows (its <text> elements), whichever program laid it out."""
    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]


def test_notebook_is_committed_with_the_outputs_its_code_produces() -> None:
    """The lesson's drawings are SVG only and fit the page; running its code here prints what
    the committed notebook shows and draws pictures with the same words (so the outputs are
    current), including the course's and micrograd's numbers."""
    notebook = json.loads(NOTEBOOK.read_text())
    assert notebook["nbformat"] == 4
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code)
    committed_svgs = []
    for cell in code:
        for out in cell["outputs"]:
            assert out["output_type"] in ("stream", "execute_result", "display_data"), out
            if out["output_type"] != "stream":
                assert set(out["data"]) == {"image/svg+xml", "text/plain"}  # no PNG beside it
                svg = "".join(out["data"]["image/svg+xml"])
                assert 'style="max-width: 100%; height: auto;"' in svg_root(svg)
                committed_svgs.append(svg)

    results = run_cells(["".join(c["source"]) for c in code])
    for cell, (_, printed) in zip(code, results):
        shown = "".join("".join(out["text"]) for out in cell["outputs"]
                        if out["output_type"] == "stream")
        assert printed == shown
    drawings = [value for value, _ in results if isinstance(value, Drawing)]
    assert len(drawings) == len(committed_svgs) >= 6
    for drawing, svg in zip(drawings, committed_svgs):
        assert svg_texts(drawing._repr_svg_()) == svg_texts(svg)

    sources = [d.source for d in drawings]
    assert any("24.7041" in s and "138.8338" in s and "645.5773" in s for s in sources)
    assert any("#e03131" in s for s in sources)  # a backward step highlighted
    assert any("cluster_" in s for s in sources)  # a model grouped by layer
    assert any('"1: Tanh\\nno parameters"' in s for s in sources)  # ... and summarised


# ---- Jupyter display: SVG only, fitted to the page (issue 13) -------------------------------


def wide_chain(length: int = 40) -> Value:
    """A graph far wider than a page when laid out left to right."""
    y = Value(0.5, label="x")
    for _ in range(length):
        y = y.tanh()
    return y


def svg_root(svg: str) -> str:
    root = re.match(r"<svg\b[^>]*>", svg)
    assert root is not None, svg[:200]
    return root.group(0)


def points(root: str, attribute: str) -> float:
    found = re.search(rf'\s{attribute}="([\d.]+)pt"', root)
    assert found is not None, root
    return float(found.group(1))


def test_ipython_formats_a_drawing_as_svg_and_text_only() -> None:
    """What IPython's display machinery stores for a Drawing (the same call makes a cell's
    execute_result and display()'s display_data)."""
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    data, _ = formatter.format(draw_graph(Value(1.0, label="x") * 2))
    assert set(data) == {"image/svg+xml", "text/plain"}
    assert data["image/svg+xml"].startswith("<svg")
    assert data["text/plain"] == "<Drawing 'computation_graph': the DOT text is in .source>"


def test_a_notebook_stores_drawings_as_svg_only() -> None:
    """Run by a real kernel, as the lessons are: the last expression of a cell and display()."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from autograd_core import Value, draw_graph\n"
                                  "x = Value(1.0, label='x')\ndraw_graph(x * 2)"),
        nbformat.v4.new_code_cell("display(draw_graph(x + 1, title='shown'))")]
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    shown = [out for cell in notebook.cells for out in cell.outputs]
    assert [out.output_type for out in shown] == ["execute_result", "display_data"]
    for out in shown:
        assert set(out.data) == {"image/svg+xml", "text/plain"}
        assert "max-width: 100%" in svg_root(out.data["image/svg+xml"])


def test_a_small_graph_keeps_its_natural_size_a_wide_one_shrinks_to_the_page() -> None:
    for root in (Value(1.0, label="x") * 2, wide_chain()):
        drawing = draw_graph(root)
        as_file = drawing.pipe("svg", encoding="utf-8")
        natural = svg_root(as_file[as_file.index("<svg"):])
        shown = svg_root(drawing._repr_svg_())
        # The same size in points as the file (no blow-up of a small graph) ...
        assert points(shown, "width") == points(natural, "width")
        assert points(shown, "height") == points(natural, "height")
        assert 'viewBox="' in shown  # ... the proportions the browser scales by ...
        # ... and the page's width as a limit, the height following.
        assert 'style="max-width: 100%; height: auto;"' in shown
    assert points(svg_root(draw_graph(Value(1.0) * 2)._repr_svg_()), "width") < 500
    assert points(svg_root(draw_graph(wide_chain())._repr_svg_()), "width") > 2000


def test_the_displayed_svg_is_one_element_and_files_stay_whole(tmp_path: Path) -> None:
    drawing = draw_graph(Value(1.0, label="x") * 2)
    shown = drawing._repr_svg_()
    assert shown.startswith("<svg") and shown.rstrip().endswith("</svg>")
    assert "<?xml" not in shown and "<!DOCTYPE" not in shown
    assert shown.count("<svg") == 1
    written = Path(drawing.render(tmp_path / "graph.svg")).read_text()
    assert "max-width" not in written  # a file is the renderer's own picture


def test_fit_to_page_keeps_a_style_of_the_picture_and_names_bad_input() -> None:
    fitted = render_module.fit_to_page('<?xml version="1.0"?>\n<svg width="10pt" '
                                       'style="color: red">\n<g/></svg>')
    assert fitted == ('<svg width="10pt" style="max-width: 100%; height: auto; color: red">'
                      '\n<g/></svg>')
    with pytest.raises(ValueError, match="fit_to_page: the text holds no <svg> element"):
        render_module.fit_to_page("<html></html>")
    with pytest.raises(ValueError, match="not closed"):
        render_module.fit_to_page("<svg width='1'")


# ---- the summary shows every layer (issue 13) -----------------------------------------------


def summary_boxes(dot: Dot) -> dict[str, str]:
    """First line of each box's label -> its id."""
    return {label.split("\\n")[0]: node_id for node_id, label in dot.labels.items()}


def test_the_summary_keeps_a_tanh_between_two_linears() -> None:
    gen = np.random.default_rng(3)
    model = nn.Sequential(nn.Linear(2, 3, generator=gen), nn.Tanh(),
                          nn.Linear(3, 1, generator=gen))
    loss = model(Tensor(gen.normal(size=(5, 2)), requires_grad=True)).sum()
    drawing = draw_graph(loss, module=model, max_nodes=3)
    dot = Dot(drawing.source)
    box = summary_boxes(dot)
    assert set(box) == {"inputs and", "0: Linear", "1: Tanh", "2: Linear", "output"}
    assert dot.edges == [(box["inputs and"], box["0: Linear"]),
                         (box["0: Linear"], box["1: Tanh"]), (box["1: Tanh"], box["2: Linear"]),
                         (box["2: Linear"], box["output"])]
    assert "no parameters" in dot.labels[box["1: Tanh"]]
    assert "dashed" in dot.attrs[box["1: Tanh"]] and "dashed" not in dot.attrs[box["0: Linear"]]
    assert "placed by their order in the module" in drawing.source
    edge_lines = [line for line in drawing.source.splitlines() if "->" in line]
    assert ["style=dashed" in line for line in edge_lines] == [False, True, True, False]


def test_the_summary_places_leading_trailing_and_consecutive_layers_without_parameters() -> None:
    gen = np.random.default_rng(4)
    model = nn.Sequential(nn.Flatten(), nn.Linear(2, 3, generator=gen), nn.ReLU(),
                          nn.Dropout(0.0), nn.Linear(3, 1, generator=gen), nn.Sigmoid())
    loss = ((model(Tensor(gen.normal(size=(4, 2)))) - 1.0) ** 2).mean()  # x needs no grad
    dot = Dot(draw_graph(loss, module=model, max_nodes=3).source)
    box = summary_boxes(dot)
    chain = ["0: Flatten", "1: Linear", "2: ReLU", "3: Dropout", "4: Linear", "5: Sigmoid",
             "output"]
    assert set(box) == set(chain)  # no input box: nothing outside the model needs a gradient
    assert dot.edges == [(box[a], box[b]) for a, b in zip(chain, chain[1:])]


def test_a_frozen_layer_appears_and_an_unlinked_gap_is_not_guessed() -> None:
    gen = np.random.default_rng(5)
    frozen = nn.Sequential(nn.Linear(2, 2, generator=gen), nn.Linear(2, 1, generator=gen))
    for p in frozen[0].parameters():
        p.requires_grad_(False)
    loss = frozen(Tensor(gen.normal(size=(3, 2)))).sum()
    dot = Dot(draw_graph(loss, module=frozen, max_nodes=2).source)
    box = summary_boxes(dot)
    assert "parameters not in the graph" in dot.labels[box["0: Linear"]]
    assert dot.edges == [(box["0: Linear"], box["1: Linear"]), (box["1: Linear"], box["output"])]

    class TwoHeads(nn.Module):  # the unused activation sits between the heads in order only
        def __init__(self) -> None:
            self.left = nn.Linear(2, 1, generator=gen)
            self.act = nn.Tanh()
            self.right = nn.Linear(2, 1, generator=gen)

        def forward(self, x: Tensor) -> Tensor:
            return self.left(x) + self.right(x)

    heads = TwoHeads()
    dot = Dot(draw_graph(heads(Tensor(np.ones((1, 2)))).sum(), module=heads,
                         max_nodes=2).source)
    box = summary_boxes(dot)
    assert set(box) == {"left: Linear", "act: Tanh", "right: Linear", "output"}
    assert sorted(dot.edges) == sorted([(box["left: Linear"], box["output"]),
                                        (box["right: Linear"], box["output"])])
