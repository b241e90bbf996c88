"""``SGD``: stochastic gradient descent with optional momentum, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core.devices import namespace_of

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

    def _update(self, p: np.ndarray, g: np.ndarray, state: State, group: ParamGroup) -> None:
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            b = state.get("momentum_buffer")
            if b is None:  # the first step takes the gradient as it is
                state["momentum_buffer"] = b = namespace_of(p).array(g, dtype=p.dtype)  # copy
            else:
                b *= momentum  # b = momentum b + (1 - dampening) g
                b += (1 - group["dampening"]) * g
            g = g + momentum * b if group["nesterov"] else b
        p -= lr * g
