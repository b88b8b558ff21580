"""The compiled tape: generated source, values and gradients equal to the engine's,
batched numpy replay, guards, argument structures, training with fit(compiled=True)."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, gradients, nn, ops
from autograd.compiled_step import CompiledStep
from autograd.data import make_moons
from autograd.tape import Compiled
from autograd.tape.trace import TraceError

from .strategies import Program, abs_gradients, magnitude, programs

np = pytest.importorskip("numpy")

RTOL = 1e-12


def close(a: float, b: float, scale: float = 0.0) -> bool:
    """``|a - b| <= atol + rtol * scale`` (scale: the magnitude of the terms); nan equals nan."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= RTOL * (1.0 + abs(b) + scale)


def engine(f: Any, xs: list[float]) -> tuple[float, list[float]]:
    vs = [Value(x) for x in xs]
    out = f(*vs)
    return out.data, gradients(out, vs)


# ---- the generated source ----------------------------------------------------


def test_source_of_the_backprop_example_reads_as_the_chain_rule() -> None:
    def f(x: Value, y: Value) -> Value:
        t = x + y
        t.label = "t"
        z = t**2
        z.label = "z"
        return z

    c = autograd.compile(f)
    assert c(3.0, 2.0) == (25.0, (10.0, 10.0))
    assert c.source == (
        "def f(x, y):\n"
        "    # forward: one line per node\n"
        "    t = x + y\n"
        "    z = pow(t, 2.0)\n"
        "    # backward: g_v = dz/dv, one line per edge (chain rule), in the order\n"
        "    # backward() takes them; like its .grad, each g_v starts at 0.0\n"
        "    g_z = 1.0\n"
        "    g_t = 0.0 + 2.0 * t * g_z\n"
        "    g_x = g_t\n"
        "    g_y = g_t\n"
        "    return z, (g_x, g_y)\n"
    )


def test_source_uses_rules_folded_not_restated() -> None:
    c = autograd.compile(lambda x: x.tanh() * 3.0 - x.relu())
    c(0.5)
    src = c.source
    assert "v2 = tanh(x)" in src
    assert "(1.0 - v2 * v2)" in src  # tanh's rule, 1 - out*out, with out named
    assert "where(ge(0.0, x), 0.0, 1.0)" in src  # relu's rule, branch-free
    assert "GuardFailed" not in src  # kinks need no guard


def test_labels_become_unique_identifiers() -> None:
    def f(a: Value, b: Value) -> Value:
        u = a * b
        u.label = "my value"
        w = u + a
        w.label = "my value"  # the same label twice
        k = w.exp()
        k.label = "lambda"  # a keyword
        e = k * 2.0
        e.label = "exp"  # shadows a namespace function
        return e

    c = autograd.compile(f)
    c(0.1, 0.2)
    src = c.source
    assert "my_value = a * b" in src and "my_value_2 = my_value + a" in src
    assert "lambda_ = exp(my_value_2)" in src
    assert "exp_2 = lambda_ * 2.0" in src
    assert c(0.1, 0.2)[0] == pytest.approx(math.exp(0.1 * 0.2 + 0.1) * 2.0)


def test_argument_names_and_nn_scopes_name_the_inputs() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    c = autograd.compile(lambda params, x: model(x), argnums=0).trace(model.parameters(), [0.5, -0.5])
    src = " ".join(c.source.split())
    assert src.startswith("def f( L0_N0_w0, L0_N0_w1, L0_N0_b, L0_N1_w0,") and "L1_N0_b, x_0, x_1, ):" in src
    assert "L0_N0_dot = 0.0 + L0_N0_w0 * x_0 + L0_N0_w1 * x_1 + L0_N0_b" in src  # a neuron's weighted sum
    assert "L0_N0_relu = relu(L0_N0_dot)" in src
    assert max(len(line) for line in c.source.splitlines()) <= 100


def test_source_is_deterministic() -> None:
    def f(x: Value, y: Value) -> Value:
        return autograd.dot([x, y, x], [y, y, x]).sigmoid() + (x / y).log()

    assert autograd.compile(f).trace(1.5, 2.5).source == autograd.compile(f).trace(1.5, 2.5).source


def test_not_traced_yet_is_a_clear_error() -> None:
    c = autograd.compile(lambda x: x * x)
    with pytest.raises(RuntimeError, match="not traced yet"):
        c.source
    with pytest.raises(RuntimeError, match="no batched call"):
        c.batched_source
    assert "not traced yet" in repr(c)


# ---- equal to the engine ----------------------------------------------------------


@given(programs())
def test_random_dags_match_the_engine(prog: Program) -> None:
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    expected = gradients(out, xs)
    scale = abs_gradients(out, xs)
    value, grads = autograd.compile(lambda *v: prog.run(v))(*prog.inputs)
    assert close(value, out.data, magnitude(out)), prog
    for a, b, s in zip(grads, expected, scale):
        assert close(a, b, s), (prog, grads, expected)


@given(programs(), st.integers(0, 10))
def test_random_dags_batched_match_the_engine_per_example(prog: Program, which: int) -> None:
    """One input batched over 3 nearby points, the others shared (their gradients summed)."""
    k = which % len(prog.inputs)
    points = [prog.inputs[k] * (1.0 + 1e-3 * j) for j in range(3)]
    args: list[Any] = list(prog.inputs)
    args[k] = np.array(points)
    value, grads = autograd.compile(lambda *v: prog.run(v))(*args)
    summed = [0.0] * len(prog.inputs)
    scales = [0.0] * len(prog.inputs)
    for j, p in enumerate(points):
        xs = [Value(x) for x in prog.inputs]
        xs[k] = Value(p)
        out = prog.run(xs)
        g = gradients(out, xs)
        s = abs_gradients(out, xs)
        assert close(float(value[j]), out.data, magnitude(out)), prog
        assert close(float(grads[k][j]), g[k], s[k]), prog
        for i in range(len(xs)):
            if i != k:
                summed[i] += g[i]
                scales[i] += s[i]
    for i in range(len(prog.inputs)):
        if i != k:
            assert isinstance(grads[i], float)
            assert close(grads[i], summed[i], scales[i]), (prog, i, grads[i], summed[i])


POINTS = [-1.5, -0.0, 0.0, 0.7, 3.0]  # includes the kinks at 0
PARAMS = {"powc": [(2.0,), (0.5,), (-1.0,), (0.0,), (3.0,), (1.0,)], "leaky_relu": [(0.01,), (0.2,)],
          "clamp": [(-0.5, 1.0), (0.0, 0.0)]}  # fmt: skip


def _maker(op: ops.Primitive, params: tuple[Any, ...] = ()) -> Any:
    """A function of floats/Values that applies ``op`` (a reduction gets groups of 3-4)."""
    if op.arity == 1:
        return lambda x: op(x, *params)
    if op.arity == 2:
        return lambda a, b: op(a, b)
    if op.groups == 1:
        return lambda a, b, c: op([a, b, c, a])
    return lambda a, b, c: op([a, b, c], [c, a, b])


def _op_cases() -> list[tuple[str, Any, tuple[float, ...]]]:
    cases: list[tuple[str, Any, tuple[float, ...]]] = []
    for name, op in list(ops.REGISTRY.items()):
        if op.arity == 1:
            for p in PARAMS.get(name, [()]):
                cases += [(name, _maker(op, p), (x,)) for x in POINTS]
        elif op.arity == 2:
            cases += [(name, _maker(op), (a, b)) for a in POINTS for b in POINTS]
        else:
            cases += [(name, _maker(op), (a, b, 0.3)) for a in POINTS for b in POINTS]
    return cases


@pytest.mark.parametrize("name", list(ops.REGISTRY))
def test_every_op_matches_the_engine_scalar_and_batched(name: str) -> None:
    """Kinks, ties and domain edges included: the conventions are the engine's, branch-free."""
    cases = [c for c in _op_cases() if c[0] == name]
    assert cases
    for _, f, xs in cases:
        c = autograd.compile(f)
        value, grads = c(*xs)
        v_e, g_e = engine(f, list(xs))
        assert close(value, v_e) and all(close(a, b) for a, b in zip(grads, g_e)), (name, xs)
        vb, gb = c(*[np.array([x, x]) for x in xs])
        for j in range(2):
            assert close(float(vb[j]), v_e), (name, xs, "batched")
            assert all(close(float(a[j]), b) for a, b in zip(gb, g_e)), (name, xs, "batched")
        assert c.n_traces == 1  # no value-dependent branch anywhere


def test_a_user_defined_primitive_compiles_from_its_rule() -> None:
    softsign = autograd.defop(
        "softsign_compile_test",
        lambda m, x: m.div(x, 1 + m.abs(x)),
        lambda m, x, out: (m.div(1, (1 + m.abs(x)) * (1 + m.abs(x))),),
    )
    c = autograd.compile(lambda x: softsign(x) * x)
    for x in (-2.0, 0.0, 0.5):
        value, (g,) = c(x)
        v_e, (g_e,) = engine(lambda v: softsign(v) * v, [x])
        assert close(value, v_e) and close(g, g_e)
    assert "softsign_compile_test" not in c.source  # written out from its rule, as the others
    assert "div(1.0, (1.0 + abs(x)) * (1.0 + abs(x)))" in c.source


def _mlp_loss(model: nn.MLP, params: list[Any], X: list[Any], y: list[Any]) -> Value:
    scores = [model(x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    return autograd.sum(losses) * (1.0 / len(losses)) + 1e-4 * autograd.sum(p * p for p in params)


def test_mlp_demo_loss_matches_the_engine() -> None:
    X, y = make_moons(20, noise=0.1, seed=0)
    y = [2.0 * t - 1.0 for t in y]
    model = nn.MLP(2, [8, 8, 1], seed=3)
    params = model.parameters()
    loss = _mlp_loss(model, params, [[Value(a) for a in row] for row in X], y)
    expected = gradients(loss, params)
    c = autograd.compile(lambda ps, xs, ys: _mlp_loss(model, ps, xs, ys), argnums=0).trace(params, X, y)
    value, grads = c([p.data for p in params], X, y)
    assert close(value, loss.data)
    scale = max(abs(g) for g in expected)
    assert len(grads) == len(params) and all(close(a, b, scale) for a, b in zip(grads, expected))


def test_mlp_batched_over_examples_sums_the_shared_gradients() -> None:
    X, y = make_moons(30, noise=0.1, seed=1)
    y = [2.0 * t - 1.0 for t in y]
    model = nn.MLP(2, [8, 8, 1], seed=4)
    params = model.parameters()
    c = autograd.compile(lambda ps, x, yi: _mlp_loss(model, ps, [x], [yi]), argnums=0).trace(params, X[0], y[0])
    values, grads = c(params, np.array(X).T, np.array(y))
    assert values.shape == (30,) and isinstance(grads, list) and isinstance(grads[0], float)
    total = [0.0] * len(params)
    for j, (x, yi) in enumerate(zip(X, y)):
        loss = _mlp_loss(model, params, [[Value(a) for a in x]], [yi])
        assert close(float(values[j]), loss.data)
        total = [a + b for a, b in zip(total, gradients(loss, params))]
    scale = sum(abs(g) for g in total)
    assert all(close(a, b, scale) for a, b in zip(grads, total))
    assert "N.matmul(" in c.batched_source  # each layer's dots are one matrix product


def test_fused_layer_with_shared_weights_repeated_and_shared_inputs() -> None:
    """Dots over one input list that repeats an input and holds a batch-wide value."""

    def f(w: Any, x0: Value, x1: Value) -> Value:
        xs = [x0, x1, x0, w[2] * 2.0]
        a = autograd.dot([w[0], w[1], w[0], w[1]], xs)
        b = autograd.dot([w[1], w[1], w[2], 1.0], xs)
        return a * b + a.tanh()

    c = autograd.compile(f)
    x0s, x1s, w = [0.3, -0.4, 1.2], [0.5, 0.25, -1.0], [0.7, -0.2, 0.4]
    value, (gw, gx0, gx1) = c(w, np.array(x0s), np.array(x1s))
    assert "N.matmul(" in c.batched_source
    total = [0.0, 0.0, 0.0]
    for j in range(3):
        v_e, g_e = engine(lambda a, b, cc, p, q: f([a, b, cc], p, q), [*w, x0s[j], x1s[j]])
        assert close(float(value[j]), v_e)
        assert close(float(gx0[j]), g_e[3], 10.0) and close(float(gx1[j]), g_e[4], 10.0)
        total = [t + g for t, g in zip(total, g_e[:3])]
    assert all(close(a, b, 10.0) for a, b in zip(gw, total))


def test_batched_gradients_of_batched_inputs_are_per_example() -> None:
    c = autograd.compile(lambda x, w: (x * w).sin() + w)
    value, (gx, gw) = c(np.array([0.1, 0.2, 0.3]), 2.0)
    xs = np.array([0.1, 0.2, 0.3])
    assert np.allclose(value, np.sin(2 * xs) + 2, rtol=1e-14)
    assert np.allclose(gx, 2 * np.cos(2 * xs), rtol=1e-14)
    assert isinstance(gw, float) and gw == pytest.approx(float(np.sum(xs * np.cos(2 * xs)) + 3), rel=1e-14)


def test_batched_output_that_ignores_the_batch_is_broadcast_and_summed() -> None:
    c = autograd.compile(lambda x, w: w * w)
    value, (gx, gw) = c(np.array([1.0, 2.0, 3.0, 4.0]), 3.0)
    assert value.tolist() == [9.0] * 4
    assert gx.tolist() == [0.0] * 4
    assert gw == 4 * 6.0  # summed over 4 examples


def test_batched_results_never_alias_each_other_or_the_inputs() -> None:
    c = autograd.compile(lambda a, b: a + b)
    x = np.array([1.0, 2.0])
    _, (ga, gb) = c(x, np.array([3.0, 4.0]))
    ga[0] = 99.0
    assert gb[0] == 1.0 and x[0] == 1.0
    value2, _ = autograd.compile(lambda a: a)(x)
    value2[0] = 5.0
    assert x[0] == 1.0


def test_batched_replay_raises_no_numpy_warnings_and_keeps_ieee_results() -> None:
    f = lambda x: x.log() + (1.0 / x) + x.sqrt()
    points = [-1.0, 0.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, (g,) = autograd.compile(f)(np.array(points))
    for j, x in enumerate(points):
        v_e, (g_e,) = engine(f, [x])
        assert close(float(value[j]), v_e) and close(float(g[j]), g_e)


def test_a_2d_array_is_a_sequence_of_batched_rows() -> None:
    c = autograd.compile(lambda xs: autograd.sum(x * x for x in xs))
    value, (g,) = c(np.array([[1.0, 2.0], [3.0, 4.0]]))  # two inputs, batch of 2
    assert value.tolist() == [10.0, 20.0]
    assert [a.tolist() for a in g] == [[2.0, 4.0], [6.0, 8.0]]


# ---- arguments and results --------------------------------------------------------


def test_gradients_mirror_nested_arguments() -> None:
    def f(params: Any, x: Any, y: Any) -> Value:
        (a, b), c = params
        return (a * x[0] + b * x[1] + c - y) ** 2

    value, grads = autograd.compile(f)(([1.0, 2.0], 3.0), (4.0, 5.0), 1.0)
    v_e, g_e = engine(lambda a, b, c, x0, x1, y: (a * x0 + b * x1 + c - y) ** 2, [1.0, 2.0, 3.0, 4.0, 5.0, 1.0])
    assert value == v_e
    assert grads == (([g_e[0], g_e[1]], g_e[2]), (g_e[3], g_e[4]), g_e[5])


def test_argnums_picks_arguments_like_value_and_grad() -> None:
    f = lambda p, x: (p[0] * x).exp() + p[1]
    assert autograd.compile(f, argnums=0)([1.0, 2.0], 0.5)[1] == autograd.grad(f, argnums=0)([1.0, 2.0], 0.5)
    g = autograd.compile(f, argnums=(1,))([1.0, 2.0], 0.5)[1]
    assert isinstance(g, tuple) and len(g) == 1 and g[0] == pytest.approx(math.exp(0.5))
    assert "g_p_0" not in autograd.compile(f, argnums=1).trace([1.0, 2.0], 0.5).source
    with pytest.raises(IndexError, match="argnums 2"):
        autograd.compile(f, argnums=2)([1.0, 2.0], 0.5)


def test_decorator_forms() -> None:
    @autograd.compile
    def sq(x: Value) -> Value:
        return x * x

    @autograd.compile(argnums=0)
    def cube(x: Value) -> Value:
        return x * x * x

    assert sq(3.0) == (9.0, (6.0,)) and cube(2.0) == (8.0, 12.0)
    assert sq.__name__ == "sq" and isinstance(sq, Compiled)


def test_inputs_may_be_ints_numpy_scalars_and_values() -> None:
    c = autograd.compile(lambda x, y: x * y)
    assert c(3, np.float64(2.0)) == (6.0, (2.0, 3.0))
    assert c(Value(3.0), 2.0) == (6.0, (2.0, 3.0))
    assert type(c(3, 2)[0]) is float


def test_structure_changes_trace_again_and_bad_inputs_are_refused() -> None:
    c = autograd.compile(lambda xs: autograd.sum(xs))
    assert c([1.0, 2.0])[1] == ([1.0, 1.0],)
    assert c([1.0, 2.0, 3.0])[1] == ([1.0, 1.0, 1.0],)
    assert c.n_traces == 2
    with pytest.raises(TypeError, match="str"):
        c(["a"])
    with pytest.raises(TypeError, match="bool"):
        c([True])
    with pytest.raises(ValueError, match="one length"):
        autograd.compile(lambda a, b: a * b)(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="must return one Value"):
        autograd.compile(lambda x: [x, x])(1.0)
    with pytest.raises(ValueError, match="passed twice"):
        v = Value(1.0)
        autograd.compile(lambda a, b: a * b)(v, v)


def test_has_aux_returns_extra_numbers() -> None:
    c = autograd.compile(lambda x: (x * x, [x.exp(), 2.0]), has_aux=True)
    (value, aux), grads = c(1.0)
    assert value == 1.0 and aux == [math.e, 2.0] and grads == (2.0,)
    (vb, auxb), _ = c(np.array([0.0, 1.0]))
    assert vb.tolist() == [0.0, 1.0] and auxb[0].tolist() == [1.0, math.e] and auxb[1].tolist() == [2.0, 2.0]


def test_model_parameters_passed_at_trace_time_are_the_inputs() -> None:
    model = nn.MLP(3, [4, 1], seed=0)
    params = model.parameters()
    c = autograd.compile(lambda ps, x: model(x) ** 2, argnums=0).trace(params, [0.1, 0.2, 0.3])
    for p in params:
        p.data += 0.25  # training moved the weights: calls read the current numbers
    value, grads = c(params, [0.1, 0.2, 0.3])
    out = model([0.1, 0.2, 0.3]) ** 2
    assert value == out.data and grads == gradients(out, params)


# ---- guards ---------------------------------------------------------------------


def test_value_dependent_branches_are_guarded_and_retraced() -> None:
    def f(x: Value) -> Value:
        if x > 0:
            return x * 2
        return x * -3

    c = autograd.compile(f)
    assert c(1.0) == (2.0, (2.0,))
    assert c.guards == ["if not x > 0.0: raise GuardFailed(0)"]
    assert c(-1.0) == (3.0, (-3.0,))  # the guard failed: a second trace
    assert c(5.0) == (10.0, (2.0,))  # the first trace is reused
    assert c.n_traces == 2


def test_comparisons_between_nodes_and_reflected_comparisons_are_guarded() -> None:
    def f(a: Value, b: Value) -> Value:
        m = a * b
        return m if 0.5 < m else a + b  # reflected: m.__gt__(0.5)

    c = autograd.compile(f)
    for a, b in [(1.0, 1.0), (0.1, 0.1), (2.0, 3.0), (-1.0, 0.2)]:
        v_e, g_e = engine(f, [a, b])
        assert c(a, b) == (v_e, tuple(g_e))
    assert c.n_traces == 2


def test_guards_against_ints_and_numpy_scalars() -> None:
    c = autograd.compile(lambda x: x * 2 if x > np.int64(0) else x)
    assert c(1.0) == (2.0, (2.0,)) and c(-1.0) == (-1.0, (1.0,))
    assert c.guards == ["if x > 0.0: raise GuardFailed(0)"]


def test_float_and_format_are_guards_on_the_value() -> None:
    seen: list[str] = []

    def f(x: Value) -> Value:
        k = float(x * x)  # frozen number
        seen.append(f"{x:.1f}")
        return x * k

    c = autograd.compile(f)
    assert c(2.0) == (8.0, (4.0,))
    assert c(2.0) == (8.0, (4.0,)) and c.n_traces == 1
    assert c(3.0) == (27.0, (9.0,)) and c.n_traces == 2  # never the stale 4.0
    assert any("same(" in g for g in c.guards) and any("same_format(" in g for g in c.guards)


def test_float_guard_in_a_batch() -> None:
    c = autograd.compile(lambda x, w: w * float(x))
    c(2.0, 1.0)
    value, (gx, gw) = c(np.array([2.0, 2.0]), 3.0)  # every example has the traced number
    assert value.tolist() == [6.0, 6.0] and gw == 4.0 and gx.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="different paths"):
        c(np.array([2.0, 5.0]), 3.0)


def test_kinks_need_no_guard() -> None:
    c = autograd.compile(lambda x, y: abs(x).relu() + autograd.maximum(x, y) + x.clamp(-1.0, 1.0))
    for x, y in [(1.0, 2.0), (-1.0, -3.0), (0.0, 0.0), (5.0, 5.0)]:
        v_e, g_e = engine(lambda a, b: abs(a).relu() + autograd.maximum(a, b) + a.clamp(-1.0, 1.0), [x, y])
        assert c(x, y) == (v_e, tuple(g_e))
    assert c.n_traces == 1 and c.guards == []


def test_batch_on_one_path_retraces_and_a_mixed_batch_is_an_error() -> None:
    def f(x: Value) -> Value:
        return x * x if x > 0 else -x

    c = autograd.compile(f)
    c(1.0)
    value, (g,) = c(np.array([-1.0, -2.0]))  # all take the other path: a new trace
    assert value.tolist() == [1.0, 2.0] and g.tolist() == [-1.0, -1.0]
    value, (g,) = c(np.array([1.0, 2.0]))
    assert value.tolist() == [1.0, 4.0] and g.tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match="different paths"):
        c(np.array([1.0, -1.0]))


def test_comparisons_inside_a_derivative_rule_under_create_graph_are_guarded() -> None:
    """d/dx relu(x) built inside f (create_graph) is heaviside(x): a number frozen per sign."""
    c = autograd.compile(lambda x: autograd.grad(lambda v: v.relu() * v)(x))
    for x in (2.0, -2.0, 3.0):
        value, (g,) = c(x)
        assert value == (2 * x if x > 0 else 0.0) and g == (2.0 if x > 0 else 0.0)
    assert c.n_traces == 2


def test_many_retraces_warn() -> None:
    c = autograd.compile(lambda x: x * float(x))
    with pytest.warns(RuntimeWarning, match="traced 5 times"):
        for k in range(6):
            assert c(float(k))[0] == k * k


def test_reading_data_and_captured_values_warn() -> None:
    with pytest.warns(RuntimeWarning, match=r"reads '\.data'"):  # e.g. to print it: harmless
        autograd.compile(lambda x: x * 2.0 if x.data is not None else x)(2.0)
    with pytest.warns(RuntimeWarning), pytest.raises(TraceError, match=r"uses \.data \(line"):
        autograd.compile(lambda x: x * x.data)(2.0)  # the number is computed with: frozen, refused
    w = Value(2.0, label="w")
    with pytest.warns(RuntimeWarning, match="not among its arguments"):
        c = autograd.compile(lambda x: x * w)
        c(3.0)
    assert "w = 2.0  # not an argument: frozen" in c.source
    with pytest.warns(RuntimeWarning, match="depends on none of its inputs"):
        autograd.compile(lambda x: Value(3.0) * 2)(1.0)
    with pytest.raises(TypeError, match=r"computed from \.data"):
        autograd.compile(lambda x: x.data * 2)(1.0)


def test_other_threads_comparisons_are_not_recorded() -> None:
    stop = threading.Event()

    def compare() -> None:
        v = Value(1.0)
        while not stop.is_set():
            _ = v > 0

    t = threading.Thread(target=compare)
    t.start()
    try:
        c = autograd.compile(lambda x: (x * x).exp() + x)
        for k in range(20):
            c.trace(float(k))
            assert c.guards == []
    finally:
        stop.set()
        t.join()


# ---- without numpy, and training ---------------------------------------------------


def test_scalar_path_works_without_numpy() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import autograd\n"
        "c = autograd.compile(lambda x, y: (x * y).tanh() + autograd.dot([x, y], [y, x]))\n"
        "v, g = c(0.5, [1.0][0])\n"
        "assert abs(v - (0.46211715726000974 + 1.0)) < 1e-12, v\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_fit_compiled_trains_like_the_engine() -> None:
    from autograd.train import fit

    X, y = make_moons(60, noise=0.1, seed=0)
    y = [2 * t - 1 for t in y]
    plain, fast = nn.MLP(2, [8, 1], seed=5), nn.MLP(2, [8, 1], seed=5)
    h1 = fit(plain, nn.hinge_loss, X, y, epochs=4, batch_size=16, progress=False)
    h2 = fit(fast, nn.hinge_loss, X, y, epochs=4, batch_size=16, progress=False, compiled=True)
    assert all(close(a, b, 1e3) for a, b in zip(h1.loss, h2.loss))
    assert h1.train_acc == h2.train_acc
    assert all(close(p.data, q.data, 1e3) for p, q in zip(plain.parameters(), fast.parameters()))


def test_fit_compiled_multiclass_and_regression_targets() -> None:
    from autograd.train import fit

    X = [[0.1 * i, 0.05 * (i % 7)] for i in range(40)]
    labels = [i % 3 for i in range(40)]
    plain, fast = nn.MLP(2, [6, 3], seed=2), nn.MLP(2, [6, 3], seed=2)
    h1 = fit(plain, nn.cross_entropy, X, labels, epochs=3, batch_size=10, progress=False)
    h2 = fit(fast, nn.cross_entropy, X, labels, epochs=3, batch_size=10, progress=False, compiled=True)
    assert all(close(a, b, 1e3) for a, b in zip(h1.loss, h2.loss)) and h1.train_acc == h2.train_acc
    targets = [0.3 * i - 2.0 for i in range(40)]  # 40 distinct values: the targets are inputs
    plain, fast = nn.MLP(2, [6, 1], seed=2), nn.MLP(2, [6, 1], seed=2)
    h1 = fit(plain, nn.mse_loss, X, targets, epochs=3, batch_size=40, progress=False)
    h2 = fit(fast, nn.mse_loss, X, targets, epochs=3, batch_size=40, progress=False, compiled=True)
    assert all(close(a, b, 1e3) for a, b in zip(h1.loss, h2.loss))


def test_fit_takes_compiled_or_a_step_not_both() -> None:
    from autograd.train import fit

    with pytest.raises(ValueError, match="not both"):
        fit(nn.MLP(2, [1]), nn.mse_loss, [[0.0, 1.0]], [1.0], progress=False, compiled=True, step=CompiledStep())


def test_compiled_step_refuses_a_loss_that_is_not_a_mean_over_examples() -> None:
    from autograd.train import fit

    X = [[0.1 * i, 0.2] for i in range(8)]
    y = [1 if i % 2 else -1 for i in range(8)]
    model = nn.MLP(2, [3, 1], seed=0)
    summed = lambda outs, ys: nn.hinge_loss(outs, ys, reduction="sum")
    with pytest.raises(ValueError, match="mean over the batch"):
        fit(model, summed, X, y, epochs=1, progress=False, compiled=True)
