"""``Module``: the base of every model: it knows its parameters and can reset their gradients."""

from __future__ import annotations

from autograd_core import Value


class Module:
    """Base class for models; subclasses override ``parameters``."""

    def parameters(self) -> list[Value]:
        """Every trainable leaf of the model, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to 0 (leaves accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0
