"""PyTorch's factories: ``tensor zeros ones full arange linspace eye rand randn zeros_like
ones_like``, with ``dtype=`` and ``requires_grad=``, and the one default generator that
``manual_seed`` reseeds (shared with ``nn``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import Tensor, nn
from autograd_core.nn import rng as nn_rng

SIZED: dict[str, Callable[..., Tensor]] = {
    "zeros": ac.zeros, "ones": ac.ones, "rand": ac.rand, "randn": ac.randn,
}


@pytest.mark.parametrize("name", list(SIZED))
def test_sized_factories_take_a_size_both_ways(name: str) -> None:
    make = SIZED[name]
    for size, shape in (((2, 3), (2, 3)), (((2, 3),), (2, 3)), (([2, 3],), (2, 3)),
                        ((4,), (4,)), (((),), ()), ((0, 2), (0, 2)), ((np.int64(2),), (2,))):
        t = make(*size)
        assert isinstance(t, Tensor) and t.shape == shape
        assert t.dtype == np.float64 and not t.requires_grad and t._parents == ()
    t = make(2, dtype=np.float32, requires_grad=True)
    assert t.dtype == np.float32 and t.requires_grad
    assert make(2, dtype="float32").dtype == np.float32
    with pytest.raises(TypeError, match=rf"^{name}: missing the size"):
        make()
    with pytest.raises(TypeError, match=rf"^{name}: the size must be integers, got \(2.0,\)"):
        make(2.0)
    with pytest.raises(TypeError, match=rf"^{name}: the size must be integers"):
        make(True)
    with pytest.raises(ValueError, match=rf"^{name}: the size must not be negative"):
        make(2, -1)
    with pytest.raises(TypeError, match=rf"^{name}: dtype must be float64 or float32"):
        make(2, dtype=np.int64)
    with pytest.raises(TypeError, match=rf"^{name}: dtype must be float64 or float32"):
        make(2, dtype="no such type")


def test_zeros_ones_full_eye_values() -> None:
    np.testing.assert_array_equal(ac.zeros(2, 3).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(ac.ones(3).data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(ac.full((2,), 3.5).data, [3.5, 3.5])
    np.testing.assert_array_equal(ac.full(2, -1).data, [-1.0, -1.0])  # numpy's int size too
    assert ac.full([2, 2], 1.0, dtype=np.float32, requires_grad=True).requires_grad
    np.testing.assert_array_equal(ac.eye(2).data, [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(ac.eye(2, 3).data, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert ac.eye(0).shape == (0, 0) and ac.eye(3, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="full: fill_value must be a real number"):
        ac.full(2, "x")
    with pytest.raises(ValueError, match="eye: the size must not be negative"):
        ac.eye(-1)


def test_arange_and_linspace_follow_pytorch() -> None:
    np.testing.assert_array_equal(ac.arange(5).data, [0.0, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(ac.arange(1, 4).data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ac.arange(0, 1, 0.25).data, [0.0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(ac.arange(3, 0, -1).data, [3.0, 2.0, 1.0])
    assert ac.arange(2, 2).shape == (0,)
    assert ac.arange(3).dtype == np.float64  # floats: this engine's tensors are float
    assert ac.arange(3, dtype=np.float32, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="arange: step must not be 0"):
        ac.arange(0, 1, 0)
    with pytest.raises(ValueError, match="arange: a step of 1 never goes from 1 to 0"):
        ac.arange(1, 0)
    with pytest.raises(TypeError, match="arange: end must be a finite real number"):
        ac.arange(0, float("inf"))
    np.testing.assert_array_equal(ac.linspace(0, 1, 5).data, [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(ac.linspace(2, 3, 1).data, [2.0])
    assert ac.linspace(0, 1, 0).shape == (0,)
    assert ac.linspace(0, 1, 3, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="linspace: steps must be an integer"):
        ac.linspace(0, 1, 2.5)
    with pytest.raises(ValueError, match="linspace: steps must not be negative"):
        ac.linspace(0, 1, -1)


def test_tensor_copies_its_data_and_detaches_a_tensor() -> None:
    source = np.array([1.0, 2.0])
    t = ac.tensor(source, requires_grad=True)
    source[0] = 99.0
    assert t.data[0] == 1.0 and t.requires_grad and t.dtype == np.float64
    assert ac.tensor([[1, 2]]).dtype == np.float64 and ac.tensor(3).shape == ()
    assert ac.tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert ac.tensor([1.0], dtype=np.float32).dtype == np.float32
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = ac.tensor(x * 2.0)  # the values, copied, without the graph (as torch.tensor)
    assert y._parents == () and not y.requires_grad
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    assert not np.shares_memory(ac.tensor(x).data, x.data)
    stacked = ac.tensor([Tensor(1.0), Tensor(2.0)])  # one-element tensors become numbers
    np.testing.assert_array_equal(stacked.data, [1.0, 2.0])
    with pytest.raises(TypeError, match="expected real numbers"):
        ac.tensor(["a"])
    with pytest.raises(TypeError, match="dtype must be float64 or float32"):
        ac.tensor([1], dtype=np.int32)


def test_like_factories_take_shape_and_dtype_of_their_input() -> None:
    like = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    for make, value in ((ac.zeros_like, 0.0), (ac.ones_like, 1.0)):
        out = make(like)
        assert out.shape == (2, 3) and out.dtype == np.float32 and not out.requires_grad
        np.testing.assert_array_equal(out.data, np.full((2, 3), value))
        assert make(like, dtype=np.float64, requires_grad=True).dtype == np.float64
        assert make(like, requires_grad=True).requires_grad
        assert make(np.zeros((2,), dtype=np.int64)).dtype == np.float64  # ints become float
        assert make([[1.0, 2.0]]).shape == (1, 2)
        assert not np.shares_memory(make(like).data, like.data)


def test_rand_randn_draw_from_the_default_generator_or_the_one_given() -> None:
    ac.manual_seed(7)
    a, b = ac.rand(3), ac.randn(2, 2)
    ac.manual_seed(7)
    np.testing.assert_array_equal(ac.rand(3).data, a.data)
    np.testing.assert_array_equal(ac.randn(2, 2).data, b.data)
    reference = np.random.default_rng(7)  # manual_seed(s) draws as default_rng(s) would
    np.testing.assert_array_equal(a.data, reference.random(3))
    np.testing.assert_array_equal(b.data, reference.standard_normal((2, 2)))
    u = ac.rand(1000)
    assert u.data.min() >= 0.0 and u.data.max() < 1.0
    given = ac.rand(4, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(given.data, np.random.default_rng(3).random(4))
    assert ac.randn(3, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="randn: generator must be a numpy.random.Generator"):
        ac.randn(2, generator=3)


def test_nn_and_the_engine_share_one_generator() -> None:
    assert nn_rng.manual_seed is ac.manual_seed is nn.manual_seed
    assert nn_rng.get_generator() is ac.rng.get_generator()
    held = nn_rng.get_generator()
    ac.manual_seed(11)
    first = nn.Linear(3, 2).weight.data.copy()  # nn draws from the engine's default generator
    nn_rng.manual_seed(11)
    np.testing.assert_array_equal(nn.Linear(3, 2).weight.data, first)
    assert nn_rng.get_generator() is held
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        ac.manual_seed(1.5)


@pytest.mark.parametrize("name", ["tensor", "zeros", "ones", "full", "arange", "linspace",
                                  "rand", "randn", "zeros_like", "ones_like", "eye",
                                  "manual_seed", "maximum", "minimum"])
def test_exported_from_the_package(name: str) -> None:
    assert name in ac.__all__ and callable(getattr(ac, name))


def test_a_factory_leaf_trains_like_any_leaf() -> None:
    w = ac.zeros(2, requires_grad=True)
    x = ac.arange(1, 3)
    loss: Any = ((w * x).sum() - 1.0) ** 2
    loss.backward()
    np.testing.assert_array_equal(w.grad, [-2.0, -4.0])
