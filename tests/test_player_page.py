"""The player page without a browser: self-contained, small, deterministic; options; views; CLI."""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

import autograd
from autograd import Value, cli, draw_dot, nn
from autograd.playback import Player, layout, player
from autograd.playback.schedule import graph_nodes


def chain() -> Value:
    x, y = Value(3.0, "x"), Value(2.0, "y")
    t = x + y
    t.label = "t"
    z = t**2
    z.label = "z"
    return z


def mlp_loss(samples: int = 4, sizes: tuple[int, ...] = (4, 4, 1)) -> Value:
    model = nn.MLP(2, list(sizes), seed=0)
    xs = [[0.5 * k - 1.0, 1.0 - 0.25 * k] for k in range(samples)]
    return nn.mse_loss([model(x) for x in xs], [(-1.0) ** k for k in range(samples)])


def page_data(page: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="ag-data">(.*?)</script>', page, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def view_svg(doc: dict[str, Any]) -> str:
    return gzip.decompress(base64.b64decode(doc["svgz"])).decode("utf-8")


def view_maps(doc: dict[str, Any]) -> dict[str, Any]:
    """What stands for each node in a view of the page (layout.View.to_json)."""
    return json.loads(gzip.decompress(base64.b64decode(doc["mapz"])))  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the file


def test_page_is_self_contained_and_small() -> None:
    page = player(chain(), title="z = (x + y)**2").html()
    assert len(page.encode()) < 100_000
    assert "<link" not in page and "@import" not in page and "<iframe" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page), "a resource from the network"
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)
    assert "fetch(" not in page and "XMLHttpRequest" not in page and "import(" not in page
    data = page_data(page)
    assert data["schedule"] == player(chain()).schedule
    assert data["options"] == {"precision": 4, "quiz": None}
    assert 'data-k="v2-&gt;op1"' in view_svg(data["views"][0])  # edges keyed by draw_dot's node names


def test_page_is_deterministic() -> None:
    assert player(chain()).html() == player(chain()).html()


@pytest.mark.slow
def test_a_thousand_node_page_is_at_most_3_mb() -> None:
    loss = mlp_loss(samples=9, sizes=(16, 16, 1))
    n = len(graph_nodes(loss)[0])
    assert 900 <= n <= 1100
    page = player(loss).html()
    assert len(page.encode()) <= 3_000_000, f"{len(page.encode()):,} bytes for {n} nodes"


def test_save_and_jupyter_iframe(tmp_path: Path) -> None:
    p = player(chain())
    out = p.save(tmp_path / "chain.html")
    assert out.read_text(encoding="utf-8") == p.html()
    frame = p._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame)
    assert srcdoc and html.unescape(srcdoc.group(1)) == p.html()
    with pytest.raises(ValueError, match=r"ending in \.html"):
        p.save(tmp_path / "chain.svg")


def test_labels_are_escaped_in_the_data_block() -> None:
    a = Value(2.0, "</script><script>alert(1)</script>")
    b = Value(1.0, "<!-- x")
    page = player(a * b).html()
    block = page[page.index('id="ag-data">'):]
    block = block[: block.index("</script>")]
    assert "<script" not in block and "<!--" not in block
    assert page_data(page)["schedule"]["nodes"][1]["label"] == "</script><script>alert(1)</script>"


# ---------------------------------------------------------------- options


def test_options_are_draw_dots_and_checked() -> None:
    z = chain()
    with pytest.raises(TypeError, match=r"unknown option.*'colour'.*rankdir"):
        player(z, colour="red")
    with pytest.raises(ValueError, match="rankdir must be 'LR'"):
        player(z, rankdir="RL")
    with pytest.raises(ValueError, match="quiz must be"):
        player(z, quiz="maybe")
    with pytest.raises(ValueError, match="max_views"):
        player(z, max_views=-1)
    with pytest.raises(TypeError, match="output Value"):
        player(3.0)  # type: ignore[arg-type]
    assert player(z, quiz=True).quiz == "grad" and player(z, quiz="local").quiz == "local"


def test_draw_dot_player_keeps_the_diagrams_options() -> None:
    z = chain()
    p = draw_dot(z, rankdir="TB", precision=3, show_order=True).player()
    assert isinstance(p, Player) and p.root is z
    assert p.options == {"rankdir": "TB", "show_local_grads": True, "show_order": True, "precision": 3,
                         "max_nodes": 200}  # fmt: skip
    assert draw_dot(z, precision=3).player(precision=6, quiz=True).options["precision"] == 6
    data = page_data(p.html())
    assert data["options"]["precision"] == 3
    assert "step 1" in view_svg(data["views"][0])  # show_order reached the layout


# ---------------------------------------------------------------- views of a big graph


def test_views_map_every_node_to_a_drawn_element() -> None:
    loss = mlp_loss()
    nodes, inputs = graph_nodes(loss)
    widest = ["0"] * len(nodes)
    views = layout.build_views(loss, nodes, inputs, {"max_nodes": 40}, widest)
    assert len(views) > 3 and views[0].groups, "the main view is collapsed into groups"
    for k, view in enumerate(views):
        assert_view_maps_every_node(view, inputs, f"view {k}")
        for ki, target in view.opens.items():
            assert view.kinds[ki] == "group" and -1 <= target < len(views)
        assert 'class="node" data-k="' in view.svg and "<!--" not in view.svg
    # Opening a group shows its members one level finer: its own values, or its neurons.
    first = next(ki for ki, kind in enumerate(views[0].kinds) if kind == "group")
    inside = views[views[0].opens[first]]
    assert {"upstream", "downstream"} <= set(inside.groups.values())
    assert any(k.startswith("v") for k in inside.keys) or len(inside.groups) > 3
    assert inside.opens[next(k for k, n in inside.groups.items() if n == "upstream")] == inside.parent


def assert_view_maps_every_node(view: layout.View, inputs: list[list[int]], where: str) -> None:
    """Every node has a drawn element, every drawn use an edge between the elements of its two ends."""
    declared = set(re.findall(r"^\s+(\w+) \[", view.dot, re.M))
    edge_ids = {e: tail for tail, e in re.findall(r"^\s+(\w+) -> \w+ \[.*?\bid=(e\d+)\b", view.dot, re.M)}
    heads = {e: head for head, e in re.findall(r"^\s+\w+ -> (\w+) \[.*?\bid=(e\d+)\b", view.dot, re.M)}
    assert set(view.keys) <= declared and len(view.unit) == len(inputs)
    for i, u in enumerate(view.unit):
        assert 0 <= u < len(view.keys), f"{where} shows nothing for node {i}"
        key = view.keys[u]
        assert key == f"v{i}" or key.startswith(("g", "hidden")), (where, i, key)
        if f"v{i}" in declared:
            assert key == f"v{i}"
    for ki, i in view.shows.items():
        line = re.search(rf"^\s+{view.keys[ki]} \[.*$", view.dot, re.M)
        assert view.unit[i] == ki and line and (view.keys[ki] == f"v{i}" or "out data" in line[0])
    for p, ks in view.uses.items():
        assert len(ks) == len(inputs[p])
        for pos, k in enumerate(ks):
            c = inputs[p][pos]
            if k < 0:  # no edge: both ends in one box
                assert view.unit[c] == view.unit[p], (where, p, pos)
                continue
            tail, head = edge_ids[f"e{k}"], heads[f"e{k}"]
            if view.kinds[view.unit[c]] == "hidden":  # counted in the note of each box it feeds
                assert tail.startswith("hidden")
            else:
                assert tail == view.keys[view.unit[c]] or view.keys[view.copies[tail]] == view.keys[view.unit[c]]
            assert (tail in view.copies or tail.startswith("hidden")) == (k in view.tails)
            assert head == (f"op{p}" if p in view.output else view.keys[view.unit[p]]), (where, p, pos, head)
    for p, k in view.output.items():
        assert (edge_ids[f"e{k}"], heads[f"e{k}"]) == (f"op{p}", f"v{p}")


def long_chain(steps: int = 300) -> Value:
    """Untagged and above max_nodes: the part nearest the output, in parts, with copies and hidden notes."""
    v = Value(0.5, "a")
    for _ in range(steps):
        v = v * 1.01 + 0.5
    return v


def horner(degree: int = 60) -> Value:
    """x feeds every multiplication of a long chain: far uses drawn as copies."""
    x = Value(0.5, "x")
    p = Value(1.0)
    for k in range(degree):
        p = p * x + float(k % 7 + 1)
    return p


def wide_mlp() -> Value:
    """MLP(64, [16, 10]) on one sample: its 64 inputs and the constant 1 merged into one box."""
    model = nn.MLP(64, [16, 10], seed=0)
    return autograd.sum(model([0.01 * i for i in range(64)]))


@pytest.mark.parametrize("make, expect", [
    (long_chain, ("hidden", "_copy", "cluster_part")),
    (horner, ("_copy",)),
    (lambda: autograd.sum([Value(0.5, "x")] * 1000), ("(sum of 1,000 uses)",)),
    (wide_mlp, ("65 inputs",)),
])  # fmt: skip
def test_every_kind_of_summary_maps_every_node_and_use(make: Any, expect: tuple[str, ...]) -> None:
    root = make()
    nodes, inputs = graph_nodes(root)
    views = layout.build_views(root, nodes, inputs, {}, ["0"] * len(nodes), limit=2)
    for word in expect:
        assert word in views[0].dot
    for k, view in enumerate(views):
        assert_view_maps_every_node(view, inputs, f"view {k}")


def test_tags_and_grads_are_restored_even_when_drawing_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    loss = mlp_loss()
    nodes, inputs = graph_nodes(loss)
    tags = [v.tag for v in nodes]
    grads = [v.grad for v in nodes]
    final = [float(n["grad"]) for n in player(loss).schedule["nodes"]]
    layout.build_views(loss, nodes, inputs, {"max_nodes": 40}, ["0"] * len(nodes), final=final)
    assert [v.tag for v in nodes] == tags and [v.grad for v in nodes] == grads
    calls = []
    real = layout.draw_dot

    def failing(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        assert [v.grad for v in nodes] == final  # drawn with the pass the page plays
        if len(calls) == 2:  # the first inside view, drawn under the temporary tags
            assert any(v.tag in layout.CONTEXT for v in nodes)
            raise RuntimeError("boom")
        return real(*args, **kw)

    monkeypatch.setattr(layout, "draw_dot", failing)
    with pytest.raises(RuntimeError, match="boom"):
        layout.build_views(loss, nodes, inputs, {"max_nodes": 40}, ["0"] * len(nodes), final=final)
    assert [v.tag for v in nodes] == tags and [v.grad for v in nodes] == grads


def test_the_page_draws_the_pass_it_plays_not_earlier_ones() -> None:
    z = chain()
    z.backward()
    z.backward()  # the leaves hold 20: draw_dot marks them "grad includes earlier passes"
    assert "earlier passes" in draw_dot(z).source
    nodes, _ = graph_nodes(z)
    svg = view_svg(page_data(player(z).html())["views"][0])
    assert "earlier passes" not in svg and svg.count(">grad 10<") == 3
    assert [v.grad for v in nodes] == [1.0, 10.0, 20.0, 20.0]  # untouched


def test_max_views_limits_the_groups_that_open() -> None:
    loss = mlp_loss()
    data = page_data(player(loss, max_nodes=40, max_views=0).html())
    assert len(data["views"]) == 1
    assert set(view_maps(data["views"][0])["opens"].values()) == {-1}
    assert layout.max_views(5_000) == 20 and layout.max_views(10) == 10_000


def test_boxes_are_laid_out_for_the_numbers_the_page_writes() -> None:
    z = chain()  # no backward() yet: draw_dot would write "grad 0"
    svg = view_svg(page_data(player(z).html())["views"][0])
    assert svg.count(">grad 10<") == 3 and ">grad 1<" in svg


# ---------------------------------------------------------------- command line


def test_graph_command_writes_the_player(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "chain.html"
    assert cli.main(["graph", "(x + y)**2", "--at", "x=3", "y=2", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    data = page_data(out.read_text(encoding="utf-8"))
    grads = {n["label"]: n["grad"] for n in data["schedule"]["nodes"]}
    assert grads == {"z": 1.0, "t": 10.0, "x": 10.0, "y": 10.0}
    assert cli.main(["graph", "x", "--at", "x=1", "-o", str(tmp_path / "g.htm")]) == 2
    assert "or .html (the step-through player)" in capsys.readouterr().err


def test_demo_writes_neuron_html_beside_neuron_svg(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    from autograd.cli.demo import _demo_neuron_diagram

    path = _demo_neuron_diagram(model, [[0.5, -0.25], [1.0, 1.0]], str(tmp_path / "neuron.svg"))
    assert path.endswith("neuron.svg")
    page = (tmp_path / "neuron.html").read_text(encoding="utf-8")
    assert "the first hidden neuron" in page and page_data(page)["schedule"]["nodes"][0]["label"] == "a"


def test_no_renderer_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd import viz

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("AUTOGRAD_RENDERER", raising=False)
    monkeypatch.setattr(viz, "_scripts_dirs", lambda: [])
    with pytest.raises(viz.RenderError, match="pip install graphviz-pure"):
        player(chain()).html()
    assert cli.main(["graph", "x*y", "--at", "x=1", "y=2", "-o", str(tmp_path / "g.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install graphviz" in err
    assert not (tmp_path / "g.html").exists()
