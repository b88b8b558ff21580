"""The math namespaces that the rules of ops.py are evaluated on.

``FLOAT`` gives IEEE 754 / C99 Annex F results on Python floats, with no Python
math exception (``log(0)`` is -inf, ``1/0.0`` is inf): the fast first-order
path. ``numpy_namespace()`` gives the same functions over numpy arrays. The code
emitter (emit.py) and the Values (passes.VALUE) are the other two.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

__all__ = ["FLOAT", "INF", "NAMESPACE_FUNCTIONS", "NAN", "f_div", "f_pow", "numpy_namespace"]

INF = math.inf
NAN = math.nan

# --------------------------------------------------------------------------
# Float namespace: IEEE 754 / C99 Annex F results, no Python math exceptions.
# --------------------------------------------------------------------------


def f_div(a: float, b: float) -> float:
    """``a / b`` as IEEE 754 says, never ZeroDivisionError.

    Examples:
        >>> f_div(1.0, 0.0), f_div(1.0, -0.0), f_div(0.0, 0.0)
        (inf, -inf, nan)
    """
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _is_odd_int(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and math.fmod(y, 2.0) != 0.0


def f_pow(x: float, y: float) -> float:
    """``x ** y`` as C99 Annex F says: never an exception, never a complex number.

    Examples:
        >>> f_pow(-8.0, 1 / 3), f_pow(0.0, -1.0), f_pow(-10.0, 401.0)
        (nan, inf, -inf)
    """
    try:
        return math.pow(x, y)
    except ValueError:  # 0 ** negative, or negative ** non-integer
        if x == 0.0:
            return math.copysign(INF, x) if _is_odd_int(y) else INF
        return NAN
    except OverflowError:
        return -INF if x < 0.0 and _is_odd_int(y) else INF


def f_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def f_expm1(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        return INF


def f_log(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    return -INF if x == 0.0 else NAN


def f_log1p(x: float) -> float:
    if x > -1.0:
        return math.log1p(x)
    return -INF if x == -1.0 else NAN


def f_sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else NAN


def f_sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else NAN


def f_cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def f_sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + f_exp(-x))
    e = f_exp(x)
    return e / (1.0 + e)


def f_softplus(x: float) -> float:
    return (x if x > 0.0 else 0.0) + math.log1p(f_exp(-abs(x)))


def f_relu(x: float) -> float:
    return 0.0 if x < 0.0 else x  # micrograd's choice: relu(-0.0) is -0.0, relu(nan) is nan


def f_heaviside(x: float, at0: float) -> float:
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return 0.0
    return at0 if x == 0.0 else NAN


def f_sign(x: float) -> float:
    return f_heaviside(x, 0.5) * 2.0 - 1.0


def f_max2(a: float, b: float) -> float:
    if a != a or b != b:
        return NAN
    return a if a >= b else b


def f_min2(a: float, b: float) -> float:
    if a != a or b != b:
        return NAN
    return a if a <= b else b


def f_where(cond: Any, a: Any, b: Any) -> Any:
    return a if cond else b


def f_logsumexp(xs: Sequence[float]) -> float:
    if any(x != x for x in xs):
        return NAN
    top = max(xs)
    if math.isinf(top):  # +inf wins; all -inf gives -inf
        return top
    return top + math.log(math.fsum(math.exp(x - top) for x in xs))


def f_fsum(xs: Sequence[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


def f_dot(ws: Sequence[float], xs: Sequence[float]) -> float:
    total = 0.0
    for w, x in zip(ws, xs):
        total += w * x
    return total


def _ns(**fns: Any) -> SimpleNamespace:
    return SimpleNamespace(**fns)


FLOAT = _ns(
    exp=f_exp, log=f_log, log1p=f_log1p, expm1=f_expm1, sqrt=f_sqrt,
    sin=f_sin, cos=f_cos, tanh=math.tanh, sigmoid=f_sigmoid, softplus=f_softplus,
    relu=f_relu, abs=builtins.abs, pow=f_pow, div=f_div, heaviside=f_heaviside, sign=f_sign,
    max2=f_max2, min2=f_min2, where=f_where,
    eq=lambda a, b: a == b, ge=lambda a, b: a >= b, lt=lambda a, b: a < b,
    fsum=f_fsum, dot=f_dot, logsumexp=f_logsumexp,
)  # fmt: skip
"""The float namespace: the fast first-order path."""

NAMESPACE_FUNCTIONS = tuple(vars(FLOAT))


def numpy_namespace() -> SimpleNamespace:
    """The same namespace over numpy arrays (optional extra; imported lazily).

    Examples:
        >>> import numpy as np
        >>> xs = np.array([-1.0, 0.0, 2.0])
        >>> from autograd.ops import relu
        >>> relu.forward(numpy_namespace(), xs), relu.deriv(numpy_namespace(), xs, None)
        (array([0., 0., 2.]), (array([0., 0., 1.]),))
    """
    import numpy as np

    def heaviside(x: Any, at0: float) -> Any:
        return np.where(x == 0, at0, np.heaviside(x, 0.0))

    def sigmoid(x: Any) -> Any:
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0, e) / (1.0 + e)

    def logsumexp(xs: Sequence[Any]) -> Any:
        top = np.maximum.reduce(list(np.broadcast_arrays(*xs)))
        safe = np.where(np.isfinite(top), top, 0.0)
        return safe + np.log(builtins.sum(np.exp(x - safe) for x in xs))

    def relu(x: Any) -> Any:
        return np.where(x < 0, 0.0, x)

    def sin(x: Any) -> Any:
        return np.sin(x)

    return _ns(
        exp=np.exp, log=np.log, log1p=np.log1p, expm1=np.expm1, sqrt=np.sqrt,
        sin=sin, cos=np.cos, tanh=np.tanh, sigmoid=sigmoid,
        softplus=lambda x: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))),
        relu=relu, abs=np.abs, pow=np.power, div=np.divide, heaviside=heaviside,
        sign=np.sign, max2=np.maximum, min2=np.minimum, where=np.where,
        eq=np.equal, ge=np.greater_equal, lt=np.less,
        fsum=lambda xs: builtins.sum(xs, 0.0),
        dot=lambda ws, xs: builtins.sum((w * x for w, x in zip(ws, xs)), 0.0),
        logsumexp=logsumexp,
    )  # fmt: skip
