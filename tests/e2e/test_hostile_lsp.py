"""The hostile repository (tests/fixtures/hostile-repo/) in the editor: its file names ``https://capture.test:4443``,
a host nobody trusted. The `endpoint` gets SS123 (the refusal's words), no automatic call goes there (the remote
check on save, code lenses), every command refuses with the same words, and the capture server sees nothing; once
the user trusts the host (``trustedEndpoints`` in initializationOptions, ``SERVICESTAGE_TRUSTED_ENDPOINTS`` in the
server's environment) the same calls reach it. What arrives by ``workspace/configuration`` (which may come from the
repository's .vscode/settings.json or .dir-locals.el) cannot trust a host, pick an endpoint or a CA, or turn the
remote check on. The capture server is reached through the user's https proxy (tests/helpers/capture.py says why).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from helpers.capture import CAPTURE_ENTRY, CAPTURE_URL, HOSTILE_FILE, PROJECT_ID, CaptureServer, capture_server
from helpers.cloud_lsp import (
    DEADLINE,
    EditorClient,
    execute,
    lsp_env,
    round_trip,
    start_session,
    stop_session,
    wait_diagnostics,
    with_code,
)
from helpers.lsp_session import wait_until
from servicestage_ls.lsp.commands import CREATE, CREATE_ALL, REFRESH, SHOW_PLAN

pytestmark = pytest.mark.asyncio(loop_scope="session")

URI = HOSTILE_FILE.as_uri()
TEXT = HOSTILE_FILE.read_text(encoding="utf-8")
ENDPOINT_LINE = TEXT.splitlines().index(f"endpoint: {CAPTURE_URL}")
REFUSAL = (f"the endpoint's host {CAPTURE_ENTRY} is not trusted to receive your credentials: nothing is sent to it "
           "until you trust it with the user setting servicestage.trustedEndpoints (trustedEndpoints in the client's "
           f"initializationOptions) or SERVICESTAGE_TRUSTED_ENDPOINTS={CAPTURE_ENTRY} in the language server's "
           "environment")
LIST = ("GET", f"/v1/{PROJECT_ID}/git/auths", True)
CREATED = ("POST", f"/v1/{PROJECT_ID}/git/auths/github/personal", True)


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaptureServer]:
    with capture_server(tmp_path_factory.mktemp("capture")) as server:
        yield server


async def session(capture: CaptureServer, options: dict[str, Any] | None = None, *, configuration: Any = None,
                  extra: dict[str, str] | None = None) -> EditorClient:
    """A VS Code-like session whose server has credentials and the capture server as its https proxy; the
    ``caBundle`` that trusts the capture server's certificate comes from initializationOptions (the user's)."""
    capture.clear()
    client = await start_session("visual-studio-code", capture.env(lsp_env(extra=extra)),
                                 {"caBundle": str(capture.ca), **(options or {})} if options is not None else None)
    if configuration is not None:
        client.set_configuration(configuration, section="servicestage")
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    client.open(URI, TEXT)
    return client


def ss123(found: list[lsp.Diagnostic]) -> list[tuple[int, int, int, str]]:
    return [(d.range.start.line, d.range.start.character, d.range.end.character, d.message)
            for d in with_code(found, "SS123")]


async def test_untrusted_nothing_is_sent_and_everything_says_why(capture: CaptureServer) -> None:
    client = await session(capture, {"remoteCheck": "onSave"})
    try:
        found = await wait_diagnostics(client, URI, lambda f: bool(with_code(f, "SS123")), "SS123")
        assert ss123(found) == [(ENDPOINT_LINE, 10, 10 + len(CAPTURE_URL), REFUSAL)]
        assert [d.severity for d in with_code(found, "SS123")] == [lsp.DiagnosticSeverity.Warning]
        client.save(URI)  # remoteCheck onSave: no check goes out
        lenses = await asyncio.wait_for(client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(URI))), DEADLINE)
        assert lenses is not None
        for command, argument in ((CREATE, {"uri": URI, "name": "hostile-entry"}), (CREATE_ALL, {"uri": URI}),
                                  (REFRESH, {"uri": URI}), (SHOW_PLAN, {"uri": URI})):
            since = len(client.messages)
            answer = await execute(client, command, argument)
            assert answer is not None and "created" not in (answer.get("created") or [])
            assert f"ServiceStage: {REFUSAL}" in client.shown(since), command
        await round_trip(client, URI)
        assert capture.captured == []
        assert client.text(URI) == TEXT
    finally:
        await stop_session(client)


async def test_trusted_by_initialization_options_create_reaches_it(capture: CaptureServer) -> None:
    client = await session(capture, {"trustedEndpoints": [CAPTURE_ENTRY]})
    try:
        await wait_diagnostics(client, URI, lambda f: f is not None, "the first diagnostics")
        assert ss123(await wait_diagnostics(client, URI, lambda f: True, "diagnostics")) == []
        assert await execute(client, CREATE, {"uri": URI, "name": "hostile-entry"}) == {
            "created": ["hostile-entry"], "updated": [], "failed": [], "refused": []}
        assert capture.requests() == [CREATED]
        assert "    repo_user: captured\n" in client.text(URI)
    finally:
        await stop_session(client)


async def test_trusted_by_the_servers_environment_the_remote_check_reaches_it(capture: CaptureServer) -> None:
    client = await session(capture, {"remoteCheck": "onSave"},
                           extra={"SERVICESTAGE_TRUSTED_ENDPOINTS": f"other.test,{CAPTURE_ENTRY}"})
    try:
        assert ss123(await wait_diagnostics(client, URI, lambda f: True, "diagnostics")) == []
        client.save(URI)
        await wait_until(lambda: capture.requests() == [LIST], "the remote check's list")
    finally:
        await stop_session(client)


HOSTILE_WORKSPACE = {"trustedEndpoints": [CAPTURE_ENTRY], "endpoint": CAPTURE_URL, "remoteCheck": "onSave"}


async def test_the_workspace_cannot_trust_a_host_nor_turn_the_remote_check_on(capture: CaptureServer) -> None:
    client = await session(capture, {}, configuration=HOSTILE_WORKSPACE)
    try:
        found = await wait_diagnostics(client, URI, lambda f: bool(with_code(f, "SS123")), "SS123")
        assert ss123(found) == [(ENDPOINT_LINE, 10, 10 + len(CAPTURE_URL), REFUSAL)]
        client.save(URI)
        since = len(client.messages)
        await execute(client, CREATE, {"uri": URI, "name": "hostile-entry"})
        assert f"ServiceStage: {REFUSAL}" in client.shown(since)
        await round_trip(client, URI)
        assert capture.captured == []
    finally:
        await stop_session(client)


async def test_the_workspace_cannot_pick_the_endpoint(capture: CaptureServer) -> None:
    """A file with `region` only: the workspace's servicestage.endpoint is not used, the region's endpoint is (the
    capture server, as the proxy, sees that CONNECT and no request: its certificate is not the region's)."""
    client = await session(capture, {"trustedEndpoints": [CAPTURE_ENTRY]}, configuration=HOSTILE_WORKSPACE)
    uri = HOSTILE_FILE.with_name("no-endpoint.servicestage.yaml").as_uri()
    try:
        client.open(uri, TEXT.replace(f"endpoint: {CAPTURE_URL}\n", ""))
        answer = await execute(client, CREATE, {"uri": uri, "name": "hostile-entry"})
        assert answer["failed"] == ["hostile-entry"]
        assert [c.target for c in capture.captured] == ["servicestage.cn-north-4.myhuaweicloud.com:443"]
        assert capture.requests() == []
    finally:
        await stop_session(client)


async def test_the_workspace_cannot_pick_the_ca(capture: CaptureServer, tmp_path: Path) -> None:
    """The host is trusted by the user, but the CA that would make its certificate valid comes only from the
    workspace: ignored, so TLS fails and no request is made (the proxy sees the CONNECT only)."""
    capture.clear()
    client = await start_session("visual-studio-code", capture.env(lsp_env()), {"trustedEndpoints": [CAPTURE_ENTRY]})
    client.set_configuration({"caBundle": str(capture.ca)}, section="servicestage")
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    client.open(URI, TEXT)
    try:
        since = len(client.messages)
        answer = await execute(client, CREATE, {"uri": URI, "name": "hostile-entry"})
        assert answer["created"] == [] and answer["failed"] == ["hostile-entry"]
        assert any("TLS verification failed" in m for m in client.shown(since)), client.shown(since)
        assert capture.requests() == []
    finally:
        await stop_session(client)
