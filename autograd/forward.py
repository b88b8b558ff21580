"""Forward mode, and the transforms named after JAX's: jvp, linearize, vjp, jacfwd, jacrev, hvp.

Reverse mode (``engine.backprop``) walks the graph from the output down to the
inputs, and for each edge does ``child.grad += local * node.grad``. Forward mode
walks the same graph the other way, from the inputs up, and for each node does::

    tangent[node] = sum(local * tangent[child] for child, local in pairs)

where ``tangent[x]`` is how fast ``x`` moves when the inputs move along a chosen
direction. The ``(child, local)`` pairs are the very ones backward() uses, from the
node's primitive (ops.py), so no derivative is written here, and a primitive made
with ``autograd.defop`` gets forward mode for free.

Which mode is cheaper? For f with n inputs and m outputs, one forward sweep gives
the derivative of every output along one input direction (``J @ v``: a column of
the Jacobian when v is a unit vector); one reverse pass gives the gradient of one
output with respect to every input (``u @ J``: a row). A whole Jacobian costs n
sweeps or m passes: forward mode for few inputs, reverse mode for few outputs.

Nesting works as in functional.py: each call differentiates with respect to fresh
leaves of its own, and inside another transform (or given Values) the rules are
evaluated on Values, so the outer transform can differentiate the result again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ._tree import fill as _fill
from ._tree import leaves as _flatten
from .closure import CLOSURE, closure_error
from .engine import Value, _to_float, topological_order
from .functional import Argnums, _active, _data_of, _depends_on_outer, _leaves, _nums, grad, jacobian
from .modes import recording
from .passes import VALUE, gradients

__all__ = ["hvp", "jacfwd", "jacrev", "jvp", "linearize", "vjp"]

Step = tuple[Value, Iterable[tuple[Value, Any]]]
"""A node and its (input, local derivative) pairs."""


# --------------------------------------------------------------------------
# The forward sweep: the chain rule from the inputs to the outputs.
# --------------------------------------------------------------------------


def _push(steps: Iterable[Step], seeds: dict[Value, Any]) -> dict[Value, Any]:
    """One forward sweep: the tangent of every node, from the leaves' tangents in ``seeds``.

    An input with no tangent (it does not depend on a seeded leaf, or a step-like op
    blocked it) passes nothing on: not ``local * 0``, which is nan when local is inf.
    """
    tangent = dict(seeds)
    get = tangent.get
    for node, pairs in steps:
        total = None
        for child, local in pairs:
            t = get(child)
            if t is not None:
                total = local * t if total is None else total + local * t
        if total is not None:
            tangent[node] = total
    return tangent


def _push_many(steps: Iterable[Step], seeds: dict[Value, dict[int, Any]]) -> dict[Value, dict[int, Any]]:
    """Many directions in one sweep (jacfwd): each tangent is a dict {direction: number}.

    It holds only the directions that reach the node, so each entry is computed exactly
    as ``_push`` would compute it for that direction alone, and a sparse Jacobian is cheap.
    """
    tangent = dict(seeds)
    get = tangent.get
    for node, pairs in steps:
        total: dict[int, Any] = {}
        for child, local in pairs:
            t = get(child)
            if t is not None:
                for k, e in t.items():
                    total[k] = total[k] + local * e if k in total else local * e
        if total:
            tangent[node] = total
    return tangent


def _steps(outputs: list[Value], leaves: list[Value], as_values: bool) -> Iterator[Step]:
    """Each node the outputs depend on, after its inputs, with its (input, local derivative) pairs.

    On floats the pairs come from ``prim.local``, as in backward(). With ``as_values``
    the rules are evaluated on Values (``passes.VALUE``), so the tangents can be
    differentiated again; then only nodes that a tangent can reach are visited, so no
    derivative node is made for constants or for an outer computation's history.
    """
    live = set(leaves)
    for node in reversed(topological_order(outputs)):  # topological_order lists the outputs first
        prim = node._prim
        assert prim is not None  # topological_order lists non-leaf nodes only
        if prim is CLOSURE:  # its local() would run the user's closure (adding to .grad) and pass nothing
            raise closure_error(node, "forward mode (jvp, linearize, jacfwd, hessian, hvp)")
        if not as_values:
            yield node, prim.local(node)
        # A node in live already is an argument's identity node: its tangent is given.
        elif node not in live and any(map(live.__contains__, prim.inputs(node))):
            live.add(node)
            pairs = prim.local_with(VALUE, node)
            yield node, [(c, _ONE if type(d) in (int, float) and d == 1 else d) for c, d in pairs]


class _One:
    """A local derivative of exactly 1 on Values: ``_ONE * t`` is t, with no node recorded."""

    def __mul__(self, other: Any) -> Any:
        return other


_ONE = _One()


# --------------------------------------------------------------------------
# Calling f on fresh leaves, and turning results back into floats or Values.
# --------------------------------------------------------------------------


@dataclass
class _Call:
    """f called once on fresh leaves for the arguments at ``nums`` (see ``_call``)."""

    nums: tuple[int, ...]  # the positions of the arguments that got leaves
    out: Any  # what f returned
    outs: list[Any]  # its scalars, flattened
    leaves: list[Value]  # the fresh leaves, argument by argument
    outer: tuple[frozenset[Value], ...]  # the leaves of the transforms running around this one
    given_values: bool  # Values were passed in: answer with Values

    @property
    def nested(self) -> bool:
        """Whether to evaluate the rules on Values, for an outer transform (or the caller) to go on."""
        return self.given_values or bool(self.outer)

    def steps(self) -> Iterator[Step]:
        return _steps([o for o in self.outs if isinstance(o, Value)], self.leaves, self.nested)

    def keep_values(self, results: list[Any], given: bool = False) -> bool:
        """Answer with Values when Values came in, or when the results depend on an outer transform."""
        return self.given_values or given or _depends_on_outer(results, self.outer + _active.get())

    def shaped(self, results: list[Any], keep: bool) -> Any:
        """One result per output scalar, as floats or Values, in the shape of f's output."""
        return _fill(self.out, iter(_as(results, keep)))


def _call(f: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...], given_values: bool = False) -> _Call:
    outer = _active.get()
    new_args = list(args)
    leaves: list[Value] = []
    with recording():
        for i in nums:
            new_args[i] = _leaves(args[i], leaves)
        token = _active.set((*outer, frozenset(leaves)))  # for transforms that f calls
        try:
            out = f(*new_args)
        finally:
            _active.reset(token)
    outs: list[Any] = []
    _flatten(out, outs)
    for o in outs:
        if not isinstance(o, (Value, int, float)) or isinstance(o, bool):
            raise TypeError(f"the function must return a Value or a number (or lists of them), got {type(o).__name__}")
    given = given_values or not all(leaf.is_leaf for leaf in leaves)  # a Value argument gets an identity node
    return _Call(nums, out, outs, leaves, outer, given)


def _as(xs: list[Any], values: bool) -> list[Any]:
    """Each result as a Value (``values``) or as a float."""
    if values:
        return [x if isinstance(x, Value) else Value(_to_float(x)) for x in xs]
    return [_data_of(x) for x in xs]


def _tangents_of(call: _Call, tangent: dict[Value, Any]) -> list[Any]:
    """The tangent of each output; 0.0 for one that no tangent reached."""
    return [tangent.get(o, 0.0) if isinstance(o, Value) else 0.0 for o in call.outs]


def _check_tangents(primals: Sequence[Any], tangents: Sequence[Any], who: str) -> list[Any]:
    """The tangents, flattened, once each is known to be shaped like its primal."""
    if len(tangents) != len(primals):
        raise ValueError(f"{who} got {len(tangents)} tangent(s) for {len(primals)} primal(s); "
                         "give one tangent per argument, shaped like it")  # fmt: skip
    flat: list[Any] = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        if not _like(p, t, flat):
            raise ValueError(f"{who}: tangent {i} must be shaped like its primal {_shape(p)}, got {_shape(t)}")
    return flat


def _like(primal: Any, tangent: Any, flat: list[Any]) -> bool:
    """Append the tangent's numbers to ``flat``; False if it is not shaped like the primal."""
    if isinstance(primal, (list, tuple)):
        return (isinstance(tangent, (list, tuple)) and len(tangent) == len(primal)
                and all(_like(p, t, flat) for p, t in zip(primal, tangent)))  # fmt: skip
    if isinstance(tangent, (list, tuple)):
        return False
    flat.append(tangent if isinstance(tangent, Value) else _to_float(tangent))
    return True


def _shape(x: Any) -> str:
    """A short picture of a nested argument: ``[x, [x, x]]``."""
    text = "[" + ", ".join(_shape(e) for e in x) + "]" if isinstance(x, (list, tuple)) else "x"
    return text if len(text) <= 60 else text[:57] + "..."


def _as_tuple(xs: Any, name: str, example: str) -> tuple[Any, ...]:
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"{name} must be a tuple with one entry per argument of f, e.g. {example}; "
                        f"got a {type(xs).__name__}")  # fmt: skip
    return tuple(xs)


# --------------------------------------------------------------------------
# The transforms.
# --------------------------------------------------------------------------


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), J @ tangents)``: the Jacobian-vector product, in one forward sweep.

    ``jvp(lambda x, y: x * y, (3.0, 2.0), (1.0, 0.0)) == (6.0, 2.0)``, the derivative
    along x. Arguments and tangents may be floats or (nested) lists of floats.

    Examples:
        >>> jvp(lambda x, y: x * y, (3.0, 2.0), (1.0, 0.0))   # along x: d(x*y)/dx = y
        (6.0, 2.0)
    """
    primals = _as_tuple(primals, "primals", "jvp(f, (x,), (v,))")
    tangents = _as_tuple(tangents, "tangents", "jvp(f, (x,), (v,))")
    flat = _check_tangents(primals, tangents, "jvp")
    given = any(isinstance(t, Value) for t in flat)
    call = _call(f, primals, tuple(range(len(primals))), given_values=given)
    with recording():
        tangent = _push(call.steps(), dict(zip(call.leaves, flat)))
    ts = _tangents_of(call, tangent)
    keep = call.keep_values(call.outs + ts)
    return call.shaped(call.outs, keep), call.shaped(ts, keep)


def linearize(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(f(*primals), f_jvp)``: f evaluated once, and its derivative there as a function.

    ``f_jvp(*tangents)`` is ``J @ tangents``, one tangent per argument, shaped like it.
    The local derivatives are computed once, here; each call of ``f_jvp`` is one
    forward sweep over the recorded graph, and f is not evaluated again.

    Examples:
        >>> y, f_jvp = linearize(lambda x: 2 * x.sin(), 0.0)
        >>> y, f_jvp(1.0), f_jvp(3.0)                          # the slope at 0 is 2 cos(0) = 2
        (0.0, 2.0, 6.0)
    """
    call = _call(f, primals, tuple(range(len(primals))))
    with recording():  # kept: a reduction gives its pairs as a one-pass iterator
        steps = [(node, tuple(pairs)) for node, pairs in call.steps()]
    value = call.shaped(call.outs, call.keep_values(call.outs))

    def f_jvp(*tangents: Any) -> Any:
        flat = _check_tangents(primals, tangents, "f_jvp")
        with recording():
            tangent = _push(steps, dict(zip(call.leaves, flat)))
        ts = _tangents_of(call, tangent)
        return call.shaped(ts, call.keep_values(ts, given=any(isinstance(t, Value) for t in flat)))

    return value, f_jvp


def jacfwd(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian by forward mode, laid out as ``jacobian``'s.

    Each input scalar k moves in a direction of its own, and one sweep carries them
    all: column k of the Jacobian is the tangents along direction k.

    Examples:
        >>> jacfwd(lambda xs: [xs[0] * xs[1], xs[0] + xs[1]])([3.0, 2.0])
        [[2.0, 3.0], [1.0, 1.0]]
    """

    @functools.wraps(f)
    def wrapper(*args: Any) -> Any:
        call = _call(f, args, _nums(argnums, len(args)))
        with recording():
            tangent = _push_many(call.steps(), {leaf: {k: 1.0} for k, leaf in enumerate(call.leaves)})
        moved = [tangent.get(o, {}) if isinstance(o, Value) else {} for o in call.outs]
        rows = [[t.get(k, 0.0) for k in range(len(call.leaves))] for t in moved]  # one row per output
        keep = call.keep_values(call.outs + [d for row in rows for d in row])
        structs = []
        for row in rows:
            it = iter(_as(row, keep))
            struct = tuple(_fill(args[i], it) for i in call.nums)
            structs.append(struct[0] if isinstance(argnums, int) else struct)
        return _fill(call.out, iter(structs))

    return wrapper


def jacrev(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one backward pass per output scalar (this is ``jacobian``).

    Examples:
        >>> jacrev(lambda xs: [xs[0] * xs[1], xs[0] + xs[1]])([3.0, 2.0])
        [[2.0, 3.0], [1.0, 1.0]]
    """
    return jacobian(f, argnums)


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``(f(*primals), f_vjp)``: ``f_vjp(cotangent)`` is ``cotangent @ J``, per argument.

    The cotangent is shaped like f's output; the answer is a tuple with one entry per
    argument, shaped like it. Each call is one reverse pass over the recorded graph.

    Examples:
        >>> out, f_vjp = vjp(lambda x, y: [x * y, x + y], 3.0, 2.0)
        >>> out, f_vjp([1.0, 0.0]), f_vjp([0.0, 1.0])          # the gradients of x*y, then of x+y
        ([6.0, 5.0], (2.0, 3.0), (1.0, 1.0))
    """
    call = _call(f, primals, tuple(range(len(primals))))
    value = call.shaped(call.outs, call.keep_values(call.outs))

    def f_vjp(cotangent: Any) -> tuple[Any, ...]:
        cts: list[Any] = []
        if not _like(call.out, cotangent, cts):
            raise ValueError(f"f_vjp: the cotangent must be shaped like f's output {_shape(call.out)}, "
                             f"got {_shape(cotangent)}")  # fmt: skip
        given = any(isinstance(c, Value) for c in cts)
        pairs = [(o, c) for o, c in zip(call.outs, cts) if isinstance(o, Value)]  # a number has no inputs
        gs: list[Any] = [0.0] * len(call.leaves)
        if pairs:
            with recording():
                gs = gradients([o for o, _ in pairs], call.leaves, [c for _, c in pairs],
                               create_graph=call.nested or given)  # fmt: skip
        it = iter(_as(gs, call.keep_values(gs, given)))
        return tuple(_fill(p, it) for p in primals)

    return value, f_vjp


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian of a scalar f times the tangents, by forward-over-reverse; no Hessian is formed.

    ``jvp(grad(f), primals, tangents)[1]``: one reverse pass that records the gradient as
    Values, then one forward sweep through it. With several arguments, a tuple with one
    entry per argument (the gradient with respect to all of them, moved along the tangents).

    Examples:
        >>> hvp(lambda x: x**3, (2.0,), (1.0,))               # f''(x) = 6x
        12.0
        >>> hvp(lambda xs: xs[0]**2 * xs[1], ([3.0, 2.0],), ([1.0, 0.0],))   # the Hessian's first column
        [4.0, 6.0]
    """
    primals = _as_tuple(primals, "primals", "hvp(f, (x,), (v,))")
    argnums: Argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    return jvp(grad(f, argnums), primals, tangents)[1]
