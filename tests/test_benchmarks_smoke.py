"""The benchmarks still run: every workload at a tiny size, and the runner end to end.

No timing is asserted anywhere; `make bench` measures.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
from types import ModuleType

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _load(name: str) -> ModuleType:
    if BENCH not in sys.path:
        sys.path.insert(0, BENCH)
    return importlib.import_module(name)


def _engines(mod: ModuleType) -> list[str]:
    return [e for e in mod.ENGINES_RUN if e in ("autograd", "reference") or importlib.util.find_spec(e)]


def _workloads() -> list[str]:
    return list(_load("run").WORKLOADS)


@pytest.mark.parametrize("name", _workloads())
def test_each_workload_runs_at_a_tiny_size(name: str) -> None:
    mod = _load(name)
    if name == "bench_digits":
        pytest.importorskip("sklearn")
    data = json.loads(json.dumps(mod.payload(True)))  # what a worker receives
    metrics = {row.metric for row in mod.ROWS}
    for engine in _engines(mod):
        result = mod.run(engine, data)
        for metric in metrics:
            value = result[metric]
            ok = value is None or isinstance(value, float) or str(value).startswith("failed: ")
            assert ok, (name, engine, metric, value)
        if engine in ("autograd", "reference"):  # these two never fail a workload
            assert all(isinstance(result[m], float) for m in metrics if result[m] is not None)


def test_every_engine_computes_the_same_demo_loss() -> None:
    mod = _load("bench_demo")
    data = mod.payload(True)
    losses = {e: mod.run(e, data)["loss0"] for e in _engines(mod)}
    assert losses["autograd"] == pytest.approx(losses["reference"], rel=1e-12)
    for engine, loss in losses.items():
        assert loss == pytest.approx(losses["autograd"], rel=1e-9), engine


def test_micrograd_failures_are_reported_not_raised(micrograd_engine: ModuleType) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default; another test may have raised it in this process
    try:
        result = _load("bench_deep").run("micrograd", {"ops": 5_000})
    finally:
        sys.setrecursionlimit(limit)
    assert isinstance(result["forward_s"], float)
    assert result["backward_s"].startswith("failed: RecursionError")


def test_runner_prints_a_table_and_writes_json(tmp_path: str) -> None:
    out = os.path.join(tmp_path, "results.json")
    cmd = [sys.executable, os.path.join(BENCH, "run.py"), "--quick", "--engines", "autograd,reference",
           "--workloads", "bench_demo,bench_chain", "--json", out]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| chain backward (µs/op) |" in proc.stdout
    assert "PASS" in proc.stdout or "MISS" in proc.stdout
    with open(out) as f:
        report = json.load(f)
    assert set(report["workloads"]) == {"bench_demo", "bench_chain"}
    assert report["workloads"]["bench_chain"]["median"]["autograd"]["bytes_per_node"] > 0
    assert {t["target"] for t in report["targets"]} >= {"chain <= 160 bytes/node after forward"}


def test_a_worker_crash_becomes_a_failure_row() -> None:
    run = _load("run")
    result = run.run_worker("no_such_workload", "autograd", "{}", timeout=120)
    assert result["_error"].startswith("failed: ModuleNotFoundError")


def test_compiled_tape_benchmark_runs() -> None:
    if importlib.util.find_spec("micrograd") is None or importlib.util.find_spec("numpy") is None:
        pytest.skip("benchmarks/compiled.py compares against micrograd and needs numpy; `make bench` installs them")
    run = subprocess.run([sys.executable, os.path.join(BENCH, "compiled.py"), "--quick"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "batched numpy replay" in run.stdout and "faster than the engine" in run.stdout
