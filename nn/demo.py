"""``make demo``: micrograd's two-moons demo, trained with this library's scalar engine.

An MLP(2, [16, 16, 1]) learns to separate two noisy half-moons with the max-margin
(hinge) loss plus an L2 penalty, by full-batch gradient descent with a decaying
learning rate, printing loss and accuracy every 10 steps. It then draws the data over the
trained model's decision boundary, beside the loss and accuracy curves, to ``demo.png``
(``--out``); without matplotlib it says how to get the picture instead.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd_core import Value, no_grad

from .datasets import make_moons
from .scalar import MLP

PRINT_EVERY = 10  # steps between progress lines
FIGURE_SIZE = (13.0, 4.0)  # inches; at FIGURE_DPI the picture is 1300 x 400 pixels
FIGURE_DPI = 100
# Each grid point is one forward pass of the scalar MLP in Python: 50 x 50 points take under
# a second, and show the boundary's shape as clearly as a finer grid would.
BOUNDARY_RESOLUTION = 50
NO_MATPLOTLIB = ("no picture: it needs matplotlib. Install it with "
                 "pip install 'autograd-core[plots]' (or run `make demo`, which does), "
                 "then run the demo again.")

History = dict[str, list[float]]


def hinge_loss_and_accuracy(model: Callable[[list[Any]], Any], parameters: Sequence[Any],
                            X: Sequence[Sequence[float]], y: Sequence[float],
                            value: type = Value, alpha: float = 1e-4) -> tuple[Any, float]:
    """mean_i relu(1 - y_i score_i) + alpha * sum_p p^2, and the fraction classified right.

    Labels are -1/+1. Written only with micrograd's operations so that ``value``
    may be this library's ``Value`` or micrograd's (the benchmark runs both).
    """
    inputs = [[value(x) for x in row] for row in X]
    scores = [model(row) for row in inputs]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in parameters)
    correct = [(yi > 0) == (score.data > 0) for yi, score in zip(y, scores)]
    return data_loss + reg_loss, sum(correct) / len(correct)


def sgd_step(parameters: Sequence[Any], learning_rate: float) -> None:
    """p <- p - learning_rate * dL/dp for every parameter that has a gradient (not None)."""
    for p in parameters:
        if p.grad is not None:
            p.data -= learning_rate * p.grad


def moons_data(n_samples: int = 100, seed: int = 1337) -> tuple[list[list[float]], list[float]]:
    """The demo's data: noisy two-moons points and labels mapped to -1/+1."""
    X, y = make_moons(n_samples, noise=0.1, seed=seed)
    return X.tolist(), [float(2 * label - 1) for label in y]


def train(model: MLP, X: list[list[float]], y: list[float], steps: int) -> History:
    """micrograd's loop: ``steps`` SGD steps with learning rate 1 - 0.9 k / steps at step k.

    Returns the loss and accuracy of the model after k steps, for k = 0..steps (the last
    entry is the trained model), and prints them every ``PRINT_EVERY`` steps and at the end.
    """
    parameters = model.parameters()
    history: History = {"step": [], "loss": [], "accuracy": []}

    def record(step: int, loss: Value, accuracy: float) -> None:
        for key, number in zip(history, (step, loss.data, accuracy)):
            history[key].append(number)
        if step % PRINT_EVERY == 0 or step == steps:
            print(f"step {step:3d}  loss {loss.data:.6f}  accuracy {accuracy:6.1%}")

    for step in range(steps):
        loss, accuracy = hinge_loss_and_accuracy(model, parameters, X, y)
        record(step, loss, accuracy)
        model.zero_grad()
        loss.backward()
        sgd_step(parameters, learning_rate=1.0 - 0.9 * step / steps)
    with no_grad():  # the trained model is only measured
        record(steps, *hinge_loss_and_accuracy(model, parameters, X, y))
    return history


def draw(model: MLP, X: list[list[float]], y: list[float], history: History,
         path: Path) -> None:
    """The data over the model's decision boundary, and the loss and accuracy curves."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend needed to write a file

    from autograd_core.plots import plot_decision_boundary, plot_history

    figure = Figure(figsize=FIGURE_SIZE, dpi=FIGURE_DPI, layout="constrained")
    boundary_ax, loss_ax, accuracy_ax = figure.subplots(1, 3, width_ratios=[1.25, 1, 1])
    plot_decision_boundary(model, X, y, resolution=BOUNDARY_RESOLUTION, ax=boundary_ax)
    boundary_ax.set_title("decision boundary (black line), data coloured by class")
    plot_history(history, metrics=["loss", "accuracy"], ax=[loss_ax, accuracy_ax])
    loss_ax.set_title("hinge + L2 loss")
    accuracy_ax.set_title("training accuracy")
    steps = int(history["step"][-1])
    figure.suptitle(f"micrograd's two-moons demo: MLP(2, [16, 16, 1]), {steps} steps of SGD, "
                    f"final accuracy {history['accuracy'][-1]:.1%}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=FIGURE_DPI)


def _matplotlib_installed() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _picture_path(parser: argparse.ArgumentParser, out: str) -> Path:
    """``--out`` as an absolute path, checked before training rather than after it."""
    from matplotlib.backend_bases import FigureCanvasBase

    path = Path(out).expanduser().resolve()
    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in formats:
        parser.error(f"--out {out}: the file name must end in a picture format matplotlib "
                     f"writes ({', '.join('.' + f for f in sorted(formats))}), "
                     f"got {path.suffix or 'no extension'!r}")
    if path.is_dir():
        parser.error(f"--out {out}: is a directory; give a file name such as {out}/demo.png")
    return path


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an int >= ``minimum``, else argparse's usage and this reason."""
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return number
    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd_core.nn.demo",
        description="micrograd's two-moons demo: trains MLP(2, [16, 16, 1]) with hinge loss "
                    "+ 1e-4 L2 by SGD, printing loss and accuracy every 10 steps, then draws "
                    "the data, the decision boundary and the training curves to a picture.")
    parser.add_argument("--steps", type=_int_at_least(1), default=100,
                        help="SGD steps (default: %(default)s, micrograd's)")
    parser.add_argument("--samples", type=_int_at_least(2), default=100,
                        help="two-moons points (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1337,
                        help="seed of the data and the initial weights (default: %(default)s)")
    parser.add_argument("--out", default="demo.png", metavar="PATH",
                        help="where to write the picture; its extension picks the format "
                             "(default: %(default)s, in the current directory)")
    parser.add_argument("--no-plot", action="store_true",
                        help="train and print only; write no picture")
    return parser


def main(argv: Sequence[str] | None = None) -> float:
    """Run the demo with command-line arguments ``argv``; returns the final accuracy."""
    parser = _parser()
    args = parser.parse_args(argv)
    can_draw = not args.no_plot and _matplotlib_installed()
    path = _picture_path(parser, args.out) if can_draw else None

    random.seed(args.seed)  # nn.Neuron draws its weights from Python's `random`, like micrograd
    X, y = moons_data(args.samples, args.seed)
    model = MLP(2, [16, 16, 1])
    print(f"{model!r:.70}...\n{len(model.parameters())} parameters, {len(X)} points")
    start = time.perf_counter()
    history = train(model, X, y, args.steps)
    accuracy = history["accuracy"][-1]
    print(f"trained in {time.perf_counter() - start:.2f} s; final accuracy {accuracy:.1%}")
    if path is not None:
        draw(model, X, y, history, path)
        print(f"picture written to {path}")
    elif not args.no_plot:
        print(NO_MATPLOTLIB)
    return accuracy


if __name__ == "__main__":
    main()
