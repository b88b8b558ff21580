"""Training on the compiled tape: the batch step behind ``fit(..., compiled=True)``.

It knows about models and losses, so it lives next to training, not in the tape.
The loss of one example, ``loss_fn([model(x)], [y])``, is traced once and
replayed over each batch (arrays of shape (B,)): the batch loss is the mean.

Labels. When ``loss_fn`` computes with the label as a Value (``mse_loss``:
``pred - y``), the label is an input of the compiled step, like ``x``. When it
reads the label's number (a class index picks a logit in ``cross_entropy``;
``hinge_loss`` checks for +-1) or branches on it, a trace is only right for that
label: the step keeps one trace per distinct label value, and refuses, with a
clear error, a loss that would need more than ``max_label_traces`` of them.
It never trains on a label frozen at another example's value.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

from .engine import Value, _to_float, topological_order
from .passes import gradients
from .tape import Compiled

__all__ = ["CompiledStep"]

_DATA = Value.__dict__["data"]  # the slot that holds a Value's number
_HERE = os.path.dirname(os.path.abspath(__file__))
_ENGINE_FILES = {os.path.join(_HERE, "engine.py"), os.path.abspath(__file__)}


class _Label(Value):
    """A label given to ``loss_fn`` as a Value while it is traced; it notes where its number is read.

    The engine reads ``.data`` to compute the nodes a label takes part in; any
    other reader (``nn._target``, a user's ``t.data``) freezes the number into the trace.
    """

    __slots__ = ("reads",)

    def __init__(self, value: float) -> None:
        self.reads: list[str] = []
        super().__init__(value)

    @property
    def data(self) -> float:
        code = sys._getframe(1).f_code
        if code.co_filename not in _ENGINE_FILES and not code.co_filename.startswith(os.path.join(_HERE, "tape")):
            self.reads.append(f"{code.co_name} ({os.path.basename(code.co_filename)}:{sys._getframe(1).f_lineno})")
        return _DATA.__get__(self, Value)  # type: ignore[no-any-return]

    @data.setter
    def data(self, value: float) -> None:
        _DATA.__set__(self, value)


class CompiledStep:
    """``fit``'s batch step on the compiled tape; see the module docstring.

    ``loss_fn(outputs, targets)`` must be the mean over the batch of a per-example
    loss (every loss in autograd.nn with ``reduction='mean'``). The first batch,
    and the first example of each new label trace, are checked against the engine:
    a mismatch raises instead of training wrongly.

    Examples:
        >>> from autograd import nn, optim, train
        >>> from autograd.data import make_moons
        >>> X, y = make_moons(32, seed=0)
        >>> model = nn.MLP(2, [4, 1], seed=0)
        >>> history = train.fit(model, nn.binary_cross_entropy_with_logits, X, y, epochs=3, batch_size=8,
        ...                     optimizer=optim.Adam(model.parameters(), lr=0.05), compiled=True, progress=False)
        >>> len(history.loss)   # fit(compiled=True) trains through a CompiledStep
        3
    """

    max_label_traces = 64

    def __init__(self, backend: str = "numpy", device: str | None = None) -> None:
        """``backend`` is "numpy" or "torch"; ``device`` a torch device ("cpu", "cuda", "cuda:1").

        Asked for CUDA without a CUDA device, it warns and trains on the CPU.
        """
        if backend not in ("numpy", "torch"):
            raise ValueError(f"fit(compiled=True): backend must be 'numpy' or 'torch', got {backend!r}")
        if device is not None and backend != "torch":
            raise ValueError("fit(compiled=True): device= needs backend='torch'")
        self.backend = backend
        self.device = device
        if backend == "torch":
            self.device = _torch_device(device)
        self._fns: dict[Any, Compiled] = {}  # "y" (labels are inputs), or one per label value
        self._labels_are_inputs: bool | None = None  # decided by the first trace
        self._label_reads: list[str] = []  # where loss_fn read a label's number, if it did
        self._checked = False

    def __call__(
        self, model: Any, loss_fn: Callable[[list[Any], list[Any]], Any], Xb: list[Any], yb: list[Any]
    ) -> tuple[float, list[Any]]:
        try:
            import numpy as np
        except ImportError:
            raise ImportError("fit(compiled=True) needs numpy: pip install 'scalar-autograd[numpy]'") from None
        params = list(model.parameters())
        X = np.asarray([_plain(x) for x in Xb], dtype=float)
        xarg = self._arrays(np.moveaxis(X, 0, -1))  # the batch last: one array of shape (B,) per feature
        keys = [_to_float(t.data if isinstance(t, Value) else t) for t in yb]
        if self._labels_are_inputs is None:
            self._decide(model, loss_fn, params, Xb[0], yb[0], keys[0])
        groups: list[tuple[Any, Compiled, tuple[Any, ...]]] = []
        if self._labels_are_inputs:
            groups.append((np.arange(len(keys)), self._fns["y"], (xarg, self._arrays(np.asarray(keys)))))
        else:
            karr = np.asarray(keys)
            for k, label in dict(zip(keys, yb)).items():  # each label's first object, as loss_fn sees it
                idx = np.flatnonzero(karr == k)
                fn = self._label_fn(model, loss_fn, params, k, label, Xb[idx[0]])
                groups.append((idx, fn, (xarg[..., self._arrays(idx)],)))
        total = 0.0
        grads = np.zeros(len(params))
        outs: list[Any] = [None] * len(keys)
        numbers = [p.data for p in params]  # read once: every group replays with the same weights
        for idx, fn, rest in groups:
            (values, aux), g = fn(numbers, *rest)
            total += float(values.sum())
            grads += g
            per = aux.tolist() if not isinstance(aux, list) else [list(row) for row in zip(*(a.tolist() for a in aux))]
            for i, o in zip(idx.tolist(), per):
                outs[i] = o
        n = len(keys)
        loss, mean_grads = total / n, (grads / n).tolist()
        if not self._checked:
            self._check(model, loss_fn, params, Xb, yb, loss, mean_grads, "the first batch")
            self._checked = True
        for p, g in zip(params, mean_grads):
            p.grad = p.grad + g
        return loss, outs

    def _arrays(self, a: Any) -> Any:
        """A numpy array as the backend's (a torch tensor on the device)."""
        if self.backend == "numpy":
            return a
        import torch

        return torch.as_tensor(a, device=self.device)

    # ---- labels: inputs, or one trace per value ----------------------------------
    def _decide(self, model: Any, loss_fn: Callable[..., Any], params: list[Value], x: Any, y: Any,
                key: float) -> None:  # fmt: skip
        """Trace with the label as an input; keep it so unless loss_fn read its number or branched on it."""
        label = _Label(key)

        def example(ps: list[Value], x: Any, y: Value) -> tuple[Any, Any]:
            out = model(x)
            return loss_fn([out], [y]), out

        fn = Compiled(example, argnums=0, has_aux=True)
        try:
            fn.trace(params, _plain(x), label)
        except Exception:  # e.g. cross_entropy refuses a float class index: the label picks the graph
            self._labels_are_inputs = False
            return
        tr = fn.last_trace
        guards = [a for _, args, _ in tr.events for a in args if isinstance(a, Value)]
        self._labels_are_inputs = not label.reads and not _depends_on(guards, label)
        self._label_reads = label.reads
        if self._labels_are_inputs:
            self._fns["y"] = fn

    def _label_fn(self, model: Any, loss_fn: Callable[..., Any], params: list[Value], key: float, label: Any,
                  x: Any) -> Compiled:  # fmt: skip
        fn = self._fns.get(key)
        if fn is not None:
            return fn
        if len(self._fns) >= self.max_label_traces:
            where = f" (it reads the label's number in {self._label_reads[0]})" if self._label_reads else ""
            raise ValueError(
                f"fit(compiled=True): loss_fn{where} needs its label as a number, so the compiled step "
                f"traces the loss once per distinct label; this batch brings more than "
                f"{self.max_label_traces} of them. Train with compiled=False, or with a loss that computes "
                "with the label as a Value (as nn.mse_loss does)."
            )

        def example(ps: list[Value], x: Any) -> tuple[Any, Any]:
            out = model(x)
            return loss_fn([out], [label]), out

        fn = self._fns[key] = Compiled(example, argnums=0, has_aux=True).trace(params, _plain(x))
        (value, _), g = fn(params, _plain(x))
        self._check(model, loss_fn, params, [x], [label], value, list(g), f"the label {label!r}")
        return fn

    def _check(
        self, model: Any, loss_fn: Callable[..., Any], params: list[Value], Xb: list[Any], yb: list[Any],
        loss: float, grads: list[float], what: str,
    ) -> None:  # fmt: skip
        ref = loss_fn([model(x) for x in Xb], list(yb))
        ref_grads = gradients(ref, params)
        scale = 1.0 + max([abs(g) for g in ref_grads], default=0.0)
        if abs(loss - ref.data) > 1e-9 * (1.0 + abs(ref.data)) or any(
            abs(a - b) > 1e-9 * scale for a, b in zip(grads, ref_grads)
        ):
            raise ValueError(
                f"fit(compiled=True): the compiled step disagrees with the engine on {what} "
                f"(loss {loss!r} vs {ref.data!r}). The compiled path needs loss_fn(outputs, targets) to be "
                "the mean over the batch of a per-example loss (autograd.nn losses with reduction='mean') "
                "and a model whose forward is traceable (no .data reads). Train with compiled=False."
            )


def _torch_device(device: str | None) -> str:
    """``device``, or "cpu" with a warning when it asks for CUDA and there is none."""
    try:
        import torch
    except ImportError:
        raise ImportError("fit(compiled=True, backend='torch') needs torch: "
                          "pip install 'scalar-autograd[torch]'") from None  # fmt: skip
    device = device or "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(
            f"fit(compiled=True, backend='torch', device={device!r}): no CUDA device is available "
            "(torch.cuda.is_available() is False), so the compiled step trains on the CPU.",
            RuntimeWarning, stacklevel=4,
        )  # fmt: skip
        return "cpu"
    return device


def _depends_on(values: list[Value], leaf: Value) -> bool:
    """Whether any of ``values`` is ``leaf`` or is computed from it."""
    if any(v is leaf for v in values):
        return True
    return any(leaf in node.children() for node in topological_order(values))


def _plain(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_plain(e) for e in x]
    return x.data if isinstance(x, Value) else x
