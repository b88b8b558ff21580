"""Writing the straight-line source of a trace: forward lines, guards, the chain rule.

Every expression comes from the op's rule in ops.py evaluated on the code
emitter ``ops.EMIT`` (symbols in, source text out, constants folded). The
scalar program (``ScalarWriter``) is the engine's backward pass unrolled: the
nodes in the order ``backward()`` visits them, each edge's contribution added
in the same order, so it computes the engine's floats bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _tree
from ..emit import EMIT, Sym, lit, symbolic
from ..engine import Value, _to_float
from .source import signature, struct_src, tuple_src, wrap_stmt
from .trace import Event, Trace
from .unrolled import UNROLL_LIMIT, layer_functions

_CMP = ("<", "<=", ">", ">=")


class Writer:
    """What the scalar and the batched programs share: names, forward lines, guards, results."""

    def __init__(self, tr: Trace, chosen: Sequence[bool], single: bool) -> None:
        self.tr = tr
        self.chosen = chosen  # per argument: are its gradients returned
        self.single = single  # argnums was one int: return that argument's gradients alone
        self.wrt = [c for c, s in zip(chosen, tr.shape) for _ in range(_tree.count(s))]
        self.names = tr.namer.copy()
        needs: dict[Value, bool] = {x: w for x, w in zip(tr.inputs, self.wrt)}
        for v in tr.order:
            needs[v] = any(needs.get(c, False) for c in v._prim.inputs(v))
        self.needs = needs  # depends on an input whose gradient is returned
        self.g: dict[Value, str] = {}  # the gradient variable of each node reached so far
        self.lines: list[str] = []
        self.guards: list[tuple[str, str]] = []  # (statement, what it checks)

    def vec(self, v: Value) -> bool:
        """Whether ``v`` is an array in this program (never, in the scalar one)."""
        return False

    # ---- references ------------------------------------------------------
    def ref(self, v: Value) -> Sym:
        name = self.tr.names.get(v)
        if name is None:  # an unlabelled constant: inline its value
            return lit(v.data)
        return Sym(name, vec=self.vec(v))

    def emit(self, line: str) -> None:
        self.lines += wrap_stmt(line)

    # ---- forward ---------------------------------------------------------
    def forward_expr(self, v: Value) -> Sym:
        prim = v._prim
        assert prim is not None
        if prim.arity == "n":
            groups = [[self.ref(c) for c in g] for g in prim.input_groups(v)]
            return symbolic(prim.forward(EMIT, *groups))  # type: ignore[no-any-return]
        kids = [self.ref(c) for c in prim.inputs(v)]
        return symbolic(prim.forward(EMIT, *kids, *prim.constants(v)))  # type: ignore[no-any-return]

    def guard_line(self, i: int, event: Event) -> None:
        kind, args, result = event
        refs = [self.ref(a) if isinstance(a, Value) else _number(a) for a in args]
        vec = any(isinstance(r, Sym) and r.vec for r in refs)
        pre = "N." if vec else ""
        if kind in _CMP:
            cond, holds = f"{refs[0].src} {kind} {refs[1].src}", bool(result)
        elif kind == "float":
            cond, holds = f"{pre}same({refs[0].src}, {lit(result).src})", True
        elif kind == "format":
            cond, holds = f"{pre}same_format({refs[0].src}, {args[1]!r}, {result!r})", True
        elif kind == "int":  # int(v): the traced whole number must hold
            cond, holds = f"{pre}same_int({refs[0].src}, {result!r})", True
        elif kind == "round":  # round(v[, ndigits])
            cond, holds = f"{pre}same_round({refs[0].src}, {args[1]!r}, {result!r})", True
        else:  # a step function of the rules' namespace (f differentiates with create_graph)
            ex = symbolic(getattr(EMIT, kind)(*refs))
            if isinstance(result, bool):
                cond, holds = ex.src, result
            else:
                cond, holds = f"{pre}same({ex.src}, {lit(result).src})", True
        boolean = kind in _CMP or (kind not in ("float", "format", "int", "round") and isinstance(result, bool))
        if vec and boolean:  # a comparison per example: the trace's answer must hold for all
            test = f"not N.all_true({cond})" if holds else f"N.any_true({cond})"
        else:
            test = f"not {cond}" if holds else cond
        self.guards.append((f"if {test}: raise GuardFailed({i})", f"`{cond}`, {holds} when traced"))
        self.emit(self.guards[-1][0])

    def guard_positions(self, position: dict[Value, int]) -> dict[int, list[int]]:
        """For each step of the forward program, the guards whose arguments are ready after it (-1: first)."""
        at: dict[int, list[int]] = {}
        for i, (_, args, _) in enumerate(self.tr.events):
            k = max((position.get(a, -1) for a in args if isinstance(a, Value)), default=-1)
            at.setdefault(k, []).append(i)
        return at

    def const_lines(self) -> None:
        for c in self.tr.consts:
            self.emit(f"{self.tr.names[c]} = {lit(c.data).src}  # not an argument: frozen")

    # ---- the end ---------------------------------------------------------
    def grads(self) -> list[str]:
        return [self.g.get(x, "0.0") for x, w in zip(self.tr.inputs, self.wrt) if w]

    def result(self) -> str:
        tr = self.tr
        value = self.ref(tr.out).src
        aux = [self.ref(a).src if isinstance(a, Value) else lit(a).src for a in tr.aux]
        if tr.has_aux:
            value = f"({value}, {struct_src(tr.aux_shape, iter(aux))})"
        it = iter(self.grads())
        parts = [struct_src(s, it) for s, chosen in zip(tr.shape, self.chosen) if chosen]
        return f"return {value}, {parts[0] if self.single else tuple_src(parts)}"

    def params(self) -> list[str]:
        return [self.tr.names[x] for x in self.tr.inputs]

    def text(self) -> str:
        return signature(self.tr.fname, self.params()) + "\n" + "\n".join(self.lines) + "\n"


class ScalarWriter(Writer):
    """The program over floats: forward in topological order, then backward() unrolled."""

    def write(self) -> str:
        tr = self.tr
        self.const_lines()
        self.emit("# forward: one line per node")
        position = {v: k for k, v in enumerate(tr.order)}
        guards_at = self.guard_positions(position)
        for i in guards_at.get(-1, []):
            self.guard_line(i, tr.events[i])
        for k, v in enumerate(tr.order):
            self.emit(f"{tr.names[v]} = {self.forward_expr(v).src}")
            for i in guards_at.get(k, []):
                self.guard_line(i, tr.events[i])
        out = tr.out
        if self.needs.get(out, False):
            self.emit(f"# backward: g_v = d{tr.names[out]}/dv, one line per edge (chain rule), in the order")
            self.emit("# backward() takes them; like its .grad, each g_v starts at 0.0")
            self.g[out] = self.names.fresh("g_" + tr.names[out])
            self.emit(f"{self.g[out]} = 1.0")
            for v in reversed(tr.order):  # the order backward() visits the nodes in
                if v in self.g and self.needs[v]:
                    self.backward_node(v)
        self.emit(self.result())
        return self.text()

    def backward_node(self, v: Value) -> None:
        prim = v._prim
        assert prim is not None
        gv = Sym(self.g[v])
        for child, local in prim.local_with(EMIT, v, blocking=False, read=self.ref):
            if self.needs.get(child, False):
                self.accumulate(child, symbolic(local), gv, prim.blocks)

    def accumulate(self, child: Value, local: Sym, gv: Sym, blocks: bool = False) -> None:
        """``g_child += local * g_v``, as backward() does it.

        backward() starts every gradient at 0.0, so the first contribution is
        written ``0.0 + ...`` (it turns a -0.0 into 0.0, as the engine does), except
        when it is another gradient, which is never -0.0. A step-like op
        (``blocks``) passes nothing where its local derivative is 0.
        """
        g = self.g.get(child)
        first = g is None
        if g is None:
            g = self.g[child] = self.names.fresh("g_" + self.tr.names[child])
        if blocks and local.const is None:
            d = self.blocked_local()
            if first:
                self.emit(f"{g} = 0.0 + {d} * {gv.src} if ({d} := {local.src}) else 0.0")  # 0.0 is false
            else:
                self.emit(f"if {d} := {local.src}: {g} += {d} * {gv.src}")
            return
        if blocks and local.const == 0.0:  # blocked: nothing passes
            if first:
                self.emit(f"{g} = 0.0")
            return
        negate = type(local.const) is float and local.const == -1.0
        contrib = gv if negate else local * gv
        if first and contrib is gv and not negate:
            # A gradient is never -0.0 (it starts as 0.0 + something, and only sums follow), so
            # 0.0 + g_v is g_v, bit for bit: the edge of an add or a sum reads as it is.
            self.emit(f"{g} = {gv.src}")
        elif first:
            self.emit(f"{g} = {(lit(0.0) - contrib if negate else lit(0.0) + contrib).src}")
        else:
            self.emit(f"{g} {'-' if negate else '+'}= {contrib.src}")

    def blocked_local(self) -> str:
        """The variable that holds a step-like op's local derivative while it is tested."""
        if not hasattr(self, "_d"):
            self._d = self.names.fresh("t_d")
        return self._d


def _number(x: Any) -> Any:
    """A literal for a number in a guard (an int, a numpy scalar); anything else as it is."""
    if isinstance(x, str):
        return x
    try:
        return lit(_to_float(x))
    except TypeError:
        return x


class LayeredWriter(ScalarWriter):
    """The scalar program with layers of dots as list operations (scalar.py explains why and how)."""

    def __init__(self, tr: Trace, chosen: Sequence[bool], single: bool, p: Any) -> None:
        super().__init__(tr, chosen, single)
        self.p = p
        self.loc: dict[Value, Sym] = {}  # a member's value: an element of its step's list
        self.lists: dict[int, str] = {}  # id of a layer -> its G_X list, once made
        self.header: list[str] = []
        self.rows: dict[tuple[tuple[int, ...], ...], tuple[str, str]] = {}  # rows -> (ROWS_k, W_k)
        self.sizes: dict[str, int] = {}  # the length of each step's list
        self.consts_made: dict[tuple[Any, ...], str] = {}
        self.maps_made: dict[Any, tuple[str, str]] = {}
        self.grad_rows: dict[tuple[tuple[int, ...], ...], str] = {}  # rows -> GW_k
        self.shapes: dict[tuple[int, int], str] = {}  # (dots, inputs) -> the layer functions' prefix
        self.bound: dict[tuple[tuple[int, ...], ...], tuple[str, str, str]] = {}  # rows -> bound calls
        self.backward_head: list[str] = []  # lines that make the GW rows, at the start of backward

    def ref(self, v: Value) -> Sym:
        where = self.loc.get(v)
        return super().ref(v) if where is None else where

    def home(self, v: Value) -> str | None:
        """The list element that holds ``v``'s gradient, if it is kept in a list."""
        h = self.p.homes.get(v)
        if h is None:
            return None
        if h[0] == "in":
            return f"G_in[{h[1]}]"
        if h[0] == "w":
            return f"{self.weight_grads(h[1])}[{h[2] * len(h[1][0]) + h[3]}]"
        layer = self.p.x_home[h[1]]
        return f"{self.input_grads(layer)}[{h[2]}]"

    def weight_grads(self, rows: tuple[tuple[int, ...], ...]) -> str:
        """The rows that hold the gradients of a layer's weights (made at the start of backward)."""
        name = self.grad_rows.get(rows)
        if name is None:
            name = self.grad_rows[rows] = self.names.fresh("GW")
            self.backward_head.append(f"{name} = [0.0] * {len(rows) * len(rows[0])}")
        return name

    def input_grads(self, layer: Any) -> str:
        """The list that holds the gradients of a layer's shared inputs, made when first needed."""
        if id(layer) not in self.lists:
            self.lists[id(layer)] = self.names.fresh("G_X")
            self.emit(f"{self.lists[id(layer)]} = [0.0] * {len(layer.xs)}")
        return self.lists[id(layer)]

    def gref(self, v: Value) -> str:
        return self.home(v) or self.g.get(v, "0.0")

    def accumulate(self, child: Value, local: Sym, gv: Sym, blocks: bool = False) -> None:
        h = self.home(child)
        if h is None:
            return super().accumulate(child, local, gv, blocks)
        if blocks and local.const is None:
            d = self.blocked_local()
            self.emit(f"if {d} := {local.src}: {h} += {d} * {gv.src}")
        elif not (blocks and local.const == 0.0):
            self.emit(f"{h} += {(gv if local.const == 1.0 and type(local.const) is float else local * gv).src}")

    # ---- forward --------------------------------------------------------------
    def elementwise(self, v: Value) -> tuple[str, str]:
        """Module-level functions for an activation over a layer: its forward ``F(Z)``, and its
        backward ``D(Z, H, G)``, the gradients its inputs get (from 0.0, as backward() does)."""
        prim = v._prim
        assert prim is not None
        key = (prim, prim.constants(v))
        hit = self.maps_made.get(key)
        if hit is not None:
            return hit
        fwd = symbolic(prim.forward(EMIT, Sym("z"), *key[1]))
        (d,) = prim.deriv(EMIT, Sym("z"), *key[1], Sym("h"))
        d = symbolic(d)
        F, D = self.names.fresh(f"F_{prim.name}"), self.names.fresh(f"D_{prim.name}")
        self.header.append(f"def {F}(Z):\n    return [{fwd.src} for z in Z]\n")
        if prim.blocks and d.const is None:  # a zero local derivative passes nothing back
            term = f"0.0 + t * g if (t := {d.src}) else 0.0"
        else:
            term = (lit(0.0) + d * Sym("g")).src
        self.header.append(f"def {D}(Z, H, G):\n    return [{term} for z, h, g in zip(Z, H, G)]\n")
        self.maps_made[key] = (F, D)
        return F, D

    def gathered(self, nodes: Sequence[Value]) -> str:
        """The gradients of ``nodes`` as a list: a slice when they sit side by side in one list."""
        refs = [self.gref(v) for v in nodes]
        first = refs[0].split("[")
        if len(first) == 2 and first[1][:-1].isdigit():
            name, start = first[0], int(first[1][:-1])
            if refs == [f"{name}[{start + j}]" for j in range(len(refs))]:
                return f"{name}[{start}:{start + len(refs)}]"
        return "[" + ", ".join(refs) + "]"

    def constant(self, base: str, value: tuple[Any, ...]) -> str:
        """A module-level constant for ``value`` (made once, shared by every step that uses it)."""
        name = self.consts_made.get(value)
        if name is None:
            name = self.consts_made[value] = self.names.fresh(base)
            self.header.append(f"{name} = {value!r}")
        return name

    def weights(self, rows: list[tuple[int, ...]], make: bool = True) -> str:
        """The layer's weights' values, flat, ``W`` (made once); with ``make=False`` their input indices."""
        key = tuple(rows)
        if key not in self.rows:
            R, W = self.names.fresh("ROWS"), self.names.fresh("W")
            self.header.append(f"{R} = {tuple(i for row in key for i in row)!r}")
            self.rows[key] = (R, W)
            self.emit(f"{W} = [V_in[i] for i in {R}]")
        return self.rows[key][1] if make else self.rows[key][0]

    def layer_fns(self, rows: list[tuple[int, ...]]) -> tuple[str, str, str]:
        """Calls for a layer (forward ``f(X)``, d/dw ``w(GW, X, GZ)``, d/dx ``x(GX, GZ)``): unrolled
        functions made once per layer shape, bound to these weights once per call; or loops."""
        key = tuple(rows)
        W = self.weights(rows)
        k, n = len(rows), len(rows[0])
        hit = self.bound.get(key)
        if hit is None and k * n > UNROLL_LIMIT:  # too big to unroll: loops
            f, x = self.names.fresh(f"{W}_f"), self.names.fresh(f"{W}_x")
            self.emit(f"{f}, {x} = bind_flat({W})")
            hit = self.bound[key] = (f, "acc_weights_flat", x)
        if hit is None:
            name = self.shapes.get((k, n))
            if name is None:
                name = self.shapes[(k, n)] = self.names.fresh(f"L{k}x{n}")
                self.header.append(layer_functions(k, n, name))
            f, x = self.names.fresh(f"{W}_f"), self.names.fresh(f"{W}_x")
            self.emit(f"{f}, {x} = {name}_bind({W})")
            hit = self.bound[key] = (f, f"{name}_w", x)
        return hit

    def listed(self, nodes: Sequence[Value]) -> str:
        """``nodes`` as a list display; a run of one step's list is unpacked with ``*``."""
        items, i = [], 0
        while i < len(nodes):
            r = self.loc.get(nodes[i])
            name = r.src.split("[")[0] if r is not None else ""
            j = i
            while r is not None and j < len(nodes) and (q := self.loc.get(nodes[j])) is not None and (
                    q.src == f"{name}[{j - i}]"):  # fmt: skip
                j += 1
            if j > i and j - i == self.sizes.get(name, -1):
                items.append(f"*{name}")
                i = j
            else:
                items.append(self.ref(nodes[i]).src)
                i += 1
        return "[" + ", ".join(items) + "]"

    def forward_step(self, s: Any) -> None:
        if s.kind == "node":
            v = s.members[0]
            self.emit(f"{self.tr.names[v]} = {self.forward_expr(v).src}")
            return
        if s.kind == "layer":
            W = self.weights(s.rows)
            X, Z = self.names.fresh("X"), self.names.fresh("Z")
            self.emit(f"{X} = {self.listed(s.xs)}")
            fwd = self.layer_fns(s.rows)[0]
            self.emit(f"{Z} = {fwd}({X})  # {len(s.members)} dot nodes over the same inputs")
            s.name, s.x_name, s.w_name = Z, X, W
        else:
            assert s.source is not None
            H = self.names.fresh("H")
            self.emit(f"{H} = {self.elementwise(s.members[0])[0]}({s.source.name})")
            s.name = H
        self.sizes[s.name] = len(s.members)
        for j, v in enumerate(s.members):
            self.loc[v] = Sym(f"{s.name}[{j}]")

    # ---- backward -------------------------------------------------------------
    def backward_step(self, s: Any) -> None:
        if s.kind == "node":
            v = s.members[0]
            if (v in self.g or self.home(v) is not None) and self.needs.get(v, False):
                prim = v._prim
                gv = Sym(self.gref(v))
                for child, local in prim.local_with(EMIT, v, blocking=False, read=self.ref):
                    if self.needs.get(child, False):
                        self.accumulate(child, symbolic(local), gv, prim.blocks)
            return
        if s.kind == "map":
            GZ = self.names.fresh("GZ")
            self.emit(f"{GZ} = {self.elementwise(s.members[0])[1]}({s.source.name}, {s.name}, "
                      f"{self.gathered(s.members)})")  # fmt: skip
            s.source.gz = GZ
            return
        gz = s.gz or self.gathered(s.members)
        _, acc_w, acc_x = self.layer_fns(s.rows)
        if any(self.needs.get(w, False) for row in s.rows for w in (self.tr.inputs[k] for k in row)):
            GW = self.weight_grads(tuple(s.rows))
            self.emit(f"{GW} = {acc_w}({GW}, {s.x_name}, {gz})")
        needed = [(k, x) for k, x in enumerate(s.xs) if self.needs.get(x, False)]
        if not needed:
            return
        if self.p.homes[needed[0][1]][0] == "in":  # the layer's inputs are f's own: into G_in
            xto = self.constant("XTO", tuple((k, self.p.homes[x][1]) for k, x in needed))
            self.emit(f"acc_inputs_at(G_in, {xto}, {s.w_name}, {gz}, {len(s.xs)})")
        else:
            GX = self.input_grads(s)
            self.emit(f"{GX} = {acc_x}({GX}, {gz})")

    def write(self) -> str:
        tr = self.tr
        self.const_lines()
        self.emit("V_in = [" + ", ".join(tr.names[x] for x in tr.inputs) + "]")
        self.emit("# forward: one line per node, or per layer of dot nodes")
        steps = self.p.forward
        guards_at = self.guard_positions({v: k for k, s in enumerate(steps) for v in s.members}) if tr.events else {}
        for i in guards_at.get(-1, []):
            self.guard_line(i, tr.events[i])
        for k, s in enumerate(steps):
            self.forward_step(s)
            for i in guards_at.get(k, []):
                self.guard_line(i, tr.events[i])
        out = tr.out
        self.emit(f"# backward: g_v = d{tr.names[out]}/dv, edge by edge in the order backward() takes them;")
        self.emit("# G_in holds the inputs' gradients, G_X a layer's inputs'; each starts at 0.0")
        self.emit(f"G_in = [0.0] * {len(tr.inputs)}")
        start = len(self.lines)
        if self.needs.get(out, False):
            h = self.home(out)
            if h is not None:
                self.emit(f"{h} += 1.0")
            else:
                self.g[out] = self.names.fresh("g_" + tr.names[out])
                self.emit(f"{self.g[out]} = 1.0")
            for s in self.p.backward:
                self.backward_step(s)
        self.lines[start:start] = ["    " + line for line in self.backward_head]
        for rows, GW in self.grad_rows.items():
            self.emit(f"scatter(G_in, {self.weights(list(rows), make=False)}, {GW})")
        self.emit(self.result())
        head = "\n\n".join(self.header) + ("\n\n\n" if self.header else "")
        return head + self.text()

    def grads(self) -> list[str]:
        return [f"G_in[{k}]" for k, w in enumerate(self.wrt) if w]
