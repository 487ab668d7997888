"""Document symbols (pure): the top-level keys, and the entries of ``authorizations`` by name."""

from __future__ import annotations

from dataclasses import dataclass

from servicestage_ls.core.model import Entry, Model, Node, Pos, Range, Scalar, TopItem
from servicestage_ls.core.schema import DEFAULT_KIND, KINDS, redact

__all__ = ["Symbol", "document_symbols"]


@dataclass(frozen=True)
class Symbol:
    name: str
    detail: str | None
    kind: str  # "entry" | "key" | "list"
    range: Range
    selection_range: Range
    children: tuple[Symbol, ...] = ()


def document_symbols(model: Model) -> list[Symbol]:
    """One symbol per top-level key; ``authorizations`` holds one child per entry."""
    out: list[Symbol] = []
    for item in model.top:
        key = item.key_text
        if key is None:
            continue
        key_range = item.range_of(item.key)
        end = _end(model, item.value, item.base, key_range.end)
        if item is model.authorizations:
            children = tuple(_entry_symbol(model, entry) for entry in model.entries)
            if children:
                end = max(end, children[-1].range.end)
            count = len(children)
            detail = f"{count} entr{'y' if count == 1 else 'ies'}"
            out.append(Symbol(key, detail, "list", Range(key_range.start, end), key_range, children))
            continue
        out.append(Symbol(redact(key), _detail(item), "key", Range(key_range.start, end), key_range))
    return out


def _detail(item: TopItem) -> str | None:
    value = item.value
    if isinstance(value, Scalar) and not value.is_null and "\n" not in value.value:
        return redact(value.value)
    return None


def _end(model: Model, node: Node, base: int, floor: Pos) -> Pos:
    """Where a node ends, not counting the line break a block node swallows."""
    line, col = node.end[0] + base, node.end[1]
    if col == 0 and line > floor[0]:
        line -= 1
        col = len(model.lines[line])
    return max((line, col), floor)


def _entry_symbol(model: Model, entry: Entry) -> Symbol:
    node = entry.node
    first = entry.first_line
    text = model.lines[first]
    marker = len(text) - len(text.lstrip(" "))
    if node is None:
        start: Pos = (first, marker)
        end: Pos = (entry.last_line, len(model.lines[entry.last_line]))
    else:
        start = entry.range_of(node).start
        if start[0] == first and text[marker : marker + 1] == "-" and not text[marker + 1 : start[1]].strip():
            start = (first, marker)  # the item's ``-`` belongs to the entry
        mapping = entry.mapping
        if mapping is not None and not mapping.flow and mapping.pairs:
            last = mapping.pairs[-1]  # not node.end: a block mapping ends after the comments that follow it
            end = max(entry.range_of(last.key).end, _end(model, last.value, entry.base, start))
        else:
            end = _end(model, node, entry.base, start)
    name_scalar = entry.scalar("name")
    if name_scalar is not None and not name_scalar.is_null:
        name = redact(name_scalar.value)
        selection = entry.range_of(name_scalar)
    else:
        name = f"(unnamed entry {entry.index + 1})"
        selection = Range(start, start)
    detail = _entry_detail(entry)
    if entry.alias is not None:  # `- *e`: the entry is where the alias is, not where its anchor is
        start = (first, marker) if text[marker : marker + 1] == "-" else entry.alias.start
        return Symbol(name, detail, "entry", Range(start, entry.alias.end), entry.alias)
    return Symbol(name, detail, "entry", Range(start, end), selection)


def _entry_detail(entry: Entry) -> str | None:
    """The repo type, and the kind unless it is the default: ``github``, ``bitbucket · password``."""
    repo_type = entry.value_of("repo_type")
    kind = entry.kind
    label = KINDS[kind].label if kind in KINDS else redact(kind)
    if kind == DEFAULT_KIND:
        return redact(repo_type) if repo_type else None
    return f"{redact(repo_type)} · {label}" if repo_type else label
