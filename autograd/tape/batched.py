"""The batched program: the same trace replayed over arrays of shape (B,).

Inputs given as arrays are per example; inputs given as floats are shared by
the batch (weights) and their gradients are summed over it. Values that do not
depend on a batched input stay floats. The ``dot`` nodes of one layer (same
batched inputs, weights shared by the batch) become one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from ..engine import Value
from ..ops import ADD, ATOM, EMIT, Sym, lit
from .trace import Trace
from .writer import Writer


class BatchedWriter(Writer):
    """Writes ``f(B, *inputs)`` returning ``(value, aux, grads)``, flat; the caller shapes them."""

    def __init__(self, tr: Trace, chosen: Sequence[bool], single: bool, mask: Sequence[bool]) -> None:
        super().__init__(tr, chosen, single)
        vec: dict[Value, bool] = {x: b for x, b in zip(tr.inputs, mask)}
        for v in tr.order:
            vec[v] = any(vec.get(c, False) for c in v._prim.inputs(v))  # type: ignore[union-attr]
        self._vec = vec

    def vec(self, v: Value) -> bool:
        return self._vec.get(v, False)

    def gref(self, v: Value) -> Sym:
        return Sym(self.g[v], vec=self.vec(v))

    def params(self) -> list[str]:
        return ["B", *super().params()]

    def result(self) -> str:
        tr = self.tr
        aux = [self.ref(a).src if isinstance(a, Value) else lit(a).src for a in tr.aux]
        return f"return {self.ref(tr.out).src}, ({', '.join(aux)}{',' if len(aux) == 1 else ''}), " + (
            f"({', '.join(self.grads())}{',' if len(self.grads()) == 1 else ''})")  # fmt: skip

    # ---- forward ---------------------------------------------------------
    def forward_line(self, v: Value) -> None:
        ex = self.forward_expr(v)
        src = ex.src
        if self.vec(v) and not ex.vec:  # e.g. x**0: a constant for every example
            src = f"N.full(B, {src})"
        self.emit(f"{self.tr.names[v]} = {src}")

    # ---- backward --------------------------------------------------------
    def accumulate(self, child: Value, contrib: Sym, negate: bool = False) -> None:
        """``g_child = g_child + contrib`` (arrays are never updated in place: they may be shared)."""
        g = self.g.get(child)
        if g is None:
            g = self.g[child] = self.names.fresh("g_" + self.tr.names[child])
            self.emit(f"{g} = {(-contrib).src if negate else contrib.src}")
            return
        right = contrib.src if contrib.prec > ADD else f"({contrib.src})"
        self.emit(f"{g} = {g} {'-' if negate else '+'} {right}")

    def edge(self, v: Value, child: Value, local: Sym) -> None:
        if not self.needs.get(child, False):
            return
        gv = self.gref(v)
        negate = type(local.const) is float and local.const == -1.0
        if self.vec(v) and not self.vec(child):
            # A per-example gradient into a value shared by the batch: sum over the batch.
            if negate or (type(local.const) is float and local.const == 1.0):
                contrib = Sym(f"N.total({gv.src})")
            elif not local.vec:
                contrib = local * Sym(f"N.total({gv.src})")
            elif local.prec == ATOM and local.src.isidentifier():
                contrib = Sym(f"N.vdot({local.src}, {gv.src})")
            else:
                contrib = Sym(f"N.total({(local * gv).src})")
        else:
            contrib = gv if negate else local * gv
        self.accumulate(child, contrib, negate)

    def backward_node(self, v: Value) -> None:
        if v not in self.g or not self.needs[v]:
            return
        prim = v._prim
        assert prim is not None
        for child, local in prim.local_with(EMIT, v, blocking=False, read=self.ref):
            self.edge(v, child, ops.symbolic(local))

    # ---- dots over the same inputs become one matrix product --------------
    def schedule(self) -> list[list[Value]]:
        """Units in a valid order: single nodes, or groups of fused dots.

        Nodes are ordered by depth (a node comes after all its inputs). At one
        depth, ``dot`` nodes whose batched group is the same sequence of Values
        (the neurons of one layer) and whose other group is shared by the batch
        (their weights) form one unit: a matrix product over the batch.
        """
        order = self.tr.order
        depth: dict[Value, int] = {}
        for v in order:
            depth[v] = 1 + max((depth.get(c, 0) for c in v._prim.inputs(v)), default=0)  # type: ignore[union-attr]
        units: list[list[Value]] = []
        groups: dict[tuple[int, int, tuple[Value, ...]], list[Value]] = {}
        for v in sorted(order, key=depth.__getitem__):  # stable: ties keep the program's order
            side = self.fusable(v)
            if side is None:
                units.append([v])
                continue
            key = (depth[v], side, ops.dot.input_groups(v)[side])
            if key in groups:
                groups[key].append(v)
            else:
                groups[key] = [v]
                units.append(groups[key])
        return units

    def fusable(self, v: Value) -> int | None:
        """For a dot node with one group batched (which side) and the other shared by the batch."""
        if v._prim is not ops.dot or not DOT_IS_PRODUCT or len(ops.dot.inputs(v)) < 4:
            return None
        ws, xs = ops.dot.input_groups(v)
        for side, (mine, other) in enumerate(((ws, xs), (xs, ws))):
            if any(self.vec(x) for x in mine) and not any(self.vec(w) for w in other):
                return side
        return None

    def fused_forward(self, unit: list[Value], k: int) -> tuple[str, str]:
        side = self.fusable(unit[0])
        assert side is not None
        shared = ops.dot.input_groups(unit[0])[side]
        X, W = self.names.fresh(f"X_{k}"), self.names.fresh(f"W_{k}")
        weights = [ops.dot.input_groups(v)[1 - side] for v in unit]
        nodes = "1 dot node" if len(unit) == 1 else f"{len(unit)} dot nodes"
        self.emit(f"# {nodes} over the same {len(shared)} inputs: one matrix product")
        self.emit(f"{X} = N.rows(B, [{', '.join(self.ref(x).src for x in shared)}])")
        rows = ", ".join("[" + ", ".join(self.ref(w).src for w in ws) + "]" for ws in weights)
        self.emit(f"{W} = N.array([{rows}])")
        outs = ", ".join(self.tr.names[v] for v in unit) + ("," if len(unit) == 1 else "")
        self.emit(f"{outs} = N.matmul({W}, {X})")
        return X, W

    def fused_backward(self, unit: list[Value], X: str, W: str) -> None:
        if not any(v in self.g and self.needs[v] for v in unit):
            return
        side = self.fusable(unit[0])
        assert side is not None
        shared = ops.dot.input_groups(unit[0])[side]
        weights = [ops.dot.input_groups(v)[1 - side] for v in unit]
        G = self.names.fresh("G_" + X[2:])
        grads = ", ".join(self.g[v] if v in self.g and self.needs[v] else "0.0" for v in unit)
        self.emit(f"{G} = N.rows(B, [{grads}])")
        self.emit("# the dot rule's local derivatives, d/dw = x and d/dx = w, summed over the batch")
        if any(self.needs.get(w, False) for ws in weights for w in ws):
            later: list[tuple[Value, str]] = []
            targets = []
            for ws in weights:
                row = []
                for w in ws:
                    if not self.needs.get(w, False):
                        row.append("_")
                    elif w in self.g:  # an earlier gradient (or the same weight twice): add to it after
                        t = self.names.fresh("t_")
                        later.append((w, t))
                        row.append(t)
                    else:
                        row.append(self._new_g(w))
                targets.append("[" + ", ".join(row) + "]")
            self.emit(f"[{', '.join(targets)}] = N.matmul({G}, {X}.T).tolist()")
            for w, t in later:
                self.accumulate(w, Sym(t))
        if any(self.needs.get(x, False) for x in shared):
            names, later = [], []
            for x in shared:
                if not self.needs.get(x, False):
                    names.append("_")
                elif x in self.g or not self.vec(x):  # add to it (or sum it) after
                    later.append((x, self.names.fresh("r_")))
                    names.append(later[-1][1])
                else:
                    names.append(self._new_g(x))
            self.emit(f"{', '.join(names)}{',' if len(names) == 1 else ''} = N.matmul({W}.T, {G})")
            for x, r in later:
                self.accumulate(x, Sym(r, vec=True) if self.vec(x) else Sym(f"N.total({r})"))

    def _new_g(self, v: Value) -> str:
        g = self.g[v] = self.names.fresh("g_" + self.tr.names[v])
        return g

    def write(self) -> str:
        tr = self.tr
        units = self.schedule()
        fused = [len(u) > 1 or self.fusable(u[0]) is not None for u in units]
        position = {v: i for i, u in enumerate(units) for v in u}
        guards_at = self.guard_positions(position)
        self.const_lines()
        self.emit("# forward: one line per node")
        for i in guards_at.get(-1, []):
            self.guard_line(i, tr.events[i])
        mats: dict[int, tuple[str, str]] = {}
        for k, u in enumerate(units):
            if fused[k]:
                mats[k] = self.fused_forward(u, len(mats) + 1)
            else:
                self.forward_line(u[0])
            for i in guards_at.get(k, []):
                self.guard_line(i, tr.events[i])
        out = tr.out
        if self.needs.get(out, False):
            self.emit(f"# backward: g_v = d{tr.names[out]}/dv, one line per edge (chain rule)")
            self.g[out] = self.names.fresh("g_" + tr.names[out])
            self.emit(f"{self.g[out]} = {'N.ones(B)' if self.vec(out) else 'N.count(B)'}")
        for k in reversed(range(len(units))):
            if k in mats:
                self.fused_backward(units[k], *mats[k])
            else:
                self.backward_node(units[k][0])
        self.emit(self.result())
        return self.text()


def _matrix_product_rule() -> bool:
    """Whether the dot rule is the product rule (d/dw = x, d/dx = w): then a matrix product evaluates it."""
    w, x = Sym("w"), Sym("x", vec=True)
    dw, dx = ops.dot.deriv(EMIT, w, x, Sym("out"))
    return dw is x and dx is w


DOT_IS_PRODUCT = _matrix_product_rule()
