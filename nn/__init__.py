"""Neural-network building blocks over autograd-core's nodes (PyTorch's names and defaults)."""

from .module import Module
from .scalar import MLP, Layer, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron"]
