"""What import writes (pure): the entries for the authorizations ServiceStage has and the file does not, their
token variables (never two the same), a whole new file or the edits that append to one, and what it says. The
CLI's ``import`` and the editor's Import call these."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from servicestage_ls.core import tokens
from servicestage_ls.core.edits import TextEdit, status_value
from servicestage_ls.core.model import Model, Range, Scalar
from servicestage_ls.core.schema import redact
from servicestage_ls.core.yamlparse import yaml_scalar
from servicestage_ls.engine.plan import probe_of

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization


def token_variable(name: str) -> str:
    """The environment variable an imported entry's token comes from: `payments-api` → `PAYMENTS_API_TOKEN`."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    if not stem:
        stem = "REPO"
    if stem[0].isdigit():
        stem = "AUTH_" + stem
    return f"{stem}_TOKEN"


def token_variables(auths: Sequence[Authorization], taken: Iterable[str] = ()) -> dict[str, str]:
    """The variable each imported entry's token comes from: :func:`token_variable`, with ``_2``, ``_3``… before
    ``_TOKEN`` when an entry of the file (``taken``) or an earlier one of this import has it (`a-b.c` and `a_b-c`
    never share ``A_B_C_TOKEN``)."""
    used = set(taken)
    out: dict[str, str] = {}
    for auth in auths:
        base = token_variable(auth.name)
        variable, number = base, 2
        while variable in used:
            variable, number = f"{base.removesuffix('_TOKEN')}_{number}_TOKEN", number + 1
        used.add(variable)
        out[auth.name] = variable
    return out


def variables_in(model: Model | None) -> set[str]:
    """The variables the file's `token` references name (what an import must not give another entry)."""
    if model is None:
        return set()
    found = (tokens.classify(e.value_of("token") or "", {}).variable for e in model.entries)
    return {v for v in found if v}


def importable(model: Model | None, remote: Sequence[Authorization], names: Sequence[str] = ()) -> list[Authorization]:
    """The authorizations to import: in ServiceStage and not in the file (all, or those named)."""
    present = {e.name for e in model.entries if e.name} if model is not None else set()
    wanted = set(names)
    return [a for a in remote if a.name not in present
            and (a.name in wanted if wanted else probe_of(a.name) is None)]  # a leftover probe is no entry


_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~/?&=%+@:-]+")  # reads back as itself in plain YAML (no ": ", " #")


def imported_message(auths: Sequence[Authorization], taken: Iterable[str] = ()) -> str:
    """What an import says: the entries, the variables their tokens come from (``taken``: the file's, as for
    :func:`import_edits`), and each variable given a number because its name was taken."""
    variables = token_variables(auths, taken)
    names = ", ".join(f"'{redact(a.name)}'" for a in auths)
    listed = redact(", ".join(variables[a.name] for a in auths))
    one = len(auths) == 1
    whose, when = ("its token is", "it is") if one else ("their tokens are", "they are")
    renamed = "".join(f"; {token_variable(a.name)} was taken, so '{redact(a.name)}' reads {variables[a.name]}"
                      for a in auths if variables[a.name] != token_variable(a.name))
    return (f"imported {names}; {whose} read from {listed} when {when} created again or rotated (set "
            f"{'it' if one else 'them'} in the environment first){renamed}")


def _https_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    return value.rstrip("/") if parts.scheme == "https" and parts.hostname else None


def entry_lines(auth: Authorization, variable: str | None = None) -> list[tuple[str, str]]:
    """(key, value text) of the imported entry, in the order a person writes them (``variable``: its token's, by
    default :func:`token_variable`)."""
    pairs = [("name", yaml_scalar(auth.name))]
    if auth.repo_type:
        pairs.append(("repo_type", yaml_scalar(auth.repo_type.lower())))
    pairs.append(("token", tokens.reference(variable or token_variable(auth.name))))
    host = _https_url(auth.repo_home)
    if host is not None:
        pairs.append(("host", host if _PLAIN_URL.fullmatch(host) else yaml_scalar(host)))
    if auth.repo_user is not None:
        pairs.append(("repo_user", yaml_scalar(auth.repo_user)))
    if auth.status is not None:
        pairs.append(("status", status_value(auth.status)))
    return pairs


def _entries_text(auths: Sequence[Authorization], dash: str, key_indent: str, eol: str,
                  taken: Iterable[str] = ()) -> str:
    """The entries as block mappings: ``dash`` starts an item's first line (`  - `), ``key_indent`` the others;
    their token variables are not those of ``taken`` (:func:`token_variables`)."""
    variables = token_variables(auths, taken)
    out = []
    for auth in auths:
        for i, (key, value) in enumerate(entry_lines(auth, variables[auth.name])):
            lead = dash if i == 0 else key_indent
            out.append(f"{lead}{key}: {value}{eol}")
    return "".join(out)


def new_file_text(auths: Sequence[Authorization], *, project_id: str | None, region: str | None,
                  endpoint: str | None) -> str:
    """A whole file for `import -o FILE`."""
    head = []
    if project_id:
        head.append(f"project_id: {yaml_scalar(project_id)}\n")
    if endpoint:
        head.append(f"endpoint: {endpoint if _PLAIN_URL.fullmatch(endpoint) else yaml_scalar(endpoint)}\n")
    elif region:
        head.append(f"region: {yaml_scalar(region)}\n")
    if not auths:
        return "".join(head) + "authorizations: []\n"
    return "".join(head) + "authorizations:\n" + _entries_text(auths, "  - ", "    ", "\n")


class CannotImport(Exception):
    """The file's shape leaves no place to add entries without rewriting it; the message says why."""


def import_edits(model: Model, auths: Sequence[Authorization]) -> list[TextEdit]:
    """Edits that append these entries to the file's `authorizations`, byte-identical elsewhere."""
    if not auths:
        return []
    taken = variables_in(model)
    item = model.authorizations
    if model.root_kind not in ("mapping", "empty"):
        raise CannotImport("the file is not a mapping; fix it first")
    if model.has_syntax_errors:
        raise CannotImport("the file has YAML syntax errors; fix them first")
    eol = model.line_break(0)
    if item is None:
        at = (len(model.lines) - 1, len(model.lines[-1]))
        lead = eol if model.lines[-1] else ""
        text = _entries_text(auths, "  - ", "    ", eol, taken)
        return [TextEdit(Range(at, at), lead + "authorizations:" + eol + text)]
    value = item.value
    entries = [e for e in model.entries if e.node is not None]
    if entries:
        last, first = entries[-1], entries[0]
        if first.mapping is None or first.mapping.flow or not first.mapping.pairs:
            raise CannotImport("the entries are not block mappings; add the entries by hand")
        key_start = first.range_of(first.mapping.pairs[0].key).start
        line = model.lines[key_start[0]]
        dash_col = line.rfind("-", 0, key_start[1])
        if dash_col < 0:
            raise CannotImport("the entries' layout is unusual; add the entries by hand")
        if last.mapping is None or not last.mapping.pairs or last.mapping.flow:
            raise CannotImport("the last entry is not a block mapping; add the entries by hand")
        end = last.range_of(last.mapping.pairs[-1].value).end
        end_line = end[0] - 1 if end[1] == 0 and end[0] > 0 else end[0]
        at = model.line_end_pos(end_line)
        dash = " " * dash_col + "-" + " " * (key_start[1] - dash_col - 1)
        text = _entries_text(auths, dash, " " * key_start[1], eol, taken)
        return [TextEdit(Range(at, at), eol + text.removesuffix(eol))]
    if isinstance(value, Scalar) and value.is_null:
        key_end = item.range_of(item.key).end
        at = model.line_end_pos(key_end[0])
        return [TextEdit(Range(at, at), eol + _entries_text(auths, "  - ", "    ", eol, taken).removesuffix(eol))]
    rng = item.range_of(value)
    key_end = item.range_of(item.key).end
    colon = model.lines[key_end[0]].find(":", key_end[1])
    if model.text[model.offset(rng.start):model.offset(rng.end)].replace(" ", "") == "[]" and colon >= 0 \
            and rng.end[0] == key_end[0]:
        return [TextEdit(Range((key_end[0], colon + 1), rng.end),
                         eol + _entries_text(auths, "  - ", "    ", eol, taken).removesuffix(eol))]
    raise CannotImport("`authorizations` is not a block list; add the entries by hand")
