"""``RMSprop``: steps scaled by the root of a moving average of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core.devices import namespace_of

from .optimizer import Array, Optimizer, ParamGroup, Params, State


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
        xp = namespace_of(param)  # the state lives on the parameter's device
        state = {"step": 0, "square_avg": xp.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = xp.zeros_like(param)
        return state

    def _update(self, p: np.ndarray, g: np.ndarray, state: State, group: ParamGroup) -> None:
        state["step"] += 1
        lr, alpha, momentum = group["lr"], group["alpha"], group["momentum"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        v = state["square_avg"]
        v *= alpha  # v = alpha v + (1 - alpha) g^2
        v += (1 - alpha) * g * g
        if group["centered"]:
            m = state["grad_avg"]
            m *= alpha  # m = alpha m + (1 - alpha) g
            m += (1 - alpha) * g
            denominator = namespace_of(v).sqrt(v - m * m) + group["eps"]
        else:
            denominator = namespace_of(v).sqrt(v) + group["eps"]
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum  # b = momentum b + g / denominator
            b += g / denominator
            p -= lr * b
        else:
            p -= lr * g / denominator
