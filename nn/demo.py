"""``make demo``: micrograd's two-moons demo, trained with this library's scalar engine.

An MLP(2, [16, 16, 1]) learns to separate two noisy half-moons with the max-margin
(hinge) loss plus an L2 penalty, by full-batch gradient descent with a decaying
learning rate, printing loss and accuracy at every step.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from autograd_core import Value

from .datasets import make_moons
from .scalar import MLP


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


def main(argv: Sequence[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args(argv)

    random.seed(args.seed)  # nn.Neuron draws its weights from Python's `random`, like micrograd
    X, y = moons_data(args.samples, args.seed)
    model = MLP(2, [16, 16, 1])
    parameters = model.parameters()
    print(f"{model!r:.70}...\n{len(parameters)} parameters, {len(X)} points")
    start = time.perf_counter()
    accuracy = 0.0
    for step in range(args.steps):
        loss, accuracy = hinge_loss_and_accuracy(model, parameters, X, y)
        model.zero_grad()
        loss.backward()
        sgd_step(parameters, learning_rate=1.0 - 0.9 * step / args.steps)
        print(f"step {step:3d}  loss {loss.data:.6f}  accuracy {accuracy:6.1%}")
    print(f"trained in {time.perf_counter() - start:.2f} s; final accuracy {accuracy:.1%}")
    return accuracy


if __name__ == "__main__":
    main()
