"""``Adam`` and ``AdamW``: steps from bias-corrected moving averages of g and g^2."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_core.devices import namespace_of

from .optimizer import Array, Optimizer, ParamGroup, Params, State


class Adam(Optimizer):
    """p <- p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat, v_hat: bias-corrected EMAs of g, g^2.

    PyTorch's algorithm: m <- beta1 m + (1-beta1) g and v <- beta2 v + (1-beta2) g^2, both from
    0, then m_hat = m / (1 - beta1^t) and v_hat = v / (1 - beta2^t); t counts this parameter's
    steps from 1; g includes weight_decay * p (L2 penalty); with ``amsgrad`` v is replaced by
    its running maximum. As in PyTorch, the corrections divide scalars, not arrays:
    sqrt(v_hat) = sqrt(v) / sqrt(1 - beta2^t), and lr * m_hat = lr / (1 - beta1^t) * m.
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
        xp = namespace_of(param)  # the state lives on the parameter's device
        state = {"step": 0, "exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        return state

    def _update(self, p: np.ndarray, g: np.ndarray, state: State, group: ParamGroup) -> None:
        state["step"] += 1
        t, lr, weight_decay = state["step"], group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        if weight_decay != 0:
            if self._decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        m *= beta1  # m = beta1 m + (1 - beta1) g
        m += (1 - beta1) * g
        v *= beta2  # v = beta2 v + (1 - beta2) g^2
        v += (1 - beta2) * g * g
        if group["amsgrad"]:  # v_max = max(v_max, v), used in place of v
            v = namespace_of(p).maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denominator = namespace_of(p).sqrt(v) / math.sqrt(1 - beta2 ** t) + group["eps"]
        p -= lr / (1 - beta1 ** t) * m / denominator


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
