"""The life cycle's decisions (pure): the plan (the file against ServiceStage's list) and the words both front
ends print. The CLI (`plan`, `apply`, `refresh`) and the language server (Show plan, SS173) call these and nothing
else decides; what import writes is in ``imports``, the code lenses in ``lenses``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from servicestage_ls.core.model import Entry, Model
from servicestage_ls.core.edits import TextEdit, writeback_edits
from servicestage_ls.core.schema import STATUS_MEANINGS, redact

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
    #: The kind (personal, password, oauth): the file's, or ServiceStage's for a name only ServiceStage has.
    kind: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """Token-shaped text in a name or a repo_user is redacted, as everywhere the product prints."""
        return {"name": redact(self.name), "action": self.action, "kind": self.kind, "reason": redact(self.reason)}


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
            changes.append(Change(name, SKIP, f"it has errors, fix them first: {errors[0].code} {errors[0].message}",
                                  kind=entry.kind))
            continue
        changes.append(_entry_change(entry, name, by_name.get(name)))
    for auth in remote:
        if auth.name not in seen:
            seen.add(auth.name)
            base = probe_of(auth.name)
            if base is not None:
                changes.append(Change(auth.name, DELETE, f"a leftover probe of '{base}' (a rotation or replace was "
                                                         "interrupted): `apply` deletes it", True, auth.token_type))
            else:
                changes.append(Change(auth.name, DELETE, "in ServiceStage, not in the file", kind=auth.token_type))
    return changes


#: How an authorization of each kind is renewed, after "ServiceStage reports status 1 (overdue): ".
RENEWALS = {"personal": "the token must be replaced", "password": "the password must be replaced",
            "oauth": "authorize it again in the browser (apply does not rotate an OAuth authorization)"}


def _entry_change(entry: Entry, name: str, auth: Authorization | None) -> Change:
    """The change of one entry of the file, against ServiceStage's authorization of its name (None: it has none)."""
    kind = entry.kind
    if auth is None:
        created = entry.value_of("repo_user")
        reason = ("in the file, not in ServiceStage" if created is None else
                  f"in the file (repo_user {created}), not in ServiceStage any more")
        return Change(name, CREATE, reason, kind=kind)
    replace = replace_reasons(entry, auth)
    if replace:
        how = ("delete it, then authorize it again in the browser (apply does not)" if kind == "oauth" else
               f"it is deleted and created again with the file's {'password' if kind == 'password' else 'token'}, "
               "proven first")
        return Change(name, REPLACE, "; ".join(replace) + f": {how}", kind=kind)
    if auth.status in ROTATE_STATUSES:
        renewal = RENEWALS.get(kind, RENEWALS["personal"])
        return Change(name, ROTATE, f"ServiceStage reports {status_text(auth.status)}: {renewal}", kind=kind)
    differences = _differences(entry, auth)
    if differences:
        return Change(name, UPDATE_FILE, "; ".join(differences), kind=kind)
    return Change(name, NONE, f"up to date: {status_text(auth.status)}", kind=kind)


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
    theirs_kind = (auth.token_type or "").lower()
    if theirs_kind and theirs_kind != entry.kind:  # an entry without `kind` is a personal-token entry
        out.append(f"kind is {theirs_kind} in ServiceStage, {entry.kind} in the file")
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
    if any(c.kind == "oauth" and c.action in (ROTATE, REPLACE) for c in changes):
        lines.append("An OAuth authorization is renewed in the browser: `servicestage-ls authorize FILE --name NAME` "
                     "(Authorize in the editor); apply does not rotate it.")
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
