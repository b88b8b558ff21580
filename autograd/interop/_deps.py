"""Import an optional dependency on first use, with an error that says which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str, who: str) -> ModuleType:
    """``importlib.import_module(module)``, or an ImportError naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{who} needs the '{module.split('.')[0]}' package, which is not installed ({e}). "
            f"Install it with: pip install 'scalar-autograd[{extra}]'"
        ) from e
