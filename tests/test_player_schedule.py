"""The player's schedule replays backward() exactly: pure Python, no browser, no renderer."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given

import autograd
from autograd import Value, nn
from autograd.engine import topological_order
from autograd.playback.schedule import build_schedule, graph_nodes

from .strategies import Program, programs


def _num(x: Any) -> float:
    return float(x) if isinstance(x, str) else x  # "Infinity", "-Infinity", "NaN" are float() spellings


def replay(schedule_json: str) -> list[float]:
    """Every node's grad, by replaying the schedule's backward steps on its own accumulators.

    Uses only each step's ids and local derivative; checks the step's upstream,
    before and after numbers against its own running values on the way.
    """
    s = json.loads(schedule_json)
    grads: list[float] = [0.0] * len(s["nodes"])
    grads[s["root"]] = _num(s["seed"])
    for step in s["backward"]:
        p, c = step["parent"], step["child"]
        assert same(_num(step["upstream"]), grads[p])
        assert same(_num(step["before"]), grads[c])
        grads[c] = grads[c] + _num(step["local"]) * grads[p]
        assert same(_num(step["after"]), grads[c])
    return grads


def same(a: float, b: float) -> bool:
    """Equal as floats (==), or both nan."""
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_replay_matches_backward(root: Value) -> dict[str, Any]:
    """Build the schedule before backward(), run backward(), and compare every node's grad exactly."""
    schedule = build_schedule(root)
    text = json.dumps(schedule, allow_nan=False)  # plain JSON: no bare Infinity/NaN
    root.backward()
    nodes, _ = graph_nodes(root)
    grads = replay(text)
    for i, v in enumerate(nodes):
        assert same(grads[i], float(v.grad)), f"node {i} ({v.label or v.op}): replay {grads[i]!r}, backward {v.grad!r}"
        assert same(_num(schedule["nodes"][i]["grad"]), float(v.grad))
    assert build_schedule(root) == schedule  # the schedule does not read .grad
    return schedule


def test_seed_example_numbers() -> None:
    x, y = Value(3.0, "x"), Value(2.0, "y")
    t = x + y
    t.label = "t"
    z = t**2
    z.label = "z"
    s = assert_replay_matches_backward(z)
    names = [n["name"] for n in s["nodes"]]
    assert names == ["z", "t", "x", "y"]  # draw_dot's v0..v3
    assert [names[i] for i in s["forward"]] == ["x", "y", "t", "z"]
    steps = [(names[b["parent"]], names[b["child"]], b["local"], b["upstream"], b["after"]) for b in s["backward"]]
    assert steps == [("z", "t", 10.0, 1.0, 10.0), ("t", "x", 1.0, 10.0, 10.0), ("t", "y", 1.0, 10.0, 10.0)]
    assert x.grad == y.grad == 10.0


def test_x_plus_x_is_two_steps_into_x() -> None:
    x = Value(3.0, "x")
    w = x + x
    s = assert_replay_matches_backward(w)
    assert [(b["child"], b["input"], b["before"], b["after"], b["contribution"]) for b in s["backward"]] == [
        (1, 0, 0.0, 1.0, 1), (1, 1, 1.0, 2.0, 2)]  # fmt: skip
    assert s["nodes"][1]["contributions"] == 2 and s["nodes"][0]["inputs"] == [1, 1]


def test_shared_subexpressions_accumulate_in_backward_order() -> None:
    x, y = Value(0.7, "x"), Value(-1.3, "y")
    a = x * y
    b = autograd.tanh(a) + a * x
    c = b * a + autograd.exp(b) / (x + a)
    s = assert_replay_matches_backward(c)
    nodes, inputs = graph_nodes(c)
    # Each parent's inputs in order and consecutively, the parents in backward order.
    expected = [(id(v), j) for v in topological_order([c]) for j in inputs[nodes.index(v)]]
    assert [(id(nodes[b["parent"]]), b["child"]) for b in s["backward"]] == expected
    assert max(n["contributions"] for n in s["nodes"]) >= 3  # a really shared node


def test_root_that_is_a_leaf_has_only_the_seed() -> None:
    x = Value(2.0, "x")
    s = build_schedule(x)
    assert s["backward"] == [] and s["forward"] == [0] and s["nodes"][0]["grad"] == 1.0


def test_forward_order_puts_leaves_first_and_every_op_after_its_inputs() -> None:
    model = nn.MLP(3, [4, 2], seed=1)
    out = model([0.5, -1.0, 2.0])
    assert isinstance(out, list)
    loss = nn.cross_entropy(out, 1)
    s = assert_replay_matches_backward(loss)
    fwd = s["forward"]
    assert sorted(fwd) == list(range(len(s["nodes"])))
    leaves = [i for i in fwd if s["nodes"][i]["leaf"]]
    assert fwd[: len(leaves)] == leaves
    at = {i: k for k, i in enumerate(fwd)}
    for n in s["nodes"]:
        assert all(at[j] < at[n["id"]] for j in n["inputs"])
    assert any(n["param"] for n in s["nodes"]) and any(n["tag"] == "L0.N1" for n in s["nodes"])


def test_non_finite_numbers_are_strings_in_json() -> None:
    x = Value(0.0, "x")
    z = autograd.sqrt(x) + x  # sqrt'(0) = +inf
    s = assert_replay_matches_backward(z)
    assert "Infinity" in [b["local"] for b in s["backward"]]
    assert json.loads(json.dumps(s, allow_nan=False))["backward"][0]["local"] in ("Infinity", 1.0)


@given(programs(max_inputs=3, max_ops=12))
def test_replay_reproduces_backward_exactly_on_random_graphs(prog: Program) -> None:
    xs = [Value(v, f"x{i}") for i, v in enumerate(prog.inputs)]
    assert_replay_matches_backward(prog.run(xs))


@given(programs(max_inputs=2, max_ops=8, op_names=["add", "mul", "sub", "sum", "dot", "tanh", "powc"]))
def test_replay_with_repeated_inputs_and_reused_nodes(prog: Program) -> None:
    xs = [Value(v, f"x{i}") for i, v in enumerate(prog.inputs)]
    out = prog.run(xs)
    out = out * out + out  # the root's input used twice, and the same node at two depths
    assert_replay_matches_backward(out)


def test_blocked_edges_and_closure_nodes() -> None:

    import pytest

    from autograd import Value
    from autograd.playback.schedule import build_schedule

    x = Value(-1.0)
    y = x.relu().sqrt()  # relu's zero local derivative blocks sqrt's infinite gradient
    y.backward()
    sched = build_schedule(y)
    assert x.grad == 0.0
    assert len(sched["backward"]) == 1 and sched["nodes"][2]["grad"] == 0.0  # the blocked edge is no step
    closure = Value(2.0, (x,), "double")
    with pytest.raises(TypeError, match="the player"):
        build_schedule(closure)
