"""Files as the CLI reads and writes them: bounded UTF-8 reading (files and standard input), atomic writing.

A write replaces the file in one step (a temporary file in the same folder, fsync, rename) with its
permissions, through a symlink to its target; on any failure the original file is left as it was. A new file
appears in one step too (a temporary file, fsync, a hard link to the name): whole or not at all, never over a
file that exists.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO

MAX_FILE_BYTES = 64 * 1024 * 1024


class Unreadable(Exception):
    """A file that cannot be checked; the message says why (never its content)."""


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def read_text(path: str) -> str:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise Unreadable(f"file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} that are read")
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except IsADirectoryError:
        raise Unreadable("is a directory") from None
    except OSError as exc:
        raise Unreadable(exc.strerror or "cannot be read") from None
    return decode(data)


def read_stream(stream: BinaryIO) -> str:
    """Standard input, with the same limit and decoding as a file."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"standard input has more than the {MAX_FILE_BYTES:,} bytes that are read")
    return decode(data)


def read_with_bom(path: str) -> tuple[str, bool]:
    """The text and whether it started with a UTF-8 byte-order mark (kept on write); Unreadable says why not."""
    text = read_text(path)  # first: it turns a missing or unreadable file into Unreadable (exit 2, no traceback)
    try:
        with open(path, "rb") as f:
            bom = f.read(3) == b"\xef\xbb\xbf"
    except OSError as exc:
        raise Unreadable(exc.strerror or "cannot be read") from None
    return text, bom


def read_only_problem(path: str) -> str | None:
    """Why the file may not be rewritten, said before anything is sent ("the file is read-only …"), or None. A
    file whose permissions allow nobody to write is read-only also for a user who could override them (root): its
    owner marked it so."""
    try:
        target = os.path.realpath(path)
        mode = os.stat(target).st_mode
    except OSError:
        return None  # reading it says what is wrong
    if not mode & 0o222 or not os.access(target, os.W_OK):
        return f"the file is read-only; make it writable first (chmod u+w {path})"
    if not os.access(os.path.dirname(target) or ".", os.W_OK):
        return "its folder is read-only (the file is rewritten through a temporary file next to it)"
    return None


def write_problem(exc: OSError) -> str:
    """A failed write as one plain line (never the temporary file's path nor a raw errno)."""
    if exc.errno == errno.EPERM:
        return "the file cannot be replaced: operation not permitted (is it immutable? `lsattr` shows it)"
    if exc.errno in (errno.EACCES, errno.EROFS):
        return f"the file cannot be replaced: {(exc.strerror or 'permission denied').lower()}"
    return (exc.strerror or "cannot be written").lower()


def write_atomically(path: str, text: str) -> None:
    """Replace the file's content in one step; on any failure the original file is left as it was."""
    path = os.path.realpath(path)  # through a symlink: write its target, keep the link
    mode = os.stat(path).st_mode & 0o7777
    _write_then(path, text, mode, os.replace)


def write_new(path: str, text: str) -> None:
    """Create the file in one step with the permissions a new file gets (the umask's); FileExistsError when
    something has that name (also when it appeared meanwhile: never overwritten); on any failure there is no file."""
    umask = os.umask(0o022)
    os.umask(umask)
    _write_then(os.path.abspath(path), text, 0o666 & ~umask, _link_new)


def _link_new(temp: str, path: str) -> None:
    """The temporary file under the new name, refused when the name exists. A file system without hard links
    (FAT, some network shares) gets a rename after a last look (a file made in between would be replaced)."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError as why:
        if why.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path) from None
        os.replace(temp, path)


def _write_then(path: str, text: str, mode: int, publish: Callable[[str, str], None]) -> None:
    """The text in a temporary file next to ``path`` (fsync'd, ``mode``), then ``publish(temp, path)``; the
    temporary file is removed whatever happens (after a rename it is already gone)."""
    fd, temp = tempfile.mkstemp(prefix=".servicestage-", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, mode)
        publish(temp, path)
    finally:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
