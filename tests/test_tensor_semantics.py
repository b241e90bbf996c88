"""Exact gradients, indexing, the softmax family at extreme logits, and the Tensor's contract.

Closed-form checks compare with ``==`` wherever floating point allows it (sums of ones, 2x, ...),
so an off-by-a-factor or an extra accumulation cannot hide inside a tolerance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import Tensor, no_grad

# ------------------------------------------------------------------------------------------------
# construction and the array's face
# ------------------------------------------------------------------------------------------------


def test_defaults_and_array_face() -> None:
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == np.float64 and t.data.dtype == np.float64
    assert t.shape == (2, 3) and t.ndim == 2
    assert t.grad is None and t.requires_grad is False
    np.testing.assert_array_equal(t.T.data, t.data.T)
    assert t.T.shape == (3, 2)
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize("data", [[1, 2, 3], np.arange(3, dtype=np.int32), np.arange(3),
                                  [True, False, True], np.array([1, 0], dtype=np.uint8), 7])
def test_integer_and_bool_data_promoted_to_float64(data: object) -> None:
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


def test_float32_on_request() -> None:
    for dtype in (np.float32, "float32", np.dtype(np.float32)):
        t = Tensor([1, 2, 3], dtype=dtype)
        assert t.dtype == np.float32
    assert Tensor([1.5], dtype=np.float64).dtype == np.float64


def test_item() -> None:
    assert Tensor(2.5).item() == 2.5
    assert isinstance(Tensor([[2.5]]).item(), float)
    assert Tensor([[2.5]]).item() == 2.5


def test_zero_dim_tensor() -> None:
    t = Tensor(3.0, requires_grad=True)
    assert t.shape == () and t.ndim == 0
    y = t * t + 2 * t
    y.backward()
    assert y.item() == 15.0
    assert t.grad.shape == () and t.grad == 8.0


# ------------------------------------------------------------------------------------------------
# exactness vs closed forms
# ------------------------------------------------------------------------------------------------


def test_grad_of_sum_of_squares_is_exactly_2x() -> None:
    x0 = np.random.default_rng(0).standard_normal((3, 4))
    x = Tensor(x0, requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, np.ndarray)
    assert x.grad.shape == x0.shape
    np.testing.assert_array_equal(x.grad, 2 * x0)
    y = Tensor(x0, requires_grad=True)
    (y**2).sum().backward()
    np.testing.assert_array_equal(y.grad, 2 * x0)


def test_broadcast_add_gradients_are_counts() -> None:
    a = Tensor(np.zeros((3, 1)), requires_grad=True)
    b = Tensor(np.zeros((1, 4)), requires_grad=True)
    out = a + b
    assert out.shape == (3, 4)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad, np.full((1, 4), 3.0))


def test_broadcast_against_lower_rank_sums_leading_axes() -> None:
    a = Tensor(np.ones((2, 3, 4)), requires_grad=True)
    b = Tensor(np.ones(4), requires_grad=True)
    c = Tensor(2.0, requires_grad=True)
    (a * b * c).sum().backward()
    np.testing.assert_array_equal(b.grad, np.full(4, 12.0))
    np.testing.assert_array_equal(a.grad, np.full((2, 3, 4), 2.0))
    assert c.grad.shape == () and c.grad == 24.0


def test_broadcast_mul_gradient_closed_form() -> None:
    rng = np.random.default_rng(1)
    a0, b0 = rng.standard_normal((3, 1)), rng.standard_normal((1, 4))
    a, b = Tensor(a0, requires_grad=True), Tensor(b0, requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_allclose(a.grad, np.broadcast_to(b0.sum(), (3, 1)), rtol=1e-15)
    np.testing.assert_allclose(b.grad, np.broadcast_to(a0.sum(), (1, 4)), rtol=1e-15)


def test_mean_gradient_is_one_over_count() -> None:
    x = Tensor(np.ones((2, 4)), requires_grad=True)
    x.mean(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 4), 0.25))
    y = Tensor(np.ones((2, 4)), requires_grad=True)
    y.mean().backward()
    np.testing.assert_array_equal(y.grad, np.full((2, 4), 0.125))


def test_max_min_gradient_goes_to_the_winner() -> None:
    x0 = np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]])
    x = Tensor(x0, requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])
    y = Tensor(x0, requires_grad=True)
    y.min(axis=0, keepdims=True).sum().backward()
    np.testing.assert_array_equal(y.grad, [[1, 0, 1], [0, 1, 0]])
    z = Tensor(x0, requires_grad=True)
    z.max().backward()
    np.testing.assert_array_equal(z.grad, [[0, 0, 0], [1, 0, 0]])


def test_max_min_ties_share_the_gradient() -> None:
    # documented: ties share the gradient equally (as torch.amax / torch.amin)
    x = Tensor([1.0, 3.0, 3.0, 0.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])
    y = Tensor([[2.0, 2.0, 2.0], [5.0, 1.0, 1.0]], requires_grad=True)
    y.min(axis=1).sum().backward()
    np.testing.assert_array_equal(y.grad, [[1 / 3, 1 / 3, 1 / 3], [0.0, 0.5, 0.5]])


def test_matmul_gradient_closed_form_exact() -> None:
    rng = np.random.default_rng(2)
    a0, b0 = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    a, b = Tensor(a0, requires_grad=True), Tensor(b0, requires_grad=True)
    g = rng.standard_normal((2, 4))
    (a @ b).backward(g)
    np.testing.assert_allclose(a.grad, g @ b0.T, rtol=1e-14)
    np.testing.assert_allclose(b.grad, a0.T @ g, rtol=1e-14)


def test_dot_product_of_vectors() -> None:
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([4.0, 5.0, 6.0], requires_grad=True)
    out = a @ b
    assert out.shape == () and out.item() == 32.0
    out.backward()
    np.testing.assert_array_equal(a.grad, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0, 3.0])


def test_concatenate_stack_where_clip_exact() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    w = np.array([10.0, 20.0, 30.0])
    (ac.concatenate([a, b]) * w).sum().backward()
    np.testing.assert_array_equal(a.grad, [10.0, 20.0])
    np.testing.assert_array_equal(b.grad, [30.0])

    p, q = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    s = ac.stack([p, q], axis=1)
    np.testing.assert_array_equal(s.data, [[1, 3], [2, 4]])
    (s * np.array([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(p.grad, [1.0, 3.0])
    np.testing.assert_array_equal(q.grad, [2.0, 4.0])

    x, y = Tensor([1.0, -2.0, 3.0], requires_grad=True), Tensor([9.0, 9.0, 9.0],
                                                                requires_grad=True)
    out = ac.where(x > 0, x, y)
    np.testing.assert_array_equal(out.data, [1.0, 9.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(y.grad, [0.0, 1.0, 0.0])

    c = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
    clipped = c.clip(-1.0, 1.0)
    np.testing.assert_array_equal(clipped.data, [-1.0, 0.5, 1.0])
    clipped.sum().backward()
    np.testing.assert_array_equal(c.grad, [0.0, 1.0, 0.0])


# ------------------------------------------------------------------------------------------------
# indexing
# ------------------------------------------------------------------------------------------------


def test_repeated_integer_indices_accumulate_exactly() -> None:
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    t[[0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 0.0, 1.0])
    u = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    u[np.array([2, -1, 1, 2])].sum().backward()  # -1 is index 2 as well
    np.testing.assert_array_equal(u.grad, [0.0, 1.0, 3.0])


def test_repeated_index_weighted_by_upstream() -> None:
    t = Tensor(np.zeros(4), requires_grad=True)
    t[[1, 3, 1, 1]].backward(np.array([1.0, 10.0, 100.0, 1000.0]))
    np.testing.assert_array_equal(t.grad, [0.0, 1101.0, 0.0, 10.0])


def test_slices_with_steps_and_negative_indices() -> None:
    x0 = np.arange(12.0).reshape(3, 4)
    cases = [
        (slice(None, None, 2),),
        (slice(None), slice(None, None, -1)),
        (-1,),
        (slice(-2, None), -1),
        (slice(3, None, -2), slice(1, -1)),
        (Ellipsis, 0),
        (None, 1, slice(None, None, 3)),
    ]
    for index in cases:
        t = Tensor(x0, requires_grad=True)
        out = t[index]
        np.testing.assert_array_equal(out.data, x0[index])
        out.sum().backward()
        expected = np.zeros_like(x0)
        expected[index] = 1.0
        np.testing.assert_array_equal(t.grad, expected, err_msg=str(index))


def test_boolean_mask_indexing() -> None:
    x0 = np.array([[1.0, -2.0], [-3.0, 4.0]])
    t = Tensor(x0, requires_grad=True)
    mask = x0 > 0
    out = t[mask]
    np.testing.assert_array_equal(out.data, [1.0, 4.0])
    out.backward(np.array([5.0, 7.0]))
    np.testing.assert_array_equal(t.grad, [[5.0, 0.0], [0.0, 7.0]])
    u = Tensor(x0, requires_grad=True)
    u[u > 0].sum().backward()  # comparisons give numpy masks
    np.testing.assert_array_equal(u.grad, mask.astype(float))


def test_tuple_mixing_slices_and_arrays() -> None:
    x0 = np.arange(24.0).reshape(2, 3, 4)
    index = (slice(None), [0, 2, 0], slice(1, None, 2))
    t = Tensor(x0, requires_grad=True)
    out = t[index]
    np.testing.assert_array_equal(out.data, x0[index])
    out.sum().backward()
    expected = np.zeros_like(x0)
    np.add.at(expected, index, 1.0)
    np.testing.assert_array_equal(t.grad, expected)
    assert t.grad[0, 0, 1] == 2.0 and t.grad[0, 2, 3] == 1.0 and t.grad[0, 1, 1] == 0.0

    u = Tensor(x0, requires_grad=True)
    index2 = ([1, 1], slice(None, None, -1), np.array([3, 3]))
    u[index2].sum().backward()
    expected2 = np.zeros_like(x0)
    np.add.at(expected2, index2, 1.0)
    np.testing.assert_array_equal(u.grad, expected2)
    assert u.grad[1, 0, 3] == 2.0


# ------------------------------------------------------------------------------------------------
# the softmax family at extreme logits
# ------------------------------------------------------------------------------------------------

EXTREME = np.array([
    [1000.0, -1000.0, 0.0],
    [-1000.0, -1000.0, -1000.0],
    [1000.0, 1000.0, -1000.0],
    [0.0, 0.0, 1000.0],
    [-1000.0, 0.0, -1000.0],
])


def _reference_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _reference_logsumexp(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m


def test_softmax_extreme_logits_values() -> None:
    s = Tensor(EXTREME).softmax()
    assert np.all(np.isfinite(s.data))
    np.testing.assert_allclose(s.data.sum(axis=-1), 1.0, rtol=0, atol=1e-15)
    expected = np.array([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(s.data, expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(s.data, _reference_softmax(EXTREME), rtol=1e-15, atol=0)
    s0 = Tensor(EXTREME).softmax(axis=0)
    np.testing.assert_allclose(s0.data.sum(axis=0), 1.0, atol=1e-15)
    np.testing.assert_allclose(s0.data, _reference_softmax(EXTREME, 0), rtol=1e-15, atol=0)


def test_logsumexp_and_log_softmax_extreme_logits_values() -> None:
    lse = Tensor(EXTREME).logsumexp(axis=-1)
    assert lse.shape == (5,)
    expected = np.array([1000.0, -1000.0 + np.log(3.0), 1000.0 + np.log(2.0), 1000.0, 0.0])
    np.testing.assert_allclose(lse.data, expected, rtol=1e-15)
    np.testing.assert_allclose(Tensor(EXTREME).logsumexp(axis=1, keepdims=True).data,
                               _reference_logsumexp(EXTREME), rtol=1e-15)
    ls = Tensor(EXTREME).log_softmax()
    assert np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(ls.data, EXTREME - _reference_logsumexp(EXTREME), rtol=1e-15,
                               atol=1e-12)
    np.testing.assert_allclose(ls.data, EXTREME - lse.data[:, None], rtol=1e-15, atol=1e-12)
    assert ls.data[0, 0] == 0.0 and ls.data[0, 1] == -2000.0 and ls.data[0, 2] == -1000.0
    total = Tensor(EXTREME).logsumexp()
    assert total.shape == ()  # four entries equal 1000, the rest are negligible
    assert total.item() == pytest.approx(1000.0 + np.log(4.0), rel=1e-15)


def test_softmax_family_extreme_logits_gradients() -> None:
    rng = np.random.default_rng(3)
    g = rng.standard_normal(EXTREME.shape)
    s_ref = _reference_softmax(EXTREME)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value warnings either

        x = Tensor(EXTREME, requires_grad=True)
        x.softmax().backward(g)
        assert np.all(np.isfinite(x.grad))
        expected = s_ref * (g - (g * s_ref).sum(axis=-1, keepdims=True))
        np.testing.assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-15)

        y = Tensor(EXTREME, requires_grad=True)
        y.log_softmax().backward(g)
        assert np.all(np.isfinite(y.grad))
        np.testing.assert_allclose(y.grad, g - s_ref * g.sum(axis=-1, keepdims=True),
                                   rtol=1e-12, atol=1e-15)

        z = Tensor(EXTREME, requires_grad=True)
        z.logsumexp(axis=-1).sum().backward()
        assert np.all(np.isfinite(z.grad))
        # exp(x - lse) loses a few hundred ulps here (lse ~ 1000 carries ~1e-13 absolute error)
        np.testing.assert_allclose(z.grad, s_ref, rtol=1e-12, atol=1e-15)


def test_softmax_family_extreme_logits_gradcheck() -> None:
    x = EXTREME + np.random.default_rng(4).uniform(-0.5, 0.5, EXTREME.shape)
    assert ac.gradcheck(lambda t: t.softmax(), x)
    assert ac.gradcheck(lambda t: t.log_softmax(), x)
    assert ac.gradcheck(lambda t: t.logsumexp(axis=-1), x)
    assert ac.gradcheck(lambda t: t.logsumexp(axis=0, keepdims=True), x)


def test_cross_entropy_with_extreme_logits_is_finite() -> None:
    logits = Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), requires_grad=True)
    targets = np.array([1, 1])
    loss = -logits.log_softmax()[np.arange(2), targets].mean()
    assert loss.item() == pytest.approx(1000.0, rel=1e-15)
    loss.backward()
    np.testing.assert_allclose(logits.grad, [[0.5, -0.5], [0.0, 0.0]], atol=1e-15)


# ------------------------------------------------------------------------------------------------
# gradient accumulation, interior grads, no_grad, detach, requires_grad
# ------------------------------------------------------------------------------------------------


def test_backward_twice_doubles_leaf_grads_but_not_interior() -> None:
    x0 = np.array([1.0, -2.0, 3.0])
    x = Tensor(x0, requires_grad=True)
    y = x * 3.0
    z = (y * y).sum()
    z.backward()
    first_x, first_y = x.grad.copy(), y.grad.copy()
    np.testing.assert_array_equal(first_x, 18 * x0)
    np.testing.assert_array_equal(first_y, 6 * x0)
    z.backward()
    np.testing.assert_array_equal(x.grad, 2 * first_x)  # leaves accumulate
    np.testing.assert_array_equal(y.grad, first_y)  # interior: overwritten, not accumulated
    assert z.grad == 1.0


def test_leaf_used_in_two_graphs_accumulates() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 6.0])


def test_leaf_grad_is_a_fresh_array() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([5.0, 7.0])
    x.backward(seed)
    seed[0] = 100.0
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])
    x.grad[1] = 0.0  # writable, and owning its memory
    y = Tensor([1.0, 2.0], requires_grad=True)
    (y + 0.0).sum().backward()
    y.grad += 1.0
    np.testing.assert_array_equal(y.grad, [2.0, 2.0])


def test_backward_accepts_grad_as_tensor_or_list() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).backward(Tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])
    x.grad = None
    (x * 3.0).backward([2.0, 1.0])
    np.testing.assert_array_equal(x.grad, [6.0, 3.0])


def test_no_grad_records_nothing() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not ac.is_grad_enabled()
        y = (x * x).exp().sum()
    assert ac.is_grad_enabled()
    assert y.requires_grad is False
    assert y.item() == pytest.approx(np.exp(1.0) + np.exp(4.0))
    with pytest.raises(RuntimeError):
        y.backward()
    assert x.grad is None
    # mixing a no_grad result into a recorded graph contributes no gradient through it
    z = (y * x).sum()
    z.backward()
    np.testing.assert_allclose(x.grad, [y.item(), y.item()])


def test_no_grad_restores_state_after_exception() -> None:
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert ac.is_grad_enabled()
    x = Tensor([1.0], requires_grad=True)
    assert (x * 2.0).requires_grad


def test_detach_cuts_the_graph() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = (x * 2.0).detach()
    assert d.requires_grad is False
    np.testing.assert_array_equal(d.data, [2.0, 4.0, 6.0])
    (x.detach() * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])  # not 2x
    with pytest.raises(RuntimeError):
        d.sum().backward()


def test_requires_grad_propagation() -> None:
    a = Tensor([1.0, 2.0])
    b = Tensor([3.0, 4.0])
    c = Tensor([5.0, 6.0], requires_grad=True)
    plain = (a * b + 1.0).exp().sum()
    assert plain.requires_grad is False
    with pytest.raises(RuntimeError):
        plain.backward()
    mixed = a * c
    assert mixed.requires_grad is True
    mixed.sum().backward()
    np.testing.assert_array_equal(c.grad, [1.0, 2.0])
    assert a.grad is None  # a does not require grad: no gradient stored
    assert ac.stack([a, b]).requires_grad is False
    assert ac.stack([a, c]).requires_grad is True
    assert ac.where([True, False], a, b).requires_grad is False
    assert ac.where([True, False], a, c).requires_grad is True


# ------------------------------------------------------------------------------------------------
# float32
# ------------------------------------------------------------------------------------------------

FLOAT32_OPS = {
    "+": lambda t: t + 1.5,
    "radd": lambda t: 1.5 + t,
    "-": lambda t: 2 - t,
    "*": lambda t: 2 * t,
    "/": lambda t: t / 3,
    "rdiv": lambda t: 3 / t,
    "**": lambda t: t**2,
    "rpow": lambda t: 2.0**t,
    "** tensor exponent": lambda t: t ** (t + 1.0),
    "neg": lambda t: -t,
    "@": lambda t: t @ t.T,
    "exp": lambda t: t.exp(),
    "log": lambda t: t.log(),
    "sqrt": lambda t: t.sqrt(),
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "relu": lambda t: t.relu(),
    "leaky_relu": lambda t: t.leaky_relu(0.1),
    "elu": lambda t: (t - 1.0).elu(),
    "softplus": lambda t: t.softplus(),
    "sin": lambda t: t.sin(),
    "cos": lambda t: t.cos(),
    "abs": lambda t: t.abs(),
    "clip": lambda t: t.clip(0.2, 0.5),
    "sum": lambda t: t.sum(axis=0),
    "mean": lambda t: t.mean(axis=1, keepdims=True),
    "max": lambda t: t.max(axis=1),
    "min": lambda t: t.min(),
    "logsumexp": lambda t: t.logsumexp(axis=-1),
    "softmax": lambda t: t.softmax(),
    "log_softmax": lambda t: t.log_softmax(axis=0),
    "reshape": lambda t: t.reshape(-1),
    "transpose": lambda t: t.transpose(),
    "index": lambda t: t[[0, 0], 1:],
    "mask": lambda t: t[t.data > 0.3],
    "concatenate": lambda t: ac.concatenate([t, t]),
    "stack": lambda t: ac.stack([t, t], axis=-1),
    "where": lambda t: ac.where(t.data > 0.3, t, t * 2),
    "where(python number)": lambda t: ac.where(t.data > 0.3, t, 0.0),
    "linear": lambda t: ac.linear(t, t * 0.5, t[0, :2]),
    "cross_entropy": lambda t: ac.cross_entropy(t, [2, 0]),
}

X32 = np.array([[0.1, 0.2, 0.7], [0.4, 0.35, 0.6]], dtype=np.float32)


@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_stays_float32_forward_and_leaf_grad(name: str) -> None:
    t = Tensor(X32, requires_grad=True, dtype=np.float32)
    out = FLOAT32_OPS[name](t)
    assert out.dtype == np.float32, f"{name} forward gives {out.dtype}"
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert t.grad.dtype == np.float32
    assert t.grad.shape == t.shape


@pytest.mark.parametrize("name", [n for n in FLOAT32_OPS if n != "where(python number)"])
def test_float32_leaf_grad_stays_float32_when_accumulated(name: str) -> None:
    t = Tensor(X32, requires_grad=True, dtype=np.float32)
    out = FLOAT32_OPS[name](t)
    seed = np.ones(out.shape, dtype=np.float32)
    out.backward(seed)
    first = t.grad.copy()
    out.backward(seed)  # the second pass adds into the existing float32 grad
    assert t.grad.dtype == np.float32, f"{name}: accumulated grad is {t.grad.dtype}"
    np.testing.assert_allclose(t.grad, 2 * first, rtol=1e-6)


@pytest.mark.parametrize("name", [n for n in FLOAT32_OPS if n != "where(python number)"])
def test_float32_interior_grads_stay_float32(name: str) -> None:
    t = Tensor(X32, requires_grad=True, dtype=np.float32)
    inner = t * 1.0  # an interior node whose .grad is the gradient flowing out of the op
    out = FLOAT32_OPS[name](inner)
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert inner.grad.dtype == np.float32, f"{name} backward gives {inner.grad.dtype}"


def test_float32_tensor_with_float64_array_follows_numpy_promotion() -> None:
    t = Tensor([1.0, 2.0], dtype=np.float32)
    assert (t + np.ones(2)).dtype == np.result_type(np.float32, np.float64)
    assert (t + np.ones(2, dtype=np.float32)).dtype == np.float32


# ------------------------------------------------------------------------------------------------
# mixing with Python numbers and numpy arrays
# ------------------------------------------------------------------------------------------------


def test_mixed_operands_return_tensors_with_correct_order() -> None:
    t = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    a = np.array([8.0, 8.0, 8.0])
    cases = {
        "2 * t": (2 * t, 2 * t.data),
        "t * 2": (t * 2, 2 * t.data),
        "t + ones": (t + np.ones(3), t.data + 1),
        "ones + t": (np.ones(3) + t, t.data + 1),
        "a - t": (a - t, a - t.data),
        "t - a": (t - a, t.data - a),
        "a / t": (a / t, a / t.data),
        "1 / t": (1 / t, 1 / t.data),
        "a ** t": (np.full(3, 2.0) ** t, 2.0**t.data),
        "3 - t": (3 - t, 3 - t.data),
        "a @ t": (a @ t, a @ t.data),
        "M @ t": (np.eye(3) @ t, t.data),
    }
    for name, (out, expected) in cases.items():
        assert isinstance(out, Tensor), name
        np.testing.assert_array_equal(out.data, expected, err_msg=name)
        assert out.requires_grad, name
    (a / t).sum().backward()
    np.testing.assert_array_equal(t.grad, -a / t.data**2)


def test_comparisons_give_numpy_masks() -> None:
    t = Tensor([1.0, -2.0, 3.0])
    assert isinstance(t > 0, np.ndarray)
    np.testing.assert_array_equal(t > 0, [True, False, True])
    np.testing.assert_array_equal(np.zeros(3) < t, [True, False, True])


# ------------------------------------------------------------------------------------------------
# NaN and inf like numpy (outside detect_anomaly)
# ------------------------------------------------------------------------------------------------


def test_nan_and_inf_propagate_like_numpy() -> None:
    x0 = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0])
    with np.errstate(all="ignore"):
        for name in ("exp", "log", "sqrt", "tanh", "sin", "cos", "abs", "relu", "sigmoid",
                     "softplus"):
            out = getattr(Tensor(x0), name)()
            if name == "relu":
                expected = np.where(np.isnan(x0), np.nan, np.maximum(x0, 0))
            elif name == "sigmoid":
                expected = 1 / (1 + np.exp(-x0))
            elif name == "softplus":
                expected = np.logaddexp(0, x0)
            else:
                expected = getattr(np, name)(x0)
            np.testing.assert_array_equal(out.data, expected, err_msg=name)
        np.testing.assert_array_equal((Tensor([1.0, -1.0, 0.0]) / 0.0).data,
                                      np.array([1.0, -1.0, 0.0]) / 0.0)


def test_nan_outside_anomaly_mode_warns_like_numpy() -> None:
    x = Tensor([-1.0, 4.0], requires_grad=True)
    with pytest.warns(RuntimeWarning):
        y = x.log()
    assert np.isnan(y.data[0]) and y.data[1] == np.log(4.0)
    z = Tensor([0.0, 4.0], requires_grad=True)
    with pytest.warns(RuntimeWarning):
        z.sqrt().sum().backward()
    assert z.grad[0] == np.inf and z.grad[1] == 0.25


def test_cross_entropy_fused_op_at_extreme_logits() -> None:
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    z = Tensor(logits, requires_grad=True)
    loss = ac.cross_entropy(z, [2, 1])
    # row 0: -(0 - 1000) = 1000; row 1: log 3
    assert loss.item() == pytest.approx((1000.0 + np.log(3.0)) / 2, rel=1e-15)
    loss.backward()
    expected = (_reference_softmax(logits) - np.eye(3)[[2, 1]]) / 2
    assert np.all(np.isfinite(z.grad))
    np.testing.assert_allclose(z.grad, expected, rtol=1e-12, atol=1e-15)


def test_leaf_gradients_never_alias_each_other_or_the_seed() -> None:
    # Gradients are handed to leaves without a copy only when nobody else can reach them.
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    total = a + b  # + passes its upstream gradient through to both inputs unchanged
    seed = np.array([1.0, 2.0, 3.0])
    total.backward(seed)
    assert a.grad is not b.grad and a.grad is not seed and a.grad is not total.grad
    a.grad *= 10
    assert b.grad.tolist() == [1.0, 2.0, 3.0]
    assert total.grad.tolist() == [1.0, 2.0, 3.0]
    seed[:] = 0
    assert b.grad.tolist() == [1.0, 2.0, 3.0]
    leaf = Tensor(np.ones(2), requires_grad=True)
    own_seed = np.array([4.0, 5.0])
    leaf.backward(own_seed)
    assert leaf.grad is not own_seed
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    (w.T * 1.0).sum().backward()  # the transpose hands back a view of its upstream gradient
    assert w.grad.base is None


def test_relu_backward_leaves_the_gradient_it_receives_alone() -> None:
    # relu's VJP multiplies into a mask of its own: the interior gradient it was handed (kept
    # as the relu output's .grad) must still read as what flowed in, not as the masked one.
    x = Tensor(np.array([[-1.0, 2.0, 0.0, 3.0]]), requires_grad=True)
    h = x.relu()
    w = np.array([10.0, 20.0, 30.0, 40.0])
    (h * w).sum().backward()
    np.testing.assert_array_equal(h.grad, [w])
    np.testing.assert_array_equal(x.grad, [[0.0, 20.0, 0.0, 40.0]])
    assert x.grad is not h.grad
