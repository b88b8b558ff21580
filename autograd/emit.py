"""The code emitter: the rules of ops.py evaluated on symbols give Python source text.

The compiled one-liners of each primitive (``forward_source``, ``local_source``)
and the compiled tape are written with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .namespaces import FLOAT, INF, NAMESPACE_FUNCTIONS, _ns

__all__ = ["ATOM", "EMIT", "Sym", "lit", "symbolic"]

# --------------------------------------------------------------------------
# The code emitter: the same rules evaluated on symbols give source text.
# A Sym is a symbolic float: its source text, the precedence of its top
# operator, and, when it is a known constant, its value. Arithmetic on
# constants folds with the float namespace, so a folded constant is the float
# the engine computes; ``1.0 * x`` becomes ``x`` (equal for every float).
# Parentheses keep each expression's evaluation order exactly (floats do not
# reassociate): ``a - (b - c)`` keeps its brackets, ``a * b * c`` is ``(a*b)*c``.
# A Sym with ``vec=True`` stands for an array (the compiled tape's batched
# program): calls on it are written ``N.name(...)``, the array namespace's.
# --------------------------------------------------------------------------

# Precedence of a Sym's top operator, highest first.
ATOM = 4
"""A name, a number or a call: never needs parentheses."""
UNARY, MUL, ADD = 3, 2, 1  # unary minus; ``*``; ``+`` and ``-``


def _src(x: Any) -> str:
    if isinstance(x, Sym):
        return x.src
    if isinstance(x, bool):
        return repr(x)
    if isinstance(x, (int, float)):
        return _float_src(float(x))
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_src(e) for e in x) + "]"
    raise TypeError(f"cannot emit code for {type(x).__name__} in a derivative rule")


def _float_src(x: float) -> str:
    return "nan" if x != x else "inf" if x == INF else "-inf" if x == -INF else repr(x)


def lit(x: Any) -> Sym:
    """A constant as a Sym: ``lit(2)`` is ``2.0``, ``lit(True)`` is ``True``.

    Examples:
        >>> lit(2).src, lit(-1.5).src, lit(float("inf")).src
        ('2.0', '-1.5', 'inf')"""
    if isinstance(x, bool):
        return Sym(repr(x), const=x)
    src = _float_src(float(x))
    return Sym(src, UNARY if src.startswith("-") else ATOM, const=float(x))


def symbolic(x: Any) -> Any:
    """A rule's argument as Syms: numbers become constants, lists stay lists.

    Examples:
        >>> [s.src for s in symbolic([1, Sym("x")])]
        ['1.0', 'x']"""
    if isinstance(x, Sym):
        return x
    if isinstance(x, (list, tuple)):
        return [symbolic(e) for e in x]
    if isinstance(x, (bool, int, float)):
        return lit(x)
    raise TypeError(f"cannot emit code for {type(x).__name__} in a derivative rule")


def _is_const(x: Any) -> bool:
    return all(_is_const(e) for e in x) if isinstance(x, list) else x.const is not None


def _const(x: Any) -> Any:
    return [_const(e) for e in x] if isinstance(x, list) else x.const


def _is_vec(x: Any) -> bool:
    return any(_is_vec(e) for e in x) if isinstance(x, list) else x.vec


def _is_number(x: Sym, value: float | None = None) -> bool:
    return type(x.const) is float and (value is None or x.const == value)


_FOLD_OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
}  # fmt: skip


def _binary(a: Any, b: Any, op: str) -> Sym:
    a, b = symbolic(a), symbolic(b)
    if _is_number(a) and _is_number(b):
        return lit(_FOLD_OPS[op](a.const, b.const))
    if op == "*" and _is_number(a, 1.0):
        return b  # type: ignore[no-any-return]  # 1.0 * x == x for every float, nan and -0.0 included
    if op == "*" and _is_number(b, 1.0):
        return a  # type: ignore[no-any-return]
    prec = MUL if op == "*" else ADD
    left = a.src if a.prec >= prec else f"({a.src})"
    right = b.src if b.prec > prec else f"({b.src})"  # a - (b - c) keeps its brackets
    return Sym(f"{left} {op} {right}", prec, vec=a.vec or b.vec)


class Sym:
    """A symbolic float: arithmetic on it builds Python source text.

    Examples:
        >>> x = Sym("x")
        >>> (2 * x + 1).src
        '2.0 * x + 1.0'
        >>> EMIT.exp(-x)
        Sym('exp(-x)')
    """

    __slots__ = ("const", "prec", "src", "vec")

    def __init__(self, src: str, prec: int = ATOM, *, const: Any = None, vec: bool = False) -> None:
        self.src = src
        self.prec = prec
        self.const = const  # the value, when the expression is a known constant
        self.vec = vec  # stands for an array: calls on it are the array namespace's (N.)

    def __add__(self, o: Any) -> Sym: return _binary(self, o, "+")
    def __radd__(self, o: Any) -> Sym: return _binary(o, self, "+")
    def __sub__(self, o: Any) -> Sym: return _binary(self, o, "-")
    def __rsub__(self, o: Any) -> Sym: return _binary(o, self, "-")
    def __mul__(self, o: Any) -> Sym: return _binary(self, o, "*")
    def __rmul__(self, o: Any) -> Sym: return _binary(o, self, "*")

    def __neg__(self) -> Sym:
        if _is_number(self):
            return lit(-self.const)
        inner = self.src if self.prec > UNARY else f"({self.src})"
        return Sym(f"-{inner}", UNARY, vec=self.vec)

    def __truediv__(self, o: Any) -> Sym:
        raise TypeError("derivative rules divide with m.div(a, b): '/' raises on zero for floats")

    __rtruediv__ = __truediv__

    def __pow__(self, o: Any) -> Sym:
        raise TypeError("derivative rules raise to a power with m.pow(x, y): '**' is not IEEE-safe")

    __rpow__ = __pow__

    def __bool__(self) -> bool:
        raise TypeError(
            "derivative rules must be branch-free: use m.where(cond, a, b) or "
            "m.heaviside(x, at0) instead of 'if' or 'and'/'or'"
        )

    def _compare(self, other: Any) -> bool:
        raise TypeError(
            "derivative rules must be branch-free: compare with m.eq, m.ge or m.lt "
            "inside m.where(cond, a, b), not with ==, <, >"
        )

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compare
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Sym({self.src!r})"


INLINE_TERMS = 32
"""``fsum``/``dot`` over at most this many Syms are written out, left to right from 0.0 as the
float namespace computes them (``0.0 + w0 * x0 + w1 * x1``); longer ones stay a call."""


def _emit_call(name: str) -> Callable[..., Sym]:
    fn = getattr(FLOAT, name)

    def call(*args: Any) -> Sym:
        xs = [symbolic(a) for a in args]
        if all(_is_const(a) for a in xs):  # fold with the float namespace: the engine's float
            return lit(fn(*[_const(a) for a in xs]))
        if name in ("fsum", "dot") and isinstance(xs[0], list) and len(xs[0]) <= INLINE_TERMS:
            total = lit(0.0)
            for terms in zip(*xs):
                total = total + (terms[0] if name == "fsum" else terms[0] * terms[1])
            return total
        if name == "where" and not isinstance(xs[0], list) and xs[0].const is not None:
            return xs[1] if xs[0].const else xs[2]  # type: ignore[no-any-return]
        if name == "pow" and _is_number(xs[1], 1.0):
            return xs[0]  # type: ignore[no-any-return]  # pow(x, 1.0) == x exactly
        vec = any(_is_vec(a) for a in xs)
        return Sym(f"{'N.' if vec else ''}{name}({', '.join(_src(a) for a in xs)})", vec=vec)

    call.__name__ = name
    return call


EMIT = _ns(**{name: _emit_call(name) for name in NAMESPACE_FUNCTIONS})
"""The emitter namespace: every call becomes text naming the same function (constants fold)."""
