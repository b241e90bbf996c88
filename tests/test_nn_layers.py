"""nn.layers: Linear, Sequential, activations, Dropout and BatchNorm1d against hand-computed
numbers, the Tensor ops they wrap, and finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, gradcheck
from autograd_core.nn import rng
from autograd_core.nn.layers import (
    ELU,
    BatchNorm1d,
    Dropout,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from autograd_core.nn.module import Module


def gen(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def param(values: np.ndarray) -> Tensor:
    return Tensor(values, requires_grad=True)


# ---- Linear ------------------------------------------------------------------------------------


def test_linear_shapes_and_formula() -> None:
    layer = Linear(3, 4, generator=gen())
    assert layer.weight.shape == (4, 3) and layer.bias is not None and layer.bias.shape == (4,)
    assert layer.weight.requires_grad and layer.bias.requires_grad
    x = gen(1).standard_normal((5, 3))
    y = layer(Tensor(x))
    assert y.shape == (5, 4)
    assert np.allclose(y.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-12)
    assert layer(np.ones(3)).shape == (4,)  # a single sample; arrays are accepted
    assert layer(Tensor(np.ones((2, 6, 3)))).shape == (2, 6, 4)  # extra batch axes


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in() -> None:
    layer = Linear(400, 300, generator=gen(2))
    k = 1 / math.sqrt(400)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= k and np.abs(w).max() > 0.999 * k
    assert w.var() == pytest.approx(k * k / 3, rel=0.01)  # U(-k, k) has variance k^2/3
    assert np.abs(b).max() <= k and np.abs(b).max() > 0.95 * k
    assert abs(b.mean()) < 0.2 * k


def test_linear_draws_the_weight_then_the_bias_from_its_generator() -> None:
    layer = Linear(3, 2, generator=gen(3))
    expected = gen(3)
    k = 1 / math.sqrt(3)
    # (the weight's bound comes out of kaiming's formula, which may round differently)
    assert np.allclose(layer.weight.data, expected.uniform(-k, k, (2, 3)), rtol=1e-15, atol=0)
    assert np.allclose(layer.bias.data, expected.uniform(-k, k, 2), rtol=1e-15, atol=0)


@settings(max_examples=40, deadline=None)
@given(n_in=st.integers(1, 30), n_out=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_linear_init_bound_holds_for_any_size(n_in: int, n_out: int, seed: int) -> None:
    layer = Linear(n_in, n_out, generator=gen(seed))
    k = 1 / math.sqrt(n_in)
    assert np.all(np.abs(layer.weight.data) <= k)
    assert np.all(np.abs(layer.bias.data) <= k)


def test_linear_gradcheck() -> None:
    layer = Linear(3, 2, generator=gen(4))

    def f(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        layer.weight, layer.bias = w, b
        return layer(x)
    assert gradcheck(f, gen(5).standard_normal((4, 3)), layer.weight.data.copy(),
                     layer.bias.data.copy())


def test_linear_parameter_gradients_match_the_formulas() -> None:
    layer = Linear(3, 2, generator=gen(6))
    x = gen(7).standard_normal((5, 3))
    g = gen(8).standard_normal((5, 2))
    layer(x).backward(g)
    assert np.allclose(layer.weight.grad, g.T @ x)  # dW = G^T x
    assert np.allclose(layer.bias.grad, g.sum(axis=0))  # db = sum over the batch


def test_linear_without_bias() -> None:
    layer = Linear(2, 3, bias=False, generator=gen(9))
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.array([[1.0, -2.0]])
    assert np.allclose(layer(x).data, x @ layer.weight.data.T)
    assert repr(layer) == "Linear(in_features=2, out_features=3, bias=False)"


def test_linear_float32() -> None:
    layer = Linear(3, 2, dtype=np.float32, generator=gen(10))
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer(np.ones((1, 3), dtype=np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="Linear: dtype must be float64 or float32, got int64"):
        Linear(3, 2, dtype=np.int64)


def test_linear_rejects_the_wrong_feature_count() -> None:
    layer = Linear(3, 2)
    with pytest.raises(ValueError, match=r"Linear: expected input of shape \(\.\.\., 3\), "
                                         r"got shape \(4, 2\)"):
        layer(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        layer(Tensor(1.0))


@pytest.mark.parametrize(("n_in", "n_out"), [(-1, 2), (2.5, 2), (True, 2), (2, "3")])
def test_linear_rejects_bad_sizes(n_in: object, n_out: object) -> None:
    with pytest.raises(ValueError, match="Linear: (in|out)_features must be an int >= 0"):
        Linear(n_in, n_out)  # type: ignore[arg-type]


def test_linear_repr() -> None:
    assert repr(Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"


def test_layers_are_reproducible_from_manual_seed_or_a_generator() -> None:
    rng.manual_seed(7)
    a = Linear(3, 4)
    rng.manual_seed(7)
    b = Linear(3, 4)
    rng.manual_seed(8)
    c = Linear(3, 4)
    assert np.array_equal(a.weight.data, b.weight.data)
    assert np.array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    d, e = Linear(3, 4, generator=gen(1)), Linear(3, 4, generator=gen(1))
    assert np.array_equal(d.weight.data, e.weight.data)
    with pytest.raises(TypeError, match="Linear: generator must be a numpy.random.Generator"):
        Linear(3, 4, generator=1)  # type: ignore[arg-type]


# ---- Sequential ----------------------------------------------------------------------------------


def make_mlp() -> Sequential:
    return Sequential(Linear(2, 3, generator=gen(11)), ReLU(), Linear(3, 1, generator=gen(12)))


def test_sequential_names_parameters_by_position() -> None:
    model = make_mlp()
    assert [name for name, _ in model.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert model.parameters()[2] is model[2].weight
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]


def test_sequential_indexing_length_and_iteration() -> None:
    model = make_mlp()
    layers = list(model)
    assert len(model) == 3 and len(layers) == 3
    assert model[0] is layers[0] and model[-1] is layers[2]
    tail = model[1:]
    assert isinstance(tail, Sequential) and list(tail) == layers[1:]
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        model[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        model[-4]
    with pytest.raises(TypeError, match="index must be an int or a slice, got str"):
        model["0"]  # type: ignore[index]


def test_sequential_forward_composes_in_order() -> None:
    model = make_mlp()
    x = gen(13).standard_normal((6, 2))
    expected = model[2](model[0](x).relu())
    assert np.array_equal(model(x).data, expected.data)
    assert Sequential()(x) is x  # empty: identity


def test_sequential_accepts_only_modules_and_can_grow() -> None:
    with pytest.raises(TypeError, match="Sequential: item 1 must be a Module, got function"):
        Sequential(ReLU(), lambda x: x)  # type: ignore[arg-type]
    model = Sequential(ReLU()).append(Tanh())
    assert len(model) == 2 and isinstance(model[1], Tanh)


def test_train_and_eval_reach_every_nested_module() -> None:
    inner = Sequential(Linear(2, 2), Dropout(0.5), BatchNorm1d(2))
    model = Sequential(inner, ReLU())
    assert model.eval() is model
    assert [m.training for m in model.modules()] == [False] * 6
    model.train()
    assert all(m.training for m in (model, inner, inner[1], inner[2]))
    inner[1].eval()
    assert not inner[1].training and inner[2].training  # only that subtree


def test_sequential_repr_nests_like_pytorch() -> None:
    model = Sequential(Linear(2, 3), Sequential(ReLU(), Dropout(0.1)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.1)\n"
        "  )\n"
        ")")


# ---- activations ---------------------------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# (module, the Tensor op it should be, an independent numpy formula)
ACTIVATIONS: list[tuple[Module, Callable[[Tensor], Tensor], Callable[[np.ndarray], np.ndarray]]]
ACTIVATIONS = [
    (ReLU(), lambda t: t.relu(), lambda x: np.maximum(x, 0)),
    (Tanh(), lambda t: t.tanh(), np.tanh),
    (Sigmoid(), lambda t: t.sigmoid(), sigmoid),
    (LeakyReLU(), lambda t: t.leaky_relu(0.01), lambda x: np.where(x > 0, x, 0.01 * x)),
    (LeakyReLU(0.2), lambda t: t.leaky_relu(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (ELU(), lambda t: t.elu(1.0), lambda x: np.where(x > 0, x, np.expm1(x))),
    (ELU(alpha=0.5), lambda t: t.elu(0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    (Softplus(), lambda t: t.softplus(), lambda x: np.log1p(np.exp(x))),
    (Softmax(), lambda t: t.softmax(axis=-1), lambda x: softmax(x, -1)),
    (Softmax(axis=0), lambda t: t.softmax(axis=0), lambda x: softmax(x, 0)),
    (LogSoftmax(), lambda t: t.log_softmax(axis=-1), lambda x: np.log(softmax(x, -1))),
    (LogSoftmax(axis=0), lambda t: t.log_softmax(axis=0), lambda x: np.log(softmax(x, 0))),
    (Identity(), lambda t: t, lambda x: x),
]


@pytest.mark.parametrize(("module", "op", "formula"), ACTIVATIONS,
                         ids=[repr(m) for m, _, _ in ACTIVATIONS])
def test_activation_modules_match_their_tensor_op(module: Module, op, formula) -> None:
    x = gen(14).uniform(-3, 3, (4, 5))
    x[0, 0] = 0.0
    g = gen(15).standard_normal((4, 5))
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    out, ref = module(a), op(b)
    assert np.allclose(out.data, formula(x), rtol=1e-12, atol=1e-15)
    assert np.array_equal(out.data, ref.data)
    out.backward(g)
    ref.backward(g)
    assert np.array_equal(a.grad, b.grad)


def test_activation_modules_accept_arrays_and_identity_returns_its_input() -> None:
    assert np.array_equal(ReLU()(np.array([-1.0, 2.0])).data, [0.0, 2.0])
    t = Tensor([1.0, 2.0])
    assert Identity()(t) is t


def test_softplus_beta_and_threshold() -> None:
    assert Softplus()(Tensor([25.0, 20.0])).data[0] == 25.0  # linear above the threshold
    x = gen(16).uniform(-4, 4, 7)
    out = Softplus(beta=2.0)(Tensor(x))
    assert np.allclose(out.data, np.log1p(np.exp(2 * x)) / 2, rtol=1e-12)
    y = Tensor([30.0, -1.0], requires_grad=True)
    Softplus(beta=2.0, threshold=5.0)(y).backward(np.ones(2))
    assert y.grad[0] == 1.0 and y.grad[1] == pytest.approx(sigmoid(-2.0))
    assert gradcheck(lambda t: Softplus(beta=2.0)(t), x)


@pytest.mark.parametrize(("module", "text"), [
    (ReLU(), "ReLU()"), (Tanh(), "Tanh()"), (Sigmoid(), "Sigmoid()"), (Identity(), "Identity()"),
    (LeakyReLU(), "LeakyReLU(negative_slope=0.01)"), (ELU(), "ELU(alpha=1.0)"),
    (Softplus(), "Softplus(beta=1.0, threshold=20.0)"), (Softmax(), "Softmax(axis=-1)"),
    (LogSoftmax(axis=1), "LogSoftmax(axis=1)"), (Dropout(), "Dropout(p=0.5)"),
    (BatchNorm1d(3), "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, "
                     "track_running_stats=True)"),
])
def test_reprs(module: Module, text: str) -> None:
    assert repr(module) == text


# ---- Dropout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_zeroes_a_fraction_p_and_scales_the_rest(p: float) -> None:
    x = gen(17).uniform(0.5, 2.0, (200, 500))  # never 0, so a 0 in the output was dropped
    out = Dropout(p, generator=gen(18))(Tensor(x)).data
    dropped = out == 0
    assert dropped.mean() == pytest.approx(p, abs=0.01)  # ~6 standard errors
    assert np.allclose(out[~dropped], x[~dropped] / (1 - p), rtol=1e-12)


@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_preserves_the_mean(p: float) -> None:
    out = Dropout(p, generator=gen(19))(Tensor(np.ones(200_000))).data
    assert out.mean() == pytest.approx(1.0, abs=0.02)


def test_dropout_gradient_flows_only_through_kept_elements() -> None:
    x = Tensor(gen(20).uniform(1, 2, (30, 40)), requires_grad=True)
    g = gen(21).standard_normal((30, 40))
    out = Dropout(0.3, generator=gen(22))(x)
    out.backward(g)
    kept = out.data != 0
    assert 0 < kept.mean() < 1
    assert np.allclose(x.grad, np.where(kept, g / 0.7, 0.0), rtol=1e-12)


def test_dropout_in_eval_mode_is_the_identity() -> None:
    layer = Dropout(0.9).eval()
    x = Tensor(np.ones(100))
    assert layer(x) is x


def test_dropout_edge_probabilities() -> None:
    x = Tensor(np.ones((5, 5)), requires_grad=True)
    out = Dropout(1.0)(x)
    assert np.array_equal(out.data, np.zeros((5, 5)))
    out.backward(np.ones((5, 5)))
    assert np.array_equal(x.grad, np.zeros((5, 5)))
    assert Dropout(0.0)(x) is x


def test_dropout_keeps_float32() -> None:
    x = Tensor(np.ones(10, dtype=np.float32))
    assert Dropout(0.5, generator=gen())(x).dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.1, math.nan, "0.5", True])
def test_dropout_rejects_probabilities_outside_0_1(p: object) -> None:
    with pytest.raises(ValueError, match="Dropout: p must be a probability in \\[0, 1\\]"):
        Dropout(p)  # type: ignore[arg-type]


def test_dropout_masks_are_reproducible() -> None:
    x = Tensor(np.ones(50))
    a = Dropout(0.5, generator=gen(23))(x).data
    b = Dropout(0.5, generator=gen(23))(x).data
    assert np.array_equal(a, b)
    layer = Dropout(0.5)
    rng.manual_seed(3)
    c = layer(x).data
    d = layer(x).data
    rng.manual_seed(3)
    assert np.array_equal(layer(x).data, c)  # the default generator is looked up per call
    assert not np.array_equal(c, d)  # successive calls draw new masks
    with pytest.raises(TypeError, match="Dropout: generator must be"):
        Dropout(0.5, generator="seed")  # type: ignore[arg-type]


# ---- BatchNorm1d -------------------------------------------------------------------------------


def test_batchnorm_training_by_hand() -> None:
    bn = BatchNorm1d(2, eps=0.0)
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    # feature 0: mean 3, biased variance 8/3; feature 1: mean 6, biased variance 32/3;
    # both normalise to (-sqrt(3/2), 0, sqrt(3/2))
    s = math.sqrt(1.5)
    assert np.allclose(bn(x).data, [[-s, -s], [0, 0], [s, s]], rtol=1e-14)
    # running = 0.9 running + 0.1 batch, with the unbiased variances 4 and 16
    assert np.allclose(bn.running_mean, [0.3, 0.6], rtol=1e-14)
    assert np.allclose(bn.running_var, [0.9 + 0.4, 0.9 + 1.6], rtol=1e-14)
    assert bn.num_batches_tracked == 1 and bn.num_batches_tracked.dtype == np.int64


def test_batchnorm_training_output_has_mean_0_and_variance_1_per_feature() -> None:
    x = gen(24).standard_normal((64, 5)) * [1, 2, 3, 4, 5] + [0, -1, 10, 100, 3]
    out = BatchNorm1d(5)(Tensor(x)).data
    assert np.allclose(out.mean(axis=0), 0, atol=1e-12)
    variances = x.var(axis=0)
    assert np.allclose(out.var(axis=0), variances / (variances + 1e-5), rtol=1e-12)


def test_batchnorm_applies_the_affine_parameters() -> None:
    bn = BatchNorm1d(3)
    bn.weight.data[...] = [1.0, 2.0, -1.0]
    bn.bias.data[...] = [0.0, 5.0, 1.0]
    x = gen(25).standard_normal((10, 3))
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    assert np.allclose(bn(x).data, x_hat * [1.0, 2.0, -1.0] + [0.0, 5.0, 1.0], rtol=1e-12)


def batches(count: int, shape: tuple[int, ...], seed: int) -> list[np.ndarray]:
    g = gen(seed)
    return [g.standard_normal(shape) * 3 + g.uniform(-5, 5) for _ in range(count)]


def test_batchnorm_running_stats_follow_pytorchs_update() -> None:
    bn = BatchNorm1d(4, momentum=0.3)
    mean, var = np.zeros(4), np.ones(4)
    for x in batches(3, (8, 4), seed=26):
        bn(x)
        mean = 0.7 * mean + 0.3 * x.mean(axis=0)
        var = 0.7 * var + 0.3 * x.var(axis=0, ddof=1)  # unbiased
    assert np.allclose(bn.running_mean, mean, rtol=1e-12)
    assert np.allclose(bn.running_var, var, rtol=1e-12)
    assert int(bn.num_batches_tracked) == 3


def test_batchnorm_momentum_none_averages_the_batches() -> None:
    bn = BatchNorm1d(3, momentum=None)
    xs = batches(4, (6, 3), seed=27)
    for x in xs:
        bn(x)
    assert np.allclose(bn.running_mean, np.mean([x.mean(axis=0) for x in xs], axis=0))
    assert np.allclose(bn.running_var, np.mean([x.var(axis=0, ddof=1) for x in xs], axis=0))


def test_batchnorm_eval_uses_the_running_stats_and_leaves_them_alone() -> None:
    bn = BatchNorm1d(3)
    for x in batches(2, (5, 3), seed=28):
        bn(x)
    bn.weight.data[...] = [2.0, 1.0, 0.5]
    bn.bias.data[...] = [1.0, 0.0, -1.0]
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    bn.eval()
    x = np.array([[1.0, -2.0, 0.5]])  # a batch of one is fine in evaluation
    expected = (x - mean) / np.sqrt(var + 1e-5) * [2.0, 1.0, 0.5] + [1.0, 0.0, -1.0]
    assert np.allclose(bn(x).data, expected, rtol=1e-12)
    assert np.array_equal(bn.running_mean, mean) and np.array_equal(bn.running_var, var)
    assert int(bn.num_batches_tracked) == 2


def test_batchnorm_on_n_c_l_input_normalises_over_batch_and_length() -> None:
    bn = BatchNorm1d(3, momentum=0.5)
    x = gen(29).standard_normal((4, 3, 5)) * 2 + 1
    out = bn(x).data
    mean, var = x.mean(axis=(0, 2), keepdims=True), x.var(axis=(0, 2), keepdims=True)
    assert np.allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    n = 4 * 5
    assert np.allclose(bn.running_mean, 0.5 * mean.ravel())
    assert np.allclose(bn.running_var, 0.5 + 0.5 * var.ravel() * n / (n - 1))
    bn.eval()
    expected = (x - bn.running_mean[:, None]) / np.sqrt(bn.running_var[:, None] + 1e-5)
    assert np.allclose(bn(x).data, expected)


def test_batchnorm_without_running_stats_uses_the_batch_in_eval_too() -> None:
    bn = BatchNorm1d(2, track_running_stats=False).eval()
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == ["weight", "bias"]
    x = gen(30).standard_normal((7, 2)) + 4
    assert np.allclose(bn(x).data.mean(axis=0), 0, atol=1e-12)


def test_batchnorm_without_affine_has_no_parameters() -> None:
    bn = BatchNorm1d(2, affine=False)
    assert bn.parameters() == [] and bn.weight is None
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]


def test_batchnorm_parameters_and_buffers() -> None:
    bn = BatchNorm1d(3, dtype=np.float32)
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    assert np.array_equal(bn.weight.data, np.ones(3)) and np.array_equal(bn.bias.data, np.zeros(3))
    assert [name for name, _ in bn.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked"]
    assert bn.weight.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert not any(isinstance(p, np.ndarray) for p in bn.parameters())


@pytest.mark.parametrize("shape", [(4, 2), (4,), (4, 3, 2, 1), (4, 2, 3)])
def test_batchnorm_rejects_inputs_of_the_wrong_shape(shape: tuple[int, ...]) -> None:
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input of shape \(N, 3\) or "
                                         r"\(N, 3, L\), got shape " + re_shape(shape)):
        bn(np.ones(shape))
    assert int(bn.num_batches_tracked) == 0


def re_shape(shape: tuple[int, ...]) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


def test_batchnorm_training_needs_more_than_one_value_per_feature() -> None:
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"more than 1 value per feature, got input of shape "
                                         r"\(1, 3\)"):
        bn(np.ones((1, 3)))
    assert np.array_equal(bn.running_mean, np.zeros(3))
    assert bn(np.ones((1, 3, 2))).shape == (1, 3, 2)  # 2 values per feature suffice


@pytest.mark.parametrize("n", [0, -2, 2.0])
def test_batchnorm_rejects_bad_feature_counts(n: object) -> None:
    with pytest.raises(ValueError, match="BatchNorm1d: num_features must be an int >= 1"):
        BatchNorm1d(n)  # type: ignore[arg-type]


def bn_as_function(bn: BatchNorm1d) -> Callable[[Tensor, Tensor, Tensor], Tensor]:
    def f(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
        bn.weight, bn.bias = weight, bias
        return bn(x)
    return f


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 2)])
def test_batchnorm_gradcheck_in_training(shape: tuple[int, ...]) -> None:
    g = gen(31)
    x = g.standard_normal(shape)
    assert gradcheck(bn_as_function(BatchNorm1d(3)), x, g.uniform(0.5, 2, 3),
                     g.standard_normal(3))


def test_batchnorm_gradcheck_in_eval() -> None:
    bn = BatchNorm1d(3)
    bn(gen(32).standard_normal((6, 3)))
    bn.eval()
    g = gen(33)
    assert gradcheck(bn_as_function(bn), g.standard_normal((4, 3)), g.uniform(0.5, 2, 3),
                     g.standard_normal(3))


def test_batchnorm_gradient_of_a_sum_vanishes_in_training() -> None:
    # Every normalised column sums to 0 whatever x is, so d(sum y)/dx = 0: the batch
    # statistics are differentiated, not treated as constants.
    x = Tensor(gen(34).standard_normal((6, 2)), requires_grad=True)
    BatchNorm1d(2)(x).sum().backward()
    assert np.allclose(x.grad, 0, atol=1e-12)


def test_batchnorm_without_running_stats_needs_two_values_per_feature_in_eval_too() -> None:
    # Batch statistics are used in eval mode too, so PyTorch raises as in training.
    bn = BatchNorm1d(3, track_running_stats=False).eval()
    for shape in [(1, 3), (1, 3, 1)]:
        with pytest.raises(ValueError, match=r"BatchNorm1d: batch statistics .* need more than "
                                             r"1 value per feature, got input of shape "
                                             + re_shape(shape)):
            bn(np.ones(shape))
    x = np.stack([np.zeros(3), np.full(3, 2.0)], axis=-1)[None]  # (1, 3, 2): mean 1, var 1
    expected = np.broadcast_to([-1.0, 1.0], (1, 3, 2)) / math.sqrt(1 + 1e-5)
    assert np.allclose(bn(x).data, expected, rtol=1e-15, atol=0)
    tracking = BatchNorm1d(3).eval()  # running statistics: one sample is fine
    assert np.allclose(tracking(np.full((1, 3), 2.0)).data, 2 / math.sqrt(1 + 1e-5))
