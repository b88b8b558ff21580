"""Workload 6: forward mode. jvp against one evaluation of f, and the Hessian two ways.

- ``jvp`` on f: R^1000 -> R must cost at most 3x one evaluation of f on Values (the
  evaluation included): it is one forward sweep. Two fs: elementwise ops summed, and a
  layer of 10 tanh neurons (``dot`` nodes of 1000 inputs).
- The Hessian of f: R^50 -> R by reverse over reverse (``jacobian(grad(f))``, one
  backward pass per gradient entry) and forward over reverse (``jacfwd(grad(f))``, one
  forward sweep carrying all 50 directions). ``hessian`` uses the faster: forward over
  reverse. Two fs: a dense Hessian (a tanh layer) and a sparse one (Rosenbrock's).

Ours only: the other engines have no forward mode or no Hessian.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

from common import Row, Target, clock

TITLE = "forward mode: jvp on R^1000 -> R, and the Hessian on n = 50"
ENGINES_RUN = ("autograd",)
ROUNDS = 3
ROWS = [
    Row("f_elem_ms", "f(x) = sum(tanh(x*x) + sin(x)/2), n = 1000, on Values (ms)", ".2f"),
    Row("jvp_elem_ratio", "jvp of it / one evaluation (x)", ".2f"),
    Row("f_layer_ms", "f(x) = sum(tanh(W x)**2), 10 x 1000, on Values (ms)", ".2f"),
    Row("jvp_layer_ratio", "jvp of it / one evaluation (x)", ".2f"),
    Row("hess_dense_rr_ms", "Hessian n = 50, dense (tanh layer), reverse over reverse (ms)", ".1f"),
    Row("hess_dense_fr_ms", "Hessian n = 50, dense (tanh layer), forward over reverse (ms)", ".1f"),
    Row("hess_sparse_rr_ms", "Hessian n = 50, sparse (Rosenbrock), reverse over reverse (ms)", ".1f"),
    Row("hess_sparse_fr_ms", "Hessian n = 50, sparse (Rosenbrock), forward over reverse (ms)", ".1f"),
]
TARGETS = [
    Target("jvp <= 3x one evaluation of f (elementwise)", "jvp_elem_ratio", at_most=3.0),
    Target("jvp <= 3x one evaluation of f (tanh layer)", "jvp_layer_ratio", at_most=3.0),
    Target("hessian: forward over reverse beats reverse over reverse (dense)", "hess_dense_speedup", at_least=1.0),
    Target("hessian: forward over reverse beats reverse over reverse (sparse)", "hess_sparse_speedup", at_least=1.0),
]


def payload(quick: bool) -> dict[str, Any]:
    rng = random.Random(0)
    n, m = (100, 10) if quick else (1000, 50)
    return {
        "x": [rng.uniform(-1.0, 1.0) for _ in range(n)],
        "v": [rng.uniform(-1.0, 1.0) for _ in range(n)],
        "W": [[rng.gauss(0.0, 0.03) for _ in range(n)] for _ in range(10)],
        "x_hess": [rng.uniform(-1.0, 1.0) for _ in range(m)],
        "W_hess": [[rng.gauss(0.0, 0.3) for _ in range(m)] for _ in range(10)],
        "reps": 1 if quick else 5,
    }


def best(fn: Callable[[], Any], reps: int) -> float:
    """The fastest of ``reps`` runs, in ms."""
    times = []
    for _ in range(reps):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times) * 1e3


def run(engine_name: str, data: dict[str, Any]) -> dict[str, Any]:
    import autograd
    from autograd import Value
    from autograd.functional import grad, jacfwd, jacobian, jvp

    xs, vs, reps = data["x"], data["v"], data["reps"]

    def f_elem(x: list[Value]) -> Value:
        return autograd.sum((a * a).tanh() + a.sin() * 0.5 for a in x)

    def layer(W: list[list[float]]) -> Callable[[list[Value]], Value]:
        def f(x: list[Value]) -> Value:
            return autograd.sum(autograd.dot(w, x).tanh() ** 2 for w in W)

        return f

    def rosenbrock(x: list[Value]) -> Value:
        return autograd.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2 for a, b in itertools.pairwise(x))

    result: dict[str, Any] = {}
    for name, f in (("elem", f_elem), ("layer", layer(data["W"]))):
        f_ms = best(lambda: f([Value(x) for x in xs]), reps)  # noqa: B023 (called at once)
        jvp_ms = best(lambda: jvp(f, (xs,), (vs,)), reps)  # noqa: B023
        result[f"f_{name}_ms"] = f_ms
        result[f"jvp_{name}_ratio"] = jvp_ms / f_ms
    x_h = data["x_hess"]
    for name, f in (("dense", layer(data["W_hess"])), ("sparse", rosenbrock)):
        rr = best(lambda: jacobian(grad(f))(x_h), reps)  # noqa: B023
        fr = best(lambda: jacfwd(grad(f))(x_h), reps)  # noqa: B023
        result[f"hess_{name}_rr_ms"] = rr
        result[f"hess_{name}_fr_ms"] = fr
        result[f"hess_{name}_speedup"] = rr / fr
    return result
