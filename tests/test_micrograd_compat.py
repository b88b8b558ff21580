"""Code written for micrograd.engine.Value runs unchanged on autograd.Value."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import autograd

# Ops micrograd has; exact results expected where micrograd's formula matches ours.
EXACT = ["add", "radd", "sub", "rsub", "mul", "rmul", "neg", "relu", "ipow2", "ipow3", "iadd"]
CLOSE = ["div", "rdiv", "pow_neg", "pow_half"]


def _program(draw: Any, ops_pool: list[str]) -> tuple[list[float], list[tuple[str, int, int, float]]]:
    n = draw(st.integers(1, 3))
    xs = [float(draw(st.integers(-4, 4))) for _ in range(n)]
    steps = []
    for _ in range(draw(st.integers(1, 10))):
        steps.append((draw(st.sampled_from(ops_pool)), draw(st.integers(0, 99)), draw(st.integers(0, 99)),
                      float(draw(st.integers(-3, 3)))))  # fmt: skip
    return xs, steps


programs_exact = st.composite(lambda draw: _program(draw, EXACT))()
programs_close = st.composite(lambda draw: _program(draw, EXACT + CLOSE))()


def _run(Value: type, xs: list[float], steps: list[tuple[str, int, int, float]]) -> tuple[Any, list[Any]]:
    leaves = [Value(x) for x in xs]
    nodes = list(leaves)
    for name, i, j, k in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if name == "add": out = a + b
        elif name == "radd": out = k + a
        elif name == "sub": out = a - b
        elif name == "rsub": out = k - a
        elif name == "mul": out = a * b
        elif name == "rmul": out = k * a
        elif name == "neg": out = -a
        elif name == "relu": out = a.relu()
        elif name == "ipow2": out = a**2
        elif name == "ipow3": out = a**3
        elif name == "iadd":
            out = a
            out += b
            out += k
        elif name == "div": out = a / (b * b + 1)
        elif name == "rdiv": out = k / (a * a + 1)
        elif name == "pow_neg": out = (a * a + 1) ** -1
        else: out = (a * a + 1) ** 0.5
        nodes.append(out)
    root = nodes[-1]
    root.backward()
    return root, leaves


def _bounded(a: float, b: float, rel: float) -> bool:
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


@given(programs_exact)
def test_exact_ops_match_micrograd_exactly(micrograd_engine: Any, prog: Any) -> None:
    root_m, leaves_m = _run(micrograd_engine.Value, *prog)
    root_a, leaves_a = _run(autograd.Value, *prog)
    assert float(root_m.data) == root_a.data
    assert [float(v.grad) for v in leaves_m] == [v.grad for v in leaves_a]


@given(programs_close)
def test_other_ops_match_micrograd_within_1e_12(micrograd_engine: Any, prog: Any) -> None:
    root_m, leaves_m = _run(micrograd_engine.Value, *prog)
    root_a, leaves_a = _run(autograd.Value, *prog)
    assert _bounded(float(root_m.data), root_a.data, 1e-12)
    for vm, va in zip(leaves_m, leaves_a):
        assert _bounded(float(vm.grad), va.grad, 1e-12)


def _micrograd_readme_example(Value: type) -> tuple[float, float, float]:
    # micrograd's README example, verbatim apart from the class passed in.
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_micrograd_readme_example(micrograd_engine: Any) -> None:
    ours = _micrograd_readme_example(autograd.Value)
    theirs = _micrograd_readme_example(micrograd_engine.Value)
    assert ours[0] == pytest_approx(24.7041, 1e-4)
    for a, b in zip(ours, theirs):
        assert _bounded(a, float(b), 1e-12)


def pytest_approx(x: float, tol: float) -> Any:
    import pytest

    return pytest.approx(x, abs=tol)


def test_the_one_visible_difference_data_and_grad_are_floats(micrograd_engine: Any) -> None:
    m, a = micrograd_engine.Value(2), autograd.Value(2)
    assert type(m.data) is int and type(a.data) is float
    assert type(a.grad) is float
