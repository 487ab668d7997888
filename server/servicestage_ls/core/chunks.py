"""How a text is cut into chunks: one per top-level key and one per item of ``authorizations``.

``plan_chunks`` returns None whenever the cut could change the meaning (directives, several documents, a top-level
line that starts a flow collection, a quoted or anchored key…): the whole text is then parsed at once.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Chunk(NamedTuple):
    """Lines ``first``..``last`` (inclusive); ``item``: an item of authorizations. (A tuple: one per entry of a
    file that opens, and cheaper to make than a frozen dataclass.)"""

    first: int
    last: int
    item: bool


_DOC_MARKER_RE = re.compile(r"^(---|\.\.\.)(\s|$)")


def is_top_start(line: str) -> bool:
    """A line that starts a new top-level key: content at column 0 that is not a comment or a list item."""
    if not line:
        return False
    c = line[0]
    if c in " \t#\r":
        return False
    if c == "-" and (len(line) == 1 or line[1] in " \t"):
        return False
    return True


def _block_value_follows(line: str) -> bool:
    """``key:`` with nothing but a comment after the colon."""
    match = re.match(r"^[A-Za-z_][A-Za-z0-9_]*[ \t]*:(?:[ \t]+#.*)?[ \t]*$", line)
    return match is not None


def plan_chunks(lines: list[str]) -> tuple[list[Chunk], str | None] | None:
    """How to cut the text (and the item prefix of ``authorizations``), or None to parse it as a whole."""
    first_content = 0
    n = len(lines)
    # A leading "---" (after comments) is allowed; any other document marker or directive needs a full parse.
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[:1] == "%":
            return None
        if _DOC_MARKER_RE.match(line) and line.startswith("---"):
            first_content = i + 1
        break
    starts = [i for i in range(first_content, n) if is_top_start(lines[i])]
    for i in starts:
        if _DOC_MARKER_RE.match(lines[i]) or lines[i][0] in "%[{\"'&*!|>?":
            return None
    if not starts:
        has_content = any(line.strip() and not line.lstrip().startswith("#") for line in lines[first_content:])
        return None if has_content else ([], None)
    chunks: list[Chunk] = []
    item_indent: str | None = None
    # Comments and blank lines before the first key belong to the first chunk.
    bounds = [*starts[1:], n]
    prev_end = first_content
    for start, end in zip(starts, bounds):
        first = prev_end if not chunks else start
        if item_indent is None and lines[start].startswith("authorizations") and _block_value_follows(lines[start]):
            items, item_indent = _plan_items(lines, first, start, end)
            chunks.extend(items)
        else:
            chunks.append(Chunk(first, end - 1, False))
        prev_end = end
    return chunks, item_indent


_ITEM_RE = re.compile(r"^( *)-(?:[ \t]|$)")


def _plan_items(lines: list[str], first: int, key_line: int, end: int) -> tuple[list[Chunk], str | None]:
    """The ``authorizations:`` header and one chunk per item, and the items' prefix."""
    indent: str | None = None
    item_starts: list[int] = []
    for i in range(key_line + 1, end):
        line = lines[i]
        if indent is None:
            stripped = line.lstrip(" ")
            if not stripped or stripped.startswith("#"):
                continue
            match = _ITEM_RE.match(line)
            if match is None:
                return [Chunk(first, end - 1, False)], None
            indent = match.group(1) + "-"
            item_starts.append(i)
        elif is_item_line(line, indent):
            item_starts.append(i)
    if not item_starts:
        return [Chunk(first, end - 1, False)], None
    chunks = [Chunk(first, item_starts[0] - 1, False)]
    for start, stop in zip(item_starts, [*item_starts[1:], end]):
        chunks.append(Chunk(start, stop - 1, True))
    return chunks, indent


def is_item_line(line: str, indent: str) -> bool:
    return line.startswith(indent) and (len(line) == len(indent) or line[len(indent)] in " \t")
