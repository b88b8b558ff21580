"""Neural networks on Values: Module, Parameter, Neuron, Layer, MLP, and losses.

micrograd-compatible: ``Neuron(nin, nonlin=True)``, ``Layer(nin, nout, **kw)``,
``MLP(nin, nouts)`` (the last layer is linear), ``parameters()`` and
``zero_grad()`` behave as in micrograd, so micrograd code runs with only the
import changed. On top: named parameters, state dicts, atomic JSON save/load,
frozen parameters, a choice of activation and initialisation, and losses that
match PyTorch. A neuron's weighted sum is one fused ``dot`` node (not 2n nodes),
tagged with the neuron's scope (``L0.N3``) for diagrams. Guide: docs/nn.md.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from .engine import Value, _to_float
from .functions import dot, dots, logsumexp
from .functions import sum as vsum

__all__ = [
    "Parameter", "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS",
    "mse_loss", "cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss",
    "softmax", "log_softmax", "FORMAT", "FORMAT_VERSION",
]  # fmt: skip

Operand = Value | int | float
StateValue = float | list[float]


class _Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


class Parameter(Value):
    """A trainable leaf Value. ``requires_grad=False`` freezes it: optimizers skip it.

    A Parameter is a Value in every other way; diagrams can style it as a weight.
    Copies and pickles keep ``requires_grad`` (and the diagram tag).
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


# --------------------------------------------------------------------------
# Module: parameters found by walking attributes, state dicts, save/load
# --------------------------------------------------------------------------

FORMAT = "scalar-autograd/state_dict"
FORMAT_VERSION = 1


class Module:
    """Base class of models. Subclasses set attributes and define ``__call__``.

    Parameters are found by walking the public attributes in the order they
    were assigned: Modules, Values, and lists, tuples and dicts of them. A list
    of Values is one state-dict entry (like a tensor); ``named_parameters``
    names each scalar (``layers.0.neurons.3.w.1``). A micrograd-style subclass
    that only overrides ``parameters()`` works with ``zero_grad`` and optimizers.
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
                    problems.append(f"wrong size: {name!r} needs a list of {len(entry)} numbers, "
                                    f"got {_describe(given)}")  # fmt: skip
                    continue
                if len(given) != len(entry):
                    problems.append(f"wrong size: {name!r} needs {len(entry)} numbers, got {len(given)}")
                    continue
                pairs = list(zip(entry, given))
            else:
                if isinstance(given, (list, tuple)):
                    problems.append(f"wrong size: {name!r} needs one number, got a list of {len(given)}")
                    continue
                pairs = [(entry, given)]
            for i, (p, x) in enumerate(pairs):
                where = f"{name}[{i}]" if isinstance(entry, list) else name
                f = _finite_number(x)
                if f is None:
                    problems.append(f"bad value: {where!r} must be a finite number, got {_describe(x)}")
                else:
                    updates.append((p, f))
        lines = [f"missing key: {k!r}" for k in missing] + [f"unexpected key: {k!r}" for k in extra] + problems
        if lines:
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
        state = self.state_dict()
        bad = [name for name, v in state.items()
               if not all(math.isfinite(x) for x in (v if isinstance(v, list) else [v]))]  # fmt: skip
        if bad:
            shown = ", ".join(repr(b) for b in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
            raise ValueError(
                f"refusing to save non-finite weights (nan or inf) in {shown}: training diverged. "
                "Lower the learning rate, or look for the first bad value with autograd.detect_anomaly()"
            )
        doc = {"format": FORMAT, "version": FORMAT_VERSION, "model": repr(self), "state": state}
        _atomic_write_json(os.fspath(path), doc)

    def load(self, path: str | os.PathLike[str]) -> Module:
        """Load weights saved by :meth:`save` into this model; returns the model.

        A file of another format or a newer version, or weights that do not fit
        the model, raise ValueError and leave the model untouched.
        """
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
        try:
            self.load_state_dict(state)
        except ValueError as e:
            saved = doc.get("model")
            origin = f" (saved from {saved})" if isinstance(saved, str) else ""
            raise ValueError(f"{path}{origin}: {e}") from None
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


def _describe(x: Any) -> str:
    if isinstance(x, (list, tuple)):
        return f"a list of {len(x)}"
    return f"{type(x).__name__} {x!r}"[:60]


def _finite_number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        f = float(x)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in the file (weights must be finite)")


def _atomic_write_json(path: str, doc: Any) -> None:
    """Write JSON to a temp file beside ``path``, fsync it, then ``os.replace`` it over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable (POSIX); not possible on every platform
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# --------------------------------------------------------------------------
# Neuron, Layer, MLP
# --------------------------------------------------------------------------

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
"""Activation names for Neuron, Layer and MLP."""

INITS = ("kaiming", "uniform")
"""``kaiming`` (the default): w ~ U(-1, 1) * gain * sqrt(3 / nin), fan-in scaled so
that signals keep their size through depth, with the activation's gain (relu
sqrt(2), tanh 5/3, else 1), as ``torch.nn.init.kaiming_uniform_``.
``uniform``: w ~ U(-1, 1), micrograd's. Biases start at 0 either way. Both draw
one ``rng.uniform(-1, 1)`` per weight, in micrograd's order."""

_GAIN = {"relu": math.sqrt(2.0), "tanh": 5.0 / 3.0, "sigmoid": 1.0, "linear": 1.0}

_ACT_MAKE = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None}


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; use one of {', '.join(map(repr, ACTIVATIONS))}")
    return activation


def _check_count(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive whole number, got {n!r}")
    return n


def _rng(seed: int | None, rng: _Uniform | None) -> _Uniform:
    if rng is not None:
        return rng
    # seed=None draws from the global random module, as micrograd does.
    return random if seed is None else random.Random(seed)


def _lift_inputs(x: Any, nin: int, who: str) -> list[Value]:
    if isinstance(x, (Value, int, float)) and not isinstance(x, bool):
        x = [x]
    try:
        xs = [v if isinstance(v, Value) else Value(v) for v in x]
    except TypeError as e:
        if isinstance(x, (list, tuple)) and x and isinstance(x[0], (list, tuple)):
            raise TypeError(f"{who} takes one sample (a list of {nin} numbers), not a list of samples; "
                            "call it once per sample: [model(x) for x in X]") from None  # fmt: skip
        raise TypeError(f"{who} takes a list of {nin} numbers or Values: {e}") from None
    if len(xs) != nin:
        raise ValueError(f"{who} expects {nin} input(s) per sample, got {len(xs)}")
    return xs


class Neuron(Module):
    """``act(w . x + b)``: one fused ``dot`` node for the weighted sum, then the activation.

    ``activation`` ('relu', 'tanh', 'sigmoid', 'linear') wins over micrograd's
    ``nonlin`` (True means relu). ``init`` is 'kaiming' or 'uniform' (see INITS).
    Weights come from ``rng`` if given, else ``random.Random(seed)``, else the
    global ``random`` module (so ``random.seed(1337)`` reproduces micrograd).
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        activation: str | None = None,
        *,
        init: str = "kaiming",
        seed: int | None = None,
        rng: _Uniform | None = None,
        scope: str = "N0",
    ) -> None:
        nin = _check_count(nin, "nin (the number of inputs)")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; use one of {', '.join(map(repr, INITS))}")
        self.activation = _check_activation(activation) if activation is not None else (
            "relu" if nonlin else "linear")  # fmt: skip
        self.nonlin = self.activation != "linear"
        r = _rng(seed, rng)
        scale = _GAIN[self.activation] * math.sqrt(3.0 / nin) if init == "kaiming" else 1.0
        self.w = [Parameter(r.uniform(-1, 1) * scale, f"w{i}") for i in range(nin)]
        self.b = Parameter(0.0, "b")
        self._act = _ACT_MAKE[self.activation]
        self.scope = scope

    @property
    def scope(self) -> str:
        """The tag put on this neuron's nodes and parameters (``Value.tag``), e.g. ``L0.N3``."""
        return self._scope

    @scope.setter
    def scope(self, tag: str) -> None:
        self._scope = tag
        for p in self.w:
            p.tag = tag
        self.b.tag = tag

    @property
    def nin(self) -> int:
        return len(self.w)

    def __call__(self, x: Any) -> Value:
        xs = _lift_inputs(x, len(self.w), repr(self))
        return self._forward((*xs, Value(1.0, "1")))  # 1 is the bias's input

    def _forward(self, xs1: tuple[Value, ...]) -> Value:
        """``xs1`` is the inputs followed by the constant 1 that multiplies the bias."""
        out = dot((*self.w, self.b), xs1)  # tuples: the engine keeps them as the node's children
        scope = self._scope
        out.tag = scope
        act = self._act
        if act is None:
            return out
        a: Value = act(out)
        a.tag = scope
        return a

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        del state["_act"]  # a compiled function; looked up again by activation name
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._act = _ACT_MAKE[self.activation]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons over the same inputs. Returns one Value when ``nout == 1`` (as micrograd).

    Extra keyword arguments go to each Neuron (``nonlin``, ``activation``,
    ``init``). One ``seed``/``rng`` draws every neuron's weights in order.
    """

    def __init__(
        self, nin: int, nout: int, *, seed: int | None = None, rng: _Uniform | None = None,
        index: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        nin = _check_count(nin, "nin (the number of inputs)")
        nout = _check_count(nout, "nout (the number of neurons)")
        r = _rng(seed, rng)
        prefix = "" if index is None else f"L{index}."
        self.neurons = [Neuron(nin, rng=r, scope=f"{prefix}N{j}", **kwargs) for j in range(nout)]
        self._nin = nin

    def __call__(self, x: Any) -> Value | list[Value]:
        out = self._forward(_lift_inputs(x, self._nin, repr(self)))
        return out[0] if len(out) == 1 else out

    def _forward(self, xs: list[Value]) -> list[Value]:
        xs1 = (*xs, Value(1.0))  # one constant 1 for every neuron's bias
        neurons = self.neurons
        # The same nodes as [n._forward(xs1) for n in neurons]; dots reads xs1 once for all.
        zs = dots([(*n.w, n.b) for n in neurons], xs1)
        outs = []
        for n, z in zip(neurons, zs):
            scope = n._scope
            z.tag = scope
            act = n._act
            if act is not None:
                z = act(z)
                z.tag = scope
            outs.append(z)
        return outs

    def __repr__(self) -> str:
        acts = [n.activation for n in self.neurons]
        act = acts[0] if acts.count(acts[0]) == len(acts) else "mixed"
        return f"Layer({self._nin}, {len(self.neurons)}, activation={act!r})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])``. Hidden layers use
    ``activation``; the last layer is linear (as micrograd), unless
    ``output_activation`` says otherwise. One output gives a Value, several a list.

    ``seed=None`` draws weights from the global ``random`` module (micrograd's
    behaviour); an int uses a private ``random.Random(seed)``.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | None = None,
        *,
        init: str = "kaiming",
        output_activation: str = "linear",
    ) -> None:
        nin = _check_count(nin, "nin (the number of inputs)")
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got {nouts!r}")
        _check_activation(activation)
        _check_activation(output_activation)
        sizes = [nin, *(_check_count(n, "each layer size") for n in nouts)]
        r = _rng(seed, None)
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng=r, index=i, init=init,
                  activation=output_activation if i == last else activation)
            for i in range(len(nouts))
        ]  # fmt: skip
        self._sizes = sizes
        self._activation = activation
        self._output_activation = output_activation
        self._init = init

    def __call__(self, x: Any) -> Value | list[Value]:
        xs = _lift_inputs(x, self._sizes[0], repr(self))
        for layer in self.layers:
            xs = layer._forward(xs)
        return xs[0] if len(xs) == 1 else xs

    def __repr__(self) -> str:
        extra = "" if self._output_activation == "linear" else f", output_activation={self._output_activation!r}"
        init = "" if self._init == "kaiming" else f", init={self._init!r}"
        return f"MLP({self._sizes[0]}, {self._sizes[1:]}, activation={self._activation!r}{extra}{init})"


# --------------------------------------------------------------------------
# Functions and losses. Every derivative comes from the ops (ops.py).
# --------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum")


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _reduce(losses: list[Value], reduction: str, who: str) -> Value:
    _check_reduction(reduction, who)
    if len(losses) == 1:
        return losses[0]
    total = vsum(losses)
    return total / len(losses) if reduction == "mean" else total


def _as_batch(pred: Any, target: Any, who: str) -> tuple[list[Any], list[Any]]:
    """(predictions, targets) as two lists of one length; a single sample becomes a batch of 1."""
    if isinstance(pred, (Value, int, float)) and not isinstance(pred, bool):
        preds, targets = [pred], [target]
    else:
        preds = list(pred)
        if isinstance(target, (int, float, Value)):
            if len(preds) != 1:
                raise ValueError(f"{who}: {len(preds)} predictions but one target; pass a list of targets")
            targets = [target]
        else:
            targets = list(target)
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{who}: no predictions (an empty batch)")
    return preds, targets


def _target(t: Any, who: str) -> float:
    if isinstance(t, Value):
        return t.data
    try:
        return _to_float(t)
    except TypeError:
        raise TypeError(f"{who}: a target must be a number, got {type(t).__name__}") from None


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Value:
    """Mean (or sum) of ``(pred - target)**2`` over a batch; a Value and a number give one square."""
    preds, targets = _as_batch(pred, target, "mse_loss")
    _check_reduction(reduction, "mse_loss")
    diffs = [p - _target(t, "mse_loss") if not isinstance(t, Value) else p - t for p, t in zip(preds, targets)]
    diffs = [d if isinstance(d, Value) else Value(d) for d in diffs]
    total = dot(diffs, diffs)  # sum of squares in one node
    return total / len(diffs) if reduction == "mean" else total


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """``x_i - logsumexp(x)`` for each i: stable for any magnitude."""
    xs = [v if isinstance(v, Value) else Value(v) for v in logits]
    lse = logsumexp(xs)
    return [x - lse for x in xs]


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """``exp(log_softmax(x))``: probabilities that sum to 1, stable for any magnitude."""
    return [v.exp() for v in log_softmax(logits)]


def _class_index(t: Any, k: int) -> int:
    if isinstance(t, Value):
        t = t.data
    if isinstance(t, bool) or not isinstance(t, (int, float)) or t != int(t):
        raise TypeError(f"cross_entropy: a target is a class index (an int), got {t!r}")
    i = int(t)
    if not 0 <= i < k:
        raise IndexError(f"cross_entropy: class index {i} is out of range for {k} logits")
    return i


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Value:
    """``logsumexp(logits) - logits[target]``, like ``torch.nn.functional.cross_entropy``.

    ``logits`` is one sample's list of Values with ``target`` an int, or a
    batch (a list of such lists) with a list of ints. Stable for any magnitude.
    """
    if not isinstance(logits, (list, tuple)) or not logits:
        raise TypeError("cross_entropy takes a list of logits (or a list of such lists) and class indices")
    if isinstance(logits[0], (list, tuple)):
        batch, targets = list(logits), list(target)
        if len(batch) != len(targets):
            raise ValueError(f"cross_entropy: {len(batch)} samples but {len(targets)} targets")
    else:
        if isinstance(target, (list, tuple)):
            raise TypeError(
                "cross_entropy got one sample's logits but a list of targets; for a batch pass a list "
                "of logit lists (a model with one output wants binary_cross_entropy_with_logits)"
            )
        batch, targets = [logits], [target]
    losses = []
    for row, t in zip(batch, targets):
        xs = [v if isinstance(v, Value) else Value(v) for v in row]
        losses.append(logsumexp(xs) - xs[_class_index(t, len(xs))])
    return _reduce(losses, reduction, "cross_entropy")


def binary_cross_entropy_with_logits(logit: Any, target: Any, reduction: str = "mean") -> Value:
    """``softplus(x) - t*x``: binary cross-entropy on a logit, stable, no clipping.

    Targets are probabilities in [0, 1] (usually the labels 0 and 1).
    Matches ``torch.nn.functional.binary_cross_entropy_with_logits``.
    """
    preds, targets = _as_batch(logit, target, "binary_cross_entropy_with_logits")
    losses = []
    for x, t in zip(preds, targets):
        tf = _target(t, "binary_cross_entropy_with_logits")
        if not 0.0 <= tf <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: targets are in [0, 1], got {tf}")
        x = x if isinstance(x, Value) else Value(x)
        losses.append(x.softplus() - tf * x if tf else x.softplus())
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")


def hinge_loss(score: Any, target: Any, reduction: str = "mean") -> Value:
    """``relu(1 - y*score)`` with labels y in {-1, +1}: micrograd's SVM loss.

    For 0/1 labels pass ``2*y - 1``.
    """
    preds, targets = _as_batch(score, target, "hinge_loss")
    losses = []
    for s, t in zip(preds, targets):
        y = _target(t, "hinge_loss")
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: labels are -1 or +1, got {t!r}; for 0/1 labels pass 2*y - 1")
        s = s if isinstance(s, Value) else Value(s)
        losses.append((1.0 - s if y > 0 else 1.0 + s).relu())
    return _reduce(losses, reduction, "hinge_loss")
