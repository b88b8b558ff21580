"""The version matrix: the core tests under each other Python from 3.10 to 3.13 that exists.

`make test` runs this; interpreters that are absent are skipped with a message.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import nox

VERSIONS = ("3.10", "3.11", "3.12", "3.13")
CORE_TESTS = ["tests/test_engine.py", "tests/test_conventions.py", "tests/test_properties.py",
              "tests/test_functional.py", "tests/test_forward.py"]  # fmt: skip


def _find(version: str) -> str | None:
    """An interpreter for `version`: on PATH, else under pyenv's versions folder."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which(f"python{version}") or ""]
    candidates += sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", f"python{version}")))
    for exe in candidates:
        if not exe:
            continue
        try:
            out = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return exe
    return None


CURRENT = "{}.{}".format(*sys.version_info[:2])
FOUND = {v: _find(v) for v in VERSIONS if v != CURRENT}
for v, exe in FOUND.items():
    if exe is None:
        print(f"nox: Python {v} is not installed here; skipping its core tests", file=sys.stderr)
PYTHONS = [exe for exe in FOUND.values() if exe]


@nox.session(python=PYTHONS or False)
def core(session: nox.Session) -> None:
    """The engine's tests on one interpreter (the main venv runs all of them)."""
    session.install("-q", "-e", ".", "pytest>=7.4", "hypothesis>=6.100")
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *CORE_TESTS,
                env={"AUTOGRAD_HYPOTHESIS_PROFILE": "matrix", "ORACLES": "0"})  # torch is the 3.11 venv's  # fmt: skip
