"""Workload 5: one training epoch of MLP(64, [16, 10]) on sklearn's digits with cross-entropy.

Minibatches of 32, ``autograd.nn.cross_entropy`` (``logsumexp(logits) - logits[label]``), SGD. Only our
engine runs it: micrograd and the reference engine have no exp or log, and torch at scalar
granularity would take minutes.
"""

from __future__ import annotations

import random
from typing import Any

from common import Row, build_mlp, clock, init_weights, load_engine

TITLE = "digits: one cross-entropy training epoch, MLP(64, [16, 10]), batches of 32"
ENGINES_RUN = ("autograd",)
ROUNDS = 3
ROWS = [Row("epoch_s", "digits epoch, 1,797 samples (s)", ".2f")]
TARGETS: list[Any] = []
BATCH = 32


def payload(quick: bool) -> dict[str, Any]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    xs = [[float(p) / 16.0 for p in row] for row in digits.data]
    ys = [int(t) for t in digits.target]
    order = list(range(len(xs)))
    random.Random(0).shuffle(order)
    if quick:
        order = order[:2 * BATCH]
    return {"X": [xs[i] for i in order], "y": [ys[i] for i in order],
            "weights": init_weights(64, [16, 10], scale=0.25)}  # fmt: skip


def epoch(model: Any, xs: list[list[float]], ys: list[int], lr: float) -> float:
    """Minibatch SGD over the data once; returns the mean training loss."""
    from autograd.nn import cross_entropy

    total = 0.0
    for start in range(0, len(xs), BATCH):
        stop = min(start + BATCH, len(xs))
        loss = cross_entropy([model(x) for x in xs[start:stop]], ys[start:stop])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        total += loss.data * (stop - start)
    return total / len(xs)


def run(engine_name: str, data: dict[str, Any]) -> dict[str, Any]:
    engine = load_engine(engine_name)
    model = build_mlp(engine, data["weights"])
    xs, ys = data["X"], data["y"]
    epoch(model, xs[:BATCH], ys[:BATCH], 0.0)  # warm-up, no update
    t0 = clock()
    mean_loss = epoch(model, xs, ys, 0.5)
    return {"epoch_s": clock() - t0, "mean_loss": mean_loss}
