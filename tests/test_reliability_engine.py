"""The engine's share of the adversarial-testing findings (issue 11), and the readable engine's promises.

Each test names the class of bug it guards and checks more than the reproducer.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import sys
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, grad, gradients, hessian, jacobian, modes, no_grad, ops, value_and_grad
from autograd.engine import backprop

INF, NAN = math.inf, math.nan


# ---- one backward algorithm, the chain rule in plain sight ----------------------------


def _lines_run(fn: Any) -> set[int]:
    """The line numbers of engine.backprop that run while fn() runs."""
    code = backprop.__code__
    hit: set[int] = set()

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is code:
            if event == "line":
                hit.add(frame.f_lineno)
            return tracer
        return None

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return hit


def test_the_accumulation_line_runs_in_every_kind_of_backward_pass() -> None:
    src, first = inspect.getsourcelines(backprop)
    line = first + next(i for i, s in enumerate(src) if "child.grad += local * node.grad" in s)

    def graph() -> tuple[Value, Value]:
        x = Value(1.5)
        return x, (x * x).tanh() + x.exp()

    def plain() -> None:
        graph()[1].backward()

    def functional() -> None:
        x, y = graph()
        gradients(y, [x])

    def create_graph() -> None:
        _, y = graph()
        y.backward(create_graph=True)

    def anomaly() -> None:
        with autograd.detect_anomaly():
            _, y = graph()
            y.backward()

    def second_order() -> None:
        grad(grad(lambda v: (v * v).tanh()))(0.3)

    for mode in (plain, functional, create_graph, anomaly, second_order):
        assert line in _lines_run(mode), mode.__name__


def test_compiled_one_liners_have_visible_source() -> None:
    for op in ops.REGISTRY.values():
        for fn, src in ((op.forward_float, op.forward_source), (op.local, op.local_source)):
            assert inspect.getsource(fn).strip() == src
            assert "\n" not in src
    text = str(ops.mul)
    assert "lambda x0, x1: x0 * x1" in text and "d out / d x0 = x1" in text


def test_module_math_functions_are_the_primitives() -> None:
    for name in ("exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "relu",
                 "abs", "maximum", "minimum"):  # fmt: skip
        assert getattr(autograd, name) is getattr(ops, name)
    assert autograd.abs(-2.0).data == 2.0 and autograd.abs(Value(-3.0)).op == "abs"


def test_reserved_micrograd_names_are_free_on_a_node() -> None:
    v = Value(1.0) * 2.0
    assert {"_op", "_prev", "_backward"}.isdisjoint(type(v).__slots__)


# ---- 1. nested transforms keep closures over outer variables ------------------------


def test_inner_grad_on_floats_keeps_the_outer_variable() -> None:
    assert grad(lambda w: grad(lambda x: w * x**2)(1.5))(3.0) == 3.0
    assert grad(lambda x: x * grad(lambda y: x * y)(3.0))(2.0) == 4.0
    assert grad(lambda x: grad(lambda y: x * y)(x))(2.0) == 1.0  # no perturbation confusion


def test_every_transform_nests_through_a_closure() -> None:
    def pen(w: Any) -> Any:  # a gradient penalty: weights captured, data as floats
        return value_and_grad(lambda x: w * x**3)(2.0)[1] ** 2

    assert grad(pen)(0.5) == pytest.approx(2 * (0.5 * 12) * 12)
    assert grad(lambda w: jacobian(lambda xs: [w * xs[0], w * xs[1] ** 2])([1.0, 2.0])[1][1])(3.0) == 4.0
    assert grad(lambda w: hessian(lambda x: w * x**3)(2.0))(5.0) == 12.0
    # Nothing captured: floats stay floats.
    assert isinstance(grad(lambda w: w * 0 + grad(lambda x: x**2)(3.0))(1.0), float)


@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(0.1, 2))
def test_nested_closures_match_the_analytic_derivative(w: float, a: float, x: float) -> None:
    # d/dw [ d/dx (w*x**3 + a*w**2*x) ] = 3x**2 + 2aw
    got = grad(lambda w_: grad(lambda x_: w_ * x_**3 + a * w_**2 * x_)(x))(w)
    assert got == pytest.approx(3 * x**2 + 2 * a * w, rel=1e-12, abs=1e-12)


# ---- 4. step-like ops block inf and nan gradients -----------------------------------


BLOCKING = [
    ("sqrt(relu(x))", lambda x: x.relu().sqrt()),
    ("sqrt(maximum(x, 0))", lambda x: x.maximum(0.0).sqrt()),
    ("sqrt(minimum(x, 0)*-1)", lambda x: (x.minimum(0.0) * -1.0).sqrt()),
    ("sqrt(clamp(x, 0, 1))", lambda x: x.clamp(0.0, 1.0).sqrt()),
    ("log(relu(x))", lambda x: x.relu().log()),
    ("sqrt(leaky_relu(x, 0))", lambda x: x.leaky_relu(0.0).sqrt()),
]


@pytest.mark.parametrize("name,f", BLOCKING)
def test_a_zero_local_derivative_blocks_an_infinite_upstream_gradient(name: str, f: Any) -> None:
    at = 2.0 if "minimum" in name else -1.0
    x = Value(at)
    f(x).backward()
    assert x.grad == 0.0, name
    assert gradients(f(Value(at)), [Value(at)]) == [0.0]
    x = Value(at)
    (g,) = gradients(f(x), [x], create_graph=True)
    assert g.data == 0.0 and gradients(g, [x]) == [0.0], name  # second order too
    assert grad(grad(f))(at) == 0.0


def test_other_ops_multiply_as_ieee_says() -> None:
    x = Value(0.0)
    (x * 0.0).sqrt().backward()  # mul's local derivative 0 times sqrt'(0) = inf
    assert math.isnan(x.grad)


@given(st.sampled_from(BLOCKING), st.floats(-10, -1e-3), st.sampled_from([INF, -INF, NAN]))
def test_blocked_edges_pass_nothing_whatever_the_upstream(case: Any, x: float, seed: float) -> None:
    name, f = case
    if "minimum" in name:
        x = -x
    v = Value(x)
    f(v).backward(seed)
    assert v.grad == 0.0


# ---- 5. duplicate argnums ---------------------------------------------------------


@pytest.mark.parametrize("transform", [grad, value_and_grad, jacobian, hessian])
@pytest.mark.parametrize("argnums", [(0, 0), (1, -1), (0, 1, 0)])
def test_duplicate_argnums_raise(transform: Any, argnums: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="twice"):
        transform(lambda a, b: a * b, argnums=argnums)(1.0, 2.0)


# ---- 6. pow's higher-order consequences ------------------------------------------------


def test_hessian_of_pow_is_symmetric_at_zero_exponent() -> None:
    h = hessian(lambda v: v[0] ** v[1])([2.0, 0.0])
    assert h[0][1] == h[1][0] == 0.5
    assert h[1][1] == pytest.approx(math.log(2.0) ** 2)


@given(st.floats(0.2, 4), st.sampled_from([0.0, 1.0, 2.0, -1.0, 0.5]))
def test_hessian_of_pow_is_symmetric(x: float, y: float) -> None:
    h = hessian(lambda v: v[0] ** v[1])([x, y])
    assert h[0][1] == pytest.approx(h[1][0], rel=1e-12, abs=1e-15)
    truth = x ** (y - 1) * (1 + y * math.log(x))  # d2/dxdy x**y
    assert h[0][1] == pytest.approx(truth, rel=1e-12, abs=1e-15)


# ---- 7. documented conventions ----------------------------------------------------------


@pytest.mark.parametrize("op", [autograd.maximum, autograd.minimum])
@pytest.mark.parametrize("v", [INF, -INF, 0.0, 3.0])
def test_ties_give_half_to_each_even_at_infinity(op: Any, v: float) -> None:
    a, b = Value(v), Value(v)
    op(a, b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)


def test_pow_of_minus_infinity() -> None:
    x = Value(-INF)
    y = x**0.5
    y.backward()
    assert y.data == INF and x.grad == 0.0  # C99 Annex F: pow(-inf, 0.5) = +inf


def test_kinks_at_nan_follow_torch(torch: Any) -> None:
    cases = [
        ("relu", lambda v: v.relu(), torch.relu),
        ("abs", abs, torch.abs),
        ("clamp", lambda v: v.clamp(0.0, 1.0), lambda t: torch.clamp(t, 0.0, 1.0)),
        ("leaky_relu", lambda v: v.leaky_relu(0.1), lambda t: torch.nn.functional.leaky_relu(t, 0.1)),
        ("leaky_relu0", lambda v: v.leaky_relu(0.0), lambda t: torch.nn.functional.leaky_relu(t, 0.0)),
    ]
    for name, ours, theirs in cases:
        x = Value(NAN)
        ours(x).backward()
        t = torch.tensor(NAN, dtype=torch.float64, requires_grad=True)
        theirs(t).backward()
        expected = t.grad.item()
        assert (x.grad == expected) or (math.isnan(x.grad) and math.isnan(expected)), name


# ---- 8. subnormal inputs: the documented limit --------------------------------------------


def test_rules_that_divide_by_a_subnormal_overflow_as_documented() -> None:
    x = Value(1e-310)
    (x * x.log()).backward()
    assert x.grad == INF  # 1/x overflows before it meets the upstream gradient; truth is -712.8
    y = Value(1e-300)  # above the limit the same rule is exact
    (y * y.log()).backward()
    assert y.grad == pytest.approx(math.log(1e-300) + 1)


# ---- 11, 12. grad modes shared between threads and tasks, and on generators ---------------


def test_one_no_grad_instance_shared_by_threads() -> None:
    mode = no_grad()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    seen: list[bool] = []

    def work() -> None:
        try:
            for _ in range(50):
                with mode:
                    barrier.wait(timeout=10) if _ == 0 else None
                    seen.append((Value(1.0) * 2.0).is_leaf)
                seen.append(not (Value(1.0) * 2.0).is_leaf)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(seen)
    assert autograd.is_grad_enabled() and modes.OPEN[0] == 0


def test_one_no_grad_instance_shared_by_asyncio_tasks() -> None:
    mode = no_grad()

    async def task(pause: float) -> list[bool]:
        out = []
        with mode:
            await asyncio.sleep(pause)
            out.append((Value(1.0) * 2.0).is_leaf)
        out.append(not (Value(1.0) * 2.0).is_leaf)
        return out

    async def main() -> list[list[bool]]:
        return await asyncio.gather(task(0.02), task(0.0), task(0.01))

    assert all(all(r) for r in asyncio.run(main()))
    assert autograd.is_grad_enabled() and modes.OPEN[0] == 0


def test_the_open_count_never_leaks_on_errors() -> None:
    before = modes.OPEN[0]
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    with pytest.raises(RuntimeError, match="did not enter"):
        no_grad().__exit__(None, None, None)
    assert modes.OPEN[0] == before and autograd.is_grad_enabled()


def test_no_grad_decorates_generators_around_each_resume() -> None:
    @no_grad()
    def gen(n: int) -> Any:
        for i in range(n):
            got = yield (Value(float(i)) * 2.0).is_leaf
            assert got is None or got == "sent"
        return "done"

    g = gen(3)
    assert next(g) is True
    assert autograd.is_grad_enabled() and not (Value(1.0) * 2.0).is_leaf  # not leaked to the caller
    assert g.send("sent") is True
    assert list(g) == [True]
    assert modes.OPEN[0] == 0


def test_no_grad_decorates_coroutines_and_async_generators() -> None:
    @no_grad()
    async def coro() -> bool:
        await asyncio.sleep(0)
        return (Value(1.0) * 2.0).is_leaf

    @no_grad()
    async def agen() -> Any:
        for _ in range(2):
            await asyncio.sleep(0)
            yield (Value(1.0) * 2.0).is_leaf

    async def main() -> tuple[bool, list[bool], bool]:
        r = await coro()
        items = [x async for x in agen()]
        return r, items, not (Value(1.0) * 2.0).is_leaf

    assert asyncio.run(main()) == (True, [True, True], True)
    assert modes.OPEN[0] == 0


@pytest.mark.parametrize("x,y,value", [(-INF, 0.5, INF), (-INF, 2.0, INF), (-INF, 3.0, -INF), (INF, -1.0, 0.0),
                                       (-INF, -1.0, -0.0), (-INF, -2.0, 0.0)])  # fmt: skip
def test_powers_of_infinity_follow_c99(x: float, y: float, value: float) -> None:
    out = Value(x) ** y
    assert out.data == value and math.copysign(1.0, out.data) == math.copysign(1.0, value)
    assert out.data == math.pow(x, y)  # C99 Annex F, as Python's math.pow gives it
