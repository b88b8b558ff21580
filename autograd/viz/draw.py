"""``draw_dot``: the computation graph as DOT, with data, grads and local derivatives."""

from __future__ import annotations

from collections.abc import Sequence

from ..engine import Value, topological_order
from .diagram import Diagram, check_format
from .labels import NOTE_COLOR, TIMES, group_label, num, value_label
from .select import collect, select


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
      digits. Parameters are blue, other leaves grey, the root gold.
    - Op ellipses: the op ('+', '*', '**2', 'tanh', 'dot', a primitive's name).
    - ``show_local_grads``: each input edge carries d(out)/d(in), e.g. ``∂z/∂t = 10``.
    - ``show_order``: op nodes numbered in the order backward() processes them.
    - ``rankdir``: 'LR' (left to right) or 'TB' (top to bottom).
    - ``max_nodes``: above this many Values, draw a summary: nn scope groups
      where tagged, else the part nearest the root and an "N nodes hidden"
      note. ``None`` draws everything.

    ``format`` is the default for ``.render``/``.pipe``: svg, png, pdf (system dot) or dot.
    """
    import graphviz

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
    n = len(order)
    sel = select(order, kids, max_nodes)
    unit_of, unit_group, kept = sel.unit_of, sel.group, sel.kept
    mode, n_hidden = sel.mode, sel.n_hidden

    steps: dict[Value, int] = {}
    if show_order:
        steps = {v: k for k, v in enumerate(topological_order([root]), 1)}

    def vid(i: int) -> str:
        return f"v{i}"

    def oid(i: int) -> str:
        return f"op{i}"

    def gid(u: int) -> str:
        return f"g{u}"

    # Edges, first pass: between drawn Values (with local derivatives) and into groups.
    value_edges: list[tuple[str, str, str]] = []
    bundled: dict[tuple[str, str], int] = {}
    hidden_into: dict[str, int] = {}
    outputs: dict[int, dict[int, None]] = {}  # group unit -> its member Values used outside it
    if unit_group[unit_of[0]] is not None:
        outputs.setdefault(unit_of[0], {})[0] = None
    for i in range(n):
        ui = unit_of[i]
        if not kept[ui] or not kids[i]:
            continue
        v = order[i]
        locals_: Sequence[float] = ()
        dst = oid(i) if unit_group[ui] is None else gid(ui)
        for pos, j in enumerate(kids[i]):
            uj = unit_of[j]
            if uj == ui:
                continue
            if not kept[uj]:
                hidden_into[dst] = hidden_into.get(dst, 0) + 1
                continue
            if unit_group[uj] is not None:
                outputs.setdefault(uj, {})[j] = None
            if unit_group[ui] is None and unit_group[uj] is None:
                text = ""
                if show_local_grads:
                    if not locals_:
                        locals_ = v.local_grads()
                    c = order[j]
                    cname = c.label or ("in" if len(kids[i]) == 1 else f"in{pos + 1}")
                    text = f"∂{v.label or 'out'}/∂{cname} = {num(locals_[pos], precision)}"
                value_edges.append((vid(j), dst, text))
            else:
                src = vid(j) if unit_group[uj] is None else gid(uj)
                bundled[(src, dst)] = bundled.get((src, dst), 0) + 1

    g = graphviz.Digraph("autograd", format=fmt if fmt != "dot" else "svg", encoding="utf-8")
    g.attr(rankdir=rd)
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="10")
    if mode != "full":
        why = {"truncated": "the part nearest the output",
               "scope": "groups by nn scope",
               "scope+truncated": "groups by nn scope, nearest the output"}[mode]  # fmt: skip
        g.attr(label=graphviz.escape(f"summary of {n:,} nodes ({why}); draw_dot(..., max_nodes=None) draws all"),
               labelloc="t", fontname="Helvetica", fontsize="11")  # fmt: skip

    for u in sel.drawn:
        name = unit_group[u]
        if name is not None:
            label = group_label(order, name, sel.size[u], sel.params[u], outputs.get(u, {}), precision)
            g.node(gid(u), label, shape="plain")
            continue
        i = sel.value[u]
        v = order[i]
        g.node(vid(i), value_label(v, i == 0, precision), shape="plain")
        if kids[i]:
            lines = [v.op] + ([f"step {steps[v]}"] if v in steps else [])
            g.node(oid(i), graphviz.nohtml("\\n".join(graphviz.escape(t) for t in lines)))
            g.edge(oid(i), vid(i))
    for src, dst, text in value_edges:
        if text:
            g.edge(src, dst, label=graphviz.escape(text))
        else:
            g.edge(src, dst)
    for (src, dst), count in bundled.items():
        if count > 1:
            g.edge(src, dst, label=f"{TIMES}{count}")
        else:
            g.edge(src, dst)
    if n_hidden:
        g.node("hidden", graphviz.escape(f"{n_hidden:,} nodes hidden (max_nodes={max_nodes})"),
               shape="note", style="filled", fillcolor=NOTE_COLOR)  # fmt: skip
        for dst, count in hidden_into.items():
            g.edge("hidden", dst, style="dashed", label=f"{TIMES}{count}" if count > 1 else None)
    return Diagram(g, fmt, n, n_hidden, mode)
