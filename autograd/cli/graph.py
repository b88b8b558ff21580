"""``autograd graph FORMULA --at x=3 y=2``: build the formula's graph, backward, print and draw it."""

from __future__ import annotations

import argparse
import keyword
import os
from collections.abc import Sequence

from .errors import CLIError
from .formula import Formula

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
    from ..check import GradcheckError, gradcheck, gradcheck_table
    from ..engine import Value, topological_order
    from ..viz import SUFFIXES, RenderError, draw_dot

    text, items = args.formula, list(args.at)
    if text is None:  # `graph --at x=3 "x**2"`: argparse gave the formula to --at
        loose = [i for i in items if "=" not in i]
        if len(loose) != 1:
            raise CLIError('give a formula, e.g. autograd graph "(x + y)**2" --at x=3 y=2')
        text = loose[0]
        items.remove(text)
    at = _parse_at(items)
    formula = Formula(text, list(at))
    out_path = args.output
    if out_path is not None:
        suffix = os.path.splitext(out_path)[1].lower()
        if suffix not in SUFFIXES:
            got = f"unsupported output suffix {suffix!r}" if suffix else f"-o {out_path!r} has no suffix"
            raise CLIError(f"{got}: use .svg, .png, .dot, or .pdf (pdf needs the system Graphviz)")
        folder = os.path.dirname(out_path) or "."
        if not os.path.isdir(folder):
            raise CLIError(f"cannot write {out_path}: the folder {folder!r} does not exist")

    xs = {name: Value(v, name) for name, v in at.items()}
    z = formula.build(dict(xs))
    if not isinstance(z, Value):
        raise CLIError('the formula uses no variables, so there is nothing to differentiate; '
                       'e.g. autograd graph "x**2" --at x=3')  # fmt: skip
    out_name = next(n for n in _OUTPUT_NAMES if n not in at)
    z.backward()
    if not z.is_leaf:
        z.label = out_name
        inner = [v for v in reversed(topological_order([z])) if v is not z]
        free = (f"t{k}" for k in range(1, 10**6) if f"t{k}" not in at)
        for v in inner:
            v.label = "t" if len(inner) == 1 and "t" not in at else next(free)

    where = ", ".join(f"{n}={_fmt(v)}" for n, v in at.items())
    print(f"{out_name} = {formula.text} = {_fmt(z.data)}   at {where}")
    for name, x in xs.items():
        print(f"d{out_name}/d{name} = {_fmt(float(x.grad))}")

    status = 0
    if args.check:
        names = list(at)
        f = lambda *vals: formula.build(dict(zip(names, vals)))  # noqa: E731
        point = list(at.values())
        print()
        print("gradcheck, inputs in order: " + ", ".join(f"{i} = {n}" for i, n in enumerate(names)))
        print(gradcheck_table(f, point))
        try:
            gradcheck(f, point)
            print("gradcheck: analytic and numerical gradients agree")
        except GradcheckError:
            print("gradcheck: MISMATCH between analytic and numerical gradients (see the table)")
            status = 1

    if out_path is None:
        print("(add -o graph.svg, .png or .dot to draw the diagram)")
        return status
    diagram = draw_dot(z, rankdir=args.rankdir, show_order=args.order, precision=args.precision)
    try:
        written = diagram.render(out_path)
    except RenderError as e:
        raise CLIError(str(e)) from None
    except OSError as e:
        raise CLIError(f"cannot write {out_path}: {e.strerror or e}") from None
    print(f"wrote {written}")
    return status
