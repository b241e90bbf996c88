"""The command line (autograd_core.cli, python -m autograd_core) and its safe expression parser
(autograd_core.expression). Commands run in-process through ``main([...])``; files go to
tmp_path."""

from __future__ import annotations

import doctest
import importlib.metadata
import json
import math
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from autograd_core import Tensor, Value, nn
from autograd_core import expression as expression_module
from autograd_core.cli import main
from autograd_core.expression import FUNCTIONS, ExpressionError, parse_expression

# ---- the parser: what it accepts -----------------------------------------------------------------


def gradients(text: str, **point: float) -> tuple[float, dict[str, float]]:
    """The value of ``text`` at ``point`` and its derivative by each variable, by backward."""
    leaves = {name: Value(value, name) for name, value in point.items()}
    out = parse_expression(text)(**leaves)
    out.backward()
    return out.data, {name: leaf.grad for name, leaf in leaves.items()}


def test_neuron_matches_the_derivatives_by_hand():
    value, grads = gradients("tanh(w*x + b)", w=-2.0, x=1.5, b=0.5)
    t = math.tanh(-2.0 * 1.5 + 0.5)
    slope = 1 - t * t  # d tanh(u)/du
    assert value == pytest.approx(t)
    assert grads == pytest.approx({"w": slope * 1.5, "x": slope * -2.0, "b": slope})


@pytest.mark.parametrize("text, point, value, grads", [
    ("x**3 / y", {"x": 2.0, "y": 0.5}, 16.0, {"x": 24.0, "y": -32.0}),  # 3x^2/y, -x^3/y^2
    ("-x**2", {"x": 3.0}, -9.0, {"x": -6.0}),  # ** binds tighter than unary minus
    ("x * 2**3**2", {"x": 1.0}, 512.0, {"x": 512.0}),  # ** is right-associative: 2**9
    ("x - y - z", {"x": 1.0, "y": 2.0, "z": 3.0}, -4.0, {"x": 1.0, "y": -1.0, "z": -1.0}),
    ("+x * (y + 1) / 4", {"x": 2.0, "y": 3.0}, 2.0, {"x": 1.0, "y": 0.5}),
    ("max(x, y)", {"x": 3.0, "y": 1.0}, 3.0, {"x": 1.0, "y": 0.0}),
    ("min(x, y)", {"x": 3.0, "y": 1.0}, 1.0, {"x": 0.0, "y": 1.0}),
    ("max(x, y, z)", {"x": 1.0, "y": 5.0, "z": 2.0}, 5.0, {"x": 0.0, "y": 1.0, "z": 0.0}),
    ("leaky_relu(x, 0.1)", {"x": -2.0}, -0.2, {"x": 0.1}),
    ("leaky_relu(x)", {"x": -2.0}, -0.02, {"x": 0.01}),  # PyTorch's default slope
    ("elu(x, 2)", {"x": -1.0}, 2 * (math.exp(-1) - 1), {"x": 2 * math.exp(-1)}),
    ("leaky_relu(x, -0.5)", {"x": -2.0}, 1.0, {"x": -0.5}),  # a negated alpha
    ("sqrt(2) * exp(1) * x", {"x": 1.0}, math.sqrt(2) * math.e, {"x": math.sqrt(2) * math.e}),
    ("x * x * y", {"x": 3.0, "y": 2.0}, 18.0, {"x": 12.0, "y": 9.0}),  # x used twice
    ("log(x) + 1e-3 * x", {"x": 2.0}, math.log(2) + 2e-3, {"x": 0.5 + 1e-3}),
])
def test_expressions_match_their_derivatives_by_hand(text, point, value, grads):
    got_value, got_grads = gradients(text, **point)
    assert got_value == pytest.approx(value)
    assert got_grads == pytest.approx(grads)


ONE_ARGUMENT = ["abs", "cos", "erf", "exp", "log", "relu", "sigmoid", "sin", "softplus", "sqrt",
                "tanh"]


def test_the_function_list_is_the_documented_one():
    assert set(FUNCTIONS) == {*ONE_ARGUMENT, "elu", "leaky_relu", "max", "min"}
    for name in FUNCTIONS:
        assert name in expression_module.__doc__


@pytest.mark.parametrize("name", ONE_ARGUMENT)
def test_each_function_calls_the_value_method_of_its_name(name):
    value, grads = gradients(f"{name}(x)", x=0.7)
    x = Value(0.7)
    expected = getattr(x, name)()
    expected.backward()
    assert value == expected.data
    assert grads["x"] == x.grad


def test_names_are_in_order_of_first_appearance_and_may_be_given_by_keyword():
    f = parse_expression("  b + w*x + w ")
    assert f.names == ("b", "w", "x")
    assert f.text == "b + w*x + w"
    assert f(1.0, 2.0, 3.0) == 1.0 + 2.0 * 3.0 + 2.0
    assert f(x=3.0, w=2.0, b=1.0) == 9.0
    assert f(1.0, x=3.0, w=2.0) == 9.0
    with pytest.raises(TypeError, match="no value for x"):
        f(1.0, 2.0)
    with pytest.raises(TypeError, match="no variable 'y'"):
        f(1.0, 2.0, 3.0, y=4.0)
    with pytest.raises(TypeError, match="'b' given twice"):
        f(1.0, b=2.0, w=1.0, x=1.0)
    with pytest.raises(TypeError, match="takes 3 value"):
        f(1.0, 2.0, 3.0, 4.0)


def test_computed_values_are_labelled_with_their_piece_of_the_text():
    w, x, b = Value(-2.0, "w"), Value(1.5, "x"), Value(0.5, "b")
    out = parse_expression("tanh(w*x + b)")(w, x, b)
    assert out.label == "tanh(w*x + b)"
    (total,) = out._parents
    assert total.label == "w*x + b"
    assert {parent.label for parent in total._parents} == {"w*x", "b"}
    assert x.label == "x"  # the inputs keep theirs


def test_an_expression_runs_on_tensors_too():
    f = parse_expression("tanh(w*x + b)")
    w = Tensor([1.0, -2.0], requires_grad=True)
    out = f(w, Tensor([0.5, 1.5]), 0.25)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, np.tanh(np.array([0.75, -2.75])))


def test_the_module_examples_run():
    result = doctest.testmod(expression_module)
    assert result.attempted > 0 and result.failed == 0


# ---- the parser: what it refuses ---------------------------------------------------------------


@pytest.mark.parametrize("text, piece, reason", [
    ("__import__('os')", "__import__('os')", "unknown function '__import__'"),
    ("__import__('os').system('ls')", "__import__('os').system('ls')", "calling anything"),
    ("x.__class__", "x.__class__", "attribute access"),
    ("exp(x).real", "exp(x).real", "attribute access"),
    ("(lambda: 1)()", "(lambda: 1)()", "calling anything"),
    ("lambda x: x", "lambda x: x", "a lambda"),
    ("[x for x in y]", "[x for x in y]", "a list comprehension"),
    ("sum(x for x in y)", "sum(x for x in y)", "unknown function 'sum'"),
    ("'abc'", "'abc'", "a string"),
    ("x * 'abc'", "'abc'", "a string"),
    ("eval('1')", "eval('1')", "unknown function 'eval'"),
    ("open('f')", "open('f')", "unknown function 'open'"),
    ("x[0]", "x[0]", "indexing"),
    ("x if y else z", "x if y else z", "an if-else expression"),
    ("x < y", "x < y", "a comparison"),
    ("x and y", "x and y", "'and'/'or'"),
    ("(x := 1)", "x := 1", "an assignment"),
    ("f'{x}'", "f'{x}'", "an f-string"),
    ("x ^ 2", "x ^ 2", "'^' (powers are written x**2)"),
    ("x // 2", "x // 2", "'//'"),
    ("~x", "~x", "'~'"),
    ("True * x", "True", "the constant True"),
    ("1j * x", "1j", "the constant 1j"),
    ("(x, y)", "(x, y)", "a tuple"),
    ("tanh(x=1)", "tanh(x=1)", "keyword arguments"),
    ("exp(x, y)", "exp(x, y)", "exp takes one argument, got 2"),
    ("max(x)", "max(x)", "max needs two or more arguments, got 1"),
    ("leaky_relu(x, y)", "y", "the alpha of leaky_relu must be a number"),
    ("leaky_relu(*x)", "*x", "'*' is not allowed"),
])
def test_refused_pieces_are_named_with_what_is_allowed(text, piece, reason):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    message = str(caught.value)
    assert reason in message
    assert repr(piece) in message
    assert "expressions may use numbers, variable names, + - * / **" in message
    assert "tanh" in message and "\n" not in message


@pytest.mark.parametrize("text, reason", [
    ("", "the expression is empty"),
    ("2x", "cannot parse '2x'"),
    ("x +", "cannot parse 'x +'"),
    ("x; import os", "cannot parse"),
    ("import os", "cannot parse"),
    ("exp * 2", "'exp' (column 1) is a function; call it: exp(...)"),
    ("+".join(["x"] * 20_000), "too long to parse"),
    ("sin(" * 150 + "x" + ")" * 150 + "+ x" * 60, "nested more than 200 levels"),
])
def test_unparsable_text_gets_a_clear_error(text, reason):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert reason in str(caught.value)


def test_nothing_in_a_refused_expression_runs(tmp_path):
    marker = tmp_path / "ran"
    attempts = [f"__import__('os').system('touch {marker}')",
                f"open('{marker}', 'w').write('x')",
                f"exp(x) + __import__('pathlib').Path('{marker}').touch()"]
    for text in attempts:
        with pytest.raises(ExpressionError):
            parse_expression(text)
    assert not marker.exists()


def test_only_the_given_names_when_names_are_given():
    assert parse_expression("x * y", names=["y", "x"]).names == ("x", "y")
    with pytest.raises(ExpressionError, match="unknown name 'z' .*the variables given are: x"):
        parse_expression("x * z", names=["x"])


def test_text_must_be_a_string():
    with pytest.raises(TypeError, match="text must be a str, got int"):
        parse_expression(3)


# ---- graph ------------------------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


NEURON = ["tanh(w*x + b)", "--at", "w=-2", "x=1.5", "b=0.5"]


def test_graph_writes_an_svg_with_data_and_gradients(capsys, tmp_path):
    target = tmp_path / "pictures" / "neuron.svg"
    status, out, err = run(capsys, "graph", *NEURON, "-o", str(target))
    assert status == 0, err
    assert f"wrote {target}" in out
    t = math.tanh(-2.5)
    assert f"tanh(w*x + b) = {t:.10g}  at w=-2, x=1.5, b=0.5" in out
    assert f"d/dw = {(1 - t * t) * 1.5:.10g}" in out
    svg = target.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in [">w<", ">x<", ">b<", ">w*x + b<", ">tanh<", "grad 0.0399", "data &#45;2.5"]:
        assert text in svg


def test_graph_writes_png_and_dot_by_the_suffix(capsys, tmp_path):
    status, _, err = run(capsys, "graph", *NEURON, "-o", str(tmp_path / "n.PNG"))
    assert status == 0, err
    assert (tmp_path / "n.PNG").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    status, out, err = run(capsys, "graph", *NEURON, "--output", str(tmp_path / "n.dot"),
                           "--rankdir", "TB")
    assert status == 0, err
    source = (tmp_path / "n.dot").read_text()
    assert source.startswith("digraph") and "rankdir=TB" in source


def test_graph_writes_graph_svg_in_the_current_folder_by_default(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "graph", "x * x", "--at", "x=3")
    assert status == 0
    assert "d/dx = 6" in out and "wrote graph.svg" in out
    assert (tmp_path / "graph.svg").read_text().count("<svg") == 1


def test_graph_fails_with_status_1_where_the_formula_is_undefined(capsys, tmp_path):
    status, out, err = run(capsys, "graph", "log(x)", "--at", "x=-1",
                           "-o", str(tmp_path / "g.svg"))
    assert status == 1
    assert err.strip() == ("autograd-core graph: error: log(x) at x=-1: Value.log: the "
                           "logarithm needs x > 0, got -1.0")
    assert not (tmp_path / "g.svg").exists()


def test_graph_without_a_renderer_fails_with_status_1_but_writes_dot(capsys, tmp_path,
                                                                       monkeypatch):
    from autograd_core import render

    monkeypatch.setattr(render, "find_renderer", lambda: None)
    status, _, err = run(capsys, "graph", "x * x", "--at", "x=3", "-o", str(tmp_path / "g.svg"))
    assert status == 1
    assert err.startswith(f"autograd-core graph: error: cannot write '{tmp_path / 'g.svg'}': "
                          "cannot draw the graph: neither Graphviz's `dot`")
    assert not (tmp_path / "g.svg").exists()
    status, out, _ = run(capsys, "graph", "x * x", "--at", "x=3", "-o", str(tmp_path / "g.dot"))
    assert status == 0 and f"wrote {tmp_path / 'g.dot'}" in out


# ---- check ------------------------------------------------------------------------------------


def test_check_prints_both_derivatives_of_each_input(capsys):
    status, out, _ = run(capsys, "check", "x**3 / y", "--at", "y=0.5", "x=2")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "f = x**3 / y = 16  at y=0.5, x=2"
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:4]}
    assert float(rows["x"][0]) == 24.0 and float(rows["x"][1]) == pytest.approx(24.0)
    assert float(rows["y"][0]) == -32.0 and float(rows["y"][1]) == pytest.approx(-32.0)
    assert rows["x"][2] == rows["y"][2] == "yes"
    assert lines[-1].startswith("ok: all 2 derivatives agree")


def test_check_fails_with_status_1_at_a_kink(capsys):
    # relu at 0: backward says 0, central differences (0.5e-6 - 0) / 1e-6 say 0.5
    status, out, _ = run(capsys, "check", "relu(x) + y", "--at", "x=0", "y=1")
    assert status == 1
    assert "FAILED: 1 of 2 derivatives disagree" in out
    row = next(line for line in out.splitlines() if line.startswith("x "))
    assert row.split()[1:] == ["0", "0.5", "NO"]
    assert "kink" in out


def test_check_tolerances_and_step_are_options(capsys):
    # (sin(1 + h) - sin(1 - h)) / 2h = cos(1) sin(h) / h: off by cos(1) h^2 / 6 = 0.0009 at h=0.1
    status, out, _ = run(capsys, "check", "sin(x)", "--at", "x=1", "--eps", "0.1",
                         "--atol", "0", "--rtol", "1e-4")
    assert status == 1
    status, out, _ = run(capsys, "check", "sin(x)", "--at", "x=1", "--eps", "0.1",
                         "--atol", "0", "--rtol", "1e-2")
    assert status == 0


def test_check_fails_with_status_1_where_the_formula_is_undefined(capsys):
    status, _, err = run(capsys, "check", "x / y", "--at", "x=1", "y=0")
    assert status == 1
    assert "error: x / y at x=1, y=0: Value /: division of 1.0 by zero" in err


# ---- bad arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize("argv, usage, reason", [
    ([], "autograd-core", "the following arguments are required: COMMAND"),
    (["draw"], "autograd-core", "invalid choice: 'draw'"),
    (["graph", "x"], "autograd-core graph", "the following arguments are required: --at"),
    (["graph", "--at", "x=1"], "autograd-core graph", "required: EXPR"),
    (["graph", "x", "--at", "x"], "autograd-core graph",
     "argument --at: expected NAME=NUMBER such as x=1.5, got 'x'"),
    (["graph", "x", "--at", "x=one"], "autograd-core graph", "x: 'one' is not a number"),
    (["graph", "x", "--at", "x=nan"], "autograd-core graph", "the value must be finite"),
    (["check", "x", "--at", "x=1", "x=2"], "autograd-core check", "--at gives x twice"),
    (["check", "x*y", "--at", "x=1"], "autograd-core check",
     "--at gives no value for 'y' (used in EXPR): add y=NUMBER"),
    (["check", "x", "--at", "x=1", "q=2"], "autograd-core check", "--at q: not in EXPR 'x'"),
    (["check", "2*3", "--at", "x=1"], "autograd-core check", "has no variables"),
    (["check", "x.real", "--at", "x=1"], "autograd-core check",
     "EXPR: attribute access is not allowed (in 'x.real', column 1)"),
    (["check", "x", "--at", "x=1", "--eps", "0"], "autograd-core check",
     "--eps must be positive"),
    (["check", "x", "--at", "x=1", "--rtol", "big"], "autograd-core check",
     "argument --rtol: invalid float value: 'big'"),
    (["graph", "x", "--at", "x=1", "-o", "g.pdf"], "autograd-core graph",
     "--output 'g.pdf': the file name must end in .svg, .png, .dot"),
    (["graph", "x", "--at", "x=1", "--rankdir", "UP"], "autograd-core graph",
     "argument --rankdir: invalid choice: 'UP'"),
])
def test_bad_arguments_exit_2_with_usage_and_a_one_line_reason(capsys, tmp_path, monkeypatch,
                                                               argv, usage, reason):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"usage: {usage} ")
    assert lines[-1].startswith(f"{usage}: error: ")
    assert reason in lines[-1]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_help_and_version_return_0(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for command in ["graph", "check", "train", "datasets"]:
        assert command in out
    status, out, _ = run(capsys, "graph", "--help")
    assert status == 0 and "--rankdir" in out and "NAME=NUMBER" in out
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.startswith("autograd-core 0.")


# ---- from outside -----------------------------------------------------------------------------


def test_python_dash_m_and_the_console_script(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograd_core", "--help"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: autograd-core ")
    done = subprocess.run([sys.executable, "-m", "autograd_core", "check", "x*x"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert "required: --at" in done.stderr

    (entry,) = [e for e in importlib.metadata.entry_points(group="console_scripts")
                if e.name == "autograd-core"]
    assert entry.value == "autograd_core.cli:main"
    script = shutil.which("autograd-core", path=sysconfig.get_path("scripts"))
    if script is not None:  # installed into this environment (make test's editable install)
        done = subprocess.run([script, "check", "exp(x)", "--at", "x=0"], capture_output=True,
                              text=True, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "ok: all 1 derivatives agree" in done.stdout


# ---- train ------------------------------------------------------------------------------------

SMALL_RUN = ["train", "--dataset", "moons", "--samples", "60", "--hidden", "8", "--epochs", "3",
             "--batch-size", "16", "--no-progress"]


def test_train_saves_the_model_the_history_and_a_picture(capsys, tmp_path):
    folder = tmp_path / "run"
    status, out, err = run(capsys, *SMALL_RUN, "-o", str(folder))
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == ("moons: 48 samples for training, 12 for validation; 2 features, "
                        "2 classes")  # 20% of 60 held out
    assert lines[1] == "model: Linear(2, 8) -> ReLU -> Linear(8, 2) (42 parameters)"
    assert lines[2] == "Adam(lr=0.01), 3 epochs of batches of 16, seed 0"
    assert lines[-1] == (f"saved in {folder}/: model.safetensors (the weights: Module.load), "
                         "history.json, run.json, training.png")
    assert err == ""  # --no-progress

    history = json.loads((folder / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3]
    assert set(history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 3 for values in history.values())
    summary = next(line for line in lines if line.startswith("after 3 epochs"))
    assert f"loss {history['loss'][-1]:.4g}  accuracy {history['accuracy'][-1]:.1%}" in summary
    assert (f"validation: loss {history['val_loss'][-1]:.4g}  "
            f"accuracy {history['val_accuracy'][-1]:.1%}") in summary

    settings = json.loads((folder / "run.json").read_text())
    assert settings["dataset"] == "moons" and settings["hidden"] == [8]
    assert settings["final"]["loss"] == history["loss"][-1]
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    model.load(folder / "model.safetensors")  # strict: every name and shape fits
    assert (folder / "training.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_train_is_repeatable_with_a_seed(capsys, tmp_path):
    for name, seed in [("a", "3"), ("b", "3"), ("c", "4")]:
        assert run(capsys, *SMALL_RUN, "--seed", seed, "-o", str(tmp_path / name))[0] == 0
    histories = {name: (tmp_path / name / "history.json").read_text() for name in "abc"}
    assert histories["a"] == histories["b"]
    assert histories["a"] != histories["c"]


def test_train_shows_a_progress_bar_per_epoch(capsys, tmp_path):
    status, _, err = run(capsys, *SMALL_RUN[:-1], "--epochs", "2", "-o", str(tmp_path / "r"))
    assert status == 0
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "3/3" in err  # 48 samples, batches of 16


def test_train_names_a_new_folder_under_runs_by_default(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for number in (1, 2):
        status, out, _ = run(capsys, *SMALL_RUN, "--epochs", "1")
        assert status == 0
        assert out.splitlines()[-1].startswith(f"saved in {Path('runs', f'moons-{number}')}/:")
        assert (tmp_path / "runs" / f"moons-{number}" / "model.safetensors").is_file()


def test_train_without_matplotlib_says_so_and_saves_the_rest(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib... fails
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    status, out, _ = run(capsys, *SMALL_RUN, "-o", str(tmp_path))
    assert status == 0
    assert "no picture: matplotlib is not installed (pip install matplotlib" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.json", "model.safetensors",
                                                          "run.json"]


def test_train_a_regression_curve(capsys, tmp_path):
    status, out, _ = run(capsys, "train", "--dataset", "sine", "--samples", "50", "--epochs",
                         "2", "--hidden", "--no-progress", "-o", str(tmp_path))
    assert status == 0
    assert "sine: 40 samples for training, 10 for validation; 1 feature, regression" in out
    assert "model: Linear(1, 1) (2 parameters)" in out  # --hidden with no sizes: linear
    history = json.loads((tmp_path / "history.json").read_text())
    assert set(history) == {"epoch", "loss", "mae", "val_loss", "val_mae"}
    assert (tmp_path / "training.png").is_file()


def test_train_a_logic_gate_on_all_four_rows(capsys, tmp_path):
    status, out, _ = run(capsys, "train", "--dataset", "xor", "--epochs", "2", "--optimizer",
                         "sgd", "--activation", "tanh", "--no-progress", "-o", str(tmp_path))
    assert status == 0
    assert "xor: 4 samples for training, none held out (fewer than 20)" in out
    assert "model: Linear(2, 16) -> Tanh -> Linear(16, 16) -> Tanh -> Linear(16, 2)" in out
    assert "SGD(lr=0.1), 2 epochs" in out
    assert set(json.loads((tmp_path / "history.json").read_text())) == {"epoch", "loss",
                                                                         "accuracy"}


def test_train_keeps_the_split_of_the_digits(capsys, tmp_path):
    status, out, _ = run(capsys, "train", "--dataset", "digits", "--epochs", "1", "--hidden",
                         "8", "--batch-size", "128", "--no-progress", "-o", str(tmp_path))
    assert status == 0
    assert "digits: 1437 samples for training, 360 for validation; 64 features, 10 classes" in out


def test_train_without_network_fails_with_status_1_saying_what_failed(capsys, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("AUTOGRAD_CORE_MNIST_MIRRORS", "http://127.0.0.1:9/")  # refused
    status, _, err = run(capsys, "train", "--dataset", "mnist", "--cache-dir",
                         str(tmp_path / "cache"), "--no-progress", "-o", str(tmp_path / "r"))
    assert status == 1
    error = err[err.index("autograd-core train: error: "):]  # after pooch's log lines
    assert error.startswith("autograd-core train: error: cannot load 'mnist': ")
    assert "http://127.0.0.1:9/train-images-idx3-ubyte.gz" in error
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("argv, reason", [
    (["--dataset", "nope"], "--dataset: unknown data set 'nope'; known: and, or, xor"),
    (["--dataset", "digits", "--samples", "10"],
     "--samples: data set 'digits' takes no n_samples (its options: n_train, seed)"),
    (["--samples", "1"], "cannot load 'moons': make_moons: n_samples must be at least 2"),
    (["--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["--hidden", "8", "0"], "--hidden: layer sizes must be at least 1, got [8, 0]"),
    (["--lr", "-1"], "--lr must be positive, got -1.0"),
    (["--test-size", "1"], "--test-size must be in [0, 1), got 1.0"),
    (["--activation", "swish"], "argument --activation: invalid choice: 'swish'"),
    (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
    (["--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
])
def test_train_bad_arguments_exit_2_with_usage(capsys, tmp_path, monkeypatch, argv, reason):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "train", "--no-progress", *argv)
    assert status == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("usage: autograd-core train ")
    assert lines[-1].startswith("autograd-core train: error: ")
    assert reason in lines[-1]
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_training_exits_with_130(capsys, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(nn, "fit", interrupted)
    status, _, err = run(capsys, *SMALL_RUN, "-o", str(tmp_path / "r"))
    assert status == 130
    assert err == "autograd-core train: interrupted\n"
    assert not (tmp_path / "r").exists()


# ---- datasets ---------------------------------------------------------------------------------


def test_datasets_lists_every_data_set_and_which_are_cached(capsys, tmp_path, monkeypatch):
    from autograd_core.nn.datasets import list_datasets, mnist

    monkeypatch.setattr(mnist, "is_cached", lambda name, cache_dir=None: name == "mnist")
    status, out, _ = run(capsys, "datasets", "--cache-dir", str(tmp_path))
    assert status == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:-1]}
    assert list(rows) == [info.name for info in list_datasets()]
    assert rows["moons"][:6] == ["moons", "generated", "classification", "2", "2", "-"]
    assert rows["digits"][:6] == ["digits", "bundled", "classification", "64", "10", "-"]
    assert rows["square"][:6] == ["square", "generated", "regression", "1", "-", "-"]
    assert rows["mnist"][5] == "yes"
    assert rows["fashion-mnist"][5] == "no"
    assert f"downloads are cached in {tmp_path} " in out.splitlines()[-1]


def test_datasets_finds_nothing_cached_in_an_empty_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_CORE_DATA", str(tmp_path))
    status, out, _ = run(capsys, "datasets")
    assert status == 0
    cached = {line.split()[0]: line.split()[5] for line in out.splitlines()[1:-1]}
    assert cached["mnist"] == cached["fashion-mnist"] == "no"
    assert f"downloads are cached in {tmp_path} " in out
