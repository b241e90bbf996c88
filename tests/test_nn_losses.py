"""nn.losses: each loss against its closed form in numpy for every reduction, gradients against
central differences (``autograd_core.gradcheck``), PyTorch's edge behaviour (BCE at p = 0 or 1,
logits of +-1000), micrograd's demo loss bit for bit, the penalties, and every error path."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, Value, gradcheck
from autograd_core.nn import functional as F
from autograd_core.nn.demo import hinge_loss_and_accuracy, moons_data
from autograd_core.nn.layers import LogSoftmax
from autograd_core.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    l1_penalty,
    l2_penalty,
)
from autograd_core.nn.module import Module
from autograd_core.nn.scalar import MLP

CASES = settings(max_examples=20, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]
LOSSES = [MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, NLLLoss, L1Loss,
          SmoothL1Loss, HuberLoss]
shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def reduce(losses: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(losses.mean())
    if reduction == "sum":
        return np.asarray(losses.sum())
    return losses


def as_target(array: np.ndarray, kind: str) -> Any:
    """The same target as a Tensor, a numpy array or a (nested) list."""
    return {"tensor": Tensor(array), "array": array, "list": array.tolist()}[kind]


target_kinds = st.sampled_from(["tensor", "array", "list"])


@st.composite
def pair(draw: st.DrawFn, inputs: st.SearchStrategy[float],
         targets: st.SearchStrategy[float]) -> tuple[np.ndarray, np.ndarray]:
    """An input array and a target array of one drawn shape."""
    shape = draw(shapes)
    return (draw(hnp.arrays(np.float64, shape, elements=inputs)),
            draw(hnp.arrays(np.float64, shape, elements=targets)))


def assert_matches(loss: Tensor, expected: np.ndarray, reduction: str) -> None:
    assert isinstance(loss, Tensor)
    assert loss.ndim == 0 or reduction == "none"
    assert loss.shape == expected.shape
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12, atol=1e-14)


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


# ------------------------------------------------------------------------------------------------
# values against closed forms
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(xt=pair(floats(-5, 5), floats(-5, 5)), kind=target_kinds)
def test_mse_matches_closed_form(reduction: str, xt: Any, kind: str) -> None:
    x, t = xt
    loss = MSELoss(reduction=reduction)(Tensor(x), as_target(t, kind))
    assert_matches(loss, reduce((x - t) ** 2, reduction), reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(pt=pair(floats(0.01, 0.99), floats(0, 1)), kind=target_kinds)
def test_bce_matches_closed_form(reduction: str, pt: Any, kind: str) -> None:
    p, t = pt
    expected = -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log(1 - p), -100))
    loss = BCELoss(reduction=reduction)(Tensor(p), as_target(t, kind))
    assert_matches(loss, reduce(expected, reduction), reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zt=pair(floats(-30, 30), floats(0, 1)), kind=target_kinds)
def test_bce_with_logits_matches_closed_form(reduction: str, zt: Any, kind: str) -> None:
    z, t = zt
    expected = -(t * log_sigmoid(z) + (1 - t) * log_sigmoid(-z))
    loss = BCEWithLogitsLoss(reduction=reduction)(Tensor(z), as_target(t, kind))
    assert_matches(loss, reduce(expected, reduction), reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(data=st.data(), rows=st.integers(1, 4), classes=st.integers(1, 4))
def test_bce_with_logits_pos_weight_matches_closed_form(reduction: str, data: st.DataObject,
                                                         rows: int, classes: int) -> None:
    z = data.draw(hnp.arrays(np.float64, (rows, classes), elements=floats(-10, 10)))
    t = data.draw(hnp.arrays(np.float64, (rows, classes), elements=floats(0, 1)))
    w = data.draw(hnp.arrays(np.float64, (classes,), elements=floats(0.1, 5)))
    expected = -(w * t * log_sigmoid(z) + (1 - t) * log_sigmoid(-z))
    loss = BCEWithLogitsLoss(reduction=reduction, pos_weight=w)(Tensor(z), t)
    assert_matches(loss, reduce(expected, reduction), reduction)
    scalar = BCEWithLogitsLoss(reduction=reduction, pos_weight=float(w[0]))(Tensor(z), t)
    expected = -(w[0] * t * log_sigmoid(z) + (1 - t) * log_sigmoid(-z))
    assert_matches(scalar, reduce(expected, reduction), reduction)


@st.composite
def logits_and_labels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rows, classes = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    z = draw(hnp.arrays(np.float64, (rows, classes), elements=floats(-10, 10)))
    labels = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, classes - 1)))
    return z, labels


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zy=logits_and_labels(), kind=target_kinds)
def test_cross_entropy_is_minus_log_softmax_at_the_labels(reduction: str, zy: Any,
                                                           kind: str) -> None:
    z, labels = zy
    rows = np.arange(len(labels))
    loss = CrossEntropyLoss(reduction=reduction)(Tensor(z), as_target(labels, kind))
    assert_matches(loss, reduce(-log_softmax(z)[rows, labels], reduction), reduction)
    via_tensor_ops = reduce(-Tensor(z).log_softmax(axis=1).data[rows, labels], reduction)
    np.testing.assert_allclose(loss.data, via_tensor_ops, rtol=1e-12, atol=1e-14)


def test_cross_entropy_without_smoothing_is_the_fused_node() -> None:
    loss = CrossEntropyLoss()(Tensor([[1.0, 2.0, 3.0]], requires_grad=True), [2])
    assert loss._op == "cross_entropy"


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zy=logits_and_labels(), smoothing=floats(0.0, 1.0))
def test_label_smoothing_matches_the_smoothed_target_distribution(reduction: str, zy: Any,
                                                                   smoothing: float) -> None:
    z, labels = zy
    classes = z.shape[1]
    q = (1 - smoothing) * np.eye(classes)[labels] + smoothing / classes
    expected = -(q * log_softmax(z)).sum(axis=1)
    loss = CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)(Tensor(z), labels)
    assert_matches(loss, reduce(expected, reduction), reduction)


signs = st.sampled_from([-1.0, 1.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(sy=pair(floats(-3, 3), signs), margin=floats(0.0, 2.0), kind=target_kinds)
def test_hinge_matches_closed_form(reduction: str, sy: Any, margin: float, kind: str) -> None:
    s, y = sy
    loss = HingeLoss(margin=margin, reduction=reduction)(Tensor(s), as_target(y, kind))
    assert_matches(loss, reduce(np.maximum(0.0, margin - y * s), reduction), reduction)


# ------------------------------------------------------------------------------------------------
# lists of Values (the micrograd-style nn.MLP)
# ------------------------------------------------------------------------------------------------

value_lists = st.lists(st.tuples(floats(-3, 3), floats(-3, 3)), min_size=1, max_size=6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(pairs=value_lists, values_as_targets=st.booleans())
def test_mse_on_values_matches_closed_form(reduction: str, pairs: list[tuple[float, float]],
                                           values_as_targets: bool) -> None:
    x, t = (np.array(column) for column in zip(*pairs))
    targets = [Value(v) for v in t] if values_as_targets else t.tolist()
    loss = MSELoss(reduction=reduction)([Value(v) for v in x], targets)
    expected = reduce((x - t) ** 2, reduction)
    if reduction == "none":
        assert isinstance(loss, list) and all(isinstance(v, Value) for v in loss)
        assert [v.data for v in loss] == pytest.approx(expected.tolist(), rel=1e-12, abs=1e-14)
    else:
        assert isinstance(loss, Value)
        assert loss.data == pytest.approx(float(expected), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(scores=st.lists(floats(-3, 3), min_size=1, max_size=6), data=st.data())
def test_hinge_on_values_matches_closed_form(reduction: str, scores: list[float],
                                             data: st.DataObject) -> None:
    ys = data.draw(st.lists(signs, min_size=len(scores), max_size=len(scores)))
    loss = HingeLoss(reduction=reduction)([Value(s) for s in scores], ys)
    expected = reduce(np.maximum(0.0, 1.0 - np.array(ys) * np.array(scores)), reduction)
    if reduction == "none":
        assert isinstance(loss, list) and all(isinstance(v, Value) for v in loss)
        assert [v.data for v in loss] == pytest.approx(expected.tolist(), rel=1e-12, abs=1e-14)
    else:
        assert isinstance(loss, Value)
        assert loss.data == pytest.approx(float(expected), rel=1e-12, abs=1e-14)


def demo_setup() -> tuple[MLP, list[Value], list[list[float]], list[float]]:
    random.seed(7)
    X, y = moons_data(24, seed=3)
    model = MLP(2, [8, 8, 1])
    return model, model.parameters(), X, y


def test_hinge_and_l2_penalty_on_values_reproduce_the_demo_loss_bit_for_bit() -> None:
    model, parameters, X, y = demo_setup()
    alpha = 1e-4
    reference, _ = hinge_loss_and_accuracy(model, parameters, X, y, alpha=alpha)
    reference.backward()
    reference_grads = [p.grad for p in parameters]
    model.zero_grad()

    scores = [model([Value(x) for x in row]) for row in X]
    data_loss = HingeLoss()(scores, y)
    total = data_loss + l2_penalty(parameters, alpha)
    total.backward()
    assert total.data == reference.data  # exactly, not approximately
    assert [p.grad for p in parameters] == reference_grads
    data_only, _ = hinge_loss_and_accuracy(model, parameters, X, y, alpha=0.0)
    assert data_loss.data == data_only.data


def first_input(row: list[Value]) -> Value:
    """A 'model' whose score is its input, so that tests choose the scores."""
    return row[0]


@CASES
@given(data=st.data(), n=st.integers(1, 9))
def test_hinge_on_values_is_the_demo_data_loss_bit_for_bit(data: st.DataObject, n: int) -> None:
    scores = data.draw(st.lists(floats(-3, 3), min_size=n, max_size=n))
    ys = data.draw(st.lists(signs, min_size=n, max_size=n))
    reference, _ = hinge_loss_and_accuracy(first_input, [], [[s] for s in scores], ys, alpha=0.0)
    assert HingeLoss()([Value(s) for s in scores], ys).data == reference.data


@CASES
@given(weights=st.lists(floats(-3, 3), min_size=1, max_size=30), alpha=floats(1e-6, 1.0))
def test_l2_penalty_on_values_is_the_demo_regulariser_bit_for_bit(weights: list[float],
                                                                  alpha: float) -> None:
    parameters = [Value(w) for w in weights]
    # scores y * 2 put every point beyond the margin: the demo's loss is then its L2 term alone
    ys = [1.0, -1.0]
    reference, _ = hinge_loss_and_accuracy(first_input, parameters, [[2.0], [-2.0]], ys,
                                           alpha=alpha)
    assert l2_penalty(parameters, alpha).data == reference.data


# ------------------------------------------------------------------------------------------------
# gradients against central differences
# ------------------------------------------------------------------------------------------------

def check_gradients(f: Callable[..., Tensor], *inputs: np.ndarray) -> None:
    """gradcheck, plus each leaf's gradient has its input's shape (gradcheck broadcasts)."""
    assert gradcheck(f, *inputs)
    leaves = [Tensor(x, requires_grad=True) for x in inputs]
    out = f(*leaves)
    out.backward(np.ones(out.shape))
    assert [leaf.grad.shape for leaf in leaves] == [np.shape(x) for x in inputs]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(xt=pair(floats(-3, 3), floats(-3, 3)))
def test_mse_gradients(reduction: str, xt: Any) -> None:
    check_gradients(lambda x, t: MSELoss(reduction=reduction)(x, t), *xt)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(pt=pair(floats(0.05, 0.95), floats(0, 1)))
def test_bce_gradients(reduction: str, pt: Any) -> None:
    check_gradients(lambda p, t: BCELoss(reduction=reduction)(p, t), *pt)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zt=pair(floats(-6, 6), floats(0, 1)), pos_weight=st.none() | floats(0.1, 4))
def test_bce_with_logits_gradients(reduction: str, zt: Any, pos_weight: float | None) -> None:
    loss_fn = BCEWithLogitsLoss(reduction=reduction, pos_weight=pos_weight)
    check_gradients(lambda z, t: loss_fn(z, t), *zt)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zy=logits_and_labels(), smoothing=st.sampled_from([0.0, 0.1, 1.0]))
def test_cross_entropy_gradients(reduction: str, zy: Any, smoothing: float) -> None:
    z, labels = zy
    loss_fn = CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
    check_gradients(lambda logits: loss_fn(logits, labels), z)


@st.composite
def scores_off_the_kink(draw: st.DrawFn, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Scores s and labels y with margin - y s at least 0.05 away from the kink at 0."""
    shape = draw(shapes)
    y = draw(hnp.arrays(np.float64, shape, elements=signs))
    gap = draw(hnp.arrays(np.float64, shape,
                          elements=floats(-3, -0.05) | floats(0.05, 3)))
    return np.asarray(y * (margin - gap)), y  # asarray: 0-d arithmetic gives a numpy scalar


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(margin=floats(0.0, 2.0), data=st.data())
def test_hinge_gradients(reduction: str, margin: float, data: st.DataObject) -> None:
    s, y = data.draw(scores_off_the_kink(margin))
    check_gradients(lambda scores: HingeLoss(margin=margin, reduction=reduction)(scores, y), s)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@CASES
@given(pairs=value_lists)
def test_mse_gradients_on_values(reduction: str, pairs: list[tuple[float, float]]) -> None:
    n = len(pairs)
    point = [x for x, _ in pairs] + [t for _, t in pairs]
    assert gradcheck(lambda *v: MSELoss(reduction=reduction)(list(v[:n]), list(v[n:])), *point)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@CASES
@given(data=st.data(), n=st.integers(1, 5))
def test_hinge_gradients_on_values(reduction: str, data: st.DataObject, n: int) -> None:
    ys = data.draw(st.lists(signs, min_size=n, max_size=n))
    gaps = data.draw(st.lists(floats(-3, -0.05) | floats(0.05, 3), min_size=n, max_size=n))
    scores = [y * (1.0 - gap) for y, gap in zip(ys, gaps)]
    assert gradcheck(lambda *s: HingeLoss(reduction=reduction)(list(s), ys), *scores)


# ------------------------------------------------------------------------------------------------
# PyTorch's edge behaviour
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_at_probabilities_zero_and_one_is_finite_and_clamped_at_100(dtype: type) -> None:
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    loss = BCELoss(reduction="none")(p, [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    assert loss.dtype == dtype
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad))


def test_bce_clamps_each_log_at_minus_100_below_e_to_the_minus_100() -> None:
    p = Tensor([1e-50, 1e-40], requires_grad=True)  # ln: -115.1 (clamped) and -92.1 (not)
    loss = BCELoss(reduction="none")(p, [1.0, 1.0])
    np.testing.assert_allclose(loss.data, [100.0, -np.log(1e-40)], rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(p.grad, [0.0, -1e40], rtol=1e-15)  # flat inside the clamp


def test_bce_gradient_stays_finite_for_subnormal_float32_probabilities() -> None:
    p = Tensor(np.array([1e-40, 1e-30], dtype=np.float32), requires_grad=True)
    loss = BCELoss(reduction="sum")(p, [1.0, 1.0])
    np.testing.assert_allclose(loss.data, -np.log(np.float32([1e-40, 1e-30])).sum(), rtol=1e-6)
    loss.backward()
    assert np.all(np.isfinite(p.grad))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_with_logits_at_plus_minus_1000_is_finite_and_exact(dtype: type) -> None:
    z = Tensor(np.array([1000.0, 1000.0, -1000.0, -1000.0], dtype=dtype), requires_grad=True)
    t = [1.0, 0.0, 1.0, 0.0]
    loss = BCEWithLogitsLoss(reduction="none")(z, t)
    expected = -(np.array(t) * log_sigmoid(z.data) + (1 - np.array(t)) * log_sigmoid(-z.data))
    np.testing.assert_array_equal(loss.data, expected)
    np.testing.assert_array_equal(loss.data, [0.0, 1000.0, 1000.0, 0.0])
    loss.sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 1.0, -1.0, 0.0])  # sigmoid(z) - t


def test_bce_with_logits_keeps_tiny_losses_that_softplus_minus_tz_would_cancel() -> None:
    loss = BCEWithLogitsLoss(reduction="none")(Tensor([40.0]), [1.0])
    np.testing.assert_allclose(loss.data, [np.exp(-40.0)], rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: MSELoss()(Tensor([0.5, 0.25], dtype=np.float32), [1.0, 0.0]),
    lambda: BCELoss()(Tensor([0.5, 0.25], dtype=np.float32), np.array([1.0, 0.0])),
    lambda: BCEWithLogitsLoss(pos_weight=[2.0, 3.0])(Tensor([0.5, 0.25], dtype=np.float32),
                                                      [1.0, 0.0]),
    lambda: HingeLoss()(Tensor([0.5, 0.25], dtype=np.float32), [1, -1]),
    lambda: CrossEntropyLoss(label_smoothing=0.1)(Tensor([[0.5, 0.25]], dtype=np.float32), [1]),
])
def test_float32_input_with_array_or_list_target_gives_float32_loss(make: Callable[[], Tensor],
                                                                     ) -> None:
    assert make().dtype == np.float32


def test_losses_are_modules_without_parameters() -> None:
    for loss_fn in [MSELoss(), BCELoss(), BCEWithLogitsLoss(pos_weight=[1.0, 2.0]),
                    CrossEntropyLoss(), HingeLoss()]:
        assert isinstance(loss_fn, Module)
        assert loss_fn.parameters() == []


# ------------------------------------------------------------------------------------------------
# penalties
# ------------------------------------------------------------------------------------------------

W = np.array([[0.5, -1.5], [0.0, 2.0], [-0.25, 1.0]])
B = np.array([0.75, -0.5])


def test_l2_penalty_on_tensors_and_its_gradient_2_lam_w() -> None:
    w, b = Tensor(W, requires_grad=True), Tensor(B, requires_grad=True)
    penalty = l2_penalty([w, b], 0.01)
    assert isinstance(penalty, Tensor) and penalty.shape == ()
    assert penalty.item() == pytest.approx(0.01 * (np.sum(W**2) + np.sum(B**2)), rel=1e-15)
    penalty.backward()
    np.testing.assert_allclose(w.grad, 2 * 0.01 * W, rtol=1e-15)
    np.testing.assert_allclose(b.grad, 2 * 0.01 * B, rtol=1e-15)


def test_l1_penalty_on_tensors_and_its_gradient_lam_sign_w() -> None:
    w, b = Tensor(W, requires_grad=True), Tensor(B, requires_grad=True)
    penalty = l1_penalty(iter([w, b]), 0.01)
    assert isinstance(penalty, Tensor) and penalty.shape == ()
    assert penalty.item() == pytest.approx(0.01 * (np.sum(np.abs(W)) + np.sum(np.abs(B))))
    penalty.backward()
    np.testing.assert_array_equal(w.grad, 0.01 * np.sign(W))  # sign(0) = 0, as PyTorch
    np.testing.assert_array_equal(b.grad, 0.01 * np.sign(B))


@pytest.mark.parametrize("penalty_fn, value, slope", [
    (l2_penalty, lambda x: x * x, lambda x: 2 * x),
    (l1_penalty, abs, lambda x: float(np.sign(x))),
])
def test_penalties_on_values(penalty_fn: Callable[..., Any], value: Callable[[float], float],
                             slope: Callable[[float], float]) -> None:
    numbers = W.ravel().tolist()
    parameters = [Value(x) for x in numbers]
    penalty = penalty_fn(parameters, 0.5)
    assert isinstance(penalty, Value)
    assert penalty.data == pytest.approx(0.5 * sum(value(x) for x in numbers), rel=1e-15)
    penalty.backward()
    assert [p.grad for p in parameters] == pytest.approx([0.5 * slope(x) for x in numbers])


@pytest.mark.parametrize("penalty_fn", [l2_penalty, l1_penalty])
def test_penalty_gradcheck_on_tensors(penalty_fn: Callable[..., Tensor]) -> None:
    off_the_kink = np.where(W == 0, 0.3, W)
    assert gradcheck(lambda w, b: penalty_fn([w, b], 0.3), off_the_kink, B)


def test_penalty_of_a_module_parameters_accepts_model_parameters() -> None:
    random.seed(0)
    model = MLP(2, [3, 1])
    penalty = l2_penalty(model.parameters(), 1.0)
    assert penalty.data == pytest.approx(sum(p.data ** 2 for p in model.parameters()))


# ------------------------------------------------------------------------------------------------
# error paths
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("reduction", ["avg", "Mean", None, ""])
def test_unknown_reduction_is_refused_at_construction(loss_cls: type, reduction: Any) -> None:
    with pytest.raises(ValueError, match=f"{loss_cls.__name__}: reduction must be .*"
                                         f"got {reduction!r}"):
        loss_cls(reduction=reduction)


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_options_are_keyword_only(loss_cls: type) -> None:
    # positionally, PyTorch's first parameter is size_average or weight, not reduction
    with pytest.raises(TypeError):
        loss_cls("sum")


@pytest.mark.parametrize("smoothing", [-0.1, 1.5, float("nan")])
def test_label_smoothing_outside_0_1_is_refused(smoothing: float) -> None:
    with pytest.raises(ValueError, match="CrossEntropyLoss: label_smoothing must lie in"):
        CrossEntropyLoss(label_smoothing=smoothing)


@pytest.mark.parametrize("make", [lambda: CrossEntropyLoss(label_smoothing="0.1"),
                                  lambda: HingeLoss(margin=None),
                                  lambda: BCEWithLogitsLoss(pos_weight="heavy")])
def test_non_numeric_options_raise_type_error(make: Callable[[], Any]) -> None:
    with pytest.raises(TypeError, match=r"^(CrossEntropyLoss|HingeLoss|BCEWithLogitsLoss): "):
        make()


@pytest.mark.parametrize("loss_cls, x, t", [
    (MSELoss, [[0.1, 0.2]], [0.1, 0.2]),
    (MSELoss, [0.1, 0.2, 0.3], [[0.1], [0.2], [0.3]]),
    (BCELoss, [[0.1, 0.2]], [[1.0], [0.0]]),
    (BCEWithLogitsLoss, [0.1, 0.2], [1.0]),
    (HingeLoss, [[0.1, 0.2]], [1.0, -1.0]),
])
def test_shape_mismatch_names_the_loss_and_both_shapes(loss_cls: type, x: Any, t: Any) -> None:
    x_shape, t_shape = np.shape(x), np.shape(t)
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: input has shape "
                                         rf"{re_shape(x_shape)} but target has shape "
                                         rf"{re_shape(t_shape)}"):
        loss_cls()(Tensor(x), t)


def re_shape(shape: tuple[int, ...]) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


@pytest.mark.parametrize("labels, error, pattern", [
    ([0, 1], ValueError, r"logits \(3, 4\) and labels \(2,\)"),
    ([0, 4, 1], ValueError, r"labels must lie in \[0, 4\)"),
    ([0, -1, 1], ValueError, r"labels must lie in \[0, 4\)"),
    ([0.5, 1.0, 2.0], TypeError, "labels must be integers"),
])
def test_cross_entropy_errors_name_the_loss(labels: Any, error: type, pattern: str) -> None:
    with pytest.raises(error, match=rf"^CrossEntropyLoss: .*{pattern}"):
        CrossEntropyLoss()(Tensor(np.zeros((3, 4))), labels)


def test_cross_entropy_refuses_logits_that_are_not_a_matrix() -> None:
    with pytest.raises(ValueError, match=r"^CrossEntropyLoss: .*logits \(4,\)"):
        CrossEntropyLoss(label_smoothing=0.1)(Tensor(np.zeros(4)), [1, 2, 3, 0])


@pytest.mark.parametrize("loss_cls", [MSELoss, HingeLoss])
def test_value_list_length_mismatch_names_both_shapes(loss_cls: type) -> None:
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: input has shape \(2,\) .*but "
                                         r"target has shape \(3,\)"):
        loss_cls()([Value(0.5), Value(-0.5)], [1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match=r"target has shape \(2, 1\)"):
        loss_cls()([Value(0.5), Value(-0.5)], np.array([[1.0], [-1.0]]))


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan")])
def test_bce_refuses_probabilities_outside_0_1_naming_the_value(bad: float) -> None:
    with pytest.raises(ValueError, match=rf"BCELoss: .*in \[0, 1\].*got {bad!r} at index \(1,"):
        BCELoss()(Tensor([[0.5, 0.5], [0.5, bad]]), np.ones((2, 2)))


def test_bce_refuses_an_out_of_range_zero_dimensional_input() -> None:
    with pytest.raises(ValueError, match=r"got 2\.0 at index \(\)"):
        BCELoss()(Tensor(2.0), 1.0)


def test_bce_with_logits_refuses_a_pos_weight_that_does_not_broadcast() -> None:
    with pytest.raises(ValueError, match=r"BCEWithLogitsLoss: pos_weight of shape \(3,\) does "
                                         r"not broadcast to input shape \(2, 2\)"):
        BCEWithLogitsLoss(pos_weight=[1.0, 2.0, 3.0])(Tensor(np.zeros((2, 2))), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2, 2\) does not broadcast "
                                         r"to input shape \(2,\)"):
        BCEWithLogitsLoss(pos_weight=np.ones((2, 2)))(Tensor(np.zeros(2)), np.ones(2))


@pytest.mark.parametrize("labels", [[1.0, 0.0], [0.5, 1.0], [-1.0, 2.0]])
def test_hinge_refuses_labels_other_than_plus_minus_one(labels: list[float]) -> None:
    bad = next(y for y in labels if y not in (-1.0, 1.0))
    pattern = rf"HingeLoss: labels must be -1 or \+1.*got {bad!r}"
    with pytest.raises(ValueError, match=pattern):
        HingeLoss()(Tensor([0.3, -0.2]), labels)
    with pytest.raises(ValueError, match=pattern):
        HingeLoss()([Value(0.3), Value(-0.2)], labels)
    with pytest.raises(ValueError, match=pattern):
        HingeLoss()([Value(0.3), Value(-0.2)], [Value(y) for y in labels])


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_input_that_is_not_a_tensor_is_refused(loss_cls: type) -> None:
    with pytest.raises(TypeError, match=rf"{loss_cls.__name__}: input must be a Tensor"):
        loss_cls()(np.zeros((2, 2)), np.zeros((2, 2)))


@pytest.mark.parametrize("loss_cls", [MSELoss, HingeLoss])
def test_list_inputs_must_be_non_empty_lists_of_values(loss_cls: type) -> None:
    with pytest.raises(TypeError, match=rf"{loss_cls.__name__}: .*got Value \(wrap a single"):
        loss_cls()(Value(1.0), [1.0])
    with pytest.raises(TypeError, match=rf"{loss_cls.__name__}: .*item 1 is a float"):
        loss_cls()([Value(1.0), 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: got an empty list"):
        loss_cls()([], [])


@pytest.mark.parametrize("loss_cls", [MSELoss, HingeLoss])
@pytest.mark.parametrize("target", [1.0, ["1.0", "-1.0"], [True, False], [None, 1.0]])
def test_value_path_refuses_non_numeric_targets(loss_cls: type, target: Any) -> None:
    with pytest.raises(TypeError, match=rf"^{loss_cls.__name__}: target"):
        loss_cls()([Value(0.5), Value(-0.5)], target)


@pytest.mark.parametrize("loss_cls", [MSELoss, BCELoss, BCEWithLogitsLoss, HingeLoss])
@pytest.mark.parametrize("target", [["a", "b"], [Value(1.0), Value(0.0)], [[1.0], [1.0, 2.0]]])
def test_tensor_path_refuses_non_numeric_targets(loss_cls: type, target: Any) -> None:
    with pytest.raises(TypeError, match=rf"^{loss_cls.__name__}: target must be a Tensor"):
        loss_cls()(Tensor([0.5, 0.5]), target)


@pytest.mark.parametrize("penalty_fn", [l2_penalty, l1_penalty])
@pytest.mark.parametrize("parameters, lam, error, pattern", [
    ([], 0.1, ValueError, "got no parameters"),
    (iter([]), 0.1, ValueError, "got no parameters"),
    ([Tensor([1.0]), Value(1.0)], 0.1, TypeError, "mix 1 Tensors and 1 Values"),
    ([Tensor([1.0]), np.ones(2)], 0.1, TypeError, "parameter 1 is a ndarray"),
    (Tensor([1.0, 2.0]), 0.1, TypeError, "wrap a single Tensor in a list"),
    (Value(1.0), 0.1, TypeError, "wrap a single Value in a list"),
    (3.0, 0.1, TypeError, "must be an iterable of Tensors or Values"),
    ([Value(1.0)], -0.1, ValueError, r"lam must be a finite number >= 0, got -0\.1"),
    ([Value(1.0)], float("inf"), ValueError, "lam must be a finite number >= 0, got inf"),
    ([Value(1.0)], float("nan"), ValueError, "lam must be a finite number >= 0, got nan"),
    ([Value(1.0)], "0.1", TypeError, "lam must be a real number, got str"),
])
def test_penalty_errors(penalty_fn: Callable[..., Any], parameters: Any, lam: Any,
                        error: type, pattern: str) -> None:
    with pytest.raises(error, match=rf"^{penalty_fn.__name__}: .*{pattern}"):
        penalty_fn(parameters, lam)


# ------------------------------------------------------------------------------------------------
# NLLLoss, L1Loss, SmoothL1Loss, HuberLoss
# ------------------------------------------------------------------------------------------------

@st.composite
def pair_off_the_kinks(draw: st.DrawFn, kinks: tuple[float, ...]) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """An input x and a target t whose difference x - t is at least 0.05 from every kink."""
    shape = draw(shapes)
    x = draw(hnp.arrays(np.float64, shape, elements=floats(-3, 3)))
    gaps = [floats(lo + 0.05, hi - 0.05) for lo, hi in zip((-4.0, *kinks), (*kinks, 4.0))]
    d = draw(hnp.arrays(np.float64, shape, elements=st.one_of(*gaps)))
    return x, np.asarray(x - d)


def huber(d: np.ndarray, delta: float) -> np.ndarray:
    return np.where(np.abs(d) <= delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


# (the loss module, the per-element closed form of d = x - t, the kinks of d)
ELEMENTWISE = [
    (L1Loss, {}, np.abs, (0.0,)),
    (SmoothL1Loss, {}, lambda d: huber(d, 1.0), (-1.0, 1.0)),
    (SmoothL1Loss, {"beta": 0.5}, lambda d: huber(d, 0.5) / 0.5, (-0.5, 0.5)),
    (SmoothL1Loss, {"beta": 0.0}, np.abs, (0.0,)),
    (HuberLoss, {}, lambda d: huber(d, 1.0), (-1.0, 1.0)),
    (HuberLoss, {"delta": 2.5}, lambda d: huber(d, 2.5), (-2.5, 2.5)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("loss_cls", "options", "formula", "kinks"), ELEMENTWISE,
                         ids=[f"{c.__name__}{o}" for c, o, _, _ in ELEMENTWISE])
@CASES
@given(data=st.data(), kind=target_kinds)
def test_l1_smooth_l1_and_huber_match_closed_forms(reduction: str, loss_cls: type,
                                                   options: dict[str, float], formula: Any,
                                                   kinks: tuple[float, ...],
                                                   data: st.DataObject, kind: str) -> None:
    x, t = data.draw(pair_off_the_kinks(kinks))
    loss_fn = loss_cls(reduction=reduction, **options)
    assert_matches(loss_fn(Tensor(x), as_target(t, kind)), reduce(formula(x - t), reduction),
                   reduction)
    check_gradients(lambda x_, t_: loss_fn(x_, t_), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@CASES
@given(zy=logits_and_labels(), kind=target_kinds)
def test_nll_loss_is_minus_the_log_probability_of_the_label(reduction: str, zy: Any,
                                                            kind: str) -> None:
    z, labels = zy
    x = log_softmax(z)
    rows = np.arange(len(labels))
    loss_fn = NLLLoss(reduction=reduction)
    assert_matches(loss_fn(Tensor(x), as_target(labels, kind)), reduce(-x[rows, labels],
                                                                       reduction), reduction)
    check_gradients(lambda x_: loss_fn(x_, labels), x)
    with_log_softmax = loss_fn(LogSoftmax(dim=1)(Tensor(z)), labels)
    np.testing.assert_allclose(with_log_softmax.data,
                               CrossEntropyLoss(reduction=reduction)(Tensor(z), labels).data,
                               rtol=1e-12, atol=1e-14)


def test_new_losses_compute_their_functions() -> None:
    x = Tensor([[0.5, -2.0, 3.0]])
    t = [[0.0, 0.0, 0.0]]
    assert L1Loss()(x, t).data == F.l1_loss(x, t).data == pytest.approx(5.5 / 3)
    assert HuberLoss(delta=2.0)(x, t).data == F.huber_loss(x, t, delta=2.0).data
    assert HuberLoss(delta=2.0)(x, t).item() == pytest.approx((0.125 + 2.0 + 4.0) / 3)
    assert SmoothL1Loss(beta=2.0)(x, t).item() == pytest.approx((0.0625 + 1.0 + 2.0) / 3)
    assert NLLLoss(reduction="sum")(x, [2]).item() == -3.0


@pytest.mark.parametrize(("loss_fn", "text"), [
    (L1Loss(), "L1Loss(reduction='mean')"),
    (NLLLoss(reduction="sum"), "NLLLoss(reduction='sum')"),
    (SmoothL1Loss(), "SmoothL1Loss(reduction='mean', beta=1.0)"),
    (SmoothL1Loss(beta=0), "SmoothL1Loss(reduction='mean', beta=0.0)"),
    (HuberLoss(reduction="none", delta=0.5), "HuberLoss(reduction='none', delta=0.5)"),
])
def test_new_loss_reprs(loss_fn: Module, text: str) -> None:
    assert repr(loss_fn) == text
    assert loss_fn.parameters() == [] and loss_fn.state_dict() == {}


@pytest.mark.parametrize(("make", "error", "pattern"), [
    (lambda: SmoothL1Loss(beta=-0.5), ValueError, r"^SmoothL1Loss: beta must be >= 0, got -0\.5"),
    (lambda: SmoothL1Loss(beta="1"), TypeError, "^SmoothL1Loss: beta must be a real number"),
    (lambda: HuberLoss(delta=0), ValueError, "^HuberLoss: delta must be > 0, got 0"),
    (lambda: HuberLoss(delta=float("nan")), ValueError, "^HuberLoss: delta must be > 0, got nan"),
    (lambda: HuberLoss(delta=None), TypeError, "^HuberLoss: delta must be a real number"),
    (lambda: L1Loss()(Tensor([1.0, 2.0]), [1.0]), ValueError,
     r"^L1Loss: input has shape \(2,\) but target has shape \(1,\)"),
    (lambda: HuberLoss()(Tensor([1.0]), ["a"]), TypeError, "^HuberLoss: target must be a Tensor"),
    (lambda: NLLLoss()(Tensor(np.zeros((2, 3))), [0, 3]), ValueError,
     r"^NLLLoss: labels must lie in \[0, 3\)"),
    (lambda: NLLLoss()(Tensor(np.zeros((2, 3))), [0.5, 1]), TypeError,
     "^NLLLoss: labels must be integers"),
    (lambda: NLLLoss()(Tensor(np.zeros((2, 3))), [0]), ValueError,
     r"^NLLLoss: expected input of shape \(N, C\) and N labels, got input \(2, 3\) and labels "
     r"\(1,\)"),
])
def test_new_loss_errors_name_the_loss(make: Callable[[], Any], error: type,
                                       pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make()


@pytest.mark.parametrize("make", [
    lambda: L1Loss()(Tensor([0.5, 0.25], dtype=np.float32), [1.0, 0.0]),
    lambda: SmoothL1Loss(beta=0.5)(Tensor([0.5, 0.25], dtype=np.float32), np.array([1.0, 0.0])),
    lambda: HuberLoss(delta=0.5)(Tensor([0.5, 0.25], dtype=np.float32), [1.0, 0.0]),
    lambda: NLLLoss()(Tensor([[0.5, 0.25]], dtype=np.float32), [1]),
])
def test_new_losses_keep_float32(make: Callable[[], Tensor]) -> None:
    assert make().dtype == np.float32
