"""``GD``: full gradient descent with the Armijo backtracking line search.

From x, along the steepest-descent direction d = -grad f(x), try the steps
t = lr, alpha*lr, alpha^2*lr, ... and take the first (the largest) that decreases f enough:

    f(x + t d) <= f(x) + sigma * t * grad f(x)^T d        (the Armijo condition)

Since grad f(x)^T d = -||grad f(x)||^2 < 0, this asks for at least a fraction sigma of the
decrease that the linear model promises. Each trial needs f at a new point, so ``step`` takes
a closure, like PyTorch's LBFGS. With ``armijo=False`` it is plain fixed-step descent.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np

from autograd_core import Tensor, Value
from autograd_core.engine import enable_grad

from ..utils import _grad_values
from .optimizer import Array, Optimizer, Parameter, Params, State, _write


def _loss_number(loss: Any, optimizer: str) -> float:
    """The closure's loss as a float: a Value's data, a one-element Tensor's item, a number."""
    if isinstance(loss, Value):
        return loss.data
    if isinstance(loss, Tensor):
        return loss.item()
    if isinstance(loss, Real) and not isinstance(loss, bool):
        return float(loss)
    raise TypeError(f"{optimizer}: the closure must return the loss (a Value, a one-element "
                    f"Tensor or a number), got {type(loss).__name__}")


def _gradients(params: list[Parameter], optimizer: str) -> list[Array]:
    """Each parameter's gradient (its numbers, if it is a node). A parameter without one (None)
    counts as flat, as in PyTorch's LBFGS: it will not move. When none has one, the closure
    did not call backward: stepping on zero gradients would silently do nothing."""
    grads = [_grad_values(p) for p in params]
    if all(grad is None for grad in grads):
        raise RuntimeError(f"{optimizer}: no parameter has a gradient after the closure ran; "
                           "the closure must call loss.backward() (after zero_grad()) and "
                           "return the loss")
    return [np.zeros_like(p.data) if grad is None else grad for p, grad in zip(params, grads)]


def _dot(gradients: list[Array]) -> float:
    """||g||^2 over all parameters, as one vector."""
    return float(sum(np.vdot(g, g) for g in gradients))


class GD(Optimizer):
    """x <- x + t d with d = -grad f(x), t the largest alpha^l * lr (l = 0, 1, ...) such that
    f(x + t d) <= f(x) + sigma t grad f(x)^T d (t = lr when ``armijo=False``).

    ``step(closure)`` requires a closure that zeroes the gradients, computes the loss, calls
    ``backward()`` and returns the loss; it returns the loss at the starting point. After a
    step, ``last_step_size``, ``last_backtracks`` (l), ``last_loss_before`` (f(x)),
    ``last_loss`` (f(x + t d), None without ``armijo``) and ``last_slope`` (grad f(x)^T d)
    describe it; they live in ``state`` and so in ``state_dict()``. All parameters form one
    vector x, so there is a single parameter group.
    """

    def __init__(self, params: Params, lr: float = 1.0, armijo: bool = True,
                 sigma: float = 1e-4, alpha: float = 0.5, max_backtracks: int = 50) -> None:
        super().__init__(params, dict(lr=lr, armijo=armijo, sigma=sigma, alpha=alpha,
                                      max_backtracks=max_backtracks))
        if len(self.param_groups) != 1:
            raise ValueError("GD doesn't support per-parameter options (parameter groups): "
                             "the line search treats all parameters as one vector")

    def _check(self, group: dict[str, Any]) -> None:
        self._require_non_negative(group, "lr")
        self._require_real(group, "sigma", "alpha")
        for argument in ("sigma", "alpha"):
            if not 0.0 < group[argument] < 1.0:
                raise self._invalid(argument, group[argument], "must be in (0, 1)")
        backtracks = group["max_backtracks"]
        if not isinstance(backtracks, int) or isinstance(backtracks, bool) or backtracks < 0:
            raise self._invalid("max_backtracks", backtracks, "must be an int >= 0")

    # ---- what the last step did ---------------------------------------------------------------

    @property
    def _record(self) -> State:
        # Kept with the first parameter, as PyTorch's LBFGS keeps its counters.
        return self.state[self.param_groups[0]["params"][0]]

    @property
    def last_step_size(self) -> float | None:
        return self._record.get("step_size")

    @property
    def last_backtracks(self) -> int | None:
        return self._record.get("backtracks")

    @property
    def last_loss_before(self) -> float | None:
        return self._record.get("loss_before")

    @property
    def last_loss(self) -> float | None:
        return self._record.get("loss")

    @property
    def last_slope(self) -> float | None:
        return self._record.get("slope")

    # ---- the step ---------------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One descent step; see the class docstring. Raises RuntimeError without a closure, or
        when no step satisfies the Armijo condition within ``max_backtracks`` backtracks (the
        parameters are then restored; their gradients are those of the last trial point)."""
        if closure is None:
            raise RuntimeError("GD: step() requires a closure that zeroes the gradients, "
                               "computes the loss, calls backward() and returns the loss")
        group = self.param_groups[0]
        params: list[Parameter] = group["params"]
        with enable_grad():
            loss = closure()
        loss_before = _loss_number(loss, self._name)
        start = [np.copy(p.data) for p in params]
        gradients = [np.copy(g) for g in _gradients(params, self._name)]
        record = self._record
        record.update(step=record.get("step", 0) + 1, loss_before=loss_before,
                      slope=-_dot(gradients))
        if not group["armijo"]:
            self._move(params, start, gradients, group["lr"])
            record.update(step_size=group["lr"], backtracks=0, loss=None)
            return loss
        self._line_search(closure, params, start, gradients, record)
        return loss

    def _move(self, params: list[Parameter], start: list[Array], gradients: list[Array],
              step_size: float) -> None:
        """x <- start - step_size * grad (the same arithmetic as SGD's update)."""
        for p, x, g in zip(params, start, gradients):
            _write(p, x - step_size * g)

    def _line_search(self, closure: Callable[[], Any], params: list[Parameter],
                     start: list[Array], gradients: list[Array], record: State) -> None:
        group = self.param_groups[0]
        lr, sigma, alpha = group["lr"], group["sigma"], group["alpha"]
        f_start, slope = record["loss_before"], record["slope"]
        for backtracks in range(group["max_backtracks"] + 1):
            step_size = alpha ** backtracks * lr
            self._move(params, start, gradients, step_size)
            with enable_grad():
                f_trial = _loss_number(closure(), self._name)
            if f_trial <= f_start + sigma * step_size * slope:  # NaN fails: it backtracks
                record.update(step_size=step_size, backtracks=backtracks, loss=f_trial)
                return
        for p, x in zip(params, start):
            _write(p, x)
        raise RuntimeError(f"GD: no step satisfied the Armijo condition f(x + t d) <= f(x) + "
                           f"sigma t grad^T d within max_backtracks={group['max_backtracks']} "
                           f"(from t = lr = {lr!r} down to t = {step_size!r}; f(x) = "
                           f"{f_start!r}, grad^T d = {slope!r}, last f(x + t d) = {f_trial!r})")
