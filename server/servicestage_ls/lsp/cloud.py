"""The cloud features of the language server: create / create all / refresh commands, their code actions, SS170
failure marks, and ``remoteCheck: onSave`` (SS171–SS173) — ``CloudFeature``, one per server, which owns what its
commands share (``run.CloudState``).

The decisions are in ``engine``; running a command (progress, cancellation) is in ``run``, writing back in
``apply``. This module is imported when one of its commands, code actions or on-save checks first runs (httpx and
the cloud client only when a command first needs them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.core.edits import TextEdit
from servicestage_ls.core.model import Model
from servicestage_ls.core.rules import file_errors
from servicestage_ls.core.schema import redact
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Prepared, Refused
from servicestage_ls.engine.create import CreateOutcome, create_each, prepare_each, summary
from servicestage_ls.engine.findings import REMOTE_CODES, remote_findings
from servicestage_ls.engine.plan import to_replace
from servicestage_ls.lsp.commands import CREATE, CREATE_ALL, REFRESH, action_kind
from servicestage_ls.lsp.run import (
    LEVELS,
    CloudState,
    CommandRun,
    EditorFront,
    RemoteLists,
    cloud_options,
    file_refusal,
    list_remote,
    offered,
    open_client,
    run_command,
)
from servicestage_ls.lsp.server import Feature
from servicestage_ls.lsp.state import Mark, check_remote_only

if TYPE_CHECKING:
    from servicestage_ls.core.rules import Finding
    from servicestage_ls.lsp.server import ServiceStageServer
    from servicestage_ls.lsp.state import DocState


class CloudFeature(Feature):
    """Create, Create all, Refresh status, their code actions, and the remote check on save."""

    def __init__(self) -> None:
        self.shared = CloudState()

    async def create(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Creating authorization", _create_selected)

    async def create_all(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Creating new authorizations", _create_all)

    async def refresh(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Refreshing authorization status", _refresh)

    def findings(self, ls: ServiceStageServer, state: DocState) -> list[Finding]:
        """The marks the cloud commands (create, refresh, rotate, delete) and the remote check pinned to the
        document: SS170–SS173, until their entry changes (``state.drop_stale_marks``)."""
        return [mark.finding for mark in state.marks.values()]

    def code_actions(self, ls: ServiceStageServer, state: DocState,
                     params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return _code_actions(ls, state, params)

    def on_save(self, ls: ServiceStageServer, state: DocState) -> None:
        _remote_check_on_save(ls, state, self.shared.lists)


# --- code actions ----------------------------------------------------------------------------------------


def _code_actions(ls: ServiceStageServer, state: DocState, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    only = [str(k) for k in params.context.only] if params.context.only else None
    model = state.model()
    out: list[lsp.CodeAction] = []
    entry = model.entry_at_line(params.range.start.line)
    kind = action_kind(only, "create")
    if (kind is not None and entry is not None and entry.name and entry.mapping is not None
            and entry.mapping.get("repo_user") is None and actions.can_create(model, entry, ls.env)):
        out.append(
            lsp.CodeAction(
                title=f"Create authorization '{redact(entry.name)}' in ServiceStage",
                kind=kind,
                command=lsp.Command(title=f"Create authorization '{redact(entry.name)}'", command=CREATE,
                                    arguments=[{"uri": state.uri, "name": entry.name}]),
            )
        )
    kind = action_kind(only, "createAll")
    ready, skipped = actions.ready_to_create(model, state.findings(ls.env), ls.env) if kind is not None else ([], 0)
    if kind is not None and (len(ready) > 1 or (ready and entry is None)):
        count = f"{len(ready)}, skipping {skipped} with problems" if skipped else f"{len(ready)}"
        out.append(
            lsp.CodeAction(
                title=f"Create all new authorizations in ServiceStage ({count})",
                kind=kind,
                command=lsp.Command(title="Create all new authorizations", command=CREATE_ALL,
                                    arguments=[{"uri": state.uri}]),
            )
        )
    kind = action_kind(only, "refresh")
    if kind is not None and model.entries:
        out += offered(ls, lsp.CodeAction(
            title="Refresh status from ServiceStage",
            kind=kind,
            command=lsp.Command(title="Refresh status", command=REFRESH, arguments=[{"uri": state.uri}]),
        ), file_refusal(ls, model))
    return out


# --- create ------------------------------------------------------------------------------------------------


async def _create_selected(run: CommandRun) -> None:
    state = run.ls.docs[run.uri]
    model = state.model()
    actions.refuse_file_errors(model, run.ls.env)
    if isinstance(run.arg.get("name"), str):
        entry = actions.find_entry(model, run.arg["name"])
    elif isinstance(run.arg.get("position"), dict) and isinstance(run.arg["position"].get("line"), int):
        entry = actions.entry_at(model, run.arg["position"]["line"])
    else:
        raise Refused("the command needs the entry's \"name\" or the cursor \"position\"")
    prepared = actions.prepare(model, entry, run.ls.env)
    await _create_prepared(run, model, [prepared])


async def _create_all(run: CommandRun) -> None:
    state = run.ls.docs[run.uri]
    model = state.model()
    actions.refuse_file_errors(model, run.ls.env)
    outcome = _outcome(run)
    prepared = prepare_each(EditorFront(run), model, actions.new_entries(model), outcome)
    if not prepared:
        if not run.refused:
            run.ls.show("ServiceStage: every entry already has repo_user: nothing to create", lsp.MessageType.Info)
        return
    await _create_prepared(run, model, prepared)
    level, line = summary(outcome)
    run.ls.show(f"ServiceStage: {line}", LEVELS[level])


def _outcome(run: CommandRun) -> CreateOutcome:
    """The loop's outcome, filled into the run's lists (what the command answers, cancelled or not)."""
    return CreateOutcome(created=run.created, failed=run.failed, refused=run.refused, not_attempted=run.not_attempted)


async def _create_prepared(run: CommandRun, model: Model, prepared: list[Prepared]) -> None:
    client = await open_client(run, model)
    async with client:
        await create_each(EditorFront(run), client, prepared, _outcome(run))


# --- refresh -------------------------------------------------------------------------------------------------


async def _refresh(run: CommandRun) -> None:
    state = run.ls.docs[run.uri]
    model = state.model()
    if not model.entries:
        raise Refused("the file has no entries to refresh")
    _, remote = await list_remote(run, model)
    missing: list[str] = []

    def compute(current: Model) -> list[TextEdit]:
        edits, updated, absent = actions.refresh_edits(current, remote)
        if edits:  # the check after the write finds nothing left to do: keep what was updated
            run.updated[:] = updated
        missing[:] = absent
        return edits

    await run.shared.writes.apply(run.ls, run.uri, compute, "ServiceStage: refresh status")
    # An entry that exists in ServiceStage has no failed call left to show.
    remote_names = {a.name for a in remote}
    current = run.ls.docs.get(run.uri)
    if current is not None and any(name in remote_names for name, code in current.marks if code == "SS170"):
        current.marks = {k: m for k, m in current.marks.items() if not (k[1] == "SS170" and k[0] in remote_names)}
        run.ls.refresh_diagnostics(run.uri)
    replace = to_replace(current.model(), remote) if current is not None else None
    parts = [f"updated {', '.join(run.updated)}" if run.updated else
             ("repo_user and status are up to date" if replace else "everything is up to date")]
    if missing:
        parts.append(f"not in ServiceStage: {', '.join(missing)}")
    if replace:
        parts.append(replace)
    run.ls.show("ServiceStage: " + "; ".join(parts), lsp.MessageType.Info)


# --- remote check on save ------------------------------------------------------------------------------------


def _remote_check_on_save(ls: ServiceStageServer, state: DocState, lists: RemoteLists) -> None:
    if ls.settings.remoteCheck != "onSave":
        return
    model = state.model()
    if not model.entries or model.has_syntax_errors or file_errors(model, ls.env):
        return
    if actions.configuration_problem(model, cloud_options(ls.settings), ls.env) is not None:
        return  # not configured for the cloud: stay silent rather than warn falsely
    ls.run_task(_remote_check(ls, state.uri, lists), "remote check")


async def _remote_check(ls: ServiceStageServer, uri: str, lists: RemoteLists) -> None:
    from servicestage_ls.cloud.errors import CloudError

    state = ls.docs.get(uri)
    if state is None:
        return
    model = state.model()
    try:
        client = await actions.open_client_for(model, cloud_options(ls.settings), ls.env)
    except CloudError as err:
        ls.log_to_client(f"remote check skipped: {err}")
        return
    async with client:
        remote = lists.fresh(client.endpoint, client.project_id)
        if remote is None:
            try:
                remote = await client.list_authorizations()
            except CloudError as err:
                ls.log_to_client(f"remote check skipped: {err}")
                return
            lists.store(client, remote)
    state = ls.docs.get(uri)
    if state is None:
        return
    model = state.model()
    for mark_key in [k for k in state.marks if k[1] in REMOTE_CODES]:
        del state.marks[mark_key]
    for entry, found in remote_findings(model, remote):
        state.marks[(entry.name or "", found.code)] = Mark(found, entry.text, entry.first_line)
    check_remote_only(state, remote)
    ls.refresh_diagnostics(uri)
