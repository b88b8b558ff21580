"""Atomic JSON writing: a crash leaves either the old file or the new one, never half of one.

The JSON goes to a temporary file beside the target, named after the writer
(``.model.json.<pid>@<host>.<random>.tmp``), which is flushed, fsync'd and moved
over the target with ``os.replace``. If the writer is interrupted by an
exception (Ctrl-C, or SIGTERM turned into SystemExit as the CLI does) the
temporary file is removed on the way out. If it is killed outright (SIGKILL,
a crash, a power cut) the temporary file stays; the next save of the same
target removes it, once no process with that PID runs on this host.

The library installs no signal handlers: what a signal does is the program's choice.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import socket
import tempfile
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO


def atomic_write_json(path: str, doc: Any) -> None:
    """Write ``doc`` as JSON to a temp file beside ``path``, fsync it, then ``os.replace`` it over ``path``.

    Non-finite floats are refused (``allow_nan=False``): standard JSON cannot hold them.
    After a successful write, temporary files of ``path`` left by dead writers are removed.

    Examples:
        >>> atomic_write_json("weights.json", {"version": 1})
        >>> open("weights.json").read()
        '{\\n "version": 1\\n}\\n'
    """

    def dump(f: BinaryIO) -> None:
        text = codecs.getwriter("utf-8")(f)
        json.dump(doc, text, indent=1, allow_nan=False)
        text.write("\n")

    _write_atomically(path, dump)


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync it, then ``os.replace`` it over ``path``.

    Examples:
        >>> atomic_write_bytes("model.onnx", b"\\x08\\x08")
        >>> open("model.onnx", "rb").read()
        b'\\x08\\x08'
    """
    _write_atomically(path, lambda f: f.write(data))


def _write_atomically(path: str, write: Callable[[BinaryIO], Any]) -> None:
    """Run ``write`` on a temp file beside ``path``, fsync it, and ``os.replace`` it over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{base}.{os.getpid()}@{_HOST}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt and SystemExit too: never leave our temp behind
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)
    remove_stale_temporaries(path)


def _host_tag() -> str:
    """A short tag of this machine's name: PIDs only mean something on their own host (think NFS)."""
    return f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"


_HOST = _host_tag()


def stale_temporaries(path: str) -> list[str]:
    """Temporary files of ``path`` (full paths) whose writer, on this host, no longer runs.

    Only files named by ``atomic_write_json`` for this very target count;
    those of this process, of live processes, of other hosts, and anything
    else in the folder are never listed. Always empty where a PID cannot be
    checked safely (not POSIX).
    """
    if os.name != "posix":
        return []  # on Windows os.kill(pid, 0) would terminate the process, not probe it
    folder = os.path.dirname(os.path.abspath(path))
    pattern = re.compile(re.escape(f".{os.path.basename(path)}.") + r"(\d+)@" + re.escape(_HOST) + r"\.\w+\.tmp")
    stale = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in names:
        m = pattern.fullmatch(name)
        if m and not _alive(int(m.group(1))):
            stale.append(os.path.join(folder, name))
    return stale


def remove_stale_temporaries(path: str) -> None:
    """Remove the temporary files of ``path`` left by dead writers (see ``stale_temporaries``)."""
    for tmp in stale_temporaries(path):
        try:
            os.unlink(tmp)
        except OSError:  # gone already, or not ours to remove: the save itself succeeded
            pass


def _alive(pid: int) -> bool:
    """True if a process ``pid`` runs here (or might: when unsure, keep its file)."""
    if pid == os.getpid():
        return True  # another thread of ours may be writing
    try:
        os.kill(pid, 0)  # signal 0: no signal is sent, only the check
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # exists but is not ours (PermissionError), or unknowable: keep its file
    return True


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); not possible on every platform."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
