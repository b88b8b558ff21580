"""Layers in the scalar program: fewer lines, the same floats in the same order.

A model's trace repeats one pattern: the ``dot`` nodes of a layer over the same
inputs, then one activation per dot. Written one line per edge, the 100-sample
demo loss is 80,000 lines, and CPython's ``compile()`` alone takes most of a
second. So the scalar program writes a layer as a few calls on lists:

    Z_3 = L16x17_f(W_2, X_3)       # the layer's 16 dots, each 0.0 + w0*x0 + ... (unrolled.py)
    H_3 = F_relu(Z_3)
    ...
    GZ_3 = D_relu(Z_3, H_3, G_X_4[0:16])
    GW_2 = L16x17_w(GW_2, X_3, GZ_3)  # the dot rule's edges, dot after dot
    G_X_3 = L16x17_x(G_X_3, W_2, GZ_3)

Nothing is reassociated: each dot is summed as the float namespace's ``dot``
does, and the layer functions add each edge's contribution ``x * g`` or ``w * g`` to its
gradient one at a time, node after node, as ``backward()`` does. Only the
moment of each step moves (a layer's dots run together). ``plan`` checks, by
replaying the bookkeeping, that every gradient still receives its
contributions in backward()'s order and that each node's gradient is complete
before it is used; if not, the program is written node by node.

Gradients live in lists: a layer's weights' in ``GW`` (flat, row after row, shared by
every sample's copy of the layer), the inputs a layer shares in ``G_X_k``, the other
inputs of f in ``G_in``; ``homes`` says where. Traces with fewer dot edges than
``compiled.LAYERED_EDGES`` keep one line per edge, which reads best.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import ops
from ..engine import Value
from .fuse import FUSABLE
from .units import schedule


@dataclass(eq=False)
class Step:
    """A unit of the scalar program: one node, a layer of dots, or an activation over a layer."""

    kind: str  # "node", "layer" or "map"
    members: list[Value]  # in backward()'s order
    xs: tuple[Value, ...] = ()  # layer: the inputs its dots share
    rows: list[tuple[int, ...]] = field(default_factory=list)  # layer: each dot's weights, as input indices
    source: Step | None = None  # map: the layer it applies to
    name: str = ""  # the writer's list that holds the members' values
    x_name: str = ""  # layer: the writer's list of its inputs' values
    w_name: str = ""  # layer: the writer's list of its weight rows
    gz: str = ""  # layer: the writer's list of its dots' gradients, when a map made it


@dataclass
class Plan:
    forward: list[Step]
    backward: list[Step]
    homes: dict[Value, tuple[Any, ...]]  # node -> where its gradient is kept: ("in", k), ("x", layer, i),
    # ("w", rows, j, i): in G_in, in a layer's G_X, or in the rows GW of a layer's weights
    x_home: dict[int, Step]  # id of a layer -> the layer (whose G_X list homes its inputs)


def plan(order: Sequence[Value], inputs: Sequence[Value], needs: dict[Value, bool], out: Value) -> Plan | None:
    """Layers and maps for the scalar program, or None when there are none or they would reorder a sum."""
    if not FUSABLE:
        return None
    dots = [v for v in order if v._prim is ops.dot]
    if not dots:
        return None
    index = {x: k for k, x in enumerate(inputs)}
    backward = [v for v in reversed(order)]
    position = {v: k for k, v in enumerate(backward)}
    by_inputs: dict[tuple[Value, ...], list[Value]] = {}
    for v in dots:
        by_inputs.setdefault(tuple(ops.dot.input_groups(v)[1]), []).append(v)
    uses: dict[Value, int] = {}
    for xs in by_inputs:
        for x in xs:
            uses[x] = uses.get(x, 0) + 1
    layers: list[Step] = []
    for xs, members in by_inputs.items():
        rows = [ops.dot.input_groups(v)[0] for v in members]
        if not all(w in index for row in rows for w in row) or any(w in uses for row in rows for w in row):
            continue  # weights must be inputs, and not also a layer's inputs
        needed = [x for x in xs if needs.get(x, False)]
        if any(x in index for x in needed) and any(x not in index for x in needed):
            continue
        if any(uses[x] > 1 or xs.count(x) > 1 for x in needed if x not in index):
            continue  # a shared input's gradient has one home
        members.sort(key=position.__getitem__)
        rows = [ops.dot.input_groups(v)[0] for v in members]
        layers.append(Step("layer", members, xs, [tuple(index[w] for w in row) for row in rows]))
    if not layers:
        return None
    owner: dict[Value, Step] = {v: s for s in layers for v in s.members}
    consumers: dict[Value, list[Value]] = {v: [] for v in owner}  # of the layers' dots
    for v in order:
        for c in v._prim.inputs(v):
            if c in consumers:
                consumers[c].append(v)
    steps: list[Step] = list(layers)
    for layer in layers:
        nxt = [consumers.get(v, []) for v in layer.members]
        if not all(len(c) == 1 for c in nxt):
            continue
        acts = [c[0] for c in nxt]
        prim = acts[0]._prim
        if prim is None or prim.arity != 1 or any(a in owner for a in acts) or len(set(acts)) != len(acts):
            continue
        if any(a._prim is not prim or prim.constants(a) != prim.constants(acts[0]) for a in acts):
            continue
        m = Step("map", acts, source=layer)
        steps.append(m)
        owner.update(dict.fromkeys(acts, m))
    for v in order:
        if v not in owner:
            owner[v] = Step("node", [v])
            steps.append(owner[v])
    homes: dict[Value, tuple[Any, ...]] = {x: ("in", k) for k, x in enumerate(inputs)}
    x_home: dict[int, Step] = {}
    for layer in layers:
        for i, x in enumerate(layer.xs):
            if needs.get(x, False) and x not in index:
                homes[x] = ("x", id(layer), i)
                x_home[id(layer)] = layer
    for key in dict.fromkeys(tuple(layer.rows) for layer in layers):  # a weight's gradient lives in its
        for j, row in enumerate(key):  # layer's rows, the same for every sample's copy of the layer
            for i, k in enumerate(row):
                h = ("w", key, j, i)
                if homes[inputs[k]][0] == "w" and homes[inputs[k]] != h:
                    return None  # one weight in two places: it has no single home
                homes[inputs[k]] = h
    bwd = sorted(steps, key=lambda s: max(position[m] for m in s.members))
    if not _keeps_backward_order(bwd, backward, needs, owner, out):
        return None
    fwd = _forward_order(steps, owner, {v: k for k, v in enumerate(order)})
    return None if fwd is None else Plan(fwd, bwd, homes, x_home)


def _keeps_backward_order(steps: list[Step], backward: list[Value], needs: dict[Value, bool],
                          owner: dict[Value, Step], out: Value) -> bool:  # fmt: skip
    """Whether running ``steps`` gives every gradient backward()'s contributions in backward()'s order,
    each node's gradient complete before its step uses it.

    Only gradients that a list step contributes to can be affected: a node step keeps its place
    relative to the other node steps. Their contributions are replayed in both orders and compared.
    """
    needed = {v for v, n in needs.items() if n}
    watched: set[Value] = set()
    for s in steps:
        if s.kind != "node":
            for m in s.members:
                watched.update(c for c in m._prim.inputs(m) if c in needed)
                watched.add(m)
    expected: dict[Value, list[Value]] = {c: [] for c in watched}
    reached = {out}
    for v in backward:
        if v not in reached:
            continue
        kids = v._prim.inputs(v)
        reached.update(kids)
        if v in needed:
            for c in kids:
                if c in watched:
                    expected[c].append(v)
    seen = dict.fromkeys(watched, 0)
    for s in steps:
        list_step = s.kind != "node"
        for m in s.members:
            if m not in reached or m not in needed:
                if list_step:
                    return False  # a list step runs every member: each must be one backward() visits
                continue
            if m in watched and seen[m] != len(expected[m]):
                return False  # m's gradient is not complete when its step uses it
            for c in m._prim.inputs(m):
                if c in watched:
                    k = seen[c]
                    got = expected[c]
                    if k >= len(got) or got[k] is not m:
                        return False
                    seen[c] = k + 1
    return True


def _reads(s: Step) -> list[Value]:
    """The values a step reads: a layer its shared inputs (its weights are inputs of f), a map its
    layer's dots, a node its inputs."""
    if s.kind == "layer":
        return list(s.xs)
    if s.kind == "map":
        return s.source.members if s.source else []
    return list(s.members[0]._prim.inputs(s.members[0]))


def _forward_order(steps: list[Step], owner: dict[Value, Step], position: dict[Value, int]) -> list[Step] | None:
    """Steps in an order where each comes after the steps it reads (None if that is impossible)."""
    return schedule(steps, owner, position, _reads)
