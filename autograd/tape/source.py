"""Writing and running generated source: line wrapping, result structures, ``exec``.

Generated code is registered with ``linecache`` under its own file name
(``<autograd.compile:f:3>``), so tracebacks, ``inspect`` and pdb show its lines.
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .. import _tree

WIDTH = 100
_BREAK = re.compile(r"[()\[\]]|, | \+ | - ")


def wrap_stmt(stmt: str, indent: str = "    ", width: int = WIDTH) -> list[str]:
    """One statement as lines of at most ``width`` where it can be broken: inside brackets,
    after a comma or before a ``+``/``-`` (a long sum on the right of ``=`` is put in brackets)."""
    if len(indent) + len(stmt) <= width or "#" in stmt or "'" in stmt or '"' in stmt:
        return [indent + stmt]
    head, eq, rhs = stmt.partition(" = ")
    if eq and _top_level_sum(rhs):
        stmt = f"{head} = ({rhs})"
    pieces: list[str] = []
    depth = start = 0
    for m in _BREAK.finditer(stmt):
        tok = m.group()
        if tok in "([":
            depth += 1
        elif tok in ")]":
            depth -= 1
        elif depth and tok == ", ":
            pieces.append(stmt[start : m.start() + 1])
            start = m.end()
        elif depth:  # " + " or " - ": break before the operator
            pieces.append(stmt[start : m.start()])
            start = m.start() + 1
    pieces.append(stmt[start:])
    lines, cur = [], indent + pieces[0]
    for piece in pieces[1:]:
        if len(cur) + 1 + len(piece) > width:
            lines.append(cur)
            cur = indent * 3 + piece
        else:
            cur += " " + piece
    return [*lines, cur]


def _top_level_sum(text: str) -> bool:
    """Whether ``text`` has a binary + or - outside any brackets."""
    depth = 0
    for m in _BREAK.finditer(text):
        tok = m.group()
        depth += (tok in "([") - (tok in ")]")
        if depth == 0 and tok in (" + ", " - "):
            return True
    return False


def wrap_items(items: Sequence[str], indent: str, width: int = WIDTH) -> str:
    """Comma-separated ``items`` over as many lines as needed (a trailing comma on each)."""
    lines, cur = [], indent
    for it in items:
        piece = it + ", "
        if len(cur) + len(piece) > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += piece
    lines.append(cur.rstrip())
    return "\n".join(lines)


def signature(name: str, params: Sequence[str]) -> str:
    """``def name(params):``, wrapped when long."""
    text = f"def {name}({', '.join(params)}):"
    if len(text) <= WIDTH:
        return text
    return f"def {name}(\n{wrap_items(params, '        ')}\n):"


def tuple_src(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def struct_src(shape: _tree.Shape, it: Iterator[str]) -> str:
    """Source of a value of ``shape`` whose scalars are the next items of ``it``."""
    if shape is None:
        return next(it)
    is_tuple, sub = shape
    items = [next(it) for _ in range(sub)] if isinstance(sub, int) else [struct_src(s, it) for s in sub]
    return tuple_src(items) if is_tuple else "[" + ", ".join(items) + "]"


_serial = itertools.count(1)


def run_source(src: str, name: str, globals_: dict[str, Any], tag: str) -> Callable[..., Any]:
    """Compile ``src`` and return its function ``name``; its lines are kept in ``linecache``."""
    filename = f"<autograd.compile:{tag}:{next(_serial)}>"
    lines = src.splitlines(keepends=True)
    linecache.cache[filename] = (len(src), None, lines, filename)
    scope = dict(globals_)  # one dict: module-level constants (index arrays) are the function's globals
    exec(builtins.compile(src, filename, "exec"), scope)
    return scope[name]  # type: ignore[no-any-return]
