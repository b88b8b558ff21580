"""scalar-autograd: a scalar reverse-mode autodiff engine with a visible graph."""

__version__ = "0.2.0"

from ._hips import warn_if_hips_autograd_installed
from .check import GradcheckError, gradcheck, numerical_grad
from .compiler import compile
from .engine import Value
from .functional import grad, hessian, jacobian, value_and_grad
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
    "detect_anomaly", "dot",
    "draw_dot", "enable_grad", "exp", "expm1", "grad", "gradcheck", "gradients", "hessian", "is_grad_enabled",
    "jacobian", "leaky_relu", "log", "log1p", "logsumexp", "maximum", "minimum", "no_grad",
    "numerical_grad", "player", "primitive", "relu", "sigmoid", "sin", "softplus", "sqrt", "sum", "tanh",
    "value_and_grad",
]  # fmt: skip

_LAZY_SUBMODULES = ("nn", "optim", "data", "train", "interop", "plots", "losses")


def __getattr__(name: str) -> object:
    """``autograd.nn`` and friends import on first use, so ``import autograd`` stays fast."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
