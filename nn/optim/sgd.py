"""``SGD``: stochastic gradient descent with optional momentum, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arith import Array, add
from .optimizer import Optimizer, ParamGroup, Params, State


class SGD(Optimizer):
    """p <- p - lr * b,  b <- momentum * b + (1 - dampening) * (g + weight_decay * p).

    PyTorch's algorithm: g is negated first when ``maximize``; the momentum buffer b starts as
    the first gradient itself (no dampening on that step); with ``nesterov`` the step uses
    g + momentum * b instead of b; with momentum 0 the step is plain -lr * g.
    """

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check(self, group: dict[str, Any]) -> None:
        self._require_non_negative(group, "lr", "momentum", "weight_decay")
        self._require_real(group, "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"{self._name}: Nesterov momentum requires a momentum > 0 and zero "
                             f"dampening, got momentum {group['momentum']!r} and dampening "
                             f"{group['dampening']!r}")

    def _update(self, param: Array, grad: Array, state: State, group: ParamGroup) -> Array:
        if group["maximize"]:
            grad = np.negative(grad)
        if group["weight_decay"] != 0:
            grad = add(grad, param, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:  # the first step takes the gradient as it is
                buffer = np.copy(grad)
            else:
                buffer = add(np.multiply(buffer, momentum), grad, 1 - group["dampening"])
            state["momentum_buffer"] = buffer
            grad = add(grad, buffer, momentum) if group["nesterov"] else buffer
        return add(param, grad, -group["lr"])
