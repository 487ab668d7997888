"""The life cycle's decisions (pure): the plan (the file against ServiceStage's list), what import writes, and
the words both front ends print. The CLI (`plan`, `apply`, `import`) and the language server (Show plan, code
lenses, SS173, Import) call these and nothing else decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from servicestage_ls.core.model import Entry, Model, Range, Scalar
from servicestage_ls.core.edits import TextEdit, status_value, writeback_edits
from servicestage_ls.core.yamlparse import yaml_scalar
from servicestage_ls.core.schema import STATUS_MEANINGS, redact
from servicestage_ls.core import tokens

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization

CREATE, UPDATE_FILE, REPLACE, ROTATE, DELETE, SKIP, NONE = (
    "create", "update-file", "replace", "rotate", "delete", "skip", "none")
ACTIONS = (CREATE, UPDATE_FILE, REPLACE, ROTATE, DELETE, SKIP, NONE)
#: Remote statuses that mean the token must be replaced.
ROTATE_STATUSES = (1, 2)
#: What each action does, as the text plan shows it.
ACTION_VERBS = {
    CREATE: "create in ServiceStage",
    UPDATE_FILE: "update the file",
    REPLACE: "replace in ServiceStage (prove the file's token, delete, then create again)",
    ROTATE: "rotate the token (prove the new token, delete, then create again)",
    DELETE: "delete from ServiceStage",
    SKIP: "nothing: the entry has errors",
    NONE: "no change",
}


#: A probe authorization: made under a derived name to prove a new token before its entry is deleted (see
#: ``lifecycle.recreate_one``); ``NAME.probe-XXXXXX`` (the entry's name cut to 50 characters, 6 hex digits): it obeys
#: the naming rule and a new one is drawn at each rotation, so it cannot clash.
PROBE_RE = re.compile(r"^([A-Za-z0-9_.-]{1,50})\.probe-([0-9a-f]{6})$")


def probe_name(name: str, nonce: str) -> str:
    """The probe's name for the entry ``name`` (``nonce``: 6 hex digits)."""
    return f"{name[:50]}.probe-{nonce}"


def probe_of(name: str) -> str | None:
    """The (cut) entry name a probe was made for, or None when ``name`` is not a probe's."""
    match = PROBE_RE.match(name)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Change:
    name: str
    action: str
    reason: str
    #: A leftover probe (a DELETE that ``apply`` does without ``--prune``: the tool made it, nothing else has it).
    probe: bool = False

    def as_json(self) -> dict[str, str]:
        """Token-shaped text in a name or a repo_user is redacted, as everywhere the product prints."""
        return {"name": redact(self.name), "action": self.action, "reason": redact(self.reason)}


def status_text(status: int | None) -> str:
    if status is None:
        return "no status"
    return f"status {status} ({STATUS_MEANINGS.get(status, 'unknown')})"


def plan(model: Model, remote: Sequence[Authorization], env: Mapping[str, str] | None = None) -> list[Change]:
    """One change per name: the file's entries in their order, then the names only ServiceStage has. With ``env``
    (the environment its references are read from), an entry with errors is ``skip`` with its first error: nothing
    is done for it."""
    from servicestage_ls.core.rules import entry_errors

    by_name = {a.name: a for a in remote}
    changes: list[Change] = []
    seen: set[str] = set()
    for entry in model.entries:
        name = entry.name
        if not name or name in seen or entry.mapping is None:
            continue
        seen.add(name)
        errors = entry_errors(model, entry, env) if env is not None else []
        if errors:
            changes.append(Change(name, SKIP, f"it has errors, fix them first: {errors[0].code} {errors[0].message}"))
            continue
        auth = by_name.get(name)
        if auth is None:
            created = entry.value_of("repo_user")
            reason = ("in the file, not in ServiceStage" if created is None else
                      f"in the file (repo_user {created}), not in ServiceStage any more")
            changes.append(Change(name, CREATE, reason))
            continue
        replace = replace_reasons(entry, auth)
        if replace:
            changes.append(Change(name, REPLACE, "; ".join(replace) + ": it is deleted and created again with the "
                                                                       "file's token, proven first"))
            continue
        if auth.status in ROTATE_STATUSES:
            changes.append(Change(name, ROTATE, f"ServiceStage reports {status_text(auth.status)}: the token must be "
                                                "replaced"))
            continue
        differences = _differences(entry, auth)
        if differences:
            changes.append(Change(name, UPDATE_FILE, "; ".join(differences)))
        else:
            changes.append(Change(name, NONE, f"up to date: {status_text(auth.status)}"))
    for auth in remote:
        if auth.name not in seen:
            seen.add(auth.name)
            base = probe_of(auth.name)
            if base is not None:
                changes.append(Change(auth.name, DELETE, f"a leftover probe of '{base}' (a rotation or replace was "
                                                         "interrupted): `apply` deletes it", probe=True))
            else:
                changes.append(Change(auth.name, DELETE, "in ServiceStage, not in the file"))
    return changes


def _owner(url: str | None) -> tuple[str, str] | None:
    """(host name, first path segment) of a repository URL, lower case; None when it has neither."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    segment = next((s for s in parts.path.split("/") if s), None)
    if not parts.hostname or segment is None:
        return None
    return parts.hostname.lower(), segment.lower()


def replace_reasons(entry: Entry, auth: Authorization) -> list[str]:
    """Why ServiceStage's authorization cannot stay (the API has no update): its repo_type differs from the file's,
    or the file's `host` names another owner than its repo_home. Empty when neither."""
    out = []
    file_type = (entry.value_of("repo_type") or "").lower()
    if auth.repo_type and file_type and auth.repo_type.lower() != file_type:
        out.append(f"repo_type is {auth.repo_type.lower()} in ServiceStage, {file_type} in the file")
    host = entry.value_of("host")
    mine, theirs = _owner(host), _owner(auth.repo_home)
    if mine is not None and theirs is not None and mine != theirs:
        out.append(f"host is {host} in the file, ServiceStage's repo_home is {auth.repo_home}")
    return out


def _differences(entry: Entry, auth: Authorization) -> list[str]:
    out = []
    user = entry.value_of("repo_user")
    if auth.repo_user is not None and user != auth.repo_user:
        out.append(f"repo_user is {auth.repo_user} in ServiceStage, {user or 'missing'} in the file")
    status = entry.status
    if auth.status is not None and status != auth.status:
        said = status_text(status) if status is not None else "no status"
        out.append(f"ServiceStage reports {status_text(auth.status)}, the file says {said}")
    return out


def pending(changes: Iterable[Change]) -> list[Change]:
    """The changes apply would make (an entry with errors is not one: nothing is done for it)."""
    return [c for c in changes if c.action not in (NONE, SKIP)]


def plan_json(changes: Sequence[Change], project_id: str, endpoint: str) -> dict[str, Any]:
    return {"project_id": project_id, "endpoint": endpoint, "changes": [c.as_json() for c in changes]}


def plan_lines(changes: Sequence[Change], project_id: str, endpoint: str) -> list[str]:
    """The plan as a person reads it before approving it."""
    lines = [f"ServiceStage project {project_id} at {endpoint}", ""]
    if not changes:
        lines.append("Neither the file nor ServiceStage has any authorization.")
        return lines
    width = max(len(redact(c.name)) for c in changes)
    marks = {CREATE: "+", UPDATE_FILE: "~", REPLACE: "!", ROTATE: "±", DELETE: "-", SKIP: "?", NONE: " "}
    for change in changes:
        lines.append(f"  {marks[change.action]} {redact(change.name):<{width}}  {change.action:<11}  "
                     f"{redact(change.reason)}")
    counts = {action: sum(1 for c in changes if c.action == action) for action in ACTIONS}
    lines.append("")
    if not pending(changes):
        lines.append(f"No changes: the file and ServiceStage agree ({counts[NONE]} up to date)." if not counts[SKIP]
                     else f"No changes apply can make ({counts[NONE]} up to date, {counts[SKIP]} skip: fix the "
                          "errors of the entries marked ? first).")
        return lines
    summary = ", ".join(f"{counts[a]} {a}" for a in ACTIONS if counts[a] and a != NONE)
    lines.append(f"Plan: {summary} ({counts[NONE]} up to date).")
    if counts[REPLACE]:
        lines.append("`apply --replace` replaces them: it proves the file's token with a probe authorization, deletes "
                     "each one and creates it again.")
    if counts[ROTATE]:
        lines.append("`apply --rotate` rotates tokens: it proves the new token with a probe authorization, deletes "
                     "each authorization and creates it again.")
    if any(c.action == DELETE and not c.probe for c in changes):
        lines.append("`apply --prune` deletes what the file does not have; `import` adds it to the file instead.")
    return lines


def to_replace(model: Model, remote: Sequence[Authorization]) -> str | None:
    """What Refresh (which only writes repo_user/status) cannot bring into agreement: the authorizations to replace,
    as the end of its message ("to replace: 'legacy-ci' (repo_type is …) — `servicestage-ls apply --replace`"),
    or None."""
    by_name = {a.name: a for a in remote}
    found = [(e.name, replace_reasons(e, by_name[e.name])) for e in model.entries
             if e.name in by_name and e.mapping is not None]
    shown = [f"'{redact(name)}' ({'; '.join(why)})" for name, why in found if why and name]
    if not shown:
        return None
    return f"to replace: {', '.join(shown)} — `servicestage-ls apply --replace` replaces them"


def refresh_edits(model: Model, remote: list[Authorization]) -> tuple[list[TextEdit], list[str], list[str]]:
    """Edits that bring repo_user/status of entries that exist remotely up to date.

    Returns (edits, names updated, names of entries that do not exist remotely).
    """
    by_name = {a.name: a for a in remote}
    edits: list[TextEdit] = []
    updated: list[str] = []
    missing: list[str] = []
    for entry in model.entries:
        name = entry.name
        if not name or entry.mapping is None:
            continue
        auth = by_name.get(name)
        if auth is None:
            missing.append(name)
            continue
        current_user = entry.value_of("repo_user")
        status_now = entry.status
        if current_user == auth.repo_user and status_now == auth.status:
            continue
        edits.extend(writeback_edits(
            model,
            entry,
            auth.repo_user if current_user != auth.repo_user else None,
            auth.status if status_now != auth.status else None,
        ))
        updated.append(name)
    return edits, updated, missing


# --- import ---------------------------------------------------------------------------------------------------


def token_variable(name: str) -> str:
    """The environment variable an imported entry's token comes from: `payments-api` → `PAYMENTS_API_TOKEN`."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    if not stem:
        stem = "REPO"
    if stem[0].isdigit():
        stem = "AUTH_" + stem
    return f"{stem}_TOKEN"


def importable(model: Model | None, remote: Sequence[Authorization], names: Sequence[str] = ()) -> list[Authorization]:
    """The authorizations to import: in ServiceStage and not in the file (all, or those named)."""
    present = {e.name for e in model.entries if e.name} if model is not None else set()
    wanted = set(names)
    return [a for a in remote if a.name not in present
            and (a.name in wanted if wanted else probe_of(a.name) is None)]  # a leftover probe is no entry


_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~/?&=%+@:-]+")  # reads back as itself in plain YAML (no ": ", " #")


def imported_message(auths: Sequence[Authorization]) -> str:
    names = ", ".join(f"'{redact(a.name)}'" for a in auths)
    variables = redact(", ".join(token_variable(a.name) for a in auths))
    whose = "its token is" if len(auths) == 1 else "their tokens are"
    return (f"imported {names}; {whose} read from {variables} when it is created again or rotated (set "
            f"{'it' if len(auths) == 1 else 'them'} in the environment first)")


def _https_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    return value.rstrip("/") if parts.scheme == "https" and parts.hostname else None


def entry_lines(auth: Authorization) -> list[tuple[str, str]]:
    """(key, value text) of the imported entry, in the order a person writes them."""
    pairs = [("name", yaml_scalar(auth.name))]
    if auth.repo_type:
        pairs.append(("repo_type", yaml_scalar(auth.repo_type.lower())))
    pairs.append(("token", tokens.reference(token_variable(auth.name))))
    host = _https_url(auth.repo_home)
    if host is not None:
        pairs.append(("host", host if _PLAIN_URL.fullmatch(host) else yaml_scalar(host)))
    if auth.repo_user is not None:
        pairs.append(("repo_user", yaml_scalar(auth.repo_user)))
    if auth.status is not None:
        pairs.append(("status", status_value(auth.status)))
    return pairs


def _entries_text(auths: Sequence[Authorization], dash: str, key_indent: str, eol: str) -> str:
    """The entries as block mappings: ``dash`` starts an item's first line (`  - `), ``key_indent`` the others."""
    out = []
    for auth in auths:
        for i, (key, value) in enumerate(entry_lines(auth)):
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
    item = model.authorizations
    if model.root_kind not in ("mapping", "empty"):
        raise CannotImport("the file is not a mapping; fix it first")
    if model.has_syntax_errors:
        raise CannotImport("the file has YAML syntax errors; fix them first")
    eol = model.line_break(0)
    if item is None:
        at = (len(model.lines) - 1, len(model.lines[-1]))
        lead = eol if model.lines[-1] else ""
        return [TextEdit(Range(at, at), lead + "authorizations:" + eol + _entries_text(auths, "  - ", "    ", eol))]
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
        text = _entries_text(auths, dash, " " * key_start[1], eol)
        return [TextEdit(Range(at, at), eol + text.removesuffix(eol))]
    if isinstance(value, Scalar) and value.is_null:
        key_end = item.range_of(item.key).end
        at = model.line_end_pos(key_end[0])
        return [TextEdit(Range(at, at), eol + _entries_text(auths, "  - ", "    ", eol).removesuffix(eol))]
    rng = item.range_of(value)
    key_end = item.range_of(item.key).end
    colon = model.lines[key_end[0]].find(":", key_end[1])
    if model.text[model.offset(rng.start):model.offset(rng.end)].replace(" ", "") == "[]" and colon >= 0 \
            and rng.end[0] == key_end[0]:
        return [TextEdit(Range((key_end[0], colon + 1), rng.end),
                         eol + _entries_text(auths, "  - ", "    ", eol).removesuffix(eol))]
    raise CannotImport("`authorizations` is not a block list; add the entries by hand")
