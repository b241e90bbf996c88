"""Property-based gradient checks of your own functions: hypothesis strategies and an assertion.

``assert_gradients_close(f, *inputs)`` compares ``f``'s backward pass with central differences
and fails with a table of every input's analytic and numeric gradients. The strategies draw
what such a test needs: numbers away from an op's singularities (``floats_away_from``,
``op_inputs``), arrays of given or drawn shapes and dtypes (``arrays``, ``shapes``), and whole
random functions built from the engine's ops (``expressions``)::

    from hypothesis import given
    from autograd_core.testing import arrays, assert_gradients_close

    @given(arrays(shape=(3,)))
    def test_my_softsign(x):
        assert_gradients_close(lambda t: t / (1 + t.abs()), x)

This module needs hypothesis (``pip install 'autograd-core[testing]'``); ``import
autograd_core`` itself never imports it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    import hypothesis.extra.numpy as hnp
    from hypothesis import strategies as st
except ModuleNotFoundError as error:
    if not (error.name or "").startswith("hypothesis"):
        raise
    raise ImportError("autograd_core.testing needs hypothesis, which is not installed; "
                      "install it with: pip install 'autograd-core[testing]'") from error

from .gradcheck import _check_arguments, _compare_scalars, _compare_tensors, _scalar_point
from .tensor import Tensor
from .value import Value

__all__ = [
    "CAP",
    "DOMAINS",
    "EXPRESSION_OPS",
    "FLOAT32_TOLERANCE",
    "FLOAT64_TOLERANCE",
    "TENSOR_OPS",
    "VALUE_OPS",
    "Domain",
    "Expression",
    "ExpressionOp",
    "arrays",
    "assert_gradients_close",
    "expressions",
    "floats_away_from",
    "op_inputs",
    "shapes",
]

# ---- the assertion ------------------------------------------------------------------------------

# (atol, rtol): a derivative passes when |analytic - numeric| <= atol + rtol |numeric|.
FLOAT64_TOLERANCE = (1e-5, 1e-3)  # gradcheck's
# float32 keeps about 7 digits and every op of the backward pass rounds to them; the numeric
# side is float64 either way, so only the analytic side needs the looser tolerance.
FLOAT32_TOLERANCE = (1e-4, 1e-3)


def assert_gradients_close(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6,
                           atol: float | None = None, rtol: float | None = None) -> None:
    """Assert that ``f``'s backward pass agrees with central differences at ``inputs``.

    Numbers or ``Value`` inputs: ``f`` takes one ``Value`` per input and returns a ``Value``.
    With any array or ``Tensor`` among the inputs: ``f`` takes one ``Tensor`` per input, of the
    input's dtype (float32 stays float32, anything else becomes float64), and returns a
    ``Tensor`` of any shape, checked through sum(out * w) for a fixed random w (the
    vector-Jacobian product). The numeric side, (f(x + eps) - f(x - eps)) / 2 eps, is always
    computed in float64, so a float32 input is checked against the best reference there is,
    with the looser default tolerance ``FLOAT32_TOLERANCE`` (``FLOAT64_TOLERANCE`` otherwise).
    Each derivative must satisfy |analytic - numeric| <= atol + rtol |numeric|; if one does
    not, raises ``AssertionError`` (a ``GradcheckError``) whose message is a table: for each
    input its analytic and numeric gradients and which entries differ. The inputs themselves
    are left untouched.

    >>> import numpy as np
    >>> assert_gradients_close(lambda x, y: x * y.sin(), 2.0, 0.5)
    >>> assert_gradients_close(lambda t: (t * t).sum(), np.array([1.0, -2.0]))
    >>> def square_cut_off(x):  # the square, but computed outside the graph: slope 0
    ...     return Value(x.data ** 2) + 0 * x
    >>> try:
    ...     assert_gradients_close(square_cut_off, 3.0)
    ... except AssertionError as error:
    ...     print(error)  # doctest: +ELLIPSIS
    assert_gradients_close failed (eps=1e-06, atol=1e-05, rtol=0.001):
      input 0 = 3.0: analytic 0.0, numeric 6.0000...   <-- mismatch
    """
    caller = "assert_gradients_close"
    _check_arguments(caller, inputs, eps)
    tensors = any(isinstance(x, (Tensor, np.ndarray)) for x in inputs)
    arrays = [_input_array(x, i) for i, x in enumerate(inputs)] if tensors else []
    has_float32 = any(a.dtype == np.float32 for a in arrays)
    default_atol, default_rtol = FLOAT32_TOLERANCE if has_float32 else FLOAT64_TOLERANCE
    atol = default_atol if atol is None else atol
    rtol = default_rtol if rtol is None else rtol
    if tensors:
        _compare_tensors(f, arrays, eps, atol, rtol, caller)
    else:
        _compare_scalars(f, _scalar_point(inputs, caller), eps, atol, rtol, caller)


def _input_array(x: Any, i: int) -> np.ndarray:
    """A private float32 or float64 copy of input ``i`` (float32 only if it already is)."""
    data = x.data if isinstance(x, (Tensor, Value)) else x
    try:
        array = np.asarray(data)
        return np.array(array, dtype=np.float32 if array.dtype == np.float32 else np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"assert_gradients_close: input {i} is a {type(x).__name__}; expected "
                        "a number, Value, numpy array or Tensor") from None


# ---- numbers and arrays -------------------------------------------------------------------------


def floats_away_from(points: Sequence[float] = (), min_value: float = -3.0,
                     max_value: float = 3.0, margin: float = 0.05,
                     width: int = 64) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value] at least ``margin`` away from each of ``points``.

    For the inputs of ops with a kink or a pole (``abs`` or ``relu`` at 0, 1/x at 0): central
    differences across a kink measure a slope the op has on neither side. ``width=32`` draws
    only floats that float32 holds exactly. Never NaN, infinite or subnormal.

    >>> from hypothesis import given
    >>> @given(floats_away_from([0.0], -1.0, 1.0, margin=0.1))
    ... def test_away_from_zero(x):
    ...     assert 0.1 <= abs(x) <= 1.0
    >>> test_away_from_zero()
    """
    where = "floats_away_from"
    if width not in (32, 64):
        raise ValueError(f"{where}: width must be 32 or 64, got {width!r}")
    if not (math.isfinite(min_value) and math.isfinite(max_value) and min_value <= max_value):
        raise ValueError(f"{where}: need finite min_value <= max_value, got {min_value!r} "
                         f"and {max_value!r}")
    if not margin >= 0:
        raise ValueError(f"{where}: margin must be >= 0, got {margin!r}")
    pieces, start = [], float(min_value)
    for point in sorted(points):
        end = min(_step_away(point, -margin), max_value)
        if end >= start:
            pieces.append((start, end))
        start = max(start, _step_away(point, margin))
    if start <= max_value:
        pieces.append((start, float(max_value)))
    strategies = [_floats(lo, hi, width) for lo, hi in pieces]
    strategies = [s for s in strategies if s is not None]
    if not strategies:
        raise ValueError(f"{where}: no floats in [{min_value}, {max_value}] are at least "
                         f"{margin} away from {list(points)}")
    return st.one_of(*strategies)


def _step_away(point: float, step: float) -> float:
    """point + step, nudged outwards until it is at least |step| from point despite rounding."""
    moved = point + step
    while abs(moved - point) < abs(step):
        moved = float(np.nextafter(moved, math.copysign(math.inf, step)))
    return moved


def _floats(lo: float, hi: float, width: int) -> st.SearchStrategy[float] | None:
    """Floats in [lo, hi]; for width 32 the bounds move inwards to floats float32 holds."""
    # + 0.0 turns -0.0 into 0.0: hypothesis refuses the range [0.0, -0.0], which a point at
    # -0.0 with margin 0 makes, though it holds a number
    lo, hi = lo + 0.0, hi + 0.0
    if width == 32:
        lo32, hi32 = np.float32(lo), np.float32(hi)
        if float(lo32) < lo:  # compared as float64: numpy would round lo to float32 first
            lo32 = np.nextafter(lo32, np.float32(np.inf))
        if float(hi32) > hi:
            hi32 = np.nextafter(hi32, np.float32(-np.inf))
        lo, hi = float(lo32), float(hi32)
        if lo > hi:
            return None
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False,
                     width=width)


@dataclass(frozen=True)
class Domain:
    """Where an op's derivative exists: inputs above ``above`` (when set) and away from each
    of ``singular``, the points where the derivative jumps (a kink) or is infinite (a pole)."""

    above: float | None = None
    singular: tuple[float, ...] = ()


_SMOOTH = Domain()
_KINK_AT_ZERO = Domain(singular=(0.0,))

# The domains of the elementwise ops, by name. The reductions are not here: max and min have a
# kink wherever two entries tie (draw distinct entries for them).
DOMAINS: dict[str, Domain] = {
    **dict.fromkeys(["neg", "exp", "expm1", "sin", "cos", "tanh", "sigmoid", "softplus", "erf",
                     "square"], _SMOOTH),
    "log": Domain(above=0.0),
    "sqrt": Domain(above=0.0),  # its slope 1 / (2 sqrt x) is infinite at 0
    "log1p": Domain(above=-1.0),
    "pow": Domain(above=0.0),  # the base of x ** p for a fractional or negative p
    "reciprocal": _KINK_AT_ZERO,  # 1/x, or the divisor of a / x: a pole at 0
    **dict.fromkeys(["abs", "relu", "leaky_relu", "elu"], _KINK_AT_ZERO),
}


def op_inputs(op: str, min_value: float = -3.0, max_value: float = 3.0, margin: float = 0.05,
              width: int = 64) -> st.SearchStrategy[float]:
    """Floats in [min_value, max_value] inside ``op``'s domain and ``margin`` away from its
    kinks and poles (see ``DOMAINS``): positive for "log", "sqrt" and "pow" (the base), above
    -1 for "log1p", away from 0 for "abs", "relu", "leaky_relu", "elu" and "reciprocal".

    >>> from hypothesis import given
    >>> from autograd_core import Value
    >>> @given(op_inputs("log"))
    ... def test_log(x):
    ...     assert_gradients_close(Value.log, x)
    >>> test_log()
    """
    if op not in DOMAINS:
        raise ValueError(f"op_inputs: no domain known for op {op!r}; known ops: "
                         f"{', '.join(sorted(DOMAINS))} (or use floats_away_from)")
    domain = DOMAINS[op]
    points = list(domain.singular)
    if domain.above is not None:
        points.append(domain.above)
        min_value = max(min_value, domain.above)
        if min_value > max_value:
            raise ValueError(f"op_inputs: {op} needs inputs above {domain.above}, but "
                             f"max_value is {max_value!r}")
    return floats_away_from(points, min_value, max_value, margin, width)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes of ``min_dims`` to ``max_dims`` axes, each of ``min_side`` to ``max_side``
    entries (small by default: a gradient check evaluates f twice per entry).

    >>> from hypothesis import given
    >>> @given(shapes(min_dims=1, max_dims=2))
    ... def test_shape(shape):
    ...     assert 1 <= len(shape) <= 2 and all(1 <= side <= 4 for side in shape)
    >>> test_shape()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


ShapeLike = int | tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None
DtypeLike = Any  # np.float64, np.float32, "float32", ... or a strategy drawing one


def arrays(shape: ShapeLike = None, dtype: DtypeLike = np.float64,
           elements: st.SearchStrategy[float] | None = None) -> st.SearchStrategy[np.ndarray]:
    """Numpy arrays for gradient checks: float64 or float32, of a given or drawn shape.

    ``shape``: an int, a tuple, a strategy such as ``shapes(...)``, or None for ``shapes()``.
    ``dtype``: float64, float32, or a strategy drawing one, e.g.
    ``st.sampled_from([np.float64, np.float32])``. ``elements``: a strategy for the entries,
    by default floats in [-3, 3] (moderate numbers, where central differences are accurate);
    pass ``op_inputs("log")`` or ``floats_away_from(...)`` to respect an op's domain.

    >>> from hypothesis import given
    >>> @given(arrays(shape=(2, 3), dtype=np.float32, elements=op_inputs("sqrt")))
    ... def test_sqrt(x):
    ...     assert x.shape == (2, 3) and x.dtype == np.float32 and (x > 0).all()
    ...     assert_gradients_close(Tensor.sqrt, x)
    >>> test_sqrt()
    """
    if shape is None:
        shape = shapes()
    elif isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    if not isinstance(shape, st.SearchStrategy):
        shape = tuple(shape)
        if not all(isinstance(side, (int, np.integer)) and side >= 0 for side in shape):
            raise ValueError(f"arrays: shape must hold non-negative integers, got {shape!r}")
        shape = st.just(shape)
    if not isinstance(dtype, st.SearchStrategy):
        dtype = st.just(_float_dtype(dtype))
    return _arrays(shape, dtype, elements)


def _float_dtype(dtype: Any) -> np.dtype[Any]:
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise TypeError(f"arrays: dtype must be float64 or float32 (what a Tensor holds), "
                        f"got {dtype!r}")
    return result


@st.composite
def _arrays(draw: st.DrawFn, shape: st.SearchStrategy[tuple[int, ...]],
            dtype: st.SearchStrategy[Any],
            elements: st.SearchStrategy[float] | None) -> np.ndarray:
    kind = _float_dtype(draw(dtype))
    if elements is None:
        elements = floats_away_from((), -3.0, 3.0, width=8 * kind.itemsize)
    return draw(hnp.arrays(kind, draw(shape), elements=elements))


# ---- random expressions -------------------------------------------------------------------------
# A drawn expression is a small graph of ``_Node``s. Each op is one formula in the table
# ``EXPRESSION_OPS``, written once and run three ways: on Values or Tensors (the function
# itself), on ``_Range``s (interval arithmetic: the values each node can take, which bounds
# magnitudes and proves the formula keeps every operand inside its op's domain) and on
# ``_Symbol``s (the expression's source code, for hypothesis to print).

CAP = 100.0  # nodes are scaled down to stay within +-CAP: differences of big numbers lose digits
_MARGIN = 0.05  # how far an operand must stay from an op's kink, pole or domain edge


class _Range:
    """The interval [lo, hi] holding a node's values, for inputs in [-input_bound, input_bound].

    Methods mirror the ops; those with a restricted domain raise ``ValueError`` when the
    interval comes within ``_MARGIN`` of a kink, pole or domain edge.
    """

    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    @property
    def bound(self) -> float:
        return max(abs(self.lo), abs(self.hi))

    def _avoid(self, point: float, op: str) -> None:
        if self.lo - _MARGIN < point < self.hi + _MARGIN:
            raise ValueError(f"expressions: the operand of {op} may come within {_MARGIN} of "
                             f"{point} (its range is [{self.lo:.4g}, {self.hi:.4g}])")

    def _positive(self, op: str) -> None:
        if self.lo < _MARGIN:
            raise ValueError(f"expressions: the operand of {op} may be below {_MARGIN} (its "
                             f"range is [{self.lo:.4g}, {self.hi:.4g}])")

    def _increasing(self, f: Callable[[float], float]) -> _Range:
        return _Range(f(self.lo), f(self.hi))

    def _corners(self, other: Any, op: Callable[[float, float], float]) -> _Range:
        """For ops monotone in each argument (*, /, ** of positives): extremes at the corners."""
        other = _as_range(other)
        values = [op(a, b) for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return _Range(min(values), max(values))

    def __add__(self, other: Any) -> _Range:
        other = _as_range(other)
        return _Range(self.lo + other.lo, self.hi + other.hi)

    __radd__ = __add__

    def __neg__(self) -> _Range:
        return _Range(-self.hi, -self.lo)

    def __sub__(self, other: Any) -> _Range:
        return self + -_as_range(other)

    def __rsub__(self, other: Any) -> _Range:
        return -self + other

    def __mul__(self, other: Any) -> _Range:
        return self._corners(other, operator.mul)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> _Range:
        _as_range(other)._avoid(0.0, "/ (the divisor)")
        return self._corners(other, operator.truediv)

    def __rtruediv__(self, other: Any) -> _Range:
        return _as_range(other) / self

    def __pow__(self, exponent: Any) -> _Range:
        if isinstance(exponent, _Range):  # x^y = e^(y ln x): x > 0, monotone in each of x, y
            self._positive("** (with a Value exponent, the base)")
            return self._corners(exponent, pow)
        if float(exponent).is_integer() and exponent >= 0:
            if exponent % 2:
                return self._increasing(lambda x: x**exponent)
            low = 0.0 if self.lo <= 0 <= self.hi else min(abs(self.lo), abs(self.hi))
            return _Range(low**exponent, self.bound**exponent)
        self._positive(f"** {exponent} (the base)")
        return self._corners(exponent, pow)

    def __abs__(self) -> _Range:
        self._avoid(0.0, "abs")
        return _Range(min(abs(self.lo), abs(self.hi)), self.bound)

    def abs(self) -> _Range:
        return abs(self)

    def exp(self) -> _Range:
        return self._increasing(math.exp)

    def log(self) -> _Range:
        self._positive("log")
        return self._increasing(math.log)

    def sqrt(self) -> _Range:
        self._positive("sqrt")
        return self._increasing(math.sqrt)

    def log1p(self) -> _Range:
        (self + 1.0)._positive("log1p (1 + the operand)")
        return self._increasing(math.log1p)

    def expm1(self) -> _Range:
        return self._increasing(math.expm1)

    def square(self) -> _Range:
        return self**2

    def sin(self) -> _Range:
        return _Range(-1.0, 1.0)

    cos = sin

    def tanh(self) -> _Range:
        return self._increasing(math.tanh)

    def sigmoid(self) -> _Range:
        return self._increasing(lambda x: 0.5 * (1.0 + math.tanh(0.5 * x)))

    def softplus(self) -> _Range:
        return self._increasing(lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))))

    def erf(self) -> _Range:
        return self._increasing(math.erf)

    def relu(self) -> _Range:
        self._avoid(0.0, "relu")
        return self._increasing(lambda x: max(x, 0.0))

    def leaky_relu(self, alpha: float = 0.01) -> _Range:
        self._avoid(0.0, "leaky_relu")
        return self._increasing(lambda x: x if x > 0 else alpha * x)

    def elu(self, alpha: float = 1.0) -> _Range:
        self._avoid(0.0, "elu")
        return self._increasing(lambda x: x if x > 0 else alpha * math.expm1(x))

    def mean(self) -> _Range:
        return self  # a mean lies between its smallest and largest entry


def _as_range(x: Any) -> _Range:
    return x if isinstance(x, _Range) else _Range(x, x)


class _Symbol:
    """Source code standing for a node: formulas run on these build the expression's text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _binary(self, other: Any, symbol: str, reflected: bool = False) -> _Symbol:
        a, b = (_source(other), self.text) if reflected else (self.text, _source(other))
        return _Symbol(f"({a} {symbol} {b})")

    def __add__(self, other: Any) -> _Symbol:
        return self._binary(other, "+")

    def __radd__(self, other: Any) -> _Symbol:
        return self._binary(other, "+", reflected=True)

    def __sub__(self, other: Any) -> _Symbol:
        return self._binary(other, "-")

    def __rsub__(self, other: Any) -> _Symbol:
        return self._binary(other, "-", reflected=True)

    def __mul__(self, other: Any) -> _Symbol:
        return self._binary(other, "*")

    def __rmul__(self, other: Any) -> _Symbol:
        return self._binary(other, "*", reflected=True)

    def __truediv__(self, other: Any) -> _Symbol:
        return self._binary(other, "/")

    def __rtruediv__(self, other: Any) -> _Symbol:
        return self._binary(other, "/", reflected=True)

    def __pow__(self, other: Any) -> _Symbol:
        return self._binary(other, "**")

    def __neg__(self) -> _Symbol:
        return _Symbol(f"(-{self.text})")

    def __abs__(self) -> _Symbol:
        return _Symbol(f"abs({self.text})")

    def __getattr__(self, name: str) -> Callable[..., _Symbol]:
        """Any method, such as ``x0.tanh()`` or ``x0.leaky_relu(0.2)``."""
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: _Symbol(f"{self.text}.{name}({', '.join(map(_source, args))})")


def _source(x: Any) -> str:
    return x.text if isinstance(x, _Symbol) else repr(x)


@dataclass(frozen=True)
class ExpressionOp:
    """A row of ``EXPRESSION_OPS``: ``formula(*operands, *params)`` builds the op from its
    operands (Values or Tensors) and constant parameters, drawn from the strategies
    ``params``. Operands larger than ``operand_bound`` are scaled down first (exp would
    overflow). The formula guards the operands the op's domain restricts (see ``_positive``);
    drawing an expression checks those guards by interval arithmetic."""

    arity: int
    formula: Callable[..., Any]
    params: tuple[st.SearchStrategy[Any], ...] = ()
    operand_bound: float = CAP
    tensor_only: bool = False  # a Tensor method that Value lacks


def _positive(x: Any, how: str) -> Any:
    """``x`` made >= 0.1 (softplus(x) + 0.1) or >= 0.5 (x^2 + 0.5), whatever x is: the guard in
    front of log, sqrt, divisors and fractional powers."""
    return x.softplus() + 0.1 if how == "softplus" else x**2 + 0.5


def _off_zero(x: Any, sign: int, how: str) -> Any:
    """``x`` made >= 0.1 or <= -0.1, whatever x is: the guard in front of the ops with a kink at
    0 (each drawn node thus takes one side of the kink, the sign deciding which)."""
    return _positive(x, how) if sign > 0 else -_positive(x, how)


_POSITIVE = st.sampled_from(["softplus", "square"])
_SIGN = st.sampled_from([1, -1])
_NUMBER = st.floats(-2.0, 2.0).map(lambda c: round(c, 2))  # prints exactly

# To cover a new op, add its row: the formula, with the guard its domain needs, and the
# _Range method that gives its interval (and checks the guard).
EXPRESSION_OPS: dict[str, ExpressionOp] = {
    "add": ExpressionOp(2, operator.add),
    "sub": ExpressionOp(2, operator.sub),
    "mul": ExpressionOp(2, operator.mul),
    "div": ExpressionOp(2, lambda a, b, how: a / _positive(b, how), (_POSITIVE,)),
    "neg": ExpressionOp(1, operator.neg),
    # a Python number on the left: the reflected operators
    "radd": ExpressionOp(1, lambda a, c: c + a, (_NUMBER,)),
    "rsub": ExpressionOp(1, lambda a, c: c - a, (_NUMBER,)),
    "rmul": ExpressionOp(1, lambda a, c: c * a, (_NUMBER,)),
    "rdiv": ExpressionOp(1, lambda a, c, how: c / _positive(a, how), (_NUMBER, _POSITIVE)),
    "pow_integer": ExpressionOp(1, lambda a, k: a**k, (st.sampled_from([2, 3]),)),
    "pow_number": ExpressionOp(1, lambda a, p, how: _positive(a, how) ** p,
                               (st.sampled_from([-2, -1, -0.5, 0.5, 1.5]), _POSITIVE)),
    "pow_value": ExpressionOp(2, lambda a, b, how: _positive(a, how) ** b.tanh(), (_POSITIVE,)),
    "exp": ExpressionOp(1, lambda a: a.exp(), operand_bound=3.0),
    "log": ExpressionOp(1, lambda a, how: _positive(a, how).log(), (_POSITIVE,)),
    "sqrt": ExpressionOp(1, lambda a, how: _positive(a, how).sqrt(), (_POSITIVE,)),
    "sin": ExpressionOp(1, lambda a: a.sin()),
    "cos": ExpressionOp(1, lambda a: a.cos()),
    "tanh": ExpressionOp(1, lambda a: a.tanh()),
    "sigmoid": ExpressionOp(1, lambda a: a.sigmoid()),
    "softplus": ExpressionOp(1, lambda a: a.softplus()),
    "erf": ExpressionOp(1, lambda a: a.erf()),
    "relu": ExpressionOp(1, lambda a, sign, how: _off_zero(a, sign, how).relu(),
                         (_SIGN, _POSITIVE)),
    "leaky_relu": ExpressionOp(1, lambda a, sign, how, alpha: _off_zero(a, sign, how)
                               .leaky_relu(alpha),
                               (_SIGN, _POSITIVE, st.sampled_from([0.01, 0.2]))),
    "elu": ExpressionOp(1, lambda a, sign, how, alpha: _off_zero(a, sign, how).elu(alpha),
                        (_SIGN, _POSITIVE, st.sampled_from([1.0, 0.5]))),
    "abs": ExpressionOp(1, lambda a, sign, how: abs(_off_zero(a, sign, how)), (_SIGN, _POSITIVE)),
    "log1p": ExpressionOp(1, lambda a, how: (_positive(a, how) - 1.0).log1p(), (_POSITIVE,),
                          tensor_only=True),
    "expm1": ExpressionOp(1, lambda a: a.expm1(), operand_bound=3.0, tensor_only=True),
    "square": ExpressionOp(1, lambda a: a.square(), tensor_only=True),
    "mean": ExpressionOp(1, lambda a: a.mean(), tensor_only=True),
}
VALUE_OPS = tuple(name for name, op in EXPRESSION_OPS.items() if not op.tensor_only)
TENSOR_OPS = tuple(EXPRESSION_OPS)
_SCALE = ExpressionOp(1, lambda a, c: c * a)  # inserted by the drawing, never drawn itself


@dataclass(frozen=True, eq=False)  # eq=False: nodes hash by identity, so shared ones are found
class _Node:
    """An input (``op`` empty, ``index``) or ``op`` applied to ``operands`` with ``params``."""

    op: str
    operands: tuple[_Node, ...]
    params: tuple[Any, ...]
    range: _Range = field(repr=False)
    depth: int = 0
    index: int = 0


def _row(op: str) -> ExpressionOp:
    return _SCALE if op == "scale" else EXPRESSION_OPS[op]


def _make(op: str, operands: Sequence[_Node], params: Sequence[Any]) -> _Node:
    value_range = _row(op).formula(*[o.range for o in operands], *params)
    return _Node(op, tuple(operands), tuple(params), value_range,
                 1 + max(o.depth for o in operands))


def _within(node: _Node, bound: float) -> _Node:
    """``node``, or ``node`` times a power of ten that brings its range within +-bound."""
    if node.range.bound <= bound:
        return node
    return _make("scale", [node], [10.0 ** math.floor(math.log10(bound / node.range.bound))])


def _run(root: _Node, leaves: Sequence[Any]) -> Any:
    """Evaluate the graph below ``root`` on ``leaves``, each shared node once."""
    done: dict[_Node, Any] = {}

    def value(node: _Node) -> Any:
        if node not in done:
            if not node.op:
                done[node] = leaves[node.index]
            else:
                done[node] = _row(node.op).formula(*[value(o) for o in node.operands],
                                                   *node.params)
        return done[node]

    return value(root)


class Expression:
    """A function of ``n_inputs`` Values or Tensors, drawn by ``expressions``.

    Call it as the function it is. Its ``repr`` is its source, a lambda that runs on Values and
    Tensors alike: paste it into a test to replay a failure. ``ops`` names the ops it uses and
    ``range`` bounds its output for inputs in [-input_bound, input_bound].
    """

    def __init__(self, n_inputs: int, root: _Node) -> None:
        self.n_inputs = n_inputs
        self._root = root
        names = [f"x{i}" for i in range(n_inputs)]
        body = _run(root, [_Symbol(name) for name in names]).text
        self.source = f"lambda {', '.join(names)}: {body}"
        self.range = (root.range.lo, root.range.hi)
        self.ops = frozenset(_ops_below(root))

    def __call__(self, *inputs: Any) -> Any:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"expression {self.source} takes {self.n_inputs} inputs, got "
                            f"{len(inputs)}")
        return _run(self._root, inputs)

    def __repr__(self) -> str:
        return self.source


def _ops_below(node: _Node) -> set[str]:
    names = {node.op} if node.op and node.op != "scale" else set()
    for operand in node.operands:
        names |= _ops_below(operand)
    return names


def expressions(n_inputs: int = 1, max_depth: int = 3, ops: Sequence[str] | None = None,
                input_bound: float = 3.0) -> st.SearchStrategy[Expression]:
    """Random differentiable functions of ``n_inputs`` inputs, built from the engine's ops.

    Each draw is an ``Expression``: a graph of at most ``max_depth`` levels of ops from
    ``ops`` (names in ``EXPRESSION_OPS``; by default ``VALUE_OPS``, the ops of both ``Value``
    and ``Tensor``, so the function takes either; ``TENSOR_OPS`` adds Tensor-only ones such
    as ``mean``), with inputs and sub-expressions shared between ops. It is differentiable at
    every input: each op with a restricted domain gets an operand inside it by construction
    (log(softplus(x) + 0.1), relu(-(x^2 + 0.5)), ...), never near a kink or pole. For inputs in
    [-input_bound, input_bound] every node stays within +-``CAP`` (larger ones are scaled by
    a power of ten), where central differences are accurate. Tensor inputs are combined
    elementwise, so they must broadcast together.

    >>> from hypothesis import given
    >>> from autograd_core import Value
    >>> @given(expressions(n_inputs=2), floats_away_from(), floats_away_from())
    ... def test_engine(f, x, y):
    ...     assert_gradients_close(f, x, y)  # Values: f is built from Value ops
    >>> test_engine()
    """
    where = "expressions"
    if not (isinstance(n_inputs, int) and n_inputs >= 1):
        raise ValueError(f"{where}: n_inputs must be an integer >= 1, got {n_inputs!r}")
    if not (isinstance(max_depth, int) and max_depth >= 1):
        raise ValueError(f"{where}: max_depth must be an integer >= 1, got {max_depth!r}")
    if not (math.isfinite(input_bound) and input_bound > 0):
        raise ValueError(f"{where}: input_bound must be positive and finite, got "
                         f"{input_bound!r}")
    names = VALUE_OPS if ops is None else tuple(ops)
    unknown = [name for name in names if name not in EXPRESSION_OPS]
    if unknown or not names:
        raise ValueError(f"{where}: unknown ops {unknown} (or none given); choose from "
                         f"{', '.join(EXPRESSION_OPS)}")
    return _expressions(n_inputs, max_depth, names, input_bound)


@st.composite
def _expressions(draw: st.DrawFn, n_inputs: int, max_depth: int, names: tuple[str, ...],
                 input_bound: float) -> Expression:
    inputs = [_Node("", (), (), _Range(-input_bound, input_bound), 0, i)
              for i in range(n_inputs)]
    made: list[_Node] = []  # drawn so far: later ops may take them as operands too

    def operand(levels: int) -> _Node:
        """An input, a node drawn before, or a new op of at most ``levels`` levels."""
        # Shrinking moves towards the first choice: towards small expressions.
        kind = draw(st.sampled_from(["input", "op", "shared", "op"])) if levels else "input"
        shared = [node for node in made if node.depth <= levels]
        if kind == "op":
            return new_op(levels)
        if kind == "shared" and shared:
            return draw(st.sampled_from(shared))
        return inputs[draw(st.integers(0, n_inputs - 1))]

    def new_op(levels: int) -> _Node:
        name = draw(st.sampled_from(names))
        row = EXPRESSION_OPS[name]
        operands = [_within(operand(levels - 1), row.operand_bound) for _ in range(row.arity)]
        params = [draw(strategy) for strategy in row.params]
        node = _within(_make(name, operands, params), CAP)
        made.append(node)
        return node

    return Expression(n_inputs, new_op(max_depth))
