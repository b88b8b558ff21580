"""Command line: ``autograd demo`` and ``autograd graph EXPR --at x=3 y=2``.

One module per command (demo.py, graph.py; formulas in formula.py). Every
user error ends the command with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from .errors import CLIError, one_line
from .formula import Formula

__all__ = ["CLIError", "Formula", "build_parser", "main"]

# Each command's --help names its guide: the page's source on the project's repository (docs/
# is not in the wheel). It is the site's `source_url` (mkdocs.yml) + docs/; a test checks both.
DOCS_URL = "https://github.com/scalar-autograd/scalar-autograd/blob/main/docs/"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse quotes some of the user's arguments verbatim: keep them on one line.
        where = f"autograd {self.prog.split()[-1]}" if " " in self.prog else "autograd"
        self.exit(2, f"autograd: error: {one_line(message)} (see '{where} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``autograd`` command's argument parser: ``demo`` and ``graph``, each with its guide's link.

    Examples:
        >>> args = build_parser().parse_args(["graph", "x**2", "--at", "x=3"])
        >>> args.command, args.formula, args.at
        ('graph', 'x**2', ['x=3'])
    """
    p = _Parser(prog="autograd", description="scalar-autograd: see backprop, train tiny networks.")
    from .. import __version__

    p.add_argument("--version", action="version", version=f"scalar-autograd {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    d = sub.add_parser("demo", help="train a small MLP and write plots and a diagram",
                       description="Train an MLP, print train/test accuracy, and write plots and a diagram.")
    d.add_argument("--dataset", choices=("moons", "spiral", "digits"), default="moons",
                   help="moons (default): 2 classes in 2-D; spiral: 3 classes in 2-D; "
                        "digits: 8x8 images, 10 classes (needs scikit-learn)")
    d.add_argument("--epochs", type=_positive_int, default=None,
                   help="training epochs (default: moons 30, spiral 60, digits 5)")
    d.add_argument("--seed", type=_int, default=0, help="seed for the data, the split and the weights (default 0)")
    d.add_argument("--out", default="autograd-demo", metavar="DIR",
                   help="folder for loss.png, decision_boundary.png (predictions.png for digits), "
                        "neuron.svg, neuron.html (step-through player) and model.json (default: ./autograd-demo)")
    d.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    g = sub.add_parser("graph", help="draw the graph of a formula with its gradients",
                       description="Build Values for a formula, run backward, draw the graph, print gradients.")
    g.add_argument("formula", nargs="?", help='e.g. "(x + y)**2"')
    g.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE", help="values of the variables")
    g.add_argument("-o", "--output", default=None,
                   help="write the diagram: .svg, .png, .pdf, .dot, or .html (the step-through player)")
    g.add_argument("--check", action="store_true", help="also compare with numerical gradients")
    g.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="left to right (default) or top to bottom")
    g.add_argument("--order", action="store_true", help="number the ops in the order backward visits them")
    g.add_argument("--precision", type=_precision, default=4, metavar="N",
                   help="significant digits in the diagram, 1 to 17 (default 4)")
    g.epilog = (f'example: autograd graph "(x + y)**2" --at x=3 y=2 -o chain.svg\n\nguide: {DOCS_URL}diagrams.md\n'
                f"       {DOCS_URL}player.md (-o chain.html)")  # fmt: skip
    d.epilog = f"guide: {DOCS_URL}nn.md#the-demo"
    p.epilog = f"guide: {DOCS_URL}getting-started.md\n(and 'autograd COMMAND --help' names the command's guide)"
    for parser in (p, d, g):  # keep the epilogs' lines, so a link is never wrapped
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return p


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {n}")
    return n


def _precision(text: str) -> int:
    n = _positive_int(text)
    if n > 17:  # a float has 17 significant digits at most
        raise argparse.ArgumentTypeError(f"expected a number of significant digits from 1 to 17, got {n}")
    return n


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for any user error, after one line on stderr).

    Argument errors exit through argparse (``SystemExit(2)``). No error prints a
    traceback; set AUTOGRAD_DEBUG=1 to see one for an unexpected error. Ctrl-C
    returns 130 and SIGTERM 143, after the command has cleaned up (a weights file
    being saved keeps its old content and leaves no temporary file).

    Examples:
        >>> main(["graph", "(x + y)**2", "--at", "x=3", "y=2"])
        z = (x + y)**2 = 25   at x=3, y=2
        dz/dx = 10
        dz/dy = 10
        (add -o graph.svg, .png or .dot to draw the diagram, or -o graph.html to step through backprop)
        0
        >>> main(["graph", "x +", "--at", "x=1"])    # "autograd: error: bad formula: ..." on stderr
        2
    """
    args = build_parser().parse_args(argv)
    try:
        with _sigterm_exits():
            if args.command == "demo":
                from .demo import cmd_demo

                return cmd_demo(args)
            from .graph import cmd_graph

            return cmd_graph(args)
    except CLIError as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        print("autograd: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("autograd: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except Exception as e:  # not foreseen by the command: still one line, never a traceback
        if os.environ.get("AUTOGRAD_DEBUG"):
            raise
        return _fail(f"{e or 'no message'} ({type(e).__name__}; set AUTOGRAD_DEBUG=1 to see where)")


class _Terminated(BaseException):
    """Raised by the SIGTERM handler, so that ``finally`` blocks run (a save removes its temp file)."""


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    """While the command runs, SIGTERM unwinds the stack like Ctrl-C instead of killing the process.

    Installed here, in the CLI, and put back afterwards: the library itself installs no
    signal handlers. Only the main thread can set one; elsewhere this does nothing.
    """

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise _Terminated

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        if previous is not None:  # None: set outside Python, cannot be restored from here
            signal.signal(signal.SIGTERM, previous)


def _fail(message: str) -> int:
    print(f"autograd: error: {one_line(message)}", file=sys.stderr)
    return 2
