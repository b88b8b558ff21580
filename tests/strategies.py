"""Random expression DAGs over every primitive, for property tests.

A ``Program`` is a list of instructions over numbered nodes (inputs first).
The generator evaluates floats as it draws, so it can keep every op away from
its kinks and domain edges by a margin that a finite-difference step never
crosses. ``Program.run`` builds the graph with autograd; ``run_torch`` with torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

import autograd
from autograd import ops

MARGIN = 0.05  # distance kept from kinks and domain edges
LIMIT = 200.0  # node values stay within +-LIMIT

UNARY = ["neg", "identity", "abs", "exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tanh",
         "sigmoid", "softplus", "relu", "leaky_relu", "clamp", "powc"]  # fmt: skip
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]
NARY = ["sum", "dot", "logsumexp"]
ALL_OPS = UNARY + BINARY + NARY


def _far(a: float, b: float) -> bool:
    return abs(a - b) > MARGIN


def _safe_unary(name: str, x: float, params: tuple[float, ...]) -> bool:
    if name in ("exp", "expm1"):
        return x < 5.0
    if name in ("log", "sqrt"):
        return x > 0.1
    if name == "log1p":
        return x > -0.9
    if name in ("abs", "relu", "leaky_relu"):
        return _far(x, 0.0)
    if name == "clamp":
        return _far(x, params[0]) and _far(x, params[1])
    if name == "powc":
        c = params[0]
        if c != int(c):
            return x > 0.1
        return abs(x) > 0.1 if c < 0 else abs(x) < 20.0
    return True


def _safe_binary(name: str, a: float, b: float) -> bool:
    if name == "div":
        return abs(b) > 0.1
    if name == "pow":
        return a > 0.1 and abs(b) < 3.0 and a < 20.0
    if name in ("maximum", "minimum"):
        return _far(a, b)
    return True


@dataclass
class Program:
    """Inputs' values and instructions ``(op, input node ids, params)``."""

    inputs: list[float]
    instrs: list[tuple[str, tuple[Any, ...], tuple[float, ...]]] = field(default_factory=list)

    def __repr__(self) -> str:
        lines = [f"inputs = {self.inputs}"]
        n = len(self.inputs)
        for i, (name, args, params) in enumerate(self.instrs):
            lines.append(f"v{n + i} = {name}{args}{params if params else ''}")
        return "Program(" + "; ".join(lines) + ")"

    def run(self, xs: Sequence[Any]) -> Any:
        """Build the graph with autograd over ``xs`` (Values or floats as Values)."""
        nodes: list[Any] = list(xs)
        for name, args, params in self.instrs:
            op = ops.REGISTRY[name]
            if op.arity == "n":
                groups = [[nodes[i] for i in g] for g in args]
                nodes.append(op(*groups))
            else:
                nodes.append(op(*[nodes[i] for i in args], *params))
        return nodes[-1]

    def __call__(self, *xs: Any) -> Any:
        return self.run(xs)

    def run_torch(self, torch: Any, xs: Sequence[Any]) -> Any:
        """The same computation in torch (float64); softplus by its exact formula."""
        F = torch.nn.functional
        nodes: list[Any] = list(xs)
        unary: dict[str, Callable[..., Any]] = {
            "neg": lambda x: -x, "identity": lambda x: x * 1.0, "abs": torch.abs, "exp": torch.exp,
            "expm1": torch.expm1, "log": torch.log, "log1p": torch.log1p, "sqrt": torch.sqrt,
            "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),  # exact and smooth at 0
            "relu": torch.relu,
        }  # fmt: skip
        binary: dict[str, Callable[..., Any]] = {
            "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
            "maximum": torch.maximum, "minimum": torch.minimum,
        }  # fmt: skip
        for name, args, params in self.instrs:
            if name in unary:
                nodes.append(unary[name](nodes[args[0]]))
            elif name == "leaky_relu":
                nodes.append(F.leaky_relu(nodes[args[0]], params[0]))
            elif name == "clamp":
                nodes.append(torch.clamp(nodes[args[0]], params[0], params[1]))
            elif name == "powc":
                nodes.append(nodes[args[0]] ** params[0])
            elif name in binary:
                nodes.append(binary[name](nodes[args[0]], nodes[args[1]]))
            elif name == "sum":
                nodes.append(torch.stack([nodes[i] for i in args[0]]).sum())
            elif name == "dot":
                w = torch.stack([nodes[i] for i in args[0]])
                x = torch.stack([nodes[i] for i in args[1]])
                nodes.append((w * x).sum())
            elif name == "logsumexp":
                nodes.append(torch.logsumexp(torch.stack([nodes[i] for i in args[0]]), 0))
            else:  # pragma: no cover - a new primitive needs a torch twin here
                raise NotImplementedError(name)
        return nodes[-1]


def _forward(name: str, vals: list[float], args: tuple[Any, ...], params: tuple[float, ...]) -> float:
    op = ops.REGISTRY[name]
    if op.arity == "n":
        return float(op.forward(ops.FLOAT, *[[vals[i] for i in g] for g in args]))
    return float(op.forward(ops.FLOAT, *[vals[i] for i in args], *params))


@st.composite
def programs(draw: Any, max_inputs: int = 3, max_ops: int = 10, op_names: Sequence[str] = ALL_OPS) -> Program:
    """A random DAG: fan-out (nodes reused), depth (recent nodes preferred), every op."""
    n_in = draw(st.integers(1, max_inputs))
    coord = st.floats(-2.0, 2.0, allow_nan=False).filter(lambda v: abs(v) > MARGIN)
    prog = Program([draw(coord) for _ in range(n_in)])
    vals = list(prog.inputs)
    pick = st.integers(0, 10**6)

    def node() -> int:  # prefer recent nodes: deeper graphs
        k = len(vals)
        r = draw(pick)
        return k - 1 - (r % min(k, 3)) if r % 2 else r % k

    for _ in range(draw(st.integers(1, max_ops))):
        name = draw(st.sampled_from(list(op_names)))
        op = ops.REGISTRY[name]
        params: tuple[float, ...] = ()
        if op.arity == "n":
            k = draw(st.integers(1, 4))
            args: tuple[Any, ...] = tuple(tuple(node() for _ in range(k)) for _ in range(op.groups))
        elif op.arity == 2:
            args = (node(), node())
            if not _safe_binary(name, vals[args[0]], vals[args[1]]):
                continue
        else:
            args = (node(),)
            if name == "powc":
                params = (draw(st.sampled_from([2.0, 3.0, -1.0, 0.5, 1.5, -2.0, 1.0])),)
            elif name == "leaky_relu":
                params = (draw(st.sampled_from([0.01, 0.2])),)
            elif name == "clamp":
                lo = draw(st.sampled_from([-1.5, -0.5, 0.0]))
                params = (lo, lo + draw(st.sampled_from([0.5, 1.0, 3.0])))
            if not _safe_unary(name, vals[args[0]], params):
                continue
        v = _forward(name, vals, args, params)
        if not math.isfinite(v) or abs(v) > LIMIT:
            continue
        prog.instrs.append((name, args, params))
        vals.append(v)
    if not prog.instrs:  # at least one op
        prog.instrs.append(("mul", (0, 0), ()))
    return prog


def abs_gradients(out: autograd.Value, inputs: Sequence[autograd.Value]) -> list[float]:
    """Sum over paths of |product of local derivatives|: the scale of each gradient.

    A tolerance relative to this, not to the gradient itself, does not blow up
    when terms cancel.
    """
    from autograd.engine import topological_order

    acc: dict[autograd.Value, float] = {out: 1.0}
    for v in topological_order([out]):
        g = acc.get(v, 0.0)
        for c, local in zip(v.children(), v.local_grads()):
            acc[c] = acc.get(c, 0.0) + abs(local) * g
    return [acc.get(x, 0.0) for x in inputs]


def magnitude(out: autograd.Value) -> float:
    """The largest |value| of any node: rounding error in f scales with it."""
    from autograd.engine import topological_order

    biggest = abs(out.data)
    for v in topological_order([out]):
        for c in v.children():
            biggest = max(biggest, abs(c.data))
    return biggest
