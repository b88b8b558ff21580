"""Argument checks shared by nn, data, optim, train and the CLI, so each says the same thing."""

from __future__ import annotations

from typing import Any


def check_count(n: Any, what: str, minimum: int = 1) -> int:
    """``n`` if it is a whole number >= ``minimum``, else a ValueError naming ``what``.

    A bool is not a count (``True`` would silently mean 1), and neither is a
    float, even a whole one: ``MLP(2.0, ...)`` is more likely a mistake.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        need = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
        raise ValueError(f"{what} must be {need}, got {n!r}")
    return n


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe to put in a message: non-printable characters (control characters, line
    breaks, lone surrogates, bidi overrides) escaped as ``\\x1b``/``\\n``/``\\u202e``, and cut
    after ``limit`` characters. Use it for anything that came from a file or the user."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def describe(x: Any, limit: int = 60) -> str:
    """A short, safe description of a value read from outside: ``str 'abc'``, ``int 3``,
    ``a list of 5``. Containers are never repr'd (they may be huge or deeply nested)."""
    if isinstance(x, (list, tuple)):
        return f"a list of {len(x)}"
    if isinstance(x, dict):
        return f"an object of {len(x)} keys"
    if isinstance(x, str):
        return f"str {printable(repr(x), limit)}"
    if isinstance(x, int) and abs(x) >= 10**30:
        return f"{type(x).__name__} of {x.bit_length()} bits"
    if x is None or isinstance(x, (bool, int, float)):
        return f"{type(x).__name__} {x!r}"
    return type(x).__name__
