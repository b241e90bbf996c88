"""Finite-difference gradient checking: compare ``backward`` with central differences.

``gradcheck`` and ``autograd_core.testing.assert_gradients_close`` share the comparison below
(``_compare_scalars`` and ``_compare_tensors``), so both report a mismatch with one table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import no_grad
from .tensor import Tensor
from .value import Value, _real

ENTRIES_SHOWN = 5  # differing entries listed one by one in a tensor report; the rest are counted


class GradcheckError(AssertionError):
    """Analytic and numeric derivatives disagree; the message lists every input."""


def _evaluate(f: Callable[..., Value], inputs: list[Value], caller: str = "gradcheck") -> Value:
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"{caller}: f must return a Value, got {type(out).__name__}")
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
    ``Tensor`` per input and returns a ``Tensor`` of any shape; an output y of more than one
    element is checked through sum(y * w) for a fixed random w, i.e. the vector-Jacobian
    product.
    Passes when every derivative satisfies |analytic - numeric| <= atol + rtol * |numeric|;
    returns True or raises ``GradcheckError`` listing each input with both derivatives.
    The caller's own ``Value``/``Tensor`` objects are left untouched (copies are used).
    """
    _check_arguments("gradcheck", inputs, eps)
    if any(isinstance(x, (Tensor, np.ndarray)) for x in inputs):
        arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
                  for x in inputs]
        _compare_tensors(f, arrays, eps, atol, rtol, "gradcheck")
    else:
        _compare_scalars(f, _scalar_point(inputs, "gradcheck"), eps, atol, rtol, "gradcheck")
    return True


def _check_arguments(caller: str, inputs: tuple[Any, ...], eps: float) -> None:
    if not inputs:
        raise ValueError(f"{caller}: give at least one input")
    if not eps > 0:
        raise ValueError(f"{caller}: eps must be positive, got {eps!r}")


def _scalar_point(inputs: tuple[Any, ...], caller: str) -> list[float]:
    return [x.data if isinstance(x, Value) else _real(x, caller) for x in inputs]


def _mismatch(analytic: Any, numeric: Any, atol: float, rtol: float) -> Any:
    """Where |analytic - numeric| > atol + rtol |numeric|; NaN on either side counts as bad."""
    return ~(np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric))


def _not_finite_note(out: Any) -> str:
    """A hint for the commonest cause of NaN derivatives: a point outside f's domain."""
    if np.all(np.isfinite(out)):
        return ""
    return ("\n  f is not finite at these inputs (it gave "
            f"{np.array2string(np.asarray(out), precision=6, threshold=20)}); "
            "choose inputs inside f's domain")


def _compare_scalars(f: Callable[..., Value], point: list[float], eps: float, atol: float,
                     rtol: float, caller: str) -> None:
    """Raise ``GradcheckError`` unless backward agrees with central differences at ``point``."""
    leaves = [Value(x) for x in point]
    out = _evaluate(f, leaves, caller)
    out.backward()
    analytic = [leaf.grad for leaf in leaves]
    numeric = numeric_grad(f, point, eps)
    failed = [bool(_mismatch(a, n, atol, rtol)) for a, n in zip(analytic, numeric)]
    if any(failed):
        rows = [
            f"  input {i} = {x!r}: analytic {a!r}, numeric {n!r}{'   <-- mismatch' if bad else ''}"
            for i, (x, a, n, bad) in enumerate(zip(point, analytic, numeric, failed))
        ]
        raise GradcheckError(f"{caller} failed (eps={eps}, atol={atol}, rtol={rtol}):\n"
                             + "\n".join(rows) + _not_finite_note(out.data))


def _compare_tensors(f: Callable[..., Tensor], arrays: list[np.ndarray], eps: float,
                     atol: float, rtol: float, caller: str) -> None:
    """Raise ``GradcheckError`` unless backward agrees with central differences at ``arrays``.

    The backward pass runs on leaves of each array's own dtype (float32 stays float32); the
    central differences always run in float64, the most accurate reference there is.
    """
    def evaluate(points: list[np.ndarray], requires_grad: bool = False) -> tuple[list[Tensor],
                                                                                 Tensor]:
        leaves = [Tensor(p, requires_grad=requires_grad) for p in points]
        out = f(*leaves)
        if not isinstance(out, Tensor):
            raise TypeError(f"{caller}: f must return a Tensor, got {type(out).__name__}")
        return leaves, out

    leaves, out = evaluate(arrays, requires_grad=True)
    # A one-element output is checked as it is, so that the report shows f's own derivatives.
    weights = (np.ones(out.shape) if out.size == 1
               else np.random.default_rng(0).standard_normal(out.shape))
    if out.requires_grad:
        out.backward(weights)
    analytic = [leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
                for leaf in leaves]
    points = [a.astype(np.float64) for a in arrays]  # copies: shifted in place below
    numeric = [np.zeros_like(p) for p in points]
    with no_grad():
        for array, slopes in zip(points, numeric):
            for position in np.ndindex(array.shape):
                original = array[position]
                array[position] = original + eps
                upper = float(np.sum(evaluate(points)[1].data * weights))
                array[position] = original - eps
                lower = float(np.sum(evaluate(points)[1].data * weights))
                array[position] = original
                slopes[position] = (upper - lower) / (2 * eps)
    failed = [_mismatch(a, n, atol, rtol) for a, n in zip(analytic, numeric)]
    if any(bad.any() for bad in failed):
        rows = [_tensor_rows(i, a, n, bad, dtype)
                for i, (a, n, bad, dtype) in enumerate(zip(analytic, numeric, failed,
                                                           [a.dtype for a in arrays]))]
        raise GradcheckError(f"{caller} failed (eps={eps}, atol={atol}, rtol={rtol}; "
                             f"output shape {out.shape}, checked through sum(out * w)):\n"
                             + "\n".join(rows) + _not_finite_note(out.data))


def _tensor_rows(i: int, analytic: np.ndarray, numeric: np.ndarray, bad: np.ndarray,
                 dtype: np.dtype[Any]) -> str:
    """One input's part of the report: a status line, the first differing entries, both arrays."""
    head = f"  input {i} (shape {analytic.shape}, {dtype}): "
    if not bad.any():
        return head + "ok"
    differing = [tuple(int(k) for k in index) for index in np.argwhere(bad)]
    lines = [head + f"{len(differing)} of {bad.size} entries differ"]
    for index in differing[:ENTRIES_SHOWN]:
        lines.append(f"    at {index}: analytic {float(analytic[index]):.6g}, "
                     f"numeric {float(numeric[index]):.6g}")
    if len(differing) > ENTRIES_SHOWN:
        lines.append(f"    ... and {len(differing) - ENTRIES_SHOWN} more")
    lines.append(f"    analytic {np.array2string(analytic, precision=6, threshold=20)}")
    lines.append(f"    numeric  {np.array2string(numeric, precision=6, threshold=20)}")
    return "\n".join(lines)
