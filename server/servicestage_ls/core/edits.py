"""Text edits in the core's terms, and the write-back of ``repo_user``/``status`` into one entry.

The write-back touches only the written keys: values are replaced in place, missing keys are inserted after the
entry's last key with the entry's own indentation and line ending (block style), or before the closing brace
(flow style). Everything else in the file stays byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from servicestage_ls.core.model import Entry, Mapping, Model, Range, Scalar
from servicestage_ls.core.schema import STATUS_MEANINGS
from servicestage_ls.core.yamlparse import yaml_scalar


@dataclass(frozen=True)
class TextEdit:
    range: Range
    new_text: str


def apply_edits(model: Model, edits: list[TextEdit]) -> str:
    """The text after non-overlapping edits; inserts at one position keep their list order (as in LSP)."""
    text = model.text
    ordered = sorted(enumerate(edits), key=lambda ie: (ie[1].range.start, ie[1].range.end, ie[0]), reverse=True)
    for _, edit in ordered:
        start, end = model.offset(edit.range.start), model.offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


_MEANING_COMMENT = re.compile(r"[ \t]*#[ \t]*(normal|overdue|unauthenticated)\b[^\r\n]*$")


def status_value(status: int) -> str:
    """``status`` as the product writes it: the number and its meaning as a comment (``1  # overdue``)."""
    meaning = STATUS_MEANINGS.get(status)
    return f"{status}  # {meaning}" if meaning else str(status)


def writeback_edits(model: Model, entry: Entry, repo_user: str | None, status: int | None) -> list[TextEdit]:
    """Edits that set ``repo_user`` and ``status`` in the entry (keys with a None value are left alone)."""
    mapping = entry.mapping
    if mapping is None:
        raise ValueError("the entry is not a mapping")
    wanted: list[tuple[str, str]] = []
    if repo_user is not None:
        wanted.append(("repo_user", yaml_scalar(repo_user)))
    if status is not None:
        wanted.append(("status", str(status)))
    edits: list[TextEdit] = []
    missing: list[tuple[str, str]] = []
    for key, value in wanted:
        pair = mapping.get(key)
        if pair is None:
            missing.append((key, value))
            continue
        if _already(pair.value, repo_user if key == "repo_user" else status):
            continue
        rng = entry.range_of(pair.value)
        if isinstance(pair.value, Scalar) and pair.value.is_null:
            # `key:` with nothing after it: the value goes after the colon.
            key_end = entry.range_of(pair.key).end
            colon = model.lines[key_end[0]].find(":", key_end[1])
            at = (key_end[0], colon + 1 if colon >= 0 else key_end[1])
            edits.append(TextEdit(Range(at, at), " " + _value_with_comment(key, value, status, mapping.flow)))
            continue
        edits.append(TextEdit(rng, value))
        if key == "status" and status is not None and not mapping.flow:
            edits.extend(_status_comment_edit(model, rng, status))
    if missing:
        edits.append(_insertion(model, entry, mapping, missing, status))
    return edits


def _already(node: object, wanted: str | int | None) -> bool:
    """The key already holds this value (so a write-back that is checked again changes nothing)."""
    if not isinstance(node, Scalar) or node.is_null:
        return False
    if isinstance(wanted, int):
        return node.digits_int == wanted
    return node.value == wanted


def _value_with_comment(key: str, value: str, status: int | None, flow: bool) -> str:
    if key == "status" and status is not None and not flow:
        return status_value(status)
    return value


def _status_comment_edit(model: Model, value_range: Range, status: int) -> list[TextEdit]:
    """Update our `# meaning` comment after a status value, or add one when the line has no comment."""
    line_no, col = value_range.end
    rest = model.lines[line_no][col:]
    meaning = STATUS_MEANINGS.get(status)
    if meaning is None:
        return []
    match = _MEANING_COMMENT.match(rest)
    if match is not None:
        return [TextEdit(Range((line_no, col), (line_no, col + len(rest))), f"  # {meaning}")]
    if rest.strip() == "":
        return [TextEdit(Range((line_no, col), (line_no, col + len(rest))), f"  # {meaning}")]
    return []  # the user's own comment stays


def _insertion(model: Model, entry: Entry, mapping: Mapping, missing: list[tuple[str, str]],
               status: int | None) -> TextEdit:
    if mapping.flow:
        end = entry.range_of(mapping).end  # just after the closing brace
        close = (end[0], end[1] - 1)
        body = ", ".join(f"{key}: {value}" for key, value in missing)
        if mapping.pairs and _has_trailing_comma(model, entry.range_of(mapping.pairs[-1].value).end, close):
            # `{a: 1, }`: the comma is there already; keep the style → `{a: 1, repo_user: u, status: 0, }`
            return TextEdit(Range(close, close), body + ", ")
        separator = ", " if mapping.pairs else ""
        return TextEdit(Range(close, close), separator + body)
    first_key = entry.range_of(mapping.pairs[0].key)
    indent = " " * first_key.start[1]
    last = mapping.pairs[-1]
    last_end = entry.range_of(last.value).end
    last_line = last_end[0] - 1 if last_end[1] == 0 and last_end[0] > first_key.start[0] else last_end[0]
    eol = model.line_break(last_line)
    at = model.line_end_pos(last_line)
    lines = [f"{indent}{key}: {_value_with_comment(key, value, status, False)}" for key, value in missing]
    return TextEdit(Range(at, at), "".join(eol + line for line in lines))


def _has_trailing_comma(model: Model, last_value_end: tuple[int, int], close: tuple[int, int]) -> bool:
    """Whether a flow mapping has a comma after its last value (before the closing brace, comments aside)."""
    between = model.text[model.offset(last_value_end):model.offset(close)]
    return re.sub(r"#[^\r\n]*", "", between).strip() == ","


def removal_edits(model: Model, entry: Entry, keys: tuple[str, ...] = ("repo_user", "status")) -> list[TextEdit]:
    """Edits that remove these keys (with their values and comments) from the entry, leaving the rest as it is.

    Block style: the key's whole lines go (a key on the item's own line gives its place to the next key);
    flow style: the pair and the comma before it.
    """
    mapping = entry.mapping
    if mapping is None:
        raise ValueError("the entry is not a mapping")
    gone = [i for i, pair in enumerate(mapping.pairs) if pair.key_text in keys]
    if len(gone) == len(mapping.pairs):
        raise ValueError("the entry would be empty")
    edits: list[TextEdit] = []
    whole_lines: set[int] = set()
    for i in gone:
        pair = mapping.pairs[i]
        key_start = entry.range_of(pair.key).start
        if mapping.flow:
            if i > 0:
                start = entry.range_of(mapping.pairs[i - 1].value).end
                end = entry.range_of(pair.value).end
            else:
                start, end = key_start, entry.range_of(mapping.pairs[i + 1].key).start
            edits.append(TextEdit(Range(start, end), ""))
            continue
        before = model.lines[key_start[0]][: key_start[1]]
        if before.strip():  # `- repo_user: x` on the item's line: the next key moves up to its place
            following = next((p for p in mapping.pairs[i + 1:] if p.key_text not in keys), None)
            assert following is not None
            edits.append(TextEdit(Range(key_start, entry.range_of(following.key).start), ""))
            continue
        value_end = entry.range_of(pair.value).end
        last = value_end[0] - 1 if value_end[1] == 0 and value_end[0] > key_start[0] else value_end[0]
        whole_lines.update(range(key_start[0], last + 1))
    for first, last in _runs(sorted(whole_lines)):
        # Not up to the empty line after the file's final line break: some clients (Neovim) take a range that
        # ends there as going past the buffer, and their change events then go wrong.
        at_end = last + 1 >= len(model.lines) - 1 and model.lines[-1] == "" or last + 1 >= len(model.lines)
        if at_end and first > 0:
            edits.append(TextEdit(Range(model.line_end_pos(first - 1), model.line_end_pos(last)), ""))
        else:
            edits.append(TextEdit(Range((first, 0), (last + 1, 0)), ""))
    return _merge_overlaps(edits)


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted numbers as (first, last) runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _merge_overlaps(edits: list[TextEdit]) -> list[TextEdit]:
    """Deletions of neighbouring keys on the item's line can overlap: join them into one."""
    ordered = sorted(edits, key=lambda e: e.range)
    out: list[TextEdit] = []
    for edit in ordered:
        if out and edit.range.start < out[-1].range.end:
            previous = out[-1]
            out[-1] = TextEdit(Range(previous.range.start, max(previous.range.end, edit.range.end)), "")
        else:
            out.append(edit)
    return out
