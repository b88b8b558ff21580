"""A layer of dot nodes as straight-line functions, written once per layer shape.

The scalar program binds a layer's weights once per call, ``L_f, L_x = L_bind(W)``,
then calls them once per copy of the layer (once per sample): ``Z = L_f(X)`` computes
the k dots of the layer, ``GW = L_w(GW, X, GZ)`` adds the dot rule's d/dw = x
contributions to the weights' gradients, ``GX = L_x(GX, GZ)`` the d/dx = w ones to the
inputs'. Inside, every value is a local variable and every
step a plain line, as in the edge-per-line program, so they run as fast; but they
are compiled once, not once per sample. Each dot is ``0.0 + w0*x0 + w1*x1 + ...``
(the float namespace's ``dot``, term by term), and each gradient receives its
contributions dot after dot, as backward() gives them.

``W`` and ``GW`` are flat, row after row (``W[j*n + i]`` is weight i of dot j).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

UNROLL_LIMIT = 4096
"""Layers with more weights than this use the loops below instead of unrolled functions."""


def _unpack(names: Sequence[str], source: str) -> str:
    return f"    {', '.join(names)}{',' if len(names) == 1 else ''} = {source}"


def layer_functions(k: int, n: int, prefix: str) -> str:
    """Source of ``{prefix}_bind(W) -> (forward, d_inputs)`` and ``{prefix}_w`` for k dots over n inputs.

    ``_bind`` runs once per call of the program: the weights become variables of the two
    functions it returns (they are the same for every sample), ``forward(X)`` and
    ``d_inputs(GX, GZ)``. ``_w(GW, X, GZ)`` returns the weights' gradients with this
    sample's contributions added.
    """
    w = [f"w{j}_{i}" for j in range(k) for i in range(n)]
    x = [f"x{i}" for i in range(n)]
    g = [f"g{j}" for j in range(k)]
    a = [f"a{j}_{i}" for j in range(k) for i in range(n)]
    b = [f"b{i}" for i in range(n)]
    rows = [" + ".join(["0.0"] + [f"w{j}_{i} * x{i}" for i in range(n)]) for j in range(k)]
    bind = [f"def {prefix}_bind(W):", _unpack(w, "W"), "", "    def forward(X):", "    " + _unpack(x, "X"),
            f"        return [{', '.join(rows)}]", "", "    def d_inputs(GX, GZ):", "    " + _unpack(b, "GX"),
            "    " + _unpack(g, "GZ")]  # fmt: skip
    bind += [f"        b{i} = b{i} + w{j}_{i} * g{j}" for j in range(k) for i in range(n)]
    bind += [f"        return [{', '.join(b)}]", "", "    return forward, d_inputs"]
    dw = [f"def {prefix}_w(GW, X, GZ):", _unpack(a, "GW"), _unpack(x, "X"), _unpack(g, "GZ")]
    dw += [f"    a{j}_{i} = a{j}_{i} + x{i} * g{j}" for j in range(k) for i in range(n)]
    dw.append(f"    return [{', '.join(a)}]")
    return "\n".join(bind) + "\n\n\n" + "\n".join(dw) + "\n"


def dots_flat(W: Sequence[float], X: Sequence[float]) -> list[float]:
    """A big layer's dots, row by row: ``0.0 + W[j*n]*X[0] + ...`` as the float namespace computes it."""
    n = len(X)
    out = []
    for j in range(0, len(W), n):
        total = 0.0
        for wi, xi in zip(W[j : j + n], X):
            total += wi * xi
        out.append(total)
    return out


def acc_weights_flat(GW: list[float], X: Sequence[float], GZ: Sequence[float]) -> list[float]:
    """A big layer's d/dw = x: ``GW[j*n + i] += X[i] * GZ[j]``, dot after dot."""
    n = len(X)
    for j, g in enumerate(GZ):
        for i, xi in enumerate(X):
            GW[j * n + i] += xi * g
    return GW


def acc_inputs_flat(GX: list[float], W: Sequence[float], GZ: Sequence[float]) -> list[float]:
    """A big layer's d/dx = w: ``GX[i] += W[j*n + i] * GZ[j]``, dot after dot."""
    n = len(GX)
    for j, g in enumerate(GZ):
        for i in range(n):
            GX[i] += W[j * n + i] * g
    return GX


def bind_flat(W: Sequence[float]) -> tuple[Callable[..., list[float]], Callable[..., list[float]]]:
    """The loops' forward and d/dx for a big layer, with its weights bound (as ``_bind`` does)."""
    return (lambda X: dots_flat(W, X)), (lambda GX, GZ: acc_inputs_flat(GX, W, GZ))


def acc_inputs_at(G: list[float], xto: Sequence[tuple[int, int]], W: Sequence[float], GZ: Sequence[float],
                  n: int) -> None:  # fmt: skip
    """d/dx = w into ``G[t]`` for each (position, target) pair of ``xto`` (the layer's inputs are f's)."""
    for j, g in enumerate(GZ):
        for k, t in xto:
            G[t] += W[j * n + k] * g


def scatter(G: list[float], targets: Sequence[int], values: Sequence[float]) -> None:
    """``G[t] = v`` for each pair: the weights' gradients back to their inputs' places."""
    for t, v in zip(targets, values):
        G[t] = v
