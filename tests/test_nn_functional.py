"""nn.functional: every function against its closed form in numpy (the losses for every
reduction), gradients against central differences, forward-mode tangents against reverse mode,
second derivatives (create_graph) against differences of first ones, the layers and loss
modules computing exactly their function, PyTorch's edge numbers and every error path."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tensor_forward_mode import check_forward
from test_tensor_gradients import arrays, away_from, check, floats, shape_strategies
from test_tensor_higher_order import check_second

import autograd_core as ac
from autograd_core import Tensor, Value, nn
from autograd_core.nn import functional as F

CASES = settings(max_examples=20, deadline=None)
SECOND = settings(max_examples=8, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]
_, shapes, _ = shape_strategies(3)  # at least one axis, sides <= 3: gradchecks stay quick

erf = np.vectorize(math.erf)


def reduce(losses: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(losses.mean())
    if reduction == "sum":
        return np.asarray(losses.sum())
    return losses


def assert_close(out: Tensor, expected: np.ndarray) -> None:
    assert isinstance(out, Tensor)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)


def test_import_spellings() -> None:
    import autograd_core.nn.functional as functional

    assert functional is F is nn.functional
    assert all(callable(getattr(F, name)) for name in F.__all__)
    assert F.linear is ac.linear  # PyTorch's F.linear: the fused node itself


# ------------------------------------------------------------------------------------------------
# activations
# ------------------------------------------------------------------------------------------------

def gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name: (the function, its closed form, inputs away from its kinks, piecewise linear?)
ACTIVATIONS: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[np.ndarray], np.ndarray],
                             st.SearchStrategy[float], bool]] = {
    "relu": (F.relu, lambda x: np.maximum(x, 0), away_from((0.0,), -3, 3), True),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x),
                   away_from((0.0,), -3, 3), True),
    "leaky_relu(0.2)": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x),
                        away_from((0.0,), -3, 3), True),
    "elu(0.7)": (lambda t: F.elu(t, alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)),
                 away_from((0.0,), -3, 3), False),
    "gelu": (F.gelu, lambda x: x / 2 * (1 + erf(x / math.sqrt(2))), floats(-4, 4), False),
    "gelu(tanh)": (lambda t: F.gelu(t, approximate="tanh"), gelu_tanh, floats(-4, 4), False),
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x)), floats(-4, 4), False),
    "tanh": (F.tanh, np.tanh, floats(-3, 3), False),
    "softplus": (F.softplus, lambda x: np.log1p(np.exp(x)), floats(-4, 4), False),
    "softplus(2, 3)": (lambda t: F.softplus(t, beta=2.0, threshold=3.0),
                       lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2),
                       away_from((1.5,), -3, 3), False),
    "softmax(dim=-1)": (lambda t: F.softmax(t, dim=-1), lambda x: softmax(x, -1),
                        floats(-4, 4), False),
    "softmax(0)": (lambda t: F.softmax(t, 0), lambda x: softmax(x, 0), floats(-4, 4), False),
    "log_softmax(dim=-1)": (lambda t: F.log_softmax(t, dim=-1), lambda x: np.log(softmax(x, -1)),
                            floats(-4, 4), False),
    "log_softmax(0)": (lambda t: F.log_softmax(t, 0), lambda x: np.log(softmax(x, 0)),
                       floats(-4, 4), False),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@CASES
@given(data=st.data(), shape=shapes)
def test_activation_closed_forms_and_gradients(name: str, data: st.DataObject,
                                               shape: tuple[int, ...]) -> None:
    f, formula, elements, _ = ACTIVATIONS[name]
    x = data.draw(arrays(shape, elements))
    assert_close(f(Tensor(x)), formula(x))
    check(f, x)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@CASES
@given(data=st.data(), shape=shapes)
def test_activation_tangents(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    f, _, elements, _ = ACTIVATIONS[name]
    check_forward(f, data.draw(arrays(shape, elements)))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@SECOND
@given(data=st.data(), shape=shapes)
def test_activation_second_derivatives(name: str, data: st.DataObject,
                                       shape: tuple[int, ...]) -> None:
    f, _, elements, piecewise_linear = ACTIVATIONS[name]
    check_second(f, data.draw(arrays(shape, elements)), square=piecewise_linear)


def test_gelu_at_known_points() -> None:
    # x Phi(x): Phi(1) = 0.8413447460685429, Phi(-1) = 1 - Phi(1); gelu(0) = 0
    out = F.gelu(Tensor([1.0, -1.0, 0.0]))
    np.testing.assert_allclose(out.data, [0.8413447460685429, -0.15865525393145707, 0.0],
                               rtol=1e-15)
    x = Tensor([1.0, -1.0], requires_grad=True)
    F.gelu(x).sum().backward()
    # d/dx x Phi(x) = Phi(x) + x phi(x), phi(1) = e^(-1/2) / sqrt(2 pi)
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(x.grad, [0.8413447460685429 + phi, 0.15865525393145707 - phi],
                               rtol=1e-14)


def test_gelu_tanh_differs_from_exact_by_little_and_keeps_float32() -> None:
    x = np.linspace(-5, 5, 101)
    exact, approx = F.gelu(Tensor(x)).data, F.gelu(Tensor(x), approximate="tanh").data
    assert 0 < np.abs(exact - approx).max() < 1e-3  # two formulas, close to each other
    for approximate in ("none", "tanh"):
        assert F.gelu(Tensor(x, dtype=np.float32), approximate).dtype == np.float32


def test_activations_accept_arrays_and_lists() -> None:
    assert np.array_equal(F.relu([-1.0, 2.0]).data, [0.0, 2.0])
    assert np.array_equal(F.tanh(np.zeros(2)).data, [0.0, 0.0])
    assert F.softmax([[1.0, 1.0]], dim=1).data.tolist() == [[0.5, 0.5]]


def test_softplus_is_linear_above_the_threshold() -> None:
    x = Tensor([25.0, 20.0, 10.5, 9.0], requires_grad=True)
    out = F.softplus(x, beta=0.5, threshold=5.0)  # beta x: 12.5, 10, 5.25 (linear); 4.5 (not)
    np.testing.assert_array_equal(out.data[:3], [25.0, 20.0, 10.5])
    assert out.data[3] == pytest.approx(math.log1p(math.exp(4.5)) / 0.5, rel=1e-15)
    out.sum().backward()
    assert x.grad[:3].tolist() == [1.0, 1.0, 1.0]
    assert x.grad[3] == pytest.approx(1 / (1 + math.exp(-4.5)), rel=1e-14)


def test_log_softmax_is_finite_for_logits_of_plus_minus_1000() -> None:
    out = F.log_softmax(Tensor([[1000.0, -1000.0, 0.0]]), dim=1)
    np.testing.assert_allclose(out.data, [[0.0, -2000.0, -1000.0]], rtol=1e-15)


# ------------------------------------------------------------------------------------------------
# losses: closed forms for every reduction
# ------------------------------------------------------------------------------------------------

@st.composite
def input_and_gap(draw: st.DrawFn, kinks: tuple[float, ...] = (0.0,),
                  shape_strategy: st.SearchStrategy[Any] = shapes,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """An input x and a target t = x - d, the differences d away from the loss's kinks."""
    shape = draw(shape_strategy)
    x = draw(arrays(shape, floats(-3, 3)))
    d = draw(arrays(shape, away_from(kinks, -4, 4)))
    return x, np.asarray(x - d)


def huber(d: np.ndarray, delta: float) -> np.ndarray:
    return np.where(np.abs(d) < delta, 0.5 * d**2, delta * (np.abs(d) - delta / 2))


def smooth_l1(d: np.ndarray, beta: float) -> np.ndarray:
    return np.where(np.abs(d) < beta, 0.5 * d**2 / beta, np.abs(d) - beta / 2)


# name: (loss(x, t, reduction), per-element closed form of (x, t), kinks of d = x - t)
ELEMENTWISE: dict[str, tuple[Callable[..., Tensor], Callable[..., np.ndarray],
                             tuple[float, ...]]] = {
    "mse_loss": (lambda x, t, r: F.mse_loss(x, t, reduction=r), lambda x, t: (x - t) ** 2, ()),
    "l1_loss": (lambda x, t, r: F.l1_loss(x, t, reduction=r), lambda x, t: np.abs(x - t),
                (0.0,)),
    "huber_loss": (lambda x, t, r: F.huber_loss(x, t, reduction=r),
                   lambda x, t: huber(x - t, 1.0), (-1.0, 1.0)),
    "huber_loss(delta=0.5)": (lambda x, t, r: F.huber_loss(x, t, reduction=r, delta=0.5),
                              lambda x, t: huber(x - t, 0.5), (-0.5, 0.5)),
    "smooth_l1_loss": (lambda x, t, r: F.smooth_l1_loss(x, t, reduction=r),
                       lambda x, t: smooth_l1(x - t, 1.0), (-1.0, 1.0)),
    "smooth_l1_loss(beta=2)": (lambda x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=2.0),
                               lambda x, t: smooth_l1(x - t, 2.0), (-2.0, 2.0)),
    "smooth_l1_loss(beta=0)": (lambda x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.0),
                               lambda x, t: np.abs(x - t), (0.0,)),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
@CASES
@given(data=st.data())
def test_elementwise_losses_closed_forms_and_gradients(name: str, reduction: str,
                                                       data: st.DataObject) -> None:
    loss, formula, kinks = ELEMENTWISE[name]
    x, t = data.draw(input_and_gap(kinks))
    assert_close(loss(Tensor(x), t, reduction), reduce(formula(x, t), reduction))
    assert_close(loss(Tensor(x), t.tolist(), reduction), reduce(formula(x, t), reduction))
    check(lambda x_, t_: loss(x_, t_, reduction), x, t)  # the target's gradient too


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
@SECOND
@given(data=st.data())
def test_elementwise_losses_tangents_and_second_derivatives(name: str, reduction: str,
                                                            data: st.DataObject) -> None:
    loss, _, kinks = ELEMENTWISE[name]
    x, t = data.draw(input_and_gap(kinks))
    check_forward(lambda x_, t_: loss(x_, t_, reduction), x, t)
    check_second(lambda x_, t_: loss(x_, t_, reduction), x, t, square=name == "l1_loss")


def test_huber_and_smooth_l1_by_hand_on_both_pieces_and_at_the_joins() -> None:
    d = np.array([0.0, 0.5, -1.0, 1.0, 3.0, -4.0])
    x = Tensor(d, requires_grad=True)
    out = F.huber_loss(x, np.zeros(6), reduction="none", delta=1.0)
    np.testing.assert_array_equal(out.data, [0.0, 0.125, 0.5, 0.5, 2.5, 3.5])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, -1.0, 1.0, 1.0, -1.0])  # d clipped
    y = Tensor(d, requires_grad=True)
    out = F.smooth_l1_loss(y, np.zeros(6), reduction="none", beta=2.0)
    np.testing.assert_array_equal(out.data, [0.0, 0.0625, 0.25, 0.25, 2.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 0.25, -0.5, 0.5, 1.0, -1.0])  # d/beta clipped


@pytest.mark.parametrize("loss", [
    lambda x: F.huber_loss(x, np.zeros(3), reduction="none", delta=2.0),
    lambda x: F.smooth_l1_loss(x, np.zeros(3), reduction="none", beta=2.0),
])
def test_huber_and_smooth_l1_do_not_overflow_for_huge_differences(loss: Callable) -> None:
    # 0.5 d^2 would overflow to inf at d = 1e200, even on the piece that is not used
    x = Tensor([1e200, -1e200, 1.0], requires_grad=True)
    with np.errstate(all="raise"), ac.detect_anomaly():
        out = loss(x)
        out.sum().backward()
    assert np.all(np.isfinite(out.data)) and out.data[0] == out.data[1] > 1e199
    assert x.grad.tolist() in ([2.0, -2.0, 1.0], [1.0, -1.0, 0.5])


@st.composite
def probabilities_and_targets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(shapes)
    return (draw(arrays(shape, floats(0.05, 0.95))), draw(arrays(shape, floats(0, 1))))


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(pt=probabilities_and_targets())
def test_binary_cross_entropy(reduction: str, pt: Any) -> None:
    p, t = pt
    f = lambda p_, t_: F.binary_cross_entropy(p_, t_, reduction=reduction)
    assert_close(f(Tensor(p), t), reduce(-(t * np.log(p) + (1 - t) * np.log1p(-p)), reduction))
    check(f, p, t)
    check_forward(f, p, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(pt=probabilities_and_targets(), weighted=st.booleans())
def test_binary_cross_entropy_with_logits(reduction: str, pt: Any, weighted: bool) -> None:
    q, t = pt
    z = np.log(q / (1 - q)) * 2  # logits in about (-6, 6)
    w = np.arange(1.0, z.shape[-1] + 1) if weighted else None
    f = lambda z_, t_: F.binary_cross_entropy_with_logits(z_, t_, reduction=reduction,
                                                          pos_weight=w)
    scale = 1.0 if w is None else w
    expected = -(scale * t * log_sigmoid(z) + (1 - t) * log_sigmoid(-z))
    assert_close(f(Tensor(z), t), reduce(expected, reduction))
    check(f, z, t)
    check_forward(f, z, t)


@SECOND
@given(pt=probabilities_and_targets(), reduction=st.sampled_from(REDUCTIONS))
def test_binary_cross_entropies_second_derivatives(pt: Any, reduction: str) -> None:
    p, t = pt
    check_second(lambda p_: F.binary_cross_entropy(p_, t, reduction=reduction), p)
    check_second(lambda z_: F.binary_cross_entropy_with_logits(z_, t, reduction=reduction,
                                                               pos_weight=2.0), p)


def test_binary_cross_entropy_with_logits_at_plus_minus_1000() -> None:
    z = Tensor([1000.0, 1000.0, -1000.0, -1000.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, [1.0, 0.0, 1.0, 0.0], reduction="none")
    np.testing.assert_array_equal(loss.data, [0.0, 1000.0, 1000.0, 0.0])
    loss.sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 1.0, -1.0, 0.0])  # sigmoid(z) - t


def test_binary_cross_entropy_clamps_at_100() -> None:
    loss = F.binary_cross_entropy(Tensor([0.0, 1.0]), [1.0, 0.0], reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0])


@st.composite
def logits_and_labels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rows, classes = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    z = draw(arrays((rows, classes), floats(-5, 5)))
    labels = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, classes - 1)))
    return z, labels


def log_softmax_rows(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zy=logits_and_labels(), smoothing=st.sampled_from([0.0, 0.1, 1.0]))
def test_cross_entropy(reduction: str, zy: Any, smoothing: float) -> None:
    z, labels = zy
    q = (1 - smoothing) * np.eye(z.shape[1])[labels] + smoothing / z.shape[1]
    f = lambda z_: F.cross_entropy(z_, labels, reduction=reduction, label_smoothing=smoothing)
    assert_close(f(Tensor(z)), reduce(-(q * log_softmax_rows(z)).sum(axis=1), reduction))
    check(f, z)
    check_forward(f, z)


@SECOND
@given(zy=logits_and_labels(), reduction=st.sampled_from(REDUCTIONS),
       smoothing=st.sampled_from([0.0, 0.3]))
def test_cross_entropy_second_derivatives(zy: Any, reduction: str, smoothing: float) -> None:
    z, labels = zy
    check_second(lambda z_: F.cross_entropy(z_, labels, reduction=reduction,
                                            label_smoothing=smoothing), z)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zy=logits_and_labels(), as_tensor=st.booleans())
def test_nll_loss(reduction: str, zy: Any, as_tensor: bool) -> None:
    x, labels = zy
    target = Tensor(labels) if as_tensor else labels.tolist()  # a Tensor holds whole floats
    f = lambda x_: F.nll_loss(x_, target, reduction=reduction)
    assert_close(f(Tensor(x)), reduce(-x[np.arange(len(labels)), labels], reduction))
    check(f, x)
    check_forward(f, x)
    check_second(f, x, square=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zy=logits_and_labels())
def test_nll_of_log_softmax_is_cross_entropy(reduction: str, zy: Any) -> None:
    z, labels = zy
    a, b = Tensor(z, requires_grad=True), Tensor(z, requires_grad=True)
    composed = F.nll_loss(F.log_softmax(a, dim=1), labels, reduction=reduction)
    fused = F.cross_entropy(b, labels, reduction=reduction)
    np.testing.assert_allclose(composed.data, fused.data, rtol=1e-12, atol=1e-14)
    composed.backward(np.ones(composed.shape))
    fused.backward(np.ones(fused.shape))
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12, atol=1e-14)


def test_nll_loss_gradient_is_minus_onehot_over_n() -> None:
    x = Tensor(np.zeros((3, 4)), requires_grad=True)
    F.nll_loss(x, [1, 3, 1]).backward()
    np.testing.assert_array_equal(x.grad, -np.eye(4)[[1, 3, 1]] / 3)


def test_mse_loss_on_a_list_of_values_gives_a_value() -> None:
    xs = [Value(1.0), Value(-2.0)]
    loss = F.mse_loss(xs, [0.0, 1.0])
    assert isinstance(loss, Value) and loss.data == pytest.approx((1 + 9) / 2)
    loss.backward()
    assert [x.grad for x in xs] == pytest.approx([1.0, -3.0])


# ------------------------------------------------------------------------------------------------
# one_hot, embedding, layer_norm, dropout
# ------------------------------------------------------------------------------------------------

def test_one_hot() -> None:
    out = F.one_hot(np.array([[2, 0], [1, 2]]))
    assert out.shape == (2, 2, 3) and out.dtype == np.float64 and not out.requires_grad
    np.testing.assert_array_equal(out.data, np.eye(3)[[[2, 0], [1, 2]]])
    np.testing.assert_array_equal(F.one_hot([0, 1], num_classes=4).data, np.eye(4)[[0, 1]])
    np.testing.assert_array_equal(F.one_hot(Tensor([1.0, 0.0])).data, [[0, 1], [1, 0]])
    assert F.one_hot(np.zeros(0, dtype=int), num_classes=2).shape == (0, 2)


@st.composite
def table_and_indices(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rows, dim = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    weight = draw(arrays((rows, dim), floats(-3, 3)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    return weight, draw(hnp.arrays(np.int64, shape, elements=st.integers(0, rows - 1)))


@CASES
@given(wi=table_and_indices())
def test_embedding_looks_up_rows_and_adds_up_their_gradients(wi: Any) -> None:
    weight, indices = wi
    w = Tensor(weight, requires_grad=True)
    out = F.embedding(indices, w)
    assert_close(out, weight[indices])
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(g)
    expected = np.zeros_like(weight)
    np.add.at(expected, indices, g)  # repeated indices accumulate
    np.testing.assert_allclose(w.grad, expected, rtol=1e-14)
    check(lambda w_: F.embedding(indices, w_), weight)
    check_forward(lambda w_: F.embedding(indices, w_), weight)
    check_second(lambda w_: F.embedding(indices, w_), weight, square=True)


def test_embedding_padding_idx_gets_no_gradient_but_is_looked_up() -> None:
    weight = np.arange(12.0).reshape(4, 3)
    for padding_idx in (1, -3):
        w = Tensor(weight, requires_grad=True)
        out = F.embedding([[1, 2], [1, 1]], w, padding_idx=padding_idx)
        np.testing.assert_array_equal(out.data, weight[[[1, 2], [1, 1]]])  # not zeroed here
        out.backward(np.ones(out.shape))
        np.testing.assert_array_equal(w.grad, [[0, 0, 0], [0, 0, 0], [1, 1, 1], [0, 0, 0]])


@st.composite
def normalised(draw: st.DrawFn) -> tuple[np.ndarray, tuple[int, ...]]:
    """An input of shape (*lead, *normalized_shape) with a spread in every sample."""
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=2))
    normalized = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=3))
    x = draw(arrays((*lead, *normalized), floats(-3, 3)))
    # A ramp steeper than x's own spread: every sample then spans at least 1, far from the
    # variance 0 where 1 / sqrt(var + eps) is steep and central differences go wrong.
    ramp = np.linspace(0, 1, math.prod(normalized)).reshape(normalized)
    return x + (1 + 2 * np.abs(x).max()) * ramp, normalized


@CASES
@given(xs=normalised(), affine=st.booleans())
def test_layer_norm(xs: Any, affine: bool) -> None:
    x, shape = xs
    axes = tuple(range(-len(shape), 0))
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    g = np.random.default_rng(1)
    weight, bias = g.uniform(0.5, 2, shape), g.standard_normal(shape)
    if affine:
        f = lambda x_, w_, b_: F.layer_norm(x_, shape, w_, b_, eps=1e-3)
        assert_close(f(Tensor(x), weight, bias),
                     (x - mean) / np.sqrt(var + 1e-3) * weight + bias)
        inputs = (x, weight, bias)
    else:
        f = lambda x_: F.layer_norm(x_, list(shape))
        assert_close(f(Tensor(x)), (x - mean) / np.sqrt(var + 1e-5))
        inputs = (x,)
    check(f, *inputs)
    check_forward(f, *inputs)


@SECOND
@given(xs=normalised())
def test_layer_norm_second_derivatives(xs: Any) -> None:
    x, shape = xs
    check_second(lambda x_, w_: F.layer_norm(x_, shape, w_), x, np.full(shape, 1.5))


def test_layer_norm_of_a_large_mean_keeps_the_variance() -> None:
    # the variance of the centred values: E[x^2] - E[x]^2 would cancel to 0 here
    x = 1e8 + np.array([[-1.0, 0.0, 1.0]])
    out = F.layer_norm(Tensor(x), 3, eps=0.0)
    np.testing.assert_allclose(out.data, [[-math.sqrt(1.5), 0.0, math.sqrt(1.5)]], rtol=1e-8)


def test_dropout_function() -> None:
    x = Tensor(np.ones((100, 100)), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    out = F.dropout(x, 0.25, generator=np.random.default_rng(0))  # training=True by default
    kept = out.data != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.02)
    np.testing.assert_array_equal(out.data[kept], 1 / 0.75)
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad, np.where(kept, 1 / 0.75, 0.0))
    again = F.dropout(x, 0.25, True, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(again.data, out.data)  # one seed, one mask
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0.0)


@SECOND
@given(data=st.data(), shape=shapes, p=st.sampled_from([0.2, 0.5]))
def test_dropout_derivatives_with_a_fixed_mask(data: st.DataObject, shape: tuple[int, ...],
                                               p: float) -> None:
    # a fresh generator of one seed per call: the same mask every time, a fixed linear map
    f = lambda x_: F.dropout(x_, p, generator=np.random.default_rng(7))
    x = data.draw(arrays(shape, floats(-3, 3)))
    check(f, x)
    check_forward(f, x)
    check_second(f, x, square=True)


# ------------------------------------------------------------------------------------------------
# the modules compute exactly their function
# ------------------------------------------------------------------------------------------------

X = np.random.default_rng(2).uniform(-3, 3, (4, 5))
T = np.random.default_rng(3).uniform(-3, 3, (4, 5))
P = np.random.default_rng(4).uniform(0.05, 0.95, (4, 5))
LABELS = np.array([0, 4, 2, 2])

MODULE_AND_FUNCTION: list[tuple[Any, Callable[[Tensor], Tensor]]] = [
    (nn.ReLU(), F.relu), (nn.Tanh(), F.tanh), (nn.Sigmoid(), F.sigmoid),
    (nn.LeakyReLU(0.3), lambda x: F.leaky_relu(x, 0.3)), (nn.ELU(2.0), lambda x: F.elu(x, 2.0)),
    (nn.GELU(), F.gelu), (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh")),
    (nn.Softplus(2.0, 4.0), lambda x: F.softplus(x, 2.0, 4.0)),
    (nn.Softmax(dim=0), lambda x: F.softmax(x, 0)),
    (nn.LogSoftmax(1), lambda x: F.log_softmax(x, 1)),
    (nn.MSELoss(reduction="sum"), lambda x: F.mse_loss(x, T, reduction="sum")),
    (nn.L1Loss(), lambda x: F.l1_loss(x, T)),
    (nn.HuberLoss(delta=0.5), lambda x: F.huber_loss(x, T, delta=0.5)),
    (nn.SmoothL1Loss(beta=0.5, reduction="none"),
     lambda x: F.smooth_l1_loss(x, T, beta=0.5, reduction="none")),
    (nn.BCEWithLogitsLoss(pos_weight=2.0), lambda x: F.binary_cross_entropy_with_logits(
        x, P, pos_weight=2.0)),
    (nn.CrossEntropyLoss(label_smoothing=0.2), lambda x: F.cross_entropy(x, LABELS,
                                                                         label_smoothing=0.2)),
    (nn.NLLLoss(reduction="sum"), lambda x: F.nll_loss(x, LABELS, reduction="sum")),
]


@pytest.mark.parametrize(("module", "function"), MODULE_AND_FUNCTION,
                         ids=[repr(m) for m, _ in MODULE_AND_FUNCTION])
def test_modules_compute_their_function_exactly(module: Any, function: Callable) -> None:
    a, b = Tensor(X, requires_grad=True), Tensor(X, requires_grad=True)
    takes_target = isinstance(module, nn.losses._Loss)
    target = {nn.BCEWithLogitsLoss: P, nn.CrossEntropyLoss: LABELS,
              nn.NLLLoss: LABELS}.get(type(module), T)
    out = module(a, target) if takes_target else module(a)
    ref = function(b)
    np.testing.assert_array_equal(out.data, ref.data)
    out.backward(np.ones(out.shape))
    ref.backward(np.ones(ref.shape))
    np.testing.assert_array_equal(a.grad, b.grad)


def test_bce_module_computes_its_function_exactly() -> None:
    a, b = Tensor(P, requires_grad=True), Tensor(P, requires_grad=True)
    out, ref = nn.BCELoss()(a, T > 0), F.binary_cross_entropy(b, T > 0)
    assert out.data == ref.data
    out.backward()
    ref.backward()
    np.testing.assert_array_equal(a.grad, b.grad)


# ------------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------------

LOSS_FUNCTIONS = [F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss, F.binary_cross_entropy,
                  F.binary_cross_entropy_with_logits, F.cross_entropy, F.nll_loss]


@pytest.mark.parametrize("loss", LOSS_FUNCTIONS, ids=lambda f: f.__name__)
def test_losses_refuse_an_unknown_reduction_and_positional_options(loss: Callable) -> None:
    x = Tensor(np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match=rf"^{loss.__name__}: reduction must be 'mean', 'sum' "
                                         r"or 'none', got 'avg'"):
        loss(x, [1, 0], reduction="avg")
    with pytest.raises(TypeError):  # PyTorch's third parameter is size_average or weight
        loss(x, [1, 0], "sum")


@pytest.mark.parametrize("loss", [f for f in LOSS_FUNCTIONS if f is not F.mse_loss],
                         ids=lambda f: f.__name__)
def test_losses_refuse_an_input_that_is_not_a_tensor(loss: Callable) -> None:
    with pytest.raises(TypeError, match=rf"^{loss.__name__}: input must be a Tensor, got list"):
        loss([[0.5, 0.5]], [0])


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss,
                                  F.binary_cross_entropy, F.binary_cross_entropy_with_logits],
                         ids=lambda f: f.__name__)
def test_elementwise_losses_refuse_a_target_of_another_shape(loss: Callable) -> None:
    with pytest.raises(ValueError, match=rf"^{loss.__name__}: input has shape \(2,\) but target "
                                         r"has shape \(2, 1\)"):
        loss(Tensor([0.5, 0.5]), [[1.0], [0.0]])


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: F.huber_loss(Tensor([1.0]), [0.0], delta=0.0), ValueError,
     r"^huber_loss: delta must be > 0, got 0\.0"),
    (lambda: F.huber_loss(Tensor([1.0]), [0.0], delta=float("nan")), ValueError,
     "^huber_loss: delta must be > 0, got nan"),
    (lambda: F.smooth_l1_loss(Tensor([1.0]), [0.0], beta=-1), ValueError,
     "^smooth_l1_loss: beta must be >= 0, got -1"),
    (lambda: F.smooth_l1_loss(Tensor([1.0]), [0.0], beta="1"), TypeError,
     "^smooth_l1_loss: beta must be a real number, got str"),
    (lambda: F.cross_entropy(Tensor([[1.0]]), [0], label_smoothing=1.5), ValueError,
     r"^cross_entropy: label_smoothing must lie in \[0, 1\], got 1\.5"),
    (lambda: F.cross_entropy(Tensor([[1.0]]), [1]), ValueError,
     r"^cross_entropy: labels must lie in \[0, 1\)"),
    (lambda: F.binary_cross_entropy(Tensor([1.5]), [1.0]), ValueError,
     r"^binary_cross_entropy: every input must be a probability in \[0, 1\].*got 1\.5"),
    (lambda: F.binary_cross_entropy_with_logits(Tensor([1.0, 2.0]), [1.0, 0.0],
                                                pos_weight=[1.0, 2.0, 3.0]), ValueError,
     r"^binary_cross_entropy_with_logits: pos_weight of shape \(3,\) does not broadcast"),
    (lambda: F.binary_cross_entropy_with_logits(Tensor([1.0]), [1.0], pos_weight="x"),
     TypeError, "^binary_cross_entropy_with_logits: pos_weight must be a number"),
    (lambda: F.nll_loss(Tensor(np.zeros((3, 4))), [0, 1]), ValueError,
     r"^nll_loss: expected input of shape \(N, C\) and N labels, got input \(3, 4\) and labels "
     r"\(2,\)"),
    (lambda: F.nll_loss(Tensor(np.zeros(4)), 1), ValueError,
     r"^nll_loss: expected input of shape \(N, C\).*got input \(4,\)"),
    (lambda: F.nll_loss(Tensor(np.zeros((2, 4))), [0, 4]), ValueError,
     r"^nll_loss: labels must lie in \[0, 4\), got values from 0 to 4"),
    (lambda: F.nll_loss(Tensor(np.zeros((2, 4))), [0, -1]), ValueError,
     r"^nll_loss: labels must lie in \[0, 4\), got values from -1 to 0"),
    (lambda: F.nll_loss(Tensor(np.zeros((2, 4))), [0.5, 1.0]), TypeError,
     r"^nll_loss: labels must be integers, got dtype float64 with 0\.5 at index \(0,\)"),
    (lambda: F.nll_loss(Tensor(np.zeros((2, 4))), [1.0, np.inf]), TypeError,
     r"^nll_loss: labels must be integers, got dtype float64 with inf at index \(1,\)"),
    (lambda: F.nll_loss(Tensor(np.zeros((2, 4))), ["a", "b"]), TypeError,
     "^nll_loss: labels must be integers, got dtype <U1"),
    (lambda: F.nll_loss(Tensor(np.zeros((2, 4))), [True, False]), TypeError,
     "^nll_loss: labels must be integers, got dtype bool"),
])
def test_loss_option_and_label_errors(make: Callable, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make()


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: F.gelu(Tensor([1.0]), approximate="exact"), ValueError,
     "^gelu: approximate must be 'none' or 'tanh', got 'exact'"),
    (lambda: F.relu(Tensor([1.0]), inplace=True), ValueError, "^relu: inplace=True is not"),
    (lambda: F.leaky_relu(Tensor([1.0]), 0.1, True), ValueError, "^leaky_relu: inplace=True"),
    (lambda: F.elu(Tensor([1.0]), inplace=True), ValueError, "^elu: inplace=True"),
    (lambda: F.dropout(Tensor([1.0]), inplace=True), ValueError, "^dropout: inplace=True"),
    (lambda: F.dropout(Tensor([1.0]), 1.5), ValueError,
     r"^dropout: p must be a probability in \[0, 1\], got 1\.5"),
    (lambda: F.dropout(Tensor([1.0]), generator=3), TypeError,
     "^dropout: generator must be a numpy.random.Generator"),
    (lambda: F.softmax(Tensor([1.0])), TypeError, "dim"),  # no implicit dim
    (lambda: F.one_hot([0, -1]), ValueError, r"^one_hot: class values must lie in >= 0, got"),
    (lambda: F.one_hot([0, 3], num_classes=3), ValueError,
     r"^one_hot: class values must lie in \[0, 3\), got 3"),
    (lambda: F.one_hot([], num_classes=-1), ValueError, "^one_hot: cannot infer num_classes"),
    (lambda: F.one_hot([0], num_classes=-2), ValueError, "^one_hot: num_classes must be >= 0"),
    (lambda: F.one_hot([0], num_classes=2.0), TypeError, "^one_hot: num_classes must be an int"),
    (lambda: F.embedding([0, 3], Tensor(np.zeros((3, 2)))), ValueError,
     r"^embedding: indices must lie in \[0, 3\), got values from 0 to 3"),
    (lambda: F.embedding([-1], Tensor(np.zeros((3, 2)))), ValueError,
     r"^embedding: indices must lie in \[0, 3\)"),
    (lambda: F.embedding([0], np.zeros((3, 2))), TypeError,
     "^embedding: weight must be a Tensor, got ndarray"),
    (lambda: F.embedding([0], Tensor(np.zeros(3))), ValueError,
     r"^embedding: weight must have 2 dimensions .* got shape \(3,\)"),
    (lambda: F.embedding([0], Tensor(np.zeros((3, 2))), padding_idx=3), ValueError,
     r"^embedding: padding_idx must lie in \[-3, 3\) for 3 embeddings, got 3"),
    (lambda: F.embedding([0], Tensor(np.zeros((3, 2))), padding_idx=True), TypeError,
     "^embedding: padding_idx must be an int or None, got bool"),
    (lambda: F.layer_norm(Tensor(np.zeros((2, 3))), 4), ValueError,
     r"^layer_norm: normalized_shape \(4,\) expects input of shape \(\*, 4\), got shape "
     r"\(2, 3\)"),
    (lambda: F.layer_norm(Tensor(np.zeros(3)), (2, 3)), ValueError,
     r"^layer_norm: normalized_shape \(2, 3\) expects input"),
    (lambda: F.layer_norm(Tensor(np.zeros(3)), ()), ValueError,
     "^layer_norm: normalized_shape must be a positive int or a non-empty sequence"),
    (lambda: F.layer_norm(Tensor(np.zeros(3)), 3, weight=np.ones(2)), ValueError,
     r"^layer_norm: weight must have shape \(3,\) \(normalized_shape\), got \(2,\)"),
])
def test_function_errors(make: Callable, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functions_keep_the_input_dtype(dtype: type) -> None:
    x = Tensor(X, dtype=dtype)
    outputs = [f(x) for _, f in MODULE_AND_FUNCTION]
    outputs += [F.layer_norm(x, 5), F.dropout(x, 0.5), F.embedding([0, 1], x, padding_idx=0),
                F.binary_cross_entropy(Tensor(P, dtype=dtype), P.round())]
    assert [out.dtype for out in outputs] == [np.dtype(dtype)] * len(outputs)
