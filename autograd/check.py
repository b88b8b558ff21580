"""Numerical derivatives (central differences), gradcheck and gradgradcheck."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, _to_float
from .modes import enable_grad, no_grad
from .passes import gradients


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; the message has a per-input table.

    Examples:
        >>> from autograd import defop
        >>> wrong = defop("wrong_square", lambda m, x: x * x, lambda m, x, out: (x,))  # should be 2 * x
        >>> try:
        ...     gradcheck(wrong, 3.0)
        ... except GradcheckError as e:
        ...     print(e)
        gradcheck failed (atol=1e-05, rtol=0.001, eps=1e-06):
        input           at       analytic      numerical    abs err    rel err
            0            3              3              6   3.00e+00   5.00e-01   <-- mismatch
        A custom primitive's deriv rule is the usual cause; near a kink, move the inputs away from it.
    """


def _as_list(inputs: Any) -> tuple[list[float], bool]:
    if isinstance(inputs, (list, tuple)):
        return [_to_float(x.data if isinstance(x, Value) else x) for x in inputs], True
    return [_to_float(inputs.data if isinstance(inputs, Value) else inputs)], False


def _scalar(out: Any, who: str) -> float:
    if isinstance(out, Value):
        return out.data
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        return float(out)
    kind = f"a {type(out).__name__}" + (f" of {len(out)}" if isinstance(out, (list, tuple)) else "")
    raise TypeError(f"{who} needs f to return one scalar (a Value or a number), got {kind}; "
                    "check one output at a time, or sum them")


def numerical_grad(f: Callable[..., Any], inputs: Any, eps: float = 1e-6) -> Any:
    """Central differences ``(f(x+h) - f(x-h)) / 2h`` with ``h = eps * max(1, |x|)``.

    ``f`` takes the inputs as positional floats (or Values) and returns a number
    or a Value. ``inputs`` is one number or a list; the result matches it.

    Examples:
        >>> round(numerical_grad(lambda x: x**3, 2.0), 6)                   # 3x**2
        12.0
        >>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, [3.0, 2.0])]
        [2.0, 3.0]
    """
    xs, many = _as_list(inputs)
    grads = []
    with no_grad():
        for i, x in enumerate(xs):
            h = eps * max(1.0, abs(x))
            hi, lo = list(xs), list(xs)
            hi[i], lo[i] = x + h, x - h
            f_hi = _scalar(f(*[Value(v) for v in hi]), "numerical_grad")
            f_lo = _scalar(f(*[Value(v) for v in lo]), "numerical_grad")
            grads.append((f_hi - f_lo) / ((x + h) - (x - h)))
    return grads if many else grads[0]


def gradcheck(
    f: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True if backprop's gradient of ``f`` at ``inputs`` matches central differences.

    Passes where ``|analytic - numerical| <= atol + rtol * max(|analytic|, |numerical|)``.
    Otherwise raises GradcheckError with one row per input.

    Examples:
        >>> gradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.0])
        True
    """
    ok, table = _compare(f, inputs, eps, atol, rtol)
    if ok:
        return True
    raise GradcheckError(
        f"gradcheck failed (atol={atol}, rtol={rtol}, eps={eps}):\n{table}\n"
        "A custom primitive's deriv rule is the usual cause; near a kink, move the inputs away from it."
    )


def gradcheck_table(f: Callable[..., Any], inputs: Any, eps: float = 1e-6) -> str:
    """The per-input table of analytic against numerical gradients, as text.

    Examples:
        >>> print(gradcheck_table(lambda x, y: x * y, [3.0, 2.0]))
        input           at       analytic      numerical    abs err    rel err
            0            3              2              2   0.00e+00   0.00e+00
            1            2              3              3   1.67e-10   5.55e-11
    """
    return _compare(f, inputs, eps, 0.0, 0.0)[1]


def _compare(f: Callable[..., Any], inputs: Any, eps: float, atol: float, rtol: float) -> tuple[bool, str]:
    xs, _ = _as_list(inputs)
    leaves = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    _scalar(out, "gradcheck")
    analytic = gradients(out, leaves) if isinstance(out, Value) else [0.0] * len(xs)
    numeric = numerical_grad(f, xs, eps)
    rows = [((f"{i:>5}",), x, a, n) for i, (x, a, n) in enumerate(zip(xs, analytic, numeric))]
    return _table([f"{'input':>5}"], rows, atol, rtol)


Row = tuple[tuple[str, ...], float, float, float]
"""Which derivative (its label columns), the input's value, analytic, numerical."""


def _table(heads: list[str], rows: Sequence[Row], atol: float, rtol: float) -> tuple[bool, str]:
    """Whether every row passes, and the table with a mismatch marked (when a tolerance is given)."""
    lines = [" ".join([*heads, f"{'at':>12} {'analytic':>14} {'numerical':>14} {'abs err':>10} {'rel err':>10}"])]
    all_ok = True
    for which, x, a, n in rows:
        err = abs(a - n)
        scale = max(abs(a), abs(n))
        ok = a == n or err <= atol + rtol * scale  # False when either is nan
        all_ok &= ok
        rel = err / scale if scale else 0.0
        mark = "" if ok or not (atol or rtol) else "   <-- mismatch"
        lines.append(" ".join([*which, f"{x:>12.6g} {a:>14.8g} {n:>14.8g} {err:>10.2e} {rel:>10.2e}{mark}"]))
    return all_ok, "\n".join(lines)


# --------------------------------------------------------------------------
# Second derivatives: the derivatives of the gradient, against differences of it.
# --------------------------------------------------------------------------


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True if the second derivatives of ``f`` at ``inputs`` match differences of its gradient.

    Each ``d2f / dx_i dx_j`` from differentiating the gradient again (``create_graph``)
    is compared with ``(df/dx_i at x_j + h  -  df/dx_i at x_j - h) / 2h``, the gradient
    itself coming from backprop (check it with ``gradcheck`` first). The tolerances are
    gradcheck's; on failure, GradcheckError has one row per pair (i, j).

    Examples:
        >>> gradgradcheck(lambda x, y: x.sin() * y**2, [0.7, -1.5])
        True
    """
    ok, table = _compare2(f, inputs, eps, atol, rtol)
    if ok:
        return True
    raise GradcheckError(
        f"gradgradcheck failed (atol={atol}, rtol={rtol}, eps={eps}):\n{table}\n"
        "A custom primitive's deriv rule, evaluated on Values for higher order, is the usual cause "
        "(its derivative is not smooth, or it reads .data); near a kink, move the inputs away from it."
    )


def _first(f: Callable[..., Any], xs: list[float]) -> list[float]:
    """Backprop's gradient of ``f`` at ``xs``, as floats."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    _scalar(out, "gradgradcheck")
    return [float(g) for g in gradients(out, leaves)] if isinstance(out, Value) else [0.0] * len(xs)


def _compare2(f: Callable[..., Any], inputs: Any, eps: float, atol: float, rtol: float) -> tuple[bool, str]:
    xs, _ = _as_list(inputs)
    n = len(xs)
    with enable_grad():  # the gradients are recorded to be differentiated again
        leaves = [Value(x, f"x{i}") for i, x in enumerate(xs)]
        out = f(*leaves)
        _scalar(out, "gradgradcheck")
        firsts = gradients(out, leaves, create_graph=True) if isinstance(out, Value) else [0.0] * n
        analytic = [gradients(g, leaves) if isinstance(g, Value) else [0.0] * n for g in firsts]
        numeric = [[0.0] * n for _ in range(n)]  # numeric[i][j]: d/dx_j of df/dx_i
        for j, x in enumerate(xs):
            h = eps * max(1.0, abs(x))
            hi, lo = list(xs), list(xs)
            hi[j], lo[j] = x + h, x - h
            for i, (g_hi, g_lo) in enumerate(zip(_first(f, hi), _first(f, lo))):
                numeric[i][j] = (g_hi - g_lo) / ((x + h) - (x - h))
    rows = [((f"{i:>5}", f"{j:>5}"), xs[j], analytic[i][j], numeric[i][j]) for i in range(n) for j in range(n)]
    return _table([f"{'input':>5}", f"{'wrt':>5}"], rows, atol, rtol)
