"""Which drawn element stands for each Value: ``Diagram.elements``, for tools that light up a diagram.

A summary draws one box for many Values (an nn group, merged inputs, a note
counting hidden values), one edge for many uses (a merged or bundled edge),
and copies of far-used boxes. The backprop player (autograd/playback) reads
this map instead of parsing the DOT text. Values are numbered as draw_dot
numbers them: breadth-first from the root (index 0), the ``v<i>`` of the DOT.
Names are DOT node names; edges are named by the DOT ``id`` draw_dot gives
them (``e<k>``), which Graphviz writes on the edge's ``<g>`` in SVG.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .select import INPUTS

__all__ = ["KINDS", "Elements"]

KINDS = ("value", "op", "group", "inputs", "hidden", "copy")
"""What a drawn node is: a Value's box, its op, an nn group, merged inputs, a note of hidden Values, a copy."""


@dataclass
class Elements:
    """The drawn element of every Value of a diagram, and the edge of every use of a Value.

    - ``box[i]``: the node standing for Value i: its own box ``"v3"``, a group
      or merged-inputs box ``"g2"``, or the note ``"hidden7"`` on the way to it.
      Every Value has one, drawn or not. (A hidden Value that feeds several
      drawn boxes is counted in each one's note; ``box`` names the first.)
    - ``kind[name]``: one of KINDS, for every node named in this map.
    - ``shows[box]``: the Value whose data and grad the box's cells show: its
      own Value, or a group's one output ("out data"). Absent: no numbers.
    - ``uses[i][pos]``: the id of the edge drawing Value i's use of its input
      ``pos`` (for each drawn Value with inputs), or None when no edge draws
      it (both ends in one group). Several uses can share one edge: a merged
      edge ("sum of 1,000 uses"), or one between groups ("x16").
    - ``output[i]``: the id of the edge from Value i's op ellipse (``"op3"``) to its box.
    - ``edges[id]``: the edge's (tail, head) nodes; a tail may be a copy.
    - ``copies[name]``: the box a copy (``"v3_copy0"``, dashed ``#1 ... (copy)``) repeats.
    - ``groups[box]``: a group's name, ``"L1.N3"``, or ``"65 inputs"`` for merged inputs.
    - ``part[name]``: which part (DOT cluster ``cluster_part<p>``) a node is drawn in,
      when the picture is cut into parts; part 0 holds the output.
    """

    box: list[str]
    kind: dict[str, str] = field(default_factory=dict)
    shows: dict[str, int] = field(default_factory=dict)
    uses: dict[int, list[str | None]] = field(default_factory=dict)
    output: dict[int, str] = field(default_factory=dict)
    edges: dict[str, tuple[str, str]] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    part: dict[str, int] = field(default_factory=dict)

    def stands_for(self, name: str) -> list[int]:
        """The Values a node stands for: a box's, a copy's (its box's) or an op's (its output)."""
        name = self.copies.get(name, name)
        if self.kind.get(name) == "op":
            return [int(name[2:])]
        return [i for i, b in enumerate(self.box) if b == name]


def build(pic: Any, kids: list[list[int]], copies: list[tuple[int, int, list[int]]], part: list[int] | None,
          copy_part: list[int]) -> Elements:  # fmt: skip
    """The map of a ``draw._Picture``: ``copies`` is (box copied, copy number, edge indices) per copy."""
    sel = pic.sel
    ids: list[str] = pic.ids
    n = len(kids)
    box: list[str | None] = [None] * n
    el = Elements([])
    for b, kind in enumerate(pic.kind):
        key = pic.key[b]
        name = ids[b]
        if kind == "group":
            group = sel.group[key]
            kind = "inputs" if group.startswith(INPUTS) else "group"
            el.groups[name] = group[len(INPUTS) :] if kind == "inputs" else group
            outs = pic.outputs.get(key, {})
            if kind == "group" and len(outs) == 1:  # labels.group_cells shows its "out data" and grad
                el.shows[name] = next(iter(outs))
        elif kind == "value":
            el.shows[name] = key
            box[key] = name
        el.kind[name] = kind
        if part is not None:
            el.part[name] = part[b]
    for i in range(n):
        u = sel.unit_of[i]
        if box[i] is None and sel.kept[u]:
            box[i] = f"g{u}"  # a member of a drawn group

    tails = [ids[t] for t, *_ in pic.edges]
    for b, n_copy, links in copies:
        name = f"{ids[b]}_copy{n_copy}"
        el.kind[name] = "copy"
        el.copies[name] = ids[b]
        if part is not None:
            el.part[name] = copy_part[n_copy]
        for k in links:
            tails[k] = name
    for k, (_, head, _, style) in enumerate(pic.edges):
        el.edges[f"e{k}"] = (tails[k], ids[head])
        if style == "output":
            el.output[pic.key[head]] = f"e{k}"
    for (i, pos), k in pic.use_edge.items():
        el.uses.setdefault(i, [None] * len(kids[i]))[pos] = f"e{k}" if k >= 0 else None

    # A hidden Value stands behind the note nearest to it: breadth-first from the notes' own inputs.
    queue: deque[int] = deque()
    for (i, pos), note in pic.hidden_use.items():
        j = kids[i][pos]
        if box[j] is None:
            box[j] = ids[note]
            queue.append(j)
    while queue:
        j = queue.popleft()
        for c in kids[j]:
            if box[c] is None:
                box[c] = box[j]
                queue.append(c)
    missing = [i for i, b in enumerate(box) if b is None]
    assert not missing, f"no drawn element for Values {missing[:5]}"
    el.box = [b for b in box if b is not None]
    return el
