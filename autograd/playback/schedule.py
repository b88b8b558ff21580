"""The forward and backward pass of one graph as plain data: what the player page plays.

``build_schedule(root)`` walks the engine's real graph with the public node API
only and writes down, in order, what ``root.backward()`` does: the seed, then
for each node in ``topological_order([root])`` and each of its inputs, in
``zip(node.children(), node.local_grads())`` order, the chain-rule step
``child.grad += local * node.grad`` with its numbers before and after. Replaying
the steps gives exactly the floats that ``backward()`` sets (a test checks it on
random graphs). The result is JSON-ready; its schema is in docs/player.md.
"""

from __future__ import annotations

import math
from typing import Any

from ..closure import CLOSURE, closure_error
from ..engine import Value, topological_order
from ..viz.select import collect as graph_nodes
from ..viz.select import is_parameter

__all__ = ["SCHEMA", "VERSION", "build_schedule", "graph_nodes", "is_parameter", "json_number"]

SCHEMA = "autograd-backprop-schedule"
VERSION = 1


def json_number(x: float) -> float | str:
    """A float for JSON: inf and nan become the strings "Infinity", "-Infinity", "NaN"."""
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _float(x: Any) -> float:
    return float(x.data) if isinstance(x, Value) else float(x)


_INFIX = ("+", "-", "*", "/", "**")
_LONGEST_NAME = 24


def _names(nodes: list[Value], inputs: list[list[int]], forward: list[int]) -> list[str]:
    """What captions call each node: its label, else a short expression of its inputs, else "v<id>".

    An unlabeled constant is its value ("2"), an unlabeled op on a few inputs
    its formula ("(x * y)", "tanh(a)"). A label that several nodes share (every
    neuron has a "w0") gets the node's tag in front: "L1.N3.w0".
    """
    count: dict[str, int] = {}
    for v in nodes:
        if v.label:
            count[v.label] = count.get(v.label, 0) + 1
    names = [""] * len(nodes)
    for i in forward:  # inputs first
        v = nodes[i]
        if v.label:
            names[i] = f"{v.tag}.{v.label}" if v.tag and count[v.label] > 1 else v.label
            continue
        if not inputs[i]:
            names[i] = f"{_float(v.data):.4g}"
            continue
        a = [names[j] for j in inputs[i]]
        if len(a) == 2 and v.op in _INFIX:
            text = f"({a[0]} {v.op} {a[1]})"
        elif len(a) == 1 and v.op.startswith("**"):
            text = f"({a[0]}{v.op})"
        elif len(a) == 1 and v.op == "-":
            text = f"(-{a[0]})"
        else:
            text = f"{v.op}({', '.join(a)})"
        names[i] = text if len(text) <= _LONGEST_NAME and len(a) <= 3 else f"v{i}"
    return names


def build_schedule(root: Value, seed: float = 1.0) -> dict[str, Any]:
    """The schedule of ``root``'s forward pass and of ``root.backward(seed)`` (schema: docs/player.md).

    It is computed from the graph, not read from ``.grad``: it describes one
    fresh backward pass, whatever earlier passes left in the leaves' grads.

    Examples:
        >>> from autograd import Value
        >>> x = Value(3.0, "x")
        >>> [(s["local"], s["after"]) for s in build_schedule(x * x)["backward"]]
        [(3.0, 3.0), (3.0, 6.0)]
    """
    if not isinstance(root, Value):
        raise TypeError(f"the player takes the output Value of a computation, got {type(root).__name__}")
    nodes, inputs = graph_nodes(root)
    index = {v: i for i, v in enumerate(nodes)}
    backward_order = [index[v] for v in topological_order([root])]

    # Forward: the leaves in the order the forward pass first needs them, then each op after its inputs.
    forward: list[int] = []
    placed = [False] * len(nodes)
    for i in reversed(backward_order):
        for j in inputs[i]:
            if not inputs[j] and not placed[j]:
                placed[j] = True
                forward.append(j)
    if not backward_order:  # the root is a leaf
        forward.append(0)
    forward.extend(reversed(backward_order))

    # Backward: backward()'s own loop, written down. A node's grad starts at 0.0 and is
    # final once the node is processed (every node that uses it comes earlier in the order).
    grad: list[float] = [0.0] * len(nodes)
    grad[0] = float(seed)
    received = [0] * len(nodes)
    steps: list[dict[str, Any]] = []
    for i in backward_order:
        up = grad[i]
        prim = nodes[i]._prim
        if prim is CLOSURE:
            raise closure_error(nodes[i], "the player")
        for pos, (j, local) in enumerate(zip(inputs[i], nodes[i].local_grads())):
            local = _float(local)
            if prim.blocks and local == 0.0:  # a step-like op passes nothing back here (docs/conventions.md)
                continue
            before = grad[j]
            after = before + local * up
            grad[j] = after
            received[j] += 1
            steps.append({"parent": i, "child": j, "input": pos, "local": json_number(local),
                          "upstream": json_number(up), "before": json_number(before),
                          "after": json_number(after), "contribution": received[j]})  # fmt: skip

    names = _names(nodes, inputs, forward)
    table = []
    for i, v in enumerate(nodes):
        table.append({
            "id": i, "label": v.label, "name": names[i], "op": v.op, "tag": v.tag,
            "leaf": not inputs[i], "param": is_parameter(v), "inputs": inputs[i],
            "data": json_number(_float(v.data)), "grad": json_number(grad[i]), "contributions": received[i],
        })  # fmt: skip
    return {"schema": SCHEMA, "version": VERSION, "seed": json_number(float(seed)), "root": 0,
            "nodes": table, "forward": forward, "backward": steps}  # fmt: skip
