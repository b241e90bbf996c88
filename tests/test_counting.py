"""Operation counts, on the course example f(x) = sqrt(x^2 + exp(x^2)) and on small graphs.

Course: evaluating f and its symbolic derivative x (1 + exp(x^2)) / sqrt(x^2 + exp(x^2)) from
scratch costs 5 + 10 = 15 operations. With reuse (a = x^2, b = exp a, c = a + b, d = sqrt c)
the forward pass is 4 operations and the backward pass, under counting.py's cost model, 8:
2 local derivatives (2a for x^2, 0.5/d for sqrt; exp reuses b), 5 chain-rule multiplies
(one per edge), 1 addition (a's gradient arrives from c and from b). Three of those multiplies
are by an exact 1 (the seed and both edges of +), so 5 operations do real work.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd_core import Tensor, Value
from autograd_core.counting import (
    BackwardCount,
    ForwardCount,
    count_backward_ops,
    count_ops,
)


def course_with_reuse(x: Value) -> Value:
    a = x**2
    b = a.exp()
    c = a + b
    return c.sqrt()


def course_naive_function(x: Value) -> Value:
    return (x**2 + (x**2).exp()).sqrt()  # x^2 written (and computed) twice


def course_naive_derivative(x: Value) -> Value:
    return x * (1 + (x**2).exp()) / (x**2 + (x**2).exp()).sqrt()


def test_course_example_forward_is_four_ops() -> None:
    x = Value(0.7)
    count = count_ops(course_with_reuse(x), [x])
    assert count.ops == {"**2": 1, "exp": 1, "+": 1, "sqrt": 1}
    assert (count.total, count.inputs, count.constants) == (4, 1, 0)


def test_course_example_backward_costs_eight_ops_five_of_them_real() -> None:
    x = Value(0.7)
    count = count_backward_ops(course_with_reuse(x), [x])
    assert count.local == {"**2": 1, "sqrt": 1, "+": 0, "exp": 0}
    assert count.multiplies == {"sqrt": 1, "+": 2, "exp": 1, "**2": 1}
    assert count.additions == {"**2": 1}
    assert count.total == 8
    assert count.trivial == 3
    assert count.total - count.trivial == 5


def test_course_naive_symbolic_form_costs_fifteen() -> None:
    x = Value(0.7)
    function = count_ops(course_naive_function(x), [x])
    derivative = count_ops(course_naive_derivative(x), [x])
    assert function.total == 5  # x^2 twice, exp, +, sqrt
    assert derivative.total == 10  # x^2 three times, exp twice, 1+, x*, +, sqrt, /
    assert derivative.constants == 1  # the 1 in 1 + exp(x^2)
    assert function.total + derivative.total == 15


def test_reuse_beats_the_naive_form_and_computes_the_same_derivative() -> None:
    x = Value(0.7)
    d = course_with_reuse(x)
    d.backward()
    assert math.isclose(x.grad, course_naive_derivative(Value(0.7)).data, rel_tol=1e-12)
    with_reuse = count_ops(d, [x]).total + count_backward_ops(d, [x]).total
    assert with_reuse == 12 < 15


def test_tables_are_readable() -> None:
    x = Value(0.7)
    d = course_with_reuse(x)
    forward = str(count_ops(d, [x]))
    assert "sqrt" in forward and "(inputs)" in forward
    assert forward.splitlines()[-1].split() == ["total", "ops", "4"]
    backward = str(count_backward_ops(d, [x]))
    assert backward.splitlines()[0].split() == ["op", "local", "mul", "add", "total"]
    assert "total      2    5    1      8" in backward
    assert "3 are by an exact 1" in backward


def test_constants_and_composites_show_up_as_the_graph_builds_them() -> None:
    x, y = Value(2.0), Value(3.0)
    out = x - y * 2  # y*2 wraps 2; subtraction is x + (-(y*2)) and -v is v * -1
    count = count_ops(out, [x, y])
    assert count.ops == {"*": 2, "+": 1}
    assert (count.inputs, count.constants) == (2, 2)
    assert count_ops(out).inputs == 4  # without a list, every leaf counts as an input


def test_fan_in_costs_one_addition_per_extra_contribution() -> None:
    x = Value(1.5)
    out = x * x + x  # x feeds three edges: two additions to gather its gradient
    count = count_backward_ops(out, [x])
    assert count.additions == {"(input)": 2}
    assert sum(count.multiplies.values()) == 4
    assert count.total == 6
    assert count.trivial == 2  # the + node's two multiplies, by the seed 1.0


@pytest.mark.parametrize(("build", "local"), [
    (lambda x: x / 3.0, 3),
    (lambda x: x**3, 2),
    (lambda x: x**1, 0),
    (lambda x: x**Value(2.0), 5),
    (lambda x: x.log(), 1),
    (lambda x: x.sin(), 1),
    (lambda x: x.cos(), 2),
    (lambda x: x.tanh(), 2),
    (lambda x: x.sigmoid(), 2),
    (lambda x: x.softplus(), 2),
    (lambda x: x.relu(), 0),
    (lambda x: x.elu(), 0),
    (lambda x: (-x).elu(), 2),
])
def test_local_derivative_costs_follow_the_model(build: Callable[[Value], Value],
                                                  local: int) -> None:
    x = Value(1.5)
    out = build(x)
    assert count_backward_ops(out).local[out._op] == local


def test_a_leaf_alone_costs_nothing() -> None:
    x = Value(1.0)
    assert count_ops(x).total == 0 and count_ops(x).inputs == 1
    assert count_backward_ops(x).total == 0
    assert isinstance(count_ops(x), ForwardCount)
    assert isinstance(count_backward_ops(x), BackwardCount)


def test_errors() -> None:
    with pytest.raises(TypeError, match="Value graph"):
        count_ops(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Value graph"):
        count_backward_ops(Tensor([1.0, 2.0]))  # type: ignore[arg-type]
    odd = Value(1.0).exp()
    odd._op = "mystery"
    with pytest.raises(ValueError, match="no cost model for op 'mystery'"):
        count_backward_ops(odd)
