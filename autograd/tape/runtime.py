"""What generated code runs with: its globals (the rules' namespaces and a few helpers).

The scalar program calls the float namespace (``ops.FLOAT``) by name. The
batched program also calls ``N``, an array namespace: the same functions over
arrays, plus what a batch needs (``N.rows`` stacks values into a matrix,
``N.total`` sums a per-example gradient over the batch, ...).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from .. import ops
from ..ops import FLOAT


class GuardFailed(Exception):
    """Raised inside generated code when a guard recorded at trace time no longer holds."""


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _same_format(a: float, spec: str, text: str) -> bool:
    return format(a, spec) == text


SCALAR_GLOBALS: dict[str, Any] = {
    **vars(FLOAT), "nan": math.nan, "inf": math.inf, "GuardFailed": GuardFailed,
    "same": _same, "same_format": _same_format,
}  # fmt: skip


@functools.lru_cache(maxsize=1)
def numpy_globals() -> dict[str, Any]:
    """The batched program's globals over numpy: floats plus ``N``."""
    import numpy as np

    N = ops.numpy_namespace()
    dot = np.dot

    def total(a: Any) -> float:
        return float(a.sum())

    def vdot(a: Any, b: Any) -> float:
        return float(dot(a, b))

    def same(a: Any, b: float) -> bool:
        a = np.asarray(a)
        return bool(np.all((a == b) | (np.isnan(a) & (b != b))))

    def same_format(a: Any, spec: str, text: str) -> bool:
        return all(format(float(e), spec) == text for e in np.ravel(a))

    def rows(B: int, items: Sequence[Any]) -> Any:
        """A (len(items), B) matrix; a float item fills its row."""
        out = np.empty((len(items), B))
        for i, e in enumerate(items):
            out[i] = e
        return out

    N.__dict__.update(
        ones=np.ones, zeros=np.zeros, full=np.full, array=np.array, stack=np.stack, count=float,
        matmul=np.matmul, rows=rows, total=total, vdot=vdot, same=same, same_format=same_format,
        all_true=lambda c: bool(np.all(c)), any_true=lambda c: bool(np.any(c)),
    )  # fmt: skip
    return {**SCALAR_GLOBALS, "N": N}
