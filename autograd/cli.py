"""Command line: ``autograd demo`` and ``autograd graph EXPR --at x=3 y=2``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"autograd: error: {message} (see 'autograd {self.prog.split()[-1]} --help')\n"
                  if " " in self.prog else f"autograd: error: {message} (see 'autograd --help')\n")


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="autograd", description="scalar-autograd: see backprop, train tiny networks.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    d = sub.add_parser("demo", help="train a small MLP and write plots and a diagram",
                       description="Train an MLP, print train/test accuracy, and write plots and a diagram.")
    d.add_argument("--dataset", choices=("moons", "spiral", "digits"), default="moons")
    d.add_argument("--epochs", type=_positive_int, default=None, help="training epochs (default: per dataset)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--out", default="autograd-demo", help="output folder (default: ./autograd-demo)")
    d.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    g = sub.add_parser("graph", help="draw the graph of a formula with its gradients",
                       description="Build Values for a formula, run backward, draw the graph, print gradients.")
    g.add_argument("formula", help='e.g. "(x + y)**2"')
    g.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE", help="values of the variables")
    g.add_argument("-o", "--output", default=None, help="write the diagram: .svg, .png, .pdf or .dot")
    g.add_argument("--check", action="store_true", help="also compare with numerical gradients")
    g.add_argument("--rankdir", choices=("LR", "TB"), default="LR")
    return p


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {n}")
    return n


def _cmd_demo(args: argparse.Namespace) -> int:
    from .check import numerical_grad
    from .engine import Value

    x, y = Value(3.0, "x"), Value(2.0, "y")
    t = x + y
    t.label = "t"
    z = t**2
    z.label = "z"
    z.backward()
    num = numerical_grad(lambda a, b: (a + b) ** 2, [3.0, 2.0])
    print("z = (x + y)**2 at x=3, y=2:  z =", z.data)
    print(f"dz/dx = {x.grad:g}  (numerical {num[0]:.6f});  dz/dy = {y.grad:g}  (numerical {num[1]:.6f})")
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
    raise CLIError("'autograd graph' needs autograd.viz")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _cmd_demo(args) if args.command == "demo" else _cmd_graph(args)
    except CLIError as e:
        print(f"autograd: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograd: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
