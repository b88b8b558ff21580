"""Doctests outside tests/ (the >>> sessions of docs/*.md and README.md, and the docstrings'
examples) run in a temporary folder, so an example that saves a file leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctests_in_a_temporary_folder(request: pytest.FixtureRequest, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    if isinstance(request.node, DoctestItem):
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _doctests_leave_the_primitive_table_as_it_was(request: pytest.FixtureRequest) -> Iterator[None]:
    """An example that defines a primitive (softsign) must not add it to the table other tests walk."""
    if not isinstance(request.node, DoctestItem):
        yield
        return
    from autograd import ops

    saved = dict(ops.REGISTRY)
    yield
    ops.REGISTRY.clear()
    ops.REGISTRY.update(saved)

# docs/hooks/ holds the MkDocs hook (it imports mkdocs): not a test module, and no doctests.
collect_ignore = ["docs/hooks"]
