"""Tracing: run ``f`` once on Values, record its graph and the guards it needs.

A ``Trace`` holds what the writers need: the input leaves, the output (and aux
outputs), the nodes in forward order (``engine.topological_order`` reversed),
which nodes depend on the inputs, the guards, and a name for every node.

Guards are the comparisons, ``float()`` and ``format()`` that ``f`` made on
Values (observed through ``modes.observing``): its Python took one branch, so
the code written from this trace is only valid while they hold.

What tracing cannot replay, it refuses here (see docs/compile.md, "What a trace
cannot replay"): ``.backward()`` and reading an input's ``.grad`` inside ``f``
are caught as they happen; values that leave the graph (``.detach()``,
``no_grad``, ``gradients()``, ...) are caught by ``compiled.py``'s replay check.
"""

from __future__ import annotations

import inspect
import numbers
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .. import _tree, modes
from ..engine import Value, _to_float, topological_order
from ..modes import enable_grad
from .names import Names, arg_names, function_name

Event = tuple[str, tuple[Any, ...], Any]
_recorder: ContextVar[list[Event] | None] = ContextVar("autograd_tape_recorder", default=None)


def tracing() -> bool:
    """True while a compiled function is being traced in this thread or task."""
    return _recorder.get() is not None


def _observe(kind: str, args: tuple[Any, ...], result: Any) -> None:
    events = _recorder.get()
    if events is not None:
        events.append((kind, args, result))


@contextmanager
def recording() -> Iterator[list[Event]]:
    """Observe the comparisons, float() and format() made on Values while f runs here."""
    events: list[Event] = []
    token = _recorder.set(events)
    try:
        with modes.observing(_observe):
            yield events
    finally:
        _recorder.reset(token)


class TraceError(TypeError):
    """``f`` did something that a compiled function cannot replay (said in the message)."""


class _GradProbe:
    """Stands in for an input's ``.grad`` while f is traced: using it raises a TraceError.

    The engine's backward adds to an input's ``.grad``, and code that reads
    ``.grad`` computes with it: either way the number is not part of the graph,
    so the compiled code could not reproduce it.
    """

    def __init__(self, name: str, fname: str) -> None:
        self.name = name
        self.fname = fname

    def _fail(self, *args: Any) -> Any:
        callers = {sys._getframe(k).f_code.co_name for k in range(1, 4)}
        if callers & {"backprop", "backward", "_backward_on_records"}:
            what = "calls .backward()"
        elif "__reduce__" in callers:
            what = f"copies {self.name} (copy.deepcopy or pickle: a copy is a detached leaf)"
        else:
            what = f"reads {self.name}.grad"
        raise TraceError(
            f"compile: {self.fname} {what} while it is traced. A gradient stored in .grad, or a copy, "
            "is not part of the graph, so the compiled code cannot replay it. Inside a compiled "
            "function, differentiate with autograd.grad(...) or autograd.gradients(..., "
            "create_graph=True), which trace; or take gradients outside it."
        )

    __add__ = __radd__ = __iadd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __neg__ = __float__ = __bool__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __int__ = __round__ = __abs__ = _fail

    def __repr__(self) -> str:  # printing a Value inside f is harmless
        return "<.grad is not available while tracing>"

    def __format__(self, spec: str) -> str:
        return repr(self) if not spec else self._fail()


numbers.Real.register(_GradProbe)  # so Value(x.grad) reaches __float__ and says what went wrong


@contextmanager
def _probing(inputs: Sequence[Value], names: Sequence[str], fname: str) -> Iterator[None]:
    """Put a _GradProbe in each input's ``.grad`` while f runs; restore the grads after."""
    saved = [x.grad for x in inputs]
    for x, name in zip(inputs, names):
        x.grad = _GradProbe(name, fname)
    try:
        yield
    finally:
        for x, g in zip(inputs, saved):
            x.grad = g


def label_of(v: Value) -> str:
    """The name a Value suggests: its label, within its tag (``L0.N3.w1``, ``L0.N3.relu``)."""
    label, tag = v.label, v.tag
    if v._prim is None or label:
        return f"{tag}.{label}" if tag and label and v._prim is None else label
    return f"{tag}.{v._prim.name}" if tag else ""


class Trace:
    """One recording of f: its inputs, output, graph in forward order, guards and names."""

    def __init__(self, f: Callable[..., Any], args: Sequence[Any], shape: _tree.Shape, has_aux: bool) -> None:
        self.shape = shape  # one shape per argument
        self.fname = function_name(f)
        self.inputs: list[Value] = []
        self.names: dict[Value, str] = {}
        self.namer = Names([self.fname])
        given: set[Value] = set()
        traced = [self._leaves(a, base, given) for a, base in zip(args, arg_names(f, len(args)))]
        self.traced = traced  # f's arguments as traced: the input leaves in the arguments' shape
        with _probing(self.inputs, [self.names[x] for x in self.inputs], self.fname), recording() as events:
            with enable_grad():
                out = f(*traced)
        self.aux: list[Any] = []
        self.aux_shape: _tree.Shape = None
        self.has_aux = has_aux
        if has_aux:
            if not isinstance(out, (list, tuple)) or len(out) != 2:
                raise TypeError("with has_aux=True the function must return a pair (output Value, aux)")
            out, aux = out
            self.aux_shape = _tree.flatten(aux, self.aux)
            self.aux = [a if isinstance(a, Value) else _to_float(a) for a in self.aux]
        if not isinstance(out, Value):
            kind = type(out).__name__
            raise TypeError(
                f"a compiled function must return one Value, got a {kind}"
                + (" (computed from .data? use Value operations instead)" if kind in ("float", "int") else "")
            )
        self.out = out
        events = [e for e in events if any(isinstance(a, Value) for a in e[1])]
        roots = [out] + [a for a in self.aux if isinstance(a, Value)]
        roots += [a for _, args_, _ in events for a in args_ if isinstance(a, Value)]
        self.order = topological_order(roots)[::-1]  # each node after its inputs
        dep: dict[Value, bool] = dict.fromkeys(self.inputs, True)
        for v in self.order:
            dep[v] = any(dep.get(c, False) for c in v._prim.inputs(v))
        self.dep = dep
        # Guards on values that depend on the inputs; the rest are about constants and always hold.
        self.events = [e for e in events if any(dep.get(a, False) for a in e[1] if isinstance(a, Value))]
        self._name_nodes()
        self._warn(f)

    def _leaves(self, x: Any, path: str, given: set[Value]) -> Any:
        """``x`` with each scalar replaced by an input leaf (a Value passed at trace time is the leaf)."""
        if isinstance(x, (list, tuple)):
            items = [self._leaves(e, f"{path}_{i}", given) for i, e in enumerate(x)]
            return tuple(items) if isinstance(x, tuple) else items
        if isinstance(x, Value):
            leaf, label = (x if x._prim is None else Value(x.data)), label_of(x)
        else:
            leaf, label = Value(_to_float(x)), ""
        if leaf in given:
            raise ValueError(f"the same Value ({label or path}) is passed twice; each input must be its own leaf")
        given.add(leaf)
        self.inputs.append(leaf)
        self.names[leaf] = self.namer.user(label, path)
        return leaf

    def _name_nodes(self) -> None:
        names, namer = self.names, self.namer
        self.consts: list[Value] = []  # labelled constant leaves get a line of their own
        k = 0
        for v in self.order:
            for c in v._prim.inputs(v):
                if c._prim is None and c not in names and c.label:
                    names[c] = namer.user(label_of(c), "c")
                    self.consts.append(c)
            label = label_of(v)
            if not label:
                k += 1
            names[v] = namer.user(label, f"v{k}")

    def _warn(self, f: Callable[..., Any]) -> None:
        if self.consts:
            shown = ", ".join(repr(c.label) for c in self.consts[:3])
            warnings.warn(
                f"compile: {self.fname} uses Value(s) that are not among its arguments ({shown}"
                f"{', ...' if len(self.consts) > 3 else ''}); the compiled code freezes their current "
                "values. Pass them as arguments (e.g. the model's parameters) to make them inputs.",
                RuntimeWarning, stacklevel=5,
            )  # fmt: skip
        if not self.dep.get(self.out, False):
            warnings.warn(
                f"compile: the output of {self.fname} depends on none of its inputs, so the compiled "
                "code returns a constant (was it computed from .data?)",
                RuntimeWarning, stacklevel=5,
            )  # fmt: skip
        line = source_mentions(f, ("data",)).get("data")
        if line is not None:
            warnings.warn(
                f"compile: {self.fname} reads '.data' (line {line}): inside a compiled function that "
                "number is frozen at its traced value. Use Value operations, or comparisons on Values "
                "(which become guards), instead.",
                RuntimeWarning, stacklevel=5,
            )  # fmt: skip


_PATTERNS = {
    "data": r"\.data\b", "detach": r"\.detach\(", "item": r"\.item\(", "backward": r"\.backward\(",
    "no_grad": r"\bno_grad\b", "gradients": r"\bgradients\(", "deepcopy": r"\bdeepcopy\(",
    "copy": r"\bcopy\.copy\(", "random": r"\brandom\b",
}  # fmt: skip


def source_mentions(f: Callable[..., Any], words: Sequence[str]) -> dict[str, int]:
    """Which of ``words`` (keys of _PATTERNS, e.g. "detach" for ``.detach(``) f's own source
    uses, each with the first line where it does; {} when the source is not available."""
    try:
        lines, start = inspect.getsourcelines(f)
    except (OSError, TypeError):
        return {}
    found: dict[str, int] = {}
    for k, line in enumerate(lines):
        code = line.split("#", 1)[0]
        for word in words:
            if word not in found and re.search(_PATTERNS[word], code):
                found[word] = start + k
    return found
