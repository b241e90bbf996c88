"""A stand-in for CuPy on the CPU: a second device for testing device-clean code without a GPU.

``FakeArray`` wraps a numpy array and behaves like a CuPy array where it matters for tests:
it has numpy's methods and operators (as CuPy does), its functions live in its own namespace
``xp`` (``xp.exp``, ``xp.zeros``...), and it **refuses to mix with numpy**, more strictly than
CuPy: a numpy array as an operand, ``np.asarray(fake)`` and *any* numpy function called on it
(``np.exp(fake)``, ``np.where(mask, fake, 0)``) raise ``TypeError``. So an op that makes a
constant with numpy, or calls numpy where it should call its namespace, fails on this device
the way it would fail (or silently copy to the host) on a GPU.

``with fake_cuda.as_cuda():`` makes it the backend behind ``device="cuda"``, so that
``Tensor(x, device="cuda")``, ``.cuda()`` and ``Module.to("cuda")`` all run on it. Outside that
block its arrays are still recognised (they report ``cuda:0``), but "cuda" means CuPy again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import devices

__all__ = ["FakeArray", "xp", "as_cuda"]


def _leak(what: str) -> TypeError:
    return TypeError(f"fake_cuda: {what}; a device array mixes only with arrays of its own "
                     "device and with Python numbers (use devices.namespace_of(array) for "
                     "functions, devices.to_device / to_host to move arrays)")


def _unwrap(value: Any, where: str) -> Any:
    """The numpy value behind ``value`` (recursively in tuples and lists); a numpy array
    (host memory) is refused: a GPU library would refuse it too."""
    if type(value) is FakeArray:
        return value._array
    if isinstance(value, np.ndarray):
        raise _leak(f"a numpy array (host memory) was passed to {where}")
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(item, where) for item in value)
    return value


def _wrap(value: Any) -> Any:
    """numpy results as device arrays; scalars from reductions as 0-d arrays, as CuPy's."""
    if isinstance(value, (np.ndarray, np.generic)):
        return FakeArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(item) for item in value)
    return value


def _on_device(function: Callable[..., Any], where: str) -> Callable[..., Any]:
    """``function`` (numpy's) taking and returning device arrays."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return _wrap(function(*_unwrap(args, where),
                              **{k: _unwrap(v, where) for k, v in kwargs.items()}))
    call.__name__ = getattr(function, "__name__", where)
    return call


class FakeArray:
    """A numpy array on the fake device: numpy's methods and operators, none of its functions."""

    __slots__ = ("_array",)
    __hash__ = None  # type: ignore[assignment]  # as numpy's: == is elementwise

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    # numpy must not take these in: no implicit copy to the host, no numpy function on them
    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise _leak("implicit conversion to a numpy array is not allowed (as in CuPy); "
                    "use devices.to_host")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = ufunc.__name__ + ("" if method == "__call__" else f".{method}")
        raise _leak(f"numpy.{name} was called on a device array")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise _leak(f"numpy.{func.__name__} was called on a device array")

    def __getattr__(self, name: str) -> Any:  # the methods and properties of numpy's arrays
        if name.startswith("__"):  # __array_interface__ would hand numpy the host array
            raise AttributeError(name)
        value = getattr(self._array, name)
        if callable(value):
            return _on_device(value, f"FakeArray.{name}")
        return _wrap(value)

    def __getitem__(self, index: Any) -> FakeArray:
        return _wrap(self._array[_unwrap(index, "indexing")])

    def __setitem__(self, index: Any, value: Any) -> None:
        self._array[_unwrap(index, "indexing")] = _unwrap(value, "an assignment")

    def __len__(self) -> int:
        return len(self._array)

    def __iter__(self) -> Iterator[Any]:
        return (_wrap(row) for row in self._array)

    def __bool__(self) -> bool:
        return bool(self._array)  # a size-1 array, as CuPy (which waits for the GPU)

    def __float__(self) -> float:
        return float(self._array)

    def __int__(self) -> int:
        return int(self._array)

    def __repr__(self) -> str:
        return f"fake_cuda.{self._array!r}"

    def __reduce__(self) -> tuple[Any, ...]:
        return FakeArray, (self._array,)


def _operator(name: str) -> Callable[..., Any]:
    apply = getattr(operator, name) if hasattr(operator, name) else None

    def method(self: FakeArray, *others: Any) -> Any:
        operands = []
        for other in others:
            if type(other) is FakeArray:
                operands.append(other._array)
            elif isinstance(other, np.ndarray):
                raise _leak(f"a numpy array (host memory) is an operand of {name}")
            elif isinstance(other, (int, float, np.generic)):
                operands.append(other)
            else:  # a Tensor, say: let its reflected operator answer
                return NotImplemented
        return _wrap(getattr(self._array, name)(*operands) if apply is None
                     else apply(self._array, *operands))
    method.__name__ = name
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
              "or", "xor"):
    setattr(FakeArray, f"__{_name}__", _operator(f"__{_name}__"))
    setattr(FakeArray, f"__r{_name}__", _operator(f"__r{_name}__"))
    setattr(FakeArray, f"__i{_name}__", _operator(f"__i{_name}__"))
for _name in ("neg", "pos", "abs", "invert", "lt", "le", "gt", "ge", "eq", "ne"):
    setattr(FakeArray, f"__{_name}__", _operator(f"__{_name}__"))


class _Namespace:
    """``xp`` for fake arrays: numpy's functions taking and giving device arrays. Creation
    functions take host data too (``xp.asarray(list_or_numpy_array)``, a copy to the device,
    as ``cupy.asarray``); every other function refuses numpy arrays. Ufunc methods such as
    ``add.at`` are missing, as in CuPy (``devices.Backend.add_at`` stands in)."""

    _FROM_HOST = ("asarray", "array")

    def __getattr__(self, name: str) -> Any:
        value = getattr(np, name)
        if name in self._FROM_HOST:
            return _from_host(value)
        if isinstance(value, (type, np.dtype)) or not callable(value):
            return value  # dtypes (xp.float32), constants (xp.inf)
        return _on_device(value, f"xp.{name}")


def _from_host(make: Callable[..., np.ndarray]) -> Callable[..., FakeArray]:
    """``asarray``/``array``: host data copied over; a device array as it is (``asarray``, same
    dtype) or copied (``array``), as in CuPy."""
    def call(data: Any, dtype: Any = None, **kwargs: Any) -> FakeArray:
        if type(data) is FakeArray:
            result = make(data._array, dtype=dtype, **kwargs)
            return data if result is data._array else FakeArray(result)
        return FakeArray(np.array(make(data, dtype=dtype, **kwargs), copy=True))
    return call


xp = _Namespace()


def _from_host_to(array: np.ndarray, index: int) -> FakeArray:
    if index != 0:
        raise RuntimeError(f"device 'cuda:{index}' does not exist: 1 GPU(s) found (fake_cuda)")
    return FakeArray(array.copy())


def _add_at(out: FakeArray, index: Any, values: Any) -> None:
    np.add.at(out._array, _unwrap(index, "add_at"), _unwrap(values, "add_at"))


BACKEND = devices.Backend(
    xp, FakeArray, lambda array: devices.Device("cuda", 0), _from_host_to,
    lambda array: array._array.copy(), _add_at,
    lambda x: FakeArray(devices.NUMPY.erf(x._array)))
devices.register(BACKEND)


@contextmanager
def as_cuda() -> Iterator[None]:
    """Within the block, ``device="cuda"`` means this fake device (CuPy is not touched)."""
    devices._cuda_stand_in.append(BACKEND)
    try:
        yield
    finally:
        devices._cuda_stand_in.remove(BACKEND)
