"""Layers over ``Tensor`` with PyTorch's names, defaults, initialisation and parameter names.

``Linear``, ``Embedding``, the containers ``Sequential``, ``ModuleList`` and ``ModuleDict``,
the activation modules, ``Flatten``, ``Dropout``, ``BatchNorm1d`` and ``LayerNorm``. A layer's
forward calls its ``nn.functional`` function with the layer's parameters. Inputs may be
Tensors or anything ``Tensor(...)`` accepts. Layers that draw random numbers take
``generator=`` (a ``numpy.random.Generator``); without one they use ``nn.rng``'s default.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from numbers import Real
from typing import Any, TypeVar

import numpy as np

from autograd_core import Tensor, devices

from . import functional as F
from . import init, rng
from .functional import _as_tensor
from .module import Module


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
        # zeros, not empty: a cast of uninitialised memory to float32 can overflow (a warning)
        self.weight = _parameter(np.zeros((self.out_features, self.in_features)), dt)
        self.bias = _parameter(np.zeros(self.out_features), dt) if bias else None
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
        try:  # linear checks the shapes (once); a misfit is then told in the layer's terms
            return F.linear(x, self.weight, self.bias)
        except ValueError:
            shape = _as_tensor(x).shape
            if not shape or shape[-1] != self.in_features:
                raise ValueError(f"Linear: expected input of shape (..., {self.in_features}), "
                                 f"got shape {shape}") from None
            raise

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table: y[..., :] = weight[x[...], :] for integer indices x, with weight of shape
    (num_embeddings, embedding_dim) drawn from N(0, 1) as in PyTorch.

    The row at ``padding_idx`` (a negative one counts from the end) starts at zero and gets
    no gradient, so training leaves it as it is.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 *, dtype: Any = None, generator: np.random.Generator | None = None) -> None:
        self.num_embeddings = _count("Embedding", "num_embeddings", num_embeddings, 0)
        self.embedding_dim = _count("Embedding", "embedding_dim", embedding_dim, 0)
        self.padding_idx = (None if padding_idx is None else
                            F._padding_index("Embedding", padding_idx, self.num_embeddings))
        dt = _float_dtype("Embedding", dtype)
        self.weight = _parameter(np.zeros((self.num_embeddings, self.embedding_dim)), dt)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Redraw every entry from N(0, 1), then zero the padding row."""
        init.normal_(self.weight, generator=rng.resolve(generator, "Embedding"))
        if self.padding_idx is not None:
            rows = self.weight.data.copy()
            rows[self.padding_idx] = 0.0
            self.weight._overwrite(rows)

    def forward(self, x: Any) -> Tensor:
        return F.embedding(x, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


# ---- containers ---------------------------------------------------------------------------------


_Container = TypeVar("_Container", bound="_ModuleSequence")


class _ModuleSequence(Module):
    """Modules in a list, named by their positions "0", "1", ... (PyTorch's "0.weight", not
    "_layers.0.weight"): what Sequential and ModuleList share."""

    _layers: list[Module]

    def _checked(self, module: Any, position: int) -> Module:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: item {position} must be a Module, got "
                            f"{type(module).__name__}")
        return module

    def _of(self, modules: list[Module]) -> _ModuleSequence:
        """A new container of this kind holding ``modules`` (for slicing)."""
        raise NotImplementedError

    def append(self: _Container, module: Module) -> _Container:
        """Add ``module`` at the end (named by its position); returns the container."""
        self._layers.append(self._checked(module, len(self._layers)))
        return self

    def extend(self: _Container, modules: Iterable[Module]) -> _Container:
        """Add each of ``modules`` at the end, in order (all checked before any is added)."""
        try:
            items = list(modules)
        except TypeError:
            raise TypeError(f"{type(self).__name__}: extend takes an iterable of Modules, got "
                            f"{type(modules).__name__} (use append for one module)") from None
        self._layers.extend([self._checked(m, len(self) + i) for i, m in enumerate(items)])
        return self

    def __iadd__(self: _Container, modules: Iterable[Module]) -> _Container:
        return self.extend(modules)

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index`` (len(self) appends); later ones move up."""
        # positions 0..len(self): the slots before each module and the end (-1: before the last)
        position = len(self) if index == len(self) else self._position(index, len(self))
        self._layers.insert(position, self._checked(module, position))

    def pop(self, index: int = -1) -> Module:
        """Remove the module at ``index`` and return it; later ones move down."""
        return self._layers.pop(self._position(index, len(self)))

    def _position(self, index: Any, count: int) -> int:
        """``index`` as a position in [0, count) (a negative one counts from the end)."""
        try:
            position = operator.index(index)
        except TypeError:
            raise TypeError(f"{type(self).__name__}: index must be an int or a slice, got "
                            f"{type(index).__name__}") from None
        if not -count <= position < count:
            raise IndexError(f"{type(self).__name__}: index {position} is out of range for "
                             f"{len(self)} modules")
        return position % count

    def _members(self) -> Iterator[tuple[str, Any]]:
        for i, module in enumerate(self._layers):
            yield str(i), module

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)

    def __getitem__(self, index: int | slice) -> Any:
        """The module at ``index`` (negative counts from the end); a slice gives a new
        container of the same kind holding the same modules."""
        if isinstance(index, slice):
            return self._of(self._layers[index])
        return self._layers[self._position(index, len(self))]

    def __setitem__(self, index: int, module: Module) -> None:
        position = self._position(index, len(self))
        self._layers[position] = self._checked(module, position)

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            del self._layers[index]
        else:
            del self._layers[self._position(index, len(self))]


class Sequential(_ModuleSequence):
    """Modules applied in order, Sequential(f, g)(x) = g(f(x)); they are named "0", "1", ..."""

    def __init__(self, *modules: Module) -> None:
        self._layers = []
        for module in modules:
            self.append(module)

    def _of(self, modules: list[Module]) -> Sequential:
        return Sequential(*modules)

    def forward(self, x: Any) -> Any:
        for module in self._layers:
            x = module(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the model finds (named "0", "1", ... under the
    list's attribute, e.g. "blocks.0.weight"), as PyTorch's: append, extend, insert, pop,
    indexing, len and iteration; no forward of its own, the owner decides how to call them.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        self._layers = []
        if modules is not None:
            self.extend(modules)

    def _of(self, modules: list[Module]) -> ModuleList:
        return ModuleList(modules)

    def __repr__(self) -> str:
        """PyTorch's layout, with a run of equal modules on one line: "(0-2): 3 x Linear(...)"."""
        if not self._layers:
            return "ModuleList()"
        texts = [repr(module) for module in self._layers]
        lines, start = [], 0
        for end in range(1, len(texts) + 1):
            if end < len(texts) and texts[end] == texts[start]:
                continue  # the run of equal reprs goes on
            count = end - start
            label = f"({start}):" if count == 1 else f"({start}-{end - 1}): {count} x"
            lines.append(f"{label} {texts[start]}".replace("\n", "\n  "))
            start = end
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """Modules by name, in insertion order, as PyTorch's: ``heads["cls"]``; the keys are the
    names in ``state_dict`` (e.g. "heads.cls.weight"). No forward of its own."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None,
                 ) -> None:
        self._entries: dict[str, Module] = {}
        if modules is not None:
            self.update(modules)

    def _members(self) -> Iterator[tuple[str, Any]]:
        yield from self._entries.items()

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be strings, got {type(key).__name__}")
        if not key or "." in key:  # the dots of state_dict names separate the levels
            raise ValueError(f"ModuleDict: a key must be non-empty and contain no '.', got "
                             f"{key!r}")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict: item {key!r} must be a Module, got "
                            f"{type(module).__name__}")
        self._entries[key] = module

    def __getitem__(self, key: str) -> Module:
        if key not in self._entries:
            raise KeyError(f"ModuleDict: no module named {key!r}; the keys are "
                           f"{list(self._entries)}")
        return self._entries[key]

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def pop(self, key: str) -> Module:
        """Remove the module named ``key`` and return it."""
        module = self[key]
        del self._entries[key]
        return module

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from (key, module) pairs, in order."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
                raise TypeError(f"ModuleDict: update takes a mapping or (key, module) pairs; "
                                f"item {i} is {pair!r}")
            self[pair[0]] = pair[1]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Iterable[str]:
        return self._entries.keys()

    def values(self) -> Iterable[Module]:
        return self._entries.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._entries.items()


# ---- activations ------------------------------------------------------------------------------


class Identity(Module):
    """y = x (the input itself is returned)."""

    def forward(self, x: Any) -> Any:
        return x


class ReLU(Module):
    """y = max(x, 0)"""

    def forward(self, x: Any) -> Tensor:
        return F.relu(x)


class Tanh(Module):
    """y = tanh(x)"""

    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)"""

    def forward(self, x: Any) -> Tensor:
        return F.sigmoid(x)


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope * x"""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """y = x if x > 0 else alpha (e^x - 1)"""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """y = x Phi(x) = x/2 (1 + erf(x / sqrt 2)); approximate='tanh' uses PyTorch's tanh formula,
    x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """y = ln(1 + e^(beta x)) / beta, and y = x where beta x > threshold (as PyTorch)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Any) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _axis(op: str, axis: int | None, dim: int | None) -> int:
    """The axis given as ``axis`` or as PyTorch's ``dim`` (not both); -1 when neither is."""
    if axis is not None and dim is not None:
        raise TypeError(f"{op}: give the axis as axis= or as dim=, not both")
    chosen = dim if dim is not None else axis
    return -1 if chosen is None else chosen


class Softmax(Module):
    """y_i = e^(x_i) / sum_j e^(x_j) along ``axis`` (or PyTorch's spelling ``dim=``)"""

    def __init__(self, axis: int | None = None, *, dim: int | None = None) -> None:
        self.axis = _axis("Softmax", axis, dim)

    def forward(self, x: Any) -> Tensor:
        return F.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """y_i = x_i - ln sum_j e^(x_j) along ``axis`` (or PyTorch's spelling ``dim=``)"""

    def __init__(self, axis: int | None = None, *, dim: int | None = None) -> None:
        self.axis = _axis("LogSoftmax", axis, dim)

    def forward(self, x: Any) -> Tensor:
        return F.log_softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


# ---- shapes -------------------------------------------------------------------------------------


class Flatten(Module):
    """Axes start_dim to end_dim (inclusive) merged into one: (N, C, H, W) -> (N, C*H*W) by
    default; the gradient is reshaped back."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise TypeError(f"Flatten: {name} must be an int, got {type(value).__name__}")
        self.start_dim = int(start_dim)
        self.end_dim = int(end_dim)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


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
        return F.dropout(x, self.p, self.training, generator=self.generator)

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
            xp = devices.namespace_of(self.running_var)
            out = (x - mean) / xp.sqrt(self.running_var.reshape(per_feature) + self.eps)
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


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, the mean and the biased variance taken
    over the last len(normalized_shape) axes of each sample, the same in training and
    evaluation. weight starts at 1 and bias at 0, both of shape normalized_shape
    (elementwise_affine=False: neither; bias=False: no bias)."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, *,
                 dtype: Any = None) -> None:
        self.normalized_shape = F._normalized_shape("LayerNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = _float_dtype("LayerNorm", dtype)
        shape = self.normalized_shape
        self.weight = _parameter(np.ones(shape), dt) if elementwise_affine else None
        self.bias = _parameter(np.zeros(shape), dt) if elementwise_affine and bias else None

    def forward(self, x: Any) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
