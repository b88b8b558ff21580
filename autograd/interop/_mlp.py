"""An ``nn.MLP`` read as plain numbers, layer by layer: what every exporter starts from."""

from __future__ import annotations

from dataclasses import dataclass

from .. import nn


@dataclass(frozen=True)
class Dense:
    """One layer of an MLP: ``activation(x @ weight.T + bias)``, as floats.

    ``weight[j]`` is neuron j's ``w`` and ``bias[j]`` its ``b`` (the layout of
    ``torch.nn.Linear.weight``). ``*_frozen`` mirror each Parameter's
    ``requires_grad=False``.
    """

    name: str  # where it sits in the model, e.g. "layers.1"
    weight: list[list[float]]
    bias: list[float]
    activation: str  # one of nn.ACTIVATIONS
    weight_frozen: list[list[bool]]
    bias_frozen: list[bool]

    @property
    def nin(self) -> int:
        return len(self.weight[0])

    @property
    def nout(self) -> int:
        return len(self.weight)


def _frozen(p: object) -> bool:
    return getattr(p, "requires_grad", True) is False


def mlp_layers(model: object, who: str) -> list[Dense]:
    """The layers of ``model``, an ``nn.MLP``, or a TypeError/ValueError naming what cannot be mapped.

    Only the stock building blocks have a known meaning: a subclass of Layer or
    Neuron (or an MLP subclass with its own ``__call__``) may compute anything.
    """
    hint = "Build the equivalent model by hand and copy the numbers from model.state_dict()."
    if not isinstance(model, nn.MLP) or type(model).__call__ is not nn.MLP.__call__:
        kind = "a user-defined Module" if isinstance(model, nn.Module) else "not an nn.MLP"
        raise TypeError(f"{who} maps an nn.MLP; {type(model).__name__} is {kind}, which it cannot map. {hint}")
    layers: list[Dense] = []
    width = None
    for i, layer in enumerate(model.layers):
        name = f"layers.{i}"
        if type(layer) is not nn.Layer:
            raise TypeError(f"{who}: {name} is {type(layer).__name__}, a user-defined Module, "
                            f"not an nn.Layer; it cannot map it. {hint}")  # fmt: skip
        for j, neuron in enumerate(layer.neurons):
            if type(neuron) is not nn.Neuron:
                raise TypeError(f"{who}: {name}.neurons.{j} is {type(neuron).__name__}, a user-defined Module, "
                                f"not an nn.Neuron; it cannot map it. {hint}")  # fmt: skip
        acts = list(dict.fromkeys(n.activation for n in layer.neurons))
        if len(acts) != 1:
            raise ValueError(f"{who}: the neurons of {name} mix the activations {acts}; a layer maps to one "
                             f"activation. {hint}")  # fmt: skip
        if acts[0] not in nn.ACTIVATIONS:
            raise ValueError(f"{who}: {name} has the activation {acts[0]!r}, which it cannot map; "
                             f"it maps {', '.join(map(repr, nn.ACTIVATIONS))}")  # fmt: skip
        widths = list(dict.fromkeys(len(n.w) for n in layer.neurons))
        if len(widths) != 1:
            raise ValueError(f"{who}: the neurons of {name} take different numbers of inputs, {widths}")
        if width is not None and widths[0] != width:
            raise ValueError(f"{who}: {name} takes {widths[0]} inputs, but the layer before gives {width}")
        layers.append(Dense(
            name=name,
            weight=[[p.data for p in n.w] for n in layer.neurons],
            bias=[n.b.data for n in layer.neurons],
            activation=acts[0],
            weight_frozen=[[_frozen(p) for p in n.w] for n in layer.neurons],
            bias_frozen=[_frozen(n.b) for n in layer.neurons],
        ))  # fmt: skip
        width = len(layer.neurons)
    return layers
