"""Forward mode and JAX's transforms: jvp, linearize, vjp, jacfwd, jacrev, hvp; gradgradcheck.

Against torch.func (float64) on random DAGs at the tolerances of test_properties.py,
against reverse mode, and on the conventions table's kinks (docs/conventions.md).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import GradcheckError, Value, gradients, no_grad
from autograd import forward as fwd
from autograd.check import gradgradcheck
from autograd.engine import backprop
from autograd.functional import grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, linearize, vjp

from .strategies import Program, abs_gradients, magnitude, programs

INF, NAN = math.inf, math.nan

# torch's forward AD loads its decompositions through torch.jit.script on first use, which warns.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def same(a: float, b: float) -> bool:
    """Equal as IEEE values: nan matches nan, and the sign of zero counts."""
    if math.isnan(b):
        return math.isnan(a)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _calls(fn: Callable[[], Any], *functions: Any) -> list[int]:
    """How many times each of ``functions`` is called while fn() runs."""
    codes = [f.__code__ for f in functions]
    counts = [0] * len(codes)

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code in codes:
            counts[codes.index(frame.f_code)] += 1
        return None

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return counts


# ---- the functions, as the docs show them -------------------------------------------


def test_jvp_is_the_directional_derivative() -> None:
    assert jvp(lambda x, y: x * y, (3.0, 2.0), (1.0, 0.0)) == (6.0, 2.0)
    assert jvp(lambda x, y: x * y, (3.0, 2.0), (1.0, 1.0)) == (6.0, 5.0)
    value, tangent = jvp(autograd.sin, (0.5,), (2.0,))
    assert type(value) is float and type(tangent) is float
    assert (value, tangent) == (math.sin(0.5), 2.0 * math.cos(0.5))


def test_nested_arguments_and_outputs() -> None:
    def f(xs: Any, pair: Any) -> Any:
        return [autograd.dot(xs, xs), (pair[0] * xs[1], 5.0)]

    value, tangent = jvp(f, ([1.0, 2.0], (3.0, [4.0])), ([1.0, 0.0], (0.0, [1.0])))
    assert value == [5.0, (6.0, 5.0)]
    assert tangent == [2.0, (0.0, 0.0)]
    assert jacfwd(f)([1.0, 2.0], (3.0, [4.0])) == jacobian(f)([1.0, 2.0], (3.0, [4.0]))


def test_linearize_evaluates_f_once() -> None:
    calls = []

    def f(x: Any, y: Any) -> Any:
        calls.append(1)
        return [x * y, autograd.logsumexp([x, y, x])]

    value, f_jvp = linearize(f, 2.0, 3.0)
    assert value == [6.0, pytest.approx(math.log(2 * math.e**2 + math.e**3))]
    for t in [(1.0, 0.0), (0.0, 1.0), (0.5, -2.0)]:
        assert f_jvp(*t) == jvp(f, (2.0, 3.0), t)[1]  # the same sweep, the same floats
    assert len(calls) == 1 + 3  # linearize once; each jvp once


def test_jvp_is_one_forward_sweep_and_no_reverse_pass() -> None:
    f = lambda xs: autograd.sum(x.tanh() * x for x in xs)
    xs, vs = [0.1 * i for i in range(20)], [1.0] * 20
    assert _calls(lambda: jvp(f, (xs,), (vs,)), fwd._push, backprop) == [1, 0]
    assert _calls(lambda: jacfwd(f)(xs), fwd._push_many, backprop) == [1, 0]
    # hvp and hessian: one reverse pass (recording the gradient), then one forward sweep.
    assert _calls(lambda: hvp(f, (xs,), (vs,)), fwd._push, backprop) == [1, 1]
    assert _calls(lambda: hessian(f)(xs), fwd._push_many, backprop) == [1, 1]


def test_jacfwd_and_jacrev_lay_out_like_jacobian() -> None:
    f = lambda x, y: [x * y, x + y, 3.0]
    for argnums in (0, 1, (0, 1), (1, 0)):
        expected = jacobian(f, argnums)(2.0, 3.0)
        assert jacfwd(f, argnums)(2.0, 3.0) == expected
        assert jacrev(f, argnums)(2.0, 3.0) == expected
    assert jacfwd(f, argnums=(0, 1))(2.0, 3.0) == [(3.0, 2.0), (1.0, 1.0), (0.0, 0.0)]


def test_vjp_gives_one_cotangent_per_argument() -> None:
    value, f_vjp = vjp(lambda x, ys: [x * ys[0], x + ys[1], 7.0], 2.0, [3.0, 4.0])
    assert value == [6.0, 6.0, 7.0]
    assert f_vjp([1.0, 0.0, 5.0]) == (3.0, [2.0, 0.0])
    assert f_vjp([0.0, 1.0, 0.0]) == (1.0, [0.0, 1.0])


def test_hvp_is_the_hessian_times_a_vector() -> None:
    f = lambda xs: xs[0] ** 2 * xs[1] + autograd.sin(xs[1]) * xs[0]
    x, v = [1.0, 2.0], [0.5, -1.0]
    h = hessian(f)(x)
    expected = [sum(h[i][j] * v[j] for j in range(2)) for i in range(2)]
    assert hvp(f, (x,), (v,)) == pytest.approx(expected, rel=1e-15)
    # several arguments: one entry per argument
    g = lambda a, b: a**2 * b + autograd.sin(b) * a
    assert hvp(g, (1.0, 2.0), (0.5, -1.0)) == pytest.approx(tuple(expected), rel=1e-15)


def test_forward_mode_writes_no_grad_and_records_under_no_grad() -> None:
    x = Value(2.0)
    x.grad = 7.0
    assert jvp(lambda v: v**3, (x,), (1.0,))[1].data == 12.0
    assert x.grad == 7.0
    with no_grad():
        assert jvp(lambda v: v**3, (2.0,), (1.0,)) == (8.0, 12.0)
        assert hvp(lambda v: v**3, (2.0,), (1.0,)) == 12.0
        assert vjp(lambda v: v**3, 2.0)[1](1.0) == (12.0,)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: jvp(lambda x: x, 2.0, 1.0), "primals must be a tuple"),
        (lambda: jvp(lambda x: x, (2.0,), 1.0), "tangents must be a tuple"),
        (lambda: jvp(lambda x, y: x, (2.0, 3.0), (1.0,)), "1 tangent"),
        (lambda: jvp(lambda xs: xs[0], ([2.0, 3.0],), ([1.0],)), r"tangent 0 must be shaped like its primal \[x, x\]"),
        (lambda: jvp(lambda x: x, (2.0,), ([1.0],)), r"tangent 0 must be shaped like its primal x, got \[x\]"),
        (lambda: linearize(lambda x: x, 2.0)[1](1.0, 2.0), "f_jvp got 2 tangent"),
        (lambda: vjp(lambda x: [x, x], 2.0)[1](1.0), r"cotangent must be shaped like f's output \[x, x\]"),
    ],
)
def test_shape_mistakes_are_named(call: Callable[[], Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_a_non_number_output_is_refused() -> None:
    for transform in (lambda f: jvp(f, (1.0,), (1.0,)), lambda f: jacfwd(f)(1.0), lambda f: vjp(f, 1.0)):
        with pytest.raises(TypeError, match="must return a Value or a number"):
            transform(lambda x: "nope")


def test_jacfwd_argnums_are_checked() -> None:
    with pytest.raises(ValueError, match="twice"):
        jacfwd(lambda a, b: a * b, argnums=(0, 0))(1.0, 2.0)
    with pytest.raises(IndexError, match="argnums 2"):
        jacfwd(lambda a, b: a * b, argnums=2)(1.0, 2.0)


def test_forward_mode_refuses_a_closure_node() -> None:
    def f(x: Value) -> Value:  # micrograd's way: a node whose backward is a closure
        y = x * 2.0
        out = Value(y.data**2, (y,), "sq")

        def _backward() -> None:
            y.grad += 2 * y.data * out.grad

        out._backward = _backward
        return out

    for call in (lambda: jvp(f, (3.0,), (1.0,)), lambda: linearize(f, 3.0), lambda: jacfwd(f)(3.0),
                 lambda: grad(lambda w: jvp(f, (w,), (1.0,))[1])(3.0)):  # fmt: skip
        with pytest.raises(TypeError, match=r"forward mode .*'sq'.* autograd\.defop"):
            call()


# ---- composition: no perturbation confusion ----------------------------------------------


def test_jvp_of_grad_and_grad_of_jvp() -> None:
    assert jvp(grad(lambda x: x**3), (2.0,), (1.0,)) == (12.0, 12.0)
    assert grad(lambda x: jvp(autograd.sin, (x,), (1.0,))[1])(0.5) == -math.sin(0.5)
    # d/dv of the directional derivative along v: the gradient (jvp is linear in v)
    assert grad(lambda v: jvp(lambda x: x**3, (2.0,), (v,))[1])(1.0) == 12.0
    _, f_jvp = linearize(lambda x: x**3, 2.0)
    assert grad(f_jvp)(1.0) == 12.0


def test_jacfwd_of_jacrev_is_the_hessian() -> None:
    f = lambda xs: xs[0] ** 2 * xs[1] + autograd.sin(xs[1]) * xs[0] + autograd.logsumexp(xs)
    x = [1.0, 2.0]
    h = hessian(f)(x)
    for hh in (jacfwd(jacrev(f))(x), jacrev(jacfwd(f))(x), jacfwd(jacfwd(f))(x), jacobian(grad(f))(x)):
        assert hh == [pytest.approx(row, rel=1e-14) for row in h]
    assert h[0][1] == h[1][0]


def test_no_perturbation_confusion() -> None:
    # d/dx [x * d/dy (x + y)] = 1: the inner derivative must not see x move.
    assert jvp(lambda x: x * jvp(lambda y: x + y, (x,), (1.0,))[1], (1.0,), (1.0,))[1] == 1.0
    assert jvp(lambda x: x * grad(lambda y: x + y)(x), (1.0,), (1.0,))[1] == 1.0
    assert grad(lambda x: x * jvp(lambda y: x + y, (x,), (1.0,))[1])(1.0) == 1.0
    # an inner transform on floats, closing over the outer variable
    assert jvp(lambda x: jvp(lambda y: x * y, (2.0,), (1.0,))[1], (3.0,), (1.0,)) == (3.0, 1.0)
    assert jvp(lambda w: grad(lambda x: w * x**2)(1.5), (3.0,), (1.0,)) == (9.0, 3.0)
    assert grad(lambda w: jvp(lambda x: w * x**2, (1.5,), (1.0,))[1])(3.0) == 3.0
    assert grad(lambda w: jacfwd(lambda x: w * x**3)(2.0))(5.0) == 12.0
    assert grad(lambda w: hessian(lambda x: w * x**3)(2.0))(5.0) == 12.0
    assert grad(lambda w: vjp(lambda x: w * x**3, 2.0)[1](1.0)[0])(5.0) == 12.0
    # nothing captured: floats stay floats
    assert isinstance(grad(lambda w: w * 0 + jvp(lambda x: x**2, (3.0,), (1.0,))[1])(1.0), float)


@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(0.1, 2))
def test_nested_forward_and_reverse_match_the_analytic_derivative(w: float, a: float, x: float) -> None:
    # d/dw [ d/dx (w*x**3 + a*w**2*x) ] = 3x**2 + 2aw, every way round
    inner = lambda w_: lambda x_: w_ * x_**3 + a * w_**2 * x_
    truth = 3 * x**2 + 2 * a * w
    ways = [
        jvp(lambda w_: jvp(inner(w_), (x,), (1.0,))[1], (w,), (1.0,))[1],
        jvp(lambda w_: grad(inner(w_))(x), (w,), (1.0,))[1],
        grad(lambda w_: jvp(inner(w_), (x,), (1.0,))[1])(w),
        jacfwd(lambda w_: jacfwd(inner(w_))(x))(w),
    ]
    for got in ways:
        assert got == pytest.approx(truth, rel=1e-12, abs=1e-12)


# ---- a user-defined primitive gets forward mode for free -----------------------------------

softsign = autograd.defop(
    "test_forward_softsign",
    lambda m, x: m.div(x, 1 + m.abs(x)),
    lambda m, x, out: (m.div(1, (1 + m.abs(x)) * (1 + m.abs(x))),),
)


@pytest.mark.parametrize("x", [-2.0, -0.5, 0.3, 3.0])
def test_defop_gets_forward_mode(x: float) -> None:
    d1 = 1 / (1 + abs(x)) ** 2
    d2 = -2 * math.copysign(1.0, x) / (1 + abs(x)) ** 3
    assert jvp(softsign, (x,), (2.0,)) == (pytest.approx(x / (1 + abs(x))), pytest.approx(2 * d1, rel=1e-15))
    assert jacfwd(lambda v: [softsign(v), softsign(v) * v])(x) == pytest.approx([d1, d1 * x + x / (1 + abs(x))])
    # second order: the rule evaluated on Values, then forward mode through it
    assert hvp(softsign, (x,), (1.0,)) == pytest.approx(d2, rel=1e-14)
    assert jacfwd(jacfwd(softsign))(x) == pytest.approx(d2, rel=1e-14)
    assert gradgradcheck(lambda v: softsign(v) * v, [x])


# ---- random DAGs: against reverse mode, and against torch.func -------------------------------

tangents = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=3, max_size=3)


def _scales(out: Value, xs: list[Value], v: list[float]) -> float:
    """The scale of a directional derivative: the sum over paths of |product of locals| * |v|."""
    return sum(s * abs(t) for s, t in zip(abs_gradients(out, xs), v))


@given(prog=programs(), v=tangents)
def test_forward_mode_matches_reverse_mode(prog: Program, v: list[float]) -> None:
    n = len(prog.inputs)
    v = v[:n]
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    g = gradients(out, xs)
    value, tangent = jvp(prog, tuple(prog.inputs), tuple(v))
    assert value == out.data
    assert abs(tangent - sum(a * b for a, b in zip(g, v))) <= 1e-12 * (1.0 + _scales(out, xs, v)), prog
    # linearize is jvp; jacfwd's rows are the gradients
    assert linearize(prog, *prog.inputs)[1](*v) == tangent
    row = jacfwd(prog, argnums=tuple(range(n)))(*prog.inputs)
    for a, b, s in zip(row, g, abs_gradients(out, xs)):
        assert abs(a - b) <= 1e-12 * (1.0 + s), prog
    # vjp is the seeded reverse pass itself
    assert vjp(prog, *prog.inputs)[1](v[0]) == tuple(gradients(out, xs, v[0]))


@given(prog=programs(), v=tangents)
def test_jvp_matches_torch(torch: Any, prog: Program, v: list[float]) -> None:
    n = len(prog.inputs)
    v = v[:n]
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    value, tangent = jvp(prog, tuple(prog.inputs), tuple(v))
    t_value, t_tangent = torch.func.jvp(lambda *ts: prog.run_torch(torch, ts),
                                        tuple(torch.tensor(x) for x in prog.inputs),
                                        tuple(torch.tensor(t) for t in v))  # fmt: skip
    assert abs(value - t_value.item()) <= 1e-12 + 1e-9 * magnitude(out), prog
    assert abs(tangent - t_tangent.item()) <= 1e-12 + 1e-9 * _scales(out, xs, v), (prog, tangent, t_tangent)


@given(prog=programs(), c=st.floats(-2.0, 2.0, allow_nan=False))
def test_vjp_matches_torch(torch: Any, prog: Program, c: float) -> None:
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    value, f_vjp = vjp(prog, *prog.inputs)
    t_value, t_vjp = torch.func.vjp(lambda *ts: prog.run_torch(torch, ts), *(torch.tensor(x) for x in prog.inputs))
    assert abs(value - t_value.item()) <= 1e-12 + 1e-9 * magnitude(out), prog
    for a, t, s in zip(f_vjp(c), t_vjp(torch.tensor(c)), abs_gradients(out, xs)):
        assert abs(a - t.item()) <= 1e-12 + 1e-9 * s * abs(c), (prog, a, t)


@given(prog=programs(max_inputs=2, max_ops=7), v=tangents)
def test_hvp_matches_torch_jvp_of_grad(torch: Any, prog: Program, v: list[float]) -> None:
    n = len(prog.inputs)
    v = v[:n]
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    ours = hvp(prog, tuple(prog.inputs), tuple(v))
    ours = ours if n > 1 else (ours,)
    t_grad = torch.func.grad(lambda *ts: prog.run_torch(torch, ts), argnums=tuple(range(n)))
    _, theirs = torch.func.jvp(t_grad, tuple(torch.tensor(x) for x in prog.inputs), tuple(torch.tensor(t) for t in v))
    for i, g in enumerate(gradients(out, xs, create_graph=True)):
        scale = _scales(g, xs, v) if isinstance(g, Value) else 0.0
        assert abs(ours[i] - theirs[i].item()) <= 1e-12 + 1e-9 * scale, (prog, i, ours[i], theirs[i])


@given(prog=programs(max_inputs=2, max_ops=7))
def test_forward_over_reverse_hessian_matches_reverse_over_reverse(prog: Program) -> None:
    f = lambda xs: prog.run(xs)
    xs = [Value(x) for x in prog.inputs]
    firsts = gradients(prog.run(xs), xs, create_graph=True)
    for fwd_rev, rev_rev, g in zip(hessian(f)(prog.inputs), jacobian(grad(f))(prog.inputs), firsts):
        scale = abs_gradients(g, xs) if isinstance(g, Value) else [0.0] * len(xs)
        for a, b, s in zip(fwd_rev, rev_rev, scale):
            assert abs(a - b) <= 1e-12 * (1.0 + s), prog


# ---- the conventions table, in forward mode --------------------------------------------------


def partials(f: Callable[..., Value], *xs: float) -> list[float]:
    """Each partial derivative by forward mode (one direction per input), as a list."""
    d = jacfwd(f, argnums=tuple(range(len(xs))))(*xs)
    return list(d)


def reverse(f: Callable[..., Value], *xs: float) -> list[float]:
    vals = [Value(x) for x in xs]
    return gradients(f(*vals), vals)


def _power(c: float) -> Callable[[Value], Value]:
    return lambda x: x**c


# (row of docs/conventions.md, f, point, documented partials)
KINKS: list[tuple[str, Callable[..., Value], tuple[float, ...], list[float]]] = [
    ("relu'(0)", lambda x: x.relu(), (0.0,), [0.0]),
    ("relu'(nan)", lambda x: x.relu(), (NAN,), [1.0]),
    ("abs'(0)", lambda x: abs(x), (0.0,), [0.0]),
    ("abs'(nan)", lambda x: abs(x), (NAN,), [0.0]),
    ("leaky_relu'(0)", lambda x: x.leaky_relu(0.1), (0.0,), [0.1]),
    ("leaky_relu'(nan)", lambda x: x.leaky_relu(0.1), (NAN,), [0.1]),
    ("clamp' at lo", lambda x: x.clamp(-1.0, 1.0), (-1.0,), [1.0]),
    ("clamp' at hi", lambda x: x.clamp(-1.0, 1.0), (1.0,), [1.0]),
    ("clamp' outside", lambda x: x.clamp(-1.0, 1.0), (1.5,), [0.0]),
    ("clamp'(nan)", lambda x: x.clamp(0.0, 1.0), (NAN,), [0.0]),
    ("maximum tie", autograd.maximum, (2.0, 2.0), [0.5, 0.5]),
    ("minimum tie", autograd.minimum, (2.0, 2.0), [0.5, 0.5]),
    ("maximum tie at inf", autograd.maximum, (INF, INF), [0.5, 0.5]),
    ("minimum tie at -inf", autograd.minimum, (-INF, -INF), [0.5, 0.5]),
    ("sqrt'(0)", lambda x: x.sqrt(), (0.0,), [INF]),
    ("log'(0)", lambda x: x.log(), (0.0,), [INF]),
    *[(f"d(x**{c})/dx at 0", _power(c), (0.0,), [e])
      for c, e in [(0.0, 0.0), (0.5, INF), (1.0, 1.0), (2.0, 0.0), (1.5, 0.0), (-1.0, -INF), (-2.0, -INF)]],
    *[(f"d(x**y)/dx at x=0, y={c}", lambda x, y: x**y, (0.0, c), [e, 0.0 if c >= 0 else NAN])
      for c, e in [(0.0, 0.0), (0.5, INF), (1.0, 1.0), (2.0, 0.0), (-1.0, -INF)]],
    ("negative base, fractional exponent", lambda x, y: x**y, (-8.0, 1 / 3), [NAN, NAN]),
    ("(-inf)**0.5", lambda x: x**0.5, (-INF,), [0.0]),
    ("negative base, integer exponent", lambda x, y: x**y, (-2.0, 3.0), [12.0, NAN]),
    ("blocked: sqrt(relu(x)) at -1", lambda x: x.relu().sqrt(), (-1.0,), [0.0]),
    ("blocked: log(relu(x)) at -1", lambda x: x.relu().log(), (-1.0,), [0.0]),
    ("blocked: sqrt(clamp(x, 0, 1)) at -1", lambda x: x.clamp(0.0, 1.0).sqrt(), (-1.0,), [0.0]),
    ("blocked: sqrt(maximum(x, 0)) at -1", lambda x: x.maximum(0.0).sqrt(), (-1.0,), [0.0]),
    ("blocked: sqrt(leaky_relu(x, 0)) at -1", lambda x: x.leaky_relu(0.0).sqrt(), (-1.0,), [0.0]),
    ("not blocked: sqrt(x * 0)", lambda x: (x * 0.0).sqrt(), (3.0,), [NAN]),
    ("subnormal: x * log(x) at 1e-310", lambda x: x * x.log(), (1e-310,), [INF]),
]


@pytest.mark.parametrize("name,f,point,expected", KINKS, ids=[k[0] for k in KINKS])
def test_conventions_hold_in_forward_mode(name: str, f: Callable[..., Value], point: tuple[float, ...],
                                          expected: list[float]) -> None:  # fmt: skip
    got = partials(f, *point)
    assert all(same(a, b) for a, b in zip(got, expected)), (name, got, expected)
    assert all(same(a, b) for a, b in zip(got, reverse(f, *point))), name  # and as reverse mode says
    if len(point) == 1:
        assert same(jvp(f, point, (1.0,))[1], expected[0]), name


@pytest.mark.parametrize("seed", [INF, -INF, NAN])
def test_a_blocked_edge_passes_no_tangent_whatever_it_carries(seed: float) -> None:
    # relu(sqrt(x) - 1) at x = 0: the tangent reaching relu is inf (or nan), relu's input is -1
    f = lambda x: (x.sqrt() - 1.0).relu()
    assert jvp(f, (0.0,), (1.0,)) == (0.0, 0.0)
    assert jvp(lambda x: x.relu() * 2.0, (-1.0,), (seed,)) == (-0.0, 0.0)


def test_an_explicit_zero_tangent_is_used_as_given() -> None:
    # 0 * inf is nan, as IEEE, JAX and torch say; only a tangent that never reached a node is "nothing"
    assert math.isnan(jvp(lambda x: x.sqrt(), (0.0,), (0.0,))[1])
    assert math.isnan(jvp(lambda x, y: x.sqrt() + y, (0.0, 1.0), (0.0, 1.0))[1])
    assert jacfwd(lambda x, y: x.sqrt() + y, argnums=(0, 1))(0.0, 1.0) == (INF, 1.0)  # one direction each


def test_mixed_partial_of_pow_at_zero_exponent_in_forward_mode() -> None:
    f = lambda v: v[0] ** v[1]
    for h in (hessian(f)([2.0, 0.0]), jacfwd(jacfwd(f))([2.0, 0.0])):
        assert h[0][1] == h[1][0] == 0.5  # 1/x, the same from both sides
        assert h[1][1] == pytest.approx(math.log(2.0) ** 2)


# ---- gradgradcheck -----------------------------------------------------------------------------


def test_gradgradcheck_passes_on_the_builtin_rules() -> None:
    assert gradgradcheck(lambda x, y: x * y**3 + autograd.sin(x) * y + autograd.logsumexp([x, y]), [1.0, 2.0])
    assert gradgradcheck(lambda x: x.tanh() * x.sigmoid(), 0.7)


def test_gradgradcheck_catches_a_rule_that_is_right_only_to_first_order() -> None:
    # deriv reads .data: correct on floats, but a constant when evaluated on Values
    square = autograd.defop("test_forward_bad_square", lambda m, x: x * x,
                            lambda m, x, out: (2 * (x.data if isinstance(x, Value) else x),))  # fmt: skip
    f = lambda x, y: square(x) * y
    assert autograd.gradcheck(f, [1.5, 2.0])  # first order is right
    with pytest.raises(GradcheckError) as err:
        gradgradcheck(f, [1.5, 2.0])
    text = str(err.value)
    assert "input   wrt" in text
    lines = text.splitlines()
    bad = [line for line in lines if "<-- mismatch" in line]
    assert len(bad) == 1 and bad[0].split()[:2] == ["0", "0"]  # d2/dx2 only: 0 instead of 2*y = 4
    assert bad[0].split()[3:5] == ["0", "4"]
