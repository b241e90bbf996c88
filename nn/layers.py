"""Layers over ``Tensor`` with PyTorch's names, defaults and initialisation.

``Linear``, ``Sequential``, the activation modules, ``Dropout`` and ``BatchNorm1d``. Inputs
may be Tensors or anything ``Tensor(...)`` accepts. Layers that draw random numbers take
``generator=`` (a ``numpy.random.Generator``); without one they use ``nn.rng``'s default.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from numbers import Real
from typing import Any

import numpy as np

from autograd_core import Tensor, linear, where

from . import init, rng
from .module import Module


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _count(op: str, name: str, value: Any, minimum: int) -> int:
    """``value`` checked to be an int >= ``minimum`` (a layer size)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{op}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _float_dtype(op: str, dtype: Any) -> np.dtype[Any]:
    """float64 by default (as ``Tensor``), or float32 when asked."""
    resolved = np.dtype(np.float64 if dtype is None else dtype)
    if resolved not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise TypeError(f"{op}: dtype must be float64 or float32, got {resolved}")
    return resolved


def _parameter(values: np.ndarray, dtype: np.dtype[Any]) -> Tensor:
    return Tensor(values, requires_grad=True, dtype=dtype)


# ---- Linear and Sequential ------------------------------------------------------------------


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) and b of shape (out_features,).

    Initialised as in PyTorch: every entry of W and b from U(-k, k) with k = 1/sqrt(in_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None, generator: np.random.Generator | None = None) -> None:
        self.in_features = _count("Linear", "in_features", in_features, 0)
        self.out_features = _count("Linear", "out_features", out_features, 0)
        dt = _float_dtype("Linear", dtype)
        self.weight = _parameter(np.empty((self.out_features, self.in_features)), dt)
        self.bias = _parameter(np.empty(self.out_features), dt) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Redraw W and b from U(-1/sqrt(in_features), 1/sqrt(in_features)), W first."""
        gen = rng.resolve(generator, "Linear")
        # PyTorch's way to that bound: a = sqrt(5) gives gain sqrt(2/6), and
        # gain * sqrt(3 / fan_in) = 1/sqrt(fan_in).
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=gen)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=gen)

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: expected input of shape (..., {self.in_features}), got "
                             f"shape {x.shape}")
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied in order, Sequential(f, g)(x) = g(f(x)); they are named "0", "1", ..."""

    def __init__(self, *modules: Module) -> None:
        self._layers: list[Module] = []
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position)."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: item {len(self._layers)} must be a Module, got "
                            f"{type(module).__name__}")
        self._layers.append(module)
        return self

    def _members(self) -> Iterator[tuple[str, Any]]:
        # The positions are the names (PyTorch's "0.weight"), not "_layers.0.weight".
        for i, module in enumerate(self._layers):
            yield str(i), module

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)

    def __getitem__(self, index: int | slice) -> Any:
        """The module at ``index`` (negative counts from the end); a slice gives a Sequential."""
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        try:
            position = operator.index(index)
        except TypeError:
            raise TypeError(f"Sequential: index must be an int or a slice, got "
                            f"{type(index).__name__}") from None
        if not -len(self) <= position < len(self):
            raise IndexError(f"Sequential: index {position} is out of range for {len(self)} "
                             "modules")
        return self._layers[position]

    def forward(self, x: Any) -> Any:
        for module in self._layers:
            x = module(x)
        return x


# ---- activations ------------------------------------------------------------------------------


class Identity(Module):
    """y = x (the input itself is returned)."""

    def forward(self, x: Any) -> Any:
        return x


class ReLU(Module):
    """y = max(x, 0)"""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).relu()


class Tanh(Module):
    """y = tanh(x)"""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).tanh()


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)"""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).sigmoid()


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope * x"""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """y = x if x > 0 else alpha (e^x - 1)"""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).elu(self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """y = ln(1 + e^(beta x)) / beta, and y = x where beta x > threshold (as PyTorch)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        scaled = x * self.beta
        return where(scaled.data > self.threshold, x, scaled.softplus() / self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """y_i = e^(x_i) / sum_j e^(x_j) along ``axis``"""

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).softmax(axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """y_i = x_i - ln sum_j e^(x_j) along ``axis``"""

    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).log_softmax(axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


# ---- regularisation and normalisation ---------------------------------------------------------


class Dropout(Module):
    """Training: y = x * m / (1 - p) with m_i ~ Bernoulli(1 - p), so E[y] = x; evaluation: y = x."""

    def __init__(self, p: float = 0.5, generator: np.random.Generator | None = None) -> None:
        if not isinstance(p, Real) or isinstance(p, bool) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        rng.resolve(generator, "Dropout")  # a wrong generator fails here, not at the first call
        self.p = float(p)
        self.generator = generator

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        if not self.training or self.p == 0:
            return x
        gen = rng.resolve(self.generator, "Dropout")  # looked up per call: manual_seed applies
        keep = np.asarray(gen.random(x.shape) >= self.p)  # P(u < p) = p: each dropped w.p. p
        scale = 0.0 if self.p == 1 else 1 / (1 - self.p)  # p = 1 drops everything
        return x * (keep * scale).astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per feature of an (N, C) or (N, C, L)
    input.

    Training normalises with the batch's mean and biased variance and updates the buffers
    running = (1 - momentum) running + momentum batch_stat (the unbiased variance for
    running_var; momentum=None gives the plain average over batches); evaluation normalises
    with the running statistics. With track_running_stats=False the batch statistics are
    used in both modes and there are no buffers. Batch statistics need more than one value
    per feature (PyTorch raises too).
    """

    # Declared with register_buffer (None when not tracking): saved, loaded, never trained.
    running_mean: np.ndarray | None
    running_var: np.ndarray | None
    num_batches_tracked: np.ndarray | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = None) -> None:
        self.num_features = _count("BatchNorm1d", "num_features", num_features, 1)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = _float_dtype("BatchNorm1d", dtype)
        c = self.num_features
        self.weight = _parameter(np.ones(c), dt) if affine else None  # gamma
        self.bias = _parameter(np.zeros(c), dt) if affine else None  # beta
        tracked = track_running_stats
        self.register_buffer("running_mean", np.zeros(c, dtype=dt) if tracked else None)
        self.register_buffer("running_var", np.ones(c, dtype=dt) if tracked else None)
        self.register_buffer("num_batches_tracked",
                             np.array(0, dtype=np.int64) if tracked else None)

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        c = self.num_features
        if x.ndim not in (2, 3) or x.shape[1] != c:
            raise ValueError(f"BatchNorm1d: expected input of shape (N, {c}) or (N, {c}, L), "
                             f"got shape {x.shape}")
        axes = (0,) if x.ndim == 2 else (0, 2)  # statistics over everything but the features
        per_feature = (1, c) if x.ndim == 2 else (1, c, 1)  # broadcasts a (C,) vector against x
        if self.training or self.running_mean is None:
            out = self._normalise_with_batch(x, axes)
        else:
            mean = self.running_mean.reshape(per_feature)
            out = (x - mean) / np.sqrt(self.running_var.reshape(per_feature) + self.eps)
        if self.weight is not None and self.bias is not None:
            out = out * self.weight.reshape(per_feature) + self.bias.reshape(per_feature)
        return out

    def _normalise_with_batch(self, x: Tensor, axes: tuple[int, ...]) -> Tensor:
        """(x - mean) / sqrt(var + eps) with the batch's own statistics (biased variance)."""
        count = x.size // self.num_features  # values per feature
        if count <= 1:  # in eval mode too (track_running_stats=False): the variance would be 0
            raise ValueError(f"BatchNorm1d: batch statistics (training, or "
                             f"track_running_stats=False) need more than 1 value per feature, "
                             f"got input of shape {x.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if self.training and self.running_mean is not None:
            self._update_running_stats(mean.data.reshape(-1), var.data.reshape(-1), count)
        return centred / (var + self.eps).sqrt()

    def _update_running_stats(self, mean: np.ndarray, var: np.ndarray, count: int) -> None:
        assert self.running_mean is not None and self.running_var is not None
        assert self.num_batches_tracked is not None
        self.num_batches_tracked += 1  # in place: the buffer array stays the same object
        factor = (1 / float(self.num_batches_tracked) if self.momentum is None
                  else self.momentum)
        unbiased = var * count / (count - 1)
        self.running_mean[...] = (1 - factor) * self.running_mean + factor * mean
        self.running_var[...] = (1 - factor) * self.running_var + factor * unbiased

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")
