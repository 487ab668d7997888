"""The life cycle's loops (async), shared by the command line and the language server: apply a plan, rotate a
token, delete an authorization. The front end gives a :class:`Front` (how to report, how to write the file, how
to mark an entry); the decisions come from :mod:`plan` and :mod:`actions`, the calls from the cloud client.

A rotation (a new token) and a replace (ServiceStage's repo_type or owner differs from the file's) are a delete
followed by a create with the same name and the entry's token (the API has no update). The token is proven before
anything is deleted: its shape for the repo type, then a probe authorization created with it under a derived name
(``plan.probe_name``), deleted again at the end; a probe left behind (a lost connection, a killed process) shows
in the next plan as a leftover that ``apply`` deletes. When the create fails after the delete succeeded the
authorization is gone from ServiceStage: that is said loudly with what exists now and what to run to finish, and
the entry loses `repo_user`/`status` (it is "new" again: the plan shows `create`) and is marked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import secrets

from servicestage_ls.core import tokens
from servicestage_ls.core.model import Model
from servicestage_ls.core.edits import TextEdit, removal_edits
from servicestage_ls.core.schema import redact
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Refused
from servicestage_ls.engine import plan as planning
from servicestage_ls.engine.plan import CREATE, DELETE, NONE, REPLACE, ROTATE, SKIP, UPDATE_FILE, Change

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient

INFO, WARNING, ERROR = "info", "warning", "error"


def q(name: str) -> str:
    """A name as messages show it: quoted, token-shaped text redacted."""
    return f"'{redact(name)}'"


class Front(Protocol):
    """What a front end (CLI, LSP) gives the loops."""

    env: Mapping[str, str]
    audience: actions.Audience
    #: What the user runs to create an entry again (the end of the "rotation incomplete" message).
    finish_hint: str
    #: How a probe authorization left in ServiceStage goes away (after "the probe … was left in ServiceStage; ").
    leftover_hint: str

    def current(self) -> Model:
        """The file as it is now."""

    def progress(self, message: str, percentage: int | None = None) -> None: ...

    def say(self, level: str, message: str) -> None: ...

    async def write(self, compute: Callable[[Model], list[TextEdit]], label: str) -> None:
        """Apply the edits computed on the file as it is when they are written; Refused when they cannot be."""

    def mark(self, name: str, message: str) -> None:
        """Show that the last call for this entry failed (the editor's SS170; nothing in a terminal)."""

    def unmark(self, name: str) -> None: ...


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    #: Done in ServiceStage (also in ``done``) but their write-back to the file was refused.
    unwritten: list[str] = field(default_factory=list)
    #: Left when the run stopped at a connection-level failure.
    not_attempted: list[str] = field(default_factory=list)
    #: Skipped: the entry has errors (the plan's ``skip``).
    errors: list[str] = field(default_factory=list)
    #: Skipped: the entry could not be sent (its token reference is not set, …), said when it came.
    refused: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        return {"done": self.done, "failed": self.failed, "skipped": self.skipped, "incomplete": self.incomplete,
                "unwritten": self.unwritten, "not_attempted": self.not_attempted, "errors": self.errors,
                "refused": self.refused}


def delete_question(name: str) -> str:
    return f"Delete {q(name)} from ServiceStage? This cannot be undone."


def rotate_question(name: str, token_origin: str, secret: str = "token") -> str:
    """``secret``: "token" or "password" (a password entry's rotation is its password's)."""
    return (f"Rotate the {secret} of {q(name)}? Its authorization is deleted from ServiceStage and created again "
            f"with the {secret} from {token_origin}.")


def incomplete_message(name: str, error: object, finish_hint: str, title: str = "ROTATION") -> str:
    return (f"{title} INCOMPLETE: {q(name)} was deleted from ServiceStage, but creating it again failed: {error}. "
            f"{q(name)} does not exist in ServiceStage now; the file no longer says it does. To finish: "
            f"{finish_hint.format(name=redact(name))}")


def _clear(model: Model, name: str) -> list[TextEdit]:
    """The entry's repo_user/status removed (nothing when the entry is gone or has neither)."""
    entry = next((e for e in model.entries if e.name == name and e.mapping is not None), None)
    if entry is None or entry.mapping is None:
        return []
    if entry.mapping.get("repo_user") is None and entry.mapping.get("status") is None:
        return []
    return removal_edits(model, entry)


async def _write_back(front: Front, snapshot: actions.Snapshot, auth: Authorization, verb: str) -> str:
    """"done" when repo_user/status were written back, "unwritten" when the write was refused (said)."""
    lost = " (its answer was lost; the list shows it was created)" if auth.recovered else ""
    try:
        await front.write(lambda model: actions.writeback(model, snapshot, auth, front.audience),
                          f"ServiceStage: {verb} {q(snapshot.name)}")
    except Refused as why:
        front.say(WARNING, f"{verb} {q(snapshot.name)}{lost} ({actions.describe(auth)}){front.audience.unwritten} "
                           f"{actions.reason(why)}")
        return "unwritten"
    front.say(INFO, f"{verb} {q(snapshot.name)}{lost}: {actions.describe(auth)}")
    return "done"


async def create_one(front: Front, client: ServiceStageClient, name: str) -> str:
    """Create an entry of the file (also one that has repo_user but is not in ServiceStage any more). Returns
    "done", "unwritten" (created; the write-back was refused), "failed" (nothing changed in ServiceStage) or
    "unreachable" (failed: ServiceStage cannot be reached, see :func:`unreachable`)."""
    from servicestage_ls.cloud.errors import CloudError

    model = front.current()
    prepared = actions.prepare(model, actions.find_entry(model, name), front.env, front.audience, recreate=True)
    snap = prepared.snapshot
    try:
        auth = await actions.create_call(client, snap, prepared.token, snap.name)
    except CloudError as err:
        return _failed(front, name, f"creating {q(name)} failed: {err}", err, mark=str(err))
    front.unmark(name)
    return await _write_back(front, snap, auth, "created")


@dataclass(frozen=True)
class Recreation:
    """What a recreate is for: a rotation (a new token for an overdue or unauthenticated authorization) or a
    replace (ServiceStage's authorization differs from the entry in what only a create can set)."""

    doing: str  # "rotating the token of"
    done: str  # "rotated the token of"
    title: str  # "ROTATION"


ROTATION = Recreation("rotating the {secret} of", "rotated the {secret} of", "ROTATION")  # token or password
REPLACEMENT = Recreation("replacing", "replaced", "REPLACE")


async def create_with_secret(client: ServiceStageClient, snap: actions.Snapshot, secret: str,
                             name: str) -> Authorization:
    """The create call for the entry ``snap`` with its secret, under ``name`` (its own, or its probe's): the call
    of its kind (a personal token's, a password's)."""
    return await actions.create_call(client, snap, secret, name)


async def rotate_one(front: Front, client: ServiceStageClient, name: str) -> str:
    """Rotate the token: :func:`recreate_one` as a rotation."""
    return await recreate_one(front, client, name, ROTATION)


async def recreate_one(front: Front, client: ServiceStageClient, name: str, why: Recreation = ROTATION) -> str:
    """Delete and create again with the entry's token, proven first: its shape for the repo type, then a probe
    authorization created with it under a derived name (ServiceStage checks the token with the provider). The probe
    is deleted at the end, whatever happened (also when the run is cancelled). Returns "done", "unwritten"
    (recreated; the write-back was refused), "failed" (nothing changed in ServiceStage), "unreachable" (failed so:
    ServiceStage cannot be reached) or "incomplete" (deleted, not created again)."""
    from servicestage_ls.cloud.errors import CloudError

    model = front.current()
    prepared = actions.prepare(model, actions.find_entry(model, name), front.env, front.audience, recreate=True)
    snap = prepared.snapshot
    why = Recreation(why.doing.format(secret=snap.secret), why.done.format(secret=snap.secret), why.title)
    # A token's shape for its repo type (SS141's rule); a password has none: the probe proves it.
    mismatch = tokens.shape_mismatch(snap.repo_type, prepared.token, snap.host) if snap.secret == "token" else None
    if mismatch is not None:
        return _failed(front, name, f"{why.doing} {q(name)} failed: the token from {prepared.token_origin} "
                                    f"{mismatch}; nothing was sent")
    probe = planning.probe_name(name, secrets.token_hex(3))
    try:
        await create_with_secret(client, snap, prepared.token, probe)
    except CloudError as err:
        return _failed(front, name, f"{why.doing} {q(name)} failed: the probe authorization {q(probe)} that proves "
                                    f"the {snap.secret} from {prepared.token_origin} was not created: {err}; nothing "
                                    "was changed", err)
    probe_gone = False
    try:
        try:
            await client.delete_authorization(name)
        except CloudError as err:
            return _failed(front, name, f"{why.doing} {q(name)} failed: deleting it failed: {err}; it was not "
                                        f"changed (the {snap.secret} was proven)", err)
        try:
            auth = await create_with_secret(client, snap, prepared.token, name)
        except CloudError as err:
            probe_gone = True
            await _incomplete(front, client, name, probe, err, why)
            return "incomplete"
        front.unmark(name)
        return await _write_back(front, snap, auth, why.done)
    finally:
        if not probe_gone:
            await _drop_probe(front, client, probe)


#: CloudError kinds that mean ServiceStage cannot be reached (refused, DNS, TLS, timeout, a dropped connection).
UNREACHABLE_KINDS = ("network", "timeout", "tls")


def unreachable(error: object) -> bool:
    """Whether a failed call's error is a connection-level one: the calls after it would fail the same way, so the
    first one ends a run (:func:`not_attempted_message`)."""
    return getattr(error, "kind", None) in UNREACHABLE_KINDS


def not_attempted_message(names: Sequence[str]) -> str:
    """Said once when a run stops at a connection-level failure, naming what it did not attempt."""
    return (f"stopped: ServiceStage cannot be reached, so the rest was not attempted ({len(names)}): "
            + ", ".join(q(n) for n in names))


def _failed(front: Front, name: str, message: str, error: object = None, *, mark: str | None = None) -> str:
    """Say and mark a failure (``mark``: what the mark says, the message by default): "unreachable" when ``error``
    is a connection-level one, else "failed"."""
    front.mark(name, message if mark is None else mark)
    front.say(ERROR, message)
    return "unreachable" if unreachable(error) else "failed"


async def _drop_probe(front: Front, client: ServiceStageClient, probe: str) -> bool:
    """Delete the probe; when that fails, say that it is left and how it goes (True: it is gone)."""
    from servicestage_ls.cloud.errors import CloudError

    try:
        await client.delete_authorization(probe)
    except CloudError as err:
        front.say(WARNING, f"the probe authorization {q(probe)} was left in ServiceStage (deleting it failed: {err}); "
                           f"{front.leftover_hint}")
        return False
    return True


async def _incomplete(front: Front, client: ServiceStageClient, name: str, probe: str, error: object,
                      why: Recreation) -> None:
    """Deleted, not created again: the probe goes, the entry loses repo_user/status, and all of it is said."""
    probe_state = (f"the probe {q(probe)} that proved the token was deleted" if await _drop_probe(front, client, probe)
                   else f"the probe {q(probe)} that proved the token is still there")
    message = incomplete_message(name, error, front.finish_hint, why.title) + f" ({probe_state})"
    try:
        await front.write(lambda current: _clear(current, name), f"ServiceStage: {q(name)} was deleted")
    except Refused as refused:
        message += f" (the file was not changed: {actions.reason(refused)})"
    front.mark(name, message)  # after the write: a mark lasts until its entry changes
    front.say(ERROR, message)


async def delete_one(front: Front, client: ServiceStageClient, name: str) -> str:
    """Delete in ServiceStage; the entry (if the file has it) loses repo_user/status: it is "new" again. Returns
    "done", "failed" or "unreachable" (failed: ServiceStage cannot be reached)."""
    from servicestage_ls.cloud.errors import CloudError

    try:
        await client.delete_authorization(name)
    except CloudError as err:
        return _failed(front, name, f"deleting {q(name)} failed: {err}", err, mark=str(err))
    front.unmark(name)
    try:
        await front.write(lambda current: _clear(current, name), f"ServiceStage: deleted {q(name)}")
    except Refused as why:
        front.say(WARNING, f"deleted {q(name)} from ServiceStage, but {why}")
        return "done"
    front.say(INFO, f"deleted {q(name)} from ServiceStage")
    return "done"


async def update_file(front: Front, auth: Authorization) -> bool:
    def compute(model: Model) -> list[TextEdit]:
        return actions.refresh_edits(model, [auth])[0]

    try:
        await front.write(compute, f"ServiceStage: update {q(auth.name)}")
    except Refused as why:
        front.say(WARNING, f"did not update {q(auth.name)}: {why}")
        return False
    front.say(INFO, f"updated {q(auth.name)} in the file: {actions.describe(auth)}")
    return True


async def apply(front: Front, client: ServiceStageClient, changes: Sequence[Change],
                remote: Sequence[Authorization], *, rotate: bool, prune: bool, replace: bool = False) -> Outcome:
    """Carry out a plan: create, update-file and deleting a leftover probe always, replace only with ``replace``,
    rotate only with ``rotate``, delete only with ``prune``."""
    by_name = {a.name: a for a in remote}
    outcome = Outcome()
    work = [c for c in changes if c.action != NONE]
    stopped = False  # a connection-level failure: nothing more is sent (writing the file goes on)
    for index, change in enumerate(work):
        if stopped and _attempted(change, rotate, prune, replace):
            outcome.not_attempted.append(change.name)
            continue
        front.progress(f"{change.action} {q(change.name)} ({index + 1}/{len(work)})", int(100 * index / len(work)))
        try:
            result = await _carry_out(front, client, change, by_name, rotate=rotate, prune=prune, replace=replace)
        except actions.EntryRefused as why:
            front.say(WARNING, why.skipped())
            result = "refused"
        except Refused as why:
            front.say(WARNING, f"skipped: {why}")
            result = "failed"
        if result == "unwritten":  # done in ServiceStage, not in the file
            outcome.done.append(change.name)
        if result == "unreachable":
            stopped, result = True, "failed"
        if result:
            getattr(outcome, result).append(change.name)
    if outcome.not_attempted:
        front.say(ERROR, not_attempted_message(outcome.not_attempted))
    return outcome


def _attempted(change: Change, rotate: bool, prune: bool, replace: bool) -> bool:
    """Whether apply would call ServiceStage for this change (update-file and the actions left out do not)."""
    wanted = {CREATE: True, UPDATE_FILE: False, ROTATE: rotate, REPLACE: replace, DELETE: prune or change.probe}
    return wanted.get(change.action, False)


async def _carry_out(front: Front, client: ServiceStageClient, change: Change, by_name: Mapping[str, Authorization],
                     *, rotate: bool, prune: bool, replace: bool) -> str:
    """One change: the name of the :class:`Outcome` list it belongs to ("" for none)."""
    if change.action == SKIP:
        front.say(WARNING, f"skipped {q(change.name)}: {change.reason}")
        return "errors"
    if change.action == CREATE:
        return await create_one(front, client, change.name)
    if change.action == UPDATE_FILE:
        return "done" if await update_file(front, by_name[change.name]) else "failed"
    if change.kind == "oauth" and ((change.action == ROTATE and rotate) or (change.action == REPLACE and replace)):
        how = front.audience.authorize.replace("NAME", redact(change.name))
        front.say(WARNING, f"not done: {change.action} {q(change.name)}: an OAuth authorization is renewed by "
                           f"authorizing it again in the browser; {how}")
        return "skipped"
    if change.action == ROTATE:
        return await recreate_one(front, client, change.name, ROTATION) if rotate else "skipped"
    if change.action == REPLACE:
        return await recreate_one(front, client, change.name, REPLACEMENT) if replace else "skipped"
    if change.action == DELETE:
        if not prune and not change.probe:
            return "skipped"
        return await delete_one(front, client, change.name)
    return ""
