"""The CLI's user errors, and how any error message is made into one safe line."""

from __future__ import annotations

from .._validate import printable


class CLIError(Exception):
    """A user error: printed as one line on stderr, exit status 2.

    Examples:
        >>> from autograd.cli import Formula
        >>> try:
        ...     Formula("x + q", ["x"])
        ... except CLIError as e:
        ...     print(e)
        unknown name 'q' (at column 5): give its value with --at, e.g. --at q=1 (--at gives x)
    """


def one_line(text: str) -> str:
    """``text`` as a single printable line: line breaks become ' / ', other control characters
    are escaped (``\\x1b``), so a message that quotes user input can never break the line or
    drive the terminal."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return printable(" / ".join(p for p in parts if p), limit=2000)
