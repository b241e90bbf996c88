"""``Adagrad``: per-coordinate steps scaled by the root of the running sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core.devices import namespace_of

from .optimizer import Array, Optimizer, ParamGroup, Params, State


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
        return {"step": 0,  # on the parameter's device
                "sum": namespace_of(param).full_like(param, group["initial_accumulator_value"])}

    def _update(self, p: np.ndarray, g: np.ndarray, state: State, group: ParamGroup) -> None:
        state["step"] += 1
        t, s = state["step"], state["sum"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s += g * g
        p -= clr * g / (namespace_of(s).sqrt(s) + group["eps"])
