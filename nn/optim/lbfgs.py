"""``LBFGS``: limited-memory BFGS with PyTorch's signature, defaults and stopping rules.

All parameters form one vector x. Each inner iteration moves along d = -H g, where H, the
inverse-Hessian estimate, is never formed: the two-loop recursion (Nocedal & Wright, Alg. 7.4)
applies it using the last ``history_size`` pairs s = x_new - x, y = g_new - g, started from
H0 = (y^T s / y^T y) I. A pair with y^T s <= 1e-10 would make H indefinite and is skipped.
The step t is ``lr`` (the first ever is shrunk to min(1, 1/|g|_1) * lr, since d = -g then has
no scale), or the result of a strong-Wolfe line search (N&W, Alg. 3.5/3.6 with cubic
interpolation). Each trial point needs f and grad f there, so ``step`` takes a closure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core.engine import enable_grad

from .gd import _gradients, _loss_number
from .optimizer import Array, Optimizer, Parameter, Params, State, _write

# f and grad f at x + t d, for the line search.
Objective = Callable[[Array, float, Array], tuple[float, Array]]

_CURVATURE_EPS = 1e-10  # pairs with y^T s at or below this are not kept


# ---- the line search ----------------------------------------------------------------------


def _cubic_minimizer(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                     bounds: tuple[float, float] | None = None) -> float:
    """The minimizer of the cubic through (x1, f1, g1), (x2, f2, g2) (N&W eq. 3.59), clipped
    to ``bounds`` (default: between x1 and x2); their midpoint if the cubic has none."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    if x1 == x2:  # a collapsed bracket (tolerance_change=0): nothing to interpolate
        return float(min(max(x1, low), high))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:  # no real critical point: fall back to bisection
        return (low + high) / 2
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return float(min(max(t, low), high))


class _Point:
    """One trial of the line search: step t, f, grad f and the slope grad f^T d there."""

    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t: float, f: float, g: Array, gtd: float) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _bracket(evaluate: Callable[[float], _Point], start: _Point, t: float, c1: float, c2: float,
             max_ls: int) -> tuple[list[_Point], bool, int]:
    """Grow t until [t_prev, t] must contain a strong-Wolfe step (N&W Alg. 3.5); returns the
    bracket (one point if that point already satisfies the conditions), whether it does, and
    the number of evaluations (at most max_ls + 1, as PyTorch counts)."""
    prev, new = start, evaluate(t)
    for evals in range(1, max_ls + 1):
        if new.f > start.f + c1 * new.t * start.gtd or (evals > 2 and new.f >= prev.f):
            return [prev, new], False, evals
        if abs(new.gtd) <= -c2 * start.gtd:
            return [new], True, evals
        if new.gtd >= 0:  # the slope turned: a minimum lies between
            return [prev, new], False, evals
        # Extrapolate, at least a little past t (progress) and at most 10 t (safety).
        t = _cubic_minimizer(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                             bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev, new = new, evaluate(t)
    # Out of trials (the last one unchecked, as in PyTorch): fall back to [0, t].
    return [start, new], False, max_ls + 1


def _safeguarded(bracket: list[_Point], insufficient: bool) -> tuple[float, bool]:
    """The cubic's minimizer in the bracket, pushed 10% inside it when it falls at an end twice
    in a row (or outside), so that the interval keeps shrinking; and the new 'insufficient'."""
    a, b = bracket
    t = _cubic_minimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
    low, high = min(a.t, b.t), max(a.t, b.t)
    eps = 0.1 * (high - low)
    if min(high - t, t - low) >= eps:
        return t, False
    if not (insufficient or t >= high or t <= low):
        return t, True
    return (high - eps if abs(t - high) < abs(t - low) else low + eps), False


def _zoom(evaluate: Callable[[float], _Point], start: _Point, bracket: list[_Point],
          c1: float, c2: float, d_norm: float, tolerance_change: float,
          budget: int) -> tuple[_Point, int]:
    """Shrink the bracket to a strong-Wolfe step (N&W Alg. 3.6); returns the best point found
    (the bracket end with the lower f) and the number of evaluations."""
    low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
    insufficient, evals = False, 0
    while evals < budget:
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break  # the points no longer differ enough to tell f apart
        t, insufficient = _safeguarded(bracket, insufficient)
        new = evaluate(t)
        evals += 1
        if new.f > start.f + c1 * t * start.gtd or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
            continue
        if abs(new.gtd) <= -c2 * start.gtd:
            bracket[low] = new
            return new, evals
        if new.gtd * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]  # keep the minimum between low and high
        bracket[low] = new
    return bracket[low], evals


def strong_wolfe(obj_func: Objective, x: Array, t: float, d: Array, f: float, g: Array,
                 gtd: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> tuple[float, Array, float, int]:
    """A step t along d from x with f(x+td) <= f + c1 t g^T d and |grad f(x+td)^T d| <= c2 |g^T d|.

    ``obj_func(x, t, d)`` returns f and grad f at x + t d; ``t`` is the first trial step and
    ``gtd`` = g^T d < 0. Returns (f, grad f, t, evaluations) at the accepted step: the best
    point found when the conditions could not be met within ``max_ls`` evaluations.
    """
    def evaluate(step: float) -> _Point:
        f_new, g_new = obj_func(x, step, d)
        return _Point(step, float(f_new), g_new, float(np.dot(g_new, d)))

    start = _Point(0.0, float(f), g, float(gtd))
    bracket, done, evals = _bracket(evaluate, start, t, c1, c2, max_ls)
    if done:
        best = bracket[0]
    else:
        d_norm = float(np.max(np.abs(d)))
        best, more = _zoom(evaluate, start, bracket, c1, c2, d_norm, tolerance_change,
                           max_ls + 1 - evals)
        evals += more
    return best.f, best.g, best.t, evals


# ---- the optimizer ------------------------------------------------------------------------


def _two_loop(g: Array, s_list: list[Array], y_list: list[Array], rho: list[float],
              h_diag: float) -> Array:
    """d = -H g by the two-loop recursion over the stored pairs (oldest first)."""
    q = -g
    alphas = []
    for s, y, r in zip(reversed(s_list), reversed(y_list), reversed(rho)):
        alpha = r * float(np.dot(s, q))
        q = q - alpha * y
        alphas.append(alpha)
    d = q * h_diag
    for s, y, r, alpha in zip(s_list, y_list, rho, reversed(alphas)):
        beta = r * float(np.dot(y, d))
        d = d + s * (alpha - beta)
    return d


class LBFGS(Optimizer):
    """x <- x + t d with d = -H g, H the L-BFGS inverse Hessian of the last history_size (s, y).

    ``step(closure)`` requires a closure that zeroes the gradients, computes the loss, calls
    ``backward()`` and returns the loss; it runs up to ``max_iter`` iterations (and about
    ``max_eval`` closure calls) and returns the loss of its first closure call. It stops early
    when max |g| <= ``tolerance_grad``, or when the step max |t d| or the change in loss is
    below ``tolerance_change``. ``line_search_fn`` is None (t = lr) or "strong_wolfe". The
    history, direction, step and the counters ``func_evals`` and ``n_iter`` persist across
    calls in the state of the first parameter, as in PyTorch. Parameters may be Tensors and
    Values; all form one vector x, so there is a single parameter group.
    """

    def __init__(self, params: Params, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Parameter] = self.param_groups[0]["params"]

    def _check(self, group: dict[str, Any]) -> None:
        self._require_non_negative(group, "lr", "tolerance_grad", "tolerance_change")
        for argument in ("max_iter", "max_eval", "history_size"):
            value = group[argument]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise self._invalid(argument, value, "must be an int >= 1")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise self._invalid("line_search_fn", group["line_search_fn"],
                                "only None and 'strong_wolfe' are supported")

    # ---- the parameters as one vector -------------------------------------------------------

    def _flat_params(self) -> Array:
        """x, in the parameters' dtype (float32 Tensors alone give float32; a Value's float is
        float64)."""
        return np.concatenate([np.ravel(p.data) for p in self._params])

    def _flat_grad(self) -> Array:
        # A parameter without a gradient counts as flat, as in PyTorch.
        return np.concatenate([np.ravel(g) for g in _gradients(self._params, self._name)])

    def _set_params(self, x: Array) -> None:
        offset = 0
        for p in self._params:
            size = int(np.size(p.data))
            _write(p, x[offset:offset + size].reshape(np.shape(p.data)))
            offset += size

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, Array]:
        with enable_grad():
            loss = closure()
        return loss, _loss_number(loss, self._name), self._flat_grad()

    # ---- the step ---------------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Up to ``max_iter`` L-BFGS iterations; see the class docstring."""
        if closure is None:
            raise RuntimeError("LBFGS: step() requires a closure that zeroes the gradients, "
                               "computes the loss, calls backward() and returns the loss")
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss, g = self._evaluate(closure)
        evals = 1
        state["func_evals"] += 1
        if float(np.max(np.abs(g))) <= group["tolerance_grad"]:
            return orig_loss  # already optimal
        n_iter = 0
        while n_iter < group["max_iter"]:
            n_iter += 1
            state["n_iter"] += 1
            d = self._direction(state, g, group["history_size"])
            state["prev_flat_grad"], state["prev_loss"] = g.copy(), loss
            t = self._first_step(state, g, group["lr"])
            # Stored now, as PyTorch does: the next pair is built from them even if we stop.
            state["d"], state["t"] = d, t
            gtd = float(np.dot(g, d))
            if gtd > -group["tolerance_change"]:
                break  # not a descent direction (to working precision)
            prev_loss = loss
            loss, g, t, ls_evals = self._move(closure, loss, g, d, t, gtd,
                                              last=n_iter == group["max_iter"])
            state["t"] = t
            evals += ls_evals
            state["func_evals"] += ls_evals
            if self._converged(n_iter, evals, loss, prev_loss, g, d, t, group):
                break
        return orig_loss

    def _direction(self, state: State, g: Array, history_size: int) -> Array:
        """-g on the very first iteration; else update the history with the last step's pair
        and apply the two-loop recursion."""
        if state["n_iter"] == 1:
            state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            return -g
        y = g - state["prev_flat_grad"]
        s = state["d"] * state["t"]
        ys = float(np.dot(y, s))
        if ys > _CURVATURE_EPS:
            if len(state["old_dirs"]) == history_size:
                for key in ("old_dirs", "old_stps", "ro"):
                    state[key].pop(0)
            state["old_dirs"].append(y)
            state["old_stps"].append(s)
            state["ro"].append(1.0 / ys)
            state["H_diag"] = ys / float(np.dot(y, y))  # scales H0 to the curvature along s
        return _two_loop(g, state["old_stps"], state["old_dirs"], state["ro"], state["H_diag"])

    @staticmethod
    def _first_step(state: State, g: Array, lr: float) -> float:
        # Before any curvature is known d = -g has the scale of g: keep the first move <= lr.
        if state["n_iter"] == 1:
            return min(1.0, 1.0 / float(np.sum(np.abs(g)))) * lr
        return lr

    def _move(self, closure: Callable[[], Any], loss: float, g: Array, d: Array, t: float,
              gtd: float, last: bool) -> tuple[float, Array, float, int]:
        """Take the step (line search or fixed); returns the new loss, gradient, step and the
        number of closure calls. A fixed last step is not re-evaluated (the next ``step``
        call evaluates it anyway), so loss and g are then those before it."""
        group = self.param_groups[0]
        x = self._flat_params()
        if group["line_search_fn"] == "strong_wolfe":
            def obj_func(x0: Array, step: float, direction: Array) -> tuple[float, Array]:
                self._set_params(x0 + step * direction)
                _, f_new, g_new = self._evaluate(closure)
                return f_new, g_new

            loss, g, t, ls_evals = strong_wolfe(obj_func, x, t, d, loss, g, gtd,
                                                tolerance_change=group["tolerance_change"])
            self._set_params(x + t * d)
            return loss, g, t, ls_evals
        self._set_params(x + t * d)
        if last:
            return loss, g, t, 0
        _, loss, g = self._evaluate(closure)
        return loss, g, t, 1

    @staticmethod
    def _converged(n_iter: int, evals: int, loss: float, prev_loss: float, g: Array, d: Array,
                   t: float, group: dict[str, Any]) -> bool:
        """PyTorch's stopping rules, checked after each iteration."""
        return (n_iter == group["max_iter"] or evals >= group["max_eval"]
                or float(np.max(np.abs(g))) <= group["tolerance_grad"]
                or float(np.max(np.abs(d * t))) <= group["tolerance_change"]
                or abs(loss - prev_loss) < group["tolerance_change"])
