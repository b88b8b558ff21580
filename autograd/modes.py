"""Grad modes, anomaly detection, and the observer the tape traces with.

Each thread and asyncio task has its own modes (``ContextVar``), and one
``no_grad()`` instance may be shared between them. ``OPEN[0]`` counts the
mode contexts open anywhere, so that building a node costs one list read
while none is open (see ``engine._binary_op``).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import linecache
import os
import sys
import threading
import weakref
from collections.abc import AsyncGenerator, Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_grad_enabled: ContextVar[bool] = ContextVar("autograd_grad_enabled", default=True)
_anomaly: ContextVar[bool] = ContextVar("autograd_anomaly", default=False)
# The values that this context's open modes replaced, innermost last.
_saved: ContextVar[tuple[tuple[ContextVar[bool], bool], ...]] = ContextVar("autograd_saved_modes", default=())

OPEN = [0]
"""How many mode contexts are open, in all threads: node construction's fast check."""
_lock = threading.Lock()


def _count(delta: int) -> None:
    with _lock:
        OPEN[0] += delta


class _Mode:
    """A context manager and decorator that sets one ContextVar while active.

    Safe to share: what it replaced is kept per thread and task, not on the instance.
    As a decorator it also covers generators (around each resume, as PyTorch does),
    coroutines and async generators.
    """

    _var: ContextVar[bool] = _grad_enabled
    _value = True

    def __enter__(self) -> None:
        var = self._var
        _saved.set((*_saved.get(), (var, var.get())))
        var.set(self._value)
        _count(+1)

    def __exit__(self, *exc: object) -> None:
        saved = _saved.get()
        if not saved:
            raise RuntimeError(f"{type(self).__name__}() exited in a thread or task that did not enter it")
        try:
            _saved.set(saved[:-1])
            var, previous = saved[-1]
            var.set(previous)
        finally:
            _count(-1)

    def __call__(self, func: F) -> F:
        mode = type(self)
        if inspect.isasyncgenfunction(func):
            return functools.wraps(func)(_async_generator(mode, func))  # type: ignore[return-value]
        if inspect.isgeneratorfunction(func):
            return functools.wraps(func)(_generator(mode, func))  # type: ignore[return-value]
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def coroutine(*args: Any, **kwargs: Any) -> Any:
                with mode():
                    return await func(*args, **kwargs)

            return coroutine  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _generator(mode: type[_Mode], func: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        gen = func(*args, **kwargs)
        send: Callable[[], Any] = lambda: gen.send(None)  # noqa: E731
        while True:
            try:
                with mode():
                    response = send()
            except StopIteration as stop:
                return stop.value
            try:
                request = yield response
            except GeneratorExit:
                with mode():
                    gen.close()
                raise
            except BaseException as exc:  # thrown in by the caller: pass it on inside the mode
                send = functools.partial(gen.throw, exc)
            else:
                send = functools.partial(gen.send, request)

    return wrapper


def _async_generator(mode: type[_Mode], func: Callable[..., AsyncGenerator[Any, Any]]) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        agen = func(*args, **kwargs)
        request: Any = None
        while True:
            try:
                with mode():
                    response = await agen.asend(request)
            except StopAsyncIteration:
                return
            request = yield response

    return wrapper


class no_grad(_Mode):
    """Record no graph: ops return leaves. ``with no_grad():`` or ``@no_grad()``.

    Examples:
        >>> from autograd import Value
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.data, y.is_leaf
        (4.0, True)
    """

    _value = False


class enable_grad(_Mode):
    """Record the graph again inside a ``no_grad`` block.

    Examples:
        >>> from autograd import Value
        >>> x = Value(2.0)
        >>> with no_grad(), enable_grad():
        ...     y = x * x
        >>> y.is_leaf
        False
    """

    _value = True


class detect_anomaly(_Mode):
    """Raise FloatingPointError at the first non-finite value, forward or backward.

    Examples:
        >>> from autograd import Value
        >>> with detect_anomaly():                          # doctest: +ELLIPSIS
        ...     y = Value(-1.0).log()
        Traceback (most recent call last):
        FloatingPointError: detect_anomaly: log(-1.0) = nan in forward, at <doctest ...>:2: y = Value(-1.0).log()
    """

    _var = _anomaly
    _value = True


def recording() -> contextlib.AbstractContextManager[Any]:
    """Record the graph even under an outer ``no_grad`` (as torch.func does); no mode change otherwise,
    so the node constructors stay on their fast path.

    Examples:
        >>> from autograd import Value
        >>> with no_grad(), recording():
        ...     y = Value(2.0) * 3
        >>> y.is_leaf
        False
    """
    return contextlib.nullcontext() if _grad_enabled.get() else enable_grad()


def is_grad_enabled() -> bool:
    """False inside ``no_grad()`` (in this thread or task).

    Examples:
        >>> with no_grad():
        ...     print(is_grad_enabled())
        False
        >>> is_grad_enabled()
        True
    """
    return _grad_enabled.get()


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` (in this thread or task).

    Examples:
        >>> with detect_anomaly():
        ...     print(is_anomaly_enabled())
        True
        >>> is_anomaly_enabled()
        False
    """
    return _anomaly.get()


# --------------------------------------------------------------------------
# Where a node was made (anomaly mode names the user's line).
# --------------------------------------------------------------------------

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
origins: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
"""Node -> 'file:line: code' of the user's line that made it (anomaly mode only)."""


def _internal(filename: str) -> bool:
    if filename.startswith("<autograd"):  # code compiled from ops.py rules
        return True
    return os.path.dirname(os.path.abspath(filename)) == _PKG_DIR


def user_line() -> str:
    """'file:line: code' of the first caller outside this package.

    Examples:
        >>> where = user_line()
        >>> where.endswith(":1: where = user_line()")   # this example's first line
        True
    """
    f: FrameType | None = sys._getframe(1)
    while f is not None and _internal(f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return "<unknown>"
    code = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return f"{f.f_code.co_filename}:{f.f_lineno}: {code}"


# --------------------------------------------------------------------------
# Observing a trace: autograd.compile records the comparisons, float(),
# format(), int() and round() made on Values, and turns them into guards.
# --------------------------------------------------------------------------

Observer = Callable[[str, tuple[Any, ...], Any], None]
_observer: ContextVar[Observer | None] = ContextVar("autograd_observer", default=None)


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """Call ``observer(kind, args, result)`` for each such read of a Value, in this context.

    ``kind`` is "<", "<=", ">", ">=", "float", "int", "round", "format", or the name
    of a step function of the rules' namespace ("heaviside", "eq", ...).

    Examples:
        >>> from autograd import Value
        >>> seen = []
        >>> with observing(lambda kind, args, result: seen.append((kind, result))):
        ...     big = Value(3.0) > 2
        ...     text = f"{Value(0.5):.2f}"
        >>> seen
        [('>', True), ('format', '0.50')]
    """
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def notify(kind: str, args: tuple[Any, ...], result: Any) -> None:
    """Tell the observer of this context, if any, that a Value was read as a number.

    Examples:
        >>> with observing(lambda kind, args, result: print(kind, args, result)):
        ...     notify("float", ("x",), 1.5)
        float ('x',) 1.5
    """
    observer = _observer.get()
    if observer is not None:
        observer(kind, args, result)
