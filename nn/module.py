"""``Module``: the base of every model: it finds its parameters and sub-modules by itself.

A parameter is any attribute (or list/tuple/dict entry of an attribute) that is a
``Tensor`` with ``requires_grad=True`` or a scalar ``Value``; a sub-module is any
attribute that is a ``Module``. Names follow PyTorch's dotted paths (``layers.0.weight``),
in the order the attributes were assigned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from autograd_core import Tensor, Value

Parameter = Tensor | Value


def _walk(prefix: str, obj: Any) -> Iterator[tuple[str, Any]]:
    """(dotted name, object) for every parameter or module inside an attribute value."""
    if isinstance(obj, Module) or isinstance(obj, Value) or (
            isinstance(obj, Tensor) and obj.requires_grad):
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
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:  # explicit stack: no recursion limit on deep models
            path, module = stack.pop()
            children = []
            for name, member in module._members():
                full = f"{path}.{name}" if path else name
                if isinstance(member, Module):
                    children.append((full, member))
                elif id(member) not in seen:
                    seen.add(id(member))
                    yield full, member
            stack.extend(reversed(children))

    def parameters(self) -> list[Parameter]:
        """Every trainable leaf of the model, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (0 for a Value, None for a Tensor, as PyTorch)."""
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p, Value) else None

    def train(self, mode: bool = True) -> Module:
        """Put this module and all inside it in training mode (or evaluation, mode=False)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)
