"""The weights file: versioned JSON that ``Module.save`` writes and ``Module.load`` reads.

The document is ``{"format": FORMAT, "version": FORMAT_VERSION, "model": repr(model),
"state": state_dict}``. Writing is atomic (see ``_atomic``). Guide: docs/nn.md.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from ._atomic import atomic_write_json

__all__ = ["FORMAT", "FORMAT_VERSION", "write_weights", "read_weights"]

FORMAT = "scalar-autograd/state_dict"
FORMAT_VERSION = 1

StateValue = float | list[float]


def write_weights(path: str | os.PathLike[str], state: dict[str, StateValue], model: str) -> None:
    """Write ``state`` (a state dict) to ``path``, atomically; non-finite weights are refused."""
    bad = [name for name, v in state.items()
           if not all(math.isfinite(x) for x in (v if isinstance(v, list) else [v]))]  # fmt: skip
    if bad:
        shown = ", ".join(repr(b) for b in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ValueError(
            f"refusing to save non-finite weights (nan or inf) in {shown}: training diverged. "
            "Lower the learning rate, or look for the first bad value with autograd.detect_anomaly()"
        )
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "model": model, "state": state}
    atomic_write_json(os.fspath(path), doc)


def read_weights(path: str | os.PathLike[str]) -> tuple[dict[str, Any], str | None]:
    """``(state, model)`` from a file written by ``write_weights``: the state dict, and the
    repr of the model it was saved from (None if absent). Anything else is a ValueError."""
    path = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except ValueError as e:
        raise ValueError(f"{path} is not a weights file written by Module.save: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path} is not a weights file written by Module.save (no format {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has weights format version {version!r}; this scalar-autograd reads up to "
            f"version {FORMAT_VERSION}. Upgrade scalar-autograd to load it."
        )
    state = doc.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"{path} has no 'state' object; it is not a complete weights file")
    saved = doc.get("model")
    return state, saved if isinstance(saved, str) else None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in the file (weights must be finite)")
