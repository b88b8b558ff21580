"""HIPS autograd (PyPI 'autograd') uses our import name: warn when both are installed."""

import os
import sys
import warnings


def hips_autograd_installed() -> bool:
    """Look for its dist-info on sys.path (importlib.metadata would cost ~70 ms per import)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        if any(n.startswith("autograd-") and n.endswith((".dist-info", ".egg-info")) for n in names):
            return True
    return False


def warn_if_hips_autograd_installed() -> None:
    if hips_autograd_installed():
        warnings.warn(
            "HIPS 'autograd' is installed in this environment too and shares the import name "
            "'autograd' with scalar-autograd; the two cannot share one environment. "
            "Uninstall one of them (pip uninstall autograd).",
            RuntimeWarning,
            stacklevel=3,
        )
