"""PyTorch's spellings on ``Tensor`` and ``Value``, and the ops that came with them.

``dim=``/``keepdim=`` beside numpy's ``axis=``/``keepdims=``; ``argmax argmin flatten unsqueeze
squeeze view numel size() expand_as clamp std var norm log1p expm1 square`` and the functions
``maximum``/``minimum``; numpy interop (``__array__``, ``float()``, ``int()``, ``item()``);
``backward(retain_graph=...)``, ``detach_`` and ``requires_grad_``. Each differentiable op is
checked like the others: gradients against central differences, tangents against reverse mode,
second derivatives against differences of create_graph gradients. Expected values are derived
by hand from PyTorch's documented rules.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tensor_forward_mode import check_forward, some_true
from test_tensor_gradients import (
    arrays,
    away_from,
    axes,
    check,
    distinct_arrays,
    floats,
    shape_strategies,
)
from test_tensor_higher_order import check_second

import autograd_core as ac
from autograd_core import Tensor, Value

matplotlib.use("Agg")

GRAD = settings(max_examples=30, deadline=None)
FORWARD = settings(max_examples=20, deadline=None)
SECOND = settings(max_examples=10, deadline=None)

shapes, nonscalar_shapes, pairs = shape_strategies(4)
small_shapes, small_nonscalar_shapes, small_pairs = shape_strategies(3)
# at least two entries along every axis: var and std (correction 1) stay finite
wide_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3)

# ------------------------------------------------------------------------------------------------
# dim= / keepdim=: PyTorch's names for axis= / keepdims=, on every reduction
# ------------------------------------------------------------------------------------------------

REDUCTIONS: dict[str, Callable[..., Any]] = {
    "sum": Tensor.sum,
    "mean": Tensor.mean,
    "max": Tensor.max,
    "min": Tensor.min,
    "logsumexp": Tensor.logsumexp,
    "var": Tensor.var,
    "std": Tensor.std,
    "norm": lambda t, **kw: t.norm(2, **kw),
    "argmax": Tensor.argmax,
    "argmin": Tensor.argmin,
}
ONE_AXIS = {"argmax", "argmin"}  # an integer or None, no tuples (as in numpy and PyTorch)


def _results_equal(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    np.testing.assert_array_equal(np.asarray(a.data if isinstance(a, Tensor) else a),
                                  np.asarray(b.data if isinstance(b, Tensor) else b))


@pytest.mark.parametrize("name", list(REDUCTIONS))
@GRAD
@given(data=st.data(), shape=wide_shapes, keep=st.booleans())
def test_dim_and_keepdim_mean_axis_and_keepdims(name: str, data: st.DataObject,
                                                shape: tuple[int, ...], keep: bool) -> None:
    op = REDUCTIONS[name]
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))
                     if name in ONE_AXIS else axes(len(shape)))
    t = Tensor(data.draw(distinct_arrays(shape)))
    numpy_spelling = op(t, axis=axis, keepdims=keep)
    _results_equal(op(t, dim=axis, keepdim=keep), numpy_spelling)
    _results_equal(op(t, dim=axis, keepdims=keep), numpy_spelling)
    _results_equal(op(t, axis=axis, keepdim=keep), numpy_spelling)
    assert np.shape(numpy_spelling) == np.shape(np.sum(t.data, axis=axis, keepdims=keep))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_takes_dim(name: str) -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3))
    for axis in (0, 1, -2):
        np.testing.assert_array_equal(getattr(t, name)(dim=axis).data,
                                      getattr(t, name)(axis=axis).data)
    # axis=-1 is the default, so it does not count as given
    np.testing.assert_array_equal(getattr(t, name)(axis=-1, dim=0).data,
                                  getattr(t, name)(axis=0).data)
    with pytest.raises(TypeError, match=rf"{name}: got both axis=1 and dim=0"):
        getattr(t, name)(axis=1, dim=0)


@pytest.mark.parametrize("name", [*REDUCTIONS, "squeeze"])
def test_both_spellings_of_one_argument_raise_naming_the_op(name: str) -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3))
    op = Tensor.squeeze if name == "squeeze" else REDUCTIONS[name]
    with pytest.raises(TypeError, match=rf"^{name}: got both axis=0 and dim=1"):
        op(t, axis=0, dim=1)
    if name != "squeeze":
        with pytest.raises(TypeError, match=rf"^{name}: got both keepdims=True and keepdim="):
            op(t, keepdims=True, keepdim=False)


def test_var_and_std_take_one_spelling_of_the_correction() -> None:
    t = Tensor([1.0, 2.0, 4.0])
    for kwargs in ({"correction": 0, "ddof": 0}, {"correction": 1, "unbiased": True},
                   {"unbiased": False, "ddof": 1}):
        for op in ("var", "std"):
            with pytest.raises(TypeError, match=rf"^{op}: got .* give one"):
                getattr(t, op)(**kwargs)
    with pytest.raises(TypeError, match="var: the correction must be a real number"):
        t.var(correction="1")
    with pytest.raises(TypeError):  # PyTorch's old var(dim, unbiased): keyword-only here
        t.var(0, True)


@pytest.mark.parametrize("name", ["concatenate", "stack"])
def test_joins_take_dim(name: str) -> None:
    join = getattr(ac, name)
    parts = [Tensor(np.zeros((2, 3))), Tensor(np.ones((2, 3)))]
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(join(parts, dim=axis).data, join(parts, axis=axis).data)
    assert join(parts, axis=0, dim=1).shape == join(parts, axis=1).shape  # 0 is the default
    with pytest.raises(TypeError, match=rf"^{name}: got both axis=1 and dim=0"):
        join(parts, axis=1, dim=0)


def test_squeeze_takes_numpy_axis() -> None:
    t = Tensor(np.zeros((1, 2, 1)))
    assert t.squeeze(axis=0).shape == (2, 1)
    assert t.squeeze(axis=(0, 2)).shape == (2,)


# ------------------------------------------------------------------------------------------------
# values of the new ops, against numpy and rules derived by hand
# ------------------------------------------------------------------------------------------------


@GRAD
@given(data=st.data(), shape=wide_shapes, correction=st.sampled_from([0, 1, 2, 0.5]),
       keep=st.booleans())
def test_var_std_match_numpy_with_any_correction(data: st.DataObject, shape: tuple[int, ...],
                                                 correction: float, keep: bool) -> None:
    axis = data.draw(axes(len(shape)))
    x = data.draw(arrays(shape, floats(-3, 3)))
    # two entries and correction 2: no degrees of freedom, inf or NaN (numpy warns)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.var(x, axis=axis, ddof=correction, keepdims=keep)
        for t in (Tensor(x).var(axis, correction=correction, keepdims=keep),
                  Tensor(x).var(axis, ddof=correction, keepdims=keep)):
            assert t.shape == np.shape(expected)
            np.testing.assert_allclose(t.data, expected, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(Tensor(x).std(axis, correction=correction, keepdims=keep).data,
                                   np.sqrt(expected), rtol=1e-12, atol=1e-14)


def test_var_std_default_correction_is_pytorchs_one() -> None:
    x = np.array([1.0, 2.0, 4.0])  # mean 7/3, sum of squares 14/3
    assert Tensor(x).var().item() == pytest.approx(7 / 3, rel=1e-15)
    assert Tensor(x).var(unbiased=True).item() == pytest.approx(7 / 3, rel=1e-15)
    assert Tensor(x).var(unbiased=False).item() == pytest.approx(14 / 9, rel=1e-15)
    assert Tensor(x).std().item() == pytest.approx(math.sqrt(7 / 3), rel=1e-15)


def test_std_of_one_entry_is_nan_and_of_equal_entries_has_zero_gradient() -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        assert math.isnan(Tensor([3.0]).std().item())  # n - 1 = 0 degrees of freedom
    t = Tensor([2.0, 2.0, 2.0], requires_grad=True)
    t.std().backward()  # PyTorch: 0 where std = 0, not 0/0
    np.testing.assert_array_equal(t.grad, [0.0, 0.0, 0.0])


NORMS: dict[str, tuple[float | str, Callable[[np.ndarray, Any, bool], np.ndarray]]] = {
    "2": (2, lambda x, a, k: np.sqrt(np.sum(x * x, axis=a, keepdims=k))),
    "fro": ("fro", lambda x, a, k: np.sqrt(np.sum(x * x, axis=a, keepdims=k))),
    "1": (1, lambda x, a, k: np.sum(np.abs(x), axis=a, keepdims=k)),
    "3": (3, lambda x, a, k: np.sum(np.abs(x) ** 3, axis=a, keepdims=k) ** (1 / 3)),
    "1.5": (1.5, lambda x, a, k: np.sum(np.abs(x) ** 1.5, axis=a, keepdims=k) ** (1 / 1.5)),
    "inf": (math.inf, lambda x, a, k: np.max(np.abs(x), axis=a, keepdims=k)),
    "-inf": (-math.inf, lambda x, a, k: np.min(np.abs(x), axis=a, keepdims=k)),
}


@pytest.mark.parametrize("name", list(NORMS))
@GRAD
@given(data=st.data(), shape=shapes, keep=st.booleans())
def test_norm_values(name: str, data: st.DataObject, shape: tuple[int, ...],
                     keep: bool) -> None:
    p, expected = NORMS[name]
    axis = data.draw(axes(len(shape)))
    x = data.draw(arrays(shape, floats(-3, 3)))
    out = Tensor(x).norm(p, axis, keep)
    assert out.shape == np.shape(expected(x, axis, keep))
    np.testing.assert_allclose(out.data, expected(x, axis, keep), rtol=1e-12, atol=1e-14)


def test_norm_of_a_matrix_is_frobenius_and_rejects_other_p() -> None:
    m = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert Tensor(m).norm().item() == pytest.approx(math.sqrt(30), rel=1e-15)
    assert Tensor(m).norm(math.inf, dim=(0, 1)).item() == 4.0  # a vector norm of all entries
    for p in (0, 0.5, -1, "nuc", True, math.nan):
        with pytest.raises(ValueError, match="norm: p must be a number >= 1, inf, -inf or 'fro'"):
            Tensor(m).norm(p)


@pytest.mark.parametrize("p", [2, 1, 3, math.inf])
def test_norm_gradient_at_zero_is_zero_as_in_pytorch(p: float) -> None:
    t = Tensor(np.zeros((2, 3)), requires_grad=True)
    t.norm(p, dim=1).sum().backward()
    np.testing.assert_array_equal(t.grad, np.zeros((2, 3)))
    u = Tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    u.norm(2, dim=1).sum().backward()  # the zero row gets 0, the other x / |x|
    np.testing.assert_allclose(u.grad, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-15)


def test_inf_norm_shares_the_gradient_among_ties() -> None:
    t = Tensor([3.0, -3.0, 1.0], requires_grad=True)
    t.norm(math.inf).backward()
    np.testing.assert_array_equal(t.grad, [0.5, -0.5, 0.0])


@GRAD
@given(data=st.data(), shape=nonscalar_shapes, keep=st.booleans())
def test_argmax_argmin_match_numpy_and_return_plain_ints(data: st.DataObject,
                                                         shape: tuple[int, ...],
                                                         keep: bool) -> None:
    x = data.draw(arrays(shape, st.integers(-3, 3).map(float)))  # ties: the first one wins
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    for name in ("argmax", "argmin"):
        got = getattr(Tensor(x), name)(axis, keep)
        expected = getattr(np, name)(x, axis=axis, keepdims=keep)
        if np.ndim(expected) == 0:
            assert type(got) is int and got == expected
        else:
            assert isinstance(got, np.ndarray) and got.dtype.kind == "i"
            np.testing.assert_array_equal(got, expected)


def test_argmax_argmin_conventions_and_errors() -> None:
    assert Tensor([1.0, 3.0, 3.0]).argmax() == 1  # the first of the ties
    assert Tensor([1.0, math.nan, 3.0]).argmax() == 1  # NaN counts as the extreme, as in PyTorch
    assert Tensor([1.0, math.nan, 3.0]).argmin() == 1
    assert Tensor(np.arange(6.0).reshape(2, 3)).argmax(keepdim=True).tolist() == [[5]]
    assert Tensor(2.0).argmax() == 0
    with pytest.raises(ValueError, match=r"argmax: a tensor of shape \(0,\) has no entries"):
        Tensor(np.zeros(0)).argmax()
    with pytest.raises(ValueError, match=r"argmin: axis 1 of a tensor of shape \(2, 0\)"):
        Tensor(np.zeros((2, 0))).argmin(1)
    with pytest.raises(TypeError, match=r"argmax: expected one axis \(an integer\)"):
        Tensor(np.zeros((2, 2))).argmax(dim=(0, 1))
    with pytest.raises(np.exceptions.AxisError, match="argmax"):
        Tensor(np.zeros((2, 2))).argmax(2)


@GRAD
@given(data=st.data(), shape_pair=pairs)
def test_maximum_minimum_match_numpy(data: st.DataObject, shape_pair: Any) -> None:
    (sa, sb), result = shape_pair
    a = data.draw(arrays(sa, floats(-3, 3)))
    b = data.draw(arrays(sb, floats(-3, 3)))
    for name in ("maximum", "minimum"):
        out = getattr(ac, name)(Tensor(a), Tensor(b))
        assert out.shape == result
        np.testing.assert_array_equal(out.data, getattr(np, name)(a, b))
        for mixed in (getattr(ac, name)(a, Tensor(b)), getattr(ac, name)(Tensor(a), b)):
            np.testing.assert_array_equal(mixed.data, getattr(np, name)(a, b))
    np.testing.assert_array_equal(ac.maximum(Tensor(a), 0.5).data, np.maximum(a, 0.5))
    np.testing.assert_array_equal(ac.minimum(0.5, Tensor(b)).data, np.minimum(0.5, b))


def test_maximum_minimum_split_the_gradient_at_ties_and_pass_it_at_nan() -> None:
    for name, a_share, b_share in (("maximum", [0.5, 1.0, 0.0, 1.0], [0.5, 0.0, 1.0, 1.0]),
                                   ("minimum", [0.5, 0.0, 1.0, 1.0], [0.5, 1.0, 0.0, 1.0])):
        a = Tensor([1.0, 2.0, 3.0, math.nan], requires_grad=True)
        b = Tensor([1.0, 1.0, 4.0, 1.0], requires_grad=True)
        getattr(ac, name)(a, b).sum().backward()
        np.testing.assert_array_equal(a.grad, a_share)
        np.testing.assert_array_equal(b.grad, b_share)
    with pytest.raises(ValueError, match=r"maximum: shapes \(2,\) and \(3,\) cannot be broadcast"):
        ac.maximum(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))


@GRAD
@given(data=st.data(), shape=shapes)
def test_log1p_expm1_square_match_numpy(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(shape, floats(-0.9, 3)))
    np.testing.assert_array_equal(Tensor(x).log1p().data, np.log1p(x))
    np.testing.assert_array_equal(Tensor(x).expm1().data, np.expm1(x))
    np.testing.assert_array_equal(Tensor(x).square().data, np.square(x))


def test_log1p_and_expm1_are_exact_for_tiny_x() -> None:
    tiny = Tensor([1e-20], requires_grad=True)
    assert tiny.log1p().item() == 1e-20 and tiny.expm1().item() == 1e-20


@GRAD
@given(data=st.data(), shape=shapes,
       bounds=st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None), (2.0, 1.0)]))
def test_clamp_is_clip(data: st.DataObject, shape: tuple[int, ...],
                       bounds: tuple[float | None, float | None]) -> None:
    lo, hi = bounds
    x = data.draw(arrays(shape, floats(-3, 3)))
    np.testing.assert_array_equal(Tensor(x).clamp(lo, hi).data, np.clip(x, lo, hi))
    np.testing.assert_array_equal(Tensor(x).clamp(min=lo, max=hi).data,
                                  Tensor(x).clip(lo, hi).data)


def test_clamp_gradient_includes_the_bounds_and_errors_name_the_spelling() -> None:
    t = Tensor([0.0, 1.0, 1.5, 2.0, 3.0], requires_grad=True)
    t.clamp(1.0, 2.0).sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 1.0, 1.0, 1.0, 0.0])
    assert t.clamp(1.0, 2.0)._op == "clamp" and t.clip(1.0, 2.0)._op == "clip"
    with pytest.raises(ValueError, match="^clamp: give min, max or both"):
        t.clamp()
    with pytest.raises(ValueError, match="^clip: give a_min, a_max or both"):
        t.clip()


# ------------------------------------------------------------------------------------------------
# shape ops and the array's face
# ------------------------------------------------------------------------------------------------


def test_flatten_unsqueeze_squeeze_view_shapes_follow_pytorch() -> None:
    t = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert t.flatten().shape == (24,)
    assert t.flatten(1).shape == (2, 12)
    assert t.flatten(0, 1).shape == (6, 4)
    assert t.flatten(-2, -1).shape == (2, 12)
    assert t.flatten(1, 1).shape == (2, 3, 4)
    assert Tensor(5.0).flatten().shape == (1,)
    np.testing.assert_array_equal(t.flatten(1).data, t.data.reshape(2, 12))
    assert t.unsqueeze(0).shape == (1, 2, 3, 4)
    assert t.unsqueeze(3).shape == (2, 3, 4, 1)
    assert t.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert t.unsqueeze(-4).shape == (1, 2, 3, 4)
    assert Tensor(5.0).unsqueeze(0).shape == (1,)
    ones = Tensor(np.zeros((1, 3, 1)))
    assert ones.squeeze().shape == (3,)
    assert ones.squeeze(0).shape == (3, 1)
    assert ones.squeeze(1).shape == (1, 3, 1)  # not of length 1: unchanged, as in PyTorch
    assert ones.squeeze((0, -1)).shape == (3,)
    assert Tensor(5.0).squeeze().shape == () and Tensor(5.0).squeeze(0).shape == ()
    assert t.view(-1).shape == (24,)
    assert t.view(4, -1).shape == (4, 6)
    assert t.view((4, 6)).shape == t.view([4, 6]).shape == t.reshape([4, 6]).shape == (4, 6)
    assert t[0, 0].expand_as(t).shape == (2, 3, 4)
    assert Tensor([1.0, 2.0]).expand_as(np.zeros((3, 2))).shape == (3, 2)
    assert t.flatten()._op == "flatten" and t.view(-1)._op == "view"


def test_shape_ops_errors_name_the_op_and_shape() -> None:
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"view: cannot reshape a tensor of shape \(2, 3\)"):
        t.view(4)
    with pytest.raises(ValueError, match=r"flatten: start_dim 1 comes after end_dim 0 .*\(2, 3\)"):
        t.flatten(1, 0)
    for thunk, op in ((lambda: t.flatten(2), "flatten"), (lambda: t.unsqueeze(3), "unsqueeze"),
                      (lambda: t.unsqueeze(-4), "unsqueeze"), (lambda: t.squeeze(2), "squeeze"),
                      (lambda: Tensor(1.0).flatten(0, 1), "flatten")):
        with pytest.raises(np.exceptions.AxisError, match=op):
            thunk()
    with pytest.raises(ValueError, match=r"expand_as: cannot broadcast a tensor of shape \(2, 3\)"):
        t.expand_as(np.zeros((3, 3)))
    with pytest.raises(TypeError, match=r"unsqueeze: expected one axis"):
        t.unsqueeze((0, 1))


def test_size_is_numpys_count_and_pytorchs_shape() -> None:
    t = Tensor(np.zeros((2, 3)))
    assert t.size == 6 and isinstance(t.size, int) and t.size // 4 == 1  # numpy's a.size
    assert t.size() == (2, 3) and type(t.size()) is tuple  # PyTorch's t.size()
    assert t.size(0) == 2 and t.size(-1) == 3 and t.size(dim=1) == 3
    assert t.numel() == 6 and type(t.numel()) is int
    assert Tensor(1.0).size() == () and Tensor(1.0).numel() == 1
    with pytest.raises(np.exceptions.AxisError, match="size"):
        t.size(2)
    with pytest.raises(np.exceptions.AxisError, match="size"):
        Tensor(1.0).size(0)  # a 0-d tensor has no axes, as in PyTorch


def test_numpy_takes_tensors() -> None:
    t = Tensor([[1.0, 2.0]], requires_grad=True)
    array = np.asarray(t)
    assert array.dtype == np.float64 and array.shape == (1, 2)
    assert np.shares_memory(array, t.data)  # like .numpy(): shared
    assert not np.shares_memory(np.array(t), t.data)  # np.array copies, as for arrays
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array([Tensor(1.0), Tensor(2.0)]).tolist() == [1.0, 2.0]  # not an object array
    assert np.array([Tensor([1.0]), Tensor([2.0])]).shape == (2, 1)
    np.testing.assert_array_equal(t, [[1.0, 2.0]])
    assert t.__array__(copy=True) is not t.data and t.__array__() is t.data
    with pytest.raises(ValueError, match="float32 needs a copy .* copy=False"):
        t.__array__(np.float32, copy=False)


def test_matplotlib_plots_a_list_of_loss_tensors() -> None:
    import matplotlib.pyplot as plt

    w = Tensor([1.0, -2.0], requires_grad=True)
    losses = [(w * w).sum() * k for k in (1.0, 0.5, 0.25)]  # 0-d, with graphs
    figure, ax = plt.subplots()
    try:
        (line,) = ax.plot(losses)
        np.testing.assert_array_equal(line.get_ydata(), [5.0, 2.5, 1.25])
        ax.plot([Value(1.0), Value(6.0) * 1.0])  # Values too, through float()
        figure.canvas.draw()
        assert ax.get_ylim()[1] > 6.0
    finally:
        plt.close(figure)


def test_float_int_item_of_one_element_tensors_and_values() -> None:
    for t in (Tensor(2.75), Tensor([2.75]), Tensor([[2.75]], dtype=np.float32)):
        assert float(t) == 2.75 and type(float(t)) is float
        assert int(t) == 2 and type(int(t)) is int
        assert t.item() == 2.75
    assert int(Tensor(-2.75)) == -2  # toward zero, as int() and PyTorch
    for convert in (float, int, Tensor.item):
        with pytest.raises(ValueError, match=r"one element .* shape \(2,\)"):
            convert(Tensor([1.0, 2.0]))
    v = Value(2.75) * 2.0
    assert float(v) == 5.5 and type(float(v)) is float
    assert int(v) == 5 and int(-v) == -5 and type(int(v)) is int
    assert v.item() == 5.5 and type(v.item()) is float
    assert math.isclose(math.sqrt(Value(4.0)), 2.0)  # anything that takes a float


# ------------------------------------------------------------------------------------------------
# backward(retain_graph=...), gradient=, detach_, requires_grad_
# ------------------------------------------------------------------------------------------------


def test_backward_accepts_retain_graph_and_keeps_graphs_anyway() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=False)  # graphs are always kept: a second pass works
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    v = Value(3.0)
    w = v * v
    w.backward(retain_graph=True)
    w.backward()
    assert v.grad == 12.0


def test_backward_takes_pytorchs_gradient_keyword() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).backward(gradient=np.array([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])
    with pytest.raises(TypeError, match="backward: got both grad= and gradient="):
        (x * 3.0).backward(np.ones(2), gradient=np.ones(2))


def test_detach_in_place_makes_a_leaf_and_keeps_the_data_and_grad() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    (h * h).sum().backward()
    kept_grad = h.grad
    assert h.detach_() is h
    assert not h.requires_grad and h._parents == () and h._op == ""
    assert h.grad is kept_grad  # as in PyTorch
    np.testing.assert_array_equal(h.data, [2.0, 4.0])
    x.grad = None
    (h * x).sum().backward()  # the new graph starts at h: x's gradient is h's data only
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    d = Tensor._dual([1.0], [1.0]) * 2.0
    assert d.tangent is not None and d.detach_().tangent is None


def test_requires_grad_in_place_follows_pytorch() -> None:
    x = Tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    x.requires_grad_(True)
    y = x * 2.0
    assert y.requires_grad_(True) is y and y.requires_grad  # already requires grad: no-op
    with pytest.raises(RuntimeError, match=r"requires_grad_: only a leaf's flag .* op '\*'"):
        y.requires_grad_(False)
    with ac.no_grad():
        z = x * 2.0  # computed without a graph: a leaf, as in PyTorch
    z.requires_grad_()
    (z * z).sum().backward()
    np.testing.assert_array_equal(z.grad, [4.0, 8.0])


# ------------------------------------------------------------------------------------------------
# gradients (central differences), tangents (forward mode), second derivatives (create_graph)
# ------------------------------------------------------------------------------------------------

ELEMENTWISE: dict[str, tuple[Callable[[Tensor], Tensor], st.SearchStrategy[float]]] = {
    "log1p": (Tensor.log1p, floats(-0.8, 3)),
    "expm1": (Tensor.expm1, floats(-3, 3)),
    "square": (Tensor.square, floats(-3, 3)),
    "clamp(-1, 1)": (lambda t: t.clamp(-1.0, 1.0), away_from((-1.0, 1.0), -3, 3)),
    "clamp(min=0.5)": (lambda t: t.clamp(min=0.5), away_from((0.5,), -3, 3)),
    "clamp(max=-0.5)": (lambda t: t.clamp(max=-0.5), away_from((-0.5,), -3, 3)),
}
PIECEWISE_LINEAR = {"clamp(-1, 1)", "clamp(min=0.5)", "clamp(max=-0.5)"}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@GRAD
@given(data=st.data(), shape=shapes)
def test_elementwise_gradients(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    f, elements = ELEMENTWISE[name]
    check(f, data.draw(arrays(shape, elements)))


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@FORWARD
@given(data=st.data(), shape=shapes)
def test_elementwise_tangents(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    f, elements = ELEMENTWISE[name]
    check_forward(f, data.draw(arrays(shape, elements)))


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@SECOND
@given(data=st.data(), shape=small_shapes)
def test_elementwise_second_derivatives(name: str, data: st.DataObject,
                                        shape: tuple[int, ...]) -> None:
    f, elements = ELEMENTWISE[name]
    check_second(f, data.draw(arrays(shape, elements)), square=name in PIECEWISE_LINEAR)


def _spread_case(data: st.DataObject, shape: tuple[int, ...]) -> tuple[np.ndarray, Any, Any]:
    """Distinct entries (std > 0), an axis choice and a correction below every count (>= 2)."""
    return (data.draw(distinct_arrays(shape)), data.draw(axes(len(shape))),
            data.draw(st.sampled_from([0, 1, 0.5])))


@pytest.mark.parametrize("name", ["var", "std"])
@GRAD
@given(data=st.data(), shape=wide_shapes, keep=st.booleans())
def test_var_std_gradients(name: str, data: st.DataObject, shape: tuple[int, ...],
                           keep: bool) -> None:
    x, axis, c = _spread_case(data, shape)
    check(lambda t: getattr(t, name)(axis, correction=c, keepdims=keep), x)


@pytest.mark.parametrize("name", ["var", "std"])
@FORWARD
@given(data=st.data(), shape=wide_shapes, keep=st.booleans())
def test_var_std_tangents(name: str, data: st.DataObject, shape: tuple[int, ...],
                          keep: bool) -> None:
    x, axis, c = _spread_case(data, shape)
    check_forward(lambda t: getattr(t, name)(axis, correction=c, keepdims=keep), x)


@pytest.mark.parametrize("name", ["var", "std"])
@SECOND
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=3),
       keep=st.booleans())
def test_var_std_second_derivatives(name: str, data: st.DataObject, shape: tuple[int, ...],
                                    keep: bool) -> None:
    x, axis, c = _spread_case(data, shape)
    check_second(lambda t: getattr(t, name)(axis, correction=c, keepdims=keep), x)


def _norm_case(data: st.DataObject, shape: tuple[int, ...],
               p: float) -> tuple[np.ndarray, Any]:
    """Entries away from 0 (the kink of |x|) and, for +-inf, with distinct magnitudes (no ties
    for the max or min)."""
    if math.isinf(p):
        signs = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))
        x = np.asarray((data.draw(distinct_arrays(shape)) + 1.0) * signs)  # 0-d stays an array
    else:
        x = data.draw(arrays(shape, away_from((0.0,), -3, 3, margin=0.1)))
    return x, data.draw(axes(len(shape)))


NORM_P = [2, 1, 3, 1.5, math.inf, -math.inf]


@pytest.mark.parametrize("p", NORM_P)
@GRAD
@given(data=st.data(), shape=shapes, keep=st.booleans())
def test_norm_gradients(p: float, data: st.DataObject, shape: tuple[int, ...],
                        keep: bool) -> None:
    x, axis = _norm_case(data, shape, p)
    check(lambda t: t.norm(p, axis, keep), x)


@pytest.mark.parametrize("p", NORM_P)
@FORWARD
@given(data=st.data(), shape=shapes, keep=st.booleans())
def test_norm_tangents(p: float, data: st.DataObject, shape: tuple[int, ...],
                       keep: bool) -> None:
    x, axis = _norm_case(data, shape, p)
    check_forward(lambda t: t.norm(p, dim=axis, keepdim=keep), x)


@pytest.mark.parametrize("p", NORM_P)
@SECOND
@given(data=st.data(), shape=small_shapes, keep=st.booleans())
def test_norm_second_derivatives(p: float, data: st.DataObject, shape: tuple[int, ...],
                                 keep: bool) -> None:
    x, axis = _norm_case(data, shape, p)
    check_second(lambda t: t.norm(p, axis, keep), x, square=p in (1, math.inf, -math.inf))


def _apart(offset: float) -> st.SearchStrategy[float]:
    """Numbers k + offset + a little (k an integer): two such grids never come near a tie."""
    return st.builds(lambda k, j: k + offset + j, st.integers(-3, 2), floats(0.0, 0.1))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@GRAD
@given(data=st.data(), shape_pair=pairs)
def test_maximum_minimum_gradients(name: str, data: st.DataObject, shape_pair: Any) -> None:
    (sa, sb), _ = shape_pair
    a, b = data.draw(arrays(sa, _apart(0.25))), data.draw(arrays(sb, _apart(0.75)))
    f = getattr(ac, name)
    check(f, a, b)
    check(lambda x: f(x, b), a)  # an array on the other side
    check(lambda y: f(0.5, y), b)  # a number


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@FORWARD
@given(data=st.data(), shape_pair=pairs, chosen=some_true(2))
def test_maximum_minimum_tangents(name: str, data: st.DataObject, shape_pair: Any,
                                  chosen: list[bool]) -> None:
    (sa, sb), _ = shape_pair
    a, b = data.draw(arrays(sa, _apart(0.25))), data.draw(arrays(sb, _apart(0.75)))
    check_forward(getattr(ac, name), a, b, with_tangent=chosen)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@SECOND
@given(data=st.data(), shape_pair=small_pairs)
def test_maximum_minimum_second_derivatives(name: str, data: st.DataObject,
                                            shape_pair: Any) -> None:
    (sa, sb), _ = shape_pair
    a, b = data.draw(arrays(sa, _apart(0.25))), data.draw(arrays(sb, _apart(0.75)))
    f = getattr(ac, name)
    check_second(f, a, b, square=True)
    check_second(lambda x, y: f(x.exp(), y.exp()), a, b)  # exp keeps the order: no ties


def _shape_op(data: st.DataObject, shape: tuple[int, ...]) -> Callable[[Tensor], Tensor]:
    """One of the new shape ops with arguments valid for ``shape``."""
    ndim = len(shape)
    dims = st.integers(-max(ndim, 1), max(ndim, 1) - 1)
    name = data.draw(st.sampled_from(["flatten", "unsqueeze", "squeeze", "view", "expand_as"]))
    if name == "flatten":
        start, end = sorted(data.draw(st.tuples(dims, dims)), key=lambda d: d % max(ndim, 1))
        return lambda t: t.flatten(start, end)
    if name == "unsqueeze":
        dim = data.draw(st.integers(-ndim - 1, ndim))
        return lambda t: t.unsqueeze(dim)
    if name == "squeeze":
        dim = data.draw(st.one_of(st.none(), dims))
        return lambda t: t.squeeze(dim)
    if name == "view":
        return lambda t: t.view(-1, 1)
    return lambda t: t.expand_as(np.zeros((2, *shape)))


@GRAD
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
def test_shape_op_gradients(data: st.DataObject, shape: tuple[int, ...]) -> None:
    f = _shape_op(data, shape)
    x = data.draw(arrays(shape, floats(-3, 3)))
    out = f(Tensor(x)).data
    expected = x.ravel() if out.size == x.size else np.broadcast_to(x, out.shape).ravel()
    np.testing.assert_array_equal(out.ravel(), expected)
    check(f, x)


@FORWARD
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
def test_shape_op_tangents(data: st.DataObject, shape: tuple[int, ...]) -> None:
    check_forward(_shape_op(data, shape), data.draw(arrays(shape, floats(-3, 3))))


@SECOND
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=2))
def test_shape_op_second_derivatives(data: st.DataObject, shape: tuple[int, ...]) -> None:
    f = _shape_op(data, shape)
    x = data.draw(arrays(shape, floats(-3, 3)))
    check_second(f, x, square=True)
    check_second(lambda t: f(t).sin(), x)


@pytest.mark.parametrize("name", ["log1p", "expm1", "square", "clamp", "var", "std", "norm",
                                  "maximum", "flatten", "unsqueeze"])
def test_new_ops_keep_float32(name: str) -> None:
    ops: dict[str, Callable[[Tensor], Any]] = {
        "log1p": Tensor.log1p, "expm1": Tensor.expm1, "square": Tensor.square,
        "clamp": lambda t: t.clamp(0.2, 0.4), "var": lambda t: t.var(0),
        "std": lambda t: t.std(dim=1), "norm": lambda t: t.norm(3, dim=1),
        "maximum": lambda t: ac.maximum(t, 0.3), "flatten": Tensor.flatten,
        "unsqueeze": lambda t: t.unsqueeze(1)}
    t = Tensor(np.array([[0.1, 0.5], [0.3, 0.7]], dtype=np.float32), requires_grad=True)
    out = ops[name](t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32
