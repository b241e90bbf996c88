"""``Newton``: damped Newton steps with the exact Hessian, for models with few parameters.

All parameters form one vector x. A step solves (H + damping I) d = -g, with g and H the
gradient and Hessian of the loss at x, and moves to x + lr d. On a quadratic with positive
definite H, one step with lr = 1 and damping = 0 lands on the minimum. ``damping`` > 0
(Levenberg-Marquardt) keeps the system solvable where H is singular or indefinite and shortens
the step towards -g / damping; ``lr`` < 1 damps the step length instead.

H is computed by the engine itself: the gradient is taken with ``create_graph=True`` and each
of its n entries is differentiated once more (n more reverse passes), so a step costs about
n + 1 backward passes and n^2 numbers; hence the limit ``max_params``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core import Tensor, Value
from autograd_core.engine import enable_grad, gradients

from .gd import _loss_number
from .optimizer import Array, Optimizer, Parameter, Params, _write


class Newton(Optimizer):
    """x <- x - lr (H + damping I)^-1 grad f(x), with H the exact Hessian of f at x.

    ``step(closure)`` requires a closure that computes and returns the loss (a Value or a
    one-element Tensor); calling ``backward`` in it is allowed but not needed. After a step,
    ``last_step`` holds what was measured at its starting point: the loss, ||g|| and the Newton
    decrement -g^T d = g^T (H + damping I)^-1 g (for damping 0, half of it is how far the loss
    lies above the minimum of its quadratic model).
    """

    def __init__(self, params: Params, lr: float = 1.0, damping: float = 0.0,
                 max_params: int = 500) -> None:
        super().__init__(params, dict(lr=lr, damping=damping))
        if len(self.param_groups) != 1:
            raise ValueError("Newton doesn't support per-parameter options (parameter groups)")
        self._params: list[Parameter] = self.param_groups[0]["params"]
        count = sum(int(np.size(p.data)) for p in self._params)
        if count > max_params:
            raise ValueError(f"Newton: the parameters have {count} entries, more than "
                             f"max_params={max_params}; the Hessian would hold {count * count:,} "
                             f"numbers and cost {count} extra backward passes per step. Use "
                             "LBFGS for larger models, or raise max_params.")
        self.last_step: dict[str, float] = {}

    def _check(self, group: dict[str, Any]) -> None:
        self._require_non_negative(group, "lr", "damping")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One damped Newton step; returns the loss before it."""
        if closure is None:
            raise RuntimeError("Newton: step() requires a closure that computes and returns "
                               "the loss")
        with enable_grad():
            loss = closure()
        g, hessian = self._gradient_and_hessian(loss)
        group = self.param_groups[0]
        system = hessian + group["damping"] * np.eye(len(g))
        try:
            direction = np.linalg.solve(system, -g)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                "Newton: H + damping I is singular (the loss is flat along some direction, "
                "e.g. a parameter it does not depend on); use damping > 0") from None
        self._move(lr=group["lr"], direction=direction)
        self.last_step = {"loss": _loss_number(loss, self._name),
                          "grad_norm": float(np.linalg.norm(g)),
                          "decrement": float(-g @ direction)}
        return loss

    def _gradient_and_hessian(self, loss: Any) -> tuple[Array, Array]:
        """g and H of ``loss`` with respect to the parameters, flattened in parameter order."""
        if not isinstance(loss, (Value, Tensor)) or np.size(loss.data) != 1:
            raise TypeError(f"Newton: the closure must return the loss as a Value or a "
                            f"one-element Tensor, got {type(loss).__name__}")
        entries = _flat_entries(gradients(loss, self._params, _one(loss), create_graph=True),
                                self._params)
        rows = [self._hessian_row(entry) for entry in entries]
        g = np.array([float(np.asarray(entry.data).reshape(())) if entry is not None else 0.0
                      for entry in entries])
        return g, np.array(rows).reshape(len(g), len(g))

    def _hessian_row(self, entry: Value | Tensor | None) -> Array:
        """d(entry)/dx: one row of H (zero where the gradient entry is a constant)."""
        if entry is None or not entry._parents:
            return np.zeros(sum(int(np.size(p.data)) for p in self._params))
        row = gradients(entry, self._params, 1.0 if isinstance(entry, Value) else
                        np.ones(entry.shape, entry.dtype))
        return np.concatenate([np.zeros(np.size(p.data)) if r is None else
                               np.ravel(np.asarray(r, dtype=np.float64))
                               for r, p in zip(row, self._params)])

    def _move(self, lr: float, direction: Array) -> None:
        offset = 0
        for p in self._params:
            size = int(np.size(p.data))
            step = direction[offset:offset + size].reshape(np.shape(p.data))
            _write(p, p.data + lr * step)
            offset += size


def _one(loss: Value | Tensor) -> Value | Tensor:
    """The seed dL/dL = 1 as a node, so that the gradient is built with its graph."""
    return Value(1.0) if isinstance(loss, Value) else Tensor(np.ones(loss.shape, loss.dtype))


def _flat_entries(grads: list[Any], params: list[Parameter]) -> list[Value | Tensor | None]:
    """The gradient's entries one by one, as scalar nodes (None where it is zero)."""
    entries: list[Value | Tensor | None] = []
    for g, p in zip(grads, params):
        size = int(np.size(p.data))
        if g is None:
            entries.extend([None] * size)
        elif isinstance(g, Value):
            entries.append(g)
        else:
            flat = g.reshape(-1)
            entries.extend(flat[k] for k in range(size))
    return entries
