"""``nn.MLP`` to ``torch.nn.Sequential`` and back. torch is imported on the first call."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from .. import nn
from ._deps import require
from ._mlp import mlp_layers

if TYPE_CHECKING:
    import torch

TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": None}
"""Each nn activation and the ``torch.nn`` class that computes it (``linear`` needs none)."""


def to_torch(model: nn.MLP) -> torch.nn.Sequential:
    """``model`` as a ``torch.nn.Sequential`` of ``Linear`` layers and activations, in float64.

    Neuron j of layer i becomes row j of the i-th Linear's ``weight`` and entry j of
    its ``bias``, copied exactly. Frozen Parameters (``requires_grad=False``) give
    frozen tensors; a tensor is frozen as a whole, so a layer whose weights are
    partly frozen is refused. torch's random state is left untouched.

    Examples:
        >>> from autograd import nn
        >>> model = nn.MLP(2, [3, 1], seed=0)
        >>> model
        MLP(2, [3, 1], activation='relu')
        >>> net = to_torch(model)                                                 # doctest: +SKIP
        >>> net                                                                   # doctest: +SKIP
        Sequential(
          (0): Linear(in_features=2, out_features=3, bias=True)
          (1): ReLU()
          (2): Linear(in_features=3, out_features=1, bias=True)
        )
        >>> import torch                                                          # doctest: +SKIP
        >>> net(torch.tensor([[1.0, 2.0]], dtype=torch.float64)).item() == model([1.0, 2.0]).data  # doctest: +SKIP
        True

    (The lines marked SKIP need torch: ``make test`` runs them when the oracles are installed.)
    """
    th = require("torch", "torch", "autograd.interop.to_torch")
    modules: list[Any] = []
    for d in mlp_layers(model, "to_torch"):
        if d.activation not in TORCH_ACTIVATIONS:
            raise ValueError(f"to_torch: {d.name} uses the activation {d.activation!r}, which has no torch.nn "
                             f"equivalent here; it maps {', '.join(map(repr, TORCH_ACTIVATIONS))}")  # fmt: skip
        linear = th.nn.utils.skip_init(th.nn.Linear, d.nin, d.nout, dtype=th.float64)  # skip_init: no RNG use
        with th.no_grad():
            linear.weight.copy_(th.tensor(d.weight, dtype=th.float64))
            linear.bias.copy_(th.tensor(d.bias, dtype=th.float64))
        linear.weight.requires_grad_(not _all_or_none([f for row in d.weight_frozen for f in row], f"{d.name} weights"))
        linear.bias.requires_grad_(not _all_or_none(d.bias_frozen, f"{d.name} biases"))
        modules.append(linear)
        act = TORCH_ACTIVATIONS[d.activation]
        if act is not None:
            modules.append(getattr(th.nn, act)())
    seq: torch.nn.Sequential = th.nn.Sequential(*modules)
    return seq


def _all_or_none(frozen: list[bool], what: str) -> bool:
    if all(frozen):
        return True
    if any(frozen):
        raise ValueError(f"to_torch: some of the {what} are frozen (requires_grad=False) and some are not; "
                         "torch freezes a whole tensor. Freeze all of them or none before exporting.")  # fmt: skip
    return False


def from_torch(module: torch.nn.Module) -> nn.MLP:
    """An ``nn.MLP`` computing what ``module`` computes, with its weights copied exactly.

    ``module`` is a ``torch.nn.Sequential`` (nested ones are flattened) of ``Linear``
    layers, each followed by at most one activation: ``ReLU``, ``Tanh`` or ``Sigmoid``
    (``Identity`` is skipped). Every hidden layer must use the same activation, as in
    ``nn.MLP``; the last layer may use another (``output_activation``). A Linear
    without bias gets biases of 0.0. Weights of any float dtype or device are read
    as Python floats, which is exact.

    Examples:
        >>> from autograd import nn
        >>> model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
        >>> back = from_torch(to_torch(model))                                    # doctest: +SKIP
        >>> back                                                                  # doctest: +SKIP
        MLP(2, [3, 1], activation='tanh')
        >>> [p.data for p in back.parameters()] == [p.data for p in model.parameters()]  # doctest: +SKIP
        True

    (The lines marked SKIP need torch: ``make test`` runs them when the oracles are installed.)
    """
    th = require("torch", "torch", "autograd.interop.from_torch")
    supported = "torch.nn.Linear, ReLU, Tanh, Sigmoid and Identity"
    if not isinstance(module, th.nn.Sequential):
        raise TypeError(f"from_torch builds an nn.MLP from a torch.nn.Sequential of {supported}; got "
                        f"{type(module).__name__}. Rewrite it as a torch.nn.Sequential of those layers.")  # fmt: skip
    names = {getattr(th.nn, cls): act for act, cls in TORCH_ACTIVATIONS.items() if cls is not None}
    dense: list[tuple[str, Any]] = []  # (where, Linear)
    acts: list[str] = []  # the activation after each Linear
    last_was_activation = False
    for where, layer in _flatten(module, th, ""):
        if type(layer) is th.nn.Linear:
            if not layer.weight.is_floating_point():
                raise ValueError(f"from_torch: layer {where} has {layer.weight.dtype} weights; use a float dtype")
            dense.append((where, layer))
            acts.append("linear")
            last_was_activation = False
        elif type(layer) in names:
            if not dense:
                raise ValueError(f"from_torch: layer {where}, {layer!r}, comes before any Linear layer; "
                                 "an nn.MLP starts with a Linear layer")  # fmt: skip
            if last_was_activation:
                raise ValueError(f"from_torch: layer {where}, {layer!r}, is a second activation after "
                                 f"layer {dense[-1][0]}; an nn.MLP applies one activation per layer")  # fmt: skip
            acts[-1] = names[type(layer)]
            last_was_activation = True
        elif type(layer) is not th.nn.Identity:
            raise ValueError(f"from_torch: layer {where}, {type(layer).__name__} ({layer!r}), has no nn.MLP "
                             f"equivalent; it maps {supported}")  # fmt: skip
    if not dense:
        raise ValueError(f"from_torch: the Sequential holds no Linear layer; it maps {supported}")
    for (where_a, a), (where_b, b) in pairwise(dense):
        if b.in_features != a.out_features:
            raise ValueError(f"from_torch: layer {where_b} takes {b.in_features} inputs but layer {where_a} "
                             f"gives {a.out_features}")  # fmt: skip
    hidden = list(dict.fromkeys(acts[:-1]))
    if len(hidden) > 1:
        raise ValueError(f"from_torch: nn.MLP uses one activation for every hidden layer, but these hidden "
                         f"layers use {hidden} (by layer: {acts[:-1]})")  # fmt: skip
    model = nn.MLP(dense[0][1].in_features, [lin.out_features for _, lin in dense],
                   activation=hidden[0] if hidden else "relu", output_activation=acts[-1], seed=0)  # fmt: skip
    for layer, (_, lin) in zip(model.layers, dense):
        weight = lin.weight.detach().cpu().tolist()
        bias = lin.bias.detach().cpu().tolist() if lin.bias is not None else [0.0] * lin.out_features
        w_trainable = bool(lin.weight.requires_grad)
        b_trainable = bool(lin.bias.requires_grad) if lin.bias is not None else True
        for neuron, row, b in zip(layer.neurons, weight, bias):
            for p, x in zip(neuron.w, row):
                p.data = float(x)
                p.requires_grad = w_trainable
            neuron.b.data = float(b)
            neuron.b.requires_grad = b_trainable
    return model


def _flatten(module: Any, th: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """(position, layer) for each layer of a Sequential, descending into nested Sequentials."""
    for name, child in module.named_children():
        where = f"{prefix}{name}"
        if isinstance(child, th.nn.Sequential):
            yield from _flatten(child, th, f"{where}.")
        else:
            yield where, child
