"""Which files are ours: glob patterns (``servicestage.files``) matched against paths."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit


@functools.lru_cache(maxsize=64)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """A VS Code–style glob (``**``, ``*``, ``?``, ``[...]``, ``{a,b}``) as a regex over '/'-separated paths.

    A pattern without a '/' matches the file name anywhere (``*.servicestage.yaml``).
    """
    if "/" not in pattern:
        pattern = "**/" + pattern
    out = []
    i, n = 0, len(pattern)
    depth = 0
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("(?:^|.*/)" + "".join(out) + "$" if not pattern.startswith("/") else "".join(out) + "$")


def uri_to_path(uri: str) -> str:
    """The path of a URI ('/'-separated; for non-file schemes, the URI's path part)."""
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if re.match(r"^/[A-Za-z]:", path):  # file:///c:/x → c:/x
        path = path[1:]
    return path.replace("\\", "/")


def matches(path: str, globs: Iterable[str]) -> bool:
    path = path.replace("\\", "/")
    return any(glob_to_regex(g).match(path) for g in globs)
