"""Why a result is nan: the op that first made a nan out of numbers that were not nan.

``autograd graph "log(x)" --at x=-1`` prints ``z = nan``; these notes add the
reason: ``note: log(x) at x=-1 is outside log's domain (x > 0): the result is
nan, as IEEE 754 says``. They read only the public node API (``op``,
``children()``, ``label``, ``data``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine import Value

# Ops with a domain, by the name in their op text: what the input ({}) must satisfy.
_DOMAINS = {"log": "{} > 0", "log1p": "{} > -1", "sqrt": "{} >= 0", "sin": "{} finite", "cos": "{} finite"}
# Infix ops: the undefined forms that give nan from numbers that are not nan.
_UNDEFINED = {"+": "inf + -inf", "-": "inf - inf", "*": "0 * inf", "/": "0/0 or inf/inf"}
_MAX_NOTES = 3


def nan_notes(root: Value, fmt: str = ".10g") -> list[str]:
    """One line per node (at most three, in forward order) whose value is nan while none of its inputs is."""
    from ..engine import topological_order

    notes = []
    for node in reversed(topological_order([root])):  # forward order: the first cause first
        kids = node.children()
        if not math.isnan(node.data) or any(math.isnan(k.data) for k in kids):
            continue
        expr, why = _explain(node.op, [k.label or format(k.data, fmt) for k in kids], [k.data for k in kids])
        named = {k.label: format(k.data, fmt) for k in kids if k.label}  # x*x lists x once
        at = f" at {', '.join(f'{n}={v}' for n, v in named.items())}" if named else ""
        notes.append(f"note: {expr}{at} {why}: the result is nan, as IEEE 754 says")
        if len(notes) == _MAX_NOTES:
            break
    return notes


def _explain(op: str, args: list[str], values: list[float]) -> tuple[str, str]:
    """(the node as an expression, why it is nan) for the op text ``op`` and its inputs."""
    if op in _UNDEFINED and len(args) == 2:
        return f"{args[0]} {op} {args[1]}", f"is undefined ({_UNDEFINED[op]})"
    if op == "**" and len(args) == 2:
        return f"{args[0]}**{args[1]}", "is outside pow's domain (a base < 0 needs a whole exponent)"
    if op.startswith("**") and len(args) == 1:
        return f"{args[0]}{op}", f"is outside pow's domain (a base < 0 needs a whole exponent, not {op[2:]})"
    name = op.split("(")[0].split("[")[0]
    expr = f"{name}({', '.join(args)})"
    if name in _DOMAINS and len(args) == 1:
        return expr, f"is outside {name}'s domain ({_DOMAINS[name].format(args[0])})"
    return expr, "is undefined at these inputs"
