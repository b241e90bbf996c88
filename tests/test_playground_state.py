"""The playground's plain-Python part: data sets, settings, training, snapshots, and one
training point's computation on scalar Values (graph, chain rule, backward steps)."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from autograd_core import Tensor
from autograd_core.playground.datasets import (
    DATASETS,
    EXTENT,
    FEATURES,
    feature_matrix,
    grid_points,
)
from autograd_core.playground.inspector import MAX_DRAWN_NODES, render_graph
from autograd_core.playground.state import (
    RESOLUTION,
    Playground,
    Settings,
    SettingsError,
)

# ---- data sets and features -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_data_set_fills_the_square_with_the_right_kind_of_targets(name):
    dataset = DATASETS[name]
    X, y = dataset.make(200, 0.1, np.random.default_rng(0))
    assert X.shape == (200, 2) and y.shape == (200, 1)
    assert np.abs(X).max() < EXTENT
    if dataset.task == "classification":
        assert set(np.unique(y)) == {-1.0, 1.0}
        assert abs(np.mean(y)) < 0.2  # both classes about equally often
    else:
        assert np.abs(y).max() < 2.5 and y.std() > 0.1


def test_the_data_sets_have_their_shapes():
    rng = np.random.default_rng(0)
    X, y = DATASETS["circle"].make(400, 0.0, rng)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y[:, 0] > 0], 2.5) and np.allclose(radius[y[:, 0] < 0], 5.0)
    X, y = DATASETS["xor"].make(400, 0.0, rng)
    assert np.array_equal(np.sign(X[:, 0] * X[:, 1]), y[:, 0])  # +1 where the signs agree
    X, y = DATASETS["gauss"].make(400, 0.0, rng)
    assert np.all(np.sign(X[y[:, 0] > 0].mean(axis=0)) == 1)  # the +1 blob is around (2, 2)
    X, y = DATASETS["reg-plane"].make(400, 0.0, rng)
    assert np.allclose(y[:, 0], (X[:, 0] + X[:, 1]) / 10)


def test_noise_moves_the_points_or_the_targets():
    for name, dataset in DATASETS.items():
        clean = dataset.make(100, 0.0, np.random.default_rng(1))
        noisy = dataset.make(100, 0.5, np.random.default_rng(1))
        moved = not np.allclose(clean[0], noisy[0]) or not np.allclose(clean[1], noisy[1])
        assert moved, name


def test_features_are_the_course_list_computed_from_the_point():
    assert list(FEATURES) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    X = np.array([[2.0, -3.0]])
    row = feature_matrix(X, tuple(FEATURES))[0]
    assert np.allclose(row, [2, -3, 4, 9, -6, math.sin(2), math.sin(-3)])


def test_the_grid_runs_like_an_image_from_the_top_left():
    grid = grid_points(4)
    assert grid.shape == (16, 2)
    assert grid[0, 0] < 0 < grid[0, 1]  # top left: x1 small, x2 large
    assert grid[3, 0] > 0 and grid[3, 1] == grid[0, 1]  # along the top row x1 grows
    assert grid[-1, 0] > 0 > grid[-1, 1]


# ---- settings -----------------------------------------------------------------------------


def test_the_defaults_are_the_course_playgrounds():
    s = Settings()
    assert (s.dataset, s.hidden, s.activation, s.learning_rate, s.batch_size, s.train_fraction,
            s.features) == ("circle", (4, 2), "tanh", 0.03, 10, 0.5, ("x1", "x2"))


def test_settings_from_the_pages_json_replace_only_the_keys_given():
    base = Settings(dataset="xor")
    s = Settings.from_dict({"learning_rate": "0.1", "hidden": [3, "2"], "batch_size": 5.0},
                           base=base)
    assert s.dataset == "xor" and s.learning_rate == 0.1 and s.hidden == (3, 2)
    assert s.batch_size == 5
    assert Settings.from_dict(s.to_dict()) == s
    json.dumps(s.to_dict())


@pytest.mark.parametrize("data, message", [
    ({"learning_rate": -1}, "learning rate must be positive and at most 10, got -1"),
    ({"learning_rate": 0}, "learning rate must be positive"),
    ({"learning_rate": ""}, "learning rate: expected a number, got ''"),
    ({"learning_rate": "abc"}, "learning rate: expected a number, got 'abc'"),
    ({"learning_rate": "nan"}, "learning rate: expected a finite number"),
    ({"regularization_rate": -0.1}, "regularization rate must be between 0 and 10, got -0.1"),
    ({"hidden": [4, 0]}, "hidden layer 2 has 0 neurons; each hidden layer needs 1 to 8"),
    ({"hidden": [9]}, "hidden layer 1 has 9 neurons"),
    ({"hidden": [2] * 7}, "at most 6 hidden layers, got 7"),
    ({"hidden": [1.5]}, "hidden (layer 1): expected a whole number, got 1.5"),
    ({"hidden": "4,2"}, "hidden: expected a list of layer sizes"),
    ({"features": []}, "no input feature chosen"),
    ({"features": ["x3"]}, "feature 'x3' unknown; choose from x1, x2"),
    ({"features": ["x1", "x1"]}, "each feature at most once"),
    ({"dataset": "moons"}, "data set 'moons' unknown; choose one of circle, xor"),
    ({"activation": "gelu"}, "activation 'gelu' unknown; choose one of relu, tanh, sigmoid"),
    ({"regularization": "L3"}, "regularization 'L3' unknown; choose one of none, L1, L2"),
    ({"batch_size": 0}, "batch size must be a whole number from 1 to 30, got 0"),
    ({"noise": 0.6}, "noise must be between 0 and 0.5, got 0.6"),
    ({"train_fraction": 1}, "train fraction must be between 0.1 and 0.9"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"colour": "red"}, "unknown setting(s) colour"),
    ({"noise": True}, "noise: expected a number, got True"),
])
def test_bad_settings_are_refused_with_a_message_naming_the_field(data, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_dict(data)
    assert message in str(caught.value)


def test_settings_must_be_an_object():
    with pytest.raises(SettingsError, match="settings must be a JSON object, got list"):
        Settings.from_dict([1, 2])


def test_settings_check_themselves_when_made_directly():
    with pytest.raises(SettingsError, match="hidden layer 1 has 0 neurons"):
        Settings(hidden=(0,))


# ---- training ------------------------------------------------------------------------------


def test_the_network_is_features_hidden_layers_and_one_output():
    p = Playground(Settings(features=("x1", "x2", "x1*x2"), hidden=(3, 2), activation="relu"))
    assert [(m.in_features, m.out_features) for m in p.linears] == [(3, 3), (3, 2), (2, 1)]
    names = [type(m).__name__ for m in p.model]
    assert names == ["Linear", "ReLU", "Linear", "ReLU", "Linear", "Tanh"]
    regression = Playground(Settings(dataset="reg-plane", hidden=(), activation="linear"))
    assert [type(m).__name__ for m in regression.model] == ["Linear", "Identity"]


def test_the_split_follows_the_training_share():
    p = Playground(Settings(train_fraction=0.3))
    assert len(p.points_train) == 150 and len(p.points_test) == 350


def test_xor_trains_to_a_test_loss_below_a_tenth():
    p = Playground(Settings(dataset="xor"))
    assert p.epoch == 0 and p.history[0][2] > 0.3
    for _ in range(150):
        p.step()
    train, test = p.losses()
    assert test < 0.1 and train < 0.1
    assert p.epoch == 150 and len(p.history) == 151
    assert p.accuracy("test") > 0.95


def test_a_step_is_one_pass_of_minibatch_sgd_on_half_the_squared_error():
    p = Playground(Settings(dataset="gauss", batch_size=30, train_fraction=0.1))
    X, y = p.inputs(p.points_train), p.y_train  # 50 points: batches of 30 and 20
    weights = [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in p.linears]
    order = np.random.default_rng([0, 1, 1]).permutation(len(X))  # the first reset's shuffler
    for start in (0, 30):
        rows = order[start:start + 30]
        h = X[rows]
        activations = [h]
        for W, b in weights:
            h = np.tanh(h @ W.T + b)  # tanh between the layers and at the output
            activations.append(h)
        delta = (h - y[rows]) / len(rows) * (1 - h ** 2)  # d(mean 1/2 (yhat - y)^2)/dz
        grads = []
        for k in reversed(range(len(weights))):
            W, _ = weights[k]
            grads.append((delta.T @ activations[k], delta.sum(axis=0)))
            delta = (delta @ W) * (1 - activations[k] ** 2)
        for (W, b), (gW, gb) in zip(weights, reversed(grads)):
            W -= 0.03 * gW
            b -= 0.03 * gb
    p.step()
    for layer, (W, b) in zip(p.linears, weights):
        assert np.allclose(layer.weight.data, W, atol=1e-12)
        assert np.allclose(layer.bias.data, b, atol=1e-12)


@pytest.mark.parametrize("kind", ["L1", "L2"])
def test_regularisation_shrinks_the_weights(kind):
    def weight_size(settings):
        p = Playground(settings)
        p.step(20)
        return sum(np.abs(layer.weight.data).sum() for layer in p.linears)

    free = weight_size(Settings(dataset="xor"))
    shrunk = weight_size(Settings(dataset="xor", regularization=kind, regularization_rate=0.03))
    assert shrunk < 0.8 * free


def test_the_reported_losses_leave_the_penalty_out():
    p = Playground(Settings(regularization="L2", regularization_rate=1.0))
    prediction = p.predict(p.points_test)
    assert p.losses()[1] == pytest.approx(0.5 * np.mean((prediction - p.y_test) ** 2))


def test_reset_draws_new_weights_repeatably():
    first, second = Playground(), Playground()
    assert np.array_equal(first.linears[0].weight.data, second.linears[0].weight.data)
    first.step(3)
    first.reset()
    assert first.epoch == 0 and len(first.history) == 1
    assert not np.array_equal(first.linears[0].weight.data, second.linears[0].weight.data)


def test_changing_the_learning_rate_keeps_training_the_same_network():
    p = Playground()
    p.step(2)
    weights = p.linears[0].weight.data.copy()
    assert p.update(Settings(learning_rate=0.3, batch_size=5)) is False
    assert p.epoch == 2 and np.array_equal(p.linears[0].weight.data, weights)
    assert p.optimizer.param_groups[0]["lr"] == 0.3
    assert p.update(Settings(learning_rate=0.3, batch_size=5, hidden=(3,))) is True
    assert p.epoch == 0 and [m.out_features for m in p.linears] == [3, 1]


def test_new_data_only_when_the_data_settings_change():
    p = Playground()
    points = p.points_train.copy()
    p.update(Settings(activation="relu"))
    assert np.array_equal(p.points_train, points)
    p.update(Settings(activation="relu", seed=1))
    assert not np.array_equal(p.points_train, points)


def test_step_needs_a_positive_number_of_epochs():
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        Playground().step(0)


# ---- snapshots ---------------------------------------------------------------------------


def decode(map_text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(map_text), dtype=np.uint8) / 127.5 - 1


def test_a_snapshot_has_a_heat_map_per_neuron_and_the_weights():
    p = Playground(Settings(features=("x1", "x2", "sin(x1)"), hidden=(4, 2)))
    state = p.snapshot()
    json.dumps(state)
    assert state["layers"] == [3, 4, 2, 1]
    assert [len(maps) for maps in state["maps"]] == [4, 2, 1]
    assert all(len(decode(m)) == RESOLUTION ** 2 for maps in state["maps"] for m in maps)
    assert len(state["feature_maps"]) == 3
    assert np.array_equal(np.array(state["weights"][0]), p.linears[0].weight.data)
    assert len(state["train_points"]) == 250 and len(state["train_points"][0]) == 3
    assert "train_points" not in p.snapshot(full=False)
    assert p.snapshot(full=False)["settings"]["hidden"] == [4, 2]


def test_the_output_heat_map_is_the_networks_output_on_the_grid():
    p = Playground(Settings(dataset="xor"))
    p.step(30)
    output = decode(p.snapshot()["maps"][-1][0])
    expected = np.clip(p.predict(grid_points(RESOLUTION))[:, 0], -1, 1)
    assert np.abs(output - expected).max() <= 1 / 127.5
    x1_map = decode(p.snapshot()["feature_maps"][0]).reshape(RESOLUTION, RESOLUTION)
    assert x1_map[0, 0] < 0 < x1_map[0, -1]  # x1 grows to the right


def test_the_loss_curve_sent_is_thinned_but_keeps_the_last_epoch():
    p = Playground()
    p.history = [(epoch, 0.5, 0.5) for epoch in range(701)]  # as after 700 epochs
    history = p.snapshot(full=False)["history"]
    assert len(history) <= 302 and history[-1][0] == 700 and history[0][0] == 0


# ---- one training point on scalar Values ---------------------------------------------------


def test_the_scalar_network_computes_what_the_tensor_network_does():
    p = Playground(Settings(features=("x1", "x2", "x1^2", "sin(x2)"), hidden=(3, 2),
                            activation="relu"))
    p.step(5)
    for point in (0, 7, 100):
        network = p.point_network(point)
        assert network.output.data == pytest.approx(p.predict(p.points_train[point:point + 1])
                                                    [0, 0], abs=1e-12)
        assert network.loss.data == pytest.approx(
            0.5 * (network.output.data - p.y_train[point, 0]) ** 2, abs=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_the_scalar_gradients_are_the_tensor_gradients_of_that_points_loss(activation):
    p = Playground(Settings(dataset="reg-gauss", activation=activation, hidden=(3, 2)))
    p.step(2)
    point = 11
    p.optimizer.zero_grad()
    x = Tensor(p.inputs(p.points_train[point:point + 1]))
    loss = 0.5 * ((p.model(x) - Tensor(p.y_train[point:point + 1])) ** 2).sum()
    loss.backward()
    network = p.point_network(point)
    for layer, linear in enumerate(p.linears, 1):
        for (to, source), grad in np.ndenumerate(linear.weight.grad):
            assert network.weights[(layer, to, source)].grad == pytest.approx(grad, abs=1e-12)
        for to, grad in enumerate(linear.bias.grad):
            assert network.biases[(layer, to)].grad == pytest.approx(grad, abs=1e-12)


def test_the_nodes_are_labelled_in_the_courses_notation():
    network = Playground(Settings(hidden=(2,))).point_network(0)
    assert [v.label for v in network.neurons[0]] == ["x1", "x2"]
    assert [v.label for v in network.neurons[1]] == ["h1[1]", "h1[2]"]
    assert network.output.label == "yhat" and network.loss.label == "L"
    assert network.weights[(1, 1, 0)].label == "W1[2,1]"
    assert network.biases[(2, 0)].label == "b2[1]"
    assert network.neurons[1][0]._parents[0].label == "z1[1]"


def test_a_clicked_weight_is_explained_path_by_path_in_the_courses_notation():
    p = Playground(Settings(dataset="xor", hidden=(2,)))
    p.step(3)
    inspection = p.inspect(4, weight=(1, 0, 1))
    text = str(inspection.explanation)
    assert text.startswith("dL/dW1[1,2] = dL/dyhat * dyhat/dz2[1] * dz2[1]/dh1[1] * "
                           "dh1[1]/dz1[1] * dz1[1]/dW1[1,2]")
    assert inspection.explanation.matches and "✓" in text
    weight = p.point_network(4).weights[(1, 0, 1)]
    assert inspection.explanation.backward_grad == weight.grad
    assert inspection.graph_root.label == "h1[1]" and inspection.node is weight


def test_a_clicked_neuron_shows_its_own_graph_and_dL_by_its_output():
    p = Playground()
    inspection = p.inspect(0, neuron=(2, 1))
    answer = inspection.to_json()
    assert inspection.graph_root is inspection.node and inspection.node.label == "h2[2]"
    assert answer["graph"]["svg"].startswith("<svg")
    assert "h2[2]" in answer["graph"]["svg"] and "W1[1,1]" in answer["graph"]["svg"]
    assert "L" not in {node.label for node in _graph(inspection.graph_root)}  # its own part
    assert answer["explanation"].startswith("dL/dh2[2] = ")
    assert answer["gradient"] == pytest.approx(inspection.node.grad)


def _graph(root):
    from autograd_core import topological_order

    return topological_order(root)


@pytest.mark.parametrize("neuron, weight, message", [
    ((3, 1), None, "neuron [3, 1] does not exist: layers 0 to 3, sizes [2, 4, 2, 1]"),
    ((0, 2), None, "neuron [0, 2] does not exist"),
    (None, (1, 4, 0), "weight [1, 4, 0] does not exist"),
    (None, (0, 0, 0), "weight [0, 0, 0] does not exist"),
    (None, None, "give either a neuron or a weight"),
    ((1, 0), (1, 0, 0), "give either a neuron or a weight"),
    ("h1", None, "neuron must be [layer, index]"),
    (None, [1, 0], "weight must be [layer, to, from]"),
])
def test_a_click_on_nothing_is_refused_clearly(neuron, weight, message):
    with pytest.raises(ValueError) as caught:
        Playground().inspect(0, neuron=neuron, weight=weight)
    assert message in str(caught.value)


def test_the_point_must_be_a_training_point():
    with pytest.raises(ValueError, match="training point's index from 0 to 249, got 250"):
        Playground().inspect(250, neuron=(1, 0))


def test_the_point_network_is_redone_after_training():
    p = Playground()
    before = p.point_network(3)
    assert p.point_network(3) is before
    p.step()
    after = p.point_network(3)
    assert after is not before and after.output.data != before.output.data


def test_backward_steps_replay_the_pass_from_L_to_the_leaves():
    network = Playground(Settings(hidden=(2,))).point_network(5)
    first = network.backward_step(0)
    assert first["node"].startswith("L = ") and first["gradient"] == 1.0
    assert first["index"] == 0 and first["count"] == len(network.steps)
    assert first["sends"][0]["local"] == 0.5  # L = 0.5 * (yhat - y)**2
    assert first["graph"]["svg"].startswith("<svg")
    last = network.backward_step(first["count"] - 1)
    assert last["sends"] == []  # a leaf
    by_label = {step.node.label: step for step in network.steps if step.node.label}
    assert by_label["W1[1,2]"].gradient == network.weights[(1, 0, 1)].grad
    with pytest.raises(ValueError, match=r"backward step must be from 0 to \d+, got -1"):
        network.backward_step(-1)


def test_a_step_describes_its_node_by_its_formula():
    network = Playground(Settings(hidden=(2,))).point_network(0)
    sums = [k for k, step in enumerate(network.steps) if step.node._op == "+"]
    texts = [network.backward_step(k)["node"] for k in sums]
    assert any(text.startswith("(W2[1,1] * h1[1]) + (W2[1,2] * h1[2]) = ") for text in texts)


def test_without_a_renderer_the_page_gets_the_reason_and_the_dot_text(monkeypatch):
    from autograd_core import render

    monkeypatch.setattr(render, "find_renderer", lambda: None)
    answer = Playground().inspect(0, neuron=(1, 0)).to_json()
    assert "svg" not in answer["graph"]
    assert answer["graph"]["error"].startswith("the graph cannot be drawn: cannot draw the "
                                               "graph: neither Graphviz's `dot`")
    assert answer["graph"]["dot"].startswith("digraph")
    assert answer["explanation"].startswith("dL/dh1[1]")  # the chain rule needs no renderer


def test_a_graph_too_large_to_draw_is_described_instead():
    p = Playground(Settings(features=tuple(FEATURES), hidden=(8, 8, 8)))
    network = p.point_network(0)
    answer = render_graph(network.loss, "too big")
    assert answer == {"error": f"this graph has {len(_graph(network.loss))} nodes, more than "
                               f"the {MAX_DRAWN_NODES} drawn here; click a neuron nearer the "
                               "inputs or use a smaller network"}
    assert "svg" in render_graph(network.neurons[1][0], "small")
