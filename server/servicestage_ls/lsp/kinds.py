"""The kinds in the editor: Test (the namespaces an authorization sees; command, code action, code lens on a
created entry whose status is normal) and Authorize (the OAuth hand-off through the browser). The words and the
calls are the engine's (``engine.probe``, ``engine.oauth``), the same as the command line's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.core.model import Model
from servicestage_ls.engine import actions, probe
from servicestage_ls.engine.actions import Refused
from servicestage_ls.lsp.commands import TEST, action_kind
from servicestage_ls.lsp.run import CloudState, CommandRun, open_client, run_command
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

    def code_actions(self, ls: ServiceStageServer, state: DocState,
                     params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        only = [str(k) for k in params.context.only or []] or None
        entry = state.model().entry_at_line(params.range.start.line)
        kind = action_kind(only, "test")
        if kind is None or entry is None or not entry.name or not created(entry.value_of("repo_user")):
            return []
        title = f"Test {q(entry.name)} (the namespaces it sees)"
        return [lsp.CodeAction(title=title, kind=kind, command=lsp.Command(
            title=title, command=TEST, arguments=[{"uri": state.uri, "name": entry.name}]))]

    def code_lenses(self, ls: ServiceStageServer, state: DocState) -> list[lsp.CodeLens]:
        out = []
        for entry in state.model().entries:
            if entry.name and entry.mapping is not None and created(entry.value_of("repo_user")) \
                    and entry.status == 0:
                at = lsp.Position(line=entry.range().start[0], character=0)
                out.append(lsp.CodeLens(range=lsp.Range(start=at, end=at), command=lsp.Command(
                    title=LENS_TEST, command=TEST, arguments=[{"uri": state.uri, "name": entry.name}])))
        return out


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
