"""The training step's pieces after their per-call costs were cut (issue 14, item 3): what they
do must not have changed.

``linear`` (one row's dW by numpy's ``dot``), ``cross_entropy`` (the labels checked with one
reduction and used as positions in the flattened logits), ``nn.Linear`` (the shape check left
to ``linear``), ``nn.CrossEntropyLoss`` (label smoothing checked once, when it is made),
``Optimizer.zero_grad`` and ``step``: same results, same errors, no warnings. And the two
fused ops' VJPs take batched cotangents, as every VJP does: a cotangent of shape
B + out.shape gives B + input.shape, each slice what that slice alone gives, with arrays and
with Tensors (create_graph).
"""

from __future__ import annotations

import warnings
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_batched_vjp import check_batched  # one pass vs one pass per slice, and 2nd order

import autograd_core as ac
from autograd_core import Tensor, Value, nn
from autograd_core.nn import functional as F

BATCHED = settings(max_examples=25, deadline=None)
finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def draw_array(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=finite))


# ---- batched cotangents ---------------------------------------------------------------------

@BATCHED
@given(data=st.data(), lead=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3),
       n_in=st.integers(1, 3), n_out=st.integers(1, 3), with_bias=st.booleans(),
       batch=st.sampled_from([(1,), (3,), (2, 2)]))
def test_linear_takes_batched_cotangents(data: st.DataObject, lead: tuple[int, ...], n_in: int,
                                         n_out: int, with_bias: bool,
                                         batch: tuple[int, ...]) -> None:
    x, w = draw_array(data, (*lead, n_in)), draw_array(data, (n_out, n_in))
    if with_bias:
        check_batched(lambda x_, w_, b_: ac.linear(x_, w_, b_), [x, w, draw_array(data, (n_out,))],
                      batch)
    else:
        check_batched(lambda x_, w_: ac.linear(x_, w_), [x, w], batch)


@BATCHED
@given(data=st.data(), n=st.integers(1, 4), c=st.integers(1, 4),
       reduction=st.sampled_from(["mean", "sum", "none"]),
       batch=st.sampled_from([(1,), (3,), (2, 2)]))
def test_cross_entropy_takes_batched_cotangents(data: st.DataObject, n: int, c: int,
                                                reduction: str, batch: tuple[int, ...]) -> None:
    z = draw_array(data, (n, c))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    check_batched(lambda t: ac.cross_entropy(t, labels, reduction=reduction), [z], batch)


def test_the_vjps_take_a_batch_called_directly() -> None:
    """The recorded VJPs themselves, vjp(g, *inputs, out), on arrays and on Tensors."""
    rng = np.random.default_rng(0)
    x, w, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in [(4, 3), (2, 3), (2,)])
    for out in (ac.linear(x, w, b), ac.cross_entropy(x, [0, 2, 1, 1]),
                ac.cross_entropy(x, [0, 2, 1, 1], reduction="none")):
        g = rng.standard_normal((5, *out.shape))
        for vjp, parent in zip(out._vjps, out._parents):
            together = vjp(g, *out._saved)
            alone = [vjp(g[k], *out._saved) for k in range(5)]
            assert together.shape == (5, *parent.shape)
            np.testing.assert_allclose(together, np.stack(alone), rtol=1e-13, atol=1e-15)
            graphed = vjp(Tensor(g), *out._inputs, out)
            assert isinstance(graphed, Tensor)
            np.testing.assert_allclose(graphed.data, together, rtol=1e-13, atol=1e-15)


# ---- linear and nn.Linear -------------------------------------------------------------------

@pytest.mark.parametrize("lead", [(), (1,), (5,), (2, 3), (0,)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_forward_and_gradients_are_the_plain_formulas(lead: tuple[int, ...],
                                                             dtype: type) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((*lead, 4)).astype(dtype)
    w, b = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(3).astype(dtype)
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
    out = ac.linear(xt, wt, bt)
    assert out.dtype == dtype and out.shape == (*lead, 3)
    tol = 1e-13 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out.data, x @ w.T + b, rtol=tol, atol=tol)
    g = rng.standard_normal(out.shape).astype(dtype)
    out.backward(g)
    rows, grows = x.reshape(-1, 4), g.reshape(-1, 3)
    np.testing.assert_allclose(xt.grad, g @ w, rtol=tol, atol=tol)
    np.testing.assert_allclose(wt.grad, grows.T @ rows, rtol=tol, atol=tol)
    np.testing.assert_allclose(bt.grad, grows.sum(axis=0), rtol=tol, atol=tol)
    for p in (xt, wt, bt):  # the leaves keep the pass's own arrays: writable, not views
        assert p.grad.dtype == dtype and p.grad.flags.writeable and p.grad.base is None


def test_a_batch_of_one_row_gives_the_exact_outer_product() -> None:
    """dW for one row is the outer product g^T x, each entry a single product: exact."""
    rng = np.random.default_rng(2)
    x, g = rng.standard_normal((1, 64)), rng.standard_normal((1, 128))
    w = Tensor(rng.standard_normal((128, 64)), requires_grad=True)
    ac.linear(Tensor(x), w).backward(g)
    np.testing.assert_array_equal(w.grad, g[0][:, None] * x[0][None, :])


def test_nn_linear_keeps_its_messages() -> None:
    layer = nn.Linear(3, 2)
    for bad, shape in ((np.ones((2, 4)), r"\(2, 4\)"), (1.0, r"\(\)"), (np.ones(5), r"\(5,\)")):
        with pytest.raises(ValueError, match=r"^Linear: expected input of shape \(\.\.\., 3\), "
                                             rf"got shape {shape}$"):
            layer(bad)
    with pytest.raises(TypeError, match="^Tensor: expected real numbers"):
        layer("abc")
    layer.weight = Tensor(np.ones((2, 4)), requires_grad=True)  # a weight that fits no input
    with pytest.raises(ValueError, match=r"^linear: input of shape \(1, 3\) does not fit"):
        layer(np.ones((1, 3)))


def test_nn_linear_takes_lists_and_any_leading_axes() -> None:
    layer = nn.Linear(2, 3)
    w, b = layer.weight.data, layer.bias.data
    np.testing.assert_allclose(layer([[1.0, 2.0]]).data, [[1.0, 2.0]] @ w.T + b, rtol=1e-14)
    np.testing.assert_allclose(layer(np.ones(2)).data, np.ones(2) @ w.T + b, rtol=1e-14)
    x = np.arange(12.0).reshape(2, 3, 2)
    np.testing.assert_allclose(layer(x).data, x @ w.T + b, rtol=1e-14)
    assert nn.Linear(2, 3, bias=False)(x).shape == (2, 3, 3)


class Doubler(nn.Module):
    """A module whose forward takes positional and keyword arguments."""

    def __init__(self) -> None:
        self.layer = nn.Linear(2, 2)

    def forward(self, x: Any, *, twice: bool = True, extra: Any = 0.0) -> Any:
        y = self.layer(x) + extra
        return y * 2 if twice else y


def test_module_call_passes_arguments_and_runs_a_subclass_call() -> None:
    model = Doubler()
    x = Tensor(np.ones((1, 2)))
    once = model(x, twice=False)
    np.testing.assert_allclose(model(x).data, 2 * once.data)
    np.testing.assert_allclose(model(x, twice=False, extra=1.0).data, once.data + 1.0)

    class Counting(nn.Linear):  # a subclass's __call__ still sees each call, in a Sequential
        calls = 0

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            Counting.calls += 1
            return super().__call__(*args, **kwargs)

    nn.Sequential(Counting(2, 2), nn.ReLU(), Counting(2, 1))(x)
    assert Counting.calls == 2


def test_float32_layers_warn_of_nothing() -> None:
    """nn.Linear(dtype=float32) is made from zeros, then drawn: no cast of uninitialised
    float64 memory ('overflow encountered in cast'), nor any other warning, in a step."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(20):
            for sizes in ((64, 128), (1, 1), (0, 3), (3, 0), (300, 7)):
                layer = nn.Linear(*sizes, dtype=np.float32)
                assert layer.weight.dtype == np.float32 and np.isfinite(layer.weight.data).all()
        model = nn.Sequential(nn.Linear(4, 8, dtype="float32"), nn.ReLU(),
                              nn.Linear(8, 3, dtype="float32"))
        optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
        x = Tensor(np.ones((5, 4), dtype=np.float32))
        optimizer.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), [0, 1, 2, 0, 1])
        loss.backward()
        optimizer.step()
    assert loss.dtype == np.float32
    assert all(p.data.dtype == p.grad.dtype == np.float32 for p in model.parameters())


# ---- cross_entropy and nn.CrossEntropyLoss --------------------------------------------------

LABEL_ERRORS: list[tuple[Any, type, str]] = [
    ([0, 3], ValueError, r"labels must lie in \[0, 3\), got values from 0 to 3$"),
    ([-1, 0], ValueError, r"labels must lie in \[0, 3\), got values from -1 to 0$"),
    (np.array([0, 2**64 - 1], dtype=np.uint64), ValueError,  # beyond intp: still caught
     r"labels must lie in \[0, 3\), got values from 0 to 18446744073709551615$"),
    (np.array([0, 2**63], dtype=np.uint64), ValueError,
     r"labels must lie in \[0, 3\), got values from 0 to 9223372036854775808$"),
    (np.array([1, 5], dtype=np.int8), ValueError,
     r"labels must lie in \[0, 3\), got values from 1 to 5$"),
    ([0.5, 1.0], TypeError, r"labels must be integers, got dtype float64 with values such as "
                            r"0\.5$"),
    ([np.nan, 1.0], TypeError, "labels must be integers, got dtype float64 with values such as "
                               "nan$"),
    ([1.0, 7.0], ValueError, r"labels must lie in \[0, 3\), got values from 1\.0 to 7\.0$"),
    ([True, False], TypeError, "labels must be integers, got dtype bool$"),
    (["a", "b"], TypeError, "labels must be integers, got dtype <U1$"),
    ([0], ValueError, r"expected logits of shape \(N, C\) and N labels, got logits \(2, 3\) and "
                      r"labels \(1,\)$"),
]


@pytest.mark.parametrize(("labels", "kind", "message"), LABEL_ERRORS)
def test_cross_entropy_keeps_its_label_errors(labels: Any, kind: type, message: str) -> None:
    z = Tensor(np.zeros((2, 3)))
    with pytest.raises(kind, match=f"^cross_entropy: {message}"):
        ac.cross_entropy(z, labels)
    with pytest.raises(kind, match=f"^cross_entropy: {message}"):
        F.cross_entropy(z, labels)
    with pytest.raises(kind, match=f"^CrossEntropyLoss: cross_entropy: {message}"):
        nn.CrossEntropyLoss()(z, labels)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.uint64, np.float64])
def test_cross_entropy_accepts_every_integer_dtype_and_whole_floats(dtype: type) -> None:
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    expected = np.log(np.exp(z).sum(axis=1)) - z[[0, 1], [2, 0]]
    labels = np.array([2, 0], dtype=dtype)
    np.testing.assert_allclose(ac.cross_entropy(Tensor(z), labels, reduction="none").data,
                               expected, rtol=1e-14)
    np.testing.assert_allclose(ac.cross_entropy(Tensor(z), Tensor(labels.astype(float))).data,
                               expected.mean(), rtol=1e-14)


def test_cross_entropy_copies_the_labels() -> None:
    """The VJP reads the labels later: changing the caller's array meanwhile changes nothing."""
    z = Tensor(np.array([[1.0, 2.0], [3.0, 0.0]]), requires_grad=True)
    labels = np.array([0, 1])
    loss = ac.cross_entropy(z, labels, reduction="sum")
    labels[:] = [1, 0]
    loss.backward()
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad, p - np.eye(2), rtol=1e-14)


def test_cross_entropy_of_no_rows() -> None:
    z = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert np.isnan(ac.cross_entropy(z, np.zeros(0, dtype=np.int64)).item())
    loss = ac.cross_entropy(z, [], reduction="sum")
    loss.backward()
    assert loss.item() == 0.0 and z.grad.shape == (0, 3)


def test_label_smoothing_is_checked_once_by_the_module_and_by_the_function() -> None:
    with pytest.raises(ValueError, match=r"^CrossEntropyLoss: label_smoothing must lie in "
                                         r"\[0, 1\], got 1\.5$"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(TypeError, match="^CrossEntropyLoss: label_smoothing must be a real"):
        nn.CrossEntropyLoss(label_smoothing="0.1")
    with pytest.raises(ValueError, match=r"^cross_entropy: label_smoothing must lie in"):
        F.cross_entropy(Tensor(np.zeros((1, 2))), [0], label_smoothing=-0.1)
    with pytest.raises(TypeError, match="^cross_entropy: label_smoothing must be a real"):
        F.cross_entropy(Tensor(np.zeros((1, 2))), [0], label_smoothing=None)
    with pytest.raises(ValueError, match="^cross_entropy: reduction must be"):
        F.cross_entropy(Tensor(np.zeros((1, 2))), [0], reduction="avg", label_smoothing=2.0)
    z = Tensor(np.array([[2.0, 0.0, -1.0]]))
    smoothed = nn.CrossEntropyLoss(label_smoothing=0.3)(z, [1])
    q = 0.7 * np.eye(3)[1] + 0.1
    log_p = z.data - np.log(np.exp(z.data).sum())
    np.testing.assert_allclose(smoothed.item(), -(q * log_p).sum(), rtol=1e-14)
    np.testing.assert_allclose(F.cross_entropy(z, [1], label_smoothing=0.3).item(),
                               smoothed.item(), rtol=1e-15)


def test_cross_entropy_loss_still_needs_a_tensor() -> None:
    with pytest.raises(TypeError, match="^CrossEntropyLoss: input must be a Tensor, got list"):
        nn.CrossEntropyLoss()([[1.0, 2.0]], [0])


# ---- zero_grad and step ---------------------------------------------------------------------

def test_zero_grad_to_none_and_to_zero() -> None:
    w, v = Tensor(np.ones(3), requires_grad=True), Value(2.0)
    u = Tensor(np.ones(2), requires_grad=True)  # never reached by a backward
    optimizer = nn.optim.SGD([{"params": [w]}, {"params": [v, u]}], lr=0.1)
    w.grad, v.grad = np.full(3, 5.0), 7.0
    kept = w.grad
    optimizer.zero_grad(set_to_none=False)
    assert w.grad is kept and np.array_equal(kept, np.zeros(3))  # filled in place
    assert v.grad == 0.0 and u.grad is None
    node = Tensor(np.ones(3), requires_grad=True) * 2  # a create_graph gradient: a node
    w.grad = node
    optimizer.zero_grad(set_to_none=False)
    assert isinstance(w.grad, np.ndarray) and np.array_equal(w.grad, np.zeros(3))
    assert np.array_equal(node.data, np.full(3, 2.0))  # the node itself is left alone
    optimizer.zero_grad()
    assert w.grad is None and v.grad is None and u.grad is None


def test_step_updates_only_what_has_a_gradient_and_counts_the_write() -> None:
    w, frozen = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    v = Value(1.0)
    optimizer = nn.optim.SGD([w, frozen, v], lr=0.5)
    out = (w * 3.0).sum()
    out.backward()
    v.grad = 2.0
    before = w._version
    optimizer.step()
    np.testing.assert_array_equal(w.data, [-0.5, -0.5])
    np.testing.assert_array_equal(frozen.data, [1.0, 1.0])  # grad None: skipped, no state
    assert v.data == 0.0 and w._version == before + 1 and frozen not in optimizer.state
    with pytest.raises(RuntimeError, match="written in place"):  # the old graph is refused
        out.backward()


def test_step_reads_a_create_graph_gradient_as_numbers() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * w).sum().backward(create_graph=True)
    assert isinstance(w.grad, Tensor)
    nn.optim.SGD([w], lr=0.25).step()
    np.testing.assert_allclose(w.data, [0.5, 1.0])  # w - 0.25 * 2 w


def test_a_step_of_the_public_path_equals_the_hand_written_one() -> None:
    """One SGD step through nn layers, loss and optimizer, against numpy by hand."""
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
    W1, b1, W2, b2 = (p.data.copy() for p in model.parameters())
    x, y = rng.standard_normal((6, 5)), np.array([0, 2, 1, 1, 0, 2])
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    loss = nn.CrossEntropyLoss()(model(Tensor(x)), y)
    loss.backward()
    optimizer.step()
    h = np.maximum(x @ W1.T + b1, 0)
    z = h @ W2.T + b2
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss.item(), -np.log(p[np.arange(6), y]).mean(), rtol=1e-14)
    dz = (p - np.eye(3)[y]) / 6
    dh = (dz @ W2) * (h > 0)
    expected = [W1 - 0.1 * dh.T @ x, b1 - 0.1 * dh.sum(0), W2 - 0.1 * dz.T @ h,
                b2 - 0.1 * dz.sum(0)]
    for param, want in zip(model.parameters(), expected):
        np.testing.assert_allclose(param.data, want, rtol=1e-13, atol=1e-15)
