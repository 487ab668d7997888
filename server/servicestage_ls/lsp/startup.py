"""A faster start of the language server (what `initialize` costs the user).

Most of the start is importing ``lsprotocol.types``: attrs generates the methods of its 550 classes as source
and compiles them at every start. ``faster_imports`` keeps those code objects in a per-user cache
(``$XDG_CACHE_HOME/servicestage-ls``), keyed by the exact source, the file name attrs gives it, the attrs
version and the Python version — like ``__pycache__`` does for modules. What the imports made is then frozen,
so later garbage collections skip it. (Turning the collector off while importing was faster still, but left the
process 7 MiB larger: the memory benchmark is part of the targets too.)

Anything unexpected (another attrs, an unreadable or unwritable cache) falls back to the normal import.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
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
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = sys.implementation.cache_tag or "nocache"
    return Path(base) / "servicestage-ls" / f"attrs-{attr.__version__}-{tag}.marshal"


def _load(path: Path) -> dict[bytes, CodeType]:
    try:
        with open(path, "rb") as f:
            loaded = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save(path: Path, codes: dict[bytes, CodeType]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
        cached = _load(path) if path is not None else {}

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
