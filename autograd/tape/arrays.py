"""Array namespaces for the batched program: numpy, torch, CuPy and JAX.

The rules in ops.py are written against a namespace ``m``; the batched
program calls them as ``N.exp(...)``, ``N.where(...)``. Each array library
gets one namespace with the same functions (adding a library adds a
namespace, never a rule), plus what a batch needs: ``rows`` stacks rows into a
matrix, ``total`` sums a per-example gradient over the batch, ``scatter_add``
adds into the shared inputs' gradient vector. Nothing updates an array in
place, so JAX's immutable arrays work too.

``namespace_for(array)`` picks the namespace from an input array's type. The
arrays it makes (constants, ``V``) have the input's dtype and device.
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Sequence
from types import ModuleType, SimpleNamespace
from typing import Any

LIBRARIES = ("numpy", "torch", "cupy", "jax")


def library_of(x: Any) -> str | None:
    """Which array library made ``x`` (None for anything else)."""
    root = type(x).__module__.split(".")[0]
    if root == "jaxlib":
        root = "jax"
    if root in LIBRARIES and hasattr(x, "shape") and hasattr(x, "dtype"):
        return root
    return None


def _numpy_like(xp: ModuleType, name: str, dtype: Any, device: Any) -> SimpleNamespace:
    """The namespace over numpy, CuPy or jax.numpy (the same API)."""

    def asarray(a: Any) -> Any:
        return xp.asarray(a, dtype=dtype)

    def heaviside(x: Any, at0: float) -> Any:
        return xp.where(x > 0, 1.0, xp.where(x < 0, 0.0, xp.where(x == 0, at0, math.nan)))

    def sigmoid(x: Any) -> Any:
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1.0, e) / (1.0 + e)

    def logsumexp(xs: Sequence[Any]) -> Any:
        top = xp.stack(xp.broadcast_arrays(*[xp.asarray(x, dtype=dtype) for x in xs])).max(axis=0)
        safe = xp.where(xp.isfinite(top), top, 0.0)
        return safe + xp.log(builtins.sum(xp.exp(x - safe) for x in xs))

    def rows(B: int, items: Sequence[Any]) -> Any:
        """A matrix of rows: a float fills a row, a (B,) array is a row, a matrix its rows."""
        parts = [xp.reshape(xp.broadcast_to(asarray(e), (B,)), (1, B)) if getattr(e, "ndim", 0) < 2 else e
                 for e in items]  # fmt: skip
        return xp.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]

    def scatter_add(g: Any, where: Any, values: Any) -> Any:
        if name == "jax":
            return g.at[where].add(values)
        g = g.copy()
        if isinstance(where, slice) or builtins.isinstance(where, int):
            g[where] += values
        else:
            xp.add.at(g, where, values)
        return g

    return SimpleNamespace(
        name=name, xp=xp, dtype=dtype, device=device, asarray=asarray,
        exp=xp.exp, log=xp.log, log1p=xp.log1p, expm1=xp.expm1, sqrt=xp.sqrt, sin=xp.sin, cos=xp.cos,
        tanh=xp.tanh, sigmoid=sigmoid, softplus=lambda x: xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x))),
        relu=lambda x: xp.where(x < 0, 0.0, x), abs=xp.abs, pow=xp.power, div=xp.divide, heaviside=heaviside,
        sign=lambda x: heaviside(x, 0.5) * 2.0 - 1.0, max2=xp.maximum, min2=xp.minimum, where=xp.where,
        eq=lambda a, b: a == b, ge=lambda a, b: a >= b, lt=lambda a, b: a < b,
        fsum=lambda xs: builtins.sum(xs, 0.0), dot=lambda ws, xs: builtins.sum((w * x for w, x in zip(ws, xs)), 0.0),
        logsumexp=logsumexp,
        ones=lambda B: xp.ones(B, dtype=dtype), full=lambda B, v: xp.full(B, v, dtype=dtype),
        zeros_like=xp.zeros_like, array=asarray, index=lambda pos: xp.asarray(pos), rows=rows,
        col=lambda v: xp.reshape(v, (-1, 1)), row_sums=lambda g: g.sum(axis=1),
        matmul=xp.matmul, scatter_add=scatter_add, count=float,
        total=lambda a: a.sum(), vdot=lambda a, b: xp.dot(a, b),
        blocked=lambda d, g: xp.where(d != 0, d * g, 0.0),
        same=lambda a, b: bool(xp.all((a == b) | (xp.isnan(a) & (b != b)))),
        same_format=lambda a, spec, text: all(format(float(e), spec) == text for e in xp.ravel(a).tolist()),
        same_int=lambda a, whole: all(int(e) == whole for e in xp.ravel(a).tolist()),
        same_round=lambda a, nd, r: all(round(float(e), nd) == r for e in xp.ravel(a).tolist()),
        all_true=lambda c: bool(xp.all(c)), any_true=lambda c: bool(xp.any(c)),
    )  # fmt: skip


def _torch(dtype: Any, device: Any) -> SimpleNamespace:
    import torch

    def t(a: Any) -> Any:
        return a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=dtype, device=device)

    def where(c: Any, a: Any, b: Any) -> Any:
        if not isinstance(c, torch.Tensor):  # a condition on shared values: a Python bool
            return a if c else b
        return torch.where(c, t(a), t(b))

    def heaviside(x: Any, at0: float) -> Any:
        return where(x > 0, 1.0, where(x < 0, 0.0, where(x == 0, at0, math.nan)))

    def logsumexp(xs: Sequence[Any]) -> Any:
        broadcast: Any = torch.broadcast_tensors  # untyped in some torch versions: typed Any here, so mypy
        stacked = torch.stack(broadcast(*[t(x) for x in xs]))  # passes with torch installed or not
        top = stacked.max(dim=0).values
        safe = torch.where(torch.isfinite(top), top, 0.0)
        return safe + torch.log(torch.exp(stacked - safe).sum(dim=0))

    def rows(B: int, items: Sequence[Any]) -> Any:
        parts = [t(e).broadcast_to((B,)).reshape(1, B) if t(e).ndim < 2 else e for e in items]
        return torch.cat(parts, dim=0) if len(parts) > 1 else parts[0]

    def scatter_add(g: Any, where_: Any, values: Any) -> Any:
        g = g.clone()
        if isinstance(where_, (slice, int)):
            g[where_] += values
        else:
            g.index_put_((where_,), t(values).reshape(-1), accumulate=True)
        return g

    def unary(fn: Any) -> Any:
        return lambda x: fn(t(x))

    return SimpleNamespace(
        name="torch", xp=torch, dtype=dtype, device=device, asarray=t,
        exp=unary(torch.exp), log=unary(torch.log), log1p=unary(torch.log1p), expm1=unary(torch.expm1),
        sqrt=unary(torch.sqrt), sin=unary(torch.sin), cos=unary(torch.cos), tanh=unary(torch.tanh),
        sigmoid=unary(torch.sigmoid),
        softplus=lambda x: torch.clamp(t(x), min=0.0) + torch.log1p(torch.exp(-t(x).abs())),
        relu=lambda x: where(t(x) < 0, 0.0, x), abs=unary(torch.abs), pow=lambda a, b: torch.pow(t(a), b),
        div=lambda a, b: torch.div(t(a), b), heaviside=heaviside, sign=lambda x: heaviside(x, 0.5) * 2.0 - 1.0,
        max2=lambda a, b: torch.maximum(t(a), t(b)), min2=lambda a, b: torch.minimum(t(a), t(b)), where=where,
        eq=lambda a, b: t(a) == b, ge=lambda a, b: t(a) >= b, lt=lambda a, b: t(a) < b,
        fsum=lambda xs: builtins.sum(xs, 0.0), dot=lambda ws, xs: builtins.sum((w * x for w, x in zip(ws, xs)), 0.0),
        logsumexp=logsumexp,
        ones=lambda B: torch.ones(B, dtype=dtype, device=device),
        full=lambda B, v: torch.full((B,), float(v), dtype=dtype, device=device),
        zeros_like=torch.zeros_like, array=t, index=lambda pos: torch.as_tensor(pos, device=device), rows=rows,
        col=lambda v: v.reshape(-1, 1), row_sums=lambda g: g.sum(dim=1),
        matmul=torch.matmul, scatter_add=scatter_add, count=float,
        total=lambda a: a.sum(), vdot=lambda a, b: torch.dot(t(a), t(b)),
        blocked=lambda d, g: where(t(d) != 0, t(d) * g, 0.0),
        same=lambda a, b: bool(torch.all((t(a) == b) | (torch.isnan(t(a)) & (b != b)))),
        same_format=lambda a, spec, text: all(format(float(e), spec) == text for e in t(a).reshape(-1).tolist()),
        same_int=lambda a, whole: all(int(e) == whole for e in t(a).reshape(-1).tolist()),
        same_round=lambda a, nd, r: all(round(float(e), nd) == r for e in t(a).reshape(-1).tolist()),
        all_true=lambda c: bool(torch.all(t(c))), any_true=lambda c: bool(torch.any(t(c))),
    )  # fmt: skip


def dtype_name(x: Any) -> str:
    """An array's dtype as text: "float64", "float32", ..."""
    return str(x.dtype).replace("torch.", "")


@functools.lru_cache(maxsize=16)
def namespace(library: str, dtype_name: str = "float64", device: str | None = None) -> SimpleNamespace:
    """The namespace for ``library`` computing in ``dtype_name`` on ``device``."""
    ns = _namespace(library, dtype_name, device)
    ns.dtype_name = dtype_name
    return ns


def _namespace(library: str, dtype_name: str, device: str | None) -> SimpleNamespace:
    if library == "torch":
        import torch

        return _torch(getattr(torch, dtype_name), torch.device(device) if device else None)
    if library == "jax":
        import jax.numpy as jnp

        return _numpy_like(jnp, "jax", getattr(jnp, dtype_name), device)
    if library == "cupy":
        import cupy

        return _numpy_like(cupy, "cupy", getattr(cupy, dtype_name), device)
    import numpy

    return _numpy_like(numpy, "numpy", getattr(numpy, dtype_name), None)


def namespace_for(x: Any) -> SimpleNamespace:
    """The namespace for the library, dtype and device of the array ``x``."""
    library = library_of(x) or "numpy"
    device = str(x.device) if library == "torch" else None
    return namespace(library, dtype_name(x), device)
