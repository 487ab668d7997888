"""Text → a model of the file where every key and value has its exact range.

Positions are ``(line, column)`` with columns in code points and lines split the way LSP splits them
(``\\n``, ``\\r\\n``, ``\\r``); ``positions.py`` converts columns to the client's encoding at the protocol edge.

The text is cut into *chunks*: one per top-level key and one per item of the ``authorizations`` list. Each
chunk is parsed on its own with PyYAML's composer (the C loader where present) and cached by its text, with
positions relative to the chunk's first line, so an edit inside one entry re-parses only that entry. Whenever
the cut could change the meaning (aliases across chunks, a construct that runs past its chunk, directives,
several documents, lone CR line ends) the whole text is parsed at once instead; both paths produce the same
model. A syntax error in one chunk leaves the other chunks validated.

The pieces: ``model.py`` (the nodes and the model), ``yamlparse.py`` (one text → nodes), ``chunks.py`` (the cut).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import repeat
from operator import add

from servicestage_ls.core.chunks import Chunk, is_item_line, is_top_start, plan_chunks
from servicestage_ls.core.model import (
    MAX_TEXT_CHARS,
    Edit,
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
    split_lines,
)
from servicestage_ls.core.yamlparse import ParsedText, parse_item, parse_text


class ParseCache:
    """Per-document cache: chunk parses keyed by the chunk's text, and the last model.

    When an edit stays inside the items of ``authorizations`` (what typing mostly is), only the items around
    it are cut and parsed again; the other entries are reused (moved by the number of lines the edit added).
    """

    def __init__(self) -> None:
        self._entries: dict[str, ParsedText] = {}
        self._last: Model | None = None

    def build(self, text: str) -> Model:
        last = self._last
        if last is not None and last.text == text:
            return last
        model = _incremental(last, text, self._entries) if last is not None else None
        if model is None:
            used: dict[str, ParsedText] = {}
            model = _build(text, self._entries, used)
            self._entries = used
        elif len(self._entries) > 2 * len(model.entries) + 64:
            self._entries = {e.text: self._entries[e.text] for e in model.entries
                             if e.text is not None and e.text in self._entries}
        self._last = model
        return model


def parse(text: str, cache: ParseCache | None = None) -> Model:
    """The model of a text (pass the document's ``ParseCache`` to reuse unchanged chunks)."""
    if cache is not None:
        return cache.build(text)
    return _build(text, {}, {})


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # binary search with C-speed slice comparisons
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def splice_lines(lines: list[str], starts: list[int], old_length: int, text: str, first: int,
                 last: int) -> tuple[list[str], list[int]]:
    """``split_lines(text)`` when only lines ``first``..``last`` of the previous text (``lines``, ``starts``, its
    length) changed: those are split again, the others are the previous ones (the later ones' offsets moved), so
    that the cost follows the edit (list copies at C speed, no Python code per line)."""
    lo = starts[first]
    diff = len(text) - old_length
    if last + 1 == len(starts):
        mid_lines, mid_starts = split_lines(text[lo:])
        return lines[:first] + mid_lines, starts[:first] + [lo + s for s in mid_starts]
    # The changed part ends with the line break before line last+1 (unchanged, in the common suffix).
    mid_lines, mid_starts = split_lines(text[lo : starts[last + 1] + diff])
    mid_lines.pop()
    mid_starts.pop()
    new_lines = lines.copy()  # one copy; the slice assignment below moves the rest in place
    new_lines[first : last + 1] = mid_lines
    if diff:
        new_starts = starts[:first]
        new_starts += [lo + s for s in mid_starts]
        new_starts += map(add, starts[last + 1 :], repeat(diff))
    else:
        new_starts = starts.copy()
        new_starts[first : last + 1] = [lo + s for s in mid_starts]
    return new_lines, new_starts


def _incremental(prev: Model, text: str, cache: dict[str, ParsedText]) -> Model | None:
    """The model after an edit inside the items of ``authorizations``, or None when a full build is needed."""
    changed = _changed_lines(prev, text)
    if changed is None:
        return None
    entries = prev.entries
    firsts = prev._entry_firsts
    if firsts is None or len(firsts) != len(entries):
        firsts = prev._entry_firsts = [e.first_line for e in entries]
    # One entry more on each side: an edit on an item's first line can merge it with the one before.
    ia = max(0, bisect_right(firsts, changed[0]) - 2)
    ib = min(len(entries) - 1, bisect_right(firsts, changed[1]))
    lines, starts = splice_lines(prev.lines, prev.line_starts, len(prev.text), text, *changed)
    delta = len(lines) - len(prev.lines)
    reparsed = _reparse_items(prev, text, lines, starts, cache, ia, ib, delta)
    if reparsed is None:
        return None
    region, problems = reparsed
    old_r1 = entries[ib].last_line
    after = entries[ib + 1 :]
    index_shift = ia + len(region) - (ib + 1)
    if delta or index_shift:
        after = [Entry(e.index + index_shift, e.node, e.base + delta, e.first_line + delta, e.last_line + delta,
                       e.text) for e in after]
    if not _kept_problems(prev, after, cache, lines, entries[ia].first_line, old_r1, delta, problems):
        return None
    new_entries = [*entries[:ia], *region, *after]
    tail_firsts = firsts[ib + 1 :]
    new_firsts = [*firsts[:ia], *(e.first_line for e in region),
                  *(map(add, tail_firsts, repeat(delta)) if delta else tail_firsts)]
    top, new_auth = _moved_top(prev, old_r1, delta)
    model = Model(text, lines, starts, prev.root_kind, Range((0, 0), (len(lines) - 1, len(lines[-1]))),
                  top=top, entries=new_entries, problems=problems, authorizations=new_auth, chunked=True,
                  item_indent=prev.item_indent, top_incomplete=prev.top_incomplete,
                  edit=Edit(prev.generation, ia, ib + 1, len(region), entries[ia].first_line, old_r1, delta))
    model._entry_firsts = new_firsts
    seq = new_auth.value
    seq.start = _entry_start(new_entries[0])
    seq.end = _entry_end(new_entries[-1], lines)
    return model


def _changed_lines(prev: Model, text: str) -> tuple[int, int] | None:
    """The lines of the previous text that the edit changed (first, last), or None when the edit is not one that
    ``_incremental`` handles (outside the items, a lone CR, a text too large…)."""
    entries = prev.entries
    if not prev.chunked or prev.cut_errors or prev.item_indent is None or not entries or prev.authorizations is None:
        return None
    if len(text) > MAX_TEXT_CHARS:
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    old = prev.text
    prefix = _common_prefix(old, text)
    suffix = _common_suffix(old, text, min(len(old), len(text)) - prefix)
    if prefix and old[prefix - 1] == "\r":
        return None
    first_changed = bisect_right(prev.line_starts, prefix) - 1
    last_changed = bisect_right(prev.line_starts, max(prefix, len(old) - suffix)) - 1
    if first_changed <= entries[0].first_line or last_changed > entries[-1].last_line:
        return None
    return first_changed, last_changed


def _reparse_items(prev: Model, text: str, lines: list[str], starts: list[int], cache: dict[str, ParsedText],
                   ia: int, ib: int, delta: int) -> tuple[list[Entry], list[Problem]] | None:
    """The items that now stand where entries ``ia``..``ib`` stood, parsed (from the cache when their text was
    seen), and their syntax problems; None when the new lines are not items alone (a full build decides)."""
    indent = prev.item_indent
    assert indent is not None
    r0, r1 = prev.entries[ia].first_line, prev.entries[ib].last_line + delta
    if r1 < r0 or r1 >= len(lines):
        return None
    item_starts = []
    for i in range(r0, r1 + 1):
        line = lines[i]
        if is_top_start(line):
            return None
        if is_item_line(line, indent):
            item_starts.append(i)
    if not item_starts or item_starts[0] != r0:
        return None
    region: list[Entry] = []
    problems: list[Problem] = []
    for k, (a, b) in enumerate(zip(item_starts, [*item_starts[1:], r1 + 1])):
        stop = starts[b] if b < len(starts) else len(text)
        chunk_text = text[starts[a] : stop]
        parsed = cache.get(chunk_text)
        if parsed is None:
            parsed = cache[chunk_text] = parse_item(chunk_text)
        node = None
        if parsed.error is not None:
            if parsed.error_at_end or parsed.undefined_alias:
                return None  # maybe a construct cut by the chunking: the full build decides
            problems.append(_syntax_problem(parsed, a, lines))
        elif not _shape_ok(parsed, True):
            return None
        else:
            root = parsed.roots[0]
            assert isinstance(root, Sequence)
            node = root.items[0]
        region.append(Entry(ia + k, node, a, a, b - 1, chunk_text))
    return region, problems


def _kept_problems(prev: Model, after: list[Entry], cache: dict[str, ParsedText], lines: list[str], r0: int,
                   old_r1: int, delta: int, problems: list[Problem]) -> bool:
    """Add to ``problems`` (sorted) the previous model's problems outside the re-parsed lines ``r0``..``old_r1``,
    those of the entries after them made again when they moved (their messages name absolute lines); False
    when that cannot be done (a full build decides)."""
    for p in prev.problems:
        at = p.range.start[0]
        if at < r0 or (at > old_r1 and not delta):
            problems.append(p)
    if delta:
        if any(p.range.start[0] > prev.entries[-1].last_line for p in prev.problems):
            return False
        for e in after:
            if e.node is None:
                parsed = cache.get(e.text) if e.text is not None else None
                if parsed is None or parsed.error is None:
                    return False
                problems.append(_syntax_problem(parsed, e.first_line, lines))
    problems.sort(key=lambda p: p.range.start)
    return True


def _moved_top(prev: Model, old_r1: int, delta: int) -> tuple[list[TopItem], TopItem]:
    """The top-level items after the edit (those below the edited lines moved by ``delta`` lines), and the new
    ``authorizations`` item (its value an empty block list: the items are the entries)."""
    auth = prev.authorizations
    assert auth is not None
    top: list[TopItem] = []
    new_auth = auth
    for item in prev.top:
        if item is auth:
            new_auth = TopItem(auth.key, Sequence(auth.value.start, auth.value.end, [], False), 0)
            top.append(new_auth)
        elif item.base > old_r1 and delta:
            top.append(TopItem(item.key, item.value, item.base + delta))
        else:
            top.append(item)
    return top, new_auth


def _build(text: str, old: dict[str, ParsedText], used: dict[str, ParsedText]) -> Model:
    lines, starts = split_lines(text)
    end_pos: Pos = (len(lines) - 1, len(lines[-1]))
    model = Model(text, lines, starts, "empty", Range((0, 0), end_pos))
    if len(text) > MAX_TEXT_CHARS:
        model.problems.append(
            Problem(
                "SS104",
                f"the file has {len(text):,} characters, more than the {MAX_TEXT_CHARS:,} that are validated; "
                "split it into smaller files",
                Range((0, 0), (0, len(lines[0]))),
            )
        )
        return model
    lone_cr = "\r" in text and text.count("\r") != text.count("\r\n")
    planned = None if lone_cr else plan_chunks(lines)
    if planned is not None:
        plan, item_indent = planned
        parsed = _parse_chunks(text, lines, starts, plan, old, used)
        if parsed is not None and any(result.undefined_alias for _, result in parsed):
            if _assemble_repaired(model, plan, parsed):
                return model
        if parsed is not None:
            _assemble_chunks(model, plan, parsed)
            model.chunked = True
            model.cut_errors = any(r.error is not None and (r.error_at_end or r.undefined_alias) for _, r in parsed)
            split = model.authorizations is not None and model.authorizations.base == 0 and bool(model.entries)
            model.item_indent = item_indent if split and all(e.text is not None for e in model.entries) else None
            return model
    _assemble_whole(model, parse_text(text))
    return model


def _parse_chunks(
    text: str,
    lines: list[str],
    starts: list[int],
    plan: list[Chunk],
    old: dict[str, ParsedText],
    used: dict[str, ParsedText],
) -> list[tuple[str, ParsedText]] | None:
    results: list[tuple[str, ParsedText]] = []
    suspicious = False
    count = len(starts)
    for chunk in plan:
        after = chunk.last + 1
        chunk_text = text[starts[chunk.first] : starts[after] if after < count else len(text)]
        parsed = used.get(chunk_text) or old.get(chunk_text)
        if parsed is None:
            if not chunk.item:
                parsed = parse_text(chunk_text)
            elif after < count or lines[-1]:
                parsed = parse_item(chunk_text, lines[chunk.first : after])
            else:  # the last line is the empty one after the last line break: not a line of the item
                parsed = parse_item(chunk_text, lines[chunk.first : chunk.last])
        used[chunk_text] = parsed
        if parsed.error is not None:
            suspicious = suspicious or parsed.error_at_end or parsed.undefined_alias
        elif not _shape_ok(parsed, chunk.item):
            return None
        results.append((chunk_text, parsed))
    if suspicious:
        # An error may come from the cut itself (an alias or a quoted scalar that spans chunks): if the whole
        # text parses, the whole parse is the truth; if it does not, the per-chunk errors are more useful.
        whole = parse_text(text)
        if whole.error is None:
            return None
    return results


def _assemble_repaired(model: Model, plan: list[Chunk], parsed: list[tuple[str, ParsedText]]) -> bool:
    """Aliases to anchors in other chunks, and a syntax error elsewhere: the whole text cannot be parsed and the
    alias chunks alone do not know their anchors. Parse the whole text without the chunks that fail for another
    reason (their lines left blank, so positions stay), and keep those chunks' own errors. False when that does
    not parse either."""
    broken = [(chunk, result) for chunk, (_, result) in zip(plan, parsed)
              if result.error is not None and not result.undefined_alias]
    if not broken:
        return False
    lines = list(model.lines)
    for chunk, _ in broken:
        for i in range(chunk.first, chunk.last + 1):
            lines[i] = ""
    repaired = parse_text("\n".join(lines))
    if repaired.error is not None:
        return False
    _assemble_whole(model, repaired)
    for chunk, result in broken:
        model.problems.append(_syntax_problem(result, chunk.first, model.lines))
        if chunk.item:
            model.entries.append(Entry(0, None, chunk.first, chunk.first, chunk.last, None))
        else:
            model.top_incomplete = True
    model.problems.sort(key=lambda p: p.range.start)
    model.entries.sort(key=lambda e: e.first_line)
    for index, entry in enumerate(model.entries):
        entry.index = index
    return True


def _shape_ok(parsed: ParsedText, item: bool) -> bool:
    if len(parsed.roots) != 1:
        return False
    root = parsed.roots[0]
    if item:
        return isinstance(root, Sequence) and not root.flow and len(root.items) == 1
    return isinstance(root, Mapping) and not root.flow and len(root.pairs) == 1


def _syntax_problem(parsed: ParsedText, base: int, lines: list[str]) -> Problem:
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


def _assemble_chunks(model: Model, plan: list[Chunk], parsed: list[tuple[str, ParsedText]]) -> None:
    lines = model.lines
    model.root_kind = "empty" if not plan else "mapping"
    header: TopItem | None = None
    for position, (chunk, (chunk_text, result)) in enumerate(zip(plan, parsed)):
        if result.error is not None:
            model.problems.append(_syntax_problem(result, chunk.first, lines))
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
        seq.start = _entry_start(model.entries[0])
        seq.end = _entry_end(last, lines)


def _entry_start(entry: Entry) -> Pos:
    return (entry.first_line, 0) if entry.node is None else (entry.node.start[0] + entry.base, 0)


def _entry_end(entry: Entry, lines: list[str]) -> Pos:
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


def _assemble_whole(model: Model, parsed: ParsedText) -> None:
    if parsed.error is not None:
        model.problems.append(_syntax_problem(parsed, 0, model.lines))
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
