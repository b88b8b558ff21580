"""Keep a picture quick to lay out and small enough for one screen.

Graphviz's ``dot`` puts boxes in ranks (columns when drawing left to right)
and routes each edge through every rank it crosses. Two shapes make that slow
or huge, and both are common in autodiff graphs:

- **Far uses.** In ``x + x + ... + x`` or a Horner polynomial one value feeds
  ops all along a long chain. Each of its edges crosses many ranks, and the
  layout time grows much faster than the number of boxes (minutes for a few
  hundred). Here a value used far from its other uses gets a *copy* next to
  those uses: a dashed box with the same name, data and a reference ``#k``
  that its real box shows too. Its grad is on the real box, and it sums the
  edges of the real box and of every copy.
- **Long or wide pictures.** A long chain is one row of hundreds of boxes; a
  sum over many inputs is one column of hundreds. The ranks are cut into
  *parts* that are drawn one under the other (one beside the other top to
  bottom), so the picture fits a screen; an edge between parts is drawn as a
  copy, as above. A rank with more boxes than a screen holds spreads its
  leaves over the next ranks.

The plan is made from estimated box sizes in points (1/72 inch). Everything
is deterministic: the same boxes and edges give the same plan.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

SCREEN = 2900.0
"""Longest side aimed at, in points: 2,900 pixels at the 72 dpi big pictures are written at (draw.py)."""

RANKSEP = 36.0  # Graphviz defaults, in points: the gap between ranks, and between boxes in a rank
NODESEP = 18.0
PART_MARGIN = 36.0  # a part's frame and title
CROWDED = 60
"""With more edges than this ending in one rank, edge labels become xlabels: a label is a box in its
rank, so that rank would be as tall as all the edges' labels stacked (a dense MLP summary: 4,200
points instead of 700)."""
MAX_BENDS = 300
"""At most this many rank crossings by long edges; more and far uses get copies."""

_WINDOWS = (math.inf, 16, 8, 4, 2, 1)  # how far apart (in ranks) the uses one box serves may be
_CAPACITIES = (math.inf, SCREEN, SCREEN / 2, SCREEN / 4, SCREEN / 8)  # how much one rank may hold


class Item(NamedTuple):
    """A box to place: its size along the ranks and across them, and whether it sits beside another box."""

    length: float
    breadth: float
    follows: int = -1  # -1, or the box it always sits next to (an op beside its output)
    straight: bool = True  # whether it may join a chain drawn in a straight line (see ``_spines``)


class Link(NamedTuple):
    """An edge from ``tail`` (an input) to ``head``; ``cuttable`` if it may be drawn as a copy of its tail."""

    tail: int
    head: int
    cuttable: bool = True
    label_length: float = 0.0  # the size of its label along the ranks and across them
    label_breadth: float = 0.0


@dataclass
class Copy:
    """A copy of box ``of``, drawn in part ``part`` at ``depth``, as the tail of ``links``."""

    of: int
    part: int
    depth: int
    links: list[int]


@dataclass
class Plan:
    """Where each box goes: its depth (ranks from the output), its part, and which edges become copies."""

    depth: list[int]
    part: list[int]
    cut: list[bool]
    copies: list[Copy]
    n_parts: int
    length: float  # the estimated size, in points, along the ranks and across them
    breadth: float
    bends: int  # rank crossings of the edges drawn as lines
    spine: list[int] = field(default_factory=list)  # a chain id per box (-1: none), see ``_spines``
    crowded: bool = False  # more than CROWDED edges end in one rank
    xlabels: bool = False  # edge labels must be xlabels, placed after the layout (see ``plan``)

    def minlen(self, link: Link) -> int:
        """The edge's span in ranks, as Graphviz's ``minlen``, so that dot keeps this plan."""
        return max(1, self.depth[link.tail] - self.depth[link.head])


def plan(items: list[Item], links: list[Link]) -> Plan:
    """The plan with the fewest copies and parts whose picture fits ``SCREEN``, else the smallest one.

    For each rank capacity (none first, then smaller), take the widest window
    of far uses whose bends stay within MAX_BENDS; stop at the first plan that
    fits. If a rank is crowded with edges, plan again with labels as xlabels.
    """
    order, cyclic = _order(items, links)
    best: Plan | None = None
    for capacity in _CAPACITIES:
        for window in _WINDOWS:  # the widest window whose long edges stay within MAX_BENDS
            p = _layer(items, links, order, cyclic, window, capacity)
            if p.bends <= MAX_BENDS:
                break
        if best is None or max(p.length, p.breadth) < max(best.length, best.breadth):
            best = p
        if max(p.length, p.breadth) <= SCREEN:
            break
    assert best is not None
    if best.crowded and any(link.label_length > 0 for link in links):
        bare = [link._replace(label_length=0.0, label_breadth=0.0) for link in links]
        best = plan(items, bare)
        best.xlabels = True
        return best
    best.spine = _spines(items, links, order, best.cut)
    return best


def _spines(items: list[Item], links: list[Link], order: list[int], cut: list[bool]) -> list[int]:
    """Chains of boxes to draw in a straight line: each box continues the chain of its longest input path.

    Without this, dot centres each op between its inputs, and a long chain
    drifts sideways by a box at every step (a 20-step chain drawn left to
    right came out 960 points tall instead of 80). Given to dot as ``group``.
    Only boxes marked ``straight`` (Values and ops, not groups) join a chain:
    groups are fed by many boxes, and chains through them pull the picture apart.
    """
    n = len(items)
    into: list[list[int]] = [[] for _ in range(n)]
    for k, link in enumerate(links):
        if not cut[k] and items[link.tail].straight and items[link.head].straight:
            into[link.head].append(link.tail)
    height = [0] * n  # the longest path of inputs below each box
    for b in reversed(order):
        for t in into[b]:
            height[b] = max(height[b], height[t] + 1)
    spine = [-1] * n
    count = 0
    for b in order:
        if spine[b] < 0:
            spine[b], count = count, count + 1
        if into[b]:
            main = max(into[b], key=lambda t: height[t])  # the first of the tallest, so deterministic
            if spine[main] < 0:
                spine[main] = spine[b]
    size: dict[int, int] = {}
    for c in spine:
        size[c] = size.get(c, 0) + 1
    return [c if size[c] > 1 else -1 for c in spine]


def _order(items: list[Item], links: list[Link]) -> tuple[list[int], list[bool]]:
    """Boxes with every head before its tails (outputs first), and the links that close a cycle.

    Cycles are rare (two nn scope groups feeding each other); such a link is drawn as a copy.
    """
    n = len(items)
    pending = [0] * n
    into: list[list[int]] = [[] for _ in range(n)]
    out: list[list[int]] = [[] for _ in range(n)]
    for k, link in enumerate(links):
        pending[link.tail] += 1
        into[link.head].append(k)
        out[link.tail].append(k)
    done = [False] * n
    cyclic = [False] * len(links)
    order: list[int] = []
    ready = deque(b for b in range(n) if pending[b] == 0)
    nxt = 0
    while len(order) < n:
        if not ready:  # a cycle: break it at the first box left
            while done[nxt]:
                nxt += 1
            ready.append(nxt)
            for k in out[nxt]:
                if not done[links[k].head]:
                    cyclic[k] = True
        b = ready.popleft()
        if done[b]:
            continue
        done[b] = True
        order.append(b)
        for k in into[b]:
            t = links[k].tail
            pending[t] -= 1
            if pending[t] == 0 and not done[t]:
                ready.append(t)
    return order, cyclic


def _layer(items: list[Item], links: list[Link], order: list[int], cyclic: list[bool], window: float,
           capacity: float) -> Plan:  # fmt: skip
    """Depths, parts and copies for one choice of window (far uses) and capacity (per rank)."""
    n = len(items)
    out: list[list[int]] = [[] for _ in range(n)]
    for k, link in enumerate(links):
        out[link.tail].append(k)
    has_inputs = [False] * n
    for link in links:
        has_inputs[link.head] = True
    depth = [0] * n
    cut = list(cyclic)
    load: dict[int, float] = {}
    for b in order:
        item = items[b]
        heads = [(depth[links[k].head], k) for k in out[b] if not cut[k]]
        if item.follows >= 0:
            d = depth[item.follows] + 1
        elif not heads:
            d = 0
        else:
            nearest = min(h for h, _ in heads)
            for h, k in heads:
                if h > nearest + window and links[k].cuttable:
                    cut[k] = True
            d = max(h for h, k in heads if not cut[k]) + 1
            if not has_inputs[b]:  # a full rank spreads its leaves over the next ranks: only their own edges grow
                while load.get(d, 0.0) > 0 and load[d] + item.breadth > capacity:
                    d += 1
        depth[b] = d
        load[d] = load.get(d, 0.0) + item.breadth + NODESEP

    # Parts: consecutive ranks, each part at most SCREEN long. When any edge has a
    # label, dot gives every edge a label rank of its own after its head's rank.
    labelled = any(link.label_length > 0 for link in links)
    rank_length: dict[int, float] = {}
    for b, item in enumerate(items):
        rank_length[depth[b]] = max(rank_length.get(depth[b], 0.0), item.length + RANKSEP)
    gap_length: dict[int, float] = {}
    gap_load: dict[int, float] = {}
    for k, link in enumerate(links):
        if cut[k]:
            continue
        h = depth[link.head]
        for d in range(h + 1, depth[link.tail]):  # an edge crossing a rank takes room in it
            load[d] = load.get(d, 0.0) + NODESEP
        if labelled:
            gap_length[h] = max(gap_length.get(h, 0.0), link.label_length + RANKSEP / 2)
            gap_load[h] = gap_load.get(h, 0.0) + link.label_breadth + NODESEP
    for h, extra in gap_length.items():
        rank_length[h] += extra
    part_of_rank: dict[int, int] = {}
    part, used = 0, 0.0
    for d in sorted(rank_length):
        step = rank_length[d]
        if used > 0 and used + step > SCREEN:
            part, used = part + 1, 0.0
        part_of_rank[d] = part
        used += step
    part_of = [0] * n
    for b in order:
        f = items[b].follows
        part_of[b] = part_of[f] if f >= 0 else part_of_rank[depth[b]]
    for k, link in enumerate(links):
        if not cut[k] and part_of[link.tail] != part_of[link.head]:
            cut[k] = True

    copies = _copies(links, cut, depth, part_of, window)
    for c in copies:
        load[c.depth] = load.get(c.depth, 0.0) + items[c.of].breadth + NODESEP

    n_parts = part + 1
    part_length = [0.0] * n_parts
    part_breadth = [0.0] * n_parts
    for d, length in rank_length.items():
        p = part_of_rank[d]
        part_length[p] += length
        part_breadth[p] = max(part_breadth[p], load.get(d, 0.0), gap_load.get(d, 0.0))
    bends = sum(max(0, depth[link.tail] - depth[link.head] - 1) for k, link in enumerate(links) if not cut[k])
    bends += sum(max(0, c.depth - depth[links[k].head] - 1) for c in copies for k in c.links)
    margin = PART_MARGIN if n_parts > 1 else 0.0
    ending: dict[int, int] = {}
    for k, link in enumerate(links):
        if not cut[k]:
            ending[depth[link.head]] = ending.get(depth[link.head], 0) + 1
    crowded = max(ending.values(), default=0) > CROWDED
    return Plan(depth, part_of, cut, copies, n_parts, max(part_length) + margin,
                sum(part_breadth) + margin * n_parts, bends, crowded=crowded)  # fmt: skip


def _copies(links: list[Link], cut: list[bool], depth: list[int], part_of: list[int], window: float) -> list[Copy]:
    """One copy per tail, part and window of nearby heads: each cut edge starts at a copy."""
    by_tail: dict[int, list[int]] = {}
    for k, link in enumerate(links):
        if cut[k]:
            by_tail.setdefault(link.tail, []).append(k)
    copies: list[Copy] = []
    for tail, ks in by_tail.items():
        ks.sort(key=lambda k: (part_of[links[k].head], depth[links[k].head], k))
        current: Copy | None = None
        first = 0
        for k in ks:
            head = links[k].head
            if current is None or part_of[head] != current.part or depth[head] > first + window:
                first = depth[head]
                current = Copy(tail, part_of[head], first + 1, [])
                copies.append(current)
            current.links.append(k)
            current.depth = max(current.depth, depth[head] + 1)
    return copies
