"""What each box of a diagram says, and its colour (HTML-like Graphviz labels)."""

from __future__ import annotations

import html
from typing import Any

from ..engine import Value
from .select import INPUTS, is_parameter

# Fill colours: parameters, other leaves (inputs, constants), the root, nn scope groups, notes.
PARAM_COLOR = "#cfe2ff"
LEAF_COLOR = "#eeeeee"
ROOT_COLOR = "#ffe08a"
NODE_COLOR = "#ffffff"
GROUP_COLOR = "#e6dcf5"
NOTE_COLOR = "#fff3cd"
TIMES = "\u00d7"  # the multiplication sign, on bundled edges: "x16"


def num(x: Any, precision: int) -> str:
    """A data, grad or derivative to ``precision`` significant digits."""
    if isinstance(x, Value):  # a grad after backward(create_graph=True)
        x = x.data
    return f"{float(x):.{precision}g}"


def value_cells(v: Value, precision: int, ref: int | None = None) -> list[str]:
    """The texts of a Value's box: its reference (when it has copies), label (when set), data and grad."""
    cells = [f"#{ref}"] if ref is not None else []
    if v.label:
        cells.append(v.label)
    return [*cells, f"data {num(v.data, precision)}", f"grad {num(v.grad, precision)}"]


def value_box(v: Value, is_root: bool, precision: int, ref: int | None = None, notes: list[str] | None = None) -> str:
    """A Value's box, with a row per note (e.g. that its grad includes earlier passes)."""
    cells = [f"<td>{html.escape(t)}</td>" for t in value_cells(v, precision, ref)]
    if v.label:  # the label in bold
        k = 1 if ref is not None else 0
        cells[k] = f"<td><b>{html.escape(v.label)}</b></td>"
    if is_root:
        color, border = ROOT_COLOR, 2
    elif v.is_leaf:
        color, border = (PARAM_COLOR if is_parameter(v) else LEAF_COLOR), 0
    else:
        color, border = NODE_COLOR, 0
    return _table(cells, color, border, notes or [])


def group_cells(order: list[Value], name: str, size: int, params: int, outs: dict[int, None], precision: int,
                ref: int | None = None) -> list[str]:  # fmt: skip
    """The texts of an nn scope group's box: name, size, and its output's data and grad when it has one."""
    cells = [f"#{ref}"] if ref is not None else []
    if name.startswith(INPUTS):  # leaves that feed the same boxes, e.g. "64 inputs"
        return [*cells, name[len(INPUTS) :]] + ([f"{params} parameters"] if params else [])
    cells += [name, f"{size:,} nodes"]
    if params:
        cells.append(f"{params} parameters")
    if len(outs) == 1:
        (i,) = outs
        cells.append(f"out data {num(order[i].data, precision)}")
        cells.append(f"grad {num(order[i].grad, precision)}")
    elif outs:
        cells.append(f"{len(outs)} outputs")
    return cells


def group_box(cells: list[str], has_ref: bool, stacked: bool = False) -> str:
    """An nn scope group's box from ``group_cells``: the name in bold; ``stacked``: one cell under another.

    Stacked boxes keep a top-to-bottom picture narrow: a layer's groups sit side by side there.
    """
    k = 1 if has_ref else 0
    tds = [f"<td><b>{html.escape(t)}</b></td>" if n == k else f"<td>{html.escape(t)}</td>" for n, t in enumerate(cells)]
    if stacked:
        return (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3" bgcolor="{GROUP_COLOR}">'
                f"{''.join(f'<tr>{td}</tr>' for td in tds)}</table>>")  # fmt: skip
    return _table(tds, GROUP_COLOR, 0, [])


def copy_text(name: str, ref: int, data: str | None) -> str:
    """A copy's text: which box it copies (``#3``), its name and data. Its grad is on the real box."""
    parts = [f"#{ref}", name] if name else [f"#{ref}"]
    if data is not None:
        parts.append(f"data {data}")
    return "  ".join([*parts, "(copy)"])


def _table(cells: list[str], color: str, border: int, notes: list[str]) -> str:
    rows = [f"<tr>{''.join(cells)}</tr>"]
    rows += [f'<tr><td colspan="{len(cells)}" bgcolor="{NOTE_COLOR}">{html.escape(t)}</td></tr>' for t in notes]
    return (f'<<table border="{border}" cellborder="1" cellspacing="0" cellpadding="4" bgcolor="{color}">'
            f"{''.join(rows)}</table>>")  # fmt: skip
