"""Plots of training: loss and accuracy curves, decision boundaries, digit guesses.

Drawn with matplotlib's object API on a ``Figure`` (no pyplot, no change to
the global backend), so they work in scripts, tests and notebooks alike.
``autograd demo`` writes all three; docs/nn.md shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._validate import check_count
from .modes import no_grad
from .train import History, predict

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_history", "plot_decision_boundary", "plot_digit_predictions"]


def plot_history(history: History, path: str, title: str = "training", val_name: str = "validation") -> None:
    """Write a PNG of the per-epoch loss and accuracy curves (validation ones too, if any).

    Examples:
        >>> import os
        >>> from autograd import nn, train
        >>> from autograd.data import make_moons
        >>> X, y = make_moons(20, seed=0)
        >>> history = train.fit(nn.MLP(2, [4, 1], seed=0), nn.binary_cross_entropy_with_logits, X, y,
        ...                     epochs=3, progress=False)
        >>> plot_history(history, "history.png")
        >>> os.path.getsize("history.png") > 0
        True
    """
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
    path: str | None = None,
    X_test: Sequence[Sequence[float]] | None = None,
    y_test: Sequence[Any] | None = None,
    resolution: int = 60,
    title: str = "decision boundary",
    threshold: float = 0.0,
    *,
    ax: Axes | None = None,
    feature_names: tuple[str, str] = ("x0", "x1"),
) -> Axes:
    """Draw the classes a 2-input model predicts over the plane, with the data on top.

    Writes a PNG to ``path``, or draws into the matplotlib Axes ``ax`` (say,
    one panel of a notebook figure); returns the Axes. Training points are
    circles, test points (if given) triangles. The axes are labelled with
    ``feature_names``: the first and second input of the model.

    Examples:
        >>> import os
        >>> from autograd import nn
        >>> from autograd.data import make_moons
        >>> X, y = make_moons(20, seed=0)
        >>> ax = plot_decision_boundary(nn.MLP(2, [4, 1], seed=0), X, y, "boundary.png")
        >>> os.path.getsize("boundary.png") > 0
        True
    """
    if path is None and ax is None:
        raise ValueError("plot_decision_boundary needs a path to write a PNG to, or ax= to draw into")
    resolution = check_count(resolution, "resolution (grid points per side)", 2)
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
    from matplotlib.figure import Figure

    if ax is None:
        ax = Figure(figsize=(5.5, 5), layout="constrained").subplots()
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
    ax.set(title=title, xlim=(x0, x1), ylim=(y0, y1), xlabel=feature_names[0], ylabel=feature_names[1])
    ax.legend(loc="upper right")
    if path is not None:
        fig = ax.figure  # the Figure, or a SubFigure of one
        (fig if isinstance(fig, Figure) else fig.figure).savefig(path, dpi=100)
    return ax


def plot_digit_predictions(
    model: Callable[[Any], Any], X: Sequence[Sequence[float]], y: Sequence[int], path: str
) -> None:
    """Write a PNG grid of (up to 32) 8x8 digits, each titled with the model's guess (red when wrong).

    Examples:
        >>> import os
        >>> from autograd import nn
        >>> from autograd.data import load_digits
        >>> X, y = load_digits()
        >>> plot_digit_predictions(nn.MLP(64, [10], seed=0), X[:8], y[:8], "digits.png")   # untrained: red guesses
        >>> os.path.getsize("digits.png") > 0
        True
    """
    from matplotlib.figure import Figure

    n = min(32, len(X))
    fig = Figure(figsize=(8, 4.6), layout="constrained")
    axes = fig.subplots(4, 8)
    with no_grad():
        guesses = [predict(model(X[i])) for i in range(n)]
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow([list(X[i][r * 8 : r * 8 + 8]) for r in range(8)], cmap="gray_r")
        ok = guesses[i] == y[i]
        ax.set_title(f"{guesses[i]}" if ok else f"{guesses[i]} (is {y[i]})", color="green" if ok else "red",
                     fontsize=9)  # fmt: skip
    fig.suptitle("test digits and the model's guesses")
    fig.savefig(path, dpi=100)


def _class_of(target: Any) -> int:
    """A label as a class index: -1/+1 and 0/1 both become 0/1; class indices stay."""
    t = float(target)
    return int(t) if t > 0 else 0
