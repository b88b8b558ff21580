"""Graphviz layouts for the player: draw_dot's own diagrams as SVG, tied to the schedule's node ids.

The page never lays anything out. Python renders, with the project's renderer
(system dot, else graphviz-pure):

- the **main view**: exactly ``draw_dot(root, **options)``, a summary when the
  graph is big (groups by ``Value.tag``, e.g. "L0.N3");
- one **inside view** per group the learner can open. It is draw_dot again,
  on the same root, while the tags are briefly rewritten (then restored): the
  group's members get their next-finer tag (or none, so each is drawn on its
  own) and every other node one of three context tags, "upstream" (what the
  group depends on), "downstream" (what depends on it) and "elsewhere".

For each view, draw_dot's ``Diagram.elements`` (autograd/viz/elements.py,
docs/diagrams.md) says what stands for each node (ids are the schedule's,
draw_dot's breadth-first ``v<id>``): its own box ``v<id>`` (with its op
``op<id>``), a group or merged-inputs box ``g<k>``, or a note ``hidden<k>``;
which edge, by its DOT id ``e<k>``, draws each use of an input (one edge may
draw many: merged or between groups), and the copies and parts of a long
picture. View.map turns that into the page's tables; the page lights those
elements as it steps. Every node has an element in every view.

What the player still reads of the DOT and SVG text itself (tests fail if it
changes): the cells ``<td>grad ...</td>`` (widened here for the numbers the
page writes), ``data ...``/``out data ...``; a copy's ``data ... (copy)``; edge
labels ``∂out/∂in = N`` and ``... (sum of K uses)``; Graphviz writing node
names as ``<title>`` and edge ids as ``<g id=...>`` (clean_svg).
"""

from __future__ import annotations

import html
import inspect
import os
import re
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value
from ..viz import Diagram, draw_dot, render_source

__all__ = ["CONTEXT", "INSIDE_MAX_NODES", "VIEW_BUDGET", "View", "build_views", "clean_svg", "max_views"]

CONTEXT = ("upstream", "downstream", "elsewhere")
"""The context groups of an inside view (no dots in them: draw_dot splits tags at dots)."""

INSIDE_MAX_NODES = 60
"""An inside view draws at most this many boxes (fewer if draw_dot's max_nodes is lower)."""

VIEW_BUDGET = 100_000
"""Inside views cost a draw_dot of the whole graph each: at most VIEW_BUDGET // nodes of them (8 at least)."""

_DEFAULT_MAX_NODES = inspect.signature(draw_dot).parameters["max_nodes"].default


@dataclass
class View:
    """One laid-out diagram and what in it stands for each node of the schedule (from ``Diagram.elements``)."""

    name: str  # "" for the main view, else the tag of the group it opens
    parent: int  # index of the view it was opened from (-1 for the main view)
    diagram: Diagram = field(repr=False)
    dot: str = ""  # its DOT text, with the grad cells widened (_fit_grads)
    keys: list[str] = field(default_factory=list)  # the boxes standing for nodes: "v3", "g5", "hidden7"
    unit: list[int] = field(default_factory=list)  # per node id: index into keys
    kinds: list[str] = field(default_factory=list)  # per key: "value", "group", "inputs" or "hidden"
    shows: dict[int, int] = field(default_factory=dict)  # key index -> the node whose data and grad it shows
    groups: dict[int, str] = field(default_factory=dict)  # group or merged-inputs key index -> its name
    opens: dict[int, int] = field(default_factory=dict)  # group key index -> view index it opens (-1: none)
    uses: dict[int, list[int]] = field(default_factory=dict)  # node -> per input: its edge's number k ("e<k>"), or -1
    # (absent: no input of that node has an edge)
    output: dict[int, int] = field(default_factory=dict)  # node drawn with an op ellipse "op<i>" -> the op's edge to it
    copies: dict[str, int] = field(default_factory=dict)  # copy ("v3_copy0") -> key index of the box it repeats
    tails: dict[int, str] = field(default_factory=dict)  # edge number -> the copy or note it starts at
    parts: dict[str, int] = field(default_factory=dict)  # drawn node -> its part (cluster "cluster_part<p>")
    svg: str = ""

    def to_json(self) -> dict[str, Any]:
        """The maps the page reads (its name and parent, and its SVG, are stored beside them)."""
        return {"keys": self.keys, "unit": self.unit,
                "kinds": self.kinds, "shows": self.shows, "groups": self.groups, "opens": self.opens,
                "uses": self.uses, "output": self.output, "copies": self.copies, "tails": self.tails,
                "parts": self.parts}  # fmt: skip

    def map(self) -> list[str]:
        """Fill the maps from the diagram's elements; return the names of the groups this view can open."""
        drawn = self.diagram.elements
        assert drawn is not None, "draw_dot gives every diagram its elements"
        index: dict[str, int] = {}
        for b in drawn.box:
            if b not in index:
                index[b] = len(index)
        self.keys = list(index)
        self.unit = [index[b] for b in drawn.box]
        self.kinds = [drawn.kind[b] for b in self.keys]
        for b, ki in index.items():
            if b in drawn.shows:
                self.shows[ki] = drawn.shows[b]
            if b in drawn.groups:
                self.groups[ki] = drawn.groups[b]
        number = {e: int(e[1:]) for e in drawn.edges}  # "e12" -> 12
        self.uses = {i: [number[e] if e is not None else -1 for e in es]  # none: every input inside its box
                     for i, es in drawn.uses.items() if any(e is not None for e in es)}  # fmt: skip
        self.output = {i: number[e] for i, e in drawn.output.items()}
        self.copies = {c: index[b] for c, b in drawn.copies.items() if b in index}
        starts = ("copy", "hidden")  # a copy of the input's box, or the note that counts a hidden input
        self.tails = {number[e]: tail for e, (tail, _) in drawn.edges.items() if drawn.kind.get(tail) in starts}
        self.parts = dict(drawn.part)
        return [self.groups[ki] for ki, kind in enumerate(self.kinds) if kind == "group"]


class _Graph:
    """The node table shared by every view: Values by schedule id, inputs, users, tags."""

    def __init__(self, nodes: Sequence[Value], inputs: Sequence[Sequence[int]]) -> None:
        self.nodes = nodes
        self.inputs = inputs
        users: list[list[int]] = [[] for _ in nodes]
        for i, ins in enumerate(inputs):
            for j in dict.fromkeys(ins):
                users[j].append(i)
        self.users = users
        self.tags = [v.tag for v in nodes]

    def members(self, name: str) -> list[bool]:
        """Who is in group ``name``: its tag is name or below it, or a leaf used only by members (as draw_dot)."""
        below = name + "."
        m = [t == name or t.startswith(below) for t in self.tags]
        for j, t in enumerate(self.tags):
            if not t and not self.inputs[j] and self.users[j] and all(m[u] for u in self.users[j]):
                m[j] = True
        return m

    def inside_tags(self, name: str, m: list[bool]) -> list[str]:
        """The tags that make draw_dot open group ``name`` one level and show its context.

        Members get their next-finer tag ("L0" -> "L0.N3"), or "" (drawn one by
        one) at the finest level. Untagged leaves that joined the group (a
        layer's inputs) are drawn one by one only at the finest level; above it
        they go "upstream", so that opening a layer shows its neurons, not a
        wall of inputs.
        """
        depth = name.count(".") + 1
        finest = not any(m[i] and t.count(".") >= depth for i, t in enumerate(self.tags))
        up = self._reach(m, self.inputs)
        down = self._reach(m, self.users)
        out = []
        for i, t in enumerate(self.tags):
            if m[i] and (t or finest):
                parts = t.split(".") if t else []
                out.append(".".join(parts[: depth + 1]) if len(parts) > depth else "")
            else:
                out.append(CONTEXT[0] if up[i] or m[i] else CONTEXT[1] if down[i] else CONTEXT[2])
        return out

    @staticmethod
    def _reach(m: list[bool], step: Sequence[Sequence[int]]) -> list[bool]:
        """Non-members reachable from the members along ``step`` (inputs: upstream; users: downstream)."""
        seen = [False] * len(m)
        stack = [j for i, inside in enumerate(m) if inside for j in step[i] if not m[j]]
        while stack:
            j = stack.pop()
            if seen[j]:
                continue
            seen[j] = True
            stack.extend(k for k in step[j] if not m[k] and not seen[k])
        return seen


def max_views(n_nodes: int) -> int:
    """The default number of inside views for a graph of ``n_nodes`` Values."""
    return max(8, VIEW_BUDGET // max(1, n_nodes))


def build_views(root: Value, nodes: Sequence[Value], inputs: Sequence[Sequence[int]], options: dict[str, Any],
                grads: Sequence[str], limit: int | None = None,
                final: Sequence[float] | None = None) -> list[View]:  # fmt: skip
    """The main view and the inside views of up to ``limit`` groups, breadth-first from it, as SVG.

    ``grads`` is, per node, the widest grad text the page will write in its
    box: the boxes are laid out with it, so every number fits. ``final`` is
    each node's gradient after the pass the page plays: while drawing, the
    nodes' ``.grad`` hold it, so that draw_dot's check (a box whose grad is
    not the sum of local derivative times grad says so) sees the pass the page shows, not earlier
    ones. Tags and grads are restored even if drawing fails. Each view's
    Graphviz run starts as soon as its DOT text is ready, so the layouts
    (other processes) overlap the next draw_dot (this one).
    """
    g = _Graph(nodes, inputs)
    limit = max_views(len(nodes)) if limit is None else limit
    cap = options.get("max_nodes", _DEFAULT_MAX_NODES)
    inside = {**options, "max_nodes": INSIDE_MAX_NODES if cap is None else min(cap, INSIDE_MAX_NODES)}
    kept_grads = [v.grad for v in nodes]
    made: dict[str, int] = {}
    with ThreadPoolExecutor(max(1, os.cpu_count() or 1)) as pool:
        try:
            if final is not None:
                for v, x in zip(nodes, final):
                    v.grad = x
            views = [View("", -1, draw_dot(root, **options))]
            queue = deque((name, 0) for name in views[0].map())
            jobs = [pool.submit(render_source, _fit_grads(views[0], grads), "svg")]
            while queue and len(views) <= limit:
                name, parent = queue.popleft()
                if name in made:
                    continue
                try:
                    for v, t in zip(nodes, g.inside_tags(name, g.members(name))):
                        v.tag = t
                    diagram = draw_dot(root, **inside)
                finally:
                    for v, t in zip(nodes, g.tags):
                        v.tag = t
                made[name] = len(views)
                view = View(name, parent, diagram)
                views.append(view)
                queue.extend((sub, made[name]) for sub in view.map() if sub not in CONTEXT)
                jobs.append(pool.submit(render_source, _fit_grads(view, grads), "svg"))
        finally:
            for v, x in zip(nodes, kept_grads):
                v.grad = x
        for view, job in zip(views, jobs):
            view.svg = clean_svg(job.result().decode("utf-8"))
    for view in views:
        for ki, name in view.groups.items():
            if view.kinds[ki] != "group":  # merged inputs: nothing inside to open
                continue
            context = view.parent >= 0 and name in CONTEXT  # "upstream" etc. lead back out
            view.opens[ki] = view.parent if context else made.get(name, -1)
    return views


_BOX_RE = re.compile(r"^(\s+)(\w+) \[label=(.*)$", re.M)
_GRAD_CELL_RE = re.compile(r"<td>grad [^<]*</td>")


def _fit_grads(view: View, grads: Sequence[str]) -> str:
    """The view's DOT with each box's grad cell holding the widest grad text the page will show there.

    The page writes this pass's numbers, partial sums included, in the
    ``<td>grad ...</td>`` cell of the boxes that show a node (``view.shows``).
    """
    shown = {view.keys[k]: i for k, i in view.shows.items()}

    def fit(m: re.Match[str]) -> str:
        i = shown.get(m.group(2))
        if i is None:
            return m.group(0)
        return _GRAD_CELL_RE.sub(f"<td>grad {html.escape(grads[i])}</td>", m.group(0), count=1)

    view.dot = _BOX_RE.sub(fit, view.diagram.source)
    return view.dot


_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.S)
_GROUP_RE = re.compile(r'<g id="([^"]*)" class="(node|edge|cluster)">\s*<title>([^<]*)</title>')


def clean_svg(svg: str) -> str:
    """Graphviz SVG made ready to inline: no prolog or comments; nodes, edges and parts keyed by name.

    ``<g class="node" data-k="v3">``, ``<g class="edge" data-k="v3-&gt;op1" data-e="e5">``
    (the edge v3 -> op1 with draw_dot's id e5) and ``<g class="cluster" data-k="cluster_part1">``
    replace Graphviz's numbered ids and tooltip titles.
    """
    svg = svg[svg.find("<svg"):]
    svg = _COMMENT_RE.sub("", svg)

    def key(m: re.Match[str]) -> str:
        edge = f' data-e="{m[1]}"' if m[2] == "edge" and re.fullmatch(r"e\d+", m[1]) else ""
        return f'<g class="{m[2]}" data-k="{html.escape(html.unescape(m[3]))}"{edge}>'

    svg = _GROUP_RE.sub(key, svg)
    return svg.replace("<title>autograd</title>\n", "")
