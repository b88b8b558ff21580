"""MkDocs hook: the live players of docs/try-the-player.md, made by ``autograd.player`` at build time.

Each becomes a static page of the site (``player/*.html``), self-contained and offline, which the
page embeds in an iframe. The graphs are the ones that page's code block builds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mkdocs.structure.files import File, Files


def chain() -> Any:
    """The seed's example: z = (x + y)**2 at x = 3, y = 2."""
    from autograd import Value

    x, y = Value(3.0, "x"), Value(2.0, "y")
    t = x + y
    t.label = "t"
    z = t**2
    z.label = "z"
    return z


def neuron() -> Any:
    """One tanh neuron with two inputs: a fused dot node, then tanh."""
    from autograd import Value, nn

    n = nn.Neuron(2, activation="tanh", seed=0)
    out = n([Value(0.5, "x0"), Value(-1.0, "x1")])
    out.label = "out"
    return out


PLAYERS: dict[str, tuple[Callable[[], Any], str]] = {
    "player/chain.html": (chain, "z = (x + y)**2 at x = 3, y = 2"),
    "player/neuron.html": (neuron, "one tanh neuron: out = tanh(w0·x0 + w1·x1 + b)"),
}


def on_files(files: Files, config: Any) -> Files:
    import autograd

    for uri, (build, title) in PLAYERS.items():
        files.append(File.generated(config, uri, content=autograd.player(build(), title=title).html()))
    return files
