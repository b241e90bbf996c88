"""``autograd_core.testing``: the strategies keep their promises (domains, shapes, dtypes), drawn
expressions are differentiable and pass ``assert_gradients_close`` (a property test of the engine
itself), and a wrong derivative makes ``assert_gradients_close`` fail with a readable table."""

from __future__ import annotations

import doctest
import importlib
import math
import operator
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import autograd_core.testing as testing
from autograd_core import Tensor, Value, gradcheck, is_grad_enabled
from autograd_core.testing import (
    DOMAINS,
    EXPRESSION_OPS,
    FLOAT32_TOLERANCE,
    FLOAT64_TOLERANCE,
    TENSOR_OPS,
    VALUE_OPS,
    Expression,
    ExpressionOp,
    arrays,
    assert_gradients_close,
    expressions,
    floats_away_from,
    op_inputs,
    shapes,
)
from autograd_core.value import _record

FEW = settings(max_examples=25, deadline=None)
SOME = settings(max_examples=60, deadline=None)

# ------------------------------------------------------------------------------------------------
# importing
# ------------------------------------------------------------------------------------------------


def test_importing_autograd_core_never_imports_hypothesis() -> None:
    code = ("import sys, autograd_core\n"
            "from autograd_core import nn\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] == 'hypothesis']\n"
            "assert not loaded, loaded\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_importing_testing_without_hypothesis_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] == "hypothesis"]:
        monkeypatch.setitem(sys.modules, name, None)  # None: "not installed" for import
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "autograd_core.testing")
    install = r"needs hypothesis.*pip install 'autograd-core\[testing\]'"
    with pytest.raises(ImportError, match=install):
        importlib.import_module("autograd_core.testing")


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(testing, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


# ------------------------------------------------------------------------------------------------
# numbers away from singularities
# ------------------------------------------------------------------------------------------------


@st.composite
def away_from_arguments(draw: st.DrawFn) -> tuple[list[float], float, float, float]:
    lo = draw(st.floats(-10, 10))
    hi = lo + draw(st.floats(1, 10))
    points = draw(st.lists(st.floats(lo - 1, hi + 1), max_size=3))
    margin = draw(st.floats(0, 0.2))
    return points, lo, hi, margin


@SOME
@given(away_from_arguments(), st.sampled_from([32, 64]), st.data())
def test_floats_away_from_keeps_the_range_and_the_margin(
        arguments: tuple[list[float], float, float, float], width: int,
        data: st.DataObject) -> None:
    points, lo, hi, margin = arguments
    x = data.draw(floats_away_from(points, lo, hi, margin, width=width))
    assert math.isfinite(x) and lo <= x <= hi
    assert all(abs(x - p) >= margin for p in points)
    if width == 32:
        assert float(np.float32(x)) == x


@pytest.mark.parametrize("width", [32, 64])
def test_floats_away_from_a_signed_zero_with_no_margin(width: int) -> None:
    # the piece below the point ends at -0.0, above a range that starts at 0.0
    @SOME
    @given(floats_away_from([-0.0], 0.0, 1.0, margin=0.0, width=width))
    def check(x: float) -> None:
        assert 0.0 <= x <= 1.0

    check()


def test_floats_away_from_refuses_an_empty_set() -> None:
    with pytest.raises(ValueError, match=r"no floats in \[-1.0, 1.0\].*1.5 away from \[0.0\]"):
        floats_away_from([0.0], -1.0, 1.0, margin=1.5)
    with pytest.raises(ValueError, match="min_value <= max_value"):
        floats_away_from([], 2.0, 1.0)
    with pytest.raises(ValueError, match="width must be 32 or 64"):
        floats_away_from(width=16)


# The existing ops that DOMAINS describes, as functions of one Value.
VALUE_FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "neg": operator.neg, "exp": Value.exp, "sin": Value.sin, "cos": Value.cos,
    "tanh": Value.tanh, "sigmoid": Value.sigmoid, "softplus": Value.softplus, "erf": Value.erf,
    "log": Value.log, "sqrt": Value.sqrt, "pow": lambda x: x**-1.5,
    "reciprocal": lambda x: 1 / x, "abs": Value.abs, "relu": Value.relu,
    "leaky_relu": Value.leaky_relu, "elu": Value.elu,
}


@pytest.mark.parametrize("op", sorted(DOMAINS))
@FEW
@given(data=st.data())
def test_op_inputs_lie_inside_the_domain_and_off_the_kinks(op: str, data: st.DataObject) -> None:
    x = data.draw(op_inputs(op, margin=0.1))
    domain = DOMAINS[op]
    assert -3.0 <= x <= 3.0
    if domain.above is not None:
        assert x >= domain.above + 0.1
    assert all(abs(x - point) >= 0.1 for point in domain.singular)
    if op in VALUE_FUNCTIONS:
        assert_gradients_close(VALUE_FUNCTIONS[op], x)


def test_op_inputs_knows_the_usual_domains() -> None:
    assert DOMAINS["log"].above == 0.0 and DOMAINS["sqrt"].above == 0.0
    assert DOMAINS["log1p"].above == -1.0
    assert all(DOMAINS[op].singular == (0.0,) for op in ["abs", "relu", "reciprocal"])
    assert DOMAINS["exp"].above is None and DOMAINS["exp"].singular == ()


def test_op_inputs_rejects_unknown_ops_and_empty_ranges() -> None:
    with pytest.raises(ValueError, match=r"no domain known for op 'lgamma'.*log, log1p"):
        op_inputs("lgamma")
    with pytest.raises(ValueError, match="log needs inputs above 0.0, but max_value is -1"):
        op_inputs("log", max_value=-1.0)


# ------------------------------------------------------------------------------------------------
# shapes and arrays
# ------------------------------------------------------------------------------------------------


@FEW
@given(shapes(min_dims=1, max_dims=2, max_side=3))
def test_shapes_respect_their_limits(shape: tuple[int, ...]) -> None:
    assert 1 <= len(shape) <= 2 and all(1 <= side <= 3 for side in shape)


SHAPE_ARGUMENTS = st.one_of(st.none(), st.integers(0, 4), hnp.array_shapes(min_dims=0, max_dims=3),
                            st.just(shapes(min_dims=2, max_dims=2)))
DTYPE_ARGUMENTS = st.sampled_from([np.float64, np.float32, "float32", np.dtype("float64"),
                                   st.sampled_from([np.float64, np.float32])])


@SOME
@given(SHAPE_ARGUMENTS, DTYPE_ARGUMENTS, st.data())
def test_arrays_have_the_asked_shape_and_dtype(shape: Any, dtype: Any,
                                               data: st.DataObject) -> None:
    x = data.draw(arrays(shape=shape, dtype=dtype))
    assert isinstance(x, np.ndarray)
    if shape is None:
        assert x.ndim <= 3 and all(1 <= side <= 4 for side in x.shape)
    elif isinstance(shape, int):
        assert x.shape == (shape,)
    elif isinstance(shape, tuple):
        assert x.shape == shape
    else:
        assert x.ndim == 2
    if isinstance(dtype, st.SearchStrategy):
        assert x.dtype in (np.float64, np.float32)
    else:
        assert x.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= 3.0)


@FEW
@given(arrays(shape=(2, 3), dtype=np.float32, elements=op_inputs("log")))
def test_arrays_take_an_op_domain_as_elements(x: np.ndarray) -> None:
    assert x.dtype == np.float32 and np.all(x >= 0.05)
    assert_gradients_close(Tensor.log, x)


def test_arrays_reject_other_dtypes_and_bad_shapes() -> None:
    with pytest.raises(TypeError, match="dtype must be float64 or float32.*int64"):
        arrays(dtype=np.int64)
    with pytest.raises(ValueError, match=r"shape must hold non-negative integers, got \(2, -1\)"):
        arrays(shape=(2, -1))


# ------------------------------------------------------------------------------------------------
# expressions: a property test of the engine itself
# ------------------------------------------------------------------------------------------------


@SOME
@given(expressions(n_inputs=3), st.lists(floats_away_from(), min_size=3, max_size=3))
def test_drawn_expressions_of_values_pass_the_gradient_check(
        f: Expression, point: list[float]) -> None:
    out = f(*[Value(x) for x in point])
    assert isinstance(out, Value)
    low, high = f.range  # the interval arithmetic is sound
    assert low - 1e-9 * abs(low) <= out.data <= high + 1e-9 * abs(high)
    assert abs(out.data) <= testing.CAP * (1 + 1e-9)
    assert_gradients_close(f, *point)


@st.composite
def broadcastable_arrays(draw: st.DrawFn, n: int, dtype: Any) -> list[np.ndarray]:
    shapes_, _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=2, max_side=3))
    return [draw(arrays(shape=shape, dtype=dtype)) for shape in shapes_]


@SOME
@given(expressions(n_inputs=2, ops=TENSOR_OPS), broadcastable_arrays(2, np.float64))
def test_drawn_expressions_of_tensors_pass_the_gradient_check(
        f: Expression, inputs: list[np.ndarray]) -> None:
    out = f(*[Tensor(x) for x in inputs])
    low, high = f.range
    assert np.all((low - 1e-9 * abs(low) <= out.data) & (out.data <= high + 1e-9 * abs(high)))
    assert_gradients_close(f, *inputs)


@FEW
@given(expressions(n_inputs=2, ops=TENSOR_OPS), broadcastable_arrays(2, np.float32))
def test_drawn_expressions_keep_float32_and_pass_with_its_tolerance(
        f: Expression, inputs: list[np.ndarray]) -> None:
    assert f(*[Tensor(x) for x in inputs]).dtype == np.float32
    assert_gradients_close(f, *inputs)


@pytest.mark.parametrize("op", TENSOR_OPS)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_every_op_of_the_table_is_drawn_and_differentiable(op: str, data: st.DataObject) -> None:
    f = data.draw(expressions(n_inputs=EXPRESSION_OPS[op].arity, max_depth=2, ops=[op]))
    assert f.ops == {op}
    inputs = [data.draw(arrays(shape=(2,))) for _ in range(f.n_inputs)]
    assert_gradients_close(f, *inputs)
    if op in VALUE_OPS:
        assert_gradients_close(f, *[float(x[0]) for x in inputs])


@FEW
@given(expressions(n_inputs=2, max_depth=3), floats_away_from(), floats_away_from())
def test_an_expression_prints_as_source_that_computes_it(f: Expression, x: float,
                                                         y: float) -> None:
    replay = eval(repr(f))  # the printed lambda, as a user would paste it
    assert repr(f).startswith("lambda x0, x1: ")
    assert replay(Value(x), Value(y)).data == f(Value(x), Value(y)).data
    np.testing.assert_array_equal(replay(Tensor([x]), Tensor([y])).data,
                                  f(Tensor([x]), Tensor([y])).data)


def _shares_an_op_node(f: Expression) -> bool:
    seen: set[int] = set()

    def visit(node: Any) -> bool:
        if node.op and id(node) in seen:
            return True
        seen.add(id(node))
        return any(visit(operand) for operand in node.operands)
    return visit(f._root)


def test_expressions_are_graphs_that_share_sub_expressions() -> None:
    f = find(expressions(n_inputs=1, max_depth=3), _shares_an_op_node,
             settings=settings(max_examples=2000, database=None))
    assert_gradients_close(f, 0.7)


def test_a_table_formula_that_leaves_its_domain_is_caught_when_drawn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXPRESSION_OPS, "unguarded_log", ExpressionOp(1, lambda a: a.log()))
    with pytest.raises(ValueError, match=r"operand of log may be below 0.05 \(its range is \[-3"):
        find(expressions(ops=["unguarded_log"]), lambda f: True,
             settings=settings(database=None))


def test_expressions_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_inputs must be an integer >= 1, got 0"):
        expressions(n_inputs=0)
    with pytest.raises(ValueError, match="max_depth must be an integer >= 1"):
        expressions(max_depth=0)
    with pytest.raises(ValueError, match=r"unknown ops \['lgamma'\].*choose from add, sub"):
        expressions(ops=["lgamma"])
    f = find(expressions(n_inputs=2), lambda f: True, settings=settings(database=None))
    with pytest.raises(TypeError, match=r"expression lambda x0, x1: .* takes 2 inputs, got 1"):
        f(Value(1.0))


def test_the_tensor_only_ops_are_the_methods_value_lacks() -> None:
    tensor_only = [name for name, op in EXPRESSION_OPS.items() if op.tensor_only]
    assert set(TENSOR_OPS) - set(VALUE_OPS) == set(tensor_only) and "mean" in tensor_only
    for name in tensor_only:  # once Value has it too, the row should drop tensor_only
        assert hasattr(Tensor, name) and not hasattr(Value, name), name


# ------------------------------------------------------------------------------------------------
# assert_gradients_close
# ------------------------------------------------------------------------------------------------


def wrong_square(t: Tensor) -> Tensor:
    """x^2 with a wrong VJP: g x instead of 2 g x."""
    return Tensor._record(t.data**2, "wrong_square", (t,), (lambda g, x, out: g * x,),
                          (lambda dx, x, out: dx * x,))


def test_a_wrong_tensor_vjp_fails_with_a_table_of_the_differing_entries() -> None:
    x = np.array([1.0, 2.0, 0.0])
    w = np.array([0.5, -1.5])
    with pytest.raises(AssertionError) as info:
        assert_gradients_close(lambda a, b: wrong_square(a).sum() * b, x, w)
    message = str(info.value)
    lines = message.splitlines()
    assert lines[0].startswith("assert_gradients_close failed (eps=1e-06, atol=1e-05, "
                               "rtol=0.001; output shape (2,)")
    assert lines[1] == "  input 0 (shape (3,), float64): 2 of 3 entries differ"
    weights = np.random.default_rng(0).standard_normal(2)
    slope = float(weights @ w)  # d/dx_i of sum(out * weights) = 2 x_i (w . weights)
    assert lines[2] == f"    at (0,): analytic {slope:.6g}, numeric {2 * slope:.6g}"
    assert lines[3] == f"    at (1,): analytic {2 * slope:.6g}, numeric {4 * slope:.6g}"
    assert lines[4].startswith("    analytic [") and lines[5].startswith("    numeric  [")
    assert lines[6] == "  input 1 (shape (2,), float64): ok"


def test_a_wrong_value_derivative_is_marked_in_the_table() -> None:
    def f(x: Value, y: Value) -> Value:
        return _record(x.data**2, "wrong_square", (x,), lambda x, out: (x,)) + y.sin()

    with pytest.raises(AssertionError) as info:
        assert_gradients_close(f, 1.5, 0.25)
    lines = str(info.value).splitlines()
    assert lines[0] == "assert_gradients_close failed (eps=1e-06, atol=1e-05, rtol=0.001):"
    assert lines[1].startswith("  input 0 = 1.5: analytic 1.5, numeric 2.99999")
    assert lines[1].endswith("<-- mismatch")
    assert lines[2].startswith(f"  input 1 = 0.25: analytic {math.cos(0.25)!r}, numeric 0.968")
    assert "mismatch" not in lines[2]


def test_many_differing_entries_are_counted_past_the_first_five() -> None:
    with pytest.raises(AssertionError) as info:
        assert_gradients_close(lambda t: wrong_square(t).sum(), np.arange(1.0, 9.0))
    message = str(info.value)
    assert "8 of 8 entries differ" in message
    assert message.count("    at (") == 5 and "    ... and 3 more" in message


def test_correct_gradients_pass_and_the_inputs_are_left_alone() -> None:
    x, t = Value(0.3), Tensor([[1.0, -2.0]], requires_grad=True)
    assert assert_gradients_close(lambda a, b: (a * b).tanh() + b.exp(), x, -1.2) is None
    assert assert_gradients_close(lambda a, b: (a @ b).softmax(), t, np.ones((2, 3))) is None
    assert x.grad == 0.0 and t.grad is None


def test_float32_inputs_run_backward_in_float32_against_float64_differences() -> None:
    seen: list[tuple[str, bool]] = []

    def f(t: Tensor) -> Tensor:
        seen.append((str(t.dtype), is_grad_enabled()))
        return (t * t).sin()

    assert_gradients_close(f, np.array([0.5, -1.0], dtype=np.float32))
    assert seen[0] == ("float32", True)  # the backward pass
    assert set(seen[1:]) == {("float64", False)}  # the central differences


def off_by(error: float) -> Callable[[Tensor], Tensor]:
    """A constant (slope 0) whose VJP says ``error``."""
    return lambda t: Tensor._record(np.ones_like(t.data), "off", (t,),
                                    (lambda g, x, out: 0 * g + error,),
                                    (lambda dx, x, out: 0 * dx,))


def test_float32_gets_a_looser_default_tolerance_than_float64() -> None:
    assert FLOAT32_TOLERANCE[0] > FLOAT64_TOLERANCE[0]
    x = np.array([0.5], dtype=np.float32)
    slightly_off = off_by(5e-5)  # within float32's atol, not float64's
    assert_gradients_close(slightly_off, x)
    with pytest.raises(AssertionError, match=r"\(shape \(1,\), float64\): 1 of 1 entries differ"):
        assert_gradients_close(slightly_off, x.astype(np.float64))
    with pytest.raises(AssertionError, match="float32"):
        assert_gradients_close(slightly_off, x, atol=1e-6, rtol=0.0)
    with pytest.raises(AssertionError):  # a real mistake fails in float32 too
        assert_gradients_close(off_by(0.1), x)


def test_a_function_undefined_at_the_inputs_is_named_as_the_cause() -> None:
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError) as info:
        assert_gradients_close(Tensor.log, np.array([-1.0, 2.0]))
    assert re.search(r"f is not finite at these inputs \(it gave \[ *nan 0.693147\]\)",
                     str(info.value))
    assert "choose inputs inside f's domain" in str(info.value)


def test_a_nan_numeric_derivative_fails_the_scalar_check_too() -> None:
    # numeric differences run under no_grad; this f is NaN there (once gradcheck let it pass)
    def f(x: Value) -> Value:
        return 2 * x if is_grad_enabled() else Value(math.nan)

    with pytest.raises(AssertionError, match="analytic 2.0, numeric nan   <-- mismatch"):
        assert_gradients_close(f, 1.0)
    with pytest.raises(AssertionError, match="gradcheck failed"):
        gradcheck(f, 1.0)


def test_assert_gradients_close_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="assert_gradients_close: give at least one input"):
        assert_gradients_close(Value.exp)
    with pytest.raises(ValueError, match="eps must be positive, got 0"):
        assert_gradients_close(Value.exp, 1.0, eps=0)
    with pytest.raises(TypeError, match="input 1 is a str; expected a number, Value, numpy"):
        assert_gradients_close(lambda a, b: a, np.ones(2), "x")
    with pytest.raises(TypeError, match="assert_gradients_close: f must return a Tensor, got "
                                        "float"):
        assert_gradients_close(lambda t: 1.0, np.ones(2))
    with pytest.raises(TypeError, match="assert_gradients_close: f must return a Value"):
        assert_gradients_close(lambda v: 1.0, 2.0)


# What the README shows: a user's own property test in five lines (here run by hand).
@given(arrays(shape=(3,)))
def test_my_softsign(x: np.ndarray) -> None:
    assert_gradients_close(lambda t: t / (1 + t.abs()), x)
