"""functions.dots: a layer's dot nodes built at once are the nodes that dot() builds one by one."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from autograd import Value, detect_anomaly, no_grad
from autograd.engine import topological_order
from autograd.functions import dot, dots


def _layer(seed: int, nout: int = 4, nin: int = 5) -> tuple[list[list[Value]], list[Value]]:
    rng = random.Random(seed)
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(nin)] for _ in range(nout)]
    x = [Value(rng.uniform(-1, 1)).tanh() for _ in range(nin)]
    return rows, x


@pytest.mark.parametrize("seed", range(5))
def test_dots_builds_the_same_nodes_and_gradients_as_dot(seed: int) -> None:
    rows, x = _layer(seed)
    fused = dots(rows, x)
    single = [dot(r, x) for r in rows]
    for f, s in zip(fused, single):
        assert f.data == s.data
        assert f.children() == s.children() and f.op == s.op
    leaves = [v for r in rows for v in r] + [c.children()[0] for c in x]
    grads = []
    for outs in (fused, single):
        for v in leaves:
            v.grad = 0.0
        sum_out = outs[0]
        for o in outs[1:]:
            sum_out = sum_out + o.relu()
        sum_out.backward()
        grads.append([v.grad for v in leaves])
    assert grads[0] == grads[1]


def test_dots_lifts_numbers_once_and_checks_lengths() -> None:
    a, b = dots([[1.0, Value(2.0)], [3, 4]], [Value(0.5), 2])
    assert (a.data, b.data) == (4.5, 9.5)
    assert a.children()[3] is b.children()[3]  # the lifted 2 is one shared leaf
    with pytest.raises(ValueError, match="dot needs two sequences of one length, got 3 and 2"):
        dots([[1.0, 2.0], [1.0, 2.0, 3.0]], [Value(1.0), Value(2.0)])
    with pytest.raises(TypeError):
        dots([["a", 1.0]], [Value(1.0), Value(2.0)])
    assert dots([], [Value(1.0)]) == []


def test_dots_respects_no_grad_and_detect_anomaly() -> None:
    rows, x = _layer(7)
    with no_grad():
        outs = dots(rows, x)
    assert all(o.is_leaf for o in outs)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="dot"):
        dots([[Value(math.inf), Value(1.0)]], [Value(0.0), Value(1.0)])
    out = dots(rows, x)[0]
    assert topological_order([out])[0] is out


class _Sub(Value):
    __slots__ = ()


class _HasData:
    data = 1.0


@pytest.mark.parametrize("make", [lambda a, b: dot(a, b), lambda a, b: dots([a], b)[0]])
def test_reductions_take_value_subclasses_and_refuse_lookalikes(make: Callable[..., Value]) -> None:
    for _ in range(2):  # the first call meets the subclass, the second takes the fast path
        out = make([_Sub(2.0), Value(1.0)], [3.0, _Sub(4.0)])
        assert out.data == 10.0 and isinstance(out.children()[0], _Sub)
    with pytest.raises(TypeError, match="_HasData"):
        make([_HasData()], [Value(1.0)])
