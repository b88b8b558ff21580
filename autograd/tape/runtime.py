"""What generated code runs with: its globals (the rules' namespaces and a few helpers).

The scalar program calls the float namespace (``ops.FLOAT``) by name. The
batched program also calls ``N``, an array namespace: the same functions over
arrays, plus what a batch needs (``N.rows`` stacks values into a matrix,
``N.total`` sums a per-example gradient over the batch, ...).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from ..ops import FLOAT
from .unrolled import acc_inputs_at, acc_inputs_flat, acc_weights_flat, bind_flat, dots_flat, scatter


class GuardFailed(Exception):
    """Raised inside generated code when a guard recorded at trace time no longer holds.

    The compiled function catches it and traces again (``f``'s Python ``if`` took the other branch).

    Examples:
        >>> import autograd
        >>> fc = autograd.compile(lambda x: x * 2 if x > 0 else -x)
        >>> fc(3.0), fc(-3.0)  # the second call fails the guard `x > 0` and re-traces
        ((6.0, (2.0,)), (3.0, (-1.0,)))
    """


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _same_format(a: float, spec: str, text: str) -> bool:
    return format(a, spec) == text


def _same_int(a: float, whole: int) -> bool:
    return int(a) == whole


def _same_round(a: float, ndigits: int | None, result: float) -> bool:
    return round(a, ndigits) == result


SCALAR_GLOBALS: dict[str, Any] = {
    **vars(FLOAT), "nan": math.nan, "inf": math.inf, "GuardFailed": GuardFailed,
    "same": _same, "same_format": _same_format, "same_int": _same_int, "same_round": _same_round,
}  # fmt: skip


def _blocked(d: float, g: Any) -> Any:
    """A step-like op's contribution: nothing passes where its local derivative is 0."""
    return d * g if d != 0.0 else 0.0


SCALAR_GLOBALS["blocked"] = _blocked
SCALAR_GLOBALS.update(dots_flat=dots_flat, acc_weights_flat=acc_weights_flat, acc_inputs_flat=acc_inputs_flat,
                      bind_flat=bind_flat, acc_inputs_at=acc_inputs_at, scatter=scatter)


def batched_globals(ns: SimpleNamespace) -> dict[str, Any]:
    """The batched program's globals: the float namespace (shared values) plus ``N``, the arrays'."""
    return {**SCALAR_GLOBALS, "N": ns}
