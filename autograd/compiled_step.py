"""Training on the compiled tape: the batch step behind ``fit(..., compiled=True)``.

It knows about models and losses, so it lives next to training, not in the tape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .engine import Value, _to_float, gradients
from .tape import Compiled

__all__ = ["CompiledStep"]


class CompiledStep:
    """``fit``'s batch step on the compiled tape: the loss of one example is traced once
    (per label value), then replayed over the whole batch with numpy.

    ``loss_fn(outputs, targets)`` must be the mean over the batch of a per-example
    loss (as every loss in autograd.nn with ``reduction='mean'``); the first batch
    is checked against the engine, and a mismatch raises instead of training wrongly.
    Labels are constants of the trace when there are few distinct ones (classes),
    and inputs of it otherwise (regression targets).
    """

    max_label_traces = 16

    def __init__(self) -> None:
        self._fns: dict[Any, Compiled] = {}
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
        xarg = np.moveaxis(X, 0, -1)  # the batch last: one array of shape (B,) per feature
        keys = [_to_float(t.data if isinstance(t, Value) else t) for t in yb]
        firsts = dict(zip(keys, yb))  # each label's first object, as loss_fn will see it
        static = len(set(self._fns) | set(firsts)) <= self.max_label_traces and "y" not in self._fns
        groups: list[tuple[Any, Any, Compiled, tuple[Any, ...]]] = []
        if static:
            karr = np.asarray(keys)
            for k, label in firsts.items():
                idx = np.flatnonzero(karr == k)
                groups.append((idx, label, self._fn(model, loss_fn, k, label), (xarg[..., idx],)))
        else:
            idx = np.arange(len(keys))
            groups.append((idx, None, self._fn(model, loss_fn, "y", None), (xarg, np.asarray(keys))))
        total = 0.0
        grads = np.zeros(len(params))
        outs: list[Any] = [None] * len(keys)
        for idx, _, fn, rest in groups:
            (values, aux), g = fn(params, *rest)
            total += float(values.sum())
            grads += g
            per = aux.tolist() if not isinstance(aux, list) else np.stack(aux, axis=1).tolist()
            for i, o in zip(idx.tolist(), per):
                outs[i] = o
        n = len(keys)
        loss, mean_grads = total / n, (grads / n).tolist()
        if not self._checked:
            self._check(model, loss_fn, params, Xb, yb, loss, mean_grads)
        for p, g in zip(params, mean_grads):
            p.grad = p.grad + g
        return loss, outs

    def _fn(self, model: Any, loss_fn: Callable[..., Any], key: Any, label: Any) -> Compiled:
        fn = self._fns.get(key)
        if fn is None:
            if key == "y":

                def example(ps: list[Value], x: Any, y: Value) -> tuple[Any, Any]:
                    out = model(x)
                    return loss_fn([out], [y]), out
            else:

                def example(ps: list[Value], x: Any) -> tuple[Any, Any]:  # type: ignore[misc]
                    out = model(x)
                    return loss_fn([out], [label]), out

            fn = self._fns[key] = Compiled(example, argnums=0, has_aux=True)
        return fn

    def _check(
        self, model: Any, loss_fn: Callable[..., Any], params: list[Value], Xb: list[Any], yb: list[Any],
        loss: float, grads: list[float],
    ) -> None:  # fmt: skip
        ref = loss_fn([model(x) for x in Xb], list(yb))
        ref_grads = gradients(ref, params)
        scale = 1.0 + max([abs(g) for g in ref_grads], default=0.0)
        if abs(loss - ref.data) > 1e-9 * (1.0 + abs(ref.data)) or any(
            abs(a - b) > 1e-9 * scale for a, b in zip(grads, ref_grads)
        ):
            raise ValueError(
                f"fit(compiled=True): the compiled step disagrees with the engine on the first batch "
                f"(loss {loss!r} vs {ref.data!r}). The compiled path needs loss_fn(outputs, targets) to be "
                "the mean over the batch of a per-example loss (autograd.nn losses with reduction='mean') "
                "and a model whose forward is traceable (no .data reads). Train with compiled=False."
            )
        self._checked = True



def _plain(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_plain(e) for e in x]
    return x.data if isinstance(x, Value) else x
