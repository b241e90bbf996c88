"""End to end: networks built from nn layers, losses and optimizers actually learn."""

from __future__ import annotations

import random

import numpy as np

from autograd_core import Tensor, nn, no_grad
from autograd_core.nn.datasets import load_digits, make_moons


def test_mlp_learns_digits_to_97_percent_with_adam() -> None:
    X_train, y_train, X_test, y_test = load_digits(seed=0)
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    order = np.random.default_rng(0)
    for _epoch in range(15):
        permutation = order.permutation(len(y_train))
        for start in range(0, len(y_train), 32):
            batch = permutation[start:start + 32]
            loss = loss_fn(model(Tensor(X_train[batch])), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with no_grad():
        predictions = model(Tensor(X_test)).data.argmax(axis=1)
    accuracy = float(np.mean(predictions == y_test))
    assert accuracy >= 0.97, accuracy


def test_micrograd_style_scalar_mlp_trains_with_the_same_optimizer_classes() -> None:
    random.seed(0)
    X, y = make_moons(40, noise=0.1, seed=1)
    labels = [float(2 * t - 1) for t in y]
    model = nn.MLP(2, [8, 8, 1])
    loss_fn = nn.HingeLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _step in range(60):
        scores = [model(list(row)) for row in X.tolist()]
        loss = loss_fn(scores, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        first = loss.data if first is None else first
    accuracy = np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, labels)])
    assert loss.data < 0.5 * first
    assert accuracy >= 0.9
    assert all(isinstance(p.data, float) for p in model.parameters())
