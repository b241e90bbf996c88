"""autograd-core: a small reverse-mode automatic-differentiation engine for learning and teaching.

>>> from autograd_core import Value
>>> x = Value(3.0)
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""

from .counting import count_backward_ops, count_ops
from .creation import (
    arange,
    eye,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .drawing import draw_graph
from .engine import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
    topological_order,
)
from .explain import BackwardStep, Explanation, backward_steps, explain
from .expression import ExpressionError, parse_expression
from .forward import Dual, forward_jacobian
from .functional import grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from .gradcheck import GradcheckError, gradcheck, numeric_grad
from .render import renderer_info
from .rng import manual_seed
from .tensor import (
    Tensor,
    concatenate,
    cross_entropy,
    linear,
    maximum,
    minimum,
    stack,
    where,
)
from .value import Value, dot, values

__all__ = [
    "BackwardStep",
    "Dual",
    "count_backward_ops",
    "count_ops",
    "forward_jacobian",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "value_and_grad",
    "vjp",
    "Explanation",
    "ExpressionError",
    "GradcheckError",
    "backward_steps",
    "draw_graph",
    "explain",
    "parse_expression",
    "renderer_info",
    "Tensor",
    "concatenate",
    "cross_entropy",
    "linear",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "set_detect_anomaly",
    "stack",
    "where",
    "Value",
    "dot",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "numeric_grad",
    "set_grad_enabled",
    "topological_order",
    "values",
    # PyTorch's factories and functions
    "arange",
    "eye",
    "full",
    "linspace",
    "manual_seed",
    "maximum",
    "minimum",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "tensor",
    "zeros",
    "zeros_like",
]
__version__ = "0.1.0"
