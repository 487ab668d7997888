"""The kinds in the editor, through the real server under both client presets (VS Code, Neovim), against the
in-process emulator: Test (command, code action, code lens) with the command line's words."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import pytest
from lsprotocol import types as lsp

from helpers.cloud_lsp import EditorClient, execute, round_trip, seed_project
from helpers.lsp_session import DEADLINE

from servicestage_ls.cloud.emulator import Emulator

pytestmark = pytest.mark.asyncio(loop_scope="session")
PRESETS = ["visual-studio-code", "neovim"]
TEST = "servicestage-ls.testAuthorization"
_counter = itertools.count()
SEED = """\
- {name: web-frontend, repo_type: github, repo_user: tom-repo, namespaces: [tom-repo, acme, acme-labs]}
- {name: payments-api, repo_type: github, repo_user: pay-org, status: 1}
- {name: codehub-pw, repo_type: devcloud, token_type: password, repo_user: tom}
"""
BODY = """\
  - name: web-frontend
    repo_type: github
    token: ${GITHUB_TOKEN}
    repo_user: tom-repo
    status: 0
  - name: payments-api
    repo_type: github
    token: ${GITHUB_TOKEN}
    repo_user: pay-org
    status: 1
  - name: brand-new
    repo_type: github
    token: ${GITHUB_TOKEN}
"""


def new_uri() -> str:
    return f"file:///work/project/kinds{next(_counter)}.servicestage.yaml"


def document(emu: Emulator, body: str = BODY) -> str:
    project = uuid.uuid4().hex
    seed_project(emu, project, SEED)
    return f"project_id: {project}\nendpoint: {emu.url}\nauthorizations:\n{body}"


@pytest.mark.parametrize("preset", PRESETS)
async def test_test_one_entry_and_every_entry(lsp_sessions: dict[str, EditorClient], live_emulator: Emulator,
                                              preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    client.open(uri, document(live_emulator))
    since = len(client.messages)
    one = await execute(client, TEST, {"uri": uri, "name": "web-frontend"})
    assert client.shown_with_type(since) == [
        (lsp.MessageType.Info, "ServiceStage: ✓ web-frontend sees 3 namespaces: tom-repo, acme, acme-labs")]
    assert (one["updated"], one["failed"]) == (["web-frontend"], [])
    assert one["results"] == [{"name": "web-frontend", "kind": "personal", "ok": True,
                               "namespaces": ["tom-repo", "acme", "acme-labs"], "code": None,
                               "message": "✓ web-frontend sees 3 namespaces: tom-repo, acme, acme-labs"}]
    since = len(client.messages)
    every = await execute(client, TEST, {"uri": uri})
    assert client.shown_with_type(since) == [
        (lsp.MessageType.Info, "ServiceStage: ✓ web-frontend sees 3 namespaces: tom-repo, acme, acme-labs"),
        (lsp.MessageType.Error, "ServiceStage: ✗ payments-api: the repository no longer accepts this authorization, "
                                "it expired or was revoked (SVCSTG.REPO.0451) — rotate its token: set a new one, then "
                                "run Rotate on it (its code lens)"),
        (lsp.MessageType.Error, "ServiceStage: ✗ brand-new: ServiceStage has no authorization of this name "
                                "(SVCSTG.REPO.0450) — create it: run Create in ServiceStage on it (its code lens)")]
    assert (every["updated"], every["failed"]) == (["web-frontend"], ["payments-api", "brand-new"])
    assert [r["code"] for r in every["results"]] == [None, "SVCSTG.REPO.0451", "SVCSTG.REPO.0450"]
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_test_at_the_cursor_and_its_refusals(lsp_sessions: dict[str, EditorClient], live_emulator: Emulator,
                                                   preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    client.open(uri, document(live_emulator))
    at_cursor = await execute(client, TEST, {"uri": uri, "position": {"line": 8, "character": 4}})
    assert at_cursor["failed"] == ["payments-api"]
    since = len(client.messages)
    unknown = await execute(client, TEST, {"uri": uri, "name": "nope"})
    off_entry = await execute(client, TEST, {"uri": uri, "position": {"line": 0, "character": 0}})
    assert client.shown(since) == [
        "ServiceStage: there is no entry named 'nope' in the file (its entries: web-frontend, payments-api, "
        "brand-new)",
        "ServiceStage: the cursor is not on an entry of `authorizations`"]
    assert unknown["updated"] == off_entry["updated"] == []
    client.close(uri)


async def code_actions(client: EditorClient, uri: str, line: int) -> list[tuple[str, str | None, object]]:
    await round_trip(client, uri)
    found = await asyncio.wait_for(client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        range=lsp.Range(start=lsp.Position(line=line, character=4), end=lsp.Position(line=line, character=4)),
        context=lsp.CodeActionContext(diagnostics=[]))), DEADLINE)
    return [(a.title, a.kind, list(a.command.arguments or []) if a.command else None) for a in found or []
            if isinstance(a, lsp.CodeAction) and a.command is not None and a.command.command == TEST]


@pytest.mark.parametrize("preset", PRESETS)
async def test_the_test_lens_and_code_action_on_created_entries(lsp_sessions: dict[str, EditorClient],
                                                                live_emulator: Emulator, preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    client.open(uri, document(live_emulator))
    await round_trip(client, uri)
    found = await asyncio.wait_for(client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))), DEADLINE)
    tests = [(lens.range.start.line, list(lens.command.arguments or [])) for lens in found or []
             if lens.command is not None and lens.command.title == "Test"]
    assert tests == [(3, [{"uri": uri, "name": "web-frontend"}])]  # status 0 only: the others say what to do
    assert await code_actions(client, uri, 4) == [
        ("Test 'web-frontend' (the namespaces it sees)", "refactor.servicestage.test",
         [{"uri": uri, "name": "web-frontend"}])]
    assert [title for title, _, _ in await code_actions(client, uri, 9)] == [
        "Test 'payments-api' (the namespaces it sees)"]
    assert await code_actions(client, uri, 14) == []  # not created: nothing to test
    client.close(uri)
