"""Optimizers and learning-rate schedulers with PyTorch's names, defaults and arithmetic."""

from . import lr_scheduler
from ._arith import is_exact_fma, set_exact_fma
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .gd import GD
from .lbfgs import LBFGS
from .newton import Newton
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["GD", "LBFGS", "SGD", "Adagrad", "Adam", "AdamW", "Newton", "Optimizer", "RMSprop",
           "is_exact_fma", "lr_scheduler", "set_exact_fma"]
