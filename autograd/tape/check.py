"""Catching numbers that leave the graph inside ``f``, which a trace would freeze.

``x * x.detach()`` records ``x * 5.0`` when traced at 5: the detached number
is a constant of the graph. So are results computed under ``no_grad()``, with
``gradients()`` or ``backward()`` on floats, read from ``.data``, copied with
``copy.deepcopy``, or drawn at random inside ``f``. Nothing in the graph says
where such a constant came from, so the tape checks the consequence: it runs
``f`` again at inputs nudged a little (about 1e-7 relative) and compares the
engine's value and gradients there with the compiled replay's. The scalar replay computes
the engine's floats bit for bit, so any difference means a number inside
``f`` depends on the inputs outside the graph. Then ``compile`` refuses, and
names the constructs it finds in ``f``'s source.

The check runs ``f`` a second time at trace time (its side effects happen
twice). Inputs that are the caller's own Values (a model's parameters) are
nudged in place for that run and restored after it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..engine import Value
from ..modes import enable_grad
from ..passes import gradients
from .runtime import GuardFailed
from .trace import TraceError, recording, source_mentions

if TYPE_CHECKING:
    from collections.abc import Callable

    from .compiled import Tape

LEAVERS = {
    "detach": ".detach()", "no_grad": "no_grad()", "gradients": "gradients()", "backward": ".backward()",
    "data": ".data", "item": ".item()", "deepcopy": "copy.deepcopy()", "copy": "copy", "random": "random",
}  # fmt: skip
"""Words in f's source that name a way out of the graph, and how the message shows them."""


def _nudge(x: float, i: int, sign: float) -> float:
    """``x`` moved by about 1e-9 of its size (a little more for later inputs, so none cancel)."""
    if not math.isfinite(x):
        return x
    return x + sign * (abs(x) + 1.0) * 2.0**-24 * (1.0 + 0.37 * (i % 7))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(p, q) for p, q in zip(a, b))
    x, y = float(a), float(b)
    return x == y or (x != x and y != y)


def _engine(f: Callable[..., Any], tape: Tape, point: list[float]) -> list[float]:
    """f's output, aux numbers and gradients at ``point``, computed by the engine on the traced leaves."""
    tr = tape.trace
    saved = [x.data for x in tr.inputs]
    try:
        for x, v in zip(tr.inputs, point):
            x.data = v
        with recording(), enable_grad():  # its comparisons are not this trace's guards
            out = f(*tr.traced)
            aux: Any = []
            if tr.has_aux:
                out, aux = out
            numbers = [out.data] + [a.data if isinstance(a, Value) else a for a in _flatten_numbers(aux)]
            wrt = [x for x, w in zip(tr.inputs, tape.wrt) if w]
            return numbers + gradients(out, wrt)  # read before the inputs are restored: f may return one
    finally:
        for x, v in zip(tr.inputs, saved):
            x.data = v


def _agrees(f: Callable[..., Any], tape: Tape, point: list[float]) -> bool | None:
    """Whether replay and engine agree at ``point``; None if f takes another path there, or raises."""
    try:
        value, grads = tape.scalar(*point)
    except GuardFailed:
        return None
    try:
        expected = _engine(f, tape, point)
    except Exception:  # f may refuse inputs it was not traced at (a label check, ...)
        return None
    return _same(_flatten_numbers(value) + _flatten_numbers(grads), expected)


def _flatten_numbers(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [e for item in x for e in _flatten_numbers(item)]
    return [x]


def check_replay(f: Callable[..., Any], tape: Tape) -> None:
    """Raise a TraceError if ``f`` uses, outside the graph, a number that depends on its inputs."""
    base = [x.data for x in tape.trace.inputs]
    if not base:
        return
    for sign in (1.0, -1.0):
        verdict = _agrees(f, tape, [_nudge(x, i, sign) for i, x in enumerate(base)])
        if verdict is None:
            continue
        if verdict:
            return
        found = source_mentions(f, tuple(LEAVERS))
        named = ", ".join(f"{LEAVERS[w]} (line {line})" for w, line in sorted(found.items(), key=lambda e: e[1]))
        raise TraceError(
            f"compile: {tape.trace.fname} uses a number that depends on its inputs but is not part of "
            "the graph, so the compiled code would freeze it at its traced value (replayed near the traced "
            "inputs, it disagrees with the engine). Numbers leave the graph through .detach(), "
            "`with no_grad():`, gradients() or .backward() without create_graph, .data or .item(), "
            "copy.deepcopy(), and random numbers drawn inside f. "
            + (f"{tape.trace.fname}'s source uses {named}. " if named else "")
            + "Keep the computation on Values (autograd.grad inside f traces), or pass such numbers "
            "in as arguments."
        )
