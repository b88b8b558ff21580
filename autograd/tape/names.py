"""Identifiers in generated code: from labels and argument names, never colliding.

The generated code names its own things too: the namespace functions (``exp``,
``where``), helpers (``N``, ``GuardFailed``, ``same``), Python builtins it calls
(``float``, ``len``), the batch size ``B`` and gradient variables ``g_...``.
A user's name (an argument ``float``, a Value labelled ``B`` or ``g_x``) must
never shadow one of them, so each user name gets a suffix until it is free, and
the code's own variables are drawn from the same ``Names`` after the user's.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import keyword
import re
import unicodedata
from collections.abc import Callable, Iterable

from .. import ops

HELPERS = (
    "nan", "inf", "N", "B", "V", "GV", "V_in", "GuardFailed", "same", "same_format", "blocked", "dots_flat",
    "acc_weights_flat", "acc_inputs_flat", "acc_inputs_at", "bind_flat", "scatter", "map", "list", "zip",
)  # fmt: skip
"""Names the generated code uses for itself besides the namespace functions."""

RESERVED = frozenset(ops.NAMESPACE_FUNCTIONS) | frozenset(HELPERS) | frozenset(dir(builtins))
"""No user-derived identifier may be one of these."""


def sanitize(label: str) -> str:
    """A Python identifier from a label ('' if none can be made)."""
    s = unicodedata.normalize("NFKC", label)
    s = re.sub(r"\W+", "_", s).strip("_")
    if s and s[0].isdigit():
        s = "v" + s
    if keyword.iskeyword(s):
        s += "_"
    return s if s.isidentifier() else ""


class Names:
    """Unique identifiers, none of them reserved; ``fresh`` suffixes ``_2``, ``_3``, ... as needed.

    The generated code draws its own names from the same ``Names`` (after the user's), so
    they never collide; a user name that starts like a gradient's (``g_x``) is also given a
    ``u_`` prefix, so that ``g_`` + a name always reads as a gradient.
    """

    PREFIXES = ("g_",)

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(RESERVED) | set(taken)
        self._next: dict[str, int] = {}  # base -> the next suffix to try (keeps naming linear)

    def copy(self) -> Names:
        other = Names()
        other.taken = set(self.taken)
        other._next = dict(self._next)
        return other

    def fresh(self, base: str) -> str:
        name, k = base, self._next.get(base, 1)
        if k > 1:
            name = f"{base}_{k}"
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self._next[base] = k + 1
        self.taken.add(name)
        return name

    def user(self, label: str, fallback: str) -> str:
        """A unique identifier for a user's label (``fallback`` if it makes none)."""
        base = _sanitized(label) or fallback
        if base.startswith(self.PREFIXES):
            base = "u_" + base
        return self.fresh(base)


_sanitized = functools.lru_cache(maxsize=4096)(sanitize)


def arg_names(f: Callable[..., object], n: int) -> list[str]:
    """Base names for ``f``'s ``n`` positional arguments, from its signature (``arg0`` ...)."""
    names: list[str] = []
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            names += [f"{p.name}{i}" for i in range(n - len(names))]
    names = [sanitize(s) or f"arg{i}" for i, s in enumerate(names)]
    return (names + [f"arg{i}" for i in range(len(names), n)])[:n]


def function_name(f: Callable[..., object]) -> str:
    """The generated function's name: ``f``'s own when it is a usable identifier, else ``f``."""
    raw = getattr(f, "__name__", "")
    name = sanitize(raw) if isinstance(raw, str) else ""
    return "f" if not name or raw == "<lambda>" or name in RESERVED else name
