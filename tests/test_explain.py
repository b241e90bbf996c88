"""``backward_steps`` and ``explain``: the course's hand-worked backpropagation examples,
path sums on shared nodes, the path cap, agreement with ``engine.backward`` on random graphs,
Tensor graphs, and the error messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, Value, topological_order
from autograd_core.explain import BackwardStep, Explanation, Factor, backward_steps, explain

# ------------------------------------------------------------------------------------------
# Course examples
# ------------------------------------------------------------------------------------------


def relu_network() -> dict[str, Value]:
    """Course text 003 (exercise 4, "Neural networks"): z = w1 x, h = max(0, z), yhat = w2 h,
    L = (y - yhat)^2 / 2, with x = 1, y = 5, w1 = 3, w2 = 2."""
    x, y = Value(1.0, "x"), Value(5.0, "y")
    w1, w2 = Value(3.0, "w1"), Value(2.0, "w2")
    z = w1 * x
    z.label = "z"
    h = z.relu()
    h.label = "h"
    yhat = w2 * h
    yhat.label = "yhat"
    loss = (y - yhat) ** 2 / 2
    loss.label = "L"
    return {"x": x, "y": y, "w1": w1, "w2": w2, "z": z, "h": h, "yhat": yhat, "L": loss}


def test_relu_network_dL_dw1_is_2_as_in_the_course() -> None:
    net = relu_network()
    assert (net["z"].data, net["h"].data, net["yhat"].data) == (3.0, 3.0, 6.0)  # forward pass
    e = explain(net["L"], net["w1"])
    assert e.total == 2.0 and e.backward_grad == 2.0 and e.matches
    # dL/dyhat * dyhat/dh * dh/dz * dz/dw1 = (yhat - y) * w2 * 1 * x = (6 - 5) * 2 * 1 * 1
    assert e.paths == [((Factor("dL/dyhat", 1.0), Factor("dyhat/dh", 2.0),
                         Factor("dh/dz", 1.0), Factor("dz/dw1", 1.0)), 2.0)]
    text = str(e)
    assert "dL/dw1 = dL/dyhat * dyhat/dh * dh/dz * dz/dw1" in text
    assert "= 1 * 2 * 1 * 1" in text
    assert "= 2  (backward: 2 ✓)" in text


def test_relu_network_dL_dw2_is_3_as_in_the_course() -> None:
    net = relu_network()
    e = explain(net["L"], net["w2"])
    # dL/dyhat * dyhat/dw2 = (yhat - y) * h = (6 - 5) * 3
    assert e.paths == [((Factor("dL/dyhat", 1.0), Factor("dyhat/dw2", 3.0)), 3.0)]
    assert e.total == 3.0 and e.matches
    assert "dL/dw2 = dL/dyhat * dyhat/dw2" in str(e) and "= 1 * 3" in str(e)


def test_relu_network_gradient_descent_step_from_the_course() -> None:
    # w1 <- 3 - 0.1 * 2 = 2.8 and w2 <- 2 - 0.1 * 3 = 1.7
    net = relu_network()
    final = list(backward_steps(net["L"]))[-1].gradients
    assert net["w1"].data - 0.1 * final[net["w1"]] == pytest.approx(2.8)
    assert net["w2"].data - 0.1 * final[net["w2"]] == pytest.approx(1.7)


def test_unfolded_explanation_shows_every_op_with_generated_names() -> None:
    net = relu_network()
    e = explain(net["L"], net["w1"], fold_unlabeled=False)
    factors, product = e.paths[0]
    # L = v2 / 2, v2 = v1**2, v1 = y + v0, v0 = yhat * (-1): four factors instead of dL/dyhat
    assert [f.value for f in factors] == [0.5, -2.0, 1.0, -1.0, 2.0, 1.0, 1.0]
    assert factors[0].name == "dL/dv2" and factors[3].name == "dv0/dyhat"
    assert product == 2.0 and e.matches
    assert "v0 = yhat * (-1) = -6" in str(e) and "v2 = v1**2 = 1" in str(e)


def sigmoid_network(w1: float, b1: float, w2: float, b2: float) -> dict[str, Value]:
    """Course text 004 ("Adding a hidden layer" and its code example): z1 = w1 x + b1,
    a1 = sigmoid(z1), z2 = w2 a1 + b2, a2 = z2, C = (a2 - y)^2 / 2, with x = 4, y = 2x + 1."""
    x = Value(4.0, "x")
    y = 2 * x.data + 1.0
    params = {"w1": Value(w1, "w1"), "b1": Value(b1, "b1"),
              "w2": Value(w2, "w2"), "b2": Value(b2, "b2")}
    z1 = params["w1"] * x + params["b1"]
    z1.label = "z1"
    a1 = z1.sigmoid()
    a1.label = "a1"
    z2 = params["w2"] * a1 + params["b2"]
    z2.label = "a2"  # the output layer is linear: a2 = z2
    cost = 0.5 * (z2 - y) ** 2
    cost.label = "C"
    return {**params, "x": x, "z1": z1, "a1": a1, "a2": z2, "C": cost, "y": Value(y)}


def course_initial_weights() -> tuple[float, float]:
    # The course's code seeds numpy with 0 and draws w_1, then w_2, with randn.
    w1, w2 = np.random.RandomState(0).randn(2)
    return float(w1), float(w2)


def test_sigmoid_network_chain_rule_factors_from_the_course() -> None:
    w1, w2 = course_initial_weights()
    net = sigmoid_network(w1, 0.01, w2, 0.01)
    assert net["C"].data == pytest.approx(36.89563074, rel=1e-9)  # the first printed loss
    a0, a1, a2, y = net["x"].data, net["a1"].data, net["a2"].data, net["y"].data
    sigma1 = a1 * (1 - a1)
    delta2 = a2 - y  # sigma_2' = 1 for the linear output
    delta1 = delta2 * w2 * sigma1
    e = explain(net["C"], net["w1"])
    # dC/dw1 = dC/da2 * da2/da1 * da1/dz1 * dz1/dw1 = (a2 - y) * w2 * sigma_1' * a0
    assert [f.name for f in e.paths[0][0]] == ["dC/da2", "da2/da1", "da1/dz1", "dz1/dw1"]
    assert [f.value for f in e.paths[0][0]] == pytest.approx([delta2, w2, sigma1, a0])
    assert e.total == pytest.approx(delta1 * a0, rel=1e-12) and e.matches
    assert explain(net["C"], net["b1"]).total == pytest.approx(delta1, rel=1e-12)
    assert explain(net["C"], net["w2"]).total == pytest.approx(delta2 * a1, rel=1e-12)
    assert explain(net["C"], net["b2"]).total == pytest.approx(delta2, rel=1e-12)
    assert "dC/dw1 = dC/da2 * da2/da1 * da1/dz1 * dz1/dw1" in str(e)


def test_sigmoid_network_training_reproduces_the_course_loss_table() -> None:
    # 004 trains 50 steps with eta = 0.1 and prints the loss before each update.
    printed = {0: 36.89563074, 1: 23.62323175, 2: 15.1251681, 9: 0.66694492,
               29: 8.92313548e-05, 49: 1.19371605e-08}
    w1, w2 = course_initial_weights()
    params = {"w1": w1, "b1": 0.01, "w2": w2, "b2": 0.01}
    losses = []
    for _ in range(50):
        net = sigmoid_network(**params)
        losses.append(net["C"].data)
        final = list(backward_steps(net["C"]))[-1].gradients
        params = {k: v - 0.1 * final[net[k]] for k, v in params.items()}
    for step, loss in printed.items():
        assert losses[step] == pytest.approx(loss, rel=1e-6), step


# ------------------------------------------------------------------------------------------
# explain: path sums
# ------------------------------------------------------------------------------------------


def test_node_used_twice_gives_two_paths() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    e = explain(y, x)
    assert e.path_count == 2
    assert e.paths == [((Factor("dy/dx", 3.0),), 3.0), ((Factor("dy/dx", 3.0),), 3.0)]
    assert e.total == 6.0 and e.backward_grad == 6.0 and e.matches
    assert "2 paths" in str(e) and "3 + 3" in str(e) and "= 6  (backward: 6 ✓)" in str(e)


def test_diamond_graph_sums_both_branches() -> None:
    a = Value(2.0, "a")
    b = a * 3
    b.label = "b"
    c = a**2
    c.label = "c"
    d = b * c
    d.label = "d"  # d = 3 a^3, so dd/da = 9 a^2 = 36
    e = explain(d, a)
    assert e.paths == [((Factor("dd/db", 4.0), Factor("db/da", 3.0)), 12.0),
                       ((Factor("dd/dc", 6.0), Factor("dc/da", 4.0)), 24.0)]
    assert e.total == 36.0 and e.matches
    assert "path 1: dd/db * db/da = 4 * 3 = 12" in str(e)


def test_unlabeled_root_and_wrt_get_fallback_names_and_name_renames_wrt() -> None:
    t = Value(2.0)
    f = t.exp() * 3
    assert str(explain(f, t)).startswith("df/dx =")
    renamed = explain(f, t, name="theta")
    assert renamed.symbol == "df/dtheta" and renamed.total == pytest.approx(3 * math.exp(2.0))
    assert "theta = 2 (a leaf)" in str(renamed)


def test_generated_names_avoid_existing_labels() -> None:
    x = Value(0.5, "v0")
    y = x.tanh().sin()
    y.label = "y"
    e = explain(y, x, fold_unlabeled=False)
    assert [f.name for f in e.paths[0][0]] == ["dy/dv1", "dv1/dv0"]


def test_root_is_wrt_gives_the_empty_path() -> None:
    x = Value(1.5, "x")
    e = explain(x, x)
    assert e.paths == [((), 1.0)] and e.total == 1.0 and e.backward_grad == 1.0 and e.matches
    assert "empty path" in str(e)


def test_wrt_not_in_graph_has_derivative_zero() -> None:
    net = relu_network()
    q = Value(7.0, "q")
    e = explain(net["L"], q)
    assert (e.total, e.backward_grad, e.path_count, e.paths, e.matches) == (0.0, 0.0, 0, [], True)
    assert "dL/dq = 0" in str(e) and "not in the graph" in str(e)


def test_path_cap_counts_paths_and_shows_the_per_node_chain_rule() -> None:
    x = Value(1.0001, "x")
    y = x
    for _ in range(10):
        y = y * y  # y = x^1024: each squaring doubles the number of paths
    y.label = "y"
    e = explain(y, x, max_paths=64)
    assert e.path_count == 1024 and e.paths == [] and e.capped
    assert e.total == pytest.approx(1024 * 1.0001**1023, rel=1e-12) and e.matches
    text = str(e)
    assert "1024 paths" in text and "max_paths=64" in text
    assert "dy/dx = dy/dv0 * dv0/dx + dy/dv0 * dv0/dx" in text  # v0 = x * x
    assert "dy/dv8 = dy/dv8 + dy/dv8 = 1.05253 + 1.05253 = 2.10506" in text  # y = v8 * v8
    assert not explain(y, x, max_paths=1024).capped  # at the cap the paths are listed


def test_path_count_is_exact_for_astronomically_many_paths() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(100):
        y = y + y
    e = explain(y, x)
    assert e.path_count == 2**100 and e.total == 2.0**100 and e.matches


def test_deep_chain_needs_no_recursion() -> None:
    x = Value(0.3, "x")
    y = x
    for _ in range(3000):
        y = y * 1.0
    e = explain(y, x)
    assert e.path_count == 1 and e.total == 1.0 and e.matches
    assert len(list(backward_steps(y))) == len(topological_order(y))


def test_explain_leaves_grads_untouched() -> None:
    net = relu_network()
    net["w1"].grad = 0.25  # as if from an earlier pass
    explain(net["L"], net["w1"])
    assert net["w1"].grad == 0.25 and net["yhat"].grad == 0.0


# ------------------------------------------------------------------------------------------
# backward_steps
# ------------------------------------------------------------------------------------------


def test_steps_run_root_first_in_reverse_topological_order() -> None:
    net = relu_network()
    steps = list(backward_steps(net["L"]))
    assert [s.node for s in steps] == list(reversed(topological_order(net["L"])))
    assert steps[0].node is net["L"] and steps[0].gradient == 1.0
    assert [s.index for s in steps] == list(range(len(steps)))


def test_step_records_local_derivatives_contributions_and_snapshot() -> None:
    net = relu_network()
    step = next(s for s in backward_steps(net["L"]) if s.node is net["yhat"])
    assert step.gradient == 1.0  # dL/dyhat = yhat - y
    assert step.parents == (net["w2"], net["h"])
    assert step.local_grads == (3.0, 2.0)  # d(w2 h)/dw2 = h, d(w2 h)/dh = w2
    assert step.contributions == (3.0, 2.0)
    assert step.gradients[net["h"]] == 2.0 and net["w1"] not in step.gradients
    with pytest.raises(TypeError):
        step.gradients[net["w1"]] = 1.0  # type: ignore[index]  # snapshots are read-only


def test_snapshots_are_independent_copies() -> None:
    x = Value(2.0, "x")
    y = (x * x).tanh()
    steps = list(backward_steps(y))
    assert x not in steps[0].gradients  # taken before x * x passed anything on to x ...
    assert steps[1].gradients[x] == pytest.approx(4 * (1 - math.tanh(4.0) ** 2))  # ... 2x y'


def test_backward_steps_leave_grads_untouched() -> None:
    net = relu_network()
    steps = list(backward_steps(net["L"], grad=2.0))
    assert all(node.grad == 0.0 for node in net.values())
    assert steps[-1].gradients[net["w1"]] == 4.0  # the seed scales every gradient


def test_leaf_root_is_a_single_step() -> None:
    x = Value(3.0)
    (step,) = backward_steps(x)
    assert step.node is x and step.contributions == () and dict(step.gradients) == {x: 1.0}


# Random expression graphs: a program of ops over earlier nodes, so nodes get shared.
UNARY = ["tanh", "sigmoid", "relu", "sin", "exp_tanh", "square"]
BINARY = ["+", "-", "*"]


def apply_unary(op: str, a: Value) -> Value:
    if op == "exp_tanh":
        return a.tanh().exp()
    if op == "square":
        return a * a
    return getattr(a, op)()


@st.composite
def expressions(draw: st.DrawFn) -> tuple[list[Value], Value]:
    leaves = [Value(draw(st.floats(-2, 2, allow_subnormal=False)), f"x{i}")
              for i in range(draw(st.integers(1, 3)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 12))):
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        if draw(st.booleans()):
            b = nodes[draw(st.integers(0, len(nodes) - 1))]
            op = draw(st.sampled_from(BINARY))
            nodes.append(a + b if op == "+" else a - b if op == "-" else a * b)
        else:
            nodes.append(apply_unary(draw(st.sampled_from(UNARY)), a))
    return leaves, nodes[-1].tanh()  # tanh keeps the output, and so the gradients, moderate


@settings(max_examples=60, deadline=None)
@given(expressions())
def test_final_step_gradients_equal_engine_backward(graph: tuple[list[Value], Value]) -> None:
    _, root = graph
    nodes = topological_order(root)
    final = list(backward_steps(root))[-1].gradients
    assert all(node.grad == 0.0 for node in nodes)  # untouched by the steps
    root.backward()
    assert set(final) == set(nodes)
    for node in nodes:
        assert final[node] == node.grad  # same arithmetic in the same order: bit for bit


@settings(max_examples=60, deadline=None)
@given(expressions())
def test_explain_path_sum_agrees_with_backward(graph: tuple[list[Value], Value]) -> None:
    leaves, root = graph
    for leaf in leaves:
        e = explain(root, leaf, max_paths=1000)
        assert e.matches and len(e.paths) == e.path_count
        assert all(math.prod(f.value for f in factors) == pytest.approx(p, rel=1e-9, abs=1e-12)
                   for factors, p in e.paths)
        per_node = explain(root, leaf, max_paths=0)  # the chain rule node by node instead
        assert per_node.matches and per_node.capped == (e.path_count > 0)
        assert per_node.total == pytest.approx(e.total, rel=1e-9, abs=1e-12)
    root.backward()
    for leaf in leaves:
        assert explain(root, leaf).total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------------------------------
# Tensor graphs
# ------------------------------------------------------------------------------------------


def tensor_graph() -> tuple[Tensor, Tensor, Tensor]:
    x = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    w = Tensor([[0.3], [-0.7]], requires_grad=True)
    h = (x @ w).tanh() * x[:, :1]  # x is used twice
    return x, w, (h * h).mean()


def test_tensor_steps_match_engine_backward() -> None:
    x, w, loss = tensor_graph()
    steps = list(backward_steps(loss))
    assert x.grad is None and w.grad is None
    loss.backward()
    final = steps[-1].gradients
    np.testing.assert_array_equal(final[x], x.grad)
    np.testing.assert_array_equal(final[w], w.grad)
    for step in steps:
        if step.node._parents:
            np.testing.assert_array_equal(final[step.node], step.node.grad)


def test_tensor_steps_record_vjp_contributions() -> None:
    x, w, loss = tensor_graph()
    steps = list(backward_steps(loss))
    assert steps[0].node is loss and steps[0].gradient.shape == loss.shape
    matmul = next(s for s in steps if s.node._op == "@")
    assert matmul.local_grads == ("vjp", "vjp")
    assert [c.shape for c in matmul.contributions] == [x.shape, w.shape]
    np.testing.assert_allclose(matmul.contributions[1], x.data.T @ matmul.gradient)


def test_tensor_seed_must_match_the_root_shape() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with pytest.raises(ValueError, match="shape"):
        backward_steps(y)
    steps = list(backward_steps(y, grad=np.array([1.0, -1.0])))
    np.testing.assert_array_equal(steps[-1].gradients[x], [3.0, -3.0])


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


def test_errors_name_the_bad_input() -> None:
    v = Value(1.0)
    with pytest.raises(TypeError, match="float"):
        backward_steps(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        backward_steps(v, grad="1")
    with pytest.raises(TypeError, match="list"):
        explain([v], v)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        explain(v, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths"):
        explain(v, v, max_paths=-1)


def test_explain_on_tensor_graphs_points_to_backward_steps() -> None:
    _, w, loss = tensor_graph()
    with pytest.raises(TypeError, match="backward_steps"):
        explain(loss, w)  # type: ignore[arg-type]


def test_types_are_exported_objects() -> None:
    net = relu_network()
    assert isinstance(explain(net["L"], net["x"]), Explanation)
    assert isinstance(next(backward_steps(net["L"])), BackwardStep)


# ------------------------------------------------------------------------------------------
# Drawing a step (needs autograd_core.drawing, written separately)
# ------------------------------------------------------------------------------------------


def box_line(source: str, label: str) -> str:
    """The DOT statement of the record box whose title is ``label`` (braces or not: that
    depends on the layout direction)."""
    (line,) = [ln for ln in source.splitlines()
               if f'label="{label} |' in ln or f'label="{{{label} |' in ln]
    return line


def test_step_draw_highlights_its_node_and_shows_the_gradients_so_far() -> None:
    net = relu_network()
    steps = {s.node: s for s in backward_steps(net["L"])}
    at_h = steps[net["h"]].draw().source
    at_z = steps[net["z"]].draw(rankdir="TB").source
    assert "grad 2" in box_line(at_h, "h")  # dL/dh = w2 * dL/dyhat
    assert "grad ?" in box_line(at_h, "w1")  # not reached yet at h's step
    assert "grad 2" in box_line(at_z, "w1")  # reached by z's step
    # The highlight moves with the step: h's box is drawn differently once z has the turn.
    assert box_line(at_h, "h") != box_line(at_z, "h")
    assert box_line(at_z, "z") != box_line(at_h, "z")
    assert "rankdir=TB" in at_z  # keyword arguments go through to draw_graph


def test_graphs_whose_gradients_are_values_after_create_graph() -> None:
    """Issue 10: after backward(create_graph=True) the leaves' .grad are Values; explaining
    and stepping through the graph (and through the gradient's own graph) still work and
    leave those gradients alone."""
    x = Value(3.0, "x")
    y = x * x * x
    y.backward(create_graph=True)
    dy_dx = x.grad
    assert isinstance(dy_dx, Value) and dy_dx.data == 27.0
    assert explain(y, x).total == 27.0
    second = explain(dy_dx, x)  # d(3 x^2)/dx = 6 x
    assert second.total == 18.0 and second.matches
    steps = list(backward_steps(dy_dx))
    assert steps[-1].gradients[x] == 18.0
    assert "grad 18" in box_line(steps[-1].draw().source, "x")
    assert x.grad is dy_dx and dy_dx.data == 27.0
