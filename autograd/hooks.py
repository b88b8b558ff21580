"""Gradient hooks: ``Value.register_hook(fn)`` (PyTorch's semantics, docs/semantics.md).

Hooks live here, keyed weakly by node, so a node carries no slot for them. While any
hook is registered, backward() runs on records (passes.py), which call them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

HOOKS: weakref.WeakKeyDictionary[Any, list[Callable[[Any], Any]]] = weakref.WeakKeyDictionary()
"""Each node's gradient hooks, in registration order (see Value.register_hook)."""


class RemovableHandle:
    """What register_hook returns: ``.remove()`` unregisters the hook.

    Examples:
        >>> from autograd import Value
        >>> x = Value(2.0)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * 3).backward(); x.grad
        30.0
        >>> handle.remove(); x.zero_grad()
        >>> (x * 3).backward(); x.grad
        3.0
    """

    def __init__(self, node: Any, hook: Callable[[Any], Any]) -> None:
        self._node, self._hook = weakref.ref(node), hook

    def remove(self) -> None:
        node = self._node()
        hooks = HOOKS.get(node) if node is not None else None
        if hooks is not None and self._hook in hooks:
            hooks.remove(self._hook)
            if not hooks:
                del HOOKS[node]


def run_hooks(node: Any, grad: Any) -> Any:
    """Pass ``grad`` through the node's hooks in order; a non-None result replaces it.

    Examples:
        >>> from autograd import Value
        >>> x = Value(1.0)
        >>> _ = x.register_hook(lambda g: g + 1)
        >>> _ = x.register_hook(print)           # returns None: the gradient goes on unchanged
        >>> run_hooks(x, 5.0)
        6.0
        6.0
    """
    for hook in list(HOOKS.get(node, ())):
        result = hook(grad)
        if result is not None:
            grad = result
    return grad
