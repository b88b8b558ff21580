"""The compiled tape against issue 11: bit-identical scalar replay, names that never
collide, argnums checked, what a trace cannot replay, and training on real labels."""

from __future__ import annotations

import copy
import keyword
import math
import struct
import warnings
from typing import Any

import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, nn
from autograd.tape.trace import TraceError

from .strategies import Program, programs

np = pytest.importorskip("numpy")


def bits(x: float) -> bytes:
    """A float's bytes: equal bits, so -0.0 != 0.0 (every nan counts as one)."""
    return b"nan" if x != x else struct.pack("<d", x)


def by_backward(f: Any, xs: list[float]) -> tuple[float, list[float]]:
    """The engine's value and ``.grad`` of each input after ``backward()`` from zeroed grads."""
    vs = [Value(x) for x in xs]
    out = f(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


# ---- the scalar replay is backward(), bit for bit -----------------------------------


@given(programs())
def test_scalar_replay_is_bit_identical_to_backward(prog: Program) -> None:
    value, grads = by_backward(lambda *v: prog.run(v), prog.inputs)
    c_value, c_grads = autograd.compile(lambda *v: prog.run(v))(*prog.inputs)
    assert bits(c_value) == bits(value), prog
    assert [bits(g) for g in c_grads] == [bits(g) for g in grads], (prog, c_grads, grads)


@given(st.floats(-50.0, 50.0, allow_nan=False))
def test_the_order_of_accumulation_is_the_engines(x: float) -> None:
    f = lambda v: v.exp() + v.sin() + v.cos()  # three contributions into x, summed in backward()'s order
    c = autograd.compile(f)
    assert c(x) == (f(Value(x)).data, (by_backward(f, [x])[1][0],))


def test_the_first_contribution_is_added_to_zero_as_backward_does() -> None:
    """backward() starts from .grad = 0.0, and 0.0 + -0.0 is 0.0: the sign of a zero gradient is the engine's."""
    f = lambda x, y: x * -0.0 + y
    _, (gx, _) = autograd.compile(f)(2.0, 1.0)
    assert bits(gx) == bits(by_backward(f, [2.0, 1.0])[1][0]) == bits(0.0)


@pytest.mark.parametrize("f", [
    lambda x: x.relu().sqrt(),
    lambda x: autograd.maximum(x, 0.0).sqrt(),
    lambda x: autograd.clamp(x, 0.0, 1.0).sqrt(),
    lambda x: x.relu().log(),
    lambda x: x.leaky_relu(0.0).sqrt(),
])  # fmt: skip
def test_step_like_ops_block_an_infinite_gradient_as_the_engine_does(f: Any) -> None:
    """At x = -1 the local derivative is 0 and the gradient above it is inf: nothing passes, not nan."""
    value, grads = autograd.compile(f)(-1.0)
    e_value, e_grads = by_backward(f, [-1.0])
    assert bits(value) == bits(e_value) and bits(grads[0]) == bits(e_grads[0]) == bits(0.0)


# ---- names in generated code never collide with the user's -------------------------

ADVERSARIAL = [
    "float", "N", "B", "g_x", "g_y", "x", "y", "nan", "inf", "exp", "where", "same", "same_format",
    "GuardFailed", "dot", "fsum", "len", "list", "range", "t_d", "X_1", "W_1", "G_1", "v1", "v2", "f",
    "lambda", "print", "_", "r_", "t_", "acc", "tolist", "T", "ones", "count", "total", "max", "sum",
]  # fmt: skip
names = st.one_of(st.sampled_from(ADVERSARIAL), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True))


def _function(params: list[str]) -> Any:
    """``def f(<params>)``: a product of sums and a tanh, each node labelled with a parameter's name.

    With two or more parameters the last is unused: batching only it gives a batched
    call whose output is shared by the batch (its seed is the batch size).
    """
    used = params[:-1] if len(params) > 1 else params
    body = "    t = " + " + ".join(used) + "\n"
    body += "    t.label = " + repr(params[-1]) + "\n"
    body += "    u = (t * " + used[0] + ").tanh()\n    u.label = " + repr(params[0]) + "\n    return u * t\n"
    scope: dict[str, Any] = {}
    exec(f"def f({', '.join(params)}):\n{body}", scope)
    return scope["f"]


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=1, max_size=4, unique=True))
def test_user_names_never_collide_with_the_generated_codes(params: list[str]) -> None:
    assume(all(p.isidentifier() and not keyword.iskeyword(p) for p in params))
    f = _function(params)
    xs = [0.3 + 0.1 * i for i in range(len(params))]
    value, grads = autograd.compile(f)(*xs)
    e_value, e_grads = by_backward(f, xs)
    assert value == e_value and list(grads) == e_grads
    for k in range(len(xs) + 1):  # every input batched (k == len), or only input k
        args: list[Any] = [np.array([x, x + 0.5]) for x in xs] if k == len(xs) else list(xs)
        if k < len(xs):
            args[k] = np.array([xs[k], xs[k] + 0.5])
        bvalue, bgrads = autograd.compile(f)(*args)
        for j in range(2):
            point = [float(a[j]) if isinstance(a, np.ndarray) else a for a in args]
            e_value, e_grads = by_backward(f, point)
            assert math.isclose(float(bvalue[j]), e_value, rel_tol=1e-12, abs_tol=1e-12)
            for a, g, e in zip(args, bgrads, e_grads):
                got = float(g[j]) if isinstance(a, np.ndarray) else None
                if got is not None:
                    assert math.isclose(got, e, rel_tol=1e-12, abs_tol=1e-12)


def test_a_parameter_named_float_or_B_runs_batched() -> None:
    """The batched seed was ``float(B)``: a parameter called ``float`` shadowed it."""
    c = autograd.compile(_function(["float", "B"]))  # B is unused: batching it batches nothing else
    value, grads = c(2.0, np.array([1.0, 2.0]))
    assert value.tolist() == [math.tanh(4.0) * 2.0] * 2 and grads[1].tolist() == [0.0, 0.0]


# ---- argnums ---------------------------------------------------------------------------


@given(st.integers(1, 4), st.lists(st.integers(-4, 3), min_size=2, max_size=5))
def test_repeated_argnums_are_refused_naming_the_index(n: int, nums: list[int]) -> None:
    assume(all(-n <= i < n for i in nums))
    positions = [i % n for i in nums]
    assume(len(set(positions)) < len(positions))
    repeated = next(p for k, p in enumerate(positions) if p in positions[:k])
    c = autograd.compile(lambda *xs: autograd.sum(xs), argnums=tuple(nums))
    with pytest.raises(ValueError, match=f"argnums names argument {repeated} twice"):
        c(*[1.0] * n)


def test_argnums_zero_zero() -> None:
    with pytest.raises(ValueError, match="argument 0 twice"):
        autograd.compile(lambda x, y: x * y, argnums=(0, 0))(1.0, 2.0)
    with pytest.raises(TypeError, match="ints"):
        autograd.compile(lambda x, y: x * y, argnums=(True,))(1.0, 2.0)


# ---- what a trace cannot replay: refused at trace time, or traced correctly -----------


def _no_grad_square(x: Value) -> Value:
    with autograd.no_grad():
        frozen = x * x
    return x + frozen


LEAVING = {
    "detach": (lambda x, y: x * x.detach() + y, r"\.detach\(\) \(line"),
    "no_grad": (_no_grad_square, r"no_grad\(\) \(line"),
    "gradients": (lambda x, y: x * autograd.gradients(x * x, [x])[0] + y, r"gradients\(\) \(line"),
    "deepcopy": (lambda x, y: x * copy.deepcopy(x) + y, r"copies x \(copy\.deepcopy"),
    "data": (lambda x, y: x * Value(x.data) + y, r"\.data \(line"),
}


@pytest.mark.parametrize("name", list(LEAVING))
def test_values_that_leave_the_graph_are_refused_at_trace_time(name: str) -> None:
    """``compile(lambda x: x * x.detach())`` replayed 5.0 as 15.0: now it refuses, naming the construct."""
    f, named = LEAVING[name]
    args = [5.0] if name == "no_grad" else [5.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the .data warning
        with pytest.raises(TraceError, match=named):
            autograd.compile(f)(*args)


def test_backward_and_reading_grad_inside_f_are_refused_naming_them() -> None:
    def calls_backward(x: Value) -> Value:
        y = x * x
        y.backward()
        return y * x.grad

    with pytest.raises(TraceError, match=r"calls \.backward\(\)"):
        autograd.compile(calls_backward)(3.0)
    with pytest.raises(TraceError, match=r"reads w\.grad"):
        autograd.compile(lambda w: w * w.grad)(3.0)
    model = autograd.nn.MLP(1, [1], seed=0)
    params = model.parameters()
    for p in params:
        p.grad = 0.5  # left from training: restored after the trace
    with pytest.raises(TraceError, match=r"reads .*\.grad"):
        autograd.compile(lambda ps, x: model(x) * ps[0].grad, argnums=0)(params, [1.0])
    assert [p.grad for p in params] == [0.5, 0.5]
    c = autograd.compile(lambda x: print(x) or x * x)  # printing an input (its repr shows .grad) is fine
    assert c(2.0) == (4.0, (4.0,))


def test_a_compiled_function_called_inside_f_is_traced_through() -> None:
    inner = autograd.compile(lambda x, y: x**3 * y)
    outer = autograd.compile(lambda x, y: inner(x, y)[0] + inner(x, y)[1][0] * x)  # x^3 y + 3x^3 y
    for point in ([1.5, 2.0], [-0.5, 3.0]):
        value, grads = outer(*point)
        e_value, e_grads = by_backward(lambda x, y: 4.0 * x**3 * y, point)
        assert math.isclose(value, e_value, rel_tol=1e-14) and all(
            math.isclose(a, b, rel_tol=1e-14) for a, b in zip(grads, e_grads))  # fmt: skip
    aux_inner = autograd.compile(lambda x: (x * x, [x.exp()]), has_aux=True, argnums=0)
    outer2 = autograd.compile(lambda x: aux_inner(x)[0][1][0] + aux_inner(x)[1])
    value, (g,) = outer2(0.5)
    assert math.isclose(value, math.exp(0.5) + 1.0) and math.isclose(g, math.exp(0.5) + 2.0)


def _leave(kind: str, v: Value) -> Value:
    if kind == "detach":
        return v.detach()
    if kind == "no_grad":
        with autograd.no_grad():
            return v * 1.0
    if kind == "gradients":
        return Value(autograd.gradients(v * v, [v])[0])
    if kind == "deepcopy":
        return copy.deepcopy(v)
    return Value(v.data)


@settings(max_examples=80, deadline=None)
@given(programs(), st.integers(0, 10**6), st.sampled_from(["detach", "no_grad", "gradients", "deepcopy", "data"]))
def test_a_value_leaving_the_graph_is_refused_or_replayed_right(prog: Program, at: int, kind: str) -> None:
    """Whichever node leaves the graph, and however: compile refuses, or its replay elsewhere is the engine's."""
    k = at % (len(prog.inputs) + len(prog.instrs))

    def f(*xs: Any) -> Any:
        nodes: list[Any] = list(xs)
        if k < len(nodes):
            nodes[k] = nodes[k] + _leave(kind, nodes[k])
        for name, args, params in prog.instrs:
            op = autograd.ops.REGISTRY[name]
            if op.arity == "n":
                nodes.append(op(*[[nodes[i] for i in g] for g in args]))
            else:
                nodes.append(op(*[nodes[i] for i in args], *params))
            if len(nodes) - 1 == k:
                nodes[k] = nodes[k] * _leave(kind, nodes[k])
        return nodes[-1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            c = autograd.compile(f).trace(*prog.inputs)
        except TraceError:
            return
    elsewhere = [x * (1.0 + 1e-4) for x in prog.inputs]
    value, _ = c(*elsewhere)
    assert bits(value) == bits(f(*[Value(x) for x in elsewhere]).data), prog


# ---- fit(compiled=True) trains on the real labels -------------------------------------


def test_compiled_training_beyond_16_classes_uses_each_examples_label() -> None:
    """Issue 11's reproducer, shortened: past 16 distinct targets the labels were frozen."""
    from autograd.data import make_spiral
    from autograd.train import fit

    X, y = make_spiral(10, classes=20)
    plain, fast = nn.MLP(2, [8, 20], seed=1), nn.MLP(2, [8, 20], seed=1)
    h1 = fit(plain, nn.cross_entropy, X, y, epochs=1, batch_size=8, progress=False)
    h2 = fit(fast, nn.cross_entropy, X, y, epochs=1, batch_size=8, progress=False, compiled=True)
    assert math.isclose(h1.loss[0], h2.loss[0], rel_tol=1e-9) and h1.train_acc == h2.train_acc
    assert all(math.isclose(p.data, q.data, rel_tol=1e-9, abs_tol=1e-12)
               for p, q in zip(plain.parameters(), fast.parameters()))  # fmt: skip


LOSSES = {
    "mse_loss": (lambda: nn.mse_loss, st.floats(-3.0, 3.0, allow_nan=False), 1),
    "cross_entropy": (lambda: nn.cross_entropy, st.integers(0, 24), 25),
    "binary_cross_entropy_with_logits": (lambda: nn.binary_cross_entropy_with_logits, st.floats(0.0, 1.0), 1),
    "hinge_loss": (lambda: nn.hinge_loss, st.sampled_from([-1, 1]), 1),
}


@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.sampled_from(list(LOSSES)), st.data())
def test_every_nn_loss_trains_compiled_on_real_labels_or_refuses(name: str, data: Any) -> None:
    """Batch after batch, the compiled step's loss and gradients are the engine's, or it refuses clearly."""
    from autograd.compiled_step import CompiledStep
    from autograd.train import loss_and_grad

    make, labels, nout = LOSSES[name]
    loss_fn = make()
    model = nn.MLP(2, [3, nout], seed=0)
    step = CompiledStep()
    step.max_label_traces = 6
    for _ in range(4):
        Xb = [[data.draw(st.floats(-1.0, 1.0)), data.draw(st.floats(-1.0, 1.0))] for _ in range(5)]
        yb = [data.draw(labels) for _ in range(5)]
        model.zero_grad()
        loss, _ = loss_and_grad(model, loss_fn, Xb, yb)
        expected = [p.grad for p in model.parameters()]
        model.zero_grad()
        try:
            got, _ = step(model, loss_fn, Xb, yb)
        except ValueError as e:
            assert "once per distinct label" in str(e) and name != "mse_loss"  # mse's labels are inputs
            return
        assert math.isclose(got, loss, rel_tol=1e-9, abs_tol=1e-12), (name, yb)
        scale = 1.0 + max(abs(g) for g in expected)
        assert all(abs(p.grad - g) <= 1e-9 * scale for p, g in zip(model.parameters(), expected)), (name, yb)


# ---- the layered scalar program (big traces) is backward() too ------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
       st.integers(1, 3), st.booleans(), st.integers(0, 10**6))  # fmt: skip
def test_layers_written_as_list_operations_stay_bit_identical(hidden: list[int], act: str, n: int,
                                                             inputs_too: bool, seed: int) -> None:  # fmt: skip
    from autograd.tape import compiled

    rng = np.random.default_rng(seed)
    model = nn.MLP(2, [*hidden, 1], activation=act, seed=seed % 97)
    params = model.parameters()
    X = rng.uniform(-2, 2, (n, 2)).tolist()
    Y = [1.0 if k % 2 else -1.0 for k in range(n)]

    def loss(ps: Any, xs: Any, ys: Any) -> Value:
        return autograd.sum((1 + -y * model(x)).relu() for x, y in zip(xs, ys)) + 1e-3 * autograd.sum(p * p for p in ps)

    old = compiled.LAYERED_EDGES
    compiled.LAYERED_EDGES = 0
    try:
        c = autograd.compile(loss, argnums=None if inputs_too else 0)
        value, grads = c(params, X, Y)
    finally:
        compiled.LAYERED_EDGES = old
    assert "_w(GW" in c.source  # the layered program was written
    xs = [[Value(a) for a in row] for row in X]
    out = loss(params, xs, Y)
    for p in params:
        p.grad = 0.0
    out.backward()
    assert bits(value) == bits(out.data)
    g_params = grads[0] if inputs_too else grads
    assert [bits(g) for g in g_params] == [bits(p.grad) for p in params]
    if inputs_too:
        assert [[bits(g) for g in row] for row in grads[1]] == [[bits(v.grad) for v in row] for row in xs]
    for p in params:
        p.grad = 0.0


@st.composite
def layered_graphs(draw: Any) -> tuple[list[float], list[tuple[Any, ...]]]:
    """Instructions over numbered nodes: layers of dots sharing their inputs, and other ops that
    also use those inputs, in random orders (some orders the layered program may not reorder)."""
    n_in = draw(st.integers(2, 4))
    inputs = [draw(st.floats(-2, 2, allow_nan=False)) for _ in range(n_in)]
    instrs: list[tuple[Any, ...]] = []
    count = n_in
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["layer", "layer", "mul", "tanh", "add"]))
        if kind == "layer":
            xs = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=3))
            k = draw(st.integers(1, 3))
            rows = [[draw(st.integers(0, n_in - 1)) for _ in xs] for _ in range(k)]
            instrs.append(("layer", tuple(xs), rows))
            count += k
        else:
            instrs.append((kind, draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))))
            count += 1
    return inputs, instrs


def _run_layered(inputs: list[Any], instrs: list[tuple[Any, ...]]) -> Any:
    nodes = list(inputs)
    for op, a, b in instrs:
        if op == "layer":
            xs = tuple(autograd.engine._lift(nodes[i]) for i in a)
            nodes += autograd.functions.dots([[nodes[i] for i in row] for row in b], xs)
        elif op == "mul":
            nodes.append(nodes[a] * nodes[b])
        elif op == "add":
            nodes.append(nodes[a] + nodes[b])
        else:
            nodes.append((nodes[a] * 0.5).tanh() + nodes[b])
    return autograd.sum(nodes[len(inputs):])


@settings(max_examples=150, deadline=None)
@given(layered_graphs())
def test_the_layered_program_reorders_nothing_or_is_not_used(graph: Any) -> None:
    """scalar.plan must refuse any layer whose moving would change a gradient's order of sums."""
    from autograd.tape import compiled

    inputs, instrs = graph
    old = compiled.LAYERED_EDGES
    compiled.LAYERED_EDGES = 0
    try:
        value, grads = autograd.compile(lambda *xs: _run_layered(list(xs), instrs))(*inputs)
    finally:
        compiled.LAYERED_EDGES = old
    e_value, e_grads = by_backward(lambda *xs: _run_layered(list(xs), instrs), inputs)
    assert bits(value) == bits(e_value)
    assert [bits(g) for g in grads] == [bits(g) for g in e_grads], (inputs, instrs)
