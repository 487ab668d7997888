"""Handler failures are contained: ``SERVICESTAGE_LS_FAULTS`` makes features raise on purpose.

A failing request gets an LSP error response; a failing notification is logged. Either way the failure reaches
stderr and ``window/logMessage`` in one line (without any secret), the traceback only the debug log, the next request of another feature is answered, and the
server stays up until a normal shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from helpers.lsp_session import open_document, wait_until
from reliability.conftest import (
    ALL_SECRETS,
    LITERAL_SECRETS,
    ReliabilityClient,
    assert_secrets_absent,
    current_diagnostics,
    reliability_config,
    start_session,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        "  - name: token1\n    repo_type: githib\n    token: ${REL_GITHUB_TOKEN}\n"
        f"  - name: token2\n    repo_type: github\n    token: {LITERAL_SECRETS[0]}\n")
KEY = lsp.Position(3, 5)  # on `name`: hover answers with the field's documentation
FEATURES = ["didOpen", "didChange", "didSave", "didClose", "diagnostic", "completion", "hover", "codeAction",
            "documentSymbol", "codeLens"]


@contextlib.asynccontextmanager
async def server_with_faults(faults: list[str], preset: str) -> AsyncIterator[ReliabilityClient]:
    config = reliability_config({"SERVICESTAGE_LS_FAULTS": ",".join(faults), "SERVICESTAGE_LS_LOG_LEVEL": "debug"})
    client = await config.start()
    assert isinstance(client, ReliabilityClient)
    try:
        await start_session(client, preset)
        yield client
        await asyncio.wait_for(client.shutdown_session(), 20)
        server = client._server
        assert server is not None and server.returncode == 0  # it stayed up until asked to exit
        assert_secrets_absent(client.everything_received(), ALL_SECRETS)
    finally:
        server = client._server
        if server is not None and server.returncode is None:
            server.kill()  # a failed test must not leave the server (or the client's stop()) waiting
        await client.stop()


async def logged(client: ReliabilityClient, feature: str) -> None:
    """The failure of ``feature`` reached window/logMessage (as an error, one line) and stderr (one line at error
    level; the traceback at debug level, which these servers log: SERVICESTAGE_LS_LOG_LEVEL=debug)."""
    needle = f"injected fault in {feature}"
    await wait_until(lambda: any(m.message == f"internal error: RuntimeError: {needle}"
                                 and m.type == lsp.MessageType.Error for m in client.log_messages),
                     f"a logMessage about {feature}")
    await wait_until(lambda: f"ERROR servicestage_ls: internal error: RuntimeError: {needle}\n"
                     in client.stderr_lines, f"an error line about {feature}")
    # The traceback goes down to the handler's own exception (pygls drops it for notifications: lsp/server.py
    # logs it from the error's data).
    await wait_until(lambda: re.search(rf"^DEBUG servicestage_ls: internal error: Traceback \(most recent call "
                                       rf"last\):\n(?:[ \t].*\n)+RuntimeError: {needle}$",
                                       "".join(client.stderr_lines), re.MULTILINE), f"a traceback for {feature}")


async def request_fails(client: ReliabilityClient, feature: str, request: object) -> None:
    with pytest.raises(JsonRpcException) as failure:
        await asyncio.wait_for(request, 20)  # type: ignore[arg-type]
    assert f"injected fault in {feature}" in str(failure.value)
    await logged(client, feature)


async def hover_works(client: ReliabilityClient, uri: str) -> None:
    info = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), KEY))
    assert info is not None and isinstance(info.contents, lsp.MarkupContent) and "name" in info.contents.value


def doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri)


async def test_hover_did_change_and_symbols_fail_alone() -> None:
    async with server_with_faults(["hover", "didChange", "documentSymbol", "codeLens"], "visual-studio-code") as client:
        uri = "file:///work/faults/one.servicestage.yaml"
        open_document(client, uri, TEXT)
        assert "SS132" in {d.code for d in await current_diagnostics(client, uri, 1)}  # didOpen still works

        await request_fails(client, "hover", client.text_document_hover_async(lsp.HoverParams(doc(uri), KEY)))
        found = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(4, 15)))
        assert found is not None and "github" in [i.label for i in found.items]

        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [lsp.TextDocumentContentChangeWholeDocument(text="region: nowhere\n")]))
        await logged(client, "didChange")
        # The change was not applied: the server still answers from the text it has.
        found = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(4, 15)))
        assert found is not None and "github" in [i.label for i in found.items]

        await request_fails(client, "documentSymbol",
                            client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc(uri))))
        await request_fails(client, "codeLens", client.text_document_code_lens_async(lsp.CodeLensParams(doc(uri))))
        actions = await client.text_document_code_action_async(lsp.CodeActionParams(
            doc(uri), lsp.Range(lsp.Position(4, 0), lsp.Position(4, 21)), lsp.CodeActionContext(diagnostics=[])))
        assert actions is not None


async def test_completion_save_pull_and_close_fail_alone() -> None:
    async with server_with_faults(["completion", "didSave", "diagnostic", "didClose"], "neovim+pull") as client:
        uri = "file:///work/faults/two.servicestage.yaml"
        open_document(client, uri, TEXT)
        await request_fails(client, "completion",
                            client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(4, 15))))
        await hover_works(client, uri)

        client.text_document_did_save(lsp.DidSaveTextDocumentParams(doc(uri), text=TEXT))
        await logged(client, "didSave")
        await request_fails(client, "diagnostic", client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=doc(uri))))
        symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc(uri)))
        assert symbols

        client.text_document_did_close(lsp.DidCloseTextDocumentParams(doc(uri)))
        await logged(client, "didClose")
        await hover_works(client, uri)  # the close failed: the server still has the document


async def test_open_and_code_actions_fail_alone() -> None:
    async with server_with_faults(["didOpen", "codeAction"], "neovim+pull") as client:
        uri = "file:///work/faults/three.servicestage.yaml"
        open_document(client, uri, TEXT)
        await logged(client, "didOpen")
        # The document never opened: requests about it are answered with nothing, not an error.
        assert await client.text_document_hover_async(lsp.HoverParams(doc(uri), KEY)) is None
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [lsp.TextDocumentContentChangePartial(range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                                                  text="x")]))
        await request_fails(client, "codeAction", client.text_document_code_action_async(lsp.CodeActionParams(
            doc(uri), lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), lsp.CodeActionContext(diagnostics=[]))))
        assert await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc(uri))) is None


async def test_every_faultable_feature_is_covered() -> None:
    source = open(__file__, encoding="utf-8").read()
    injected = {name for group in re.findall(r"server_with_faults\(\[([^\]]*)\]", source)
                for name in re.findall(r'"(\w+)"', group)}
    from servicestage_ls.lsp import setup

    declared = {handler.fault for handler in (*setup.HANDLERS, setup.PULL_DIAGNOSTICS) if handler.fault}
    assert declared == set(FEATURES) == injected
