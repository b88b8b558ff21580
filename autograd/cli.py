"""Command line: ``autograd demo`` and ``autograd graph EXPR --at x=3 y=2``."""

from __future__ import annotations

import argparse
import ast
import keyword
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, cast

from . import ops


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
    d.add_argument("--dataset", choices=("moons", "spiral", "digits"), default="moons",
                   help="moons (default): 2 classes in 2-D; spiral: 3 classes in 2-D; "
                        "digits: 8x8 images, 10 classes (needs scikit-learn)")
    d.add_argument("--epochs", type=_positive_int, default=None,
                   help="training epochs (default: moons 30, spiral 60, digits 5)")
    d.add_argument("--seed", type=_int, default=0, help="seed for the data, the split and the weights (default 0)")
    d.add_argument("--out", default="autograd-demo", metavar="DIR",
                   help="folder for loss.png, decision_boundary.png (predictions.png for digits), "
                        "neuron.svg and model.json (default: ./autograd-demo)")
    d.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    g = sub.add_parser("graph", help="draw the graph of a formula with its gradients",
                       description="Build Values for a formula, run backward, draw the graph, print gradients.")
    g.add_argument("formula", nargs="?", help='e.g. "(x + y)**2"')
    g.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE", help="values of the variables")
    g.add_argument("-o", "--output", default=None, help="write the diagram: .svg, .png, .pdf or .dot")
    g.add_argument("--check", action="store_true", help="also compare with numerical gradients")
    g.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="left to right (default) or top to bottom")
    g.add_argument("--order", action="store_true", help="number the ops in the order backward visits them")
    g.add_argument("--precision", type=_positive_int, default=4, metavar="N", help="significant digits (default 4)")
    g.epilog = 'example: autograd graph "(x + y)**2" --at x=3 y=2 -o chain.svg   (see docs/diagrams.md)'
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


# ---- autograd demo: train an MLP, print accuracies, write plots and a neuron diagram ----

# Per data set: hidden layer sizes, default epochs, batch size, Adam's peak learning rate.
_DEMO_SETTINGS: dict[str, dict[str, Any]] = {
    "moons": {"hidden": [16, 16], "epochs": 30, "batch_size": 32, "lr": 0.03},
    "spiral": {"hidden": [16, 16], "epochs": 60, "batch_size": 32, "lr": 0.03},
    "digits": {"hidden": [32], "epochs": 5, "batch_size": 32, "lr": 0.01},
}


def _demo_data(name: str, seed: int) -> tuple[list[list[float]], list[int], str]:
    from . import data

    if name == "moons":
        X, y = data.make_moons(300, noise=0.1, seed=seed)
        return X, y, "300 moons points (noise 0.1)"
    if name == "spiral":
        X, y = data.make_spiral(100, classes=3, seed=seed)
        return X, y, "3 spiral arms of 100 points"
    try:
        X, y = data.load_digits()
    except ImportError as e:
        raise CLIError(f"--dataset digits needs scikit-learn's bundled digits: {data.DATASETS_HINT}") from e
    return X, y, "1797 8x8 digits (scikit-learn)"


def _cmd_demo(args: argparse.Namespace) -> int:
    import time

    from . import data, nn, optim, train

    started = time.perf_counter()
    cfg = _DEMO_SETTINGS[args.dataset]
    epochs = args.epochs or cfg["epochs"]
    out_dir = args.out
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise CLIError(f"--out {out_dir!r} is a file, not a folder")
    try:  # before training, so a bad --out fails at once
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise CLIError(f"cannot create the --out folder {out_dir!r}: {e.strerror or e}") from None
    if not os.access(out_dir, os.W_OK):
        raise CLIError(f"cannot write into the --out folder {out_dir!r}: permission denied")
    X, y, about = _demo_data(args.dataset, args.seed)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=args.seed, stratify=True)
    classes = max(y) + 1
    binary = classes == 2
    model = nn.MLP(len(X[0]), [*cfg["hidden"], 1 if binary else classes], seed=args.seed)
    loss_fn = nn.binary_cross_entropy_with_logits if binary else nn.cross_entropy
    steps = epochs * -(-len(X_train) // cfg["batch_size"])
    lr = optim.cosine_decay(cfg["lr"], steps, min_lr=cfg["lr"] * 0.05)
    opt = optim.Adam(model.parameters(), lr=lr)
    print(f"{args.dataset}: {about}, split 8:2 into {len(X_train)} train / {len(X_test)} test (seed {args.seed})")
    print(f"model: {model}, {model.num_parameters()} parameters; "
          f"{'binary cross-entropy' if binary else 'cross-entropy'}, Adam, {epochs} epochs")  # fmt: skip
    history = train.fit(model, loss_fn, X_train, y_train, epochs, opt, cfg["batch_size"],
                        X_test, y_test, progress=not args.no_progress, seed=args.seed)  # fmt: skip
    train_acc = train.accuracy(model, X_train, y_train)
    test_acc = train.accuracy(model, X_test, y_test)
    print(f"train accuracy {train_acc:.1%}, test accuracy {test_acc:.1%} "
          f"(trained in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    try:
        written, note = _demo_write(args.dataset, model, history, test_acc,
                                    (X_train, y_train, X_test, y_test), out_dir)  # fmt: skip
    except OSError as e:
        raise CLIError(f"cannot write into --out {out_dir!r}: {e.strerror or e}") from None
    print("wrote " + ", ".join(written))
    if note:
        print(note)
    return 0


def _demo_write(
    name: str, model: Any, history: Any, test_acc: float, split: tuple[Any, ...], out_dir: str
) -> tuple[list[str], str]:
    """Write the demo's files: (their paths, a note if the neuron diagram could not be drawn)."""
    from . import train

    X_train, y_train, X_test, y_test = split
    written: list[str] = []
    path = os.path.join(out_dir, "loss.png")
    train.plot_history(history, path, title=f"{name}: {model}", val_name="test")
    written.append(path)
    if len(X_train[0]) == 2:
        path = os.path.join(out_dir, "decision_boundary.png")
        train.plot_decision_boundary(model, X_train, y_train, path, X_test, y_test,
                                     title=f"{name}: test accuracy {test_acc:.1%}")  # fmt: skip
    else:
        path = os.path.join(out_dir, "predictions.png")
        _plot_digit_predictions(model, X_test, y_test, path)
    written.append(path)
    path = os.path.join(out_dir, "model.json")
    model.save(path)
    written.append(path)
    drawn = _demo_neuron_diagram(model, X_test, os.path.join(out_dir, "neuron.svg"))
    if drawn.endswith(".svg"):
        return [*written, drawn], ""
    return written, drawn


def _demo_neuron_diagram(model: Any, X: Sequence[Sequence[float]], path: str) -> str:
    """Draw the graph of the first hidden neuron on one sample, after backward.

    Picks the first sample that the neuron is active on, so gradients flow to
    every input. Returns the path written, or a one-line note saying why not.
    """
    try:
        from . import viz
    except ImportError:
        return "no neuron diagram: autograd.viz is not available in this installation"
    from .engine import Value, no_grad

    neuron = model.layers[0].neurons[0]
    with no_grad():
        x = next((x for x in X if neuron(x).data > 0), X[0])
    out = neuron([Value(v, f"x{i}") for i, v in enumerate(x)])
    out.label = "a"
    if out.children():
        out.children()[0].label = "z"
    neuron.zero_grad()  # its weights still hold training's grads: the diagram must show this pass alone
    out.backward()
    try:
        viz.draw_dot(out).render(path)
    except viz.RenderError as e:
        return f"no neuron diagram: {e}"
    return path


def _plot_digit_predictions(model: Any, X: Sequence[Sequence[float]], y: Sequence[int], path: str) -> None:
    """A grid of test digits, each titled with the model's guess (red when wrong)."""
    from matplotlib.figure import Figure

    from .engine import no_grad
    from .train import predict

    n = min(32, len(X))
    fig = Figure(figsize=(8, 4.6), layout="constrained")
    axes = fig.subplots(4, 8)
    with no_grad():
        guesses = [predict(model(X[i])) for i in range(n)]
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow([list(X[i][r * 8 : r * 8 + 8]) for r in range(8)], cmap="gray_r")
        ok = guesses[i] == y[i]
        ax.set_title(f"{guesses[i]}" if ok else f"{guesses[i]} (is {y[i]})", color="green" if ok else "red",
                     fontsize=9)  # fmt: skip
    fig.suptitle("test digits and the model's guesses")
    fig.savefig(path, dpi=100)


# ---- autograd graph: a formula, parsed safely with ast, built into Values ----

_FORMULA_MAX_CHARS = 5000
_OUTPUT_NAMES = ("z", "f", "out", "result")
_CONSTANTS = {"pi": math.pi, "e": math.e}


def _formula_functions() -> dict[str, tuple[Callable[..., Any], int, int, tuple[str, ...]]]:
    """name -> (function, min args, max args, names of the constant arguments after the first)."""
    from . import engine as E

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
    """

    def __init__(self, text: str, names: Sequence[str]) -> None:
        if not text.strip():
            raise CLIError('the formula is empty; e.g. autograd graph "(x + y)**2" --at x=3 y=2')
        if len(text) > _FORMULA_MAX_CHARS:
            raise CLIError(f"the formula is {len(text):,} characters long; the limit is {_FORMULA_MAX_CHARS:,}")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as e:
            where = f" at column {e.offset}" if e.offset else ""
            raise CLIError(f"bad formula: {e.msg}{where}: {text.strip()!r}") from None
        except (ValueError, RecursionError, MemoryError) as e:
            raise CLIError(f"bad formula: {e}") from None
        self.text = text.strip()
        self.names = tuple(names)
        self.functions = _formula_functions()
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


def _cmd_graph(args: argparse.Namespace) -> int:
    from .check import GradcheckError, gradcheck, gradcheck_table
    from .engine import Value, topological_order
    from .viz import SUFFIXES, RenderError, draw_dot

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
