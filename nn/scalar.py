"""micrograd-style networks over scalar ``Value``s: ``Neuron``, ``Layer``, ``MLP``.

Same constructors, call conventions and parameter order as micrograd's ``nn``, and the
same initialisation (weights from ``random.uniform(-1, 1)`` with Python's global
``random``, biases 0), so a micrograd program runs unchanged with its imports
swapped and, from the same seed, computes the same numbers.

So their ``zero_grad()`` sets every gradient to 0.0, as micrograd's does, not to PyTorch's
None: after a backward every parameter then holds a number, reached or not, and micrograd's
update ``p.data -= lr * p.grad`` runs on all of them. ``zero_grad(set_to_none=True)`` (or an
optimizer's ``zero_grad()``) gives None instead, which optimizers read as "no gradient".
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from autograd_core import Value, dot

from .module import Module

Scalar = Value | float


class _MicrogradModule(Module):
    """A Module whose ``zero_grad`` defaults to micrograd's 0.0 (see the module docstring)."""

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Reset every gradient to 0.0 (micrograd), or to None with ``set_to_none=True``."""
        super().zero_grad(set_to_none)


class Neuron(_MicrogradModule):
    """relu(w . x + b), or the affine part alone when ``nonlin=False``."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive int, got {nin!r}")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def forward(self, x: Sequence[Scalar]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        act = dot(self.w, x, self.b)
        return act.relu() if self.nonlin else act


    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(_MicrogradModule):
    """``nout`` neurons reading the same ``nin`` inputs; one output is returned unwrapped."""

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        if not isinstance(nout, int) or nout < 1:
            raise ValueError(f"Layer: nout must be a positive int, got {nout!r}")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Scalar]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out


    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(_MicrogradModule):
    """Layers of sizes ``nin -> nouts[0] -> ... -> nouts[-1]``; ReLU on all but the last."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if len(nouts) == 0:
            raise ValueError("MLP: nouts must list at least one layer size")
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]

    def forward(self, x: Sequence[Scalar]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)  # type: ignore[assignment]
        return x  # type: ignore[return-value]


    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
