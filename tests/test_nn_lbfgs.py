"""nn.optim.LBFGS: convergence, the strong-Wolfe line search, Value parameters, errors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from autograd_core import Tensor, Value
from autograd_core.nn.optim import LBFGS
from autograd_core.nn.optim.lbfgs import _cubic_minimizer, strong_wolfe


def quadratic(seed: int = 0, n: int = 10, cond: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric positive definite A with eigenvalues from 1 to cond, and a b."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = q @ np.diag(np.geomspace(1.0, cond, n)) @ q.T
    return (a + a.T) / 2, rng.standard_normal(n)


def quadratic_problem(**options: object) -> tuple[Tensor, LBFGS, Callable[[], Tensor],
                                                   np.ndarray]:
    a, b = quadratic()
    x = Tensor(np.zeros(10), requires_grad=True)
    opt = LBFGS([x], **options)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = 0.5 * (x @ (a @ x)) - (b * x).sum()
        loss.backward()
        return loss

    return x, opt, closure, np.linalg.solve(a, b)


# With the default tolerances (as in PyTorch) the loss-change and g^T d tests stop L-BFGS at
# |x - x*| ~ 3e-6 on this problem; 1e-8 needs them tightened (and more iterations than 20).
TIGHT = dict(max_iter=100, tolerance_grad=1e-10, tolerance_change=0.0)


def test_quadratic_one_step_with_strong_wolfe() -> None:
    x, opt, closure, solution = quadratic_problem(line_search_fn="strong_wolfe", **TIGHT)
    opt.step(closure)
    np.testing.assert_allclose(x.data, solution, atol=1e-8)
    state = opt.state[x]
    assert 10 <= state["n_iter"] <= 100 and state["func_evals"] <= 125


def test_quadratic_default_tolerances_stop_early() -> None:
    x, opt, closure, solution = quadratic_problem(line_search_fn="strong_wolfe")
    opt.step(closure)
    assert 1e-7 < np.max(np.abs(x.data - solution)) < 1e-4


def test_quadratic_a_few_steps_without_line_search() -> None:
    x, opt, closure, solution = quadratic_problem(tolerance_grad=1e-10, tolerance_change=0.0)
    opt.step(closure)
    assert np.max(np.abs(x.data - solution)) > 1e-8  # max_iter = 20 is not enough
    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(x.data, solution, atol=1e-8)


def rosenbrock_problem(*params: Tensor | Value, **options: object) -> tuple[LBFGS, Callable]:
    opt = LBFGS(list(params), **options)

    def closure() -> Tensor | Value:
        opt.zero_grad()
        if len(params) == 1:
            u, v = params[0][0], params[0][1]
        else:
            u, v = params
        loss = (1 - u) ** 2 + 100 * (v - u * u) ** 2
        loss.backward()
        return loss

    return opt, closure


def test_rosenbrock_with_strong_wolfe() -> None:
    xy = Tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt, closure = rosenbrock_problem(xy, line_search_fn="strong_wolfe", **TIGHT)
    opt.step(closure)
    np.testing.assert_allclose(xy.data, [1.0, 1.0], atol=1e-6)


def test_value_parameters_follow_the_tensor() -> None:
    xy = Tensor(np.array([-1.5, 2.0]), requires_grad=True)
    u, v = Value(-1.5), Value(2.0)
    opt_t, closure_t = rosenbrock_problem(xy, line_search_fn="strong_wolfe", **TIGHT)
    opt_v, closure_v = rosenbrock_problem(u, v, line_search_fn="strong_wolfe", **TIGHT)
    opt_t.step(closure_t)
    opt_v.step(closure_v)
    assert isinstance(u.data, float) and isinstance(v.data, float)
    np.testing.assert_allclose([u.data, v.data], [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose([u.data, v.data], xy.data, rtol=1e-12, atol=1e-12)
    assert opt_v.state[u]["func_evals"] == opt_t.state[xy]["func_evals"]


def test_mixed_tensor_and_value_parameters() -> None:
    a, b = quadratic(seed=1, n=3, cond=10.0)
    x, w = Tensor(np.zeros(3), requires_grad=True), Value(0.0)
    opt = LBFGS([x, w], line_search_fn="strong_wolfe", **TIGHT)

    def closure() -> float:  # a separable sum: the Tensor's quadratic plus (w - 2)^2
        opt.zero_grad()
        loss_x = 0.5 * (x @ (a @ x)) - (b * x).sum()
        loss_w = (w - 2.0) ** 2
        loss_x.backward()
        loss_w.backward()
        return loss_x.item() + loss_w.data

    opt.step(closure)
    np.testing.assert_allclose(x.data, np.linalg.solve(a, b), atol=1e-8)
    assert isinstance(w.data, float) and w.data == pytest.approx(2.0, abs=1e-8)


def test_returns_the_loss_of_the_first_evaluation() -> None:
    x, opt, closure, _ = quadratic_problem(line_search_fn="strong_wolfe")
    returned = opt.step(closure)
    assert isinstance(returned, Tensor) and returned.item() == 0.0  # f(0) = 0
    assert closure().item() < -1.0
    assert opt.state[x]["func_evals"] > 1


def test_state_persists_and_counts() -> None:
    x, opt, closure, _ = quadratic_problem(max_iter=3, max_eval=10)
    opt.step(closure)
    state = opt.state[x]
    assert state["n_iter"] == 3 and state["func_evals"] == 3  # the last move is not evaluated
    assert len(state["old_dirs"]) == 2
    opt.step(closure)
    assert state["n_iter"] == 6 and state["func_evals"] == 6 and len(state["old_dirs"]) == 5


def test_first_step_is_scaled_by_the_gradient() -> None:
    x = Tensor(np.array([3.0, -4.0]), requires_grad=True)
    opt = LBFGS([x], lr=0.5, max_iter=1)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    opt.step(closure)  # g = (6, -8), |g|_1 = 14: t = 0.5 / 14
    np.testing.assert_allclose(x.data, [3.0 - 6 * 0.5 / 14, -4.0 + 8 * 0.5 / 14], rtol=1e-15)


def test_stops_at_once_when_the_gradient_is_small() -> None:
    x = Tensor(np.array([1e-9]), requires_grad=True)
    opt = LBFGS([x])

    def closure() -> Tensor:
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert x.data[0] == 1e-9 and opt.state[x]["func_evals"] == 1
    assert opt.state[x]["n_iter"] == 0


def test_defaults() -> None:
    x = Tensor(np.zeros(2), requires_grad=True)
    assert LBFGS([x]).defaults == dict(lr=1, max_iter=20, max_eval=25, tolerance_grad=1e-7,
                                       tolerance_change=1e-9, history_size=100,
                                       line_search_fn=None)
    assert LBFGS([x], max_iter=8).defaults["max_eval"] == 10


def test_errors() -> None:
    x, y = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="closure"):
        LBFGS([x]).step()
    with pytest.raises(TypeError, match="LBFGS: the closure must return the loss"):
        LBFGS([x]).step(lambda: None)
    with pytest.raises(ValueError, match="parameter groups"):
        LBFGS([{"params": [x]}, {"params": [y]}])
    with pytest.raises(ValueError, match="line_search_fn"):
        LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="history_size"):
        LBFGS([x], history_size=0)
    with pytest.raises(ValueError, match="lr"):
        LBFGS([x], lr=-1.0)


# ---- the line search on its own --------------------------------------------------------


def one_d(f: Callable[[float], float], df: Callable[[float], float]) -> Callable:
    def obj_func(x: np.ndarray, t: float, d: np.ndarray) -> tuple[float, np.ndarray]:
        point = float((x + t * d)[0])
        return f(point), np.array([df(point)])
    return obj_func


@pytest.mark.parametrize("t0", [1e-3, 0.1, 1.0, 10.0, 100.0])
@pytest.mark.parametrize("case", ["quartic", "sine"])
def test_strong_wolfe_conditions_hold(case: str, t0: float) -> None:
    if case == "quartic":  # minimum at 2, with a flat region on the way
        f, df = (lambda z: (z - 2.0) ** 4 + z * z / 10), (lambda z: 4 * (z - 2.0) ** 3 + z / 5)
    else:
        f, df = (lambda z: np.sin(z) + 0.05 * z * z), (lambda z: np.cos(z) + 0.1 * z)
    x, d = np.array([0.0]), np.array([1.0])
    f0, g0 = f(0.0), np.array([df(0.0)])
    if g0[0] > 0:
        d = -d
    gtd = float(g0 @ d)
    f_new, g_new, t, evals = strong_wolfe(one_d(f, df), x, t0, d, f0, g0, gtd)
    c1, c2 = 1e-4, 0.9
    assert f_new == f(float(x[0] + t * d[0])) and g_new[0] == df(float(x[0] + t * d[0]))
    assert f_new <= f0 + c1 * t * gtd
    assert abs(float(g_new @ d)) <= c2 * abs(gtd)
    assert 1 <= evals <= 26


def test_strong_wolfe_accepts_a_good_first_step() -> None:
    obj = one_d(lambda z: (z - 1.0) ** 2, lambda z: 2 * (z - 1.0))
    f_new, g_new, t, evals = strong_wolfe(obj, np.array([0.0]), 1.0, np.array([1.0]), 1.0,
                                          np.array([-2.0]), -2.0)
    assert (t, f_new, g_new[0], evals) == (1.0, 0.0, 0.0, 1)


def test_cubic_minimizer() -> None:
    # f = t^3 - 3t has its local minimum at t = 1; the cubic through two points is exact.
    f, df = (lambda z: z ** 3 - 3 * z), (lambda z: 3 * z * z - 3)
    assert _cubic_minimizer(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0)) == pytest.approx(1.0)
    assert _cubic_minimizer(2.0, f(2.0), df(2.0), 0.0, f(0.0), df(0.0)) == pytest.approx(1.0)
    # Clipped to the bounds; bisection when there is no real critical point.
    assert _cubic_minimizer(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0), (1.5, 3.0)) == 1.5
    assert _cubic_minimizer(0.0, 0.0, 1.0, 1.0, 1.0, 2.0) == 0.5
    assert _cubic_minimizer(1.0, 0.0, 1.0, 1.0, 0.0, 1.0) == 1.0  # a collapsed bracket
