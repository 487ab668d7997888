"""Quick fixes (pure), routed by the diagnostic's code and the ``data`` its finding carries.

| code | ``data["fix"]`` | edit |
|---|---|---|
| SS110, SS136 | rename-key | the key becomes the suggestion (`token` → `password` under ``kind: password``) |
| SS121, SS132, SS135 | replace-value | the value becomes the suggestion |
| SS111, SS136 | insert-key | a new ``key: value`` line in the entry (``, key: value`` in a flow entry), or at the top |
| SS134 | kind-or-repo-type | ``kind`` becomes (or is added as) each kind that has the repo type; or the repo type
  becomes each one the kind has |
| SS140, SS142, SS144 | use-env-reference | the literal token, a malformed reference (``$NAME``, ``${NAME``,
  ``${NAME}x``) or a credential variable's reference becomes ``${VARIABLE}`` |

Every edit is in code-point coordinates and keeps the file's line breaks. A range that no longer fits the
document (a stale diagnostic) gives no fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from servicestage_ls.core import schema, tokens
from servicestage_ls.core.edits import TextEdit
from servicestage_ls.core.model import Model, Pos, Range, Scalar

__all__ = ["Fix", "TextEdit", "fixable_codes", "fixes_for"]


@dataclass(frozen=True)
class Fix:
    title: str
    code: str  # the diagnostic code it fixes
    edits: tuple[TextEdit, ...]
    preferred: bool = False


_ROUTES: dict[str, tuple[str, ...]] = {
    "rename-key": ("SS110", "SS136"),
    "replace-value": ("SS121", "SS132", "SS135"),
    "insert-key": ("SS111", "SS136"),
    "use-env-reference": ("SS140", "SS142", "SS144"),
    "kind-or-repo-type": ("SS134",),
}


def fixable_codes() -> frozenset[str]:
    """The codes that have a quick fix here (the docs' diagnostics reference says so from this)."""
    return frozenset(code for codes in _ROUTES.values() for code in codes)


def fixes_for(model: Model, code: str, rng: Range, data: Mapping[str, Any] | None) -> list[Fix]:
    """The quick fixes for one diagnostic (its code, range and data), or [] when there is none."""
    if not data:
        return []
    kind = data.get("fix")
    if not isinstance(kind, str) or code not in _ROUTES.get(kind, ()) or not _fits(model, rng):
        return []
    if kind == "rename-key":
        return _replace(model, code, rng, data.get("replacement"), "Rename '{old}' to '{new}'")
    if kind == "replace-value":
        return _replace(model, code, rng, data.get("replacement"), "Change to '{new}'")
    if kind == "insert-key":
        return _insert_key(model, code, rng, data)
    if kind == "kind-or-repo-type":
        return _kind_or_repo_type(model, code, rng, data)
    return _use_reference(model, code, rng, data.get("variable"))


def _fits(model: Model, rng: Range) -> bool:
    (l1, c1), (l2, c2) = rng.start, rng.end
    lines = model.lines
    return 0 <= l1 <= l2 < len(lines) and 0 <= c1 <= len(lines[l1]) and 0 <= c2 <= len(lines[l2]) \
        and (l1, c1) <= (l2, c2)


def _replace(model: Model, code: str, rng: Range, replacement: object, title: str) -> list[Fix]:
    if not isinstance(replacement, str) or not replacement or rng.start[0] != rng.end[0]:
        return []
    old = model.lines[rng.start[0]][rng.start[1] : rng.end[1]]
    if not old or old == replacement:
        return []
    return [Fix(title.format(old=old, new=replacement), code, (TextEdit(rng, replacement),), preferred=True)]


def _use_reference(model: Model, code: str, rng: Range, variable: object) -> list[Fix]:
    if not isinstance(variable, str) or not schema.ENV_NAME_RE.match(variable):
        return []
    reference = tokens.reference(variable)
    entry = model.entry_at_line(rng.start[0])
    new_text = f'"{reference}"' if entry is not None and entry.mapping is not None and entry.mapping.flow \
        else reference
    if rng.end[1] == 0 and rng.end[0] > rng.start[0]:
        new_text += model.line_break(rng.start[0])  # a block scalar ends at the start of the next line
    return [Fix(f"Use {reference} from the environment", code, (TextEdit(rng, new_text),))]


def _insert_key(model: Model, code: str, rng: Range, data: Mapping[str, Any]) -> list[Fix]:
    key, value, scope = data.get("key"), data.get("value"), data.get("scope")
    if not isinstance(key, str) or not isinstance(value, str):
        return []
    edit = _entry_insert(model, rng, key, value) if scope == "entry" else \
        _top_insert(model, key, value) if scope == "top" else None
    if edit is None:
        return []
    return [Fix(f"Add '{key}: {value}'", code, (edit,))]


def _kind_or_repo_type(model: Model, code: str, rng: Range, data: Mapping[str, Any]) -> list[Fix]:
    """SS134: make the entry of a kind that has its repo type (``kind`` replaced, or added), or give it a repo type
    its kind has."""
    kinds, repo_types = data.get("kinds"), data.get("repo_types")
    out: list[Fix] = []
    entry = model.entry_at_line(rng.start[0])
    mapping = entry.mapping if entry is not None else None
    if entry is not None and mapping is not None and isinstance(kinds, list):
        own = next((pair for pair in mapping.pairs if pair.key_text == "kind"), None)
        for kind in kinds:
            if kind not in schema.KINDS:
                continue
            if own is not None and isinstance(own.value, Scalar) and not own.value.is_null:
                edit: TextEdit | None = TextEdit(entry.range_of(own.value), kind)
            elif own is None and mapping.get("kind") is None:
                edit = _entry_insert(model, rng, "kind", kind)
            else:
                edit = None  # merged in with `<<`, or empty: the anchor is the place to change
            if edit is not None:
                out.append(Fix(f"Make it {schema.KINDS[kind].title} (kind: {kind})", code, (edit,)))
    for repo_type in repo_types if isinstance(repo_types, list) else []:
        if isinstance(repo_type, str) and repo_type in schema.REPO_TYPE_DOCS:
            out.extend(_replace(model, code, rng, repo_type, "Change to '{new}'"))
    return [Fix(fix.title, fix.code, fix.edits) for fix in out]  # several ways: none preferred


def _flow_value(value: str) -> str:
    """A value as it may stand in a flow mapping: quoted when it holds flow indicators."""
    if any(ch in value for ch in "{}[],#:\"'") or value[:1] in ("&", "*", "!", "|", ">", "%", "@", "`", "-", "?"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _entry_insert(model: Model, rng: Range, key: str, value: str) -> TextEdit | None:
    entry = model.entry_at_line(rng.start[0])
    mapping = entry.mapping if entry is not None else None
    if entry is None or mapping is None or mapping.get(key) is not None:
        return None
    lines = model.lines
    if mapping.flow:
        end_line, end_col = entry.range_of(mapping).end
        text = lines[end_line]
        if end_col < 1 or text[end_col - 1] != "}":
            return None
        insert_col = end_col - 1
        while insert_col > 0 and text[insert_col - 1] in " \t":
            insert_col -= 1
        pair = f"{key}: {_flow_value(value)}"
        if not mapping.pairs:
            new_text = pair
        elif text[insert_col - 1] == ",":
            new_text = " " + pair
        else:
            new_text = ", " + pair
        return TextEdit(Range((end_line, insert_col), (end_line, insert_col)), new_text)
    if not mapping.pairs:
        return None
    key_col = entry.range_of(mapping.pairs[0].key).start[1]
    last = mapping.pairs[-1]
    key_end = entry.range_of(last.key).end
    value_end = entry.range_of(last.value).end
    line, col = max(key_end, value_end)
    if col == 0 and line > key_end[0]:
        line -= 1  # a block value ends at the start of the next line
    at: Pos = (line, len(lines[line]))
    return TextEdit(Range(at, at), model.line_break(line) + " " * key_col + f"{key}: {value}")


def _top_insert(model: Model, key: str, value: str) -> TextEdit | None:
    if not model.top or model.top_item(key) is not None:
        return None
    first = model.top[0]
    first_line, first_col = first.range_of(first.key).start
    if first_col != 0 or model.lines[first_line].startswith("{"):
        return None  # a flow mapping at the top: no block line to add
    eol = model.line_break(first_line)
    pair = f"{key}: {value}"
    if key == "authorizations":
        last = len(model.lines) - 1
        if model.lines[last] == "":
            return TextEdit(Range((last, 0), (last, 0)), pair + eol)
        end: Pos = (last, len(model.lines[last]))
        return TextEdit(Range(end, end), eol + pair)
    project = model.top_item("project_id")
    if key in ("region", "endpoint") and project is not None and isinstance(project.value, Scalar):
        value_range = project.range_of(project.value)
        if value_range.start[0] == value_range.end[0]:
            line = value_range.end[0]
            at: Pos = (line, len(model.lines[line]))
            return TextEdit(Range(at, at), eol + pair)
    return TextEdit(Range((first_line, 0), (first_line, 0)), pair + eol)
