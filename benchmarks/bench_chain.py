"""Workload 2: a 100,000-op chain ``z = z*a + b``: µs per op forward and backward, bytes per node.

Each ``*`` and each ``+`` counts as one op, so 50,000 iterations are 100,000 ops (and nodes).
"""

from __future__ import annotations

import tracemalloc
from typing import Any

from common import ENGINES, Engine, Row, Target, clock, failure, load_engine

TITLE = "100,000-op chain z = z*a + b (each * and + is one op)"
ENGINES_RUN = ENGINES
ROUNDS = 5
ROWS = [
    Row("forward_us", "chain forward (µs/op)", ".3f"),
    Row("backward_us", "chain backward (µs/op)", ".3f"),
    Row("bytes_per_node", "chain memory after forward (bytes/node)", ".0f"),
]
TARGETS = [
    Target("chain forward <= 0.7 µs/op", "forward_us", at_most=0.7),
    Target("chain forward >= 1.3x faster than the reference", "forward_us", ratio_vs="reference", at_least=1.3),
    Target("chain backward <= 0.6 µs/op", "backward_us", at_most=0.6),
    Target("chain backward >= 2x faster than the reference", "backward_us", ratio_vs="reference", at_least=2.0),
    Target("chain <= 160 bytes/node after forward", "bytes_per_node", at_most=160.0),
]


def payload(quick: bool) -> dict[str, Any]:
    return {"ops": 1_000 if quick else 100_000, "reps": 1 if quick else 3}


def chain(engine: Engine, ops: int) -> tuple[Any, float]:
    """Build the chain; return its root and the forward time in seconds."""
    a, b, z = engine.leaf(0.999), engine.leaf(0.001), engine.leaf(1.0)
    t0 = clock()
    for _ in range(ops // 2):
        z = z * a + b
    return z, clock() - t0


def backward(z: Any) -> float | str:
    t0 = clock()
    try:
        z.backward()
    except RecursionError as exc:
        return failure(exc)
    return clock() - t0


def run(engine_name: str, data: dict[str, Any]) -> dict[str, Any]:
    engine = load_engine(engine_name)
    ops = data["ops"]
    fwd: list[float] = []
    bwd: list[float | str] = []
    for _ in range(1 if engine_name == "torch" else data["reps"]):  # torch is slow; one rep
        z, t = chain(engine, ops)
        fwd.append(t)
        bwd.append(backward(z))
        del z  # freed outside the timed regions
    times = [t for t in bwd if isinstance(t, float)]
    result: dict[str, Any] = {
        "forward_us": min(fwd) / ops * 1e6,
        "backward_us": min(times) / ops * 1e6 if times else bwd[0],
    }
    if engine_name == "torch":
        result["bytes_per_node"] = None  # tracemalloc does not see torch's C++ allocations
        return result
    a, b, z = engine.leaf(0.999), engine.leaf(0.001), engine.leaf(1.0)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(ops // 2):
        z = z * a + b
    result["bytes_per_node"] = (tracemalloc.get_traced_memory()[0] - before) / ops
    tracemalloc.stop()
    return result
