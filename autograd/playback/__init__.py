"""Watch backprop happen: an interactive, step-through player of a graph's backward pass.

``player(root)`` makes a self-contained HTML page (``.save("backprop.html")``,
or inline in Jupyter) that plays the forward pass, then ``backward()`` one
chain-rule step at a time, on draw_dot's own diagram. The steps come from
``build_schedule(root)``, plain JSON computed from the engine's graph.
Guide, controls and the schedule's schema: docs/player.md.
"""

from .page import Player, player
from .schedule import build_schedule

__all__ = ["Player", "build_schedule", "player"]
