"""grad, value_and_grad, jacobian, hessian; numerical_grad and gradcheck."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import (
    GradcheckError,
    Value,
    grad,
    gradcheck,
    hessian,
    jacobian,
    no_grad,
    numerical_grad,
    value_and_grad,
)


def test_grad_floats_in_floats_out() -> None:
    g = grad(lambda x: x**3)(2.0)
    assert type(g) is float and g == 12.0


def test_second_derivative_of_quartic() -> None:
    assert grad(grad(lambda x: x**4 - 2 * x**2))(2.0) == 44.0


def test_no_perturbation_confusion() -> None:
    assert grad(lambda x: grad(lambda y: x * y)(x))(2.0) == 1.0


def test_derivative_of_a_constant_is_zero_not_an_error() -> None:
    assert grad(grad(lambda x: 3 * x))(1.0) == 0.0
    assert grad(lambda x: 5.0)(1.0) == 0.0


def test_grad_of_grad_called_on_values_returns_values() -> None:
    x = Value(3.0)
    g = grad(lambda v: v**2)(x)
    assert isinstance(g, Value) and g.data == 6.0
    g.backward()
    assert x.grad == 2.0


def test_argnums_int_and_tuple() -> None:
    f = lambda x, y: x * y**2
    assert grad(f, argnums=1)(3.0, 2.0) == 12.0
    assert grad(f, argnums=(0, 1))(3.0, 2.0) == (4.0, 12.0)
    assert value_and_grad(f, argnums=(0, 1))(3.0, 2.0) == (12.0, (4.0, 12.0))
    with pytest.raises(IndexError, match="argnums 2"):
        grad(f, argnums=2)(3.0, 2.0)


def test_list_arguments_give_list_gradients() -> None:
    g = grad(lambda xs: autograd.dot(xs, xs))([1.0, 2.0, 3.0])
    assert g == [2.0, 4.0, 6.0]


def test_grad_needs_a_scalar_output() -> None:
    with pytest.raises(TypeError, match="jacobian"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="str"):
        grad(lambda x: "nope")(1.0)


def test_jacobian_and_hessian() -> None:
    assert jacobian(lambda x, y: [x * y, x + y], argnums=(0, 1))(2.0, 3.0) == [(3.0, 2.0), (1.0, 1.0)]
    h = hessian(lambda xs: xs[0] ** 2 * xs[1] + autograd.sin(xs[1]))([1.0, 2.0])
    assert h == [[4.0, 2.0], [2.0, -math.sin(2.0)]]
    assert hessian(lambda x: x**3)(2.0) == 12.0
    assert hessian(lambda x, y: x * x * y, argnums=(0, 1))(1.0, 2.0) == ((4.0, 2.0), (2.0, 0.0))


def test_grad_records_its_own_graph_under_an_outer_no_grad() -> None:
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert grad(grad(lambda x: x**3))(1.0) == 6.0


def test_numerical_grad_uses_central_differences_with_relative_step() -> None:
    assert numerical_grad(lambda x, y: (x + y) ** 2, [3.0, 2.0]) == pytest.approx([10.0, 10.0], rel=1e-8)
    assert numerical_grad(lambda x: x * x, 1e6) == pytest.approx(2e6, rel=1e-8)  # h scales with |x|
    assert numerical_grad(lambda x: x.exp(), 0.0) == pytest.approx(1.0, rel=1e-9)


def test_gradcheck_passes_and_fails_with_a_per_input_table() -> None:
    assert gradcheck(lambda x, y: (x + y) ** 2, [3.0, 2.0]) is True
    bad = autograd.defop("bad_square_test", lambda m, x: x * x, lambda m, x, out: (3 * x,))
    with pytest.raises(GradcheckError) as err:
        gradcheck(lambda x, y: bad(x) + y, [2.0, 1.0])
    text = str(err.value)
    assert "analytic" in text and "numerical" in text and "abs err" in text and "rel err" in text
    assert "<-- mismatch" in text.splitlines()[2] and "<-- mismatch" not in text.splitlines()[3]


def test_gradcheck_refuses_non_scalar_outputs() -> None:
    with pytest.raises(TypeError, match="one scalar"):
        gradcheck(lambda x: [x, x], [1.0])
