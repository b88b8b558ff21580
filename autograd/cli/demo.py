"""``autograd demo``: train a small MLP, print its accuracy, write plots, weights and a neuron diagram."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from .errors import CLIError

# Per data set: hidden layer sizes, default epochs, batch size, Adam's peak learning rate.
_DEMO_SETTINGS: dict[str, dict[str, Any]] = {
    "moons": {"hidden": [16, 16], "epochs": 30, "batch_size": 32, "lr": 0.03},
    "spiral": {"hidden": [16, 16], "epochs": 60, "batch_size": 32, "lr": 0.03},
    "digits": {"hidden": [32], "epochs": 5, "batch_size": 32, "lr": 0.01},
}


def _demo_data(name: str, seed: int) -> tuple[list[list[float]], list[int], str]:
    from .. import data

    if name == "moons":
        X, y = data.make_moons(300, noise=0.1, seed=seed)
        return X, y, "300 moons points (noise 0.1)"
    if name == "spiral":
        X, y = data.make_spiral(100, classes=3, seed=seed)
        return X, y, "3 spiral arms of 100 points"
    try:
        X, y = data.load_digits()
    except ImportError as e:
        raise CLIError(f"--dataset digits needs scikit-learn's bundled digits: {data.DATASETS_HINT}") from e
    return X, y, "1797 8x8 digits (scikit-learn)"


def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from .. import data, nn, optim, train

    started = time.perf_counter()
    cfg = _DEMO_SETTINGS[args.dataset]
    epochs = args.epochs or cfg["epochs"]
    out_dir = args.out
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise CLIError(f"--out {out_dir!r} is a file, not a folder")
    try:  # before training, so a bad --out fails at once
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise CLIError(f"cannot create the --out folder {out_dir!r}: {e.strerror or e}") from None
    if not os.access(out_dir, os.W_OK):
        raise CLIError(f"cannot write into the --out folder {out_dir!r}: permission denied")
    X, y, about = _demo_data(args.dataset, args.seed)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=args.seed, stratify=True)
    classes = max(y) + 1
    binary = classes == 2
    model = nn.MLP(len(X[0]), [*cfg["hidden"], 1 if binary else classes], seed=args.seed)
    loss_fn = nn.binary_cross_entropy_with_logits if binary else nn.cross_entropy
    steps = epochs * -(-len(X_train) // cfg["batch_size"])
    lr = optim.cosine_decay(cfg["lr"], steps, min_lr=cfg["lr"] * 0.05)
    opt = optim.Adam(model.parameters(), lr=lr)
    print(f"{args.dataset}: {about}, split 8:2 into {len(X_train)} train / {len(X_test)} test (seed {args.seed})")
    print(f"model: {model}, {model.num_parameters()} parameters; "
          f"{'binary cross-entropy' if binary else 'cross-entropy'}, Adam, {_count(epochs, 'epoch')}")  # fmt: skip
    history = train.fit(model, loss_fn, X_train, y_train, epochs, opt, cfg["batch_size"],
                        X_test, y_test, progress=not args.no_progress, seed=args.seed)  # fmt: skip
    train_acc = train.accuracy(model, X_train, y_train)
    test_acc = train.accuracy(model, X_test, y_test)
    print(f"train accuracy {train_acc:.1%}, test accuracy {test_acc:.1%} "
          f"(trained in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    try:
        written, note = _demo_write(args.dataset, model, history, test_acc,
                                    (X_train, y_train, X_test, y_test), out_dir)  # fmt: skip
    except OSError as e:
        raise CLIError(f"cannot write into --out {out_dir!r}: {e.strerror or e}") from None
    print("wrote " + ", ".join(written))
    if note:
        print(note)
    return 0


def _demo_write(
    name: str, model: Any, history: Any, test_acc: float, split: tuple[Any, ...], out_dir: str
) -> tuple[list[str], str]:
    """Write the demo's files: (their paths, a note if the neuron diagram could not be drawn)."""
    from .. import plots

    X_train, y_train, X_test, y_test = split
    written: list[str] = []
    path = os.path.join(out_dir, "loss.png")
    plots.plot_history(history, path, title=f"{name}: {model}", val_name="test")
    written.append(path)
    if len(X_train[0]) == 2:
        path = os.path.join(out_dir, "decision_boundary.png")
        plots.plot_decision_boundary(model, X_train, y_train, path, X_test, y_test,
                                     title=f"{name}: test accuracy {test_acc:.1%}")  # fmt: skip
    else:
        path = os.path.join(out_dir, "predictions.png")
        plots.plot_digit_predictions(model, X_test, y_test, path)
    written.append(path)
    path = os.path.join(out_dir, "model.json")
    model.save(path)
    written.append(path)
    drawn = _demo_neuron_diagram(model, X_test, os.path.join(out_dir, "neuron.svg"))
    if drawn.endswith(".svg"):
        return [*written, drawn, drawn[:-4] + ".html"], ""
    return written, drawn


def _demo_neuron_diagram(model: Any, X: Sequence[Sequence[float]], path: str) -> str:
    """Draw the graph of the first hidden neuron on one sample, after backward.

    Picks the first sample that the neuron is active on, so gradients flow to
    every input. Returns the path written, or a one-line note saying why not.
    """
    try:
        from .. import viz
    except ImportError:
        return "no neuron diagram: autograd.viz is not available in this installation"
    from ..engine import Value
    from ..modes import no_grad

    neuron = model.layers[0].neurons[0]
    with no_grad():
        x = next((x for x in X if neuron(x).data > 0), X[0])
    out = neuron([Value(v, f"x{i}") for i, v in enumerate(x)])
    out.label = "a"
    if out.children():
        out.children()[0].label = "z"
    neuron.zero_grad()  # its weights still hold training's grads: the diagram must show this pass alone
    out.backward()
    try:
        diagram = viz.draw_dot(out)
        diagram.render(path)
        diagram.player(title="the first hidden neuron on one test sample").save(path[:-4] + ".html")
    except viz.RenderError as e:
        return f"no neuron diagram: {e}"
    return path


def _count(n: int, noun: str) -> str:
    """``1 epoch``, ``2 epochs``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
