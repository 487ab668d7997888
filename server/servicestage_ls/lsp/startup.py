"""A faster start of the language server (what `initialize` costs the user).

Most of the start is importing ``lsprotocol.types``: attrs generates the methods of its 550 classes as source
and compiles them at every start. ``faster_imports`` keeps those code objects in a per-user cache
(``$XDG_CACHE_HOME/servicestage-ls``), keyed by the exact source, the file name attrs gives it, the attrs
version and the Python version — like ``__pycache__`` does for modules. What the imports made is then frozen,
so later garbage collections skip it. (Turning the collector off while importing was faster still, but left the
process 7 MiB larger: the memory benchmark is part of the targets too.)

Anything unexpected (another attrs, an unreadable or unwritable cache) falls back to the normal import.

The cache holds code that is run: it is loaded only from a directory the user owns that no one else may write
(not group- or world-writable), and only from a regular file likewise owned and protected (checked on the open
file, so it cannot be swapped between check and read). Anything else — another user's file or directory, a
directory or file others may write — is ignored and nothing is saved there. Without POSIX owners (Windows) there
is no cache.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType
from typing import Any


def cache_path() -> Path | None:
    try:
        import attr
    except ImportError:
        return None
    if not hasattr(os, "getuid"):
        return None  # no owners to check the cache's by
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = sys.implementation.cache_tag or "nocache"
    return Path(base) / "servicestage-ls" / f"attrs-{attr.__version__}-{tag}.marshal"


def protected(status: os.stat_result, uid: int, kind: int) -> bool:
    """Whether a file or directory (``status``) is of ``kind`` (``stat.S_IFDIR``, ``stat.S_IFREG``), owned by
    ``uid`` and writable by no one else (no group or other write bit)."""
    return (stat.S_IFMT(status.st_mode) == kind and status.st_uid == uid
            and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _own_directory(directory: Path) -> bool:
    try:
        return protected(os.stat(directory), os.getuid(), stat.S_IFDIR)
    except OSError:
        return False


def load(path: Path) -> dict[bytes, CodeType]:
    """The cached code, or nothing when the cache is not the user's own and protected (or unreadable)."""
    if not _own_directory(path.parent):
        return {}
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with open(fd, "rb") as f:
            if not protected(os.fstat(f.fileno()), os.getuid(), stat.S_IFREG):
                return {}
            loaded = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save(path: Path, codes: dict[bytes, CodeType]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _own_directory(path.parent):
            return  # it would never be loaded from there
        fd, temp = tempfile.mkstemp(prefix=".attrs-", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            marshal.dump(codes, f)
        os.replace(temp, path)
    except OSError:
        pass  # a read-only home: the next start compiles again


@contextmanager
def faster_imports() -> Iterator[None]:
    """Import the server's modules inside this block."""
    make: Any = None
    original = None
    path = cache_path()
    cached: dict[bytes, CodeType] = {}
    compiled: dict[bytes, CodeType] = {}
    if path is not None:
        import attr._make as make

        original = getattr(make, "_compile_and_eval", None)
    if callable(original):
        cached = load(path) if path is not None else {}

        def compile_and_eval(script: str, globs: Any, locs: Any = None, filename: str = "") -> None:
            key = hashlib.sha1(f"{filename}\0{script}".encode()).digest()
            code = cached.get(key)
            if code is None:
                code = compiled[key] = compile(script, filename, "exec")
            eval(code, globs, locs)  # noqa: S307 - what attrs itself does with the code it generated

        make._compile_and_eval = compile_and_eval
    try:
        import lsprotocol.types  # noqa: F401 - the bulk of the start, while the cache is in place
    finally:
        if callable(original):
            make._compile_and_eval = original
            if compiled and path is not None:
                _save(path, {**cached, **compiled})
    # What the imports made lives as long as the server: collections while the rest loads, and later ones,
    # need not look at it again (one of them took 60 ms).
    gc.freeze()
    yield
    gc.freeze()
