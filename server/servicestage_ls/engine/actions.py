"""The create / create-all / refresh engine shared by the LSP commands and ``servicestage-ls create``.

Pure decisions live here (which entries, what to send, what to write back); the callers do the I/O: the LSP
adapter applies edits with ``workspace/applyEdit``, the CLI rewrites the file atomically. The cloud client is
imported only when a call is made, so the editor features never load httpx.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servicestage_ls.core import schema
from servicestage_ls.core.edits import TextEdit, writeback_edits
from servicestage_ls.core.model import Entry, Model
from servicestage_ls.core.rules import Finding, entry_errors, file_errors, unvalidated
from servicestage_ls.core.schema import Severity
from servicestage_ls.core.tokens import ValueKind, classify, credential_values
from servicestage_ls.engine.plan import refresh_edits as refresh_edits, status_text

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient
    from servicestage_ls.cloud.errors import Advice


class Refused(Exception):
    """The action will not run (or will not write); the message says why and what to do."""


class EntryRefused(Refused):
    """One entry will not be created: ``label`` names it, ``reason`` says why (a sentence about "it")."""

    def __init__(self, label: str, reason: str) -> None:
        super().__init__(f"cannot create {label}: {reason}")
        self.label = label
        self.reason = reason

    def skipped(self) -> str:
        """The message when other entries go on: "skipped 'web-frontend': it was already created"."""
        return f"skipped {self.label}: {self.reason}"


class Unwritable(Refused):
    """The file itself could not be read or written (not the edits' fault); ``cause`` says why: "no such file"."""

    def __init__(self, cause: str) -> None:
        super().__init__(f"the file was not written: {cause}")
        self.cause = cause


def reason(why: Refused) -> str:
    """Why a write-back was refused, after "… but did not write it back:": the file's own problem said once."""
    return why.cause if isinstance(why, Unwritable) else str(why)


@dataclass(frozen=True)
class Audience:
    """The words that differ between the editor (a language server) and the command line."""

    environment: str  # where ${NAME} and the credentials are read from
    after_setting: str  # what to do once a variable is set
    refresh: str  # how repo_user/status of an existing authorization get into the file
    write_later: str  # how repo_user/status get written when the write-back was refused
    created: str  # how the create command says it created an authorization: "<created> 'name': repo_user …"
    unwritten: str  # how it says the write-back was refused: "created 'name' (repo_user …)<unwritten> <why>"
    authorize: str  # how an OAuth entry is authorized (in the browser): "… ; <authorize>"


EDITOR = Audience("the environment of the language server", "restart the server",
                  "; run Refresh status to update it", "run Refresh status to write repo_user and status",
                  "created authorization", ", but", "run Authorize in the browser on it")
COMMAND_LINE = Audience("the environment", "run the command again", "",
                        "write repo_user and status with Refresh status in the editor, or by hand",
                        "created", " but did not write it back:",
                        "run `servicestage-ls authorize FILE --name NAME`")


@dataclass(frozen=True)
class Snapshot:
    """What an entry said when its create was sent; the write-back refuses if any of it changed."""

    name: str
    repo_type: str
    token_source: str  # the secret's text in the file (`token` or `password`: ${NAME} or a literal); never shown
    host: str | None
    kind: str = schema.DEFAULT_KIND  # personal, password or oauth (the API's token_type)
    user: str | None = None  # a password entry's user
    tag: str | None = None  # an OAuth entry's tag

    @property
    def secret(self) -> str:
        """What the secret is called in messages: "token" or "password"."""
        return "password" if self.kind == "password" else "token"

    def __repr__(self) -> str:
        return (f"Snapshot(name={self.name!r}, kind={self.kind!r}, repo_type={self.repo_type!r}, host={self.host!r}, "
                f"user={self.user!r}, tag={self.tag!r})")


@dataclass(frozen=True)
class Prepared:
    snapshot: Snapshot
    token: str
    token_origin: str  # "${NAME}" or "a literal in the file": what messages may say about the token

    def __repr__(self) -> str:
        return f"Prepared({self.snapshot!r}, token from {self.token_origin})"


def snapshot_of(entry: Entry) -> Snapshot:
    return Snapshot(
        name=entry.value_of("name") or "",
        repo_type=(entry.value_of("repo_type") or "").lower(),
        token_source=entry.secret_source or "",
        host=entry.value_of("host"),
        kind=entry.kind,
        user=entry.user,
        tag=entry.tag,
    )


def find_entry(model: Model, name: str) -> Entry:
    found = [e for e in model.entries if e.name == name]
    if not found:
        names = ", ".join(schema.redact(e.name) for e in model.entries if e.name) or "none"
        raise Refused(f"there is no entry named '{schema.redact(name)}' in the file (its entries: {names})")
    if len(found) > 1:
        raise Refused(f"several entries are named '{schema.redact(name)}'; names must be unique")
    return found[0]


def entry_at(model: Model, line: int) -> Entry:
    entry = model.entry_at_line(line)
    if entry is None:
        raise Refused("the cursor is not on an entry of `authorizations`")
    return entry


def new_entries(model: Model) -> list[Entry]:
    """Entries that have not been created yet (no `repo_user`)."""
    return [e for e in model.entries if e.mapping is not None and e.mapping.get("repo_user") is None]


def can_create(model: Model, entry: Entry, env: Mapping[str, str]) -> bool:
    """Whether a create of this entry would be sent: the file and the entry pass (``prepare`` accepts it)."""
    try:
        refuse_file_errors(model, env)
        prepare(model, entry, env)
    except Refused:
        return False
    return True


def ready_to_create(model: Model, findings: Sequence[Finding], env: Mapping[str, str]) -> tuple[list[Entry], int]:
    """The new entries a create-all would send, and how many new entries it would skip: ``prepare``'s decision
    for all of them at once, from the file's findings (``rules.check``, which the editor has already made). Calling
    ``prepare`` per entry would look for duplicate names across the whole list for each of them."""
    fresh = new_entries(model)
    if not fresh or file_errors(model, env):
        return [], len(fresh)
    starts = [e.first_line for e in model.entries]
    failing: set[int] = set()
    for f in findings:
        if f.severity == Severity.ERROR:
            line = f.range.start[0]
            index = bisect_right(starts, line) - 1
            if index >= 0 and line <= model.entries[index].last_line:
                failing.add(id(model.entries[index]))
    ready = []
    for entry in fresh:
        if id(entry) in failing:
            continue
        try:
            _resolve_token(entry_label(entry), snapshot_of(entry), env, EDITOR)
        except EntryRefused:
            continue
        ready.append(entry)
    return ready, len(fresh) - len(ready)


def refuse_file_errors(model: Model, env: Mapping[str, str]) -> None:
    """Refused when the file was not validated (SS104) or has an error outside its entries: the request would be
    made from a wrong project, region, endpoint or structure."""
    if (unchecked := unvalidated(model)) is not None:
        raise Refused(unchecked)
    errors = file_errors(model, env)
    if errors:
        shown = "; ".join(f"line {f.range.start[0] + 1}: {f.code} {f.message}" for f in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise Refused(f"the file has errors, fix them first (nothing was sent): {shown}{more}")


def entry_label(entry: Entry) -> str:
    return f"'{schema.redact(entry.name)}'" if entry.name else f"entry {entry.index + 1}"


def prepare(model: Model, entry: Entry, env: Mapping[str, str], audience: Audience = EDITOR, *,
            recreate: bool = False) -> Prepared:
    """Check an entry and resolve its token; EntryRefused says why nothing may be sent.

    ``recreate``: the entry has been created before (it has repo_user) and is to be created again (a rotation,
    or an authorization deleted in ServiceStage meanwhile)."""
    label = entry_label(entry)
    errors = entry_errors(model, entry, env)
    if errors:
        shown = "; ".join(f"{f.code} {f.message}" for f in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise EntryRefused(label, f"it has errors, fix them first: {shown}{more}")
    if not recreate and entry.mapping is not None and entry.mapping.get("repo_user") is not None:
        raise EntryRefused(label, f"it was already created (it has repo_user){audience.refresh}")
    snap = snapshot_of(entry)
    if snap.kind not in SECRET_KINDS:
        raise EntryRefused(label, "it is an OAuth entry: it is authorized in the browser, not created from a secret; "
                                  f"{audience.authorize.replace('NAME', schema.redact(snap.name))}")
    return _resolve_token(label, snap, env, audience)


SECRET_KINDS = tuple(schema.SECRET_KEY_OF_KIND)
"""The kinds created from a secret in the environment (a token, a password); OAuth is authorized in the browser."""


def _resolve_token(label: str, snap: Snapshot, env: Mapping[str, str], audience: Audience) -> Prepared:
    value, origin = resolve_secret(label, snap.token_source, env, audience, snap.secret, snap.repo_type)
    return Prepared(snap, value, origin)


def resolve_secret(label: str, source: str, env: Mapping[str, str], audience: Audience, key: str = "token",
                   repo_type: str | None = None) -> tuple[str, str]:
    """The value to send of an entry's secret (``key``: `token`, `password`; ``source``: its text in the file) and
    where it came from; EntryRefused when it may not be sent: a reference to a cloud credential variable, a
    malformed or empty one, an unset variable, a token pasted between the braces — or a value equal to one of the
    cloud credentials in use, whatever holds it. The value is never in a message."""
    secret = classify(source, env)
    usual = schema.secret_env_for(key, repo_type)
    if secret.pasted is not None:
        instead = secret.pasted.token_env if key == "token" else usual
        raise EntryRefused(label, f"the {key} reference holds what looks like a token, not the name of an "
                                  f"environment variable; use a variable such as ${{{instead}}} (nothing was sent)")
    if secret.kind is ValueKind.CREDENTIAL:
        raise EntryRefused(label, f"the {key} reference ${{{secret.variable}}} names a cloud credential variable, "
                                  f"not a repository {key}; use a variable such as ${{{usual}}} (nothing was sent)")
    if secret.kind is ValueKind.MALFORMED:
        meant = f" (${{{secret.intended}}}?)" if secret.intended else ""
        raise EntryRefused(label, f"the {key} reference is malformed; write it as ${{NAME}}{meant} (nothing was "
                                  "sent)")
    variable = secret.variable
    if variable is not None:  # a reference: its variable must hold a secret (an empty one is none)
        value, origin = env.get(variable, ""), f"${{{variable}}}"
        if not value:
            raise EntryRefused(label, f"the {key} reference ${{{variable}}} is not set in {audience.environment}; "
                                      f"set it and {audience.after_setting} (nothing was sent)")
    else:
        value, origin = source.strip(), "a literal in the file"
        if not value:
            raise EntryRefused(label, f"the {key} is empty (nothing was sent)")
    if value.strip() in credential_values(env):
        raise EntryRefused(label, f"the {key} ({origin}) is one of the cloud credentials in use (an AK, SK, security "
                                  f"token, X-Auth-Token or password); it is never sent (nothing was sent)")
    return value, origin


async def create_call(client: ServiceStageClient, snap: Snapshot, secret: str, name: str) -> Authorization:
    """The create call of the entry ``snap``'s kind with its secret, under ``name`` (its own, or a probe's): a
    personal token's ``…/personal`` or a password's ``…/password``."""
    if snap.kind == "password":
        return await client.create_password_authorization(snap.repo_type, name, snap.user or "", secret)
    return await client.create_personal_authorization(snap.repo_type, name, secret, snap.host)


@dataclass(frozen=True)
class CloudOptions:
    """How the front end reaches ServiceStage; the file says the rest (region, endpoint, project id). The editor
    makes them from its ``servicestage.*`` settings, the command line from their defaults."""

    timeout: float  # seconds per call
    endpoint: str | None = None  # used when the file sets no endpoint
    ca_bundle: str | None = None  # a PEM file of the CAs to trust instead of the system's
    #: What a failed connection tells the user to change; None: the editor's settings (the command line says its own).
    advice: Advice | None = None
    #: Hosts ("host[:port]") the user trusts to receive the credentials besides the built-in ones and the
    #: environment's SERVICESTAGE_TRUSTED_ENDPOINTS (core.trust): the command line's --trust-endpoint and typed
    #: --endpoint, the editor's trustedEndpoints and endpoint from initializationOptions. Never from the file.
    trusted: tuple[str, ...] = ()


def client_settings(model: Model, options: CloudOptions) -> dict[str, Any]:
    """The arguments of ``open_client`` for this file and these options."""
    return {
        "region": model.top_value("region"),
        "file_endpoint": model.top_value("endpoint"),
        "setting_endpoint": options.endpoint,
        "project_id": model.top_value("project_id"),
        "timeout": options.timeout,
        "ca_bundle": options.ca_bundle,
        "trusted": options.trusted,
    }


async def open_client_for(model: Model, options: CloudOptions, env: Mapping[str, str]) -> ServiceStageClient:
    from servicestage_ls.cloud.client import open_client
    from servicestage_ls.cloud.errors import EDITOR_ADVICE

    return await open_client(env=env, advice=options.advice or EDITOR_ADVICE, **client_settings(model, options))


def configuration_problem(model: Model, options: CloudOptions, env: Mapping[str, str]) -> str | None:
    """Why no call can be made for this file (no network), or None when it is configured."""
    from servicestage_ls.cloud.client import missing_configuration

    from servicestage_ls.cloud.errors import EDITOR_ADVICE

    args = client_settings(model, options)
    args.pop("timeout")
    return missing_configuration(env=env, advice=options.advice or EDITOR_ADVICE, **args)


@dataclass(frozen=True)
class CallPlan:
    """What a run would call, for a dry run (no network): each part None when it cannot be resolved."""

    endpoint: str | None
    credentials: str | None  # the kind only ("an X-Auth-Token (HUAWEICLOUD_AUTH_TOKEN)")
    project_id: str | None  # None: looked up when the run starts, or not to be found
    project_origin: str
    problem: str | None  # why a real run would stop for configuration

    def create_url(self, repo_type: str, kind: str = schema.DEFAULT_KIND) -> str:
        from urllib.parse import quote

        project = quote(self.project_id, safe="") if self.project_id else "{project_id}"
        return f"{self.endpoint}/v1/{project}/git/auths/{quote(repo_type, safe='')}/{quote(kind, safe='')}"


def call_plan(model: Model, options: CloudOptions, env: Mapping[str, str]) -> CallPlan:
    from servicestage_ls.cloud.client import describe_configuration

    args = client_settings(model, options)
    endpoint, credentials, project_id, origin = describe_configuration(
        region=args["region"], file_endpoint=args["file_endpoint"], setting_endpoint=args["setting_endpoint"],
        project_id=args["project_id"], env=env)
    if project_id is not None:
        origin = f"{project_id} (from {origin})"
    return CallPlan(endpoint, credentials, project_id, origin, configuration_problem(model, options, env))


def project_id_note(model: Model, env: Mapping[str, str], project_id: str) -> str | None:
    """How the client found the project id when neither the file nor the environment gave it, else None."""
    if model.top_value("project_id") or env.get("HUAWEICLOUD_SDK_PROJECT_ID", "").strip():
        return None
    return f"project id {project_id}, looked up from IAM for region {model.top_value('region')}"


def describe(auth: Authorization) -> str:
    parts = []
    if auth.repo_user is not None:
        parts.append(f"repo_user {auth.repo_user}")
    if auth.status is not None:
        parts.append(status_text(auth.status))
    return ", ".join(parts) or "no details returned"


def writeback(model: Model, snapshot: Snapshot, auth: Authorization, audience: Audience = EDITOR) -> list[TextEdit]:
    """The edits for the entry as it is now, found again by name; Refused when it is gone or changed."""
    if all(e.name != snapshot.name for e in model.entries):
        raise Refused(f"there is no entry named '{schema.redact(snapshot.name)}' in the file any more")
    entry = find_entry(model, snapshot.name)
    now = snapshot_of(entry)
    if now != snapshot:
        changed = [f for f in ("kind", "repo_type", "token_source", "host", "user", "tag")
                   if getattr(now, f) != getattr(snapshot, f)]
        what = ", ".join(snapshot.secret if f == "token_source" else f for f in changed)
        raise Refused(f"'{snapshot.name}' changed while ServiceStage answered ({what}); nothing was written — "
                      f"{audience.write_later}")
    if entry.mapping is None:
        raise Refused(f"'{snapshot.name}' is no longer a mapping; nothing was written")
    return writeback_edits(model, entry, auth.repo_user, auth.status)
