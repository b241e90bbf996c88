"""Forward mode: ``Dual`` numbers carry a tangent beside each value, and ``jvp`` reads it off.

A dual number is a pair (primal, tangent) = (x, dx). Every operation computes its primal as
``Value`` does and, on the line below, its tangent by the chain rule applied *forwards*:
d(f(x)) = f'(x) dx. Seeding the inputs' tangents with a direction v and running the function
once therefore yields f(x) and the Jacobian-vector product J v together, in one pass, with no
graph stored. ``Dual`` has ``Value``'s operator and method API, domain errors and PyTorch kink
conventions (relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = alpha), so a function written with
operators and methods (``x.exp()``, not ``math.exp(x)``) runs unchanged on either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real

from .value import ScalarComposites, _exp, _power, _power_slope

Number = int | float


def _real(x: object, where: str) -> float:
    """``x`` as a float, or a ``TypeError`` naming the operation and the offending type."""
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"Dual {where}: expected a real number or Dual, got {type(x).__name__}")


def _as_dual(x: object, op: str) -> Dual:
    """A number becomes a constant: its tangent is zero."""
    return x if isinstance(x, Dual) else Dual(_real(x, op), 0.0)


class Dual(ScalarComposites):
    """A scalar with a tangent: ``primal`` is the value, ``tangent`` its directional derivative."""

    __slots__ = ("primal", "tangent")

    def _lift(self, x: object, op: str) -> Dual:
        return _as_dual(x, op)

    def __init__(self, primal: Number, tangent: Number = 0.0) -> None:
        if isinstance(primal, Dual):
            raise TypeError("Dual(primal): primal is already a Dual; use it directly")
        self.primal = _real(primal, "constructor")
        self.tangent = _real(tangent, "constructor")

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal}, tangent={self.tangent})"

    # ---- arithmetic: the primitives ----------------------------------------------------

    def __add__(self, other: DualOperand) -> Dual:
        """d(a+b) = da + db"""
        other = _as_dual(other, "+")
        return Dual(self.primal + other.primal,
                    self.tangent + other.tangent)

    def __mul__(self, other: DualOperand) -> Dual:
        """d(ab) = b da + a db"""
        other = _as_dual(other, "*")
        return Dual(self.primal * other.primal,
                    self.tangent * other.primal + self.primal * other.tangent)

    def __truediv__(self, other: DualOperand) -> Dual:
        """d(a/b) = da/b - (a/b) db/b"""
        other = _as_dual(other, "/")
        if other.primal == 0:
            raise ZeroDivisionError(f"Dual /: division of {self.primal!r} by zero")
        quotient = self.primal / other.primal
        return Dual(quotient,
                    self.tangent / other.primal - quotient / other.primal * other.tangent)

    def __pow__(self, exponent: DualOperand) -> Dual:
        """d(x^p) = p x^(p-1) dx; for a Dual exponent also + x^y ln x dy"""
        if not isinstance(exponent, Dual):
            p = _real(exponent, "**")
            return Dual(_power(self.primal, p, "Dual **"),
                        _power_slope(self.primal, p) * self.tangent)
        base, p = self.primal, exponent.primal
        if base < 0 or (base == 0 and p <= 0):
            raise ValueError(f"Dual **: a Dual exponent needs a positive base (d/dy x^y = "
                             f"x^y ln x), got base {base!r} and exponent {p!r}")
        out = _power(base, p, "Dual **")
        log_slope = out * math.log(base) if base > 0 else 0.0  # 0^y: Value's convention
        return Dual(out,
                    _power_slope(base, p) * self.tangent + log_slope * exponent.tangent)

    # ---- arithmetic: composites and reflected forms ------------------------------------

    def __neg__(self) -> Dual:
        """d(-a) = -da"""
        return Dual(-self.primal,
                    -self.tangent)

    # ---- elementary functions ----------------------------------------------------------

    def exp(self) -> Dual:
        """d(e^x) = e^x dx"""
        out = _exp(self.primal)
        return Dual(out,
                    out * self.tangent)

    def log(self) -> Dual:
        """d(ln x) = dx / x  (x > 0)"""
        x = self.primal
        if x <= 0:
            raise ValueError(f"Dual.log: the logarithm needs x > 0, got {x!r}")
        return Dual(math.log(x),
                    self.tangent / x)

    def sqrt(self) -> Dual:
        """d(sqrt x) = dx / (2 sqrt x)  (x >= 0; slope +inf at 0)"""
        x = self.primal
        if x < 0:
            raise ValueError(f"Dual.sqrt: the square root needs x >= 0, got {x!r}")
        out = math.sqrt(x)
        return Dual(out,
                    (0.5 / out if out else math.inf) * self.tangent)

    def sin(self) -> Dual:
        """d(sin x) = cos x dx"""
        x = self.primal
        if math.isinf(x):  # math.sin raises here; IEEE says NaN
            return Dual(math.nan, math.nan)
        return Dual(math.sin(x),
                    math.cos(x) * self.tangent)

    def cos(self) -> Dual:
        """d(cos x) = -sin x dx"""
        x = self.primal
        if math.isinf(x):
            return Dual(math.nan, math.nan)
        return Dual(math.cos(x),
                    -math.sin(x) * self.tangent)

    def abs(self) -> Dual:
        """d|x| = sign(x) dx, with sign(0) = 0"""
        x = self.primal
        return Dual(abs(x),
                    (1.0 if x > 0 else -1.0 if x < 0 else 0.0) * self.tangent)

    # ---- activation functions ----------------------------------------------------------

    def tanh(self) -> Dual:
        """d(tanh x) = (1 - tanh^2 x) dx"""
        t = math.tanh(self.primal)
        return Dual(t,
                    (1.0 - t * t) * self.tangent)

    def sigmoid(self) -> Dual:
        """d s(x) = s(x) (1 - s(x)) dx, with s(x) = 1 / (1 + e^-x)"""
        x = self.primal
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # e^x cannot overflow here, whereas e^-x could
            e = math.exp(x)
            s = e / (1.0 + e)
        return Dual(s,
                    s * (1.0 - s) * self.tangent)

    def relu(self) -> Dual:
        """d max(x, 0) = dx if x > 0 else 0"""
        x = self.primal
        out = 0.0 if x <= 0 else x  # NaN fails `x <= 0` and so propagates
        return Dual(out,
                    (1.0 if x > 0 else 0.0) * self.tangent)

    def leaky_relu(self, alpha: float = 0.01) -> Dual:
        """d leaky_relu(x) = dx if x > 0 else alpha dx"""
        x = self.primal
        if x > 0:
            return Dual(x, self.tangent)
        return Dual(alpha * x,
                    alpha * self.tangent)

    def elu(self, alpha: float = 1.0) -> Dual:
        """elu(x) = x if x > 0 else alpha (e^x - 1);  d elu = dx if x > 0 else alpha e^x dx"""
        x = self.primal
        if x > 0:
            return Dual(x, self.tangent)
        return Dual(alpha * math.expm1(x),
                    alpha * math.exp(x) * self.tangent)

    def softplus(self) -> Dual:
        """softplus(x) = ln(1 + e^x);  d softplus = sigmoid(x) dx"""
        x = self.primal
        if x > 0:  # x + ln(1 + e^-x): no overflow, exactly as Value computes it
            e = math.exp(-x)
            return Dual(x + math.log1p(e),
                        self.tangent / (1.0 + e))
        e = math.exp(x)
        return Dual(math.log1p(e),
                    e / (e + 1.0) * self.tangent)

    def erf(self) -> Dual:
        """d erf(x) = 2/sqrt(pi) e^(-x^2) dx"""
        x = self.primal
        return Dual(math.erf(x), 2.0 / math.sqrt(math.pi) * math.exp(-x * x) * self.tangent)


DualOperand = Dual | int | float


def dot(weights: Sequence[DualOperand], inputs: Sequence[DualOperand],
        bias: DualOperand = 0.0) -> Dual:
    """bias + sum_i w_i x_i:  d = dbias + sum_i (x_i dw_i + w_i dx_i)  (same order as Value's)."""
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs; "
                         "they must have the same length")
    total = _as_dual(bias, "dot")
    primal, tangent = total.primal, total.tangent
    for w, x in zip(weights, inputs):
        w, x = _as_dual(w, "dot"), _as_dual(x, "dot")
        primal += w.primal * x.primal
        tangent += x.primal * w.tangent + w.primal * x.tangent
    return Dual(primal, tangent)


# ---- Jacobian-vector products ----------------------------------------------------------

Scalars = Number | Sequence[Number]
DualFunction = Callable[..., Dual | Number | Sequence[Dual | Number]]


def _floats(xs: Scalars, name: str) -> tuple[float, ...]:
    """A number or a sequence of numbers as a tuple of floats (clear errors otherwise)."""
    if isinstance(xs, Sequence) and not isinstance(xs, str):
        return tuple(_jvp_real(x, name) for x in xs)
    return (_jvp_real(xs, name),)


def _jvp_real(x: object, name: str) -> float:
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"jvp: {name} must be numbers, got {type(x).__name__}")


def _split(out: object) -> tuple[float, float]:
    """An output of f as (value, tangent); a plain number is a constant with tangent 0."""
    if isinstance(out, Dual):
        return out.primal, out.tangent
    if isinstance(out, Real) and not isinstance(out, bool):
        return float(out), 0.0
    raise TypeError(f"jvp: f must return Duals or numbers (write it with operators and "
                    f"methods such as x.exp(), not math.exp(x)), got {type(out).__name__}")


def jvp(f: DualFunction, primals: Scalars,
        tangents: Scalars) -> tuple[float | tuple[float, ...], float | tuple[float, ...]]:
    """(f(primals), J(primals) @ tangents) from ONE forward pass of f on dual numbers.

    ``primals`` and ``tangents`` are both numbers or both equally long sequences of numbers;
    f takes that many scalar arguments. A scalar output gives floats, a sequence gives tuples.
    """
    xs, dxs = _floats(primals, "primals"), _floats(tangents, "tangents")
    scalar_in = [not isinstance(v, Sequence) for v in (primals, tangents)]
    if scalar_in[0] != scalar_in[1] or len(xs) != len(dxs):
        raise ValueError(f"jvp: primals and tangents must have the same shape, got "
                         f"{len(xs)} primal(s) and {len(dxs)} tangent(s)")
    out = f(*(Dual(x, dx) for x, dx in zip(xs, dxs)))
    if isinstance(out, Sequence) and not isinstance(out, str):
        pairs = [_split(o) for o in out]
        return tuple(p for p, _ in pairs), tuple(t for _, t in pairs)
    return _split(out)


def forward_jacobian(f: DualFunction, *primals: Number) -> tuple[tuple[float, ...], ...]:
    """J[i][j] = d f_i / d x_j, built column by column: column j is jvp along the unit vector e_j.

    A scalar-valued f gives a single row. Costs one forward pass per input.
    """
    if not primals:
        raise ValueError("forward_jacobian: f needs at least one input")
    n = len(primals)
    columns = []
    for j in range(n):
        unit = [1.0 if k == j else 0.0 for k in range(n)]
        _, column = jvp(f, list(primals), unit)
        columns.append(column if isinstance(column, tuple) else (column,))
    return tuple(zip(*columns)) if columns[0] else ()
