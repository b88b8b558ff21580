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
