"""Finite-difference gradient checking: compare ``backward`` with central differences."""

from __future__ import annotations

from collections.abc import Callable

from .engine import no_grad
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


def gradcheck(f: Callable[..., Value], *inputs: Value | float, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Check ``f``'s backward pass at ``inputs`` against central differences.

    ``f`` takes one ``Value`` per input and returns a ``Value``. Passes when, for
    every input, |analytic - numeric| <= atol + rtol * |numeric|; returns True or
    raises ``GradcheckError`` listing each input with both derivatives. The
    caller's own ``Value`` objects are left untouched (fresh copies are used).
    """
    if not inputs:
        raise ValueError("gradcheck: give at least one input")
    if eps <= 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps!r}")
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
