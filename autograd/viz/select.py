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
EDGES_PER_NODE = 3
"""A summary draws at most this many edges per ``max_nodes``: layout time grows with the edges too."""
INPUTS = "\0inputs:"  # the start of the group name of leaves merged by ``_merge_inputs``


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


def select(order: list[Value], kids: list[list[int]], max_nodes: int | None, side_by_side: int = 40) -> Selection:
    """Group and cap the Values of ``collect(root)`` so that at most ``max_nodes`` units are drawn.

    A capped summary also puts at most ``side_by_side`` units at one distance
    from the output, so that no rank is wider than a screen.
    """
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
    succ = _unit_inputs(kids, unit_of, n_units)
    n_edges = sum(len(s) for s in succ)
    fits = max_nodes is None or (n_units <= max_nodes and n_edges <= EDGES_PER_NODE * max_nodes)
    if max_nodes is None or (fits and (mode == "full" or _widest_level(succ, unit_of[0]) <= side_by_side)):
        sel.drawn = list(range(n_units))
    else:
        sel.drawn = _nearest_units(succ, unit_of[0], max_nodes, EDGES_PER_NODE * max_nodes, side_by_side)
        sel.mode = {"full": "truncated", "scope": "scope+truncated"}.get(mode, mode)
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
        _merge_inputs(group, kids)
        units = len(dict.fromkeys(g for g in group if g is not None)) + group.count(None)
        if units < best_units:
            best, best_units = group, units
        if units <= max_nodes:
            break
    return best, ("scope" if best_units <= max_nodes else "scope+truncated")


def _merge_inputs(group: list[str | None], kids: list[list[int]]) -> None:
    """Leaves left on their own that feed the very same boxes become one box, e.g. "64 inputs".

    An MLP's inputs each feed every neuron of the first layer: 64 inputs and
    16 neurons would be 1,024 edges, and are 16 edges marked x64 instead.
    """
    users: dict[int, dict[str, None]] = {}
    for i, ks in enumerate(kids):
        g = group[i]
        key = g if g is not None else f"\0{i}"
        for j in ks:
            if group[j] is None and not kids[j]:
                users.setdefault(j, {})[key] = None
    alike: dict[tuple[str, ...], list[int]] = {}
    for j, keys in users.items():
        alike.setdefault(tuple(keys), []).append(j)
    names: dict[str, int] = {}
    for members in alike.values():
        if len(members) < 2:
            continue
        name = f"{len(members):,} inputs"
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:
            name += f" ({names[name]})"
        for j in members:
            group[j] = INPUTS + name


def _unit_inputs(kids: list[list[int]], unit_of: list[int], n_units: int) -> list[dict[int, None]]:
    """Each unit's input units, in order, once each (a dict used as an ordered set)."""
    succ: list[dict[int, None]] = [{} for _ in range(n_units)]
    for i, ks in enumerate(kids):
        ui = unit_of[i]
        for j in ks:
            uj = unit_of[j]
            if uj != ui:
                succ[ui][uj] = None
    return succ


def _widest_level(succ: list[dict[int, None]], start: int) -> int:
    """The most units at one distance (in edges, breadth-first) from the root's unit."""
    level = {start: 0}
    count: dict[int, int] = {0: 1}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for w in succ[u]:
            if w not in level:
                level[w] = level[u] + 1
                count[level[w]] = count.get(level[w], 0) + 1
                queue.append(w)
    return max(count.values())


def _nearest_units(succ: list[dict[int, None]], start: int, budget: int, max_edges: int, per_level: int) -> list[int]:
    """Up to ``budget`` units joined by up to ``max_edges`` edges, breadth-first from the root's unit.

    Each unit brings in only its first few inputs (``fan``), and at most
    ``per_level`` units are taken at one distance from the root, so a sum over
    a batch shows a few whole paths down to the inputs, not a wall of siblings.
    """
    fan = max(2, min(10, budget // 20))
    users: dict[int, list[int]] = {}
    for u, ins in enumerate(succ):
        for w in ins:
            users.setdefault(w, []).append(u)
    seen = {start}
    drawn: list[int] = []
    is_drawn: set[int] = set()
    level_size: dict[int, int] = {}
    edges = 0
    queue = deque([(start, 0)])
    while queue and len(drawn) < budget:
        u, level = queue.popleft()
        new = sum(w in is_drawn for w in succ[u]) + sum(w in is_drawn for w in users.get(u, ()))
        if edges + new > max_edges or level_size.get(level, 0) >= per_level:
            continue  # joined to too many drawn units, or its level is full: leave it out
        edges += new
        level_size[level] = level_size.get(level, 0) + 1
        drawn.append(u)
        is_drawn.add(u)
        taken = 0
        for w in succ[u]:
            if taken == fan:
                break
            if w not in seen:
                seen.add(w)
                queue.append((w, level + 1))
                taken += 1
    return drawn
