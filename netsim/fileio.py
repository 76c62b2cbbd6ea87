"""Reading and writing the files a user names, safely and within bounds.

The one place netsim touches user-named files:

- :func:`read_limited` reads a regular file (or standard input) up to a byte
  limit, refusing devices, FIFOs and sockets (``/dev/zero`` would never end, a
  FIFO could block forever) and anything over the limit, without reading more
  than the limit plus one byte;
- :func:`write_atomically` writes a file through a temporary name in the same
  folder and renames it into place, so a reader (or an interrupted run) never
  leaves or sees half a file.

Every failure is a :class:`~netsim.errors.NetsimError` naming the path and the
reason, never an ``OSError`` traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from netsim.errors import LoadError, NetsimError

__all__ = [
    "check_named_path",
    "describe_os_error",
    "file_kind",
    "list_folder",
    "read_limited",
    "read_stdin",
    "write_atomically",
]


def describe_os_error(exc: OSError) -> str:
    """A short reason for an OSError (``Permission denied``, ``File name too long``...)."""
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links (a symlink loop?)"
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    return exc.strerror or str(exc)


def file_kind(mode: int) -> str:
    """What a stat mode is, in words (``a directory``, ``a FIFO``...)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_named_path(text: str) -> os.stat_result:
    """The stat of the path a user named; LoadError saying why there is nothing to read.

    An empty name, a missing file, a symlink loop, a name too long and a folder
    that may not be searched each get their own words (``Path.exists`` says
    "no such file" for all of them).
    """
    if not text.strip():
        raise LoadError(f"{text!r}: an empty path names no file")
    try:
        return os.stat(text)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise LoadError(f"{text}: no such file or directory") from None
        raise LoadError(f"{text}: cannot read: {describe_os_error(exc)}") from None
    except ValueError:
        raise LoadError(f"{text!r}: not a valid path (it holds a NUL byte)") from None


def list_folder(path: Path) -> list[Path]:
    """The entries of a folder, sorted; LoadError when it cannot be listed."""
    try:
        return sorted(path.iterdir())
    except OSError as exc:
        raise LoadError(f"{path}: cannot list the directory: {describe_os_error(exc)}") from None


def _read_bounded(stream: BinaryIO, limit: int, name: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise LoadError(f"{name}: file is too large (more than {limit} bytes, the limit)")
    return b"".join(chunks)


def read_limited(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises LoadError for a missing or unreadable file, a directory, a device, a
    FIFO or a socket, and a file larger than ``limit`` bytes (only ``limit + 1``
    bytes are ever read, so a file growing while read is bounded too).
    """
    name = str(path)
    try:
        info = os.stat(name)
    except OSError as exc:
        raise LoadError(f"{name}: cannot read: {describe_os_error(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = file_kind(info.st_mode)
        raise LoadError(f"{name}: is {kind}, not a regular file" if kind[0] == "a" else kind)
    if info.st_size > limit:
        raise LoadError(f"{name}: file is too large ({info.st_size} bytes; the limit is {limit})")
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the stat, open does not block.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            return _read_bounded(stream, limit, name)
    except OSError as exc:
        raise LoadError(f"{name}: cannot read: {describe_os_error(exc)}") from None


def read_stdin(limit: int, name: str = "<stdin>") -> bytes:
    """Standard input's bytes, at most ``limit`` of them (LoadError when closed or larger)."""
    stream = getattr(sys.stdin, "buffer", None)
    if sys.stdin is None or stream is None:
        raise LoadError(f"{name}: cannot read: standard input is closed")
    try:
        return _read_bounded(stream, limit, name)
    except (OSError, ValueError) as exc:
        reason = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
        raise LoadError(f"{name}: cannot read: {reason}") from None


def _mode_for(target: Path) -> int:
    """The mode the file gets: the old file's, else what a plain open() would give."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomically(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it.

    A reader never sees half a file and a failed or interrupted write leaves the
    old file (or none) in place, never a partial one. Text is written as UTF-8.
    Raises NetsimError naming the path and the reason (missing folder, not a
    folder, read-only, no space left, name too long...).
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if str(path) == "":
        raise NetsimError("cannot write: the file name is empty")
    if os.path.isdir(target):
        raise NetsimError(f"{target}: cannot write: is a directory")
    folder = target.parent
    temporary = ""
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fchmod(stream.fileno(), _mode_for(target))
        os.replace(temporary, target)
        temporary = ""
    except OSError as exc:
        raise NetsimError(f"{target}: cannot write: {describe_os_error(exc)}") from None
    finally:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
