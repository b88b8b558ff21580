"""Parameter and Module: parameters found by walking attributes, state dicts, save/load.

A Module finds its parameters by walking its public attributes (Modules,
Values, and lists, tuples and dicts of them), so a custom model needs only
attributes and ``__call__``. The weights file format is in weights.py.
Guide: docs/nn.md.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from typing import Any

from ._validate import describe, printable
from .engine import Value
from .weights import StateValue, read_weights, write_weights

__all__ = ["Parameter", "Module"]


class Parameter(Value):
    """A trainable leaf Value. ``requires_grad=False`` freezes it: optimizers skip it.

    A Parameter is a Value in every other way; diagrams can style it as a weight.
    Copies and pickles keep ``requires_grad`` (and the diagram tag).

    Examples:
        >>> w = Parameter(0.5, "w")
        >>> w, w.requires_grad
        (Parameter(data=0.5, grad=0.0, label='w'), True)
    """

    __slots__ = ("requires_grad",)

    def __init__(self, data: Any, label: str = "", requires_grad: bool = True) -> None:
        super().__init__(data, label)
        self.requires_grad = bool(requires_grad)

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"requires_grad": self.requires_grad}
        if self.tag:
            state["tag"] = self.tag
        return state

    def __repr__(self) -> str:
        label = self.label
        extra = f", label={label!r}" if label else ""
        frozen = "" if self.requires_grad else ", requires_grad=False"
        return f"Parameter(data={self.data}, grad={self.grad}{extra}{frozen})"


class Module:
    """Base class of models. Subclasses set attributes and define ``__call__``.

    Parameters are found by walking the public attributes in the order they
    were assigned: Modules, Values, and lists, tuples and dicts of them. A list
    of Values is one state-dict entry (like a tensor); ``named_parameters``
    names each scalar (``layers.0.neurons.3.w.1``). A micrograd-style subclass
    that only overrides ``parameters()`` works with ``zero_grad`` and optimizers.

    Examples:
        >>> class Line(Module):
        ...     def __init__(self) -> None:
        ...         self.a, self.b = Parameter(2.0), Parameter(1.0)
        ...     def __call__(self, x):
        ...         return self.a * x + self.b
        >>> line = Line()
        >>> line(3.0)
        Value(data=7.0, grad=0.0)
        >>> [name for name, _ in line.named_parameters()], line.state_dict()
        (['a', 'b'], {'a': 2.0, 'b': 1.0})
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")

    # ---- finding parameters ------------------------------------------------
    def _entries(self) -> Iterator[tuple[str, Value | list[Value]]]:
        """(name, leaf Value or list of leaf Values) in a stable order."""
        seen: set[int] = set()  # ids for de-duplication only; never iterated
        yield from _walk("", self, seen)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``[(name, parameter), ...]`` in a stable order, e.g. ``layers.0.neurons.3.w.1``."""
        out: list[tuple[str, Value]] = []
        for name, entry in self._entries():
            if isinstance(entry, list):
                out.extend((f"{name}.{i}", p) for i, p in enumerate(entry))
            else:
                out.append((name, entry))
        return out

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters()`` (micrograd's order for MLPs)."""
        out: list[Value] = []
        for _, entry in self._entries():
            if isinstance(entry, list):
                out.extend(entry)
            else:
                out.append(entry)
        return out

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (gradients accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        return len(self.parameters())

    # ---- state dicts -------------------------------------------------------
    def state_dict(self) -> dict[str, StateValue]:
        """``{name: float or list of floats}``: the weights as plain numbers, JSON-ready.

        A list of Values (a neuron's ``w``) is one entry, so a wrong size is
        visible as such when loading.
        """
        return {
            name: ([p.data for p in entry] if isinstance(entry, list) else entry.data)
            for name, entry in self._entries()
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy weights in from ``state``. All or nothing.

        Every problem (missing keys, extra keys, wrong sizes, values that are
        not finite numbers) is named in one ValueError, and the model is left
        untouched when there is any.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict takes a dict of name -> number(s), got {type(state).__name__}")
        entries = dict(self._entries())
        missing = [k for k in entries if k not in state]
        extra = [k for k in state if k not in entries]
        problems: list[str] = []
        updates: list[tuple[Value, float]] = []
        for name, entry in entries.items():
            if name not in state:
                continue
            given = state[name]
            if isinstance(entry, list):
                if not isinstance(given, (list, tuple)):
                    problems.append(f"wrong size: {_key(name)} needs a list of {len(entry)} numbers, "
                                    f"got {describe(given)}")  # fmt: skip
                    continue
                if len(given) != len(entry):
                    problems.append(f"wrong size: {_key(name)} needs {len(entry)} numbers, got {len(given)}")
                    continue
                pairs = list(zip(entry, given))
            else:
                if isinstance(given, (list, tuple)):
                    problems.append(f"wrong size: {_key(name)} needs one number, got a list of {len(given)}")
                    continue
                pairs = [(entry, given)]
            for i, (p, x) in enumerate(pairs):
                where = f"{name}[{i}]" if isinstance(entry, list) else name
                f = _finite_number(x)
                if f is None:
                    problems.append(f"bad value: {_key(where)} must be a finite number, got {describe(x)}")
                else:
                    updates.append((p, f))
        lines = [f"missing key: {_key(k)}" for k in missing] + [f"unexpected key: {_key(k)}" for k in extra]
        lines += problems
        if lines:
            if len(lines) > _MAX_LINES:
                lines[_MAX_LINES:] = [f"... and {len(lines) - _MAX_LINES} more"]
            raise ValueError(
                f"the weights do not fit {self!r} ({len(missing)} missing, {len(extra)} unexpected, "
                f"{len(problems)} wrong) and nothing was loaded:\n  " + "\n  ".join(lines) + "\n"
                "Build the model with the architecture the weights were saved from."
            )
        for p, f in updates:
            p.data = f

    # ---- files -------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights to ``path`` as versioned JSON, atomically.

        The file is written to a temporary file in the same folder, flushed and
        fsync'd, then moved over ``path`` with ``os.replace``: a crash leaves
        either the old file or the new one, never half of one. Non-finite
        weights (nan, inf) are refused with a ValueError: they mean training
        diverged, and standard JSON cannot hold them.
        """
        write_weights(path, self.state_dict(), repr(self))

    def load(self, path: str | os.PathLike[str]) -> Module:
        """Load weights saved by :meth:`save` into this model; returns the model.

        A file of another format or an unsupported version, a damaged file, or
        weights that do not fit the model raise ValueError and leave the model
        untouched. Nothing from the file is echoed unescaped in a message.
        """
        state, origin = read_weights(path)
        try:
            self.load_state_dict(state)
        except ValueError as e:
            raise ValueError(f"{origin}: {e}") from None
        return self


def _walk(prefix: str, obj: Any, seen: set[int]) -> Iterator[tuple[str, Value | list[Value]]]:
    if isinstance(obj, Value):
        if obj.is_leaf and id(obj) not in seen:
            seen.add(id(obj))
            yield prefix, obj
        return
    if isinstance(obj, Module):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        for key, val in vars(obj).items():
            if not key.startswith("_"):
                yield from _walk(f"{prefix}.{key}" if prefix else key, val, seen)
        return
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, Value) and v.is_leaf for v in obj):
            ids = [id(v) for v in obj]
            if len(set(ids)) == len(ids) and not any(i in seen for i in ids):  # each new, once
                seen.update(ids)
                yield prefix, list(obj)
                return
        for i, v in enumerate(obj):
            yield from _walk(f"{prefix}.{i}" if prefix else str(i), v, seen)
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str) and not k.startswith("_"):
                yield from _walk(f"{prefix}.{k}" if prefix else k, v, seen)


_MAX_LINES = 20  # problems listed one per line in load_state_dict's error; the rest are counted


def _key(name: Any) -> str:
    """A state-dict key for a message: quoted, escaped, cut short (keys may come from a file)."""
    return printable(repr(name), 80)


def _finite_number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        f = float(x)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None
