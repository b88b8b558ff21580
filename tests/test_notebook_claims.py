"""Every number a notebook in notebooks/ claims, asserted with the library.

The notebooks are executed in CI (``pytest --nbmake notebooks``), which proves that they run,
not that their prose is right. This module recomputes what the prose states: the setups are
mirrored here as functions with the notebooks' code, and ``test_mirrored_code_is_in_the_notebook``
checks that each mirrored function still appears verbatim in its notebook, so a notebook's code
and this module cannot drift apart.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import pytest

import autograd
from autograd import Value, grad, numerical_grad

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebook_code(name: str) -> str:
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


# --------------------------------------------------------------------------
# 03_derivatives.ipynb (mirrored code)
# --------------------------------------------------------------------------


def forward_diff(f, x, h):
    return (f(x + h) - f(x)) / h


def central_diff(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def diff_errors(f, df, x, hs):
    """Absolute errors of the forward and the central difference at each h."""
    fwd = [abs(forward_diff(f, x, h) - df(x)) for h in hs]
    cen = [abs(central_diff(f, x, h) - df(x)) for h in hs]
    return fwd, cen


def f2(x0, x1):
    return x0**2 + x1**2


def gradient_descent(f, init, lr=0.1, steps=100):
    x = list(init)
    path = [tuple(x)]
    for _ in range(steps):
        g = grad(f, argnums=tuple(range(len(x))))(*x)
        x = [xi - lr * gi for xi, gi in zip(x, g)]
        path.append(tuple(x))
    return path


HS = [10 ** (-k / 4) for k in range(4, 53)]  # 1e-1 ... 1e-13, four steps per decade


def test_nb3_tiny_h_rounds_to_zero() -> None:
    assert 5.0 + 1e-50 == 5.0
    assert forward_diff(function_1, 5.0, 1e-50) == 0.0


def test_nb3_central_beats_forward_at_h_1e_4() -> None:
    """'The central difference is far closer: a million times, here.'"""
    fwd = abs(forward_diff(function_1, 5.0, 1e-4) - 0.2)
    cen = abs(central_diff(function_1, 5.0, 1e-4) - 0.2)
    assert fwd == pytest.approx(1e-6, rel=0.01)
    assert cen < fwd / 1e6


def test_nb3_central_beats_forward_over_the_sweep() -> None:
    fwd, cen = diff_errors(math.exp, math.exp, 1.0, HS)
    # 'at every h from 1e-1 to 1e-7 it is more accurate'
    assert all(c < f for h, f, c in zip(HS, fwd, cen) if h >= 1e-7)
    # 'its best error is a couple of hundred times smaller than the forward difference's best'
    assert min(cen) * 100 < min(fwd)
    # the best h: near sqrt(eps) ~ 1e-8 (forward) and near cbrt(eps) ~ 6e-6 (central)
    best_fwd = HS[fwd.index(min(fwd))]
    best_cen = HS[cen.index(min(cen))]
    assert 1e-9 <= best_fwd <= 1e-7
    assert 1e-6 <= best_cen <= 1e-5
    # truncation error: forward ~ h/2 f'', central ~ h^2/6 f''' while h is large
    for h, f, c in zip(HS, fwd, cen):
        if h >= 1e-3:
            assert f == pytest.approx(math.e / 2 * h, rel=0.2)
            assert c == pytest.approx(math.e / 6 * h**2, rel=0.2)


@pytest.mark.parametrize("point", [(3.0, 4.0), (0.0, 2.0), (3.0, 0.0)])
def test_nb3_partial_derivatives_agree(point: tuple[float, float]) -> None:
    by_hand = (2 * point[0], 2 * point[1])
    assert grad(f2, argnums=(0, 1))(*point) == by_hand  # exact
    assert numerical_grad(f2, list(point)) == pytest.approx(list(by_hand), abs=1e-6)


def test_nb3_partial_derivatives_by_central_difference() -> None:
    assert central_diff(lambda x0: f2(x0, 4.0), 3.0, 1e-4) == pytest.approx(6.0, abs=1e-9)
    assert central_diff(lambda x1: f2(3.0, x1), 4.0, 1e-4) == pytest.approx(8.0, abs=1e-9)


def test_nb3_gradient_descent() -> None:
    path = gradient_descent(f2, [-3.0, 4.0], lr=0.1, steps=100)
    x0, x1 = path[-1]
    # 'after 100 steps x is 0.8**100 ~ 2e-10 of where it started: (-6.1e-10, 8.1e-10)'
    assert x0 == pytest.approx(-6.1e-10, rel=0.01) and x1 == pytest.approx(8.1e-10, rel=0.01)
    assert path[1] == pytest.approx((-2.4, 3.2))

    def f_after_20(lr: float) -> float:
        return f2(*gradient_descent(f2, [-3.0, 4.0], lr=lr, steps=20)[-1])

    f0 = f2(-3.0, 4.0)
    assert 0.4 < f_after_20(0.01) / f0 < 0.6  # 'f has only halved'
    assert f_after_20(0.1) < f_after_20(0.95) < f_after_20(0.01)  # 0.1 fastest, 0.95 slowly
    assert f_after_20(1.05) > f0  # 'grows without bound'
    path_095 = gradient_descent(f2, [-3.0, 4.0], lr=0.95, steps=2)
    assert path_095[1][0] > 0 > path_095[2][0]  # overshoots to the other side, every step


# --------------------------------------------------------------------------
# 04_chain_rule.ipynb
# --------------------------------------------------------------------------


def test_nb4_chain_rule_three_ways() -> None:
    """dz/dx = dz/dt * dt/dx = 2t * 1 = 2(x+y) = 10 at x=3, y=2: by hand, backward, numerical_grad."""
    x, y = 3.0, 2.0
    t = x + y
    assert 2 * t * 1.0 == 10.0
    xv, yv = Value(3.0, label="x"), Value(2.0, label="y")
    z = (xv + yv) ** 2
    z.backward()
    assert (xv.grad, yv.grad) == (10.0, 10.0)
    assert numerical_grad(lambda x, y: (x + y) ** 2, [3.0, 2.0]) == pytest.approx([10.0, 10.0], abs=1e-6)


def test_nb4_fan_out_adds_up() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_nb4_two_layer_backward_matches_numerical() -> None:
    def loss(w1, b1, w2, b2, x=0.5):
        return (w2 * autograd.tanh(w1 * x + b1) + b2 - 1.0) ** 2

    assert autograd.gradcheck(loss, [1.2, -0.3, 1.5, 0.2])


# --------------------------------------------------------------------------
# The mirrored code is the notebooks' code
# --------------------------------------------------------------------------

MIRRORED = {
    "03_derivatives.ipynb": [forward_diff, central_diff, function_1, diff_errors, f2, gradient_descent],
}


@pytest.mark.parametrize("name", sorted(MIRRORED))
def test_mirrored_code_is_in_the_notebook(name: str) -> None:
    code = notebook_code(name)
    for fn in MIRRORED[name]:
        assert inspect.getsource(fn) in code, f"{fn.__name__} here differs from its copy in notebooks/{name}"
    if name == "03_derivatives.ipynb":
        assert "hs = [10 ** (-k / 4) for k in range(4, 53)]" in code
