"""Diagrams of the computation graph that show the chain rule.

``draw_dot(root)`` builds DOT text with the ``graphviz`` package: a box per
Value (label, data, grad), an ellipse per op, and on each input edge the
*value* of the local derivative d(out)/d(in), read from the op's rule through
``Value.local_grads()``. So every leaf's grad can be checked by eye:
grad(child) = sum over its out-edges of local x grad(parent).

The package, one concept per module:

- ``draw.py``: ``draw_dot``, the picture's boxes, ellipses and edges, written as DOT;
- ``labels.py``: the text and colours inside each box;
- ``select.py``: which Values a big graph's summary draws (nn scope groups, the part nearest the output);
- ``layout.py``: keeps the picture quick to lay out and on one screen (copies of far-used values, rows);
- ``diagram.py``: the ``Diagram`` object (``.source``, ``.render``, Jupyter display);
- ``elements.py``: which drawn box and edge stand for each Value and use (``Diagram.elements``);
- this file: finding a renderer and running it, with a time limit.

Rendering uses the system ``dot`` when it is on PATH, else the
``graphviz-pure`` binary (a normal dependency), run here directly because the
graphviz package only ever calls ``dot``. Reads ``engine`` only; nn's scope
tags (``Value.tag``, e.g. "L1.N3") are read duck-typed.
Reading guide and options: docs/diagrams.md.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, NamedTuple

from .diagram import FORMATS, SUFFIXES, Diagram, check_format
from .draw import draw_dot

if TYPE_CHECKING:
    import subprocess

# shutil, signal, subprocess and sysconfig are imported where used, so that `import autograd` stays fast.

__all__ = [
    "DEFAULT_TIMEOUT", "FORMATS", "RENDERERS", "SUFFIXES", "Diagram", "RenderError", "RenderTimeoutError",
    "RendererNotFoundError", "draw_dot", "find_renderer", "render_source", "render_timeout",
]  # fmt: skip

RENDERERS = ("dot", "graphviz-pure")
"""Backends, in the order they are tried; ``AUTOGRAD_RENDERER`` forces one."""

_PURE_FORMATS = ("svg", "png")

DEFAULT_TIMEOUT = 30.0
"""Seconds a renderer may run before it is stopped; ``AUTOGRAD_RENDER_TIMEOUT`` or ``timeout=`` change it."""

INSTALL_HINT = "install one: `apt-get install graphviz` (or `brew install graphviz`), or `pip install graphviz-pure`"


class RenderError(RuntimeError):
    """The diagram could not be rendered (its DOT text is still in ``.source``).

    Examples:
        >>> issubclass(RendererNotFoundError, RenderError) and issubclass(RenderTimeoutError, RenderError)
        True
    """


class RendererNotFoundError(RenderError):
    """Neither system Graphviz ``dot`` nor ``graphviz-pure`` is available (for this format).

    Examples:
        >>> RendererNotFoundError("install graphviz").args
        ('install graphviz',)
    """


class RenderTimeoutError(RenderError):
    """The renderer ran longer than the time limit and was stopped.

    Examples:
        >>> str(RenderTimeoutError("dot ran longer than 30 s"))
        'dot ran longer than 30 s'
    """


class Renderer(NamedTuple):
    """One rendering backend: its name ('dot' or 'graphviz-pure') and executable."""

    name: str
    path: str


def _scripts_dirs() -> list[str]:
    """Where pip puts console scripts for this interpreter (the venv may not be activated)."""
    import sysconfig

    dirs = [sysconfig.get_path("scripts")]
    try:
        dirs.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    except KeyError:
        pass
    return [d for d in dirs if d]


def _find_dot() -> str | None:
    import shutil

    return shutil.which("dot")


def _find_pure() -> str | None:
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    for d in _scripts_dirs():
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    import shutil

    return shutil.which("graphviz-pure")


def find_renderer(format: str = "svg") -> Renderer:  # noqa: A002 (micrograd's name)
    """The backend that will render ``format``: system dot, else graphviz-pure.

    ``AUTOGRAD_RENDERER=dot|graphviz-pure`` forces one. Raises
    RendererNotFoundError, naming the fixes, when none fits.

    Examples:
        >>> find_renderer("svg").name in ("dot", "graphviz-pure")
        True
    """
    fmt = check_format(format)
    forced = os.environ.get("AUTOGRAD_RENDERER", "").strip()
    if forced and forced not in RENDERERS:
        raise RenderError(f"AUTOGRAD_RENDERER={forced!r} is not a renderer: use 'dot' or 'graphviz-pure', or unset it")
    if forced == "graphviz-pure" or (not forced and fmt in _PURE_FORMATS and _find_dot() is None):
        if fmt not in _PURE_FORMATS:
            raise RendererNotFoundError(
                f"graphviz-pure renders svg and png, not {fmt}; {fmt} needs the system Graphviz 'dot' "
                "(`apt-get install graphviz` or `brew install graphviz`), or write .svg or .png instead"
            )
        pure = _find_pure()
        if pure is not None:
            return Renderer("graphviz-pure", pure)
        if forced:
            raise RendererNotFoundError(
                "AUTOGRAD_RENDERER=graphviz-pure but no 'graphviz-pure' command was found "
                f"(looked in {', '.join(_scripts_dirs())} and PATH): `pip install graphviz-pure`, or unset it"
            )
        raise RendererNotFoundError(
            "no Graphviz renderer found: neither the system 'dot' command nor 'graphviz-pure' is installed; "
            + INSTALL_HINT
        )
    dot = _find_dot()
    if dot is not None:
        return Renderer("dot", dot)
    if forced:
        raise RendererNotFoundError(
            "AUTOGRAD_RENDERER=dot but there is no 'dot' on PATH: `apt-get install graphviz` "
            "(or `brew install graphviz`), or unset AUTOGRAD_RENDERER"
        )
    raise RendererNotFoundError(
        f"{fmt} needs the system Graphviz 'dot', which is not on PATH (graphviz-pure renders svg and png only): "
        "`apt-get install graphviz` or `brew install graphviz`, or write .svg or .png instead"
    )


def render_timeout(timeout: float | None = None) -> float:
    """The time limit in seconds: ``timeout`` if given, else ``AUTOGRAD_RENDER_TIMEOUT``, else 30.

    Examples:
        >>> render_timeout(5)
        5.0
    """
    if timeout is None:
        text = os.environ.get("AUTOGRAD_RENDER_TIMEOUT", "").strip()
        if not text:
            return DEFAULT_TIMEOUT
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"AUTOGRAD_RENDER_TIMEOUT={text!r} is not a number of seconds > 0: e.g. 60, or unset it")
        return value
    is_number = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    if not (is_number and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout is a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def render_source(
    source: str,
    format: str = "svg",  # noqa: A002
    renderer: Renderer | None = None,
    *,
    timeout: float | None = None,
) -> bytes:
    """Render DOT text to ``format`` bytes ('dot' returns the text itself).

    The renderer is stopped after ``timeout`` seconds (default: ``render_timeout()``),
    raising RenderTimeoutError. If the system dot was picked (not forced) and
    fails, say for lack of a PNG plugin, graphviz-pure gets a try before the
    error is raised; a timeout is not retried.

    Examples:
        >>> render_source("digraph { a -> b }", "svg")[:5]
        b'<?xml'
    """
    fmt = check_format(format)
    seconds = render_timeout(timeout)
    if fmt == "dot":
        return source.encode("utf-8")
    r = renderer or find_renderer(fmt)
    try:
        return _run(r, source, fmt, seconds)
    except RenderTimeoutError:
        raise
    except RenderError:
        if renderer is not None or r.name != "dot" or fmt not in _PURE_FORMATS or os.environ.get("AUTOGRAD_RENDERER"):
            raise
        pure = _find_pure()
        if pure is None:
            raise
        try:
            return _run(Renderer("graphviz-pure", pure), source, fmt, seconds)
        except RenderError:
            pass
        raise


def _run(r: Renderer, source: str, fmt: str, timeout: float) -> bytes:
    """Run one renderer on the DOT text; stop it (and anything it started) after ``timeout`` seconds."""
    import subprocess

    try:
        # A session of its own, so that a timeout can stop the renderer's whole process group.
        proc = subprocess.Popen([r.path, f"-T{fmt}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=os.name != "nt")  # fmt: skip
    except OSError as e:
        raise RenderError(f"could not run {r.name} ({r.path}): {e}") from None
    try:
        out, err = proc.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise RenderTimeoutError(
            f"{r.name} did not finish rendering {fmt} within {timeout:g} s and was stopped; "
            "draw less (draw_dot's max_nodes, e.g. the default 200) or allow more time "
            "(render(..., timeout=120) or AUTOGRAD_RENDER_TIMEOUT=120)"
        ) from None
    except BaseException:  # e.g. KeyboardInterrupt: never leave a renderer running
        _stop(proc)
        raise
    if proc.returncode != 0 or not out:
        # graphviz-pure warns about non-ASCII label widths on every run: not news.
        lines = [ln for ln in err.decode("utf-8", "replace").splitlines()
                 if ln.strip() and "non-ASCII character" not in ln]  # fmt: skip
        detail = "; ".join(lines[-3:]) or f"exit status {proc.returncode}, no output"
        raise RenderError(f"{r.name} failed to render {fmt}: {detail}")
    return out


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the renderer and its children, then reap it."""
    if os.name == "nt":
        import subprocess

        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
        proc.kill()
    else:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the group id is its pid
        except (ProcessLookupError, PermissionError):
            proc.kill()
    proc.communicate()
