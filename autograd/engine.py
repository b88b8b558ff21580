"""Value, its graph, and backpropagation over it (semantics: docs/semantics.md). Read this file top to bottom:

1. Recording a node: each operator (``a * b``) runs its primitive's forward (a row of ops.py)
   on the inputs' floats and keeps the primitive and the inputs.
2. ``Value`` wraps one float, and its operators are those recorders.
3. ``topological_order`` lists the nodes so that each comes before its inputs.
4. ``backprop`` is the chain rule, node by node::

       child.grad += local * node.grad

   where ``local`` is d(node)/d(child), computed by the node's primitive from its rule in
   ops.py. No derivative is written in this file.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union, cast

from . import modes, ops
from .closure import CLOSURE, no_step
from .hooks import HOOKS, RemovableHandle
from .modes import OPEN, is_grad_enabled, notify
from .ops import FLOAT, Primitive

__all__ = ["Value", "backprop", "topological_order"]

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


# ---- Recording a node (step 1 above): each operator is a recorder made for its primitive ----

_new = object.__new__


def _binary_op(prim: Primitive) -> Callable[[Operand, Operand], Value]:
    """The function that records a node of a two-input primitive: ``Value.__mul__`` is ``_binary_op(ops.mul)``."""
    forward = prim.forward_float

    def record(x: Operand, y: Operand) -> Value:
        if not isinstance(x, Value):
            x = Value(x)
        if not isinstance(y, Value):
            y = Value(y)
        out = _new(Value)
        out.data = forward(x.data, y.data)
        out.grad = 0.0
        out.label = out.tag = ""
        if OPEN[0]:  # some grad mode or anomaly context is open somewhere
            return _link(out, prim, x, y)
        out._prim = prim
        out._x = x
        out._y = y
        return out

    return record


def _unary_op(prim: Primitive) -> Callable[..., Value]:
    """The function that records a node of a one-input primitive; constants follow the input (x**2)."""
    forward = prim.forward_float

    def record(x: Operand, *constants: float) -> Value:
        if not isinstance(x, Value):
            x = Value(x)
        out = _new(Value)
        out.data = forward(x.data, *constants)
        out.grad = 0.0
        out.label = out.tag = ""
        y = None if not constants else constants[0] if len(constants) == 1 else constants
        if OPEN[0]:
            return _link(out, prim, x, y)
        out._prim = prim
        out._x = x
        out._y = y
        return out

    return record


@functools.cache
def recorder(prim: Primitive) -> Callable[..., Value]:
    """The recorder of any one- or two-input primitive (built once, then cached)."""
    return _binary_op(prim) if prim.arity == 2 else _unary_op(prim)


def _binary(prim: Primitive, x: Operand, y: Operand) -> Value:
    return recorder(prim)(x, y)


def _unary(prim: Primitive, x: Operand, *constants: float) -> Value:
    return recorder(prim)(x, *constants)


class Value:
    """One float in a computation graph, with the gradient that backward() finds.

    Examples:
        >>> x = Value(3.0, "x"); y = x * x + x; y.backward()
        >>> y.data, x.grad
        (12.0, 7.0)
    """

    __slots__ = ("__weakref__", "_prim", "_x", "_y", "data", "grad", "label", "tag")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    label: str  # a name for diagrams and messages
    tag: str  # a free-form group for diagrams: autograd.nn tags a neuron's nodes "L1.N3"
    _prim: Any  # a Primitive; the Closure primitive (micrograd's way, closure.py); None for a leaf
    _x: Any  # _x and _y: its inputs, laid out as ops.Primitive says (only it reads them)
    _y: Any

    def __init__(self, data: Any, _children: Iterable[Value] | str = (), _op: str = "", label: str = "") -> None:
        """``Value(3.0, "x")``, or micrograd's ``Value(data, _children, _op, label)``: built with
        children, it is a node whose backward step is the closure you assign to ``_backward``."""
        if isinstance(_children, str):  # Value(3.0, "x"): the label given second
            label, _children = _children, ()
        self.data = _to_float(data)
        self.grad = 0.0
        self.label = label
        self.tag = ""
        self._prim = None
        children = tuple(_children)
        if children:  # micrograd's way: a closure node (closure.py)
            CLOSURE.link(self, children, _op, no_step)

    # ---- what a node is ----------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return self._prim is None

    @property
    def op(self) -> str:
        """The op's text in diagrams ('' for a leaf), e.g. '+' or '**2'."""
        return "" if self._prim is None else self._prim.text(self)

    def children(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        return () if self._prim is None else tuple(self._prim.inputs(self))

    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child, as floats, in children() order (none for a closure node)."""
        if self._prim is None or self._prim is CLOSURE:
            return ()
        return tuple(local for _, local in self._prim.local_with(FLOAT, self, blocking=False))

    # ---- micrograd's names: the children as a set, the op's text, one local step ----
    @property
    def _prev(self) -> set[Value]:
        return set(self.children())

    @property
    def _op(self) -> str:
        return self.op

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's local step: ``child.grad += local * self.grad`` for each input."""
        if self._prim is CLOSURE:
            return cast("Callable[[], None]", CLOSURE.step(self))
        return no_step if self._prim is None else functools.partial(backprop, [self])

    @_backward.setter
    def _backward(self, step: Callable[[], None]) -> None:
        if self._prim is None:
            return  # a leaf has no inputs: its backward step has nothing to do
        # A built-in node becomes a closure node over the same inputs.
        CLOSURE.link(self, self.children(), self.op, step)

    def register_hook(self, hook: Callable[[Any], Any]) -> RemovableHandle:
        """Call ``hook(g)`` with this node's whole gradient in each backward pass (for a leaf,
        before it is added to ``.grad``). A return value other than None replaces g, also in
        what flows on to the inputs. ``handle.remove()`` unregisters it. docs/semantics.md."""
        hooks = HOOKS.setdefault(self, [])
        hooks.append(hook)
        return RemovableHandle(self, hook)

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    # ---- reading the number (the compiled tape records these as guards) ----
    def __float__(self) -> float:
        notify("float", (self,), self.data)
        return self.data

    def item(self) -> float:
        """The number, as ``tensor.item()`` gives it."""
        return float(self)

    def __int__(self) -> int:
        result = int(self.data)
        notify("int", (self,), result)
        return result

    def __round__(self, ndigits: int | None = None) -> Any:
        result = round(self.data, ndigits)
        notify("round", (self, ndigits), result)
        return result

    def __format__(self, spec: str) -> str:
        text = format(self.data, spec)
        notify("format", (self, spec), text)
        return text

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a Value is ambiguous: compare its number, e.g. "
                        "'if v.data > 0:' (note that v == 0 compares identity, not value)")  # fmt: skip

    # ==, != and hash are identity (the object defaults), so Values key dicts and sets.
    def __lt__(self, other: Operand) -> bool: return _compare("<", self, other, self.data < _data(other))
    def __le__(self, other: Operand) -> bool: return _compare("<=", self, other, self.data <= _data(other))
    def __gt__(self, other: Operand) -> bool: return _compare(">", self, other, self.data > _data(other))
    def __ge__(self, other: Operand) -> bool: return _compare(">=", self, other, self.data >= _data(other))

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
    __add__ = _binary_op(ops.add)
    __sub__ = _binary_op(ops.sub)
    __mul__ = _binary_op(ops.mul)
    __truediv__ = _binary_op(ops.div)
    maximum = _binary_op(ops.maximum)
    minimum = _binary_op(ops.minimum)
    def __radd__(self, other: Operand) -> Value: return _binary(ops.add, other, self)
    def __rsub__(self, other: Operand) -> Value: return _binary(ops.sub, other, self)
    def __rmul__(self, other: Operand) -> Value: return _binary(ops.mul, other, self)
    def __rtruediv__(self, other: Operand) -> Value: return _binary(ops.div, other, self)
    def __rpow__(self, other: Operand) -> Value: return _binary(ops.pow, other, self)
    def __pos__(self) -> Value: return self

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(ops.pow, self, other)
        return _unary(ops.powc, self, _to_float(other))  # a constant exponent: x**2

    __neg__ = _unary_op(ops.neg)
    __abs__ = _unary_op(ops.abs)
    exp = _unary_op(ops.exp)
    log = _unary_op(ops.log)
    log1p = _unary_op(ops.log1p)
    expm1 = _unary_op(ops.expm1)
    sqrt = _unary_op(ops.sqrt)
    sin = _unary_op(ops.sin)
    cos = _unary_op(ops.cos)
    tanh = _unary_op(ops.tanh)
    sigmoid = _unary_op(ops.sigmoid)
    softplus = _unary_op(ops.softplus)
    relu = _unary_op(ops.relu)

    def leaky_relu(self, slope: float = 0.01) -> Value: return _unary(ops.leaky_relu, self, _to_float(slope))

    def clamp(self, lo: float = -math.inf, hi: float = math.inf) -> Value:
        lo, hi = _to_float(lo), _to_float(hi)
        if not lo <= hi:
            raise ValueError(f"clamp needs lo <= hi, got lo={lo}, hi={hi}")
        return _unary(ops.clamp, self, lo, hi)

    # ---- differentiation ---------------------------------------------------
    def backward(self, grad: Operand = 1.0, create_graph: bool = False) -> None:
        """Set ``.grad`` of every node this value depends on: leaves accumulate across calls, other
        nodes hold this pass's gradient (docs/semantics.md)."""
        order = topological_order([self])
        if create_graph or (OPEN[0] and modes.is_anomaly_enabled()) or (HOOKS and _hooked(self, order)):
            from .passes import backward_on_records  # the same loop, on records (passes.py)

            backward_on_records(self, grad, create_graph, order)
            return
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

    ``order`` lists every node before its inputs, so a node's gradient is complete when its turn comes.
    ``node._prim.local(node)`` gives its (input, d node / d input) pairs. Every backward pass runs this loop.

    Examples:
        >>> x = Value(2.0); y = x * x; y.grad = 1.0
        >>> backprop([y]); x.grad   # y = x * x: x gets x.data * y.grad twice
        4.0
    """
    for node in order:
        for child, local in node._prim.local(node):
            child.grad += local * node.grad


def _hooked(root: Value, order: list[Value]) -> bool:  # does a node of this graph have a hook?
    return root in HOOKS or any(n in HOOKS or any(c in HOOKS for c in n.children()) for n in order)


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


def _link(out: Value, prim: Primitive, x: Any, y: Any) -> Value:
    """Record the node's primitive and inputs, unless grad mode is off; in anomaly mode, check it."""
    if OPEN[0] and not is_grad_enabled():
        out._prim = None
        return out
    out._prim, out._x, out._y = prim, x, y
    if OPEN[0] and modes.is_anomaly_enabled():
        where = modes.user_line()
        if not math.isfinite(out.data):
            ins = ", ".join(repr(c.data) for c in out.children())
            raise FloatingPointError(f"detect_anomaly: {prim.name}({ins}) = {out.data} in forward, at {where}")
        modes.origins[out] = where
    return out


# ---- Topological order (iterative: a graph a million nodes deep is fine) ----

def topological_order(roots: Sequence[Value]) -> list[Value]:
    """The non-leaf nodes that the roots depend on, each one before its inputs.

    A depth-first search with an explicit stack: a node is pushed, then a ``None`` marker, then its
    unvisited inputs. When the marker comes back up, those inputs are finished, and so is the node.
    Finished nodes, reversed, are the order: deterministic, as it follows the inputs' order only.

    Examples:
        >>> x = Value(2.0); z = x * 3 + x
        >>> [node.op for node in topological_order([z])]
        ['+', '*']
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
