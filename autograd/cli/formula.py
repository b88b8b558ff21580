"""Formulas for ``autograd graph``: parsed with ast, checked node by node, built into Values.

Nothing is ever passed to eval: ``Formula`` walks the syntax tree, refuses
anything but numbers, variables, + - * / **, unary -/+ and the math
functions, then builds Values iteratively (a deep formula cannot hit the
recursion limit).
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, cast

from .. import namespaces as ops
from .errors import CLIError

FORMULA_MAX_CHARS = 5000
_CONSTANTS = {"pi": math.pi, "e": math.e}


def formula_functions() -> dict[str, tuple[Callable[..., Any], int, int, tuple[str, ...]]]:
    """name -> (function, min args, max args, names of the constant arguments after the first)."""
    import autograd as E

    def absval(x: Any) -> Any:
        return abs(x if isinstance(x, E.Value) else E.Value(x))

    def logsumexp(*xs: Any) -> Any:
        return E.logsumexp(xs)

    one = {f.__name__: (f, 1, 1, ()) for f in (E.exp, E.log, E.log1p, E.expm1, E.sqrt, E.tanh, E.sigmoid,
                                                E.relu, E.softplus, E.sin, E.cos)}  # fmt: skip
    return {
        **one,
        "abs": (absval, 1, 1, ()),
        "maximum": (E.maximum, 2, 2, ()), "max": (E.maximum, 2, 2, ()),
        "minimum": (E.minimum, 2, 2, ()), "min": (E.minimum, 2, 2, ()),
        "leaky_relu": (E.leaky_relu, 1, 2, ("slope",)),
        "clamp": (E.clamp, 3, 3, ("lo", "hi")),
        "logsumexp": (logsumexp, 1, 10_000, ()),
    }  # fmt: skip


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    # Two plain numbers use the IEEE float rules of ops.py: 1/0 is inf, 9**9**9 is inf (no hang).
    ast.Div: lambda a, b: a / b if not (isinstance(a, float) and isinstance(b, float)) else ops.f_div(a, b),
    ast.Pow: lambda a, b: a**b if not (isinstance(a, float) and isinstance(b, float)) else ops.f_pow(a, b),
}
_OPERATOR_TEXT = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                  ast.BitOr: "|", ast.BitAnd: "&", ast.Invert: "~", ast.Not: "not"}  # fmt: skip
_REFUSED: dict[type, tuple[str, str]] = {  # node type -> (what it is, what to do instead)
    ast.Attribute: ("attribute access ('.')", ""),
    ast.Subscript: ("indexing ('[...]')", ""),
    ast.Lambda: ("lambda", ""),
    ast.ListComp: ("a comprehension", ""), ast.SetComp: ("a comprehension", ""),
    ast.DictComp: ("a comprehension", ""), ast.GeneratorExp: ("a comprehension", ""),
    ast.Compare: ("a comparison", "a formula is one expression to differentiate"),
    ast.BoolOp: ("'and'/'or'", ""),
    ast.IfExp: ("'a if c else b'", "use maximum, minimum, relu or clamp"),
    ast.NamedExpr: ("':='", ""),
    ast.Starred: ("'*' unpacking", ""),
    ast.keyword: ("a keyword argument", "pass arguments by position, e.g. leaky_relu(x, 0.1)"),
    ast.Tuple: ("a tuple", "one formula gives one output"), ast.List: ("a list", ""),
    ast.Dict: ("a dict", ""), ast.Set: ("a set", ""),
    ast.JoinedStr: ("a string", ""),
}  # fmt: skip


def _refuse(node: ast.AST) -> CLIError:
    what, hint = _REFUSED[type(node)]
    return CLIError(f"{what} is not allowed in a formula{_at_column(node)}" + (f"; {hint}" if hint else ""))


def _at_column(node: ast.AST) -> str:
    return f" (at column {node.col_offset + 1})" if isinstance(node, (ast.expr, ast.keyword)) else ""


class Formula:
    """A formula checked by walking its ast: numbers, variables, + - * / **, unary -/+, math calls.

    Nothing is ever passed to eval; ``build`` walks the tree (iteratively) and
    makes Values. Number literals become floats.

    Examples:
        >>> from autograd import Value
        >>> x, y = Value(2.0), Value(0.0)
        >>> z = Formula("x * sin(y)", ["x", "y"]).build({"x": x, "y": y})
        >>> z.backward(); x.grad, y.grad                  # sin(0) = 0, and x * cos(0) = 2
        (0.0, 2.0)
        >>> Formula("__import__('os')", ["x"])            # doctest: +ELLIPSIS
        Traceback (most recent call last):
        autograd.cli.errors.CLIError: unknown function '__import__' (at column 1); available: abs, ...
    """

    def __init__(self, text: str, names: Sequence[str]) -> None:
        if not text.strip():
            raise CLIError('the formula is empty; e.g. autograd graph "(x + y)**2" --at x=3 y=2')
        if len(text) > FORMULA_MAX_CHARS:
            raise CLIError(f"the formula is {len(text):,} characters long; the limit is {FORMULA_MAX_CHARS:,}")
        try:
            with warnings.catch_warnings():  # "1if x else 2", "'\\d'": refused below, with our own message
                warnings.simplefilter("ignore")
                tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as e:
            where = f" at column {e.offset}" if e.offset else ""
            raise CLIError(f"bad formula: {e.msg}{where}: {text.strip()!r}") from None
        except (ValueError, RecursionError, MemoryError) as e:
            raise CLIError(f"bad formula: {e}") from None
        self.text = text.strip()
        self.names = tuple(names)
        self.functions = formula_functions()
        self.body = tree.body
        self._check(tree)

    def _check(self, tree: ast.AST) -> None:
        funcs = self.functions
        called: set[int] = set()  # id() of Name nodes in call position; membership only
        for node in ast.walk(tree):
            kind = type(node)
            if kind in (ast.Expression, ast.Load) or kind in _BINOPS or kind in (ast.USub, ast.UAdd):
                continue
            if kind in _REFUSED:
                raise _refuse(node)
            if isinstance(node, ast.BinOp):
                op = type(node.op)
                if op is ast.BitXor:
                    raise CLIError(f"'^' is not a power in Python; write x**2{_at_column(node)}")
                if op not in _BINOPS:
                    raise CLIError(f"operator '{_OPERATOR_TEXT.get(op, op.__name__)}' is not allowed; "
                                   f"use + - * / **{_at_column(node)}")  # fmt: skip
            elif isinstance(node, ast.UnaryOp):
                uop = type(node.op)
                if uop not in (ast.USub, ast.UAdd):
                    text = _OPERATOR_TEXT.get(uop, uop.__name__)
                    raise CLIError(f"operator '{text}' is not allowed{_at_column(node)}")
            elif isinstance(node, ast.Call):
                if type(node.func) in _REFUSED:
                    raise _refuse(node.func)
                if not isinstance(node.func, ast.Name):
                    raise CLIError(f"only the math functions can be called in a formula{_at_column(node.func)}")
                if node.keywords:
                    raise _refuse(node.keywords[0])
                name = node.func.id
                if name not in funcs:
                    hint = " (it is a variable)" if name in self.names else ""
                    raise CLIError(f"unknown function {name!r}{hint}{_at_column(node)}; "
                                   f"available: {', '.join(sorted(funcs))}")  # fmt: skip
                _, lo, hi, _consts = funcs[name]
                n = len(node.args)
                if not lo <= n <= hi:
                    want = str(lo) if lo == hi else f"{lo} to {hi}" if hi < 100 else f"at least {lo}"
                    plural = "" if want == "1" else "s"
                    raise CLIError(f"{name}() takes {want} argument{plural}, got {n}{_at_column(node)}")
                called.add(id(node.func))
            elif isinstance(node, ast.Name):
                if id(node) in called:
                    continue
                if node.id not in self.names and node.id not in _CONSTANTS:
                    if node.id in funcs:
                        raise CLIError(f"{node.id!r} is a function: call it, e.g. {node.id}(x){_at_column(node)}")
                    given = f" (--at gives {', '.join(self.names)})" if self.names else ""
                    raise CLIError(f"unknown name {node.id!r}{_at_column(node)}: give its value with --at, "
                                   f"e.g. --at {node.id}=1{given}")  # fmt: skip
            elif isinstance(node, ast.Constant):
                v = node.value
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    what = "complex numbers" if isinstance(v, complex) else f"{type(v).__name__} literals"
                    raise CLIError(f"{what} are not allowed; only real numbers{_at_column(node)}")
            else:
                raise CLIError(f"{kind.__name__} is not allowed in a formula{_at_column(node)}; use numbers, "
                               "the variables given with --at, + - * / ** and the math functions")  # fmt: skip

    def build(self, env: dict[str, Any]) -> Any:
        """Evaluate the checked tree on ``env`` (name -> Value or float), without recursion."""
        out: list[Any] = []
        todo: list[tuple[ast.expr, bool]] = [(self.body, False)]
        while todo:
            node, ready = todo.pop()
            if isinstance(node, ast.Constant):
                literal = cast(float, node.value)  # _check let only int and float through
                try:
                    out.append(float(literal))
                except OverflowError:
                    raise CLIError(f"the number {literal} is too large for a float{_at_column(node)}") from None
                continue
            if isinstance(node, ast.Name):
                out.append(env[node.id] if node.id in env else _CONSTANTS[node.id])
                continue
            kids: list[ast.expr]
            if isinstance(node, ast.BinOp):
                kids = [node.left, node.right]
            elif isinstance(node, ast.UnaryOp):
                kids = [node.operand]
            else:
                assert isinstance(node, ast.Call)
                kids = list(node.args)
            if not ready:
                todo.append((node, True))
                todo.extend((k, False) for k in reversed(kids))
                continue
            args = out[len(out) - len(kids):]
            del out[len(out) - len(kids):]
            out.append(self._apply(node, args))
        return out[0]

    def _apply(self, node: ast.expr, args: list[Any]) -> Any:
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](args[0], args[1])
        if isinstance(node, ast.UnaryOp):
            return -args[0] if isinstance(node.op, ast.USub) else args[0]
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        fn, _, _, consts = self.functions[node.func.id]
        for pname, a in zip(consts, args[1:]):
            if not isinstance(a, float):
                raise CLIError(f"{node.func.id}'s {pname} must be a number, not an expression of the variables"
                               f"{_at_column(node)}")  # fmt: skip
        result = fn(*args)
        if all(isinstance(a, float) for a in args):  # constant folding: keep plain numbers plain
            return float(result.data)
        return result
