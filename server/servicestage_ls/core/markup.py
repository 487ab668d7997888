"""Markdown → plain text, for clients that accept only plain text (``hover.contentFormat: ["plaintext"]``).

The hover and completion texts are written in the small Markdown subset below; a plain-text client shows them
without the markers: code spans keep their content as written, emphasis and links lose their syntax.
"""

from __future__ import annotations

import re

__all__ = ["plain_text"]

_LITERAL_RE = re.compile(r"(`+)(.+?)\1|\\([\\`*_{}\[\]()#+\-.!<>|])", re.DOTALL)  # a code span or an escape
_LINK_RE = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_AUTOLINK_RE = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_STRONG_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS_RE = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")


def plain_text(markdown: str) -> str:
    """The text of ``markdown`` without its markup: ``**a**``, ``*a*``, `` `a` ``, ``<url>``, ``[a](url)``."""
    out: list[str] = []
    at = 0
    for literal in _LITERAL_RE.finditer(markdown):
        out.append(_inline(markdown[at:literal.start()]))
        code = literal.group(2)
        if code is None:
            out.append(literal.group(3))
        else:
            out.append(code[1:-1] if len(code) > 2 and code[0] == code[-1] == " " else code)
        at = literal.end()
    out.append(_inline(markdown[at:]))
    return "".join(out)


def _inline(text: str) -> str:
    text = _LINK_RE.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
    text = _AUTOLINK_RE.sub(r"\1", text)
    text = _STRONG_RE.sub(r"\1", text)
    return _EMPHASIS_RE.sub(r"\1", text)
