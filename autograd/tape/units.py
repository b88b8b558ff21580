"""The batched program's units: single nodes, layers, maps over a layer, shared dots.

A *layer* is a group of weighted sums (``fuse.WSum``) over the same batched
inputs ``X`` with weights shared by the batch: ``Z = W @ X`` (k x B) is one
matrix product. A *map* is one element-wise op applied to every row of a
layer (its activation): ``H = relu(Z)``. A *shared dot* is a weighted sum
whose terms are all shared by the batch (an L2 penalty): one vector dot.
Everything else is a single node, one line over arrays of shape (B,).

``plan`` returns the units in an order where each comes after what it reads.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from ..engine import Value
from .fuse import WSum, weighted_sums


@dataclass(eq=False)
class Unit:
    """What one step of the batched program computes: ``members`` (forward order)."""

    kind: str  # "node", "layer", "map" or "shared"
    members: list[Value]
    outputs: list[Value]  # the values others read: a layer's sums, a map's results
    sums: list[WSum] = field(default_factory=list)  # layer, shared: the weighted sums
    pairs: list[list[tuple[Value, Value]]] = field(default_factory=list)  # layer: (w, x) per sum
    xs: tuple[Value, ...] = ()  # layer: the inputs every sum multiplies
    source: Unit | None = None  # map: the layer (or map) it applies to
    names: tuple[str, ...] = ()  # the matrices the writer made for it


def _oriented(ws: WSum, vec: Callable[[Value], bool]) -> list[tuple[Value, Value]] | None:
    """The sum's pairs as (shared weight, input), or None if a pair has no shared factor."""
    out = []
    for a, b in ws.pairs:
        if vec(a) and vec(b):
            return None
        out.append((b, a) if vec(a) else (a, b))
    return out


def plan(order: Sequence[Value], pinned: set[Value], vec: Callable[[Value], bool],
         rank: dict[Value, int] | None = None) -> list[Unit]:  # fmt: skip
    """The units of a trace's batched program, in a valid order (the program's order where it can).

    ``rank`` orders the rows of a layer (by their weights' rank, e.g. their place among the inputs).
    """
    sums = weighted_sums(order, pinned)
    layers: dict[tuple[Value, ...], Unit] = {}
    units: list[Unit] = []
    owner: dict[Value, Unit] = {}
    for root, ws in sums.items():
        pairs = _oriented(ws, vec)
        if pairs is not None and any(vec(x) for _, x in pairs):
            key = tuple(x for _, x in pairs)
            unit = layers.get(key)
            if unit is None:
                unit = layers[key] = Unit("layer", [], [], xs=key)
                units.append(unit)
            unit.sums.append(ws)
            unit.pairs.append(pairs)
            unit.outputs.append(root)
        elif not vec(root):
            unit = Unit("shared", [], [root], sums=[ws])
            units.append(unit)
        else:
            continue
        unit.members += ws.members
        for m in ws.members:
            owner[m] = unit
    position = {v: k for k, v in enumerate(order)}
    for unit in units:
        if unit.kind == "layer" and rank is not None:  # rows in the weights' order: a model's neuron order
            keys = [min(rank.get(w, len(rank)) for w, _ in pairs) for pairs in unit.pairs]
            perm = sorted(range(len(keys)), key=keys.__getitem__)
            unit.sums, unit.pairs = [unit.sums[i] for i in perm], [unit.pairs[i] for i in perm]
            unit.outputs = [unit.outputs[i] for i in perm]
        unit.members.sort(key=position.__getitem__)
        inside = set(unit.members)
        reads = [v for ws in unit.sums for pair in ws.pairs for v in pair] + [p for ws in unit.sums for p in ws.plain]
        if any(v in inside for v in reads):  # one sum of the layer reads another: no fusion
            return [Unit("node", [v], [v]) for v in order]
    uses: dict[Value, list[Value]] = {}
    for v in order:
        for c in v._prim.inputs(v):
            uses.setdefault(c, []).append(v)
    for unit in list(units):
        _maps_over(unit, uses, pinned, owner, units)
    for v in order:
        if v not in owner:
            owner[v] = Unit("node", [v], [v])
            units.append(owner[v])
    scheduled = _schedule(units, owner, position)
    if scheduled is None:  # fused units that feed each other (a sum's term computed from another
        return [Unit("node", [v], [v]) for v in order]  # sum of its layer): no fusion
    return scheduled


def _maps_over(layer: Unit, uses: dict[Value, list[Value]], pinned: set[Value], owner: dict[Value, Unit],
               units: list[Unit]) -> None:  # fmt: skip
    """Maps over ``layer``'s rows, then maps over those, as long as every row has the same op."""
    source = layer
    while source.kind in ("layer", "map"):
        nxt = []
        for v in source.outputs:
            consumers = uses.get(v, [])
            if len(consumers) != 1 or consumers[0] in owner:
                return
            nxt.append(consumers[0])
        first = nxt[0]
        prim = first._prim
        if prim is None or prim.arity != 1 or len(set(nxt)) != len(nxt):
            return
        if any(c._prim is not prim or prim.constants(c) != prim.constants(first) for c in nxt):
            return
        unit = Unit("map", nxt, nxt, source=source)
        units.append(unit)
        for c in nxt:
            owner[c] = unit
        source = unit


def _schedule(units: list[Unit], owner: dict[Value, Unit], position: dict[Value, int]) -> list[Unit] | None:
    """Units in topological order, earliest program position first among the ready ones
    (None if they depend on each other in a cycle)."""
    return schedule(units, owner, position, lambda u: [c for m in u.members for c in m._prim.inputs(m)])


class _Group(Protocol):
    members: list[Value]


T = TypeVar("T", bound=_Group)


def schedule(items: list[T], owner: dict[Value, T], position: dict[Value, int],
             reads: Callable[[T], Iterable[Value]]) -> list[T] | None:  # fmt: skip
    """Kahn's order of ``items`` (each a group of ``.members``): an item comes after the items that
    own what it ``reads``; among the ready ones, the earliest ``position`` first. None on a cycle."""
    first = {id(u): min(position[m] for m in u.members) for u in items}
    needs: dict[int, set[int]] = {id(u): set() for u in items}
    readers: dict[int, list[T]] = {id(u): [] for u in items}
    for u in items:
        for c in reads(u):
            dep = owner.get(c)
            if dep is not None and dep is not u and id(dep) not in needs[id(u)]:
                needs[id(u)].add(id(dep))
                readers[id(dep)].append(u)
    ready = [(first[id(u)], k, u) for k, u in enumerate(items) if not needs[id(u)]]
    heapq.heapify(ready)
    done: list[T] = []
    tie = len(items)
    while ready:
        _, _, u = heapq.heappop(ready)
        done.append(u)
        for r in readers[id(u)]:
            needs[id(r)].discard(id(u))
            if not needs[id(r)]:
                tie += 1
                heapq.heappush(ready, (first[id(r)], tie, r))
    return done if len(done) == len(items) else None
