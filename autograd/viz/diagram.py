"""The ``Diagram`` that ``draw_dot`` returns: DOT text, rendering to a file, Jupyter display."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from .elements import Elements

FORMATS = ("svg", "png", "pdf", "dot")
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def check_format(format: str) -> str:  # noqa: A002
    """The format's canonical name ('svg', 'png', 'pdf', 'dot'), or a ValueError listing them."""
    fmt = str(format).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {format!r}: use one of {', '.join(FORMATS)}")
    return fmt


class Diagram:
    """A drawn graph: ``.source`` (DOT), ``.render(path)``, ``.pipe(fmt)``, Jupyter display.

    ``.graph`` is the underlying ``graphviz.Digraph`` for further styling.
    ``n_nodes`` counts the Values in the graph, ``n_hidden`` those not drawn.
    ``.elements`` says which drawn box and edge stand for each Value and each
    use (``elements.Elements``; the backprop player lights them up).

    Examples:
        >>> from autograd import Value, draw_dot
        >>> d = draw_dot(Value(2.0, "x") * 3.0)
        >>> d.n_nodes, d.source.startswith("digraph")
        (3, True)
    """

    def __init__(self, graph: Any, format: str, n_nodes: int, n_hidden: int, mode: str,  # noqa: A002
                 elements: Elements | None = None) -> None:  # fmt: skip
        self.graph = graph
        self.elements = elements
        self.format = format
        self.n_nodes = n_nodes
        self.n_hidden = n_hidden
        self.mode = mode  # "full", "scope" (collapsed by nn scope), "truncated" or "scope+truncated"

    @property
    def source(self) -> str:
        """The DOT text: deterministic, testable without any renderer."""
        return str(self.graph.source)

    def pipe(self, format: str | None = None, *, timeout: float | None = None) -> bytes:  # noqa: A002
        """The rendered bytes (svg, png, pdf) or the DOT text ('dot'); ``timeout`` in seconds (default 30)."""
        from . import render_source

        return render_source(self.source, format or self.format, timeout=timeout)

    def render(
        self,
        path: str | os.PathLike[str] | None = None,
        format: str | None = None,  # noqa: A002
        *,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        cleanup: bool = True,
        timeout: float | None = None,
    ) -> Path:
        """Write the diagram; the format comes from the suffix (.svg .png .pdf .dot), else ``format``.

        If rendering fails or takes longer than ``timeout`` seconds (default 30,
        or ``AUTOGRAD_RENDER_TIMEOUT``), the DOT text is kept next to the
        requested file (same name, .dot) and the error says where.
        ``filename``, ``directory`` and ``cleanup`` take graphviz-style calls,
        e.g. micrograd notebooks' ``render(filename='gout', format='png')``; no
        DOT file is left behind in any case (as graphviz's ``cleanup=True``).
        """
        from pathlib import Path

        from . import RenderError, render_source

        target = path if path is not None else filename
        if target is None:
            raise TypeError("render() needs a file name, e.g. render('graph.svg')")
        out = Path(directory, target) if directory is not None else Path(target)
        fmt = _format_for(out, format or self.format)
        if out.suffix.lower() not in SUFFIXES:
            out = out.with_name(out.name + "." + fmt)
        if fmt == "dot":
            out.write_text(self.source, encoding="utf-8")
            return out
        try:
            data = render_source(self.source, fmt, timeout=timeout)
        except RenderError as e:
            kept = out.with_suffix(".dot")
            kept.write_text(self.source, encoding="utf-8")
            raise type(e)(f"{e} (the DOT text is saved in {kept})") from None
        out.write_bytes(data)
        return out

    save = render

    _player_args: tuple[Any, dict[str, Any]] | None = None  # set by draw_dot: (root, its options)

    def player(self, **options: Any) -> Any:
        """This graph as an interactive step-through page (autograd.player); options override draw_dot's."""
        from ..playback import player

        if self._player_args is None:
            raise RuntimeError("player() needs a Diagram made by draw_dot(root)")
        root, drawn = self._player_args
        return player(root, **{**drawn, **options})

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: svg (png if format='png'), through whichever renderer exists."""
        from . import RenderError

        fmt = "png" if self.format == "png" else "svg"
        try:
            data = self.pipe(fmt)
        except RenderError as e:
            return {"text/plain": f"{self!r}\ncannot display: {e}"}
        if fmt == "png":
            return {"image/png": data}
        return {"image/svg+xml": data.decode("utf-8")}

    def _repr_svg_(self) -> str | None:
        """The SVG text, for tools that ask for ``_repr_svg_`` (None if no renderer can draw it)."""
        from . import RenderError

        try:
            return self.pipe("svg").decode("utf-8")
        except RenderError:
            return None

    def __repr__(self) -> str:
        extra = f", {self.n_hidden} hidden" if self.n_hidden else ""
        return f"<Diagram of {self.n_nodes} nodes ({self.mode}{extra}): .source is the DOT; .render('graph.svg')>"


def _format_for(path: Path, default: str) -> str:
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix and not suffix[1:].isdigit():  # 'run.1' is a name, '.jpg' a format we lack
        raise ValueError(f"unsupported file suffix {path.suffix!r}: use .svg, .png, .pdf (system dot) or .dot")
    return check_format(default)
