"""A training loop with a progress bar (``fit``), and ``accuracy``/``evaluate``.

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

from .data import batches
from .engine import Value, no_grad
from .optim import Adam, Optimizer

__all__ = [
    "History", "fit", "evaluate", "accuracy", "predict", "loss_and_grad", "plot_history", "plot_decision_boundary",
]

LossFn = Callable[[list[Any], list[Any]], Value]
BatchStep = Callable[[Callable[[Any], Any], LossFn, list[Any], list[Any]], tuple[float, list[Any]]]


@dataclass
class History:
    """Per-epoch numbers from ``fit``. ``val_*`` stay empty without validation data.

    ``loss`` and ``train_acc`` are averaged over the epoch's batches as they
    were trained (as Keras reports them); ``val_*`` are measured after the epoch.
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
    single output, 1 if it is above ``threshold`` (0 for scores and logits) else 0."""
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
    """
    _check_data(X, y, "accuracy")
    with no_grad():
        hits = sum(_is_correct(model(x), t, threshold) for x, t in zip(X, y))
    return hits / len(X)


def evaluate(
    model: Callable[[Any], Any], loss_fn: LossFn, X: Sequence[Any], y: Sequence[Any], threshold: float = 0.0
) -> tuple[float, float]:
    """``(loss, accuracy)`` over the whole data set, under ``no_grad``."""
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
    """
    from tqdm import tqdm

    if compiled:
        if step is not loss_and_grad:
            raise ValueError("pass either step= or compiled=True, not both")
        from .compiled_step import CompiledStep

        step = CompiledStep(backend, device)

    _check_data(X, y, "fit")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive whole number, got {epochs!r}")
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    if X_val is not None and y_val is not None:
        _check_data(X_val, y_val, "fit (validation data)")
    if optimizer is None:
        optimizer = Adam(model.parameters(), lr=0.01)
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive whole number or None (the whole set), got {batch_size!r}")
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


# --------------------------------------------------------------------------
# Plots (matplotlib, drawn on a Figure object: no pyplot, no global backend)
# --------------------------------------------------------------------------


def plot_history(history: History, path: str, title: str = "training", val_name: str = "validation") -> None:
    """Write a PNG of the per-epoch loss and accuracy curves (validation ones too, if any)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = range(1, len(history.loss) + 1)
    ax_loss.plot(epochs, history.loss, label="train", color="tab:blue")
    if history.val_loss:
        ax_loss.plot(epochs, history.val_loss, label=val_name, color="tab:orange")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    if min(history.loss + history.val_loss) > 0:
        ax_loss.set_yscale("log")
    ax_acc.plot(epochs, history.train_acc, label="train", color="tab:blue")
    if history.val_acc:
        ax_acc.plot(epochs, history.val_acc, label=val_name, color="tab:orange")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.savefig(path, dpi=100)


def plot_decision_boundary(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    path: str,
    X_test: Sequence[Sequence[float]] | None = None,
    y_test: Sequence[Any] | None = None,
    resolution: int = 60,
    title: str = "decision boundary",
    threshold: float = 0.0,
) -> None:
    """Write a PNG of the classes a 2-input model predicts over the plane, with the data on top.

    Training points are circles, test points (if given) triangles.
    """
    from matplotlib.figure import Figure

    pts = [list(p) for p in X] + [list(p) for p in (X_test or [])]
    if not pts or any(len(p) != 2 for p in pts):
        raise ValueError("plot_decision_boundary needs 2-dimensional inputs")
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    pad_x, pad_y = 0.1 * (max(xs) - min(xs)) + 0.2, 0.1 * (max(ys) - min(ys)) + 0.2
    x0, x1, y0, y1 = min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        outs = [[model([a, b]) for a in gx] for b in gy]
    binary = not isinstance(outs[0][0], (list, tuple))
    # One output: the score itself, so the boundary (score = threshold) is interpolated smoothly.
    grid = [[float(o) - threshold if binary else predict(o) for o in row] for row in outs]
    k = 2 if binary else 1 + max(max(_class_of(t) for t in [*y, *(y_test or [])]), int(max(map(max, grid))))
    fig = Figure(figsize=(5.5, 5), layout="constrained")
    ax = fig.subplots()
    cmap = "coolwarm" if k <= 2 else "tab10"
    if binary:
        import matplotlib

        colors = matplotlib.colormaps[cmap]
        lo, hi = min(map(min, grid)), max(map(max, grid))
        levels = [min(lo, 0.0) - 1.0, 0.0, max(hi, 0.0) + 1.0]
        ax.contourf(gx, gy, grid, levels=levels, colors=[colors(0.0), colors(1.0)], alpha=0.3)
        ax.contour(gx, gy, grid, levels=[0.0], colors="k", linewidths=0.8)
    else:
        levels = [c - 0.5 for c in range(k + 1)]
        ax.contourf(gx, gy, grid, levels=levels, cmap=cmap, alpha=0.35, vmin=0, vmax=k - 1)
    ax.scatter(xs[: len(X)], ys[: len(X)], c=[_class_of(t) for t in y], cmap=cmap, vmin=0,
               vmax=max(k - 1, 1), s=18, edgecolors="k", linewidths=0.4, label="train")  # fmt: skip
    if X_test:
        ax.scatter(xs[len(X):], ys[len(X):], c=[_class_of(t) for t in (y_test or [])], cmap=cmap,
                   vmin=0, vmax=max(k - 1, 1), s=30, marker="^", edgecolors="k", linewidths=0.6,
                   label="test")  # fmt: skip
    ax.set(title=title, xlim=(x0, x1), ylim=(y0, y1), xlabel="x0", ylabel="x1")
    ax.legend(loc="upper right")
    fig.savefig(path, dpi=100)


def _class_of(target: Any) -> int:
    """A label as a class index: -1/+1 and 0/1 both become 0/1; class indices stay."""
    t = float(target)
    return int(t) if t > 0 else 0
