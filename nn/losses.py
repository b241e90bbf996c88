"""Loss functions with PyTorch's names, defaults and arithmetic, and weight-decay penalties.

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
from numbers import Real
from typing import Any

import numpy as np

from autograd_core import Tensor, Value, cross_entropy, where

from .module import Module

Target = Tensor | np.ndarray | Sequence[Any]
Scalar = Value | float
Parameter = Tensor | Value

_REDUCTIONS = ("mean", "sum", "none")


# ---- shared checks and conversions ---------------------------------------------------------

def _real(name: str, what: str, x: object) -> float:
    """``x`` as a float, or a ``TypeError`` naming the loss and the argument."""
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{name}: {what} must be a real number, got {type(x).__name__}")


def _input_tensor(name: str, input: object) -> Tensor:
    if isinstance(input, Tensor):
        return input
    raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")


def _target_like(name: str, input: Tensor, target: Target) -> Tensor:
    """``target`` as a Tensor of ``input``'s shape; arrays and lists take input's dtype."""
    if not isinstance(target, Tensor):
        try:
            target = Tensor(target, dtype=input.dtype)
        except TypeError as error:
            raise TypeError(f"{name}: target must be a Tensor, numpy array or list of "
                            f"numbers ({error})") from None
    if target.shape != input.shape:
        raise ValueError(f"{name}: input has shape {input.shape} but target has shape "
                         f"{target.shape}; expected the same shape (no broadcasting)")
    return target


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _first_offender(bad: np.ndarray, data: np.ndarray) -> str:
    """'<value> at index <i>' for the first True entry of ``bad``, for error messages."""
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"{float(data[index])!r} at index {index}"


# ---- the Value path (lists of scalars, for the micrograd-style nn.MLP) ------------------------

def _predictions(name: str, input: Sequence[Any]) -> list[Value]:
    predictions = list(input)
    if not predictions:
        raise ValueError(f"{name}: got an empty list of predictions")
    for i, p in enumerate(predictions):
        if not isinstance(p, Value):
            raise TypeError(f"{name}: a list input must hold Values, item {i} is a "
                            f"{type(p).__name__}")
    return predictions


def _not_tensor_or_values(name: str, input: object) -> TypeError:
    hint = " (wrap a single Value in a list)" if isinstance(input, Value) else ""
    return TypeError(f"{name}: input must be a Tensor or a list of Values, got "
                     f"{type(input).__name__}{hint}")


def _scalar_targets(name: str, target: Target, count: int) -> list[Scalar]:
    """One number or Value per prediction; numbers become floats (numpy scalars would
    otherwise take over the arithmetic with Values)."""
    array = target.data if isinstance(target, Tensor) else target
    if isinstance(array, np.ndarray):
        items, shape = array.tolist(), array.shape
    else:
        try:
            items = list(array)
        except TypeError:
            raise TypeError(f"{name}: target must be a list of numbers or Values, got "
                            f"{type(target).__name__}") from None
        shape = (len(items),)
    if shape != (count,):
        raise ValueError(f"{name}: input has shape ({count},) (a list of {count} Values) but "
                         f"target has shape {shape}; expected the same shape")
    return [t if isinstance(t, Value) else _real(name, f"target item {i}", t)
            for i, t in enumerate(items)]


def _reduce_values(losses: list[Value], reduction: str) -> Value | list[Value]:
    if reduction == "none":
        return losses
    total: Value = sum(losses)  # type: ignore[assignment]  # 0 + l0 + l1 + ..., as micrograd
    return total * (1.0 / len(losses)) if reduction == "mean" else total


# ---- the losses ----------------------------------------------------------------------------

class _Loss(Module):
    """A loss module: holds the reduction, checked once at construction."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(_Loss):
    """Squared error: l = (x - t)^2;  dl/dx = 2 (x - t)  (divided by n for "mean")."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor | Sequence[Value],
                target: Target) -> Tensor | Value | list[Value]:
        name = type(self).__name__
        if isinstance(input, Tensor):
            return _reduce((input - _target_like(name, input, target)) ** 2, self.reduction)
        if isinstance(input, (list, tuple)):
            predictions = _predictions(name, input)
            targets = _scalar_targets(name, target, len(predictions))
            return _reduce_values([(p - t) ** 2 for p, t in zip(predictions, targets)],
                                  self.reduction)
        raise _not_tensor_or_values(name, input)


def _clamped_log(x: Tensor) -> Tensor:
    """max(ln x, -100) for x >= 0 (PyTorch's BCELoss clamp): finite at x = 0.

    ln is taken of x clipped to the smallest normal float: at x = 0, ln 0 = -inf would turn
    the backward pass's 0 * inf into NaN, and at a subnormal x, ln's derivative 1/x
    overflows float32. Below that float (only 0 and subnormals) the clamped value is
    computed exactly and held constant: gradient 0, as anywhere inside the clamp.
    """
    tiny = np.finfo(x.dtype).tiny
    clamped = x.clip(a_min=tiny).log().clip(a_min=-100.0)
    normal = x.data >= tiny
    if normal.all():
        return clamped
    with np.errstate(divide="ignore"):  # ln 0 = -inf, clamped on the same line
        below = np.maximum(np.log(x.data), -100.0)
    return where(normal, clamped, below)


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
        name = type(self).__name__
        p = _input_tensor(name, input)
        t = _target_like(name, p, target)
        outside = ~((p.data >= 0) & (p.data <= 1))  # written so that NaN counts as outside
        if outside.any():
            raise ValueError(f"{name}: every input must be a probability in [0, 1] (apply "
                             "sigmoid first, or give logits to BCEWithLogitsLoss); got "
                             f"{_first_offender(outside, p.data)}")
        # PyTorch's arrangement: (t - 1) max(ln(1 - p), -100) - t max(ln p, -100)
        return _reduce((t - 1) * _clamped_log(1 - p) - t * _clamped_log(p), self.reduction)


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

    def _weight(self, z: Tensor) -> Tensor | None:
        """pos_weight in z's dtype, checked to broadcast to z's shape."""
        w = self.pos_weight
        if w is None:
            return None
        w = w if isinstance(w, Tensor) else Tensor(w, dtype=z.dtype)
        try:
            fits = np.broadcast_shapes(w.shape, z.shape) == z.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{type(self).__name__}: pos_weight of shape {w.shape} does not "
                             f"broadcast to input shape {z.shape}; expected one weight per "
                             "class along the last axis, or a single number")
        return w

    def forward(self, input: Tensor, target: Target) -> Tensor:
        name = type(self).__name__
        z = _input_tensor(name, input)
        t = _target_like(name, z, target)
        w = self._weight(z)
        # PyTorch's arrangement (1 - t) z + softplus(-z): equal to softplus(z) - t z, but
        # without the cancellation that form suffers when t = 1 and z is large.
        softplus = (-z).softplus()
        if w is not None:  # (w t + 1 - t) softplus(-z), written as PyTorch's log_weight
            softplus = ((w - 1) * t + 1) * softplus
        return _reduce((1 - t) * z + softplus, self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy: l = logsumexp(z) - z_y;  dl/dz = softmax(z) - onehot(y).

    ``input`` holds logits z of shape (N, C), ``target`` N integer class labels in [0, C).
    With ``label_smoothing`` e the target is q = (1 - e) onehot(y) + e / C, so
    l = -sum_c q_c ln softmax(z)_c and dl/dz = softmax(z) - q (PyTorch's definition).
    """

    def __init__(self, *, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        smoothing = _real(type(self).__name__, "label_smoothing", label_smoothing)
        if not 0.0 <= smoothing <= 1.0:
            raise ValueError(f"{type(self).__name__}: label_smoothing must lie in [0, 1], "
                             f"got {label_smoothing!r}")
        self.label_smoothing = smoothing

    def forward(self, input: Tensor, target: Target) -> Tensor:
        name = type(self).__name__
        z = _input_tensor(name, input)
        try:  # the fused node checks shapes and labels; its messages gain the loss's name
            nll = cross_entropy(z, target, self.reduction)
        except (TypeError, ValueError) as error:
            kind = TypeError if isinstance(error, TypeError) else ValueError
            raise kind(f"{name}: {error}") from None
        e = self.label_smoothing
        if e == 0.0:
            return nll
        # the uniform part of q: -(1/C) sum_c ln softmax(z)_c per row, reduced like nll
        uniform = _reduce(-z.log_softmax(axis=1).sum(axis=1), self.reduction)
        return (1 - e) * nll + uniform * (e / z.shape[1])

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(reduction={self.reduction!r}, "
                f"label_smoothing={self.label_smoothing!r})")


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
