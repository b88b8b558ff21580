"""scalar-autograd: a scalar reverse-mode autodiff engine with a visible graph."""

import importlib.metadata as _metadata
import warnings as _warnings

try:  # HIPS autograd installs a package of the same import name.
    _metadata.distribution("autograd")
except _metadata.PackageNotFoundError:
    pass
else:
    _warnings.warn(
        "HIPS 'autograd' is installed in this environment too and shares the import name "
        "'autograd' with scalar-autograd; the two cannot share one environment. "
        "Uninstall one of them (pip uninstall autograd).",
        RuntimeWarning,
        stacklevel=2,
    )

from .check import GradcheckError, gradcheck, numerical_grad
from .engine import (
    Value,
    clamp,
    cos,
    detect_anomaly,
    dot,
    enable_grad,
    exp,
    expm1,
    gradients,
    is_grad_enabled,
    leaky_relu,
    log,
    log1p,
    logsumexp,
    maximum,
    minimum,
    no_grad,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    sum,
    tanh,
)
from .functional import grad, hessian, jacobian, value_and_grad
from .ops import Primitive, defop, primitive

__all__ = [
    "GradcheckError", "Primitive", "Value", "clamp", "cos", "defop", "detect_anomaly", "dot",
    "enable_grad", "exp", "expm1", "grad", "gradcheck", "gradients", "hessian", "is_grad_enabled",
    "jacobian", "leaky_relu", "log", "log1p", "logsumexp", "maximum", "minimum", "no_grad",
    "numerical_grad", "primitive", "relu", "sigmoid", "sin", "softplus", "sqrt", "sum", "tanh",
    "value_and_grad",
]  # fmt: skip
