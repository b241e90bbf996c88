"""Carry a model to PyTorch and back: ``to_torch(model)`` builds the equivalent ``torch.nn``
module with the same weights, ``from_torch(module)`` the reverse.

What translates: the containers ``Sequential``, ``ModuleList`` and ``ModuleDict`` holding the
layers of ``_LAYERS`` below, one row per layer (a module of your own, with its own
``forward``, cannot be translated: build its twin by hand and load the state, whose names are
PyTorch's). Each layer is rebuilt from its settings, then its parameters and buffers are
copied by name (the same names on both sides); a floating-point dtype is kept (float64 stays
float64), and so are training/evaluation mode and frozen parameters (``requires_grad``).
A module that appears twice in a model is translated once, and stays shared.

PyTorch is an optional extra: ``pip install 'autograd-core[torch]'``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_core import Tensor

from .layers import (
    ELU,
    GELU,
    BatchNorm1d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleDict,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .module import Module

__all__ = ["from_torch", "to_torch"]

Settings = Callable[[Any], dict[str, Any]]  # a module (of either side) -> constructor arguments
Children = list[tuple[str, Any]]  # a container's (name, module) pairs, repeats included
Build = Callable[[type, Children], Any]  # a container class and its children -> a container


def _in_order(container: Any) -> Children:
    """The modules of a Sequential or ModuleList (of either side) named by their positions,
    a module held twice listed twice (PyTorch's ``named_children`` lists it once)."""
    return [(str(i), module) for i, module in enumerate(container)]


@dataclass(frozen=True)
class _Layer:
    """One translatable module: our class, the name of its class in ``torch.nn``, and how to
    rebuild one from the other. ``settings`` reads the constructor arguments off a module of
    either side (when they differ, ``from_torch_settings`` reads a torch module's); a
    container has ``build`` instead, which makes one from its translated ``children``."""

    ours: type[Module]
    torch_name: str
    settings: Settings = lambda module: {}
    from_torch_settings: Settings | None = None
    build: Build | None = None
    children: Callable[[Any], Children] = _in_order


def _same(*names: str, bias: bool = False) -> Settings:
    """Arguments both sides keep as attributes of the same names (and, with ``bias=True``,
    bias=True/False from whether the module has a bias)."""
    def settings(module: Any) -> dict[str, Any]:
        found = {name: getattr(module, name) for name in names}
        return {**found, "bias": module.bias is not None} if bias else found
    return settings


def _torch_dim(module: Any) -> dict[str, Any]:
    if module.dim is None:  # PyTorch then picks the axis from the input's rank (deprecated)
        raise ValueError(f"from_torch: {type(module).__name__}(dim=None) has no fixed axis; "
                         "give it dim=")
    return {"dim": module.dim}


def _torch_embedding(module: Any) -> dict[str, Any]:
    for name, default in (("max_norm", None), ("scale_grad_by_freq", False)):
        if getattr(module, name) != default:  # these change what it computes
            raise ValueError(f"from_torch: Embedding({name}={getattr(module, name)!r}) is not "
                             f"supported (only {name}={default!r})")
    return _same("num_embeddings", "embedding_dim", "padding_idx")(module)


# One row per module. To add one, give our class, torch.nn's class name and the settings that
# rebuild it; its parameter and buffer names must be PyTorch's (the tests check each row).
_LAYERS = [
    _Layer(Sequential, "Sequential", build=lambda cls, children: cls(*(m for _, m in children))),
    _Layer(ModuleList, "ModuleList", build=lambda cls, children: cls([m for _, m in children])),
    _Layer(ModuleDict, "ModuleDict", build=lambda cls, children: cls(children),
           children=lambda container: list(container.items())),
    _Layer(Linear, "Linear", _same("in_features", "out_features", bias=True)),
    _Layer(BatchNorm1d, "BatchNorm1d",
           _same("num_features", "eps", "momentum", "affine", "track_running_stats")),
    _Layer(LayerNorm, "LayerNorm", _same("normalized_shape", "eps", "elementwise_affine",
                                         bias=True)),
    _Layer(Embedding, "Embedding", _same("num_embeddings", "embedding_dim", "padding_idx"),
           _torch_embedding),
    _Layer(Dropout, "Dropout", _same("p")),
    _Layer(Identity, "Identity"),
    _Layer(Flatten, "Flatten", _same("start_dim", "end_dim")),
    _Layer(ReLU, "ReLU"),
    _Layer(Tanh, "Tanh"),
    _Layer(Sigmoid, "Sigmoid"),
    _Layer(LeakyReLU, "LeakyReLU", _same("negative_slope")),
    _Layer(ELU, "ELU", _same("alpha")),
    _Layer(GELU, "GELU", _same("approximate")),
    _Layer(Softplus, "Softplus", _same("beta", "threshold")),
    _Layer(Softmax, "Softmax", lambda module: {"dim": module.axis}, _torch_dim),
    _Layer(LogSoftmax, "LogSoftmax", lambda module: {"dim": module.axis}, _torch_dim),
]


def _import_torch(function: str) -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(f"{function} needs PyTorch, which is not installed: pip install "
                          "'autograd-core[torch]' (or pip install torch)") from error
    return torch


def _supported() -> str:
    return ", ".join(sorted(row.ours.__name__ for row in _LAYERS))


def _unsupported(function: str, module: Any) -> TypeError:
    return TypeError(f"{function}: cannot translate {type(module).__name__}: the modules it "
                     f"knows are {_supported()} (for a module with its own forward, build the "
                     "twin by hand and copy the state_dict)")


def _single_dtype(function: str, module: Any, dtypes: Iterable[Any]) -> Any | None:
    """The one floating-point dtype of a layer's state, or None when it has none."""
    found = set(dtypes)
    if len(found) > 1:
        raise TypeError(f"{function}: {type(module).__name__} mixes the dtypes "
                        f"{sorted(map(str, found))}; give all its parameters one dtype")
    return found.pop() if found else None


def to_torch(model: Module) -> Any:
    """The ``torch.nn`` module equivalent to ``model``: the same layers and settings, a copy of
    its weights and buffers in the same dtypes, the same mode and frozen parameters."""
    torch = _import_torch("to_torch")
    rows = {row.ours: row for row in _LAYERS}
    translated: dict[int, Any] = {}  # id of ours -> theirs: a shared module stays shared

    def translate(module: Module) -> Any:
        if id(module) in translated:
            return translated[id(module)]
        row = rows.get(type(module))  # exactly: a subclass may compute something else
        if row is None:
            raise _unsupported("to_torch", module)
        theirs_class = getattr(torch.nn, row.torch_name)
        if row.build is not None:
            theirs = row.build(theirs_class, [(name, translate(child))
                                              for name, child in row.children(module)])
        else:
            state = module.state_dict()
            dtype = _single_dtype("to_torch", module,
                                  (a.dtype for a in state.values() if a.dtype.kind == "f"))
            options = {} if dtype is None else {"dtype": torch.from_numpy(np.empty(0, dtype)).dtype}
            theirs = theirs_class(**row.settings(module), **options)
            theirs.load_state_dict({name: torch.from_numpy(array) for name, array in state.items()})
            parameters = dict(theirs.named_parameters())
            for name, parameter in module.named_parameters():
                parameters[name].requires_grad_(parameter.requires_grad)
        theirs.training = module.training
        translated[id(module)] = theirs
        return theirs

    return translate(model)


def from_torch(module: Any) -> Module:
    """Our module equivalent to the ``torch.nn`` module ``module``: the same layers and
    settings, a copy of its weights and buffers in the same dtypes (which must be float64 or
    float32), the same mode and frozen parameters."""
    torch = _import_torch("from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    rows = {getattr(torch.nn, row.torch_name): row for row in _LAYERS}
    translated: dict[int, Module] = {}

    def translate(theirs: Any) -> Module:
        if id(theirs) in translated:
            return translated[id(theirs)]
        row = rows.get(type(theirs))
        if row is None:
            raise _unsupported("from_torch", theirs)
        if row.build is not None:
            ours = row.build(row.ours, [(name, translate(child))
                                        for name, child in row.children(theirs)])
        else:
            state = _numpy_state(theirs)
            dtype = _single_dtype("from_torch", theirs,
                                  (a.dtype for a in state.values() if a.dtype.kind == "f"))
            settings = (row.from_torch_settings or row.settings)(theirs)
            ours = row.ours(**settings, **({} if dtype is None else {"dtype": dtype}))
            ours.load_state_dict(state)
            parameters = dict(ours.named_parameters())
            for name, parameter in theirs.named_parameters():
                target = parameters[name]
                assert isinstance(target, Tensor)  # our layers' parameters are Tensors
                target.requires_grad = parameter.requires_grad
        ours.training = theirs.training
        translated[id(theirs)] = ours
        return ours

    return translate(module)


def _numpy_state(module: Any) -> dict[str, np.ndarray]:
    """A torch module's state_dict as numpy arrays (copies: ``load_state_dict`` copies)."""
    state = {}
    for name, tensor in module.state_dict().items():
        try:
            state[name] = tensor.detach().cpu().numpy()
        except TypeError:  # bfloat16, say
            raise TypeError(f"from_torch: {type(module).__name__}.{name} has dtype "
                            f"{tensor.dtype}, which numpy lacks; convert the model first "
                            "(module.double())") from None
    return state
