"""Diagrams of the computation graph that show the chain rule.

``draw_dot(root)`` builds DOT text with the ``graphviz`` package: a box per
Value (label, data, grad), an ellipse per op, and on each input edge the
*value* of the local derivative d(out)/d(in), read from the op's rule through
``Value.local_grads()``. So every leaf's grad can be checked by eye:
grad(child) = sum over its out-edges of local x grad(parent).

Rendering uses the system ``dot`` when it is on PATH, else the
``graphviz-pure`` binary (a normal dependency), run here directly because the
graphviz package only ever calls ``dot``. Reads ``engine`` only; nn's scope
tags (``Value.tag``, e.g. "L1.N3") are read duck-typed.
Reading guide and options: docs/diagrams.md.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .engine import Value, topological_order

if TYPE_CHECKING:
    from pathlib import Path

# html, pathlib, shutil, subprocess, sysconfig and graphviz are imported where
# used, so that `import autograd` stays fast.

__all__ = ["Diagram", "RenderError", "RendererNotFoundError", "draw_dot", "find_renderer", "render_source"]

RENDERERS = ("dot", "graphviz-pure")
"""Backends, in the order they are tried; ``AUTOGRAD_RENDERER`` forces one."""

FORMATS = ("svg", "png", "pdf", "dot")
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
_PURE_FORMATS = ("svg", "png")

INSTALL_HINT = "install one: `apt-get install graphviz` (or `brew install graphviz`), or `pip install graphviz-pure`"

# Fill colours: parameters, other leaves (inputs, constants), the root, nn scope groups.
_PARAM_COLOR = "#cfe2ff"
_LEAF_COLOR = "#eeeeee"
_ROOT_COLOR = "#ffe08a"
_NODE_COLOR = "#ffffff"
_GROUP_COLOR = "#e6dcf5"
_NOTE_COLOR = "#fff3cd"
_TIMES = "\u00d7"  # the multiplication sign, on bundled edges: "x16"


class RenderError(RuntimeError):
    """The diagram could not be rendered (its DOT text is still in ``.source``)."""


class RendererNotFoundError(RenderError):
    """Neither system Graphviz ``dot`` nor ``graphviz-pure`` is available (for this format)."""


# --------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------


class Renderer(NamedTuple):
    """One rendering backend: its name ('dot' or 'graphviz-pure') and executable."""

    name: str
    path: str


def _scripts_dirs() -> list[str]:
    """Where pip puts console scripts for this interpreter (the venv may not be activated)."""
    import sysconfig

    dirs = [sysconfig.get_path("scripts")]
    try:
        dirs.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    except KeyError:
        pass
    return [d for d in dirs if d]


def _find_dot() -> str | None:
    import shutil

    return shutil.which("dot")


def _find_pure() -> str | None:
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    for d in _scripts_dirs():
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    import shutil

    return shutil.which("graphviz-pure")


def find_renderer(format: str = "svg") -> Renderer:  # noqa: A002 (micrograd's name)
    """The backend that will render ``format``: system dot, else graphviz-pure.

    ``AUTOGRAD_RENDERER=dot|graphviz-pure`` forces one. Raises
    RendererNotFoundError, naming the fixes, when none fits.
    """
    fmt = _check_format(format)
    forced = os.environ.get("AUTOGRAD_RENDERER", "").strip()
    if forced and forced not in RENDERERS:
        raise RenderError(f"AUTOGRAD_RENDERER={forced!r} is not a renderer: use 'dot' or 'graphviz-pure', or unset it")
    if forced == "graphviz-pure" or (not forced and fmt in _PURE_FORMATS and _find_dot() is None):
        if fmt not in _PURE_FORMATS:
            raise RendererNotFoundError(
                f"graphviz-pure renders svg and png, not {fmt}; {fmt} needs the system Graphviz 'dot' "
                "(`apt-get install graphviz` or `brew install graphviz`), or write .svg or .png instead"
            )
        pure = _find_pure()
        if pure is not None:
            return Renderer("graphviz-pure", pure)
        if forced:
            raise RendererNotFoundError(
                "AUTOGRAD_RENDERER=graphviz-pure but no 'graphviz-pure' command was found "
                f"(looked in {', '.join(_scripts_dirs())} and PATH): `pip install graphviz-pure`, or unset it"
            )
        raise RendererNotFoundError(
            "no Graphviz renderer found: neither the system 'dot' command nor 'graphviz-pure' is installed; "
            + INSTALL_HINT
        )
    dot = _find_dot()
    if dot is not None:
        return Renderer("dot", dot)
    if forced:
        raise RendererNotFoundError(
            "AUTOGRAD_RENDERER=dot but there is no 'dot' on PATH: `apt-get install graphviz` "
            "(or `brew install graphviz`), or unset AUTOGRAD_RENDERER"
        )
    raise RendererNotFoundError(
        f"{fmt} needs the system Graphviz 'dot', which is not on PATH (graphviz-pure renders svg and png only): "
        "`apt-get install graphviz` or `brew install graphviz`, or write .svg or .png instead"
    )


def render_source(source: str, format: str = "svg", renderer: Renderer | None = None) -> bytes:  # noqa: A002
    """Render DOT text to ``format`` bytes ('dot' returns the text itself).

    If the system dot was picked (not forced) and fails, say for lack of a
    PNG plugin, graphviz-pure gets a try before the error is raised.
    """
    fmt = _check_format(format)
    if fmt == "dot":
        return source.encode("utf-8")
    r = renderer or find_renderer(fmt)
    try:
        return _run(r, source, fmt)
    except RenderError:
        if renderer is not None or r.name != "dot" or fmt not in _PURE_FORMATS or os.environ.get("AUTOGRAD_RENDERER"):
            raise
        pure = _find_pure()
        if pure is None:
            raise
        try:
            return _run(Renderer("graphviz-pure", pure), source, fmt)
        except RenderError:
            pass
        raise


def _run(r: Renderer, source: str, fmt: str) -> bytes:
    import subprocess

    try:
        proc = subprocess.run([r.path, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, check=False)
    except OSError as e:
        raise RenderError(f"could not run {r.name} ({r.path}): {e}") from None
    if proc.returncode != 0 or not proc.stdout:
        # graphviz-pure warns about non-ASCII label widths on every run: not news.
        lines = [ln for ln in proc.stderr.decode("utf-8", "replace").splitlines()
                 if ln.strip() and "non-ASCII character" not in ln]  # fmt: skip
        detail = "; ".join(lines[-3:]) or f"exit status {proc.returncode}, no output"
        raise RenderError(f"{r.name} failed to render {fmt}: {detail}")
    return proc.stdout


def _check_format(format: str) -> str:  # noqa: A002
    fmt = str(format).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {format!r}: use one of {', '.join(FORMATS)}")
    return fmt


# --------------------------------------------------------------------------
# The diagram object
# --------------------------------------------------------------------------


class Diagram:
    """A drawn graph: ``.source`` (DOT), ``.render(path)``, ``.pipe(fmt)``, Jupyter display.

    ``.graph`` is the underlying ``graphviz.Digraph`` for further styling.
    ``n_nodes`` counts the Values in the graph, ``n_hidden`` those not drawn.
    """

    def __init__(self, graph: Any, format: str, n_nodes: int, n_hidden: int, mode: str) -> None:  # noqa: A002
        self.graph = graph
        self.format = format
        self.n_nodes = n_nodes
        self.n_hidden = n_hidden
        self.mode = mode  # "full", "scope" (collapsed by nn scope) or "truncated"

    @property
    def source(self) -> str:
        """The DOT text: deterministic, testable without any renderer."""
        return str(self.graph.source)

    def pipe(self, format: str | None = None) -> bytes:  # noqa: A002
        """The rendered bytes (svg, png, pdf) or the DOT text ('dot')."""
        return render_source(self.source, format or self.format)

    def render(
        self,
        path: str | os.PathLike[str] | None = None,
        format: str | None = None,  # noqa: A002
        *,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        cleanup: bool = True,
    ) -> Path:
        """Write the diagram; the format comes from the suffix (.svg .png .pdf .dot), else ``format``.

        If rendering fails, the DOT text is kept next to the requested file
        (same name, .dot) and the error says where. ``filename``, ``directory``
        and ``cleanup`` take graphviz-style calls, e.g. micrograd notebooks'
        ``render(filename='gout', format='png')``; no DOT file is left behind
        in any case (as graphviz's ``cleanup=True``).
        """
        from pathlib import Path

        target = path if path is not None else filename
        if target is None:
            raise TypeError("render() needs a file name, e.g. render('graph.svg')")
        out = Path(directory, target) if directory is not None else Path(target)
        fmt = _format_for(out, format or self.format)
        if out.suffix.lower() not in SUFFIXES:
            out = out.with_name(out.name + "." + fmt)
        if fmt == "dot":
            out.write_text(self.source, encoding="utf-8")
            return out
        try:
            data = render_source(self.source, fmt)
        except RenderError as e:
            kept = out.with_suffix(".dot")
            kept.write_text(self.source, encoding="utf-8")
            raise type(e)(f"{e} (the DOT text is saved in {kept})") from None
        out.write_bytes(data)
        return out

    save = render

    _player_args: tuple[Value, dict[str, Any]] | None = None  # set by draw_dot: (root, its options)

    def player(self, **options: Any) -> Any:
        """This graph as an interactive step-through page (autograd.player); options override draw_dot's."""
        from .playback import player

        if self._player_args is None:
            raise RuntimeError("player() needs a Diagram made by draw_dot(root)")
        root, drawn = self._player_args
        return player(root, **{**drawn, **options})

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: svg (png if format='png'), through whichever renderer exists."""
        fmt = "png" if self.format == "png" else "svg"
        try:
            data = self.pipe(fmt)
        except RenderError as e:
            return {"text/plain": f"{self!r}\ncannot display: {e}"}
        if fmt == "png":
            return {"image/png": data}
        return {"image/svg+xml": data.decode("utf-8")}

    def __repr__(self) -> str:
        extra = f", {self.n_hidden} hidden" if self.n_hidden else ""
        return f"<Diagram of {self.n_nodes} nodes ({self.mode}{extra}): .source is the DOT; .render('graph.svg')>"


def _format_for(path: Path, default: str) -> str:
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix and not suffix[1:].isdigit():  # 'run.1' is a name, '.jpg' a format we lack
        raise ValueError(f"unsupported file suffix {path.suffix!r}: use .svg, .png, .pdf (system dot) or .dot")
    return _check_format(default)


# --------------------------------------------------------------------------
# Building the DOT
# --------------------------------------------------------------------------


def _num(x: Any, precision: int) -> str:
    if isinstance(x, Value):  # a grad after backward(create_graph=True)
        x = x.data
    return f"{float(x):.{precision}g}"


def _is_parameter(v: Value) -> bool:
    return type(v).__name__ == "Parameter" or getattr(v, "requires_grad", False) is True


def _collect(root: Value) -> tuple[list[Value], list[list[int]]]:
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


_MANY = "\0many"  # a leaf consumed by more than one unit


def _plan(order: list[Value], kids: list[list[int]], max_nodes: int | None) -> tuple[list[str | None], str]:
    """Each Value's group (None: drawn on its own) and the mode.

    Up to max_nodes Values: all on their own ("full"). Above, group by nn
    scope at the finest tag depth ("L1.N3", then "L1") that fits; a leaf used
    only inside one group (a neuron's weights) joins it ("scope").
    Truncation of what is still too many happens in draw_dot.
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
    fmt = _check_format(format)
    rd = str(rankdir).upper()
    if rd not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"precision is a number of significant digits from 1 to 17, got {precision!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int, or None to draw every node; got {max_nodes!r}")

    order, kids = _collect(root)
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
    unit_group: list[str | None] = [None] * n_units
    unit_value: list[int] = [0] * n_units
    unit_size: list[int] = [0] * n_units
    unit_params: list[int] = [0] * n_units
    for i, u in enumerate(unit_of):
        unit_size[u] += 1
        if group[i] is None:
            unit_value[u] = i
        else:
            unit_group[u] = group[i]
            unit_params[u] += _is_parameter(order[i])
    if max_nodes is None or n_units <= max_nodes:
        drawn = list(range(n_units))
    else:
        drawn = _nearest_units(kids, unit_of, n_units, max_nodes)
        mode = mode if mode != "full" else "truncated"
    kept = [False] * n_units
    for u in drawn:
        kept[u] = True
    n_hidden = n - sum(unit_size[u] for u in drawn)

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
                    if pos < len(locals_):  # a closure node (micrograd's way) has no local derivatives
                        text = f"∂{v.label or 'out'}/∂{cname} = {_num(locals_[pos], precision)}"
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

    for u in drawn:
        name = unit_group[u]
        if name is not None:
            label = _group_label(order, name, unit_size[u], unit_params[u], outputs.get(u, {}), precision)
            g.node(gid(u), label, shape="plain")
            continue
        i = unit_value[u]
        v = order[i]
        g.node(vid(i), _value_label(v, i == 0, precision), shape="plain")
        if kids[i]:
            closure = v.children() and not v.local_grads()
            lines = [v.op + (" (closure)" if closure else "")] + ([f"step {steps[v]}"] if v in steps else [])
            g.node(oid(i), graphviz.nohtml("\\n".join(graphviz.escape(t) for t in lines)))
            g.edge(oid(i), vid(i))
    for src, dst, text in value_edges:
        if text:
            g.edge(src, dst, label=graphviz.escape(text))
        else:
            g.edge(src, dst)
    for (src, dst), count in bundled.items():
        if count > 1:
            g.edge(src, dst, label=f"{_TIMES}{count}")
        else:
            g.edge(src, dst)
    if n_hidden:
        g.node("hidden", graphviz.escape(f"{n_hidden:,} nodes hidden (max_nodes={max_nodes})"),
               shape="note", style="filled", fillcolor=_NOTE_COLOR)  # fmt: skip
        for dst, count in hidden_into.items():
            g.edge("hidden", dst, style="dashed", label=f"{_TIMES}{count}" if count > 1 else None)
    diagram = Diagram(g, fmt, n, n_hidden, mode)
    diagram._player_args = (root, {"rankdir": rd, "show_local_grads": show_local_grads, "show_order": show_order,
                                   "precision": precision, "max_nodes": max_nodes})  # fmt: skip
    return diagram


def _table(cells: list[str], color: str, border: int = 0) -> str:
    return (f'<<table border="{border}" cellborder="1" cellspacing="0" cellpadding="4" bgcolor="{color}">'
            f"<tr>{''.join(cells)}</tr></table>>")  # fmt: skip


def _value_label(v: Value, is_root: bool, precision: int) -> str:
    import html

    cells = [f"<td><b>{html.escape(v.label)}</b></td>"] if v.label else []
    cells.append(f"<td>data {_num(v.data, precision)}</td>")
    cells.append(f"<td>grad {_num(v.grad, precision)}</td>")
    if is_root:
        return _table(cells, _ROOT_COLOR, border=2)
    if v.is_leaf:
        return _table(cells, _PARAM_COLOR if _is_parameter(v) else _LEAF_COLOR)
    return _table(cells, _NODE_COLOR)


def _group_label(order: list[Value], name: str, size: int, params: int, outs: dict[int, None], precision: int) -> str:
    import html

    cells = [f"<td><b>{html.escape(name)}</b></td>", f"<td>{size:,} nodes</td>"]
    if params:
        cells.append(f"<td>{params} parameters</td>")
    if len(outs) == 1:
        (i,) = outs
        cells.append(f"<td>out data {_num(order[i].data, precision)}</td>")
        cells.append(f"<td>grad {_num(order[i].grad, precision)}</td>")
    elif outs:
        cells.append(f"<td>{len(outs)} outputs</td>")
    return _table(cells, _GROUP_COLOR)
