"""micrograd-style Neuron/Layer/MLP: same signatures, same parameters, same numbers."""

from __future__ import annotations

import random

import micrograd.engine
import micrograd.nn
import numpy as np
import pytest

from autograd_core import Value, nn
from autograd_core.nn.datasets import make_moons
from autograd_core.nn.demo import hinge_loss_and_accuracy, main, moons_data, sgd_step


@pytest.mark.parametrize(
    ("nin", "nouts"), [(2, [16, 16, 1]), (3, [4, 4, 1]), (1, [1]), (5, [7, 2])]
)
def test_parameter_counts_and_reprs_match_micrograd(nin: int, nouts: list[int]) -> None:
    random.seed(0)
    theirs = micrograd.nn.MLP(nin, nouts)
    random.seed(0)
    ours = nn.MLP(nin, nouts)
    assert len(ours.parameters()) == len(theirs.parameters())
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)


def micrograd_program(Value: type, MLP: type, steps: int) -> list[float]:
    """A micrograd training script; only the two names passed in differ between runs."""
    random.seed(1337)
    X, y = moons_data(40, seed=3)
    model = MLP(2, [8, 8, 1])
    losses = []
    for k in range(steps):
        loss, _ = hinge_loss_and_accuracy(model, model.parameters(), X, y, value=Value)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), 1.0 - 0.9 * k / steps)
        losses.append(loss.data)
    return losses


def test_micrograd_program_runs_unchanged_and_computes_the_same_numbers() -> None:
    theirs = micrograd_program(micrograd.engine.Value, micrograd.nn.MLP, steps=5)
    ours = micrograd_program(Value, nn.MLP, steps=5)
    # The forward pass is bit for bit the same (same initialisation, same order of operations);
    # gradients are sums whose order follows each engine's graph traversal, so later steps may
    # differ in the last bits.
    assert ours[0] == theirs[0]
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_neuron_layer_mlp_call_conventions() -> None:
    random.seed(1)
    neuron = nn.Neuron(3)
    out = neuron([1.0, Value(2.0), 3.0])
    assert isinstance(out, Value)
    assert out.data >= 0  # ReLU
    expected = sum((w.data * x for w, x in zip(neuron.w, [1.0, 2.0, 3.0])), neuron.b.data)
    assert out.data == max(expected, 0.0)
    linear = nn.Neuron(2, nonlin=False)
    assert repr(linear) == "LinearNeuron(2)"
    layer = nn.Layer(2, 3)
    assert len(layer([0.5, -0.5])) == 3
    assert isinstance(nn.Layer(2, 1)([0.5, -0.5]), Value)
    mlp = nn.MLP(2, [3, 2])
    assert len(mlp([1.0, 2.0])) == 2


def test_neuron_gradients() -> None:
    neuron = nn.Neuron(2, nonlin=False)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 2.0, -3.0, 0.5
    x = [Value(1.5), Value(4.0)]
    out = neuron(x)
    out.backward()
    assert out.data == 0.5 + 2.0 * 1.5 - 3.0 * 4.0
    assert [w.grad for w in neuron.w] == [1.5, 4.0]
    assert neuron.b.grad == 1.0
    assert [xi.grad for xi in x] == [2.0, -3.0]


def test_zero_grad_resets_every_parameter() -> None:
    mlp = nn.MLP(2, [4, 1])
    mlp([1.0, -1.0]).backward()  # type: ignore[union-attr]
    assert any(p.grad != 0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_wrong_input_length_is_an_error_not_a_silent_truncation() -> None:
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        nn.Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match="nin"):
        nn.Neuron(0)
    with pytest.raises(ValueError, match="nout"):
        nn.Layer(2, 0)
    with pytest.raises(ValueError, match="nouts"):
        nn.MLP(2, [])


def test_dot_length_mismatch_is_an_error() -> None:
    from autograd_core import dot

    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        dot([1.0, 2.0], [1.0, 2.0, 3.0])


def test_make_moons_shape_labels_and_seed() -> None:
    X, y = make_moons(101, noise=0.05, seed=7)
    assert X.shape == (101, 2)
    assert sorted(set(y.tolist())) == [0, 1]
    assert (y == 0).sum() == 50
    X2, y2 = make_moons(101, noise=0.05, seed=7)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    clean, labels = make_moons(20, noise=0.0, seed=0)
    upper = clean[labels == 0]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-1)


def test_demo_learns_the_moons(capsys: pytest.CaptureFixture[str]) -> None:
    accuracy = main(["--steps", "40", "--no-plot"])
    out = capsys.readouterr().out
    assert "step  40" in out and "final accuracy" in out
    assert accuracy >= 0.9


def expression(Value: type) -> tuple[object, ...]:
    """An expression in micrograd's operator set, with in-place updates and shared nodes."""
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f * 0.5 + 10.0 * f**-1
    g.backward()
    return g.data, a.grad, b.grad


def test_expression_values_and_gradients_agree_with_micrograd() -> None:
    ours = expression(Value)
    theirs = expression(micrograd.engine.Value)
    assert ours == pytest.approx(theirs, rel=1e-13)
    assert ours[0] == theirs[0]


def test_zero_grad_keeps_micrograds_zero_and_offers_none() -> None:
    # Only the first neuron's output is used, so the second neuron's parameters get nothing:
    # with micrograd's 0.0 they still hold a number after backward, as in micrograd.
    random.seed(0)
    ours = nn.Layer(2, 2)
    random.seed(0)
    theirs = micrograd.nn.Layer(2, 2)
    for layer, value in ((ours, Value), (theirs, micrograd.engine.Value)):
        layer.zero_grad()
        out = layer([value(1.0), value(-2.0)])
        out[0].backward()
        sgd_step(layer.parameters(), 0.1)
    assert [p.grad for p in ours.parameters()] == [p.grad for p in theirs.parameters()]
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert all(p.grad == 0.0 for p in ours.neurons[1].parameters())
    ours.zero_grad(set_to_none=True)  # PyTorch's None: optimizers skip what backward misses
    assert all(p.grad is None for p in ours.parameters())
    ours([1.0, -2.0])[0].backward()
    assert all(p.grad is None for p in ours.neurons[1].parameters())
    assert all(type(p.grad) is float for p in ours.neurons[0].parameters())


def test_demo_sgd_step_leaves_parameters_without_gradient() -> None:
    moved, idle = Value(1.0), Value(1.0)
    moved.grad, idle.grad = 2.0, None
    sgd_step([moved, idle], 0.25)
    assert (moved.data, idle.data) == (1.0 - 0.25 * 2.0, 1.0)
