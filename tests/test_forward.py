"""Forward mode: ``Dual`` rules against finite differences and ``Value``, and ``jvp`` / Jacobians.

The centrepiece draws random programs (plain data: input count, instructions, outputs) and runs
the *same* program on ``Dual`` (``forward_jacobian``) and on ``Value`` (one ``backward`` per
output): the two Jacobians must agree. Domain-restricted ops get operands made positive or
squashed by construction, as in test_value_properties.py, so values stay moderate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_core import Value
from autograd_core import dot as value_dot
from autograd_core.forward import Dual, dot, forward_jacobian, jvp

BOUND = 1e3  # reject programs whose values grow beyond this (comparisons stay meaningful)
REL = 1e-9  # forward vs reverse: the same rules, summed in a different order


def close(a: float, b: float, rel: float = REL) -> bool:
    """Relative agreement, with an absolute floor of ``rel`` near zero (sums may cancel)."""
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


# ---- random programs, runnable on Value and on Dual --------------------------------------

def positive(v: Any) -> Any:
    return v * v + 0.5


def squash(v: Any) -> Any:
    return v.tanh()


def _pow_num(v: Any, p: float) -> Any:
    return v**p if float(p).is_integer() and p >= 0 else positive(v) ** p


# name -> (arity, apply(operands, constant)); ``c`` is a drawn number in [0.25, 3]
OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "add": (2, lambda a, b, c: a + b),
    "sub": (2, lambda a, b, c: a - b),
    "mul": (2, lambda a, b, c: a * b),
    "div": (2, lambda a, b, c: a / positive(b)),
    "pow_value": (2, lambda a, b, c: positive(a) ** (2 * squash(b))),
    "dot": (2, lambda a, b, c: value_or_dual_dot(a, [a, b], [b, c], c)),
    "add_num": (1, lambda a, c: a + c),
    "sub_num": (1, lambda a, c: a - c),
    "mul_num": (1, lambda a, c: a * c),
    "div_num": (1, lambda a, c: a / c),
    "pow_int": (1, lambda a, c: _pow_num(a, round(c))),
    "pow_frac": (1, lambda a, c: _pow_num(a, -c)),
    "radd": (1, lambda a, c: c + a),
    "rsub": (1, lambda a, c: c - a),
    "rmul": (1, lambda a, c: c * a),
    "rdiv": (1, lambda a, c: c / positive(a)),
    "rpow": (1, lambda a, c: c ** squash(a)),
    "neg": (1, lambda a, c: -a),
    "exp": (1, lambda a, c: squash(a).exp()),
    "log": (1, lambda a, c: positive(a).log()),
    "sqrt": (1, lambda a, c: positive(a).sqrt()),
    "sin": (1, lambda a, c: a.sin()),
    "cos": (1, lambda a, c: a.cos()),
    "abs": (1, lambda a, c: a.abs()),
    "builtin_abs": (1, lambda a, c: abs(a)),
    "tanh": (1, lambda a, c: a.tanh()),
    "sigmoid": (1, lambda a, c: a.sigmoid()),
    "relu": (1, lambda a, c: a.relu()),
    "leaky_relu": (1, lambda a, c: a.leaky_relu(c / 10)),
    "elu": (1, lambda a, c: a.elu(c)),
    "softplus": (1, lambda a, c: a.softplus()),
    "erf": (1, lambda a, c: a.erf()),
}


def value_or_dual_dot(like: Any, weights: list[Any], inputs: list[Any], bias: Any) -> Any:
    """The module-level ``dot`` that matches the operands' type."""
    return (dot if isinstance(like, Dual) else value_dot)(weights, inputs, bias)


Instruction = tuple[str, tuple[float, ...], float]


def run(program: tuple[int, list[Instruction], int], xs: Sequence[Any]) -> tuple[Any, ...]:
    """Evaluate the program on inputs ``xs``: outputs are its last node and, for a second one,
    the sum of every node it computed (so every instruction reaches an output)."""
    _, instructions, n_out = program
    nodes = list(xs)
    for name, picks, c in instructions:
        arity, apply = OPS[name]
        operands = [nodes[int(p * len(nodes))] for p in picks[:arity]]
        nodes.append(apply(*operands, c))
    computed = nodes[len(xs):]
    total = computed[0]
    for node in computed[1:]:
        total = total + node
    return (nodes[-1], total)[:n_out]


@st.composite
def programs(draw: st.DrawFn) -> tuple[tuple[int, list[Instruction], int], list[float]]:
    n_in = draw(st.integers(1, 3))
    unit = st.floats(0.0, 1.0, exclude_max=True)
    instructions = draw(st.lists(
        st.tuples(st.sampled_from(sorted(OPS)), st.tuples(unit, unit), st.floats(0.25, 3.0)),
        min_size=1, max_size=8))
    n_out = draw(st.integers(1, 2))
    xs = draw(st.lists(st.floats(-2.0, 2.0), min_size=n_in, max_size=n_in))
    return (n_in, instructions, n_out), xs


def reverse_jacobian(program: tuple[int, list[Instruction], int],
                     xs: list[float]) -> list[list[float]]:
    """Row i: gradients of output i from one ``backward`` on a fresh Value graph."""
    rows = []
    for i in range(program[2]):
        leaves = [Value(x) for x in xs]
        run(program, leaves)[i].backward()
        rows.append([leaf.grad for leaf in leaves])
    return rows


@settings(max_examples=200, deadline=None)
@given(programs())
def test_forward_and_reverse_jacobians_agree(case: Any) -> None:
    program, xs = case
    outputs = run(program, [Value(x) for x in xs])
    assume(all(abs(o.data) < BOUND for o in outputs))
    reverse = reverse_jacobian(program, xs)
    assume(all(abs(g) < BOUND for row in reverse for g in row))
    forward = forward_jacobian(lambda *args: run(program, args), *xs)
    assert len(forward) == len(reverse)
    for f_row, r_row in zip(forward, reverse):
        assert len(f_row) == len(r_row)
        assert all(close(f, r) for f, r in zip(f_row, r_row)), (forward, reverse)


# ---- each op's tangent against central finite differences ---------------------------------

UNARY: dict[str, Callable[[Any], Any]] = {
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "abs": lambda x: x.abs(),
    "builtin_abs": lambda x: abs(x),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.2),
    "elu": lambda x: x.elu(1.5),
    "softplus": lambda x: x.softplus(),
    "erf": lambda x: x.erf(),
    "neg": lambda x: -x,
    "pow_int": lambda x: x**3,
    "pow_frac": lambda x: x**-1.5,
    "add_num": lambda x: x + 2.5,
    "sub_num": lambda x: x - 2.5,
    "mul_num": lambda x: x * 2.5,
    "div_num": lambda x: x / 2.5,
    "radd": lambda x: 2.5 + x,
    "rsub": lambda x: 2.5 - x,
    "rmul": lambda x: 2.5 * x,
    "rdiv": lambda x: 2.5 / x,
    "rpow": lambda x: 2.5**x,
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow_value": lambda x, y: x**y,
    "dot": lambda x, y: value_or_dual_dot(x, [x, 2.0], [y, x], y),
}
# Points away from kinks and inside every unary op's domain (log, sqrt, x**-1.5 need x > 0).
POINTS = [0.3, 0.9, 1.7, 2.6]
NEGATIVE_OK = {"exp", "sin", "cos", "abs", "builtin_abs", "tanh", "sigmoid", "relu",
               "leaky_relu", "elu", "softplus", "erf", "neg", "pow_int", "add_num", "sub_num",
               "mul_num", "div_num", "radd", "rsub", "rmul", "rdiv", "rpow"}
H = 1e-6


def central(g: Callable[[float], float], x: float) -> float:
    return (g(x + H) - g(x - H)) / (2 * H)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_tangent_matches_finite_differences(name: str) -> None:
    f = UNARY[name]
    points = POINTS + ([-p for p in POINTS] if name in NEGATIVE_OK else [])
    for x in points:
        out = f(Dual(x, 1.0))
        assert out.primal == f(Value(x)).data  # same primal rule as Value
        numeric = central(lambda t: f(Dual(t)).primal, x)
        assert close(out.tangent, numeric, 1e-6), (name, x, out.tangent, numeric)


@pytest.mark.parametrize(("x", "y"), [(0.3, 1.7), (2.6, 0.9), (1.2, -0.8)])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_tangents_match_finite_differences(name: str, x: float, y: float) -> None:
    f = BINARY[name]
    d_dx = f(Dual(x, 1.0), Dual(y, 0.0)).tangent
    d_dy = f(Dual(x, 0.0), Dual(y, 1.0)).tangent
    assert close(d_dx, central(lambda t: f(Dual(t), Dual(y)).primal, x), 1e-6)
    assert close(d_dy, central(lambda t: f(Dual(x), Dual(t)).primal, y), 1e-6)
    # a direction mixing both inputs is the same linear combination
    mixed = f(Dual(x, 0.5), Dual(y, -2.0)).tangent
    assert close(mixed, 0.5 * d_dx - 2.0 * d_dy)


@pytest.mark.parametrize(("f", "slope"), [
    (lambda x: x.relu(), 0.0),
    (lambda x: x.abs(), 0.0),
    (lambda x: x.leaky_relu(0.3), 0.3),
    (lambda x: x.leaky_relu(), 0.01),
    (lambda x: x.elu(2.0), 2.0),
])
def test_kinks_follow_pytorch_conventions(f: Callable[[Any], Any], slope: float) -> None:
    assert f(Dual(0.0, 1.0)).tangent == slope
    x = Value(0.0)
    f(x).backward()
    assert x.grad == slope  # the same convention as reverse mode


def test_constants_have_zero_tangent_and_ops_accept_ints() -> None:
    x = Dual(3.0, 1.0)
    out = 2 * x**2 + 1 - x / 4
    assert (out.primal, out.tangent) == (18.25, 11.75)
    assert Dual(5).tangent == 0.0


def test_sqrt_slope_at_zero_is_infinite_like_value() -> None:
    assert Dual(0.0, 1.0).sqrt().tangent == math.inf


# ---- jvp ------------------------------------------------------------------------------------

def two_outputs(x: Any, y: Any, z: Any) -> tuple[Any, Any]:
    return x * y + z.sin(), x.exp() / y


def hand_jacobian(x: float, y: float, z: float) -> list[list[float]]:
    return [[y, x, math.cos(z)],
            [math.exp(x) / y, -math.exp(x) / y**2, 0.0]]


def test_jvp_multiple_inputs_and_outputs_against_hand_jacobian() -> None:
    point, direction = [1.0, 2.0, 3.0], [0.5, -1.0, 2.0]
    values, product = jvp(two_outputs, point, direction)
    assert values == (2.0 + math.sin(3.0), math.exp(1.0) / 2.0)
    expected = [sum(j * v for j, v in zip(row, direction)) for row in hand_jacobian(*point)]
    assert isinstance(product, tuple) and len(product) == 2
    assert all(close(p, e) for p, e in zip(product, expected))


def test_forward_jacobian_against_hand_jacobian() -> None:
    jac = forward_jacobian(two_outputs, 1.0, 2.0, 3.0)
    expected = hand_jacobian(1.0, 2.0, 3.0)
    assert all(close(a, b) for row, e_row in zip(jac, expected) for a, b in zip(row, e_row))


def test_scalar_jvp_returns_floats() -> None:
    value, slope = jvp(lambda x: (x * x + (x * x).exp()).sqrt(), 0.5, 1.0)
    c = 0.25 + math.exp(0.25)
    assert value == pytest.approx(math.sqrt(c))
    assert slope == pytest.approx(0.5 * (1 + math.exp(0.25)) / math.sqrt(c))
    assert isinstance(value, float) and isinstance(slope, float)


def test_scalar_output_jacobian_is_one_row_and_constant_outputs_have_zero_slope() -> None:
    assert forward_jacobian(lambda x, y: x * y, 2.0, 3.0) == ((3.0, 2.0),)
    assert jvp(lambda x: (x, 7), [1.0], [1.0]) == ((1.0, 7.0), (1.0, 0.0))


def test_jvp_runs_f_once_and_the_jacobian_once_per_input() -> None:
    calls = []

    def f(x: Any, y: Any) -> Any:
        calls.append(1)
        return x * y

    jvp(f, [1.0, 2.0], [1.0, 1.0])
    assert len(calls) == 1
    forward_jacobian(f, 1.0, 2.0)
    assert len(calls) == 3


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("thunk", "error", "match"), [
    (lambda: Dual(0.0).log(), ValueError, "log"),
    (lambda: Dual(-1.0).sqrt(), ValueError, "sqrt"),
    (lambda: Dual(1.0) / 0, ZeroDivisionError, "by zero"),
    (lambda: 1 / Dual(0.0), ZeroDivisionError, "by zero"),
    (lambda: Dual(-2.0) ** 0.5, ValueError, "negative base"),
    (lambda: Dual(0.0) ** -1, ValueError, "negative power"),
    (lambda: Dual(-2.0) ** Dual(2.0), ValueError, "positive base"),
    (lambda: (-2.0) ** Dual(2.0), ValueError, "positive base"),
    (lambda: Dual(1.0) + "a", TypeError, "str"),
    (lambda: Dual(1.0) * Value(2.0), TypeError, "Value"),
    (lambda: Dual(True), TypeError, "bool"),
    (lambda: Dual(Dual(1.0)), TypeError, "already a Dual"),
    (lambda: dot([Dual(1.0)], []), ValueError, "same length"),
    (lambda: jvp(lambda x, y: x * y, [1.0, 2.0], [1.0]), ValueError, "same shape"),
    (lambda: jvp(lambda x: x, 1.0, [1.0]), ValueError, "same shape"),
    (lambda: jvp(lambda x: x, "1", 1.0), TypeError, "primals"),
    (lambda: jvp(lambda x: x, [None], [1.0]), TypeError, "primals"),
    (lambda: jvp(lambda x: x, 1.0, True), TypeError, "tangents"),
    (lambda: jvp(lambda x: math.exp(x), 1.0, 1.0), TypeError, "Dual"),
    (lambda: jvp(lambda x: Value(1.0), 1.0, 1.0), TypeError, "x.exp"),
    (lambda: forward_jacobian(lambda: 1.0), ValueError, "at least one input"),
])
def test_clear_errors(thunk: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        thunk()


@pytest.mark.parametrize(("f", "x", "error"), [
    (lambda x: x.log(), 0.0, ValueError),
    (lambda x: x.sqrt(), -1.0, ValueError),
    (lambda x: x**-1, 0.0, ValueError),
    (lambda x: x**0.5, -1.0, ValueError),
    (lambda x: x / 0, 1.0, ZeroDivisionError),
])
def test_value_raises_the_same_domain_errors(f: Callable[[Any], Any], x: float,
                                             error: type[Exception]) -> None:
    for scalar in (Value(x), Dual(x)):
        with pytest.raises(error):
            f(scalar)
