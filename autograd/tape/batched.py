"""The batched program: the same trace replayed over arrays of shape (B,).

Inputs given as arrays are per example; inputs given as floats are shared by
the batch (weights) and their gradients are summed over it. Values that do not
depend on a batched input stay floats. Weighted sums over the batch become
matrix products, a layer's activation one op on the whole matrix (units.py).

The program is ``f(B, V, *inputs)``: ``V`` holds the shared inputs as one
array, so a layer's weights are a slice of it, and their gradients are
accumulated into ``GV``, the same shape, with ``N.scatter_add``. It returns
``(value, aux, GV, per-example gradients)``; compiled.py shapes the results.
Nothing is updated in place, so the same code runs on JAX arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..emit import ATOM, EMIT, Sym, lit, symbolic
from ..engine import Value
from .source import tuple_src
from .trace import Trace
from .units import Unit, plan
from .writer import Writer


class Row(Sym):
    """Row ``index`` of the matrix ``matrix``: the value (or gradient) of one member of a unit."""

    __slots__ = ("index", "matrix")

    def __init__(self, matrix: str, index: int) -> None:
        super().__init__(f"{matrix}[{index}]", vec=True)
        self.matrix = matrix
        self.index = index


class BatchedWriter(Writer):
    """Writes ``f(B, V, *inputs)`` for one batch mask (which inputs are arrays)."""

    def __init__(self, tr: Trace, chosen: Sequence[bool], single: bool, mask: Sequence[bool]) -> None:
        super().__init__(tr, chosen, single)
        vec: dict[Value, bool] = {x: b for x, b in zip(tr.inputs, mask)}
        for v in tr.order:
            vec[v] = any(vec.get(c, False) for c in v._prim.inputs(v))
        self._vec = vec
        self.vpos = {x: k for k, x in enumerate(x for x, b in zip(tr.inputs, mask) if not b)}
        self.loc: dict[Value, Sym] = {}  # where a unit keeps a member's value (a row of its matrix)
        self.height: dict[str, int] = {}  # rows of each matrix
        self.contribs: dict[Value, list[Sym]] = {}  # gradient contributions not yet added up
        self.header: list[str] = []  # module-level constants: index arrays
        self.gv_used = False

    def vec(self, v: Value) -> bool:
        return self._vec.get(v, False)

    def ref(self, v: Value) -> Sym:
        where = self.loc.get(v)
        return super().ref(v) if where is None else where

    # ---- shared inputs in V ------------------------------------------------
    def gather(self, nodes: Sequence[Value], name: str) -> str:
        """Source for the shared inputs ``nodes`` as a vector: a slice of V, or V at an index array."""
        pos = [self.vpos[v] for v in nodes]
        if pos == list(range(pos[0], pos[0] + len(pos))):
            return f"V[{pos[0]}:{pos[-1] + 1}]"
        idx = self.names.fresh(f"k_{name}")
        self.header.append(f"{idx} = N.index({pos})")
        return f"V[{idx}]"

    def scatter(self, nodes: Sequence[Value], values: str, name: str) -> None:
        """``GV[positions of nodes] += values`` (repeated nodes add up)."""
        where = self.gather(nodes, name)[2:-1]
        where = f"slice({where.replace(':', ', ')})" if ":" in where else where
        self.emit(f"GV = N.scatter_add(GV, {where}, {values})")
        self.gv_used = True

    # ---- gradients, added up when a unit needs them ---------------------------
    def contribute(self, child: Value, term: Sym) -> None:
        if self.needs.get(child, False):
            self.contribs.setdefault(child, []).append(term)

    def grad(self, v: Value) -> Sym | None:
        """``v``'s gradient as one expression (a new line when it has several terms)."""
        terms = self.contribs.pop(v, None)
        if not terms:
            return None
        if len(terms) == 1 and terms[0].prec == ATOM:
            return terms[0]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        name = self.names.fresh("g_" + self.tr.names[v])
        self.emit(f"{name} = {total.src}")
        return Sym(name, vec=self.vec(v))

    def grad_rows(self, outs: Sequence[Value]) -> Sym | None:
        """The gradients of a unit's outputs as one matrix: a block of another matrix if they are one."""
        terms = [self.contribs.get(v, []) for v in outs]
        if not any(terms):
            return None
        firsts = [t[0] if len(t) == 1 else None for t in terms]
        if all(isinstance(t, Row) for t in firsts):
            rows = [t for t in firsts if isinstance(t, Row)]
            m, j0 = rows[0].matrix, rows[0].index
            if all(r.matrix == m and r.index == j0 + j for j, r in enumerate(rows)):
                for v in outs:
                    self.contribs.pop(v, None)
                whole = j0 == 0 and len(rows) == self.height[m]
                return Sym(m if whole else f"{m}[{j0}:{j0 + len(rows)}]", vec=True)
        items = []
        for v in outs:
            g = self.grad(v)
            items.append("0.0" if g is None else g.src)
        name = self.names.fresh("G_")
        self.emit(f"{name} = N.rows(B, [{', '.join(items)}])")
        return Sym(name, vec=True)

    def term(self, consumer: Value, child: Value, local: Sym, g: Sym, blocks: bool) -> Sym:
        """The contribution ``local * g`` of an edge; summed over the batch into a shared child."""
        one = type(local.const) is float and local.const == 1.0
        if blocks and local.const is None:
            t = Sym(f"{'N.' if local.vec or g.vec else ''}blocked({local.src}, {g.src})", vec=local.vec or g.vec)
        else:
            t = g if one else local * g
        if self.vec(consumer) and not self.vec(child):
            if not t.vec:  # the same for every example: times B
                return t * Sym("N.count(B)")
            if local.prec == ATOM and local.src.isidentifier() and local.vec and not blocks:
                return Sym(f"N.vdot({local.src}, {g.src})")
            return Sym(f"N.total({t.src})")
        return t

    # ---- forward --------------------------------------------------------------
    def forward_unit(self, u: Unit, k: int) -> None:
        if u.kind == "node":
            v = u.members[0]
            ex = self.forward_expr(v)
            src = ex.src if ex.vec or not self.vec(v) else f"N.full(B, {ex.src})"  # x**0 over a batch
            self.emit(f"{self.tr.names[v]} = {src}")
        elif u.kind == "layer":
            self.layer_forward(u, k)
        elif u.kind == "map":
            assert u.source is not None
            matrix = self.matrix_of(u.source.outputs[0])
            prim = u.members[0]._prim
            assert prim is not None
            H = self.names.fresh(f"H_{k}")
            ex = symbolic(prim.forward(EMIT, Sym(matrix, vec=True), *prim.constants(u.members[0])))
            self.emit(f"{H} = {ex.src}  # {prim.name} of each row")
            self.place(u.outputs, H)
        else:
            self.shared_forward(u, k)

    def matrix_of(self, v: Value) -> str:
        row = self.loc[v]
        assert isinstance(row, Row)
        return row.matrix

    def place(self, outs: Sequence[Value], matrix: str) -> None:
        self.height[matrix] = len(outs)
        for j, v in enumerate(outs):
            self.loc[v] = Row(matrix, j)

    def items(self, nodes: Sequence[Value]) -> list[str]:
        """Sources for ``nodes`` as rows of a matrix: runs of one matrix's rows become a block."""
        out: list[str] = []
        i = 0
        while i < len(nodes):
            r = self.loc.get(nodes[i])
            if isinstance(r, Row):
                j = i + 1
                while j < len(nodes) and isinstance(q := self.loc.get(nodes[j]), Row) and (
                        q.matrix == r.matrix and q.index == r.index + j - i):  # fmt: skip
                    j += 1
                whole = r.index == 0 and j - i == self.height[r.matrix]
                out.append(r.matrix if whole else f"{r.matrix}[{r.index}:{r.index + j - i}]")
                i = j
            else:
                out.append(self.ref(nodes[i]).src)
                i += 1
        return out

    def layer_forward(self, u: Unit, k: int) -> None:
        W, X, Z = (self.names.fresh(f"{p}_{k}") for p in ("W", "X", "Z"))
        ws = [w for pairs in u.pairs for w, _ in pairs]
        nrow, ncol = len(u.pairs), len(u.xs)
        n = f"{len(u.sums)} weighted sums" if len(u.sums) > 1 else "a weighted sum"
        self.emit(f"# {n} over the same {ncol} inputs: one matrix product")
        if all(w in self.vpos for w in ws):
            self.emit(f"{W} = {self.gather(ws, str(k))}.reshape({nrow}, {ncol})")
        else:
            rows = ", ".join("[" + ", ".join(self.ref(w).src for w, _ in pairs) + "]" for pairs in u.pairs)
            self.emit(f"{W} = N.array([{rows}])")
        items = self.items(list(u.xs))
        whole = len(items) == 1 and items[0] in self.height  # the inputs are another unit's matrix
        self.emit(f"{X} = {items[0]}" if whole else f"{X} = N.rows(B, [{', '.join(items)}])")
        plains = [ws_.plain for ws_ in u.sums]
        extra = ""
        if self.bias_vector(u):  # one shared input per row (micrograd's bias): a column
            extra = f" + N.col({self.gather([p[0] for p in plains], str(k))})"
        elif any(plains):
            sums = []
            for p in plains:
                total: Sym = lit(0.0) if not p else self.ref(p[0])
                for v in p[1:]:
                    total = total + self.ref(v)
                sums.append(total.src)
            extra = f" + N.rows(B, [{', '.join(sums)}])"
        self.emit(f"{Z} = N.matmul({W}, {X}){extra}")
        self.place(u.outputs, Z)
        u.names = (W, X, Z)

    def bias_vector(self, u: Unit) -> bool:
        """Whether each of the layer's sums has exactly one plain term, a shared input."""
        return all(len(ws.plain) == 1 and ws.plain[0] in self.vpos for ws in u.sums)

    def shared_forward(self, u: Unit, k: int) -> None:
        ws = u.sums[0]
        v = u.outputs[0]
        A, Bv = self.names.fresh(f"A_{k}"), self.names.fresh(f"Bv_{k}")
        for name, side in ((A, [a for a, _ in ws.pairs]), (Bv, [b for _, b in ws.pairs])):
            src = self.gather(side, name) if all(x in self.vpos for x in side) else (
                "N.array([" + ", ".join(self.ref(x).src for x in side) + "])")  # fmt: skip
            self.emit(f"{name} = {src}")
        total: Sym = Sym(f"N.vdot({A}, {Bv})")
        for p in ws.plain:
            total = total + self.ref(p)
        self.emit(f"{self.tr.names[v]} = {total.src}  # {len(ws.pairs)} products shared by the batch")
        u.names = (A, Bv)

    # ---- backward -------------------------------------------------------------
    def backward_unit(self, u: Unit) -> None:
        if not any(self.needs.get(v, False) for v in u.outputs):
            return
        if u.kind == "node":
            v = u.members[0]
            g = self.grad(v)
            if g is None:
                return
            prim = v._prim
            assert prim is not None
            for child, local in prim.local_with(EMIT, v, blocking=False, read=self.ref):
                if self.needs.get(child, False):
                    self.contribute(child, self.term(v, child, symbolic(local), g, prim.blocks))
        elif u.kind == "layer":
            self.layer_backward(u)
        elif u.kind == "map":
            self.map_backward(u)
        else:
            self.shared_backward(u)

    def layer_backward(self, u: Unit) -> None:
        GZ = self.grad_rows(u.outputs)
        if GZ is None:
            return
        W, X, _ = u.names
        ws = [w for pairs in u.pairs for w, _ in pairs]
        self.emit("# the dot rule's local derivatives, d/dw = x and d/dx = w, as matrix products")
        if any(self.needs.get(w, False) for w in ws):
            if all(w in self.vpos for w in ws):
                self.scatter(ws, f"N.matmul({GZ.src}, {X}.T).reshape(-1)", "g")
            else:
                GW = self.names.fresh("GW_")
                self.emit(f"{GW} = N.matmul({GZ.src}, {X}.T)")
                for j, pairs in enumerate(u.pairs):
                    for i, (w, _) in enumerate(pairs):
                        self.contribute(w, Sym(f"{GW}[{j}, {i}]"))
        if any(self.needs.get(x, False) for x in u.xs):
            GX = self.names.fresh("GX_")
            self.emit(f"{GX} = N.matmul({W}.T, {GZ.src})")
            self.height[GX] = len(u.xs)
            for i, x in enumerate(u.xs):
                self.contribute(x, Row(GX, i) if self.vec(x) else Sym(f"N.total({GX}[{i}])"))
        if self.bias_vector(u):
            biases = [ws_.plain[0] for ws_ in u.sums]
            if any(self.needs.get(b, False) for b in biases):
                self.scatter(biases, f"N.row_sums({GZ.src})", "b")
            return
        for j, ws_ in enumerate(u.sums):
            for p in ws_.plain:
                row = Sym(f"{GZ.src}[{j}]", vec=True)
                self.contribute(p, row if self.vec(p) else Sym(f"N.total({row.src})"))

    def map_backward(self, u: Unit) -> None:
        GH = self.grad_rows(u.outputs)
        if GH is None or u.source is None:
            return
        src_matrix = self.matrix_of(u.source.outputs[0])
        H = self.matrix_of(u.outputs[0])
        prim = u.members[0]._prim
        assert prim is not None
        (local,) = prim.deriv(EMIT, Sym(src_matrix, vec=True), *prim.constants(u.members[0]), Sym(H, vec=True))
        local = symbolic(local)
        G = self.names.fresh("GS_")
        if prim.blocks and local.const is None:
            self.emit(f"{G} = N.blocked({local.src}, {GH.src})")
        else:
            self.emit(f"{G} = {(local * GH).src}")
        self.height[G] = len(u.outputs)
        for j, v in enumerate(u.source.outputs):
            self.contribute(v, Row(G, j))

    def shared_backward(self, u: Unit) -> None:
        v = u.outputs[0]
        g = self.grad(v)
        if g is None:
            return
        A, Bv = u.names
        ws = u.sums[0]
        for side, other in (([a for a, _ in ws.pairs], Bv), ([b for _, b in ws.pairs], A)):
            if not any(self.needs.get(x, False) for x in side):
                continue
            if all(x in self.vpos for x in side):
                self.scatter(side, f"{other} * {g.src}", "s")
            else:
                for i, x in enumerate(side):
                    self.contribute(x, Sym(f"float({other}[{i}]) * {g.src}"))
        for p in ws.plain:
            self.contribute(p, g)

    # ---- the whole function -----------------------------------------------------
    def params(self) -> list[str]:
        return ["B", "V", *super().params()]

    def write(self) -> str:
        tr = self.tr
        pinned = {tr.out} | {a for a in tr.aux if isinstance(a, Value)}
        pinned |= {a for _, args, _ in tr.events for a in args if isinstance(a, Value)}
        units = plan(tr.order, pinned, self.vec, self.vpos)
        inputs = set(tr.inputs)
        for u in units:  # a constant 0 among a sum's terms (``s = 0.0`` before a loop) adds nothing
            for ws in u.sums:
                ws.plain = [p for p in ws.plain if p._prim is not None or p in inputs or p.data != 0.0]
        position = {v: k for k, u in enumerate(units) for v in u.members}
        guards_at = self.guard_positions(position)
        self.const_lines()
        self.emit("# forward")
        for i in guards_at.get(-1, []):
            self.guard_line(i, tr.events[i])
        for k, u in enumerate(units):
            self.forward_unit(u, k + 1)
            for i in guards_at.get(k, []):
                self.guard_line(i, tr.events[i])
        out = tr.out
        body_end = len(self.lines)
        if self.needs.get(out, False):
            self.emit(f"# backward: g_v = d{tr.names[out]}/dv; gradients of shared inputs add up in GV")
            self.contribs[out] = [Sym("N.ones(B)" if self.vec(out) else "N.count(B)", vec=self.vec(out))]
            for u in reversed(units):
                self.backward_unit(u)
        shared = [(x, k) for x, k in self.vpos.items() if self.needs.get(x, False) and x in self.contribs]
        for x, k in shared:
            g = self.grad(x)
            if g is not None:
                self.emit(f"GV = N.scatter_add(GV, {k}, {g.src})")
                self.gv_used = True
        if self.gv_used:
            self.lines.insert(body_end, "    GV = N.zeros_like(V)")
        vec_grads = []
        for x, w in zip(tr.inputs, self.wrt):
            if w and self.vec(x):
                g = self.grad(x)
                vec_grads.append("0.0" if g is None else g.src)
        aux = [self.ref(a).src if isinstance(a, Value) else lit(a).src for a in tr.aux]
        gv = "GV" if self.gv_used else "None"
        self.emit(f"return {self.ref(out).src}, {tuple_src(aux)}, {gv}, {tuple_src(vec_grads)}")
        head = "\n".join(self.header) + ("\n\n\n" if self.header else "")
        return head + self.text()
