"""The table of primitives: each op's forward and its local-derivative rule.

Both are written once, against a small math namespace ``m``, and evaluated on
different things: floats (``FLOAT``), Values (higher order, in engine.py),
numpy arrays (``numpy_namespace``) and source code (``EMIT``, a code emitter).
Rules are branch-free: use ``m.where``/``m.heaviside``, never ``if``.

Conventions at kinks and IEEE results are in docs/conventions.md.
"""

from __future__ import annotations

import builtins
import linecache
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

from .emit import EMIT, Sym, _src
from .namespaces import FLOAT, INF, NAMESPACE_FUNCTIONS, NAN, numpy_namespace

__all__ = [
    "EMIT", "FLOAT", "NAMESPACE_FUNCTIONS", "REGISTRY", "Primitive", "Sym", "defop", "numpy_namespace", "primitive",
    # the built-in primitives, in the table's order
    "add", "sub", "mul", "div", "pow", "powc", "maximum", "minimum", "neg", "identity", "abs", "exp", "expm1",
    "log", "log1p", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "relu", "leaky_relu", "clamp",
    "sum", "dot", "logsumexp",
]  # fmt: skip

# --------------------------------------------------------------------------
# Primitives
# --------------------------------------------------------------------------

Rule = Callable[..., Any]


_HELPERS = {"nan": NAN, "inf": INF, "chain": chain, "repeat": repeat, "data": attrgetter("data")}
"""Names the compiled one-liners use besides the float namespace."""


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _visible(src: str, filename: str) -> Any:
    """Compile a one-line lambda over the float namespace, keeping its source.

    The source is registered with ``linecache``, so ``inspect.getsource``,
    tracebacks and pdb show it like any other line of Python.
    """
    linecache.cache[filename] = (len(src) + 1, None, [src + "\n"], filename)
    return eval(builtins.compile(src, filename, "eval"), {**vars(FLOAT), **_HELPERS})


_INPUTS: dict[Any, Callable[[Any], tuple[Any, ...]]] = {
    1: lambda node: (node._x,),
    2: lambda node: (node._x, node._y),
    "n1": lambda node: node._x,
    "n2": lambda node: node._x + node._y,
}
"""How a node of each layout gives its inputs (see Primitive)."""


class _Docstring:
    """``Primitive.__doc__``: the class's docstring on the class, and each primitive's own (made
    from its rule by ``Primitive._describe``) on an instance, so ``help(autograd.exp)`` shows exp's."""

    def __init__(self, doc: str | None) -> None:
        self.doc = doc

    def __get__(self, primitive: Primitive | None, cls: type | None = None) -> str | None:
        return self.doc if primitive is None else primitive._doc


class Primitive:
    """One op: ``forward(m, *inputs, *constants)`` and ``deriv(m, *inputs, *constants, out)``.

    ``deriv`` returns one local derivative per input. Both are written against a
    namespace ``m`` and evaluated on floats, Values, numpy arrays or source text.

    ``arity`` is 1 or 2 inputs, or ``"n"`` for a reduction whose rule is written
    per element (``groups`` parallel lists of inputs: 2 for ``dot``). ``params``
    names constants kept on the node (the exponent of ``x**2``); they are not
    differentiated. ``blocks`` marks a step-like op (relu, clamp, ...): where its
    local derivative is 0 it passes no gradient back, even an inf or nan one.

    The node layout. A node keeps its inputs in two slots, ``_x`` and ``_y``,
    and only the methods of this class read them:

    ============  ============================  ===============================
    arity         ``node._x``                   ``node._y``
    ============  ============================  ===============================
    1             the input                     the constants (None, a float,
                                                or a tuple of several)
    2             the first input               the second input
    ``"n"``       the tuple of inputs           dot's second tuple (else None)
                  (dot's inputs: ``_x + _y``)
    ============  ============================  ===============================

    From the rule, two one-line functions are compiled, with their source kept
    (``forward_source``, ``local_source``) and shown by ``print(op)``:
    ``forward_float`` computes the output from the inputs' floats, and ``local``
    returns a node's ``(input, local derivative)`` pairs as floats.

    Each primitive's docstring says what its rule says (``help(autograd.exp)``).

    Examples:
        >>> square = Primitive("square", lambda m, x: x * x, lambda m, x, out: (2 * x,))
        >>> square.forward_source, square.deriv_src
        ('lambda x0: x0 * x0', ('2.0 * x0',))
        >>> square(3.0).data, square(3.0).local_grads()
        (9.0, (6.0,))
    """

    __slots__ = ("__name__", "_doc", "_record", "arity", "blocks", "deriv", "deriv_src", "forward", "forward_float",
                 "forward_source", "groups", "inputs", "local", "local_source", "name", "params", "symbol")  # fmt: skip
    _record: Callable[..., Any]  # what calling the primitive runs (functions.recorder_of), found on first call

    def __init__(
        self,
        name: str,
        forward: Rule,
        deriv: Rule,
        *,
        arity: int | str = 1,
        groups: int = 1,
        params: Sequence[str] = (),
        symbol: str | None = None,
        blocks: bool = False,
    ) -> None:
        if not name.isidentifier():
            raise ValueError(f"primitive name {name!r} must be a Python identifier")
        if arity not in (1, 2, "n"):
            raise ValueError(f"arity must be 1, 2 or 'n', not {arity!r}")
        if arity == "n" and groups not in (1, 2):
            raise ValueError(f"a reduction has 1 or 2 groups of inputs, not {groups!r}")
        self.name = self.__name__ = name
        self.arity = arity
        self.groups = groups if arity == "n" else int(arity)
        self.params = tuple(params)
        self.forward = forward
        self.deriv = deriv
        self.symbol = symbol or name
        self.blocks = blocks
        self.inputs: Callable[[Any], tuple[Any, ...]] = _INPUTS[arity if arity != "n" else f"n{groups}"]
        """The node's inputs, in order (dot's: w0, w1, ..., then x0, x1, ...)."""
        n = self.groups
        ps = [Sym(p) for p in self.params]
        # The rule on symbols: each local derivative as text, in x0, x1, the constants and out.
        locs = deriv(EMIT, *[Sym(f"x{i}") for i in range(n)], *ps, Sym("out"))
        if not isinstance(locs, (tuple, list)) or len(locs) != n:
            raise TypeError(f"deriv of {name!r} must return a tuple of {n} local derivative(s)")
        self.deriv_src: tuple[str, ...] = tuple(_src(x) for x in locs)
        # forward_float: (inputs' floats, constants) -> the output's float.
        ins = [f"xs{i}" for i in range(n)] if arity == "n" else [f"x{i}" for i in range(n)]
        fwd = _src(forward(EMIT, *[Sym(x) for x in ins], *ps))
        self.forward_source = f"lambda {', '.join(ins + list(self.params))}: {fwd}"
        self.forward_float: Callable[..., float] = _visible(self.forward_source, f"<autograd.ops.{name}.forward>")
        # local: node -> ((input, local derivative), ...), the rule read from the node's slots.
        pairs = self._local_expr()
        if blocks:  # a zero local derivative passes nothing back, not 0 * inf = nan
            pairs = f"[e for e in {pairs} if e[1] != 0.0]"
        self.local_source = f"lambda node: {pairs}"
        self.local: Callable[[Any], Sequence[tuple[Any, float]]] = _visible(
            self.local_source, f"<autograd.ops.{name}.local>")
        self._doc = self._describe()

    __doc__ = _Docstring(__doc__)

    def _describe(self) -> str:
        """This primitive's docstring: its forward and local derivatives, as the rule gives them."""
        shown = self.symbol.format(*self.params) if self.params else self.symbol
        head = f"Primitive ``{self.name}``" + (f" (``{shown}`` in diagrams)" if shown != self.name else "")
        out = f"``out = {self.forward_source.split(': ', 1)[1]}``"
        if self.params:
            out += f", with the constant{'s' * (len(self.params) > 1)} {' and '.join(self.params)} kept on the node"
        names = [f"x{i}" for i in range(self.groups)]
        locs = ", ".join(f"d out / d {x} = ``{d}``" for x, d in zip(names, self.deriv_src))
        if self.arity == "n" and self.groups == 1:
            out += ": one node over a sequence xs0"
            locs = f"for each element x0 of xs0, {locs}"
        elif self.arity == "n":
            out += ": one node over two sequences xs0 and xs1 of one length"
            locs = f"for each pair of elements x0 of xs0 and x1 of xs1, {locs}"
        lines = [f"{head}: {out}.", "", f"Local derivative{'s' * (len(self.deriv_src) > 1)}: {locs}."]
        if self.blocks:
            lines += ["", "Step-like: where a local derivative is 0, no gradient passes back (not even inf or nan)."]
        return "\n".join([*lines, "", f"``print(ops.{self.name})`` shows the rule and the code made from it."])

    def _local_expr(self) -> str:
        """The rule as one expression over a node: its (input, local derivative) pairs."""
        consts = self.params
        if self.arity == "n":
            elem = ["x", "w"] if self.groups == 1 else ["w", "x"]
            syms = [Sym(f"{e}.data") for e in elem[: self.groups]]
            locs = [_src(x) for x in self.deriv(EMIT, *syms, Sym("node.data"))]
            # Each group zipped with its local derivatives; a derivative that is just a
            # number, or another input's data (dot's), is read at C speed.
            groups = {"x": "node._x"} if self.groups == 1 else {"w": "node._x", "x": "node._y"}
            each = "node._x" if self.groups == 1 else "zip(node._x, node._y)"
            names = ", ".join(groups)

            def column(loc: str) -> str:
                if loc.endswith(".data") and loc[:-5] in groups:
                    return f"map(data, {groups[loc[:-5]]})"
                if _is_number_text(loc):
                    return f"repeat({loc})"
                return f"[{loc} for {names} in {each}]"

            columns = [column(loc) for loc in locs]
            if len(columns) == 1:
                return f"zip(node._x, {columns[0]})"
            if all(c.startswith("map(data, ") for c in columns):  # dot: each input's is another's data
                return f"zip(node._x + node._y, map(data, {' + '.join(c[10:-1] for c in columns)}))"
            return f"zip(node._x + node._y, chain({', '.join(columns)}))"
        if self.arity == 2:
            syms, kids = [Sym("node._x.data"), Sym("node._y.data")], ["node._x", "node._y"]
        else:
            syms, kids = [Sym("node._x.data")], ["node._x"]
        if len(consts) == 1:
            csyms = [Sym("node._y")]
        else:
            csyms = [Sym(f"node._y[{i}]") for i in range(len(consts))]
        locs = [_src(x) for x in self.deriv(EMIT, *syms, *csyms, Sym("node.data"))]
        pairs = [f"({k}, {loc})" for k, loc in zip(kids, locs)]
        return f"({pairs[0]},)" if len(pairs) == 1 else f"({', '.join(pairs)})"

    # ---- reading a node (the only code that knows the layout) ------------------
    def constants(self, node: Any) -> tuple[float, ...]:
        """The node's constants, e.g. ``(2.0,)`` for ``x**2``."""
        if not self.params:
            return ()
        return node._y if len(self.params) > 1 else (node._y,)

    def input_groups(self, node: Any) -> tuple[tuple[Any, ...], ...]:
        """A reduction's input sequences: ``(xs,)``, or dot's ``(ws, xs)``."""
        if self.arity != "n":
            raise TypeError(f"{self.name} is not a reduction")
        return (node._x,) if self.groups == 1 else (node._x, node._y)

    def local_with(self, m: Any, node: Any, *, blocking: bool = True,
                   read: Callable[[Any], Any] | None = None) -> list[tuple[Any, Any]]:  # fmt: skip
        """The (input, local derivative) pairs with the rule evaluated on namespace ``m``.

        The rule sees each node through ``read``: by default its float on the float
        namespace, else the node itself (on the Value namespace the derivatives are
        Values: the higher-order path). ``blocking=False`` keeps a step-like op's
        zero derivatives (for display).
        """
        kids = self.inputs(node)
        if read is None:
            read = _data if m is FLOAT else _same
        ins, out = [read(k) for k in kids], read(node)
        if self.arity != "n":
            locs = list(self.deriv(m, *ins, *self.constants(node), out))
        elif self.groups == 1:
            locs = [self.deriv(m, x, out)[0] for x in ins]
        else:
            half = len(ins) // 2
            pairs_ = [self.deriv(m, w, x, out) for w, x in zip(ins[:half], ins[half:])]
            locs = [lw for lw, _ in pairs_] + [lx for _, lx in pairs_]
        pairs = list(zip(kids, locs))
        if blocking and self.blocks:  # as in ``local``: a zero local derivative passes nothing back
            pairs = [(c, d) for c, d in pairs if (d.data if hasattr(d, "data") else d) != 0.0]
        return pairs

    def text(self, node: Any) -> str:
        """The op's text for one node, e.g. ``**2``."""
        return self.label(self.constants(node))

    def label(self, params: Sequence[float]) -> str:
        """The op's text in diagrams, e.g. ``**2`` for powc."""
        if not self.params:
            return self.symbol
        return self.symbol.format(*(format(p, "g") for p in params))

    def __call__(self, *args: Any) -> Any:
        """Build a node: ``ops.exp(x)`` is ``x.exp()``; plain numbers become leaves."""
        try:
            record = self._record
        except AttributeError:  # the first call: the engine imports ops, so ops looks it up only now
            from .functions import recorder_of

            record = self._record = recorder_of(self)
        return record(*args)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(self.groups)]
        rules = "\n".join(f"  d out / d {x} = {d}" for x, d in zip(names, self.deriv_src))
        return (f"primitive {self.name} ({self.symbol})\n  forward: {self.forward_source}\n{rules}\n"
                f"  local:   {self.local_source}")


def _data(node: Any) -> float:
    return node.data  # type: ignore[no-any-return]


def _same(node: Any) -> Any:
    return node


REGISTRY: dict[str, Primitive] = {}
"""Every primitive by name, built-in and user-defined, in definition order."""


def defop(name: str, forward: Rule, deriv: Rule, **kw: Any) -> Primitive:
    """Register a primitive and return it; calling it builds a node.

    Examples:
        >>> softsign = defop("softsign", lambda m, x: m.div(x, 1 + m.abs(x)),
        ...                  lambda m, x, out: (m.div(1, (1 + m.abs(x)) * (1 + m.abs(x))),))
        >>> softsign(3.0).data
        0.75
    """
    if name in REGISTRY and REGISTRY[name].forward is not forward:
        raise ValueError(f"a primitive named {name!r} exists already; pick another name")
    op = Primitive(name, forward, deriv, **kw)
    REGISTRY[name] = op
    return op


def primitive(deriv: Rule, **kw: Any) -> Callable[[Rule], Primitive]:
    """Decorator form of :func:`defop`: ``@primitive(deriv=...)`` over the forward.

    Examples:
        >>> @primitive(deriv=lambda m, x, out: (3 * x * x,))
        ... def cube(m, x):
        ...     return x * x * x
        >>> cube(2.0).data, cube(2.0).local_grads()
        (8.0, (12.0,))
    """

    def wrap(forward: Rule) -> Primitive:
        return defop(kw.pop("name", forward.__name__), forward, deriv, **kw)

    return wrap


# --------------------------------------------------------------------------
# The built-in table. Forward first, local derivative beside it.
# --------------------------------------------------------------------------

# fmt: off
add = defop("add", lambda m, a, b: a + b, lambda m, a, b, out: (1, 1), arity=2, symbol="+")
sub = defop("sub", lambda m, a, b: a - b, lambda m, a, b, out: (1, -1), arity=2, symbol="-")
mul = defop("mul", lambda m, a, b: a * b, lambda m, a, b, out: (b, a), arity=2, symbol="*")
div = defop("div", lambda m, a, b: m.div(a, b),
            lambda m, a, b, out: (m.div(1, b), -m.div(out, b)), arity=2, symbol="/")
# x**y with both differentiable. Conventions at x = 0 and x < 0: docs/conventions.md.
pow = defop("pow", lambda m, x, y: m.pow(x, y),
            lambda m, x, y, out: (m.where(m.eq(y, 0), m.where(m.eq(x, 0), 0.0, y * m.pow(x, y - 1)), y * m.pow(x, y - 1)),
                                  m.where(m.eq(x, 0), m.where(m.ge(y, 0), 0.0, NAN), out * m.log(x))),
            arity=2, symbol="**")
powc = defop("powc", lambda m, x, c: m.pow(x, c),
             lambda m, x, c, out: (m.where(m.eq(c, 0), 0.0, c * m.pow(x, c - 1)),),
             params=("c",), symbol="**{}")
maximum = defop("maximum", lambda m, a, b: m.max2(a, b),
                lambda m, a, b, out: (m.where(m.eq(a, b), 0.5, m.where(m.lt(a, b), 0.0, 1.0)),
                                      m.where(m.eq(a, b), 0.5, m.where(m.lt(b, a), 0.0, 1.0))),
                arity=2, symbol="max", blocks=True)
minimum = defop("minimum", lambda m, a, b: m.min2(a, b),
                lambda m, a, b, out: (m.where(m.eq(a, b), 0.5, m.where(m.lt(b, a), 0.0, 1.0)),
                                      m.where(m.eq(a, b), 0.5, m.where(m.lt(a, b), 0.0, 1.0))),
                arity=2, symbol="min", blocks=True)

neg = defop("neg", lambda m, x: -x, lambda m, x, out: (-1,), symbol="-")
identity = defop("identity", lambda m, x: x, lambda m, x, out: (1,), symbol="id")
abs = defop("abs", lambda m, x: m.abs(x),
            lambda m, x, out: (m.where(m.lt(0.0, x), 1.0, m.where(m.lt(x, 0.0), -1.0, 0.0)),), symbol="abs")
exp = defop("exp", lambda m, x: m.exp(x), lambda m, x, out: (out,))
expm1 = defop("expm1", lambda m, x: m.expm1(x), lambda m, x, out: (out + 1,))
log = defop("log", lambda m, x: m.log(x), lambda m, x, out: (m.div(1, x),))
log1p = defop("log1p", lambda m, x: m.log1p(x), lambda m, x, out: (m.div(1, 1 + x),))
sqrt = defop("sqrt", lambda m, x: m.sqrt(x), lambda m, x, out: (m.div(0.5, out),))
sin = defop("sin", lambda m, x: m.sin(x), lambda m, x, out: (m.cos(x),))
cos = defop("cos", lambda m, x: m.cos(x), lambda m, x, out: (-m.sin(x),))
tanh = defop("tanh", lambda m, x: m.tanh(x), lambda m, x, out: (1 - out * out,))
sigmoid = defop("sigmoid", lambda m, x: m.sigmoid(x), lambda m, x, out: (out * (1 - out),))
softplus = defop("softplus", lambda m, x: m.softplus(x), lambda m, x, out: (m.sigmoid(x),))
relu = defop("relu", lambda m, x: m.relu(x), lambda m, x, out: (m.where(m.ge(0.0, x), 0.0, 1.0),), symbol="ReLU",
              blocks=True)
leaky_relu = defop("leaky_relu", lambda m, x, s: m.where(m.lt(x, 0), s * x, x),
                   lambda m, x, s, out: (m.where(m.lt(0.0, x), 1.0, s),),
                   params=("s",), symbol="leaky_relu({})", blocks=True)
clamp = defop("clamp", lambda m, x, lo, hi: m.min2(m.max2(x, lo), hi),
              lambda m, x, lo, hi, out: (m.where(m.ge(x, lo), m.where(m.ge(hi, x), 1.0, 0.0), 0.0),),
              params=("lo", "hi"), symbol="clamp[{},{}]", blocks=True)

# Fused reductions: one node with n children; the rule is written per element.
sum = defop("sum", lambda m, xs: m.fsum(xs), lambda m, x, out: (1,), arity="n", symbol="sum")
dot = defop("dot", lambda m, ws, xs: m.dot(ws, xs), lambda m, w, x, out: (x, w),
            arity="n", groups=2, symbol="dot")
logsumexp = defop("logsumexp", lambda m, xs: m.logsumexp(xs),
                  lambda m, x, out: (m.exp(x - out),), arity="n", symbol="logsumexp")
# fmt: on


# --------------------------------------------------------------------------
# Each built-in's example, added to its docstring (help(autograd.exp)): its inputs (a
# reduction's are lists) and constants, then what it gives: the output, and each input's
# gradient after backward(). doctest finds no docstring on an instance: __test__ hands them over.
# --------------------------------------------------------------------------

_EXAMPLES: dict[str, tuple[tuple[Any, ...], str]] = {
    "add": ((2.0, 3.0), "(5.0, 1.0, 1.0)"),
    "sub": ((2.0, 3.0), "(-1.0, 1.0, -1.0)"),
    "mul": ((2.0, 3.0), "(6.0, 3.0, 2.0)"),
    "div": ((3.0, 2.0), "(1.5, 0.5, -0.75)"),
    "pow": ((2.0, 3.0), "(8.0, 12.0, 5.545177444479562)"),  # d/dy x**y = x**y * log(x) = 8 log 2
    "powc": ((3.0, 2.0), "(9.0, 6.0)"),
    "maximum": ((2.0, 3.0), "(3.0, 0.0, 1.0)"),
    "minimum": ((2.0, 3.0), "(2.0, 1.0, 0.0)"),
    "neg": ((2.0,), "(-2.0, -1.0)"),
    "identity": ((2.0,), "(2.0, 1.0)"),
    "abs": ((-2.0,), "(2.0, -1.0)"),
    "exp": ((0.0,), "(1.0, 1.0)"),
    "expm1": ((0.0,), "(0.0, 1.0)"),
    "log": ((2.0,), "(0.6931471805599453, 0.5)"),
    "log1p": ((1.0,), "(0.6931471805599453, 0.5)"),
    "sqrt": ((4.0,), "(2.0, 0.25)"),
    "sin": ((0.0,), "(0.0, 1.0)"),
    "cos": ((0.0,), "(1.0, 0.0)"),
    "tanh": ((0.0,), "(0.0, 1.0)"),
    "sigmoid": ((0.0,), "(0.5, 0.25)"),
    "softplus": ((0.0,), "(0.6931471805599453, 0.5)"),
    "relu": ((2.0,), "(2.0, 1.0)"),
    "leaky_relu": ((-2.0, 0.1), "(-0.2, 0.1)"),
    "clamp": ((2.0, 0.0, 1.0), "(1.0, 0.0)"),  # above hi: the gradient is 0
    "sum": (([1.0, 2.0, 3.0],), "(6.0, [1.0, 1.0, 1.0])"),
    "dot": (([1.0, 2.0], [3.0, 4.0]), "(11.0, [3.0, 4.0], [1.0, 2.0])"),
    "logsumexp": (([0.0, 0.0],), "(0.6931471805599453, [0.5, 0.5])"),
}


def _example(op: Primitive, args: tuple[Any, ...], gives: str) -> str:
    """The docstring's Examples section: the op at ``args``, and what it ``gives``."""
    inputs, consts = args[: op.groups], args[op.groups :]
    if op.arity == "n":
        names = ["xs"] if op.groups == 1 else ["ws", "xs"]
        made = ["[" + ", ".join(f"Value({v!r})" for v in seq) + "]" for seq in inputs]
        grads = [f"[{n[0]}.grad for {n[0]} in {n}]" for n in names]
    else:
        names = ["x", "y"][: op.groups]
        made = [f"Value({v!r})" for v in inputs]
        grads = [f"{n}.grad" for n in names]
    lines = ["from autograd import Value, ops", f"{', '.join(names)} = {', '.join(made)}",
             f"out = ops.{op.name}({', '.join([*names, *map(repr, consts)])})", "out.backward()",
             f"out.data, {', '.join(grads)}"]  # fmt: skip
    return "\n".join(["Examples:", *(f"    >>> {line}" for line in lines), f"    {gives}"])


for _name, (_args, _gives) in _EXAMPLES.items():
    REGISTRY[_name]._doc += "\n\n" + _example(REGISTRY[_name], _args, _gives)

__test__ = {name: REGISTRY[name].__doc__ for name in _EXAMPLES}
"""The built-ins' docstrings, for doctest (``--doctest-modules``): it looks for none on instances."""
