"""``nn.optim.Newton``: damped Newton steps with the engine's exact Hessian."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, Value, nn
from autograd_core.nn.optim import Newton


def positive_definite(n: int, seed: int) -> np.ndarray:
    m = np.random.default_rng(seed).normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(0, 10_000))
def test_one_step_lands_on_the_minimum_of_a_quadratic_tensor(n: int, seed: int) -> None:
    a = positive_definite(n, seed)
    b = np.random.default_rng(seed + 1).normal(size=n)
    x = Tensor(np.random.default_rng(seed + 2).normal(size=n), requires_grad=True)

    def loss() -> Tensor:
        return 0.5 * (x @ (a @ x)) - (b * x).sum()

    optimizer = Newton([x])
    optimizer.step(loss)
    np.testing.assert_allclose(x.data, np.linalg.solve(a, b), rtol=1e-9, atol=1e-9)
    assert optimizer.last_step["grad_norm"] > 0


def test_one_step_on_a_quadratic_in_values_and_in_a_matrix_parameter() -> None:
    a, b = positive_definite(3, 0), np.array([1.0, -2.0, 0.5])
    xs = [Value(0.3), Value(-1.0), Value(2.0)]

    def value_loss() -> Value:
        total = Value(0.0)
        for i in range(3):
            total = total - b[i] * xs[i]
            for j in range(3):
                total = total + 0.5 * a[i, j] * xs[i] * xs[j]
        return total

    Newton(xs).step(value_loss)
    np.testing.assert_allclose([x.data for x in xs], np.linalg.solve(a, b), rtol=1e-12)

    w = Tensor(np.ones((2, 2)), requires_grad=True)  # least squares in a 2x2 matrix
    inputs, targets = np.random.default_rng(3).normal(size=(5, 2)), np.arange(10.0).reshape(5, 2)
    Newton([w]).step(lambda: ((Tensor(inputs) @ w - targets) ** 2).sum())
    best, *_ = np.linalg.lstsq(inputs, targets, rcond=None)
    np.testing.assert_allclose(w.data, best, rtol=1e-9, atol=1e-9)


def test_newton_converges_fast_on_rosenbrock() -> None:
    x, y = Value(-1.2), Value(1.0)
    optimizer = Newton([x, y])
    for _ in range(30):
        optimizer.step(lambda: (1 - x) ** 2 + 100 * (y - x * x) ** 2)
    assert (x.data, y.data) == (pytest.approx(1.0, abs=1e-10), pytest.approx(1.0, abs=1e-10))


def test_fits_a_small_model_with_a_module() -> None:
    nn.manual_seed(0)
    model = nn.Linear(3, 1)
    inputs = np.random.default_rng(0).normal(size=(20, 3))
    targets = inputs @ np.array([[1.0], [-2.0], [0.5]]) + 0.25
    optimizer = Newton(model.parameters())
    optimizer.step(lambda: ((model(Tensor(inputs)) - targets) ** 2).mean())
    np.testing.assert_allclose(model.weight.data, [[1.0, -2.0, 0.5]], atol=1e-10)
    np.testing.assert_allclose(model.bias.data, [0.25], atol=1e-10)


def test_lr_and_damping_shorten_the_step() -> None:
    x = Value(4.0)
    Newton([x], lr=0.5).step(lambda: x * x)
    assert x.data == 2.0  # half of the full step to 0
    x = Value(4.0)
    Newton([x], damping=1e6).step(lambda: x * x)
    assert x.data == pytest.approx(4.0 - 8.0 / (2 + 1e6))  # nearly -g / damping


def test_a_flat_direction_needs_damping() -> None:
    x, unused = Value(1.0), Value(3.0)
    with pytest.raises(np.linalg.LinAlgError, match="damping > 0"):
        Newton([x, unused]).step(lambda: x * x)
    Newton([x, unused], damping=1e-3).step(lambda: x * x)
    assert abs(x.data) < 1e-3 and unused.data == 3.0


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda: Newton([Tensor(np.zeros(501), requires_grad=True)]), ValueError,
     "501 entries, more than max_params=500"),
    (lambda: Newton([Value(1.0)], damping=-1.0), ValueError, "invalid damping"),
    (lambda: Newton([Value(1.0)]).step(), RuntimeError, "requires a closure"),
    (lambda: Newton([Value(1.0)]).step(lambda: 3), TypeError, "closure must return the loss"),
    (lambda: Newton([Tensor(np.ones(2), requires_grad=True)]).step(
        lambda: Tensor(np.ones(2), requires_grad=True) * 2), TypeError, "one-element Tensor"),
])
def test_clear_errors(make, error, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        make()


def test_max_params_can_be_raised() -> None:
    x = Tensor(np.arange(1.0, 601.0), requires_grad=True)
    assert Newton([x], max_params=600)._params == [x]
