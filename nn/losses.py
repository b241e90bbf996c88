"""Loss functions with PyTorch's names, defaults and arithmetic, and weight-decay penalties.

``MSELoss L1Loss SmoothL1Loss HuberLoss BCELoss BCEWithLogitsLoss CrossEntropyLoss NLLLoss``
compute their ``nn.functional`` function; ``HingeLoss`` (no PyTorch counterpart) is here.
A loss is a ``Module`` built once with its ``reduction`` and called as ``loss_fn(input,
target)``: ``"mean"`` (the default) averages the per-element losses, ``"sum"`` adds them
and ``"none"`` returns them unreduced. ``input`` is a ``Tensor``; ``target`` is a
``Tensor``, numpy array or list of the same shape (shapes must match exactly: PyTorch only
warns when MSELoss broadcasts, and that broadcast is nearly always a bug). ``MSELoss`` and
``HingeLoss`` also take a list of scalar ``Value``s, the predictions of the micrograd-style
``nn.MLP``, and then return a ``Value`` (or a list of them for ``"none"``).

``l2_penalty`` and ``l1_penalty`` give the regularisation term of
C_total = C_data + lambda * sum ||W||^2 (or its L1 variant) as a differentiable node.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor, Value

from . import functional as F
from .functional import (
    _check_reduction,
    _first_offender,
    _not_tensor_or_values,
    _predictions,
    _real,
    _reduce,
    _reduce_values,
    _scalar_targets,
    _target_like,
)
from .module import Module

Target = Tensor | np.ndarray | Sequence[Any]
Scalar = Value | float
Parameter = Tensor | Value


# ---- the losses ----------------------------------------------------------------------------
# Each forward calls the function of nn.functional (its private form, which takes the name
# that error messages give), so that the formula is written once.

class _Loss(Module):
    """A loss module: holds the reduction, checked once at construction."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _check_reduction(type(self).__name__, reduction)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(_Loss):
    """Squared error: l = (x - t)^2;  dl/dx = 2 (x - t)  (divided by n for "mean")."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor | Sequence[Value],
                target: Target) -> Tensor | Value | list[Value]:
        return F._mse_loss(type(self).__name__, input, target, self.reduction)


class L1Loss(_Loss):
    """Absolute error: l = |x - t|;  dl/dx = sign(x - t), 0 where x = t."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F._l1_loss(type(self).__name__, input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """l = 0.5 d^2 / beta if |d| < beta else |d| - beta/2, d = x - t;  dl/dx = d / beta
    clipped to [-1, 1]. beta = 0 gives the L1 loss."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = _real(type(self).__name__, "beta", beta)
        if not self.beta >= 0:
            raise ValueError(f"{type(self).__name__}: beta must be >= 0, got {beta!r}")

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F._smooth_l1_loss(type(self).__name__, input, target, self.reduction, self.beta)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r}, beta={self.beta!r})"


class HuberLoss(_Loss):
    """l = 0.5 d^2 if |d| < delta else delta (|d| - delta/2), d = x - t;  dl/dx = d clipped
    to [-delta, delta]. Equals delta * SmoothL1Loss(beta=delta)."""

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = _real(type(self).__name__, "delta", delta)
        if not self.delta > 0:
            raise ValueError(f"{type(self).__name__}: delta must be > 0, got {delta!r}")

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F._huber_loss(type(self).__name__, input, target, self.reduction, self.delta)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r}, delta={self.delta!r})"


class BCELoss(_Loss):
    """Binary cross-entropy: l = -(t ln p + (1-t) ln(1-p)), ln >= -100;  dl/dp = (p-t) / (p(1-p)).

    ``input`` holds probabilities p in [0, 1]; each ln is clamped at -100 as in PyTorch, so
    p = 0 or 1 gives a finite loss (100 per confidently wrong element). The gradient is that
    of the clamped formula (0 for a term inside the clamp); PyTorch's fused backward
    instead divides by max(p (1 - p), 1e-12), so the two differ where p (1 - p) < 1e-12.
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F._binary_cross_entropy(type(self).__name__, input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy, stable: l = softplus(z) - t z;  dl/dz = sigmoid(z) - t.

    ``pos_weight`` w (a number, or one weight per class broadcast along the last axis) scales
    the loss of positive targets, as in PyTorch: l = w t softplus(-z) + (1 - t) softplus(z),
    dl/dz = (w t + 1 - t) sigmoid(z) - w t. Finite and exact for logits of +-1000.
    """

    def __init__(self, *, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        if pos_weight is not None and not isinstance(pos_weight, Tensor):
            try:
                pos_weight = Tensor(pos_weight).data  # a plain array: a constant, not a parameter
            except TypeError as error:
                raise TypeError(f"{type(self).__name__}: pos_weight must be a number, array "
                                f"or Tensor ({error})") from None
        self.pos_weight: Tensor | np.ndarray | None = pos_weight

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F._binary_cross_entropy_with_logits(type(self).__name__, input, target,
                                                   self.reduction, self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy: l = logsumexp(z) - z_y;  dl/dz = softmax(z) - onehot(y).

    ``input`` holds logits z of shape (N, C), ``target`` N integer class labels in [0, C).
    With ``label_smoothing`` e the target is q = (1 - e) onehot(y) + e / C, so
    l = -sum_c q_c ln softmax(z)_c and dl/dz = softmax(z) - q (PyTorch's definition).
    """

    def __init__(self, *, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.label_smoothing = F._smoothing(type(self).__name__, label_smoothing)

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F._cross_entropy(type(self).__name__, input, target, self.reduction,
                                self.label_smoothing)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(reduction={self.reduction!r}, "
                f"label_smoothing={self.label_smoothing!r})")


class NLLLoss(_Loss):
    """Negative log-likelihood: l_n = -x[n, y_n] for log-probabilities x of shape (N, C);
    dl/dx = -onehot(y). NLLLoss()(LogSoftmax(dim=1)(z), y) equals CrossEntropyLoss()(z, y)."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Target) -> Tensor:
        return F._nll_loss(type(self).__name__, input, target, self.reduction)


def _check_signs(name: str, labels: np.ndarray) -> None:
    bad = ~np.isin(labels, (-1.0, 1.0))
    if bad.any():
        raise ValueError(f"{name}: labels must be -1 or +1 (map 0/1 labels with 2 * y - 1); "
                         f"got {_first_offender(bad, labels)}")


class HingeLoss(_Loss):
    """Max-margin loss, y in {-1, +1}: l = relu(margin - y s);  dl/ds = -y if y s < margin else 0.

    On a list of Values it computes ``(margin + -y * s).relu()`` and the mean as
    ``sum(losses) * (1.0 / n)``, exactly the operations of micrograd's demo (nn/demo.py).
    """

    def __init__(self, *, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = _real(type(self).__name__, "margin", margin)

    def forward(self, input: Tensor | Sequence[Value],
                target: Target) -> Tensor | Value | list[Value]:
        name = type(self).__name__
        if isinstance(input, Tensor):
            y = _target_like(name, input, target)
            _check_signs(name, y.data)
            return _reduce((self.margin - y * input).relu(), self.reduction)
        if isinstance(input, (list, tuple)):
            scores = _predictions(name, input)
            ys = _scalar_targets(name, target, len(scores))
            _check_signs(name, np.array([y.data if isinstance(y, Value) else y for y in ys]))
            losses = [(self.margin + -y * s).relu() for y, s in zip(ys, scores)]
            return _reduce_values(losses, self.reduction)
        raise _not_tensor_or_values(name, input)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(margin={self.margin!r}, reduction={self.reduction!r})"


# ---- weight-decay penalties ----------------------------------------------------------------

def _penalised(name: str, parameters: Iterable[Parameter], lam: float) -> tuple[list[Any], float]:
    """The parameters as a non-empty list of one kind (Tensors or Values), and lam as a float.

    The kinds cannot be mixed: a Value cannot be added to a Tensor in one graph.
    """
    if isinstance(parameters, (Tensor, Value)):
        raise TypeError(f"{name}: parameters must be an iterable of parameters; wrap a single "
                        f"{type(parameters).__name__} in a list")
    try:
        params = list(parameters)
    except TypeError:
        raise TypeError(f"{name}: parameters must be an iterable of Tensors or Values (such "
                        f"as model.parameters()), got {type(parameters).__name__}") from None
    if not params:
        raise ValueError(f"{name}: got no parameters (an iterator that was already used up?)")
    for i, p in enumerate(params):
        if not isinstance(p, (Tensor, Value)):
            raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}; expected a "
                            "Tensor or a Value")
    tensors = sum(isinstance(p, Tensor) for p in params)
    if 0 < tensors < len(params):
        raise TypeError(f"{name}: parameters mix {tensors} Tensors and {len(params) - tensors} "
                        "Values, which cannot be added in one graph; penalise each kind "
                        "separately")
    lam = _real(name, "lam", lam)
    if not (lam >= 0 and math.isfinite(lam)):
        raise ValueError(f"{name}: lam must be a finite number >= 0, got {lam!r}")
    return params, lam


def l2_penalty(parameters: Iterable[Parameter], lam: float) -> Tensor | Value:
    """lam * sum of squared entries of every parameter (weight decay);  d/dW = 2 lam W.

    Returns a 0-d Tensor for Tensor parameters, a Value for Values (computed as
    ``lam * sum(p * p for p in parameters)``, micrograd's demo's regularisation term).
    """
    params, lam = _penalised("l2_penalty", parameters, lam)
    if isinstance(params[0], Value):
        return lam * sum(p * p for p in params)
    return lam * sum((w * w).sum() for w in params)


def l1_penalty(parameters: Iterable[Parameter], lam: float) -> Tensor | Value:
    """lam * sum of absolute entries of every parameter;  d/dW = lam sign(W), sign(0) = 0.

    Returns a 0-d Tensor for Tensor parameters, a Value for Values.
    """
    params, lam = _penalised("l1_penalty", parameters, lam)
    if isinstance(params[0], Value):
        return lam * sum(p.abs() for p in params)
    return lam * sum(w.abs().sum() for w in params)
