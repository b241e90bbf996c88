"""Factories with PyTorch's names and signatures: ``tensor``, ``zeros``, ``ones``, ``full``,
``arange``, ``linspace``, ``eye``, ``rand``, ``randn``, ``zeros_like``, ``ones_like``.

Each makes a new leaf Tensor and takes ``dtype=`` (float64, the default, or float32) and
``requires_grad=`` (keyword-only, as in PyTorch). A size may be given as separate integers or
as one sequence: ``zeros(2, 3)`` and ``zeros((2, 3))`` are the same; ``zeros(())`` is 0-d.
``rand`` and ``randn`` draw from ``generator=`` (a ``numpy.random.Generator``) or else from the
default generator that ``manual_seed`` reseeds.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from . import rng
from .tensor import _FLOAT_DTYPES, Tensor

Size = int | Sequence[int]


def _dtype(dtype: Any, op: str) -> np.dtype[Any]:
    """The float dtype asked for: float64 by default, or float32."""
    if dtype is None:
        return np.dtype(np.float64)
    try:
        chosen = np.dtype(dtype)
    except TypeError:  # not a dtype at all
        chosen = np.dtype(object)
    if chosen not in _FLOAT_DTYPES:
        raise TypeError(f"{op}: dtype must be float64 or float32, got {dtype!r}")
    return chosen


def _shape(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """``size`` as given to a factory, ``(2, 3)`` or ``((2, 3),)``, as a shape."""
    if not size:
        raise TypeError(f"{op}: missing the size, e.g. {op}(2, 3), {op}((2, 3)), or {op}(()) "
                        "for a 0-d tensor")
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = []
    for n in size:
        try:
            if isinstance(n, bool):
                raise TypeError
            length = operator.index(n)
        except TypeError:
            raise TypeError(f"{op}: the size must be integers, got {size!r}") from None
        if length < 0:
            raise ValueError(f"{op}: the size must not be negative, got {size!r}")
        shape.append(length)
    return tuple(shape)


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf around a freshly made array (nobody else holds it: no copy needed)."""
    return Tensor.from_numpy(array, requires_grad=requires_grad)


def _real(x: Any, name: str, op: str) -> float:
    if isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(x):
        return float(x)
    raise TypeError(f"{op}: {name} must be a finite real number, got {x!r}")


def tensor(data: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A leaf holding a copy of ``data`` (numbers, nested lists, an array, or a Tensor, whose
    values are copied without its graph, as ``torch.tensor`` does). The dtype is float32 for
    float32 data and float64 otherwise, unless ``dtype`` says which."""
    if isinstance(data, Tensor):
        data = data.data
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*size: Size, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _leaf(np.zeros(_shape(size, "zeros"), dtype=_dtype(dtype, "zeros")), requires_grad)


def ones(*size: Size, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _leaf(np.ones(_shape(size, "ones"), dtype=_dtype(dtype, "ones")), requires_grad)


def full(size: Size, fill_value: float, *, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` (an integer or a sequence of them) filled with ``fill_value``."""
    if isinstance(fill_value, bool) or not isinstance(fill_value, Real):
        raise TypeError(f"full: fill_value must be a real number, got {fill_value!r}")
    shape = _shape((size,), "full")
    return _leaf(np.full(shape, fill_value, dtype=_dtype(dtype, "full")), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, *, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """start, start + step, ... up to but excluding ``end``; ``arange(n)`` is 0, 1, ..., n-1
    (floats here: the tensors of this engine are float32 or float64)."""
    if end is None:
        start, end = 0, start
    first, stop, by = (_real(x, name, "arange")
                       for x, name in ((start, "start"), (end, "end"), (step, "step")))
    if by == 0:
        raise ValueError("arange: step must not be 0")
    if (stop - first) * by < 0:
        raise ValueError(f"arange: a step of {step} never goes from {start} to {end}")
    return _leaf(np.arange(first, stop, by).astype(_dtype(dtype, "arange")), requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced numbers from ``start`` to ``end``, both included."""
    first, last = _real(start, "start", "linspace"), _real(end, "end", "linspace")
    if isinstance(steps, bool) or not isinstance(steps, Integral):
        raise TypeError(f"linspace: steps must be an integer, got {steps!r}")
    if steps < 0:
        raise ValueError(f"linspace: steps must not be negative, got {steps}")
    return _leaf(np.linspace(first, last, int(steps)).astype(_dtype(dtype, "linspace")),
                 requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (n x n without ``m``): ones on the diagonal, zeros elsewhere."""
    rows, columns = _shape((n, n if m is None else m), "eye")
    return _leaf(np.eye(rows, columns, dtype=_dtype(dtype, "eye")), requires_grad)


def rand(*size: Size, generator: np.random.Generator | None = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Numbers drawn uniformly from [0, 1), from ``generator`` or the default generator."""
    draw = rng.resolve(generator, "rand")
    return _leaf(draw.random(_shape(size, "rand"), dtype=_dtype(dtype, "rand")), requires_grad)


def randn(*size: Size, generator: np.random.Generator | None = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Numbers drawn from the standard normal distribution, from ``generator`` or the default
    generator."""
    draw = rng.resolve(generator, "randn")
    return _leaf(draw.standard_normal(_shape(size, "randn"), dtype=_dtype(dtype, "randn")),
                 requires_grad)


def _like_dtype(like: Any, dtype: Any, op: str) -> np.dtype[Any]:
    """``dtype`` if given, else the dtype of ``like`` when it is float32 or float64."""
    if dtype is None:
        own = getattr(like, "dtype", None)
        return own if isinstance(own, np.dtype) and own in _FLOAT_DTYPES else np.dtype(np.float64)
    return _dtype(dtype, op)


def zeros_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of the shape (and, unless ``dtype`` says otherwise, the dtype) of ``input``."""
    dtype = _like_dtype(input, dtype, "zeros_like")
    return _leaf(np.zeros(np.shape(input), dtype=dtype), requires_grad)


def ones_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of the shape (and, unless ``dtype`` says otherwise, the dtype) of ``input``."""
    dtype = _like_dtype(input, dtype, "ones_like")
    return _leaf(np.ones(np.shape(input), dtype=dtype), requires_grad)
