"""Weight initialisers with PyTorch's names, defaults and formulas (``torch.nn.init``).

Each ``*_`` function overwrites a ``Tensor``'s data in place (keeping its dtype, and the
array object itself, so views of it see the change), records nothing in the graph, and
returns the tensor. The random ones draw float64 numbers from ``generator`` (or the
default generator of ``nn.rng``) and round them to the tensor's dtype, so one seed gives
the same weights in float32 as in float64. A tensor with no elements is left as it is.

Fans follow PyTorch: for a weight of shape (out, in, *kernel), with receptive field
r = prod(kernel) (1 for a matrix), fan_in = in * r and fan_out = out * r.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Literal

import numpy as np

from autograd_core import Tensor

from . import rng

_GAIN_ONE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
             "conv_transpose3d", "sigmoid")
_NONLINEARITIES = (*_GAIN_ONE, "tanh", "relu", "leaky_relu", "selu")

FanMode = Literal["fan_in", "fan_out"]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended std multiplier: 1 (linear, conv*, sigmoid), 5/3 (tanh), sqrt(2) (relu),
    sqrt(2 / (1 + slope^2)) (leaky_relu, slope = param or 0.01), 3/4 (selu)."""
    if nonlinearity in _GAIN_ONE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4  # PyTorch's choice; self-normalising nets want "linear" instead
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} for leaky_relu is not "
                             "a number")
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one "
                     f"of {', '.join(_NONLINEARITIES)}")


def _data(tensor: Tensor, op: str) -> np.ndarray:
    """The array an initialiser writes into, or a TypeError naming ``op``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    return tensor.data


def _fill(tensor: Tensor, values: np.ndarray | float) -> Tensor:
    """Write ``values`` into the tensor's own array (cast to its dtype) and return it."""
    tensor._overwrite(values)
    return tensor


def _fans(shape: tuple[int, ...], op: str) -> tuple[int, int]:
    """(fan_in, fan_out) = (size(1) * r, size(0) * r), r = product of the sizes after 2."""
    if len(shape) < 2:
        raise ValueError(f"{op}: fan in and fan out need a tensor with at least 2 dimensions, "
                         f"got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(shape: tuple[int, ...], mode: str, op: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(shape, op)
    return fan_in if mode == "fan_in" else fan_out


def _check_real(op: str, **numbers: float) -> None:
    for name, x in numbers.items():
        if not isinstance(x, Real) or isinstance(x, bool) or not math.isfinite(x):
            raise ValueError(f"{op}: {name} must be a finite number, got {x!r}")


# ---- constants ---------------------------------------------------------------------------


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``:  w = val."""
    _data(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros:  w = 0."""
    _data(tensor, "zeros_")
    return _fill(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones:  w = 1."""
    _data(tensor, "ones_")
    return _fill(tensor, 1.0)


# ---- plain distributions -----------------------------------------------------------------


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: np.random.Generator | None = None) -> Tensor:
    """Draw each entry from U(a, b)."""
    data = _data(tensor, "uniform_")
    _check_real("uniform_", a=a, b=b)
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    gen = rng.resolve(generator, "uniform_")
    if data.size == 0:
        return tensor
    return _fill(tensor, gen.uniform(a, b, size=data.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: np.random.Generator | None = None) -> Tensor:
    """Draw each entry from N(mean, std^2)."""
    data = _data(tensor, "normal_")
    _check_real("normal_", mean=mean, std=std)
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    gen = rng.resolve(generator, "normal_")
    if data.size == 0:
        return tensor
    return _fill(tensor, gen.normal(mean, std, size=data.shape))


# ---- Glorot (Xavier) and He (Kaiming) ----------------------------------------------------


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: np.random.Generator | None = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain sqrt(6 / (fan_in + fan_out)), so that
    Var(w) = gain^2 * 2 / (fan_in + fan_out)."""
    data = _data(tensor, "xavier_uniform_")
    _check_real("xavier_uniform_", gain=gain)
    fan_in, fan_out = _fans(data.shape, "xavier_uniform_")
    gen = rng.resolve(generator, "xavier_uniform_")
    if data.size == 0:
        return tensor
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))  # sqrt(3) std: U(-a, a) has var a^2/3
    return uniform_(tensor, -bound, bound, generator=gen)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: np.random.Generator | None = None) -> Tensor:
    """Glorot: N(0, std^2) with std = gain sqrt(2 / (fan_in + fan_out))."""
    data = _data(tensor, "xavier_normal_")
    _check_real("xavier_normal_", gain=gain)
    fan_in, fan_out = _fans(data.shape, "xavier_normal_")
    gen = rng.resolve(generator, "xavier_normal_")
    if data.size == 0:
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator=gen)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: FanMode = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None) -> Tensor:
    """He: U(-bound, bound) with bound = gain sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
    and fan = fan_in or fan_out as ``mode`` says; ``a`` is the leaky_relu negative slope."""
    data = _data(tensor, "kaiming_uniform_")
    fan = _fan(data.shape, mode, "kaiming_uniform_")
    gain = calculate_gain(nonlinearity, a)
    gen = rng.resolve(generator, "kaiming_uniform_")
    if data.size == 0:
        return tensor
    bound = gain * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator=gen)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: FanMode = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None) -> Tensor:
    """He: N(0, std^2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    data = _data(tensor, "kaiming_normal_")
    fan = _fan(data.shape, mode, "kaiming_normal_")
    gain = calculate_gain(nonlinearity, a)
    gen = rng.resolve(generator, "kaiming_normal_")
    if data.size == 0:
        return tensor
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator=gen)
