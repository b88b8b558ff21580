"""Value, the graph it records, and reverse-mode differentiation over it.

A node holds its op (a row of ops.py), its children in two slots, and its
data and grad. backward is one loop over a topological order:
``child.grad += local * node.grad``. The loop body of each op is compiled
once from that op's rule in ops.py (``_compile``), so no derivative is
written here. Semantics: docs/semantics.md.
"""

from __future__ import annotations

import functools
import itertools
import linecache
import math
import numbers
import operator
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from types import FrameType, SimpleNamespace
from typing import Any, TypeVar, Union

from . import ops
from .ops import FLOAT, Primitive

Operand = Union["Value", float, int]
F = TypeVar("F", bound=Callable[..., Any])


def _to_float(x: object) -> float:
    t = type(x)
    if t is float:
        return x  # type: ignore[return-value]
    if t is bool or type(x).__name__ == "bool_":
        raise TypeError(f"Value() got a {t.__name__}; convert it explicitly, e.g. Value(float(x))")
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(
                f"Value() got an int too large for a float ({len(str(x))} digits); "
                "scale it down first"
            ) from None
    raise TypeError(
        f"Value() takes a real number (int, float or numpy real scalar), not {t.__name__}"
    )


# autograd.compiler sets this while it traces a function, to record the comparisons,
# float() and format() made on Values (they become the compiled code's guards).
_trace_hook: Callable[[str, tuple[Any, ...], Any], None] | None = None


class Value:
    """One float in a computation graph, with the gradient that backward() finds."""

    __slots__ = ("__weakref__", "_a", "_b", "_label", "_op", "_tag", "data", "grad")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    _op: Primitive | None
    _a: Any  # first input, or the tuple of a reduction's inputs
    _b: Any  # second input, the op's constants, or a reduction's second group
    _label: str
    _tag: str

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = _to_float(data)
        self.grad = 0.0
        self._op = None
        self._a = None
        self._b = None
        if label:
            self._label = label

    # ---- identity, display, conversion ------------------------------------
    @property
    def label(self) -> str:
        try:
            return self._label
        except AttributeError:
            return ""

    @label.setter
    def label(self, text: str) -> None:
        self._label = text

    @property
    def tag(self) -> str:
        """A free-form tag that groups nodes in diagrams ('' when unset).

        autograd.nn tags a neuron's nodes with its place, e.g. "L1.N3";
        draw_dot collapses big graphs by these tags, split at the dots.
        """
        try:
            return self._tag
        except AttributeError:
            return ""

    @tag.setter
    def tag(self, text: str) -> None:
        self._tag = text

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def op(self) -> str:
        """The op's name in diagrams ('' for a leaf)."""
        return "" if self._op is None else self._op.label(self._params())

    def _params(self) -> tuple[float, ...]:
        op = self._op
        if op is None or not op.params:
            return ()
        return self._b if len(op.params) > 1 else (self._b,)

    def children(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        op = self._op
        if op is None:
            return ()
        if op.arity == 1:
            return (self._a,)
        if op.arity == 2:
            return (self._a, self._b)
        if op.groups == 1:
            return self._a  # type: ignore[no-any-return]
        return tuple(c for pair in zip(self._a, self._b) for c in pair)

    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child, as floats, from the op's rule."""
        return () if self._op is None else tuple(self._op.local(self))

    def __repr__(self) -> str:
        label = self.label
        extra = f", label={label!r}" if label else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    def __float__(self) -> float:
        if _trace_hook is not None:
            _trace_hook("float", (self,), self.data)
        return self.data

    def __format__(self, spec: str) -> str:
        text = format(self.data, spec)
        if _trace_hook is not None:
            _trace_hook("format", (self, spec), text)
        return text

    def __bool__(self) -> bool:
        raise TypeError(
            "the truth value of a Value is ambiguous: compare its number, e.g. "
            "'if v.data > 0:' (note that v == 0 compares identity, not value)"
        )

    # ==, != and hash are identity (the object defaults), so Values key dicts and sets.
    def __lt__(self, other: Operand) -> bool:
        r = self.data < _data(other)
        if _trace_hook is not None:
            _trace_hook("<", (self, other), r)
        return r

    def __le__(self, other: Operand) -> bool:
        r = self.data <= _data(other)
        if _trace_hook is not None:
            _trace_hook("<=", (self, other), r)
        return r

    def __gt__(self, other: Operand) -> bool:
        r = self.data > _data(other)
        if _trace_hook is not None:
            _trace_hook(">", (self, other), r)
        return r

    def __ge__(self, other: Operand) -> bool:
        r = self.data >= _data(other)
        if _trace_hook is not None:
            _trace_hook(">=", (self, other), r)
        return r

    __hash__ = object.__hash__

    def detach(self) -> Value:
        """A new leaf with the same data and no history."""
        return Value(self.data, self.label)

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles are detached leaves: the graph is never copied.
        return (_restore, (type(self), self.data, _grad_float(self.grad), self.label, self._state()))

    def _state(self) -> dict[str, Any]:
        return {}

    # ---- operators (each builds one node; the op is a row of ops.py) -------
    def __add__(self, other: Operand) -> Value:
        return _add(self, other)

    def __radd__(self, other: Operand) -> Value:
        return _add(_lift(other), self)

    def __sub__(self, other: Operand) -> Value:
        return _sub(self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _sub(_lift(other), self)

    def __mul__(self, other: Operand) -> Value:
        return _mul(self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _mul(_lift(other), self)

    def __truediv__(self, other: Operand) -> Value:
        return _div(self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _div(_lift(other), self)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _pow(self, other)
        return _powc(self, _to_float(other))

    def __rpow__(self, other: Operand) -> Value:
        return _pow(_lift(other), self)

    def __neg__(self) -> Value:
        return _neg(self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _abs(self)

    def exp(self) -> Value:
        return _exp(self)

    def log(self) -> Value:
        return _log(self)

    def log1p(self) -> Value:
        return _log1p(self)

    def expm1(self) -> Value:
        return _expm1(self)

    def sqrt(self) -> Value:
        return _sqrt(self)

    def tanh(self) -> Value:
        return _tanh(self)

    def sigmoid(self) -> Value:
        return _sigmoid(self)

    def relu(self) -> Value:
        return _relu(self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return _leaky_relu(self, _to_float(slope))

    def softplus(self) -> Value:
        return _softplus(self)

    def sin(self) -> Value:
        return _sin(self)

    def cos(self) -> Value:
        return _cos(self)

    def clamp(self, lo: float = -math.inf, hi: float = math.inf) -> Value:
        lo, hi = _to_float(lo), _to_float(hi)
        if lo > hi:
            raise ValueError(f"clamp needs lo <= hi, got lo={lo}, hi={hi}")
        return _clamp(self, (lo, hi))

    def maximum(self, other: Operand) -> Value:
        return _maximum(self, other)

    def minimum(self, other: Operand) -> Value:
        return _minimum(self, other)

    # ---- differentiation ---------------------------------------------------
    def backward(self, grad: Operand = 1.0, create_graph: bool = False) -> None:
        """Set ``.grad`` of every node this value depends on (see docs/semantics.md).

        Leaves accumulate across calls; other nodes hold this pass's gradient.
        """
        if create_graph or (_GEN["_SLOW"] and _anomaly.get()):
            _backward_general(self, grad, create_graph)
            return
        seed = _data(grad)
        order = topological_order([self])
        for v in order:
            v.grad = 0.0
        if self._op is None:
            self.grad = _grad_float(self.grad) + seed
            return
        self.grad = seed
        for v in order:
            v._op.step(v)  # type: ignore[union-attr]

    def zero_grad(self) -> None:
        self.grad = 0.0


def _restore(cls: type[Value], data: float, grad: float, label: str, state: dict[str, Any]) -> Value:
    v = cls.__new__(cls)
    Value.__init__(v, data, label)
    v.grad = grad
    for k, val in state.items():
        setattr(v, k, val)
    return v


def _grad_float(g: Any) -> float:
    return g.data if isinstance(g, Value) else float(g)


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _to_float(x)


def _lift(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(x)


# --------------------------------------------------------------------------
# Grad modes and anomaly detection. Each thread and asyncio task has its own
# (ContextVar). _GEN["_SLOW"] counts the contexts open anywhere, so the node
# constructors pay one dict read when none is open.
# --------------------------------------------------------------------------

_grad_enabled: ContextVar[bool] = ContextVar("autograd_grad_enabled", default=True)
_anomaly: ContextVar[bool] = ContextVar("autograd_anomaly", default=False)
_slow_lock = threading.Lock()


def _open_context(var: ContextVar[bool], value: bool) -> Any:
    with _slow_lock:
        _GEN["_SLOW"] += 1
    return var.set(value)


def _close_context(var: ContextVar[bool], token: Any) -> None:
    var.reset(token)
    with _slow_lock:
        _GEN["_SLOW"] -= 1


class _Mode:
    """A context manager and decorator that sets one ContextVar while active."""

    _var: ContextVar[bool] = _grad_enabled
    _value = True

    def __init__(self) -> None:
        self._tokens: list[Any] = []

    def __enter__(self) -> None:
        self._tokens.append(_open_context(self._var, self._value))

    def __exit__(self, *exc: object) -> None:
        _close_context(self._var, self._tokens.pop())

    def __call__(self, func: F) -> F:
        mode = type(self)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_Mode):
    """Record no graph: ops return leaves. ``with no_grad():`` or ``@no_grad()``."""

    _value = False


class enable_grad(_Mode):
    """Record the graph again inside a ``no_grad`` block."""

    _value = True


class detect_anomaly(_Mode):
    """Raise FloatingPointError at the first non-finite value, forward or backward."""

    _var = _anomaly
    _value = True


def is_grad_enabled() -> bool:
    return _grad_enabled.get()


_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_origins: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()


def _internal(filename: str) -> bool:
    if filename.startswith("<autograd"):  # code compiled from ops.py rules
        return True
    return os.path.dirname(os.path.abspath(filename)) == _PKG_DIR


def _user_line() -> str:
    """'file:line: code' of the first caller outside this package."""
    f: FrameType | None = sys._getframe(1)
    while f is not None and _internal(f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return "<unknown>"
    code = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return f"{f.f_code.co_filename}:{f.f_lineno}: {code}"


def _finish_slow(out: Value, op: Primitive, a: Any, b: Any) -> Value:
    """Node construction while some grad-mode or anomaly context is open."""
    if _anomaly.get():
        out._op, out._a, out._b = op, a, b
        where = _user_line()
        if not math.isfinite(out.data):
            ins = ", ".join(repr(c.data) for c in out.children())
            raise FloatingPointError(
                f"detect_anomaly: {op.name}({ins}) = {out.data} in forward, at {where}"
            )
        _origins[out] = where
    if not _grad_enabled.get():
        out._op = out._a = out._b = None
        return out
    out._op, out._a, out._b = op, a, b
    return out


# --------------------------------------------------------------------------
# Compiling the rules of ops.py for this node layout.
# A node of a unary op keeps its input in _a and its constants (if any) in _b;
# a binary op keeps its inputs in _a and _b; a reduction keeps one tuple per
# group in _a (and _b for the second group).
# --------------------------------------------------------------------------

_GEN: dict[str, Any] = {**vars(FLOAT), "_SLOW": 0, "nan": math.nan, "inf": math.inf}


def _exec(src: str, name: str) -> Any:
    code = compile(src, f"<autograd.ops:{name}>", "exec")
    scope: dict[str, Any] = {}
    exec(code, _GEN, scope)
    return scope[name]


def _accumulate(child: str, local: str) -> str:
    if local == "1.0":
        return f"{child}.grad += g"
    if local == "-1.0":
        return f"{child}.grad -= g"
    return f"{child}.grad += ({local}) * g"


def _compile(op: Primitive) -> None:
    """Build op.make (new node), op.step (backward, floats) and op.local from its rule."""
    key = f"_op_{op.name}"
    _GEN[key] = op
    kids = ["a", "b"][: op.groups]
    uses = " ".join(op.deriv_src)
    # Inputs' data are x0, x1; the node's is out; constants are bound by name from _b.
    params = ", ".join(op.params)
    p_load = f"    {params} = v._b\n" if op.params else ""
    loads = "".join(f"    x{i} = {k}.data\n" for i, k in enumerate(kids) if f"x{i}" in uses)
    out_load = "    out = v.data\n" if "out" in uses else ""
    acc = "".join(f"    {_accumulate(k, loc)}\n" for k, loc in zip(kids, op.deriv_src))

    if op.arity == "n":
        loop = "    for a in v._a:\n" if op.groups == 1 else "    for a, b in zip(v._a, v._b):\n"
        body = _indent(loads)
        op.step = _exec(f"def step(v):\n    g = v.grad\n{out_load}{loop}{body}{_indent(acc)}", "step")
        # Local derivatives in children() order: pairs interleaved for two groups.
        appends = "".join(f"        r.append({loc})\n" for loc in op.deriv_src)
        op.local = _exec(f"def local(v):\n{out_load}    r = []\n{loop}{body}{appends}    return r\n", "local")
        op.make = _exec(_reduction_make_src(op, key), "make")
        return

    head = "    a = v._a\n" + ("    b = v._b\n" if op.arity == 2 else "")
    op.step = _exec(f"def step(v):\n    g = v.grad\n{head}{p_load}{loads}{out_load}{acc}", "step")
    locs = ", ".join(op.deriv_src)
    op.local = _exec(f"def local(v):\n{head}{p_load}{loads}{out_load}    return ({locs},)\n", "local")

    # make(x0v[, x1v][, _params]): lift plain numbers, run the forward, link the node.
    args = ["x0v", "x1v"][: op.groups]
    sig = ", ".join(args + (["_params"] if op.params else []))
    lift = "".join(f"    if not isinstance({a}, Value):\n        {a} = _lift({a})\n" for a in args)
    fwd_loads = "".join(f"    x{i} = {a}.data\n" for i, a in enumerate(args))
    fwd_loads += f"    {params} = _params\n" if op.params else ""
    b_slot = "x1v" if op.arity == 2 else ("_params" if op.params else "None")
    op.make = _exec(
        f"def make({sig}):\n{lift}{fwd_loads}"
        f"    out = _new(Value)\n    out.data = {op.fwd_src}\n    out.grad = 0.0\n"
        f"    if _SLOW:\n        return _finish_slow(out, {key}, x0v, {b_slot})\n"
        f"    out._op = {key}\n    out._a = x0v\n    out._b = {b_slot}\n    return out\n",
        "make",
    )


def _indent(block: str) -> str:
    return "".join("    " + line + "\n" for line in block.splitlines())


def _group_lines(k: str, src: str, xs: str, pad: str) -> list[str]:
    """A reduction's input group as a tuple ``k`` and its data ``xs``, read in the pass
    that checks the types (plain numbers are lifted only when that pass fails)."""
    return [f"{pad}{k} = tuple({src})", f"{pad}{xs} = [c.data for c in {k} if type(c) in _VALUE_TYPES]",
            f"{pad}if len({xs}) != len({k}):", f"{pad}    {k} = _lift_all({k})",
            f"{pad}    {xs} = [c.data for c in {k}]"]  # fmt: skip


def _reduction_node_lines(op: Primitive, key: str, pad: str) -> list[str]:
    """Check the groups' lengths, run the forward and link the node ``out`` (inputs k0[, k1])."""
    b = "k1" if op.groups == 2 else "None"
    check = [f"{pad}if len(k0) != len(k1):", f"{pad}    _length_mismatch({key}, k0, k1)"] if op.groups == 2 else []
    return [*check, f"{pad}out = _new(Value)", f"{pad}out.data = {op.fwd_src}", f"{pad}out.grad = 0.0",
            f"{pad}if _SLOW:", f"{pad}    out = _finish_slow(out, {key}, k0, {b})", f"{pad}else:",
            f"{pad}    out._op = {key}", f"{pad}    out._a = k0", f"{pad}    out._b = {b}"]  # fmt: skip


def _reduction_make_src(op: Primitive, key: str) -> str:
    """Source of make(g0[, g1]) for a reduction: one node over its input groups."""
    lines = [f"def make({', '.join(f'g{i}' for i in range(op.groups))}):"]
    for i in range(op.groups):
        lines += _group_lines(f"k{i}", f"g{i}", f"xs{i}", "    ")
    lines += [*_reduction_node_lines(op, key, "    "), "    return out\n"]
    return "\n".join(lines)


_VALUE_TYPES: set[type] = {Value}
"""Value and the subclasses of it met so far: an exact type check, membership only."""


def _lift_all(group: tuple[Any, ...]) -> tuple[Value, ...]:
    """Lift the plain numbers of a group; remember the Value subclasses in it."""
    out = tuple(v if isinstance(v, Value) else _lift(v) for v in group)
    _VALUE_TYPES.update(map(type, out))
    return out


def _length_mismatch(op: Primitive, a: tuple[Value, ...], b: tuple[Value, ...]) -> None:
    raise ValueError(f"{op.name} needs two sequences of one length, got {len(a)} and {len(b)}")


_GEN.update(Value=Value, _new=object.__new__, _lift=_lift, _finish_slow=_finish_slow,
            _VALUE_TYPES=_VALUE_TYPES, _lift_all=_lift_all, _length_mismatch=_length_mismatch)  # fmt: skip
for _op in ops.REGISTRY.values():
    _compile(_op)
ops._on_register.append(_compile)


def _maker(op: Primitive) -> Callable[..., Value]:
    return op.make


_add, _sub, _mul, _div = _maker(ops.add), _maker(ops.sub), _maker(ops.mul), _maker(ops.div)
_pow, _powc, _neg, _abs = _maker(ops.pow), _maker(ops.powc), _maker(ops.neg), _maker(ops.abs)
_exp, _log, _log1p, _expm1 = _maker(ops.exp), _maker(ops.log), _maker(ops.log1p), _maker(ops.expm1)
_sqrt, _tanh, _sigmoid, _relu = _maker(ops.sqrt), _maker(ops.tanh), _maker(ops.sigmoid), _maker(ops.relu)
_leaky_relu, _softplus, _sin, _cos = _maker(ops.leaky_relu), _maker(ops.softplus), _maker(ops.sin), _maker(ops.cos)
_clamp, _maximum, _minimum = _maker(ops.clamp), _maker(ops.maximum), _maker(ops.minimum)


# --------------------------------------------------------------------------
# Topological order (iterative: a graph a million nodes deep is fine).
# --------------------------------------------------------------------------


def topological_order(roots: Sequence[Value]) -> list[Value]:
    """The non-leaf nodes that the roots depend on, each one before its inputs.

    An iterative depth-first search: a node is finished once every input
    pushed above it is; finished nodes in reverse are a topological order.
    Deterministic: it follows the children's order only.
    """
    order: list[Value] = []
    seen: set[Value] = set()  # membership only, never iterated
    shared: set[int] = set()  # ids of reductions' input tuples already expanded; never iterated
    stack: list[Value | None] = [r for r in reversed(roots) if r._op is not None]
    push, pop, finish, mark, unseen = stack.append, stack.pop, order.append, seen.add, seen.__contains__
    while stack:
        v = pop()
        if v is None:  # the marker above a node whose inputs are all finished now
            finish(pop())  # type: ignore[arg-type]
            continue
        if v in seen:
            continue
        mark(v)
        push(v)
        push(None)
        op = v._op
        if op.arity == 2:  # type: ignore[union-attr]
            c = v._a
            if c._op is not None and c not in seen:
                push(c)
            c = v._b
            if c._op is not None and c not in seen:
                push(c)
        elif op.arity == 1:  # type: ignore[union-attr]
            c = v._a
            if c._op is not None and c not in seen:
                push(c)
        else:  # a reduction: its inputs filtered at C speed, in children() order
            kids = v._a
            if op.groups == 2:  # type: ignore[union-attr]
                if any(map(_node_op, kids)):  # pairs interleave
                    stack.extend(_filterfalse(unseen, filter(_node_op, _interleave(zip(kids, v._b)))))
                    kids = None
                else:  # group 1 is all leaves (a neuron's weights)
                    kids = v._b
            # A tuple of inputs shared with a node expanded before (a layer's input) has
            # every input finished already: in a DAG, none of them can be above that node.
            if kids is not None and id(kids) not in shared:
                shared.add(id(kids))  # the graph keeps the tuple alive, so its id stays its own
                stack.extend(_filterfalse(unseen, filter(_node_op, kids)))
        if stack[-1] is None:  # no input left to visit: v is finished now
            pop()
            finish(pop())  # type: ignore[arg-type]
    order.reverse()
    return order


_node_op = operator.attrgetter("_op")  # a node's op; None (false) for a leaf
_interleave = itertools.chain.from_iterable
_filterfalse = itertools.filterfalse


# --------------------------------------------------------------------------
# The general path: gradients as dict entries, floats or Values (create_graph).
# --------------------------------------------------------------------------


def _vd(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _piecewise(name: str) -> Callable[..., Any]:
    """A step-like function of the rules' namespace on Values: a number, not a node.

    A compiler trace records its result as a guard (it is frozen in the graph).
    """
    fn = getattr(FLOAT, name)

    def call(*args: Any) -> Any:
        r = fn(*[_vd(a) for a in args])
        if _trace_hook is not None:
            _trace_hook(name, args, r)
        return r

    return call


VALUE = SimpleNamespace(**{**vars(FLOAT)})
"""The rules' namespace over Values: differentiable where the rule differentiates."""
VALUE.__dict__.update(
    exp=_exp, log=_log, log1p=_log1p, expm1=_expm1, sqrt=_sqrt, sin=_sin, cos=_cos,
    tanh=_tanh, sigmoid=_sigmoid, softplus=_softplus, relu=_relu, abs=_abs,
    pow=lambda x, y: _pow(x, y) if isinstance(y, Value) else _powc(_lift(x), float(y)),
    div=lambda a, b: _div(a, b) if isinstance(a, Value) or isinstance(b, Value) else ops.f_div(a, b),
    heaviside=_piecewise("heaviside"), sign=_piecewise("sign"),
    eq=_piecewise("eq"), ge=_piecewise("ge"), lt=_piecewise("lt"),
    max2=_maximum, min2=_minimum,
)  # fmt: skip


def _edges(v: Value, as_values: bool) -> list[tuple[Value, Any]]:
    """(child, local derivative) pairs of one node, read from its op's rule."""
    op = v._op
    assert op is not None
    kids = v.children()
    if not as_values:
        return list(zip(kids, op.local(v)))
    params = v._params()
    if op.arity != "n":
        return list(zip(kids, op.deriv(VALUE, *kids, *params, v)))
    if op.groups == 1:
        return [(c, op.deriv(VALUE, c, v)[0]) for c in kids]
    pairs: list[tuple[Value, Any]] = []
    for w, x in zip(kids[0::2], kids[1::2]):
        lw, lx = op.deriv(VALUE, w, x, v)
        pairs += [(w, lw), (x, lx)]
    return pairs


def _check_finite(x: Any, v: Value, child: Value) -> None:
    if not math.isfinite(_vd(x)):
        op = v._op
        ins = ", ".join(repr(c.data) for c in v.children())
        raise FloatingPointError(
            f"detect_anomaly: gradient {_vd(x)} flowing into an input of "
            f"{op.name if op else '?'}({ins}) in backward; the node was created at "
            f"{_origins.get(v, '<unknown: created outside detect_anomaly>')}"
        )


def _propagate(
    roots: Sequence[Value], seeds: Sequence[Any], as_values: bool
) -> dict[Value, Any]:
    check = bool(_GEN["_SLOW"]) and _anomaly.get()
    grads: dict[Value, Any] = {}
    for r, s in zip(roots, seeds):
        grads[r] = grads[r] + s if r in grads else s
    order = topological_order(roots)
    for v in order:
        g = grads.get(v)
        if g is None:
            continue
        for c, local in _edges(v, as_values):
            if as_values and type(local) in (int, float) and local == 1:
                contrib = g
            else:
                contrib = local * g
            if check:
                _check_finite(contrib, v, c)
            prev = grads.get(c)
            grads[c] = contrib if prev is None else prev + contrib
    return grads


def _seed(x: Any, as_values: bool) -> Any:
    if isinstance(x, Value):
        return x if as_values else x.data
    f = _to_float(x)
    return Value(f) if as_values else f


def _backward_general(root: Value, grad: Any, create_graph: bool) -> None:
    as_values = create_graph and _grad_enabled.get()
    grads = _propagate([root], [_seed(grad, as_values)], as_values)
    for v, g in grads.items():
        # Leaves accumulate across calls; other nodes hold this pass's gradient.
        v.grad = v.grad + g if v._op is None else g


def gradients(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Any = None,
    create_graph: bool = False,
) -> list[Any]:
    """d(outputs)/d(inputs), without writing any ``.grad`` (like torch.autograd.grad).

    ``grad_outputs`` seeds each output (default 1). With ``create_graph`` the
    gradients are Values that can be differentiated again. An input that the
    outputs do not depend on gets 0.0.
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    for v in outs + ins:
        if not isinstance(v, Value):
            raise TypeError(f"gradients() takes Values as outputs and inputs, got {type(v).__name__}")
    if grad_outputs is None:
        seeds: list[Any] = [1.0] * len(outs)
    else:
        seeds = [grad_outputs] if not isinstance(grad_outputs, (list, tuple)) else list(grad_outputs)
        if len(seeds) != len(outs):
            raise ValueError(f"got {len(seeds)} grad_outputs for {len(outs)} outputs")
    as_values = create_graph and _grad_enabled.get()
    grads = _propagate(outs, [_seed(s, as_values) for s in seeds], as_values)
    zero = Value(0.0) if as_values else 0.0
    return [grads.get(x, zero) for x in ins]


# --------------------------------------------------------------------------
# Module-level math: Values or plain numbers in, a Value out.
# --------------------------------------------------------------------------


def exp(x: Operand) -> Value:
    return _exp(x)


def log(x: Operand) -> Value:
    return _log(x)


def log1p(x: Operand) -> Value:
    return _log1p(x)


def expm1(x: Operand) -> Value:
    return _expm1(x)


def sqrt(x: Operand) -> Value:
    return _sqrt(x)


def tanh(x: Operand) -> Value:
    return _tanh(x)


def sigmoid(x: Operand) -> Value:
    return _sigmoid(x)


def relu(x: Operand) -> Value:
    return _relu(x)


def leaky_relu(x: Operand, slope: float = 0.01) -> Value:
    return _lift(x).leaky_relu(slope)


def softplus(x: Operand) -> Value:
    return _softplus(x)


def sin(x: Operand) -> Value:
    return _sin(x)


def cos(x: Operand) -> Value:
    return _cos(x)


def clamp(x: Operand, lo: float = -math.inf, hi: float = math.inf) -> Value:
    return _lift(x).clamp(lo, hi)


def maximum(a: Operand, b: Operand) -> Value:
    return _maximum(a, b)


def minimum(a: Operand, b: Operand) -> Value:
    return _minimum(a, b)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for the sum of many: ``start + v0 + v1 + ...``."""
    vals = list(values)
    if isinstance(start, Value) or _to_float(start) != 0.0:
        vals.insert(0, start)
    out: Value = ops.sum.make(vals)
    return out


def dot(a: Sequence[Operand], b: Sequence[Operand]) -> Value:
    """One node for ``a[0]*b[0] + a[1]*b[1] + ...``."""
    out: Value = ops.dot.make(a, b)
    return out


def dots(rows: Iterable[Sequence[Operand]], x: Sequence[Operand]) -> list[Value]:
    """``[dot(row, x) for row in rows]``: a layer's neurons, one dot node each.

    The same nodes as that list, but ``x`` is checked and read once for all
    rows (plain numbers in it become one leaf that every row shares).
    """
    out: list[Value] = _dots(rows, x)
    return out


# ops.dot's make(), compiled for many rows over one shared x (checked and read once).
_dots = _exec(
    "\n".join(["def dots(rows, x):", *_group_lines("k1", "x", "xs1", "    "), "    outs = []",
               "    for row in rows:", *_group_lines("k0", "row", "xs0", "        "),
               *_reduction_node_lines(ops.dot, "_op_dot", "        "), "        outs.append(out)",
               "    return outs\n"]),
    "dots",
)  # fmt: skip


def logsumexp(values: Iterable[Operand]) -> Value:
    """One node for ``log(sum(exp(v)))``, stable for any magnitude."""
    vals = list(values)
    if not vals:
        raise ValueError("logsumexp of an empty sequence")
    out: Value = ops.logsumexp.make(vals)
    return out
