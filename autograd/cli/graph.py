"""``autograd graph FORMULA --at x=3 y=2``: build the formula's graph, backward, print and draw it."""

from __future__ import annotations

import argparse
import itertools
import keyword
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .errors import CLIError
from .formula import Formula
from .hints import nan_notes

if TYPE_CHECKING:
    from ..engine import Value

_OUTPUT_NAMES = ("z", "f", "out", "result")  # the first not taken by a variable names the output


def _parse_at(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, num = item.partition("=")
        name, num = name.strip(), num.strip()
        if not sep or not name or not num:
            raise CLIError(f"bad --at item {item!r}: expected NAME=VALUE, e.g. --at x=3 y=2 (separated by spaces)")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise CLIError(f"bad --at item {item!r}: {name!r} is not a valid variable name")
        if name in values:
            raise CLIError(f"--at gives {name!r} twice")
        try:
            values[name] = float(num)
        except ValueError:
            raise CLIError(f"bad --at item {item!r}: {num!r} is not a number") from None
    return values


def _fmt(x: float) -> str:
    return f"{x:.10g}"


def cmd_graph(args: argparse.Namespace) -> int:
    """Run ``autograd graph``: every input is checked before anything is printed."""
    from ..engine import Value

    formula, at = _read_formula(args.formula, list(args.at))
    out_path = args.output
    if out_path is not None:
        _check_output_path(out_path)

    xs = {name: Value(v, name) for name, v in at.items()}
    with _evaluating(formula):
        z = formula.build(dict(xs))
        if not isinstance(z, Value):
            raise CLIError('the formula uses no variables, so there is nothing to differentiate; '
                           'e.g. autograd graph "x**2" --at x=3')  # fmt: skip
        z.backward()
    out_name = _name_nodes(z, at)

    where = ", ".join(f"{n}={_fmt(v)}" for n, v in at.items())
    print(f"{out_name} = {formula.text} = {_fmt(z.data)}   at {where}")
    for name, x in xs.items():
        print(f"d{out_name}/d{name} = {_fmt(float(x.grad))}")
    for note in nan_notes(z):
        print(note)

    status = 0
    if args.check:
        with _evaluating(formula):
            status = _gradcheck(formula, at, {name: float(x.grad) for name, x in xs.items()})
    if out_path is None:
        print("(add -o graph.svg, .png or .dot to draw the diagram, or -o graph.html to step through backprop)")
        return status
    _draw(z, out_path, args, title=f"{z.label or 'z'} = {formula.text}")
    return status


def _read_formula(text: str | None, items: list[str]) -> tuple[Formula, dict[str, float]]:
    """The checked formula and the values of its variables, from the command line."""
    if text is None:  # `graph --at x=3 "x**2"`: argparse gave the formula to --at
        loose = [i for i in items if "=" not in i]
        if len(loose) != 1:
            raise CLIError('give a formula, e.g. autograd graph "(x + y)**2" --at x=3 y=2')
        text = loose[0]
        items.remove(text)
    at = _parse_at(items)
    return Formula(text, list(at)), at


def _check_output_path(out_path: str) -> None:
    from ..viz import SUFFIXES

    suffix = os.path.splitext(out_path)[1].lower()
    if suffix not in SUFFIXES and suffix != ".html":
        got = f"unsupported output suffix {suffix!r}" if suffix else f"-o {out_path!r} has no suffix"
        raise CLIError(f"{got}: use .svg, .png, .dot, .pdf (pdf needs the system Graphviz), "
                       "or .html (the step-through player)")
    folder = os.path.dirname(out_path) or "."
    if not os.path.isdir(folder):
        raise CLIError(f"cannot write {out_path}: the folder {folder!r} does not exist")
    if os.path.isdir(out_path):
        raise CLIError(f"cannot write {out_path}: it is a folder")


@contextmanager
def _evaluating(formula: Formula) -> Iterator[None]:
    """Turn the library's refusals (``clamp(x, 3, 2)``: lo > hi) into one-line user errors."""
    try:
        yield
    except (RecursionError, MemoryError):
        raise CLIError(f"the formula is too big or too deeply nested to evaluate: {formula.text[:60]!r}") from None
    except (ValueError, TypeError, ArithmeticError) as e:
        raise CLIError(f"cannot evaluate {formula.text[:60]!r}: {e}") from None


def _name_nodes(z: Value, at: dict[str, float]) -> str:
    """Label the output and the intermediate nodes with names the variables do not use.

    The output is z (or f, out, result, then out1, out2, ...); intermediates are
    t, or t1, t2, ... in forward order. Returns the output's name.
    """
    from ..engine import topological_order

    taken = set(at)  # membership only
    out_name = next(n for n in itertools.chain(_OUTPUT_NAMES, (f"out{k}" for k in itertools.count(1)))
                    if n not in taken)  # fmt: skip
    if z.is_leaf:
        return out_name
    z.label = out_name
    inner = [v for v in reversed(topological_order([z])) if v is not z]
    free = (f"t{k}" for k in itertools.count(1) if f"t{k}" not in taken)
    for v in inner:
        v.label = "t" if len(inner) == 1 and "t" not in taken else next(free)
    return out_name


def _gradcheck(formula: Formula, at: dict[str, float], analytic: dict[str, float]) -> int:
    """Print backprop's gradients against central differences, one row per variable by name;
    0 if ``gradcheck`` finds they agree, 1 if not."""
    from ..check import GradcheckError, gradcheck, numerical_grad

    names = list(at)
    f = lambda *vals: formula.build(dict(zip(names, vals)))  # noqa: E731
    point = list(at.values())
    numeric = numerical_grad(f, point)
    width = max(5, *map(len, names))
    print()
    print(f"{'input':>{width}} {'at':>12} {'analytic':>14} {'numerical':>14} {'abs err':>10} {'rel err':>10}")
    for name, x, n in zip(names, point, numeric):
        a = analytic[name]
        err, scale = abs(a - n), max(abs(a), abs(n))
        rel = err / scale if scale else 0.0
        print(f"{name:>{width}} {x:>12.6g} {a:>14.8g} {n:>14.8g} {err:>10.2e} {rel:>10.2e}")
    try:
        gradcheck(f, point)
    except GradcheckError:
        print("gradcheck: MISMATCH between analytic and numerical gradients (see the table)")
        return 1
    print("gradcheck: analytic and numerical gradients agree")
    return 0


def _draw(z: Value, out_path: str, args: argparse.Namespace, title: str) -> None:
    from ..viz import RenderError, draw_dot

    try:
        diagram = draw_dot(z, rankdir=args.rankdir, show_order=args.order, precision=args.precision)
        if out_path.lower().endswith(".html"):  # the step-through player: docs/player.md
            written = diagram.player(title=title).save(out_path)
        else:
            written = diagram.render(out_path)
    except RenderError as e:
        raise CLIError(str(e)) from None
    except OSError as e:
        raise CLIError(f"cannot write {out_path}: {e.strerror or e}") from None
    print(f"wrote {written}")
