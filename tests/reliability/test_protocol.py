"""Malformed or unexpected protocol input never crashes the server, and nothing but the protocol goes to stdout.

pytest-lsp reads the server's stdout as the protocol stream: a stray print would make the client fail. Here the
client also sends what a buggy editor might: changes for unknown or closed documents, ranges past the end, huge
or mid-character positions, lone surrogates, unknown methods, invalid params, unparsable JSON. Every request
still gets an answer, and the server stays in sync with the client afterwards.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from helpers.lsp_session import open_document, pulls, wait_until
from reliability.conftest import (
    ALL_SECRETS,
    ReliabilityClient,
    assert_no_traceback,
    assert_range_inside,
    assert_secrets_absent,
    current_diagnostics,
    lsp_lines,
    reliability_config,
    server_environment,
    start_session,
)
from servicestage_ls.core import document, rules

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        "  - name: 名前😀token\n    repo_type: githib\n    token: ${GITHUB_TOKEN}\n")
HUGE = 2**31 - 1
ENV = server_environment()


@pytest_lsp.fixture(params=["visual-studio-code", "neovim+pull"], config=reliability_config(), scope="module")
async def client(request: pytest.FixtureRequest, lsp_client: ReliabilityClient):
    await start_session(lsp_client, request.param)
    yield
    await lsp_client.shutdown_session()
    server = lsp_client._server
    assert server is not None and server.returncode == 0
    assert_secrets_absent(lsp_client.everything_received(), ALL_SECRETS)


def pos(line: int, character: int) -> lsp.Position:
    return lsp.Position(line, character)


def change(client: ReliabilityClient, uri: str, version: int, rng: lsp.Range | None, text: str) -> None:
    event: lsp.TextDocumentContentChangeEvent = (
        lsp.TextDocumentContentChangeWholeDocument(text=text) if rng is None
        else lsp.TextDocumentContentChangePartial(range=rng, text=text))
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), [event]))


def expected(text: str) -> list[str]:
    return sorted(f.code for f in rules.check(document.parse(text), None, ENV))


async def all_requests(client: ReliabilityClient, uri: str, position: lsp.Position) -> None:
    """Every request about ``uri`` at ``position`` is answered without an error."""
    doc = lsp.TextDocumentIdentifier(uri)
    rng = lsp.Range(position, position)
    await asyncio.wait_for(asyncio.gather(
        client.text_document_hover_async(lsp.HoverParams(doc, position)),
        client.text_document_completion_async(lsp.CompletionParams(doc, position)),
        client.text_document_code_action_async(lsp.CodeActionParams(doc, rng, lsp.CodeActionContext(diagnostics=[
            lsp.Diagnostic(rng, "x", code=code, source="servicestage", data=data)
            for code, data in [("SS110", {"fix": "rename-key", "replacement": "name"}),
                               ("SS111", {"fix": "insert-key", "key": "token", "value": "x", "scope": "entry"}),
                               ("SS140", {"fix": "use-env-reference", "variable": "GITHUB_TOKEN"}),
                               ("SS132", {"fix": "replace-value", "replacement": "github"}),
                               ("SS999", "not a dict")]]))),
        client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc)),
    ), 20)


async def test_requests_about_unknown_and_closed_documents(client: ReliabilityClient) -> None:
    uri = "file:///work/protocol/closed.servicestage.yaml"
    change(client, uri, 2, lsp.Range(pos(0, 0), pos(0, 0)), "x")  # never opened
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri), text="x"))
    await all_requests(client, uri, pos(0, 0))
    open_document(client, uri, TEXT)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    doc = lsp.TextDocumentIdentifier(uri)
    assert await client.text_document_hover_async(lsp.HoverParams(doc, pos(3, 5))) is None
    assert await client.text_document_completion_async(lsp.CompletionParams(doc, pos(4, 15))) is None
    await all_requests(client, uri, pos(3, 5))
    # Opening it again (and twice) starts from the text sent.
    open_document(client, uri, TEXT)
    open_document(client, uri, TEXT.replace("githib", "github"))
    wanted = expected(TEXT.replace("githib", "github"))
    if not pulls(client):
        # Both opens carry version 1: the first text's push may come first; wait (with a deadline) for the second's.
        await wait_until(lambda: sorted(d.code for d in client.diagnostics.get(uri, [])) == wanted,
                         "the diagnostics of the text sent last")
    assert sorted(d.code for d in await current_diagnostics(client, uri, 1)) == wanted


async def test_positions_past_the_end_and_inside_characters(client: ReliabilityClient) -> None:
    uri = "file:///work/protocol/positions.servicestage.yaml"
    open_document(client, uri, TEXT)
    for position in [pos(HUGE, HUGE), pos(3, HUGE), pos(0, 12345), pos(3, 11), pos(3, 14), pos(3, 15), pos(3, 16),
                     pos(len(lsp_lines(TEXT)), 0)]:
        await all_requests(client, uri, position)  # 3:11 … 3:16 fall inside 名, 前 or 😀 in one encoding or another

    # A change past the end of the document appends (the position is clamped, as LSP says).
    text = TEXT + "  - name: appended\n"
    change(client, uri, 2, lsp.Range(pos(500, 7), pos(HUGE, HUGE)), "  - name: appended\n")
    assert sorted(d.code for d in await current_diagnostics(client, uri, 2)) == expected(text)
    # A character offset past the end of a line means the end of that line (before its line break).
    text = text.replace("githib\n", "githib  # typo\n")
    change(client, uri, 3, lsp.Range(pos(4, 999), pos(4, HUGE)), "  # typo")
    found = await current_diagnostics(client, uri, 3)
    assert sorted(d.code for d in found) == expected(text)
    for d in found:
        assert_range_inside(lsp_lines(text), d.range, client.encoding, f"diagnostic {d.code}")


async def test_lone_surrogates_in_the_text(client: ReliabilityClient) -> None:
    """An editor's text may hold lone UTF-16 surrogates (JSON escapes): libyaml cannot encode them, so parsing
    used to raise UnicodeEncodeError in didOpen and in every request about the document."""
    uri = "file:///work/protocol/surrogates.servicestage.yaml"
    text = TEXT.replace("名前", "\ud800名").replace("githib", "git\udfffhub")
    received, stderr = len(client.received), len(client.stderr_lines)
    open_document(client, uri, text)
    found = await current_diagnostics(client, uri, 1)
    assert sorted(d.code for d in found) == expected(text) and "SS100" in expected(text)
    assert all("is not allowed in YAML" in d.message for d in found if d.code == "SS100")
    await all_requests(client, uri, pos(3, 11))
    change(client, uri, 2, None, TEXT)  # the surrogates go away: all is well again
    assert sorted(d.code for d in await current_diagnostics(client, uri, 2)) == expected(TEXT)
    assert_no_traceback(client, since=stderr, since_received=received)


async def test_malformed_messages_get_errors_and_the_server_carries_on(client: ReliabilityClient) -> None:
    uri = "file:///work/protocol/raw.servicestage.yaml"
    open_document(client, uri, TEXT)
    server = client._server
    assert server is not None and server.stdin is not None

    def raw(body: bytes) -> None:
        assert server.stdin is not None
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    # Unknown request: MethodNotFound. Invalid params: an error response. Unknown notification: ignored.
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(client.protocol.send_request_async("servicestage/noSuchMethod", {"x": 1}), 20)
    raw(json.dumps({"jsonrpc": "2.0", "id": "raw-invalid-params", "method": lsp.TEXT_DOCUMENT_HOVER,
                    "params": {"textDocument": {"uri": uri}, "position": {"line": "zero"}}}).encode())
    raw(b'{"jsonrpc": "2.0", "id": "raw-not-json", "method": "textDocument/hover", "params": {')
    raw(json.dumps({"jsonrpc": "2.0", "method": "servicestage/noSuchNotification", "params": [1, 2]}).encode())
    raw(json.dumps({"jsonrpc": "2.0", "method": lsp.TEXT_DOCUMENT_DID_CHANGE,
                    "params": {"textDocument": {"uri": uri}, "contentChanges": "garbage"}}).encode())
    raw(json.dumps({"jsonrpc": "2.0", "method": lsp.TEXT_DOCUMENT_DID_OPEN, "params": {"textDocument": None}}).encode())
    await server.stdin.drain()

    # The request with invalid params gets InvalidParams, the unparsable one ParseError (with a null id: its id
    # cannot be read); the two undecodable notifications are logged on one line each; the server carries on.
    def answered(request_id: object, code: int) -> bool:
        return any(m.get("id") == request_id and m.get("error", {}).get("code") == code
                   for m in map(json.loads, client.received))

    await wait_until(lambda: answered("raw-invalid-params", -32602) and answered(None, -32700),
                     "the malformed requests answered")
    await wait_until(lambda: "".join(client.stderr_lines).count("whose params could not be decoded") == 2,
                     "the malformed notifications logged")
    assert sorted(d.code for d in await current_diagnostics(client, uri, 1)) == expected(TEXT)
    info = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), pos(4, 6)))
    assert info is not None


async def test_nothing_but_the_protocol_on_stdout(client: ReliabilityClient) -> None:
    """Everything the server wrote to stdout was parsed as protocol messages (pytest-lsp fails otherwise, and
    reports it as a fatal error); the recording client saw only JSON-RPC messages."""
    assert client.error is None
    for message in client.received:
        assert json.loads(message).get("jsonrpc") == "2.0"
