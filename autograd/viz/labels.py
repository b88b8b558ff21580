"""What each box of a diagram says, and its colour (HTML-like Graphviz labels)."""

from __future__ import annotations

import html
from typing import Any

from ..engine import Value
from .select import is_parameter

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


def table(cells: list[str], color: str, border: int = 0) -> str:
    """One row of cells, as a Graphviz HTML-like label."""
    return (f'<<table border="{border}" cellborder="1" cellspacing="0" cellpadding="4" bgcolor="{color}">'
            f"<tr>{''.join(cells)}</tr></table>>")  # fmt: skip


def value_label(v: Value, is_root: bool, precision: int) -> str:
    """A Value's box: its label (when set), data and grad."""
    cells = [f"<td><b>{html.escape(v.label)}</b></td>"] if v.label else []
    cells.append(f"<td>data {num(v.data, precision)}</td>")
    cells.append(f"<td>grad {num(v.grad, precision)}</td>")
    if is_root:
        return table(cells, ROOT_COLOR, border=2)
    if v.is_leaf:
        return table(cells, PARAM_COLOR if is_parameter(v) else LEAF_COLOR)
    return table(cells, NODE_COLOR)


def group_label(order: list[Value], name: str, size: int, params: int, outs: dict[int, None], precision: int) -> str:
    """An nn scope group's box: its name, size, and its output's data and grad when it has one output."""
    cells = [f"<td><b>{html.escape(name)}</b></td>", f"<td>{size:,} nodes</td>"]
    if params:
        cells.append(f"<td>{params} parameters</td>")
    if len(outs) == 1:
        (i,) = outs
        cells.append(f"<td>out data {num(order[i].data, precision)}</td>")
        cells.append(f"<td>grad {num(order[i].grad, precision)}</td>")
    elif outs:
        cells.append(f"<td>{len(outs)} outputs</td>")
    return table(cells, GROUP_COLOR)
