"""Devices: where a tensor's numbers live, and which array library computes with them.

A tensor computes with the namespace of its data: numpy for numpy arrays (the CPU), CuPy for
CuPy arrays (an NVIDIA GPU). CuPy copies numpy's API, so every op is written once, with the
namespace ``xp = namespace_of(array)`` wherever it makes a new array (zeros, masks, constants),
and the same code runs on both. This module is the one place that knows the libraries:

- ``Device``: PyTorch's spelling, ``"cpu"``, ``"cuda"`` or ``"cuda:1"``;
- ``namespace_of(array)`` and ``device_of(array)``;
- ``to_device(array, device)`` and ``to_host(array)``, the only copies between devices;
- ``check_same_device(op, ...)``: one op never mixes devices (as in PyTorch).

CuPy is imported only when a ``"cuda"`` device is asked for, so the CPU pays one type check
per lookup. Without CuPy, or without a GPU, asking for ``"cuda"`` says what to install.
``autograd_core.fake_cuda`` provides a stand-in "cuda" on the CPU for tests.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

GPU_INSTALL = "pip install 'autograd-core[gpu]'"
_SPELLING = re.compile(r"(cpu|cuda)(?::(\d+))?")


class Device:
    """A device as PyTorch names it: ``Device("cpu")``, ``Device("cuda")``, ``Device("cuda:1")``
    or ``Device("cuda", 1)``. It compares equal to its spellings: ``t.device == "cuda"`` holds
    on any GPU, ``t.device == "cuda:0"`` on the first (a device without index matches all)."""

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, spec: Any, index: int | None = None) -> None:
        if isinstance(spec, Device) or (hasattr(spec, "type") and hasattr(spec, "index")):
            kind, number = spec.type, spec.index  # ours, or a torch.device
        elif isinstance(spec, str):
            match = _SPELLING.fullmatch(spec.strip())
            if match is None:
                raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cuda' or "
                                 "'cuda:<index>' (PyTorch's spelling)")
            kind, number = match[1], None if match[2] is None else int(match[2])
        else:
            raise TypeError(f"a device is a string such as 'cpu' or 'cuda:0', got "
                            f"{type(spec).__name__}")
        if index is not None:
            if number is not None:
                raise ValueError(f"device {spec!r} has an index already; got index={index} too")
            number = index
        if kind == "cpu" and number not in (None, 0):
            raise ValueError(f"device 'cpu' has no index {number}: there is one CPU device")
        if kind not in ("cpu", "cuda"):
            raise ValueError(f"unknown device type {kind!r}: expected 'cpu' or 'cuda'")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", None if kind == "cpu" else number)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Device cannot be changed")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = Device(other)
            except ValueError:
                return False
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and (
            self.index is None or other.index is None or self.index == other.index)

    def __hash__(self) -> int:
        return hash(self.type)  # "cuda" equals "cuda:0", so the index cannot count

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


CPU = Device("cpu")


class Backend:
    """What the engine needs from one array library: its namespace ``xp``, where its arrays
    live, the copies to and from the host, and the two functions numpy spells its own way."""

    def __init__(self, xp: Any, array_type: type, device_of: Callable[[Any], Device],
                 from_host: Callable[[np.ndarray, int], Any],
                 to_host: Callable[[Any], np.ndarray],
                 add_at: Callable[[Any, Any, Any], None],
                 erf: Callable[[Any], Any]) -> None:
        self.xp = xp
        self.array_type = array_type
        self.device_of = device_of
        self.from_host = from_host  # a copy of a numpy array on device number ``index``
        self.to_host = to_host  # a numpy copy
        self.add_at = add_at  # out[index] += values, repeated indices adding up (np.add.at)
        self.erf = erf


# numpy has no erf: the C library's, element by element (exact, but ~0.1 us per element)
_erf_elements = np.frompyfunc(math.erf, 1, 1)

NUMPY = Backend(np, np.ndarray, lambda array: CPU, lambda array, index: array.copy(),
                lambda array: array, np.add.at,
                lambda x: np.asarray(_erf_elements(x), dtype=x.dtype))
_BACKENDS: dict[type, Backend] = {np.ndarray: NUMPY}
_cuda: Backend | None = None  # the backend behind "cuda", loaded on first use
_cuda_stand_in: list[Backend] = []  # fake_cuda's, while installed: it shadows CuPy


def register(backend: Backend) -> None:
    """Let ``namespace_of`` recognise ``backend``'s arrays (CuPy's and fake_cuda's)."""
    _BACKENDS[backend.array_type] = backend


def backend_of(array: Any) -> Backend:
    """The backend of ``array``; numpy's for numpy arrays and scalars, numbers and lists."""
    backend = _BACKENDS.get(type(array))
    if backend is not None:
        return backend
    for kind, backend in _BACKENDS.items():  # subclasses (numpy's matrix, say)
        if isinstance(array, kind):
            return backend
    if type(array).__module__.startswith("cupy") and "cupy" in sys.modules:
        return _load_cupy()  # a CuPy array made before any "cuda" tensor: learn its type
    return NUMPY


def is_array(value: Any) -> bool:
    """Whether ``value`` is an array of a known library (numpy, CuPy, fake_cuda)."""
    return isinstance(value, np.ndarray) or backend_of(value) is not NUMPY


def namespace_of(array: Any) -> ModuleType | Any:
    """The array module that computes with ``array``: numpy or CuPy (or fake_cuda's)."""
    if type(array) is np.ndarray:  # the CPU's case first, at the cost of one check
        return np
    return backend_of(array).xp


def device_of(array: Any) -> Device:
    """Where ``array`` lives: ``Device("cpu")`` for numpy arrays, ``cuda:<n>`` for CuPy's."""
    if type(array) is np.ndarray:
        return CPU
    return backend_of(array).device_of(array)


def backend_for(device: Device | str) -> Backend:
    """The backend that keeps arrays on ``device``; for "cuda", CuPy (or the stand-in), or an
    error saying what is missing."""
    device = device if isinstance(device, Device) else Device(device)
    if device.type == "cpu":
        return NUMPY
    if _cuda_stand_in:
        return _cuda_stand_in[-1]
    return _cuda if _cuda is not None else _load_cupy()


def to_device(array: Any, device: Device | str) -> Any:
    """``array`` on ``device``: itself when it is there already, else a copy made there."""
    device = device if isinstance(device, Device) else Device(device)
    source = backend_of(array)
    target = backend_for(device)
    if source is target and (device.index is None or source.device_of(array) == device):
        return array
    host = source.to_host(array)
    if target is NUMPY:
        return host if source is not NUMPY else host.copy()
    return target.from_host(host, device.index or 0)


def to_host(array: Any) -> np.ndarray:
    """``array`` as a numpy array: itself for numpy's, a copy from any other device (for
    ``item()``, ``numpy()``, printing and drawing)."""
    if type(array) is np.ndarray:
        return array
    return backend_of(array).to_host(array)


def check_same_device(op: str, *arrays: Any) -> None:
    """Raise PyTorch's error if ``arrays`` (an op's operands) live on different devices."""
    devices = [device_of(array) for array in arrays]
    for device in devices[1:]:
        if device != devices[0]:
            raise RuntimeError(f"{op}: Expected all tensors to be on the same device, but found "
                               f"at least two devices, {devices[0]} and {device}; move them "
                               "with .to(device) first")


def _load_cupy() -> Backend:
    """CuPy's backend, or a RuntimeError saying what to install or that no GPU is there."""
    global _cuda
    if _cuda is not None:
        return _cuda
    try:
        import cupy
        import cupyx
        import cupyx.scipy.special
    except ImportError as error:
        raise RuntimeError(f"device 'cuda' needs CuPy, which is not installed ({error}); "
                           f"install it with: {GPU_INSTALL}") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError: no driver, or no device
        raise RuntimeError(f"device 'cuda': CuPy is installed but finds no GPU ({error}); "
                           "use device='cpu'") from None
    if count == 0:
        raise RuntimeError("device 'cuda': CuPy is installed but finds no GPU; use "
                           "device='cpu'")

    def from_host(array: np.ndarray, index: int) -> Any:
        if index >= count:
            raise RuntimeError(f"device 'cuda:{index}' does not exist: {count} GPU(s) found")
        with cupy.cuda.Device(index):
            return cupy.asarray(array)

    _cuda = Backend(cupy, cupy.ndarray, lambda array: Device("cuda", array.device.id),
                    from_host, lambda array: array.get(), cupyx.scatter_add,
                    cupyx.scipy.special.erf)
    register(_cuda)
    return _cuda


def cuda_is_available() -> bool:
    """Whether ``device="cuda"`` works here: CuPy installed and a GPU found (or the stand-in)."""
    try:
        backend_for("cuda")
    except RuntimeError:
        return False
    return True
