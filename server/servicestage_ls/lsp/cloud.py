"""The cloud features of the language server: create / create all / refresh commands, their code actions,
work-done progress and cancellation, SS170 failure marks, and ``remoteCheck: onSave``.

The decisions are in ``actions``; this module does the protocol and the I/O. httpx and the cloud client are
imported only when a command first runs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.core.edits import TextEdit
from servicestage_ls.core.model import Model
from servicestage_ls.core.rules import file_errors
from servicestage_ls.core.schema import redact
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Prepared, Refused
from servicestage_ls.engine.create import CreateOutcome, create_each, prepare_each, summary
from servicestage_ls.engine.lifecycle import ERROR, INFO, WARNING
from servicestage_ls.engine.findings import REMOTE_CODES, failure_finding, remote_findings
from servicestage_ls.lsp.commands import CREATE, CREATE_ALL, REFRESH, action_kind
from servicestage_ls.lsp.state import Mark, check_remote_only

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient
    from servicestage_ls.lsp.server import ServiceStageServer
    from servicestage_ls.lsp.state import DocState


LIST_CACHE_SECONDS = 60.0
APPLY_ATTEMPTS = 3
APPLIED_CHANGE_WAIT_SECONDS = 2.0
UNSEEN_CHANGE_WAIT_SECONDS = 60.0
_LEVELS = {INFO: lsp.MessageType.Info, WARNING: lsp.MessageType.Warning, ERROR: lsp.MessageType.Error}


# The entry points (lsp/setup.py registers them; this module is imported when one of them first runs).


async def create(ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
    return await _run(ls, args, "Creating authorization", _create_selected)


async def create_all(ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
    return await _run(ls, args, "Creating new authorizations", _create_all)


async def refresh(ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
    return await _run(ls, args, "Refreshing authorization status", _refresh)


def code_actions(ls: ServiceStageServer, state: DocState, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    return _code_actions(ls, state, params)


def on_save(ls: ServiceStageServer, state: DocState) -> None:
    _remote_check_on_save(ls, state)


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
        out.append(
            lsp.CodeAction(
                title="Refresh status from ServiceStage",
                kind=kind,
                command=lsp.Command(title="Refresh status", command=REFRESH, arguments=[{"uri": state.uri}]),
            )
        )
    return out


# --- running a command -----------------------------------------------------------------------------------


class _Run:
    """One command run: its document, progress token and the summary it returns."""

    def __init__(self, ls: ServiceStageServer, uri: str, arg: dict[str, Any]) -> None:
        self.ls = ls
        self.uri = uri
        self.arg = arg
        self.token: str | None = None
        self.created: list[str] = []
        self.updated: list[str] = []
        self.failed: list[str] = []
        self.refused: list[str] = []
        self.extra: dict[str, Any] = {}  # what a life-cycle command adds to its answer (the plan, …)
        #: What a cancellation leaves unknown, said to the user.
        self.cancel_note = "A create that was already sent may have happened; run Refresh status to see."

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, lsp.WorkDoneProgressReport(message=message, percentage=percentage, cancellable=True)
            )

    def summary(self) -> dict[str, Any]:
        lists = {key: [redact(name) for name in names] for key, names in (
            ("created", self.created), ("updated", self.updated), ("failed", self.failed), ("refused", self.refused))}
        return {**lists, **self.extra}


class EditorFront:
    """The engine's loops' view of an open document (``engine.create``'s and ``engine.lifecycle``'s front)."""

    finish_hint = "fix the cause, then run Create in ServiceStage on '{name}' (its code lens or code action)"

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.ls = run.ls
        self.env = run.ls.env
        self.audience = actions.EDITOR

    def current(self) -> Model:
        state = self.ls.docs.get(self.run.uri)
        if state is None:
            raise Refused("the file was closed; nothing was written")
        return state.model()

    def progress(self, message: str, percentage: int | None = None) -> None:
        self.run.report(message, percentage)

    def say(self, level: str, message: str) -> None:
        self.ls.show(f"ServiceStage: {message}", _LEVELS[level])

    async def write(self, compute: Callable[[Model], list[TextEdit]], label: str) -> None:
        await _apply(self.ls, self.run.uri, compute, label)

    def mark(self, name: str, message: str) -> None:
        _mark_failure(self.ls, self.run.uri, name, message)

    def unmark(self, name: str) -> None:
        """The call for this entry succeeded: ServiceStage changed (the cached list is stale), and its SS170 mark
        goes."""
        _invalidate_list_cache()
        state = self.ls.docs.get(self.run.uri)
        if state is not None and state.marks.pop((name, "SS170"), None) is not None:
            self.ls.refresh_diagnostics(self.run.uri)


def _argument(args: tuple[Any, ...]) -> dict[str, Any]:
    arg = args[0] if args else None
    if hasattr(arg, "__dict__") and not isinstance(arg, dict):  # a converter gave us an object
        arg = dict(vars(arg))
    if not isinstance(arg, dict) or not isinstance(arg.get("uri"), str):
        raise Refused("the command needs an argument {\"uri\": …}")
    return arg


async def _run(ls: ServiceStageServer, args: tuple[Any, ...], title: str,
               work: Callable[[_Run], Awaitable[None]]) -> dict[str, Any] | None:
    try:
        arg = _argument(args)
    except Refused as refused:
        ls.show(f"ServiceStage: {refused}", lsp.MessageType.Error)
        return {"error": str(refused)}
    run = _Run(ls, arg["uri"], arg)
    if arg["uri"] not in ls.docs:
        ls.show("ServiceStage: open the authorization file first", lsp.MessageType.Error)
        return {"error": "document not open"}
    if ls.client_waits_on_commands():
        # eglot blocks the editor until the answer comes, and gives up after 10 s: answer once the work has
        # started; progress (where the client shows it) and messages tell the rest.
        if not ls.client_supports_work_done_progress():
            ls.show(f"ServiceStage: {title}…", lsp.MessageType.Info)
        ls.run_task(_execute(ls, run, title, work), title)
        return None
    task = asyncio.current_task()
    _cancel_with_request(ls, task)
    return await _execute(ls, run, title, work)


async def _execute(ls: ServiceStageServer, run: _Run, title: str,
                   work: Callable[[_Run], Awaitable[None]]) -> dict[str, Any]:
    task = asyncio.current_task()
    if ls.client_supports_work_done_progress():
        run.token = f"servicestage-{uuid.uuid4()}"
        try:
            await ls.work_done_progress.create_async(run.token)
        except Exception:  # noqa: BLE001 - a client that refuses progress still gets the work done
            run.token = None
    if run.token is not None:
        ls.work_done_progress.begin(run.token, lsp.WorkDoneProgressBegin(title=title, cancellable=True))
        if task is not None:
            loop = asyncio.get_running_loop()
            ls.compat.on_progress_cancelled(run.token, lambda: loop.call_soon_threadsafe(task.cancel))
    end_message = "done"
    try:
        await work(run)
    except Refused as refused:
        ls.show(f"ServiceStage: {refused}", lsp.MessageType.Warning)
        end_message = str(refused)
    except asyncio.CancelledError:
        end_message = "cancelled"
        ls.show(f"ServiceStage: cancelled. {run.cancel_note}", lsp.MessageType.Warning)
        # Answer the request rather than re-raise: pygls runs a command inside executeCommand's generator, which
        # never answers (and breaks `shutdown` later) when the command's task ends cancelled. A $/cancelRequest
        # has already answered the request itself; this result is then dropped.
        if task is not None and hasattr(task, "uncancel"):
            task.uncancel()
        return {**run.summary(), "cancelled": True}
    finally:
        if run.token is not None:
            ls.work_done_progress.end(run.token, lsp.WorkDoneProgressEnd(message=end_message))
            ls.compat.forget_progress(run.token)
    return run.summary()


def _cancel_with_request(ls: ServiceStageServer, task: asyncio.Task[Any] | None) -> None:
    """$/cancelRequest for the executeCommand request cancels the work too."""
    if task is None:
        return
    request = ls.compat.current_request_future()
    if request is not None:
        loop = asyncio.get_running_loop()
        request.add_done_callback(lambda f: f.cancelled() and loop.call_soon_threadsafe(task.cancel))


async def _client(run: _Run, model: Model) -> ServiceStageClient:
    from servicestage_ls.cloud.errors import CloudError

    try:
        client = await actions.open_client_for(model, run.ls.settings, run.ls.env)
    except CloudError as err:
        raise Refused(str(err)) from None
    note = actions.project_id_note(model, run.ls.env, client.project_id)
    if note is not None:
        run.ls.log_to_client(f"ServiceStage: {note}", lsp.MessageType.Info)
    return client


# --- create ------------------------------------------------------------------------------------------------


async def _create_selected(run: _Run) -> None:
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


async def _create_all(run: _Run) -> None:
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
    run.ls.show(f"ServiceStage: {line}", _LEVELS[level])


def _outcome(run: _Run) -> CreateOutcome:
    """The loop's outcome, filled into the run's lists (what the command answers, cancelled or not)."""
    return CreateOutcome(created=run.created, failed=run.failed, refused=run.refused)


async def _create_prepared(run: _Run, model: Model, prepared: list[Prepared]) -> None:
    client = await _client(run, model)
    async with client:
        await create_each(EditorFront(run), client, prepared, _outcome(run))


_apply_locks: dict[str, asyncio.Lock] = {}
_unseen: weakref.WeakKeyDictionary[DocState, int | None] = weakref.WeakKeyDictionary()
"""Per document: the version for which the client applied a write-back whose didChange has not come yet."""


async def _apply(ls: ServiceStageServer, uri: str, compute: Callable[[Model], list[TextEdit]], label: str) -> None:
    """Compute edits on the document as it is now and apply them for that version; retry if it moved on.

    Write-backs to one document take turns, and each ends only when the document shows it (its didChange has
    arrived) or the client said it applied it: edits computed while another applyEdit is in flight would be made
    for a text the client no longer has, and a client without versioned edits (Neovim) would put them at the
    wrong place. Neovim 0.7 also answers "applied" for an edit it dropped because the buffer was newer; the text
    of the newer version shows that, and the edit is made again for it.
    """
    lock = _apply_locks.setdefault(uri, asyncio.Lock())
    async with lock:
        try:
            await _apply_now(ls, uri, compute, label)
        finally:
            if uri not in ls.docs:
                _apply_locks.pop(uri, None)


async def _apply_now(ls: ServiceStageServer, uri: str, compute: Callable[[Model], list[TextEdit]],
                     label: str) -> None:
    reason = "no reason given"
    for _ in range(APPLY_ATTEMPTS):
        state = ls.docs.get(uri)
        if state is None:
            raise Refused("the file was closed before ServiceStage answered; nothing was written — open it and "
                          "run Refresh status")
        if state in _unseen and _unseen[state] == state.version:
            # The client applied an earlier write-back for this version and has not sent that change yet (eglot
            # sends it from an idle timer): an edit made for this version is one it has moved past.
            if not await state.wait_for_change(state.version, timeout=APPLIED_CHANGE_WAIT_SECONDS):
                raise Refused("the editor has not sent back the previous change yet; nothing was written — run "
                              "Refresh status")
        model = state.model()
        edits = compute(model)
        if not edits:
            return
        version = state.version
        lsp_edits = [lsp.TextEdit(ls.to_lsp_range(model, e.range), e.new_text) for e in edits]
        try:
            result = await ls.workspace_apply_edit_async(
                lsp.ApplyWorkspaceEditParams(edit=ls.workspace_edit(state, lsp_edits), label=label)
            )
        except Exception as error:  # noqa: BLE001 - eglot refuses with an error response: a refusal like any other
            result = lsp.ApplyWorkspaceEditResult(applied=False, failure_reason=_error_text(error))
        if result.applied:
            # The didChange normally comes before the answer or just after it; the next round then checks that the
            # document has what was written. A client that sends it later (eglot, from an idle timer) is trusted:
            # the edit is never sent again for a version the client has moved past.
            if await state.wait_for_change(version, timeout=APPLIED_CHANGE_WAIT_SECONDS):
                reason = "the editor said it applied the change, but the document did not change"
                continue
            _unseen[state] = version
            ls.run_task(_check_later(ls, state, version, compute, label), "write-back check")
            return
        reason = result.failure_reason or reason
        if not await state.wait_for_change(version, timeout=1.0):
            break
    state = ls.docs.get(uri)
    if state is not None and not compute(state.model()):
        return
    raise Refused(f"the editor did not apply the change ({reason}); nothing was written")


async def _check_later(ls: ServiceStageServer, state: DocState, version: int | None,
                       compute: Callable[[Model], list[TextEdit]], label: str) -> None:
    """A write-back the client said it applied, before its didChange came: once the change comes, make sure the
    document has it (and write it for the new version if it does not)."""
    changed = await state.wait_for_change(version, timeout=UNSEEN_CHANGE_WAIT_SECONDS)
    if not changed or ls.docs.get(state.uri) is not state:
        return
    async with _apply_locks.setdefault(state.uri, asyncio.Lock()):
        try:
            if not compute(state.model()):
                return
        except Refused:
            return  # the user changed the entry since: theirs to keep
        try:
            await _apply_now(ls, state.uri, compute, label)
        except Refused as refused:
            ls.show(f"{label}, but {refused}", lsp.MessageType.Warning)


def _error_text(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return str(message)


def _mark_failure(ls: ServiceStageServer, uri: str, name: str, message: str) -> None:
    state = ls.docs.get(uri)
    if state is None:
        return
    model = state.model()
    entry = next((e for e in model.entries if e.name == name), None)
    if entry is None:
        return
    state.marks[(name, "SS170")] = Mark(failure_finding(entry, message), entry.text, entry.first_line)
    ls.refresh_diagnostics(uri)


# --- refresh -------------------------------------------------------------------------------------------------


async def _refresh(run: _Run) -> None:
    state = run.ls.docs[run.uri]
    model = state.model()
    if not model.entries:
        raise Refused("the file has no entries to refresh")
    actions.refuse_file_errors(model, run.ls.env)
    client = await _client(run, model)
    from servicestage_ls.cloud.errors import CloudError

    run.report("listing authorizations")
    async with client:
        try:
            remote = await client.list_authorizations()
        except CloudError as err:
            raise Refused(f"listing the authorizations failed: {err}") from None
    _store_list(client, remote)
    missing: list[str] = []

    def compute(current: Model) -> list[TextEdit]:
        edits, updated, absent = actions.refresh_edits(current, remote)
        if edits:  # the check after the write finds nothing left to do: keep what was updated
            run.updated[:] = updated
        missing[:] = absent
        return edits

    await _apply(run.ls, run.uri, compute, "ServiceStage: refresh status")
    # An entry that exists in ServiceStage has no failed call left to show.
    remote_names = {a.name for a in remote}
    current = run.ls.docs.get(run.uri)
    if current is not None and any(name in remote_names for name, code in current.marks if code == "SS170"):
        current.marks = {k: m for k, m in current.marks.items() if not (k[1] == "SS170" and k[0] in remote_names)}
        run.ls.refresh_diagnostics(run.uri)
    parts = [f"updated {', '.join(run.updated)}" if run.updated else "everything is up to date"]
    if missing:
        parts.append(f"not in ServiceStage: {', '.join(missing)}")
    run.ls.show("ServiceStage: " + "; ".join(parts), lsp.MessageType.Info)


# --- remote check on save ------------------------------------------------------------------------------------

_list_cache: dict[tuple[str, str], tuple[float, list[Authorization]]] = {}


def _invalidate_list_cache() -> None:
    _list_cache.clear()


def _store_list(client: ServiceStageClient, remote: list[Authorization]) -> None:
    _list_cache[(client.endpoint, client.project_id)] = (time.monotonic(), remote)


def _remote_check_on_save(ls: ServiceStageServer, state: DocState) -> None:
    if ls.settings.remoteCheck != "onSave":
        return
    model = state.model()
    if not model.entries or model.has_syntax_errors or file_errors(model, ls.env):
        return
    if actions.configuration_problem(model, ls.settings, ls.env) is not None:
        return  # not configured for the cloud: stay silent rather than warn falsely
    ls.run_task(_remote_check(ls, state.uri), "remote check")


async def _remote_check(ls: ServiceStageServer, uri: str) -> None:
    from servicestage_ls.cloud.errors import CloudError

    state = ls.docs.get(uri)
    if state is None:
        return
    model = state.model()
    try:
        client = await actions.open_client_for(model, ls.settings, ls.env)
    except CloudError as err:
        ls.log_to_client(f"remote check skipped: {err}")
        return
    async with client:
        key = (client.endpoint, client.project_id)
        cached = _list_cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < LIST_CACHE_SECONDS:
            remote = cached[1]
        else:
            try:
                remote = await client.list_authorizations()
            except CloudError as err:
                ls.log_to_client(f"remote check skipped: {err}")
                return
            _store_list(client, remote)
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
