"""The functions behind ``nn``'s layers and losses, with PyTorch's names, signatures and defaults.

``from autograd_core.nn import functional as F``, then ``F.relu(x)``, ``F.cross_entropy(z, y)``
as with ``torch.nn.functional``. Each formula is written here once: a layer's ``forward`` calls
its function with the layer's parameters, a loss module calls its function with its reduction.

Activations accept Tensors or anything ``Tensor(...)`` accepts; a loss's input must be a
``Tensor`` (``mse_loss`` also takes a list of scalar ``Value``s) and its target has the same
shape (no broadcasting). Loss options are keyword-only: positionally, PyTorch's third
parameter is the long-deprecated ``size_average`` or ``weight``, which this module lacks.
``reduction`` is ``"mean"`` (the default), ``"sum"`` or ``"none"``. Every function composes
``Tensor`` ops, so gradients, forward-mode tangents and higher derivatives come with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np

from autograd_core import Tensor, Value, devices, linear, where
from autograd_core import cross_entropy as _fused_cross_entropy

from . import rng

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout",
    "elu", "embedding", "gelu", "huber_loss", "l1_loss", "layer_norm", "leaky_relu", "linear",
    "log_softmax", "mse_loss", "nll_loss", "one_hot", "relu", "sigmoid", "smooth_l1_loss",
    "softmax", "softplus", "tanh",
]

Target = Tensor | np.ndarray | Sequence[Any]

_REDUCTIONS = ("mean", "sum", "none")
_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO_OVER_PI = math.sqrt(2 / math.pi)


# ---- shared checks and conversions ---------------------------------------------------------

def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _real(name: str, what: str, x: object) -> float:
    """``x`` as a float, or a ``TypeError`` naming the function and the argument."""
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{name}: {what} must be a real number, got {type(x).__name__}")


def _no_inplace(name: str, inplace: bool) -> None:
    # An in-place activation would overwrite an array that the graph still needs.
    if inplace:
        raise ValueError(f"{name}: inplace=True is not supported (the graph keeps the input); "
                         "use the returned tensor")


def _check_reduction(name: str, reduction: object) -> str:
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


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


def _indices(name: str, what: str, values: Any, count: int | None) -> np.ndarray:
    """``values`` (integers, or a Tensor of whole numbers) as a new integer array, checked to
    lie in [0, count) (only >= 0 when count is None); the messages name ``name`` and ``what``.

    The checks come before any cast, so a label such as 1e20 or inf is reported as it is.
    """
    try:
        raw = values.data if isinstance(values, Tensor) else values
        # checked on the host; indexing copies them to the input's device
        array = devices.to_host(raw) if devices.is_array(raw) else np.asarray(raw)
    except (TypeError, ValueError) as error:  # ragged nested lists, for instance
        raise TypeError(f"{name}: {what} must be integers ({error})") from None
    kind = array.dtype.kind
    fractions = ~np.isfinite(array) | (array != np.round(array)) if kind == "f" else None
    if kind not in "iuf" or (fractions is not None and fractions.any()):
        raise TypeError(f"{name}: {what} must be integers, got dtype {array.dtype}"
                        + (f" with {_first_offender(fractions, array)}"
                           if fractions is not None else ""))
    if array.size and (array.min() < 0 or (count is not None and array.max() >= count)):
        bounds = f"[0, {count})" if count is not None else ">= 0"
        raise ValueError(f"{name}: {what} must lie in {bounds}, got values from {array.min()} "
                         f"to {array.max()}")
    return array.astype(np.intp)


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


def _scalar_targets(name: str, target: Target, count: int) -> list[Value | float]:
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


# ---- activations ---------------------------------------------------------------------------

def relu(input: Any, inplace: bool = False) -> Tensor:
    """max(x, 0);  d/dx = 1 if x > 0 else 0"""
    _no_inplace("relu", inplace)
    return _as_tensor(input).relu()


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x;  d/dx = 1 if x > 0 else negative_slope"""
    _no_inplace("leaky_relu", inplace)
    return _as_tensor(input).leaky_relu(negative_slope)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha (e^x - 1);  d/dx = 1 if x > 0 else alpha e^x"""
    _no_inplace("elu", inplace)
    return _as_tensor(input).elu(alpha)


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """x Phi(x) = x/2 (1 + erf(x / sqrt 2)), Phi the standard normal CDF;
    approximate='tanh': x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), PyTorch's formula."""
    x = _as_tensor(input)
    if approximate == "none":
        return 0.5 * x * (1 + (x * _SQRT_HALF).erf())
    if approximate == "tanh":
        return 0.5 * x * (1 + (_SQRT_TWO_OVER_PI * (x + 0.044715 * x * x * x)).tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def sigmoid(input: Any) -> Tensor:
    """1 / (1 + e^-x);  d/dx = s (1 - s)"""
    return _as_tensor(input).sigmoid()


def tanh(input: Any) -> Tensor:
    """tanh x;  d/dx = 1 - tanh^2 x"""
    return _as_tensor(input).tanh()


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch);
    d/dx = sigmoid(beta x), 1 above the threshold."""
    x = _as_tensor(input)
    scaled = x * beta
    return where(scaled.data > threshold, x, scaled.softplus() / beta)


def softmax(input: Any, dim: int) -> Tensor:
    """e^(x_i) / sum_j e^(x_j) along ``dim`` (which is required: PyTorch's implicit choice
    is deprecated);  vjp: s (g - sum(g s))"""
    return _as_tensor(input).softmax(axis=dim)


def log_softmax(input: Any, dim: int) -> Tensor:
    """x_i - ln sum_j e^(x_j) along ``dim``, without forming the softmax (stable);
    vjp: g - softmax(x) sum(g)"""
    return _as_tensor(input).log_softmax(axis=dim)


# ---- regularisation, normalisation, lookup --------------------------------------------------

def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            generator: np.random.Generator | None = None) -> Tensor:
    """Training: x * m / (1 - p) with m_i ~ Bernoulli(1 - p), so E[out] = x; otherwise x itself.

    The mask is drawn from ``generator`` or the default generator of ``nn.rng``. As in
    PyTorch, ``training`` defaults to True: in a model's forward pass ``self.training``.
    """
    _no_inplace("dropout", inplace)
    if not isinstance(p, Real) or isinstance(p, bool) or not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}")
    gen = rng.resolve(generator, "dropout")  # looked up per call: manual_seed applies
    x = _as_tensor(input)
    if not training or p == 0:
        return x
    keep = np.asarray(gen.random(x.shape) >= p)  # P(u < p) = p: each dropped with probability p
    scale = 0.0 if p == 1 else 1 / (1 - p)  # p = 1 drops everything
    return x * devices.to_device((keep * scale).astype(x.dtype), x.device)  # x's device


def _normalized_shape(name: str, normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    """The trailing shape to normalise over, as a tuple of sizes >= 1."""
    try:
        shape = ((normalized_shape,) if isinstance(normalized_shape, (int, np.integer))
                 else tuple(normalized_shape))
    except TypeError:
        raise TypeError(f"{name}: normalized_shape must be an int or a sequence of ints, got "
                        f"{type(normalized_shape).__name__}") from None
    if not shape or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                            and n >= 1 for n in shape):
        raise ValueError(f"{name}: normalized_shape must be a positive int or a non-empty "
                         f"sequence of them, got {normalized_shape!r}")
    return tuple(int(n) for n in shape)


def layer_norm(input: Any, normalized_shape: int | Sequence[int], weight: Any = None,
               bias: Any = None, eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias, the mean and the biased variance taken
    over the last len(normalized_shape) axes of each sample (weight, bias of that shape)."""
    x = _as_tensor(input)
    shape = _normalized_shape("layer_norm", normalized_shape)
    if x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} expects input of shape "
                         f"(*, {', '.join(map(str, shape))}), got shape {x.shape}")
    for what, parameter in (("weight", weight), ("bias", bias)):
        given = np.shape(parameter.data if isinstance(parameter, Tensor) else parameter)
        if parameter is not None and given != shape:
            raise ValueError(f"layer_norm: {what} must have shape {shape} (normalized_shape), "
                             f"got {given}")
    axes = tuple(range(-len(shape), 0))
    centred = x - x.mean(axis=axes, keepdims=True)
    # the variance of the centred values (two passes): no cancellation for a large mean
    variance = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred / (variance + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _padding_index(name: str, padding_idx: int, count: int) -> int:
    """``padding_idx`` in [0, count): a negative one counts from the end, as in PyTorch."""
    if not isinstance(padding_idx, (int, np.integer)) or isinstance(padding_idx, bool):
        raise TypeError(f"{name}: padding_idx must be an int or None, got "
                        f"{type(padding_idx).__name__}")
    if not -count <= padding_idx < count:
        raise ValueError(f"{name}: padding_idx must lie in [{-count}, {count}) for {count} "
                         f"embeddings, got {padding_idx}")
    return int(padding_idx) % count


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """The rows of ``weight`` (num_embeddings, embedding_dim) at the integer ``input``
    indices: out[..., :] = weight[input[...], :];  dW = the upstream gradients added up per
    row (repeated indices accumulate). The row at ``padding_idx`` gets no gradient."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding: weight must be a Tensor, got {type(weight).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must have 2 dimensions (num_embeddings, "
                         f"embedding_dim), got shape {weight.shape}")
    count = weight.shape[0]
    indices = _indices("embedding", "indices", input, count)
    rows = weight[indices]
    if padding_idx is None:
        return rows
    padding = indices == _padding_index("embedding", padding_idx, count)
    # the padding row's value as a constant there: its gradient stays 0
    return where(padding[..., None], rows.detach(), rows)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Shape (*, num_classes): 1.0 at each index's class, 0.0 elsewhere (float64, where PyTorch
    gives int64: every Tensor here holds floats). num_classes=-1: the largest index + 1."""
    indices = _indices("one_hot", "class values", tensor, None)
    if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, bool):
        raise TypeError(f"one_hot: num_classes must be an int, got {type(num_classes).__name__}")
    if num_classes == -1:
        if indices.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from no class values; give "
                             "num_classes")
        num_classes = int(indices.max()) + 1
    if num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be >= 0 or -1, got {num_classes}")
    if indices.size and indices.max() >= num_classes:
        raise ValueError(f"one_hot: class values must lie in [0, {num_classes}), got "
                         f"{indices.max()}")
    return Tensor(np.arange(num_classes) == indices[..., None])


# ---- losses --------------------------------------------------------------------------------
# Each public loss checks its reduction and calls the private one below it, which takes the
# name its messages give: the loss modules (nn.losses) call the same private functions with
# their own names, so that an error names what the user called.

def mse_loss(input: Tensor | Sequence[Value], target: Target, *,
             reduction: str = "mean") -> Tensor | Value | list[Value]:
    """Squared error: l = (x - t)^2;  dl/dx = 2 (x - t) (divided by n for "mean").

    A list of scalar ``Value``s as input gives a Value (a list of them for "none").
    """
    return _mse_loss("mse_loss", input, target, _check_reduction("mse_loss", reduction))


def _mse_loss(name: str, input: Any, target: Target,
              reduction: str) -> Tensor | Value | list[Value]:
    if isinstance(input, Tensor):
        return _reduce((input - _target_like(name, input, target)) ** 2, reduction)
    if isinstance(input, (list, tuple)):
        predictions = _predictions(name, input)
        targets = _scalar_targets(name, target, len(predictions))
        return _reduce_values([(p - t) ** 2 for p, t in zip(predictions, targets)], reduction)
    raise _not_tensor_or_values(name, input)


def l1_loss(input: Tensor, target: Target, *, reduction: str = "mean") -> Tensor:
    """Absolute error: l = |x - t|;  dl/dx = sign(x - t), 0 where x = t."""
    return _l1_loss("l1_loss", input, target, _check_reduction("l1_loss", reduction))


def _l1_loss(name: str, input: Any, target: Target, reduction: str) -> Tensor:
    x = _input_tensor(name, input)
    return _reduce((x - _target_like(name, x, target)).abs(), reduction)


def _huber(d: Tensor, delta: float) -> Tensor:
    """0.5 d^2 for |d| <= delta, delta (|d| - delta/2) beyond, as 0.5 q^2 + delta (|d| - |q|)
    with q = clip(d, -delta, delta): one formula for both pieces, whose square cannot
    overflow for a large |d|;  d/dd = q, which is d inside and +-delta beyond."""
    q = d.clip(-delta, delta)
    return 0.5 * q * q + delta * (d.abs() - q.abs())


def huber_loss(input: Tensor, target: Target, *, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """Huber: l = 0.5 d^2 if |d| < delta else delta (|d| - delta/2), d = x - t;
    dl/dx = d clipped to [-delta, delta]. delta must be > 0."""
    return _huber_loss("huber_loss", input, target, _check_reduction("huber_loss", reduction),
                       delta)


def _huber_loss(name: str, input: Any, target: Target, reduction: str, delta: float) -> Tensor:
    delta = _real(name, "delta", delta)
    if not delta > 0:
        raise ValueError(f"{name}: delta must be > 0, got {delta!r}")
    x = _input_tensor(name, input)
    return _reduce(_huber(x - _target_like(name, x, target), delta), reduction)


def smooth_l1_loss(input: Tensor, target: Target, *, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """l = 0.5 d^2 / beta if |d| < beta else |d| - beta/2, d = x - t (Huber / beta);
    dl/dx = d / beta clipped to [-1, 1]. beta = 0 gives the L1 loss; beta must be >= 0."""
    return _smooth_l1_loss("smooth_l1_loss", input, target,
                           _check_reduction("smooth_l1_loss", reduction), beta)


def _smooth_l1_loss(name: str, input: Any, target: Target, reduction: str,
                    beta: float) -> Tensor:
    beta = _real(name, "beta", beta)
    if not beta >= 0:
        raise ValueError(f"{name}: beta must be >= 0, got {beta!r}")
    x = _input_tensor(name, input)
    d = x - _target_like(name, x, target)
    return _reduce(d.abs() if beta == 0 else _huber(d, beta) / beta, reduction)


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
        xp = devices.namespace_of(x.data)
        below = xp.maximum(xp.log(x.data), -100.0)
    return where(normal, clamped, below)


def binary_cross_entropy(input: Tensor, target: Target, *, reduction: str = "mean") -> Tensor:
    """l = -(t ln p + (1-t) ln(1-p)), each ln clamped at -100;  dl/dp = (p-t) / (p(1-p)).

    ``input`` holds probabilities p in [0, 1]; the clamp (PyTorch's) keeps p = 0 or 1 finite
    (100 per confidently wrong element). The gradient is that of the clamped formula (0 for a
    term inside the clamp); PyTorch's fused backward instead divides by max(p (1 - p), 1e-12),
    so the two differ where p (1 - p) < 1e-12.
    """
    return _binary_cross_entropy("binary_cross_entropy", input, target,
                                 _check_reduction("binary_cross_entropy", reduction))


def _binary_cross_entropy(name: str, input: Any, target: Target, reduction: str) -> Tensor:
    p = _input_tensor(name, input)
    t = _target_like(name, p, target)
    outside = ~((p.data >= 0) & (p.data <= 1))  # written so that NaN counts as outside
    if outside.any():
        raise ValueError(f"{name}: every input must be a probability in [0, 1] (apply "
                         "sigmoid first, or give logits to BCEWithLogitsLoss or "
                         "binary_cross_entropy_with_logits); got "
                         f"{_first_offender(outside, p.data)}")
    # PyTorch's arrangement: (t - 1) max(ln(1 - p), -100) - t max(ln p, -100)
    return _reduce((t - 1) * _clamped_log(1 - p) - t * _clamped_log(p), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Target, *, reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """Sigmoid + binary cross-entropy, stable: l = softplus(z) - t z;  dl/dz = sigmoid(z) - t.

    ``pos_weight`` w (a number, or one weight per class broadcast along the last axis) scales
    the loss of positive targets, as in PyTorch: l = w t softplus(-z) + (1 - t) softplus(z),
    dl/dz = (w t + 1 - t) sigmoid(z) - w t. Finite and exact for logits of +-1000.
    """
    name = "binary_cross_entropy_with_logits"
    return _binary_cross_entropy_with_logits(name, input, target,
                                             _check_reduction(name, reduction), pos_weight)


def _pos_weight(name: str, pos_weight: Any, z: Tensor) -> Tensor:
    """pos_weight as a Tensor (numbers and arrays in z's dtype), checked to broadcast to z."""
    if not isinstance(pos_weight, Tensor):
        try:
            pos_weight = Tensor(pos_weight, dtype=z.dtype)
        except TypeError as error:
            raise TypeError(f"{name}: pos_weight must be a number, array or Tensor "
                            f"({error})") from None
    try:
        fits = np.broadcast_shapes(pos_weight.shape, z.shape) == z.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: pos_weight of shape {pos_weight.shape} does not broadcast to "
                         f"input shape {z.shape}; expected one weight per class along the last "
                         "axis, or a single number")
    return pos_weight


def _binary_cross_entropy_with_logits(name: str, input: Any, target: Target, reduction: str,
                                      pos_weight: Any = None) -> Tensor:
    z = _input_tensor(name, input)
    t = _target_like(name, z, target)
    # PyTorch's arrangement (1 - t) z + softplus(-z): equal to softplus(z) - t z, but
    # without the cancellation that form suffers when t = 1 and z is large.
    softplus_term = (-z).softplus()
    if pos_weight is not None:  # (w t + 1 - t) softplus(-z), written as PyTorch's log_weight
        w = _pos_weight(name, pos_weight, z)
        softplus_term = ((w - 1) * t + 1) * softplus_term
    return _reduce((1 - t) * z + softplus_term, reduction)


def cross_entropy(input: Tensor, target: Target, *, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy: l = logsumexp(z) - z_y;  dl/dz = softmax(z) - onehot(y).

    ``input`` holds logits z of shape (N, C), ``target`` N integer class labels in [0, C).
    With ``label_smoothing`` e the target is q = (1 - e) onehot(y) + e / C, so
    l = -sum_c q_c ln softmax(z)_c and dl/dz = softmax(z) - q (PyTorch's definition).
    """
    return _cross_entropy("cross_entropy", input, target,
                          _check_reduction("cross_entropy", reduction),
                          _smoothing("cross_entropy", label_smoothing))


def _smoothing(name: str, label_smoothing: object) -> float:
    smoothing = _real(name, "label_smoothing", label_smoothing)
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    return smoothing


def _cross_entropy(name: str, input: Any, target: Target, reduction: str,
                   label_smoothing: float) -> Tensor:
    """cross_entropy with its reduction and label smoothing already checked (by the function,
    or once by CrossEntropyLoss when it is made); the messages name ``name``."""
    z = _input_tensor(name, input)
    try:  # one fused node (fast, stable); its messages gain the caller's name
        nll = _fused_cross_entropy(z, target, reduction)
    except (TypeError, ValueError) as error:
        if name == "cross_entropy":
            raise
        kind = TypeError if isinstance(error, TypeError) else ValueError
        raise kind(f"{name}: {error}") from None
    if label_smoothing == 0.0:
        return nll
    # the uniform part of q: -(1/C) sum_c ln softmax(z)_c per row, reduced like nll
    uniform = _reduce(-z.log_softmax(axis=1).sum(axis=1), reduction)
    return (1 - label_smoothing) * nll + uniform * (label_smoothing / z.shape[1])


def nll_loss(input: Tensor, target: Target, *, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities: l_n = -x[n, y_n];  dl/dx = -onehot(y).

    ``input`` has shape (N, C) (e.g. from ``log_softmax(z, dim=1)``), ``target`` N integer
    class labels in [0, C). nll_loss(log_softmax(z, 1), y) equals cross_entropy(z, y).
    """
    return _nll_loss("nll_loss", input, target, _check_reduction("nll_loss", reduction))


def _nll_loss(name: str, input: Any, target: Target, reduction: str) -> Tensor:
    x = _input_tensor(name, input)
    labels = _indices(name, "labels", target, x.shape[1] if x.ndim == 2 else None)
    if x.ndim != 2 or labels.shape != x.shape[:1]:
        raise ValueError(f"{name}: expected input of shape (N, C) and N labels, got input "
                         f"{x.shape} and labels {labels.shape}")
    return _reduce(-x[np.arange(len(labels)), labels], reduction)
