"""The player page: one self-contained HTML file (no network, no server), and its Jupyter display.

The page is a template (static/page.html) with the CSS and JavaScript of
static/ inlined, and one JSON document: the schedule (schedule.py), the laid-out
views (layout.py) and the display options. Each view's SVG and its maps (what
stands for each node) are stored as gzip in base64, a fifth of their size or
less; the page unpacks a view when it is first shown, with the browser's own
DecompressionStream.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..engine import Value
from .layout import build_views
from .schedule import build_schedule, graph_nodes

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["DRAW_OPTIONS", "QUIZ_MODES", "Player", "player"]

DRAW_OPTIONS = ("rankdir", "show_local_grads", "show_order", "precision", "max_nodes")
"""draw_dot's options that the player takes, with draw_dot's meanings and defaults."""

QUIZ_MODES = {False: None, None: None, True: "grad", "grad": "grad", "grads": "grad", "local": "local",
              "locals": "local"}  # fmt: skip
_JS_FILES = ("core.js", "view.js", "ui.js")  # concatenated in this order into one script


def player(
    root: Value,
    *,
    quiz: bool | str = False,
    title: str | None = None,
    max_views: int | None = None,
    **options: Any,
) -> Player:
    """An interactive page that plays ``root``'s forward and backward pass, step by step.

    - ``options``: draw_dot's ``rankdir``, ``show_local_grads``, ``show_order``,
      ``precision`` and ``max_nodes``, with the same meanings: the page shows
      draw_dot's diagram.
    - ``quiz``: ``True`` (or ``"grad"``) hides the gradients for the learner to
      type; ``"local"`` hides the local derivatives instead.
    - ``title``: the page's subtitle, e.g. the formula (default: the output's label).
    - ``max_views``: how many groups of a big graph can be opened (each is one
      Graphviz layout); default: more for smaller graphs (docs/player.md).

    The result has ``.save(path)``, ``.html()``, ``.schedule`` and displays in Jupyter.

    Examples:
        >>> from autograd import Value, player
        >>> x, y = Value(3.0, "x"), Value(2.0, "y")
        >>> page = player((x + y) ** 2)
        >>> len(page.schedule["backward"]), page.html().startswith("<!DOCTYPE html>")
        (3, True)
    """
    return Player(root, quiz=quiz, title=title, max_views=max_views, **options)


class Player:
    """A backprop player for one graph. Nothing is laid out until the page is first needed.

    Examples:
        >>> from autograd import Value
        >>> Player(Value(2.0) * 3.0, quiz=True).schedule["forward"]
        [1, 2, 0]
    """

    def __init__(
        self, root: Value, *, quiz: bool | str = False, title: str | None = None, max_views: int | None = None,
        **options: Any,
    ) -> None:  # fmt: skip
        if not isinstance(root, Value):
            raise TypeError(f"player() takes the output Value of a computation, got {type(root).__name__}")
        unknown = sorted(set(options) - set(DRAW_OPTIONS))
        if unknown:
            raise TypeError(f"player() got unknown option(s) {', '.join(map(repr, unknown))}; it takes quiz, title, "
                            f"max_views and draw_dot's {', '.join(DRAW_OPTIONS)}")  # fmt: skip
        if isinstance(quiz, (list, dict)) or quiz not in QUIZ_MODES:
            raise ValueError(f"quiz must be False, True (or 'grad') or 'local', got {quiz!r}")
        if max_views is not None and (isinstance(max_views, bool) or not isinstance(max_views, int) or max_views < 0):
            raise ValueError(f"max_views must be a whole number >= 0, or None for the default; got {max_views!r}")
        self.root = root
        self.quiz: str | None = QUIZ_MODES[quiz]
        self.title = title
        self.max_views = max_views
        self.options = options
        self._draw_check()
        self._html: str | None = None
        self._schedule: dict[str, Any] | None = None

    def _draw_check(self) -> None:
        """Fail now, with draw_dot's own message, on a bad option (draw_dot validates cheaply on a leaf)."""
        from ..viz import draw_dot

        draw_dot(Value(0.0), **self.options)

    @property
    def schedule(self) -> dict[str, Any]:
        """The JSON-ready schedule the page plays (schema: docs/player.md)."""
        if self._schedule is None:
            self._schedule = build_schedule(self.root)
        return self._schedule

    def html(self) -> str:
        """The page: one self-contained HTML document."""
        if self._html is None:
            self._html = self._build()
        return self._html

    def _build(self) -> str:
        nodes, inputs = graph_nodes(self.root)
        precision = self.options.get("precision", 4)
        widest = _widest_grads(self.schedule, precision)
        final = [float(n["grad"]) for n in self.schedule["nodes"]]  # "Infinity" and "NaN" too
        views = build_views(self.root, nodes, inputs, self.options, widest, self.max_views, final)
        packed = [{"name": view.name, "parent": view.parent,
                   "mapz": _zip(json.dumps(view.to_json(), separators=(",", ":"), ensure_ascii=False)),
                   "svgz": _zip(view.svg)} for view in views]  # fmt: skip
        data = {"schedule": self.schedule, "views": packed,
                "options": {"precision": precision, "quiz": self.quiz}}  # fmt: skip
        subtitle = self.title if self.title is not None else _default_title(self.root, len(nodes))
        return _fill(subtitle, json.dumps(data, separators=(",", ":"), allow_nan=False, ensure_ascii=False))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (e.g. "backprop.html"); returns the path written."""
        from pathlib import Path

        out = Path(path)
        if out.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"the player writes an HTML page: give a path ending in .html, got {str(path)!r}")
        out.write_text(self.html(), encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        """Jupyter, JupyterLab, VS Code: the page in a sandboxed iframe (saved with the notebook)."""
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" sandbox="allow-scripts" '
                'style="width:100%;height:640px;border:1px solid #d0d7de;border-radius:6px" '
                'title="backprop player"></iframe>')  # fmt: skip

    def __repr__(self) -> str:
        quiz = f", quiz={self.quiz!r}" if self.quiz else ""
        return f"<backprop Player of {self.root!r}{quiz}: .save('backprop.html')>"


def _zip(text: str) -> str:
    """gzip in base64: a view's maps and SVG are a fifth of their size or less; the page unpacks them when shown."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), 6, mtime=0)).decode("ascii")


def _widest_grads(schedule: dict[str, Any], precision: int) -> list[str]:
    """Per node, the longest grad text the page will print: its running sums and its final grad."""
    texts = [""] * len(schedule["nodes"])
    texts[schedule["root"]] = f"{float(schedule['seed']):.{precision}g}"
    for e in schedule["backward"]:
        t = f"{float(e['after']):.{precision}g}"
        if len(t) > len(texts[e["child"]]):
            texts[e["child"]] = t
    return texts


def _default_title(root: Value, n: int) -> str:
    name = root.label or "the output"
    return f"{name} = {root.data:.6g} · {n:,} values"


def _static(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def _fill(subtitle: str, data_json: str) -> str:
    """The template with the CSS, the script and the data put in (data escaped for a <script> block)."""
    from .. import __name__ as package

    try:
        from importlib.metadata import version

        ver = version("scalar-autograd")
    except Exception:  # not installed, e.g. run from a checkout
        ver = package
    js = "\n".join(_static(name) for name in _JS_FILES)
    parts = {
        "{{VERSION}}": html.escape(ver),
        "{{TITLE}}": html.escape(f"Backprop player: {subtitle}"),
        "{{SUBTITLE}}": html.escape(subtitle),
        "{{CSS}}": _static("player.css"),
        "{{JS}}": js,
        # Nothing in the data may end the <script> block early: every "<" (only ever inside a
        # JSON string, e.g. a label) is written as its escape.
        "{{DATA}}": data_json.replace("<", "\\u003c"),
    }
    return re.sub(r"\{\{[A-Z]+\}\}", lambda m: parts[m.group(0)], _static("page.html"))
