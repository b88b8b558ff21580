"""The compiled tape against issue 11: bit-identical scalar replay, names that never
collide, argnums checked, what a trace cannot replay, and training on real labels."""

from __future__ import annotations

import keyword
import math
import struct
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value

from .strategies import Program, programs

np = pytest.importorskip("numpy")


def bits(x: float) -> bytes:
    """A float's bytes: equal bits, so -0.0 != 0.0 (every nan counts as one)."""
    return b"nan" if x != x else struct.pack("<d", x)


def by_backward(f: Any, xs: list[float]) -> tuple[float, list[float]]:
    """The engine's value and ``.grad`` of each input after ``backward()`` from zeroed grads."""
    vs = [Value(x) for x in xs]
    out = f(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


# ---- the scalar replay is backward(), bit for bit -----------------------------------


@given(programs())
def test_scalar_replay_is_bit_identical_to_backward(prog: Program) -> None:
    value, grads = by_backward(lambda *v: prog.run(v), prog.inputs)
    c_value, c_grads = autograd.compile(lambda *v: prog.run(v))(*prog.inputs)
    assert bits(c_value) == bits(value), prog
    assert [bits(g) for g in c_grads] == [bits(g) for g in grads], (prog, c_grads, grads)


@given(st.floats(-50.0, 50.0, allow_nan=False))
def test_the_order_of_accumulation_is_the_engines(x: float) -> None:
    f = lambda v: v.exp() + v.sin() + v.cos()  # three contributions into x, summed in backward()'s order
    c = autograd.compile(f)
    assert c(x) == (f(Value(x)).data, (by_backward(f, [x])[1][0],))


def test_the_first_contribution_is_added_to_zero_as_backward_does() -> None:
    """backward() starts from .grad = 0.0, and 0.0 + -0.0 is 0.0: the sign of a zero gradient is the engine's."""
    f = lambda x, y: x * -0.0 + y
    _, (gx, _) = autograd.compile(f)(2.0, 1.0)
    assert bits(gx) == bits(by_backward(f, [2.0, 1.0])[1][0]) == bits(0.0)


@pytest.mark.parametrize("f", [
    lambda x: x.relu().sqrt(),
    lambda x: autograd.maximum(x, 0.0).sqrt(),
    lambda x: autograd.clamp(x, 0.0, 1.0).sqrt(),
    lambda x: x.relu().log(),
    lambda x: x.leaky_relu(0.0).sqrt(),
])  # fmt: skip
def test_step_like_ops_block_an_infinite_gradient_as_the_engine_does(f: Any) -> None:
    """At x = -1 the local derivative is 0 and the gradient above it is inf: nothing passes, not nan."""
    value, grads = autograd.compile(f)(-1.0)
    e_value, e_grads = by_backward(f, [-1.0])
    assert bits(value) == bits(e_value) and bits(grads[0]) == bits(e_grads[0]) == bits(0.0)


# ---- names in generated code never collide with the user's -------------------------

ADVERSARIAL = [
    "float", "N", "B", "g_x", "g_y", "x", "y", "nan", "inf", "exp", "where", "same", "same_format",
    "GuardFailed", "dot", "fsum", "len", "list", "range", "t_d", "X_1", "W_1", "G_1", "v1", "v2", "f",
    "lambda", "print", "_", "r_", "t_", "acc", "tolist", "T", "ones", "count", "total", "max", "sum",
]  # fmt: skip
names = st.one_of(st.sampled_from(ADVERSARIAL), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True))


def _function(params: list[str]) -> Any:
    """``def f(<params>)``: a product of sums and a tanh, each node labelled with a parameter's name.

    With two or more parameters the last is unused: batching only it gives a batched
    call whose output is shared by the batch (its seed is the batch size).
    """
    used = params[:-1] if len(params) > 1 else params
    body = "    t = " + " + ".join(used) + "\n"
    body += "    t.label = " + repr(params[-1]) + "\n"
    body += "    u = (t * " + used[0] + ").tanh()\n    u.label = " + repr(params[0]) + "\n    return u * t\n"
    scope: dict[str, Any] = {}
    exec(f"def f({', '.join(params)}):\n{body}", scope)
    return scope["f"]


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=1, max_size=4, unique=True))
def test_user_names_never_collide_with_the_generated_codes(params: list[str]) -> None:
    assume(all(p.isidentifier() and not keyword.iskeyword(p) for p in params))
    f = _function(params)
    xs = [0.3 + 0.1 * i for i in range(len(params))]
    value, grads = autograd.compile(f)(*xs)
    e_value, e_grads = by_backward(f, xs)
    assert value == e_value and list(grads) == e_grads
    for k in range(len(xs) + 1):  # every input batched (k == len), or only input k
        args: list[Any] = [np.array([x, x + 0.5]) for x in xs] if k == len(xs) else list(xs)
        if k < len(xs):
            args[k] = np.array([xs[k], xs[k] + 0.5])
        bvalue, bgrads = autograd.compile(f)(*args)
        for j in range(2):
            point = [float(a[j]) if isinstance(a, np.ndarray) else a for a in args]
            e_value, e_grads = by_backward(f, point)
            assert math.isclose(float(bvalue[j]), e_value, rel_tol=1e-12, abs_tol=1e-12)
            for a, g, e in zip(args, bgrads, e_grads):
                got = float(g[j]) if isinstance(a, np.ndarray) else None
                if got is not None:
                    assert math.isclose(got, e, rel_tol=1e-12, abs_tol=1e-12)


def test_a_parameter_named_float_or_B_runs_batched() -> None:
    """The batched seed was ``float(B)``: a parameter called ``float`` shadowed it."""
    c = autograd.compile(_function(["float", "B"]))  # B is unused: batching it batches nothing else
    value, grads = c(2.0, np.array([1.0, 2.0]))
    assert value.tolist() == [math.tanh(4.0) * 2.0] * 2 and grads[1].tolist() == [0.0, 0.0]


# ---- argnums ---------------------------------------------------------------------------


@given(st.integers(1, 4), st.lists(st.integers(-4, 3), min_size=2, max_size=5))
def test_repeated_argnums_are_refused_naming_the_index(n: int, nums: list[int]) -> None:
    assume(all(-n <= i < n for i in nums))
    positions = [i % n for i in nums]
    assume(len(set(positions)) < len(positions))
    repeated = next(p for k, p in enumerate(positions) if p in positions[:k])
    c = autograd.compile(lambda *xs: autograd.sum(xs), argnums=tuple(nums))
    with pytest.raises(ValueError, match=f"argnums names argument {repeated} twice"):
        c(*[1.0] * n)


def test_argnums_zero_zero() -> None:
    with pytest.raises(ValueError, match="argument 0 twice"):
        autograd.compile(lambda x, y: x * y, argnums=(0, 0))(1.0, 2.0)
    with pytest.raises(TypeError, match="ints"):
        autograd.compile(lambda x, y: x * y, argnums=(True,))(1.0, 2.0)
