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

For each view we read from its DOT text which element stands for each node:
its own box ``v<id>`` (ids are the schedule's), a group box ``g<k>``, the
"hidden" note, or nothing. The page highlights those elements as it steps.

What this reads of draw_dot's DOT (tests/test_player_page.py fails if it
changes): node names ``v<id>`` (breadth-first ids), ``op<id>``, ``g<k>`` and
``hidden``; a group's name as the first ``<b>...</b>`` of its label; the cells
``<td>data ...</td>``, ``<td>grad ...</td>`` and ``out data``; edge labels
``∂out/∂in = ...``.
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
from ..viz import draw_dot, render_source

__all__ = ["CONTEXT", "INSIDE_MAX_NODES", "VIEW_BUDGET", "View", "build_views", "clean_svg", "max_views"]

CONTEXT = ("upstream", "downstream", "elsewhere")
"""The context groups of an inside view (no dots in them: draw_dot splits tags at dots)."""

INSIDE_MAX_NODES = 60
"""An inside view draws at most this many boxes (fewer if draw_dot's max_nodes is lower)."""

VIEW_BUDGET = 100_000
"""Inside views cost a draw_dot of the whole graph each: at most VIEW_BUDGET // nodes of them (8 at least)."""

_DEFAULT_MAX_NODES = inspect.signature(draw_dot).parameters["max_nodes"].default
_NODE_RE = re.compile(r"^\t(\w+) \[label=(.*)$", re.M)
_BOLD_RE = re.compile(r"<b>(.*?)</b>")


@dataclass
class View:
    """One laid-out diagram and how the schedule's nodes map onto it."""

    name: str  # "" for the main view, else the tag of the group it opens
    parent: int  # index of the view it was opened from (-1 for the main view)
    dot: str
    keys: list[str] = field(default_factory=list)  # drawn elements standing for Values: "v3", "g5", "hidden"
    unit: list[int] = field(default_factory=list)  # per node id: index into keys, or -1 if not shown
    outputs: dict[int, int] = field(default_factory=dict)  # group key index -> node its "out data"/grad cells show
    opens: dict[int, int] = field(default_factory=dict)  # group key index -> view index it opens (-1: none)
    groups: dict[int, str] = field(default_factory=dict)  # group key index -> its name
    svg: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "parent": self.parent, "keys": self.keys, "unit": self.unit,
                "outputs": {str(k): v for k, v in self.outputs.items()},
                "opens": {str(k): v for k, v in self.opens.items()},
                "groups": {str(k): v for k, v in self.groups.items()}}  # fmt: skip


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


def _map_view(view: View, g: _Graph, tags: Sequence[str]) -> list[str]:
    """Fill view.keys/unit/outputs/groups from its DOT text; return the names of its groups."""
    drawn: set[str] = set()
    groups: dict[str, str] = {}  # group name -> key
    for key, label in _NODE_RE.findall(view.dot):
        drawn.add(key)
        if key[0] == "g" and key[1:].isdigit():
            m = _BOLD_RE.search(label)
            if m:
                groups[html.unescape(m.group(1))] = key
    level = max((name.count(".") + 1 for name in groups), default=0)

    def prefix(t: str) -> str | None:
        return ".".join(t.split(".")[:level]) if t and level else None

    hidden = "hidden" if "hidden" in drawn else None
    key_of: list[str | None] = []
    for i, t in enumerate(tags):
        k: str | None = f"v{i}" if f"v{i}" in drawn else None
        if k is None:
            p = prefix(t)
            if p is None and not g.inputs[i] and g.users[i]:  # a leaf joins the one group that uses it
                ps = {prefix(tags[u]) for u in g.users[i]}
                p = ps.pop() if len(ps) == 1 else None
            k = groups.get(p, hidden) if p is not None else hidden
        key_of.append(k)

    index: dict[str, int] = {}
    for k in key_of:
        if k is not None and k not in index:
            index[k] = len(index)
    view.keys = list(index)
    view.unit = [index[k] if k is not None else -1 for k in key_of]
    name_of = {key: name for name, key in groups.items()}
    for k, ki in index.items():
        if k in name_of:
            view.groups[ki] = name_of[k]
    # A group box shows "out data"/grad of its one output used by a drawn node (draw_dot's rule).
    outs: dict[int, set[int]] = {}
    for j, kj in enumerate(view.unit):
        if kj in view.groups and (j == 0 or any(view.unit[u] not in (kj, -1) and key_of[u] != hidden
                                                for u in g.users[j])):  # fmt: skip
            outs.setdefault(kj, set()).add(j)
    for kj, js in outs.items():
        if len(js) == 1 and "out data" in _label_of(view.dot, view.keys[kj]):
            view.outputs[kj] = next(iter(js))
    return [name_of[k] for k in index if k in name_of]


def _label_of(dot: str, key: str) -> str:
    m = re.search(rf"^\t{re.escape(key)} \[label=(.*)$", dot, re.M)
    return m.group(1) if m else ""


def max_views(n_nodes: int) -> int:
    """The default number of inside views for a graph of ``n_nodes`` Values."""
    return max(8, VIEW_BUDGET // max(1, n_nodes))


def build_views(root: Value, nodes: Sequence[Value], inputs: Sequence[Sequence[int]], options: dict[str, Any],
                grads: Sequence[str], limit: int | None = None) -> list[View]:  # fmt: skip
    """The main view and the inside views of up to ``limit`` groups, breadth-first from it, as SVG.

    ``grads`` is, per node, the widest grad text the page will write in its
    box: the boxes are laid out with it, so every number fits. Each view's
    Graphviz run starts as soon as its DOT text is ready, so the layouts
    (other processes) overlap the next draw_dot (this one).
    """
    g = _Graph(nodes, inputs)
    limit = max_views(len(nodes)) if limit is None else limit
    cap = options.get("max_nodes", _DEFAULT_MAX_NODES)
    inside = {**options, "max_nodes": INSIDE_MAX_NODES if cap is None else min(cap, INSIDE_MAX_NODES)}
    with ThreadPoolExecutor(max(1, os.cpu_count() or 1)) as pool:
        views = [View("", -1, draw_dot(root, **options).source)]
        queue = deque((name, 0) for name in _map_view(views[0], g, g.tags))
        jobs = [pool.submit(render_source, _fit_grads(views[0], grads), "svg")]
        made: dict[str, int] = {}
        while queue and len(views) <= limit:
            name, parent = queue.popleft()
            if name in made:
                continue
            tags = g.inside_tags(name, g.members(name))
            try:
                for v, t in zip(nodes, tags):
                    v.tag = t
                source = draw_dot(root, **inside).source
            finally:
                for v, t in zip(nodes, g.tags):
                    v.tag = t
            made[name] = len(views)
            view = View(name, parent, source)
            views.append(view)
            queue.extend((sub, made[name]) for sub in _map_view(view, g, tags) if sub not in CONTEXT)
            jobs.append(pool.submit(render_source, _fit_grads(view, grads), "svg"))
        for view, job in zip(views, jobs):
            view.svg = clean_svg(job.result().decode("utf-8"))
    for view in views:
        for ki, name in view.groups.items():
            context = view.parent >= 0 and name in CONTEXT  # "upstream" etc. lead back out
            view.opens[ki] = view.parent if context else made.get(name, -1)
    return views


_BOX_RE = re.compile(r"^\t(v\d+|g\d+) \[label=(.*)$", re.M)
_GRAD_CELL_RE = re.compile(r"<td>grad [^<]*</td>")


def _fit_grads(view: View, grads: Sequence[str]) -> str:
    """The view's DOT with each box's grad cell holding the widest grad text the page will show there.

    draw_dot writes the nodes' current ``.grad`` (0 before any backward()),
    while the page writes this pass's numbers, partial sums included.
    """
    shown: dict[str, int] = {f"v{i}": i for i in range(len(grads))}
    shown.update({view.keys[k]: i for k, i in view.outputs.items()})

    def fit(m: re.Match[str]) -> str:
        i = shown.get(m.group(1))
        if i is None:
            return m.group(0)
        return _GRAD_CELL_RE.sub(f"<td>grad {html.escape(grads[i])}</td>", m.group(0), count=1)

    view.dot = _BOX_RE.sub(fit, view.dot)
    return view.dot


_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.S)
_GROUP_RE = re.compile(r'<g id="(?:node|edge)\d+" class="(node|edge)">\s*<title>([^<]*)</title>')


def clean_svg(svg: str) -> str:
    """Graphviz SVG made ready to inline: no prolog or comments; node and edge groups keyed by name.

    ``<g class="node" data-k="v3">`` and ``<g class="edge" data-k="v3-&gt;op1">`` (the
    edge v3 -> op1) replace Graphviz's numbered ids and tooltip titles.
    """
    svg = svg[svg.find("<svg"):]
    svg = _COMMENT_RE.sub("", svg)
    svg = _GROUP_RE.sub(lambda m: f'<g class="{m[1]}" data-k="{html.escape(html.unescape(m[2]))}">', svg)
    return svg.replace("<title>autograd</title>\n", "")
