"""nn.init and nn.rng: PyTorch's gains, fans and formulas; in-place writes; seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor
from autograd_core.nn import init, rng

RANDOM_INITS = [init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
                init.kaiming_normal_, init.uniform_, init.normal_]
FAN_INITS = [init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
             init.kaiming_normal_]


def empty(*shape: int, dtype: type = np.float64) -> Tensor:
    return Tensor(np.full(shape, np.nan, dtype=dtype), requires_grad=True)


def gen(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---- calculate_gain ------------------------------------------------------------------------


@pytest.mark.parametrize(("nonlinearity", "param", "expected"), [
    ("linear", None, 1.0),
    ("conv1d", None, 1.0),
    ("conv2d", None, 1.0),
    ("conv3d", None, 1.0),
    ("conv_transpose2d", None, 1.0),
    ("sigmoid", None, 1.0),
    ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)),
    ("relu", 0.3, math.sqrt(2)),  # param only matters for leaky_relu
    ("selu", None, 0.75),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),  # default slope 0.01
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
    ("leaky_relu", 0, math.sqrt(2)),  # slope 0 is relu, not the default
    ("leaky_relu", 1, 1.0),  # slope 1 is linear
])
def test_calculate_gain_table(nonlinearity: str, param: float | None, expected: float) -> None:
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_rejects_unknown_nonlinearity_and_bad_slope() -> None:
    with pytest.raises(ValueError, match="unsupported nonlinearity 'gelu'.*tanh"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope 'x'"):
        init.calculate_gain("leaky_relu", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative_slope True"):
        init.calculate_gain("leaky_relu", True)


# ---- fans ------------------------------------------------------------------------------------


@pytest.mark.parametrize("initialiser", FAN_INITS)
@pytest.mark.parametrize("shape", [(), (5,)])
def test_fans_need_two_dimensions(initialiser, shape: tuple[int, ...]) -> None:
    t = empty(*shape)
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(" ):
        initialiser(t)
    assert np.isnan(t.data).all()  # untouched


def test_kaiming_fans_use_the_receptive_field() -> None:
    # (out=64, in=32, 3, 3): fan_in = 32 * 9 = 288, fan_out = 64 * 9 = 576
    w = init.kaiming_normal_(empty(64, 32, 3, 3), mode="fan_out", nonlinearity="relu",
                             generator=gen(1))
    assert w.data.std() == pytest.approx(math.sqrt(2 / 576), rel=0.03)
    w = init.kaiming_normal_(empty(64, 32, 3, 3), mode="fan_in", nonlinearity="relu",
                             generator=gen(2))
    assert w.data.std() == pytest.approx(math.sqrt(2 / 288), rel=0.03)


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=2, max_size=4).map(tuple),
       seed=st.integers(0, 2**32 - 1))
def test_uniform_initialisers_stay_inside_the_bound_from_the_fans(
        shape: tuple[int, ...], seed: int) -> None:
    receptive = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    xavier = init.xavier_uniform_(empty(*shape), gain=2.0, generator=gen(seed)).data
    assert np.all(np.abs(xavier) <= 2.0 * math.sqrt(6 / (fan_in + fan_out)))
    kaiming = init.kaiming_uniform_(empty(*shape), mode="fan_out", generator=gen(seed)).data
    assert np.all(np.abs(kaiming) <= math.sqrt(2) * math.sqrt(3 / fan_out))
    assert np.isfinite(xavier).all() and np.isfinite(kaiming).all()


# ---- Glorot -------------------------------------------------------------------------------


def test_xavier_uniform_bounds_and_the_glorot_variance() -> None:
    fan_in, fan_out = 700, 500
    w = init.xavier_uniform_(empty(fan_out, fan_in), generator=gen(3)).data
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound  # the whole interval is used
    assert w.mean() == pytest.approx(0.0, abs=0.01 * bound)
    assert w.var() == pytest.approx(2 / (fan_in + fan_out), rel=0.01)  # Var = 2/(fan_in+fan_out)


def test_xavier_gain_scales_the_spread() -> None:
    w = init.xavier_uniform_(empty(300, 200), gain=init.calculate_gain("tanh"), generator=gen(4))
    assert w.data.var() == pytest.approx((5 / 3) ** 2 * 2 / 500, rel=0.02)


def test_xavier_normal_std() -> None:
    w = init.xavier_normal_(empty(400, 600), gain=0.5, generator=gen(5)).data
    assert w.mean() == pytest.approx(0.0, abs=0.002)
    assert w.std() == pytest.approx(0.5 * math.sqrt(2 / 1000), rel=0.01)


# ---- He ----------------------------------------------------------------------------------------


def test_kaiming_uniform_default_is_leaky_relu_with_slope_zero() -> None:
    w = init.kaiming_uniform_(empty(300, 400), generator=gen(6)).data
    bound = math.sqrt(2) * math.sqrt(3 / 400)  # gain sqrt(2), fan_in = 400
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound
    assert w.var() == pytest.approx(2 / 400, rel=0.01)


def test_kaiming_uniform_with_a_sqrt5_gives_pytorchs_linear_bound() -> None:
    w = init.kaiming_uniform_(empty(50, 80), a=math.sqrt(5), generator=gen(7)).data
    assert np.abs(w).max() <= 1 / math.sqrt(80)
    assert np.abs(w).max() > 0.99 / math.sqrt(80)


def test_kaiming_normal_std_and_modes() -> None:
    w = init.kaiming_normal_(empty(250, 400), generator=gen(8)).data
    assert w.std() == pytest.approx(math.sqrt(2 / 400), rel=0.01)
    w = init.kaiming_normal_(empty(250, 400), mode="fan_out", nonlinearity="tanh",
                             generator=gen(9)).data
    assert w.std() == pytest.approx(5 / 3 / math.sqrt(250), rel=0.01)
    w = init.kaiming_normal_(empty(250, 400), a=0.2, generator=gen(10)).data
    assert w.std() == pytest.approx(math.sqrt(2 / 1.04) / math.sqrt(400), rel=0.01)


@pytest.mark.parametrize("initialiser", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_rejects_an_unknown_mode(initialiser) -> None:
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        initialiser(empty(3, 4), mode="fan_avg")


# ---- constants and plain distributions ---------------------------------------------------------


def test_zeros_ones_constant() -> None:
    assert np.array_equal(init.zeros_(empty(2, 3)).data, np.zeros((2, 3)))
    assert np.array_equal(init.ones_(empty(4)).data, np.ones(4))
    assert np.array_equal(init.constant_(empty(2, 2), 0.25).data, np.full((2, 2), 0.25))


def test_normal_and_uniform_statistics() -> None:
    n = init.normal_(empty(100_000), mean=3.0, std=0.5, generator=gen(11)).data
    assert n.mean() == pytest.approx(3.0, abs=0.01)
    assert n.std() == pytest.approx(0.5, rel=0.01)
    u = init.uniform_(empty(100_000), a=-2.0, b=6.0, generator=gen(12)).data
    assert u.min() >= -2.0 and u.max() < 6.0
    assert u.min() < -1.99 and u.max() > 5.99
    assert u.mean() == pytest.approx(2.0, abs=0.05)
    assert u.var() == pytest.approx(64 / 12, rel=0.02)
    d = init.uniform_(empty(1000), generator=gen(13)).data  # default U(0, 1)
    assert d.min() >= 0.0 and d.max() < 1.0 and d.mean() == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(("call", "message"), [
    (lambda t: init.uniform_(t, 1.0, 0.0), "expected a <= b, got a=1.0, b=0.0"),
    (lambda t: init.uniform_(t, 0.0, math.inf), "b must be a finite number"),
    (lambda t: init.normal_(t, 0.0, -1.0), "std must be >= 0, got -1.0"),
    (lambda t: init.normal_(t, math.nan), "mean must be a finite number"),
    (lambda t: init.xavier_uniform_(t, gain="2"), "gain must be a finite number"),
])
def test_bad_arguments_raise_and_leave_the_tensor_alone(call, message: str) -> None:
    t = empty(3, 3)
    with pytest.raises(ValueError, match=message):
        call(t)
    assert np.isnan(t.data).all()


@pytest.mark.parametrize("initialiser", [*RANDOM_INITS, init.zeros_, init.ones_])
def test_initialisers_need_a_tensor(initialiser) -> None:
    with pytest.raises(TypeError, match=f"{initialiser.__name__}: expected a Tensor, got ndarray"):
        initialiser(np.zeros((2, 2)))


# ---- in place ----------------------------------------------------------------------------------


@pytest.mark.parametrize("initialiser", [*RANDOM_INITS, init.zeros_, init.ones_])
def test_initialisers_write_in_place_and_return_the_tensor(initialiser) -> None:
    t = empty(4, 5, dtype=np.float32)
    array = t.data
    view = array[1]
    kwargs = {"generator": gen(14)} if initialiser in RANDOM_INITS else {}
    out = initialiser(t, **kwargs)
    assert out is t
    assert t.data is array  # the same array object, written into
    assert t.data.dtype == np.float32
    assert np.isfinite(view).all()  # views of the array see the new values
    assert t.requires_grad and t.grad is None and t._parents == ()  # no graph recorded


def test_float32_gets_the_float64_draws_rounded() -> None:
    wide = init.kaiming_uniform_(empty(6, 7), generator=gen(15)).data
    narrow = init.kaiming_uniform_(empty(6, 7, dtype=np.float32), generator=gen(15)).data
    assert np.array_equal(narrow, wide.astype(np.float32))


@pytest.mark.parametrize("initialiser", FAN_INITS)
def test_zero_element_tensors_are_left_alone(initialiser) -> None:
    t = empty(0, 3)
    assert initialiser(t, generator=gen()) is t and t.shape == (0, 3)


# ---- seeding -----------------------------------------------------------------------------------


def test_manual_seed_makes_draws_repeatable_and_matches_default_rng() -> None:
    g = rng.manual_seed(123)
    assert g is rng.get_generator()
    first = init.normal_(empty(5, 5)).data.copy()
    rng.manual_seed(123)
    second = init.normal_(empty(5, 5)).data.copy()
    assert np.array_equal(first, second)
    assert np.array_equal(first, np.random.default_rng(123).normal(size=(5, 5)))
    rng.manual_seed(124)
    assert not np.array_equal(first, init.normal_(empty(5, 5)).data)


def test_manual_seed_reseeds_the_same_generator_object() -> None:
    held = rng.get_generator()
    held.random(3)  # leave it mid-stream, including PCG64's buffered half-word
    held.integers(0, 2**16, dtype=np.uint16)
    rng.manual_seed(5)
    assert rng.get_generator() is held
    assert np.array_equal(held.random(4), np.random.default_rng(5).random(4))


def test_an_explicit_generator_is_used_instead_of_the_default() -> None:
    rng.manual_seed(0)
    expected_default = np.random.default_rng(0).random(3)
    a = init.xavier_uniform_(empty(4, 4), generator=gen(99)).data.copy()
    b = init.xavier_uniform_(empty(4, 4), generator=gen(99)).data.copy()
    assert np.array_equal(a, b)
    assert np.array_equal(rng.get_generator().random(3), expected_default)  # default untouched


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_manual_seed_rejects_bad_seeds(seed: object) -> None:
    with pytest.raises((TypeError, ValueError), match="manual_seed: seed must be"):
        rng.manual_seed(seed)  # type: ignore[arg-type]


@pytest.mark.parametrize("initialiser", RANDOM_INITS)
def test_a_seed_is_not_a_generator(initialiser) -> None:
    with pytest.raises(TypeError, match=f"{initialiser.__name__}: generator must be a "
                                        "numpy.random.Generator.*got int"):
        initialiser(empty(3, 3), generator=42)
