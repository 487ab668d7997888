"""Pull diagnostics (only for clients that also accept refresh), and settings: initializationOptions,
workspace/configuration, didChangeConfiguration, invalid values, validate=onSave."""

from __future__ import annotations

import itertools

import pytest
import pytest_lsp
from lsprotocol import types as lsp

from helpers.lsp_session import (
    RecordingClient,
    assert_no_secrets,
    capabilities,
    change_document,
    codes,
    open_document,
    server_config,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

GOOD = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")
BAD = GOOD.replace("repo_type: github", "repo_type: githib")
_counter = itertools.count()


def new_uri() -> str:
    return f"file:///work/settings/file{next(_counter)}.servicestage.yaml"


def pulling_capabilities() -> lsp.ClientCapabilities:
    caps = capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = lsp.DiagnosticClientCapabilities(dynamic_registration=False)
    caps.workspace.diagnostics = lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


async def start(client: RecordingClient, caps: lsp.ClientCapabilities, options: object = None) -> lsp.InitializeResult:
    return await client.initialize_session(lsp.InitializeParams(capabilities=caps, initialization_options=options))


async def pull(client: RecordingClient, uri: str) -> list[lsp.Diagnostic]:
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    return list(report.items)


@pytest_lsp.fixture(config=server_config(), scope="module")
async def puller(lsp_client: RecordingClient):
    result = await start(lsp_client, pulling_capabilities(), {"validate": "onSave"})
    provider = result.capabilities.diagnostic_provider
    # The identifier names VS Code's collection of pulled diagnostics; the VS Code client leaves its own
    # collection unnamed so that the two do not collide (client-vscode/test/extension.test.ts).
    assert isinstance(provider, lsp.DiagnosticOptions) and provider.identifier == "servicestage"
    yield
    await lsp_client.shutdown_session()
    assert_no_secrets(lsp_client)


async def test_a_pulling_client_gets_pull_only_and_a_refresh_after_save(puller: RecordingClient) -> None:
    uri = new_uri()
    open_document(puller, uri, BAD)
    assert await pull(puller, uri) == []  # validate=onSave: nothing until the file is saved
    refreshes = puller.diagnostic_refresh_count
    puller.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    await wait_until(lambda: puller.diagnostic_refresh_count > refreshes, "workspace/diagnostic/refresh")
    assert codes(await pull(puller, uri)) == ["SS132"]
    assert uri not in puller.diagnostics  # never pushed


@pytest_lsp.fixture(config=server_config(), scope="module")
async def no_refresh(lsp_client: RecordingClient):
    caps = pulling_capabilities()
    assert caps.workspace is not None
    caps.workspace.diagnostics = None  # pulls, but cannot be asked to pull again (like Neovim 0.10+)
    result = await start(lsp_client, caps)
    assert result.capabilities.diagnostic_provider is None
    yield
    await lsp_client.shutdown_session()


async def test_a_client_without_refresh_support_gets_pushed_diagnostics(no_refresh: RecordingClient) -> None:
    uri = new_uri()
    open_document(no_refresh, uri, BAD)
    await wait_until(lambda: uri in no_refresh.diagnostics, "pushed diagnostics")
    assert codes(no_refresh.diagnostics[uri]) == ["SS132"]


@pytest_lsp.fixture(config=server_config(), scope="module")
async def configured(lsp_client: RecordingClient):
    lsp_client.set_configuration({"validate": "onSave", "timeoutSeconds": "soon"}, section="servicestage")
    await start(lsp_client, capabilities("visual-studio-code"), {"validate": "onChange"})
    yield
    await lsp_client.shutdown_session()


async def test_settings_come_from_configuration_and_bad_values_are_reported_once(configured: RecordingClient) -> None:
    await wait_until(lambda: any("timeoutSeconds" in m.message for m in configured.messages), "the settings warning")
    (warning,) = [m for m in configured.messages if "timeoutSeconds" in m.message]
    assert warning.type == lsp.MessageType.Warning
    assert "servicestage.timeoutSeconds must be a number" in warning.message and "using the default 30" in warning.message
    # workspace/configuration said onSave (it wins over initializationOptions): an edit shows nothing.
    uri = new_uri()
    open_document(configured, uri, GOOD)
    await wait_until(lambda: uri in configured.diagnostics, "the empty diagnostics on open")
    change_document(configured, uri, 2, [lsp.TextDocumentContentChangeWholeDocument(text=BAD)], BAD)
    symbols = await configured.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri)))
    assert symbols  # the server has processed the change
    assert list(configured.diagnostics.get(uri, [])) == []
    configured.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    await wait_until(lambda: codes(configured.diagnostics.get(uri, [])) == ["SS132"], "diagnostics after save")
    # The user switches to onChange: the server re-reads the section and validates as the user types again.
    configured.set_configuration({"validate": "onChange", "timeoutSeconds": "soon"}, section="servicestage")
    configured.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    fixed = BAD.replace("githib", "gitlab")
    change_document(configured, uri, 3, [lsp.TextDocumentContentChangeWholeDocument(text=fixed)], fixed)
    await wait_until(lambda: uri in configured.diagnostics and list(configured.diagnostics[uri]) == [],
                     "live diagnostics after the switch")
    assert len([m for m in configured.messages if "timeoutSeconds" in m.message]) == 1  # reported once
