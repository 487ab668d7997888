"""Parsed chunks (or the whole text parsed at once) → the model's top-level items, entries and syntax problems.

``document.py`` decides how the text is cut and parsed; this module puts the parses together, the same way for
both paths, and words a syntax error the way a user reads it (SS100, SS103).
"""

from __future__ import annotations

import re

from servicestage_ls.core.chunks import Chunk
from servicestage_ls.core.model import (
    Entry,
    Mapping,
    Model,
    Pos,
    Problem,
    Range,
    Scalar,
    Sequence,
    TopItem,
    node_range,
    rebased,
)
from servicestage_ls.core.yamlparse import ParsedText, parse_text


_ANCHOR_RE = re.compile(r"&([^\s,\[\]{}]+)")
_ALIAS_AT_RE = re.compile(r"\*([^\s,\[\]{}]+)")


def _undefined_alias(result: ParsedText, base: int, lines: list[str], anchors: set[str]) -> Problem | None:
    """SS100 on the alias at ``result``'s error when no anchor of the whole text has its name (None when one has:
    the chunk alone did not see it), naming it and the anchors there are."""
    assert result.error is not None
    _, (line, col), _ = result.error
    line = min(line + base, len(lines) - 1)
    match = _ALIAS_AT_RE.match(lines[line], col)
    if match is None or match.group(1) in anchors:
        return None
    defined = ", ".join(sorted(anchors)) or "none"
    return Problem("SS100", f"YAML syntax error: `*{match.group(1)}` is not defined; defined: {defined}",
                   Range((line, col), (line, match.end())))


def assemble_repaired(model: Model, plan: list[Chunk], parsed: list[tuple[str, ParsedText]]) -> bool:
    """Aliases to anchors in other chunks, and a syntax error elsewhere (or an alias whose anchor is nowhere): the
    whole text cannot be parsed and the alias chunks alone do not know their anchors. Parse the whole text without
    the chunks that fail for another reason (their lines left blank, so positions stay), and keep those chunks' own
    errors. False when that does not parse either."""
    anchors = set(_ANCHOR_RE.findall(model.text)) if "&" in model.text else set()
    broken: list[tuple[Chunk, Problem]] = []
    for chunk, (_, result) in zip(plan, parsed):
        if result.error is None:
            continue
        if not result.undefined_alias:
            broken.append((chunk, syntax_problem(result, chunk.first, model.lines)))
        elif (undefined := _undefined_alias(result, chunk.first, model.lines, anchors)) is not None:
            broken.append((chunk, undefined))
    if not broken:
        return False
    lines = list(model.lines)
    for chunk, _ in broken:
        for i in range(chunk.first, chunk.last + 1):
            lines[i] = ""
    repaired = parse_text("\n".join(lines))
    if repaired.error is not None:
        return False
    assemble_whole(model, repaired)
    for chunk, problem in broken:
        model.problems.append(problem)
        if chunk.item:
            model.entries.append(Entry(0, None, chunk.first, chunk.first, chunk.last, None))
        else:
            model.top_incomplete = True
    model.problems.sort(key=lambda p: p.range.start)
    model.entries.sort(key=lambda e: e.first_line)
    for index, entry in enumerate(model.entries):
        entry.index = index
    return True


def shape_ok(parsed: ParsedText, item: bool) -> bool:
    if len(parsed.roots) != 1:
        return False
    root = parsed.roots[0]
    if item:
        return isinstance(root, Sequence) and not root.flow and len(root.items) == 1
    return isinstance(root, Mapping) and not root.flow and len(root.pairs) == 1


def syntax_problem(parsed: ParsedText, base: int, lines: list[str]) -> Problem:
    assert parsed.error is not None
    message, (line, col), context = parsed.error
    if context is not None and context[0] != line:
        message += f" (the construct starts on line {context[0] + base + 1})"
        if parsed.error_at_end:  # "unexpected end of stream": point at where the construct opened
            line, col = context
    line += base
    line = min(line, len(lines) - 1)
    text = lines[line]
    col = min(col, len(text))
    # Cover the token at the error position (at least one character where there is one).
    end = col
    while end < len(text) and not text[end].isspace():
        end += 1
    if end == col and col < len(text):
        end = col + 1
    friendly = _friendly_syntax_error(message, text, col)
    if friendly is not None:
        message, (col, end) = friendly[0], friendly[1] or (col, end)
    return Problem("SS100", f"YAML syntax error: {message}", Range((line, col), (line, end)))


_UNQUOTED_REFERENCE_RE = re.compile(r"\$\{[^\s,}\]]*\}?")


def _friendly_syntax_error(message: str, text: str, col: int) -> tuple[str, tuple[int, int] | None] | None:
    """What the most common mistakes mean, instead of the parser's words: (message, columns to cover or None)."""
    indent = len(text) - len(text.lstrip(" \t"))
    tab = text.find("\t", 0, max(indent, col + 1))
    if tab >= 0 and (col <= indent or "tab" in message or "cannot start any token" in message):
        return ("a tab is used for indentation; YAML indents with spaces only — replace the tab with spaces",
                (tab, tab + 1))
    if "did not find expected ','" in message:
        start = text.rfind("${", 0, col + 2)
        if start >= 0 and start >= col - 2:
            reference = _UNQUOTED_REFERENCE_RE.match(text, start)
            assert reference is not None
            where = "a flow mapping (`{…}`)" if "'}'" in message else "a flow list (`[…]`)"
            return (f"an unquoted `${{…}}` inside {where}: YAML reads its braces as a mapping — quote it: "
                    f"`\"{reference.group(0)}\"`", (start, reference.end()))
    return None


def assemble_chunks(model: Model, plan: list[Chunk], parsed: list[tuple[str, ParsedText]]) -> None:
    lines = model.lines
    model.root_kind = "empty" if not plan else "mapping"
    header: TopItem | None = None
    for position, (chunk, (chunk_text, result)) in enumerate(zip(plan, parsed)):
        if result.error is not None:
            model.problems.append(syntax_problem(result, chunk.first, lines))
        if chunk.item:
            node = None
            if result.error is None:
                root = result.roots[0]
                assert isinstance(root, Sequence)
                node = root.items[0]
            if header is not None and model.authorizations is header:
                model.entries.append(
                    Entry(len(model.entries), node, chunk.first, chunk.first, chunk.last, chunk_text)
                )
            continue
        if result.error is not None:
            header = None
            model.top_incomplete = True
            continue
        root = result.roots[0]
        assert isinstance(root, Mapping)
        pair = root.pairs[0]
        item = TopItem(pair.key, pair.value, chunk.first)
        model.top.append(item)
        header = item
        if item.key_text == "authorizations" and model.authorizations is None:
            model.authorizations = item
            if position + 1 < len(plan) and plan[position + 1].item:
                start = (pair.value.start[0] + chunk.first, pair.value.start[1])
                item.value = Sequence(start, start, [], False)
                item.base = 0
                item.key = rebased(pair.key, chunk.first)
            else:
                _add_entries_from_value(model, item)
    if model.authorizations is not None and model.entries and isinstance(model.authorizations.value, Sequence):
        seq = model.authorizations.value
        last = model.entries[-1]
        seq.start = entry_start(model.entries[0])
        seq.end = entry_end(last, lines)


def entry_start(entry: Entry) -> Pos:
    return (entry.first_line, 0) if entry.node is None else (entry.node.start[0] + entry.base, 0)


def entry_end(entry: Entry, lines: list[str]) -> Pos:
    if entry.node is None:
        return (entry.last_line, len(lines[entry.last_line]))
    return (entry.node.end[0] + entry.base, entry.node.end[1])


_ALIAS_RE = re.compile(r"(?:(?<=[\s,\[-])|^)\*[^\s,\[\]{}]+", re.M)


def _add_entries_from_value(model: Model, item: TopItem) -> None:
    """Entries of an ``authorizations`` value parsed as one node (flow list, or the whole-text path).

    An item that is an alias (``- *e``) shares the anchored node, whose positions are the anchor's: the entry
    gets the alias's own range, found in the text after the item before it."""
    if not isinstance(item.value, Sequence):
        return
    cursor = model.offset((item.value.start[0] + item.base, item.value.start[1]))
    for index, node in enumerate(item.value.items):
        start = model.offset((node.start[0] + item.base, node.start[1]))
        alias = _ALIAS_RE.search(model.text, cursor) if start < cursor else None
        if alias is not None:
            rng = Range(model.position(alias.start()), model.position(alias.end()))
            model.entries.append(Entry(index, node, item.base, rng.start[0], rng.end[0], None, rng))
            cursor = alias.end()
            continue
        first = node.start[0] + item.base
        last = node.end[0] + item.base
        if isinstance(node, Mapping) and not node.flow and node.end[1] == 0 and last > first:
            last -= 1  # a block mapping ends at the start of the next line
        model.entries.append(Entry(index, node, item.base, first, last, None))
        cursor = max(cursor, model.offset((node.end[0] + item.base, node.end[1])))


def assemble_whole(model: Model, parsed: ParsedText) -> None:
    if parsed.error is not None:
        model.problems.append(syntax_problem(parsed, 0, model.lines))
        model.top_incomplete = True
    for start in parsed.doc_starts[1:]:
        line = start[0]
        # Point at the `---` that opens the document when there is one.
        marker = next((i for i in range(line, -1, -1) if model.lines[i].startswith("---")), None)
        if marker is not None:
            rng = Range((marker, 0), (marker, 3))
        else:
            rng = Range((line, 0), (line, len(model.lines[line])))
        model.problems.append(
            Problem("SS103", "a second YAML document: an authorization file holds exactly one document", rng)
        )
    if not parsed.roots:
        model.root_kind = "empty"
        return
    root = parsed.roots[0]
    if isinstance(root, Scalar) and root.is_null:
        model.root_kind = "empty"
        return
    model.root_kind = root.kind
    model.root_range = node_range(root)
    if not isinstance(root, Mapping):
        return
    for pair in root.pairs:
        item = TopItem(pair.key, pair.value, 0)
        model.top.append(item)
        if item.key_text == "authorizations" and model.authorizations is None:
            model.authorizations = item
            _add_entries_from_value(model, item)
