"""The kinds in the editor, through the real server under both client presets (VS Code, Neovim), against the
in-process emulator: Test (command, code action, code lens) with the command line's words, and Authorize (the
browser opened with window/showDocument, the address asked for with servicestage/promptText)."""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
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


# --- Authorize ------------------------------------------------------------------------------------------------

AUTHORIZE = "servicestage-ls.authorize"
OAUTH = """\
  - name: gh-oauth
    kind: oauth
    repo_type: github
    tag: intl
"""


def browser(url: str) -> str:
    """What the browser does with the address the server opened: the emulator's page sends it to the console."""
    page = httpx.get(url, trust_env=False)
    assert page.status_code == 302
    return str(page.headers["Location"])


def paste_where_the_browser_ended(client: EditorClient) -> Callable[[Any], str]:
    return lambda params: browser(client.shown_documents[-1].uri)


def prompt_of(params: Any) -> tuple[str, str, str]:
    get = (lambda key: params[key]) if isinstance(params, dict) else (lambda key: getattr(params, key))
    return get("title"), get("prompt"), get("placeHolder")


@pytest.mark.parametrize("preset", PRESETS)
async def test_authorize_opens_the_browser_and_asks_for_the_address(lsp_sessions: dict[str, EditorClient],
                                                                   live_emulator: Emulator, preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    text = document(live_emulator, OAUTH)
    client.open(uri, text)
    client.prompt_answer = paste_where_the_browser_ended(client)
    shown, prompts, since = len(client.shown_documents), len(client.prompts), len(client.messages)
    try:
        result = await execute(client, AUTHORIZE, {"uri": uri, "name": "gh-oauth"})
    finally:
        client.prompt_answer = None
    opened = client.shown_documents[shown:]
    assert [(urlsplit(d.uri).path, parse_qs(urlsplit(d.uri).query)["tag"], d.external) for d in opened] == [
        ("/emulator/oauth/authorize", ["intl"], True)]
    assert [prompt_of(p) for p in client.prompts[prompts:]] == [
        ("ServiceStage: authorize 'gh-oauth'",
         "Paste the address the browser ended on (after you authorized ServiceStage)", "https://…?code=…&state=…")]
    assert client.shown(since) == ["ServiceStage: authorized 'gh-oauth': repo_user emulator-user, status 0 (normal)"]
    assert (result["created"], result["result"]) == (["gh-oauth"], "done")
    assert client.text(uri) == text + "    repo_user: emulator-user\n    status: 0  # normal\n"
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_authorize_cancelled_or_without_a_prompt_then_with_the_address(lsp_sessions: dict[str, EditorClient],
                                                                            live_emulator: Emulator,
                                                                            preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    text = document(live_emulator, OAUTH)
    client.open(uri, text)
    since = len(client.messages)
    client.prompt_answer = lambda params: None  # the user pressed Escape
    try:
        cancelled = await execute(client, AUTHORIZE, {"uri": uri, "position": {"line": 4, "character": 0}})
    finally:
        client.prompt_answer = None
    cannot = await execute(client, AUTHORIZE, {"uri": uri, "name": "gh-oauth"})  # a client without the prompt
    assert client.shown(since) == [
        "ServiceStage: not authorized: no address was pasted; nothing was sent (a state works once: start again)",
        "ServiceStage: this editor cannot ask for the address the browser ends on: run `servicestage-ls authorize "
        "FILE --name gh-oauth` in a terminal, or run the command again with the address as its \"address\""]
    assert (cancelled["result"], cannot["created"]) == ("cancelled", [])
    assert client.text(uri) == text
    address = browser(client.shown_documents[-1].uri)
    done = await execute(client, AUTHORIZE, {"uri": uri, "name": "gh-oauth", "address": address})
    assert done["created"] == ["gh-oauth"]
    since = len(client.messages)
    reused = await execute(client, AUTHORIZE, {"uri": uri, "name": "gh-oauth", "address": address})
    assert reused["failed"] == ["gh-oauth"]
    assert client.shown(since)[0] == "ServiceStage: deleted the old authorization 'gh-oauth' to authorize it again"
    assert re.fullmatch(r"ServiceStage: AUTHORIZATION INCOMPLETE: the old 'gh-oauth' was deleted from ServiceStage, "
                        r"but authorizing it again failed: ServiceStage refused the request: SVCSTG\.REPO\.0402 oauth "
                        r"code or state invalid \(HTTP 400, request id \w+\) — start again: a state works once\. To "
                        r"finish: authorize 'gh-oauth' again \(a state works once: start again\)",
                        client.shown(since)[1])
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_the_authorize_lens_and_code_action(lsp_sessions: dict[str, EditorClient], live_emulator: Emulator,
                                                  preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    overdue = OAUTH.replace("gh-oauth", "old-oauth") + "    repo_user: tom\n    status: 1\n"
    client.open(uri, document(live_emulator, OAUTH + overdue))
    await round_trip(client, uri)
    found = await asyncio.wait_for(client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))), DEADLINE)
    assert sorted((lens.range.start.line, lens.command.title, lens.command.command) for lens in found or []
                  if lens.command is not None) == [
        (3, "Authorize in the browser", AUTHORIZE), (7, "⚠ overdue · Authorize again", AUTHORIZE)]
    assert await authorize_actions(client, uri, 4) == ["Authorize 'gh-oauth' in the browser"]
    assert await authorize_actions(client, uri, 8) == ["Authorize 'old-oauth' again in the browser"]
    client.close(uri)


async def authorize_actions(client: EditorClient, uri: str, line: int) -> list[str]:
    found = await asyncio.wait_for(client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        range=lsp.Range(start=lsp.Position(line=line, character=4), end=lsp.Position(line=line, character=4)),
        context=lsp.CodeActionContext(diagnostics=[]))), DEADLINE)
    return [a.title for a in found or [] if isinstance(a, lsp.CodeAction) and a.command is not None
            and a.command.command == AUTHORIZE]
