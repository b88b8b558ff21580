"""autograd.interop: nn.MLP to torch and back, and to ONNX, checked against the engine.

torch, onnx and onnxruntime are oracles here: skipped with a reason when absent, a failure
when CI or ORACLES=1 is set (tests/conftest.py). Tolerances follow docs/conventions.md:
|a - b| <= tol * scale, where scale is the size of the terms that were summed.
"""

from __future__ import annotations

import math
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, gradients, interop, nn
from autograd.interop import _onnx

from .conftest import oracle

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def ort() -> ModuleType:
    """onnxruntime, after checking that onnx (which to_onnx needs) is there too."""
    oracle("onnx")
    return oracle("onnxruntime")


# ---------------------------------------------------------------------------
# Random MLPs and inputs, and the reference numbers to compare against
# ---------------------------------------------------------------------------

specs = st.fixed_dictionaries({
    "nin": st.integers(1, 4),
    "nouts": st.lists(st.integers(1, 5), min_size=1, max_size=3),
    "activation": st.sampled_from(nn.ACTIVATIONS),
    "output_activation": st.sampled_from(nn.ACTIVATIONS),
    "seed": st.integers(0, 2**32 - 1),
})  # fmt: skip
coords = st.floats(-3.0, 3.0, allow_nan=False)


def build(spec: dict[str, Any]) -> nn.MLP:
    """The MLP of ``spec``, with random biases too (they start at 0, which would hide a lost bias)."""
    model = nn.MLP(spec["nin"], spec["nouts"], activation=spec["activation"], seed=spec["seed"],
                   output_activation=spec["output_activation"])  # fmt: skip
    rng = random.Random(spec["seed"])
    for layer in model.layers:
        for n in layer.neurons:
            n.b.data = rng.uniform(-1, 1)
    return model


def draw_rows(data: st.DataObject, nin: int) -> list[list[float]]:
    return data.draw(st.lists(st.lists(coords, min_size=nin, max_size=nin), min_size=1, max_size=4))


def outputs(model: nn.MLP, row: list[float]) -> list[float]:
    out = model(row)
    return [v.data for v in (out if isinstance(out, list) else [out])]


_ACT = {"relu": lambda z: max(z, 0.0), "tanh": math.tanh, "sigmoid": lambda z: 0.5 * (1 + math.tanh(z / 2)),
        "linear": lambda z: z}  # fmt: skip


def scales(model: nn.MLP, row: list[float]) -> tuple[list[float], list[list[float]], float]:
    """Error scales of the outputs and of d(outputs)/d(inputs), and the relu input nearest 0.

    A layer's output scale is |W| (|h| + s_h) + |b|: the magnitudes that were summed,
    plus the error already carried in. The gradient scale is |W_L| ... |W_1| (every
    activation here has slope at most 1). Plain floats: nothing here is under test.
    """
    h, s = list(row), [abs(x) for x in row]
    jac = [[float(i == k) for k in range(len(row))] for i in range(len(row))]
    nearest_kink = math.inf
    for layer in model.layers:
        hs, ss, js = [], [], []
        for n in layer.neurons:
            w = [p.data for p in n.w]
            z = sum(wi * hi for wi, hi in zip(w, h)) + n.b.data
            sz = sum(abs(wi) * (abs(hi) + si) for wi, hi, si in zip(w, h, s)) + abs(n.b.data)
            if n.activation == "relu":
                nearest_kink = min(nearest_kink, abs(z) / max(1.0, sz))
            hs.append(_ACT[n.activation](z))
            ss.append(sz)
            js.append([sum(abs(wi) * jr[k] for wi, jr in zip(w, jac)) for k in range(len(row))])
        h, s, jac = hs, ss, js
    return s, jac, nearest_kink


def engine_jacobian(model: nn.MLP, row: list[float]) -> list[list[float]]:
    xs = [Value(x) for x in row]
    out = model(xs)
    return [gradients(y, xs) for y in (out if isinstance(out, list) else [out])]


def assert_close(got: Any, want: Any, scale: Any, tol: float, what: str) -> None:
    for i, (g, w, s) in enumerate(zip(got, want, scale)):
        assert abs(float(g) - w) <= tol * max(1.0, s), f"{what}[{i}]: {float(g)!r} != {w!r} (scale {s})"


# ---------------------------------------------------------------------------
# Optional dependencies
# ---------------------------------------------------------------------------


def test_import_autograd_imports_neither_torch_nor_onnx() -> None:
    code = ("import sys, autograd, autograd.nn, autograd.interop; "
            "print(sorted(m for m in ('torch', 'onnx', 'onnxruntime') if m in sys.modules))")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("call", "module", "extra"), [
    (lambda m, p: interop.to_torch(m), "torch", "torch"),
    (lambda m, p: interop.from_torch(m), "torch", "torch"),
    (lambda m, p: interop.to_onnx(m, p), "onnx", "onnx"),
])  # fmt: skip
def test_a_missing_extra_is_named(call: Any, module: str, extra: str, monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(ImportError, match=re.escape(f"pip install 'scalar-autograd[{extra}]'")):
        call(nn.MLP(2, [3, 1], seed=0), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_every_nn_activation_has_an_export() -> None:
    from autograd.interop._torch import TORCH_ACTIVATIONS

    assert set(nn.ACTIVATIONS) <= set(TORCH_ACTIVATIONS)
    assert set(nn.ACTIVATIONS) - {"linear"} <= set(_onnx.EMITTERS)


# ---------------------------------------------------------------------------
# to_torch
# ---------------------------------------------------------------------------


@given(spec=specs, data=st.data())
def test_to_torch_outputs_and_input_gradients_match_the_engine(torch: ModuleType, spec: dict[str, Any],
                                                               data: st.DataObject) -> None:  # fmt: skip
    model = build(spec)
    tmodel = interop.to_torch(model)
    for row in draw_rows(data, spec["nin"]):
        s, jac_scale, nearest_kink = scales(model, row)
        assume(nearest_kink > 1e-9)  # relu's kink: a rounding difference could flip the branch
        x = torch.tensor([row], dtype=torch.float64, requires_grad=True)
        y = tmodel(x)[0]
        assert y.dtype == torch.float64
        assert_close(y.tolist(), outputs(model, row), s, 1e-12, "output")
        for j, want in enumerate(engine_jacobian(model, row)):
            (got,) = torch.autograd.grad(y[j], x, retain_graph=True)
            assert_close(got[0].tolist(), want, jac_scale[j], 1e-12, f"d output[{j}] / d input")


def test_to_torch_copies_the_structure_and_every_weight_exactly(torch: ModuleType) -> None:
    model = build({"nin": 3, "nouts": [4, 2], "activation": "tanh", "output_activation": "sigmoid", "seed": 1})
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)  # to_torch must not depend on torch's default dtype
    try:
        tmodel = interop.to_torch(model)
    finally:
        torch.set_default_dtype(default)
    assert [type(m).__name__ for m in tmodel] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    for layer, linear in zip(model.layers, tmodel[::2]):
        assert linear.weight.dtype == torch.float64 and linear.bias.dtype == torch.float64
        assert linear.weight.tolist() == [[p.data for p in n.w] for n in layer.neurons]
        assert linear.bias.tolist() == [n.b.data for n in layer.neurons]


def test_to_torch_leaves_torch_random_state_alone(torch: ModuleType) -> None:
    before = torch.random.get_rng_state()
    interop.to_torch(nn.MLP(4, [8, 8, 1], seed=0))
    assert torch.equal(torch.random.get_rng_state(), before)


def test_frozen_parameters_stay_frozen_both_ways(torch: ModuleType) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    for n in model.layers[0].neurons:
        for p in n.w:
            p.requires_grad = False
    tmodel = interop.to_torch(model)
    assert [p.requires_grad for p in tmodel.parameters()] == [False, True, True, True]
    back = interop.from_torch(tmodel)
    assert [p.requires_grad for p in back.parameters()] == [p.requires_grad for p in model.parameters()]


def test_to_torch_refuses_a_partly_frozen_weight_tensor(torch: ModuleType) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[1].w[0].requires_grad = False
    with pytest.raises(ValueError, match=r"some of the layers\.0 weights are frozen"):
        interop.to_torch(model)


class Custom(nn.Module):
    def __init__(self) -> None:
        self.w = [nn.Parameter(1.0)]

    def __call__(self, x: Any) -> Any:
        return self.w[0] * x


class OwnCall(nn.MLP):
    def __call__(self, x: Any) -> Any:
        return super().__call__(x) * 2


class OwnLayer(nn.Layer):
    pass


def _unmappable() -> list[tuple[Any, type[Exception], str]]:
    own_layer = nn.MLP(2, [3, 1], seed=0)
    own_layer.layers[1] = OwnLayer(3, 1, seed=0)
    mixed = nn.MLP(2, [3, 1], seed=0)
    mixed.layers[0].neurons[2].activation = "tanh"
    unknown = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    for n in unknown.layers[0].neurons:
        n.activation = "gelu"
    return [
        (Custom(), TypeError, r"Custom is a user-defined Module"),
        (OwnCall(2, [1], seed=0), TypeError, r"OwnCall is a user-defined Module"),
        ([1.0, 2.0], TypeError, r"list is not an nn\.MLP"),
        (own_layer, TypeError, r"layers\.1 is OwnLayer, a user-defined Module"),
        (mixed, ValueError, r"neurons of layers\.0 mix the activations \['relu', 'tanh'\]"),
        (unknown, ValueError, r"layers\.0 has the activation 'gelu'"),
    ]


@pytest.mark.parametrize(("model", "error", "message"), _unmappable())
def test_to_torch_names_what_it_cannot_map(torch: ModuleType, model: Any, error: type[Exception],
                                           message: str) -> None:  # fmt: skip
    with pytest.raises(error, match=message):
        interop.to_torch(model)


@pytest.mark.parametrize(("model", "error", "message"), _unmappable())
def test_to_onnx_names_what_it_cannot_map(ort: ModuleType, tmp_path: Path, model: Any, error: type[Exception],
                                          message: str) -> None:  # fmt: skip
    with pytest.raises(error, match=message):
        interop.to_onnx(model, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_to_torch_names_an_activation_torch_lacks(torch: ModuleType, monkeypatch: Any) -> None:
    monkeypatch.setattr(nn, "ACTIVATIONS", (*nn.ACTIVATIONS, "swish"))  # as if nn grew an activation
    model = nn.MLP(2, [3, 1], seed=0)
    for n in model.layers[0].neurons:
        n.activation = "swish"
    with pytest.raises(ValueError, match=r"to_torch: layers\.0 uses the activation 'swish', which has no torch"):
        interop.to_torch(model)


# ---------------------------------------------------------------------------
# from_torch
# ---------------------------------------------------------------------------


@given(spec=specs)
def test_round_trip_through_torch_keeps_every_weight_exactly(torch: ModuleType, spec: dict[str, Any]) -> None:
    model = build(spec)
    back = interop.from_torch(interop.to_torch(model))
    assert back.state_dict() == model.state_dict()
    assert repr(back.layers) == repr(model.layers)  # same sizes and activations, layer by layer


def test_from_torch_computes_what_the_torch_module_computes(torch: ModuleType) -> None:
    gen = torch.Generator().manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 5), torch.nn.Tanh(),
                                 torch.nn.Linear(5, 2)).double()  # fmt: skip
    with torch.no_grad():
        for p in tmodel.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=torch.float64) * 2 - 1)
    model = interop.from_torch(tmodel)
    assert repr(model) == "MLP(3, [5, 5, 2], activation='tanh')"
    x = torch.rand(6, 3, generator=gen, dtype=torch.float64) * 4 - 2
    want = tmodel(x).tolist()
    for row, w in zip(x.tolist(), want):
        s, _, _ = scales(model, row)
        assert_close(outputs(model, row), w, s, 1e-12, "output")
    again = interop.to_torch(model)
    for a, b in zip(again.parameters(), tmodel.parameters()):
        assert torch.equal(a, b)


def test_from_torch_reads_float32_nested_no_bias_and_identity(torch: ModuleType) -> None:
    inner = torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False), torch.nn.Identity(), torch.nn.Sigmoid())
    tmodel = torch.nn.Sequential(inner, torch.nn.Linear(3, 1)).float()
    model = interop.from_torch(tmodel)
    assert repr(model) == "MLP(2, [3, 1], activation='sigmoid')"
    assert [n.b.data for n in model.layers[0].neurons] == [0.0, 0.0, 0.0]
    w = tmodel[0][0].weight.detach().double().tolist()  # float32 -> float64 is exact
    assert [[p.data for p in n.w] for n in model.layers[0].neurons] == w
    assert model.layers[1].neurons[0].b.data == float(tmodel[1].bias.item())


def test_from_torch_output_activation_and_single_layer(torch: ModuleType) -> None:
    model = interop.from_torch(torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.ReLU()))
    assert [n.activation for n in model.layers[0].neurons] == ["relu", "relu"]
    model = interop.from_torch(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 1), torch.nn.Sigmoid()))
    assert repr(model) == "MLP(4, [3, 1], activation='linear', output_activation='sigmoid')"


def _bad_sequentials(torch: ModuleType) -> list[tuple[Any, type[Exception], str]]:
    nn_ = torch.nn

    class MyLinear(nn_.Linear):
        pass

    class MyNet(nn_.Module):
        def forward(self, x: Any) -> Any:
            return x

    return [
        (MyNet(), TypeError, r"got MyNet"),
        (nn_.Sequential(nn_.Linear(2, 3), nn_.Dropout(0.5), nn_.Linear(3, 1)), ValueError,
         r"layer 1, Dropout \(Dropout\(p=0\.5.*no nn\.MLP equivalent"),
        (nn_.Sequential(nn_.Linear(2, 3), nn_.GELU()), ValueError, r"layer 1, GELU"),
        (nn_.Sequential(MyLinear(2, 3)), ValueError, r"layer 0, MyLinear"),
        (nn_.Sequential(nn_.Sequential(nn_.Linear(2, 2), nn_.Conv1d(1, 1, 1))), ValueError, r"layer 0\.1, Conv1d"),
        (nn_.Sequential(nn_.ReLU(), nn_.Linear(2, 3)), ValueError, r"layer 0, ReLU\(\), comes before any Linear"),
        (nn_.Sequential(nn_.Linear(2, 3), nn_.ReLU(), nn_.Tanh()), ValueError, r"layer 2, Tanh\(\), is a second"),
        (nn_.Sequential(nn_.Linear(2, 3), nn_.Linear(4, 1)), ValueError, r"layer 1 takes 4 inputs but layer 0 gives 3"),
        (nn_.Sequential(nn_.Linear(2, 3), nn_.ReLU(), nn_.Linear(3, 3), nn_.Tanh(), nn_.Linear(3, 1)), ValueError,
         r"one activation for every hidden layer, but these hidden layers use \['relu', 'tanh'\]"),
        (nn_.Sequential(nn_.Identity()), ValueError, r"holds no Linear layer"),
    ]  # fmt: skip


def test_from_torch_names_what_it_cannot_map(torch: ModuleType) -> None:
    for module, error, message in _bad_sequentials(torch):
        with pytest.raises(error, match="from_torch.*" + message):
            interop.from_torch(module)


# ---------------------------------------------------------------------------
# to_onnx
# ---------------------------------------------------------------------------


def run_onnx(ort: ModuleType, path: Path, rows: list[list[float]], dtype: str) -> list[list[float]]:
    import numpy as np

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"input": np.array(rows, dtype=dtype)})
    assert y.dtype == np.dtype(dtype)
    result: list[list[float]] = y.astype(np.float64).tolist()
    return result


@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-12), ("float32", 1e-5)])
@given(spec=specs, data=st.data())
def test_to_onnx_in_onnxruntime_matches_the_engine(ort: ModuleType, tmp_path_factory: Any, dtype: str, tol: float,
                                                   spec: dict[str, Any], data: st.DataObject) -> None:  # fmt: skip
    model = build(spec)
    path = tmp_path_factory.getbasetemp() / f"mlp-{dtype}.onnx"
    interop.to_onnx(model, path, dtype=dtype)
    rows = draw_rows(data, spec["nin"])
    for row, got in zip(rows, run_onnx(ort, path, rows, dtype)):
        assert_close(got, outputs(model, row), scales(model, row)[0], tol, f"{dtype} output")


def test_to_onnx_writes_a_checked_model_with_a_batch_dimension(ort: ModuleType, tmp_path: Path) -> None:
    import onnx

    model = nn.MLP(3, [4, 2], activation="sigmoid", seed=0)
    returned = interop.to_onnx(model, tmp_path / "m.onnx")
    loaded = onnx.load(str(tmp_path / "m.onnx"))
    assert loaded == returned
    onnx.checker.check_model(loaded, full_check=True)
    (x,), (y,) = loaded.graph.input, loaded.graph.output
    assert [(d.dim_param, d.dim_value) for d in x.type.tensor_type.shape.dim] == [("batch", 0), ("", 3)]
    assert [(d.dim_param, d.dim_value) for d in y.type.tensor_type.shape.dim] == [("batch", 0), ("", 2)]
    assert x.type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert [n.op_type for n in loaded.graph.node] == ["MatMul", "Add", "Sigmoid", "MatMul", "Add"]
    assert loaded.doc_string == repr(model)
    rows = [[0.5, -1.0, 2.0]] * 7  # any batch size
    assert len(run_onnx(ort, tmp_path / "m.onnx", rows, "float64")) == 7


def test_to_onnx_replaces_the_file_atomically(ort: ModuleType, tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old model")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        interop.to_onnx(nn.MLP(2, [1], seed=0), path)
    assert path.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # the temporary file is gone
    monkeypatch.undo()
    interop.to_onnx(nn.MLP(2, [1], seed=0), path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"] and path.read_bytes() != b"old model"


def test_to_onnx_refuses_an_unknown_dtype(ort: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"dtype must be one of 'float64', 'float32', got 'float16'"):
        interop.to_onnx(nn.MLP(2, [1], seed=0), tmp_path / "m.onnx", dtype="float16")
    assert list(tmp_path.iterdir()) == []


def test_steps_to_onnx_names_an_op_it_cannot_export(ort: ModuleType) -> None:
    steps = [_onnx.Step("gelu", ("input",), "output", origin="layers.3")]
    with pytest.raises(ValueError, match=r"the op 'gelu' \(in layers\.3\) has no ONNX export"):
        _onnx.steps_to_onnx(steps, [("input", 2)], [("output", 2)], dtype="float64", name="g")


def test_docstring_examples_run_with_their_skipped_lines(torch: ModuleType, ort: ModuleType, tmp_path: Path,
                                                         monkeypatch: Any) -> None:  # fmt: skip
    """The interop docstrings mark their torch and onnx lines +SKIP, so `--doctest-modules` runs
    without the extras; with the oracles installed, every line runs here, outputs checked."""
    import doctest

    from autograd.interop import _torch

    monkeypatch.chdir(tmp_path)  # to_onnx's example writes mlp.onnx
    runner = doctest.DocTestRunner()
    with_skips = set()
    for module in (_torch, _onnx):
        for test in doctest.DocTestFinder().find(module):
            for example in test.examples:
                if example.options.pop(doctest.SKIP, False):
                    with_skips.add(test.name.rpartition(".")[2])
            runner.run(test)
    assert with_skips == set(interop.__all__), f"only {sorted(with_skips)} have lines marked +SKIP"
    assert runner.failures == 0, f"{runner.failures} interop docstring example(s) failed (printed above)"
