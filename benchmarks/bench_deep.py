"""Workload 4: a 1,000,000-deep chain (``z = z*a + b``, 1,000,000 ops) through backward."""

from __future__ import annotations

from typing import Any

from bench_chain import backward, chain
from common import Row, Target, load_engine

TITLE = "1,000,000-deep chain through backward"
ENGINES_RUN = ("autograd", "reference", "micrograd")  # torch: ~10 s per run at this size, left out
ROUNDS = 3
ROWS = [
    Row("forward_s", "1M-deep chain forward (s)", ".2f"),
    Row("backward_s", "1M-deep chain backward (s)", ".2f"),
]
TARGETS = [Target("1M-deep backward <= 1.5 s, no RecursionError", "backward_s", at_most=1.5)]


def payload(quick: bool) -> dict[str, Any]:
    return {"ops": 20_000 if quick else 1_000_000}


def run(engine_name: str, data: dict[str, Any]) -> dict[str, Any]:
    z, fwd = chain(load_engine(engine_name), data["ops"])
    bwd = backward(z)
    return {"forward_s": fwd, "backward_s": bwd}
