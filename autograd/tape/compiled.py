"""``autograd.compile``: trace once, then call the generated code.

A ``Compiled`` keeps its traces per argument shape (the most recently used
first). A call flattens its arguments, tries each trace's code (a failed guard
moves on to the next), and traces ``f`` again when none fits.
"""

from __future__ import annotations

import functools
import operator
import threading
import warnings
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from .. import _tree, ops
from ..engine import Value, _to_float
from ..functional import _nums
from ..modes import enable_grad
from ..passes import gradients
from . import scalar
from .arrays import dtype_name, library_of, namespace_for
from .batched import BatchedWriter
from .check import check_replay
from .runtime import SCALAR_GLOBALS, GuardFailed, batched_globals
from .source import run_source
from .trace import Trace, TraceError, tracing
from .writer import LayeredWriter, ScalarWriter

Argnums = int | Sequence[int] | None


def _is_array(x: Any) -> bool:
    return library_of(x) is not None


_SCALARS: set[type] = {float, int, Value}  # and the Value subclasses met so far (Parameter)


def _branches(x: Any) -> Sequence[Any] | None:
    """Lists and tuples are branches; so is a 2-D (or higher) array, as a sequence of rows."""
    t = type(x)
    if t in _SCALARS:  # the common case first: a call flattens every parameter
        return None
    if t is list or t is tuple or isinstance(x, (list, tuple)):
        return x  # type: ignore[no-any-return]
    if isinstance(x, Value):
        _SCALARS.add(t)
        return None
    if _is_array(x) and x.ndim > 1:
        return list(x)
    return None


def flatten_args(args: Sequence[Any]) -> tuple[list[Any], _tree.Shape, int | None]:
    """The scalars of ``args`` (floats, or 1-D arrays for batched inputs), their shapes, and
    the batch size (None when nothing is batched)."""
    flat: list[Any] = []
    shapes: list[_tree.Shape] = []
    plain = True  # only floats so far: nothing to convert (the common case, checked fast)
    for a in args:
        t = type(a)
        if t is float:
            flat.append(a)
            shapes.append(None)
        elif (t is list or t is tuple) and a and set(map(type, a)) == {float}:
            flat.extend(a)
            shapes.append((t is tuple, len(a)))
        else:
            plain = False
            shapes.append(_tree.flatten(a, flat, _branches, _SCALARS))
    shape = tuple(shapes)
    batch: int | None = None
    if plain:
        return flat, shape, None
    for i, x in enumerate(flat):
        if type(x) is float:
            continue
        if isinstance(x, Value):
            flat[i] = x.data
            continue
        if _is_array(x) and x.ndim == 1:
            kind = str(x.dtype).replace("torch.", "")
            if not kind.startswith(("float", "int", "uint")):
                raise TypeError(f"a batched input must hold real numbers, got an array of {kind}")
            if batch is not None and x.shape[0] != batch:
                raise ValueError(f"batched inputs must share one length, got {batch} and {x.shape[0]}")
            batch = int(x.shape[0])
            flat[i] = x if kind.startswith("float") else x * 1.0  # ints compute as floats
        else:
            try:
                flat[i] = _to_float(x.item() if _is_array(x) else x)
            except TypeError:
                raise TypeError(
                    "a compiled function takes floats, arrays of shape (B,) (a batch: numpy, torch, CuPy "
                    f"or JAX) and nested lists or tuples of them, not {type(x).__name__}"
                ) from None
    if batch == 0:
        raise ValueError("batched inputs are empty (length 0)")
    return flat, shape, batch


def _mask(flat: list[Any]) -> tuple[bool, ...]:
    """Which flat arguments are batched (arrays), the others being floats."""
    if set(map(type, flat)) <= {float}:
        return (False,) * len(flat)
    return tuple(type(a) is not float for a in flat)


def _example(x: Any) -> Any:
    """``x`` with each batched array replaced by its first example."""
    if isinstance(x, (list, tuple)):
        items = [_example(e) for e in x]
        return tuple(items) if isinstance(x, tuple) else items
    if _is_array(x) and x.ndim >= 1:
        return float(x[0]) if x.ndim == 1 else [_example(row) for row in x]
    return x


LAYERED_EDGES = 2048
"""A trace whose dot nodes have at least this many edges is written with layers as list operations
(scalar.py): the edge-per-line program would take CPython's compile() too long. Smaller ones keep
one line per edge, which reads best."""


def scalar_writer(tr: Trace, chosen: list[bool], single: bool) -> ScalarWriter:
    """The layered writer for a big trace with layers it can write without reordering a sum."""
    edges = sum(len(ops.dot.inputs(v)) for v in tr.order if v._prim is ops.dot)
    if edges < LAYERED_EDGES or tr.events:
        return ScalarWriter(tr, chosen, single)
    wrt = [c for c, s in zip(chosen, tr.shape) for _ in range(_tree.count(s))]
    needs: dict[Value, bool] = dict(zip(tr.inputs, wrt))
    for v in tr.order:
        needs[v] = any(needs.get(c, False) for c in v._prim.inputs(v))
    p = scalar.plan(tr.order, tr.inputs, needs, tr.out)
    return ScalarWriter(tr, chosen, single) if p is None else LayeredWriter(tr, chosen, single, p)


class Tape:
    """A trace and the code written from it (scalar now, batched per mask on demand)."""

    def __init__(self, tr: Trace, chosen: list[bool], single: bool) -> None:
        self.trace = tr
        self.chosen = chosen
        self.single = single
        self.wrt = [c for c, s in zip(chosen, tr.shape) for _ in range(_tree.count(s))]
        writer = scalar_writer(tr, chosen, single)
        self.source = writer.write()
        self.guards = writer.guards
        self.scalar = run_source(self.source, tr.fname, SCALAR_GLOBALS, tr.fname)
        self._sources: dict[tuple[bool, ...], str] = {}
        self._picks: dict[tuple[bool, ...], list[tuple[bool, int]]] = {}
        self._shared: dict[tuple[bool, ...], Callable[[Sequence[Any]], Sequence[Any]]] = {}
        self._batched: dict[tuple[Any, ...], Callable[..., Any]] = {}

    def shared_of(self, mask: tuple[bool, ...]) -> Callable[[Sequence[Any]], Sequence[Any]]:
        """A function picking the shared inputs (floats) out of the flat arguments, for V."""
        pick = self._shared.get(mask)
        if pick is None:
            where = [i for i, b in enumerate(mask) if not b]
            pick = self._shared[mask] = (operator.itemgetter(*where) if len(where) > 1 else
                                         (lambda flat: [flat[where[0]]]) if where else (lambda flat: []))  # fmt: skip
        return pick

    def picks(self, mask: tuple[bool, ...]) -> list[tuple[bool, int]]:
        """Where each returned gradient is in the batched program's results: (per example?, index)."""
        hit = self._picks.get(mask)
        if hit is not None:
            return hit
        out: list[tuple[bool, int]] = []
        n_shared = n_vec = 0
        for b, w in zip(mask, self.wrt):
            if w:
                out.append((b, n_vec if b else n_shared))
            n_vec += b and w
            n_shared += not b
        self._picks[mask] = out
        return out

    def batched(self, mask: tuple[bool, ...], ns: SimpleNamespace) -> tuple[str, Callable[..., Any]]:
        """The batched program for this mask (which inputs are arrays), running on ``ns``."""
        src = self._sources.get(mask)
        if src is None:
            src = self._sources[mask] = BatchedWriter(self.trace, self.chosen, self.single, mask).write()
        key = (mask, ns.name, ns.dtype_name, str(ns.device))
        fn = self._batched.get(key)
        if fn is None:
            fn = self._batched[key] = run_source(src, self.trace.fname, batched_globals(ns), "batched")
        return src, fn


class Compiled:
    """A function of Values compiled to straight-line Python; see :func:`compile`.

    Examples:
        >>> c = Compiled(lambda x: x * x)
        >>> c(3.0), len(c.guards)
        ((9.0, (6.0,)), 0)
    """

    max_traces = 8
    """Traces kept per argument shape (the most recently used ones)."""

    def __init__(self, f: Callable[..., Any], argnums: Argnums = None, has_aux: bool = False) -> None:
        if not callable(f):
            raise TypeError(f"compile() takes a function, got a {type(f).__name__}")
        self.f = f
        self.argnums = argnums
        self.has_aux = has_aux
        self._tapes: dict[_tree.Shape, list[Tape]] = {}
        self._last: Tape | None = None
        self._last_batched: str | None = None
        self.n_traces = 0
        self._retraces = 0
        self._lock = threading.Lock()
        functools.update_wrapper(self, f)

    # ---- tracing ---------------------------------------------------------
    def trace(self, *example_args: Any) -> Compiled:
        """Trace ``f`` now on these arguments (floats, Values, lists; arrays use example 0)."""
        _, shape, _ = flatten_args(example_args)
        self._add(example_args, shape)
        return self

    def _chosen(self, n: int) -> tuple[list[bool], bool]:
        """Per argument, whether its gradients are returned; and whether argnums is one int."""
        if self.argnums is None:
            return [True] * n, False
        picked = {i % n for i in _nums(self.argnums, n)}  # checked as grad() checks them
        return [i in picked for i in range(n)], isinstance(self.argnums, int)

    def _add(self, args: Sequence[Any], shape: _tree.Shape, guard_failed: bool = False) -> Tape:
        chosen = self._chosen(len(shape))
        tr = Trace(self.f, [_example(a) for a in args], shape, self.has_aux)
        tape = Tape(tr, *chosen)
        check_replay(self.f, tape)
        with self._lock:
            self.n_traces += 1
            self._retraces += guard_failed
            tapes = self._tapes.setdefault(shape, [])
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
        if tracing():  # called inside another compiled function's f
            return self._inline(args)
        flat, shape, batch = flatten_args(args)
        tapes = self._tapes.get(shape, ())
        if batch is None:
            for tape in list(tapes):
                try:
                    return tape.scalar(*flat)  # type: ignore[no-any-return]
                except GuardFailed:
                    continue
            tape = self._add(args, shape, bool(tapes))
            try:
                return tape.scalar(*flat)  # type: ignore[no-any-return]
            except GuardFailed as e:
                raise RuntimeError(
                    f"compile: {tape.trace.fname} took another path when replayed on the inputs it was "
                    f"just traced with (the guard {self._guard_text(tape, e)}); is it deterministic?"
                ) from None
        mask = _mask(flat)
        for tape in list(tapes):
            try:
                return self._run_batched(tape, flat, mask, batch)
            except GuardFailed:
                continue
        tape = self._add(args, shape, bool(tapes))
        try:
            return self._run_batched(tape, flat, mask, batch)
        except GuardFailed as e:
            raise ValueError(
                f"compile: the examples of this batch take different paths through {tape.trace.fname}'s "
                f"value-dependent control flow (the guard {self._guard_text(tape, e)}, holds for some "
                "examples and not others). A batch must follow one path: call it per example, or use "
                "branch-free ops (maximum, relu, ...) instead of if/else on values."
            ) from None

    def _inline(self, args: Sequence[Any]) -> tuple[Any, Any]:
        """Inside another trace: run ``f`` on Values and differentiate it with ``create_graph``,
        so the outer trace records this call's graph, its gradients included."""
        chosen, single = self._chosen(len(args))
        new_args, leaves = list(args), []
        for i, picked in enumerate(chosen):
            flat: list[Any] = []
            shape = _tree.flatten(args[i], flat)
            if any(_is_array(x) for x in flat):
                raise TraceError(f"compile: {getattr(self.f, '__name__', 'a compiled function')} is called "
                                 "on arrays inside another compiled function; call it on Values or floats")  # fmt: skip
            if picked:
                made = [ops.identity(x) if isinstance(x, Value) else Value(_to_float(x)) for x in flat]
                leaves += made
                new_args[i] = _tree.unflatten(shape, iter(made))
        with enable_grad():
            out = self.f(*new_args)
        value, aux = out if self.has_aux else (out, None)
        if not isinstance(value, Value):
            raise TypeError(f"a compiled function must return one Value, got a {type(value).__name__}")
        it = iter(gradients(value, leaves, create_graph=True))
        parts = [_tree.unflatten(_tree.flatten(a, []), it) for a, c in zip(args, chosen) if c]
        return ((value, aux) if self.has_aux else value), (parts[0] if single else tuple(parts))

    @staticmethod
    def _guard_text(tape: Tape, e: GuardFailed) -> str:
        i = e.args[0] if e.args else 0
        return tape.guards[i][1] if 0 <= i < len(tape.guards) else f"#{i}"

    def _run_batched(self, tape: Tape, flat: list[Any], mask: tuple[bool, ...], batch: int) -> tuple[Any, Any]:
        ns, value, aux, GV, per = self._replay(tape, flat, mask, batch)
        tr = tape.trace
        value = _column(ns, value, batch)
        if tr.has_aux:
            value = (value, _tree.unflatten(tr.aux_shape, iter([_column(ns, a, batch) for a in aux])))
        shared = GV.tolist() if GV is not None else None
        vec = [_column(ns, g, batch) for g in per]
        picks = tape.picks(mask)  # per returned gradient: (is it per example, its index)
        out = [vec[i] if b else (0.0 if shared is None else shared[i]) for b, i in picks]
        it = iter(out)
        parts = [_tree.unflatten(s, it) for s, c in zip(tr.shape, tape.chosen) if c]
        return value, (parts[0] if tape.single else tuple(parts))

    def _replay(self, tape: Tape, flat: list[Any], mask: tuple[bool, ...], batch: int) -> tuple[Any, ...]:
        """Run the batched program: ``(namespace, value, aux, GV, per-example gradients)``."""
        arrays = [x for x, b in zip(flat, mask) if b]
        ns = namespace_for(arrays[0])
        for a in arrays[1:]:
            if library_of(a) != ns.name or dtype_name(a) != ns.dtype_name:
                raise TypeError(f"batched inputs must be arrays of one library and dtype: got {ns.name} "
                                f"{ns.dtype_name} and {library_of(a)} {dtype_name(a)}")  # fmt: skip
        if ns.dtype_name == "float32":
            warnings.warn(
                "compile: the batch is float32, so the replay computes in float32 (about 7 digits), not in "
                "the engine's float64. Pass float64 arrays for the engine's numbers (for JAX, enable "
                "jax_enable_x64).", RuntimeWarning, stacklevel=4)  # fmt: skip
        src, fn = tape.batched(mask, ns)
        self._last_batched = src
        V = ns.asarray(tape.shared_of(mask)(flat))
        if ns.name == "numpy":
            with ns.xp.errstate(all="ignore"):
                return (ns, *fn(batch, V, *flat))
        return (ns, *fn(batch, V, *flat))

    # ---- reading ---------------------------------------------------------
    @property
    def source(self) -> str:
        """The generated Python source of the latest trace (scalar inputs)."""
        if self._last is None:
            raise RuntimeError("not traced yet: call the compiled function once, or use .trace(*example_args)")
        return self._last.source

    @property
    def batched_source(self) -> str:
        """The source that ran the latest batched call (arrays in ``N``)."""
        if self._last_batched is None:
            raise RuntimeError("no batched call yet: call it with numpy arrays of shape (B,)")
        return self._last_batched

    @property
    def last_trace(self) -> Trace:
        """The latest trace: its inputs, graph (``order``), guards (``events``) and names."""
        if self._last is None:
            raise RuntimeError("not traced yet: call the compiled function once, or use .trace(*example_args)")
        return self._last.trace

    @property
    def guards(self) -> list[str]:
        """The guards of the latest trace, as the conditions the generated code checks."""
        if self._last is None:
            return []
        return [statement for statement, _ in self._last.guards]

    def __repr__(self) -> str:
        state = f"{self.n_traces} trace(s)" if self.n_traces else "not traced yet"
        return f"<compiled {getattr(self.f, '__name__', 'function')}: {state}>"


def _column(ns: SimpleNamespace, x: Any, batch: int) -> Any:
    """``x`` as a fresh array of shape (B,) (a float is repeated; nothing aliases an input)."""
    a = ns.asarray(x)
    if ns.name == "torch":
        return a.broadcast_to((batch,)).clone()
    return ns.xp.array(ns.xp.broadcast_to(a, (batch,)), dtype=ns.dtype)


def compile(  # noqa: A001
    f: Callable[..., Any] | None = None, *, argnums: Argnums = None, has_aux: bool = False
) -> Any:
    """Compile ``f`` into straight-line Python for its value and gradient.

    ``compile(f)(*args)`` returns ``(value, grads)``; ``grads`` mirrors the
    positional arguments (floats or nested lists/tuples of floats), or only
    those at ``argnums``. ``.source`` shows the generated code. Arrays of shape
    (B,) in place of floats replay a batch. With ``has_aux=True``, ``f``
    returns ``(output, aux)`` and the value is ``(output, aux's numbers)``.
    Also a decorator: ``@autograd.compile`` or ``@autograd.compile(argnums=0)``.

    Examples:
        >>> fc = compile(lambda x, y: (x + y) ** 2)
        >>> fc(3.0, 2.0)
        (25.0, (10.0, 10.0))
        >>> fc(1.0, 1.0)  # new numbers: the same code, no graph built
        (4.0, (4.0, 4.0))
    """
    if f is None:
        return lambda g: Compiled(g, argnums, has_aux)
    return Compiled(f, argnums, has_aux)
