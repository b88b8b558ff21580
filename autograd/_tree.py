"""Nested arguments: lists and tuples of scalars, flattened and rebuilt.

The function transforms (functional.py) and the compiled tape take arguments
such as ``(params, (x0, x1), y)``. Both flatten them into a list of scalars
and rebuild results of the same shape from it. The walk is written here once.

A *shape* describes a nested argument and is hashable (the tape keys its
traces by it): ``None`` for a scalar, ``(is_tuple, n)`` for a sequence of
``n`` scalars, ``(is_tuple, (shape, ...))`` for a sequence of other things.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

Shape = Any


def _sequence(x: Any) -> Sequence[Any] | None:
    return x if isinstance(x, (list, tuple)) else None


def flatten(x: Any, out: list[Any], branches: Callable[[Any], Sequence[Any] | None] = _sequence,
            scalars: frozenset[type] | set[type] = frozenset({float})) -> Shape:  # fmt: skip
    """Append the scalars of ``x`` to ``out``, depth first, and return ``x``'s shape.

    ``branches(x)`` gives the items of a branch (a list or tuple by default) or
    None for a scalar; the tape also reads a 2-D array as a sequence of rows.
    Items whose type is in ``scalars`` are known scalars (a fast path for long lists).
    """
    items = branches(x)
    if items is None:
        out.append(x)
        return None
    is_tuple = isinstance(x, tuple)
    if set(map(type, items)) <= scalars or all(branches(e) is None for e in items):
        out.extend(items)
        return (is_tuple, len(items))
    return (is_tuple, tuple(flatten(e, out, branches, scalars) for e in items))


def unflatten(shape: Shape, it: Iterator[Any]) -> Any:
    """A value of ``shape`` with the next items of ``it`` as its scalars."""
    if shape is None:
        return next(it)
    is_tuple, sub = shape
    items = [next(it) for _ in range(sub)] if isinstance(sub, int) else [unflatten(s, it) for s in sub]
    return tuple(items) if is_tuple else items


def count(shape: Shape) -> int:
    """How many scalars a value of ``shape`` holds."""
    if shape is None:
        return 1
    sub = shape[1]
    return sub if isinstance(sub, int) else sum(count(s) for s in sub)


def fill(x: Any, it: Iterator[Any]) -> Any:
    """``x``'s shape (lists stay lists, tuples stay tuples) with the next items of ``it``."""
    if isinstance(x, (list, tuple)):
        return type(x)(fill(e, it) for e in x)
    return next(it)


def leaves(x: Any, out: list[Any]) -> None:
    """Append the scalars of ``x`` (nested lists and tuples) to ``out``, depth first."""
    if isinstance(x, (list, tuple)):
        for e in x:
            leaves(e, out)
    else:
        out.append(x)
