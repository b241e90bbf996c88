"""The Tensor op suite on a second device: values, VJPs, batched VJPs, JVPs and second order.

Every op runs twice, on the CPU (numpy) and on a "cuda" device, from the same inputs; the
device's results must be arrays of that device and equal the CPU's, which the rest of the
suite checks against central differences (test_tensor_gradients, test_tensor_forward_mode,
test_tensor_higher_order, test_batched_vjp). The devices:

- ``fake``: ``autograd_core.fake_cuda``, numpy arrays in a wrapper that refuses every numpy
  function and every numpy operand, so an op that makes a constant with numpy (or calls numpy
  on device data) fails here, on every CI run, as it would on a GPU;
- ``cupy``: a real GPU through CuPy, skipped where CuPy or a GPU is missing.

The strategies and op tables are those of test_tensor_gradients, with fewer examples: the
CPU suite already explores the shapes; here each op's device path must run and agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tensor_gradients import (
    BINARY,
    UNARY,
    arrays,
    away_from,
    axes,
    distinct_arrays,
    floats,
    matmul_shapes,
    shape_strategies,
)

import autograd_core as ac
from autograd_core import Tensor, devices, engine, fake_cuda


def _cupy_gpu_missing() -> str | None:
    """Why the CuPy run cannot happen here, or None when it can."""
    try:
        devices._load_cupy()
    except RuntimeError as error:
        return str(error)
    return None


_MISSING = _cupy_gpu_missing()
DEVICES = [pytest.param("fake", id="fake_cuda"),
           pytest.param("cupy", id="cupy", marks=pytest.mark.skipif(
               _MISSING is not None, reason=f"no GPU run: {_MISSING}"))]
ON_DEVICE = settings(max_examples=8, deadline=None)
shapes, nonscalar_shapes, pairs = shape_strategies(3)


@contextmanager
def on(device: str) -> Iterator[None]:
    """Within the block, "cuda" is ``device``: the fake one, or CuPy's."""
    if device == "fake":
        with fake_cuda.as_cuda():
            yield
    else:
        yield


def assert_on_device(array: Any) -> None:
    assert devices.device_of(array) == "cuda", f"a {type(array).__name__} left the device"


def assert_same(on_device: Any, on_cpu: Any) -> None:
    """A device array (or Tensor) equal to the CPU's: exactly on the fake device (the same
    numpy code), to rounding on a GPU (other kernels, other summation orders)."""
    on_device = on_device.data if isinstance(on_device, Tensor) else on_device
    on_cpu = on_cpu.data if isinstance(on_cpu, Tensor) else on_cpu
    assert_on_device(on_device)
    host = devices.to_host(on_device)
    assert host.shape == np.shape(on_cpu) and host.dtype == np.asarray(on_cpu).dtype
    np.testing.assert_allclose(host, on_cpu, rtol=1e-10, atol=1e-12)


def check(device: str, f: Callable[..., Tensor], *inputs: np.ndarray,
          f_device: Callable[..., Tensor] | None = None, square: bool = False) -> None:
    """``f`` on "cuda" (``f_device``, when its constants must live there) against ``f`` on the
    CPU: the value; the gradients of a backward pass; a pass with a batch of two cotangents;
    the forward tangent; and, with create_graph, the gradients of <grad, w> (second order;
    of <f^2, u> when ``square``, for ops whose second derivative vanishes)."""
    f_device = f_device or f
    rng = np.random.default_rng(len(inputs))
    tangents = [rng.standard_normal(np.shape(x)) for x in inputs]
    with on(device):
        results = []
        for where, fn in (("cpu", f), ("cuda", f_device)):
            leaves = [Tensor(x, requires_grad=True, device=where) for x in inputs]
            out = fn(*leaves)
            y = out * out if square else out
            u = np.random.default_rng(1).standard_normal(y.shape)
            batch = np.random.default_rng(2).standard_normal((2, *y.shape))
            first = engine.gradients(y, leaves, Tensor(u, device=where), create_graph=True)
            ws = [np.random.default_rng(3).standard_normal(leaf.shape) for leaf in leaves]
            total = sum(((g * Tensor(w, device=where)).sum() for g, w in zip(first, ws)
                         if g is not None and g.requires_grad), Tensor(0.0, device=where))
            second = (engine.gradients(total, leaves, Tensor(1.0, device=where))
                      if total.requires_grad else [None] * len(leaves))
            y.backward(Tensor(u, device=where))
            batched = engine.gradients(y, leaves, devices.to_device(batch, where))
            dual = fn(*[Tensor._dual(x, v, device=where) for x, v in zip(inputs, tangents)])
            results.append((out, [leaf.grad for leaf in leaves], batched, first, second,
                            dual.tangent))
    (out_c, grads_c, batched_c, first_c, second_c, tangent_c), device_results = results
    out_d, grads_d, batched_d, first_d, second_d, tangent_d = device_results
    assert out_d.device == "cuda" and out_c.device == "cpu"
    assert_same(out_d, out_c)
    assert_same(tangent_d, tangent_c)
    for cpu_parts, device_parts in ((grads_c, grads_d), (batched_c, batched_d),
                                    (first_c, first_d), (second_c, second_d)):
        for on_cpu, on_device in zip(cpu_parts, device_parts):
            assert (on_cpu is None) == (on_device is None)
            if on_cpu is not None:
                assert_same(on_device, on_cpu)


# ------------------------------------------------------------------------------------------------
# elementwise functions and arithmetic
# ------------------------------------------------------------------------------------------------

LINEAR_IN_X = {"relu", "leaky_relu", "leaky_relu(0.2)", "abs", "abs()"}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(UNARY))
@ON_DEVICE
@given(data=st.data(), shape=shapes)
def test_unary(device: str, name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    f, elements = UNARY[name]
    check(device, f, data.draw(arrays(shape, elements)), square=name in LINEAR_IN_X)


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), shape=shapes,
       bounds=st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
def test_negation_and_clip(device: str, data: st.DataObject, shape: tuple[int, ...],
                           bounds: tuple[float | None, float | None]) -> None:
    lo, hi = bounds
    x = data.draw(arrays(shape, away_from(tuple(b for b in bounds if b is not None), -3, 3)))
    check(device, lambda t: -t, x, square=True)
    check(device, lambda t: t.clip(lo, hi), x, square=True)
    check(device, lambda t: t.clamp(min=lo, max=hi), x, square=True)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", list(BINARY))
@ON_DEVICE
@given(data=st.data(), shape_pair=pairs, scalar=away_from((0.0,), -2.5, 2.5, margin=0.5))
def test_binary_with_broadcasting_and_numbers(device: str, op: str, data: st.DataObject,
                                              shape_pair: Any, scalar: float) -> None:
    f, left, right = BINARY[op]
    (sa, sb), _ = shape_pair
    a = data.draw(arrays(sa, left))
    b = data.draw(arrays(sb, right))
    check(device, f, a, b)
    if op == "**":
        check(device, lambda t: t**scalar, a)
        check(device, lambda t: abs(scalar) ** t, b)
    else:
        check(device, lambda t: f(t, scalar), b)
        check(device, lambda t: f(scalar, t), b)


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), shape_pair=pairs)
def test_maximum_minimum_where(device: str, data: st.DataObject, shape_pair: Any) -> None:
    (sa, sb), result = shape_pair
    a = data.draw(arrays(sa, floats(-3, 3)))
    b = data.draw(arrays(sb, floats(-3, 3)))
    check(device, ac.maximum, a, b)
    check(device, ac.minimum, a, b)
    mask = data.draw(hnp.arrays(np.bool_, result))
    check(device, lambda x, y: ac.where(mask, x, y), a, b)  # a host mask is copied over
    with on(device):
        device_mask = devices.to_device(mask, "cuda")
    check(device, lambda x, y: ac.where(mask, x, y), a, b,
          f_device=lambda x, y: ac.where(device_mask, x, y))
    check(device, lambda x: ac.where(mask, x, 0.5), a)


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), shape_pair=matmul_shapes())
def test_matmul(device: str, data: st.DataObject, shape_pair: Any) -> None:
    sa, sb = shape_pair
    a = data.draw(arrays(sa, floats(-2, 2)))
    b = data.draw(arrays(sb, floats(-2, 2)))
    check(device, lambda x, y: x @ y, a, b, square=True)


# ------------------------------------------------------------------------------------------------
# reductions and the softmax family
# ------------------------------------------------------------------------------------------------

REDUCTIONS: dict[str, Callable[..., Tensor]] = {
    "sum": lambda t, axis, keep: t.sum(axis=axis, keepdims=keep),
    "mean": lambda t, axis, keep: t.mean(axis=axis, keepdims=keep),
    "max": lambda t, axis, keep: t.max(axis=axis, keepdims=keep),
    "min": lambda t, axis, keep: t.min(axis=axis, keepdims=keep),
    "logsumexp": lambda t, axis, keep: t.logsumexp(axis=axis, keepdims=keep),
    "var": lambda t, axis, keep: t.var(axis=axis, keepdims=keep, correction=0),
    "std": lambda t, axis, keep: t.std(axis=axis, keepdims=keep, correction=0),
    "norm": lambda t, axis, keep: t.norm(axis=axis, keepdims=keep),
    "norm(p=3)": lambda t, axis, keep: t.norm(3, axis=axis, keepdims=keep),
    "norm(p=1)": lambda t, axis, keep: t.norm(1, axis=axis, keepdims=keep),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(REDUCTIONS))
@ON_DEVICE
@given(data=st.data(), shape=nonscalar_shapes, keepdims=st.booleans())
def test_reductions(device: str, name: str, data: st.DataObject, shape: tuple[int, ...],
                    keepdims: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(distinct_arrays(shape))  # no ties for max/min, no zeros for the norms
    reduce = REDUCTIONS[name]
    check(device, lambda t: reduce(t, axis, keepdims), x,
          square=name in ("sum", "mean", "max", "min", "norm(p=1)"))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@ON_DEVICE
@given(data=st.data(), shape=nonscalar_shapes)
def test_softmax_family(device: str, name: str, data: st.DataObject,
                        shape: tuple[int, ...]) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    check(device, lambda t: getattr(t, name)(axis=axis), data.draw(arrays(shape, floats(-5, 5))))


@pytest.mark.parametrize("device", DEVICES)
def test_argmax_argmin_give_indices_on_the_device(device: str) -> None:
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    with on(device):
        t = Tensor(x, device="cuda")
        assert t.argmax() == 3 and t.argmin() == 4  # a flat index: a Python int
        rows = t.argmax(axis=1)
        assert_on_device(rows)
        np.testing.assert_array_equal(devices.to_host(rows), [1, 0])
        np.testing.assert_array_equal(devices.to_host(t.argmin(dim=0)), [0, 1, 0])


# ------------------------------------------------------------------------------------------------
# shapes, indexing, joins
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), shape=shapes)
def test_reshape_transpose_broadcast(device: str, data: st.DataObject,
                                     shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(shape, floats(-3, 3)))
    perm = tuple(data.draw(st.permutations(list(range(len(shape))))))
    check(device, lambda t: t.reshape(-1), x, square=True)
    check(device, lambda t: t.transpose(perm).T, x, square=True)
    check(device, lambda t: t.flatten().unsqueeze(0).squeeze(), x, square=True)
    check(device, lambda t: t.broadcast_to((2, *shape)), x, square=True)


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), shape=nonscalar_shapes)
def test_indexing(device: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(shape, floats(-3, 3)))
    basic = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    integers = data.draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)))
    mask = data.draw(hnp.arrays(np.bool_, shape))
    check(device, lambda t: t[basic], x, square=True)
    # host index arrays and masks are copied to the device, as PyTorch indexes a GPU tensor
    # with CPU indices; repeated indices accumulate (the scatter runs on the device)
    check(device, lambda t: t[integers], x, square=True)
    check(device, lambda t: t[mask], x, square=True)
    check(device, lambda t: t[[0, 0, -1]], x, square=True)


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), base=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
def test_concatenate_stack(device: str, data: st.DataObject, base: tuple[int, ...]) -> None:
    parts = [data.draw(arrays(base, floats(-3, 3))) for _ in range(2)]
    check(device, lambda *ts: ac.concatenate(list(ts), axis=-1), *parts, square=True)
    check(device, lambda *ts: ac.stack(list(ts), axis=0), *parts, square=True)


# ------------------------------------------------------------------------------------------------
# the fused network ops
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       n_in=st.integers(1, 4), n_out=st.integers(1, 4))
def test_linear(device: str, data: st.DataObject, lead: tuple[int, ...], n_in: int,
                n_out: int) -> None:
    x = data.draw(arrays((*lead, n_in), floats(-2, 2)))
    w = data.draw(arrays((n_out, n_in), floats(-2, 2)))
    b = data.draw(arrays((n_out,), floats(-2, 2)))
    check(device, ac.linear, x, w, b, square=True)
    check(device, ac.linear, x, w, square=True)


@pytest.mark.parametrize("device", DEVICES)
@ON_DEVICE
@given(data=st.data(), n=st.integers(1, 4), c=st.integers(1, 4),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy(device: str, data: st.DataObject, n: int, c: int,
                       reduction: str) -> None:
    z = data.draw(arrays((n, c), floats(-5, 5)))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    loss = lambda t: ac.cross_entropy(t, labels, reduction=reduction)  # noqa: E731
    check(device, loss, z)  # host labels (a DataLoader's) are copied to the device
    with on(device):
        device_labels = devices.to_device(labels, "cuda")
    check(device, loss, z, f_device=lambda t: ac.cross_entropy(t, device_labels,
                                                               reduction=reduction))


@pytest.mark.parametrize("device", DEVICES)
def test_float32_stays_float32_on_the_device(device: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    with on(device):
        t = Tensor(x, requires_grad=True, device="cuda")
        assert t.dtype == np.float32
        w = Tensor(rng.standard_normal((5, 4)).astype(np.float32), device="cuda")
        loss = ac.cross_entropy(ac.linear(t.tanh(), w) * 2.0, [0, 1, 4])
        loss.backward()
        assert loss.dtype == np.float32 and t.grad.dtype == np.float32
        assert_on_device(t.grad)


@pytest.mark.parametrize("device", DEVICES)
def test_anomaly_mode_checks_on_the_device(device: str) -> None:
    with on(device), ac.detect_anomaly():
        t = Tensor([0.0, 1.0], device="cuda")
        with pytest.raises(FloatingPointError, match="log"), np.errstate(divide="ignore"):
            (t - 0.0).log()
