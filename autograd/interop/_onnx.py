"""Export to ONNX: a model becomes a list of Steps, and the Steps become ONNX nodes.

Two halves, so that other sources of graphs can plug in (the compiled tape, later):

- a *source* lowers what the user has into ``Step``s: ``_mlp_steps`` does it for an nn.MLP;
- ``steps_to_onnx`` turns any list of Steps into an ONNX model. Each op name has an
  emitter in ``EMITTERS`` that writes the ONNX node(s) for it.

An emitter writes the ONNX op itself where onnxruntime's CPU kernel supports the dtype,
and otherwise a decomposition into ops that it has (docs/interop.md lists them, with
their measured error). Relu, Tanh and Sigmoid have float64 and float32 CPU kernels in
onnxruntime 1.17 and later, so the MLP's ops need no decomposition.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import nn
from .._atomic import atomic_write_bytes
from ._deps import require
from ._mlp import mlp_layers

if TYPE_CHECKING:
    import onnx

OPSET = 17
"""The ONNX operator set written: every op used here exists in it unchanged."""
IR_VERSION = 8
"""The ONNX file-format version that goes with opset 17; onnxruntime 1.17+ reads it."""
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Step:
    """One node of a graph to export: ``output = op(*inputs)``, on a batch.

    ``inputs`` and ``output`` are tensor names: a graph input or an earlier Step's
    output. ``consts`` holds the op's constants as Python numbers (a linear layer's
    ``weight`` rows and ``bias``). ``origin`` says where the Step came from, for errors.
    """

    op: str
    inputs: tuple[str, ...]
    output: str
    consts: Mapping[str, Any] = field(default_factory=dict)
    origin: str = ""


class Emit:
    """What an emitter writes into: ONNX nodes and constant tensors of one dtype."""

    def __init__(self, onnx_mod: Any, dtype: str) -> None:
        self.onnx = onnx_mod
        self.dtype = dtype
        self.elem_type: int = onnx_mod.TensorProto.DOUBLE if dtype == "float64" else onnx_mod.TensorProto.FLOAT
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []

    def const(self, name: str, dims: Sequence[int], values: Sequence[float]) -> str:
        """A constant tensor (row-major ``values``) in the export's dtype; returns its name."""
        self.initializers.append(self.onnx.helper.make_tensor(name, self.elem_type, list(dims), list(values)))
        return name

    def node(self, op_type: str, inputs: Sequence[str], output: str, **attrs: Any) -> str:
        """An ONNX node of the default domain; returns its output's name."""
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [output], name=output, **attrs))
        return output


def _emit_linear(e: Emit, step: Step) -> None:
    """``x @ weight.T + bias`` as MatMul then Add, with ``weight.T`` stored as a constant.

    Not Gemm: onnxruntime 1.17's optimizer fuses Gemm + Relu/Tanh/Sigmoid into FusedGemm,
    whose CPU kernel is float32-only, so a float64 model then fails to load.
    """
    weight: list[list[float]] = step.consts["weight"]
    bias: list[float] = step.consts["bias"]
    wt = e.const(f"{step.output}.weight_t", [len(weight[0]), len(weight)], [x for col in zip(*weight) for x in col])
    b = e.const(f"{step.output}.bias", [len(bias)], bias)
    e.node("Add", [e.node("MatMul", [step.inputs[0], wt], f"{step.output}.matmul"), b], step.output)


def _native(op_type: str) -> Callable[[Emit, Step], None]:
    """An emitter for an op that onnxruntime's CPU kernels compute in float64 and float32 alike."""

    def emit(e: Emit, step: Step) -> None:
        e.node(op_type, step.inputs, step.output)

    return emit


EMITTERS: dict[str, Callable[[Emit, Step], None]] = {
    "linear": _emit_linear,
    "relu": _native("Relu"),
    "tanh": _native("Tanh"),
    "sigmoid": _native("Sigmoid"),
}
"""Op name -> the function that writes its ONNX node(s). Add an op here; decompose it when
onnxruntime lacks a CPU kernel for one of DTYPES (measure the error, list it in docs/interop.md)."""


def steps_to_onnx(
    steps: Sequence[Step],
    inputs: Sequence[tuple[str, int]],
    outputs: Sequence[tuple[str, int]],
    *,
    dtype: str,
    name: str,
    doc: str = "",
    who: str = "to_onnx",
) -> onnx.ModelProto:
    """An ONNX model computing ``steps`` on a batch; checked by ``onnx.checker``.

    ``inputs`` and ``outputs`` are (name, width) pairs; each is a [batch, width]
    tensor whose first dimension, "batch", is free.
    """
    onnx_mod = require("onnx", "onnx", f"autograd.interop.{who}")
    if dtype not in DTYPES:
        raise ValueError(f"{who}: dtype must be one of {', '.join(map(repr, DTYPES))}, got {dtype!r}")
    e = Emit(onnx_mod, dtype)
    for step in steps:
        emitter = EMITTERS.get(step.op)
        if emitter is None:
            where = f" (in {step.origin})" if step.origin else ""
            raise ValueError(f"{who}: the op {step.op!r}{where} has no ONNX export; "
                             f"it exports {', '.join(map(repr, EMITTERS))}")  # fmt: skip
        emitter(e, step)
    h = onnx_mod.helper
    graph = h.make_graph(
        e.nodes, name,
        [h.make_tensor_value_info(n, e.elem_type, ["batch", w]) for n, w in inputs],
        [h.make_tensor_value_info(n, e.elem_type, ["batch", w]) for n, w in outputs],
        initializer=e.initializers,
    )  # fmt: skip
    model: onnx.ModelProto = h.make_model(graph, producer_name="scalar-autograd", doc_string=doc,
                                          opset_imports=[h.make_opsetid("", OPSET)], ir_version=IR_VERSION)  # fmt: skip
    onnx_mod.checker.check_model(model, full_check=True)
    return model


def _mlp_steps(model: nn.MLP) -> tuple[list[Step], int, int]:
    """An nn.MLP as Steps from "input" to "output", with its input and output widths."""
    layers = mlp_layers(model, "to_onnx")
    steps: list[Step] = []
    x = "input"
    for d in layers:
        z = f"{d.name}.linear"
        steps.append(Step("linear", (x,), z, {"weight": d.weight, "bias": d.bias}, origin=d.name))
        if d.activation != "linear":
            steps.append(Step(d.activation, (z,), f"{d.name}.{d.activation}", origin=d.name))
        x = steps[-1].output
    steps[-1] = dataclasses.replace(steps[-1], output="output")
    return steps, layers[0].nin, layers[-1].nout


def to_onnx(model: Any, path: str | os.PathLike[str], *, dtype: str = "float64",
            gradients: bool = False) -> onnx.ModelProto:  # fmt: skip
    """Write ``model`` to ``path`` as an ONNX model, and return it.

    For an ``nn.MLP`` the graph maps "input", shape [batch, nin], to "output",
    shape [batch, nout]: per layer a MatMul and an Add (not Gemm: docs/interop.md
    says why), then the layer's activation. For a function compiled with
    ``autograd.compile`` (traced), the graph takes one [batch, 1] tensor per input,
    named as in its source, and returns "value" (the output's name) and, with
    ``gradients=True``, ``grad_<input>`` per example (see
    autograd/interop/_onnx_tape.py). ``dtype`` is "float64" (the engine's numbers)
    or "float32". The file is written atomically: a crash leaves the old file or
    the new one, never half.

    Examples:
        >>> from autograd import nn
        >>> model = nn.MLP(2, [3, 1], seed=0)
        >>> proto = to_onnx(model, "mlp.onnx")                                    # doctest: +SKIP
        >>> [node.op_type for node in proto.graph.node]                           # doctest: +SKIP
        ['MatMul', 'Add', 'Relu', 'MatMul', 'Add']

    (The lines marked SKIP need onnx: ``make test`` runs them when the oracles are installed.)
    """
    from ..tape import Compiled

    if isinstance(model, Compiled):
        from ._onnx_tape import tape_steps

        steps, inputs, outputs = tape_steps(model, gradients)
        name = model.last_trace.fname
        onnx_model = steps_to_onnx(steps, inputs, outputs, dtype=dtype, name=name, doc=model.source)
    else:
        if gradients:
            raise ValueError("to_onnx: gradients=True exports a compiled function's gradients; "
                             "compile the model's loss with autograd.compile to export them")  # fmt: skip
        steps, nin, nout = _mlp_steps(model)
        onnx_model = steps_to_onnx(steps, [("input", nin)], [("output", nout)], dtype=dtype, name="mlp",
                                   doc=repr(model))  # fmt: skip
    atomic_write_bytes(os.fspath(path), onnx_model.SerializeToString())
    return onnx_model


