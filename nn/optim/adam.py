"""``Adam`` and ``AdamW``: steps from bias-corrected moving averages of g and g^2."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arith import Array, add, addcdiv, addcmul, full_like, lerp
from .optimizer import Optimizer, ParamGroup, Params, State


class Adam(Optimizer):
    """p <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps),  m, v: EMAs of g, g^2.

    PyTorch's algorithm: m <- beta1 m + (1-beta1) g and v <- beta2 v + (1-beta2) g^2, both from
    0; t counts this parameter's steps from 1; g includes weight_decay * p (L2 penalty);
    with ``amsgrad`` v is replaced by its running maximum. Rounding as PyTorch computes it:
    denominator sqrt(v) / sqrt(1 - beta2^t) + eps, step size lr / (1 - beta1^t).
    """

    _decoupled_weight_decay = False

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def _check(self, group: dict[str, Any]) -> None:
        self._require_non_negative(group, "lr", "eps", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise self._invalid("betas", betas, "must be a pair (beta1, beta2)")
        for i, beta in enumerate(betas):
            self._require_real({f"betas[{i}]": beta}, f"betas[{i}]")
            if not 0.0 <= beta < 1.0:
                raise self._invalid(f"betas[{i}]", beta, "must be in [0, 1)")

    def _init_state(self, param: Array, group: ParamGroup) -> State:
        state = {"step": 0, "exp_avg": full_like(param, 0.0), "exp_avg_sq": full_like(param, 0.0)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = full_like(param, 0.0)
        return state

    def _update(self, param: Array, grad: Array, state: State, group: ParamGroup) -> Array:
        state["step"] += 1
        step, lr, weight_decay = state["step"], group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if weight_decay != 0:
            if self._decoupled_weight_decay:
                param = np.multiply(param, 1 - lr * weight_decay)
            else:
                grad = add(grad, param, weight_decay)
        state["exp_avg"] = lerp(state["exp_avg"], grad, 1 - beta1)
        state["exp_avg_sq"] = addcmul(np.multiply(state["exp_avg_sq"], beta2), grad, grad,
                                      1 - beta2)
        second_moment = state["exp_avg_sq"]
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], second_moment)
            second_moment = state["max_exp_avg_sq"]
        step_size = lr / (1 - beta1 ** step)
        denominator = np.sqrt(second_moment) / (1 - beta2 ** step) ** 0.5 + group["eps"]
        return addcdiv(param, state["exp_avg"], denominator, -step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p * (1 - lr * weight_decay) before the Adam step.

    The decay bypasses the moment estimates (Loshchilov & Hutter), so it is not rescaled by
    them; hence the non-zero default weight_decay=1e-2, as in PyTorch.
    """

    _decoupled_weight_decay = True

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)
