"""nn.optim (optimizers, Armijo GD, schedulers) and nn.utils (gradient clipping).

The expected numbers in the hand-computed tests are written out as the arithmetic of each
algorithm's formulas, step by step, not taken from running the code. The comparisons with
``torch.optim`` need PyTorch (an optional extra): without it they skip with the reason, except
where AUTOGRAD_CORE_REQUIRE_TORCH=1 (``make test``, and so CI, sets it): there they fail.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, Value, is_grad_enabled, no_grad
from autograd_core.nn import Module
from autograd_core.nn.optim import (
    GD,
    LBFGS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Newton,
    Optimizer,
    RMSprop,
)
from autograd_core.nn.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR
from autograd_core.nn.utils import clip_grad_norm_, clip_grad_value_


def leaf(*values: float) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def run(optimizer: Optimizer, param: Tensor, grads: list[float]) -> list[float]:
    """Feed one gradient per step to a one-element parameter; its value after each step."""
    trajectory = []
    for g in grads:
        param.grad = np.array([g])
        optimizer.step()
        trajectory.append(float(param.data[0]))
    return trajectory


# ---- hand-computed steps ---------------------------------------------------------------------


def test_sgd_momentum_buffer_starts_as_the_first_gradient_without_dampening() -> None:
    p = leaf(1.0)
    opt = SGD([p], lr=0.5, momentum=0.5, dampening=0.5)
    p.grad = np.array([2.0])
    opt.step()
    # step 1: buf = g1 = 2 (dampening not applied); p = 1 - 0.5 * 2
    assert opt.state[p]["momentum_buffer"][0] == 2.0
    assert p.data[0] == 1.0 - 0.5 * 2.0
    p.grad = np.array([4.0])
    opt.step()
    # step 2: buf = 0.5 * 2 + (1 - 0.5) * 4 = 3; p = 0 - 0.5 * 3
    assert opt.state[p]["momentum_buffer"][0] == 0.5 * 2.0 + (1 - 0.5) * 4.0 == 3.0
    assert p.data[0] == 0.0 - 0.5 * 3.0


def test_sgd_nesterov_with_weight_decay() -> None:
    p = leaf(1.0)
    opt = SGD([p], lr=0.25, momentum=0.5, nesterov=True, weight_decay=0.5)
    # step 1: g = 1 + 0.5 * 1 = 1.5; buf = 1.5; direction = 1.5 + 0.5 * 1.5 = 2.25
    #         p = 1 - 0.25 * 2.25 = 0.4375
    # step 2: g = 0.5 + 0.5 * 0.4375 = 0.71875; buf = 0.5 * 1.5 + 0.71875 = 1.46875
    #         direction = 0.71875 + 0.5 * 1.46875 = 1.453125; p = 0.4375 - 0.25 * 1.453125
    assert run(opt, p, [1.0, 0.5]) == [0.4375, 0.4375 - 0.25 * 1.453125]
    assert opt.state[p]["momentum_buffer"][0] == 1.46875


def test_sgd_plain_and_maximize() -> None:
    p, q = leaf(1.0), leaf(1.0)
    assert run(SGD([p], lr=0.5), p, [2.0, 2.0]) == [0.0, -1.0]
    assert run(SGD([q], lr=0.5, maximize=True), q, [2.0, 2.0]) == [2.0, 3.0]
    r = leaf(1.0)
    assert run(SGD([r]), r, [2.0]) == [pytest.approx(1.0 - 1e-3 * 2.0, rel=1e-15)]


def test_adagrad_initial_accumulator_and_lr_decay() -> None:
    p = leaf(1.0)
    opt = Adagrad([p], lr=0.5, lr_decay=0.5, initial_accumulator_value=3.0, eps=0.0)
    # step 1: sum = 3 + 1^2 = 4; clr = 0.5 / (1 + 0 * 0.5) = 0.5; p = 1 - 0.5 * 1 / sqrt(4)
    # step 2: sum = 4 + 2^2 = 8; clr = 0.5 / (1 + 1 * 0.5) = 1/3; p = 0.75 - (1/3) * 2 / sqrt(8)
    trajectory = run(opt, p, [1.0, 2.0])
    assert trajectory[0] == 0.75
    assert trajectory[1] == pytest.approx(0.75 - (1 / 3) * 2 / math.sqrt(8), rel=1e-15)
    assert opt.state[p]["sum"][0] == 8.0 and opt.state[p]["step"] == 2


def test_adagrad_default_eps_and_weight_decay() -> None:
    p = leaf(2.0)
    opt = Adagrad([p], weight_decay=0.25)
    # g = 1 + 0.25 * 2 = 1.5; sum = 2.25; p = 2 - 0.01 * 1.5 / (1.5 + 1e-10)
    assert run(opt, p, [1.0]) == [pytest.approx(2.0 - 0.01 * 1.5 / (1.5 + 1e-10), rel=1e-15)]


def test_rmsprop_centered_with_momentum() -> None:
    p = leaf(1.0)
    opt = RMSprop([p], lr=0.1, alpha=0.5, eps=0.0, momentum=0.5, centered=True)
    # step 1: v = 0.5 * 0 + 0.5 * 2^2 = 2; m = 0.5 * 0 + 0.5 * 2 = 1; sqrt(v - m^2) = 1
    #         buf = 0.5 * 0 + 2 / 1 = 2; p = 1 - 0.1 * 2 = 0.8
    # step 2: v = 0.5 * 2 + 0.5 * 1 = 1.5; m = 0.5 * 1 + 0.5 * 1 = 1; sqrt(1.5 - 1) = sqrt(0.5)
    #         buf = 0.5 * 2 + 1 / sqrt(0.5) = 1 + sqrt(2); p = 0.8 - 0.1 * (1 + sqrt(2))
    trajectory = run(opt, p, [2.0, 1.0])
    assert trajectory[0] == pytest.approx(0.8, rel=1e-15)
    assert trajectory[1] == pytest.approx(0.8 - 0.1 * (1 + math.sqrt(2)), rel=1e-15)
    state = opt.state[p]
    assert (state["square_avg"][0], state["grad_avg"][0]) == (1.5, 1.0)
    assert state["momentum_buffer"][0] == pytest.approx(1 + math.sqrt(2), rel=1e-15)


def test_rmsprop_default() -> None:
    p = leaf(1.0)
    # v = 0.01 * 3^2 = 0.09 (0.99 * 0 + (1 - 0.99) * 9); p = 1 - 0.01 * 3 / (0.3 + 1e-8)
    expected = 1.0 - 0.01 * 3.0 / (math.sqrt((1 - 0.99) * 9.0) + 1e-8)
    assert run(RMSprop([p]), p, [3.0]) == [pytest.approx(expected, rel=1e-15)]


def test_adam_bias_correction() -> None:
    p = leaf(1.0)
    opt = Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    # step 1: m = 0.5 * 2 = 1, v = 0.25 * 4 = 1; m_hat = 1 / (1 - 0.5) = 2, v_hat = 1 / (1 - 0.75)
    #         = 4; p = 1 - 0.1 * 2 / sqrt(4) = 0.9 (the first step is lr * sign(g) when eps = 0)
    # step 2: m = 0.5 * 1 + 0.5 * 1 = 1, v = 0.75 * 1 + 0.25 * 1 = 1; m_hat = 1 / (1 - 0.25)
    #         = 4/3, v_hat = 1 / (1 - 0.5625) = 16/7; p = 0.9 - 0.1 * (4/3) / (4 / sqrt(7))
    trajectory = run(opt, p, [2.0, 1.0])
    assert trajectory[0] == pytest.approx(0.9, rel=1e-15)
    assert trajectory[1] == pytest.approx(0.9 - 0.1 * math.sqrt(7) / 3, rel=1e-15)
    assert opt.state[p]["step"] == 2


def test_adam_amsgrad_uses_the_running_maximum_of_v() -> None:
    # step 1 as above (v = 1); step 2 with g = 0: m = 0.5, v = 0.75 * 1 = 0.75 < max(v) = 1;
    # m_hat = 0.5 / (1 - 0.25) = 2/3.  amsgrad: v_hat = 1 / (1 - 0.5625) = 16/7;
    # plain: v_hat = 0.75 / 0.4375 = 12/7.
    p, q = leaf(1.0), leaf(1.0)
    with_max = run(Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0, amsgrad=True), p, [2.0, 0.0])
    plain = run(Adam([q], lr=0.1, betas=(0.5, 0.75), eps=0.0), q, [2.0, 0.0])
    assert with_max[1] == pytest.approx(0.9 - 0.1 * (2 / 3) / math.sqrt(16 / 7), rel=1e-15)
    assert plain[1] == pytest.approx(0.9 - 0.1 * (2 / 3) / math.sqrt(12 / 7), rel=1e-15)


def test_adam_default_first_step() -> None:
    p = leaf(0.5)
    # m_hat = g, v_hat = g^2: p = 0.5 - 1e-3 * 4 / (4 + 1e-8)
    assert run(Adam([p]), p, [4.0]) == [pytest.approx(0.5 - 1e-3 * 4 / (4 + 1e-8), rel=1e-15)]


def test_adamw_decays_the_weights_directly_but_adam_decays_through_the_gradient() -> None:
    p, q = leaf(1.0), leaf(1.0)
    # AdamW: p = 1 * (1 - 0.1 * 0.5) = 0.95, then the Adam step of g = 2: 0.95 - 0.1 = 0.85
    decoupled = run(AdamW([p], lr=0.1, betas=(0.5, 0.75), eps=0.0, weight_decay=0.5), p, [2.0])
    # Adam: g = 2 + 0.5 * 1 = 2.5, and the first step is lr * sign(g): 1 - 0.1 = 0.9
    coupled = run(Adam([q], lr=0.1, betas=(0.5, 0.75), eps=0.0, weight_decay=0.5), q, [2.0])
    assert decoupled == [pytest.approx(0.85, rel=1e-15)]
    assert coupled == [pytest.approx(0.9, rel=1e-15)]
    assert AdamW([leaf(0.0)]).defaults["weight_decay"] == 1e-2


def test_defaults_are_pytorchs() -> None:
    x = [leaf(0.0)]
    assert SGD(x).defaults == dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                                   nesterov=False, maximize=False)
    assert Adagrad(x).defaults == dict(lr=1e-2, lr_decay=0, weight_decay=0,
                                       initial_accumulator_value=0, eps=1e-10)
    assert RMSprop(x).defaults == dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
                                       momentum=0, centered=False)
    assert Adam(x).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                                    amsgrad=False)
    assert GD(x).defaults == dict(lr=1.0, armijo=True, sigma=1e-4, alpha=0.5, max_backtracks=50)


# ---- PyTorch's rounding: fused multiply-adds ---------------------------------------------------


def test_sgd_computes_its_formula_and_agrees_with_pytorchs_single_rounding() -> None:
    # PyTorch rounds p - lr * g once (a fused multiply-add); numpy, and so the formula
    # p -= lr * g, rounds twice. 0.1 * 0.3 is inexact, and these values make the two differ.
    p0, lr, g = 0.7, 0.1, 0.3
    rng = np.random.default_rng(0)
    gs = rng.standard_normal(1000)
    p = Tensor(np.full(1000, p0), requires_grad=True)
    p.grad = gs.copy()
    SGD([p], lr=lr).step()
    exact = np.array([float(Fraction(p0) - Fraction(lr) * Fraction(x)) for x in gs])
    assert np.array_equal(p.data, p0 - lr * gs)  # the formula, as written
    np.testing.assert_allclose(p.data, exact, rtol=1e-9, atol=0)  # was bit for bit (exact FMA)
    assert not np.array_equal(p0 - lr * gs, exact)  # so the test can tell the difference
    q = Tensor([p0], requires_grad=True)
    q.grad = np.array([g])
    SGD([q], lr=lr).step()
    assert q.data[0] == pytest.approx(float(Fraction(p0) - Fraction(lr) * Fraction(g)), rel=1e-9)


def test_float32_parameters_are_updated_in_float32() -> None:
    # p - lr * g in float32 arithmetic (lr rounded to float32, as PyTorch's kernels do), not
    # computed in float64 and rounded back: the two differ in some of these entries.
    rng = np.random.default_rng(1)
    p0, g = rng.standard_normal(1000).astype(np.float32), rng.standard_normal(1000)
    g = g.astype(np.float32)
    p = Tensor(p0, requires_grad=True, dtype=np.float32)
    p.grad = g.copy()
    SGD([p], lr=0.1).step()
    assert p.data.dtype == np.float32
    assert np.array_equal(p.data, p0 - np.float32(0.1) * g)
    widened = (p0.astype(np.float64) - 0.1 * g.astype(np.float64)).astype(np.float32)
    assert not np.array_equal(widened, p0 - np.float32(0.1) * g)  # the test can tell


# ---- agreement with torch.optim over hundreds of steps ------------------------------------------


TORCH_CONFIGS = [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
    (SGD, dict(lr=0.05)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.3)),
    (Adagrad, dict()),
    (RMSprop, dict(lr=0.01, alpha=0.9, centered=True, momentum=0.7, weight_decay=0.02)),
    (RMSprop, dict(lr=0.01)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    (Adam, dict(lr=0.01)),
    (AdamW, dict(lr=0.01, betas=(0.3, 0.95), weight_decay=0.3)),
]


def pulled_gradient(x: np.ndarray, t: int, target: np.ndarray, sign: float) -> np.ndarray:
    """A gradient that pulls x towards ``target`` (pushes, for ``maximize``: sign -1) with a
    varying strength and a push that depends on x and t: the parameters keep moving, and
    since the pull contracts, rounding differences do not grow from step to step."""
    pull = (x - target.astype(x.dtype)) * (1 + 0.5 * math.cos(t))
    return sign * (pull + 0.5 * np.sin(t + 3 * x))


@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-9, 0.0),
                                               (np.float32, 1e-4, 1e-4)])
@pytest.mark.parametrize("cls, options", TORCH_CONFIGS)
def test_trajectories_agree_with_torch_optim(torch: Any, cls: type, options: dict,
                                             dtype: type, rtol: float, atol: float) -> None:
    # float64: the formulas round a few times differently from PyTorch's kernels (fused
    # multiply-adds); ~1e-11 relative after 300 steps, entries near 0 included. float32: the
    # same, at float32's precision (~1e-5 absolute after 300 steps).
    rng = np.random.default_rng(0)
    start, target = rng.uniform(-2, 2, 64).astype(dtype), rng.uniform(-1, 1, 64)
    sign = -1.0 if options.get("maximize") else 1.0
    ours = Tensor(start, requires_grad=True, dtype=dtype)
    theirs = torch.tensor(start, requires_grad=True)
    optimizer = cls([ours], **options)
    their_optimizer = getattr(torch.optim, cls.__name__)([theirs], **options)
    for t in range(300):
        ours.grad = pulled_gradient(ours.data.copy(), t, target, sign)
        theirs.grad = torch.from_numpy(pulled_gradient(theirs.detach().numpy().copy(), t,
                                                       target, sign))
        optimizer.step()
        their_optimizer.step()
        assert ours.data.dtype == dtype
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol)
    their_state = their_optimizer.state[theirs]
    for key, buffer in optimizer.state[ours].items():
        if isinstance(buffer, np.ndarray):
            assert buffer.dtype == dtype
            np.testing.assert_allclose(buffer, their_state[key].numpy(), rtol=rtol, atol=atol)
        else:
            assert buffer == int(their_state[key])


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_agrees_with_torch_optim(torch: Any, line_search_fn: str | None) -> None:
    # A convex but not quadratic loss: 40 steps of up to 5 iterations (~65 in all) with a short
    # history, so that old pairs are dropped; the same trajectory, and the same counts.
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    a = q @ np.diag(np.geomspace(1.0, 50.0, 8)) @ q.T
    start = rng.uniform(-1, 1, 8)
    ours, theirs = Tensor(start, requires_grad=True), torch.tensor(start, requires_grad=True)
    options = dict(lr=1.0 if line_search_fn else 0.5, max_iter=5, history_size=4,
                   line_search_fn=line_search_fn)
    optimizer, their_optimizer = LBFGS([ours], **options), torch.optim.LBFGS([theirs], **options)
    their_a = torch.from_numpy(a)

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = (ours @ (a @ ours)) * 0.5 + (ours * ours * ours * ours).sum() * 0.1 + \
            ours.sin().sum()
        loss.backward()
        return loss

    def their_closure() -> Any:
        their_optimizer.zero_grad()
        loss = (theirs @ (their_a @ theirs)) * 0.5 + (theirs ** 4).sum() * 0.1 + \
            theirs.sin().sum()
        loss.backward()
        return loss

    for _ in range(40):
        assert optimizer.step(closure).item() == pytest.approx(
            their_optimizer.step(their_closure).item(), rel=1e-9)
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-9, atol=0)
    state, their_state = optimizer.state[ours], their_optimizer.state[theirs]
    assert (state["n_iter"], state["func_evals"]) == (their_state["n_iter"],
                                                      their_state["func_evals"])
    assert state["n_iter"] > 40


# ---- Tensor and Value parameters -------------------------------------------------------------


CONFIGS = [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.3)),
    (RMSprop, dict(lr=0.01, alpha=0.9, centered=True, momentum=0.7, weight_decay=0.02)),
    (RMSprop, dict(lr=0.01)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    (AdamW, dict(lr=0.01, betas=(0.3, 0.95), weight_decay=0.3)),
]


def gradient(x: np.ndarray, t: int) -> np.ndarray:
    """A gradient that depends on the parameters and the step, identical for both kinds."""
    return x ** 3 - x + np.sin(t + 3 * x)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=6),
       st.sampled_from(CONFIGS))
def test_value_and_tensor_parameters_follow_identical_trajectories(
        start: list[float], config: tuple[type, dict]) -> None:
    cls, options = config
    tensor = Tensor(np.array(start), requires_grad=True)
    values = [Value(x) for x in start]
    tensor_opt, value_opt = cls([tensor], **options), cls(values, **options)
    for t in range(8):
        tensor.grad = gradient(tensor.data.copy(), t)
        for v, g in zip(values, gradient(np.array([v.data for v in values]), t)):
            v.grad = float(g)
        tensor_opt.step()
        value_opt.step()
        assert [v.data for v in values] == tensor.data.tolist()
        assert all(type(v.data) is float for v in values)
    for key, buffer in tensor_opt.state[tensor].items():
        saved = [value_opt.state[v][key] for v in values]
        expected = buffer.tolist() if isinstance(buffer, np.ndarray) else [buffer] * len(saved)
        assert saved == expected
        assert all(type(s) in (float, int) for s in saved)


def test_mixed_tensor_and_value_parameters_in_one_optimizer() -> None:
    w, b = Tensor([[1.0, -2.0]], requires_grad=True), Value(0.5)
    opt = Adam([w, b], lr=0.1)
    (w * 2.0).sum().backward()  # the two kinds of node do not mix in one graph
    (b * 3.0).backward()
    opt.step()
    # the first Adam step moves every coordinate by lr against the sign of its gradient (up to
    # eps): 2 and 3 are positive
    assert w.data.ravel().tolist() == pytest.approx([0.9, -2.1], rel=1e-7)
    assert b.data == pytest.approx(0.4, rel=1e-7) and type(b.data) is float


def test_tensor_updates_are_in_place_and_keep_the_dtype() -> None:
    p = Tensor(np.ones(3, dtype=np.float32), requires_grad=True, dtype=np.float32)
    array = p.data
    opt = Adam([p], lr=0.5)
    p.grad = np.ones(3, dtype=np.float32)
    opt.step()
    assert p.data is array and p.data.dtype == np.float32
    assert opt.state[p]["exp_avg"].dtype == np.float32
    assert p.data.tolist() == pytest.approx([0.5] * 3, rel=1e-6)


@pytest.mark.parametrize("cls, options", CONFIGS)
def test_parameters_and_buffers_are_updated_in_place_and_each_step_is_counted(
        cls: type, options: dict) -> None:
    p = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    array = p.data
    opt = cls([p], **options)
    buffers: dict = {}
    for _ in range(3):
        p.grad = np.cos(p.data) + 0.5
        grad = p.grad.copy()
        before = (p * p).sum()  # recorded before the step, which changes p under it
        opt.step()
        assert p.data is array
        with pytest.raises(RuntimeError, match=r"version \d+ -> \d+"):
            before.backward()
        assert np.array_equal(p.grad, grad)  # the gradient is only read
        arrays = {k: b for k, b in opt.state[p].items() if isinstance(b, np.ndarray)}
        assert arrays and all(b.shape == array.shape for b in arrays.values())
        assert all(arrays[k] is b for k, b in buffers.items())  # the same arrays, updated
        buffers = arrays


def test_parameters_without_gradient_are_skipped() -> None:
    used, unused = leaf(1.0), leaf(1.0)
    for cls, options in CONFIGS:
        opt = cls([used, unused], **options)
        used.grad, unused.grad = np.array([1.0]), None
        before = used.data.copy()
        opt.step()
        assert unused.data[0] == 1.0 and unused not in opt.state
        assert used.data[0] != before[0]


def test_zero_grad() -> None:
    t, v, never = leaf(1.0), Value(1.0), leaf(1.0)
    opt = SGD([t, v, never])
    (t.sum() * 2.0).backward()
    (v * 2.0).backward()
    grad = t.grad
    opt.zero_grad(set_to_none=False)
    assert t.grad is grad and t.grad[0] == 0.0 and v.grad == 0.0 and never.grad is None
    (t.sum() * 2.0).backward()
    opt.zero_grad()
    assert t.grad is None and v.grad is None  # None means no gradient, for both kinds


def test_step_returns_the_closure_loss_computed_with_grad_enabled() -> None:
    x = leaf(3.0)
    opt = SGD([x], lr=0.25)
    seen = []

    def closure() -> Tensor:
        seen.append(is_grad_enabled())
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with no_grad():
        loss = opt.step(closure)
        assert not is_grad_enabled()
    assert seen == [True] and loss.item() == 9.0
    assert x.data[0] == 3.0 - 0.25 * 6.0
    assert opt.step() is None


def test_param_groups_override_the_defaults() -> None:
    a, b, c = leaf(1.0), leaf(1.0), leaf(1.0)
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.5}], lr=0.25)
    opt.add_param_group({"params": [c], "weight_decay": 1.0})
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.5, 0.25]
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[2]["momentum"] == 0
    for p in (a, b, c):
        p.grad = np.array([1.0])
    opt.step()
    # a: 1 - 0.25 * 1;  b: 1 - 0.5 * 1 (buffer = g on the first step);  c: 1 - 0.25 * (1 + 1)
    assert (a.data[0], b.data[0], c.data[0]) == (0.75, 0.5, 0.5)


# ---- Armijo gradient descent -------------------------------------------------------------------


def quadratic(condition: float = 100.0, n: int = 5) -> np.ndarray:
    """A symmetric positive-definite A with eigenvalues from 1 to ``condition``, rotated."""
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))
    return q @ np.diag(np.geomspace(1.0, condition, n)) @ q.T


def descend(a: np.ndarray, steps: int, **options: object) -> tuple[float, list[dict], GD]:
    x = Tensor(np.ones(len(a)), requires_grad=True)
    opt = GD([x], **options)
    matrix = Tensor(a)

    def closure() -> Tensor:
        opt.zero_grad()
        f = (x @ (matrix @ x)) * 0.5
        f.backward()
        return f

    records = []
    for _ in range(steps):
        start = x.data.copy()
        opt.step(closure)
        records.append(dict(start=start, t=opt.last_step_size, l=opt.last_backtracks,
                            f0=opt.last_loss_before, f=opt.last_loss, slope=opt.last_slope))
    return 0.5 * float(x.data @ a @ x.data), records, opt


def test_armijo_condition_holds_at_every_accepted_step_and_the_step_is_the_largest() -> None:
    a = quadratic()
    f = lambda x: 0.5 * float(x @ a @ x)
    _, records, opt = descend(a, 30, lr=1.0)
    sigma, alpha = 1e-4, 0.5
    assert any(r["l"] > 0 for r in records)  # the line search had work to do
    for r in records:
        g = a @ r["start"]
        assert r["f0"] == pytest.approx(f(r["start"]), rel=1e-12)
        assert r["slope"] == pytest.approx(-float(g @ g), rel=1e-12)  # grad^T d, d = -grad
        assert r["t"] == alpha ** r["l"] * 1.0
        assert r["f"] <= r["f0"] + sigma * r["t"] * r["slope"]
        assert f(r["start"] - r["t"] * g) == pytest.approx(r["f"], rel=1e-12)
        if r["l"] > 0:  # the previous, larger trial step failed the condition
            longer = r["t"] / alpha
            assert f(r["start"] - longer * g) > r["f0"] + sigma * longer * r["slope"]
    assert opt.state_dict()["state"][0]["backtracks"] == records[-1]["l"]


def test_armijo_beats_the_fixed_steps_that_are_stable_on_an_ill_conditioned_quadratic() -> None:
    a = quadratic(condition=100.0)
    assert np.linalg.cond(a) == pytest.approx(100.0)
    largest = np.linalg.eigvalsh(a).max()  # L = 100: a fixed step needs lr < 2 / L
    armijo, _, _ = descend(a, 40, lr=1.0)
    diverging, _, _ = descend(a, 40, lr=2.1 / largest, armijo=False)
    start = descend(a, 0, lr=1.0)[0]
    assert diverging > start  # above 2 / L the fixed step blows up
    for lr in (1.0 / largest, 1.9 / largest):
        fixed, records, _ = descend(a, 40, lr=lr, armijo=False)
        assert all(r["t"] == lr and r["l"] == 0 for r in records)
        assert armijo < fixed < start


def test_armijo_hand_computed_backtracking() -> None:
    # f(x) = 2 x^2 from x = 1: g = 4, d = -4, slope = -16.
    # t = 1:    x = -3, f = 18  >  2 - 1e-4 * 1 * 16    -> backtrack
    # t = 0.5:  x = -1, f = 2   >  2 - 1e-4 * 0.5 * 16  -> backtrack
    # t = 0.25: x = 0,  f = 0   <= 2 - 1e-4 * 0.25 * 16 -> accept
    x = Value(1.0)
    opt = GD([x])

    def closure() -> Value:
        opt.zero_grad()
        f = 2 * x * x
        f.backward()
        return f

    loss = opt.step(closure)
    assert loss.data == 2.0  # the loss at the starting point, as PyTorch's optimizers return
    assert (x.data, opt.last_step_size, opt.last_backtracks) == (0.0, 0.25, 2)
    assert (opt.last_loss_before, opt.last_loss, opt.last_slope) == (2.0, 0.0, -16.0)


def test_armijo_on_rosenbrock_decreases_the_loss_at_every_step() -> None:
    x, y = Value(-1.2), Value(1.0)
    opt = GD([x, y], lr=1.0)

    def closure() -> Value:
        opt.zero_grad()
        f = (x - 1) ** 2 + 10 * (y - x * x) ** 2
        f.backward()
        return f

    losses = [opt.step(closure).data for _ in range(200)]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < 1e-2 < losses[0]


def test_gd_without_armijo_is_sgd() -> None:
    p, q = Tensor([0.3, -1.7], requires_grad=True), Tensor([0.3, -1.7], requires_grad=True)
    gd, sgd = GD([p], lr=0.1, armijo=False), SGD([q], lr=0.1)

    def closure() -> Tensor:
        gd.zero_grad()
        loss = (p * p * p).sum()
        loss.backward()
        return loss

    for _ in range(5):
        gd.step(closure)
        q.grad = p.grad.copy()  # the gradient at the point both started from
        sgd.step()
        assert p.data.tolist() == q.data.tolist()
    assert gd.last_loss is None and gd.last_step_size == 0.1


def test_gd_requires_a_closure_and_reports_a_failed_line_search() -> None:
    x = Tensor([1.0], requires_grad=True)
    opt = GD([x], max_backtracks=5)
    with pytest.raises(RuntimeError, match="requires a closure"):
        opt.step()

    def wrong_gradient() -> Tensor:  # the gradient of -f: d is an ascent direction
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        x.grad = -x.grad
        return loss

    with pytest.raises(RuntimeError, match="Armijo condition .* max_backtracks=5"):
        opt.step(wrong_gradient)
    assert x.data[0] == 1.0  # restored
    with pytest.raises(TypeError, match="GD: the closure must return the loss"):
        opt.step(lambda: None)


@pytest.mark.parametrize("cls", [GD, LBFGS])
def test_a_closure_that_never_calls_backward_is_an_error(cls: type) -> None:
    x, y = Tensor([1.0, 2.0], requires_grad=True), Value(3.0)
    opt = cls([x, y])

    def forgetful() -> Tensor:
        opt.zero_grad()
        return (x * x).sum() + y.data  # no loss.backward(): every gradient stays None

    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: no parameter has a gradient after "
                                           r"the closure ran; the closure must call "
                                           r"loss\.backward\(\)"):
        opt.step(forgetful)
    assert x.data.tolist() == [1.0, 2.0] and y.data == 3.0


def test_gd_construction_errors() -> None:
    x = [leaf(1.0)]
    for options, pattern in [
        (dict(sigma=0.0), r"GD: invalid sigma 0\.0: must be in \(0, 1\)"),
        (dict(sigma=1.0), r"GD: invalid sigma 1\.0"),
        (dict(alpha=0.0), r"GD: invalid alpha 0\.0"),
        (dict(alpha=1.5), r"GD: invalid alpha 1\.5"),
        (dict(max_backtracks=-1), r"GD: invalid max_backtracks -1"),
        (dict(lr=-1.0), r"GD: invalid lr -1\.0"),
    ]:
        with pytest.raises(ValueError, match=pattern):
            GD(x, **options)
    with pytest.raises(ValueError, match="parameter groups"):
        GD([{"params": [leaf(1.0)]}, {"params": [leaf(2.0)]}])


# ---- learning-rate schedulers ------------------------------------------------------------------


def lr_sequence(scheduler_type: type, epochs: int, lr: float = 0.8, **options: object
                ) -> tuple[list[float], list[float], object]:
    """get_last_lr() after construction and after each step, and each step's closed form."""
    p = leaf(0.0)
    opt = SGD([p], lr=lr)
    scheduler = scheduler_type(opt, **options)
    rates, closed = [scheduler.get_last_lr()[0]], [scheduler.closed_form_lr()[0]]
    for epoch in range(1, epochs + 1):
        p.grad = np.zeros(1)
        opt.step()
        scheduler.step()
        assert scheduler.last_epoch == epoch
        assert opt.param_groups[0]["lr"] == scheduler.get_last_lr()[0]
        rates.append(scheduler.get_last_lr()[0])
        closed.append(scheduler.closed_form_lr()[0])
    return rates, closed, scheduler


def test_step_lr() -> None:
    rates, closed, _ = lr_sequence(StepLR, 9, lr=0.8, step_size=3, gamma=0.5)
    assert rates == [0.8] * 3 + [0.4] * 3 + [0.2] * 3 + [0.1]
    assert rates == closed == [0.8 * 0.5 ** (epoch // 3) for epoch in range(10)]


def test_exponential_lr_is_computed_recursively_as_in_pytorch() -> None:
    rates, closed, _ = lr_sequence(ExponentialLR, 30, lr=0.1, gamma=0.9)
    recursive = [0.1]
    for _ in range(30):
        recursive.append(recursive[-1] * 0.9)
    assert rates == recursive  # PyTorch's numbers: lr_{e} = lr_{e-1} * gamma
    assert rates == pytest.approx([0.1 * 0.9 ** e for e in range(31)], rel=1e-14)
    assert closed == [0.1 * 0.9 ** e for e in range(31)]


def test_cosine_annealing_lr_follows_the_closed_form_through_and_past_t_max() -> None:
    base, eta_min, t_max = 0.1, 0.01, 10
    rates, closed, _ = lr_sequence(CosineAnnealingLR, 25, lr=base, T_max=t_max,
                                   eta_min=eta_min)
    formula = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2
               for e in range(26)]
    assert closed == pytest.approx(formula, rel=1e-15)
    assert rates == pytest.approx(formula, rel=1e-13, abs=1e-15)
    assert rates[0] == base and rates[10] == pytest.approx(eta_min, rel=1e-13)
    assert rates[20] == pytest.approx(base, rel=1e-13)  # the cosine rises again past T_max
    one, _, _ = lr_sequence(CosineAnnealingLR, 4, lr=1.0, T_max=1)
    assert one == pytest.approx([1.0, 0.0, 1.0, 0.0, 1.0], abs=1e-15)


def test_schedulers_compose_with_a_rate_changed_by_hand() -> None:
    p = leaf(0.0)
    opt = SGD([p], lr=1.0)
    scheduler = ExponentialLR(opt, gamma=0.5)
    opt.param_groups[0]["lr"] = 0.25  # recursive form: the next rate builds on this one
    scheduler.step()
    assert scheduler.get_last_lr() == [0.125]
    assert scheduler.closed_form_lr() == [0.5]
    assert opt.param_groups[0]["initial_lr"] == 1.0 and scheduler.base_lrs == [1.0]


def test_scheduler_with_several_groups_and_state_dict() -> None:
    opt = SGD([{"params": [leaf(0.0)], "lr": 1.0}, {"params": [leaf(0.0)], "lr": 0.5}])
    scheduler = StepLR(opt, step_size=1, gamma=0.5)
    scheduler.step()
    assert scheduler.get_last_lr() == [0.5, 0.25]
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 1
    other = StepLR(SGD([leaf(0.0)], lr=1.0), step_size=7)
    other.load_state_dict(saved)
    assert (other.last_epoch, other.step_size, other.get_last_lr()) == (1, 1, [0.5, 0.25])


def test_scheduler_errors() -> None:
    opt = SGD([leaf(0.0)])
    with pytest.raises(ValueError, match="StepLR: invalid step_size 0"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="CosineAnnealingLR: invalid T_max 0"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(TypeError, match="ExponentialLR: list is not an Optimizer"):
        ExponentialLR([], gamma=0.5)
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(SGD([leaf(0.0)]), step_size=2, last_epoch=3)


# ---- gradient clipping -------------------------------------------------------------------------


def with_grads() -> tuple[Tensor, Value, Tensor]:
    t, v, none = leaf(0.0, 0.0), Value(0.0), leaf(0.0)
    t.grad, v.grad = np.array([3.0, 4.0]), 12.0
    return t, v, none


def test_clip_grad_norm() -> None:
    t, v, none = with_grads()
    grad = t.grad
    total = clip_grad_norm_([t, v, none], max_norm=6.5)
    assert total == 13.0  # sqrt(3^2 + 4^2 + 12^2)
    coefficient = 6.5 / (13.0 + 1e-6)
    assert t.grad is grad  # scaled in place
    assert t.grad.tolist() == [3.0 * coefficient, 4.0 * coefficient]
    assert v.grad == 12.0 * coefficient and none.grad is None
    t, v, _ = with_grads()
    assert clip_grad_norm_([t, v], max_norm=13.0) == 13.0  # coefficient 13 / (13 + 1e-6) < 1
    t, v, _ = with_grads()
    assert clip_grad_norm_([t, v], max_norm=14.0) == 13.0
    assert t.grad.tolist() == [3.0, 4.0] and v.grad == 12.0  # coefficient >= 1: untouched


def test_clip_grad_norm_other_orders_and_nonfinite() -> None:
    t, v, _ = with_grads()
    assert clip_grad_norm_([t, v], max_norm=100.0, norm_type=math.inf) == 12.0
    assert clip_grad_norm_([t, v], max_norm=100.0, norm_type=1) == 19.0
    assert clip_grad_norm_(v, max_norm=6.0, norm_type=math.inf) == 12.0
    assert v.grad == 12.0 * 6.0 / (12.0 + 1e-6)
    assert clip_grad_norm_([leaf(1.0)], max_norm=1.0) == 0.0  # no gradients at all
    bad = leaf(0.0, 0.0)
    bad.grad = np.array([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([bad], max_norm=1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([bad], max_norm=1.0) == math.inf
    assert math.isnan(bad.grad[0]) and bad.grad[1] == 0.0  # scaled by 1 / inf, as PyTorch
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_([bad], max_norm=1.0, norm_type=0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=8),
       st.floats(1e-3, 1e3), st.sampled_from([1.0, 2.0, 3.0, math.inf]))
def test_clipped_gradients_have_norm_at_most_max_norm(grads: list[float], max_norm: float,
                                                      norm_type: float) -> None:
    t, v = leaf(*[0.0] * len(grads)), Value(0.0)
    t.grad, v.grad = np.array(grads), grads[0]
    total = clip_grad_norm_([t, v], max_norm, norm_type)
    everything = np.array(grads + [grads[0]])
    expected = np.abs(everything).max() if math.isinf(norm_type) else \
        np.sum(np.abs(everything) ** norm_type) ** (1 / norm_type)
    assert total == pytest.approx(expected, rel=1e-12)
    after = np.append(t.grad, v.grad)
    after_norm = np.abs(after).max() if math.isinf(norm_type) else \
        np.sum(np.abs(after) ** norm_type) ** (1 / norm_type)
    assert after_norm <= max(max_norm, 0) * (1 + 1e-12) or total <= max_norm


def test_clip_grad_value() -> None:
    t, v, none = with_grads()
    grad = t.grad
    clip_grad_value_([t, v, none], clip_value=3.5)
    assert t.grad is grad and t.grad.tolist() == [3.0, 3.5]
    assert v.grad == 3.5 and type(v.grad) is float and none.grad is None
    n = Value(0.0)
    n.grad = -math.inf
    clip_grad_value_(n, 2.0)
    assert n.grad == -2.0
    n.grad = math.nan
    clip_grad_value_([n], 2.0)
    assert math.isnan(n.grad)
    with pytest.raises(ValueError, match="clip_grad_value_: invalid clip_value -1.0"):
        clip_grad_value_([n], -1.0)


# ---- state_dict ------------------------------------------------------------------------------


def make_model() -> list:
    return [Tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True), Value(1.5),
            Tensor([0.1, 0.2, 0.3], requires_grad=True)]


def train(opt: Optimizer, params: list, steps: range) -> None:
    for t in steps:
        for p in params:
            data = np.asarray(p.data)
            g = np.cos(data * (t + 1)) + data
            if isinstance(p, Value):
                p.grad = float(g)
            else:
                p.grad = g
        opt.step()


@pytest.mark.parametrize("cls, options", CONFIGS)
def test_state_dict_round_trip_continues_the_same_trajectory(cls: type, options: dict) -> None:
    reference = make_model()
    opt = cls(reference, **options)
    train(opt, reference, range(3))
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1, 2]]
    assert set(saved["state"]) == {0, 1, 2}
    assert all(isinstance(item, (int, float, np.ndarray))
               for buffers in saved["state"].values() for item in buffers.values())
    assert all(isinstance(item, (int, float)) for item in saved["state"][1].values())

    restored = make_model()
    for p, q in zip(restored, reference):
        if isinstance(p, Value):
            p.data = q.data
        else:
            p.data[...] = q.data
    other = cls(restored, **{**options, "lr": 123.0})
    other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == options["lr"]
    train(opt, reference, range(3, 6))
    train(other, restored, range(3, 6))
    for p, q in zip(restored, reference):
        assert np.array_equal(p.data, q.data)
    # the saved dict was a snapshot: the three later steps did not change it
    assert saved["state"][0] != {} and not all(
        np.array_equal(saved["state"][0][k], opt.state[reference[0]][k])
        for k in saved["state"][0] if isinstance(saved["state"][0][k], np.ndarray))


def test_load_state_dict_errors() -> None:
    opt = Adam(make_model())
    train(opt, opt.param_groups[0]["params"], range(1))
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        Adam([{"params": [leaf(0.0)]}, {"params": [leaf(0.0)]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size"):
        Adam([leaf(0.0)]).load_state_dict(saved)
    wrong_shape = [leaf(0.0), Value(0.0), leaf(0.0, 0.0, 0.0)]
    with pytest.raises(ValueError, match=r"Adam: loaded state 'exp_avg' of parameter 0 has shape"):
        Adam(wrong_shape).load_state_dict(saved)


# ---- construction errors -----------------------------------------------------------------------


@pytest.mark.parametrize("cls, options, pattern", [
    (SGD, dict(lr=-0.1), r"SGD: invalid lr -0\.1: must be >= 0"),
    (SGD, dict(momentum=-0.5), r"SGD: invalid momentum -0\.5"),
    (SGD, dict(weight_decay=-1e-4), r"SGD: invalid weight_decay -0\.0001"),
    (SGD, dict(nesterov=True), r"SGD: Nesterov momentum requires a momentum > 0 .*momentum 0"),
    (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1),
     r"SGD: Nesterov .* zero dampening.*dampening 0\.1"),
    (SGD, dict(lr=math.nan), r"SGD: invalid lr nan"),
    (Adagrad, dict(lr=-1.0), r"Adagrad: invalid lr -1\.0"),
    (Adagrad, dict(lr_decay=-1.0), r"Adagrad: invalid lr_decay -1\.0"),
    (Adagrad, dict(weight_decay=-1.0), r"Adagrad: invalid weight_decay -1\.0"),
    (Adagrad, dict(initial_accumulator_value=-1.0),
     r"Adagrad: invalid initial_accumulator_value -1\.0"),
    (Adagrad, dict(eps=-1.0), r"Adagrad: invalid eps -1\.0"),
    (RMSprop, dict(lr=-1.0), r"RMSprop: invalid lr -1\.0"),
    (RMSprop, dict(alpha=-0.5), r"RMSprop: invalid alpha -0\.5"),
    (RMSprop, dict(eps=-1.0), r"RMSprop: invalid eps -1\.0"),
    (RMSprop, dict(weight_decay=-1.0), r"RMSprop: invalid weight_decay -1\.0"),
    (RMSprop, dict(momentum=-1.0), r"RMSprop: invalid momentum -1\.0"),
    (Adam, dict(lr=-1.0), r"Adam: invalid lr -1\.0"),
    (Adam, dict(eps=-1.0), r"Adam: invalid eps -1\.0"),
    (Adam, dict(weight_decay=-1.0), r"Adam: invalid weight_decay -1\.0"),
    (Adam, dict(betas=(1.0, 0.999)), r"Adam: invalid betas\[0\] 1\.0: must be in \[0, 1\)"),
    (Adam, dict(betas=(0.9, -0.1)), r"Adam: invalid betas\[1\] -0\.1"),
    (Adam, dict(betas=(0.9,)), r"Adam: invalid betas \(0\.9,\): must be a pair"),
    (AdamW, dict(betas=(0.9, 1.0)), r"AdamW: invalid betas\[1\] 1\.0"),
    (AdamW, dict(weight_decay=-0.01), r"AdamW: invalid weight_decay -0\.01"),
])
def test_invalid_hyper_parameters(cls: type, options: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        cls([leaf(0.0)], **options)
    with pytest.raises(ValueError, match=pattern):  # also when a group overrides the default
        cls([{"params": [leaf(0.0)], **options}])


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam, AdamW, GD])
def test_invalid_parameter_lists(cls: type) -> None:
    with pytest.raises(ValueError, match=re.escape("optimizer got an empty parameter list")):
        cls([])
    with pytest.raises(TypeError, match=f"{cls.__name__}: params should be an iterable"):
        cls(leaf(0.0))
    with pytest.raises(TypeError, match="not a set"):
        cls({leaf(0.0)})
    with pytest.raises(TypeError, match=f"{cls.__name__}: can only optimize Tensors and Values"):
        cls([1.0])
    x = leaf(1.0)
    with pytest.raises(ValueError, match="non-leaf"):
        cls([x * 2.0])
    with pytest.raises(TypeError, match=f"{cls.__name__}: lr must be a real number"):
        cls([x], lr="0.1")


def test_a_parameter_in_two_groups_or_twice_in_one() -> None:
    x = leaf(1.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [x]}, {"params": [x]}])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        SGD([x, x])


# ---- gradients built with create_graph (issue 10, item 6) --------------------------------------


def cube_sum(p: Tensor | Value) -> Tensor | Value:
    """f = sum p^3, whose gradient 3 p^2 a penalty can square."""
    return (p * p * p).sum() if isinstance(p, Tensor) else p * p * p


def test_gradient_penalty_pattern_steps_on_the_gradients_numbers() -> None:
    # f = w^3 summed: grad f = 3 w^2 (a node, built with create_graph); the penalty |grad f|^2
    # has gradient 2 (3 w^2)(6 w) = 36 w^3, which backward adds: 3 w^2 + 36 w^3.
    w, v = leaf(1.0, 2.0), Value(2.0)
    for p in (w, v):
        cube_sum(p).backward(create_graph=True)
        assert isinstance(p.grad, type(p))  # the gradient is a node
        penalty = (p.grad * p.grad).sum() if isinstance(p, Tensor) else p.grad * p.grad
        penalty.backward()
    SGD([w, v], lr=0.01).step()
    assert w.data.tolist() == [1.0 - 0.01 * (3.0 + 36.0), 2.0 - 0.01 * (12.0 + 288.0)]
    assert v.data == 2.0 - 0.01 * (12.0 + 288.0) and type(v.data) is float


@pytest.mark.parametrize("cls, options", CONFIGS)
def test_every_optimizer_steps_alike_on_plain_and_create_graph_gradients(
        cls: type, options: dict) -> None:
    def train(create_graph: bool) -> list:
        t, v = leaf(0.5, -1.5), Value(0.7)
        opt = cls([t, v], **options)
        for _ in range(3):
            opt.zero_grad()
            for p in (t, v):
                cube_sum(p).backward(create_graph=create_graph)
            assert isinstance(v.grad, Value) == create_graph
            opt.step()
        return [t.data.tolist(), v.data]

    assert train(create_graph=True) == train(create_graph=False)


def quartic(params: list[Tensor] | list[Value]) -> Tensor | Value:
    """sum (p - 1)^4 + p^2 over every entry: a convex loss with a positive Hessian."""
    terms = [((p - 1.0) ** 4 + p * p) for p in params]
    return sum(t.sum() for t in terms) if isinstance(params[0], Tensor) else sum(terms)


@pytest.mark.parametrize("kind", ["Tensor", "Value"])
@pytest.mark.parametrize("cls, options", [(GD, {}), (GD, dict(armijo=False, lr=0.1)),
                                          (LBFGS, {}), (LBFGS, dict(line_search_fn="strong_wolfe")),
                                          (Newton, dict(damping=0.5))])
def test_closure_optimizers_accept_create_graph_gradients(cls: type, options: dict,
                                                          kind: str) -> None:
    def train(create_graph: bool) -> list:
        if kind == "Tensor":
            used, idle = [leaf(0.5, -1.5)], leaf(3.0)
        else:
            used, idle = [Value(0.5), Value(-1.5)], Value(3.0)
        opt = cls([*used, idle], **options)

        def closure() -> Tensor | Value:
            opt.zero_grad()  # idle gets no gradient (None): GD and LBFGS count it as 0
            loss = quartic(used)
            loss.backward(create_graph=create_graph)
            return loss

        for _ in range(2):
            opt.step(closure)
        assert idle.grad is None
        return [np.ravel(p.data).tolist() for p in [*used, idle]]

    with_graph = train(create_graph=True)
    assert with_graph == train(create_graph=False)
    assert with_graph[-1] == [3.0]  # never had a gradient: never moved


def node_gradients() -> tuple[Tensor, Value, Tensor, Value]:
    """t.grad = 2 t = [3, 4] and v.grad = 2 v = 12, both nodes (create_graph); total norm 13."""
    t, v = leaf(1.5, 2.0), Value(6.0)
    (t * t).sum().backward(create_graph=True)
    (v * v).backward(create_graph=True)
    assert isinstance(t.grad, Tensor) and isinstance(v.grad, Value)
    return t, v, t.grad, v.grad


def test_clip_grad_norm_of_create_graph_gradients_replaces_them_by_scaled_numbers() -> None:
    t, v, t_node, v_node = node_gradients()
    assert clip_grad_norm_([t, v], max_norm=6.5) == 13.0  # sqrt(3^2 + 4^2 + 12^2)
    coefficient = 6.5 / (13.0 + 1e-6)
    assert type(t.grad) is np.ndarray and t.grad.tolist() == [3.0 * coefficient,
                                                             4.0 * coefficient]
    assert type(v.grad) is float and v.grad == 12.0 * coefficient
    assert t_node.data.tolist() == [3.0, 4.0] and v_node.data == 12.0  # the nodes: unchanged
    t, v, _, _ = node_gradients()
    assert clip_grad_norm_([t, v], max_norm=14.0) == 13.0  # no clipping: left as they were
    assert isinstance(t.grad, Tensor) and isinstance(v.grad, Value)


def test_clip_grad_value_of_create_graph_gradients_replaces_them_by_clamped_numbers() -> None:
    t, v, t_node, v_node = node_gradients()
    clip_grad_value_([t, v], clip_value=3.5)
    assert type(t.grad) is np.ndarray and t.grad.tolist() == [3.0, 3.5]
    assert type(v.grad) is float and v.grad == 3.5
    assert t_node.data.tolist() == [3.0, 4.0] and v_node.data == 12.0


class TensorAndValue(Module):
    def __init__(self) -> None:
        self.t = leaf(1.5, 2.0)
        self.v = Value(6.0)


def test_zero_grad_keeping_zeros_replaces_create_graph_gradients_by_plain_zeros() -> None:
    for reset in ("optimizer", "module"):
        model = TensorAndValue()
        t, v = model.t, model.v
        opt = SGD([t, v])
        (t * t).sum().backward(create_graph=True)
        (v * v).backward(create_graph=True)
        t_node, v_node = t.grad, v.grad
        if reset == "optimizer":
            opt.zero_grad(set_to_none=False)
        else:
            model.zero_grad(set_to_none=False)
        assert type(t.grad) is np.ndarray and t.grad.tolist() == [0.0, 0.0]
        assert type(v.grad) is float and v.grad == 0.0
        assert t_node.data.tolist() == [3.0, 4.0] and v_node.data == 12.0


# ---- "no gradient" is None for Values too (issue 10, item 8) ------------------------------------


def backward_through(p: Tensor | Value) -> None:
    (p * 2.0).sum().backward() if isinstance(p, Tensor) else (p * 2.0).backward()


@pytest.mark.parametrize("cls, options", CONFIGS)
def test_values_and_tensors_without_a_gradient_are_skipped_alike(cls: type,
                                                                   options: dict) -> None:
    used_t, idle_t, used_v, idle_v, never = leaf(1.0), leaf(1.0), Value(1.0), Value(1.0), \
        Value(1.0)
    opt = cls([used_t, idle_t, used_v, idle_v, never], **options)
    opt.zero_grad()
    assert idle_v.grad is None and never.grad is None
    for p in (used_t, idle_t, used_v, idle_v):
        backward_through(p)
    opt.step()  # all but `never` move, and have momentum buffers or step counts now
    idle_before = (idle_t.data[0], idle_v.data)
    used_before = (used_t.data[0], used_v.data)
    opt.zero_grad()
    for p in (used_t, used_v):
        backward_through(p)
    opt.step()
    assert (idle_t.data[0], idle_v.data) == idle_before  # not even momentum moves them
    assert used_t.data[0] != used_before[0] and used_v.data != used_before[1]
    assert never.data == 1.0 and never not in opt.state  # state only for the stepped


def test_a_value_gradient_of_zero_is_a_gradient() -> None:
    # PyTorch's rule for zeros: a zero gradient is stepped (here momentum carries v on).
    v = Value(1.0)
    opt = SGD([v], lr=0.5, momentum=0.5)
    v.grad = 1.0
    opt.step()  # buffer 1, v = 1 - 0.5
    opt.zero_grad(set_to_none=False)
    assert v.grad == 0.0
    opt.step()  # buffer 0.5 * 1 + 0, v = 0.5 - 0.5 * 0.5
    assert v.data == 0.25


def test_module_zero_grad_sets_none_for_both_kinds_or_zeros_in_place() -> None:
    model = TensorAndValue()
    (model.t * 2.0).sum().backward()
    (model.v * 2.0).backward()
    grad = model.t.grad
    model.zero_grad(set_to_none=False)
    assert model.t.grad is grad and grad.tolist() == [0.0, 0.0] and model.v.grad == 0.0
    model.zero_grad()
    assert model.t.grad is None and model.v.grad is None
    model.zero_grad(set_to_none=False)  # as in PyTorch, a missing Tensor gradient stays None
    assert model.t.grad is None and model.v.grad == 0.0
    model.zero_grad()
    (model.v * 3.0).backward()  # backward adds into None: the gradient itself
    assert model.v.grad == 3.0


def test_clipping_skips_values_without_gradient() -> None:
    t, v, none = leaf(0.0, 0.0), Value(0.0), Value(5.0)
    t.grad, v.grad, none.grad = np.array([3.0, 4.0]), 12.0, None
    assert clip_grad_norm_([t, v, none], max_norm=100.0) == 13.0
    clip_grad_value_([t, v, none], clip_value=3.5)
    assert none.grad is None and v.grad == 3.5


# ---- schedulers resumed with last_epoch (issue 10, item 7) --------------------------------------


def resumed(scheduler_type: type, last_epoch: int, lr: float, base: float, steps: int,
            **options: object) -> tuple[list[float], object]:
    """get_last_lr() right after resuming at last_epoch (the group holding lr and initial_lr
    base) and after each of ``steps`` steps."""
    p = leaf(0.0)
    opt = SGD([{"params": [p], "lr": lr, "initial_lr": base}])
    scheduler = scheduler_type(opt, last_epoch=last_epoch, **options)
    assert scheduler.last_epoch == last_epoch + 1 and scheduler.base_lrs == [base]
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        p.grad = np.zeros(1)
        opt.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == rates[-1]
    return rates, scheduler


def test_step_lr_resumed_applies_its_rule_at_the_construction_step() -> None:
    # lr 1, last_epoch 5, step_size 3: the construction step reaches epoch 6, a multiple of 3
    rates, _ = resumed(StepLR, 5, lr=1.0, base=1.0, steps=0, step_size=3, gamma=0.5)
    assert rates == [1.0 * 0.5]


@pytest.mark.parametrize("last_epoch", [0, 1, 2, 4, 5, 8])
@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.5), (2, 0.1), (4, 0.3)])
def test_step_lr_resumed_with_epoch_k_rate_follows_its_formula(
        last_epoch: int, step_size: int, gamma: float) -> None:
    base = 0.8
    lr = base * gamma ** (last_epoch // step_size)  # the rate of epoch last_epoch
    rates, scheduler = resumed(StepLR, last_epoch, lr, base, steps=10, step_size=step_size,
                               gamma=gamma)
    expected, rate = [], lr
    for epoch in range(last_epoch + 1, last_epoch + 12):  # the construction step, then 10
        if epoch % step_size == 0:
            rate *= gamma
        expected.append(rate)
    assert rates == expected
    closed = [base * gamma ** (epoch // step_size)
              for epoch in range(last_epoch + 1, last_epoch + 12)]
    assert rates == pytest.approx(closed, rel=1e-14)
    assert scheduler.closed_form_lr() == [closed[-1]]


@pytest.mark.parametrize("last_epoch", [0, 3, 9, 10, 14])
def test_exponential_and_cosine_resumed_keep_the_groups_rate_then_continue(
        last_epoch: int) -> None:
    base, gamma = 0.5, 0.9
    lr = base * gamma ** (last_epoch + 1)  # the rate of the epoch the construction reaches
    rates, _ = resumed(ExponentialLR, last_epoch, lr, base, steps=6, gamma=gamma)
    expected = [lr]
    for _ in range(6):
        expected.append(expected[-1] * gamma)
    assert rates == expected
    t_max, eta_min = 5, 0.01

    def cosine(epoch: int) -> float:
        return eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / t_max)) / 2

    rates, _ = resumed(CosineAnnealingLR, last_epoch, cosine(last_epoch + 1), base, steps=12,
                       T_max=t_max, eta_min=eta_min)
    assert rates[0] == cosine(last_epoch + 1)
    assert rates == pytest.approx([cosine(e) for e in range(last_epoch + 1, last_epoch + 14)],
                                  rel=1e-12, abs=1e-15)
