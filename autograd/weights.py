"""The weights file: versioned JSON that ``Module.save`` writes and ``Module.load`` reads.

The document is ``{"format": FORMAT, "version": FORMAT_VERSION, "model": repr(model),
"state": state_dict}``. Writing is atomic (see ``_atomic``). Reading trusts nothing: a
damaged or hostile file (not UTF-8, nested 100,000 deep, an unknown version, control
characters) gives one ValueError whose message never echoes raw bytes from the file.
Guide: docs/nn.md.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from ._atomic import atomic_write_json
from ._validate import describe, printable

__all__ = ["FORMAT", "FORMAT_VERSION", "SUPPORTED_VERSIONS", "write_weights", "read_weights"]

FORMAT = "scalar-autograd/state_dict"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)
"""The versions ``read_weights`` understands; FORMAT_VERSION is the one it writes."""

StateValue = float | list[float]


def write_weights(path: str | os.PathLike[str], state: dict[str, StateValue], model: str) -> None:
    """Write ``state`` (a state dict) to ``path``, atomically; non-finite weights are refused.

    Examples:
        >>> write_weights("line.json", {"a": 2.0, "b": [1.0, 0.5]}, "Line()")
        >>> read_weights("line.json")
        ({'a': 2.0, 'b': [1.0, 0.5]}, 'line.json (saved from Line())')
    """
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


def read_weights(path: str | os.PathLike[str]) -> tuple[dict[str, Any], str]:
    """``(state, origin)`` from a file written by ``write_weights``.

    ``state`` is the state dict as read (its values are checked by
    ``Module.load_state_dict``); ``origin`` is the start of an error message
    naming the file and the model it was saved from, safe to print. Anything
    that is not such a file is a ValueError; a missing file is FileNotFoundError.

    Examples:
        >>> write_weights("line.json", {"a": 2.0}, "Line()")
        >>> state, origin = read_weights("line.json")
        >>> state, origin
        ({'a': 2.0}, 'line.json (saved from Line())')
    """
    where = printable(os.fspath(path))
    with open(path, "rb") as f:
        raw = f.read()
    not_ours = f"{where} is not a weights file written by Module.save"
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from a text editor is harmless
    except UnicodeDecodeError as e:
        raise ValueError(f"{not_ours}: it is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int, object_pairs_hook=_object)
    except RecursionError:
        raise ValueError(f"{not_ours}: its JSON is nested too deeply (a weights file is 3 levels deep)") from None
    except ValueError as e:
        raise ValueError(f"{not_ours}: {printable(str(e))}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{not_ours} (no format {FORMAT!r})")
    version = doc.get("version")
    if version not in SUPPORTED_VERSIONS or not isinstance(version, int) or isinstance(version, bool):
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise ValueError(
                f"{where} has weights format version {version}; this scalar-autograd reads up to "
                f"version {FORMAT_VERSION}. Upgrade scalar-autograd to load it."
            )
        raise ValueError(
            f"{where} has an unsupported weights format version ({describe(version)}); this scalar-autograd "
            f"reads versions {', '.join(map(str, SUPPORTED_VERSIONS))}. The file is damaged or was not "
            "written by Module.save."
        )
    state = doc.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"{where} has no 'state' object; it is not a complete weights file")
    saved = doc.get("model")
    return state, where + (f" (saved from {printable(saved)})" if isinstance(saved, str) else "")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in the file (weights must be finite)")


def _parse_int(text: str) -> int | float:
    # A whole number too long for an int's string conversion limit becomes a float (and is
    # then refused as too large, or loaded), instead of an error that suggests a setting.
    return int(text) if len(text) <= 30 else float(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; a key given twice (which json would silently resolve) is an error."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"the key {printable(repr(key), 80)} appears twice in one object")
        obj[key] = value
    return obj
