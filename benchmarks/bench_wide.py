"""Workload 3: a wide graph, the sum of 100,000 products ``w_i * x_i``.

Ours uses ``autograd.sum`` (one fused node, the API users call); the others use Python's ``sum``.
"""

from __future__ import annotations

from typing import Any

from common import ENGINES, Row, clock, failure, load_engine

TITLE = "wide graph: the sum of 100,000 products"
ENGINES_RUN = ENGINES
ROUNDS = 5
ROWS = [
    Row("forward_ms", "wide forward (ms)", ".1f"),
    Row("backward_ms", "wide backward (ms)", ".1f"),
]
TARGETS: list[Any] = []


def payload(quick: bool) -> dict[str, Any]:
    return {"n": 1_000 if quick else 100_000, "reps": 1 if quick else 3}


def run(engine_name: str, data: dict[str, Any]) -> dict[str, Any]:
    engine = load_engine(engine_name)
    n = data["n"]
    fwd: list[float] = []
    bwd: list[float] = []
    reason = ""
    for _ in range(1 if engine_name == "torch" else data["reps"]):  # torch is slow; one rep
        ws = [engine.leaf(1.0 + i / n) for i in range(n)]
        xs = [engine.leaf(2.0 - i / n) for i in range(n)]
        t0 = clock()
        total = engine.total(w * x for w, x in zip(ws, xs))
        t1 = clock()
        try:
            total.backward()
        except RecursionError as exc:
            reason = failure(exc)
        else:
            bwd.append(clock() - t1)
        fwd.append(t1 - t0)
        del total, ws, xs
    return {"forward_ms": min(fwd) * 1e3, "backward_ms": min(bwd) * 1e3 if bwd else reason}
