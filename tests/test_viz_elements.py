"""Diagram.elements: the drawn element of every Value and the edge of every use, checked against the DOT text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, draw_dot, nn
from autograd.viz.elements import KINDS, Elements
from autograd.viz.select import collect

_NODE = re.compile(r"^\s+(\w+) \[", re.M)
_EDGE = re.compile(r"^\s+(\w+) -> (\w+) \[(.*)\]$", re.M)


def check(root: Value, **options: object) -> Elements:
    """Every claim of ``draw_dot(root).elements`` holds in its DOT text."""
    d = draw_dot(root, **options)  # type: ignore[arg-type]
    el, dot = d.elements, d.source
    assert el is not None
    order, kids = collect(root)
    declared = set(_NODE.findall(dot)) - {"node", "edge", "graph"}
    ids = {m[3]: (m[1], m[2]) for m in (re.match(r"(\w+) -> (\w+) \[.*?\bid=(e\d+)\b", line.strip())
                                        for line in dot.splitlines()) if m}  # fmt: skip
    assert len(el.box) == len(order)
    assert set(el.box) <= declared and set(el.kind) <= declared and set(el.kind.values()) <= set(KINDS)
    assert el.edges == ids, "every edge of the map is a DOT edge with that id, and back"
    for i, b in enumerate(el.box):
        assert (b == f"v{i}") == (f"v{i}" in declared), i
        assert el.kind[b] in ("value", "group", "inputs", "hidden")
        if b == f"v{i}" and kids[i]:
            assert i in el.uses and el.edges[el.output[i]] == (f"op{i}", b)
    for b, i in el.shows.items():
        assert el.box[i] == b
    for copy, b in el.copies.items():
        assert el.kind[copy] == "copy" and el.kind[b] in ("value", "group", "inputs")
    for i, es in el.uses.items():
        assert len(es) == len(kids[i])
        for pos, e in enumerate(es):
            c = kids[i][pos]
            if e is None:  # no edge: both ends in one box
                assert el.box[c] == el.box[i]
                continue
            tail, head = el.edges[e]
            if el.kind[el.box[c]] == "hidden":  # counted in the note of each box it feeds
                assert el.kind[tail] == "hidden", (i, pos, tail)
            else:
                assert el.copies.get(tail, tail) == el.box[c], (i, pos, tail)
            assert head == (f"op{i}" if i in el.output else el.box[i]), (i, pos, head)
    if "cluster_part" in dot:
        anchors = {n for n in declared if re.fullmatch(r"part\d+", n)}
        assert set(el.part) == declared - anchors
        for name in el.kind:
            assert f"\t\t{name} [" in dot and el.part[name] >= 0
    return el


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """Random graphs: shared values, repeated inputs, much-used inputs, long chains, some nn-like tags."""
    xs = [Value(draw(st.floats(-2, 2)), f"x{k}") for k in range(draw(st.integers(1, 4)))]
    pool = list(xs)
    for k in range(draw(st.integers(1, 30))):
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        kind = draw(st.sampled_from(["add", "mul", "tanh", "many", "chain"]))
        if kind == "add":
            v = a + b
        elif kind == "mul":
            v = a * b
        elif kind == "tanh":
            v = autograd.tanh(a)
        elif kind == "many":  # one input used more than three times by one op: a merged edge
            v = autograd.sum([a] * draw(st.integers(2, 6)) + [b])
        else:
            v = a
            for _ in range(draw(st.integers(5, 15))):
                v = v * 1.01 + b
        if draw(st.booleans()):
            v.tag = f"L{k % 2}.N{k % 3}"
        pool.append(v)
    return autograd.sum(pool[-3:])


@settings(max_examples=60, deadline=None)
@given(graphs(), st.sampled_from([None, 2, 5, 12, 40, 200]), st.sampled_from(["LR", "TB"]))
def test_elements_match_the_dot_text(root: Value, max_nodes: int | None, rankdir: str) -> None:
    check(root, max_nodes=max_nodes, rankdir=rankdir)


def test_a_merged_edge_draws_every_use() -> None:
    x = Value(0.5, "x")
    el = check(autograd.sum([x] * 1000))
    (edge,) = set(el.uses[0])
    assert edge is not None and el.edges[edge] == ("v1", "op0")
    assert el.stands_for("v1") == [1] and el.stands_for("op0") == [0]


def test_summaries_map_hidden_values_groups_merged_inputs_copies_and_parts() -> None:
    long = Value(0.5, "a")
    for _ in range(300):
        long = long * 1.01 + 0.5
    el = check(long)
    notes = [b for b, kind in el.kind.items() if kind == "hidden"]
    assert notes and sum(len(el.stands_for(b)) for b in notes) == 1201 - 200  # hidden values stand behind notes
    assert el.copies and len(set(el.part.values())) > 1
    model = nn.MLP(64, [16, 10], seed=0)
    out = model([0.01 * i for i in range(64)])
    assert isinstance(out, list)
    el = check(autograd.sum(out))
    (merged,) = [b for b, kind in el.kind.items() if kind == "inputs"]
    assert el.groups[merged] == "65 inputs" and len(el.stands_for(merged)) == 65
    assert {el.groups[b] for b, kind in el.kind.items() if kind == "group"} >= {"L0.N0", "L1.N9"}
