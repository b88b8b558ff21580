"""Math with several arguments, and fused reductions: one node for many inputs.

The one-input functions (``autograd.exp``, ``autograd.relu``, ...) are the
primitives of ops.py themselves: calling one records a node.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from . import ops
from .engine import Operand, Value, _lift, _reduction, _reduction_of, _to_float, _values

__all__ = ["clamp", "dot", "dots", "leaky_relu", "logsumexp", "sum"]


def clamp(x: Operand, lo: float = -math.inf, hi: float = math.inf) -> Value:
    """``min(max(x, lo), hi)``; the gradient is 1 inside [lo, hi] and 0 outside."""
    return _lift(x).clamp(lo, hi)


def leaky_relu(x: Operand, slope: float = 0.01) -> Value:
    """``x`` where ``x > 0``, else ``slope * x``."""
    return _lift(x).leaky_relu(slope)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for the sum of many: ``start + v0 + v1 + ...``."""
    vals = list(values)
    if isinstance(start, Value) or _to_float(start) != 0.0:
        vals.insert(0, start)
    return _reduction(ops.sum, vals)


def dot(a: Sequence[Operand], b: Sequence[Operand]) -> Value:
    """One node for ``a[0]*b[0] + a[1]*b[1] + ...``."""
    return _reduction(ops.dot, a, b)


def dots(rows: Iterable[Sequence[Operand]], x: Sequence[Operand]) -> list[Value]:
    """``[dot(row, x) for row in rows]``: a layer's neurons, sharing one input tuple."""
    shared = _values(x)  # checked and read once for every row
    return [_reduction_of(ops.dot, [_values(row), shared]) for row in rows]


def logsumexp(values: Iterable[Operand]) -> Value:
    """One node for ``log(sum(exp(v)))``, stable for any magnitude."""
    vals = list(values)
    if not vals:
        raise ValueError("logsumexp of an empty sequence")
    return _reduction(ops.logsumexp, vals)
