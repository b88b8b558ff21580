"""The version matrix's noxfile: sessions use venv, and nox's "uv binary not found." line is not shown."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

pytest.importorskip("nox")
NOXFILE = Path(__file__).resolve().parents[1] / "noxfile.py"


def test_nox_does_not_print_uv_binary_not_found(caplog: pytest.LogCaptureFixture) -> None:
    spec = importlib.util.spec_from_file_location("noxfile_under_test", NOXFILE)
    assert spec is not None and spec.loader is not None
    noxfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noxfile)
    logger = logging.getLogger("nox")
    with caplog.at_level(logging.INFO, logger="nox"):
        logger.info("uv binary not found.")  # what nox logs when it probes for uv and finds none
        logger.info("Running session core")
    assert [r.getMessage() for r in caplog.records] == ["Running session core"]
    assert noxfile.core.venv_backend == "venv"
