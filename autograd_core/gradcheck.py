"""Finite-difference gradient checking: compare ``backward`` with central differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import no_grad
from .tensor import Tensor
from .value import Value, _real


class GradcheckError(AssertionError):
    """Analytic and numeric derivatives disagree; the message lists every input."""


def _evaluate(f: Callable[..., Value], inputs: list[Value]) -> Value:
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return out


def numeric_grad(f: Callable[..., Value], point: list[float], eps: float = 1e-6) -> list[float]:
    """Central differences: df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)."""
    slopes = []
    with no_grad():
        for i in range(len(point)):
            shifted = list(point)
            shifted[i] = point[i] + eps
            upper = _evaluate(f, [Value(x) for x in shifted]).data
            shifted[i] = point[i] - eps
            lower = _evaluate(f, [Value(x) for x in shifted]).data
            slopes.append((upper - lower) / (2 * eps))
    return slopes


def gradcheck(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Check ``f``'s backward pass at ``inputs`` against central differences.

    With numbers or ``Value`` inputs, ``f`` takes one ``Value`` per input and returns a
    ``Value``. With any numpy array or ``Tensor`` among the inputs, ``f`` takes one float64
    ``Tensor`` per input and returns a ``Tensor`` of any shape; a non-scalar output y is
    checked through sum(y * w) for a fixed random w, i.e. the vector-Jacobian product.
    Passes when every derivative satisfies |analytic - numeric| <= atol + rtol * |numeric|;
    returns True or raises ``GradcheckError`` listing each input with both derivatives.
    The caller's own ``Value``/``Tensor`` objects are left untouched (copies are used).
    """
    if not inputs:
        raise ValueError("gradcheck: give at least one input")
    if eps <= 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps!r}")
    if any(isinstance(x, (Tensor, np.ndarray)) for x in inputs):
        return _gradcheck_tensors(f, inputs, eps, atol, rtol)
    point = [x.data if isinstance(x, Value) else _real(x, "gradcheck") for x in inputs]
    leaves = [Value(x) for x in point]
    _evaluate(f, leaves).backward()
    analytic = [leaf.grad for leaf in leaves]
    numeric = numeric_grad(f, point, eps)
    failed = [abs(a - n) > atol + rtol * abs(n) or a != a for a, n in zip(analytic, numeric)]
    if any(failed):
        rows = [
            f"  input {i} = {x!r}: analytic {a!r}, numeric {n!r}{'   <-- mismatch' if bad else ''}"
            for i, (x, a, n, bad) in enumerate(zip(point, analytic, numeric, failed))
        ]
        raise GradcheckError(f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}):\n"
                             + "\n".join(rows))
    return True


def _mismatch(analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    return ~(np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric))  # NaN counts as bad


def _gradcheck_tensors(f: Callable[..., Tensor], inputs: tuple[Any, ...], eps: float,
                       atol: float, rtol: float) -> bool:
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
              for x in inputs]

    def evaluate(points: list[np.ndarray], requires_grad: bool = False) -> tuple[list[Tensor],
                                                                                 Tensor]:
        leaves = [Tensor(p, requires_grad=requires_grad) for p in points]
        out = f(*leaves)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
        return leaves, out

    leaves, out = evaluate(arrays, requires_grad=True)
    weights = np.random.default_rng(0).standard_normal(out.shape)
    if out.requires_grad:
        out.backward(weights)
    analytic = [leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
                for leaf in leaves]
    numeric = [np.zeros_like(a) for a in arrays]
    with no_grad():
        for array, slopes in zip(arrays, numeric):
            for position in np.ndindex(array.shape):
                original = array[position]
                array[position] = original + eps
                upper = float(np.sum(evaluate(arrays)[1].data * weights))
                array[position] = original - eps
                lower = float(np.sum(evaluate(arrays)[1].data * weights))
                array[position] = original
                slopes[position] = (upper - lower) / (2 * eps)
    failed = [_mismatch(a, n, atol, rtol) for a, n in zip(analytic, numeric)]
    if any(bad.any() for bad in failed):
        rows = []
        for i, (a, n, bad) in enumerate(zip(analytic, numeric, failed)):
            status = f"{int(bad.sum())} of {bad.size} entries differ" if bad.any() else "ok"
            rows.append(f"  input {i} (shape {a.shape}): {status}\n"
                        f"    analytic {np.array2string(a, precision=6, threshold=20)}\n"
                        f"    numeric  {np.array2string(n, precision=6, threshold=20)}")
        raise GradcheckError(f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}; "
                             f"output shape {out.shape}, checked through sum(out * w)):\n"
                             + "\n".join(rows))
    return True
