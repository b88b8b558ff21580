"""Saves interrupted by signals: the old file survives, temporaries carry the writer's PID,
and a later save removes those of dead writers only. POSIX only (signals, PIDs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograd import _atomic, nn

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and PID checks are POSIX")

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120  # seconds; only a hang would reach it

# The child stops inside the save, when the temporary file is written and fsync'd and
# os.replace is about to move it over the target: it prints a line and waits to be signalled.
PAUSE_IN_SAVE = """
import os, sys, time
real_replace = os.replace
def wait_before_replace(src, dst):
    if str(src).endswith(".tmp"):
        print("in the middle of saving", flush=True)
        time.sleep(600)
    real_replace(src, dst)
os.replace = wait_before_replace
"""


def _spawn(code: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", PAUSE_IN_SAVE + textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip


def _interrupt_mid_save(code: str, sig: signal.Signals) -> tuple[int, str, int]:
    """Run ``code`` (which saves), send ``sig`` once it is in the middle of the save.

    Returns the child's exit code, its stderr and its PID.
    """
    child = _spawn(code)
    try:
        assert child.stdout is not None
        for line in child.stdout:  # blocks until the child is mid-save (or exits: then the loop ends)
            if line == "in the middle of saving\n":
                break
        else:
            raise AssertionError(f"the child never reached the save: {child.communicate(timeout=TIMEOUT)}")
        child.send_signal(sig)
        _, err = child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, err, child.pid


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_library_save_killed_midway_leaves_the_old_file_and_the_next_save_cleans_up(tmp_path, sig):
    path = tmp_path / "w.json"
    nn.MLP(2, [3, 1], seed=0).save(path)
    old = path.read_bytes()
    rc, _, pid = _interrupt_mid_save(f"""
        from autograd import nn
        nn.MLP(2, [3, 1], seed=1).save({str(path)!r})
    """, sig)  # fmt: skip
    assert rc == -sig  # the library installs no handler: the signal's default action
    assert path.read_bytes() == old
    left = _temps(tmp_path)
    assert len(left) == 1 and left[0].startswith(f".w.json.{pid}@{_atomic._HOST}.")  # the writer's PID and host
    nn.MLP(2, [3, 1], seed=2).save(path)  # the writer is dead: its temporary goes
    assert _temps(tmp_path) == []
    assert nn.MLP(2, [3, 1]).load(path).state_dict() == nn.MLP(2, [3, 1], seed=2).state_dict()


def test_the_cli_turns_sigterm_into_a_clean_exit_mid_save(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "model.json").write_text("old")
    rc, err, _ = _interrupt_mid_save(f"""
        from autograd.cli import main
        sys.exit(main(["demo", "--epochs", "1", "--no-progress", "--out", {str(out)!r}]))
    """, signal.SIGTERM)  # fmt: skip
    assert rc == 128 + signal.SIGTERM and err == "autograd: terminated\n"
    assert (out / "model.json").read_text() == "old" and _temps(out) == []  # cleaned on the way out


def test_a_save_removes_only_its_own_targets_temporaries_of_dead_writers(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        live, host = sleeper.pid, _atomic._HOST
        names = {
            f".w.json.{dead}@{host}.abc_12.tmp": False,  # dead writer, this target, this host: removed
            f".w.json.{live}@{host}.abc_12.tmp": True,  # a live writer
            f".w.json.{os.getpid()}@{host}.abc_12.tmp": True,  # this process (another thread may write)
            f".w.json.{dead}@{'0' * 8 if host != '0' * 8 else '1' * 8}.abc_12.tmp": True,  # another host
            f".other.json.{dead}@{host}.abc_12.tmp": True,  # another target
            f".w.json.{dead}@{host}.abc_12.tmp.bak": True,  # not a temporary's name
            ".w.json.abc.tmp": True,  # an old-style or foreign name: not ours to judge
        }
        for name in names:
            (tmp_path / name).write_text("partial")
        nn.MLP(2, [3, 1], seed=0).save(tmp_path / "w.json")
        kept = {p.name for p in tmp_path.iterdir()}
        assert kept == {"w.json", *(n for n, keep in names.items() if keep)}
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_library_installs_no_signal_handlers(tmp_path):
    code = """
        import signal
        before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        import autograd, autograd.nn, autograd.train, autograd.plots, autograd.cli
        from autograd import nn
        nn.MLP(2, [3, 1]).save(%r)
        nn.MLP(2, [3, 1]).load(%r)
        after = {s: signal.getsignal(s) for s in before}
        assert before == after, (before, after)
    """ % (str(tmp_path / "w.json"), str(tmp_path / "w.json"))  # noqa: UP031
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=TIMEOUT)  # fmt: skip
    assert r.returncode == 0, r.stderr


def test_the_cli_puts_the_sigterm_handler_back():
    from autograd.cli import main

    before = signal.getsignal(signal.SIGTERM)
    assert main(["graph", "x*x", "--at", "x=2"]) == 0
    assert signal.getsignal(signal.SIGTERM) is before
