"""The backprop player page in a real browser: Debian's chromium, driven by Playwright for Python.

Needs `pip install playwright` (in the dev extra) and a chromium on PATH
(`apt-get install chromium`); Playwright's own browser download is not used.
Without them these tests skip, except under CI, where they fail.
Screenshots of the stepped pages go to test-artifacts/player/ (gitignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import autograd
from autograd import Value, cli, nn
from autograd.playback import player

from .test_player_page import horner, long_chain, page_data, view_maps, wide_mlp

IN_CI = bool(os.environ.get("CI"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "player"
TIMES = "\u00d7"  # the multiplication sign the page prints
UNSET = "\u2013"  # the dash of a number not computed yet
INSTALL = "pip install playwright (or 'scalar-autograd[dev]') and apt-get install chromium"


def _missing(what: str) -> None:
    message = f"{what}; the browser tests need it: {INSTALL}"
    if IN_CI:
        pytest.fail(message + " (required when CI is set)", pytrace=False)
    pytest.skip(message)


def _chromium() -> str | None:
    for name in (os.environ.get("AUTOGRAD_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"):
        if name and (found := shutil.which(name)):
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    exe = _chromium()
    if exe is None:
        _missing("no chromium on PATH")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe)
        yield b
        b.close()


class Page:
    """A browser tab on one saved player page, recording every request and script error."""

    def __init__(self, browser: Any, path: Path, width: int = 1280, height: int = 760) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.pw = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.pw.on("request", lambda r: self.requests.append(r.url))
        self.pw.on("pageerror", lambda e: self.errors.append(str(e)))
        self.pw.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.url = path.resolve().as_uri()
        self.pw.goto(self.url)
        self.pw.wait_for_selector("body[data-ready='1']", timeout=15_000)

    def js(self, expression: str) -> Any:
        return self.pw.evaluate(expression)

    def state(self) -> dict[str, Any]:
        return self.js("window.autogradPlayer.state()")  # type: ignore[no-any-return]

    def node_id(self, label: str) -> int:
        (i,) = [n["id"] for n in self.state()["nodes"] if n["label"] == label]
        return i  # type: ignore[no-any-return]

    def box_text(self, key: str) -> str:
        return self.pw.locator(f'svg g.node[data-k="{key}"]').first.text_content() or ""

    def caption(self) -> str:
        return self.pw.locator("#ag-caption").inner_text()

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        out = ARTIFACTS / f"{name}.png"
        self.pw.screenshot(path=str(out))
        assert out.stat().st_size > 5_000  # a real picture, not a blank
        return out

    def close(self) -> None:
        """Check that the page asked for nothing but itself and raised no script error."""
        try:
            assert self.requests == [self.url], f"the page made network requests: {self.requests[1:]}"
            assert self.errors == [], f"script errors: {self.errors}"
        finally:
            self.context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def make(path: Path, **kw: Any) -> Page:
        pages.append(Page(browser, path, **kw))
        return pages[-1]

    yield make
    for p in pages:
        p.close()


def chain_page(tmp_path: Path, *extra: str) -> Path:
    """The issue's example, written by the command line."""
    out = tmp_path / "chain.html"
    assert cli.main(["graph", "(x + y)**2", "--at", "x=3", "y=2", "-o", str(out), *extra]) == 0
    return out


def chain_values(**options: Any) -> Value:
    x, y = Value(3.0, "x"), Value(2.0, "y")
    t = x + y
    t.label = "t"
    z = t**2
    z.label = "z"
    return z


# ---------------------------------------------------------------- the required tests


def test_chain_stepped_to_the_end_gives_x_grad_and_y_grad_10(open_page: Any, tmp_path: Path) -> None:
    page = open_page(chain_page(tmp_path))
    s = page.state()
    assert (s["phase"], s["step"], s["steps"]) == ("start", 0, 8)  # 4 forward, the seed, 3 edges
    assert all(n["data"] is None and n["grad"] is None for n in s["nodes"])
    edge = page.pw.locator('svg g.edge[data-k="v2->op1"] text')
    assert edge.text_content() == f"∂t/∂x = {UNSET}"  # a local derivative needs the forward pass
    page.shot("chain-0-start")
    while page.state()["step"] < s["steps"]:
        page.pw.keyboard.press("ArrowRight")
        if page.state()["step"] == 4:
            assert edge.text_content() == "∂t/∂x = 1"
            page.shot("chain-4-forward-done")
    s = page.state()
    assert s["phase"] == "done"
    grads = {n["label"]: n["grad"] for n in s["nodes"]}
    datas = {n["label"]: n["data"] for n in s["nodes"]}
    assert grads == {"z": 1.0, "t": 10.0, "x": 10.0, "y": 10.0}
    assert datas == {"z": 25.0, "t": 5.0, "x": 3.0, "y": 2.0}
    for label in ("x", "y"):  # the visible boxes
        text = page.box_text(f"v{page.node_id(label)}")
        assert "grad 10" in text and f"data {int(datas[label])}" in text
    assert "ag-final" in page.pw.locator('svg g.node[data-k="v2"] text.ag-final').first.get_attribute("class")
    page.shot("chain-8-done")


def test_caption_at_the_step_into_x_shows_1_times_10(open_page: Any, tmp_path: Path) -> None:
    page = open_page(chain_page(tmp_path))
    x = page.node_id("x")
    schedule = page.js("window.autogradPlayer.schedule")
    k = next(k for k, e in enumerate(schedule["backward"]) if e["child"] == x)
    n = len(schedule["forward"]) + 2 + k  # forward steps, the seed, then the backward edges
    page.js(f"window.autogradPlayer.goto({n - 1})")
    assert page.state()["nodes"][x]["grad"] is None
    page.pw.keyboard.press("ArrowRight")
    caption = page.caption()
    assert f"x.grad += ∂t/∂x · t.grad = 1 {TIMES} 10 = 10" in caption, caption
    assert f"1 {TIMES} 10" in page.state()["caption"]
    # The active edge and its two nodes are highlighted.
    assert page.pw.locator('svg g.edge.ag-active[data-k="v2->op1"]').count() == 1
    assert page.pw.locator('svg g.node.ag-to[data-k="v2"]').count() == 1
    assert page.pw.locator('svg g.node.ag-from[data-k="v1"]').count() == 1
    page.shot("chain-caption-into-x")
    page.pw.keyboard.press("ArrowLeft")
    assert f"t.grad += ∂z/∂t · z.grad = 10 {TIMES} 1 = 10" in page.caption()
    assert page.state()["nodes"][x]["grad"] is None


def test_quiz_rejects_a_wrong_answer_with_the_chain_rule_and_accepts_the_right_one(
    open_page: Any, tmp_path: Path
) -> None:
    path = player(chain_values(), quiz=True, title="z = (x + y)**2").save(tmp_path / "quiz.html")
    page = open_page(path)
    api = "window.autogradPlayer"
    page.js(f"{api}.goto({api}.state().steps)")
    x, t = page.node_id("x"), page.node_id("t")
    assert "grad ?" in page.box_text(f"v{x}")  # hidden until found
    assert "?" in page.caption()
    # Typed into the panel: wrong, then explained with the chain-rule sum.
    page.pw.locator(f'svg g.node[data-k="v{x}"]').click()
    page.pw.locator("form.ag-answer input").fill("9")
    page.pw.locator("form.ag-answer button[type=submit]").click()
    feedback = page.pw.locator(".ag-feedback").inner_text()
    assert "9 is not x.grad" in feedback and f"∂t/∂x · t.grad = 1 {TIMES} t.grad (find it first)" in feedback
    page.shot("quiz-wrong-answer")
    assert page.js(f"{api}.answer({x}, 9)") is False
    assert page.js(f"{api}.answer({x}, 'ten')") is False
    assert page.js(f"{api}.answer({t}, '10')") is True
    assert page.js(f"{api}.answer({x}, 10.01)") is False
    assert page.js(f"{api}.answer({x}, 10.000001)") is True  # within 1e-6 relative
    assert page.js(f"{api}.answer({page.node_id('y')}, '20/2')") is True
    assert "grad 10" in page.box_text(f"v{x}")
    assert sorted(page.state()["quiz"]["found"]) == sorted([page.node_id("z"), t, x, page.node_id("y")])
    page.shot("quiz-solved")


def test_local_derivative_quiz_hides_the_edge_labels(open_page: Any, tmp_path: Path) -> None:
    page = open_page(player(chain_values(), quiz="local").save(tmp_path / "local.html"))
    z, t = page.node_id("z"), page.node_id("t")
    edge = page.pw.locator(f'svg g.edge[data-k="v{t}->op{z}"] text')
    assert edge.text_content() == f"∂z/∂t = {UNSET}"  # z is not computed yet
    page.js("window.autogradPlayer.goto(window.autogradPlayer.state().steps)")
    assert edge.text_content() == "∂z/∂t = ?"
    assert page.js(f"window.autogradPlayer.answerLocal({z}, 0, 5)") is False
    assert page.js(f"window.autogradPlayer.answerLocal({z}, 0, '10')") is True
    assert edge.text_content() == "∂z/∂t = 10"


def test_mlp_opens_collapsed_and_expands_on_click(open_page: Any, tmp_path: Path) -> None:
    model = nn.MLP(2, [4, 4, 1], seed=0)
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0], [1.0, 1.0]]
    loss = nn.mse_loss([model(x) for x in xs], [1.0, -1.0, 1.0, -1.0])
    page = open_page(player(loss, max_nodes=40).save(tmp_path / "mlp.html"), width=1400, height=800)
    views = page.js("window.autogradPlayer.views")
    assert views[0] == "" and len(views) > 1
    groups = page.pw.locator("svg g.node.ag-group")
    assert groups.count() >= 2  # collapsed: group boxes, not every value
    assert page.pw.locator("svg g.node[data-k^='v']").count() < 40
    page.js("window.autogradPlayer.goto(window.autogradPlayer.state().steps - 3)")
    page.shot("mlp-collapsed")
    name = groups.first.locator("text").first.text_content()
    groups.first.click()
    page.pw.wait_for_function(f"window.autogradPlayer.state().view === {name!r}")
    assert f"inside {name}" in page.pw.locator("#ag-crumbs").inner_text()
    # Inside: the group's own values (or its finer groups) are drawn, with the context boxes.
    inside = page.pw.locator("svg g.node")
    texts = " ".join(inside.all_text_contents())
    assert "upstream" in texts and "downstream" in texts
    assert page.pw.locator("svg g.node[data-k^='v']").count() + page.pw.locator("svg g.ag-group").count() > 3
    page.shot("mlp-expanded")
    page.pw.locator("#ag-crumbs a").first.click()
    page.pw.wait_for_function("window.autogradPlayer.state().view === ''")


# ---------------------------------------------------------------- the rest of the page


def test_play_pause_and_keyboard(open_page: Any, tmp_path: Path) -> None:
    page = open_page(chain_page(tmp_path))
    page.pw.locator("#ag-speed").fill("8")  # 128 steps per second
    page.pw.keyboard.press(" ")
    page.pw.wait_for_function("window.autogradPlayer.state().phase === 'done'", timeout=5_000)
    page.pw.keyboard.press("Home")
    assert page.state()["step"] == 0
    page.pw.keyboard.press("End")
    assert page.state()["step"] == 8
    page.pw.locator("#ag-reset").click()
    page.pw.locator("#ag-step").click()
    page.pw.locator("#ag-step").click()
    page.pw.locator("#ag-back").click()
    assert page.state()["step"] == 1
    assert page.js("window.autogradPlayer.goto(99)") == 8 and page.js("window.autogradPlayer.goto(-5)") == 0


def test_clicking_a_node_shows_its_grad_as_a_sum_over_its_uses(open_page: Any, tmp_path: Path) -> None:
    x = Value(3.0, "x")
    w = x * x + x  # x is used three times: two inputs of *, one of +
    w.label = "w"
    page = open_page(player(w).save(tmp_path / "sum.html"))
    xi = page.node_id("x")
    page.js("window.autogradPlayer.goto(window.autogradPlayer.state().steps)")
    page.pw.locator(f'svg g.node[data-k="v{xi}"]').click()
    panel = page.pw.locator("#ag-panel-body").inner_text()
    assert panel.count("✓") == 3 and "= 7" in panel  # 3 + 3 + 1
    page.shot("panel-sum")
    # Non-final and final gradients look different.
    steps = page.js("window.autogradPlayer.schedule.backward")
    first_into_x = next(k for k, e in enumerate(steps) if e["child"] == xi)
    page.js(f"window.autogradPlayer.goto({len(page.js('window.autogradPlayer.schedule.forward')) + 2 + first_into_x})")
    grad = page.pw.locator(f'svg g.node[data-k="v{xi}"] text').last
    assert "ag-partial" in (grad.get_attribute("class") or "")
    assert "not final yet" in page.pw.locator("#ag-panel-body").inner_text()
    page.js("window.autogradPlayer.goto(window.autogradPlayer.state().steps)")
    assert "ag-final" in (grad.get_attribute("class") or "")


def test_numbers_print_like_python(open_page: Any, tmp_path: Path) -> None:
    page = open_page(chain_page(tmp_path))
    values = [0.0, -0.0, 1.0, 10.0, 25.0, 0.1, 1 / 3, -2 / 3, 12345.678, 1e-5, 1.5e-4, 123456789.0, 1e300, -7.25e-12,
              float("inf"), float("-inf"), 0.00012345]  # fmt: skip
    shown = page.pw.evaluate("values => values.map(window.autogradPlayer.format)", values)  # inf and -0 survive
    assert shown == [f"{v:.4g}" for v in values]


def test_jupyter_iframe_plays_in_its_sandbox(browser: Any, tmp_path: Path) -> None:
    wrapper = tmp_path / "notebook.html"
    wrapper.write_text("<!DOCTYPE html><html><body>" + player(chain_values())._repr_html_() + "</body></html>")
    context = browser.new_context()
    try:
        tab = context.new_page()
        requests: list[str] = []
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(wrapper.as_uri())
        tab.frame_locator("iframe").locator("body[data-ready='1']").wait_for(timeout=15_000)
        frame = tab.frames[1]
        frame.locator("#ag-step").click()
        assert frame.evaluate("window.autogradPlayer.state().step") == 1
        frame.evaluate("window.autogradPlayer.goto(8)")
        assert [n["grad"] for n in frame.evaluate("window.autogradPlayer.state().nodes")] == [1.0, 10.0, 10.0, 10.0]
        assert requests == [wrapper.as_uri()]
    finally:
        context.close()


def test_labels_cannot_break_out_of_the_page(open_page: Any, tmp_path: Path) -> None:
    a = Value(2.0, "</script><script>document.title='pwned'</script>")
    b = Value(3.0, "<!--")
    c = a * b
    c.label = "c"
    page = open_page(player(c).save(tmp_path / "evil.html"))
    assert page.js("document.title") != "pwned"
    page.js("window.autogradPlayer.goto(1)")
    assert "</script>" in page.caption()


def test_odd_graphs_play_to_the_end_without_errors(open_page: Any, tmp_path: Path) -> None:
    import autograd

    leaf = Value(2.0, "x")  # the root is a leaf: its forward step and the seed
    x = Value(0.0, "x")
    odd = autograd.sqrt(x) + autograd.log(x)  # sqrt'(0) = inf, log(0) = -inf
    long = Value(0.5, "a")
    for _ in range(300):  # untagged and above max_nodes: the part nearest the output, and a "hidden" note
        long = long * 1.01 + 0.5
    for k, root in enumerate((leaf, odd, long)):
        page = open_page(player(root).save(tmp_path / f"odd{k}.html"))
        steps = page.state()["steps"]
        for n in range(0, steps + 1, max(1, steps // 40)):
            page.js(f"window.autogradPlayer.goto({n})")
        page.js(f"window.autogradPlayer.goto({steps})")
        s = page.state()
        assert s["phase"] == "done" and s["nodes"][0]["grad"] == 1.0
        if root is odd:
            assert "grad inf" in page.box_text(f"v{page.node_id('x')}") or "inf" in page.caption()
        if root is long:  # draw_dot cuts it into parts, with notes where the hidden values attach
            assert page.pw.locator('svg g.node[data-k^="hidden"]').count() >= 1
            assert page.pw.locator("svg g.cluster").count() > 1
            page.js("window.autogradPlayer.goto(Math.floor(window.autogradPlayer.state().steps * 0.98))")
            assert page.pw.locator('svg g.node.ag-to[data-k^="hidden"]').count() == 1  # far from the output
            page.shot("long-chain-hidden")


# ---------------------------------------------------------------- every kind of summary draw_dot makes


LIT = """steps => steps.map(n => {
  window.autogradPlayer.goto(n);
  const keys = (sel, attr) => [...document.querySelectorAll(sel)].map(g => g.getAttribute(attr));
  return {to: keys("svg g.ag-to", "data-k"), from: keys("svg g.ag-from", "data-k"),
          inner: keys("svg g.ag-inner", "data-k"), active: keys("svg g.edge.ag-active", "data-e"),
          fwd: keys("svg g.edge.ag-fwd", "data-e"), part: keys("svg g.cluster.ag-part", "data-k")};
})"""


@pytest.mark.parametrize("make, name", [
    (long_chain, "long-chain"), (horner, "horner"), (wide_mlp, "mlp-64-inputs"),
    (lambda: autograd.sum([Value(0.5, "x")] * 1000), "sum-of-1000"),
])  # fmt: skip
def test_every_step_lights_what_stands_for_it(open_page: Any, tmp_path: Path, make: Any, name: str) -> None:
    """Parts, copies, hidden notes, merged inputs, merged edges: each step lights its nodes' elements.

    A step into an input lights the edge that draws that use (a merged edge lights at each of its
    uses), the copy or note it starts at, the parent's element and the input's; a long picture's
    part holding the step is outlined.
    """
    path = player(make(), max_views=0).save(tmp_path / f"{name}.html")
    data = page_data(path.read_text(encoding="utf-8"))
    page = open_page(path)
    s, v = data["schedule"], view_maps(data["views"][0])
    key = [v["keys"][u] for u in v["unit"]]
    uses = {int(p): ks for p, ks in v["uses"].items()}
    output = {int(p): k for p, k in v["output"].items()}
    tails = {int(k): t for k, t in v["tails"].items()}
    forward, backward = s["forward"], s["backward"]
    steps = list(range(1, len(forward) + 2 + len(backward)))
    if len(steps) > 1200:  # every backward step near the output and far from it, a sample between
        steps = steps[:300] + steps[300:-600:7] + steps[-600:]
    seen = page.pw.evaluate(LIT, steps)
    for n, lit in zip(steps, seen):
        if n <= len(forward):
            i = forward[n - 1]
            assert key[i] in lit["to"], (n, i)
            for pos, j in enumerate(s["nodes"][i]["inputs"]):
                assert key[j] in lit["from"]
                k = uses.get(i, [-1] * (pos + 1))[pos]
                assert k < 0 or f"e{k}" in lit["fwd"], (n, i, pos)
        elif n == len(forward) + 1:
            assert lit["to"] == [key[0]]  # the seed
        else:
            e = backward[n - len(forward) - 2]
            p, c, pos = e["parent"], e["child"], e["input"]
            assert key[c] in lit["to"] and key[p] in lit["from"], (n, e)
            k = uses[p][pos] if p in uses else -1
            if k >= 0:
                assert set(lit["active"]) == {f"e{k}"} | ({f"e{output[p]}"} if p in output else set()), (n, e)
                assert k not in tails or tails[k] in lit["to"]
            else:
                assert lit["active"] == [] and (key[c] != key[p] or key[c] in lit["inner"]), (n, e)
        assert len(lit["part"]) == (1 if v["parts"] else 0), (n, lit["part"])
    from_copy = [k for k, e in enumerate(backward) if e["parent"] in uses and uses[e["parent"]][e["input"]] in tails]
    shown = from_copy[len(from_copy) // 2] if from_copy else len(backward) // 2  # a step from a copy, if any
    page.js(f"window.autogradPlayer.goto({len(forward) + 2 + shown})")
    page.shot(f"big-{name}")
    page.js("window.autogradPlayer.reset()")
    copies = page.pw.locator('svg g.node[data-k*="_copy"] text')
    assert all("data \u2013" in t or "data" not in t for t in copies.all_text_contents())
    page.js("window.autogradPlayer.goto(window.autogradPlayer.state().steps)")
    assert not any("data \u2013" in t for t in copies.all_text_contents())
    assert page.state()["nodes"][0]["grad"] == 1.0


def test_a_merged_edge_counts_its_uses(open_page: Any, tmp_path: Path) -> None:
    x = Value(0.5, "x")
    page = open_page(player(autograd.sum([x] * 1000)).save(tmp_path / "sum.html"))
    label = page.pw.locator("svg g.edge text", has_text="sum of 1,000 uses")
    assert label.text_content() == f"∂out/∂x = {UNSET} (sum of 1,000 uses)"  # before the forward pass
    page.js("window.autogradPlayer.goto(3 + 700)")  # 2 forward steps, the seed, 700 uses of x
    assert "contribution 700 of 1000" in page.caption() and "x.grad: 699 → 700" in page.caption()
    assert page.pw.locator("svg g.edge.ag-active text", has_text="sum of 1,000 uses").count() == 1
    page.js("window.autogradPlayer.goto(window.autogradPlayer.state().steps)")
    assert label.text_content() == "∂out/∂x = 1000 (sum of 1,000 uses)"
    assert "grad 1000" in page.box_text("v1")


def test_boxes_that_stand_for_several_values_list_them(open_page: Any, tmp_path: Path) -> None:
    page = open_page(player(wide_mlp(), max_views=0).save(tmp_path / "mlp.html"), width=1400, height=800)
    page.js("window.autogradPlayer.goto(window.autogradPlayer.state().steps)")
    page.pw.locator("svg g.node", has_text="65 inputs").click()
    panel = page.pw.locator("#ag-panel-body").inner_text()
    assert "65 inputs" in panel and "65 values, drawn as one box" in panel
    page.shot("panel-merged-inputs")
    page.pw.locator("#ag-panel-body a").first.click()  # one of them: its gradient as a sum over its uses
    assert "Σ" in page.pw.locator("#ag-panel-body").inner_text()
    page.pw.locator("svg g.node", has_text="L0.N3").first.click()
    assert "does not lay out the inside of L0.N3" in page.caption()  # max_views=0
