"""Value, the graph it records, and backpropagation over that graph.

Read this file top to bottom:

1. ``Value`` wraps one float. Every operation on Values records a node: the
   primitive that made it (a row of ops.py) and its inputs.
2. ``topological_order`` lists the nodes so that each comes before its inputs.
3. ``backprop`` is the chain rule, node by node::

       child.grad += local * node.grad

   where ``local`` is d(node)/d(child), computed by the node's primitive from
   its rule in ops.py. No derivative is written in this file.

Semantics (accumulation, grad modes, create_graph): docs/semantics.md.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any, Union

from . import modes, ops
from .modes import OPEN, detect_anomaly, enable_grad, is_grad_enabled, no_grad, notify
from .ops import FLOAT, Primitive

__all__ = ["Value", "apply", "backprop", "clamp", "detect_anomaly", "dot", "dots", "enable_grad", "gradients",
           "is_grad_enabled", "leaky_relu", "logsumexp", "no_grad", "sum", "topological_order"]  # fmt: skip

Operand = Union["Value", float, int]


def _to_float(x: object) -> float:
    """A Value's number: int, float and numpy real scalars; never bool, str, complex."""
    t = type(x)
    if t is float:
        return x  # type: ignore[return-value]
    if t is bool or t.__name__ == "bool_":
        raise TypeError(f"Value() got a {t.__name__}; convert it explicitly, e.g. Value(float(x))")
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"Value() got an int too large for a float ({len(str(x))} digits); "
                                "scale it down first") from None  # fmt: skip
    raise TypeError(f"Value() takes a real number (int, float or numpy real scalar), not {t.__name__}")


class Value:
    """One float in a computation graph, with the gradient that backward() finds."""

    # _prim is the primitive that made this node (None for a leaf); _x and _y hold its
    # inputs, laid out as the Primitive class in ops.py says (only it reads them).
    __slots__ = ("__weakref__", "_label", "_prim", "_tag", "_x", "_y", "data", "grad")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    _x: Any
    _y: Any

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = _to_float(data)
        self.grad = 0.0
        self._prim: Primitive | None = None
        if label:
            self._label = label

    # ---- what a node is ----------------------------------------------------
    @property
    def label(self) -> str:
        """A name for diagrams and messages ('' when unset)."""
        return getattr(self, "_label", "")

    @label.setter
    def label(self, text: str) -> None:
        self._label = text

    @property
    def tag(self) -> str:
        """A free-form tag that groups nodes in diagrams ('' when unset).

        autograd.nn tags a neuron's nodes with its place, e.g. "L1.N3";
        draw_dot collapses big graphs by these tags, split at the dots.
        """
        return getattr(self, "_tag", "")

    @tag.setter
    def tag(self, text: str) -> None:
        self._tag = text

    @property
    def is_leaf(self) -> bool:
        return self._prim is None

    @property
    def op(self) -> str:
        """The op's text in diagrams ('' for a leaf), e.g. '+' or '**2'."""
        prim = self._prim
        return "" if prim is None else prim.label(prim.constants(self))

    def children(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        return () if self._prim is None else tuple(self._prim.inputs(self))

    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child, as floats, in children() order."""
        if self._prim is None:
            return ()
        return tuple(local for _, local in self._prim.local_with(FLOAT, self, blocking=False))

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    # ---- reading the number (the compiled tape records these as guards) ----
    def __float__(self) -> float:
        notify("float", (self,), self.data)
        return self.data

    def __format__(self, spec: str) -> str:
        text = format(self.data, spec)
        notify("format", (self, spec), text)
        return text

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a Value is ambiguous: compare its number, e.g. "
                        "'if v.data > 0:' (note that v == 0 compares identity, not value)")  # fmt: skip

    # ==, != and hash are identity (the object defaults), so Values key dicts and sets.
    def __lt__(self, other: Operand) -> bool:
        return _compare("<", self, other, self.data < _data(other))

    def __le__(self, other: Operand) -> bool:
        return _compare("<=", self, other, self.data <= _data(other))

    def __gt__(self, other: Operand) -> bool:
        return _compare(">", self, other, self.data > _data(other))

    def __ge__(self, other: Operand) -> bool:
        return _compare(">=", self, other, self.data >= _data(other))

    __hash__ = object.__hash__

    def detach(self) -> Value:
        """A new leaf with the same data and no history."""
        return Value(self.data, self.label)

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles are detached leaves: the graph is never copied.
        grad = self.grad.data if isinstance(self.grad, Value) else float(self.grad)
        return (_restore, (type(self), self.data, grad, self.label, self._state()))

    def _state(self) -> dict[str, Any]:
        return {}

    # ---- operators: each records one node of a primitive from ops.py ------
    def __add__(self, other: Operand) -> Value: return _binary(ops.add, self, other)
    def __radd__(self, other: Operand) -> Value: return _binary(ops.add, other, self)
    def __sub__(self, other: Operand) -> Value: return _binary(ops.sub, self, other)
    def __rsub__(self, other: Operand) -> Value: return _binary(ops.sub, other, self)
    def __mul__(self, other: Operand) -> Value: return _binary(ops.mul, self, other)
    def __rmul__(self, other: Operand) -> Value: return _binary(ops.mul, other, self)
    def __truediv__(self, other: Operand) -> Value: return _binary(ops.div, self, other)
    def __rtruediv__(self, other: Operand) -> Value: return _binary(ops.div, other, self)
    def __rpow__(self, other: Operand) -> Value: return _binary(ops.pow, other, self)
    def __neg__(self) -> Value: return _unary(ops.neg, self)
    def __pos__(self) -> Value: return self
    def __abs__(self) -> Value: return _unary(ops.abs, self)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(ops.pow, self, other)
        return _unary(ops.powc, self, _to_float(other))  # a constant exponent: x**2

    def exp(self) -> Value: return _unary(ops.exp, self)
    def log(self) -> Value: return _unary(ops.log, self)
    def log1p(self) -> Value: return _unary(ops.log1p, self)
    def expm1(self) -> Value: return _unary(ops.expm1, self)
    def sqrt(self) -> Value: return _unary(ops.sqrt, self)
    def sin(self) -> Value: return _unary(ops.sin, self)
    def cos(self) -> Value: return _unary(ops.cos, self)
    def tanh(self) -> Value: return _unary(ops.tanh, self)
    def sigmoid(self) -> Value: return _unary(ops.sigmoid, self)
    def softplus(self) -> Value: return _unary(ops.softplus, self)
    def relu(self) -> Value: return _unary(ops.relu, self)
    def leaky_relu(self, slope: float = 0.01) -> Value: return _unary(ops.leaky_relu, self, _to_float(slope))
    def maximum(self, other: Operand) -> Value: return _binary(ops.maximum, self, other)
    def minimum(self, other: Operand) -> Value: return _binary(ops.minimum, self, other)

    def clamp(self, lo: float = -math.inf, hi: float = math.inf) -> Value:
        lo, hi = _to_float(lo), _to_float(hi)
        if not lo <= hi:
            raise ValueError(f"clamp needs lo <= hi, got lo={lo}, hi={hi}")
        return _unary(ops.clamp, self, lo, hi)

    # ---- differentiation ---------------------------------------------------
    def backward(self, grad: Operand = 1.0, create_graph: bool = False) -> None:
        """Set ``.grad`` of every node this value depends on (see docs/semantics.md).

        Leaves accumulate across calls; other nodes hold this pass's gradient.
        """
        if create_graph or (OPEN[0] and modes.is_anomaly_enabled()):
            _backward_on_records(self, grad, create_graph)
            return
        order = topological_order([self])
        for node in order:
            node.grad = 0.0  # this pass's gradients start from zero
        if self._prim is None:  # a leaf root: its own gradient is the seed
            self.grad += _data(grad)
            return
        self.grad = _data(grad)
        backprop(order)

    def zero_grad(self) -> None:
        self.grad = 0.0


def backprop(order: Iterable[Any]) -> None:
    """The chain rule, node by node: each node passes its gradient to its inputs.

    ``order`` lists every node before its inputs, so a node's gradient is complete
    when its turn comes. ``node._prim.local(node)`` gives the pairs (input, d node /
    d input) from the primitive's rule. Every kind of backward pass runs this loop.
    """
    for node in order:
        for child, local in node._prim.local(node):
            child.grad += local * node.grad


def _compare(kind: str, a: Value, b: Operand, result: bool) -> bool:
    notify(kind, (a, b), result)
    return result


def _restore(cls: type[Value], data: float, grad: float, label: str, state: dict[str, Any]) -> Value:
    v = cls.__new__(cls)
    Value.__init__(v, data, label)
    v.grad = grad
    for k, val in state.items():
        setattr(v, k, val)
    return v


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _to_float(x)


def _lift(x: Operand) -> Value:
    """A Value for x: plain numbers become leaves."""
    return x if isinstance(x, Value) else Value(x)


# --------------------------------------------------------------------------
# Recording nodes. The primitive computes the output from the inputs' floats;
# the node keeps the primitive and its inputs (in _x and _y, see ops.Primitive).
# --------------------------------------------------------------------------

_new = object.__new__


def _unary(prim: Primitive, x: Operand, *constants: float) -> Value:
    """One input, and constants kept on the node (the 2 of x**2)."""
    x = _lift(x)
    out = _new(Value)
    out.data = prim.forward_float(x.data, *constants)
    out.grad = 0.0
    y = None if not constants else constants[0] if len(constants) == 1 else constants
    return _link(out, prim, x, y) if OPEN[0] else _fast_link(out, prim, x, y)


def _binary(prim: Primitive, x: Operand, y: Operand) -> Value:
    if not isinstance(x, Value):
        x = Value(x)
    if not isinstance(y, Value):
        y = Value(y)
    out = _new(Value)
    out.data = prim.forward_float(x.data, y.data)
    out.grad = 0.0
    if OPEN[0]:  # some grad mode or anomaly context is open somewhere
        return _link(out, prim, x, y)
    out._prim = prim
    out._x = x
    out._y = y
    return out


def _reduction(prim: Primitive, *groups: Iterable[Operand]) -> Value:
    """One node over whole sequences of inputs: sum, dot, logsumexp."""
    tuples: list[tuple[Value, ...]] = []
    for group in groups:
        t = tuple(group)
        tuples.append(t if all(isinstance(v, Value) for v in t) else tuple(map(_lift, t)))  # type: ignore[arg-type]
    if len(tuples) == 2 and len(tuples[0]) != len(tuples[1]):
        raise ValueError(f"{prim.name} needs two sequences of one length, got {len(tuples[0])} and {len(tuples[1])}")
    out = _new(Value)
    out.data = prim.forward_float(*[[v.data for v in t] for t in tuples])
    out.grad = 0.0
    x, y = tuples[0], tuples[1] if len(tuples) == 2 else None
    return _link(out, prim, x, y) if OPEN[0] else _fast_link(out, prim, x, y)


def _fast_link(out: Value, prim: Primitive, x: Any, y: Any) -> Value:
    out._prim = prim
    out._x = x
    out._y = y
    return out


def _link(out: Value, prim: Primitive, x: Any, y: Any) -> Value:
    """Record the node unless grad mode is off; in anomaly mode, check it and remember where."""
    if not is_grad_enabled():
        out._prim = None
        return out
    _fast_link(out, prim, x, y)
    if modes.is_anomaly_enabled():
        where = modes.user_line()
        if not math.isfinite(out.data):
            ins = ", ".join(repr(c.data) for c in out.children())
            raise FloatingPointError(f"detect_anomaly: {prim.name}({ins}) = {out.data} in forward, at {where}")
        modes.origins[out] = where
    return out


def apply(prim: Primitive, *args: Any) -> Value:
    """Record one node of ``prim``: ``apply(ops.mul, a, b)`` is ``a * b``.

    Unary ops take their constants after the input (``apply(ops.clamp, x, 0, 1)``);
    reductions take sequences (``apply(ops.dot, ws, xs)``).
    """
    if prim.arity == "n":
        return _reduction(prim, *args)
    if prim.arity == 2:
        return _binary(prim, *args)
    return _unary(prim, args[0], *map(_to_float, args[1:]))


# --------------------------------------------------------------------------
# Topological order (iterative: a graph a million nodes deep is fine).
# --------------------------------------------------------------------------

def topological_order(roots: Sequence[Value]) -> list[Value]:
    """The non-leaf nodes that the roots depend on, each one before its inputs.

    A depth-first search with an explicit stack: a node is pushed, then a
    ``None`` marker, then its unvisited inputs. When the marker comes back up,
    all those inputs are finished, and so is the node. Finished nodes, reversed,
    are the order. It follows the inputs' order only, so it is deterministic.
    """
    order: list[Value] = []
    seen: set[Value] = set()  # membership only, never iterated
    stack: list[Any] = [r for r in reversed(roots) if r._prim is not None]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: the node under it is finished
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            stack.append(node)
            stack.append(None)
            for child in node._prim.inputs(node):
                if child._prim is not None and child not in seen:  # leaves need no visit
                    stack.append(child)
    order.reverse()
    return order


# --------------------------------------------------------------------------
# Passes that must not write .grad (gradients()), or that differentiate with
# Values (create_graph), or that check every step (detect_anomaly), run the same
# backprop() loop on records: stand-ins for the nodes, kept in a dict.
# --------------------------------------------------------------------------


class _Record:
    """A node's stand-in in one pass: its own ``grad``, and ``_prim`` is the pass."""

    __slots__ = ("_prim", "grad", "node")

    def __init__(self, node: Value, pass_: _Pass) -> None:
        self.node, self._prim, self.grad = node, pass_, _ZERO


class _Zero:
    """The gradient before any contribution: adding a contribution gives it exactly."""

    def __add__(self, other: Any) -> Any:
        return other

    def __repr__(self) -> str:
        return "0"


_ZERO = _Zero()


class _One:
    """A local derivative of exactly 1 on Values: multiplying records no extra node."""

    def __mul__(self, other: Any) -> Any:
        return other


_ONE = _One()


class _Pass:
    """What ``backprop`` asks a record's ``_prim`` for: the record's (input record, local) pairs."""

    def __init__(self, as_values: bool) -> None:
        self.as_values = as_values
        self.check = bool(OPEN[0]) and modes.is_anomaly_enabled()
        self.records: dict[Value, _Record] = {}

    def __enter__(self) -> _Pass:
        return self

    def __exit__(self, *exc: object) -> None:
        self.records.clear()  # records point back at the pass: drop them, so no cycle outlives it

    def record(self, node: Value) -> _Record:
        rec = self.records.get(node)
        if rec is None:
            rec = self.records[node] = _Record(node, self)
        return rec

    def local(self, rec: _Record) -> list[tuple[_Record, Any]]:
        if rec.grad is _ZERO:  # no gradient reached this node: nothing to pass on
            return []
        node = rec.node
        prim: Primitive = node._prim  # type: ignore[assignment]
        pairs = prim.local_with(VALUE, node) if self.as_values else prim.local(node)
        if self.as_values:
            pairs = [(c, _ONE if type(d) in (int, float) and d == 1 else d) for c, d in pairs]
        if self.check:
            for _, d in pairs:
                _check_finite(d * _grad_of(rec.grad), node)
        return [(self.record(c), d) for c, d in pairs]

    def run(self, roots: Sequence[Value], seeds: Sequence[Any]) -> None:
        for r, s in zip(roots, seeds):
            rec = self.record(r)
            rec.grad = rec.grad + s
        backprop([self.record(n) for n in topological_order(roots)])

    def grad(self, node: Value) -> Any:
        """This pass's gradient of ``node``: 0 when no path led to it."""
        rec = self.records.get(node)
        g = _ZERO if rec is None else rec.grad
        if g is _ZERO:
            return Value(0.0) if self.as_values else 0.0
        return g


def _grad_of(g: Any) -> float:
    return 0.0 if g is _ZERO else g.data if isinstance(g, Value) else g


def _check_finite(contribution: Any, node: Value) -> None:
    x = _grad_of(contribution)
    if not math.isfinite(x):
        ins = ", ".join(repr(c.data) for c in node.children())
        where = modes.origins.get(node, "<unknown: created outside detect_anomaly>")
        raise FloatingPointError(f"detect_anomaly: gradient {x} flowing into an input of "
                                 f"{node._prim.name}({ins}) in backward; the node was created at {where}")  # type: ignore[union-attr]  # fmt: skip


def _seed(x: Any, as_values: bool) -> Any:
    if isinstance(x, Value):
        return x if as_values else x.data
    return Value(_to_float(x)) if as_values else _to_float(x)


def _backward_on_records(root: Value, grad: Any, create_graph: bool) -> None:
    p = _Pass(as_values=create_graph and is_grad_enabled())
    with p:
        p.run([root], [_seed(grad, p.as_values)])
        for node in p.records:
            g = p.grad(node)
            # Leaves accumulate across calls; other nodes hold this pass's gradient.
            node.grad = node.grad + g if node._prim is None else g


def gradients(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
              grad_outputs: Any = None, create_graph: bool = False) -> list[Any]:  # fmt: skip
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
    seeds = [1.0] * len(outs) if grad_outputs is None else (
        list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs])  # fmt: skip
    if len(seeds) != len(outs):
        raise ValueError(f"got {len(seeds)} grad_outputs for {len(outs)} outputs")
    p = _Pass(as_values=create_graph and is_grad_enabled())
    with p:
        p.run(outs, [_seed(s, p.as_values) for s in seeds])
        return [p.grad(x) for x in ins]


# --------------------------------------------------------------------------
# The rules' namespace over Values (higher order): differentiable functions are
# the primitives; step functions give plain numbers, seen by the tape's observer.
# --------------------------------------------------------------------------


def _piecewise(name: str) -> Any:
    fn = getattr(FLOAT, name)

    def call(*args: Any) -> Any:
        result = fn(*[a.data if isinstance(a, Value) else a for a in args])
        notify(name, args, result)
        return result

    return call


def _value_pow(x: Any, y: Any) -> Value:
    return _binary(ops.pow, x, y) if isinstance(y, Value) else _unary(ops.powc, x, _to_float(y))


def _value_div(a: Any, b: Any) -> Any:
    return _binary(ops.div, a, b) if isinstance(a, Value) or isinstance(b, Value) else ops.f_div(a, b)


VALUE = SimpleNamespace(**{
    **vars(FLOAT),
    **{name: (lambda p: lambda x: _unary(p, x))(getattr(ops, name)) for name in (
        "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "relu", "abs")},
    **{name: _piecewise(name) for name in ("heaviside", "sign", "eq", "ge", "lt")},
    "pow": _value_pow, "div": _value_div,
    "max2": lambda a, b: _binary(ops.maximum, a, b), "min2": lambda a, b: _binary(ops.minimum, a, b),
})  # fmt: skip
"""The rules' namespace over Values: where a rule differentiates, the result is a node."""


# --------------------------------------------------------------------------
# Math with several arguments. The one-input functions (autograd.exp, ...) are
# the primitives of ops.py themselves: calling one records a node.
# --------------------------------------------------------------------------


def clamp(x: Operand, lo: float = -math.inf, hi: float = math.inf) -> Value:
    """``min(max(x, lo), hi)``; the gradient is 1 inside [lo, hi] and 0 outside."""
    return _lift(x).clamp(lo, hi)


def leaky_relu(x: Operand, slope: float = 0.01) -> Value:
    """``x`` where ``x > 0``, else ``slope * x``."""
    return _lift(x).leaky_relu(slope)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
    """One node for the sum of many: ``start + v0 + v1 + ...``."""
    vals = list(values)
    if isinstance(start, Value) or _to_float(start) != 0.0:
        vals.insert(0, start)
    return _reduction(ops.sum, vals)


def dot(a: Sequence[Operand], b: Sequence[Operand]) -> Value:
    """One node for ``a[0]*b[0] + a[1]*b[1] + ...``."""
    return _reduction(ops.dot, a, b)


def dots(rows: Iterable[Sequence[Operand]], x: Sequence[Operand]) -> list[Value]:
    """``[dot(row, x) for row in rows]``: a layer's neurons, sharing one input tuple."""
    shared = tuple(map(_lift, x))
    return [_reduction(ops.dot, row, shared) for row in rows]


def logsumexp(values: Iterable[Operand]) -> Value:
    """One node for ``log(sum(exp(v)))``, stable for any magnitude."""
    vals = list(values)
    if not vals:
        raise ValueError("logsumexp of an empty sequence")
    return _reduction(ops.logsumexp, vals)
