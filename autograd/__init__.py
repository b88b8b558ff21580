"""scalar-autograd: a scalar reverse-mode autodiff engine with a visible graph."""

__version__ = "0.2.0"

from ._hips import warn_if_hips_autograd_installed
from .check import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .compiler import compile
from .engine import Value
from .functional import grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, linearize, value_and_grad, vjp
from .functions import clamp, dot, leaky_relu, logsumexp, sum
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import (
    Primitive,
    abs,
    cos,
    defop,
    exp,
    expm1,
    log,
    log1p,
    maximum,
    minimum,
    primitive,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    tanh,
)
from .passes import gradients
from .playback import player
from .viz import draw_dot

warn_if_hips_autograd_installed()

__all__ = [
    "GradcheckError", "Primitive", "Value", "__version__", "abs", "clamp", "compile", "cos", "defop",
    "detect_anomaly", "dot", "draw_dot", "enable_grad", "exp", "expm1", "grad", "gradcheck", "gradgradcheck",
    "gradients", "hessian", "hvp", "is_grad_enabled", "jacfwd", "jacobian", "jacrev", "jvp", "leaky_relu",
    "linearize", "log", "log1p", "logsumexp", "maximum", "minimum", "no_grad", "numerical_grad", "player",
    "primitive", "relu", "sigmoid", "sin", "softplus", "sqrt", "sum", "tanh", "value_and_grad", "vjp",
]  # fmt: skip

_LAZY_SUBMODULES = ("nn", "optim", "data", "train", "interop", "plots", "losses")


def __getattr__(name: str) -> object:
    """``autograd.nn`` and friends import on first use, so ``import autograd`` stays fast."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
