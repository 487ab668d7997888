"""The life cycle in the editor: Show plan, Import, Rotate token, Delete from ServiceStage (commands and code
actions), the code lenses, and SS173 (names only ServiceStage has, with remoteCheck onSave).

Decisions come from ``engine.plan`` and the loops from ``engine.lifecycle`` (the same as the command line's);
this module does the protocol. Destructive commands ask first with ``window/showMessageRequest`` and do nothing
on Cancel, on no answer, or when the client cannot ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.core.edits import TextEdit
from servicestage_ls.core.model import Model
from servicestage_ls.engine import actions, lifecycle
from servicestage_ls.engine import imports
from servicestage_ls.engine import plan as planning
from servicestage_ls.engine.actions import Refused
from servicestage_ls.engine.findings import REMOTE_ONLY
from servicestage_ls.engine.lenses import lenses
from servicestage_ls.engine.lifecycle import q
from servicestage_ls.lsp.commands import AUTHORIZE, CREATE, DELETE, IMPORT, REFRESH, ROTATE, SHOW_PLAN, action_kind
from servicestage_ls.lsp.run import (
    CloudState,
    CommandRun,
    EditorFront,
    file_refusal,
    list_remote,
    offered,
    open_client,
    run_command,
)
from servicestage_ls.lsp.server import Feature

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization
    from servicestage_ls.lsp.server import ServiceStageServer
    from servicestage_ls.lsp.state import DocState

LENS_COMMANDS = {"create": CREATE, "refresh": REFRESH, "rotate": ROTATE, "authorize": AUTHORIZE}
OVERDUE = "SS160"
#: The quick fixes this feature offers, by the diagnostic's code: their titles (docs/reference/diagnostics.md is
#: generated from this table and core.fixes').
QUICK_FIXES: dict[str, str] = {OVERDUE: "Rotate token of {name}", REMOTE_ONLY: "Import from ServiceStage"}
#: SS160's quick fix for the entries that are not personal tokens.
OVERDUE_FIXES = {"password": "Rotate password of {name}", "oauth": "Authorize {name} again in the browser"}


class LifecycleFeature(Feature):
    """Show plan, Import, Rotate token, Delete: commands, code actions, code lenses. ``shared`` is the cloud
    features' state (the lists last read, the write-backs in flight) of the same server."""

    def __init__(self, shared: CloudState) -> None:
        self.shared = shared

    async def show_plan(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Comparing the file with ServiceStage", _show_plan)

    async def import_remote(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Importing from ServiceStage", _import)

    async def rotate(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Rotating token", _rotate)

    async def delete(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Deleting from ServiceStage", _delete)

    def code_actions(self, ls: ServiceStageServer, state: DocState,
                     params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return code_actions(ls, state, params)

    def code_lenses(self, ls: ServiceStageServer, state: DocState) -> list[lsp.CodeLens]:
        return code_lenses(ls, state)


# --- commands ---------------------------------------------------------------------------------------------------


async def _remote(run: CommandRun) -> tuple[Any, list[Authorization]]:
    model = run.ls.docs[run.uri].model()
    if model.has_syntax_errors:
        raise Refused("the file has YAML syntax errors; fix them first")
    return await list_remote(run, model)


async def _show_plan(run: CommandRun) -> None:
    client, remote = await _remote(run)
    changes = planning.plan(run.ls.docs[run.uri].model(), remote, run.ls.env)
    lines = planning.plan_lines(changes, client.project_id, client.endpoint)
    run.extra.update(planning.plan_json(changes, client.project_id, client.endpoint))
    run.extra["text"] = "\n".join(lines) + "\n"
    for line in lines:
        if line:
            run.ls.log_to_client(line, lsp.MessageType.Info)
    summary = next(line for line in reversed(lines) if line.startswith(("Plan:", "No changes", "Neither")))
    run.ls.show(f"ServiceStage: {summary}", lsp.MessageType.Info)


async def _import(run: CommandRun) -> None:
    names = run.arg.get("names")
    names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    _, remote = await _remote(run)
    known = {a.name for a in remote}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise Refused(f"ServiceStage has no authorization named {q(unknown[0])}")
    before = run.ls.docs[run.uri].model()
    wanted = imports.importable(before, remote, names)
    if not wanted:
        run.ls.show("ServiceStage: nothing to import: the file has every authorization ServiceStage has",
                    lsp.MessageType.Info)
        return

    def compute(model: Model) -> list[TextEdit]:
        present = {e.name for e in model.entries}
        try:
            return imports.import_edits(model, [a for a in wanted if a.name not in present])
        except imports.CannotImport as why:
            raise Refused(f"{why}; nothing was written") from None

    await run.shared.writes.apply(run.ls, run.uri, compute, "ServiceStage: import")
    run.extra["imported"] = [a.name for a in wanted]
    run.ls.show(f"ServiceStage: {imports.imported_message(wanted, imports.variables_in(before))}",
                lsp.MessageType.Info)


def _target(run: CommandRun, model: Model) -> str:
    """The entry's name from the argument's "name" or "position"."""
    if isinstance(run.arg.get("name"), str):
        return str(run.arg["name"])
    position = run.arg.get("position")
    if isinstance(position, dict) and isinstance(position.get("line"), int):
        entry = actions.entry_at(model, position["line"])
        if not entry.name:
            raise Refused("the entry has no name")
        return entry.name
    raise Refused("the command needs the entry's \"name\" or the cursor \"position\"")


CANCEL_NOTE = "A delete or create that was already sent may have happened; run Show plan to see."


async def _rotate(run: CommandRun) -> None:
    run.cancel_note = CANCEL_NOTE
    model = run.ls.docs[run.uri].model()
    actions.refuse_file_errors(model, run.ls.env)
    name = _target(run, model)
    prepared = actions.prepare(model, actions.find_entry(model, name), run.ls.env, recreate=True)
    question = lifecycle.rotate_question(name, prepared.token_origin, prepared.snapshot.secret)
    if not await confirm(run.ls, question, "Rotate"):
        run.extra["confirmed"] = False
        return
    front = EditorFront(run)
    client = await open_client(run, model)
    async with client:
        result = await lifecycle.rotate_one(front, client, name)
    run.shared.lists.invalidate()
    if result in ("done", "unwritten"):  # rotated in ServiceStage ("unwritten": the write-back was refused, said)
        run.updated.append(name)
    elif result in ("failed", "unreachable"):
        run.failed.append(name)
    else:
        run.extra["incomplete"] = [name]


async def _delete(run: CommandRun) -> None:
    run.cancel_note = CANCEL_NOTE
    model = run.ls.docs[run.uri].model()
    actions.refuse_file_errors(model, run.ls.env)
    name = _target(run, model)
    if not await confirm(run.ls, lifecycle.delete_question(name), "Delete"):
        run.extra["confirmed"] = False
        return
    front = EditorFront(run)
    client = await open_client(run, model)
    async with client:
        deleted = await lifecycle.delete_one(front, client, name)
    run.shared.lists.invalidate()
    (run.updated if deleted == "done" else run.failed).append(name)


async def confirm(ls: ServiceStageServer, question: str, yes: str) -> bool:
    """Ask with window/showMessageRequest; only the answer ``yes`` goes on."""
    window = ls.client_capabilities.window
    if window is None or window.show_message is None:
        ls.show(f"ServiceStage: not done: the editor cannot ask for confirmation ({question})",
                lsp.MessageType.Warning)
        return False
    try:
        answer = await ls.window_show_message_request_async(lsp.ShowMessageRequestParams(
            type=lsp.MessageType.Warning, message=question,
            actions=[lsp.MessageActionItem(title=yes), lsp.MessageActionItem(title="Cancel")]))
    except Exception as exc:  # noqa: BLE001 - a client that fails to ask has not said yes
        ls.log_error("asking for confirmation", exc)
        return False
    return answer is not None and answer.title == yes


# --- code actions and lenses ---------------------------------------------------------------------------------


def code_actions(ls: ServiceStageServer, state: DocState, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    only = [str(k) for k in params.context.only or []] or None
    wants_fixes = not only or any(k.startswith("quickfix") for k in only)
    model = state.model()
    refusal = file_refusal(ls, model)  # the file's errors: the cloud actions are not offered (or disabled)
    out: list[lsp.CodeAction] = []
    remote_only: list[lsp.Diagnostic] = []
    if wants_fixes:
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != "servicestage":
                continue
            if diagnostic.code == OVERDUE:
                entry = model.entry_at_line(diagnostic.range.start.line)
                if entry is not None and entry.name:  # each kind renewed its way: an OAuth one in the browser
                    title = OVERDUE_FIXES.get(entry.kind, QUICK_FIXES[OVERDUE]).format(name=q(entry.name))
                    out.append(_action(title, lsp.CodeActionKind.QuickFix,
                                       AUTHORIZE if entry.kind == "oauth" else ROTATE,
                                       {"uri": state.uri, "name": entry.name}, [diagnostic]))
            if diagnostic.code == REMOTE_ONLY:
                remote_only.append(diagnostic)
    if remote_only:  # one Import per list: the quick fix of every SS173 asked about stands for the action too
        out += offered(ls, _action(QUICK_FIXES[REMOTE_ONLY], lsp.CodeActionKind.QuickFix, IMPORT,
                                   {"uri": state.uri}, remote_only), refusal)
    entry = model.entry_at_line(params.range.start.line)
    kind = action_kind(only, "delete")
    if kind is not None and entry is not None and entry.name and entry.mapping is not None \
            and entry.mapping.get("repo_user") is not None:
        out += offered(ls, _action(f"Delete {q(entry.name)} from ServiceStage", kind, DELETE,
                                   {"uri": state.uri, "name": entry.name}), refusal)
    if not remote_only and (kind := action_kind(only, "import")) is not None:
        out += offered(ls, _action("Import from ServiceStage", kind, IMPORT, {"uri": state.uri}), refusal)
    if (kind := action_kind(only, "plan")) is not None:
        out += offered(ls, _action("Show plan (the file against ServiceStage)", kind, SHOW_PLAN, {"uri": state.uri}),
                       refusal)
    return out


def _action(title: str, kind: str, command: str, argument: dict[str, Any],
            diagnostics: list[lsp.Diagnostic] | None = None) -> lsp.CodeAction:
    return lsp.CodeAction(title=title, kind=kind, diagnostics=diagnostics,
                          command=lsp.Command(title=title, command=command, arguments=[argument]))


def code_lenses(ls: ServiceStageServer, state: DocState) -> list[lsp.CodeLens]:
    model = state.model()
    out = []
    for lens in lenses(model, ls.env):
        at = lsp.Position(line=lens.line, character=0)
        out.append(lsp.CodeLens(range=lsp.Range(start=at, end=at), command=lsp.Command(
            title=lens.title, command=LENS_COMMANDS[lens.action], arguments=[{"uri": state.uri, "name": lens.name}])))
    return out
