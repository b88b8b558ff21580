"""Neural networks on Values: Neuron, Layer, MLP; with Parameter, Module and the losses.

micrograd-compatible: ``Neuron(nin, nonlin=True)``, ``Layer(nin, nout, **kw)``,
``MLP(nin, nouts)`` (the last layer is linear), ``parameters()`` and
``zero_grad()`` behave as in micrograd, so micrograd code runs with only the
import changed. On top: a choice of activation and initialisation. A neuron's
weighted sum is one fused ``dot`` node (not 2n nodes), tagged with the
neuron's scope (``L0.N3``) for diagrams.

The rest of ``autograd.nn`` lives beside it and is re-exported here:
Parameter and Module (named parameters, state dicts, save/load) in module.py,
the weights file in weights.py, and the losses in losses.py. Guide: docs/nn.md.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, Protocol

from ._validate import check_count
from .engine import Value
from .functions import dot, dots
from .losses import binary_cross_entropy_with_logits, cross_entropy, hinge_loss, log_softmax, mse_loss, softmax
from .module import Module, Parameter
from .weights import FORMAT, FORMAT_VERSION

__all__ = [
    "Parameter", "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS",
    "mse_loss", "cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss",
    "softmax", "log_softmax", "FORMAT", "FORMAT_VERSION",
]  # fmt: skip


class _Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


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

    Examples:
        >>> n = Neuron(2, seed=0)
        >>> n([1.0, -1.0])                  # relu(w0*1 + w1*(-1) + b)
        Value(data=0.2995320282992582, grad=0.0)
        >>> len(n.parameters())             # w0, w1, b
        3
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
        nin = check_count(nin, "nin (the number of inputs)")
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

    Examples:
        >>> layer = Layer(2, 3, seed=0)
        >>> [round(v.data, 4) for v in layer([1.0, -1.0])]
        [0.2995, 0.56, 0.3684]
    """

    def __init__(
        self, nin: int, nout: int, *, seed: int | None = None, rng: _Uniform | None = None,
        index: int | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        nin = check_count(nin, "nin (the number of inputs)")
        nout = check_count(nout, "nout (the number of neurons)")
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

    Examples:
        >>> model = MLP(2, [4, 1], seed=0)  # 2 inputs, a hidden layer of 4, one output (a logit)
        >>> model([1.0, -1.0])
        Value(data=0.34263862963576613, grad=0.0)
        >>> model.num_parameters()          # (2 + 1) * 4 + (4 + 1) * 1
        17
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
        nin = check_count(nin, "nin (the number of inputs)")
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got {nouts!r}")
        _check_activation(activation)
        _check_activation(output_activation)
        sizes = [nin, *(check_count(n, "each layer size") for n in nouts)]
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
