"""Optimizers and learning-rate schedulers with PyTorch's names, defaults and update rules."""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .gd import GD
from .lbfgs import LBFGS
from .newton import Newton
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["GD", "LBFGS", "SGD", "Adagrad", "Adam", "AdamW", "Newton", "Optimizer", "RMSprop",
           "lr_scheduler"]
