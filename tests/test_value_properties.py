"""Property-based tests for ``Value``: random expression graphs checked against finite differences.

The centrepiece is a hypothesis strategy that draws a *program*: 1-3 input variables and a list
of instructions, each applying one ``Value`` operation to earlier nodes (inputs or results). The
program's output is the sum of every node it computed, and operands are drawn from all earlier
nodes, so sub-expressions and variables are shared and ``backward`` must accumulate gradients.
Operations with a restricted domain get an operand made positive by construction
(``a*a + 0.5`` or ``softplus(a) + 0.1``), and ``exp`` / Value exponents get a squashed operand
(``tanh``, ``sin``, ...), so values stay moderate. Because the program is plain data, the same
expression can be evaluated on fresh ``Value`` leaves as often as ``gradcheck`` needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from autograd_core import (
    GradcheckError,
    Value,
    dot,
    gradcheck,
    is_grad_enabled,
    no_grad,
    numeric_grad,
    topological_order,
)

PROPERTY = settings(max_examples=200, deadline=None)
PER_OP = settings(max_examples=40, deadline=None)

EPS = 1e-6  # gradcheck's default step
KINK_MARGIN = 1e-3  # non-smooth ops: stay this far from the kink
BOUND = 1e3  # reject graphs whose nodes grow beyond this (finite differences lose accuracy)
PYTORCH_SOFTPLUS_THRESHOLD = 20.0  # PyTorch switches to x there; a float64 engine must not


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    # Subnormal inputs are excluded: products with them round differently after scaling by 2.
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


# ------------------------------------------------------------------------------------------------
# Programs: random expression graphs as data
# ------------------------------------------------------------------------------------------------


@dataclass
class Trace:
    """What one evaluation saw: every node the program computed and each guarded op's argument."""

    nodes: list[Value] = field(default_factory=list)
    kinks: list[float] = field(default_factory=list)  # args of relu / leaky_relu / elu / abs

    def kink(self, v: Value) -> Value:
        self.kinks.append(v.data)
        return v

    def softplus(self, v: Value) -> Value:
        return v.softplus()


def positive(t: Trace, v: Value, how: str) -> Value:
    """A node > 0 built from ``v`` (domain guard for log, sqrt, divisors, Value-base powers)."""
    if how == "sq":
        return v * v + 0.5  # uses v twice
    return t.softplus(v) + 0.1


def squash(v: Value, how: str) -> Value:
    """A node in [-1, 1] built from ``v`` (keeps exp and Value exponents moderate)."""
    return {"tanh": v.tanh, "sin": v.sin, "cos": v.cos, "sigmoid": v.sigmoid}[how]()


def exp_arg(v: Value, how: str) -> Value:
    """A bounded-above argument for exp: a squashed node, or -v^2."""
    return -(v * v) if how == "negsq" else squash(v, how)


POS = st.sampled_from(["sq", "sp"])
SQUASH = st.sampled_from(["tanh", "sin", "cos", "sigmoid"])
EXP_ARG = st.sampled_from(["tanh", "sin", "cos", "sigmoid", "negsq"])
NUMBER = st.one_of(st.integers(-3, 3), floats(-3.0, 3.0))
NONZERO = st.one_of(st.sampled_from([-2, 3]), floats(0.25, 3.0), floats(-3.0, -0.25))
BASE = floats(0.2, 4.0)
# Numeric exponents; the non-negative integers are applied to any base, the rest to a positive one.
EXPONENT = st.sampled_from([0, 1, 2, 3, 2.0, 3.0, -1, -2, 0.5, 1.5, 2.5, -0.5, -1.5])
ALPHA_LEAKY = st.one_of(st.none(), floats(0.0, 0.5))
ALPHA_ELU = st.one_of(st.none(), floats(0.1, 3.0))


def _pow_number(t: Trace, a: Value, p: float, how: str) -> Value:
    if float(p).is_integer() and p >= 0:
        return a**p
    return positive(t, a, how) ** p


def _abs(v: Value, builtin: bool) -> Value:
    return abs(v) if builtin else v.abs()


def _alpha(method: Callable[..., Value], alpha: float | None) -> Value:
    return method() if alpha is None else method(alpha)


@dataclass(frozen=True)
class OpSpec:
    arity: int
    params: tuple[st.SearchStrategy, ...]
    apply: Callable[..., Value]  # apply(trace, *operands, *params)


GRAPH_OPS: dict[str, OpSpec] = {
    # Value (op) Value
    "add": OpSpec(2, (), lambda t, a, b: a + b),
    "sub": OpSpec(2, (), lambda t, a, b: a - b),
    "mul": OpSpec(2, (), lambda t, a, b: a * b),
    "div": OpSpec(2, (POS,), lambda t, a, b, h: a / positive(t, b, h)),
    "pow_value": OpSpec(
        2, (POS, SQUASH), lambda t, a, b, h, s: positive(t, a, h) ** (2 * squash(b, s))
    ),
    # Value (op) number
    "add_num": OpSpec(1, (NUMBER,), lambda t, a, c: a + c),
    "sub_num": OpSpec(1, (NUMBER,), lambda t, a, c: a - c),
    "mul_num": OpSpec(1, (NUMBER,), lambda t, a, c: a * c),
    "div_num": OpSpec(1, (NONZERO,), lambda t, a, c: a / c),
    "pow_num": OpSpec(1, (EXPONENT, POS), _pow_number),
    # number (op) Value: the reflected forms
    "radd": OpSpec(1, (NUMBER,), lambda t, a, c: c + a),
    "rsub": OpSpec(1, (NUMBER,), lambda t, a, c: c - a),
    "rmul": OpSpec(1, (NUMBER,), lambda t, a, c: c * a),
    "rdiv": OpSpec(1, (NUMBER, POS), lambda t, a, c, h: c / positive(t, a, h)),
    "rpow": OpSpec(1, (BASE, SQUASH), lambda t, a, c, s: c ** (2 * squash(a, s))),
    # unary
    "neg": OpSpec(1, (), lambda t, a: -a),
    "exp": OpSpec(1, (EXP_ARG,), lambda t, a, h: exp_arg(a, h).exp()),
    "log": OpSpec(1, (POS,), lambda t, a, h: positive(t, a, h).log()),
    "sqrt": OpSpec(1, (POS,), lambda t, a, h: positive(t, a, h).sqrt()),
    "tanh": OpSpec(1, (), lambda t, a: a.tanh()),
    "sigmoid": OpSpec(1, (), lambda t, a: a.sigmoid()),
    "softplus": OpSpec(1, (), lambda t, a: t.softplus(a)),
    "sin": OpSpec(1, (), lambda t, a: a.sin()),
    "cos": OpSpec(1, (), lambda t, a: a.cos()),
    "erf": OpSpec(1, (), lambda t, a: a.erf()),
    # non-smooth: the argument is recorded so that a kink near the point can be rejected
    "relu": OpSpec(1, (), lambda t, a: t.kink(a).relu()),
    "leaky_relu": OpSpec(1, (ALPHA_LEAKY,), lambda t, a, al: _alpha(t.kink(a).leaky_relu, al)),
    "elu": OpSpec(1, (ALPHA_ELU,), lambda t, a, al: _alpha(t.kink(a).elu, al)),
    "abs": OpSpec(1, (st.booleans(),), lambda t, a, builtin: _abs(t.kink(a), builtin)),
    # dot is special-cased in `programs` (variable arity)
}
ALL_GRAPH_OPS = (*GRAPH_OPS, "dot")


@dataclass(frozen=True)
class Instr:
    op: str
    args: tuple[int, ...]  # indices into the node list (inputs first, then results)
    params: tuple = ()

    def __repr__(self) -> str:
        args = ", ".join(f"v{i}" for i in self.args)
        return f"{self.op}({args}{'; ' if self.params else ''}{', '.join(map(repr, self.params))})"


@dataclass(frozen=True)
class Program:
    """An expression graph over ``n_inputs`` variables; output = sum of all computed nodes."""

    n_inputs: int
    instrs: tuple[Instr, ...]

    def __repr__(self) -> str:
        lines = [f"v{self.n_inputs + k} = {ins!r}" for k, ins in enumerate(self.instrs)]
        return f"Program(inputs v0..v{self.n_inputs - 1}: " + "; ".join(lines) + ")"

    def run(self, inputs: Sequence[Value], trace: Trace | None = None) -> Value:
        t = Trace() if trace is None else trace
        nodes = list(inputs)
        assert len(nodes) == self.n_inputs
        for ins in self.instrs:
            if ins.op == "dot":
                nodes.append(_run_dot(nodes, ins))
            else:
                operands = [nodes[i] for i in ins.args]
                nodes.append(GRAPH_OPS[ins.op].apply(t, *operands, *ins.params))
            t.nodes.append(nodes[-1])
        derived = nodes[self.n_inputs:]
        total = derived[0]
        for node in derived[1:]:
            total = total + node
        return total

    def __call__(self, *inputs: Value) -> Value:
        return self.run(inputs)

    def fan_out(self) -> list[int]:
        """How often each node is used as an operand (including by the final sum)."""
        uses = [0] * (self.n_inputs + len(self.instrs))
        for ins in self.instrs:
            for i in ins.args:
                uses[i] += 1
        for k in range(len(self.instrs)):
            uses[self.n_inputs + k] += 1
        return uses


def _run_dot(nodes: list[Value], ins: Instr) -> Value:
    """dot(weights, inputs, bias): weights mix nodes and numbers; inputs are nodes."""
    weight_consts, bias = ins.params  # weight_consts[i] is None when weight i is a node
    n_weight_nodes = sum(c is None for c in weight_consts)
    it = iter(ins.args)
    weights = [nodes[next(it)] if c is None else c for c in weight_consts]
    xs = [nodes[next(it)] for _ in weight_consts]
    rest = list(it)
    assert len(ins.args) == n_weight_nodes + len(weight_consts) + len(rest)
    if bias == "node":
        return dot(weights, xs, nodes[rest[0]])
    if bias is None:
        return dot(weights, xs)
    return dot(weights, xs, bias)


@st.composite
def programs(draw, max_instrs: int = 8) -> Program:
    n_inputs = draw(st.integers(1, 3))
    n_instrs = draw(st.integers(1, max_instrs))
    instrs = []
    for k in range(n_instrs):
        avail = n_inputs + k
        # Offsets from the newest node: shrinks toward a chain, but may reach any earlier node.
        index = st.integers(0, avail - 1).map(lambda off, avail=avail: avail - 1 - off)
        op = draw(st.sampled_from(ALL_GRAPH_OPS))
        if op == "dot":
            size = draw(st.integers(1, 3))
            weight_consts = tuple(draw(st.one_of(st.none(), NUMBER)) for _ in range(size))
            bias = draw(st.one_of(st.none(), st.just("node"), NUMBER))
            n_args = sum(c is None for c in weight_consts) + size + (bias == "node")
            args = tuple(draw(index) for _ in range(n_args))
            instrs.append(Instr("dot", args, (weight_consts, bias)))
            continue
        spec = GRAPH_OPS[op]
        args = tuple(draw(index) for _ in range(spec.arity))
        params = tuple(draw(p) for p in spec.params)
        instrs.append(Instr(op, args, params))
    program = Program(n_inputs, tuple(instrs))
    # Reuse is the point: some node (an input or a result) must feed two or more operations.
    assume(max(program.fan_out()) >= 2)
    return program


@st.composite
def cases(draw, max_instrs: int = 8) -> tuple[Program, list[float]]:
    program = draw(programs(max_instrs))
    point = draw(st.lists(floats(-3.0, 3.0), min_size=program.n_inputs,
                          max_size=program.n_inputs))
    return program, point


def _evaluate_checked(program: Program, point: Sequence[float]) -> tuple[Value, Trace]:
    """Evaluate at ``point``; reject it when finite differences cannot be trusted there."""
    trace = Trace()
    out = program.run([Value(x) for x in point], trace)
    data = [n.data for n in trace.nodes] + [out.data]
    assume(all(math.isfinite(d) and abs(d) <= BOUND for d in data))
    assume(all(abs(a) > KINK_MARGIN for a in trace.kinks))
    # The central difference must not step across a kink either: every guarded argument keeps
    # its side at x_i +- eps (guards against steep arguments moving more than the margin).
    for i in range(len(point)):
        for sign in (1, -1):
            shifted = list(point)
            shifted[i] += sign * EPS
            t2 = Trace()
            with no_grad():
                program.run([Value(x) for x in shifted], t2)
            assume(all((a > 0) == (b > 0) for a, b in zip(trace.kinks, t2.kinks)))
    return out, trace


# ------------------------------------------------------------------------------------------------
# 1-2. Random expression graphs pass gradcheck
# ------------------------------------------------------------------------------------------------


@PROPERTY
@given(cases())
def test_random_expression_graph_passes_gradcheck(case):
    program, point = case
    _evaluate_checked(program, point)
    for ins in program.instrs:
        event(f"op {ins.op}")
    event(f"{program.n_inputs} inputs, {len(program.instrs)} instructions")
    assert gradcheck(program, *point)


# ------------------------------------------------------------------------------------------------
# 3a. Shared sub-expressions accumulate
# ------------------------------------------------------------------------------------------------


def _leaf_grads(program: Program, point: Sequence[float], combine) -> list[float]:
    leaves = [Value(x) for x in point]
    combine(program.run(leaves)).backward()
    return [leaf.grad for leaf in leaves]


@PROPERTY
@given(cases())
def test_same_node_added_to_itself_doubles_the_gradient(case):
    program, point = case
    _evaluate_checked(program, point)
    single = _leaf_grads(program, point, lambda g: g)
    doubled = _leaf_grads(program, point, lambda g: g + g)  # one node, used twice
    # The upstream gradient of g is 1 + 1 = 2; scaling by 2 is exact in floating point except
    # where a product underflows into the subnormal range, hence the tiny tolerance.
    assert doubled == pytest.approx([2.0 * s for s in single], rel=1e-15, abs=1e-300)


@PROPERTY
@given(cases(max_instrs=5), st.integers(3, 6))
def test_node_used_k_times_accumulates_k_times_the_gradient(case, k):
    program, point = case
    _evaluate_checked(program, point)
    single = _leaf_grads(program, point, lambda g: g)
    summed = _leaf_grads(program, point, lambda g: sum([g] * k))  # 0 + g + g + ... (radd)
    squared = _leaf_grads(program, point, lambda g: g * g)
    value = program.run([Value(x) for x in point]).data
    # Same chain, but scaled at the top rather than at the end: equal up to rounding (which
    # cancellation between paths can magnify, hence not 1e-15).
    for s, m, q in zip(single, summed, squared):
        assert m == pytest.approx(k * s, rel=1e-9, abs=1e-12)
        assert q == pytest.approx(2.0 * value * s, rel=1e-9, abs=1e-12)
    # and the accumulated gradient is the true one
    numeric = numeric_grad(lambda *xs: sum([program(*xs)] * k), list(point))
    for m, n in zip(summed, numeric):
        assert m == pytest.approx(n, rel=1e-3, abs=1e-5 * k)


def test_variable_used_several_times_accumulates():
    x = Value(1.5)
    y = x * x * x + 2 * x - x / x  # x appears six times
    y.backward()
    assert x.grad == pytest.approx(3 * 1.5**2 + 2)
    assert gradcheck(lambda v: v * v * v + 2 * v - v / v, 1.5)


def test_dot_with_the_same_node_in_several_slots():
    def f(a, b):
        return dot([a, 3.0, b], [a, b, a], a)  # a is a parent four times

    a, b = Value(0.7), Value(-1.3)
    out = f(a, b)
    assert out.data == pytest.approx(0.7 + 0.7 * 0.7 + 3.0 * -1.3 + -1.3 * 0.7)
    out.backward()
    assert a.grad == pytest.approx(2 * 0.7 + -1.3 + 1.0)
    assert b.grad == pytest.approx(3.0 + 0.7)
    assert gradcheck(f, 0.7, -1.3)


# ------------------------------------------------------------------------------------------------
# 3b. backward() twice doubles leaf gradients exactly; interior gradients are overwritten
# ------------------------------------------------------------------------------------------------


@PROPERTY
@given(cases())
def test_backward_twice_doubles_leaf_gradients_exactly(case):
    program, point = case
    _evaluate_checked(program, point)
    leaves = [Value(x) for x in point]
    trace = Trace()
    out = program.run(leaves, trace)
    out.backward()
    first = [leaf.grad for leaf in leaves]
    interior_first = [node.grad for node in trace.nodes]
    out.backward()
    assert [leaf.grad for leaf in leaves] == [2.0 * g for g in first]
    # interior nodes hold this pass's gradient, not a running sum (documented in engine.py)
    assert [node.grad for node in trace.nodes] == interior_first


# ------------------------------------------------------------------------------------------------
# 3c. no_grad records no parents (and changes no values)
# ------------------------------------------------------------------------------------------------


@PROPERTY
@given(cases())
def test_no_grad_records_no_parents(case):
    program, point = case
    with_grad = program.run([Value(x) for x in point])
    leaves = [Value(x) for x in point]
    trace = Trace()
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        out = program.run(leaves, trace)
    assert is_grad_enabled()
    assert with_grad._parents  # sanity: with grad on, the graph is recorded
    for node in [*trace.nodes, out]:
        assert node._parents == ()
        assert node._prev == set()
    assert topological_order(out) == [out]
    assert out.data == with_grad.data or (math.isnan(out.data) and math.isnan(with_grad.data))
    out.backward()  # a detached result is its own leaf: nothing reaches the inputs
    assert [leaf.grad for leaf in leaves] == [0.0] * len(leaves)
    assert out.grad == 1.0


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()  # the inner context restores "off", not "on"
    assert is_grad_enabled()


# ------------------------------------------------------------------------------------------------
# 3d. Each op individually, at random points of its domain
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    f: Callable[..., Value]
    point: tuple[float, ...]

    def __repr__(self) -> str:
        return f"Case({self.name}, point={self.point!r})"


def _case(name: str, f: Callable[..., Value], *point_strategies) -> st.SearchStrategy[Case]:
    return st.tuples(*point_strategies).map(lambda p: Case(name, f, p))


def _with_param(name, make_f, param, *point_strategies) -> st.SearchStrategy[Case]:
    return st.tuples(param, st.tuples(*point_strategies)).map(
        lambda pp: Case(f"{name}[{pp[0]!r}]", make_f(pp[0]), pp[1])
    )


ANY = floats(-10.0, 10.0)
AWAY_FROM_0 = st.one_of(floats(KINK_MARGIN, 10.0), floats(-10.0, -KINK_MARGIN))
DIVISOR = st.one_of(floats(0.1, 10.0), floats(-10.0, -0.1))
POSITIVE = floats(1e-2, 1e3)
SOFTPLUS_POINTS = floats(-40.0, 40.0)

OP_CASES: dict[str, st.SearchStrategy[Case]] = {
    "add": _case("add", lambda a, b: a + b, ANY, ANY),
    "sub": _case("sub", lambda a, b: a - b, ANY, ANY),
    "mul": _case("mul", lambda a, b: a * b, ANY, ANY),
    "truediv": _case("truediv", lambda a, b: a / b, ANY, DIVISOR),
    "pow_number_any_base": _with_param(
        "pow", lambda p: lambda a: a**p, st.sampled_from([0, 1, 2, 3, 4.0, 5]), ANY
    ),
    "pow_number_nonzero_base": _with_param(
        "pow", lambda p: lambda a: a**p, st.sampled_from([-1, -2, -3.0]), DIVISOR
    ),
    "pow_number_positive_base": _with_param(
        "pow", lambda p: lambda a: a**p, floats(-3.0, 3.0), floats(0.05, 20.0)
    ),
    "pow_value": _case("pow_value", lambda a, b: a**b, floats(0.05, 10.0), floats(-3.0, 3.0)),
    "radd": _with_param("radd", lambda c: lambda a: c + a, NUMBER, ANY),
    "rsub": _with_param("rsub", lambda c: lambda a: c - a, NUMBER, ANY),
    "rmul": _with_param("rmul", lambda c: lambda a: c * a, NUMBER, ANY),
    "rtruediv": _with_param("rtruediv", lambda c: lambda a: c / a, NUMBER, DIVISOR),
    "rpow": _with_param("rpow", lambda c: lambda a: c**a, floats(0.1, 10.0), floats(-5.0, 5.0)),
    "neg": _case("neg", lambda a: -a, ANY),
    "exp": _case("exp", lambda a: a.exp(), floats(-20.0, 20.0)),
    "log": _case("log", lambda a: a.log(), POSITIVE),
    "sqrt": _case("sqrt", lambda a: a.sqrt(), POSITIVE),
    "tanh": _case("tanh", lambda a: a.tanh(), floats(-30.0, 30.0)),
    "sigmoid": _case("sigmoid", lambda a: a.sigmoid(), floats(-40.0, 40.0)),
    "softplus": _case("softplus", lambda a: a.softplus(), SOFTPLUS_POINTS),
    "sin": _case("sin", lambda a: a.sin(), floats(-50.0, 50.0)),
    "cos": _case("cos", lambda a: a.cos(), floats(-50.0, 50.0)),
    "erf": _case("erf", lambda a: a.erf(), floats(-6.0, 6.0)),
    "relu": _case("relu", lambda a: a.relu(), AWAY_FROM_0),
    "leaky_relu": _with_param(
        "leaky_relu", lambda al: lambda a: _alpha(a.leaky_relu, al), ALPHA_LEAKY, AWAY_FROM_0
    ),
    "elu": _with_param("elu", lambda al: lambda a: _alpha(a.elu, al), ALPHA_ELU, AWAY_FROM_0),
    "abs": _case("abs", lambda a: a.abs(), AWAY_FROM_0),
    "dot": st.integers(1, 3).flatmap(
        lambda n: _case(
            f"dot[{n}]",
            lambda *v: dot(v[:n], v[n:2 * n], v[2 * n]),
            *([ANY] * (2 * n + 1)),
        )
    ),
    "dot_number_bias": _case("dot_number_bias", lambda w, x: dot([w, 2.0], [x, w], -1.5), ANY, ANY),
}


@pytest.mark.parametrize("name", sorted(OP_CASES))
@PER_OP
@given(data=st.data())
def test_each_op_derivative_matches_gradcheck(name, data):
    case = data.draw(OP_CASES[name], label="case")
    assert gradcheck(case.f, *case.point)


def test_every_op_is_covered():
    methods = {"exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus",
               "sin", "cos", "abs", "erf"}
    operators = {"add", "sub", "mul", "truediv", "pow_value", "radd", "rsub", "rmul", "rtruediv",
                 "rpow", "neg", "dot"}
    for op in methods:
        assert callable(getattr(Value, op))
    assert methods | operators <= set(OP_CASES)
    graph = {"add", "sub", "mul", "div", "pow_num", "pow_value", "radd", "rsub", "rmul", "rdiv",
             "rpow", "neg", "dot"}
    assert methods | graph <= set(ALL_GRAPH_OPS)


def test_kink_conventions_at_zero():
    """At the kink the derivative follows PyTorch: relu'(0)=0, abs'(0)=0, leaky_relu'(0)=alpha."""
    expected = {"relu": 0.0, "abs": 0.0, "leaky_relu": 0.01, "elu": 1.0}
    for name, slope in expected.items():
        x = Value(0.0)
        getattr(x, name)().backward()
        assert x.grad == slope, name


def test_gradcheck_detects_a_wrong_derivative():
    """The harness has teeth: a node cut off from its input has the wrong (zero) derivative."""
    def detached_double(x):
        return Value(2.0 * x.data) + 0.0 * x

    with pytest.raises(GradcheckError):
        gradcheck(detached_double, 0.3)
    assert numeric_grad(detached_double, [0.3]) == [pytest.approx(2.0)]


# ------------------------------------------------------------------------------------------------
# Regression: softplus once jumped where it switched to a linear branch
# ------------------------------------------------------------------------------------------------


def test_softplus_is_continuous_and_monotone_at_its_linear_threshold():
    """softplus is smooth and increasing, also around PyTorch's float32-minded cutoff at 20.

    Returning ``x`` itself above 20 is off by ln(1 + e^-20) = 2.06e-9 (about 580,000 ulps of
    20 in float64): the function would drop just past 20 and gradcheck would fail there.
    """
    t = PYTORCH_SOFTPLUS_THRESHOLD
    just_above = math.nextafter(t, math.inf)
    assert Value(t).softplus().data <= Value(just_above).softplus().data
    assert gradcheck(lambda x: x.softplus(), t)
    assert gradcheck(lambda x: x.softplus(), 19.9999995)
