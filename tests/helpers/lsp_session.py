"""Driving the real server over stdio with pytest-lsp: a recording client and small waiting helpers.

The recording client keeps everything the server sent (as JSON text) and everything it wrote to stderr, so
tests can assert that no secret value ever reached the client or the log.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

REPO = Path(__file__).resolve().parents[2]
SERVER_COMMAND = [sys.executable, "-m", "servicestage_ls", "serve"]
DEADLINE = 20.0

# Known secret values in play across the LSP tests: none may ever appear in what the client received.
SECRET_TOKEN_VALUE = "ghp_S3cretValueThatMustNeverLeak0123456789"
SECRET_GITLAB_VALUE = "glpat-S3cretGitlabValueNeverLeak_99"
LITERAL_TOKEN = "ghp_L1teralTokenInTheFileMustNotLeak0000000"
SECRET_ENV = {
    "GITHUB_TOKEN": SECRET_TOKEN_VALUE,
    "GITLAB_TOKEN": SECRET_GITLAB_VALUE,
}
SECRETS = (SECRET_TOKEN_VALUE, SECRET_GITLAB_VALUE, LITERAL_TOKEN)


class RecordingClient(LanguageClient):
    """A pytest-lsp client that records every message from the server and the server's stderr."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[str] = []
        self.stderr_lines: list[str] = []
        self.applied_edits: list[lsp.ApplyWorkspaceEditParams] = []
        self.apply_edit_result = True
        self.document_texts: dict[str, str] = {}
        self.encoding = "utf-16"  # what initialize negotiated

    async def start_io(self, cmd: str, *args: Any, **kwargs: Any) -> None:
        await super(LanguageClient, self).start_io(cmd, *args, **kwargs)
        if self._server and self._server.stderr:
            self._stderr_forwarder = asyncio.create_task(self._record_stderr(self._server))

    async def _record_stderr(self, server: asyncio.subprocess.Process) -> None:
        assert server.stderr is not None
        while (line := await server.stderr.readline()) != b"":
            text = line.decode("utf-8", "replace")
            self.stderr_lines.append(text)
            sys.stderr.write(text)

    def everything_received(self) -> str:
        return "\n".join([*self.received, *self.stderr_lines])


def _install_recorder(client: RecordingClient) -> None:
    protocol = client.protocol
    original = protocol.handle_message

    def handle_message(message: Any) -> None:
        try:
            client.received.append(json.dumps(protocol._converter.unstructure(message), default=str))
        except Exception:  # noqa: BLE001 - recording must not break the client
            client.received.append(repr(message))
        original(message)

    protocol.handle_message = handle_message  # type: ignore[method-assign]


def make_recording_client() -> RecordingClient:
    base = make_test_lsp_client()
    client = RecordingClient(converter_factory=lambda: base.protocol._converter)
    from pytest_lsp.client import register_lsp_features

    register_lsp_features(client)
    _install_recorder(client)

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        client.applied_edits.append(params)
        if not client.apply_edit_result:
            return lsp.ApplyWorkspaceEditResult(applied=False, failure_reason="refused by the test")
        for uri, edits in _edits_by_uri(params.edit).items():
            if uri in client.document_texts:
                client.document_texts[uri] = apply_text_edits(client.document_texts[uri], edits, client.encoding)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: lsp.RegistrationParams) -> None:
        return None

    return client


def server_config(env: Mapping[str, str] | None = None) -> ClientServerConfig:
    merged = {**os.environ, **SECRET_ENV, **(env or {})}
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=merged, client_factory=make_recording_client)


def capabilities(preset: str) -> lsp.ClientCapabilities:
    from helpers.eglot import EGLOT_1_9, eglot_capabilities

    return eglot_capabilities() if preset == EGLOT_1_9 else client_capabilities(preset)


async def initialize(client: LanguageClient, preset: str, options: Any = None,
                     configuration: Any = None) -> lsp.InitializeResult:
    if configuration is not None:
        client.set_configuration(configuration, section="servicestage")
    from helpers.eglot import CLIENT_INFO

    result = await client.initialize_session(
        lsp.InitializeParams(
            capabilities=capabilities(preset),
            client_info=CLIENT_INFO.get(preset),
            root_uri=REPO.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=REPO.as_uri(), name="repo")],
            initialization_options=options,
        )
    )
    if isinstance(client, RecordingClient):
        encoding = result.capabilities.position_encoding or "utf-16"
        client.encoding = str(getattr(encoding, "value", encoding))
    return result


def pulls(client: LanguageClient) -> bool:
    """Whether the server serves this client by pull: it must pull and accept refresh requests."""
    caps = client.capabilities
    return bool(caps and caps.text_document and caps.text_document.diagnostic and caps.workspace
                and caps.workspace.diagnostics and caps.workspace.diagnostics.refresh_support)


def open_document(client: RecordingClient, uri: str, text: str, version: int = 1) -> None:
    client.document_texts[uri] = text
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri=uri, language_id="yaml", version=version, text=text))
    )


def change_document(client: RecordingClient, uri: str, version: int,
                    changes: Iterable[lsp.TextDocumentContentChangeEvent], new_text: str) -> None:
    client.document_texts[uri] = new_text
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=list(changes),
        )
    )


async def wait_until(predicate: Callable[[], Any], what: str, deadline: float = DEADLINE) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def diagnostics(client: LanguageClient, uri: str) -> list[lsp.Diagnostic]:
    """The server's current diagnostics for a document: pulled, or the next pushed set."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    await wait_until(lambda: uri in client.diagnostics, f"diagnostics for {uri}")
    return list(client.diagnostics[uri])


def codes(diags: Iterable[lsp.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diags]


def _edits_by_uri(edit: lsp.WorkspaceEdit) -> dict[str, list[lsp.TextEdit]]:
    out: dict[str, list[lsp.TextEdit]] = {}
    for uri, edits in (edit.changes or {}).items():
        out.setdefault(uri, []).extend(edits)
    for change in edit.document_changes or []:
        if isinstance(change, lsp.TextDocumentEdit):
            out.setdefault(change.text_document.uri, []).extend(
                e for e in change.edits if isinstance(e, lsp.TextEdit)
            )
    return out


def _units(ch: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    return 1


def column(line: str, index: int, encoding: str = "utf-16") -> int:
    """A code-point column as client units."""
    return sum(_units(c, encoding) for c in line[:index])


def _offset(text: str, pos: lsp.Position, encoding: str) -> int:
    lines = _lsp_lines(text)
    if pos.line >= len(lines):
        return len(text)
    start = sum(len(line) for line in lines[: pos.line])
    line = lines[pos.line]
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character or ch in "\r\n":
            return start + i
        units += _units(ch, encoding)
    return start + len(line)


def _lsp_lines(text: str) -> list[str]:
    out, i, start = [], 0, 0
    while i < len(text):
        c = text[i]
        if c == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            out.append(text[start : i + 2])
            i += 2
            start = i
            continue
        if c in "\r\n":
            out.append(text[start : i + 1])
            start = i + 1
        i += 1
    out.append(text[start:])
    return out


def apply_text_edits(text: str, edits: Iterable[lsp.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP text edits, last first; inserts at one position keep their order."""
    spans = sorted(
        ((_offset(text, e.range.start, encoding), _offset(text, e.range.end, encoding), i, e.new_text)
         for i, e in enumerate(edits)),
        reverse=True,
    )
    for start, end, _, new in spans:
        text = text[:start] + new + text[end:]
    return text


def assert_no_secrets(client: RecordingClient, extra: Iterable[str] = ()) -> None:
    seen = client.everything_received()
    for secret in (*SECRETS, *extra):
        assert secret not in seen, "a secret value reached the client or the server log"
