"""Neural-network building blocks over autograd-core's nodes, with PyTorch's names and defaults.

Layers, losses, initialisers (``nn.init``), optimizers and schedulers (``nn.optim``) and
gradient clipping (``nn.utils``) over ``Tensor``; micrograd's ``Neuron``/``Layer``/``MLP``
over scalar ``Value``s. Optimizers and the MSE/hinge losses accept both kinds of parameters.
"""

from . import init, optim, utils
from .layers import (
    ELU,
    BatchNorm1d,
    Dropout,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    MSELoss,
    l1_penalty,
    l2_penalty,
)
from .module import IncompatibleKeys, Module
from .rng import get_generator, manual_seed
from .scalar import MLP, Layer, Neuron

__all__ = [
    "ELU", "MLP", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss", "Dropout",
    "HingeLoss", "Identity", "IncompatibleKeys", "Layer", "LeakyReLU", "Linear", "LogSoftmax",
    "MSELoss", "Module", "Neuron", "ReLU", "Sequential", "Sigmoid", "Softmax", "Softplus", "Tanh",
    "get_generator", "init", "l1_penalty", "l2_penalty", "manual_seed", "optim", "utils",
]
