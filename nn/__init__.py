"""Neural-network building blocks over autograd-core's nodes, with PyTorch's names and defaults.

Layers, losses, their functions (``nn.functional``, imported as ``F``), initialisers
(``nn.init``), optimizers and schedulers (``nn.optim``) and gradient clipping (``nn.utils``)
over ``Tensor``; micrograd's ``Neuron``/``Layer``/``MLP`` over scalar ``Value``s. Batches
and splits are in ``nn.data``; ``fit`` and ``evaluate`` run the usual training loop.
Optimizers and the MSE/hinge losses accept both kinds of parameters. ``to_torch`` and
``from_torch`` carry a model to PyTorch and back (with PyTorch installed).
"""

from . import data, functional, init, optim, utils
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
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    l1_penalty,
    l2_penalty,
)
from .module import IncompatibleKeys, Module
from .rng import get_generator, manual_seed
from .scalar import MLP, Layer, Neuron
from .torch_bridge import from_torch, to_torch
from .training import Callback, EarlyStopping, History, evaluate, fit

__all__ = [
    "ELU", "GELU", "MLP", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "Callback",
    "CrossEntropyLoss", "Dropout", "EarlyStopping", "Embedding", "Flatten", "HingeLoss",
    "History", "HuberLoss", "Identity", "IncompatibleKeys", "L1Loss", "Layer", "LayerNorm",
    "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict", "ModuleList",
    "NLLLoss", "Neuron", "ReLU", "Sequential", "Sigmoid", "SmoothL1Loss", "Softmax",
    "Softplus", "Tanh", "data", "evaluate", "fit", "functional", "get_generator", "init",
    "from_torch", "l1_penalty", "l2_penalty", "manual_seed", "optim", "to_torch", "utils",
]
