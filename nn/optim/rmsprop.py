"""``RMSprop``: steps scaled by the root of a moving average of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arith import Array, add, addcdiv, addcmul, full_like, lerp
from .optimizer import Optimizer, ParamGroup, Params, State


class RMSprop(Optimizer):
    """p <- p - lr * g / (sqrt(v - m^2) + eps),  v <- alpha v + (1-alpha) g^2,  m <- the same for g.

    PyTorch's algorithm: g includes weight_decay * p; the mean m (and its square) enters only
    when ``centered``; with momentum mu > 0 a buffer b <- mu b + g / (sqrt(...) + eps) is
    stepped instead, p <- p - lr * b. All buffers start at 0.
    """

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check(self, group: dict[str, Any]) -> None:
        self._require_non_negative(group, "lr", "alpha", "eps", "weight_decay", "momentum")

    def _init_state(self, param: Array, group: ParamGroup) -> State:
        state = {"step": 0, "square_avg": full_like(param, 0.0)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = full_like(param, 0.0)
        if group["centered"]:
            state["grad_avg"] = full_like(param, 0.0)
        return state

    def _update(self, param: Array, grad: Array, state: State, group: ParamGroup) -> Array:
        state["step"] += 1
        alpha = group["alpha"]
        if group["weight_decay"] != 0:
            grad = add(grad, param, group["weight_decay"])
        state["square_avg"] = addcmul(np.multiply(state["square_avg"], alpha), grad, grad,
                                      1 - alpha)
        if group["centered"]:
            state["grad_avg"] = lerp(state["grad_avg"], grad, 1 - alpha)
            variance = addcmul(state["square_avg"], state["grad_avg"], state["grad_avg"], -1)
            denominator = np.sqrt(variance) + group["eps"]
        else:
            denominator = np.sqrt(state["square_avg"]) + group["eps"]
        if group["momentum"] > 0:
            state["momentum_buffer"] = addcdiv(
                np.multiply(state["momentum_buffer"], group["momentum"]), grad, denominator)
            return add(param, state["momentum_buffer"], -group["lr"])
        return addcdiv(param, grad, denominator, -group["lr"])
