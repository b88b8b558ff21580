"""``draw_dot``: the computation graph as DOT, with data, grads and local derivatives.

The picture is built in three steps: the boxes and edges (``_Picture``), a
layout plan that keeps big pictures quick and on one screen (``layout.plan``),
then the DOT text (``_emit``).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from ..engine import Value, topological_order
from . import elements, labels
from .diagram import Diagram, check_format
from .layout import Item, Link, Plan, plan
from .select import Selection, collect, select

SIDE_BY_SIDE = {"LR": 40, "TB": 16}
"""How many boxes a capped summary puts at one distance from the output: a rank that fits a screen."""

BIG_PICTURE = 1500.0
"""Pictures estimated longer than this (in points) are written at 72 dpi instead of 96."""

MAX_PARALLEL = 3
"""A value used more often than this by one op gets one edge: its count and the summed local derivative."""


def draw_dot(
    root: Value,
    format: str = "svg",  # noqa: A002 (micrograd's signature)
    rankdir: str = "LR",
    *,
    show_local_grads: bool = True,
    show_order: bool = False,
    precision: int = 4,
    max_nodes: int | None = 200,
) -> Diagram:
    """Draw the graph that ``root`` was computed by, with data, grads and local derivatives.

    - Value boxes: label (when set), data and grad to ``precision`` significant
      digits. Parameters are blue, other leaves grey, the root gold. A box
      whose grad is not the sum over its edges of local derivative x grad
      says so ("includes earlier passes or other uses").
    - Op ellipses: the op ('+', '*', '**2', 'tanh', 'dot', a primitive's name).
    - ``show_local_grads``: each input edge carries d(out)/d(in), e.g. ``∂z/∂t = 10``.
      A value used more than three times by one op gets one edge with the sum.
    - ``show_order``: op nodes numbered in the order backward() processes them.
    - ``rankdir``: 'LR' (left to right) or 'TB' (top to bottom).
    - ``max_nodes``: above this many Values, draw a summary: nn scope groups
      where tagged, else the part nearest the root and "N hidden" notes. The
      picture is also kept quick to lay out and within about 4,000 pixels
      (copies of far-used values, parts side by side). ``None`` draws
      everything, plainly, however long it takes.

    ``format`` is the default for ``.render``/``.pipe``: svg, png, pdf (system dot) or dot.

    Examples:
        >>> from autograd import Value, draw_dot
        >>> x, y = Value(3.0, "x"), Value(2.0, "y")
        >>> z = (x + y) ** 2
        >>> z.backward()
        >>> "∂z/∂t" in draw_dot(z).source or "= 10" in draw_dot(z).source
        True
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot takes the output Value of a computation, got {type(root).__name__}")
    fmt = check_format(format)
    rd = str(rankdir).upper()
    if rd not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"precision is a number of significant digits from 1 to 17, got {precision!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int, or None to draw every node; got {max_nodes!r}")

    order, kids = collect(root)
    sel = select(order, kids, max_nodes, SIDE_BY_SIDE[rd])
    steps = {v: k for k, v in enumerate(topological_order([root]), 1)} if show_order else {}
    pic = _Picture(order, kids, sel, precision, show_local_grads, steps, rd)
    layout = plan(pic.items(rd), pic.links(rd)) if max_nodes is not None else None
    graph = _emit(pic, layout, rd, fmt, max_nodes)
    copies = [(c.of, n, c.links) for n, c in enumerate(layout.copies)] if layout is not None else []
    drawn = elements.build(pic, kids, copies, layout.part if layout is not None and layout.n_parts > 1 else None,
                           [c.part for c in layout.copies] if layout is not None else [])  # fmt: skip
    diagram = Diagram(graph, fmt, len(order), sel.n_hidden, sel.mode, drawn)
    diagram._player_args = (root, {"rankdir": rd, "show_local_grads": show_local_grads, "show_order": show_order,
                                   "precision": precision, "max_nodes": max_nodes})  # fmt: skip
    return diagram


class _Picture:
    """The boxes and edges of a diagram, before layout.

    A box is a Value ("value"), the op that made it ("op"), an nn scope group
    ("group") or a note counting hidden inputs ("hidden"). An edge runs from an
    input to the op or group that uses it, or from an op to its output.
    """

    def __init__(self, order: list[Value], kids: list[list[int]], sel: Selection, precision: int,
                 show_local_grads: bool, steps: dict[Value, int], rankdir: str) -> None:  # fmt: skip
        self.order, self.sel, self.precision, self.rankdir = order, sel, precision, rankdir
        self.kind: list[str] = []
        self.key: list[int] = []  # the Value's index, or the group's unit, or the box a note points to
        self.ids: list[str] = []
        self.text: list[str] = []  # an op's or a note's text
        self.edges: list[tuple[int, int, str, str]] = []  # (tail, head, label, style: "" "count" "output" "hidden")
        self.outputs: dict[int, dict[int, None]] = {}  # group unit -> its members used outside it
        self._notes: dict[int, list[str]] = {}
        box_of_value: dict[int, int] = {}
        box_of_op: dict[int, int] = {}
        box_of_group: dict[int, int] = {}
        unit_of, group, kept = sel.unit_of, sel.group, sel.kept
        for u in sel.drawn:
            if group[u] is not None:
                box_of_group[u] = self._box("group", u, f"g{u}")
                continue
            i = sel.value[u]
            box_of_value[i] = self._box("value", i, f"v{i}")
            if kids[i]:
                v = order[i]
                closure = not v.local_grads()  # a node whose backward is a user's closure (micrograd's way)
                text = v.op + (" (closure)" if closure else "") + (f"\nstep {steps[v]}" if v in steps else "")
                box_of_op[i] = self._box("op", i, f"op{i}", text)
                self.edges.append((box_of_op[i], box_of_value[i], "", "output"))
        if group[unit_of[0]] is not None:
            self.outputs.setdefault(unit_of[0], {})[0] = None

        hidden_into: dict[int, list[tuple[int, int]]] = {}  # box -> the uses of hidden inputs it receives
        bundled: dict[tuple[int, int], int] = {}
        bundled_uses: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.use_edge: dict[tuple[int, int], int] = {}  # (Value, input position) -> its edge, -1 inside a group
        self.hidden_use: dict[tuple[int, int], int] = {}  # (Value, position) of a hidden input -> its note
        self.hidden_uses: dict[int, int] = {}  # drawn Value -> its uses by Values not drawn
        self.users: dict[int, list[tuple[int, int]]] = {}  # drawn Value -> (consumer, position) of each use
        for i, ks in enumerate(kids):
            ui = unit_of[i]
            for pos, j in enumerate(ks):
                if j in box_of_value:
                    self.users.setdefault(j, []).append((i, pos))
                    if not kept[ui]:
                        self.hidden_uses[j] = self.hidden_uses.get(j, 0) + 1
            if not kept[ui] or not ks:
                continue
            dst = box_of_op[i] if group[ui] is None else box_of_group[ui]
            uses: dict[int, list[int]] = {}  # each drawn input of Value i, at its positions
            for pos, j in enumerate(ks):
                uj = unit_of[j]
                if uj == ui:
                    self.use_edge[(i, pos)] = -1
                    continue
                if not kept[uj]:
                    hidden_into.setdefault(dst, []).append((i, pos))
                elif group[uj] is not None or group[ui] is not None:
                    src = box_of_group[uj] if group[uj] is not None else box_of_value[j]
                    if group[uj] is not None:
                        self.outputs.setdefault(uj, {})[j] = None
                    bundled[(src, dst)] = bundled.get((src, dst), 0) + 1
                    bundled_uses.setdefault((src, dst), []).append((i, pos))
                else:
                    uses.setdefault(j, []).append(pos)
            if uses:
                self._input_edges(i, dst, uses, box_of_value, show_local_grads)
        for (src, dst), count in bundled.items():
            self._edge(src, dst, f"{labels.TIMES}{count}" if count > 1 else "", "count", bundled_uses[(src, dst)])
        for dst, hidden in hidden_into.items():
            note = self._box("hidden", dst, f"hidden{len(self.kind)}", f"{len(hidden):,} hidden")
            self._edge(note, dst, "", "hidden", hidden)
            self.hidden_use.update(dict.fromkeys(hidden, note))

    def _box(self, kind: str, key: int, ident: str, text: str = "") -> int:
        self.kind.append(kind)
        self.key.append(key)
        self.ids.append(ident)
        self.text.append(text)
        return len(self.kind) - 1

    def _edge(self, tail: int, head: int, text: str, style: str, uses: list[tuple[int, int]]) -> None:
        """An edge, and the uses (Value, input position) it draws."""
        self.use_edge.update(dict.fromkeys(uses, len(self.edges)))
        self.edges.append((tail, head, text, style))

    def _input_edges(self, i: int, dst: int, uses: dict[int, list[int]], box_of_value: dict[int, int],
                     show_local_grads: bool) -> None:  # fmt: skip
        """Value i's op gets an edge per use of each input, or one summed edge for a much-used input."""
        v = self.order[i]
        local = v.local_grads() if show_local_grads else ()
        n_inputs = len(v.children())
        for j, positions in uses.items():
            c = self.order[j]
            name = c.label or ("in" if n_inputs == 1 else f"in{positions[0] + 1}")
            head = f"∂{v.label or 'out'}/∂{name} = "
            if len(positions) > MAX_PARALLEL:
                text = ""
                if local:  # none when not shown, or for a closure node
                    total = math.fsum(float(local[p]) for p in positions)
                    text = f"{head}{labels.num(total, self.precision)} (sum of {len(positions):,} uses)"
                self._edge(box_of_value[j], dst, text, "sum", [(i, p) for p in positions])
                continue
            for p in positions:
                text = f"{head}{labels.num(local[p], self.precision)}" if p < len(local) else ""
                self._edge(box_of_value[j], dst, text, "", [(i, p)])

    def cells(self, b: int, ref: int | None = None) -> list[str]:
        """The texts in box b (a Value's or a group's)."""
        u = self.key[b]
        if self.kind[b] == "value":
            return labels.value_cells(self.order[u], self.precision, ref)
        if self.kind[b] == "group":
            sel, name = self.sel, self.sel.group[u]
            assert name is not None
            outs = self.outputs.get(u, {})
            return labels.group_cells(self.order, name, sel.size[u], sel.params[u], outs, self.precision, ref)
        return [self.text[b]]

    def label(self, b: int, ref: int | None) -> str:
        """The HTML label of a Value's or a group's box; ``ref`` numbers a box that has copies."""
        if self.kind[b] == "group":
            return labels.group_box(self.cells(b, ref), ref is not None, stacked=self.rankdir == "TB")
        i = self.key[b]
        return labels.value_box(self.order[i], i == 0, self.precision, ref, self.notes(b))

    def copy_text(self, b: int, ref: int) -> str:
        """The text of a copy of box b."""
        if self.kind[b] == "value":
            v = self.order[self.key[b]]
            return labels.copy_text(v.label, ref, labels.num(v.data, self.precision))
        return labels.copy_text(self.cells(b)[0], ref, None)

    def notes(self, b: int) -> list[str]:
        """What a Value's box must say so that it never contradicts its edges."""
        if self.kind[b] != "value":
            return []
        found = self._notes.get(b)
        if found is None:
            found = self._notes[b] = self._find_notes(self.key[b])
        return found

    def _find_notes(self, i: int) -> list[str]:
        users = self.users.get(i)
        if not users:
            return []
        found = []
        terms = []
        cache: dict[int, Any] = {}
        checkable = True
        for p, pos in users:
            if p not in cache:
                cache[p] = self.order[p].local_grads()
            if pos >= len(cache[p]):  # a closure node: no local derivative to check against
                checkable = False
                break
            local = float(cache[p][pos])
            if local == 0.0 and getattr(self.order[p]._prim, "blocks", False):
                continue  # a step-like op passes nothing back here, not 0 * inf = nan (docs/conventions.md)
            terms.append(local * _float(self.order[p].grad))
        if checkable and not _agrees(_float(self.order[i].grad), terms):
            found.append(f"grad includes earlier passes or other uses (≠ Σ local {labels.TIMES} grad)")
        hidden = self.hidden_uses.get(i, 0)
        if hidden:
            found.append(f"{hidden:,} more uses not drawn")
        return found

    def items(self, rankdir: str) -> list[Item]:
        """Each box's estimated size for the layout plan."""
        out = []
        value_box = {self.key[b]: b for b in range(len(self.kind)) if self.kind[b] == "value"}
        for b, kind in enumerate(self.kind):
            w, h = _size(self, b)
            follows = -1
            if kind == "op":
                follows = value_box[self.key[b]]
            elif kind == "hidden":
                follows = self.key[b]
            straight = kind in ("value", "op")
            out.append(Item(w, h, follows, straight) if rankdir == "LR" else Item(h, w, follows, straight))
        return out

    def links(self, rankdir: str) -> list[Link]:
        """Each edge for the layout plan; only an input's edge may become a copy."""
        out = []
        for tail, head, text, style in self.edges:
            if style == "count":  # an xlabel: placed after the layout, so it takes no room in it
                text = ""
            w, h = _text_width(text, 10), (14.0 if text else 0.0)
            length, breadth = (w, h) if rankdir == "LR" else (h, w)
            out.append(Link(tail, head, style not in ("output", "hidden"), length, breadth))
        return out


def _float(x: Any) -> float:
    return float(x.data) if isinstance(x, Value) else float(x)


def _agrees(grad: float, terms: list[float]) -> bool:
    """grad == Σ terms, up to rounding (the backward pass may add them in another order)."""
    expected = math.fsum(terms) if all(math.isfinite(t) for t in terms) else sum(terms)
    if math.isnan(grad) or math.isnan(expected):
        return math.isnan(grad) and math.isnan(expected)
    if math.isinf(grad) or math.isinf(expected):
        return grad == expected
    scale = math.fsum(abs(t) for t in terms)
    return abs(grad - expected) <= 1e-9 * max(scale, abs(grad))


def _text_width(text: str, fontsize: float) -> float:
    """Helvetica's average character is a little over half the font size wide."""
    return 0.56 * fontsize * max((len(line) for line in text.split("\n")), default=0)


def _size(pic: _Picture, b: int) -> tuple[float, float]:
    """Estimated (width, height) of box b in points."""
    kind = pic.kind[b]
    if kind == "op":
        lines = pic.text[b].count("\n") + 1
        return max(54.0, 1.3 * _text_width(pic.text[b], 11) + 16), max(36.0, 18.0 * lines + 8)
    if kind == "hidden":
        return _text_width(pic.text[b], 11) + 28, 36.0
    if kind == "group" and pic.rankdir == "TB":  # stacked cells
        cells = pic.cells(b)
        return max(_text_width(c, 11) for c in cells) + 14, 19.0 * len(cells) + 4
    notes = pic.notes(b)
    width = sum(_text_width(c, 11) + 10 for c in pic.cells(b)) + 6
    width = max([width] + [_text_width(t, 11) + 16 for t in notes])
    return width, 25.0 + 21.0 * len(notes)


def _emit(pic: _Picture, layout: Plan | None, rankdir: str, fmt: str, max_nodes: int | None) -> Any:
    """The graphviz.Digraph: parts as clusters, copies beside their uses, edges with their spans."""
    import graphviz

    g = graphviz.Digraph("autograd", format=fmt if fmt != "dot" else "svg", encoding="utf-8")
    g.attr(rankdir=rankdir)
    if layout is not None:  # a safety net: Graphviz scales the picture down if the plan's estimate was short
        inches = f"{4000 / 96:.2f}"  # 4,000 pixels at the 96 dpi of PNG output
        g.attr(size=f"{inches},{inches}")
        if max(layout.length, layout.breadth) > BIG_PICTURE:
            g.attr(dpi="72")  # one pixel per point: a big PNG renders faster and fits a screen at its natural size
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="10")
    sel = pic.sel
    if sel.mode != "full":
        why = {"truncated": "the part nearest the output",
               "scope": "groups by nn scope",
               "scope+truncated": "groups by nn scope, nearest the output"}[sel.mode]  # fmt: skip
        hidden = f"; {sel.n_hidden:,} nodes hidden (max_nodes={max_nodes})" if sel.n_hidden else ""
        title = f"summary of {len(pic.order):,} nodes ({why}){hidden}; draw_dot(..., max_nodes=None) draws all"
        g.attr(label=graphviz.escape(title), labelloc="t", fontname="Helvetica", fontsize="11")

    copies = layout.copies if layout is not None else []
    ref: dict[int, int] = {}
    for c in copies:
        ref.setdefault(c.of, len(ref) + 1)
    n_parts = layout.n_parts if layout is not None else 1
    targets = _parts(g, n_parts, rankdir)
    for b in range(len(pic.kind)):
        where = targets[layout.part[b]] if layout is not None else g
        spine = layout.spine[b] if layout is not None else -1
        _node(where, pic, b, ref.get(b), {"group": f"s{spine}"} if spine >= 0 else {})
    for k, c in enumerate(copies):
        text = pic.copy_text(c.of, ref[c.of])
        targets[c.part].node(f"{pic.ids[c.of]}_copy{k}", graphviz.escape(text), shape="box", style="dashed,rounded")
    for sub in targets:
        if sub is not g:
            g.subgraph(sub)

    edge_links = pic.links(rankdir)
    copy_of_link = {k: n for n, c in enumerate(copies) for k in c.links}
    for k, (tail, head, text, style) in enumerate(pic.edges):
        attrs: dict[str, str] = {"id": f"e{k}"}  # Graphviz writes it on the edge's SVG <g>: see Diagram.elements
        if text:  # a count as an xlabel: a label of its own would take a rank of its own in the layout
            xlabel = style == "count" or (layout is not None and layout.xlabels)
            attrs["xlabel" if xlabel else "label"] = graphviz.escape(text)
        if style == "sum":
            attrs["penwidth"] = "2"
        if style == "hidden":
            attrs["style"] = "dashed"
        src = pic.ids[tail]
        if layout is not None:
            span = layout.minlen(edge_links[k])
            if k in copy_of_link:
                n = copy_of_link[k]
                src = f"{pic.ids[tail]}_copy{n}"
                span = max(1, copies[n].depth - layout.depth[head])
            if span > 1:
                attrs["minlen"] = str(span)
        g.edge(src, pic.ids[head], **attrs)
    return g


def _parts(g: Any, n_parts: int, rankdir: str) -> list[Any]:
    """Where each part's boxes go: the graph itself, or one cluster per part, kept in reading order.

    Part 0 holds the output. Parts are numbered in reading order, so the
    output's part comes last: at the bottom (LR) or on the right (TB). Each
    cluster has an invisible anchor; the anchors share a rank and are chained
    by invisible edges, and Graphviz keeps such "flat" edges in order.
    """
    import graphviz

    if n_parts == 1:
        return [g]
    g.attr(newrank="true")  # so that rank=same may join nodes of different clusters
    targets = []
    for p in range(n_parts):
        sub = graphviz.Digraph(name=f"cluster_part{p}")
        title = f"part {n_parts - p} of {n_parts}" + (" (the output)" if p == 0 else "")
        sub.attr(label=title, color="#bbbbbb", fontname="Helvetica", fontsize="11")
        sub.node(f"part{p}", style="invis", shape="point", width="0")
        targets.append(sub)
    anchors = [f"part{p}" for p in range(n_parts)]
    if rankdir == "TB":  # flat edges run left to right in TB, bottom to top in LR
        anchors.reverse()
    with g.subgraph() as same:
        same.attr(rank="same")
        for a in anchors:
            same.node(a)
    for a, b in itertools.pairwise(anchors):
        g.edge(a, b, style="invis")
    return targets


def _node(where: Any, pic: _Picture, b: int, ref: int | None, attrs: dict[str, str]) -> None:
    import graphviz

    kind = pic.kind[b]
    if kind == "op":
        text = "\\n".join(graphviz.escape(t) for t in pic.text[b].split("\n"))
        where.node(pic.ids[b], graphviz.nohtml(text), **attrs)
    elif kind == "hidden":
        where.node(pic.ids[b], graphviz.escape(pic.text[b]), shape="note", style="filled",
                   fillcolor=labels.NOTE_COLOR, **attrs)  # fmt: skip
    else:
        where.node(pic.ids[b], pic.label(b, ref), shape="plain", **attrs)
