"""Run the benchmarks: our engine against micrograd, the reference engine and torch.

    python benchmarks/run.py            # the full suite (what `make bench` runs), a few minutes
    python benchmarks/run.py --quick    # tiny sizes, one round: checks that everything still runs
    python benchmarks/run.py --workloads bench_chain --engines autograd,reference --rounds 9

Every measurement runs in a fresh process per engine (so one engine's garbage never
slows another's collector), and the engines take turns: A B C, A B C, ... The table
shows medians over those rounds; ratios are other engine / ours, from the same run.
The interpreter runs with its default settings (GC on, default thresholds).

A workload is a module in this folder that defines:
    TITLE        a one-line description
    ENGINES_RUN  the engines it runs, a subset of common.ENGINES
    ROUNDS       how many processes per engine (the default number of rounds)
    ROWS         list[common.Row]: metrics for the summary table (lower is better)
    TARGETS      list[common.Target]: goals printed as PASS/MISS
    payload(quick) -> dict      built once in this process, sent to every worker as JSON
    run(engine, payload) -> dict  runs in the worker; metric -> number, or a "failed: ..." reason
To add a workload, write such a module and append its name to WORKLOADS below.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)  # the workload modules
if ROOT not in sys.path:
    sys.path.append(ROOT)  # this checkout's autograd, unless one is installed (make installs it editable)

from common import ENGINES, Target  # noqa: E402

WORKLOADS = ["bench_demo", "bench_chain", "bench_wide", "bench_deep", "bench_digits", "bench_forward"]
"""Workload modules, in table order. Append new ones here (see the module docstring)."""

OURS = "autograd"
DEFAULT_JSON = os.path.join(HERE, "results.json")


# --------------------------------------------------------------------------
# Worker: one engine, one workload, one process.
# --------------------------------------------------------------------------


def worker(workload: str, engine: str) -> None:
    data = json.load(sys.stdin)
    result = importlib.import_module(workload).run(engine, data)
    json.dump(result, sys.stdout)


def run_worker(workload: str, engine: str, data_json: str, timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; a crash or timeout becomes a failure reason."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", workload, engine]
    try:
        proc = subprocess.run(cmd, input=data_json, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"_error": f"failed: timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"]
        return {"_error": f"failed: {lines[-1]}"}
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


# --------------------------------------------------------------------------
# Parent: schedule, aggregate, print.
# --------------------------------------------------------------------------


def available(engine: str) -> bool:
    if engine in (OURS, "reference"):
        return True
    return importlib.util.find_spec(engine) is not None


def median_or_reason(runs: list[dict[str, Any]], metric: str) -> float | str | None:
    """The median of the numeric values, else the first failure reason, else None (not measured)."""
    values = [r.get(metric, r.get("_error")) for r in runs]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers:
        return statistics.median(numbers)
    reasons = [v for v in values if isinstance(v, str)]
    return reasons[0] if reasons else None


def measure(
    mod: ModuleType, engines: list[str], rounds: int, quick: bool, timeout: float, log: Any
) -> dict[str, list[dict[str, Any]]]:
    """Interleaved rounds. An engine that failed a measurement is not run again: the
    failures are deterministic (RecursionError), and its other numbers are from one run."""
    runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    try:
        data_json = json.dumps(mod.payload(quick))
    except ImportError as exc:  # e.g. sklearn for the digits
        print(f"  skipped: {exc}", file=log, flush=True)
        return {e: [{"_error": f"failed: {type(exc).__name__} ({exc})"}] for e in engines}
    for r in range(rounds):
        for engine in engines:
            past = runs[engine]
            if past and any(isinstance(v, str) for v in past[-1].values()):
                continue
            result = run_worker(mod.__name__, engine, data_json, timeout)
            past.append(result)
            shown = ", ".join(f"{k}={_fmt_log(v)}" for k, v in result.items())
            print(f"  round {r + 1}/{rounds} {engine:<9} {shown}", file=log, flush=True)
    return runs


def _fmt_log(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def check(target: Target, medians: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ours = medians.get(OURS, {}).get(target.metric)
    value: float | str | None = ours
    if target.ratio_vs is not None:
        other = medians.get(target.ratio_vs, {}).get(target.metric)
        if isinstance(ours, float) and isinstance(other, float) and ours > 0:
            value = other / ours
        else:
            value = f"no ratio ({target.ratio_vs}: {other}, ours: {ours})"
    ok = isinstance(value, float)
    if ok and target.at_least is not None:
        ok = value >= target.at_least  # type: ignore[operator]
    if ok and target.at_most is not None:
        ok = value <= target.at_most  # type: ignore[operator]
    return {"target": target.label, "value": value, "pass": ok}


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(terse=True),
    }


def cell(v: Any, fmt: str, notes: list[str]) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        if v not in notes:
            notes.append(v)
        return f"failed [{notes.index(v) + 1}]"
    return format(v, fmt)


def ratio_cell(other: Any, ours: Any) -> str:
    if isinstance(other, float) and isinstance(ours, float) and ours > 0:
        return f"{other / ours:.1f}x"
    return "-"


def table(mods: list[ModuleType], medians: dict[str, dict[str, dict[str, Any]]]) -> str:
    head = ["measure (median)", *ENGINES, "vs reference", "vs micrograd"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes: list[str] = []
    for mod in mods:
        med = medians[mod.__name__]
        for row in mod.ROWS:
            vals = {e: med.get(e, {}).get(row.metric) for e in ENGINES}
            cells = [cell(vals[e], row.fmt, notes) for e in ENGINES]
            ratios = [ratio_cell(vals[e], vals[OURS]) for e in ("reference", "micrograd")]
            lines.append("| " + " | ".join([row.label, *cells, *ratios]) + " |")
    out = "\n".join(lines)
    if notes:
        out += "\n\n" + "\n".join(f"[{i + 1}] {n}" for i, n in enumerate(notes))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny sizes and one round (a smoke test)")
    ap.add_argument("--rounds", type=int, help="processes per engine and workload (default: per workload)")
    ap.add_argument("--workloads", help=f"comma-separated subset of {','.join(WORKLOADS)}")
    ap.add_argument("--engines", help=f"comma-separated subset of {','.join(ENGINES)}")
    ap.add_argument("--json", default=DEFAULT_JSON, help="where to write the results (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per worker process")
    ap.add_argument("--worker", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0

    names = args.workloads.split(",") if args.workloads else WORKLOADS
    wanted = args.engines.split(",") if args.engines else list(ENGINES)
    mods = [importlib.import_module(n) for n in names]
    info = machine()
    print(f"scalar-autograd benchmarks on {info['cpu']} ({info['cores']} cores), {info['python']}, {info['os']}")
    if args.quick:
        print("--quick: tiny sizes and one round; the numbers only show that everything runs")
    skipped = [e for e in wanted if not available(e)]
    if skipped:
        print(f"not installed, skipped: {', '.join(skipped)} (`make bench` installs micrograd)")

    medians: dict[str, dict[str, dict[str, Any]]] = {}
    report: dict[str, Any] = {"machine": info, "date": datetime.datetime.now().isoformat(timespec="seconds"),
                              "quick": args.quick, "workloads": {}}  # fmt: skip
    for mod in mods:
        engines = [e for e in ENGINES if e in mod.ENGINES_RUN and e in wanted and available(e)]
        rounds = 1 if args.quick else (args.rounds or mod.ROUNDS)
        print(f"\n{mod.TITLE}: {rounds} round(s) of {' '.join(engines)}", flush=True)
        runs = measure(mod, engines, rounds, args.quick, args.timeout, sys.stdout)
        metrics = sorted({k for rs in runs.values() for r in rs for k in r if k != "_error"})
        medians[mod.__name__] = {e: {m: median_or_reason(rs, m) for m in metrics} for e, rs in runs.items()}
        report["workloads"][mod.__name__] = {"title": mod.TITLE, "median": medians[mod.__name__], "runs": runs}

    print("\n" + table(mods, medians))
    results = [check(t, medians[m.__name__]) for m in mods for t in m.TARGETS]
    report["targets"] = results
    if results:
        print("\ntargets (ours = autograd; a ratio is other / ours):")
        for r in results:
            v = r["value"]
            shown = f"{v:.3g}" if isinstance(v, float) else v
            print(f"  {'PASS' if r['pass'] else 'MISS'}  {r['target']}: {shown}")
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
