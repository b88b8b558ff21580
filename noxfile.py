"""The version matrix: the core tests under each other Python from 3.10 to 3.13 that exists.

`make test` runs this; interpreters that are absent are skipped with a message.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import sys

import nox

# Sessions use the standard library's venv. nox still probes for uv when it picks a backend,
# whatever the backend, and logs "uv binary not found." where uv is absent: noise, not a
# problem, so that one line is filtered out.
UV_NOT_FOUND = "uv binary not found."
logging.getLogger("nox").addFilter(lambda record: record.getMessage() != UV_NOT_FOUND)

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


@nox.session(python=PYTHONS or False, venv_backend="venv")
def core(session: nox.Session) -> None:
    """The engine's tests on one interpreter (the main venv runs all of them)."""
    session.install("-q", "-e", ".", "pytest>=7.4", "hypothesis>=6.100")
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *CORE_TESTS,
                env={"AUTOGRAD_HYPOTHESIS_PROFILE": "matrix", "ORACLES": "0"})  # torch is the 3.11 venv's  # fmt: skip
