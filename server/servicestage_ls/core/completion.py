"""Completion (pure): keys, values, token references and a new-entry snippet at a position.

Works on the text's lines, not on the YAML model, because while typing the document is rarely valid YAML: a
tolerant, line-based context finder reads the current line up to the cursor (``key: value``, ``- `` item
markers, a one-line ``{…}`` flow mapping) and walks up by indentation to the enclosing entry or the top level.
The model only lends cheap shortcuts (which lines are ``authorizations`` items), so a request costs a few
line scans near the cursor whatever the size of the file.

Positions are ``(line, column)`` with columns in code points.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from servicestage_ls.core import schema
from servicestage_ls.core.model import Model, Pos, Range
from servicestage_ls.core.regions import REGIONS, override_variable, region_endpoint

__all__ = ["Completion", "LineInfo", "analyze_line", "complete", "field_markdown"]


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # "key" | "value" | "snippet" | "reference"
    detail: str | None
    documentation: str | None  # markdown
    insert_text: str  # plain text, or snippet syntax when is_snippet
    is_snippet: bool
    replace: Range | None  # the range the insert replaces (the partial word under the cursor)
    sort_text: str | None = None
    filter_text: str | None = None


# --- documentation shared with hover ---------------------------------------------------------------------


def field_markdown(f: schema.Field) -> str:
    """A field's documentation: bold name, type, required or optional, written back or not, then the doc."""
    parts = [f"**{f.key}**", f.kind, "required" if f.required else "optional"]
    if f.written_back:
        parts.append("written back by the server")
    return " · ".join(parts) + "\n\n" + f.doc


# --- reading one line -------------------------------------------------------------------------------------

_STRUCTURE_RE = re.compile(r"^(?P<indent> *)(?P<dashes>(?:-(?:[ \t]+|$))*)")
_KEY_RE = re.compile(r"(?P<key>[A-Za-z0-9_][A-Za-z0-9_.-]*)[ \t]*:(?=[ \t]|$)")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


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
        return _unquote(line[self.value_col : self.value_end])


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _comment_start(line: str, start: int) -> int:
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
    value_end = _comment_start(line, value_col)
    while value_end > value_col and line[value_end - 1] in " \t":
        value_end -= 1
    return LineInfo(indent, dash_cols, key_col, key_match.group("key"), key_match.end("key"), value_col,
                    value_end, False)


# --- finding the context ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Owner:
    line: int
    key: str | None
    top: bool  # a top-level key (column 0, no item marker)

    @property
    def is_authorizations(self) -> bool:
        return self.top and self.key == "authorizations"


@dataclass
class _Context:
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


def _item_context(model: Model, rng_line: int, col: int, dash_col: int) -> _Context:
    """An empty line where a new list item may start (``dash_col`` is where its ``-`` goes)."""
    if col <= dash_col:
        return _Context("item", "list", Range((rng_line, col), (rng_line, col)), "", dash_col=dash_col)
    return _Context("item", "list", Range((rng_line, dash_col), (rng_line, col)),
                    model.lines[rng_line][dash_col:col], dash_col=dash_col)


def _block_scope(model: Model, line: int, col: int, key_col: int, dash_col: int | None) -> _Context | None:
    """The mapping a key at ``key_col`` on ``line`` belongs to (``dash_col``: the line's own item marker)."""
    lines = model.lines
    empty = Range((line, col), (line, col))
    if dash_col is not None:
        owner = _list_owner(model, line, dash_col)
        if owner is None or not owner.is_authorizations:
            return None
        return _Context("key", "entry", empty, "", siblings=_entry_siblings(lines, line, key_col, line),
                        key_col=key_col, dash_col=dash_col)
    if key_col == 0:
        return _Context("key", "top", empty, "", siblings=_top_siblings(model, line))
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
                return _Context("key", "entry", empty, "", siblings=_entry_siblings(lines, i, key_col, line),
                                key_col=key_col, dash_col=last_dash)
            if info.key is None and info.dash_cols[-1] < key_col and len(info.dash_cols) == 1:
                # ``-`` alone on its line: the entry's keys start on the next lines
                owner = _list_owner(model, i, last_dash)
                if owner is None or not owner.is_authorizations:
                    return None
                return _Context("key", "entry", empty, "", siblings=_entry_siblings(lines, i, key_col, line),
                                key_col=key_col, dash_col=last_dash)
            if info.dash_cols[0] == key_col:
                owner = _list_owner(model, i, key_col)
                if owner is None or not owner.is_authorizations:
                    return None
                return _Context("item", "list", empty, "", dash_col=key_col)
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
            return _Context("item", "list", empty, "", dash_col=key_col if dash is None else dash)
        return None
    return None


def _flow_context(model: Model, line: int, col: int, prefix: str, opens: list[tuple[str, int, int]]
                  ) -> _Context | None:
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
    close = _matching_close(text, brace_col)
    seg_end = col
    while seg_end < close and text[seg_end] != ",":
        seg_end += 1
    siblings: dict[str, str] = {}
    for m in _FLOW_PAIR_RE.finditer(text, brace_col, close):
        if not seg_start <= m.start("key") < seg_end:
            siblings.setdefault(m.group("key"), _unquote(m.group("value").strip()))
    segment = prefix[seg_start:]
    colon = _colon_in(segment)
    if colon is None:
        typed = segment.lstrip(" \t")
        if any(ch not in _WORD_CHARS for ch in typed):
            return None
        end = _word_end(text, col)
        return _Context("key", scope, Range((line, col - len(typed)), (line, end)), typed, siblings=siblings,
                        flow=True, key_only=text[end:].lstrip(" \t").startswith(":"))
    key = segment[:colon].strip()
    if not key or any(ch not in _WORD_CHARS for ch in key):
        return None
    value_start = seg_start + colon + 1
    lead = " " if value_start == col else ""
    while value_start < col and text[value_start] in " \t":
        value_start += 1
    end = _flow_value_end(text, value_start, col)
    return _Context("value", scope, Range((line, value_start), (line, end)), text[value_start:col], key=key,
                    siblings=siblings, flow=True, lead=lead)


def _flow_value_end(text: str, start: int, col: int) -> int:
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


_FLOW_PAIR_RE = re.compile(r"[{,][ \t]*(?P<key>[A-Za-z0-9_][A-Za-z0-9_.-]*)[ \t]*:(?P<value>[^,}]*)")


def _colon_in(segment: str) -> int | None:
    """The index of a ``key:`` colon in a segment (followed by a blank or the end), or None."""
    for i, ch in enumerate(segment):
        if ch == ":" and (i + 1 == len(segment) or segment[i + 1] in " \t"):
            return i
    return None


def _matching_close(text: str, open_col: int) -> int:
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


def _word_end(text: str, col: int) -> int:
    end = col
    while end < len(text) and text[end] in _WORD_CHARS:
        end += 1
    return end


def _scan_prefix(prefix: str) -> tuple[bool, list[tuple[str, int, int]]]:
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


def find_context(model: Model, pos: Pos) -> _Context | None:
    line, col = pos
    if line < 0 or line >= len(model.lines):
        return None
    text = model.lines[line]
    col = max(0, min(col, len(text)))
    prefix = text[:col]
    in_comment, opens = _scan_prefix(prefix)
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
    if any(ch not in _WORD_CHARS for ch in typed):
        return None
    end = _word_end(text, col)
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
                   ) -> _Context | None:
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


# --- completions -------------------------------------------------------------------------------------


def complete(model: Model, pos: Pos, *, snippets: bool, env: Mapping[str, str]) -> list[Completion]:
    """Completions at ``pos`` (code points) for a document that need not be valid YAML."""
    ctx = find_context(model, pos)
    if ctx is None:
        return []
    eol = model.line_break(pos[0])
    if ctx.what == "item":
        start_col = ctx.replace.start[1]
        head = " " * max(0, ctx.dash_col - start_col) + "- "
        return [_entry_snippet(ctx, eol, snippets, head, ctx.dash_col + 2, ctx.prefix + "name")]
    if ctx.what == "key":
        out = _keys(ctx, eol, snippets)
        if ctx.snippet_too and ctx.scope == "top":
            out.append(_entry_snippet(ctx, eol, snippets, " " * ctx.dash_col + "- ", ctx.dash_col + 2, "name"))
        elif ctx.snippet_too:
            out.append(_entry_snippet(ctx, eol, snippets, ctx.lead, ctx.key_col, "name"))
        return out
    return _values(model, ctx, eol, snippets, env)


def _snippet_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _keys(ctx: _Context, eol: str, snippets: bool) -> list[Completion]:
    fields = schema.TOP_FIELDS if ctx.scope == "top" else schema.ENTRY_FIELDS
    repo_type = ctx.siblings.get("repo_type")
    out: list[Completion] = []
    for index, (key, f) in enumerate(fields.items()):
        if key in ctx.siblings:
            continue
        insert, is_snippet = _key_insert(key, ctx, eol, snippets, repo_type)
        group = 1 if f.written_back else 0
        out.append(Completion(key, "key", _key_detail(f), field_markdown(f), insert, is_snippet, ctx.replace,
                              sort_text=f"{group}{index:02d}", filter_text=key))
    return out


def _key_detail(f: schema.Field) -> str:
    if f.written_back:
        return f"{f.kind}, written back by the server"
    return f"{f.kind}, {'required' if f.required else 'optional'}"


def _key_insert(key: str, ctx: _Context, eol: str, snippets: bool, repo_type: str | None) -> tuple[str, bool]:
    lead = ctx.lead
    if ctx.key_only:
        return lead + key, False
    if key == "authorizations":
        if ctx.flow:
            return (lead + "authorizations: [$0]", True) if snippets else (lead + "authorizations: []", False)
        if snippets:
            return f"{lead}authorizations:{eol}  - $0", True
        return f"{lead}authorizations:{eol}  - ", False
    if not snippets:
        return f"{lead}{key}: ", False
    placeholder = schema.token_reference(repo_type) if key == "token" else schema.PLACEHOLDERS.get(key)
    if placeholder is None:
        return f"{lead}{key}: $0", True
    if ctx.flow and key == "token":
        placeholder = f'"{placeholder}"'
    return f"{lead}{key}: ${{1:{_snippet_escape(placeholder)}}}", True


def _entry_snippet(ctx: _Context, eol: str, snippets: bool, head: str, key_col: int,
                   filter_text: str) -> Completion:
    """A whole new entry; ``head`` goes before ``name:``, the other keys are indented to ``key_col``."""
    indent = eol + " " * key_col
    reference = schema.token_reference("github")
    if snippets:
        body = (f"name: ${{1:{schema.PLACEHOLDERS['name']}}}{indent}repo_type: ${{2:github}}{indent}"
                f"token: ${{3:{_snippet_escape(reference)}}}$0")
    else:
        body = f"name: {schema.PLACEHOLDERS['name']}{indent}repo_type: github{indent}token: {reference}"
    return Completion(
        "new authorization entry",
        "snippet",
        "name, repo_type, token",
        "A new entry of `authorizations` with the required keys `name`, `repo_type` and `token`.",
        head + body,
        snippets,
        ctx.replace,
        sort_text="2",
        filter_text=filter_text,
    )


_ValueMaker = Callable[..., Completion]


def _values(model: Model, ctx: _Context, eol: str, snippets: bool, env: Mapping[str, str]) -> list[Completion]:
    key = ctx.key
    quote = ctx.prefix[:1] if ctx.prefix[:1] in ("'", '"') else ""

    def value(label: str, detail: str | None, doc: str | None, index: int, kind: str = "value",
              insert: str | None = None) -> Completion:
        return Completion(label, kind, detail, doc, ctx.lead + (insert if insert is not None else label), False,
                          ctx.replace, sort_text=f"{index:03d}", filter_text=quote + label)

    if ctx.scope == "top":
        if key == "region":
            return [value(region, region_endpoint(region, env), _region_doc(region, env), i)
                    for i, region in enumerate(REGIONS)]
        if key == "endpoint":
            out = []
            region = model.top_value("region")
            if region in REGIONS:
                out.append(value(region_endpoint(region, env), f"the endpoint of {region}", None, 0))
            return out
        if key == "authorizations" and not ctx.flow:
            return [_entry_snippet(ctx, eol, snippets, eol + "  - ", 4, "name")]
        return []
    if key == "repo_type":
        return [value(name, rt.public_host if rt.supported else
                      "warning: only ServiceStage's Chinese site supports gitee (SS133)", rt.doc, i)
                for i, (name, rt) in enumerate(schema.REPO_TYPES.items())]
    if key == "status":
        return [value(str(n), meaning, schema.STATUS_DOCS[n], n) for n, meaning in schema.STATUS_MEANINGS.items()]
    if key == "token_type":
        return [value(t, None, None, i) for i, t in enumerate(schema.TOKEN_TYPES)]
    if key == "token":
        return _references(ctx, env, value)
    if key == "host":
        return _hosts(model, ctx, value)
    return []


def _region_doc(region: str, env: Mapping[str, str]) -> str:
    variable = override_variable(region)
    state = "set" if env.get(variable, "").strip() else "not set"
    return f"Endpoint `{region_endpoint(region, env)}` (override: `{variable}`, {state})."


def _references(ctx: _Context, env: Mapping[str, str], value: _ValueMaker) -> list[Completion]:
    repo_type = ctx.siblings.get("repo_type")
    if repo_type in schema.REPO_TYPES:
        conventional = [schema.token_env_for(repo_type)]
    else:
        conventional = [schema.token_env_for(name) for name in schema.SUPPORTED_REPO_TYPES]
    names = sorted(name for name in env if _looks_like_token_variable(name))
    ordered = conventional + [name for name in names if name not in conventional]
    out: list[Completion] = []
    for index, name in enumerate(ordered):
        is_set = name in env
        detail = "environment variable, set" if is_set else "environment variable, not set"
        doc = (f"Reads the token from `{name}` in the language server's environment when the create action runs; "
               + (f"`{name}` is set." if is_set else f"`{name}` is **not set**: set it before creating."))
        reference = "${" + name + "}"
        insert = f'"{reference}"' if ctx.flow else reference
        out.append(value(reference, detail, doc, index, kind="reference", insert=insert))
    return out


def _looks_like_token_variable(name: str) -> bool:
    """A variable name that looks like it holds a token (``schema.TOKEN_ENV_HINT_RE``: ``PAT`` but not ``PATH``)."""
    return bool(schema.ENV_NAME_RE.match(name) and schema.TOKEN_ENV_HINT_RE.search(name))


_HOST_RE = re.compile(r"host[ \t]*:[ \t]*[\"']?(https?://[^\s\"'#,}\]]+)")


def _hosts(model: Model, ctx: _Context, value: _ValueMaker) -> list[Completion]:
    repo_type = ctx.siblings.get("repo_type")
    public = [rt for rt in schema.REPO_TYPES.values()]
    public.sort(key=lambda rt: (rt.name != repo_type, not rt.supported))
    seen: dict[str, str] = {rt.public_host: f"the public {rt.name} host" for rt in public}
    text = model.text
    line = ctx.replace.start[0]
    skip_start = model.line_starts[line]
    skip_end = skip_start + len(model.lines[line])
    for m in _HOST_RE.finditer(text):
        if skip_start <= m.start() <= skip_end:
            continue
        before = text[m.start() - 1] if m.start() else "\n"
        if before not in " \t-{,\n\r":
            continue
        url = m.group(1).rstrip("/")
        if "@" in url:
            continue  # user:token@host: never offer a secret
        if url not in seen:
            seen[url] = "used in this file"
            if len(seen) >= 100:
                break
    return [value(url, detail, None, i) for i, (url, detail) in enumerate(seen.items())]
