"""Files as the CLI reads and writes them: bounded UTF-8 reading (files and standard input), atomic rewriting.

A write replaces the file in one step (a temporary file in the same folder, fsync, rename) with its
permissions, through a symlink to its target; on any failure the original file is left as it was.
"""

from __future__ import annotations

import os
import tempfile
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


def write_atomically(path: str, text: str) -> None:
    """Replace the file's content in one step; on any failure the original file is left as it was."""
    path = os.path.realpath(path)  # through a symlink: write its target, keep the link
    directory = os.path.dirname(path)
    mode = os.stat(path).st_mode & 0o7777
    fd, temp = tempfile.mkstemp(prefix=".servicestage-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
