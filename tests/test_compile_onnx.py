"""interop.to_onnx for compiled functions: value and gradients in onnxruntime equal the engine's."""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import autograd
from autograd import Value, gradients, interop

from .strategies import Program, programs

np = pytest.importorskip("numpy")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def run(path: str, feeds: dict[str, Any]) -> list[Any]:
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return [o.ravel() for o in session.run(None, {k: np.asarray(v)[:, None] for k, v in feeds.items()})]


def engine(f: Any, point: list[float]) -> tuple[float, list[float]]:
    vs = [Value(x) for x in point]
    out = f(*vs)
    return out.data, gradients(out, vs)


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= tol * (1.0 + abs(b))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programs())
def test_random_dags_export_value_and_gradients(tmp_path: Any, prog: Program) -> None:
    f = lambda *v: prog.run(v)
    c = autograd.compile(f).trace(*prog.inputs)
    path = os.path.join(tmp_path, "f.onnx")
    interop.to_onnx(c, path, gradients=True)
    names = [c.last_trace.names[x] for x in c.last_trace.inputs]
    points = [[x * (1.0 + 1e-3 * j) for x in prog.inputs] for j in range(3)]
    outs = run(path, {n: [p[i] for p in points] for i, n in enumerate(names)})
    for j, point in enumerate(points):
        value, grads = engine(f, point)
        assert close(float(outs[0][j]), value), prog
        assert all(close(float(outs[1 + i][j]), g) for i, g in enumerate(grads)), (prog, j)


def test_ops_onnx_lacks_are_decomposed_from_their_rules_to_1e_12(tmp_path: Any) -> None:
    f = lambda x: x.log1p() + x.expm1() + x.softplus()
    path = os.path.join(tmp_path, "f.onnx")
    interop.to_onnx(autograd.compile(f).trace(0.5), path, gradients=True)
    xs = [1e-12, -1e-9, 3e-6, 0.5, -0.7, 20.0, -30.0, 700.0]
    value, grad = run(path, {"x": xs})
    for j, x in enumerate(xs):
        e_value, (e_grad,) = engine(f, [x])
        assert close(float(value[j]), e_value) and close(float(grad[j]), e_grad), x


def test_float32_export_agrees_to_1e_5(tmp_path: Any) -> None:
    f = lambda x, w: (x * w).tanh() + (w * w + 1.0).log()
    path = os.path.join(tmp_path, "f32.onnx")
    interop.to_onnx(autograd.compile(f).trace(0.3, 0.4), path, dtype="float32", gradients=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    outs = session.run(None, {"x": np.array([[0.3], [-1.0]], dtype=np.float32),
                              "w": np.array([[0.4], [2.0]], dtype=np.float32)})  # fmt: skip
    for j, point in enumerate([[0.3, 0.4], [-1.0, 2.0]]):
        value, grads = engine(f, point)
        assert all(close(float(o[j, 0]), e, 1e-5) for o, e in zip(outs, [value, *grads]))


def test_a_user_defined_op_exports_from_its_rule(tmp_path: Any) -> None:
    softsign = autograd.defop("softsign_onnx_test", lambda m, x: m.div(x, 1 + m.abs(x)),
                              lambda m, x, out: (m.div(1, (1 + m.abs(x)) * (1 + m.abs(x))),))  # fmt: skip
    path = os.path.join(tmp_path, "s.onnx")
    interop.to_onnx(autograd.compile(lambda x: softsign(x) * x).trace(0.5), path, gradients=True)
    value, grad = run(path, {"x": [0.5, -2.0]})
    for j, x in enumerate([0.5, -2.0]):
        e_value, (e_grad,) = engine(lambda v: softsign(v) * v, [x])
        assert close(float(value[j]), e_value) and close(float(grad[j]), e_grad)


def test_what_cannot_be_exported_is_refused_clearly(tmp_path: Any) -> None:
    path = os.path.join(tmp_path, "x.onnx")
    with pytest.raises(ValueError, match="not been traced"):
        interop.to_onnx(autograd.compile(lambda x: x * x), path)
    branchy = autograd.compile(lambda x: x * 2.0 if x > 0 else -x).trace(1.0)
    with pytest.raises(ValueError, match="value-dependent control flow"):
        interop.to_onnx(branchy, path)
    with pytest.raises(ValueError, match="gradients=True exports a compiled function"):
        interop.to_onnx(autograd.nn.MLP(2, [1], seed=0), path, gradients=True)
