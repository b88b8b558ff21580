"""MkDocs hook: bring the lesson in from notebooks/, and keep links into the repository working.

- ``notebooks/*.ipynb`` and ``notebooks/README.md`` become pages under ``notebooks/`` (the
  notebooks rendered by mkdocs-jupyter with their stored outputs; the README is the section's
  index). Nothing is copied into docs/: the notebooks stay where CI executes them. (The Files
  are real files with the project root as their folder: mkdocs-jupyter's wrapper cannot read
  a ``File.generated`` one.)
- A relative link is resolved from the file's real folder (notebooks/ for the lesson). A link
  to a file that is a page of the site points at that page; a link to any other file of the
  repository (``../tests/test_notebook_claims.py``) points at its source on the project's
  repository (``extra.source_url``); a link to nothing is a warning, which fails the strict build.
  Markdown pages are rewritten before MkDocs validates their links; the notebooks' HTML, which
  MkDocs does not validate, is rewritten and checked here.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import urlsplit

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.lesson")

_MD_LINK = re.compile(r"(\]\()([^)\s]+)(\))")
_HREF = re.compile(r'(href=")([^"]+)(")')


def _root(config: Any) -> str:
    return os.path.dirname(os.path.abspath(config.config_file_path))


@event_priority(100)  # before mkdocs-jupyter's on_files, so it sees the notebooks
def on_files(files: Files, config: Any) -> Files:
    root = _root(config)
    for name in sorted(os.listdir(os.path.join(root, "notebooks"))):
        if name.endswith(".ipynb") or name == "README.md":
            files.append(File(f"notebooks/{name}", root, config.site_dir, config.use_directory_urls))
    return files


def _resolve(target: str, page: Any, files: Files, config: Any) -> tuple[File | None, str | None, str]:
    """(the site file, or else the repository path, or neither; the #fragment) for a relative link."""
    parts = urlsplit(target)
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    real = os.path.normpath(os.path.join(os.path.dirname(page.file.abs_src_path), parts.path))
    for f in files:
        if f.abs_src_path and os.path.normpath(f.abs_src_path) == real:
            return f, None, fragment
    root = _root(config)
    if os.path.exists(real) and os.path.commonpath([root, real]) == root:
        return None, os.path.relpath(real, root).replace(os.sep, "/"), fragment
    return None, None, fragment


def _is_relative(target: str) -> bool:
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc or target.startswith(("#", "/")))


def _source_url(config: Any, path: str) -> str:
    return str(config.extra["source_url"]).rstrip("/") + "/" + path


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    def fix(m: re.Match[str]) -> str:
        target = m.group(2)
        if not _is_relative(target):
            return m.group(0)
        f, repo_path, fragment = _resolve(target, page, files, config)
        if f is not None:  # MkDocs checks the link (and its #anchor) as it checks any other
            rel = os.path.relpath(f.src_uri, os.path.dirname(page.file.src_uri) or ".").replace(os.sep, "/")
            return f"{m.group(1)}{rel}{fragment}{m.group(3)}"
        if repo_path is not None:
            return f"{m.group(1)}{_source_url(config, repo_path)}{fragment}{m.group(3)}"
        return m.group(0)  # MkDocs warns about it

    return _MD_LINK.sub(fix, markdown)


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    if not page.file.src_uri.endswith(".ipynb"):
        return html

    def fix(m: re.Match[str]) -> str:
        target = m.group(2)
        if not _is_relative(target):
            return m.group(0)
        f, repo_path, fragment = _resolve(target, page, files, config)
        if f is not None:
            return f"{m.group(1)}{f.url_relative_to(page.file)}{fragment}{m.group(3)}"
        if repo_path is not None:
            return f"{m.group(1)}{_source_url(config, repo_path)}{fragment}{m.group(3)}"
        log.warning("%s links to '%s', which is neither a page nor a file of the repository",
                    page.file.abs_src_path, target)
        return m.group(0)

    return _HREF.sub(fix, html)
