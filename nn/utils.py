"""Gradient clipping, in place, for Tensor and Value parameters (PyTorch's ``nn.utils``).

A parameter's ``grad`` is None ("no gradient": nothing reached it since it was last reset), a
number (a Value's float, a Tensor's array) or, after ``backward(create_graph=True)``, a node
(a Value or a Tensor) whose data are those numbers. Clipping, ``zero_grad`` and the optimizers'
steps work on the numbers; the helpers here are how the rest of ``nn`` reads and resets them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd_core import Tensor, Value
from autograd_core.engine import Node

Parameter = Tensor | Value


def _grad_values(p: Parameter) -> np.ndarray | float | None:
    """The numbers of ``p.grad`` (None if it has none). A node's data, for a gradient built by
    ``backward(create_graph=True)``: a step or a clip is not differentiated, so its graph is
    not needed."""
    grad = p.grad
    return grad.data if isinstance(grad, Node) else grad


def _reset_grad(p: Parameter, set_to_none: bool) -> None:
    """``zero_grad`` for one parameter: None, or zero (0.0 for a Value, whatever it held; a
    Tensor's array filled in place, no gradient left as None, as in PyTorch). A gradient that is
    a node is replaced by plain zeros: the node, which a penalty term may still use, is left
    alone (PyTorch detaches it instead, and zeroes it in place)."""
    if set_to_none:
        p.grad = None
    elif isinstance(p, Value):
        p.grad = 0.0
    elif isinstance(p.grad, np.ndarray):
        p.grad.fill(0.0)
    elif p.grad is not None:
        p.grad = np.zeros_like(p.grad.data)


def _with_grads(parameters: Parameter | Iterable[Parameter], function: str) -> list[Parameter]:
    """The parameters that have a gradient (a single parameter may be passed bare)."""
    if isinstance(parameters, (Tensor, Value)):
        parameters = [parameters]
    chosen = []
    for p in parameters:
        if not isinstance(p, (Tensor, Value)):
            raise TypeError(f"{function}: expected Tensors or Values, got {type(p).__name__}")
        if p.grad is not None:
            chosen.append(p)
    return chosen


def _norm(values: np.ndarray, norm_type: float) -> float:
    """||values||_p, with p = inf the largest magnitude."""
    magnitudes = np.abs(values)
    if math.isinf(norm_type):
        return float(magnitudes.max()) if magnitudes.size else 0.0
    if norm_type == 2.0:
        return math.sqrt(float(np.dot(magnitudes, magnitudes)))
    return float(np.sum(magnitudes ** norm_type) ** (1.0 / norm_type))


def clip_grad_norm_(parameters: Parameter | Iterable[Parameter], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients by max_norm / (total_norm + 1e-6) when that is below 1; return
    total_norm, the norm of all gradients together as one vector (before clipping).

    As in PyTorch, the total is the p-norm of the per-parameter p-norms (the same number),
    ``norm_type=inf`` uses the largest |gradient|, and with a non-finite total (and
    ``error_if_nonfinite=False``) the gradients are scaled anyway, becoming NaN or 0.
    A gradient that is a node (after ``backward(create_graph=True)``) is replaced by its
    scaled numbers, a plain array or float; the node itself is left unchanged.
    """
    norm_type = float(norm_type)
    if not (norm_type > 0):
        raise ValueError(f"clip_grad_norm_: invalid norm_type {norm_type!r}: must be > 0 "
                         "(or inf)")
    params = _with_grads(parameters, "clip_grad_norm_")
    if not params:
        return 0.0
    grads = [_grad_values(p) for p in params]
    per_parameter = np.array([_norm(np.ravel(g), norm_type) for g in grads])
    total = _norm(per_parameter, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is non-finite ({total}), so it cannot be clipped; pass "
                           "error_if_nonfinite=False to scale the gradients by it anyway")
    coefficient = float(max_norm) / (total + 1e-6)
    if not coefficient >= 1.0:  # below 1, or NaN from a NaN total (as PyTorch's clamp)
        with np.errstate(invalid="ignore"):  # inf * 0 is meant to give NaN here
            for p, grad in zip(params, grads):
                if isinstance(p.grad, np.ndarray):
                    p.grad *= coefficient  # in place, like PyTorch's grad.mul_
                else:  # a float, or a node's numbers (not scaled in place: the node keeps them)
                    p.grad = grad * coefficient
    return total


def clip_grad_value_(parameters: Parameter | Iterable[Parameter], clip_value: float) -> None:
    """Clamp every gradient into [-clip_value, clip_value], in place (NaN stays NaN).

    A gradient that is a node (after ``backward(create_graph=True)``) is replaced by its
    clamped numbers, a plain array or float; the node itself is left unchanged.
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: invalid clip_value {clip_value!r}: must be >= 0")
    for p in _with_grads(parameters, "clip_grad_value_"):
        if isinstance(p.grad, np.ndarray):
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
        else:
            clipped = np.clip(_grad_values(p), -clip_value, clip_value)
            p.grad = float(clipped) if isinstance(p, Value) else clipped
