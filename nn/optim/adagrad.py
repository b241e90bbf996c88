"""``Adagrad``: per-coordinate steps scaled by the root of the running sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arith import Array, add, addcdiv, addcmul, full_like
from .optimizer import Optimizer, ParamGroup, Params, State


class Adagrad(Optimizer):
    """p <- p - clr * g / (sqrt(s) + eps),  s <- s + g^2,  clr = lr / (1 + (t - 1) * lr_decay).

    PyTorch's algorithm: g includes weight_decay * p; the sum s starts at
    ``initial_accumulator_value``; t counts this parameter's steps from 1.
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _check(self, group: dict[str, Any]) -> None:
        self._require_non_negative(group, "lr", "lr_decay", "weight_decay",
                                   "initial_accumulator_value", "eps")

    def _init_state(self, param: Array, group: ParamGroup) -> State:
        return {"step": 0, "sum": full_like(param, group["initial_accumulator_value"])}

    def _update(self, param: Array, grad: Array, state: State, group: ParamGroup) -> Array:
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = add(grad, param, group["weight_decay"])
        decayed_lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] = addcmul(state["sum"], grad, grad)
        std = np.sqrt(state["sum"]) + group["eps"]
        return addcdiv(param, grad, std, -decayed_lr)
