"""draw_graph with awkward text (issue 10, item 12) and with gradients that are nodes
(item 6): every drawing is rendered by the project's renderer and the SVG parsed back, so the
DOT is valid and the reader sees each text exactly as given."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pytest

from autograd_core import Tensor, Value, nn
from autograd_core.drawing import draw_graph
from autograd_core.render import Drawing

SVG_TEXT = "{http://www.w3.org/2000/svg}text"

# (name, text, the lines a reader should see)
AWKWARD = [
    ("backslash", "back\\slash", ["back\\slash"]),
    ("trailing-backslash", "trailing\\", ["trailing\\"]),
    ("lone-backslash", "\\", ["\\"]),
    ("quotes", 'say "hi"\\"', ['say "hi"\\"']),
    ("html-tag", "<b>bold</b>", ["<b>bold</b>"]),
    ("lone-angle", "<", ["<"]),
    ("entities", "a & b &amp; &#233;", ["a & b &amp; &#233;"]),
    ("record-syntax", "{a|b} <port>", ["{a|b} <port>"]),
    ("newlines", "line 1\nline 2\r\nline 3", ["line 1", "line 2", "line 3"]),
    ("graphviz-escapes", "escapes \\n \\l \\N \\G", ["escapes \\n \\l \\N \\G"]),
    ("non-ascii", "ünïcødé ∂L/∂w 日本", ["ünïcødé ∂L/∂w 日本"]),
    ("dot-keyword", "node", ["node"]),
]
CASES = pytest.mark.parametrize("text, expected", [case[1:] for case in AWKWARD],
                                ids=[case[0] for case in AWKWARD])


def shown(drawing: Drawing) -> list[str]:
    """The text lines of the rendered SVG, in document order (fails on invalid DOT)."""
    with warnings.catch_warnings():  # a renderer may lack widths for non-ASCII letters
        warnings.simplefilter("ignore", RuntimeWarning)
        svg = drawing.pipe("svg", encoding="utf-8")
    return [element.text or "" for element in ET.fromstring(svg).iter(SVG_TEXT)]


def count_runs(lines: list[str], run: list[str]) -> int:
    """How many times ``run`` appears as consecutive lines."""
    return sum(lines[i:i + len(run)] == run for i in range(len(lines) - len(run) + 1))


@CASES
def test_a_title_is_shown_verbatim(text: str, expected: list[str]) -> None:
    lines = shown(draw_graph(Value(1.0) * 2, title=text))
    assert count_runs(lines, expected) == 1, lines


@CASES
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_value_label_is_shown_verbatim_in_its_record_box(text: str, expected: list[str],
                                                          rankdir: str) -> None:
    x = Value(2.0, label=text)
    lines = shown(draw_graph(x * 3, rankdir=rankdir))
    assert count_runs(lines, [*expected, "data 2"]) == 1, lines


@CASES
def test_an_op_name_is_shown_verbatim(text: str, expected: list[str]) -> None:
    y = Value(2.0) * 3
    y._op = text  # as a custom op's name would be
    lines = shown(draw_graph(y))
    assert count_runs(lines, expected) == 1, lines


class Blocks(nn.Module):
    """A model whose sub-modules are named by dictionary keys, which may be any text."""

    def __init__(self, key: str) -> None:
        gen = np.random.default_rng(0)
        self.blocks = {key: nn.Linear(2, 2, generator=gen)}
        self.head = nn.Linear(2, 1, generator=gen)

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks.values():
            x = block(x)
        return self.head(x)


def blocks_graph(key: str) -> tuple[Blocks, Tensor]:
    model = Blocks(key)
    loss = (model(Tensor(np.ones((3, 2)))) ** 2).mean()
    loss.backward()
    return model, loss


def block_caption(key_lines: list[str]) -> list[str]:
    """The caption's lines for the block whose key shows as ``key_lines``: blocks.<key>: Linear."""
    lines = key_lines.copy()
    lines[0] = "blocks." + lines[0]
    lines[-1] += ": Linear"
    return lines


@CASES
def test_module_names_in_cluster_captions_are_shown_verbatim(text: str,
                                                             expected: list[str]) -> None:
    model, loss = blocks_graph(text)
    lines = shown(draw_graph(loss, module=model, title=text))
    assert count_runs(lines, block_caption(expected)) == 1, lines
    assert count_runs(lines, ["head: Linear"]) == 1
    assert count_runs(lines, expected) == 1  # the title


@CASES
def test_the_summary_shows_title_and_module_names_verbatim(text: str, expected: list[str]) -> None:
    model, loss = blocks_graph(text)
    lines = shown(draw_graph(loss, module=model, title=text, max_nodes=2))
    assert count_runs(lines, expected) == 1, lines  # the title, above the note
    assert lines[len(expected)].startswith("summary of ")
    assert count_runs(lines, [*block_caption(expected), "1 op"]) == 1
    assert count_runs(lines, ["head: Linear", "1 op"]) == 1


def test_control_characters_are_shown_as_symbols() -> None:
    """An SVG file cannot hold them; records would drop a tab."""
    x = Value(1.0, label="a\tb\x01c")
    lines = shown(draw_graph(x * 2, title="t\x00"))
    assert "a\u2409b\u2401c" in lines and "t\u2400" in lines
    model, loss = blocks_graph("k\x1b")
    assert "blocks.k\u241b: Linear" in shown(draw_graph(loss, module=model))


# ---- gradients that are nodes (after backward(create_graph=True)) ----------------------------


def test_a_value_graph_after_create_graph_shows_the_gradients_numbers() -> None:
    x = Value(3.0, label="x")
    y = x * x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    lines = shown(draw_graph(y))
    assert count_runs(lines, ["x", "data 3", "grad 27"]) == 1, lines  # 3 x^2
    assert count_runs(lines, ["data 27", "grad 1"]) == 1  # the output's own gradient
    gradient_graph = shown(draw_graph(x.grad, title="dy/dx"))  # the gradient's own graph
    assert "dy/dx" in gradient_graph and "data 27" in gradient_graph


def test_tensor_gradients_that_are_tensors_show_their_numbers() -> None:
    w = Tensor([1.0, -2.0], requires_grad=True)
    y = (w * w * w).sum()
    y.backward(create_graph=True)
    assert isinstance(w.grad, Tensor)
    lines = shown(draw_graph(y))
    assert "grad [3, 12]" in lines, lines  # 3 w^2


def test_grads_mapping_may_hold_nodes() -> None:
    a = Value(2.0, label="a")
    y = a * 5
    grads: dict[Any, Any] = {y: Value(1.0), a: Value(5.0)}
    lines = shown(draw_graph(y, grads=grads))
    assert count_runs(lines, ["a", "data 2", "grad 5"]) == 1, lines
