"""``make demo`` (nn/demo.py): progress every 10 steps, the final accuracy, and a picture --
written where --out says, not at all with --no-plot, and replaced by a hint without matplotlib."""

from __future__ import annotations

import builtins
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib.image
import micrograd.engine
import micrograd.nn
import pytest

from autograd_core.nn import demo
from autograd_core.nn.demo import hinge_loss_and_accuracy, main, moons_data

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FAST = ["--steps", "3", "--samples", "20"]  # seconds less than the default 100 steps


def printed_steps(out: str) -> list[int]:
    return [int(m) for m in re.findall(r"^step +(\d+) +loss [\d.]+ +accuracy +[\d.]+%$", out,
                                       flags=re.MULTILINE)]


def test_prints_every_ten_steps_and_the_last_then_the_final_accuracy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    accuracy = main(["--steps", "25", "--samples", "20", "--no-plot"])
    out = capsys.readouterr().out
    assert printed_steps(out) == [0, 10, 20, 25]
    final = out.strip().splitlines()[-1]
    assert re.fullmatch(r"trained in [\d.]+ s; final accuracy [\d.]+%", final)
    assert f"final accuracy {accuracy:.1%}" in final
    # The final accuracy is the trained model's: the one on the "step 25" line.
    assert re.search(rf"^step  25 .* accuracy +{accuracy:.1%}$", out, flags=re.MULTILINE)


def test_training_is_micrograds_demo_loop(capsys: pytest.CaptureFixture[str]) -> None:
    """Same losses as micrograd's own engine and MLP under its demo's loop and schedule."""
    steps, seed = 4, 5
    X, y = moons_data(12, seed)
    random.seed(seed)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    expected = []
    for k in range(steps):
        loss, _ = hinge_loss_and_accuracy(theirs, theirs.parameters(), X, y,
                                          value=micrograd.engine.Value)
        theirs.zero_grad()
        loss.backward()
        for p in theirs.parameters():
            p.data -= (1.0 - 0.9 * k / steps) * p.grad
        expected.append(loss.data)
    final, _ = hinge_loss_and_accuracy(theirs, theirs.parameters(), X, y,
                                       value=micrograd.engine.Value)
    random.seed(seed)
    history = demo.train(demo.MLP(2, [16, 16, 1]), X, y, steps)
    assert history["step"] == list(range(steps + 1))
    assert history["loss"] == pytest.approx([*expected, final.data], rel=1e-12)


def test_the_default_is_micrograds_100_steps() -> None:
    args = demo._parser().parse_args([])
    assert (args.steps, args.samples, args.out, args.no_plot) == (100, 100, "demo.png", False)


def test_writes_a_png_to_demo_png_and_says_its_absolute_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    main(FAST)
    picture = tmp_path / "demo.png"
    assert picture.read_bytes()[:8] == PNG_SIGNATURE
    width, height = (round(inches * demo.FIGURE_DPI) for inches in demo.FIGURE_SIZE)
    pixels = matplotlib.image.imread(picture)
    assert pixels.shape[:2] == (height, width)
    assert pixels.std() > 0.1  # not a blank canvas
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"picture written to {picture.resolve()}"
    assert Path(last.removeprefix("picture written to ")).is_absolute()


def test_out_chooses_the_file_and_creates_its_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    main([*FAST, "--out", "pictures/moons.png"])
    picture = tmp_path / "pictures" / "moons.png"
    assert picture.read_bytes()[:8] == PNG_SIGNATURE
    assert not (tmp_path / "demo.png").exists()
    assert f"picture written to {picture.resolve()}" in capsys.readouterr().out


def test_out_with_an_unknown_extension_is_refused_before_training(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*FAST, "--out", str(tmp_path / "moons.txt")])
    assert exit_info.value.code == 2
    err = capsys.readouterr()
    assert "--out" in err.err and ".png" in err.err and "'.txt'" in err.err
    assert "step" not in err.out
    assert list(tmp_path.iterdir()) == []


def test_no_plot_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    main([*FAST, "--no-plot", "--out", "moons.png"])
    assert list(tmp_path.iterdir()) == []
    out = capsys.readouterr().out
    assert "picture" not in out and "matplotlib" not in out


def block_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_without_matplotlib_it_trains_and_says_how_to_get_the_picture(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    block_matplotlib(monkeypatch)
    accuracy = main(FAST)
    assert 0.0 <= accuracy <= 1.0
    out = capsys.readouterr().out
    assert printed_steps(out) == [0, 3]
    assert out.strip().splitlines()[-1] == demo.NO_MATPLOTLIB
    assert "pip install 'autograd-core[plots]'" in out and "make demo" in out
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_the_command_exits_with_status_0(tmp_path: Path) -> None:
    # A fresh interpreter in which `import matplotlib` fails, as on a machine without it.
    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "from autograd_core.nn.demo import main\n"
              f"main({FAST!r})\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": ""})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip().splitlines()[-1] == demo.NO_MATPLOTLIB
    assert list(tmp_path.iterdir()) == []


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m autograd_core.nn.demo")
    for option in ("--steps", "--samples", "--seed", "--out PATH", "--no-plot"):
        assert option in out


@pytest.mark.parametrize(("option", "value", "minimum"),
                         [("--steps", "0", 1), ("--steps", "ten", 1), ("--samples", "1", 2)])
def test_bad_counts_get_usage_and_exit_status_2(option: str, value: str, minimum: int,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([option, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage:")
    assert f"argument {option}: must be an integer >= {minimum}, got {value!r}" in err
