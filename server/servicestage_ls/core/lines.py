"""Reading one line of YAML text without parsing it: indentation, ``- `` markers, ``key: value``, comments.

Completion and hover read the line under the cursor with it: while typing, the document is rarely valid YAML.
Columns are code points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRUCTURE_RE = re.compile(r"^(?P<indent> *)(?P<dashes>(?:-(?:[ \t]+|$))*)")
_KEY_RE = re.compile(r"(?P<key>[A-Za-z0-9_][A-Za-z0-9_.-]*)[ \t]*:(?=[ \t]|$)")
WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


@dataclass(frozen=True, slots=True)
class LineInfo:
    """The block structure of one line: indentation, ``- `` markers, and a ``key: value`` when there is one."""

    indent: int
    dash_cols: tuple[int, ...]
    key_col: int  # where the content after the markers starts
    key: str | None
    key_end: int  # column after the key (== key_col when there is no key)
    value_col: int | None  # where the value starts (after ``:`` and blanks); None without a key
    value_end: int  # end of the value (before a comment and trailing blanks)
    blank: bool  # nothing but blanks or a comment

    def value(self, line: str) -> str:
        """The value as written (quotes removed), or "" without a key."""
        if self.value_col is None:
            return ""
        return unquote(line[self.value_col : self.value_end])


def unquote(text: str) -> str:
    """A scalar as written without its surrounding quotes (no escapes are read)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def comment_start(line: str, start: int) -> int:
    """Where a ``#`` comment starts at or after ``start`` (``len(line)`` when there is none), skipping quotes."""
    quote: str | None = None
    for i in range(start, len(line)):
        ch = line[i]
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == start or line[i - 1] in " \t,[{:"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return len(line)


def analyze_line(line: str) -> LineInfo:
    match = _STRUCTURE_RE.match(line)
    assert match is not None
    indent = len(match.group("indent"))
    dashes = match.group("dashes")
    dash_cols = tuple(indent + m.start() for m in re.finditer("-", dashes))
    key_col = match.end()
    rest = line[key_col:]
    if not rest.strip() or rest.lstrip().startswith("#"):
        blank = not dash_cols
        return LineInfo(indent, dash_cols, key_col, None, key_col, None, key_col, blank)
    key_match = _KEY_RE.match(line, key_col)
    if key_match is None:
        return LineInfo(indent, dash_cols, key_col, None, key_col, None, key_col, False)
    value_col = key_match.end()
    while value_col < len(line) and line[value_col] in " \t":
        value_col += 1
    value_end = comment_start(line, value_col)
    while value_end > value_col and line[value_end - 1] in " \t":
        value_end -= 1
    return LineInfo(indent, dash_cols, key_col, key_match.group("key"), key_match.end("key"), value_col,
                    value_end, False)


# --- one line's flow brackets (`{…}`, `[…]`), quotes and `${…}` references, for completion -----------------


def flow_value_end(text: str, start: int, col: int) -> int:
    """The end of a flow value that starts at ``start`` (at least ``col``): before ``,``/``}``, past quotes."""
    end = start
    quote: str | None = text[start] if start < len(text) and text[start] in "\"'" else None
    if quote is not None:
        close = text.find(quote, start + 1)
        end = close + 1 if close >= 0 else start + 1
    in_reference = False
    while end < len(text):
        ch = text[end]
        if in_reference:
            in_reference = ch != "}"
        elif ch == "{" and end > start and text[end - 1] == "$":
            in_reference = True
        elif ch in ",}]#":
            break
        end += 1
    while end > start and text[end - 1] in " \t":
        end -= 1
    return max(end, col)


FLOW_PAIR_RE = re.compile(r"[{,][ \t]*(?P<key>[A-Za-z0-9_][A-Za-z0-9_.-]*)[ \t]*:(?P<value>[^,}]*)")


def colon_in(segment: str) -> int | None:
    """The index of a ``key:`` colon in a segment (followed by a blank or the end), or None."""
    for i, ch in enumerate(segment):
        if ch == ":" and (i + 1 == len(segment) or segment[i + 1] in " \t"):
            return i
    return None


def matching_close(text: str, open_col: int) -> int:
    depth = 0
    quote: str | None = None
    for i in range(open_col, len(text)):
        ch = text[i]
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def word_end(text: str, col: int) -> int:
    end = col
    while end < len(text) and text[end] in WORD_CHARS:
        end += 1
    return end


def scan_prefix(prefix: str) -> tuple[bool, list[tuple[str, int, int]]]:
    """(in a comment, open flow brackets as (bracket, column, start of the current segment))."""
    opens: list[tuple[str, int, int]] = []
    quote: str | None = None
    in_reference = False
    for i, ch in enumerate(prefix):
        if quote is not None:
            if ch == quote:
                quote = None
            continue
        if in_reference:
            in_reference = ch != "}"
            continue
        if ch == "{" and i and prefix[i - 1] == "$":
            in_reference = True  # ``${NAME}`` is a token reference, not a flow mapping
            continue
        if ch in "\"'" and (i == 0 or prefix[i - 1] in " \t,[{:"):
            quote = ch
        elif ch == "#" and (i == 0 or prefix[i - 1] in " \t"):
            return True, opens
        elif ch in "{[":
            opens.append((ch, i, i + 1))
        elif ch in "}]":
            if opens:
                opens.pop()
        elif ch == "," and opens:
            bracket, at, _ = opens[-1]
            opens[-1] = (bracket, at, i + 1)
    return False, opens
