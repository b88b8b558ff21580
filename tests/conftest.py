"""Hypothesis profiles and the oracle fixtures (torch, micrograd)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

IN_CI = bool(os.environ.get("CI"))
# ORACLES=1: oracles required; ORACLES=0: skipped when missing; unset: required under CI.
_flag = os.environ.get("ORACLES")
ORACLES_REQUIRED = _flag == "1" if _flag in ("0", "1") else IN_CI

# Under CI, Hypothesis' built-in "ci" profile (derandomized, no deadline) is the parent.
_ci_parent = settings.get_profile("ci") if IN_CI else settings.get_profile("default")
settings.register_profile("autograd-ci", parent=_ci_parent, deadline=None, max_examples=1000,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.register_profile("dev", deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("matrix", parent=_ci_parent, deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.load_profile(os.environ.get("AUTOGRAD_HYPOTHESIS_PROFILE") or ("autograd-ci" if IN_CI else "dev"))


# The oracles' pins, as the Makefile's `oracles` target installs them (a test keeps the two in step).
ORACLE_PINS = {"torch": "torch==2.13.0", "micrograd": "micrograd==0.1.0", "onnx": "onnx==1.23.2",
               "onnxruntime": "onnxruntime==1.32.0"}


def oracle(name: str) -> ModuleType:
    """Import a test oracle; a failure when CI or ORACLES=1 is set, a skip otherwise.

    Either way the message says how to install it.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        pin = ORACLE_PINS[name.partition(".")[0]]
        if ORACLES_REQUIRED:
            pytest.fail(f"oracle '{name}' is missing but required (CI or ORACLES=1): "
                        f"`make test` installs it then, or run `pip install {pin}`", pytrace=False)  # fmt: skip
        pytest.skip(f"oracle '{name}' is not installed: run `pip install {pin}`, "
                    "or `ORACLES=1 make test` to install the oracles and require them")  # fmt: skip


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    t = oracle("torch")
    t.set_default_dtype(t.float64)
    return t


@pytest.fixture(scope="session")
def micrograd_engine() -> ModuleType:
    return oracle("micrograd.engine")


@pytest.fixture(scope="session")
def micrograd_nn() -> ModuleType:
    return oracle("micrograd.nn")
