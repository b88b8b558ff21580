"""Every diagram the project writes checks by eye: grad(child) = sum of local x grad(parent), at display precision.

The checker reads only what a reader sees: the numbers in the boxes and on
the edges of an SVG (or of the DOT text). A box marked "includes earlier
passes or other uses" (or "more uses not drawn") may differ; no other may.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, cli, tanh
from autograd import sum as vsum
from autograd.viz import draw_dot

ROOT = Path(__file__).resolve().parent.parent
SVG_NS = "{http://www.w3.org/2000/svg}"
MARKS = ("includes earlier passes", "more uses not drawn")


class Drawing:
    """A diagram as a reader sees it: each node's texts, each edge's label."""

    def __init__(self, nodes: dict[str, list[str]], edges: list[tuple[str, str, str]]) -> None:
        self.nodes, self.edges = nodes, edges

    @classmethod
    def from_svg(cls, svg: str) -> Drawing:
        root = ET.fromstring(svg)
        nodes: dict[str, list[str]] = {}
        edges: list[tuple[str, str, str]] = []
        for g in root.iter(f"{SVG_NS}g"):
            title = g.find(f"{SVG_NS}title")
            if title is None or title.text is None:
                continue
            texts = [t.text for t in g.iter(f"{SVG_NS}text") if t.text]
            if g.get("class") == "node":
                nodes[title.text] = texts
            elif g.get("class") == "edge":
                tail, head = title.text.split("->")
                edges.append((tail.split(":")[0], head.split(":")[0], " ".join(texts)))
        return cls(nodes, edges)

    @classmethod
    def from_dot(cls, source: str) -> Drawing:
        import html

        nodes: dict[str, list[str]] = {}
        edges: list[tuple[str, str, str]] = []
        for line in source.splitlines():
            m = re.match(r"\s*(\w+) -> (\w+)(.*)$", line)
            if m:
                lab = re.search(r'label="((?:[^"\\]|\\.)*)"', m.group(3))
                edges.append((m.group(1), m.group(2), lab.group(1).replace('\\"', '"') if lab else ""))
                continue
            m = re.match(r"\s*(\w+) \[label=(.*)$", line)
            if m:
                cells = re.findall(r"<td[^>]*>(.*?)</td>", m.group(2))
                if cells:
                    nodes[m.group(1)] = [html.unescape(re.sub(r"</?b>", "", c)) for c in cells]
                else:
                    text = re.match(r'"((?:[^"\\]|\\.)*)"', m.group(2))
                    nodes[m.group(1)] = (text.group(1) if text else m.group(2)).split("\\n")
        return cls(nodes, edges)


def _digits(text: str) -> int:
    """Significant digits shown in a number ('0.008174' has 4, '1.5e-07' has 2)."""
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return max(1, len(mantissa))


def _number(text: str, precision: int) -> tuple[float, float] | None:
    """A displayed number and its rounding error at ``precision`` significant digits; None for inf/nan.

    Python's 'g' format drops trailing zeros, so '2' at 4 digits means 2.000 ± 0.0005; only 0 is shown as '0'.
    """
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    x = float(d)
    if x == 0:
        return 0.0, 0.0
    return x, 0.5 * 10.0 ** (math.floor(math.log10(abs(x))) - precision + 1)


def _field(texts: list[str], name: str) -> str | None:
    for t in texts:
        if t.startswith(name + " "):
            return t[len(name) + 1 :]
    return None


def chain_rule_violations(drawing: Drawing, precision: int | None = None) -> list[str]:
    """Boxes whose grad is not the sum of local x grad(op's output) over their edges, at display precision.

    ``precision`` (significant digits) is read off the numbers shown when not given: the most digits
    any of them has, which can only make the check looser, never wrong.
    """
    values = {n: ts for n, ts in drawing.nodes.items() if _field(ts, "grad") is not None and _field(ts, "data")}
    shown = [m for ts in values.values() for t in ts for m in re.findall(r"(?:data|grad) (\S+)", t)]
    shown += [m for *_, label in drawing.edges for m in re.findall(r"= (\S+)", label)]
    if precision is None:
        precision = max((_digits(t) for t in shown if _number(t, 17) is not None), default=1)
    marked = {n for n, ts in values.items() if any(m in t for t in ts for m in MARKS)}
    refs = {t[1:]: n for n, ts in values.items() for t in ts if re.fullmatch(r"#\d+", t)}
    copies = {}
    for n, ts in drawing.nodes.items():
        m = re.match(r"#(\d+)\b.*\(copy\)", " ".join(ts))
        if m:
            copies[n] = refs[m.group(1)]
    output = {tail: head for tail, head, _ in drawing.edges if head in values and tail not in values}
    sums: dict[str, list[tuple[float, float]]] = {}
    unchecked: set[str] = set()
    for tail, head, label in drawing.edges:
        tail = copies.get(tail, tail)
        if tail not in values or head in values:
            continue
        m = re.search(r"= (\S+)", label)
        out = values.get(output.get(head, ""))
        local = _number(m.group(1), precision) if m else None
        grad = _number(_field(out, "grad") or "", precision) if out else None
        if local is None or grad is None:
            unchecked.add(tail)  # no number on this edge (a group, show_local_grads=False) or inf/nan
            continue
        (d, ed), (g, eg) = local, grad
        sums.setdefault(tail, []).append((d * g, abs(d) * eg + abs(g) * ed + ed * eg))
    problems = []
    for node, terms in sums.items():
        if node in unchecked or node in marked:
            continue
        grad = _number(_field(values[node], "grad") or "", precision)
        if grad is None:
            continue
        total, bound = math.fsum(t for t, _ in terms), math.fsum(e for _, e in terms)
        if abs(grad[0] - total) > bound + grad[1] + 1e-12 * abs(total):
            problems.append(f"{node}: grad {grad[0]} but the sum of local x grad is {total} (± {bound + grad[1]:.3g})")
    return problems


def notebook_svgs() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for k, cell in enumerate(nb["cells"]):
            for out in cell.get("outputs", []):
                svg = out.get("data", {}).get("image/svg+xml")
                if svg:
                    yield f"{path.name} cell {k}", "".join(svg)


def doc_svgs() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "docs" / "img").glob("*.svg")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


SVGS = list(notebook_svgs()) + list(doc_svgs())


def test_the_checker_catches_a_stale_leaf() -> None:
    """The demo's old bug, drawn without the mark: the checker must see it."""
    x = Value(3.0, "x")
    z = x * 2.0
    z.label = "z"
    z.backward()
    z.backward()  # x.grad is 4 now, its edge says 2 x 1
    dot = draw_dot(z).source
    stripped = re.sub(r"<tr><td colspan[^>]*>[^<]*</td></tr>", "", dot)  # remove the mark
    assert chain_rule_violations(Drawing.from_dot(stripped))
    assert chain_rule_violations(Drawing.from_dot(dot)) == []
    assert "grad includes earlier passes or other uses" in dot


def test_a_blocked_step_is_no_earlier_pass() -> None:
    """relu's zero derivative passes nothing back (not 0 x inf = nan): one pass draws no mark."""
    import autograd

    for make in (lambda x: autograd.sqrt(autograd.relu(x)), lambda x: autograd.log(autograd.clamp(x, 0.0, 1.0))):
        x = Value(-1.0, "x")
        y = make(x)
        y.backward()
        assert x.grad == 0.0
        assert "earlier passes" not in draw_dot(y).source


def test_the_project_draws_svgs() -> None:
    assert len([name for name, _ in SVGS if name.endswith(".svg")]) >= 1
    assert len([name for name, _ in SVGS if ".ipynb" in name]) >= 3


@pytest.mark.parametrize(("name", "svg"), SVGS, ids=[name for name, _ in SVGS])
def test_notebook_and_doc_svgs_check_by_eye(name: str, svg: str) -> None:
    drawing = Drawing.from_svg(svg)
    assert any(_field(ts, "grad") for ts in drawing.nodes.values()), "no value boxes found: parser out of date?"
    assert chain_rule_violations(drawing) == []


def test_demo_neuron_svg_checks_by_eye(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "demo"
    assert cli.main(["demo", "--epochs", "2", "--no-progress", "--out", str(out_dir)]) == 0
    capsys.readouterr()
    svg = out_dir / "neuron.svg"
    if not svg.exists():
        pytest.skip("no Graphviz renderer here: the demo wrote no diagram")
    drawing = Drawing.from_svg(svg.read_text(encoding="utf-8"))
    assert chain_rule_violations(drawing) == []
    assert not any(m in t for ts in drawing.nodes.values() for t in ts for m in MARKS)  # this pass alone


# ---------------------------------------------------------------- the class: many passes, any graph


@st.composite
def passes(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    """A random graph over 3 leaves, and a few backward passes from its root or from inner nodes."""
    xs = [Value(draw(st.floats(-2, 2)), f"x{i}") for i in range(3)]
    pool = list(xs)
    for k in range(draw(st.integers(2, 10))):
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        v = draw(st.sampled_from([a + b, a * b, tanh(a), a * a * b, vsum([a, a, a, a, b])]))
        v.label = f"n{k}"
        pool.append(v)
    root = pool[-1]
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.sampled_from(pool[3:]))
        start.backward()
        if draw(st.booleans()):
            draw(st.sampled_from(xs)).zero_grad()
    return root, xs


@settings(max_examples=60, deadline=None)
@given(passes(), st.integers(2, 6))
def test_no_diagram_contradicts_itself(case: tuple[Value, list[Value]], precision: int) -> None:
    """After any passes, every unmarked box checks by eye, and a mark means a real difference."""
    root, _ = case
    source = draw_dot(root, precision=precision).source
    assert chain_rule_violations(Drawing.from_dot(source), precision) == []
    full = draw_dot(root, precision=17).source  # at full precision, each mark is a true difference
    drawing = Drawing.from_dot(full)
    for node, texts in drawing.nodes.items():
        if any("includes earlier passes" in t for t in texts):
            unmarked = Drawing(
                {**drawing.nodes, node: [t for t in texts if "includes earlier passes" not in t]}, drawing.edges
            )
            assert any(p.startswith(f"{node}:") for p in chain_rule_violations(unmarked, 17))
