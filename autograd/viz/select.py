"""Which Values a diagram draws: all of them, or a summary of a big graph.

A *unit* is one box in the picture: a single Value, or a group of Values
that share an nn scope tag ("L1.N3"). Up to ``max_nodes`` Values, each is its
own unit ("full"). Above, Values are grouped by scope ("scope"), and if that
is still too many, only the units nearest the output are kept ("truncated").
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..engine import Value

_MANY = "\0many"  # a leaf consumed by more than one unit


def collect(root: Value) -> tuple[list[Value], list[list[int]]]:
    """Every Value that root depends on, breadth-first from root (index 0), and each one's child indices.

    Iterative, and ordered only by the children's order: deterministic.
    """
    order = [root]
    index: dict[Value, int] = {root: 0}
    kids: list[list[int]] = []
    i = 0
    while i < len(order):
        ks = []
        for c in order[i].children():
            j = index.get(c)
            if j is None:
                j = index[c] = len(order)
                order.append(c)
            ks.append(j)
        kids.append(ks)
        i += 1
    return order, kids


def is_parameter(v: Value) -> bool:
    """nn's Parameter, recognised without importing nn."""
    return type(v).__name__ == "Parameter" or getattr(v, "requires_grad", False) is True


@dataclass
class Selection:
    """The units of a picture and which of them are drawn.

    ``unit_of[i]`` is Value i's unit. A unit is a group (``group[u]`` is its
    name) or a single Value (``value[u]`` is its index). ``drawn`` lists the
    drawn units, nearest the root first; ``kept[u]`` says whether u is drawn.
    """

    mode: str
    unit_of: list[int]
    group: list[str | None]
    value: list[int]
    size: list[int]
    params: list[int]
    drawn: list[int]
    kept: list[bool] = field(default_factory=list)
    n_hidden: int = 0


def select(order: list[Value], kids: list[list[int]], max_nodes: int | None) -> Selection:
    """Group and cap the Values of ``collect(root)`` so that at most ``max_nodes`` units are drawn."""
    n = len(order)
    group, mode = _plan(order, kids, max_nodes)

    # Units: one per group, one per ungrouped Value, numbered by first appearance.
    unit_of: list[int] = []
    unit_ids: dict[str | int, int] = {}
    for i, g in enumerate(group):
        key: str | int = i if g is None else g
        u = unit_ids.get(key)
        if u is None:
            u = unit_ids[key] = len(unit_ids)
        unit_of.append(u)
    n_units = len(unit_ids)
    sel = Selection(mode, unit_of, [None] * n_units, [0] * n_units, [0] * n_units, [0] * n_units, [])
    for i, u in enumerate(unit_of):
        sel.size[u] += 1
        if group[i] is None:
            sel.value[u] = i
        else:
            sel.group[u] = group[i]
            sel.params[u] += is_parameter(order[i])
    if max_nodes is None or n_units <= max_nodes:
        sel.drawn = list(range(n_units))
    else:
        sel.drawn = _nearest_units(kids, unit_of, n_units, max_nodes)
        sel.mode = mode if mode != "full" else "truncated"
    sel.kept = [False] * n_units
    for u in sel.drawn:
        sel.kept[u] = True
    sel.n_hidden = n - sum(sel.size[u] for u in sel.drawn)
    return sel


def _plan(order: list[Value], kids: list[list[int]], max_nodes: int | None) -> tuple[list[str | None], str]:
    """Each Value's group (None: drawn on its own) and the mode.

    Up to max_nodes Values: all on their own ("full"). Above, group by nn
    scope at the finest tag depth ("L1.N3", then "L1") that fits; a leaf used
    only inside one group (a neuron's weights) joins it ("scope").
    Truncation of what is still too many happens in ``select``.
    """
    n = len(order)
    none: list[str | None] = [None] * n
    if max_nodes is None or n <= max_nodes:
        return none, "full"
    tags: list[str | None] = [v.tag or None for v in order]
    depth = max((t.count(".") + 1 for t in tags if t), default=0)
    if depth == 0:
        return none, "truncated"
    best: list[str | None] = none
    best_units = n + 1
    for level in range(depth, 0, -1):
        prefix: dict[str, str] = {}
        group: list[str | None] = []
        for t in tags:
            if t is None:
                group.append(None)
            else:
                p = prefix.get(t)
                if p is None:
                    p = prefix[t] = ".".join(t.split(".")[:level])
                group.append(p)
        user: dict[int, str] = {}
        for i, ks in enumerate(kids):
            g = group[i] or _MANY
            for j in ks:
                if group[j] is None and not kids[j]:
                    prev = user.get(j)
                    user[j] = g if prev is None or prev == g else _MANY
        for j, g in user.items():
            if g is not _MANY:
                group[j] = g
        units = len(dict.fromkeys(g for g in group if g is not None)) + group.count(None)
        if units < best_units:
            best, best_units = group, units
        if units <= max_nodes:
            break
    return best, ("scope" if best_units <= max_nodes else "scope+truncated")


def _nearest_units(kids: list[list[int]], unit_of: list[int], n_units: int, budget: int) -> list[int]:
    """Up to ``budget`` units to draw, breadth-first from the root's unit.

    Each unit brings in only its first few inputs (``fan``), so a sum over a
    batch shows a few whole paths down to the inputs, not a wall of siblings.
    """
    fan = max(2, min(10, budget // 20))
    succ: list[dict[int, None]] = [{} for _ in range(n_units)]
    for i, ks in enumerate(kids):
        ui = unit_of[i]
        for j in ks:
            uj = unit_of[j]
            if uj != ui:
                succ[ui][uj] = None
    seen = [False] * n_units
    drawn: list[int] = []
    queue = deque([unit_of[0]])
    seen[unit_of[0]] = True
    while queue and len(drawn) < budget:
        u = queue.popleft()
        drawn.append(u)
        taken = 0
        for w in succ[u]:
            if taken == fan:
                break
            if not seen[w]:
                seen[w] = True
                queue.append(w)
                taken += 1
    return drawn
