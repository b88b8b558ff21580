"""The compiled tape: a function of Values turned into straight-line Python.

``autograd.compile(f)`` runs ``f`` once on Values (a trace), then writes the
graph it recorded as plain Python: one line per node for the forward pass and
the engine's backward pass unrolled, each local derivative read from the op's
rule in ops.py and evaluated on the code emitter ``ops.EMIT``. Re-running it on
new inputs is much faster than building the graph again. The same code runs
over arrays of shape (B,) (batched replay). See docs/compile.md.

The modules, in the order a call meets them:

- ``trace``: run ``f`` on Values, record its graph and the guards it needs;
- ``names``: identifiers for the generated code that never collide;
- ``writer``: the straight-line scalar program, bit for bit the engine's;
- ``batched``: the program over arrays, layers fused into matrix products;
- ``runtime``: the globals that generated code runs with;
- ``compiled``: ``compile`` and ``Compiled``, which pick and run the code.
"""

from .compiled import Compiled, compile
from .runtime import GuardFailed

__all__ = ["Compiled", "GuardFailed", "compile"]
