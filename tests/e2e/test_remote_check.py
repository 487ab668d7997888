"""``remoteCheck: "onSave"``: on didSave the server lists the authorizations and hints at names already taken
(SS171) and at a status that differs remotely (SS172); without credentials it stays silent."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from lsprotocol import types as lsp

from helpers.cloud_lsp import (
    API_TOKEN,
    CREATE,
    GITHUB_VALUE,
    EditorClient,
    Proxy,
    Scripted,
    current_diagnostics,
    execute,
    round_trip,
    set_remote_status,
    wait_diagnostics,
    with_code,
)
from helpers.cloud_servers import http_response
from helpers.lsp_session import wait_until

from servicestage_ls.cloud.emulator import Emulator

pytestmark = pytest.mark.asyncio(loop_scope="session")

_counter = itertools.count()


@pytest.fixture
def sessions(lsp_sessions: dict[str, EditorClient]) -> dict[str, EditorClient]:
    """"checked": credentials and remoteCheck onSave; "silent": remoteCheck onSave without any credentials
    (tests/e2e/conftest.py)."""
    return {"checked": lsp_sessions["visual-studio-code"], "silent": lsp_sessions["anonymous"]}


@pytest.fixture
def client(sessions: dict[str, EditorClient]) -> EditorClient:
    return sessions["checked"]


@pytest_asyncio.fixture(loop_scope="session")
async def proxy(live_emulator: Emulator) -> AsyncIterator[Proxy]:
    """A counting proxy in front of the emulator (a fresh endpoint per test, so a fresh list cache)."""
    async with Proxy(live_emulator.url) as counting:
        yield counting


def new_uri() -> str:
    return f"file:///work/project/remote{next(_counter)}.servicestage.yaml"


def name_range(text: str, name: str) -> lsp.Range:
    for number, line in enumerate(text.splitlines()):
        if line.startswith(f"  - name: {name}") and line[len(f"  - name: {name}"):][:1] in ("", " "):
            return lsp.Range(lsp.Position(number, 10), lsp.Position(number, 10 + len(name)))
    raise AssertionError(name)


def entry(name: str, extra: str = "") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n{extra}"


async def remote_create(emulator: Emulator, project: str, name: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.post(f"{emulator.url}/v1/{project}/git/auths/github/personal",
                                 json={"name": name, "token": GITHUB_VALUE}, headers={"X-Auth-Token": API_TOKEN})
    assert answer.status_code == 200


def remote_codes(found: list[lsp.Diagnostic]) -> list[tuple[str, lsp.Range]]:
    return sorted(((str(d.code), d.range) for d in found if d.code in ("SS171", "SS172")),
                  key=lambda item: (item[1].start.line, item[0]))


async def test_a_name_taken_remotely_gets_ss171(client: EditorClient, live_emulator: Emulator,
                                                proxy: Proxy) -> None:
    project = uuid.uuid4().hex
    await remote_create(live_emulator, project, "taken")
    uri = new_uri()
    text = f"project_id: {project}\nendpoint: {proxy.url}\nauthorizations:\n" + entry("fresh") + entry("taken")
    client.open(uri, text)
    await round_trip(client, uri)
    assert with_code(await current_diagnostics(client, uri), "SS171") == []  # nothing before a save
    assert proxy.count("GET") == 0
    client.save(uri)
    found = await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS171")), "the SS171 hint")
    (hint,) = with_code(found, "SS171")
    assert remote_codes(found) == [("SS171", name_range(text, "taken"))]
    assert hint.severity == lsp.DiagnosticSeverity.Information
    assert hint.source == "servicestage"
    assert hint.message == ("an authorization named 'taken' already exists in ServiceStage; creating it again fails "
                            "with SVCSTG.REPO.0403 — run Refresh status to write its repo_user and status")
    assert (proxy.count("GET"), proxy.count("POST")) == (1, 0)
    # Editing the entry drops its hint.
    client.set_text(uri, text.replace("  - name: taken\n", "  - name: taken\n    host: https://github.com/t\n"))
    await wait_diagnostics(client, uri, lambda d: not with_code(d, "SS171"), "the SS171 hint to go away")


async def test_a_status_that_differs_remotely_gets_ss172(client: EditorClient, live_emulator: Emulator,
                                                         proxy: Proxy) -> None:
    project = uuid.uuid4().hex
    for name in ("expired", "same", "no-status"):
        await remote_create(live_emulator, project, name)
    set_remote_status(live_emulator, project, "expired", 1)
    set_remote_status(live_emulator, project, "no-status", 2)
    uri = new_uri()
    text = (f"project_id: {project}\nendpoint: {proxy.url}\nauthorizations:\n"
            + entry("expired", "    repo_user: expired\n    status: 0  # normal\n")
            + entry("same", "    repo_user: same\n    status: 0\n")
            + entry("no-status", "    repo_user: no-status\n"))
    client.open(uri, text)
    client.save(uri)
    found = await wait_diagnostics(client, uri, lambda d: len(with_code(d, "SS172")) == 2, "two SS172 hints")
    assert remote_codes(found) == [("SS172", name_range(text, "expired")), ("SS172", name_range(text, "no-status"))]
    assert [d.message for d in with_code(found, "SS172")] == [
        "ServiceStage reports status 1 (overdue) for 'expired', the file says 0 — run Refresh status",
        "ServiceStage reports status 2 (unauthenticated) for 'no-status', the file says nothing — run Refresh status",
    ]


async def test_the_list_is_cached_between_saves(client: EditorClient, live_emulator: Emulator, proxy: Proxy) -> None:
    project = uuid.uuid4().hex
    await remote_create(live_emulator, project, "cached-a")
    uri = new_uri()
    head = f"project_id: {project}\nendpoint: {proxy.url}\nauthorizations:\n"
    text = head + entry("cached-a") + entry("cached-b")
    client.open(uri, text)
    client.save(uri)
    await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS171")), "the first SS171 hint")
    # The second save (within the cache's lifetime) uses the cached list; a remote change is not seen yet.
    await remote_create(live_emulator, project, "cached-b")
    before_save = len(client.received)
    client.save(uri)
    await round_trip(client, uri)
    await wait_until_published_after(client, uri, before_save)
    found = await current_diagnostics(client, uri)
    assert remote_codes(found) == [("SS171", name_range(text, "cached-a"))]
    assert proxy.count("GET") == 1
    # A create through the server drops the cache: the next save lists again.
    client.set_text(uri, text + entry("cached-c"))
    assert await execute(client, CREATE, {"uri": uri, "name": "cached-c"}) == {
        "created": ["cached-c"], "updated": [], "failed": [], "refused": []}
    client.save(uri)
    found = await wait_diagnostics(client, uri, lambda d: len(with_code(d, "SS171")) == 2, "two SS171 hints")
    assert [d.range for d in with_code(found, "SS171")] == [name_range(text, "cached-a"), name_range(text, "cached-b")]
    assert proxy.count("GET") == 2


async def wait_until_published_after(client: EditorClient, uri: str, index: int) -> None:
    """The server published diagnostics for ``uri`` after message number ``index`` (the remote check's result)."""
    await wait_until(
        lambda: any("textDocument/publishDiagnostics" in m and uri in m for m in client.received[index:]),
        "diagnostics published after the save",
    )


async def test_without_credentials_it_is_silent(sessions: dict[str, EditorClient], live_emulator: Emulator,
                                                proxy: Proxy) -> None:
    client = sessions["silent"]
    project = uuid.uuid4().hex
    await remote_create(live_emulator, project, "silent-taken")
    uri = new_uri()
    client.open(uri, f"project_id: {project}\nendpoint: {proxy.url}\nauthorizations:\n" + entry("silent-taken"))
    messages, logs = len(client.messages), len(client.log_messages)
    client.save(uri)
    client.save(uri)
    await round_trip(client, uri)
    found = await current_diagnostics(client, uri)
    assert remote_codes(found) == []
    assert proxy.requests == []
    assert client.messages[messages:] == []
    assert [m for m in client.log_messages[logs:] if m.type in (lsp.MessageType.Error, lsp.MessageType.Warning)] == []


async def test_a_failing_list_is_logged_not_shown(client: EditorClient) -> None:
    async with Scripted(http_response(500), get=http_response(503)) as server:
        uri = new_uri()
        client.open(uri, f"project_id: {uuid.uuid4().hex}\nendpoint: {server.url}\nauthorizations:\n"
                    + entry("whatever"))
        messages, logs = len(client.messages), len(client.log_messages)
        client.save(uri)
        await wait_until(lambda: len(client.log_messages) > logs, "the remote check's log line")
        assert server.count("GET") == 1 and server.count("POST") == 0
    assert client.messages[messages:] == []
    assert [(m.type, m.message) for m in client.log_messages[logs:]] == [
        (lsp.MessageType.Log, "remote check skipped: ServiceStage had an internal problem: Service Unavailable "
                              "(HTTP 503) — a problem on the service side: try again later, and quote the request "
                              "id if it persists")
    ]
    assert remote_codes(await current_diagnostics(client, uri)) == []
