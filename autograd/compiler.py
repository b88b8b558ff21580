"""The compiled tape: a function of Values turned into straight-line Python.

``autograd.compile(f)`` runs ``f`` once on Values (a trace), then writes the
graph it recorded as plain Python: one line per node for the forward pass and
one line per edge for the backward pass, each local derivative read from the
op's rule in ops.py and evaluated on a code emitter. The result is the chain
rule unrolled, and re-running it on new inputs is much faster than building
the graph again.

The same code runs over numpy arrays of shape (B,) (batched replay), with the
numpy namespace of the rules; gradients of inputs given as plain floats are
summed over the batch. Guards (comparisons, ``float(v)``, ``format(v)`` made
during the trace) are checked at replay: a failed guard re-traces. See
docs/compile.md.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import keyword
import math
import re
import textwrap
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

from . import modes, ops, passes
from .engine import Value, _to_float
from .modes import enable_grad
from .ops import FLOAT

__all__ = ["Compiled", "GuardFailed", "compile"]

Argnums = int | Sequence[int] | None


class GuardFailed(Exception):
    """Raised inside generated code when a guard recorded at trace time no longer holds."""


# --------------------------------------------------------------------------
# A code emitter that folds constants: the rules of ops.py evaluated on it give
# readable source (``2.0 * t`` for the derivative of ``t**2``, not
# ``where(eq(2.0, 0), 0.0, 2.0 * pow(t, 2.0 - 1))``). Folding computes with the
# float namespace, so a folded constant is the float the engine computes.
# An expression that depends on a batched input is ``vec``; its calls go to
# the numpy namespace ``N``.
# --------------------------------------------------------------------------

_ATOM, _UNARY, _MUL, _ADD = 4, 3, 2, 1


class _Ex:
    """A symbolic value: source text, its precedence, and its value if constant."""

    __slots__ = ("const", "prec", "src", "vec")

    def __init__(self, src: str, prec: int = _ATOM, const: Any = None, vec: bool = False) -> None:
        self.src = src
        self.prec = prec
        self.const = const
        self.vec = vec

    def __add__(self, o: Any) -> _Ex: return _binop(self, o, "+")
    def __radd__(self, o: Any) -> _Ex: return _binop(o, self, "+")
    def __sub__(self, o: Any) -> _Ex: return _binop(self, o, "-")
    def __rsub__(self, o: Any) -> _Ex: return _binop(o, self, "-")
    def __mul__(self, o: Any) -> _Ex: return _binop(self, o, "*")
    def __rmul__(self, o: Any) -> _Ex: return _binop(o, self, "*")

    def __neg__(self) -> _Ex:
        if _is_num(self.const):
            return _lit(-self.const)
        inner = self.src if self.prec > _UNARY else f"({self.src})"
        return _Ex(f"-{inner}", _UNARY, vec=self.vec)

    def __bool__(self) -> bool:
        raise TypeError("derivative rules must be branch-free: use m.where(cond, a, b)")

    def __repr__(self) -> str:
        return f"_Ex({self.src!r})"


def _is_num(c: Any) -> bool:
    return type(c) is float


def _lit(x: Any) -> _Ex:
    if isinstance(x, bool):
        return _Ex(repr(x), const=x)
    x = float(x)
    src = "nan" if x != x else ("inf" if x == math.inf else ("-inf" if x == -math.inf else repr(x)))
    return _Ex(src, _UNARY if src.startswith("-") else _ATOM, const=x)


def _arg(x: Any) -> Any:
    if isinstance(x, _Ex):
        return x
    if isinstance(x, (list, tuple)):
        return [_arg(e) for e in x]
    if isinstance(x, (bool, int, float)):
        return _lit(x)
    raise TypeError(f"cannot emit code for a {type(x).__name__} in a rule")


def _is_const(x: Any) -> bool:
    return all(_is_const(e) for e in x) if isinstance(x, list) else x.const is not None


def _value(x: Any) -> Any:
    return [_value(e) for e in x] if isinstance(x, list) else x.const


def _is_vec(x: Any) -> bool:
    return any(_is_vec(e) for e in x) if isinstance(x, list) else bool(x.vec)


def _render(x: Any) -> str:
    return "[" + ", ".join(_render(e) for e in x) + "]" if isinstance(x, list) else str(x.src)


_PYOPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
}  # fmt: skip


def _binop(a: Any, b: Any, op: str) -> _Ex:
    a, b = _arg(a), _arg(b)
    assert isinstance(a, _Ex) and isinstance(b, _Ex)
    if _is_num(a.const) and _is_num(b.const):
        return _lit(_PYOPS[op](a.const, b.const))
    if op == "*" and _is_num(a.const) and a.const == 1.0:
        return b  # 1.0 * x == x for every float, nan and signed zeros included
    if op == "*" and _is_num(b.const) and b.const == 1.0:
        return a
    prec = _MUL if op == "*" else _ADD
    left = a.src if a.prec >= prec else f"({a.src})"
    right = b.src if b.prec > prec else f"({b.src})"  # keeps the rule's evaluation order
    return _Ex(f"{left} {op} {right}", prec, vec=a.vec or b.vec)


def _emit_call(name: str) -> Callable[..., _Ex]:
    fn = getattr(FLOAT, name)

    def call(*args: Any) -> _Ex:
        xs = [_arg(a) for a in args]
        if all(_is_const(a) for a in xs):
            return _lit(fn(*[_value(a) for a in xs]))
        if name in _INLINE:
            return _INLINE[name](*xs)
        if name == "where" and not isinstance(xs[0], list) and xs[0].const is not None:
            return xs[1] if xs[0].const else xs[2]  # type: ignore[no-any-return]
        if name == "pow" and _is_num(xs[1].const) and xs[1].const == 1.0:
            return xs[0]  # type: ignore[no-any-return]  # pow(x, 1) == x exactly
        vec = any(_is_vec(a) for a in xs)
        return _Ex(f"{'N.' if vec else ''}{name}({', '.join(_render(a) for a in xs)})", vec=vec)

    return call


def _inline_fsum(xs: list[_Ex]) -> _Ex:
    total = _lit(0.0)
    for x in xs:
        total = _binop(total, x, "+")
    return total


def _inline_dot(ws: list[_Ex], xs: list[_Ex]) -> _Ex:
    total = _lit(0.0)
    for w, x in zip(ws, xs):
        total = _binop(total, _binop(w, x, "*"), "+")
    return total


_INLINE: dict[str, Callable[..., _Ex]] = {"fsum": _inline_fsum, "dot": _inline_dot}
"""The emitter's own ``fsum`` and ``dot``: written out as the float namespace computes them
(``0.0 + x0 + x1 ...``, left to right, so the same floats), which reads as a neuron's
weighted sum and runs faster than a call."""

_FOLD = SimpleNamespace(**{name: _emit_call(name) for name in ops.NAMESPACE_FUNCTIONS})


# --------------------------------------------------------------------------
# Runtime namespaces of the generated code.
# --------------------------------------------------------------------------


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _same_format(a: float, spec: str, text: str) -> bool:
    return format(a, spec) == text


_SCALAR_GLOBALS: dict[str, Any] = {
    **vars(FLOAT), "nan": math.nan, "inf": math.inf, "GuardFailed": GuardFailed,
    "same": _same, "same_format": _same_format,
}  # fmt: skip
_HELPERS = ("nan", "inf", "N", "GuardFailed", "same", "same_format")


@functools.lru_cache(maxsize=1)
def _batched_globals() -> dict[str, Any]:
    """The generated code's globals for batched replay: floats plus ``N``, numpy."""
    import numpy as np

    N = ops.numpy_namespace()
    dot = np.dot

    def total(a: Any) -> float:
        return float(a.sum())

    def vdot(a: Any, b: Any) -> float:
        return float(dot(a, b))

    def same(a: Any, b: float) -> bool:
        a = np.asarray(a)
        return bool(np.all((a == b) | (np.isnan(a) & (b != b))))

    def same_format(a: Any, spec: str, text: str) -> bool:
        return all(format(float(e), spec) == text for e in np.ravel(a))

    def rows(B: int, items: Sequence[Any]) -> Any:
        """A (len(items), B) matrix; a float item fills its row."""
        out = np.empty((len(items), B))
        for i, e in enumerate(items):
            out[i] = e
        return out

    N.__dict__.update(
        ones=np.ones, zeros=np.zeros, full=np.full, array=np.array, stack=np.stack,
        matmul=np.matmul, rows=rows, total=total, vdot=vdot, same=same, same_format=same_format,
        all_true=lambda c: bool(np.all(c)), any_true=lambda c: bool(np.any(c)),
    )  # fmt: skip
    return {**_SCALAR_GLOBALS, "N": N}


# --------------------------------------------------------------------------
# Tracing: run f on Values and record comparisons, float() and format().
# --------------------------------------------------------------------------

Event = tuple[str, tuple[Any, ...], Any]
_recorder: ContextVar[list[Event] | None] = ContextVar("autograd_compile_recorder", default=None)


def _observe(kind: str, args: tuple[Any, ...], result: Any) -> None:
    events = _recorder.get()
    if events is not None:
        events.append((kind, args, result))


@contextmanager
def _recording() -> Iterator[list[Event]]:
    """Observe the comparisons, float() and format() made on Values while f runs here."""
    events: list[Event] = []
    token = _recorder.set(events)
    try:
        with modes.observing(_observe):
            yield events
    finally:
        _recorder.reset(token)


Key = Any  # the structure of the arguments: 0 for a scalar, (is_tuple, n | subkeys) for a sequence


def _np() -> Any:
    import numpy

    return numpy


def _flatten(args: Sequence[Any]) -> tuple[list[Any], Key, int | None]:
    """The scalars of ``args`` (floats, or 1-D float arrays for batched inputs),
    their structure, and the batch size (None when nothing is batched)."""
    flat: list[Any] = []
    batch: list[int] = []

    def walk(x: Any) -> Key:
        t = type(x)
        if t is float:
            flat.append(x)
            return 0
        if t is list or t is tuple or isinstance(x, (list, tuple)):
            if all(type(e) is float for e in x):
                flat.extend(x)
                return (isinstance(x, tuple), len(x))
            subs = tuple(walk(e) for e in x)
            return (isinstance(x, tuple), len(subs) if not any(subs) else subs)
        if isinstance(x, Value):
            flat.append(x.data)
            return 0
        if t.__module__ == "numpy" and t.__name__ == "ndarray":
            if x.ndim == 0:
                flat.append(_to_float(x.item()))
                return 0
            if x.ndim > 1:  # a sequence of rows
                subs = tuple(walk(row) for row in x)
                return (False, len(subs) if not any(subs) else subs)
            if x.dtype.kind not in "fiu":
                raise TypeError(f"a batched input must hold real numbers, got an array of {x.dtype}")
            if batch and len(x) != batch[0]:
                raise ValueError(f"batched inputs must share one length, got {batch[0]} and {len(x)}")
            batch.append(len(x))
            flat.append(_np().ascontiguousarray(x, dtype=float))
            return 0
        try:
            flat.append(_to_float(x))
        except TypeError:
            raise TypeError(
                "a compiled function takes floats, numpy arrays of shape (B,) (a batch) and "
                f"nested lists or tuples of them, not {t.__name__}"
            ) from None
        return 0

    key = tuple(walk(a) for a in args)
    if batch and batch[0] == 0:
        raise ValueError("batched inputs are empty (length 0)")
    return flat, key, (batch[0] if batch else None)


def _example(x: Any) -> Any:
    """``x`` with each batched array replaced by its first example."""
    if isinstance(x, (list, tuple)):
        items = [_example(e) for e in x]
        return tuple(items) if isinstance(x, tuple) else items
    if type(x).__module__ == "numpy" and type(x).__name__ == "ndarray" and x.ndim >= 1:
        return float(x[0]) if x.ndim == 1 else [_example(row) for row in x]
    return x


def _unflatten(key: Key, it: Iterator[Any]) -> Any:
    if key == 0:
        return next(it)
    is_tuple, sub = key
    items = [next(it) for _ in range(sub)] if isinstance(sub, int) else [_unflatten(k, it) for k in sub]
    return tuple(items) if is_tuple else items


def _count(key: Key) -> int:
    if key == 0:
        return 1
    sub = key[1]
    return sub if isinstance(sub, int) else sum(_count(k) for k in sub)


def _sanitize(label: str) -> str:
    """A Python identifier from a label ('' if none can be made)."""
    s = unicodedata.normalize("NFKC", label)
    s = re.sub(r"\W+", "_", s).strip("_")
    if s and s[0].isdigit():
        s = "v" + s
    if keyword.iskeyword(s):
        s += "_"
    return s if s.isidentifier() else ""


class _Names:
    """Unique identifiers; never one the generated code needs for itself."""

    def __init__(self) -> None:
        self.taken: set[str] = set(ops.NAMESPACE_FUNCTIONS) | set(_HELPERS) | {"B"}

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


def _arg_names(f: Callable[..., Any], n: int) -> list[str]:
    names: list[str] = []
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            names += [f"{p.name}{i}" for i in range(n - len(names))]
    names = [_sanitize(s) or f"arg{i}" for i, s in enumerate(names)]
    return (names + [f"arg{i}" for i in range(len(names), n)])[:n]


def _reads_data(f: Callable[..., Any]) -> int | None:
    """The line of f's source that reads an attribute ``.data``, if any."""
    try:
        lines, start = inspect.getsourcelines(f)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "data":
            return start + node.lineno - 1
    return None


def _aux_flatten(x: Any, flat: list[Any]) -> Key:
    """Flatten auxiliary outputs (Values, numbers, nested lists/tuples of them)."""
    if isinstance(x, (list, tuple)):
        return (isinstance(x, tuple), tuple(_aux_flatten(e, flat) for e in x))
    if not isinstance(x, Value):
        x = _to_float(x)
    flat.append(x)
    return 0


def _forward_order(roots: Sequence[Value]) -> list[Value]:
    """The nodes the roots depend on, each after its inputs, in the order the
    program most likely made them: a depth-first walk taking inputs in order."""
    order: list[Value] = []
    entered: set[Value] = set()  # membership only, never iterated
    for r in roots:
        if r._prim is None or r in entered:
            continue
        entered.add(r)
        stack = [(r, iter(r.children()))]
        while stack:
            v, kids = stack[-1]
            for c in kids:
                if c._prim is not None and c not in entered:
                    entered.add(c)
                    stack.append((c, iter(c.children())))
                    break
            else:
                stack.pop()
                order.append(v)
    return order


def _label_of(v: Value) -> str:
    """The name a Value suggests: its label, within its nn scope (``L0.N3.w1``, ``L0.N3.relu``)."""
    label = v.label
    scope = v.tag  # set by autograd.nn
    if v._prim is None or label:
        return f"{scope}.{label}" if scope and label and v._prim is None else label
    return f"{scope}.{v._prim.name}" if scope else ""


class _Trace:
    """One recording of f: its inputs, output, graph in forward order, and guards."""

    def __init__(self, f: Callable[..., Any], args: Sequence[Any], key: Key, has_aux: bool = False) -> None:
        self.key = key
        fname = getattr(f, "__name__", "")
        self.fname = "f" if fname == "<lambda>" else _sanitize(fname) or "f"
        self.arg_names = _arg_names(f, len(args))
        self.inputs: list[Value] = []
        labels: list[str] = []
        index: dict[Value, int] = {}

        def leaves(x: Any, path: str) -> Any:
            if isinstance(x, (list, tuple)):
                items = [leaves(e, f"{path}_{i}") for i, e in enumerate(x)]
                return tuple(items) if isinstance(x, tuple) else items
            if isinstance(x, Value):
                leaf = x if x._prim is None else Value(x.data)
                label = _label_of(x)
            else:
                leaf, label = Value(_to_float(x)), ""
            if leaf in index:
                raise ValueError(
                    f"the same Value ({label or path}) is passed twice; each input must be its own leaf"
                )
            index[leaf] = len(self.inputs)
            self.inputs.append(leaf)
            labels.append(_sanitize(label) or path)
            return leaf

        traced = [leaves(a, name) for a, name in zip(args, self.arg_names)]
        with _recording() as events, enable_grad():
            out = f(*traced)
        self.aux: list[Any] = []
        self.aux_key: Key = None
        if has_aux:
            if not isinstance(out, (list, tuple)) or len(out) != 2:
                raise TypeError("with has_aux=True the function must return a pair (output Value, aux)")
            out, aux = out
            self.aux_key = _aux_flatten(aux, self.aux)
        if not isinstance(out, Value):
            kind = type(out).__name__
            raise TypeError(
                f"a compiled function must return one Value, got a {kind}"
                + (" (computed from .data? use Value operations instead)" if kind in ("float", "int") else "")
            )
        self.out = out
        self.index = index
        # Guards: events on Values (the rest are about constants and always hold).
        self.events = [e for e in events if any(isinstance(a, Value) for a in e[1])]
        roots = [out] + [a for a in self.aux if isinstance(a, Value)]
        roots += [a for _, args_, _ in self.events for a in args_ if isinstance(a, Value)]
        self.order = _forward_order(roots)
        # Which nodes depend on an input.
        dep: dict[Value, bool] = {x: True for x in self.inputs}
        for v in self.order:
            dep[v] = any(dep.get(c, False) for c in v.children())
        self.dep = dep
        self.events = [e for e in self.events if any(dep.get(a, False) for a in e[1] if isinstance(a, Value))]
        self._name(labels)
        self._warn(f)

    def _name(self, labels: list[str]) -> None:
        names = _Names()
        self.names: dict[Value, str] = {}
        for leaf, label in zip(self.inputs, labels):
            self.names[leaf] = names.fresh(label)
        self.consts: list[Value] = []  # labelled constant leaves get a line of their own
        for v in self.order:
            for c in v.children():
                if c._prim is None and c not in self.names and c.label and _sanitize(_label_of(c)):
                    self.names[c] = names.fresh(_sanitize(_label_of(c)))
                    self.consts.append(c)
        k = 0
        for v in self.order:
            label = _sanitize(_label_of(v))
            if not label:
                k += 1
                label = f"v{k}"
            self.names[v] = names.fresh(label)
        self.namer = names

    def _warn(self, f: Callable[..., Any]) -> None:
        if self.consts:
            shown = ", ".join(repr(c.label) for c in self.consts[:3])
            warnings.warn(
                f"compile: {self.fname} uses Value(s) that are not among its arguments ({shown}"
                f"{', ...' if len(self.consts) > 3 else ''}); the compiled code freezes their current "
                "values. Pass them as arguments (e.g. the model's parameters) to make them inputs.",
                RuntimeWarning, stacklevel=4,
            )  # fmt: skip
        if not self.dep.get(self.out, False):
            warnings.warn(
                f"compile: the output of {self.fname} depends on none of its inputs, so the compiled "
                "code returns a constant (was it computed from .data?)",
                RuntimeWarning, stacklevel=4,
            )  # fmt: skip
        line = _reads_data(f)
        if line is not None:
            warnings.warn(
                f"compile: {self.fname} reads '.data' (line {line}): inside a compiled function that "
                "number is frozen at its traced value. Use Value operations, or comparisons on Values "
                "(which become guards), instead.",
                RuntimeWarning, stacklevel=4,
            )  # fmt: skip


# --------------------------------------------------------------------------
# Code generation.
# --------------------------------------------------------------------------

_CMP = ("<", "<=", ">", ">=")


class _Writer:
    """Writes the source of one trace: scalar (``batched=None``) or for a batch mask."""

    def __init__(
        self, tr: _Trace, chosen: Sequence[bool], single: bool, batched: Sequence[bool] | None
    ) -> None:
        self.tr = tr
        self.chosen = chosen  # per argument: are its gradients returned
        self.single = single  # argnums was one int: return that argument's gradients alone
        wrt = [c for c, k in zip(chosen, tr.key) for _ in range(_count(k))]
        self.names = _Names()
        self.names.taken |= tr.namer.taken
        self.batched = batched is not None
        vec: dict[Value, bool] = {x: bool(b) for x, b in zip(tr.inputs, batched or [])}
        for v in tr.order:
            vec[v] = any(vec.get(c, False) for c in v.children())
        self.vec = vec
        needs: dict[Value, bool] = {x: bool(w) for x, w in zip(tr.inputs, wrt)}
        for v in tr.order:
            needs[v] = any(needs.get(c, False) for c in v.children())
        self.needs = needs
        self.wrt = wrt
        self.g: dict[Value, str] = {}
        self.lines: list[str] = []
        self.guards: list[tuple[str, str]] = []  # (statement, what it checks)

    # ---- references ------------------------------------------------------
    def ref(self, v: Value) -> _Ex:
        name = self.tr.names.get(v)
        if name is None:  # an unlabelled constant: inline its value
            return _lit(v.data)
        return _Ex(name, vec=self.vec.get(v, False))

    def gref(self, v: Value) -> _Ex:
        return _Ex(self.g[v], vec=self.vec.get(v, False))

    def emit(self, line: str) -> None:
        self.lines += _wrap_stmt(line)

    # ---- forward ---------------------------------------------------------
    def forward_expr(self, v: Value) -> _Ex:
        op = v._prim
        assert op is not None
        if op.arity == "n":
            groups = op.input_groups(v)
            return _arg(op.forward(_FOLD, *[[self.ref(c) for c in g] for g in groups]))  # type: ignore[no-any-return]
        kids = [self.ref(c) for c in v.children()]
        return _arg(op.forward(_FOLD, *kids, *op.constants(v)))  # type: ignore[no-any-return]

    def forward_line(self, v: Value) -> None:
        ex = self.forward_expr(v)
        src = ex.src
        if self.batched and self.vec[v] and not ex.vec:  # e.g. x**0: a constant for every example
            src = f"N.full(B, {src})"
        self.emit(f"{self.tr.names[v]} = {src}")

    def guard_line(self, i: int, event: Event) -> None:
        kind, args, result = event
        refs = [self.ref(a) if isinstance(a, Value) else _number(a) for a in args]
        vec = any(isinstance(r, _Ex) and r.vec for r in refs)
        pre = "N." if vec else ""
        if kind in _CMP:
            cond, holds = f"{refs[0].src} {kind} {refs[1].src}", bool(result)
        elif kind == "float":
            cond, holds = f"{pre}same({refs[0].src}, {_lit(result).src})", True
        elif kind == "format":
            cond, holds = f"{pre}same_format({refs[0].src}, {args[1]!r}, {result!r})", True
        else:  # a piecewise function of the rules' namespace (create_graph inside f)
            ex = getattr(_FOLD, kind)(*refs)
            if isinstance(result, bool):
                cond, holds = ex.src, result
            else:
                cond, holds = f"{pre}same({ex.src}, {_lit(result).src})", True
        boolean = kind in _CMP or (kind not in ("float", "format") and isinstance(result, bool))
        if vec and boolean:  # a comparison per example: the trace's answer must hold for all
            test = f"not N.all_true({cond})" if holds else f"N.any_true({cond})"
        else:
            test = f"not {cond}" if holds else cond
        self.guards.append((f"if {test}: raise GuardFailed({i})", f"`{cond}`, {holds} when traced"))
        self.emit(self.guards[-1][0])

    # ---- backward --------------------------------------------------------
    def edges(self, v: Value) -> list[tuple[Value, _Ex]]:
        op = v._prim
        assert op is not None
        return [(c, _arg(loc)) for c, loc in op.local_with(_FOLD, v, blocking=False, read=self.ref)]

    def accumulate(self, child: Value, contrib: _Ex, negate: bool = False) -> None:
        """``g_child += contrib`` (first time: ``g_child = contrib``)."""
        if child in self.g:
            g = self.g[child]
            sign = "-" if negate else "+"
            if self.batched:  # arrays: never update in place, they may be shared
                right = contrib.src if contrib.prec > _ADD else f"({contrib.src})"
                self.emit(f"{g} = {g} {sign} {right}")
            else:
                self.emit(f"{g} {sign}= {contrib.src}")
            return
        g = self.g[child] = self.names.fresh("g_" + self.tr.names[child])
        self.emit(f"{g} = {(-contrib).src if negate else contrib.src}")

    def edge(self, v: Value, child: Value, local: _Ex) -> None:
        if not self.needs.get(child, False):
            return
        gv = self.gref(v)
        negate = _is_num(local.const) and local.const == -1.0
        if self.batched and self.vec[v] and not self.vec.get(child, False):
            # A per-example gradient into a value shared by the batch: sum over the batch.
            if negate or (_is_num(local.const) and local.const == 1.0):
                contrib = _Ex(f"N.total({gv.src})")
            elif not local.vec:
                contrib = _binop(local, _Ex(f"N.total({gv.src})"), "*")
            elif local.prec == _ATOM and local.src.isidentifier():
                contrib = _Ex(f"N.vdot({local.src}, {gv.src})")
            else:
                contrib = _Ex(f"N.total({_binop(local, gv, '*').src})")
        else:
            contrib = gv if negate else _binop(local, gv, "*")
        self.accumulate(child, contrib, negate)

    def backward_node(self, v: Value) -> None:
        if v not in self.g or not self.needs[v]:
            return
        for child, local in self.edges(v):
            self.edge(v, child, local)

    # ---- the whole function ----------------------------------------------
    def signature(self) -> str:
        params = (["B"] if self.batched else []) + [self.tr.names[x] for x in self.tr.inputs]
        head = f"def {self.tr.fname}("
        text = head + ", ".join(params) + "):"
        if len(text) <= 100:
            return text
        return head + "\n" + _wrap(params, "        ") + "\n):"

    def seed(self) -> None:
        out = self.tr.out
        if not self.needs.get(out, False):
            return
        self.g[out] = self.names.fresh("g_" + self.tr.names[out])
        if self.batched:
            seed = "N.ones(B)" if self.vec.get(out, False) else "float(B)"
        else:
            seed = "1.0"
        self.emit(f"{self.g[out]} = {seed}")

    def result(self) -> str:
        tr = self.tr
        value = self.ref(tr.out).src
        grads = [self.g.get(x, "0.0") for x, w in zip(tr.inputs, self.wrt) if w]
        aux = [self.ref(a).src if isinstance(a, Value) else _lit(a).src for a in tr.aux]
        if self.batched:  # flat; the caller shapes them
            return f"return {value}, {_tuple_src(aux)}, {_tuple_src(grads)}"
        if tr.aux_key is not None:
            value = f"({value}, {_struct_src(tr.aux_key, iter(aux))})"
        it = iter(grads)
        parts = [_struct_src(k, it) for k, chosen in zip(tr.key, self.chosen) if chosen]
        return f"return {value}, {parts[0] if self.single else _tuple_src(parts)}"

    # ---- batched: dots over the same inputs become one matrix product ------
    def schedule(self) -> list[list[Value]]:
        """Units in a valid order: single nodes, or groups of fused dots.

        Nodes are ordered by depth (a node comes after all its inputs). At one
        depth, ``dot`` nodes whose batched group is the same sequence of Values
        (the neurons of one layer) and whose other group is shared by the batch
        (their weights) form one unit: a matrix product over the batch.
        """
        order = self.tr.order
        depth: dict[Value, int] = {}
        for v in order:
            depth[v] = 1 + max((depth.get(c, 0) for c in v.children()), default=0)
        units: list[list[Value]] = []
        groups: dict[tuple[int, int, tuple[Value, ...]], list[Value]] = {}
        for v in sorted(order, key=depth.__getitem__):  # stable: ties keep the program's order
            side = self.fusable(v)
            if side is None:
                units.append([v])
                continue
            key = (depth[v], side, ops.dot.input_groups(v)[side])
            if key in groups:
                groups[key].append(v)
            else:
                groups[key] = [v]
                units.append(groups[key])
        return units

    def fusable(self, v: Value) -> int | None:
        """For a dot node with one group batched (which side) and the other shared by the batch."""
        if v._prim is not ops.dot or not _DOT_IS_PRODUCT or len(v.children()) < 4:
            return None
        vec = self.vec
        ws, xs = ops.dot.input_groups(v)
        for side, (mine, other) in enumerate(((ws, xs), (xs, ws))):
            if any(vec.get(x, False) for x in mine) and not any(vec.get(w, False) for w in other):
                return side
        return None

    def fused_forward(self, unit: list[Value], k: int) -> tuple[str, str]:
        side = self.fusable(unit[0])
        assert side is not None
        shared = ops.dot.input_groups(unit[0])[side]
        X, W = self.names.fresh(f"X{k}"), self.names.fresh(f"W{k}")
        weights = [ops.dot.input_groups(v)[1 - side] for v in unit]
        nodes = "1 dot node" if len(unit) == 1 else f"{len(unit)} dot nodes"
        self.emit(f"# {nodes} over the same {len(shared)} inputs: one matrix product")
        self.emit(f"{X} = N.rows(B, [{', '.join(self.ref(x).src for x in shared)}])")
        rows = ", ".join("[" + ", ".join(self.ref(w).src for w in ws) + "]" for ws in weights)
        self.emit(f"{W} = N.array([{rows}])")
        outs = ", ".join(self.tr.names[v] for v in unit) + ("," if len(unit) == 1 else "")
        self.emit(f"{outs} = {ops.dot.forward(_MATRIX, _Ex(W), _Ex(X, vec=True)).src}")
        return X, W

    def fused_backward(self, unit: list[Value], X: str, W: str) -> None:
        if not any(v in self.g and self.needs[v] for v in unit):
            return
        side = self.fusable(unit[0])
        assert side is not None
        shared = ops.dot.input_groups(unit[0])[side]
        weights = [ops.dot.input_groups(v)[1 - side] for v in unit]
        G = self.names.fresh("G" + X[1:])
        grads = ", ".join(self.g[v] if v in self.g and self.needs[v] else "0.0" for v in unit)
        self.emit(f"{G} = N.rows(B, [{grads}])")
        self.emit("# the dot rule's local derivatives, d/dw = x and d/dx = w, summed over the batch")
        if any(self.needs.get(w, False) for ws in weights for w in ws):
            later: list[tuple[Value, str]] = []
            targets = []
            for ws in weights:
                row = []
                for w in ws:
                    if not self.needs.get(w, False):
                        row.append("_")
                    elif w in self.g:  # an earlier gradient (or the same weight twice): add to it after
                        t = self.names.fresh("t")
                        later.append((w, t))
                        row.append(t)
                    else:
                        row.append(self._new_g(w))
                targets.append("[" + ", ".join(row) + "]")
            self.emit(f"[{', '.join(targets)}] = N.matmul({G}, {X}.T).tolist()")
            for w, t in later:
                self.accumulate(w, _Ex(t))
        if any(self.needs.get(x, False) for x in shared):
            names, later = [], []
            for x in shared:
                if not self.needs.get(x, False):
                    names.append("_")
                elif x in self.g or not self.vec.get(x, False):  # add to it (or sum it) after
                    later.append((x, self.names.fresh("r")))
                    names.append(later[-1][1])
                else:
                    names.append(self._new_g(x))
            self.emit(f"{', '.join(names)}{',' if len(names) == 1 else ''} = N.matmul({W}.T, {G})")
            for x, r in later:
                vec = self.vec.get(x, False)
                self.accumulate(x, _Ex(r, vec=True) if vec else _Ex(f"N.total({r})"))

    def _new_g(self, v: Value) -> str:
        g = self.g[v] = self.names.fresh("g_" + self.tr.names[v])
        return g

    def write(self) -> str:
        tr = self.tr
        units = self.schedule() if self.batched else [[v] for v in tr.order]
        fused = [len(u) > 1 or self.fusable(u[0]) is not None for u in units] if self.batched else []
        guards_at: dict[int, list[int]] = {}
        pos = {v: i for i, u in enumerate(units) for v in u}
        for i, (_, args, _) in enumerate(tr.events):
            at = max((pos.get(a, -1) for a in args if isinstance(a, Value)), default=-1)
            guards_at.setdefault(at, []).append(i)
        for c in tr.consts:
            self.emit(f"{tr.names[c]} = {_lit(c.data).src}  # not an argument: frozen")
        self.emit("# forward: one line per node")
        for i in guards_at.get(-1, []):
            self.guard_line(i, tr.events[i])
        mats: dict[int, tuple[str, str]] = {}
        for k, u in enumerate(units):
            if fused and fused[k]:
                mats[k] = self.fused_forward(u, len(mats) + 1)
            else:
                self.forward_line(u[0])
            for i in guards_at.get(k, []):
                self.guard_line(i, tr.events[i])
        if self.needs.get(tr.out, False):
            self.emit(f"# backward: g_v = d{tr.names[tr.out]}/dv, one line per edge (chain rule)")
        self.seed()
        for k in reversed(range(len(units))):
            if k in mats:
                self.fused_backward(units[k], *mats[k])
            else:
                self.backward_node(units[k][0])
        self.emit(self.result())
        return self.signature() + "\n" + "\n".join(self.lines) + "\n"


def _matrix_dot(a: _Ex, b: _Ex) -> _Ex:
    """``dot`` over a layer: weights (k, n) and inputs stacked as rows (n, B) -> (k, B)."""
    w, x = (b, a) if a.vec else (a, b)
    return _Ex(f"N.matmul({w.src}, {x.src})", vec=True)


_MATRIX = SimpleNamespace(dot=_matrix_dot)
_w, _x = _Ex("w"), _Ex("x", vec=True)
_DOT_IS_PRODUCT = (
    ops.dot.forward(_MATRIX, _w, _x).src == "N.matmul(w, x)"
    and list(ops.dot.deriv(_FOLD, _w, _x, _Ex("out"))) == [_x, _w]
)
"""The dot rule is the product rule (d/dw = x, d/dx = w): a matrix product evaluates it for a layer."""


def _number(x: Any) -> Any:
    """A literal for a number in a guard (an int, a numpy scalar); anything else as it is."""
    if isinstance(x, str):
        return x
    try:
        return _lit(_to_float(x))
    except TypeError:
        return x


def _tuple_src(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _struct_src(key: Key, it: Iterator[str]) -> str:
    if key == 0:
        return next(it)
    is_tuple, sub = key
    items = [next(it) for _ in range(sub)] if isinstance(sub, int) else [_struct_src(k, it) for k in sub]
    if is_tuple:
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return "[" + ", ".join(items) + "]"


def _wrap_stmt(stmt: str, indent: str = "    ", width: int = 100) -> list[str]:
    """One generated statement as lines of at most ``width`` where it can be broken:
    inside brackets, after a comma or before a ``+``/``-`` (a long sum is put in brackets)."""
    if len(indent) + len(stmt) <= width or any(c in stmt for c in "#'\""):
        return [indent + stmt]
    head, eq, rhs = stmt.partition(" = ")
    if eq and _breaks(rhs, 0):
        stmt = f"{head} = ({rhs})"
    pieces: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(stmt):
        ch = stmt[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth and stmt.startswith(", ", i):
            pieces.append(stmt[start : i + 1])
            start = i = i + 2
            continue
        elif depth and (stmt.startswith(" + ", i) or stmt.startswith(" - ", i)):
            pieces.append(stmt[start:i])
            start, i = i + 1, i + 3
            continue
        i += 1
    pieces.append(stmt[start:])
    lines, cur = [], indent + pieces[0]
    for piece in pieces[1:]:
        if len(cur) + 1 + len(piece) > width:
            lines.append(cur)
            cur = indent * 3 + piece
        else:
            cur += " " + piece
    return [*lines, cur]


def _breaks(text: str, at_depth: int) -> bool:
    """Whether ``text`` has a binary + or - at bracket depth ``at_depth``."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch in "([") - (ch in ")]")
        if depth == at_depth and (text.startswith(" + ", i) or text.startswith(" - ", i)):
            return True
    return False


def _wrap(items: Sequence[str], indent: str, width: int = 100) -> str:
    lines, cur = [], indent
    for it in items:
        piece = it + ", "
        if len(cur) + len(piece) > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += piece
    lines.append(cur.rstrip())
    return "\n".join(lines)


def _exec(src: str, name: str, globals_: dict[str, Any], tag: str) -> Callable[..., Any]:
    code = builtins.compile(src, f"<autograd.compile:{tag}>", "exec")
    scope: dict[str, Any] = {}
    exec(code, dict(globals_), scope)
    return scope[name]  # type: ignore[no-any-return]



# --------------------------------------------------------------------------
# The compiled function.
# --------------------------------------------------------------------------


class _Tape:
    """A trace and the code written from it (scalar now, batched per mask on demand)."""

    def __init__(self, tr: _Trace, chosen: list[bool], single: bool) -> None:
        self.trace = tr
        self.chosen = chosen
        self.single = single
        self.wrt = [c for c, k in zip(chosen, tr.key) for _ in range(_count(k))]
        writer = _Writer(tr, chosen, single, None)
        self.source = writer.write()
        self.guards = writer.guards
        self.scalar = _exec(self.source, tr.fname, _SCALAR_GLOBALS, tr.fname)
        self._batched: dict[tuple[bool, ...], tuple[str, Callable[..., Any]]] = {}

    def batched(self, mask: tuple[bool, ...]) -> tuple[str, Callable[..., Any]]:
        hit = self._batched.get(mask)
        if hit is None:
            src = _Writer(self.trace, self.chosen, self.single, mask).write()
            hit = self._batched[mask] = (src, _exec(src, self.trace.fname, _batched_globals(), "batched"))
        return hit


class Compiled:
    """A function of Values compiled to straight-line Python; see :func:`compile`."""

    max_traces = 8
    """Traces kept per argument structure (the most recently used ones)."""

    def __init__(self, f: Callable[..., Any], argnums: Argnums = None, has_aux: bool = False) -> None:
        if not callable(f):
            raise TypeError(f"compile() takes a function, got a {type(f).__name__}")
        self.f = f
        self.argnums = argnums
        self.has_aux = has_aux
        self._tapes: dict[Key, list[_Tape]] = {}
        self._last: _Tape | None = None
        self._last_batched: str | None = None
        self.n_traces = 0
        self._retraces = 0
        self._lock = threading.Lock()
        functools.update_wrapper(self, f)

    # ---- tracing ---------------------------------------------------------
    def trace(self, *example_args: Any) -> Compiled:
        """Trace ``f`` now on these arguments (floats, Values, lists; arrays use example 0)."""
        _, key, _ = _flatten(example_args)
        self._add(example_args, key)
        return self

    def _chosen(self, n: int) -> tuple[list[bool], bool]:
        """Per argument, whether its gradients are returned; and whether argnums is one int."""
        if self.argnums is None:
            return [True] * n, False
        nums = (self.argnums,) if isinstance(self.argnums, int) else tuple(self.argnums)
        for i in nums:
            if not -n <= i < n:
                raise IndexError(f"argnums {i} is out of range for a call with {n} argument(s)")
        picked = {i % n for i in nums}
        return [i in picked for i in range(n)], isinstance(self.argnums, int)

    def _add(self, args: Sequence[Any], key: Key, guard_failed: bool = False) -> _Tape:
        tr = _Trace(self.f, [_example(a) for a in args], key, self.has_aux)
        tape = _Tape(tr, *self._chosen(len(key)))
        with self._lock:
            self.n_traces += 1
            self._retraces += guard_failed
            tapes = self._tapes.setdefault(key, [])
            tapes.insert(0, tape)
            del tapes[self.max_traces :]
            self._last = tape
            n = self._retraces
        if guard_failed and n == 4:
            warnings.warn(
                f"compile: {tr.fname} has been traced {n + 1} times: its control flow depends on values "
                "(guards keep failing), so each new path is traced again. Branch-free ops "
                "(maximum, relu, clamp, ...) keep one trace.",
                RuntimeWarning, stacklevel=4,
            )  # fmt: skip
        return tape

    # ---- calling ---------------------------------------------------------
    def __call__(self, *args: Any) -> tuple[Any, Any]:
        flat, key, batch = _flatten(args)
        tapes = self._tapes.get(key, ())
        if batch is None:
            for tape in list(tapes):
                try:
                    return tape.scalar(*flat)  # type: ignore[no-any-return]
                except GuardFailed:
                    continue
            tape = self._add(args, key, bool(tapes))
            try:
                return tape.scalar(*flat)  # type: ignore[no-any-return]
            except GuardFailed as e:
                raise RuntimeError(
                    f"compile: {tape.trace.fname} took another path when replayed on the inputs it was "
                    f"just traced with (the guard {self._guard_text(tape, e)}); is it deterministic?"
                ) from None
        mask = tuple(type(a) is not float for a in flat)
        for tape in list(tapes):
            try:
                return self._run_batched(tape, flat, mask, batch)
            except GuardFailed:
                continue
        tape = self._add(args, key, bool(tapes))
        try:
            return self._run_batched(tape, flat, mask, batch)
        except GuardFailed as e:
            raise ValueError(
                f"compile: the examples of this batch take different paths through {tape.trace.fname}'s "
                f"value-dependent control flow (the guard {self._guard_text(tape, e)}, holds for some "
                "examples and not others). A batch must follow one path: call it per example, or use branch-free ops "
                "(maximum, relu, ...) instead of if/else on values."
            ) from None

    @staticmethod
    def _guard_text(tape: _Tape, e: GuardFailed) -> str:
        i = e.args[0] if e.args else 0
        return tape.guards[i][1] if 0 <= i < len(tape.guards) else f"#{i}"

    def _run_batched(self, tape: _Tape, flat: list[Any], mask: tuple[bool, ...], batch: int) -> tuple[Any, Any]:
        np = _np()
        src, fn = tape.batched(mask)
        self._last_batched = src
        with np.errstate(all="ignore"):
            value, aux, grads = fn(batch, *flat)
        value = np.array(np.broadcast_to(value, (batch,)), dtype=float)
        if tape.trace.aux_key is not None:
            shaped = [np.array(np.broadcast_to(a, (batch,)), dtype=float) for a in aux]
            value = (value, _unflatten(tape.trace.aux_key, iter(shaped)))
        out: list[Any] = []
        for g, b in zip(grads, (b for b, w in zip(mask, tape.wrt) if w)):
            out.append(np.array(np.broadcast_to(g, (batch,)), dtype=float) if b else float(g))
        tr = tape.trace
        it = iter(out)
        parts = [_unflatten(k, it) for k, c in zip(tr.key, tape.chosen) if c]
        return value, (parts[0] if tape.single else tuple(parts))

    # ---- reading ---------------------------------------------------------
    @property
    def source(self) -> str:
        """The generated Python source of the latest trace (scalar inputs)."""
        if self._last is None:
            raise RuntimeError("not traced yet: call the compiled function once, or use .trace(*example_args)")
        return self._last.source

    @property
    def batched_source(self) -> str:
        """The source that ran the latest batched call (numpy arrays in ``N``)."""
        if self._last_batched is None:
            raise RuntimeError("no batched call yet: call it with numpy arrays of shape (B,)")
        return self._last_batched

    @property
    def guards(self) -> list[str]:
        """The guards of the latest trace, as the conditions the generated code checks."""
        if self._last is None:
            return []
        return [statement for statement, _ in self._last.guards]

    def __repr__(self) -> str:
        state = f"{self.n_traces} trace(s)" if self.n_traces else "not traced yet"
        return f"<compiled {getattr(self.f, '__name__', 'function')}: {state}>"


def compile(  # noqa: A001
    f: Callable[..., Any] | None = None, *, argnums: Argnums = None, has_aux: bool = False
) -> Any:
    """Compile ``f`` into straight-line Python for its value and gradient.

    ``compile(f)(*args)`` returns ``(value, grads)``; ``grads`` mirrors the
    positional arguments (floats or nested lists/tuples of floats), or only
    those at ``argnums``. ``.source`` shows the generated code. numpy arrays of
    shape (B,) in place of floats replay a batch. With ``has_aux=True``, ``f``
    returns ``(output, aux)`` and the value is ``(output, aux's numbers)``.
    Also a decorator: ``@autograd.compile`` or ``@autograd.compile(argnums=0)``.
    """
    if f is None:
        return lambda g: Compiled(g, argnums, has_aux)
    return Compiled(f, argnums, has_aux)


# --------------------------------------------------------------------------
# Training on the compiled, batched tape: fit(..., compiled=True).
# --------------------------------------------------------------------------


class CompiledStep:
    """``fit``'s batch step on the compiled tape: the loss of one example is traced once
    (per label value), then replayed over the whole batch with numpy.

    ``loss_fn(outputs, targets)`` must be the mean over the batch of a per-example
    loss (as every loss in autograd.nn with ``reduction='mean'``); the first batch
    is checked against the engine, and a mismatch raises instead of training wrongly.
    Labels are constants of the trace when there are few distinct ones (classes),
    and inputs of it otherwise (regression targets).
    """

    max_label_traces = 16

    def __init__(self) -> None:
        self._fns: dict[Any, Compiled] = {}
        self._checked = False

    def __call__(
        self, model: Any, loss_fn: Callable[[list[Any], list[Any]], Any], Xb: list[Any], yb: list[Any]
    ) -> tuple[float, list[Any]]:
        try:
            np = _np()
        except ImportError:
            raise ImportError("fit(compiled=True) needs numpy: pip install 'scalar-autograd[numpy]'") from None
        params = list(model.parameters())
        X = np.asarray([_plain(x) for x in Xb], dtype=float)
        xarg = np.moveaxis(X, 0, -1)  # the batch last: one array of shape (B,) per feature
        keys = [_to_float(t.data if isinstance(t, Value) else t) for t in yb]
        firsts = dict(zip(keys, yb))  # each label's first object, as loss_fn will see it
        static = len(set(self._fns) | set(firsts)) <= self.max_label_traces and "y" not in self._fns
        groups: list[tuple[Any, Any, Compiled, tuple[Any, ...]]] = []
        if static:
            karr = np.asarray(keys)
            for k, label in firsts.items():
                idx = np.flatnonzero(karr == k)
                groups.append((idx, label, self._fn(model, loss_fn, k, label), (xarg[..., idx],)))
        else:
            idx = np.arange(len(keys))
            groups.append((idx, None, self._fn(model, loss_fn, "y", None), (xarg, np.asarray(keys))))
        total = 0.0
        grads = np.zeros(len(params))
        outs: list[Any] = [None] * len(keys)
        for idx, _, fn, rest in groups:
            (values, aux), g = fn(params, *rest)
            total += float(values.sum())
            grads += g
            per = aux.tolist() if not isinstance(aux, list) else np.stack(aux, axis=1).tolist()
            for i, o in zip(idx.tolist(), per):
                outs[i] = o
        n = len(keys)
        loss, mean_grads = total / n, (grads / n).tolist()
        if not self._checked:
            self._check(model, loss_fn, params, Xb, yb, loss, mean_grads)
        for p, g in zip(params, mean_grads):
            p.grad = p.grad + g
        return loss, outs

    def _fn(self, model: Any, loss_fn: Callable[..., Any], key: Any, label: Any) -> Compiled:
        fn = self._fns.get(key)
        if fn is None:
            if key == "y":

                def example(ps: list[Value], x: Any, y: Value) -> tuple[Any, Any]:
                    out = model(x)
                    return loss_fn([out], [y]), out
            else:

                def example(ps: list[Value], x: Any) -> tuple[Any, Any]:  # type: ignore[misc]
                    out = model(x)
                    return loss_fn([out], [label]), out

            fn = self._fns[key] = Compiled(example, argnums=0, has_aux=True)
        return fn

    def _check(
        self, model: Any, loss_fn: Callable[..., Any], params: list[Value], Xb: list[Any], yb: list[Any],
        loss: float, grads: list[float],
    ) -> None:  # fmt: skip
        ref = loss_fn([model(x) for x in Xb], list(yb))
        ref_grads = passes.gradients(ref, params)
        scale = 1.0 + max([abs(g) for g in ref_grads], default=0.0)
        if abs(loss - ref.data) > 1e-9 * (1.0 + abs(ref.data)) or any(
            abs(a - b) > 1e-9 * scale for a, b in zip(grads, ref_grads)
        ):
            raise ValueError(
                f"fit(compiled=True): the compiled step disagrees with the engine on the first batch "
                f"(loss {loss!r} vs {ref.data!r}). The compiled path needs loss_fn(outputs, targets) to be "
                "the mean over the batch of a per-example loss (autograd.nn losses with reduction='mean') "
                "and a model whose forward is traceable (no .data reads). Train with compiled=False."
            )
        self._checked = True



def _plain(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_plain(e) for e in x]
    return x.data if isinstance(x, Value) else x
