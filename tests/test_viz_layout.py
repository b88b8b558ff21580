"""Big pictures stay quick to lay out and fit one screen (issue 11, items 10 and 18).

Render times are measured by hand and written in docs/diagrams.md; these
tests assert what makes them short (bounded edges, bends and parts) and that
rendering succeeds with both backends, never a time.
"""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, cli, nn, tanh, viz
from autograd.viz import draw_dot, layout
from autograd.viz.select import EDGES_PER_NODE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 4000


def horner(degree: int) -> Value:
    """p(x) = (((1·x + 1)·x + 2)·x + ...): x feeds every multiplication along the chain."""
    x = Value(0.5, "x")
    p = Value(1.0)
    for k in range(degree):
        p = p * x + float(k % 7 + 1)
    p.label = "p"
    p.backward()
    return p


def repeated_sum(terms: int) -> Value:
    """x + x + ... + x, as Python writes it: a chain of adds, each using x."""
    x = Value(2.0, "x")
    s = x
    for _ in range(terms - 1):
        s = s + x
    s.label = "s"
    s.backward()
    return s


def mlp_sample() -> Value:
    model = nn.MLP(64, [16, 10], seed=0)
    out = autograd.sum(model([0.01 * i for i in range(64)]))
    out.backward()
    return out


def mlp_batch(size: int) -> Value:
    model = nn.MLP(2, [16, 16, 1], seed=1)
    loss = autograd.sum([(model([0.1 * i, -0.05 * i]) - 1.0) ** 2 for i in range(size)])
    loss.backward()
    return loss


def long_chain(steps: int) -> Value:
    v = Value(0.5, "x")
    for _ in range(steps):
        v = v * 1.0001 + 0.001
    v.backward()
    return v


def wide_sum(groups: int, terms: int) -> Value:
    """A sum of sums of products: the summary's ranks are wide."""
    out = autograd.sum([autograd.sum([Value(0.1 * i) * Value(0.2 * j) for j in range(terms)]) for i in range(groups)])
    out.backward()
    return out


BIG = {
    "horner-200": lambda: horner(200),
    "x+x+...-1000": lambda: repeated_sum(1000),
    "mlp-64-16-10": mlp_sample,
}
SUMMARIES = {
    **BIG,
    "chain-5000": lambda: long_chain(5000),
    "wide-sum-30x30": lambda: wide_sum(30, 30),
    "mlp-2-16-16-1-batch-50": lambda: mlp_batch(50),
}


def edge_lines(source: str) -> list[str]:
    return [ln for ln in source.splitlines() if re.match(r"\s*\w+ -> \w+", ln) and "style=invis" not in ln]


def bends(source: str) -> int:
    """Ranks crossed by edges drawn as lines, from their minlen (what dot must route around)."""
    return sum(int(m) - 1 for m in re.findall(r"minlen=(\d+)", source))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG header's IHDR chunk."""
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def renderers() -> list[viz.Renderer]:
    found = [viz.Renderer("graphviz-pure", viz._find_pure() or "")]
    if shutil.which("dot"):
        found.append(viz.Renderer("dot", shutil.which("dot") or ""))
    return found


# ---------------------------------------------------------------- item 10: bounded layout


@pytest.mark.parametrize("name", list(BIG))
def test_big_graphs_have_bounded_edges_and_bends(name: str) -> None:
    d = draw_dot(BIG[name]())
    src = d.source
    assert len(edge_lines(src)) <= (EDGES_PER_NODE + 2) * 200  # edges, copies' edges and op outputs
    assert bends(src) <= layout.MAX_BENDS
    assert d.mode != "full"  # each is summarised


def test_a_value_used_all_along_a_chain_gets_copies() -> None:
    src = draw_dot(horner(200)).source
    copies = re.findall(r'(\w+)_copy\d+ \[label="#(\d+)  x  data 0\.5  \(copy\)"', src)
    assert len(copies) >= 2
    (original,) = {node for node, _ in copies}
    (ref,) = {r for _, r in copies}
    assert re.search(rf"{original} \[label=<.*<td>#{ref}</td><td><b>x</b></td>", src)  # the real box says #k too


def test_a_much_used_input_gets_one_summed_edge() -> None:
    x = Value(2.0, "x")
    s = autograd.sum([x] * 1000)
    s.label = "s"
    s.backward()
    src = draw_dot(s).source
    (edge,) = edge_lines(src)[1:]  # after op -> value
    assert 'label="∂s/∂x = 1000 (sum of 1,000 uses)"' in edge and "penwidth=2" in edge
    assert "grad 1000<" in src
    y = Value(3.0, "y")
    z = y * y  # up to three uses keep an edge each: the product rule stays visible
    z.backward()
    assert draw_dot(z).source.count("∂out/∂y = 3") == 2


def test_max_nodes_none_draws_plainly() -> None:
    src = draw_dot(horner(30), max_nodes=None).source
    assert "_copy" not in src and "minlen" not in src and "cluster" not in src and "\tsize=" not in src


@pytest.mark.parametrize("name", list(BIG))
@pytest.mark.parametrize("renderer", renderers(), ids=lambda r: r.name)
def test_big_graphs_render(name: str, renderer: viz.Renderer) -> None:
    d = draw_dot(BIG[name]())
    svg = viz.render_source(d.source, "svg", renderer)  # PNGs: test_summaries_fit_a_screen
    assert svg.lstrip().startswith(b"<?xml") and b"</svg>" in svg


def test_cli_graph_of_a_long_horner_polynomial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    formula = "1"
    for k in range(200):
        formula = f"({formula})*x + {k % 7 + 1}"
    out = tmp_path / "horner.svg"
    assert cli.main(["graph", formula, "--at", "x=0.5", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out and out.read_bytes().rstrip().endswith(b"</svg>")


@st.composite
def shared_value_graphs(draw: st.DrawFn) -> Value:
    """Chains and trees in which a few values feed ops all over the graph."""
    shared = [Value(draw(st.floats(-1, 1)), f"s{i}") for i in range(draw(st.integers(1, 3)))]
    pool = list(shared)
    for _ in range(draw(st.integers(50, 400))):
        a = pool[-1] if draw(st.booleans()) else draw(st.sampled_from(pool))
        b = draw(st.sampled_from(shared)) if draw(st.booleans()) else draw(st.sampled_from(pool))
        pool.append(draw(st.sampled_from([a + b, a * b, tanh(a) + b])))
    root = pool[-1]
    root.backward()
    return root


@settings(max_examples=25, deadline=None)
@given(shared_value_graphs(), st.sampled_from(["LR", "TB"]), st.integers(20, 200))
def test_layout_bounds_hold_for_any_graph(root: Value, rankdir: str, max_nodes: int) -> None:
    """Bends stay within the budget; parts are joined only through copies; each copy points at a real box."""
    src = draw_dot(root, rankdir=rankdir, max_nodes=max_nodes).source
    assert bends(src) <= layout.MAX_BENDS
    assert len(edge_lines(src)) <= (EDGES_PER_NODE + 2) * max_nodes
    part_of: dict[str, str] = {}
    current = ""
    for line in src.splitlines():
        m = re.match(r"\s*subgraph (cluster_part\d+)", line)
        if m:
            current = m.group(1)
        n = re.match(r"\s*(\w+) \[", line)
        if n and current:
            part_of[n.group(1)] = current
    for line in edge_lines(src):
        tail, head = re.match(r"\s*(\w+) -> (\w+)", line).groups()  # type: ignore[union-attr]
        assert part_of.get(tail) == part_of.get(head), line
    refs = set(re.findall(r"<td>#(\d+)</td>", src))
    assert set(re.findall(r'_copy\d+ \[label="#(\d+)', src)) <= refs


# ---------------------------------------------------------------- item 18: fits a screen


@pytest.mark.parametrize("name", list(SUMMARIES))
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("renderer", renderers(), ids=lambda r: r.name)
def test_summaries_fit_a_screen(name: str, rankdir: str, renderer: viz.Renderer) -> None:
    d = draw_dot(SUMMARIES[name](), rankdir=rankdir)
    width, height = png_size(viz.render_source(d.source, "png", renderer))
    assert max(width, height) <= MAX_PIXELS + 1, (width, height)
    assert min(width, height) >= 200  # drawn, not a sliver


def svg_part_titles(svg: bytes) -> list[tuple[float, float, int]]:
    """(x, y, part number) of each part's title in an SVG."""
    found = re.findall(r'<text[^>]*x="([-\d.]+)" y="([-\d.]+)"[^>]*>part (\d+) of', svg.decode("utf-8"))
    return [(float(x), float(y), int(k)) for x, y, k in found]


@pytest.mark.parametrize("renderer", renderers(), ids=lambda r: r.name)
def test_parts_read_in_order(renderer: viz.Renderer) -> None:
    """Left to right: parts stack downwards, the output's part last; top to bottom: they go rightwards."""
    root = long_chain(3000)
    lr = svg_part_titles(viz.render_source(draw_dot(root).source, "svg", renderer))
    assert len(lr) >= 3
    assert [k for *_, k in sorted(lr, key=lambda t: t[1])] == sorted(k for *_, k in lr)
    tb = svg_part_titles(viz.render_source(draw_dot(root, rankdir="TB").source, "svg", renderer))
    assert len(tb) >= 2
    assert [k for *_, k in sorted(tb, key=lambda t: t[0])] == sorted(k for *_, k in tb)
    assert "(the output)" in draw_dot(root).source
