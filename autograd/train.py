"""A training loop with a progress bar (``fit``), and ``accuracy``/``evaluate``. Plots are in plots.py.

``fit`` is a convenience: an explicit loop is five lines and stays first-class::

    for Xb, yb in batches(X, y, 32, seed=rng):
        loss = nn.cross_entropy([model(x) for x in Xb], yb)
        opt.zero_grad()
        loss.backward()
        opt.step()

One batch's work is in ``loss_and_grad`` (forward, loss, backward); ``fit``
calls it through its ``step`` argument, so a faster implementation (a
compiled tape) can be swapped in without touching the loop.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._validate import check_count
from .data import batches
from .engine import Value
from .modes import no_grad
from .optim import Adam, Optimizer

__all__ = ["History", "fit", "evaluate", "accuracy", "predict", "loss_and_grad"]

LossFn = Callable[[list[Any], list[Any]], Value]
BatchStep = Callable[[Callable[[Any], Any], LossFn, list[Any], list[Any]], tuple[float, list[Any]]]


@dataclass
class History:
    """Per-epoch numbers from ``fit``. ``val_*`` stay empty without validation data.

    ``loss`` and ``train_acc`` are averaged over the epoch's batches as they
    were trained (as Keras reports them); ``val_*`` are measured after the epoch.

    Examples:
        >>> h = History(loss=[0.7, 0.4], train_acc=[0.5, 0.9])
        >>> len(h), h["loss"], h.val_acc
        (2, [0.7, 0.4], [])
    """

    loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.as_dict():
            raise KeyError(f"History has 'loss', 'train_acc', 'val_loss' and 'val_acc', not {key!r}")
        return getattr(self, key)  # type: ignore[no-any-return]

    def as_dict(self) -> dict[str, list[float]]:
        return {"loss": self.loss, "train_acc": self.train_acc, "val_loss": self.val_loss, "val_acc": self.val_acc}

    def __len__(self) -> int:
        return len(self.loss)


def predict(output: Any, threshold: float = 0.0) -> int:
    """The class a model output stands for: the argmax of a list of outputs, or, for a
    single output, 1 if it is above ``threshold`` (0 for scores and logits) else 0.

    Examples:
        >>> from autograd import Value
        >>> predict(Value(0.3)), predict(Value(-0.3))               # one output: above the threshold or not
        (1, 0)
        >>> predict([Value(0.1), Value(2.0), Value(-1.0)])          # several: the argmax
        1
    """
    if isinstance(output, (list, tuple)):
        if not output:
            raise ValueError("predict: an empty list of outputs")
        scores = [float(o) for o in output]
        return max(range(len(scores)), key=scores.__getitem__)  # first index of the largest
    return 1 if float(output) > threshold else 0


def _is_correct(output: Any, target: Any, threshold: float) -> bool:
    if isinstance(output, (list, tuple)):
        return predict(output) == int(target)
    # Binary labels may be 0/1 or -1/+1: positive means > 0.
    return (float(output) > threshold) == (float(target) > 0)


def accuracy(model: Callable[[Any], Any], X: Sequence[Any], y: Sequence[Any], threshold: float = 0.0) -> float:
    """The fraction of samples whose predicted class (see ``predict``) matches the label.

    Runs the model under ``no_grad``. Labels are class indices for models with
    several outputs, and 0/1 or -1/+1 for a model with one output.

    Examples:
        >>> from autograd import Value
        >>> def sign_model(x):                      # one output: class 1 when it is above 0
        ...     return Value(x[0])
        >>> accuracy(sign_model, [[0.5], [-2.0], [3.0]], [1, 0, 0])
        0.6666666666666666
    """
    _check_data(X, y, "accuracy")
    with no_grad():
        hits = sum(_is_correct(model(x), t, threshold) for x, t in zip(X, y))
    return hits / len(X)


def evaluate(
    model: Callable[[Any], Any], loss_fn: LossFn, X: Sequence[Any], y: Sequence[Any], threshold: float = 0.0
) -> tuple[float, float]:
    """``(loss, accuracy)`` over the whole data set, under ``no_grad``.

    Examples:
        >>> from autograd import nn
        >>> model = nn.MLP(2, [4, 1], seed=0)
        >>> loss, acc = evaluate(model, nn.binary_cross_entropy_with_logits, [[1.0, -1.0], [0.0, 2.0]], [1, 0])
        >>> round(loss, 4), acc
        (0.597, 1.0)
    """
    _check_data(X, y, "evaluate")
    with no_grad():
        outs = [model(x) for x in X]
        loss = _loss_value(loss_fn(outs, list(y)))
    return loss, sum(_is_correct(o, t, threshold) for o, t in zip(outs, y)) / len(X)


def loss_and_grad(
    model: Callable[[Any], Any], loss_fn: LossFn, Xb: list[Any], yb: list[Any]
) -> tuple[float, list[Any]]:
    """One batch: forward, loss, backward. Returns the loss and the model's outputs.

    Gradients accumulate into the parameters' ``.grad`` (zero them first).

    Examples:
        >>> from autograd import nn
        >>> model = nn.MLP(2, [4, 1], seed=0)
        >>> loss, outputs = loss_and_grad(model, nn.binary_cross_entropy_with_logits, [[1.0, -1.0], [0.0, 2.0]], [1, 0])
        >>> len(outputs), model.parameters()[0].grad != 0.0        # backward() has run
        (2, True)
    """
    outs = [model(x) for x in Xb]
    loss = loss_fn(outs, yb)
    value = _loss_value(loss)
    loss.backward()
    return value, outs


def _loss_value(loss: Any) -> float:
    if not isinstance(loss, Value):
        raise TypeError(
            f"loss_fn must return a Value (e.g. nn.cross_entropy(outputs, targets)), got {type(loss).__name__}"
        )
    return loss.data


def _check_data(X: Sequence[Any], y: Sequence[Any], who: str) -> None:
    if len(X) != len(y):
        raise ValueError(f"{who}: X has {len(X)} samples but y has {len(y)} labels")
    if not X:
        raise ValueError(f"{who}: the data set is empty")


def fit(
    model: Any,
    loss_fn: LossFn,
    X: Sequence[Any],
    y: Sequence[Any],
    epochs: int = 10,
    optimizer: Optimizer | None = None,
    batch_size: int | None = None,
    X_val: Sequence[Any] | None = None,
    y_val: Sequence[Any] | None = None,
    progress: bool = True,
    *,
    seed: int = 0,
    shuffle: bool = True,
    threshold: float = 0.0,
    step: BatchStep = loss_and_grad,
    compiled: bool = False,
    backend: str = "numpy",
    device: str | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``(X, y)`` and return a ``History``.

    ``loss_fn(outputs, targets)`` gets a batch's model outputs and labels and
    returns a Value, e.g. ``nn.cross_entropy`` or ``nn.hinge_loss``.
    ``optimizer`` defaults to ``Adam(model.parameters(), lr=0.01)``;
    ``batch_size=None`` trains on the whole set at once. Batches are shuffled
    with ``seed``, so the same seeds give the same weights and history.
    A tqdm bar shows the loss and accuracy (``progress=False`` hides it).
    ``compiled=True`` trains on the compiled tape, batched with numpy, or with
    ``backend="torch"`` on ``device`` ("cpu", "cuda"; without CUDA it warns and
    uses the CPU). See ``autograd.compiled_step.CompiledStep`` and docs/compile.md.

    Examples:
        >>> from autograd import nn, optim
        >>> from autograd.data import make_moons
        >>> X, y = make_moons(40, seed=0)
        >>> model = nn.MLP(2, [8, 1], seed=0)
        >>> history = fit(model, nn.binary_cross_entropy_with_logits, X, y, epochs=20,
        ...               optimizer=optim.Adam(model.parameters(), lr=0.05), batch_size=10, progress=False)
        >>> len(history), history.loss[-1] < history.loss[0]
        (20, True)
        >>> accuracy(model, X, y)
        0.875
    """
    from tqdm import tqdm

    if compiled:
        if step is not loss_and_grad:
            raise ValueError("pass either step= or compiled=True, not both")
        from .compiled_step import CompiledStep

        step = CompiledStep(backend, device)

    _check_data(X, y, "fit")
    check_count(epochs, "epochs")
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    if X_val is not None and y_val is not None:
        _check_data(X_val, y_val, "fit (validation data)")
    if optimizer is None:
        optimizer = Adam(model.parameters(), lr=0.01)
    if batch_size is not None:
        check_count(batch_size, "batch_size")
    size = len(X) if batch_size is None else batch_size
    n_batches = -(-len(X) // size)
    rng = random.Random(seed)
    history = History()
    bar = tqdm(total=epochs * n_batches, disable=not progress, unit="batch", dynamic_ncols=True)
    shown: dict[str, str] = {}  # the bar's postfix; val_acc stays until the next epoch's
    try:
        for epoch in range(epochs):
            bar.set_description(f"epoch {epoch + 1}/{epochs}")
            total = 0.0
            hits = 0
            seen = 0
            for Xb, yb in batches(X, y, size, shuffle=shuffle, seed=rng):
                optimizer.zero_grad()
                loss, outs = step(model, loss_fn, Xb, yb)
                if not math.isfinite(loss):
                    raise FloatingPointError(
                        f"the loss became {loss} in epoch {epoch + 1}: training diverged. "
                        "Lower the learning rate (find the first bad value with autograd.detect_anomaly())"
                    )
                optimizer.step()
                total += loss * len(Xb)
                hits += sum(_is_correct(o, t, threshold) for o, t in zip(outs, yb))
                seen += len(Xb)
                shown.update(loss=f"{total / seen:.4f}", acc=f"{hits / seen:.3f}")
                bar.set_postfix(shown, refresh=False)
                bar.update()
            history.loss.append(total / seen)
            history.train_acc.append(hits / seen)
            if X_val is not None and y_val is not None:
                vl, va = evaluate(model, loss_fn, X_val, y_val, threshold)
                history.val_loss.append(vl)
                history.val_acc.append(va)
                shown["val_acc"] = f"{va:.3f}"
                bar.set_postfix(shown)
    finally:
        bar.close()
    return history
