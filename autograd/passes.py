"""Backward passes that keep gradients in a dict instead of on ``.grad``.

``gradients()`` (which writes no ``.grad``), ``backward(create_graph=True)``
(gradients as Values, for higher order) and ``detect_anomaly()`` run the very
same ``engine.backprop`` loop, on records: one stand-in per node, with its own
``grad``, whose ``_prim`` is the pass. The pass hands backprop each record's
(input record, local derivative) pairs, from the primitive's rule evaluated on
floats, or on Values (the ``VALUE`` namespace) for higher order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from . import modes, ops
from .closure import CLOSURE, closure_error
from .engine import Value, _binary, _to_float, _unary, backprop, topological_order
from .hooks import HOOKS, run_hooks
from .modes import OPEN, is_grad_enabled, notify
from .namespaces import f_div
from .ops import FLOAT

__all__ = ["VALUE", "backward_on_records", "gradients"]


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
        self.hooks = bool(HOOKS)  # a weak dictionary's len() is slow: asked once per pass
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
        prim = node._prim
        if prim is CLOSURE:
            raise closure_error(node, "a backward pass on records (gradients(), create_graph, hooks, anomaly)")
        if self.hooks and node in HOOKS:  # the node's gradient is complete now: its hooks see it first
            rec.grad = run_hooks(node, rec.grad)
        pairs = prim.local_with(VALUE, node) if self.as_values else prim.local(node)
        if self.as_values:
            pairs = [(c, _ONE if type(d) in (int, float) and d == 1 else d) for c, d in pairs]
        if self.check:
            for _, d in pairs:
                _check_finite(d * _grad_of(rec.grad), node)
        records, record = self.records, self.record
        return [(records.get(c) or record(c), d) for c, d in pairs]

    def run(self, roots: Sequence[Value], seeds: Sequence[Any], order: list[Value] | None = None) -> None:
        """Seed the roots and backpropagate (``order``: the roots' topological order, if already known)."""
        for r, s in zip(roots, seeds):
            rec = self.record(r)
            rec.grad = rec.grad + s
        backprop([self.record(n) for n in (topological_order(roots) if order is None else order)])
        for node, rec in list(self.records.items()):  # a leaf's gradient is complete only now
            if self.hooks and node._prim is None and node in HOOKS and rec.grad is not _ZERO:
                rec.grad = run_hooks(node, rec.grad)

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
                                 f"{node._prim.name}({ins}) in backward; the node was created at {where}")  # fmt: skip


def _seed(x: Any, as_values: bool) -> Any:
    if isinstance(x, Value):
        return x if as_values else x.data
    return Value(_to_float(x)) if as_values else _to_float(x)


def backward_on_records(root: Value, grad: Any, create_graph: bool, order: list[Value] | None = None) -> None:
    """``root.backward(grad, create_graph)`` on records: how it runs with create_graph, anomaly mode or hooks.

    Examples:
        >>> from autograd import Value
        >>> x = Value(3.0); y = x * x
        >>> backward_on_records(y, 1.0, create_graph=True)
        >>> x.grad                   # a Value: it can be differentiated again
        Value(data=6.0, grad=0.0)
    """
    p = _Pass(as_values=create_graph and is_grad_enabled())
    with p:
        p.run([root], [_seed(grad, p.as_values)], order)
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

    Examples:
        >>> from autograd import Value
        >>> x, y = Value(3.0), Value(2.0)
        >>> gradients(x * y, [x, y]), x.grad                  # no .grad is written
        ([2.0, 3.0], 0.0)
        >>> (dx,) = gradients(x**3, [x], create_graph=True)  # 3x**2, as a Value
        >>> dx.data, gradients(dx, [x])                       # and its derivative, 6x
        (27.0, [18.0])
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
    return _binary(ops.div, a, b) if isinstance(a, Value) or isinstance(b, Value) else f_div(a, b)


VALUE = SimpleNamespace(**{
    **vars(FLOAT),
    **{name: getattr(ops, name) for name in (
        "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "relu", "abs")},
    **{name: _piecewise(name) for name in ("heaviside", "sign", "eq", "ge", "lt")},
    "pow": _value_pow, "div": _value_div,
    "max2": lambda a, b: _binary(ops.maximum, a, b), "min2": lambda a, b: _binary(ops.minimum, a, b),
})  # fmt: skip
"""The rules' namespace over Values: where a rule differentiates, the result is a node."""
