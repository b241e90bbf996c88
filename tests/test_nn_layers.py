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
from autograd_core.nn import functional as F
from autograd_core.nn import rng
from autograd_core.nn.layers import (
    ELU,
    GELU,
    BatchNorm1d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleDict,
    ModuleList,
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


# ---- Flatten ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "shape", "expected"), [
    (1, -1, (2, 3, 4), (2, 12)),
    (0, -1, (2, 3, 4), (24,)),
    (1, 2, (2, 3, 4, 5), (2, 12, 5)),
    (-2, -1, (2, 3, 4), (2, 12)),
    (1, 1, (2, 3), (2, 3)),
    (0, 0, (), (1,)),  # a 0-d input flattens to shape (1,), as in PyTorch
    (1, -1, (2, 0, 3), (2, 0)),
])
def test_flatten_merges_the_axes_from_start_to_end(start: int, end: int,
                                                    shape: tuple[int, ...],
                                                    expected: tuple[int, ...]) -> None:
    x = gen(40).standard_normal(shape)
    out = Flatten(start, end)(x)
    assert out.shape == expected
    np.testing.assert_array_equal(out.data, x.reshape(expected))


def test_flatten_gradient_is_reshaped_back() -> None:
    x = gen(41).standard_normal((2, 3, 2))
    assert gradcheck(lambda t: Flatten()(t), x)
    leaf = Tensor(x, requires_grad=True)
    Flatten()(leaf).backward(np.arange(12.0).reshape(2, 6))
    np.testing.assert_array_equal(leaf.grad, np.arange(12.0).reshape(2, 3, 2))


def test_flatten_errors_and_repr() -> None:
    with pytest.raises(IndexError, match="flatten: axis 1 is out of bounds for array of "
                                         "dimension 1"):
        Flatten()(np.ones(3))  # (PyTorch raises too: the default start_dim is 1)
    with pytest.raises(ValueError, match="flatten: start_dim 2 comes after end_dim 1"):
        Flatten(2, 1)(np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="Flatten: end_dim must be an int, got float"):
        Flatten(1, 2.0)  # type: ignore[arg-type]
    assert repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert Flatten().parameters() == []


# ---- ModuleList, ModuleDict and Sequential's list methods -------------------------------------


class Blocks(Module):
    def __init__(self) -> None:
        self.blocks = ModuleList([Linear(2, 2, generator=gen(42)), ReLU()])
        self.blocks.append(Linear(2, 1, generator=gen(43)))

    def forward(self, x: object) -> Tensor:
        for block in self.blocks:
            x = block(x)
        return x  # type: ignore[return-value]


def test_module_list_parameters_are_found_and_named_by_position() -> None:
    model = Blocks()
    assert list(model.state_dict()) == ["blocks.0.weight", "blocks.0.bias", "blocks.2.weight",
                                        "blocks.2.bias"]
    assert model.parameters()[2] is model.blocks[2].weight
    assert [name for name, _ in model.blocks.named_children()] == ["0", "1", "2"]
    x = gen(44).standard_normal((3, 2))
    out = model(x)
    out.backward(np.ones(out.shape))
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    assert not model.blocks.training and not model.blocks[1].training


def test_module_list_is_a_list_of_modules() -> None:
    a, b, c, d = ReLU(), Tanh(), Sigmoid(), Identity()
    layers = ModuleList()
    assert len(layers) == 0 and list(layers) == []
    layers.append(a).extend([b, c])
    layers.insert(1, d)  # before position 1
    assert list(layers) == [a, d, b, c]
    layers.insert(-1, a)
    layers.insert(len(layers), b)  # len appends
    assert list(layers) == [a, d, b, a, c, b]
    assert layers.pop() is b and layers.pop(0) is a
    assert list(layers) == [d, b, a, c]
    layers[1] = c
    del layers[0]
    assert list(layers) == [c, a, c] and layers[-1] is c
    tail = layers[1:]
    assert isinstance(tail, ModuleList) and list(tail) == [a, c]
    del layers[:2]
    layers += [b]
    assert list(layers) == [c, b]
    assert list(ModuleList(iter([a, b]))) == [a, b]
    assert list(ModuleList(Sequential(a, b))) == [a, b]  # any iterable of modules


def test_module_list_errors() -> None:
    layers = ModuleList([ReLU()])
    with pytest.raises(TypeError, match="ModuleList: item 1 must be a Module, got function"):
        layers.append(lambda x: x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ModuleList: item 2 must be a Module, got int"):
        layers.extend([Tanh(), 3])  # type: ignore[list-item]
    assert len(layers) == 1  # nothing of a refused extend is added
    with pytest.raises(TypeError, match="ModuleList: extend takes an iterable of Modules, got "
                                        r"Linear \(use append for one module\)"):
        layers.extend(Linear(1, 1))  # type: ignore[arg-type]
    with pytest.raises(IndexError, match="ModuleList: index 1 is out of range for 1 modules"):
        layers[1]
    with pytest.raises(IndexError, match="index -2 is out of range"):
        layers[-2] = Tanh()
    with pytest.raises(IndexError, match="index 3 is out of range"):
        layers.insert(3, Tanh())
    with pytest.raises(TypeError, match="ModuleList: index must be an int or a slice, got str"):
        layers["0"]  # type: ignore[index]
    with pytest.raises(NotImplementedError, match="ModuleList must define forward"):
        layers(np.ones(1))


def test_module_list_repr_groups_runs_of_equal_modules_like_pytorch() -> None:
    layers = ModuleList([Linear(2, 3), Linear(2, 3), Linear(2, 3), ReLU(),
                         Sequential(Tanh()), Linear(3, 1)])
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0-2): 3 x Linear(in_features=2, out_features=3, bias=True)\n"
        "  (3): ReLU()\n"
        "  (4): Sequential(\n"
        "    (0): Tanh()\n"
        "  )\n"
        "  (5): Linear(in_features=3, out_features=1, bias=True)\n"
        ")")
    assert repr(ModuleList()) == "ModuleList()"


def test_sequential_has_the_list_methods_too() -> None:
    a, b, c = ReLU(), Tanh(), Sigmoid()
    model = Sequential(a).extend([c])
    model.insert(1, b)
    assert list(model) == [a, b, c]
    assert model.pop(1) is b
    model[0] = b
    del model[-1]
    assert list(model) == [b] and isinstance(model[:1], Sequential)
    with pytest.raises(TypeError, match="Sequential: item 0 must be a Module, got int"):
        model[0] = 3  # type: ignore[assignment]


class Heads(Module):
    def __init__(self) -> None:
        self.trunk = Linear(2, 2, generator=gen(45))
        self.heads = ModuleDict({"cls": Linear(2, 3, generator=gen(46)), "act": ReLU()})
        self.heads["reg"] = Linear(2, 1, generator=gen(47))


def test_module_dict_parameters_are_named_by_key() -> None:
    model = Heads()
    assert list(model.state_dict()) == ["trunk.weight", "trunk.bias", "heads.cls.weight",
                                        "heads.cls.bias", "heads.reg.weight", "heads.reg.bias"]
    assert model.heads["reg"].weight is model.parameters()[4]
    assert repr(model.heads) == (
        "ModuleDict(\n"
        "  (cls): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (act): ReLU()\n"
        "  (reg): Linear(in_features=2, out_features=1, bias=True)\n"
        ")")
    model.eval()
    assert not model.heads["act"].training


def test_module_dict_is_a_dict_of_modules() -> None:
    a, b, c = ReLU(), Tanh(), Sigmoid()
    heads = ModuleDict([("a", a), ("b", b)])
    assert len(heads) == 2 and list(heads) == ["a", "b"] and "a" in heads and "c" not in heads
    heads.update({"c": c, "a": b})  # replacing keeps the key's place
    assert list(heads.keys()) == ["a", "b", "c"] and list(heads.values()) == [b, b, c]
    assert list(heads.items())[2] == ("c", c)
    assert heads.pop("b") is b
    del heads["a"]
    assert list(heads) == ["c"]
    assert list(ModuleDict(heads)) == ["c"]
    heads.clear()
    assert len(heads) == 0 and repr(heads) == "ModuleDict()"


@pytest.mark.parametrize(("make", "error", "pattern"), [
    (lambda d: d.__setitem__(1, ReLU()), TypeError, "ModuleDict: keys must be strings, got int"),
    (lambda d: d.__setitem__("a.b", ReLU()), ValueError,
     "ModuleDict: a key must be non-empty and contain no '.', got 'a.b'"),
    (lambda d: d.__setitem__("", ReLU()), ValueError, "must be non-empty"),
    (lambda d: d.__setitem__("x", 3), TypeError, "ModuleDict: item 'x' must be a Module, got int"),
    (lambda d: d["missing"], KeyError, r"ModuleDict: no module named 'missing'; the keys are "
                                       r"\['a'\]"),
    (lambda d: d.pop("missing"), KeyError, "no module named 'missing'"),
    (lambda d: d.update([("x", ReLU(), 1)]), TypeError,
     r"ModuleDict: update takes a mapping or \(key, module\) pairs; item 0 is"),
    (lambda d: d.update(["xy"]), TypeError, "item 0 is 'xy'"),
])
def test_module_dict_errors(make: Callable[[ModuleDict], object], error: type,
                            pattern: str) -> None:
    heads = ModuleDict({"a": ReLU()})
    with pytest.raises(error, match=pattern):
        make(heads)
    assert list(heads) == ["a"]


def test_containers_load_each_others_state() -> None:
    source, target = Heads(), Heads()
    for p in target.parameters():
        p._overwrite(0.0)
    target.load_state_dict(source.state_dict())
    for name, array in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[name], array)


# ---- GELU, and Softmax's dim= ------------------------------------------------------------------


def test_gelu_module() -> None:
    x = gen(48).uniform(-3, 3, (3, 4))
    np.testing.assert_array_equal(GELU()(x).data, F.gelu(Tensor(x)).data)
    np.testing.assert_array_equal(GELU("tanh")(x).data, F.gelu(Tensor(x), "tanh").data)
    assert repr(GELU()) == "GELU(approximate='none')"
    assert repr(GELU(approximate="tanh")) == "GELU(approximate='tanh')"
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'x'"):
        GELU("x")
    assert gradcheck(lambda t: GELU()(t), x)


def test_softmax_modules_take_pytorchs_dim_spelling() -> None:
    x = gen(49).standard_normal((3, 4))
    assert Softmax(dim=0).axis == 0 and LogSoftmax(dim=1).axis == 1 and Softmax().axis == -1
    np.testing.assert_array_equal(Softmax(dim=0)(x).data, Softmax(0)(x).data)
    for cls in (Softmax, LogSoftmax):
        with pytest.raises(TypeError, match=f"{cls.__name__}: give the axis as axis= or as dim=, "
                                            "not both"):
            cls(0, dim=0)


# ---- Embedding ----------------------------------------------------------------------------------


def test_embedding_is_drawn_from_a_standard_normal_like_pytorch() -> None:
    layer = Embedding(5, 3, generator=gen(50))
    assert layer.weight.shape == (5, 3) and layer.weight.requires_grad
    np.testing.assert_array_equal(layer.weight.data, gen(50).normal(0.0, 1.0, (5, 3)))
    big = Embedding(1000, 100, generator=gen(51)).weight.data
    assert big.mean() == pytest.approx(0.0, abs=0.01) and big.std() == pytest.approx(1, abs=0.01)
    rng.manual_seed(5)
    a = Embedding(4, 2)
    rng.manual_seed(5)
    assert np.array_equal(Embedding(4, 2).weight.data, a.weight.data)


def test_embedding_forward_and_gradient() -> None:
    layer = Embedding(4, 2, generator=gen(52))
    indices = np.array([[0, 3, 3], [1, 0, 2]])
    out = layer(indices)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out.data, layer.weight.data[indices])
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(layer.weight.grad[:, 0], [2, 1, 1, 2])  # uses per row
    np.testing.assert_array_equal(layer(Tensor([3.0])).data, layer.weight.data[[3]])


@pytest.mark.parametrize(("padding_idx", "row"), [(0, 0), (2, 2), (-1, 3), (-4, 0)])
def test_embedding_padding_row_starts_at_zero_and_stays_there(padding_idx: int, row: int) -> None:
    from autograd_core.nn.optim import SGD

    layer = Embedding(4, 3, padding_idx=padding_idx, generator=gen(53))
    assert layer.padding_idx == row
    expected = gen(53).normal(0.0, 1.0, (4, 3))  # the same draws, then the row zeroed
    expected[row] = 0.0
    np.testing.assert_array_equal(layer.weight.data, expected)
    optimizer = SGD(layer.parameters(), lr=0.5, momentum=0.9)
    for _ in range(2):
        optimizer.zero_grad()
        (layer(np.array([[row, 1], [row, 2]])) ** 2).sum().backward()
        np.testing.assert_array_equal(layer.weight.grad[row], 0.0)
        optimizer.step()
    np.testing.assert_array_equal(layer.weight.data[row], 0.0)
    assert not np.array_equal(layer.weight.data[1], expected[1])


def test_embedding_state_dict_repr_and_dtype() -> None:
    layer = Embedding(10, 3, padding_idx=-1, dtype=np.float32)
    assert list(layer.state_dict()) == ["weight"] and layer.weight.dtype == np.float32
    assert layer([1, 2]).dtype == np.float32
    assert repr(layer) == "Embedding(10, 3, padding_idx=9)"
    assert repr(Embedding(10, 3)) == "Embedding(10, 3)"


@pytest.mark.parametrize(("make", "error", "pattern"), [
    (lambda: Embedding(-1, 3), ValueError, "Embedding: num_embeddings must be an int >= 0"),
    (lambda: Embedding(3, 2.0), ValueError, "Embedding: embedding_dim must be an int >= 0"),
    (lambda: Embedding(3, 2, padding_idx=3), ValueError,
     r"Embedding: padding_idx must lie in \[-3, 3\) for 3 embeddings, got 3"),
    (lambda: Embedding(3, 2, padding_idx=-4), ValueError, "got -4"),
    (lambda: Embedding(3, 2, padding_idx="0"), TypeError, "Embedding: padding_idx must be an int"),
    (lambda: Embedding(3, 2, dtype=np.int32), TypeError, "Embedding: dtype must be float64"),
    (lambda: Embedding(3, 2)([0, 3]), ValueError, r"embedding: indices must lie in \[0, 3\)"),
    (lambda: Embedding(3, 2)([0.5]), TypeError, "embedding: indices must be integers"),
])
def test_embedding_errors(make: Callable[[], object], error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make()


# ---- LayerNorm ----------------------------------------------------------------------------------


def test_layer_norm_parameters_state_dict_and_repr() -> None:
    layer = LayerNorm(4)
    assert layer.normalized_shape == (4,)
    np.testing.assert_array_equal(layer.weight.data, np.ones(4))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(4))
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert repr(layer) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    square = LayerNorm([2, 3], eps=1e-3, dtype=np.float32)
    assert square.weight.shape == (2, 3) and square.weight.dtype == np.float32
    no_bias = LayerNorm(4, bias=False)
    assert list(no_bias.state_dict()) == ["weight"] and no_bias.bias is None
    plain = LayerNorm((2, 3), elementwise_affine=False)
    assert plain.parameters() == [] and plain.state_dict() == {}
    assert repr(plain) == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=False, bias=False)"


def test_layer_norm_normalises_each_sample_the_same_in_training_and_evaluation() -> None:
    layer = LayerNorm(3)
    layer.weight._overwrite([1.0, 2.0, -1.0])
    layer.bias._overwrite([0.0, 5.0, 1.0])
    x = gen(54).standard_normal((2, 4, 3)) * 5 + 3
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * [1.0, 2.0, -1.0] + [0.0, 5.0, 1.0]
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.eval()(x).data, layer.train()(x).data)
    assert layer(np.ones(3)).shape == (3,)  # a single sample: one value per feature is fine


def test_layer_norm_gradcheck() -> None:
    layer = LayerNorm((2, 2))

    def f(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
        layer.weight, layer.bias = weight, bias
        return layer(x)
    g = gen(55)
    assert gradcheck(f, g.standard_normal((3, 2, 2)), g.uniform(0.5, 2, (2, 2)),
                     g.standard_normal((2, 2)))


@pytest.mark.parametrize(("make", "error", "pattern"), [
    (lambda: LayerNorm(0), ValueError, "LayerNorm: normalized_shape must be a positive int"),
    (lambda: LayerNorm([]), ValueError, "LayerNorm: normalized_shape must be"),
    (lambda: LayerNorm(2.0), TypeError,
     "LayerNorm: normalized_shape must be an int or a sequence of ints, got float"),
    (lambda: LayerNorm(3)(np.ones((2, 4))), ValueError,
     r"layer_norm: normalized_shape \(3,\) expects input of shape \(\*, 3\), got shape \(2, 4\)"),
])
def test_layer_norm_errors(make: Callable[[], object], error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make()
