"""A compiled function's trace as ONNX: its value, and with ``gradients=True`` the tape's gradients.

Every op comes from its rule in ops.py, evaluated on ``OnnxMath``, one more
namespace for the rules (as ``ops.FLOAT`` and the array namespaces are): each of
its functions writes ONNX nodes. Where ONNX has the op for float64 it is used
(``Exp``, ``Tanh``, ``Sigmoid``, ...); where it has not, it is decomposed:
``log1p`` and ``expm1`` (absent from ONNX) with Kahan's accurate forms, and
``softplus`` (float32-only in onnxruntime) as ``max(x, 0) + log1p(exp(-|x|))``,
the float namespace's own formula. A user-defined op exports the same way, from
its rule; one whose rule calls something else is refused, naming it.

The graph takes one [batch, 1] tensor per input of the compiled function (named
as in ``fc.source``) and returns ``value`` and, with gradients, ``grad_<input>``
per example (not summed over the batch), both [batch, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import ops
from ..engine import Value
from ._onnx import EMITTERS, Emit, Step


class T:
    """A tensor in the graph being written, by name; arithmetic on it writes nodes."""

    __slots__ = ("m", "name")

    def __init__(self, m: OnnxMath, name: str) -> None:
        self.m, self.name = m, name

    def __add__(self, o: Any) -> T: return self.m.op("Add", self, o)
    def __radd__(self, o: Any) -> T: return self.m.op("Add", o, self)
    def __sub__(self, o: Any) -> T: return self.m.op("Sub", self, o)
    def __rsub__(self, o: Any) -> T: return self.m.op("Sub", o, self)
    def __mul__(self, o: Any) -> T: return self.m.op("Mul", self, o)
    def __rmul__(self, o: Any) -> T: return self.m.op("Mul", o, self)
    def __neg__(self) -> T: return self.m.op("Neg", self)


class OnnxMath:
    """The rules' namespace over ONNX tensors: each call writes nodes into ``e``."""

    def __init__(self, e: Emit, prefix: str) -> None:
        self.e, self.prefix, self.k = e, prefix, 0

    def name(self) -> str:
        self.k += 1
        return f"{self.prefix}.{self.k}"

    def t(self, x: Any) -> str:
        if isinstance(x, T):
            return x.name
        if isinstance(x, bool):
            return self.e.node("Cast", [self.t(float(x))], self.name(), to=self.e.onnx.TensorProto.BOOL)
        return self.e.const(self.name(), [], [float(x)])

    def op(self, op_type: str, *args: Any, **attrs: Any) -> T:
        return T(self, self.e.node(op_type, [self.t(a) for a in args], self.name(), **attrs))

    # ---- the namespace: the same names as ops.FLOAT ----------------------------------
    def exp(self, x: Any) -> T: return self.op("Exp", x)
    def log(self, x: Any) -> T: return self.op("Log", x)
    def sqrt(self, x: Any) -> T: return self.op("Sqrt", x)
    def sin(self, x: Any) -> T: return self.op("Sin", x)
    def cos(self, x: Any) -> T: return self.op("Cos", x)
    def tanh(self, x: Any) -> T: return self.op("Tanh", x)
    def sigmoid(self, x: Any) -> T: return self.op("Sigmoid", x)
    def abs(self, x: Any) -> T: return self.op("Abs", x)
    def pow(self, x: Any, y: Any) -> T: return self.op("Pow", x, y)
    def div(self, a: Any, b: Any) -> T: return self.op("Div", a, b)
    def max2(self, a: Any, b: Any) -> T: return self.op("Max", a, b)
    def min2(self, a: Any, b: Any) -> T: return self.op("Min", a, b)
    def eq(self, a: Any, b: Any) -> T: return self.op("Equal", a, b)
    def ge(self, a: Any, b: Any) -> T: return self.op("GreaterOrEqual", a, b)
    def lt(self, a: Any, b: Any) -> T: return self.op("Less", a, b)

    def where(self, c: Any, a: Any, b: Any) -> Any:
        if isinstance(c, bool):
            return a if c else b
        return self.op("Where", c, a, b)

    def relu(self, x: Any) -> Any:
        return self.where(self.lt(x, 0.0), 0.0, x)  # as the float namespace: relu(-0.0) is -0.0

    def heaviside(self, x: Any, at0: Any) -> Any:
        at_zero = self.where(self.eq(x, 0.0), at0, math.nan)  # nan at nan, as the float namespace
        return self.where(self.lt(0.0, x), 1.0, self.where(self.lt(x, 0.0), 0.0, at_zero))

    def sign(self, x: Any) -> Any:
        return self.heaviside(x, 0.5) * 2.0 - 1.0

    def log1p(self, x: Any) -> Any:
        """ONNX has no Log1p: Kahan's ``log(u) * x / (u - 1)``, u = 1 + x, accurate to a few ulps."""
        u = 1.0 + x
        exact = self.where(self.eq(u, 1.0), x, self.log(u) * self.div(x, u - 1.0))
        return self.where(self.eq(x, math.inf), math.inf, exact)

    def expm1(self, x: Any) -> Any:
        """ONNX has no Expm1: Kahan's ``(u - 1) * x / log(u)``, u = exp(x)."""
        u = self.exp(x)
        exact = self.where(self.eq(u, 1.0), x, (u - 1.0) * self.div(x, self.log(u)))
        return self.where(self.eq(u, 0.0), -1.0, self.where(self.eq(u, math.inf), math.inf, exact))

    def softplus(self, x: Any) -> Any:
        """onnxruntime's Softplus is float32-only: the float namespace's formula instead."""
        return self.max2(x, 0.0) + self.log1p(self.exp(-self.abs(x)))

    def fsum(self, xs: Sequence[Any]) -> Any:
        total: Any = 0.0
        for x in xs:
            total = total + x
        return total

    def dot(self, ws: Sequence[Any], xs: Sequence[Any]) -> Any:
        total: Any = 0.0
        for w, x in zip(ws, xs):
            total = total + w * x
        return total

    def logsumexp(self, xs: Sequence[Any]) -> Any:
        top = self.op("Max", *xs) if len(xs) > 1 else xs[0]
        finite = self.op("Not", self.op("IsInf", top))
        safe = self.where(finite, top, 0.0)
        return safe + self.log(self.fsum([self.exp(x - safe) for x in xs]))


def _emit_rule(e: Emit, step: Step) -> None:
    """A Step whose op is ``rule``: a primitive's forward, or one local derivative, from ops.py."""
    prim: ops.Primitive = step.consts["prim"]
    m = OnnxMath(e, step.output)
    ins: list[Any] = [T(m, n) for n in step.inputs]
    consts = step.consts["constants"]
    if prim.arity == "n":
        sizes = step.consts["sizes"]
        groups, at = [], 0
        for size in sizes:
            groups.append(ins[at : at + size])
            at += size
        ins = groups
    try:
        if step.consts["what"] == "forward":
            result = prim.forward(m, *ins, *consts)
        else:
            elem = step.consts["what"]
            result = prim.deriv(m, *ins[:-1], *consts, ins[-1])[elem]
    except (AttributeError, TypeError) as err:
        raise ValueError(f"to_onnx: the op {prim.name!r} cannot be written as ONNX from its rule ({err}); "
                         "its rule must use only the namespace m's functions") from None  # fmt: skip
    e.node("Identity", [m.t(result)], step.output)


def _emit_accumulate(e: Emit, step: Step) -> None:
    """``g_child (+)= local * g_node``; a step-like op passes nothing where ``local`` is 0."""
    m = OnnxMath(e, step.output)
    local, g = T(m, step.inputs[0]), T(m, step.inputs[1])
    term: Any = local * g
    if step.consts["blocks"]:
        term = m.where(m.op("Not", m.eq(local, 0.0)), term, 0.0)
    if len(step.inputs) > 2:
        term = T(m, step.inputs[2]) + term
    e.node("Identity", [m.t(term)], step.output)


EMITTERS["rule"] = _emit_rule
EMITTERS["accumulate"] = _emit_accumulate


def tape_steps(compiled: Any, gradients: bool) -> tuple[list[Step], list[tuple[str, int]], list[tuple[str, int]]]:
    """The latest trace of ``compiled`` as Steps, with the graph's inputs and outputs."""
    try:
        tr = compiled.last_trace
    except RuntimeError:
        raise ValueError("to_onnx: the compiled function has not been traced yet: call it once, "
                         "or use .trace(*example_args)") from None  # fmt: skip
    if tr.events:
        raise ValueError(f"to_onnx: {tr.fname} has value-dependent control flow (guards: {compiled.guards}); "
                         "an ONNX graph is one path. Make it branch-free (maximum, relu, clamp, ...)")  # fmt: skip
    names = tr.names
    steps: list[Step] = []

    def ref(v: Value) -> str:
        if v in names:
            return str(names[v])
        name = f"const.{len(steps)}"  # an unlabelled constant of the trace
        steps.append(Step("constant", (), name, {"value": v.data}))
        return name

    steps += [Step("constant", (), names[c], {"value": c.data}) for c in tr.consts]

    for v in tr.order:
        prim = v._prim
        assert prim is not None
        kids = [ref(c) for c in prim.inputs(v)]
        sizes = [len(g) for g in prim.input_groups(v)] if prim.arity == "n" else []
        consts = {"prim": prim, "constants": prim.constants(v), "what": "forward", "sizes": sizes}
        steps.append(Step("rule", tuple(kids), names[v], consts, origin=prim.name))
    outputs = [(names[tr.out], 1)] if tr.out in names else []
    if not gradients:
        return steps, [(names[x], 1) for x in tr.inputs], outputs
    needs = dict(zip(tr.inputs, compiled_wrt(compiled)))
    for v in tr.order:
        needs[v] = any(needs.get(c, False) for c in v.children())
    g: dict[Value, str] = {tr.out: "seed"}
    steps.append(Step("constant_like", (names[tr.out],), "seed", {"value": 1.0}))
    for v in reversed(tr.order):
        if v not in g or not needs[v]:
            continue
        prim = v._prim
        assert prim is not None
        kids = [ref(c) for c in prim.inputs(v)]
        sizes = [len(grp) for grp in prim.input_groups(v)] if prim.arity == "n" else []
        children = prim.inputs(v)
        half = len(children) // 2
        for i, child in enumerate(children):
            if not needs.get(child, False):
                continue
            elem = i if prim.arity != "n" else (0 if prim.groups == 1 or i < half else 1)
            # a reduction's rule is per element: its inputs are the element (and its pair), then out
            if prim.arity == "n":
                pair = [kids[i]] if prim.groups == 1 else [kids[i % half], kids[half + i % half]]
                local_ins = (*pair, names[v])
                consts_ = {"prim": prim, "constants": (), "what": elem, "sizes": []}
                steps.append(Step("rule", local_ins, f"local.{len(steps)}",
                                  {**consts_, "prim": _ElementRule(prim)}, origin=prim.name))  # fmt: skip
            else:
                steps.append(Step("rule", (*kids, names[v]), f"local.{len(steps)}",
                                  {"prim": prim, "constants": prim.constants(v), "what": elem, "sizes": sizes},
                                  origin=prim.name))  # fmt: skip
            local = steps[-1].output
            new = f"grad.{len(steps)}"
            prev = (g[child],) if child in g else ()
            steps.append(Step("accumulate", (local, g[v], *prev), new, {"blocks": prim.blocks}, origin=prim.name))
            g[child] = new
    grads = []
    for x, wanted in zip(tr.inputs, compiled_wrt(compiled)):
        if wanted:
            out = f"grad_{names[x]}"
            steps.append(Step("identity", (g[x],), out) if x in g else
                         Step("constant_like", (names[x],), out, {"value": 0.0}))  # fmt: skip
            grads.append((out, 1))
    return steps, [(names[x], 1) for x in tr.inputs], outputs + grads


def compiled_wrt(compiled: Any) -> list[bool]:
    """Per input of the latest trace: is its gradient one the compiled function returns."""
    return list(compiled._last.wrt)


class _ElementRule:
    """A reduction's rule for one element: ``deriv(m, x, out)`` or ``deriv(m, w, x, out)``, as a unary/binary op."""

    arity = 1
    blocks = False

    def __init__(self, prim: ops.Primitive) -> None:
        self.prim, self.name = prim, prim.name

    def forward(self, m: Any, *args: Any) -> Any:  # never called: elements are only differentiated
        raise NotImplementedError

    def deriv(self, m: Any, *args: Any) -> Any:
        return self.prim.deriv(m, *args)


def _emit_constant(e: Emit, step: Step) -> None:
    e.const(step.output, [], [float(step.consts["value"])])


def _emit_constant_like(e: Emit, step: Step) -> None:
    """A tensor of the input's shape ([batch, 1]) filled with ``value``."""
    value = e.const(f"{step.output}.value", [], [float(step.consts["value"])])
    e.node("Expand", [value, e.node("Shape", [step.inputs[0]], f"{step.output}.shape")], step.output)


def _emit_identity(e: Emit, step: Step) -> None:
    e.node("Identity", list(step.inputs), step.output)


EMITTERS["constant"] = _emit_constant
EMITTERS["constant_like"] = _emit_constant_like
EMITTERS["identity"] = _emit_identity
