"""Shared setup for the reliability tests: a hostile environment full of known secrets, a recording client that
also keeps the version of every pushed diagnostics set, and helpers to reason about LSP positions on the
client's side (independently of the server's ``positions.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig

from helpers.lsp_session import (
    DEADLINE,
    REPO,
    SECRET_ENV,
    SECRETS,
    SERVER_COMMAND,
    RecordingClient,
    capabilities,
    make_recording_client,
    pulls,
    wait_until,
)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# Cloud credentials and token references with distinctive values: they are in the environment of every server
# and CLI process these tests start, and none may ever reach a client, a log line or the CLI's output.
CLOUD_SECRETS = {
    "HUAWEICLOUD_SDK_AK": "RELIABILITYAKSECRET0000000001",
    "HUAWEICLOUD_SDK_SK": "ReliabilitySkSecretValue0000000000000002",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN": "ReliabilitySecurityTokenSecret0003",
    "HUAWEICLOUD_AUTH_TOKEN": "MIIReliabilityAuthTokenSecret0004",
    "HUAWEICLOUD_IAM_PASSWORD": "ReliabilityIamPasswordSecret0005",
    "HUAWEICLOUD_IAM_USER": "reliability-user",
    "HUAWEICLOUD_IAM_DOMAIN": "reliability-domain",
    # ${…} references the test files use; the values look like tokens of each type.
    "REL_GITHUB_TOKEN": "ghp_RelReferencedSecretValue0006abcdefghij",
    "REL_GITLAB_TOKEN": "glpat-RelReferencedSecret0007xyz",
    "REL_PLAIN_SECRET": "RelPlainSecretValue0008",
}
SECRET_VALUES: tuple[str, ...] = (
    *SECRETS,
    *(value for key, value in CLOUD_SECRETS.items() if key not in ("HUAWEICLOUD_IAM_USER", "HUAWEICLOUD_IAM_DOMAIN")),
)
# Literal tokens written into test documents (the file is a secret store too): never echoed back either.
LITERAL_SECRETS = (
    "ghp_RelLiteralInFileSecret0009abcdefghijkl",
    "glpat-RelLiteralInFileSecret0010",
    "RelOddLiteralSecret0011",
)
ALL_SECRETS = (*SECRET_VALUES, *LITERAL_SECRETS)


def server_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Exactly what the server process sees (``server_config`` merges the same way)."""
    env = {**os.environ, **SECRET_ENV, **CLOUD_SECRETS}
    env.pop("SERVICESTAGE_LS_FAULTS", None)
    return {**env, **(extra or {})}


def reliability_config(extra: Mapping[str, str] | None = None) -> ClientServerConfig:
    env = server_environment(extra)
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env, client_factory=make_reliability_client)


# --- a client that also records pushed diagnostics' versions ----------------------------------------------------


class ReliabilityClient(RecordingClient):
    pushed_versions: dict[str, int | None]


def make_reliability_client() -> ReliabilityClient:
    client = make_recording_client()
    client.__class__ = ReliabilityClient
    client.pushed_versions = {}
    protocol = client.protocol
    original = protocol.handle_message

    def handle_message(message: Any) -> None:
        if getattr(message, "method", None) == lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            params = message.params
            uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
            version = params.get("version") if isinstance(params, dict) else getattr(params, "version", None)
            original(message)
            if uri is not None:
                client.pushed_versions[uri] = version
            return
        original(message)

    protocol.handle_message = handle_message  # type: ignore[method-assign]
    return client  # type: ignore[return-value]


PULL = "+pull"
"""Suffix of a preset name: the same client, but one that also accepts diagnostic refreshes, so the server
serves it by pull (``textDocument/diagnostic``) instead of pushing."""


async def start_session(client: RecordingClient, preset: str) -> None:
    """``initialize`` for a preset, or for ``<preset>+pull``; records the negotiated encoding."""
    caps = capabilities(preset.removesuffix(PULL))
    if preset.endswith(PULL):
        assert caps.text_document is not None
        caps.text_document.diagnostic = caps.text_document.diagnostic or lsp.DiagnosticClientCapabilities()
        workspace = caps.workspace or lsp.WorkspaceClientCapabilities()
        workspace.diagnostics = lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
        caps.workspace = workspace
    result = await client.initialize_session(lsp.InitializeParams(
        capabilities=caps, root_uri=REPO.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=REPO.as_uri(), name="repo")]))
    encoding = result.capabilities.position_encoding or "utf-16"
    client.encoding = str(getattr(encoding, "value", encoding))
    assert pulls(client) == preset.endswith(PULL)


async def current_diagnostics(client: ReliabilityClient, uri: str, version: int) -> list[lsp.Diagnostic]:
    """The diagnostics for this version: pulled, or the pushed set that carries this version."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    await wait_until(lambda: client.pushed_versions.get(uri, -1) == version and uri in client.diagnostics,
                     f"diagnostics for {uri} version {version}")
    return list(client.diagnostics[uri])


def server_pid(client: RecordingClient) -> int:
    server = client._server
    assert server is not None
    return server.pid


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of a process, in MiB, from /proc."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\)|^\s*File \".*\", line \d+", re.MULTILINE)


def assert_no_traceback(client: RecordingClient, since: int = 0, since_received: int = 0) -> None:
    """No traceback (or error-level log) in the server's stderr or the client's window/logMessage."""
    stderr = "".join(client.stderr_lines[since:])
    assert not TRACEBACK_RE.search(stderr), stderr[-4000:]
    assert "ERROR" not in stderr, stderr[-4000:]
    for raw in client.received[since_received:]:
        if '"window/logMessage"' in raw or '"window/showMessage"' in raw:
            message = json.loads(raw)
            assert message["params"]["type"] != lsp.MessageType.Error.value, raw[:2000]


def assert_secrets_absent(haystack: str, secrets: Iterable[str] = ALL_SECRETS) -> None:
    for secret in secrets:
        assert secret not in haystack, f"a secret value ({secret[:4]}…) leaked"


# --- client-side view of LSP positions (independent of the server's code) -------------------------------------


def lsp_lines(text: str) -> list[str]:
    """LSP lines without their line breaks: only \\n, \\r\\n and \\r break lines."""
    return re.split(r"\r\n|\r|\n", text)


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text)


def offset_to_position(text: str, offset: int, encoding: str) -> lsp.Position:
    """A code-point offset (never between \\r and \\n) → an LSP position in the encoding."""
    before = text[:offset]
    lines = lsp_lines(before)
    return lsp.Position(len(lines) - 1, units(lines[-1], encoding))


def code_point_position(lines: list[str], pos: tuple[int, int], encoding: str) -> lsp.Position:
    line, col = pos
    return lsp.Position(line, units(lines[line][:col], encoding))


def assert_position_inside(lines: list[str], pos: lsp.Position, encoding: str, what: str) -> None:
    assert 0 <= pos.line < len(lines), f"{what}: line {pos.line} of a {len(lines)}-line document"
    line = lines[pos.line]
    length = units(line, encoding)
    assert 0 <= pos.character <= length, f"{what}: character {pos.character} on a line of {length} {encoding} units"
    # Never inside a character (a UTF-16 surrogate pair or a UTF-8 sequence): the prefix must decode.
    if encoding in ("utf-8", "utf-16") and not line.isascii():
        codec, width = ("utf-8", 1) if encoding == "utf-8" else ("utf-16-le", 2)
        try:
            line.encode(codec, "surrogatepass")[: pos.character * width].decode(codec, "surrogatepass")
        except UnicodeDecodeError:
            raise AssertionError(f"{what}: character {pos.character} splits a character") from None


def assert_range_inside(lines: list[str], rng: lsp.Range, encoding: str, what: str) -> None:
    assert_position_inside(lines, rng.start, encoding, what)
    assert_position_inside(lines, rng.end, encoding, what)
    assert (rng.start.line, rng.start.character) <= (rng.end.line, rng.end.character), f"{what}: reversed range"


async def with_deadline(awaitable: Any, seconds: float = DEADLINE) -> Any:
    return await asyncio.wait_for(awaitable, seconds)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS
