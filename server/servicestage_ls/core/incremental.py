"""An edit inside the items of ``authorizations`` → the next model, re-parsing only the items it touched.

The entries before the edit are kept as they are, those after it moved by the number of lines the edit added;
``None`` from :func:`incremental` means the edit is not one this handles and the whole text is built again
(``document.py``). Both give the same model.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import repeat
from operator import add

from servicestage_ls.core.assemble import entry_end, entry_start, shape_ok, syntax_problem
from servicestage_ls.core.chunks import is_item_line, is_top_start
from servicestage_ls.core.model import (
    MAX_TEXT_CHARS,
    Edit,
    Entry,
    Model,
    Problem,
    Range,
    Sequence,
    TopItem,
    split_lines,
)
from servicestage_ls.core.yamlparse import ParsedText, parse_item


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


def incremental(prev: Model, text: str, cache: dict[str, ParsedText]) -> Model | None:
    """The model after an edit inside the items of ``authorizations``, or None when a full build is needed."""
    changed = _changed_lines(prev, text)
    if changed is None:
        return None
    entries = prev.entries
    firsts = prev.entry_firsts()
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
    model.remember_entry_firsts(new_firsts)
    seq = new_auth.value
    seq.start = entry_start(new_entries[0])
    seq.end = entry_end(new_entries[-1], lines)
    return model


def _changed_lines(prev: Model, text: str) -> tuple[int, int] | None:
    """The lines of the previous text that the edit changed (first, last), or None when the edit is not one that
    ``incremental`` handles (outside the items, a lone CR, a text too large…)."""
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
            problems.append(syntax_problem(parsed, a, lines))
        elif not shape_ok(parsed, True):
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
                problems.append(syntax_problem(parsed, e.first_line, lines))
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
