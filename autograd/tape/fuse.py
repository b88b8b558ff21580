"""Weighted sums, however they are written, found in a trace.

A neuron's pre-activation is a sum of products. Users write it as one ``dot``
node, as micrograd's ``sum((wi*xi for wi, xi in zip(w, x)), b)``, as a loop
``s = s + w[j] * h[j]``, as a right fold or as any tree of ``+`` over products,
and ``autograd.sum(p * p for p in params)`` is one too. ``weighted_sums`` finds
them all and describes each as a ``WSum``: its product terms ``(a, b)``, its
plain terms, and the nodes it absorbs (the adds and products inside it, which
nothing else uses).

The batched program replays a layer of them as one matrix product. That adds
the terms in another order than the engine, so only the batched program fuses
(docs/compile.md, "Exactness").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import ops
from ..engine import Value
from ..ops import EMIT, Sym


@dataclass
class WSum:
    """``root = sum(a * b for a, b in pairs) + sum(plain)``, with ``members`` absorbed into it."""

    root: Value
    pairs: list[tuple[Value, Value]] = field(default_factory=list)
    plain: list[Value] = field(default_factory=list)
    members: list[Value] = field(default_factory=list)  # the root and the nodes inside it


def _rules_are_sums_of_products() -> bool:
    """add, mul, sum and dot have the rules this module assumes (d(a+b) = 1, 1; d(ab) = b, a; ...)."""
    a, b, out = Sym("a"), Sym("b"), Sym("out")
    da, db = ops.add.deriv(EMIT, a, b, out)
    ma, mb = ops.mul.deriv(EMIT, a, b, out)
    (ds,) = ops.sum.deriv(EMIT, a, out)
    dw, dx = ops.dot.deriv(EMIT, a, b, out)
    ones = all(type(d) in (int, float) and d == 1 for d in (da, db, ds))
    return ones and ma is b and mb is a and dw is b and dx is a


FUSABLE = _rules_are_sums_of_products()


def weighted_sums(order: Sequence[Value], pinned: set[Value]) -> dict[Value, WSum]:
    """The weighted sums in ``order`` (a forward order), by root.

    A node is absorbed into the sum that uses it only if nothing else does: it
    has one consumer, and is not ``pinned`` (the output, an aux value, a guard's
    argument). Sums with fewer than two product terms are left alone, except
    ``dot`` nodes, which are always weighted sums.
    """
    if not FUSABLE:
        return {}
    uses: dict[Value, int] = {}
    for v in order:
        for c in v._prim.inputs(v):
            uses[c] = uses.get(c, 0) + 1
    inner = {v for v in order if uses.get(v, 0) == 1 and v not in pinned}
    found: dict[Value, WSum] = {}
    taken: set[Value] = set()
    for v in reversed(order):  # consumers first: a sum's root is found before its parts
        if v in taken or v._prim not in (ops.add, ops.sum, ops.dot):
            continue
        ws = WSum(v)
        _collect(v, ws, inner)
        if len(ws.pairs) >= 2 or v._prim is ops.dot:
            found[v] = ws
            taken.update(ws.members)
    position = {v: k for k, v in enumerate(order)}
    return dict(sorted(found.items(), key=lambda item: position[item[0]]))  # in the program's order


def _collect(root: Value, ws: WSum, inner: set[Value]) -> None:
    """Gather ``root``'s terms into ``ws``, left to right: add and sum nodes are opened,
    products (``mul``, ``dot``) are pairs, anything else is a plain term. Iterative:
    a micrograd neuron over 1,000 inputs is a chain 1,000 adds deep."""
    stack = [(root, True)]
    while stack:
        v, top = stack.pop()
        prim = v._prim
        if not top and v not in inner:
            ws.plain.append(v)
        elif prim is ops.add or prim is ops.sum:
            ws.members.append(v)
            stack.extend((c, False) for c in reversed(prim.inputs(v)))
        elif prim is ops.dot:
            ws.members.append(v)
            ws.pairs.extend(zip(*prim.input_groups(v)))
        elif prim is ops.mul:
            ws.members.append(v)
            a, b = prim.inputs(v)
            ws.pairs.append((a, b))
        else:
            ws.plain.append(v)
