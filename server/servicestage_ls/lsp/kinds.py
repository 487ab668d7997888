"""The kinds in the editor: Test (the namespaces an authorization sees; command, code action, code lens on a
created entry whose status is normal) and Authorize (the OAuth hand-off through the browser). The words and the
calls are the engine's (``engine.probe``, ``engine.oauth``), the same as the command line's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.core.model import Entry, Model
from servicestage_ls.engine import actions, oauth, probe
from servicestage_ls.engine.actions import Refused
from servicestage_ls.lsp.commands import AUTHORIZE, TEST, action_kind
from servicestage_ls.lsp.handoff import open_external, prompt_text
from servicestage_ls.lsp.run import CloudState, CommandRun, EditorFront, open_client, run_command
from servicestage_ls.lsp.server import Feature

if TYPE_CHECKING:
    from servicestage_ls.lsp.server import ServiceStageServer
    from servicestage_ls.lsp.state import DocState

LENS_TEST = "Test"


class KindsFeature(Feature):
    """Test and Authorize: commands, code actions, code lenses. ``shared`` is the cloud features' state."""

    def __init__(self, shared: CloudState) -> None:
        self.shared = shared

    async def test(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Testing authorizations", _test)

    async def authorize(self, ls: ServiceStageServer, args: tuple[Any, ...]) -> dict[str, Any] | None:
        return await run_command(ls, self.shared, args, "Authorizing in the browser", _authorize)

    def code_actions(self, ls: ServiceStageServer, state: DocState,
                     params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        only = [str(k) for k in params.context.only or []] or None
        model = state.model()
        entry = model.entry_at_line(params.range.start.line)
        if entry is None or not entry.name:
            return []
        out = []
        argument = {"uri": state.uri, "name": entry.name}
        if (kind := action_kind(only, "authorize")) is not None and authorizable(model, entry, ls.env):
            again = " again" if created(entry.value_of("repo_user")) else ""
            out.append(_action(f"Authorize {q(entry.name)}{again} in the browser", kind, AUTHORIZE, argument))
        if (kind := action_kind(only, "test")) is not None and created(entry.value_of("repo_user")):
            out.append(_action(f"Test {q(entry.name)} (the namespaces it sees)", kind, TEST, argument))
        return out

    def code_lenses(self, ls: ServiceStageServer, state: DocState) -> list[lsp.CodeLens]:
        out = []
        for entry in state.model().entries:
            if entry.name and entry.mapping is not None and created(entry.value_of("repo_user")) \
                    and entry.status == 0:
                at = lsp.Position(line=entry.range().start[0], character=0)
                out.append(lsp.CodeLens(range=lsp.Range(start=at, end=at), command=lsp.Command(
                    title=LENS_TEST, command=TEST, arguments=[{"uri": state.uri, "name": entry.name}])))
        return out


def _action(title: str, kind: str, command: str, argument: dict[str, Any]) -> lsp.CodeAction:
    return lsp.CodeAction(title=title, kind=kind, command=lsp.Command(title=title, command=command,
                                                                      arguments=[argument]))


def authorizable(model: Model, entry: Entry, env: Any) -> bool:
    """An OAuth entry without errors (the file's and its own): Authorize would be sent."""
    if entry.kind != "oauth" or not entry.name:
        return False
    try:
        actions.refuse_file_errors(model, env)
        oauth.target(model, entry.name, env)
    except Refused:
        return False
    return True


def created(repo_user: str | None) -> bool:
    return bool(repo_user and repo_user.strip())


def q(name: str) -> str:
    from servicestage_ls.core.schema import redact

    return f"'{redact(name)}'"


def _names(run: CommandRun, model: Model) -> list[str]:
    """The entry of "name" or "position", else (only "uri") every entry."""
    if isinstance(run.arg.get("name"), str):
        return [str(run.arg["name"])]
    position = run.arg.get("position")
    if isinstance(position, dict) and isinstance(position.get("line"), int):
        entry = actions.entry_at(model, position["line"])
        if not entry.name:
            raise Refused("the entry has no name")
        return [entry.name]
    return []


async def _test(run: CommandRun) -> None:
    model = run.ls.docs[run.uri].model()
    if model.has_syntax_errors:
        raise Refused("the file has YAML syntax errors; fix them first")
    actions.refuse_file_errors(model, run.ls.env)
    wanted = probe.targets(model, _names(run, model))
    if not wanted:
        raise Refused("the file has no entry to test")
    client = await open_client(run, model)
    async with client:
        results = await probe.probe(client, wanted, probe.EDITOR_FIXES, run.report)
    for result in results:
        run.ls.show(f"ServiceStage: {result.line}", lsp.MessageType.Info if result.ok else lsp.MessageType.Error)
        (run.updated if result.ok else run.failed).append(result.name)
    if len(results) > 1:
        run.ls.log_to_client(f"ServiceStage: {probe.summary_line(results)}", lsp.MessageType.Info)
    run.extra["results"] = [r.as_json() for r in results]


class AuthorizeFront(EditorFront):
    """The open document as the hand-off's front: the browser through the client, the address from its prompt."""

    async def hand_off(self, name: str, url: str) -> str | None:
        label = q(name)
        await open_external(self.ls, url, f"to authorize {label}")
        return await prompt_text(
            self.ls, f"ServiceStage: authorize {label}", oauth.PASTE_PROMPT, oauth.PASTE_PLACEHOLDER,
            f"this editor cannot ask for the address the browser ends on: run `servicestage-ls authorize FILE "
            f"--name {name}` in a terminal, or run the command again with the address as its \"address\"")


async def _authorize(run: CommandRun) -> None:
    """Authorize (or authorize again) the OAuth entry of "name"/"position"; "address" (the one the browser ended on,
    for a client that asks by itself) skips the browser."""
    run.cancel_note = "An authorization that was already sent may have happened; run Refresh status to see."
    model = run.ls.docs[run.uri].model()
    if model.has_syntax_errors:
        raise Refused("the file has YAML syntax errors; fix them first")
    actions.refuse_file_errors(model, run.ls.env)
    names = _names(run, model)
    if not names:
        raise Refused("the command needs the entry's \"name\" or the cursor \"position\"")
    found = oauth.target(model, names[0], run.ls.env)
    address = run.arg.get("address")
    answer = oauth.answer_of(address) if isinstance(address, str) else None
    client = await open_client(run, model)
    async with client:
        result = await oauth.authorize(AuthorizeFront(run), client, found, answer)
    run.shared.lists.invalidate()
    if result in ("done", "unwritten"):
        run.created.append(names[0])
    elif result == "failed":
        run.failed.append(names[0])
    run.extra["result"] = result
