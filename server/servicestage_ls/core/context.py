"""Where the cursor is, for completion: a tolerant, line-based context finder.

It reads the current line up to the cursor (``key: value``, ``- `` item markers, a one-line ``{…}`` flow mapping)
and walks up by indentation to the enclosing entry or the top level. The model only lends cheap shortcuts (which
lines are ``authorizations`` items), so a request costs a few line scans near the cursor whatever the size of
the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from servicestage_ls.core.lines import (
    FLOW_PAIR_RE,
    WORD_CHARS,
    LineInfo,
    analyze_line,
    colon_in,
    flow_value_end,
    matching_close,
    scan_prefix,
    unquote,
    word_end,
)
from servicestage_ls.core.model import Model, Pos, Range

@dataclass(frozen=True, slots=True)
class _Owner:
    line: int
    key: str | None
    top: bool  # a top-level key (column 0, no item marker)

    @property
    def is_authorizations(self) -> bool:
        return self.top and self.key == "authorizations"


@dataclass
class Context:
    """What the cursor is on: a key, a value or a new list item, in which scope, and what it replaces."""

    what: str  # "key" | "value" | "item"
    scope: str  # "top" | "entry" | "list"
    replace: Range
    prefix: str  # the text typed in the replace range up to the cursor
    key: str | None = None  # for values
    siblings: dict[str, str] = field(default_factory=dict)  # keys present in the mapping → their values
    flow: bool = False
    key_only: bool = False  # a ``:`` already follows the key: insert the name alone
    lead: str = ""  # text to put before the insert (a blank after ``key:``)
    key_col: int = 0  # column of the mapping's keys (entry scope) for multi-line inserts
    dash_col: int = 2  # column of the list's ``-`` markers (list scope)
    snippet_too: bool = False  # top scope inside the authorizations list: offer the entry snippet as well


def _auth_dash_col(model: Model) -> int | None:
    """The column of the ``-`` markers of the parsed ``authorizations`` items, when there are items."""
    if not model.entries:
        return None
    first = model.entries[0].first_line
    info = analyze_line(model.lines[first]) if first < len(model.lines) else None
    return info.dash_cols[0] if info is not None and info.dash_cols else None


MAX_SCAN_LINES = 400
"""How far up the tolerant context finder reads when the model cannot say (a broken file): bounded cost."""


def _list_owner(model: Model, line: int, dash_col: int) -> _Owner | None:
    """The key that owns the block list whose item marker is at ``(line, dash_col)``."""
    auth = model.authorizations
    if auth is not None and model.entries and model.entries[0].first_line <= line <= model.entries[-1].last_line \
            and _auth_dash_col(model) == dash_col:
        return _Owner(auth.key.start[0] + auth.base, "authorizations", True)
    lines = model.lines
    i = line - 1
    while i >= 0:
        if line - i > MAX_SCAN_LINES:
            return None  # a file too broken to find the list's owner near the cursor: no context
        info = analyze_line(lines[i])
        if info.blank:
            i -= 1
            continue
        if info.dash_cols:
            first_dash = info.dash_cols[0]
            if first_dash == dash_col:
                i -= 1  # an earlier item of the same list
                continue
            if first_dash > dash_col:
                owner = _list_owner(model, i, first_dash)  # an item of a deeper list: skip to its owner
                if owner is None:
                    return None
                i = owner.line - 1
                continue
            if info.key is not None and info.key_col < dash_col and info.value_col == info.value_end:
                return _Owner(i, info.key, False)
            return None
        if info.indent <= dash_col:
            if info.key is not None and info.value_col == info.value_end:
                return _Owner(i, info.key, info.indent == 0)
            return None
        i -= 1
    return None


def _top_siblings(model: Model, line: int) -> dict[str, str]:
    """Top-level keys present, except the one on ``line``."""
    if not model.top_incomplete:
        return {key: "" for item in model.top
                if (key := item.key_text) is not None and item.key.start[0] + item.base != line}
    # Part of the top level did not parse: one regex pass over the text (C speed: the pattern starts with a
    # literal line break, which the engine scans for quickly).
    skip = model.line_starts[line] if line < len(model.line_starts) else -1
    return {m.group(1): "" for m in _TOP_KEY_RE.finditer("\n" + model.text) if m.start() != skip}


_TOP_KEY_RE = re.compile(r"\n([A-Za-z0-9_][A-Za-z0-9_.-]*)[ \t]*:(?=[ \t\r\n]|$)")


def _entry_siblings(lines: list[str], item_line: int, key_col: int, skip: int) -> dict[str, str]:
    """Keys (and values) of the block entry that starts at ``item_line``, except the one on line ``skip``."""
    found: dict[str, str] = {}
    for i in range(item_line, len(lines)):
        info = analyze_line(lines[i])
        if info.blank:
            continue
        if i > item_line and (info.indent < key_col or (info.dash_cols and info.dash_cols[0] < key_col)):
            break
        if info.key is not None and info.key_col == key_col and i != skip:
            found.setdefault(info.key, info.value(lines[i]))
    return found


def _in_authorizations(model: Model, line: int) -> bool:
    """Whether ``line`` (a blank line) lies in the ``authorizations`` list: the nearest content above is in it."""
    lines = model.lines
    i = line - 1
    while i >= 0:
        if line - i > MAX_SCAN_LINES:
            return False
        info = analyze_line(lines[i])
        if info.blank:
            i -= 1
            continue
        if info.indent == 0 and not info.dash_cols:
            return info.key == "authorizations" and info.value_col == info.value_end
        if info.dash_cols:
            owner = _list_owner(model, i, info.dash_cols[0])
            if owner is None:
                return False
            i = owner.line
            continue
        i -= 1
    return False


def _item_context(model: Model, rng_line: int, col: int, dash_col: int) -> Context:
    """An empty line where a new list item may start (``dash_col`` is where its ``-`` goes)."""
    if col <= dash_col:
        return Context("item", "list", Range((rng_line, col), (rng_line, col)), "", dash_col=dash_col)
    return Context("item", "list", Range((rng_line, dash_col), (rng_line, col)),
                    model.lines[rng_line][dash_col:col], dash_col=dash_col)


def _block_scope(model: Model, line: int, col: int, key_col: int, dash_col: int | None) -> Context | None:
    """The mapping a key at ``key_col`` on ``line`` belongs to (``dash_col``: the line's own item marker)."""
    lines = model.lines
    empty = Range((line, col), (line, col))
    if dash_col is not None:
        owner = _list_owner(model, line, dash_col)
        if owner is None or not owner.is_authorizations:
            return None
        return Context("key", "entry", empty, "", siblings=_entry_siblings(lines, line, key_col, line),
                        key_col=key_col, dash_col=dash_col)
    if key_col == 0:
        return Context("key", "top", empty, "", siblings=_top_siblings(model, line))
    i = line - 1
    while i >= 0:
        info = analyze_line(lines[i])
        if info.blank:
            i -= 1
            continue
        if info.dash_cols:
            last_dash = info.dash_cols[-1]
            if info.key_col == key_col and len(info.dash_cols) == 1:
                owner = _list_owner(model, i, last_dash)
                if owner is None or not owner.is_authorizations:
                    return None
                return Context("key", "entry", empty, "", siblings=_entry_siblings(lines, i, key_col, line),
                                key_col=key_col, dash_col=last_dash)
            if info.key is None and info.dash_cols[-1] < key_col and len(info.dash_cols) == 1:
                # ``-`` alone on its line: the entry's keys start on the next lines
                owner = _list_owner(model, i, last_dash)
                if owner is None or not owner.is_authorizations:
                    return None
                return Context("key", "entry", empty, "", siblings=_entry_siblings(lines, i, key_col, line),
                                key_col=key_col, dash_col=last_dash)
            if info.dash_cols[0] == key_col:
                owner = _list_owner(model, i, key_col)
                if owner is None or not owner.is_authorizations:
                    return None
                return Context("item", "list", empty, "", dash_col=key_col)
            if info.dash_cols[0] > key_col:
                owner = _list_owner(model, i, info.dash_cols[0])
                if owner is None:
                    return None
                i = owner.line
                continue
            return None
        if info.indent >= key_col:
            i -= 1
            continue
        if info.indent == 0 and info.key == "authorizations" and info.value_col == info.value_end:
            dash = _auth_dash_col(model)
            return Context("item", "list", empty, "", dash_col=key_col if dash is None else dash)
        return None
    return None


def _flow_context(model: Model, line: int, col: int, prefix: str, opens: list[tuple[str, int, int]]
                  ) -> Context | None:
    """The cursor is inside a ``{…}`` opened on this line: a key or a value of that flow mapping."""
    text = model.lines[line]
    bracket, brace_col, seg_start = opens[-1]
    if bracket != "{":
        return None
    scope: str | None = None
    if len(opens) == 1:
        before = analyze_line(text[:brace_col])
        if len(before.dash_cols) == 1 and before.key is None and before.key_col == brace_col:
            owner = _list_owner(model, line, before.dash_cols[0])
            scope = "entry" if owner is not None and owner.is_authorizations else None
        elif brace_col == 0:
            scope = "top"
    elif len(opens) == 2 and opens[0][0] == "[":
        outer = analyze_line(text[: opens[0][1]])
        if outer.key == "authorizations" and outer.indent == 0 and not outer.dash_cols:
            scope = "entry"
    if scope is None:
        return None
    close = matching_close(text, brace_col)
    seg_end = col
    while seg_end < close and text[seg_end] != ",":
        seg_end += 1
    siblings: dict[str, str] = {}
    for m in FLOW_PAIR_RE.finditer(text, brace_col, close):
        if not seg_start <= m.start("key") < seg_end:
            siblings.setdefault(m.group("key"), unquote(m.group("value").strip()))
    segment = prefix[seg_start:]
    colon = colon_in(segment)
    if colon is None:
        typed = segment.lstrip(" \t")
        if any(ch not in WORD_CHARS for ch in typed):
            return None
        end = word_end(text, col)
        return Context("key", scope, Range((line, col - len(typed)), (line, end)), typed, siblings=siblings,
                        flow=True, key_only=text[end:].lstrip(" \t").startswith(":"))
    key = segment[:colon].strip()
    if not key or any(ch not in WORD_CHARS for ch in key):
        return None
    value_start = seg_start + colon + 1
    lead = " " if value_start == col else ""
    while value_start < col and text[value_start] in " \t":
        value_start += 1
    end = flow_value_end(text, value_start, col)
    return Context("value", scope, Range((line, value_start), (line, end)), text[value_start:col], key=key,
                    siblings=siblings, flow=True, lead=lead)


def find_context(model: Model, pos: Pos) -> Context | None:
    line, col = pos
    if line < 0 or line >= len(model.lines):
        return None
    text = model.lines[line]
    col = max(0, min(col, len(text)))
    prefix = text[:col]
    in_comment, opens = scan_prefix(prefix)
    if in_comment:
        return None
    if opens:
        return _flow_context(model, line, col, prefix, opens)
    info = analyze_line(prefix)
    if len(info.dash_cols) > 1:
        return None  # a list of lists: nothing of ours
    dash_col = info.dash_cols[0] if info.dash_cols else None
    if info.key is not None and info.value_col is not None:
        return _value_context(model, line, col, text, info, dash_col)
    # A key position: blanks and an item marker, then maybe a partial word.
    typed = prefix[info.key_col :]
    if any(ch not in WORD_CHARS for ch in typed):
        return None
    end = word_end(text, col)
    rest = text[end:].lstrip(" \t")
    key_only = rest.startswith(":")
    if not typed and end == col and rest and not rest.startswith("#") and not key_only:
        return None  # the cursor is in the indentation before other content
    lead = " " if dash_col is not None and prefix.endswith("-") else ""
    key_col = info.key_col + len(lead)
    ctx = _block_scope(model, line, col, key_col, dash_col)
    if ctx is None:
        return None
    if ctx.what == "item":
        return None if typed else _item_context(model, line, col, ctx.dash_col)
    ctx.replace = Range((line, info.key_col), (line, end))
    ctx.prefix = typed
    ctx.key_only = key_only
    ctx.lead = lead
    if ctx.scope == "top" and not typed and _in_authorizations(model, line):
        ctx.snippet_too = True
        dash = _auth_dash_col(model)
        ctx.dash_col = 2 if dash is None else dash
    elif ctx.scope == "entry" and dash_col is not None and not ctx.siblings:
        ctx.snippet_too = True
    return ctx


def _value_context(model: Model, line: int, col: int, text: str, info: LineInfo, dash_col: int | None
                   ) -> Context | None:
    """``key: |``: the value of the key on this line."""
    assert info.value_col is not None
    ctx = _block_scope(model, line, col, info.key_col, dash_col)
    if ctx is None or ctx.what != "key":
        return None
    value_col = info.value_col
    full = analyze_line(text)
    end = max(col, full.value_end) if full.key == info.key and full.value_col == value_col else col
    ctx.what = "value"
    ctx.key = info.key
    ctx.replace = Range((line, value_col), (line, end))
    ctx.prefix = text[value_col:col]
    ctx.lead = " " if text[value_col - 1] == ":" else ""  # ``key:|``
    return ctx

