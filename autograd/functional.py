"""grad, value_and_grad, jacobian, hessian: derivatives of Python functions.

Arguments may be floats or (nested) lists/tuples of floats. Floats in give
floats out. Called on Values (inside an outer grad) they return Values, so
the transforms compose: ``grad(grad(f))``. Each call differentiates with
respect to fresh leaves of its own, so nesting levels never mix.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from . import ops
from ._tree import fill as _fill
from ._tree import leaves as _flatten
from .engine import Value, _to_float, topological_order
from .modes import recording
from .passes import gradients

Argnums = int | Sequence[int]


def _leaves(x: Any, flat: list[Value]) -> Any:
    """Fresh leaves shaped like ``x``; a Value becomes an identity node of it."""
    if isinstance(x, (list, tuple)):
        return type(x)(_leaves(e, flat) for e in x)
    leaf = ops.identity(x) if isinstance(x, Value) else Value(_to_float(x))
    flat.append(leaf)
    return leaf


def _has_value(x: Any) -> bool:
    if isinstance(x, (list, tuple)):
        return any(_has_value(e) for e in x)
    return isinstance(x, Value)


def _nums(argnums: Argnums, nargs: int) -> tuple[int, ...]:
    """The argument positions to differentiate, checked: in range and each once."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    seen: dict[int, int] = {}
    for i in nums:
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"argnums takes ints, got {type(i).__name__}")
        if not -nargs <= i < nargs:
            raise IndexError(f"argnums {i} is out of range for a function called with {nargs} argument(s)")
        if i % nargs in seen:
            raise ValueError(f"argnums names argument {i % nargs} twice ({seen[i % nargs]} and {i}); "
                             "give each position once")  # fmt: skip
        seen[i % nargs] = i
    return nums


# The leaves of the transforms running now, outermost first. An inner transform
# called on plain floats must still return Values when its result depends on
# these (through a closure), or the outer derivative would be lost.
_active: ContextVar[tuple[frozenset[Value], ...]] = ContextVar("autograd_active_transforms", default=())


def _depends_on_outer(results: list[Any], outer: tuple[frozenset[Value], ...]) -> bool:
    """Whether any of the Values in ``results`` has an outer transform's leaf in its graph."""
    if not outer:
        return False
    leaves = frozenset().union(*outer)
    roots = [r for r in results if isinstance(r, Value)]
    if any(r in leaves for r in roots):
        return True
    return any(c in leaves for node in topological_order(roots) for c in node.children())


def _jac(f: Callable[..., Any], argnums: Argnums, args: tuple[Any, ...]) -> tuple[Any, Any]:
    """(output, its derivative structure) for the arguments at argnums."""
    nums = _nums(argnums, len(args))
    outer = _active.get()
    # Inside another transform, differentiate with Values (create_graph) so the outer one can
    # go on through this result; it is turned back into floats if it does not depend on it.
    nested = bool(outer) or any(_has_value(args[i]) for i in nums)
    with recording():  # like torch.func.grad: records even under an outer no_grad
        new_args = list(args)
        per_arg: list[list[Value]] = []
        for i in nums:
            flat: list[Value] = []
            new_args[i] = _leaves(args[i], flat)
            per_arg.append(flat)
        all_leaves = [v for flat in per_arg for v in flat]
        token = _active.set((*outer, frozenset(all_leaves)))
        try:
            out = f(*new_args)
        finally:
            _active.reset(token)
        outs: list[Any] = []
        _flatten(out, outs)
        per_out = []
        for o in outs:
            if isinstance(o, Value):
                gs = gradients(o, all_leaves, create_graph=nested)
            elif isinstance(o, (int, float)) and not isinstance(o, bool):
                gs = [Value(0.0) if nested else 0.0 for _ in all_leaves]
            else:
                raise TypeError(
                    f"the function must return a Value or a number (or lists of them), got {type(o).__name__}"
                )
            per_out.append(gs)
    if nested and not any(_has_value(args[i]) for i in nums):
        nested = _depends_on_outer(outs + [g for gs in per_out for g in gs], outer)
    structs = []
    for gs in per_out:
        it = iter(gs if nested else [_data_of(g) for g in gs])
        struct = tuple(_fill(args[i], it) for i in nums)
        structs.append(struct[0] if isinstance(argnums, int) else struct)
    value = out if nested else _fill(out, iter(_data_of(o) for o in outs))
    return value, _fill(out, iter(structs))


def _data_of(x: Any) -> Any:
    return x.data if isinstance(x, Value) else _to_float(x)


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """``f(*args)`` and its gradient with respect to the arguments at ``argnums``.

    Examples:
        >>> value_and_grad(lambda x, y: x * y)(3.0, 2.0)                  # d/dx (x*y) = y
        (6.0, 2.0)
        >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 2.0)  # one entry per argument
        (6.0, (2.0, 3.0))
    """

    @functools.wraps(f)
    def wrapper(*args: Any) -> tuple[Any, Any]:
        value, g = _jac(f, argnums, args)
        if isinstance(value, (list, tuple)):
            raise TypeError(
                f"grad needs a function with one scalar output, got a {type(value).__name__} "
                f"of {len(value)}; use jacobian() for several outputs"
            )
        return value, g

    return wrapper


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The gradient of a scalar function: ``grad(lambda x: x**2)(3.0) == 6.0``.

    Examples:
        >>> grad(lambda x: x**2)(3.0)
        6.0
        >>> grad(grad(lambda x: x**3))(2.0)       # the second derivative, 6x
        12.0
        >>> grad(lambda xs: xs[0] * xs[1])([3.0, 2.0])   # a list in, a list out
        [2.0, 3.0]
    """
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def wrapper(*args: Any) -> Any:
        return vg(*args)[1]

    return wrapper


def jacobian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """For each output of ``f`` (a scalar or nested lists), its gradient.

    Examples:
        >>> jacobian(lambda xs: [xs[0] * xs[1], xs[0] + xs[1]])([3.0, 2.0])   # one row per output
        [[2.0, 3.0], [1.0, 1.0]]
    """

    @functools.wraps(f)
    def wrapper(*args: Any) -> Any:
        return _jac(f, argnums, args)[1]

    return wrapper


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """Second derivatives: ``hessian(f)(xs)[i][j] == d2f / dxs[i] dxs[j]``.

    Forward over reverse: one sweep of forward mode through the gradient's graph, faster
    than a reverse pass per gradient entry (benchmarks/bench_forward.py measures both).

    Examples:
        >>> hessian(lambda xs: xs[0]**2 * xs[1])([3.0, 2.0])   # [[2*x1, 2*x0], [2*x0, 0]]
        [[4.0, 6.0], [6.0, 0.0]]
    """
    return jacfwd(grad(f, argnums), argnums)


# Forward mode and JAX's other transforms live in forward.py (it imports the helpers above).
from .forward import hvp, jacfwd, jacrev, jvp, linearize, vjp  # noqa: E402

__all__ = ["grad", "hessian", "hvp", "jacfwd", "jacobian", "jacrev", "jvp", "linearize", "value_and_grad", "vjp"]
