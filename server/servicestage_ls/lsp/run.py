"""Running a cloud command in the editor: its argument, work-done progress and cancellation, the summary it
answers; the engine's view of the document (``EditorFront``); and what the cloud commands of one server share
(``CloudState``: the lists last read from ServiceStage, the write-backs in flight) — per server, so that two
servers in one process share nothing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.core.schema import redact
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Refused
from servicestage_ls.engine.findings import failure_finding
from servicestage_ls.engine.lifecycle import ERROR, INFO, WARNING
from servicestage_ls.lsp.apply import WriteBacks
from servicestage_ls.lsp.state import Mark

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient
    from servicestage_ls.core.edits import TextEdit
    from servicestage_ls.core.model import Model
    from servicestage_ls.core.settings import Settings
    from servicestage_ls.lsp.server import ServiceStageServer

LIST_CACHE_SECONDS = 60.0
LEVELS = {INFO: lsp.MessageType.Info, WARNING: lsp.MessageType.Warning, ERROR: lsp.MessageType.Error}


class RemoteLists:
    """The authorization lists last read from ServiceStage, per endpoint and project: the remote check on save
    reuses one for a minute; a command that changes ServiceStage forgets them."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str], tuple[float, list[Authorization]]] = {}

    def fresh(self, endpoint: str, project_id: str) -> list[Authorization] | None:
        cached = self._lists.get((endpoint, project_id))
        if cached is not None and time.monotonic() - cached[0] < LIST_CACHE_SECONDS:
            return cached[1]
        return None

    def store(self, client: ServiceStageClient, remote: list[Authorization]) -> None:
        self._lists[(client.endpoint, client.project_id)] = (time.monotonic(), remote)

    def invalidate(self) -> None:
        self._lists.clear()


class CloudState:
    """What the cloud commands of one server share (the cloud features own it)."""

    def __init__(self) -> None:
        self.lists = RemoteLists()
        self.writes = WriteBacks()


class CommandRun:
    """One command run: its document, progress token and the summary it returns; ``shared`` is what the cloud
    commands of its server share."""

    def __init__(self, ls: ServiceStageServer, uri: str, arg: dict[str, Any], shared: CloudState) -> None:
        self.ls = ls
        self.shared = shared
        self.uri = uri
        self.arg = arg
        self.token: str | None = None
        self.created: list[str] = []
        self.updated: list[str] = []
        self.failed: list[str] = []
        self.refused: list[str] = []
        #: Left when a create-all stopped at a connection-level failure (answered only when there are some).
        self.not_attempted: list[str] = []
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
        if self.not_attempted:
            lists["not_attempted"] = [redact(name) for name in self.not_attempted]
        return {**lists, **self.extra}


class EditorFront:
    """The engine's loops' view of an open document (``engine.create``'s and ``engine.lifecycle``'s front)."""

    finish_hint = "fix the cause, then run Create in ServiceStage on '{name}' (its code lens or code action)"
    leftover_hint = "Show plan lists it as a leftover and `servicestage-ls apply` deletes it"

    def __init__(self, run: CommandRun) -> None:
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
        self.ls.show(f"ServiceStage: {message}", LEVELS[level])

    async def write(self, compute: Callable[[Model], list[TextEdit]], label: str) -> None:
        await self.run.shared.writes.apply(self.ls, self.run.uri, compute, label)

    def mark(self, name: str, message: str) -> None:
        mark_failure(self.ls, self.run.uri, name, message)

    def unmark(self, name: str) -> None:
        """The call for this entry succeeded: ServiceStage changed (the cached list is stale), and its SS170 mark
        goes."""
        self.run.shared.lists.invalidate()
        state = self.ls.docs.get(self.run.uri)
        if state is not None and state.marks.pop((name, "SS170"), None) is not None:
            self.ls.refresh_diagnostics(self.run.uri)


def file_refusal(ls: ServiceStageServer, model: Model) -> str | None:
    """Why no cloud command can run on this file as it is (its syntax or file-level errors), or None: what a
    command offered now would answer."""
    if model.has_syntax_errors:
        return "the file has YAML syntax errors; fix them first"
    try:
        actions.refuse_file_errors(model, ls.env)
    except Refused as why:
        return str(why)
    return None


def offered(ls: ServiceStageServer, action: lsp.CodeAction, refusal: str | None) -> list[lsp.CodeAction]:
    """A code action as offered: itself when it can run; when it cannot (``refusal`` says why), disabled with the
    reason for a client that shows disabled actions, else not at all."""
    if refusal is None:
        return [action]
    document = ls.client_capabilities.text_document
    support = document.code_action if document is not None else None
    if support is not None and support.disabled_support:
        action.disabled = lsp.CodeActionDisabled(reason=refusal)
        return [action]
    return []


def _argument(args: tuple[Any, ...]) -> dict[str, Any]:
    arg = args[0] if args else None
    if hasattr(arg, "__dict__") and not isinstance(arg, dict):  # a converter gave us an object
        arg = dict(vars(arg))
    if not isinstance(arg, dict) or not isinstance(arg.get("uri"), str):
        raise Refused("the command needs an argument {\"uri\": …}")
    return arg


async def run_command(ls: ServiceStageServer, shared: CloudState, args: tuple[Any, ...], title: str,
                      work: Callable[[CommandRun], Awaitable[None]]) -> dict[str, Any] | None:
    """Run a command's ``work`` on the document of its argument, with progress and cancellation; answer its
    summary (or nothing yet, to a client that waits on commands with the editor frozen)."""
    try:
        arg = _argument(args)
    except Refused as refused:
        ls.show(f"ServiceStage: {refused}", lsp.MessageType.Error)
        return {"error": str(refused)}
    run = CommandRun(ls, arg["uri"], arg, shared)
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


async def _execute(ls: ServiceStageServer, run: CommandRun, title: str,
                   work: Callable[[CommandRun], Awaitable[None]]) -> dict[str, Any]:
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


def cloud_options(settings: Settings) -> actions.CloudOptions:
    """The engine's cloud options from the editor's settings (empty texts: not set): the hosts of trustedEndpoints
    and of the endpoint setting are trusted (both come from initializationOptions only: core.settings)."""
    return actions.CloudOptions(timeout=float(settings.timeoutSeconds), endpoint=settings.endpoint or None,
                                ca_bundle=settings.caBundle or None, trusted=settings.trusted())


async def open_client(run: CommandRun, model: Model) -> ServiceStageClient:
    """The client for the file's project (a refusal when it cannot be made); a note when the project id differs."""
    from servicestage_ls.cloud.errors import CloudError

    try:
        client = await actions.open_client_for(model, cloud_options(run.ls.settings), run.ls.env)
    except CloudError as err:
        raise Refused(str(err)) from None
    note = actions.project_id_note(model, run.ls.env, client.project_id)
    if note is not None:
        run.ls.log_to_client(f"ServiceStage: {note}", lsp.MessageType.Info)
    return client


async def list_remote(run: CommandRun, model: Model) -> tuple[ServiceStageClient, list[Authorization]]:
    """The client for the file's project and ServiceStage's authorizations, listed now (a refusal when the file's
    errors or the configuration stop the call, or when listing fails); the list is kept for the server's
    other features."""
    from servicestage_ls.cloud.errors import CloudError

    actions.refuse_file_errors(model, run.ls.env)
    client = await open_client(run, model)
    run.report("listing authorizations")
    async with client:
        try:
            remote = await client.list_authorizations()
        except CloudError as err:
            raise Refused(f"listing the authorizations failed: {err}") from None
    run.shared.lists.store(client, remote)
    return client, remote


def mark_failure(ls: ServiceStageServer, uri: str, name: str, message: str) -> None:
    """SS170 on the entry ``name``: the call for it failed with ``message`` (until the entry is edited)."""
    state = ls.docs.get(uri)
    if state is None:
        return
    model = state.model()
    entry = next((e for e in model.entries if e.name == name), None)
    if entry is None:
        return
    state.marks[(name, "SS170")] = Mark(failure_finding(entry, message), entry.text, entry.first_line)
    ls.refresh_diagnostics(uri)
