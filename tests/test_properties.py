"""Property tests: random DAGs over every primitive, first and second derivatives.

Against central differences always; against torch (float64) when installed.
Tolerances are ``atol + rtol * scale`` where scale is the sum over paths of
|product of local derivatives| (strategies.abs_gradients), so cancellation
never inflates or hides an error.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given

import autograd
from autograd import Value, gradients, hessian, numerical_grad

from .strategies import Program, abs_gradients, magnitude, programs

EPS = 1e-6  # relative step of the central differences


def _num_tol(out: Value) -> float:
    # Rounding in f (about 1e-16 * the largest node, a few ops deep) divided by 2h.
    return 1e-8 * (1.0 + magnitude(out))


@given(programs())
def test_first_derivatives_match_central_differences(prog: Program) -> None:
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    analytic = gradients(out, xs)
    scale = abs_gradients(out, xs)
    numeric = numerical_grad(prog, prog.inputs, eps=EPS)
    for a, n, s in zip(analytic, numeric, scale):
        assert abs(a - n) <= _num_tol(out) + 1e-6 * s, (prog, analytic, numeric)


@given(programs())
def test_backward_grad_and_gradients_agree_exactly(prog: Program) -> None:
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    out.backward()
    via_backward = [x.grad for x in xs]
    assert via_backward == gradients(out, xs)
    as_values = gradients(out, xs, create_graph=True)
    assert [g.data for g in as_values] == via_backward
    assert list(autograd.grad(lambda v: prog.run(v))(prog.inputs)) == via_backward


def _grad_at(prog: Program, point: list[float], i: int) -> float:
    xs = [Value(x) for x in point]
    return float(gradients(prog.run(xs), xs)[i])


@given(programs(max_inputs=2, max_ops=7))
def test_second_derivatives_match_differenced_first_derivatives(prog: Program) -> None:
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    firsts = gradients(out, xs, create_graph=True)
    hess = hessian(lambda v: prog.run(v))(prog.inputs)
    for i, g in enumerate(firsts):
        if not isinstance(g, Value):
            continue
        analytic = gradients(g, xs)
        scale = abs_gradients(g, xs)
        for j, x in enumerate(prog.inputs):
            h = EPS * max(1.0, abs(x))
            hi, lo = list(prog.inputs), list(prog.inputs)
            hi[j], lo[j] = x + h, x - h
            numeric = (_grad_at(prog, hi, i) - _grad_at(prog, lo, i)) / ((x + h) - (x - h))
            tol = 1e-8 * (1.0 + magnitude(g) + magnitude(out)) + 1e-6 * scale[j]
            assert abs(analytic[j] - numeric) <= tol, (prog, i, j, analytic[j], numeric)
            assert abs(hess[i][j] - analytic[j]) <= 1e-12 * (1.0 + scale[j]), (prog, i, j)


def _torch_inputs(torch: Any, prog: Program) -> list[Any]:
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in prog.inputs]


@given(prog=programs())
def test_first_derivatives_match_torch(torch: Any, prog: Program) -> None:
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    ts = _torch_inputs(torch, prog)
    t_out = prog.run_torch(torch, ts)
    t_grads = torch.autograd.grad(t_out, ts, allow_unused=True)
    assert abs(out.data - t_out.item()) <= 1e-12 + 1e-9 * magnitude(out), prog
    for a, t, s in zip(gradients(out, xs), t_grads, abs_gradients(out, xs)):
        t_val = 0.0 if t is None else t.item()
        assert abs(a - t_val) <= 1e-12 + 1e-9 * s, (prog, a, t_val)


@given(prog=programs(max_inputs=2, max_ops=7))
def test_second_derivatives_match_torch(torch: Any, prog: Program) -> None:
    xs = [Value(x) for x in prog.inputs]
    out = prog.run(xs)
    ts = _torch_inputs(torch, prog)
    t_out = prog.run_torch(torch, ts)
    t_firsts = torch.autograd.grad(t_out, ts, create_graph=True, allow_unused=True)
    for i, g in enumerate(gradients(out, xs, create_graph=True)):
        t_g = t_firsts[i]
        if t_g is None or not t_g.requires_grad:
            t_row = [0.0] * len(ts)
        else:
            t_row = [0.0 if t is None else t.item()
                     for t in torch.autograd.grad(t_g, ts, retain_graph=True, allow_unused=True)]  # fmt: skip
        row = gradients(g, xs) if isinstance(g, Value) else [0.0] * len(xs)
        scale = abs_gradients(g, xs) if isinstance(g, Value) else [0.0] * len(xs)
        for a, t, s in zip(row, t_row, scale):
            assert abs(a - t) <= 1e-12 + 1e-9 * s, (prog, i, a, t)
