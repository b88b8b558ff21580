"""Closure nodes: micrograd's way of recording an op, for code from its lecture.

``Value(data, _children, _op)`` records a node whose backward step is a closure the
user assigns to ``out._backward``; the closure adds to its inputs' ``.grad`` itself.
docs/micrograd.md shows the lecture's code running on autograd.Value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Closure:
    """The primitive of a node built micrograd's way, ``Value(data, _children, _op)``.

    Its backward step is the closure assigned to ``node._backward``, which adds to the
    inputs' ``.grad`` itself; backprop() runs it in topological order. It has no local
    derivatives, so what needs them (gradients(), the transforms, hooks, forward mode,
    the player, compile) refuses it with ``closure_error``.

    Examples:
        >>> from autograd import Value
        >>> x = Value(0.5)
        >>> out = Value(x.data * 2, (x,), "double")        # micrograd's way
        >>> def _backward():
        ...     x.grad += 2 * out.grad
        >>> out._backward = _backward
        >>> out.backward()
        >>> x.grad, out.op, out.local_grads()             # a closure says no local derivative
        (2.0, 'double', ())
    """

    name, arity, groups, params, blocks = "closure", "n", 1, (), False

    def link(self, node: Any, inputs: tuple[Any, ...], text: str, step: Callable[[], None]) -> None:
        """Make ``node`` a closure node: its inputs, its op's text and its backward step."""
        node._prim, node._x, node._y = self, inputs, (text, step)

    def step(self, node: Any) -> Callable[[], None]:
        return node._y[1]  # type: ignore[no-any-return]

    def inputs(self, node: Any) -> tuple[Any, ...]:
        return node._x  # type: ignore[no-any-return]

    def text(self, node: Any) -> str:
        return node._y[0]  # type: ignore[no-any-return]

    def local(self, node: Any) -> tuple[()]:
        node._y[1]()  # the closure adds to each input's .grad itself
        return ()

    def local_with(self, m: Any, node: Any, **kwargs: Any) -> Any:
        raise closure_error(node, "this")


CLOSURE = Closure()


def closure_error(node: Any, what: str) -> TypeError:
    """The one error for a closure node met where local derivatives are needed.

    Examples:
        >>> from autograd import Value
        >>> out = Value(2.0, (Value(1.0),), "double")
        >>> print(closure_error(out, "gradients()"))   # doctest: +ELLIPSIS
        gradients() needs each op's local derivatives, but the node Value(data=2.0, grad=0.0) (op 'double') ...
    """
    return TypeError(f"{what} needs each op's local derivatives, but the node {node!r} (op {node.op!r}) was built "
                     "micrograd's way, with a closure as its backward; backward() runs it, nothing else can. "
                     "Define the op with autograd.defop(name, forward, deriv) instead (docs/micrograd.md).")


def no_step() -> None:
    """The backward step of a leaf: nothing to pass on.

    Examples:
        >>> from autograd import Value
        >>> Value(1.0)._backward is no_step
        True
    """
