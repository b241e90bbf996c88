"""``Tensor``: a numpy-array node on the same engine as ``Value``.

Each op computes its result with numpy and records, right beside it, one
vector-Jacobian product per input: given g = dL/d(out), the function returns
dL/d(input). Inputs that do not require gradients are not recorded at all.
Broadcasting is undone on the way back by summing the gradient over the axes
that numpy stretched (``_unbroadcast``).

Numbers behave as in numpy: NaN and inf propagate (with numpy's warnings). In
``detect_anomaly()`` mode an op that turns finite inputs into NaN or inf raises
``FloatingPointError`` naming the op.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any, Union

import numpy as np

from . import engine
from .engine import Node

ArrayLike = Union["Tensor", np.ndarray, float, int, Sequence[Any]]
VJP = Callable[[np.ndarray], np.ndarray]
Axis = int | tuple[int, ...] | None

_FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def _to_array(data: Any, dtype: Any, op: str) -> np.ndarray:
    """``data`` as a float32/float64 array (integers and booleans are promoted)."""
    if isinstance(data, Tensor):
        raise TypeError(f"{op}: data is already a Tensor; use it directly, or .detach()")
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:  # ragged nested lists, for instance
        raise TypeError(f"{op}: cannot make a numeric array from {type(data).__name__}: "
                        f"{error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: expected real numbers, got {type(data).__name__} "
                        f"of dtype {array.dtype}")
    if dtype is None:
        dtype = np.float32 if array.dtype == np.float32 else np.float64
    if np.dtype(dtype) not in _FLOAT_DTYPES:
        raise TypeError(f"{op}: dtype must be float64 or float32, got {np.dtype(dtype)}")
    return array.astype(dtype, copy=False)


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of numpy broadcasting."""
    if grad.shape == shape:
        return grad
    leading = grad.ndim - len(shape)
    if leading:
        grad = grad.sum(axis=tuple(range(leading)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand(grad: np.ndarray, kept_shape: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """Undo a reduction: give the reduced axes back (size 1) and repeat along them."""
    out = np.empty(shape, dtype=grad.dtype)  # cheaper than np.broadcast_to, and writable
    out[...] = grad.reshape(kept_shape)
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow: e^-|x| is at most 1, so neither branch can overflow."""
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + small), small / (1 + small))


def _is_basic_index(index: Any) -> bool:
    """Whether ``index`` selects each element at most once (no integer arrays or masks)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in parts)


def _check_finite(op: str, data: np.ndarray, inputs: Sequence[np.ndarray]) -> None:
    if not np.all(np.isfinite(data)) and all(np.all(np.isfinite(x)) for x in inputs):
        raise FloatingPointError(f"detect_anomaly: {op} produced NaN or inf from finite inputs "
                                 f"(output shape {data.shape})")


class Tensor(Node):
    """An n-dimensional array in a computation graph (float64 unless float32 is asked for)."""

    __slots__ = ("requires_grad", "_vjps")
    __array_ufunc__ = None  # numpy defers to our reflected operators: np.ones(3) + t is a Tensor

    data: np.ndarray
    grad: np.ndarray | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _to_array(data, dtype, "Tensor")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._op = ""
        self._parents: tuple[Tensor, ...] = ()
        self._vjps: tuple[VJP, ...] = ()

    # ---- graph plumbing -----------------------------------------------------------------

    @staticmethod
    def _constant(data: np.ndarray, op: str = "") -> Tensor:
        """A node without parents around an array that is already float32/float64."""
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out._op = op
        out._parents = ()
        out._vjps = ()
        out.requires_grad = False
        return out

    @staticmethod
    def _record(data: np.ndarray, op: str, inputs: Sequence[Tensor],
                vjps: Sequence[VJP]) -> Tensor:
        """Make an op's output; keep only the inputs (and their VJPs) that need gradients."""
        if engine._detect_anomaly:
            _check_finite(op, data, [x.data for x in inputs])
        out = Tensor._constant(data, op)
        if engine._grad_enabled:
            wanted = [x.requires_grad for x in inputs]
            if all(wanted):
                out.requires_grad = True
                out._parents = tuple(inputs)
                out._vjps = tuple(vjps)
            elif any(wanted):
                out.requires_grad = True
                out._parents = tuple([x for x, w in zip(inputs, wanted) if w])
                out._vjps = tuple([f for f, w in zip(vjps, wanted) if w])
        return out

    def _parent_grads(self, upstream: np.ndarray) -> Sequence[np.ndarray]:
        vjps = self._vjps
        grads = (vjps[0](upstream),) if len(vjps) == 1 else [vjp(upstream) for vjp in vjps]
        if engine._detect_anomaly and np.all(np.isfinite(upstream)):
            for grad in grads:
                if not np.all(np.isfinite(grad)):
                    raise FloatingPointError(f"detect_anomaly: the backward pass of {self._op} "
                                             "produced NaN or inf from a finite gradient")
        return grads

    def _accumulate(self, gradient: np.ndarray, shared: bool) -> None:
        if self.grad is not None:
            self.grad = np.add(self.grad, gradient, dtype=self.data.dtype)
            return
        data = self.data
        if (not shared and type(gradient) is np.ndarray and gradient.base is None
                and gradient.dtype == data.dtype and gradient.shape == data.shape
                and gradient.flags.c_contiguous == data.flags.c_contiguous):
            self.grad = gradient  # nobody else holds it, and it is not a view of another array
        else:  # a private copy, laid out like the data so that p.data -= lr * p.grad is fast
            self.grad = np.empty_like(data)
            self.grad[...] = gradient

    def _lift(self, other: Any, op: str) -> Tensor:
        """An operand as a Tensor; Python numbers take this tensor's dtype, as in PyTorch."""
        if isinstance(other, Tensor):
            return other
        if type(other) is np.ndarray and other.dtype in _FLOAT_DTYPES:
            return Tensor._constant(other)
        if type(other) in (float, int) or (isinstance(other, Real) and not isinstance(other, bool)):
            return Tensor._constant(np.asarray(other, dtype=self.data.dtype))
        return Tensor._constant(_to_array(other, None, f"Tensor {op}"))

    # ---- the array's face ----------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        """The single element as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {self.shape}")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied, as in PyTorch)."""
        return self.data

    def detach(self) -> Tensor:
        """The same data, cut from the graph (requires_grad=False)."""
        return Tensor(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.data.dtype == np.float32:
            extra += ", dtype=float32"
        return f"Tensor({body}{extra})"

    def backward(self, grad: Any = None) -> None:
        """Backpropagate: every leaf with requires_grad gains d(self)/d(leaf) contracted with grad.

        ``grad`` (dL/dself) may be omitted only for a tensor with one element, as in PyTorch.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no graph; "
                               "create its leaves with requires_grad=True")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for a "
                                   f"tensor with one element, this one has shape {self.shape}; "
                                   "pass grad= of that shape")
            seed = np.ones(self.shape, dtype=self.data.dtype)
        else:
            seed = _to_array(grad.data if isinstance(grad, Tensor) else grad,
                             self.data.dtype, "backward")
            if seed.shape != self.shape:
                raise ValueError(f"backward: grad has shape {seed.shape} but the tensor has "
                                 f"shape {self.shape}")
        engine.backward(self, seed)

    # ---- elementwise arithmetic (with numpy broadcasting) -------------------------------------

    def _binary(self, other: Any, op: str, compute: Callable[[np.ndarray, np.ndarray], Any],
                vjps: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[VJP, VJP]],
                reflected: bool = False) -> Tensor:
        a, b = (self._lift(other, op), self) if reflected else (self, self._lift(other, op))
        try:
            data = np.asarray(compute(a.data, b.data))
        except ValueError:
            raise ValueError(f"Tensor {op}: shapes {a.shape} and {b.shape} cannot be "
                             "broadcast together") from None
        return Tensor._record(data, op, (a, b), vjps(a.data, b.data, data))

    def __add__(self, other: ArrayLike, reflected: bool = False) -> Tensor:
        """d(a+b)/da = 1, d(a+b)/db = 1"""
        return self._binary(other, "+", np.add, lambda a, b, out: (
            lambda g: _unbroadcast(g, a.shape),
            lambda g: _unbroadcast(g, b.shape)), reflected)

    def __sub__(self, other: ArrayLike, reflected: bool = False) -> Tensor:
        """d(a-b)/da = 1, d(a-b)/db = -1"""
        return self._binary(other, "-", np.subtract, lambda a, b, out: (
            lambda g: _unbroadcast(g, a.shape),
            lambda g: _unbroadcast(-g, b.shape)), reflected)

    def __mul__(self, other: ArrayLike, reflected: bool = False) -> Tensor:
        """d(ab)/da = b, d(ab)/db = a"""
        return self._binary(other, "*", np.multiply, lambda a, b, out: (
            lambda g: _unbroadcast(g * b, a.shape),
            lambda g: _unbroadcast(g * a, b.shape)), reflected)

    def __truediv__(self, other: ArrayLike, reflected: bool = False) -> Tensor:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""
        return self._binary(other, "/", np.divide, lambda a, b, out: (
            lambda g: _unbroadcast(g / b, a.shape),
            lambda g: _unbroadcast(-g * out / b, b.shape)), reflected)

    def __pow__(self, other: ArrayLike, reflected: bool = False) -> Tensor:
        """d(a^b)/da = b a^(b-1), d(a^b)/db = a^b ln a  (0 where a = 0, NaN where a < 0)"""
        def vjps(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple[VJP, VJP]:
            def d_base(g: np.ndarray) -> np.ndarray:
                with np.errstate(divide="ignore", invalid="ignore"):  # masked right below
                    slope = np.where(b == 0, 0.0, b * np.power(a, b - 1))
                return _unbroadcast(g * slope, a.shape)

            def d_exponent(g: np.ndarray) -> np.ndarray:
                log_a = np.log(np.where(a > 0, a, 1.0))
                slope = np.where(a > 0, out * log_a,
                                 np.where(a == 0, 0.0, np.nan)).astype(out.dtype)
                return _unbroadcast(g * slope, b.shape)
            return d_base, d_exponent
        return self._binary(other, "**", np.power, vjps, reflected)

    def __matmul__(self, other: ArrayLike, reflected: bool = False) -> Tensor:
        """d(AB)/dA: G B^T,  d(AB)/dB: A^T G  (1-D operands as in numpy.matmul)"""
        a, b = (self._lift(other, "@"), self) if reflected else (self, self._lift(other, "@"))
        try:
            data = np.asarray(np.matmul(a.data, b.data))
        except ValueError:
            raise ValueError(f"Tensor @: shapes {a.shape} and {b.shape} are not aligned for "
                             "matrix multiplication") from None
        return Tensor._record(data, "@", (a, b), _matmul_vjps(a.data, b.data))

    def __radd__(self, other: ArrayLike) -> Tensor:
        return self.__add__(other, reflected=True)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return self.__sub__(other, reflected=True)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return self.__mul__(other, reflected=True)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return self.__truediv__(other, reflected=True)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return self.__pow__(other, reflected=True)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return self.__matmul__(other, reflected=True)

    def __neg__(self) -> Tensor:
        """d(-a)/da = -1"""
        return Tensor._record(-self.data, "neg", (self,), (np.negative,))

    # Comparisons give plain boolean arrays (no gradient), handy for masks and where().
    def __lt__(self, other: ArrayLike) -> np.ndarray:
        return self.data < self._lift(other, "<").data

    def __le__(self, other: ArrayLike) -> np.ndarray:
        return self.data <= self._lift(other, "<=").data

    def __gt__(self, other: ArrayLike) -> np.ndarray:
        return self.data > self._lift(other, ">").data

    def __ge__(self, other: ArrayLike) -> np.ndarray:
        return self.data >= self._lift(other, ">=").data

    # ---- elementwise functions -----------------------------------------------------------

    def _unary(self, data: np.ndarray, op: str, vjp: VJP) -> Tensor:
        if engine._detect_anomaly:
            _check_finite(op, data, [self.data])
        out = Tensor._constant(data, op)
        if self.requires_grad and engine._grad_enabled:  # _record's rule, for one input
            out.requires_grad = True
            out._parents = (self,)
            out._vjps = (vjp,)
        return out

    def exp(self) -> Tensor:
        """d/dx e^x = e^x"""
        out = np.exp(self.data)
        return self._unary(out, "exp", lambda g: g * out)

    def log(self) -> Tensor:
        """d/dx ln x = 1/x"""
        x = self.data
        return self._unary(np.log(x), "log", lambda g: g / x)

    def sqrt(self) -> Tensor:
        """d/dx sqrt(x) = 1 / (2 sqrt(x))"""
        out = np.sqrt(self.data)
        return self._unary(out, "sqrt", lambda g: g / (2 * out))

    def sin(self) -> Tensor:
        """d/dx sin x = cos x"""
        x = self.data
        return self._unary(np.sin(x), "sin", lambda g: g * np.cos(x))

    def cos(self) -> Tensor:
        """d/dx cos x = -sin x"""
        x = self.data
        return self._unary(np.cos(x), "cos", lambda g: -g * np.sin(x))

    def abs(self) -> Tensor:
        """d/dx |x| = sign(x), with sign(0) = 0"""
        x = self.data
        return self._unary(np.abs(x), "abs", lambda g: g * np.sign(x))

    def __abs__(self) -> Tensor:
        return self.abs()

    def tanh(self) -> Tensor:
        """d/dx tanh x = 1 - tanh^2 x"""
        out = np.tanh(self.data)
        return self._unary(out, "tanh", lambda g: g * (1 - out * out))

    def sigmoid(self) -> Tensor:
        """d/dx s(x) = s(x) (1 - s(x))"""
        out = _sigmoid(self.data)
        return self._unary(out, "sigmoid", lambda g: g * out * (1 - out))

    def relu(self) -> Tensor:
        """d/dx max(x, 0) = 1 if x > 0 else 0"""
        x = self.data
        # NaN propagates through np.maximum; a float mask multiplies faster than a boolean one
        return self._unary(np.maximum(x, 0), "relu", lambda g: g * (x > 0).astype(x.dtype))

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        """d/dx = 1 if x > 0 else alpha"""
        x = self.data
        slope = np.where(x > 0, 1.0, alpha).astype(x.dtype)
        return self._unary(x * slope, "leaky_relu", lambda g: g * slope)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """elu(x) = x if x > 0 else alpha (e^x - 1);  d/dx = 1 if x > 0 else alpha e^x"""
        x = self.data
        negative = alpha * np.expm1(np.minimum(x, 0))
        out = np.where(x > 0, x, negative).astype(x.dtype)
        return self._unary(out, "elu", lambda g: g * np.where(
            x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype))

    def softplus(self) -> Tensor:
        """softplus(x) = ln(1 + e^x);  d/dx = sigmoid(x)"""
        x = self.data
        out = np.logaddexp(0, x).astype(x.dtype)
        return self._unary(out, "softplus", lambda g: g * _sigmoid(x))

    def clip(self, a_min: float | None = None, a_max: float | None = None) -> Tensor:
        """d/dx clip(x) = 1 where a_min <= x <= a_max, else 0 (as torch.clamp)"""
        if a_min is None and a_max is None:
            raise ValueError("clip: give a_min, a_max or both")
        x = self.data
        inside = np.ones(x.shape, dtype=bool)
        if a_min is not None:
            inside &= x >= a_min
        if a_max is not None:
            inside &= x <= a_max
        return self._unary(np.clip(x, a_min, a_max), "clip", lambda g: g * inside)

    # ---- reductions ------------------------------------------------------------------------

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """d/dx_i sum(x) = 1"""
        shape = self.shape
        data = np.asarray(self.data.sum(axis=axis, keepdims=keepdims))
        kept = _kept_shape(shape, axis)
        return self._unary(data, "sum", lambda g: _expand(g, kept, shape))

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """d/dx_i mean(x) = 1/n"""
        shape = self.shape
        data = np.asarray(self.data.mean(axis=axis, keepdims=keepdims))
        count = self.data.size // max(data.size, 1) if self.data.size else 1
        kept = _kept_shape(shape, axis)
        return self._unary(data, "mean", lambda g: _expand(g / count, kept, shape))

    def _extremum(self, op: str, axis: Axis, keepdims: bool) -> Tensor:
        """d/dx_i max(x) = 1/k at the k positions attaining the maximum, 0 elsewhere"""
        x = self.data
        if x.size == 0:
            raise ValueError(f"{op}: the tensor is empty (shape {x.shape}); there is no {op}")
        reduce = np.max if op == "max" else np.min
        kept = reduce(x, axis=axis, keepdims=True)
        data = kept if keepdims else np.asarray(reduce(x, axis=axis))

        def vjp(g: np.ndarray) -> np.ndarray:
            winners = x == kept
            share = (winners / winners.sum(axis=axis, keepdims=True)).astype(x.dtype)
            return _expand(g, kept.shape, x.shape) * share
        return self._unary(data, op, vjp)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Largest entries over ``axis``; ties share the gradient equally (as torch.amax)."""
        return self._extremum("max", axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Smallest entries over ``axis``; ties share the gradient equally (as torch.amin)."""
        return self._extremum("min", axis, keepdims)

    # ---- the softmax family ------------------------------------------------------------------

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """ln sum_i e^(x_i), shifted by the max so that it is finite for logits of +-1000;
        d/dx_i = softmax(x)_i"""
        x = self.data
        shift = np.max(x, axis=axis, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0.0)
        with np.errstate(divide="ignore"):  # all -inf: ln 0 = -inf is the right answer
            kept = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
        data = kept if keepdims else np.squeeze(kept, axis=axis)
        return self._unary(np.asarray(data, dtype=x.dtype), "logsumexp", lambda g: (
            _expand(g, kept.shape, x.shape) * np.exp(x - kept)))

    def softmax(self, axis: int = -1) -> Tensor:
        """s_i = e^(x_i) / sum_j e^(x_j);  vjp: s * (g - sum(g s))"""
        x = self.data
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        return self._unary(out, "softmax", lambda g: (
            out * (g - (g * out).sum(axis=axis, keepdims=True))))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x_i - logsumexp(x);  vjp: g - softmax(x) * sum(g)"""
        x = self.data
        shifted = x - np.max(x, axis=axis, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=axis, keepdims=True)
        out = shifted - np.log(total)
        return self._unary(out, "log_softmax", lambda g: (
            g - (e / total) * g.sum(axis=axis, keepdims=True)))

    # ---- shape -----------------------------------------------------------------------------

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """Same entries, new shape; the gradient is reshaped back."""
        new_shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        try:
            data = self.data.reshape(new_shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"(size {self.size}) into shape {new_shape}") from None
        old_shape = self.shape
        return self._unary(data, "reshape", lambda g: g.reshape(old_shape))

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes (reverse them by default); the gradient is permuted back."""
        order = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        if not order:  # reverse all axes: its own inverse
            return self._unary(self.data.T, "transpose", lambda g: g.T)
        n = self.ndim
        permutation = tuple(a % n if -n <= a < n else a for a in order)
        if sorted(permutation) != list(range(n)):
            raise ValueError(f"transpose: axes {permutation} are not a permutation of the "
                             f"{self.ndim} axes of a tensor of shape {self.shape}")
        inverse = tuple(sorted(range(self.ndim), key=permutation.__getitem__))
        return self._unary(self.data.transpose(permutation), "transpose",
                           lambda g: g.transpose(inverse))

    @property
    def T(self) -> Tensor:
        """The transpose with all axes reversed."""
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """Slices, integers, integer arrays and boolean masks; the gradient is scattered back
        (repeated indices accumulate)."""
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        try:
            data = np.asarray(self.data[index])
        except IndexError as error:
            raise IndexError(f"Tensor indexing: {error} (tensor shape {self.shape})") from None
        x = self.data

        basic = _is_basic_index(index)

        def vjp(g: np.ndarray) -> np.ndarray:
            grad = np.zeros_like(x)
            if basic:
                grad[index] = g
            else:
                np.add.at(grad, index, g)  # unlike grad[index] += g, repeated indices add up
            return grad
        return self._unary(data, "index", vjp)


def _matmul_vjps(a: np.ndarray, b: np.ndarray) -> tuple[VJP, VJP]:
    """VJPs of numpy.matmul, promoting 1-D operands to matrices as numpy does."""
    if a.ndim == 2 and b.ndim == 2:  # the common case, without the reshaping below
        return (lambda g: g @ b.T), (lambda g: a.T @ g)
    a2 = a[np.newaxis, :] if a.ndim == 1 else a
    b2 = b[:, np.newaxis] if b.ndim == 1 else b

    def as_matrix_grad(g: np.ndarray) -> np.ndarray:
        if b.ndim == 1:  # this axis first: for 1-D @ 1-D, g is 0-d and becomes (1, 1)
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        return g

    def d_a(g: np.ndarray) -> np.ndarray:
        grad = as_matrix_grad(g) @ np.swapaxes(b2, -1, -2)
        return _unbroadcast(grad, a2.shape).reshape(a.shape)

    def d_b(g: np.ndarray) -> np.ndarray:
        grad = np.swapaxes(a2, -1, -2) @ as_matrix_grad(g)
        return _unbroadcast(grad, b2.shape).reshape(b.shape)
    return d_a, d_b


def _tensors(items: Sequence[ArrayLike], op: str) -> list[Tensor]:
    if len(items) == 0:
        raise ValueError(f"{op}: needs at least one tensor")
    return [x if isinstance(x, Tensor) else Tensor(x) for x in items]


def concatenate(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join along an existing axis; each input gets its slice of the gradient back."""
    parts = _tensors(tensors, "concatenate")
    try:
        data = np.concatenate([t.data for t in parts], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        shapes = ", ".join(str(t.shape) for t in parts)
        raise ValueError(f"concatenate: shapes {shapes} along axis {axis}: {error}") from None
    bounds = np.cumsum([t.shape[axis] for t in parts])[:-1]

    def piece(i: int) -> VJP:
        return lambda g: np.split(g, bounds, axis=axis)[i]
    return Tensor._record(data, "concatenate", parts, [piece(i) for i in range(len(parts))])


def stack(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join along a new axis; each input gets its slice of the gradient back."""
    parts = _tensors(tensors, "stack")
    try:
        data = np.stack([t.data for t in parts], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        shapes = ", ".join(str(t.shape) for t in parts)
        raise ValueError(f"stack: shapes {shapes} along axis {axis}: {error}") from None

    def piece(i: int) -> VJP:
        return lambda g: np.take(g, i, axis=axis)
    return Tensor._record(data, "stack", parts, [piece(i) for i in range(len(parts))])


def where(condition: Any, x: ArrayLike, y: ArrayLike) -> Tensor:
    """x where condition holds, else y;  d/dx = condition, d/dy = not condition (broadcast)."""
    mask = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    if isinstance(x, Tensor) and not isinstance(y, Tensor):
        a, b = x, x._lift(y, "where")
    elif isinstance(y, Tensor) and not isinstance(x, Tensor):
        a, b = y._lift(x, "where"), y
    else:
        a, b = _tensors([x, y], "where")
    try:
        data = np.where(mask, a.data, b.data)
    except ValueError:
        raise ValueError(f"where: shapes {mask.shape}, {a.shape} and {b.shape} cannot be "
                         "broadcast together") from None
    return Tensor._record(data, "where", (a, b), (
        lambda g: _unbroadcast(np.where(mask, g, 0.0), a.shape),
        lambda g: _unbroadcast(np.where(mask, 0.0, g), b.shape)))


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b as one node (PyTorch's F.linear): dx = G W, dW = G^T x, db = sum_rows G."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    xd, wd = x.data, weight.data
    if wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        raise ValueError(f"linear: input of shape {xd.shape} does not fit a weight of shape "
                         f"{wd.shape} (expected (..., {wd.shape[-1]}) and "
                         "(out_features, in_features))")
    data = xd @ wd.T
    inputs: list[Tensor] = [x, weight]
    rows = xd if xd.ndim == 2 else xd.reshape(-1, xd.shape[-1])  # batch axes flattened
    vjps: list[VJP] = [lambda g: g @ wd,
                       lambda g: (g if g.ndim == 2 else g.reshape(-1, g.shape[-1])).T @ rows]
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else Tensor(bias)
        if bias.data.shape != (wd.shape[0],):
            raise ValueError(f"linear: bias of shape {bias.shape} does not fit a weight of "
                             f"shape {weight.shape} (expected ({weight.shape[0]},))")
        data += bias.data
        inputs.append(bias)
        vjps.append(lambda g: g.sum(axis=tuple(range(g.ndim - 1))))
    return Tensor._record(data, "linear", inputs, vjps)


def _class_labels(target: Any, logits_shape: tuple[int, ...]) -> np.ndarray:
    """``target`` as N integer labels in [0, C) for logits of shape (N, C), or a clear error."""
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if len(logits_shape) != 2 or labels.shape != logits_shape[:1]:
        raise ValueError(f"cross_entropy: expected logits of shape (N, C) and N labels, got "
                         f"logits {logits_shape} and labels {labels.shape}")
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.array_equal(labels, np.round(labels)):
            raise TypeError(f"cross_entropy: labels must be integers, got dtype {labels.dtype}")
        labels = labels.astype(np.intp)
    if labels.size and (labels.min() < 0 or labels.max() >= logits_shape[1]):
        raise ValueError(f"cross_entropy: labels must lie in [0, {logits_shape[1]}), got values "
                         f"from {labels.min()} to {labels.max()}")
    return labels


def cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-log softmax(z)[target] per row, as one stable node:  d/dz = softmax(z) - onehot(target).

    ``logits`` has shape (N, C) and ``target`` holds N integer class labels in [0, C).
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    z = logits if isinstance(logits, Tensor) else Tensor(logits)
    labels = _class_labels(target, z.data.shape)
    rows = np.arange(len(labels))
    shifted = z.data - z.data.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    losses = np.log(total[:, 0]) - shifted[rows, labels]
    count = max(z.shape[0], 1)
    data = losses if reduction == "none" else losses.sum()
    if reduction == "mean":
        data = data / count

    def vjp(g: np.ndarray) -> np.ndarray:
        grad = e / total  # softmax(z)
        grad[rows, labels] -= 1.0
        if reduction == "none":
            return grad * g[:, None]
        grad *= g / count if reduction == "mean" else g
        return grad
    return Tensor._record(np.asarray(data, dtype=z.dtype), "cross_entropy", (z,), (vjp,))
