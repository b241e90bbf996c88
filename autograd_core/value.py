"""``Value``: a scalar node, micrograd-compatible, with each op's derivative beside its rule.

Every operation computes its result and, right below it, names a function giving its local
derivatives d(out)/d(input) from the inputs and the output (a class attribute, made once: a
lambda per node would cost time and memory on every operation). That function is written once,
with operators and the small helpers below that work on floats and on Values alike: the
forward pass calls it with floats (the numbers ``backward`` multiplies by the upstream
gradient, see ``engine.py``), and ``backward(create_graph=True)`` calls it with the nodes
themselves, so that the gradient is a graph too and can be differentiated again.
Derivative conventions follow PyTorch: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = alpha.

Numbers: NaN and infinity propagate as IEEE 754 prescribes (as in PyTorch);
results too large for a float become +-inf instead of raising; a finite input
outside an op's domain (log of a non-positive number, sqrt of a negative one,
a negative base to a fractional power, division by zero) raises ``ValueError``
or ``ZeroDivisionError`` naming the op and the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from typing import Any

from . import engine
from .engine import Node, _grad_mode

Number = int | float


def _real(x: object, op: str) -> float:
    """``x`` as a float, or a ``TypeError`` naming the op and the offending type."""
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"Value {op}: expected a real number or Value, got {type(x).__name__}")


def _as_value(x: object, op: str) -> Value:
    return x if isinstance(x, Value) else Value(_real(x, op))


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

Scalar = Any  # a float on the fast path, a Value when the gradient's graph is being built
Derivative = Callable[..., tuple[Scalar, ...]]


def _record(data: float, op: str, parents: tuple[Value, ...], derivative: Derivative,
            local_grads: tuple[float, ...] | None = None) -> Value:
    """Make an op's output node; under ``no_grad`` it keeps no parents.

    ``derivative(*parents, out)`` gives d(out)/d(parent) for each parent; it is evaluated on
    the floats now (unless the op passes those numbers as ``local_grads``), and on the nodes
    again if a ``create_graph`` pass needs them.
    """
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._pending = None
    if _grad_mode.get():
        out._parents = parents
        out._derivative = derivative
        if local_grads is not None:
            out._local_grads = local_grads
        elif len(parents) == 1:  # most ops: no list of operands to build
            out._local_grads = derivative(parents[0].data, data)
        elif len(parents) == 2:
            out._local_grads = derivative(parents[0].data, parents[1].data, data)
        else:
            out._local_grads = derivative(*[parent.data for parent in parents], data)
    else:
        out._parents = ()
        out._derivative = _no_inputs
        out._local_grads = ()
    return out


def _no_inputs(out: Scalar) -> tuple[Scalar, ...]:
    return ()


def _exponent_slope(x: Scalar, y: Scalar, out: Scalar) -> Scalar:
    """d/dy x^y = x^y ln x for x > 0; where x = 0 the limit from the right, 0 for y >= 0 and
    -inf for y < 0 (as PyTorch); NaN for x < 0 (reached only by infinite or NaN operands: a
    finite non-positive base raises when the power is taken)."""
    if _data(x) > 0:
        return out * _log(x)
    if _data(x) == 0:
        return 0.0 if _data(y) >= 0 else -math.inf
    return math.nan


def _same_number(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)  # NaN is the same NaN


# ---- functions of floats or Values, for derivatives written once for both ----------------------


def _data(x: Scalar) -> float:
    """The number behind a float or a Value (branches and masks need numbers, not nodes)."""
    return x.data if isinstance(x, Value) else x


def _exp(x: Scalar) -> Scalar:
    if isinstance(x, Value):
        return x.exp()
    try:
        return math.exp(x)
    except OverflowError:  # IEEE: too large becomes inf
        return math.inf


def _log(x: Scalar) -> Scalar:
    return x.log() if isinstance(x, Value) else math.log(x)


def _sin(x: Scalar) -> Scalar:
    if isinstance(x, Value):
        return x.sin()
    return math.nan if math.isinf(x) else math.sin(x)  # math.sin raises at inf; IEEE says NaN


def _cos(x: Scalar) -> Scalar:
    if isinstance(x, Value):
        return x.cos()
    return math.nan if math.isinf(x) else math.cos(x)


def _sigmoid(x: Scalar) -> Scalar:
    """1 / (1 + e^-x), computed so that no exponential can overflow."""
    if isinstance(x, Value):
        return x.sigmoid()
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # e^x cannot overflow here, whereas e^-x could
    return e / (1.0 + e)


def _power(base: float, exponent: float, where: str = "Value **") -> float:
    """``base ** exponent`` over the reals, or a ``ValueError`` (naming ``where``) for finite
    numbers outside its domain; with an infinite or NaN operand, the IEEE (C99) ``pow``
    answer, such as (-2)^inf = inf. Shared by the scalar node types."""
    finite = math.isfinite(base) and math.isfinite(exponent)
    if finite and base < 0 and not float(exponent).is_integer():
        raise ValueError(f"{where}: negative base {base!r} to the non-integer power "
                         f"{exponent!r} is not a real number")
    if finite and base == 0 and exponent < 0:
        raise ValueError(f"{where}: 0.0 to the negative power {exponent!r} is undefined "
                         "(division by zero)")
    try:
        return float(base ** exponent)
    except OverflowError:
        odd_integer = float(exponent).is_integer() and int(exponent) % 2 == 1
        return -math.inf if base < 0 and odd_integer else math.inf


def _power_slope(base: Scalar, exponent: Scalar) -> Scalar:
    """d/dbase base**exponent = exponent * base**(exponent - 1), with 0**p handled as PyTorch."""
    if isinstance(exponent, Value) and _data(base) > 0:
        return exponent * base ** (exponent - 1)  # a function of the exponent even where it is 0
    if _data(exponent) == 0:
        return 0.0
    if _data(base) == 0 and _data(exponent) < 1:  # p * 0^(p - 1) with 0^(p - 1) infinite
        return math.copysign(math.inf, _data(exponent))
    if isinstance(base, Value) or isinstance(exponent, Value):
        return exponent * base ** (exponent - 1)
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

    __slots__ = ("_derivative", "_local_grads", "label")

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value; use it directly "
                            "(or Value(v.data) for a detached copy)")
        self.data = _real(data, "constructor")
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._pending = None
        self._parents: tuple[Value, ...] = ()
        self._derivative: Derivative = _no_inputs
        self._local_grads: tuple[float, ...] = ()

    def _parent_grads(self, upstream: float | Value) -> list[float | Value]:
        if isinstance(upstream, Value):  # create_graph: the local derivatives become nodes too
            local_grads = self._derivative(*self._parents, self)
            self._check_unchanged(local_grads)
            return [upstream * local for local in local_grads]
        return [upstream * local for local in self._local_grads]

    @staticmethod
    def _propagate(order: list[Node], empty: object, keep_grads: bool) -> None:
        """``Node._propagate`` written out for floats: the hot loop of a scalar backward pass,
        one multiplication per edge by the local derivative the forward pass stored."""
        for node in order:
            upstream = node._pending
            if keep_grads:
                node.grad = upstream
            for parent, local in zip(node._parents, node._local_grads):
                pending = parent._pending
                parent._pending = (upstream * local if pending is empty
                                   else pending + upstream * local)

    def _check_unchanged(self, local_grads: Sequence[Value | float]) -> None:
        """The derivatives rebuilt from the nodes must be the numbers the forward pass found;
        if not, someone changed a ``.data`` since, and the gradient's graph would mix the old
        values (which the plain backward uses) with the new ones."""
        for then, now in zip(self._local_grads, local_grads):
            if not _same_number(_data(then), _data(now)):
                raise RuntimeError(
                    f"backward(create_graph=True): the .data of an input or of the output of "
                    f"op {self._op!r} changed after the forward pass (its derivative was "
                    f"{_data(then)!r}, it is now {_data(now)!r}); change .data only after "
                    "backward")

    def _lift(self, x: object, op: str) -> Value:
        return _as_value(x, op)

    def _accumulate(self, gradient: float) -> None:
        # None (set by zero_grad) means "no gradient yet", as for a Tensor
        self.grad = gradient if self.grad is None else self.grad + gradient

    def __getstate__(self) -> dict[str, Any]:
        """What pickling and copying keep: the number, the gradient's value and the label.
        The graph is not kept (derivatives may be closures), so a copy is always a leaf."""
        grad = self.grad.data if isinstance(self.grad, Value) else self.grad
        return {"data": self.data, "grad": grad, "label": self.label}

    def __setstate__(self, state: dict[str, Any]) -> None:
        Value.__init__(self, state["data"], state["label"])
        self.grad = state["grad"]

    @property
    def _prev(self) -> set[Value]:
        """The parents as a set (micrograd's name, used by its graph-drawing code)."""
        return set(self._parents)

    def backward(self, grad: float = 1.0, create_graph: bool = False, *,
                 retain_graph: bool | None = None) -> None:
        """Backpropagate from this value: every leaf it depends on gains d(self)/d(leaf) * grad.

        With ``create_graph=True`` the gradients are Values with a graph of their own (leaves'
        ``grad`` become Values), so they can be differentiated again: grad of grad.
        ``retain_graph`` is accepted for PyTorch code and changes nothing: graphs are always
        kept, so backward may run through one graph again.
        """
        if isinstance(grad, Value):  # _real's message would offer a Value
            raise TypeError("Value.backward: grad (the seed dL/dself) must be a number, got a "
                            "Value; pass its .data")
        seed = _real(grad, "backward")
        engine.backward(self, Value(seed) if create_graph else seed, create_graph)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    def item(self) -> float:
        """The number, as PyTorch's ``item()`` of a one-element tensor."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __int__(self) -> int:
        return int(self.data)  # toward zero, as int(3.7)

    # ---- arithmetic: the primitives ----------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        """d(a+b)/da = 1, d(a+b)/db = 1"""
        other = other if other.__class__ is Value else _as_value(other, "+")
        return _record(self.data + other.data, "+", (self, other), Value._add_slopes)

    _add_slopes = staticmethod(lambda a, b, out: (1.0, 1.0))

    def __mul__(self, other: Operand) -> Value:
        """d(ab)/da = b, d(ab)/db = a"""
        other = other if other.__class__ is Value else _as_value(other, "*")
        return _record(self.data * other.data, "*", (self, other), Value._mul_slopes)

    _mul_slopes = staticmethod(lambda a, b, out: (b, a))

    def __truediv__(self, other: Operand) -> Value:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""
        other = other if other.__class__ is Value else _as_value(other, "/")
        if other.data == 0:
            raise ZeroDivisionError(f"Value /: division of {self.data!r} by zero")
        return _record(self.data / other.data, "/", (self, other), Value._div_slopes)

    _div_slopes = staticmethod(lambda a, b, out: (1.0 / b, -out / b))

    def __pow__(self, exponent: Operand) -> Value:
        """d(x^p)/dx = p x^(p-1); for a Value exponent also d(x^y)/dy = x^y ln x"""
        if not isinstance(exponent, Value):
            p = _real(exponent, "**")
            return _record(_power(self.data, p), f"**{exponent}", (self,),
                           lambda x, out: (_power_slope(x, p),))
        base, p = self.data, exponent.data
        if math.isfinite(base) and math.isfinite(p) and (base < 0 or (base == 0 and p <= 0)):
            raise ValueError(f"Value **: a Value exponent needs a positive base (d/dy x^y = "
                             f"x^y ln x), got base {base!r} and exponent {p!r}")
        return _record(_power(base, p), "**", (self, exponent), Value._pow_slopes)

    _pow_slopes = staticmethod(lambda x, y, out: (_power_slope(x, y), _exponent_slope(x, y, out)))

    def __neg__(self) -> Value:
        return self * -1.0

    # ---- elementary functions ----------------------------------------------------------

    def exp(self) -> Value:
        """d/dx e^x = e^x"""
        return _record(_exp(self.data), "exp", (self,), Value._exp_slope)

    _exp_slope = staticmethod(lambda x, out: (out,))

    def log(self) -> Value:
        """d/dx ln x = 1/x  (x > 0; ln(-inf) is NaN, as in numpy)"""
        x = self.data
        if x <= 0 and math.isfinite(x):
            raise ValueError(f"Value.log: the logarithm needs x > 0, got {x!r}")
        return _record(math.nan if x < 0 else math.log(x), "log", (self,), Value._log_slope)

    _log_slope = staticmethod(lambda x, out: (1.0 / x,))

    def sqrt(self) -> Value:
        """d/dx sqrt(x) = 1 / (2 sqrt(x))  (x >= 0; +inf at 0)"""
        x = self.data
        if x < 0 and math.isfinite(x):
            raise ValueError(f"Value.sqrt: the square root needs x >= 0, got {x!r}")
        return _record(math.nan if x < 0 else math.sqrt(x), "sqrt", (self,), Value._sqrt_slope)

    _sqrt_slope = staticmethod(lambda x, out: (  # 1 / (2 * -0.0) = -inf, as in numpy
        0.5 / out if _data(out) else math.copysign(math.inf, _data(out)),))

    def sin(self) -> Value:
        """d/dx sin x = cos x"""
        return _record(_sin(self.data), "sin", (self,), Value._sin_slope)

    _sin_slope = staticmethod(lambda x, out: (_cos(x),))

    def cos(self) -> Value:
        """d/dx cos x = -sin x"""
        return _record(_cos(self.data), "cos", (self,), Value._cos_slope)

    _cos_slope = staticmethod(lambda x, out: (-_sin(x),))

    def abs(self) -> Value:
        """d/dx |x| = sign(x), with sign(0) = 0"""
        return _record(abs(self.data), "abs", (self,), Value._abs_slope)

    _abs_slope = staticmethod(lambda x, out: (  # a constant: its own derivative is 0
        1.0 if _data(x) > 0 else -1.0 if _data(x) < 0 else 0.0,))

    # ---- activation functions ----------------------------------------------------------

    def tanh(self) -> Value:
        """d/dx tanh x = 1 - tanh^2 x  (math.tanh saturates to exactly +-1, never overflows)"""
        return _record(math.tanh(self.data), "tanh", (self,), Value._tanh_slope)

    _tanh_slope = staticmethod(lambda x, t: (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """d/dx s(x) = s(x) (1 - s(x)), with s(x) = 1 / (1 + e^-x)"""
        return _record(_sigmoid(self.data), "sigmoid", (self,), Value._sigmoid_slope)

    _sigmoid_slope = staticmethod(lambda x, s: (s * (1.0 - s),))

    def relu(self) -> Value:
        """d/dx max(x, 0) = 0 if x <= 0 else 1"""
        x = self.data
        out = 0.0 if x <= 0 else x  # NaN fails `x <= 0` and so propagates
        return _record(out, "ReLU", (self,), Value._relu_slope)

    # NaN is not <= 0 either: its gradient passes, as in PyTorch
    _relu_slope = staticmethod(lambda x, out: (0.0 if _data(x) <= 0 else 1.0,))

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """d/dx = 1 if x > 0 else alpha"""
        x = self.data
        if x > 0:
            return _record(x, "leaky_relu", (self,), Value._identity_slope)
        return _record(alpha * x, "leaky_relu", (self,), lambda x, out: (alpha,))

    def elu(self, alpha: float = 1.0) -> Value:
        """elu(x) = x if x > 0 else alpha (e^x - 1);  d/dx = 1 if x > 0 else alpha e^x"""
        x = self.data
        if x > 0:
            return _record(x, "elu", (self,), Value._identity_slope)
        return _record(alpha * math.expm1(x), "elu", (self,), lambda x, out: (alpha * _exp(x),))

    def softplus(self) -> Value:
        """softplus(x) = ln(1 + e^x);  d/dx = sigmoid(x)"""
        x = self.data
        # x + ln(1 + e^-x) for x > 0: no overflow, and no jump where a cutoff would switch to x
        out = x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))
        return _record(out, "softplus", (self,), Value._softplus_slope)

    _softplus_slope = staticmethod(lambda x, out: (_sigmoid(x),))

    def erf(self) -> Value:
        """erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt;  d/dx = 2/sqrt(pi) e^(-x^2)"""
        return _record(math.erf(self.data), "erf", (self,), Value._erf_slope)

    _erf_slope = staticmethod(lambda x, out: (_TWO_OVER_SQRT_PI * _exp(-(x * x)),))
    _identity_slope = staticmethod(lambda x, out: (1.0,))  # where an activation is x itself


Operand = Value | int | float


def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """bias + sum_i w_i x_i as one node:  d/dw_i = x_i,  d/dx_i = w_i,  d/dbias = 1.

    The sum runs left to right from ``bias``, exactly like micrograd's neuron
    ``sum((wi*xi for ...), b)``, so results agree bit for bit with it.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs; "
                         "they must have the same length")
    w_nodes = [w if w.__class__ is Value else _as_value(w, "dot") for w in weights]
    x_nodes = [x if x.__class__ is Value else _as_value(x, "dot") for x in inputs]
    b_node = _as_value(bias, "dot")
    w_data = [w.data for w in w_nodes]
    x_data = [x.data for x in x_nodes]
    total = b_node.data
    for w, x in zip(w_data, x_data):
        total += w * x
    # the derivatives are the numbers at hand: no need to unpack them again in _dot_slopes
    return _record(total, "dot", (*w_nodes, *x_nodes, b_node), _dot_slopes,
                   (*x_data, *w_data, 1.0))


def _dot_slopes(*wxb_out: Scalar) -> tuple[Scalar, ...]:
    """(w_1..w_n, x_1..x_n, bias, out) -> (x_1..x_n, w_1..w_n, 1)"""
    n = (len(wxb_out) - 2) // 2
    return (*wxb_out[n:2 * n], *wxb_out[:n], 1.0)


def values(numbers: Iterable[Number]) -> list[Value]:
    """Wrap each number in a fresh leaf ``Value``."""
    return [Value(x) for x in numbers]
