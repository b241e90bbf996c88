"""PyTorch's CPU arithmetic for optimizer updates, on numpy arrays and floats.

PyTorch's CPU kernels fuse some multiply-adds into one rounding (``fma``):
``x.add_(y, alpha=a)`` is fma(y, a, x), ``x.addcmul_(s, t, value=v)`` is
fma(v*s, t, x) and ``x.lerp_(y, w)`` is fma(w, y - x, x); ``x.addcdiv_(s, t, value=v)``
is not fused: x + (v*s)/t. numpy has no fused multiply-add, so ``fma`` below
can compute it exactly with error-free transformations. That mode, switched on with
``set_exact_fma(True)``, reproduces ``torch.optim`` (2.13, CPU, float64) bit for bit, except
where PyTorch's own ``sqrt`` is off by an ulp (it is not correctly rounded on MKL builds;
numpy's is). It costs ~30x more per update, so it is off by default: the plain mode rounds
twice, in PyTorch's order of operations, and drifts from PyTorch by ~1e-13 over many steps.

Every function takes arrays or floats (a ``Value`` parameter's data and grad) and
returns a new array or numpy float; nothing is modified in place.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray | float

_SPLITTER = 134217729.0  # 2**27 + 1: splits a double into two 26-bit halves (Dekker)
# Outside these magnitudes the error terms below would overflow or underflow (lose bits);
# there we fall back to two roundings, which no realistic optimizer step reaches.
_HUGE = 2.0 ** 995
_TINY = 2.0 ** -960

_exact = False  # an explicit mode switch, like grad mode; see the module docstring


def set_exact_fma(enabled: bool) -> None:
    """Round fused multiply-adds once, as PyTorch's CPU kernels do (the default), or, with
    False, twice (plain numpy: 20 to 40 times cheaper on large arrays, but updates then drift
    from PyTorch's by an ulp here and there)."""
    global _exact
    _exact = bool(enabled)


def is_exact_fma() -> bool:
    """Whether fused multiply-adds are rounded once (see ``set_exact_fma``)."""
    return _exact


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s, e with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _SPLITTER * a
    high = t - (t - a)
    return high, a - high


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p, e with p = fl(a * b) and p + e = a * b exactly (Dekker)."""
    p = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    return p, ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low


def _add_round_to_odd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b rounded to odd: exact if representable, else the neighbour with an odd last bit."""
    s, e = _two_sum(a, b)
    # Neighbouring doubles have consecutive bit patterns, so their last bits alternate: an
    # inexact even s moves one pattern towards the exact sum (+1 is away from zero).
    bits = np.asarray(s).view(np.int64)
    move = ((bits & 1) == 0) & (e != 0)
    away_from_zero = np.signbit(e) == np.signbit(s)
    return (bits + move * (2 * away_from_zero - 1)).view(np.float64)


def fma(a: Array, b: Array, c: Array) -> np.ndarray:
    """a * b + c with one rounding (Boldo & Melquiond's emulation via rounding to odd).

    float32 operands are computed in float64 and rounded back (their product is exact there).
    """
    dtype = np.result_type(a, b, c)
    a64, b64, c64 = (np.asarray(x, dtype=np.float64) for x in (a, b, c))
    if not _exact or dtype == np.float32:
        return (a64 * b64 + c64).astype(dtype, copy=False)
    with np.errstate(all="ignore"):  # the error terms of huge or infinite operands: see below
        product_high, product_low = _two_product(a64, b64)
        sum_high, sum_low = _two_sum(c64, product_high)
        fused = sum_high + _add_round_to_odd(sum_low, product_low)
    size = np.abs(product_high)
    # A zero product also takes the plain path: it is exact there, and it keeps the sign of a
    # zero sum right (-0.0 * 1 + -0.0 is -0.0).
    safe = np.isfinite(fused) & (size < _HUGE) & (size > _TINY)
    if np.all(safe):
        return fused
    return np.where(safe, fused, a64 * b64 + c64)


def add(x: Array, y: Array, alpha: float = 1.0) -> np.ndarray:
    """torch ``x.add(y, alpha=alpha)``: x + alpha*y, fused."""
    return fma(y, alpha, x)


def addcmul(x: Array, s: Array, t: Array, value: float = 1.0) -> np.ndarray:
    """torch ``x.addcmul(s, t, value=value)``: x + value*s*t, (value*s)*t fused with the sum."""
    return fma(np.multiply(value, s), t, x)


def addcdiv(x: Array, s: Array, t: Array, value: float = 1.0) -> np.ndarray:
    """torch ``x.addcdiv(s, t, value=value)``: x + (value*s)/t, not fused."""
    return np.add(x, np.divide(np.multiply(value, s), t))


def lerp(start: Array, end: Array, weight: float) -> np.ndarray:
    """torch ``start.lerp(end, weight)``: start + weight*(end - start), fused.

    As in PyTorch, a weight of 1/2 or more is measured from ``end`` (end - (1-w)(end-start)),
    so that weight 1 gives exactly ``end``.
    """
    difference = np.subtract(end, start)
    if abs(weight) < 0.5:
        return fma(weight, difference, start)
    return fma(weight - 1.0, difference, end)


def full_like(x: Array, value: float) -> Array:
    """A buffer shaped like a parameter: an array like a Tensor's data, a float for a Value's."""
    if isinstance(x, np.ndarray):
        return np.full_like(x, value)
    return float(value)
