"""The test suite's own plumbing: a missing oracle's skip says how to install it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import conftest

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


@pytest.mark.parametrize("name", ["micrograd.engine", "micrograd.nn", "torch"])
def test_a_missing_oracle_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    def missing(module: str) -> None:
        raise ImportError(f"No module named {module!r}")

    monkeypatch.setattr(conftest.importlib, "import_module", missing)
    for required, outcome in ((False, pytest.skip.Exception), (True, pytest.fail.Exception)):
        monkeypatch.setattr(conftest, "ORACLES_REQUIRED", required)
        with pytest.raises(outcome) as info:
            conftest.oracle(name)
        pin = conftest.ORACLE_PINS[name.partition(".")[0]]
        assert f"pip install {pin}" in str(info.value) and "make test" in str(info.value)


def test_the_pins_match_the_makefile() -> None:
    line = next(x for x in MAKEFILE.read_text().splitlines() if "pip install" in x and "micrograd" in x)
    assert sorted(conftest.ORACLE_PINS.values()) == sorted(re.findall(r"\b(\w+==[\w.]+)", line))
