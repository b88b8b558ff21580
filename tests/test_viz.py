"""autograd.viz: DOT content, determinism, big and deep graphs, both renderers, errors."""

from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autograd
from autograd import Value, dot, tanh, viz
from autograd import sum as vsum
from autograd.engine import topological_order
from autograd.viz import RendererNotFoundError, RenderError, draw_dot, find_renderer, labels, render_source

IN_CI = bool(os.environ.get("CI"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Parameter(Value):
    """Stands in for autograd.nn.Parameter: viz recognises parameters by duck typing."""

    __slots__ = ()


def seed_example() -> tuple[Value, Value, Value, Value]:
    x, y = Value(3.0, "x"), Value(2.0, "y")
    t = x + y
    t.label = "t"
    z = t**2
    z.label = "z"
    z.backward()
    return x, y, t, z


def node_lines(source: str) -> dict[str, str]:
    """DOT node id -> its statement line."""
    out = {}
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) \[", line)
        if m and m.group(1) not in ("node", "edge", "graph"):
            out[m.group(1)] = line
    return out


def edges(source: str) -> list[tuple[str, str, str]]:
    """(tail, head, label) of every edge statement."""
    found = []
    for line in source.splitlines():
        m = re.match(r'\s*(\w+) -> (\w+)(?: \[(?:.*?label="([^"]*)")?.*\])?\s*$', line)
        if m:
            found.append((m.group(1), m.group(2), m.group(3) or ""))
    return found


def value_node(source: str, label: str) -> str:
    (line,) = [ln for ln in node_lines(source).values() if f"<b>{label}</b>" in ln]
    return line


# ---------------------------------------------------------------- DOT content


def test_seed_example_labels_data_and_grads() -> None:
    *_, z = seed_example()
    src = draw_dot(z).source
    assert "data 3</td><td>grad 10<" in value_node(src, "x")
    assert "data 2</td><td>grad 10<" in value_node(src, "y")
    assert "data 5</td><td>grad 10<" in value_node(src, "t")
    assert "data 25</td><td>grad 1<" in value_node(src, "z")
    ops = [ln for ln in node_lines(src).values() if ln.lstrip().startswith("op")]
    assert sorted(re.search(r'label="([^"]*)"', ln).group(1) for ln in ops) == ["*" + "*2", "+"]


def test_seed_example_edges_carry_local_derivative_values() -> None:
    *_, z = seed_example()
    labels = sorted(lab for _, _, lab in edges(draw_dot(z).source) if lab)
    assert labels == ["∂t/∂x = 1", "∂t/∂y = 1", "∂z/∂t = 10"]


def test_edge_structure_child_to_op_to_output() -> None:
    *_, z = seed_example()
    src = draw_dot(z).source
    ids = {lab: nid for nid, ln in node_lines(src).items() for lab in "xytz" if f"<b>{lab}</b>" in ln}
    es = {(a, b) for a, b, _ in edges(src)}
    assert (ids["t"], "op0") in es and ("op0", ids["z"]) in es
    assert (ids["x"], f"op{ids['t'][1:]}") in es and (ids["y"], f"op{ids['t'][1:]}") in es


def test_local_grads_off_and_generic_names() -> None:
    a, b = Value(2.0), Value(-3.0)
    out = a * b
    out.backward()
    assert all(lab == "" for *_, lab in edges(draw_dot(out, show_local_grads=False).source))
    assert sorted(lab for *_, lab in edges(draw_dot(out).source) if lab) == ["∂out/∂in1 = -3", "∂out/∂in2 = 2"]


def test_repeated_child_gets_one_edge_per_use() -> None:
    x = Value(3.0, "x")
    z = x * x
    z.label = "z"
    z.backward()
    assert [lab for *_, lab in edges(draw_dot(z).source) if lab] == ["∂z/∂x = 3", "∂z/∂x = 3"]
    assert "grad 6<" in value_node(draw_dot(z).source, "x")  # 3*1 + 3*1: the chain rule's sum


def random_graph(seed: int) -> Value:
    rnd = random.Random(seed)
    xs = [Value(rnd.uniform(-2, 2), f"x{i}") for i in range(4)]
    pool = list(xs)
    makers = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: tanh(a),
              lambda a, b: a.sigmoid() * b, lambda a, b: dot([a, b], [b, a]), lambda a, b: a**2]  # fmt: skip
    for k in range(25):
        a, b = rnd.choice(pool), rnd.choice(pool)
        v = rnd.choice(makers)(a, b)
        v.label = f"n{k}"
        pool.append(v)
    out = vsum(pool[-6:])
    out.label = "out"
    out.backward()
    return out


@pytest.mark.parametrize("seed", range(5))
def test_diagram_alone_proves_the_chain_rule(seed: int) -> None:
    """Reading only the DOT: every input's grad = sum over its edges of local x grad(output)."""
    root = random_graph(seed)
    src = draw_dot(root, precision=17, max_nodes=None).source
    grad = {nid: float(re.search(r">grad ([^<]+)<", ln).group(1))
            for nid, ln in node_lines(src).items() if nid.startswith("v")}  # fmt: skip
    op_out = {a: b for a, b, _ in edges(src) if a.startswith("op")}
    total: dict[str, float] = {}
    for tail, head, lab in edges(src):
        if head.startswith("op"):
            local = float(lab.rsplit("= ", 1)[1].split()[0])  # "= 0.7" or "= 2.8 (sum of 4 uses)"
            total[tail] = total.get(tail, 0.0) + local * grad[op_out[head]]
    assert total
    for nid, s in total.items():
        assert s == pytest.approx(grad[nid], rel=1e-9, abs=1e-12), nid


def test_show_order_numbers_ops_in_backward_order() -> None:
    root = random_graph(1)
    src = draw_dot(root, show_order=True, max_nodes=None).source
    steps = {int(m.group(2)): m.group(1) for m in re.finditer(r'(\w+) \[label="[^"]*\\nstep (\d+)"', src)}
    order = topological_order([root])
    assert sorted(steps) == list(range(1, len(order) + 1))
    assert steps[1] == "op0"  # the root's op goes first
    assert "step" not in draw_dot(root, max_nodes=None).source


def test_styles_parameters_leaves_root_and_rankdir() -> None:
    w = Parameter(0.5, "w")
    x = Value(2.0, "x")
    out = w * x + 1.0
    out.label = "out"
    out.backward()
    src = draw_dot(out, rankdir="TB").source
    assert "rankdir=TB" in src
    assert labels.PARAM_COLOR in value_node(src, "w")
    assert labels.LEAF_COLOR in value_node(src, "x")
    assert labels.ROOT_COLOR in value_node(src, "out") and 'border="2"' in value_node(src, "out")
    assert len({labels.PARAM_COLOR, labels.LEAF_COLOR, labels.ROOT_COLOR, labels.NODE_COLOR}) == 4
    assert "rankdir=LR" in draw_dot(out).source


def test_precision_and_create_graph_grads() -> None:
    x = Value(1.0 / 3.0, "x")
    y = x * x
    y.label = "y"
    y.backward(create_graph=True)  # x.grad is a Value now
    assert isinstance(x.grad, Value)
    src = draw_dot(y, precision=3).source
    assert "data 0.333</td><td>grad 0.667<" in value_node(src, "x")
    assert "data 0.33333333333333331</td>" in value_node(draw_dot(y, precision=17).source, "x")  # 17 digits


def test_user_text_is_escaped() -> None:
    x = Value(1.0, 'a"b\\c<d>{|}&e')
    z = tanh(x)
    z.label = "<z>"
    z.backward()
    src = draw_dot(z).source
    assert "<b>&lt;z&gt;</b>" in src and "a&quot;b\\c&lt;d&gt;{|}&amp;e" in src
    assert '∂<z>/∂a\\"b\\\\c<d>{|}&e = ' in src  # a plain (escaped) edge label, not HTML
    svg = render_source(src, "svg", viz.Renderer("graphviz-pure", pure_path()))
    ET.fromstring(svg)


def test_bad_arguments_are_refused_clearly() -> None:
    *_, z = seed_example()
    with pytest.raises(TypeError, match="output Value"):
        draw_dot([z])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(z, rankdir="XY")
    with pytest.raises(ValueError, match="significant digits"):
        draw_dot(z, precision=0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(z, max_nodes=0)
    with pytest.raises(ValueError, match="unsupported format"):
        draw_dot(z, format="jpg")


def test_exported_from_the_package() -> None:
    assert autograd.draw_dot is draw_dot


# ---------------------------------------------------------------- determinism


DETERMINISM_SCRIPT = """
import random
from autograd import Value, tanh, dot
from autograd.viz import draw_dot
rnd = random.Random(7)
xs = [Value(rnd.uniform(-1, 1), f"x{i}") for i in range(5)]
h = [tanh(dot([Value(rnd.uniform(-1, 1)) for _ in xs], xs)) for _ in range(4)]
out = sum(h[1:], h[0]) * h[0]
out.backward()
print(draw_dot(out, show_order=True).source, end="")
print(draw_dot(out, max_nodes=5).source, end="")
"""


def test_dot_is_byte_identical_across_processes() -> None:
    outs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        proc = subprocess.run([sys.executable, "-c", DETERMINISM_SCRIPT], env=env, capture_output=True, check=True)
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert b"0x" not in outs[0]


def test_dot_is_identical_twice_and_ids_are_numbered() -> None:
    root = random_graph(2)
    a, b = draw_dot(root).source, draw_dot(root).source
    assert a == b
    ids = {re.sub(r"_copy\d+$", "", nid) for nid in node_lines(a)}  # a copy is named after its Value
    parts = {f"part{p}" for p in range(10)}  # the anchors of the parts of a long picture
    assert ids <= {f"v{i}" for i in range(200)} | {f"op{i}" for i in range(200)} | parts
    assert str(id(root)) not in a


# ---------------------------------------------------------------- big and deep graphs


def mlp_like(batch: int, sizes: tuple[int, ...] = (2, 16, 16, 1), seed: int = 0) -> Value:
    """An MLP graph shaped like autograd.nn's: one dot node per neuron, nodes and parameters tagged 'L1.N3'."""
    rnd = random.Random(seed)
    layers = []
    for li, (a, b) in enumerate(itertools.pairwise(sizes), 1):
        layer = []
        for ni in range(b):
            ws = [Parameter(rnd.uniform(-1, 1)) for _ in range(a + 1)]
            for w in ws:
                w.tag = f"L{li}.N{ni}"
            layer.append(ws)
        layers.append(layer)
    losses = []
    for _ in range(batch):
        h = [Value(rnd.uniform(-1, 1), "x") for _ in range(sizes[0])]
        for li, layer in enumerate(layers, 1):
            nxt = []
            for ni, ws in enumerate(layer):
                act = dot(ws, [*h, Value(1.0)])
                act.tag = f"L{li}.N{ni}"
                if li < len(layers):
                    act = tanh(act)
                    act.tag = f"L{li}.N{ni}"
                nxt.append(act)
            h = nxt
        losses.append((h[0] - 1.0) ** 2)
    loss = vsum(losses)
    loss.backward()
    return loss


def drawn_units(source: str) -> list[str]:
    """The Values and groups drawn (not the copies of far-used ones)."""
    return [nid for nid in node_lines(source) if nid.startswith(("v", "g")) and "_copy" not in nid]


def test_mlp_collapses_by_neuron_scope() -> None:
    loss = mlp_like(batch=1)
    d = draw_dot(loss)
    assert d.n_nodes > 200 and d.mode == "scope" and d.n_hidden == 0
    src = d.source
    groups = re.findall(r"<b>(L\d\.N\d+)</b>", src)
    assert sorted(groups) == sorted(f"L{li}.N{n}" for li, size in ((1, 16), (2, 16), (3, 1)) for n in range(size))
    assert "17 parameters" in src and "3 parameters" in src  # a neuron's weights and bias join its group
    assert labels.PARAM_COLOR not in src  # no parameter is drawn on its own
    assert len(drawn_units(src)) <= 200
    assert "summary of" in src and "nodes hidden" not in src


def test_full_drawing_below_max_nodes_even_with_scopes() -> None:
    loss = mlp_like(batch=1, sizes=(2, 2, 1))
    d = draw_dot(loss)
    assert d.mode == "full" and "<b>L1.N0</b>" not in d.source
    assert len([n for n in drawn_units(d.source) if n.startswith("v")]) == d.n_nodes


def test_batch_of_mlp_collapses_by_layer_then_caps() -> None:
    loss = mlp_like(batch=300)
    d = draw_dot(loss, max_nodes=60)
    src = d.source
    assert d.mode == "scope+truncated" and d.n_hidden > 0
    assert {"L1", "L2", "L3"} <= set(re.findall(r"<b>(L\d)</b>", src))
    assert len(drawn_units(src)) <= 60
    assert f"{d.n_hidden:,} nodes hidden (max_nodes=60)" in src


def test_untagged_graph_is_truncated_with_a_visible_note() -> None:
    root = random_graph(3)
    d = draw_dot(root, max_nodes=10)
    assert d.mode == "truncated"
    assert len(drawn_units(d.source)) == 10
    assert d.n_hidden == d.n_nodes - 10
    assert f"{d.n_hidden:,} nodes hidden (max_nodes=10)" in d.source
    assert any(a.startswith("hidden") for a, _, _ in edges(d.source))


def chain(depth: int) -> Value:
    x = Value(0.5, "x")
    v = x
    for _ in range(depth):
        v = v * 1.0001 + 0.001
    v.label = "out"
    v.backward()
    return v


def test_5000_deep_chain_has_no_recursion_error() -> None:
    root = chain(2500)  # 2 ops per step: 5,000 op nodes deep
    full = draw_dot(root, max_nodes=None, show_order=True)
    assert full.n_nodes == 1 + 2500 * 4 and full.mode == "full"
    assert full.source.count("->") == 2500 * 2 * 3
    capped = draw_dot(root)
    assert capped.mode == "truncated" and capped.n_hidden == capped.n_nodes - 200


def test_100k_node_graph_gives_a_summary() -> None:
    root = chain(25_000)  # 100,001 Values
    d = draw_dot(root)
    assert d.n_nodes == 100_001 and len(drawn_units(d.source)) == 200
    assert "99,801 nodes hidden" in d.source


# ---------------------------------------------------------------- rendering


def pure_path() -> str:
    p = viz._find_pure()
    if p is None:
        pytest.fail("graphviz-pure is a dependency but its binary was not found", pytrace=False)
    return p


@pytest.fixture
def no_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide system dot: PATH holds only an empty folder (graphviz-pure is found via sysconfig)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("AUTOGRAD_RENDERER", raising=False)
    assert shutil.which("dot") is None


@pytest.fixture
def system_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOGRAD_RENDERER", raising=False)
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("CI must install Graphviz (apt-get install graphviz) for the system-dot path")
        pytest.skip("system Graphviz 'dot' is not installed")


def check_svg(data: bytes) -> None:
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    assert "∂z/∂t = 10" in data.decode("utf-8")


@pytest.mark.usefixtures("no_system_dot")
def test_graphviz_pure_renders_svg_and_png(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    *_, z = seed_example()
    d = draw_dot(z)
    assert find_renderer("svg").name == "graphviz-pure"
    check_svg(d.pipe("svg"))
    assert d.pipe("png").startswith(PNG_MAGIC)
    out = d.render(tmp_path / "chain.png")
    assert out == tmp_path / "chain.png" and out.read_bytes().startswith(PNG_MAGIC)
    check_svg(d.save(tmp_path / "chain.svg").read_bytes())
    assert capfd.readouterr().err == ""  # its non-ASCII width warnings stay captured


@pytest.mark.usefixtures("system_dot")
def test_system_dot_renders_svg_png_pdf(tmp_path: Path) -> None:
    *_, z = seed_example()
    d = draw_dot(z)
    assert find_renderer("svg").name == "dot"
    check_svg(d.pipe("svg"))
    assert d.pipe("png").startswith(PNG_MAGIC)
    assert d.render(tmp_path / "chain.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.usefixtures("system_dot")
def test_autograd_renderer_forces_graphviz_pure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRAD_RENDERER", "graphviz-pure")
    assert find_renderer("png").name == "graphviz-pure"
    with pytest.raises(RendererNotFoundError, match="graphviz-pure renders svg and png, not pdf"):
        find_renderer("pdf")
    monkeypatch.setenv("AUTOGRAD_RENDERER", "dot")
    assert find_renderer("svg").name == "dot"
    monkeypatch.setenv("AUTOGRAD_RENDERER", "cairo")
    with pytest.raises(RenderError, match="'dot' or 'graphviz-pure'"):
        find_renderer("svg")


@pytest.mark.usefixtures("no_system_dot")
def test_forced_dot_without_dot_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRAD_RENDERER", "dot")
    with pytest.raises(RendererNotFoundError, match="AUTOGRAD_RENDERER=dot but there is no 'dot'"):
        find_renderer("svg")


@pytest.mark.usefixtures("no_system_dot")
def test_pdf_without_system_dot_keeps_the_dot_file(tmp_path: Path) -> None:
    *_, z = seed_example()
    with pytest.raises(RendererNotFoundError, match="apt-get install graphviz") as e:
        draw_dot(z).render(tmp_path / "chain.pdf")
    assert str(tmp_path / "chain.dot") in str(e.value)
    assert (tmp_path / "chain.dot").read_text(encoding="utf-8") == draw_dot(z).source
    assert not (tmp_path / "chain.pdf").exists()


@pytest.mark.usefixtures("no_system_dot")
def test_no_renderer_at_all_names_both_fixes_and_keeps_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(viz, "_scripts_dirs", lambda: [])
    *_, z = seed_example()
    d = draw_dot(z)
    with pytest.raises(RendererNotFoundError) as e:
        d.render(tmp_path / "chain.svg")
    msg = str(e.value)
    assert "apt-get install graphviz" in msg and "pip install graphviz-pure" in msg
    assert (tmp_path / "chain.dot").read_text(encoding="utf-8") == d.source
    assert not (tmp_path / "chain.svg").exists()
    with pytest.raises(RendererNotFoundError):
        d.pipe("png")
    bundle = d._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "pip install graphviz-pure" in bundle["text/plain"]
    assert d.source.startswith("digraph")  # the DOT never needs a renderer


@pytest.mark.usefixtures("no_system_dot")
def test_jupyter_display_works_without_system_graphviz() -> None:
    *_, z = seed_example()
    bundle = draw_dot(z)._repr_mimebundle_()
    check_svg(bundle["image/svg+xml"].encode("utf-8"))
    svg = draw_dot(z)._repr_svg_()
    assert svg is not None
    check_svg(svg.encode("utf-8"))
    assert draw_dot(z, format="png")._repr_mimebundle_()["image/png"].startswith(PNG_MAGIC)


def test_render_picks_the_format_from_the_suffix(tmp_path: Path) -> None:
    *_, z = seed_example()
    d = draw_dot(z, format="dot")
    assert d.render(tmp_path / "g").read_text(encoding="utf-8") == d.source  # no suffix: format's
    assert d.render(tmp_path / "g.gv").suffix == ".gv"
    assert d.pipe() == d.source.encode("utf-8")
    with pytest.raises(ValueError, match=r"unsupported file suffix '\.jpg'"):
        d.render(tmp_path / "g.jpg")


def test_render_takes_graphviz_style_calls(tmp_path: Path) -> None:
    *_, z = seed_example()
    d = draw_dot(z)
    out = d.render(filename="gout", directory=tmp_path, format="svg", cleanup=True)  # micrograd notebooks
    assert out == tmp_path / "gout.svg" and sorted(p.name for p in tmp_path.iterdir()) == ["gout.svg"]
    with pytest.raises(TypeError, match="needs a file name"):
        d.render()


def broken_dot(tmp_path: Path) -> str:
    fake = tmp_path / "dot"
    fake.write_text('#!/bin/sh\necho "Format: \\"png\\" not recognized" >&2\nexit 1\n')
    fake.chmod(0o755)
    return str(fake)


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for a broken dot")
def test_a_broken_system_dot_falls_back_to_graphviz_pure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AUTOGRAD_RENDERER", raising=False)
    monkeypatch.setattr(viz, "_find_dot", lambda: broken_dot(tmp_path))
    *_, z = seed_example()
    assert draw_dot(z).pipe("png").startswith(PNG_MAGIC)
    monkeypatch.setenv("AUTOGRAD_RENDERER", "dot")  # forced: its own error, no fallback
    with pytest.raises(RenderError, match='dot failed to render png: Format: "png" not recognized'):
        draw_dot(z).pipe("png")


def test_renderer_failure_is_a_clear_error() -> None:
    with pytest.raises(RenderError, match="graphviz-pure failed to render svg"):
        render_source("digraph { a -> }", "svg", viz.Renderer("graphviz-pure", pure_path()))


def test_real_nn_mlp_collapses_by_scope() -> None:
    nn = pytest.importorskip("autograd.nn", reason="autograd.nn has not landed yet")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    d = draw_dot(loss)
    assert d.mode == "scope" and d.n_hidden == 0
    groups = set(re.findall(r"<b>(L\d\.N\d+)</b>", d.source))
    assert len(groups) == 16 + 16 + 1
    assert labels.PARAM_COLOR not in d.source  # parameters sit inside their neuron's group
    batch = autograd.sum([(model([0.1 * i, -0.2 * i]) - 1.0) ** 2 for i in range(100)])
    batch.backward()
    d = draw_dot(batch)
    assert d.mode == "scope+truncated" and len(drawn_units(d.source)) <= 200
    assert set(re.findall(r"<b>(L\d)</b>", d.source)) == {"L0", "L1", "L2"}


# ---------------------------------------------------------------- renderer time limit


def hanging_dot(tmp_path: Path) -> tuple[str, Path]:
    """A 'dot' that never finishes and starts a child of its own; it writes both PIDs to a file."""
    pids = tmp_path / "pids"
    fake = tmp_path / "dot"
    fake.write_text(f'#!/bin/sh\nsleep 60 >/dev/null 2>&1 </dev/null &\necho "$$ $!" > "{pids}"\nwait\n')
    fake.chmod(0o755)
    return str(fake), pids


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a shell script stands in for a hanging dot; /proc")
def test_a_hanging_renderer_is_stopped_with_its_children(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake, pids = hanging_dot(tmp_path)
    monkeypatch.setattr(viz, "_find_dot", lambda: fake)
    monkeypatch.setenv("AUTOGRAD_RENDERER", "dot")
    *_, z = seed_example()
    d = draw_dot(z)
    with pytest.raises(viz.RenderTimeoutError, match=r"dot did not finish rendering svg within 0\.5 s") as e:
        d.render(tmp_path / "chain.svg", timeout=0.5)
    assert "max_nodes" in str(e.value) and "AUTOGRAD_RENDER_TIMEOUT" in str(e.value)
    assert str(tmp_path / "chain.dot") in str(e.value)
    assert (tmp_path / "chain.dot").read_text(encoding="utf-8") == d.source
    assert not (tmp_path / "chain.svg").exists()
    shell, child = map(int, pids.read_text().split())
    for _ in range(100):  # the kill is immediate, but /proc may lag behind a moment
        if not alive(shell) and not alive(child):
            break
        time.sleep(0.05)
    survivors = [pid for pid in (shell, child) if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a shell script stands in for a hanging dot")
def test_time_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake, _ = hanging_dot(tmp_path)
    monkeypatch.setattr(viz, "_find_dot", lambda: fake)
    monkeypatch.setenv("AUTOGRAD_RENDERER", "dot")
    monkeypatch.setenv("AUTOGRAD_RENDER_TIMEOUT", "0.3")
    *_, z = seed_example()
    with pytest.raises(viz.RenderTimeoutError, match=r"within 0\.3 s"):
        draw_dot(z).pipe("svg")
    assert draw_dot(z)._repr_svg_() is None  # a display hook must not raise


def test_time_limit_values_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert viz.render_timeout() == viz.DEFAULT_TIMEOUT == 30.0
    assert viz.render_timeout(2) == 2.0
    for bad in (0, -1, float("nan"), float("inf"), True, "5"):
        with pytest.raises(ValueError, match="timeout is a number of seconds > 0"):
            viz.render_timeout(bad)  # type: ignore[arg-type]
    monkeypatch.setenv("AUTOGRAD_RENDER_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="AUTOGRAD_RENDER_TIMEOUT='soon' is not a number of seconds"):
        viz.render_timeout()
    monkeypatch.setenv("AUTOGRAD_RENDER_TIMEOUT", "45")
    assert viz.render_timeout() == 45.0
