"""Shared pieces of the benchmarks: engine adapters, data, the micrograd-shaped MLP, timing.

Everything here runs inside one worker process per engine; the engine itself is
imported lazily by :func:`load_engine`, so a worker only ever loads its own.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

ENGINES = ("autograd", "reference", "micrograd", "torch")
"""Engine names in table order. autograd is ours; the others are compared against it."""

Weights = list[list[tuple[list[float], float]]]
"""An MLP's initial parameters: per layer, per neuron, (weights, bias)."""


@dataclass
class Engine:
    """What a workload needs from an engine, independent of its API."""

    name: str
    leaf: Callable[[float], Any]  # a trainable parameter
    const: Callable[[float], Any]  # an input: no gradient needed
    total: Callable[[Iterable[Any]], Any]  # the sum of many values, as users of the engine write it
    zero_grad: Any  # what zero_grad stores in .grad


@dataclass(frozen=True)
class Row:
    """One line of the summary table: a metric (lower is better) and how to print it."""

    metric: str
    label: str
    fmt: str


@dataclass(frozen=True)
class Target:
    """A goal for our engine: a bound on its median, or on a same-run ratio ``other / ours``."""

    label: str
    metric: str
    ratio_vs: str | None = None
    at_least: float | None = None
    at_most: float | None = None


def load_engine(name: str) -> Engine:
    """Import one engine and describe it."""
    if name == "autograd":
        import autograd

        return Engine(name, autograd.Value, autograd.Value, autograd.sum, 0.0)
    if name == "reference":
        from reference_engine import Value as RefValue

        return Engine(name, RefValue, RefValue, sum, 0.0)
    if name == "micrograd":
        from micrograd.engine import Value as MgValue

        return Engine(name, MgValue, MgValue, sum, 0)
    if name == "torch":
        import torch

        def leaf(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        def const(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64)

        return Engine(name, leaf, const, sum, None)
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")


# --------------------------------------------------------------------------
# Data, generated once in the parent so that every engine gets the same floats.
# --------------------------------------------------------------------------


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (sklearn's make_moons), labels -1 and +1 as in micrograd's demo."""
    rng = random.Random(seed)
    n_out = n // 2
    xs: list[list[float]] = []
    ys: list[float] = []
    for i in range(n):
        outer = i < n_out
        k, m = (i, n_out) if outer else (i - n_out, n - n_out)
        t = math.pi * k / max(m - 1, 1)
        x, y = (math.cos(t), math.sin(t)) if outer else (1.0 - math.cos(t), 0.5 - math.sin(t))
        xs.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        ys.append(-1.0 if outer else 1.0)
    return xs, ys


def init_weights(nin: int, nouts: Sequence[int], seed: int = 1337, scale: float = 1.0) -> Weights:
    """micrograd's initialisation: weights uniform in [-scale, scale] (micrograd: 1), biases 0."""
    rng = random.Random(seed)
    sizes = [nin, *nouts]
    return [
        [([rng.uniform(-scale, scale) for _ in range(sizes[i])], 0.0) for _ in range(sizes[i + 1])]
        for i in range(len(nouts))
    ]


# --------------------------------------------------------------------------
# The micrograd-shaped MLP: one mul node and one add node per weight.
# Used for the reference engine and torch; micrograd runs its own micrograd.nn.
# --------------------------------------------------------------------------


class MicroNeuron:
    def __init__(self, engine: Engine, w: list[float], b: float, nonlin: bool) -> None:
        self.w = [engine.leaf(x) for x in w]
        self.b = engine.leaf(b)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Any]) -> Any:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Any]:
        return [*self.w, self.b]


class MicroMLP:
    """micrograd.nn.MLP, line for line, over any engine's Value."""

    def __init__(self, engine: Engine, weights: Weights) -> None:
        last = len(weights) - 1
        self.engine = engine
        self.layers = [[MicroNeuron(engine, w, b, i != last) for w, b in layer] for i, layer in enumerate(weights)]

    def __call__(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            out = [n(x) for n in layer]
            x = out[0] if len(out) == 1 else out
        return x

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for n in layer for p in n.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = self.engine.zero_grad


def micrograd_mlp(weights: Weights) -> Any:
    """micrograd's own MLP, with the shared initial weights."""
    from micrograd.nn import MLP

    model = MLP(len(weights[0][0][0]), [len(layer) for layer in weights])
    flat = [x for layer in weights for w, b in layer for x in (*w, b)]
    params = model.parameters()  # per neuron: weights, then bias
    assert len(params) == len(flat)
    for p, x in zip(params, flat):
        p.data = x
    return model


def build_mlp(engine: Engine, weights: Weights) -> Any:
    """The model each engine's users would write: ours is autograd.nn.MLP."""
    if engine.name == "autograd":
        return ours_mlp(weights)
    if engine.name == "micrograd":
        return micrograd_mlp(weights)
    return MicroMLP(engine, weights)


def ours_mlp(weights: Weights) -> Any:
    """autograd.nn.MLP (one fused dot node per neuron), with the shared initial weights."""
    from autograd.nn import MLP

    model = MLP(len(weights[0][0][0]), [len(layer) for layer in weights], seed=0)
    flat = [x for layer in weights for w, b in layer for x in (*w, b)]
    params = model.parameters()  # per neuron: weights, then bias (micrograd's order)
    assert len(params) == len(flat)
    for p, x in zip(params, flat):
        p.data = x
    return model


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------

clock = time.perf_counter


def failure(exc: BaseException) -> str:
    """A one-line reason for a failed measurement."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"failed: {type(exc).__name__}" + (f" ({text})" if text else "")
