"""``Value``: a scalar node, micrograd-compatible, with each op's derivative beside its rule.

Every operation computes its result and, on the line below, its local derivatives
d(out)/d(input) for each input. ``backward`` multiplies them by the upstream
gradient (see ``engine.py``). Derivative conventions follow PyTorch:
relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = alpha.

Numbers: NaN and infinity propagate as IEEE 754 prescribes (as in PyTorch);
results too large for a float become +-inf instead of raising; a finite input
outside an op's domain (log of a non-positive number, sqrt of a negative one,
a negative base to a fractional power, division by zero) raises ``ValueError``
or ``ZeroDivisionError`` naming the op and the value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any

from . import engine
from .engine import Node

Number = int | float


def _real(x: object, op: str) -> float:
    """``x`` as a float, or a ``TypeError`` naming the op and the offending type."""
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"Value {op}: expected a real number or Value, got {type(x).__name__}")


def _as_value(x: object, op: str) -> Value:
    return x if isinstance(x, Value) else Value(_real(x, op))


def _record(data: float, op: str, parents: tuple[Value, ...],
            local_grads: tuple[float, ...]) -> Value:
    """Make an op's output node; under ``no_grad`` it keeps no parents."""
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    if engine._grad_enabled:
        out._parents = parents
        out._local_grads = local_grads
    else:
        out._parents = ()
        out._local_grads = ()
    return out


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # IEEE: too large becomes inf
        return math.inf


def _power(base: float, exponent: float, where: str = "Value **") -> float:
    """``base ** exponent`` over the reals, or a ``ValueError`` (naming ``where``) outside
    its domain. Shared by the scalar node types."""
    if base < 0 and not float(exponent).is_integer():
        raise ValueError(f"{where}: negative base {base!r} to the non-integer power "
                         f"{exponent!r} is not a real number")
    if base == 0 and exponent < 0:
        raise ValueError(f"{where}: 0.0 to the negative power {exponent!r} is undefined "
                         "(division by zero)")
    try:
        return float(base ** exponent)
    except OverflowError:
        odd_integer = float(exponent).is_integer() and int(exponent) % 2 == 1
        return -math.inf if base < 0 and odd_integer else math.inf


def _power_slope(base: float, exponent: float) -> float:
    """d/dbase base**exponent = exponent * base**(exponent - 1), with 0**p handled as PyTorch."""
    if exponent == 0:
        return 0.0
    if base == 0 and exponent < 1:
        return math.inf
    return exponent * _power(base, exponent - 1)


class ScalarComposites:
    """The operators built from the primitives ``+ * / **`` and unary minus, shared by the
    scalar node types (``Value``, and forward mode's ``Dual``); ``_lift`` turns a number into
    the type's constant."""

    __slots__ = ()

    def _lift(self, x: object, op: str) -> Any:
        raise NotImplementedError

    def __sub__(self, other: Any) -> Any:
        return self + (-self._lift(other, "-"))  # type: ignore[operator]

    def __radd__(self, other: Number) -> Any:
        return self + other  # type: ignore[operator]

    def __rsub__(self, other: Number) -> Any:
        return self._lift(other, "-") + (-self)  # type: ignore[operator]

    def __rmul__(self, other: Number) -> Any:
        return self * other  # type: ignore[operator]

    def __rtruediv__(self, other: Number) -> Any:
        return self._lift(other, "/") / self

    def __rpow__(self, base: Number) -> Any:
        return self._lift(base, "**") ** self

    def __abs__(self) -> Any:
        return self.abs()  # type: ignore[attr-defined]


class Value(ScalarComposites, Node):
    """A scalar in a computation graph: ``data`` (float), ``grad`` (float, dL/d this value)."""

    __slots__ = ("_local_grads", "label")

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value; use it directly "
                            "(or Value(v.data) for a detached copy)")
        self.data = _real(data, "constructor")
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._parents: tuple[Value, ...] = ()
        self._local_grads: tuple[float, ...] = ()

    def _parent_grads(self, upstream: float) -> list[float]:
        return [upstream * local for local in self._local_grads]

    def _lift(self, x: object, op: str) -> Value:
        return _as_value(x, op)

    def _accumulate(self, gradient: float, shared: bool) -> None:
        self.grad += gradient

    @property
    def _prev(self) -> set[Value]:
        """The parents as a set (micrograd's name, used by its graph-drawing code)."""
        return set(self._parents)

    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this value: every leaf it depends on gains d(self)/d(leaf) * grad."""
        engine.backward(self, _real(grad, "backward"))

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ---- arithmetic: the primitives ----------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        """d(a+b)/da = 1, d(a+b)/db = 1"""
        other = _as_value(other, "+")
        return _record(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __mul__(self, other: Operand) -> Value:
        """d(ab)/da = b, d(ab)/db = a"""
        other = _as_value(other, "*")
        return _record(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __truediv__(self, other: Operand) -> Value:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""
        other = _as_value(other, "/")
        if other.data == 0:
            raise ZeroDivisionError(f"Value /: division of {self.data!r} by zero")
        quotient = self.data / other.data
        return _record(quotient, "/", (self, other), (1.0 / other.data, -quotient / other.data))

    def __pow__(self, exponent: Operand) -> Value:
        """d(x^p)/dx = p x^(p-1); for a Value exponent also d(x^y)/dy = x^y ln x"""
        if not isinstance(exponent, Value):
            p = _real(exponent, "**")
            out = _power(self.data, p)
            return _record(out, f"**{exponent}", (self,), (_power_slope(self.data, p),))
        base, p = self.data, exponent.data
        if base < 0 or (base == 0 and p <= 0):
            raise ValueError(f"Value **: a Value exponent needs a positive base (d/dy x^y = "
                             f"x^y ln x), got base {base!r} and exponent {p!r}")
        out = _power(base, p)
        log_slope = out * math.log(base) if base > 0 else 0.0
        return _record(out, "**", (self, exponent), (_power_slope(base, p), log_slope))

    def __neg__(self) -> Value:
        return self * -1.0

    # ---- elementary functions ----------------------------------------------------------

    def exp(self) -> Value:
        """d/dx e^x = e^x"""
        out = _exp(self.data)
        return _record(out, "exp", (self,), (out,))

    def log(self) -> Value:
        """d/dx ln x = 1/x  (x > 0)"""
        x = self.data
        if x <= 0:
            raise ValueError(f"Value.log: the logarithm needs x > 0, got {x!r}")
        return _record(math.log(x), "log", (self,), (1.0 / x,))

    def sqrt(self) -> Value:
        """d/dx sqrt(x) = 1 / (2 sqrt(x))  (x >= 0; +inf at 0)"""
        x = self.data
        if x < 0:
            raise ValueError(f"Value.sqrt: the square root needs x >= 0, got {x!r}")
        out = math.sqrt(x)
        return _record(out, "sqrt", (self,), (0.5 / out if out else math.inf,))

    def sin(self) -> Value:
        """d/dx sin x = cos x"""
        x = self.data
        if math.isinf(x):  # math.sin raises here; IEEE says NaN
            return _record(math.nan, "sin", (self,), (math.nan,))
        return _record(math.sin(x), "sin", (self,), (math.cos(x),))

    def cos(self) -> Value:
        """d/dx cos x = -sin x"""
        x = self.data
        if math.isinf(x):
            return _record(math.nan, "cos", (self,), (math.nan,))
        return _record(math.cos(x), "cos", (self,), (-math.sin(x),))

    def abs(self) -> Value:
        """d/dx |x| = sign(x), with sign(0) = 0"""
        x = self.data
        return _record(abs(x), "abs", (self,), (1.0 if x > 0 else -1.0 if x < 0 else 0.0,))

    # ---- activation functions ----------------------------------------------------------

    def tanh(self) -> Value:
        """d/dx tanh x = 1 - tanh^2 x  (math.tanh saturates to exactly +-1, never overflows)"""
        t = math.tanh(self.data)
        return _record(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """d/dx s(x) = s(x) (1 - s(x)), with s(x) = 1 / (1 + e^-x)"""
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # e^x cannot overflow here, whereas e^-x could
            e = math.exp(x)
            s = e / (1.0 + e)
        return _record(s, "sigmoid", (self,), (s * (1.0 - s),))

    def relu(self) -> Value:
        """d/dx max(x, 0) = 1 if x > 0 else 0"""
        x = self.data
        out = 0.0 if x <= 0 else x  # NaN fails `x <= 0` and so propagates
        return _record(out, "ReLU", (self,), (1.0 if x > 0 else 0.0,))

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """d/dx = 1 if x > 0 else alpha"""
        x = self.data
        if x > 0:
            return _record(x, "leaky_relu", (self,), (1.0,))
        return _record(alpha * x, "leaky_relu", (self,), (alpha,))

    def elu(self, alpha: float = 1.0) -> Value:
        """elu(x) = x if x > 0 else alpha (e^x - 1);  d/dx = 1 if x > 0 else alpha e^x"""
        x = self.data
        if x > 0:
            return _record(x, "elu", (self,), (1.0,))
        return _record(alpha * math.expm1(x), "elu", (self,), (alpha * math.exp(x),))

    def softplus(self) -> Value:
        """softplus(x) = ln(1 + e^x);  d/dx = sigmoid(x)"""
        x = self.data
        if x > 0:  # x + ln(1 + e^-x): no overflow, and no jump where a cutoff would switch to x
            e = math.exp(-x)
            return _record(x + math.log1p(e), "softplus", (self,), (1.0 / (1.0 + e),))
        e = math.exp(x)
        return _record(math.log1p(e), "softplus", (self,), (e / (e + 1.0),))


Operand = Value | int | float


def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """bias + sum_i w_i x_i as one node:  d/dw_i = x_i,  d/dx_i = w_i,  d/dbias = 1.

    The sum runs left to right from ``bias``, exactly like micrograd's neuron
    ``sum((wi*xi for ...), b)``, so results agree bit for bit with it.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs; "
                         "they must have the same length")
    w_nodes = [_as_value(w, "dot") for w in weights]
    x_nodes = [_as_value(x, "dot") for x in inputs]
    b_node = _as_value(bias, "dot")
    w_data = [w.data for w in w_nodes]
    x_data = [x.data for x in x_nodes]
    total = b_node.data
    for w, x in zip(w_data, x_data):
        total += w * x
    return _record(total, "dot", (*w_nodes, *x_nodes, b_node), (*x_data, *w_data, 1.0))


def values(numbers: Iterable[Number]) -> list[Value]:
    """Wrap each number in a fresh leaf ``Value``."""
    return [Value(x) for x in numbers]
