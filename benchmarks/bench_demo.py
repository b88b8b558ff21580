"""Workload 1: one step of micrograd's moons demo (MLP(2, [16, 16, 1]), hinge loss + 1e-4·L2, SGD)."""

from __future__ import annotations

from typing import Any

from common import ENGINES, Engine, Row, Target, build_mlp, clock, init_weights, load_engine, make_moons

TITLE = "micrograd's demo training step"
ENGINES_RUN = ENGINES
ROUNDS = 3
ROWS = [Row("step_ms", "demo step: forward + backward + SGD (ms)", ".1f")]
TARGETS = [
    Target("demo step >= 50x faster than micrograd", "step_ms", ratio_vs="micrograd", at_least=50.0),
    Target("demo step >= 5x faster than the reference engine", "step_ms", ratio_vs="reference", at_least=5.0),
]


def payload(quick: bool) -> dict[str, Any]:
    xs, ys = make_moons(16 if quick else 100, noise=0.1, seed=0)
    return {"X": xs, "y": ys, "weights": init_weights(2, [16, 16, 1]), "timed_steps": 1 if quick else 3}


def step(engine: Engine, model: Any, xs: list[list[float]], ys: list[float], k: int) -> float:
    """The body of micrograd's demo loop: loss(), zero_grad, backward, SGD update."""
    inputs = [[engine.const(a) for a in row] for row in xs]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = engine.total(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * engine.total(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (si.data > 0) for yi, si in zip(ys, scores)]
    assert len(accuracy) == len(ys)
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return float(total_loss.data)


def run(engine_name: str, data: dict[str, Any]) -> dict[str, Any]:
    engine = load_engine(engine_name)
    model = build_mlp(engine, data["weights"])
    xs, ys = data["X"], data["y"]
    loss0 = step(engine, model, xs, ys, 0)  # warm-up; also a cross-check: every engine gets this loss
    times = []
    for k in range(1, 1 + data["timed_steps"]):
        t0 = clock()
        step(engine, model, xs, ys, k)
        times.append(clock() - t0)
    return {"step_ms": min(times) * 1e3, "loss0": loss0}
