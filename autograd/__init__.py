"""scalar-autograd: a scalar reverse-mode autodiff engine with a visible graph."""

from ._hips import warn_if_hips_autograd_installed
from .check import GradcheckError, gradcheck, numerical_grad
from .compiler import compile
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
from .viz import draw_dot

warn_if_hips_autograd_installed()

__all__ = [
    "GradcheckError", "Primitive", "Value", "clamp", "compile", "cos", "defop", "detect_anomaly", "dot", "draw_dot",
    "enable_grad", "exp", "expm1", "grad", "gradcheck", "gradients", "hessian", "is_grad_enabled",
    "jacobian", "leaky_relu", "log", "log1p", "logsumexp", "maximum", "minimum", "no_grad",
    "numerical_grad", "primitive", "relu", "sigmoid", "sin", "softplus", "sqrt", "sum", "tanh",
    "value_and_grad",
]  # fmt: skip

_LAZY_SUBMODULES = ("nn", "optim", "data", "train")


def __getattr__(name: str) -> object:
    """``autograd.nn`` and friends import on first use, so ``import autograd`` stays fast."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
