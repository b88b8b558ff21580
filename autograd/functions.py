"""Fused reductions (one node for many inputs), math with several arguments, and apply.

The one-input functions (``autograd.exp``, ``autograd.relu``, ...) are the
primitives of ops.py themselves: calling one records a node.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import ops
from .engine import Operand, Value, _lift, _link, _new, _to_float, recorder
from .ops import Primitive

__all__ = ["apply", "clamp", "dot", "dots", "leaky_relu", "logsumexp", "sum"]


def apply(prim: Primitive, *args: Any) -> Value:
    """Record one node of ``prim``: ``apply(ops.mul, a, b)`` is ``a * b``.

    Unary ops take their constants after the input (``apply(ops.clamp, x, 0, 1)``);
    reductions take sequences (``apply(ops.dot, ws, xs)``).

    Examples:
        >>> from autograd import Value, ops
        >>> apply(ops.mul, Value(2.0), 3.0), apply(ops.clamp, 5.0, 0.0, 1.0)
        (Value(data=6.0, grad=0.0), Value(data=1.0, grad=0.0))
    """
    return recorder_of(prim)(*args)


def recorder_of(prim: Primitive) -> Callable[..., Value]:
    """The function that records nodes of ``prim``: what calling the primitive runs."""
    if prim.arity == "n":
        return functools.partial(_reduction, prim)
    record = recorder(prim)
    if prim.params:  # constants: plain floats on the node, whatever number type came in
        return lambda x, *constants: record(x, *map(_to_float, constants))
    return record


def _reduction(prim: Primitive, *groups: Iterable[Operand]) -> Value:
    """One node over whole sequences of inputs: sum, dot, logsumexp."""
    return _reduction_of(prim, [_values(g) for g in groups])


def _reduction_of(prim: Primitive, groups: list[tuple[tuple[Value, ...], list[float]]]) -> Value:
    """The node, from each group's Values and their floats (see _values)."""
    if len(groups) == 2 and len(groups[0][0]) != len(groups[1][0]):
        raise ValueError(f"{prim.name} needs two sequences of one length, got {len(groups[0][0])} "
                         f"and {len(groups[1][0])}")  # fmt: skip
    out = _new(Value)
    out.data = prim.forward_float(*[data for _, data in groups])
    out.grad = 0.0
    out.label = out.tag = ""
    x, y = groups[0][0], groups[1][0] if len(groups) == 2 else None
    return _link(out, prim, x, y)


_VALUE_TYPES: set[type] = {Value}
"""Value and the subclasses of it met so far (e.g. nn.Parameter): an exact, fast type check."""


def _values(group: Iterable[Operand]) -> tuple[tuple[Value, ...], list[float]]:
    """A group of inputs as a tuple of Values (numbers become leaves), and their floats."""
    values: tuple[Any, ...] = tuple(group)
    data = [v.data for v in values if type(v) in _VALUE_TYPES]
    if len(data) != len(values):  # plain numbers, or a Value subclass not met before
        values = tuple(map(_lift, values))
        _VALUE_TYPES.update(map(type, values))
        data = [v.data for v in values]
    return values, data


def clamp(x: Operand, lo: float = -math.inf, hi: float = math.inf) -> Value:
    """``min(max(x, lo), hi)``; the gradient is 1 inside [lo, hi] and 0 outside.

    Examples:
        >>> from autograd import Value
        >>> x = Value(2.0); y = clamp(x, 0.0, 1.0); y.backward()
        >>> y.data, x.grad                                   # above hi: no gradient
        (1.0, 0.0)
    """
    return _lift(x).clamp(lo, hi)


def leaky_relu(x: Operand, slope: float = 0.01) -> Value:
    """``x`` where ``x > 0``, else ``slope * x``.

    Examples:
        >>> leaky_relu(-2.0), leaky_relu(-2.0, slope=0.1).data, leaky_relu(3.0).data
        (Value(data=-0.02, grad=0.0), -0.2, 3.0)
    """
    return _lift(x).leaky_relu(slope)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for the sum of many: ``start + v0 + v1 + ...``.

    Examples:
        >>> from autograd import Value
        >>> total = sum([Value(1.0), Value(2.0), 3.0])
        >>> total.data, total.op, len(total.children())      # one node with three inputs
        (6.0, 'sum', 3)
    """
    vals = list(values)
    if isinstance(start, Value) or _to_float(start) != 0.0:
        vals.insert(0, start)
    return _reduction(ops.sum, vals)


def dot(a: Sequence[Operand], b: Sequence[Operand]) -> Value:
    """One node for ``a[0]*b[0] + a[1]*b[1] + ...``.

    Examples:
        >>> from autograd import Value
        >>> ws = [Value(1.0), Value(2.0)]
        >>> y = dot(ws, [3.0, 4.0]); y.backward()
        >>> y.data, [w.grad for w in ws]
        (11.0, [3.0, 4.0])
    """
    return _reduction(ops.dot, a, b)


def dots(rows: Iterable[Sequence[Operand]], x: Sequence[Operand]) -> list[Value]:
    """``[dot(row, x) for row in rows]``: a layer's neurons, sharing one input tuple.

    Examples:
        >>> [y.data for y in dots([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [3.0, 4.0])]
        [3.0, 4.0, 7.0]
    """
    shared = _values(x)  # checked and read once for every row
    return [_reduction_of(ops.dot, [_values(row), shared]) for row in rows]


def logsumexp(values: Iterable[Operand]) -> Value:
    """One node for ``log(sum(exp(v)))``, stable for any magnitude.

    Examples:
        >>> logsumexp([0.0, 0.0]).data, logsumexp([1000.0, 1000.0]).data   # log 2, 1000 + log 2
        (0.6931471805599453, 1000.6931471805599)
    """
    vals = list(values)
    if not vals:
        raise ValueError("logsumexp of an empty sequence")
    return _reduction(ops.logsumexp, vals)
