"""``Module``: the base of every model: it finds its parameters and sub-modules by itself.

A parameter is any attribute (or list/tuple/dict entry of an attribute) that is a scalar
``Value`` or a leaf ``Tensor``, whatever its ``requires_grad``: a frozen parameter
(``requires_grad = False``) is still saved, loaded and listed by ``parameters()``, as in
PyTorch, and optimizers skip it because it gets no gradient. The result of an op stored on a
module (a cached activation) is not a parameter. Constants that should not be saved are
kept as numpy arrays; a sub-module is any attribute that is a ``Module``. Names follow
PyTorch's dotted paths (``layers.0.weight``), in the order the attributes were assigned.

A buffer is state that is saved but not trained (batch norm's running statistics): a
numpy array attribute declared with ``register_buffer``. ``state_dict`` holds copies of
every parameter and buffer; ``load_state_dict``, ``save`` and ``load`` bring them back.
Files are .npz archives, or .safetensors files (PyTorch's format for state dicts) when the
name ends in ``.safetensors``.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd_core import Tensor, Value, devices
from autograd_core.devices import Device

from .utils import _reset_grad

Parameter = Tensor | Value
Entry = Tensor | Value | np.ndarray  # what a state_dict key refers to inside a model

# What reading a damaged or foreign file can raise, from open to the last array.
_BAD_FILE_ERRORS = (ValueError, OSError, EOFError, KeyError, RuntimeError, NotImplementedError,
                    zipfile.BadZipFile, zlib.error, struct.error)


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: model keys the state lacked, and state
    keys the model does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _walk(prefix: str, obj: Any) -> Iterator[tuple[str, Any]]:
    """(dotted name, object) for every parameter or module inside an attribute value."""
    if isinstance(obj, (Module, Value)) or (isinstance(obj, Tensor) and not obj._parents):
        yield prefix, obj
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _walk(f"{prefix}.{i}", item)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _walk(f"{prefix}.{key}", item)


class Module:
    """Base class for models: call it to run ``forward``; it tracks parameters and mode."""

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def _members(self) -> Iterator[tuple[str, Any]]:
        for name, value in vars(self).items():
            yield from _walk(name, value)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct sub-module."""
        for name, member in self._members():
            if isinstance(member, Module):
                yield name, member

    def children(self) -> Iterator[Module]:
        return (module for _, module in self.named_children())

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every parameter, each shared one once."""
        for name, entry in self._named_entries():
            if not devices.is_array(entry):  # the rest are buffers
                yield (f"{prefix}.{name}" if prefix else name), entry

    def parameters(self) -> list[Parameter]:
        """Every parameter of the model, frozen ones included, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient, as ``Optimizer.zero_grad`` does: to None ("no
        gradient": optimizers skip the parameter unless a backward reaches it), or with
        ``set_to_none=False`` to zero (0.0 for a Value, a Tensor's array filled in place)."""
        for p in self.parameters():
            _reset_grad(p, set_to_none)

    def train(self, mode: bool = True) -> Module:
        """Put this module and all inside it in training mode (or evaluation, mode=False)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def to(self, device: Device | str) -> Module:
        """Move every parameter and buffer to ``device`` ("cpu", "cuda", "cuda:1") in place and
        return the module, as PyTorch's ``model.to("cuda")``. The parameters stay the same
        Tensors (an optimizer made before still holds them); each move counts as an in-place
        write, so a graph recorded before it cannot be differentiated after it. Scalar
        ``Value`` parameters stay Python floats."""
        device = Device(device)
        devices.backend_for(device)  # a missing CuPy or GPU is reported before anything moves
        for p in self.parameters():
            if isinstance(p, Tensor):
                p._relocate(device)
        for module in self.modules():
            for name, array in list(module._own_buffers()):
                setattr(module, name, devices.to_device(array, device))
        return self

    def cpu(self) -> Module:
        """``to("cpu")``."""
        return self.to("cpu")

    def cuda(self, device: int | None = None) -> Module:
        """``to("cuda")`` (or ``to("cuda:<device>")``)."""
        return self.to(Device("cuda", device))

    # ---- buffers -------------------------------------------------------------------------

    def register_buffer(self, name: str, array: np.ndarray | None) -> None:
        """Store ``array`` as attribute ``name`` and include it in ``state_dict`` (None: absent).

        A buffer is model state that the optimiser does not touch, e.g. a running mean.
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"register_buffer: name must be an identifier, got {name!r}")
        if array is not None and not devices.is_array(array):
            raise TypeError(f"register_buffer: {name!r} must be a numpy array or None, got "
                            f"{type(array).__name__}")
        # vars(), not getattr: modules need not call an __init__, so the list is made on demand
        names = vars(self).setdefault("_buffer_names", [])
        if name not in names:
            if name in vars(self):
                raise ValueError(f"register_buffer: attribute {name!r} already exists and is "
                                 "not a buffer")
            names.append(name)
        setattr(self, name, array)

    def _own_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        for name in vars(self).get("_buffer_names", ()):
            array = getattr(self, name)
            if array is None:
                continue
            if not devices.is_array(array):
                raise TypeError(f"{type(self).__name__}: buffer {name!r} must be a numpy array, "
                                f"got {type(array).__name__}")
            yield name, array

    def _named_entries(self) -> Iterator[tuple[str, Entry]]:
        """Parameters and buffers by dotted name, PyTorch's state_dict order: per module its
        parameters, then its buffers, then its sub-modules; anything shared once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            path, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            children = []
            for name, member in [*module._members(), *module._own_buffers()]:
                full = f"{path}.{name}" if path else name
                if isinstance(member, Module):
                    children.append((full, member))
                elif id(member) not in seen:
                    seen.add(id(member))
                    yield full, member
            stack.extend(reversed(children))

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """(dotted name, array) for every buffer of this module and its sub-modules."""
        for name, entry in self._named_entries():
            if devices.is_array(entry):
                yield name, entry

    def buffers(self) -> list[np.ndarray]:
        return [array for _, array in self.named_buffers()]

    # ---- state -----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: array copy} for every parameter (a Value as a 0-d array) and buffer."""
        return {name: _host_copy(_as_array(entry)) for name, entry in self._named_entries()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy ``state``'s arrays into the parameters and buffers of the same names, in place.

        Every problem (missing or unexpected keys unless ``strict=False``, wrong shapes,
        non-numeric values) is found first and reported in one ``ValueError``; the model is
        changed only when there is none.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping of name to array, got "
                            f"{type(state).__name__}")
        entries = dict(self._named_entries())
        missing = [name for name in entries if name not in state]
        unexpected = [str(key) for key in state if key not in entries]
        problems = []
        if strict and missing:
            problems.append(f"missing keys {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys {unexpected}")
        updates = []
        for name, entry in entries.items():
            if name in state:
                try:
                    updates.append((entry, _converted(name, state[name], entry)))
                except ValueError as error:
                    problems.append(str(error))
        if problems:
            raise ValueError(f"load_state_dict for {type(self).__name__}: "
                             + "; ".join(problems) + " (nothing was loaded)")
        for entry, array in updates:  # cannot fail now: shapes, dtypes and flags were checked
            if isinstance(entry, Value):
                entry.data = float(array)
            elif isinstance(entry, Tensor):
                entry._overwrite(array)  # counted: a graph recorded before cannot use it
            else:  # a buffer, on its device
                entry[...] = devices.to_device(array, devices.device_of(entry))
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to exactly ``path``: as .safetensors when the name ends in
        ``.safetensors`` (PyTorch's names: a PyTorch model of the same layers takes
        ``safetensors.torch.load_file(path)`` in ``load_state_dict``), otherwise as an .npz
        archive (``numpy.load`` reads it). ``load`` reads both.

        The file is written to a new file of a unique name beside it, then renamed over
        ``path`` in one step: an existing file is replaced only once the new one is complete,
        and keeps its permissions. A symbolic link stays a link: its target is replaced.
        """
        state = self.state_dict()  # a model that cannot be saved leaves no file behind
        write = _write_safetensors if _is_safetensors(path) else _write_npz
        target = os.path.realpath(os.fspath(path))
        descriptor, partial = _create_beside(target)
        try:
            with open(descriptor, "wb") as file:
                write(file, state)
                file.flush()
                os.fsync(file.fileno())  # on disk before the rename, or a crash could lose both
            with contextlib.suppress(FileNotFoundError):  # a new file keeps open()'s mode
                os.chmod(partial, stat.S_IMODE(os.stat(target).st_mode))
            os.replace(partial, target)
        except BaseException:  # interrupted too: the partial file is ours, remove it
            with contextlib.suppress(OSError):  # keeping the first error, the one that matters
                os.remove(partial)
            raise

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> IncompatibleKeys:
        """Load a file written by ``save`` (or by PyTorch's ``safetensors.torch.save_file``),
        by the same rule of its name: a truncated, corrupt or foreign file raises
        ``ValueError`` and leaves the model unchanged."""
        name = os.fspath(path)
        state = _read_safetensors(name) if _is_safetensors(name) else _read_npz(name)
        try:
            return self.load_state_dict(state, strict=strict)
        except ValueError as error:
            raise ValueError(f"load: {name} does not fit this model: {error}") from None

    # ---- printing --------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The settings shown between the parentheses of ``repr`` (override in subclasses)."""
        return ""

    def __repr__(self) -> str:
        """PyTorch's layout: ``Name(settings)``, with each sub-module on its own line."""
        lines = [f"({name}): {child!r}".replace("\n", "\n  ")
                 for name, child in self.named_children()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"


def _as_array(entry: Entry) -> np.ndarray:
    """The array behind a state entry (a Value's float as a 0-d float64 array)."""
    if isinstance(entry, Value):
        return np.array(entry.data, dtype=np.float64)
    return entry.data if isinstance(entry, Tensor) else entry


def _host_copy(array: Any) -> np.ndarray:
    """A numpy copy of ``array`` (from any device): what state_dict holds and files store."""
    host = devices.to_host(array)
    return host.copy() if host is array else host


def _converted(name: str, value: Any, entry: Entry) -> np.ndarray:
    """``value`` as a new array of ``entry``'s shape and dtype, or a ValueError naming ``name``."""
    target = _as_array(entry)
    try:
        raw = value.data if isinstance(value, (Tensor, Value)) else value
        array = devices.to_host(raw) if devices.is_array(raw) else np.asarray(raw)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name}: not an array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected real numbers, got dtype {array.dtype}")
    if array.shape != target.shape:
        raise ValueError(f"{name}: expected shape {target.shape}, got {array.shape}")
    if target.dtype.kind in "iu":
        _check_whole_numbers(name, array, target.dtype)
    if not isinstance(entry, Value) and not target.flags.writeable:
        raise ValueError(f"{name}: the model's array is read-only")
    return array.astype(target.dtype)  # a copy: the model never shares the caller's arrays


def _create_beside(target: str) -> tuple[int, str]:
    """A new file next to ``target``, open for writing: (descriptor, path).

    Its name is unique (no one else's file is touched) and its mode is the one ``open``
    gives, 0o666 less the umask. (``tempfile.mkstemp`` makes 0o600 files, and the umask can
    only be read by changing it, which would affect every thread.)
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        partial = f"{target}.{uuid.uuid4().hex[:16]}.partial"
        try:
            return os.open(partial, flags, 0o666), partial
        except FileExistsError:  # someone else's file: try another name
            continue
    raise FileExistsError(f"save: could not create a new file next to {target}")


def _check_whole_numbers(name: str, array: np.ndarray, dtype: np.dtype[Any]) -> None:
    """A ValueError naming ``name`` unless every number in ``array`` is a whole number that
    the integer ``dtype`` holds (a cast would silently wrap 1e30 or 2**63 around)."""
    if array.size == 0:
        return
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if np.any(bad):
            raise ValueError(f"{name}: expected whole numbers for a {dtype} buffer, got "
                             f"{array[bad].flat[0]}")
    info = np.iinfo(dtype)
    for extreme in (array.min(), array.max()):
        if not info.min <= int(extreme) <= info.max:  # int(): exact for any whole number
            raise ValueError(f"{name}: {extreme} does not fit a {dtype} buffer (from "
                             f"{info.min} to {info.max})")


def _write_npz(file: Any, state: Mapping[str, np.ndarray]) -> None:
    """The .npz layout of ``numpy.savez``: one uncompressed ``<name>.npy`` member per array.

    (``np.savez(file, **state)`` itself would fail on a key named "file" or "allow_pickle".)
    """
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in state.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _read_npz(path: str) -> dict[str, np.ndarray]:
    """Every array of the .npz file at ``path``; anything unreadable is a ValueError."""
    with open(path, "rb") as file:  # a missing file stays a FileNotFoundError
        try:
            contents = np.load(file, allow_pickle=False)
            if not isinstance(contents, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not an .npz archive of named arrays")
            with contents:
                state = {name: contents[name] for name in contents.files}
        except _BAD_FILE_ERRORS as error:
            raise ValueError(f"load: {path} is not a readable .npz state file "
                             f"({type(error).__name__}: {error})") from None
    for name, array in state.items():
        if not isinstance(array, np.ndarray):  # a zip member that is not a .npy file
            raise ValueError(f"load: {path} is not an .npz state file: member {name!r} is not "
                             "a .npy array")
    return state


# ---- .safetensors ------------------------------------------------------------------------------
# The layout: 8 bytes giving the header's length, a JSON header naming each tensor's dtype,
# shape and byte range (plus "__metadata__", a map of strings), then the raw bytes. Written
# and parsed by the `safetensors` package; its numpy API needs no PyTorch.

# The format has no checksum of its own: ours goes in the metadata, so that a damaged file is
# found as a damaged .npz is (by its zip CRCs). Files from elsewhere lack it and are read
# unchecked, as is a file of ours whose checksum entry's name was itself damaged.
_CHECKSUM_KEY = "autograd_core.crc32"


def _is_safetensors(path: str | os.PathLike[str]) -> bool:
    """Whether ``save``/``load`` use .safetensors for ``path`` (by its name; .npz otherwise)."""
    return os.fspath(path).lower().endswith(".safetensors")


def _checksum(state: Mapping[str, np.ndarray]) -> str:
    """CRC-32 of every array's name, dtype, shape and bytes, in name order, as 8 hex digits."""
    crc = 0
    for name in sorted(state):
        array = state[name]
        crc = zlib.crc32(f"{name}|{array.dtype.name}|{array.shape}|".encode(), crc)
        crc = zlib.crc32(array.tobytes(), crc)
    return f"{crc:08x}"


def _write_safetensors(file: Any, state: Mapping[str, np.ndarray]) -> None:
    """``state`` in the .safetensors layout, little-endian, with our checksum.

    The metadata says "format": "pt" as PyTorch's own files do: the names and layouts
    (a Linear weight is (out_features, in_features)) are PyTorch's.
    """
    from safetensors.numpy import save as to_safetensors

    # asarray, not ascontiguousarray: that one makes a Value's 0-d array 1-d
    arrays = {name: np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
              for name, array in state.items()}
    file.write(to_safetensors(arrays, metadata={"format": "pt",
                                                _CHECKSUM_KEY: _checksum(arrays)}))


def _read_safetensors(path: str) -> dict[str, np.ndarray]:
    """Every array of the .safetensors file at ``path``; anything unreadable, or a checksum
    that does not match, is a ValueError."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as from_safetensors

    with open(path, "rb") as file:  # a missing file stays a FileNotFoundError
        data = file.read()
    try:
        state = from_safetensors(data)
        # parsed only once the package has checked the header, so it is JSON of this shape
        (length,) = struct.unpack("<Q", data[:8])
        metadata = json.loads(data[8:8 + length]).get("__metadata__") or {}
    except (*_BAD_FILE_ERRORS, SafetensorError) as error:
        raise ValueError(f"load: {path} is not a readable .safetensors state file "
                         f"({type(error).__name__}: {error})") from None
    saved = metadata.get(_CHECKSUM_KEY)
    if saved is not None and saved != _checksum(state):
        raise ValueError(f"load: {path} is damaged: its tensors do not match the checksum "
                         "they were saved with")
    return state
