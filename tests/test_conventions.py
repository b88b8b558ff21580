"""docs/conventions.md, row by row: derivatives at kinks and IEEE 754 results."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import autograd
from autograd import Value, gradients

inf, nan = math.inf, math.nan


def d(f: Callable[..., Value], *xs: float) -> list[float]:
    vals = [Value(x) for x in xs]
    return gradients(f(*vals), vals)


def same(a: float, b: float) -> bool:
    """Equal as IEEE values: nan matches nan, and the sign of zero counts."""
    if math.isnan(b):
        return math.isnan(a)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


# ---- the conventions table ---------------------------------------------------


def test_relu_derivative_at_zero_is_zero() -> None:
    assert d(lambda x: x.relu(), 0.0) == [0.0]


def test_abs_derivative_at_zero_is_zero() -> None:
    assert d(lambda x: abs(x), 0.0) == [0.0]


def test_leaky_relu_derivative_at_zero_is_the_slope() -> None:
    assert d(lambda x: x.leaky_relu(0.1), 0.0) == [0.1]


def test_clamp_derivative_is_one_on_the_boundaries() -> None:
    assert d(lambda x: x.clamp(-1.0, 1.0), 1.0) == [1.0]
    assert d(lambda x: x.clamp(-1.0, 1.0), -1.0) == [1.0]
    assert d(lambda x: x.clamp(-1.0, 1.0), 1.5) == [0.0]


def test_max_and_min_split_a_tie_half_and_half() -> None:
    assert d(autograd.maximum, 2.0, 2.0) == [0.5, 0.5]
    assert d(autograd.minimum, 2.0, 2.0) == [0.5, 0.5]


def test_sqrt_derivative_at_zero_is_plus_inf() -> None:
    assert d(lambda x: x.sqrt(), 0.0) == [inf]


@pytest.mark.parametrize(
    "c,expected",
    [(0.0, 0.0), (0.5, inf), (0.25, inf), (1.0, 1.0), (2.0, 0.0), (3.0, 0.0), (1.5, 0.0), (-1.0, -inf), (-2.0, -inf)],
)
def test_power_rule_at_zero(c: float, expected: float) -> None:
    assert same(d(lambda x: x**c, 0.0)[0], expected)
    # the same convention when the exponent is a Value
    assert same(d(lambda x, y: x**y, 0.0, c)[0], expected)


@pytest.mark.parametrize("y", [0.0, 0.5, 1.0, 2.0, 3.0])
def test_exponent_derivative_at_zero_base_is_zero_for_nonnegative_exponents(y: float) -> None:
    assert d(lambda x, e: x**e, 0.0, y)[1] == 0.0


def test_negative_base_with_fractional_exponent_is_nan_value_and_gradients() -> None:
    x, y = Value(-8.0), Value(1 / 3)
    z = x**y
    assert math.isnan(z.data) and isinstance(z.data, float)
    assert all(math.isnan(g) for g in gradients(z, [x, y]))
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)


def test_exponent_derivative_with_negative_base_and_integer_exponent_is_nan() -> None:
    dx, dy = d(lambda x, e: x**e, -2.0, 3.0)
    assert dx == 12.0 and math.isnan(dy)


def test_log_derivative_at_zero_is_plus_inf() -> None:
    assert d(lambda x: x.log(), 0.0) == [inf]


# ---- IEEE results: no Python math exception, no complex number ----------------

IEEE_CASES: list[tuple[str, Callable[[], Value], float]] = [
    ("log(0)", lambda: Value(0.0).log(), -inf),
    ("log(-1)", lambda: Value(-1.0).log(), nan),
    ("log1p(-1)", lambda: Value(-1.0).log1p(), -inf),
    ("log1p(-2)", lambda: Value(-2.0).log1p(), nan),
    ("sqrt(-1)", lambda: Value(-1.0).sqrt(), nan),
    ("sqrt(-0.0)", lambda: Value(-0.0).sqrt(), -0.0),
    ("1/0", lambda: 1 / Value(0.0), inf),
    ("1/-0.0", lambda: 1 / Value(-0.0), -inf),
    ("-1/0", lambda: -1 / Value(0.0), -inf),
    ("0/0", lambda: Value(0.0) / 0.0, nan),
    ("0**-1", lambda: Value(0.0) ** -1, inf),
    ("-0.0**-1", lambda: Value(-0.0) ** -1, -inf),
    ("0**-2", lambda: Value(0.0) ** -2, inf),
    ("0**-1 (Value exponent)", lambda: Value(0.0) ** Value(-1.0), inf),
    ("exp(1000)", lambda: Value(1000.0).exp(), inf),
    ("expm1(1000)", lambda: Value(1000.0).expm1(), inf),
    ("10**400", lambda: Value(10.0) ** 400, inf),
    ("(-10)**401", lambda: Value(-10.0) ** 401, -inf),
    ("(-8)**(1/3)", lambda: Value(-8.0) ** (1 / 3), nan),
    ("sin(inf)", lambda: Value(inf).sin(), nan),
    ("cos(-inf)", lambda: Value(-inf).cos(), nan),
    ("inf - inf", lambda: Value(inf) - inf, nan),
    ("tanh(inf)", lambda: Value(inf).tanh(), 1.0),
    ("sigmoid(-inf)", lambda: Value(-inf).sigmoid(), 0.0),
    ("softplus(inf)", lambda: Value(inf).softplus(), inf),
    ("exp(-inf)", lambda: Value(-inf).exp(), 0.0),
    ("log(inf)", lambda: Value(inf).log(), inf),
    ("relu(nan)", lambda: Value(nan).relu(), nan),
    ("logsumexp(-inf, -inf)", lambda: autograd.logsumexp([-inf, -inf]), -inf),
    ("logsumexp(inf, 1)", lambda: autograd.logsumexp([inf, 1.0]), inf),
]


@pytest.mark.parametrize("name,make,expected", IEEE_CASES, ids=[c[0] for c in IEEE_CASES])
def test_ieee_results(name: str, make: Callable[[], Value], expected: float) -> None:
    out = make()
    assert type(out.data) is float, name
    assert same(out.data, expected), (name, out.data)
    out.backward()  # backward never raises either


@pytest.mark.parametrize("name,make,expected", IEEE_CASES, ids=[c[0] for c in IEEE_CASES])
def test_detect_anomaly_raises_the_clear_error_for_non_finite_results(
    name: str, make: Callable[[], Value], expected: float
) -> None:
    if math.isfinite(expected):
        return
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError, match=r"detect_anomaly: .* in forward, at"):
        make()


# ---- numerical stability ---------------------------------------------------------


@pytest.mark.parametrize("x", [1e308, -1e308, 800.0, -800.0, 40.0, -40.0])
def test_stable_functions_at_extremes(x: float) -> None:
    for name in ("tanh", "sigmoid", "softplus"):
        v = Value(x)
        out = getattr(v, name)()
        out.backward()
        assert not math.isnan(out.data) and not math.isnan(v.grad), (name, x)
    assert Value(x).sigmoid().data == pytest.approx(1.0 / (1.0 + math.exp(-x)) if abs(x) < 700 else float(x > 0))
    sp = Value(x).softplus().data
    assert sp == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))), rel=1e-15)
    lse = autograd.logsumexp([Value(x), Value(x - 1.0)])
    assert math.isfinite(lse.data)


def test_sigmoid_of_large_negative_keeps_relative_precision() -> None:
    assert Value(-40.0).sigmoid().data == pytest.approx(math.exp(-40.0) / (1 + math.exp(-40.0)), rel=1e-14)


def _torch_twin(torch: Any, name: str) -> Callable[[Any], Any]:
    return {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "exp": torch.exp, "log": torch.log,
            "sqrt": torch.sqrt, "relu": torch.relu, "abs": torch.abs}[name]  # fmt: skip


@pytest.mark.parametrize("name,x", [("sqrt", 0.0), ("log", 0.0), ("relu", 0.0), ("abs", 0.0), ("tanh", 1e308),
                                    ("sigmoid", -1e308), ("exp", 1000.0), ("log", -1.0)])  # fmt: skip
def test_kinks_and_edges_agree_with_torch(torch: Any, name: str, x: float) -> None:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = _torch_twin(torch, name)(t)
    out.backward()
    v = Value(x)
    ours = getattr(v, name)() if name != "abs" else abs(v)
    ours.backward()
    assert same(ours.data, out.item()) and same(v.grad, t.grad.item()), (name, x)
