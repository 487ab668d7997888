"""Create / create all / refresh through the real server over stdio, against the real emulator on loopback.

Every write-back is checked as the exact full text of the document afterwards (the client applies the server's
``workspace/applyEdit`` and sends ``didChange`` as an editor does). Edits made while a call is in flight use a
proxy that holds the create's request until the test has changed the document.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from lsprotocol import types as lsp

from helpers.cloud_lsp import (
    API_TOKEN,
    CREATE,
    CREATE_ALL,
    REFRESH,
    EditorClient,
    Proxy,
    Scripted,
    auth_json,
    closed_port,
    current_diagnostics,
    execute,
    listing,
    lsp_env,
    round_trip,
    set_remote_status,
    start_session,
    stop_session,
    wait_diagnostics,
    with_code,
)
from helpers.cloud_servers import EmulatorProcess, Request, http_response, send, start_emulator
from helpers.lsp_session import wait_until

from servicestage_ls.emulator import Emulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

PRESETS = ["visual-studio-code", "neovim"]
_counter = itertools.count()

ERROR, WARNING, INFO = lsp.MessageType.Error, lsp.MessageType.Warning, lsp.MessageType.Info
EMPTY_SUMMARY = {"created": [], "updated": [], "failed": [], "refused": []}


def new_uri() -> str:
    return f"file:///work/project/create{next(_counter)}.servicestage.yaml"


def header(endpoint: str, project: str | None = None) -> str:
    return f"project_id: {project or uuid.uuid4().hex}\nendpoint: {endpoint}\nauthorizations:\n"


def block(name: str, token: str = "${GITHUB_TOKEN}", repo_type: str = "github", host: str | None = None) -> str:
    text = f"  - name: {name}\n    repo_type: {repo_type}\n    token: {token}\n"
    return text + (f"    host: {host}\n" if host else "")


def created(name: str) -> dict[str, list[str]]:
    return {**EMPTY_SUMMARY, "created": [name]}


def failed(name: str) -> dict[str, list[str]]:
    return {**EMPTY_SUMMARY, "failed": [name]}


def rng(sl: int, sc: int, el: int, ec: int) -> lsp.Range:
    return lsp.Range(lsp.Position(sl, sc), lsp.Position(el, ec))


def name_range(text: str, name: str) -> lsp.Range:
    """The range of the entry's name value (ASCII files: code points are UTF-16 units)."""
    for number, line in enumerate(text.splitlines()):
        for key in ("name: ", "{name: "):
            at = line.find(key + name)
            if at >= 0 and (line[at + len(key) + len(name):][:1] in ("", ",", " ", "\r")):
                start = at + len(key)
                return rng(number, start, number, start + len(name))
    raise AssertionError(f"no entry {name!r}")


async def emulator_names(url: str, project: str) -> list[str]:
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.get(f"{url}/v1/{project}/git/auths", headers={"X-Auth-Token": API_TOKEN})
    assert answer.status_code == 200
    return sorted(item["name"] for item in answer.json()["authorizations"])


async def emulator_create(url: str, project: str, name: str, host: str | None = None) -> None:
    from helpers.cloud_lsp import GITHUB_VALUE

    body = {"name": name, "token": GITHUB_VALUE, **({"host": host} if host else {})}
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.post(f"{url}/v1/{project}/git/auths/github/personal", json=body,
                                 headers={"X-Auth-Token": API_TOKEN})
    assert answer.status_code == 200, answer.text


async def emulator_delete(url: str, project: str, name: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.delete(f"{url}/v1/{project}/git/auths/{name}", headers={"X-Auth-Token": API_TOKEN})
    assert answer.status_code == 204


# --- sessions ------------------------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sessions() -> AsyncIterator[dict[str, EditorClient]]:
    """The servers of this module, started at once.

    - "visual-studio-code": pushed diagnostics, versioned document changes, work-done progress;
    - "neovim": pulled diagnostics (without refresh), unversioned `changes`, work-done progress;
    - "impatient": VS Code with timeoutSeconds 1 (the smallest allowed) from initializationOptions;
    - "anonymous": VS Code without any Huawei Cloud credentials in the server's environment.
    """
    specs = {
        "visual-studio-code": ("visual-studio-code", lsp_env(), None),
        "neovim": ("neovim", lsp_env(), None),
        "impatient": ("visual-studio-code", lsp_env(), {"timeoutSeconds": 1}),
        "anonymous": ("visual-studio-code", lsp_env(credentials=False), None),
    }
    started = await asyncio.gather(*(start_session(*spec) for spec in specs.values()))
    yield dict(zip(specs, started))
    await asyncio.gather(*(stop_session(one) for one in started))


@pytest.fixture
def client(sessions: dict[str, EditorClient]) -> EditorClient:
    return sessions["visual-studio-code"]


# --- write-back: exact texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS)
async def test_create_a_block_entry(sessions: dict[str, EditorClient], preset: str,
                                    emulator: EmulatorProcess) -> None:
    client = sessions[preset]
    uri, project = new_uri(), uuid.uuid4().hex
    before = header(emulator.url, project) + block("web-a", host="https://github.com/tom-repo") + block("web-b")
    client.open(uri, before)
    since = len(client.messages)
    result = await execute(client, CREATE, {"uri": uri, "name": "web-a"})
    assert result == created("web-a")
    assert client.text(uri) == header(emulator.url, project) + block("web-a", host="https://github.com/tom-repo") + (
        "    repo_user: tom-repo\n"
        "    status: 0  # normal\n"
    ) + block("web-b")
    assert client.shown_with_type(since) == [(INFO, "ServiceStage: created authorization 'web-a': repo_user "
                                                    "tom-repo, status 0 (normal)")]
    assert await emulator_names(emulator.url, project) == ["web-a"]
    assert with_code(await current_diagnostics(client, uri), "SS170") == []


@pytest.mark.parametrize("preset", PRESETS)
async def test_create_by_cursor_position(sessions: dict[str, EditorClient], preset: str,
                                         emulator: EmulatorProcess) -> None:
    client = sessions[preset]
    uri, project = new_uri(), uuid.uuid4().hex
    before = header(emulator.url, project) + block("pos-a") + block("pos-b")
    client.open(uri, before)
    result = await execute(client, CREATE, {"uri": uri, "position": {"line": 8, "character": 6}})
    assert result == created("pos-b")
    assert client.text(uri) == before + "    repo_user: pos-b\n    status: 0  # normal\n"


async def test_create_a_flow_entry(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    head = header(emulator.url)
    client.open(uri, head + '  - {name: flow-gl, repo_type: gitlab, token: "${GITLAB_TOKEN}"}\n')
    assert await execute(client, CREATE, {"uri": uri, "name": "flow-gl"}) == created("flow-gl")
    assert client.text(uri) == head + (
        '  - {name: flow-gl, repo_type: gitlab, token: "${GITLAB_TOKEN}", repo_user: flow-gl, status: 0}\n'
    )


async def test_comments_are_kept(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    head = header(emulator.url)
    client.open(uri, head + (
        "  # the web team's token\n"
        "  - name: commented     # what ServiceStage calls it\n"
        "    # a comment line inside the entry\n"
        "    repo_type: github   # the type\n"
        "    token: ${GITHUB_TOKEN}   # from the environment\n"
        "    status: 2   # my own note: was broken\n"
        "    # a trailing comment of the entry\n"
        "# the end\n"
    ))
    assert await execute(client, CREATE, {"uri": uri, "name": "commented"}) == created("commented")
    assert client.text(uri) == head + (
        "  # the web team's token\n"
        "  - name: commented     # what ServiceStage calls it\n"
        "    # a comment line inside the entry\n"
        "    repo_type: github   # the type\n"
        "    token: ${GITHUB_TOKEN}   # from the environment\n"
        "    status: 0   # my own note: was broken\n"
        "    repo_user: commented\n"
        "    # a trailing comment of the entry\n"
        "# the end\n"
    )


async def test_crlf(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    head = header(emulator.url).replace("\n", "\r\n")
    client.open(uri, head + block("crlf-a", host="https://github.com/crlf-org").replace("\n", "\r\n")
                + block("crlf-b").replace("\n", "\r\n"))
    assert await execute(client, CREATE, {"uri": uri, "name": "crlf-a"}) == created("crlf-a")
    assert client.text(uri) == head + (
        "  - name: crlf-a\r\n"
        "    repo_type: github\r\n"
        "    token: ${GITHUB_TOKEN}\r\n"
        "    host: https://github.com/crlf-org\r\n"
        "    repo_user: crlf-org\r\n"
        "    status: 0  # normal\r\n"
    ) + block("crlf-b").replace("\n", "\r\n")


async def test_an_existing_status_is_updated_in_place(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    head = header(emulator.url)
    client.open(uri, head + (
        "  - name: had-status\n"
        "    status: 1  # overdue\n"
        "    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n"
        "  - name: bare-status\n"
        "    repo_type: github\n"
        "    status: 2\n"
        "    token: ${GITHUB_TOKEN}\n"
    ))
    result = await execute(client, CREATE_ALL, {"uri": uri})
    assert result == {**EMPTY_SUMMARY, "created": ["had-status", "bare-status"]}
    assert client.text(uri) == head + (
        "  - name: had-status\n"
        "    status: 0  # normal\n"
        "    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n"
        "    repo_user: had-status\n"
        "  - name: bare-status\n"
        "    repo_type: github\n"
        "    status: 0  # normal\n"
        "    token: ${GITHUB_TOKEN}\n"
        "    repo_user: bare-status\n"
    )


async def test_create_all_skips_entries_with_errors(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri, project = new_uri(), uuid.uuid4().hex
    head = header(emulator.url, project)
    done = "  - name: done-already\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: x\n    status: 0\n"
    before = head + block("all-1") + block("broken", repo_type="githib") + done + \
        '  - {name: all-2, repo_type: gitlab, token: "${GITLAB_TOKEN}"}\n' + block("all-3", host="https://github.com/o3")
    client.open(uri, before)
    since = len(client.messages)
    result = await execute(client, CREATE_ALL, {"uri": uri})
    assert result == {**EMPTY_SUMMARY, "created": ["all-1", "all-2", "all-3"], "refused": ["broken"]}
    assert client.text(uri) == head + block("all-1") + "    repo_user: all-1\n    status: 0  # normal\n" + \
        block("broken", repo_type="githib") + done + \
        '  - {name: all-2, repo_type: gitlab, token: "${GITLAB_TOKEN}", repo_user: all-2, status: 0}\n' + \
        block("all-3", host="https://github.com/o3") + "    repo_user: o3\n    status: 0  # normal\n"
    shown = client.shown_with_type(since)
    assert shown[0][0] == WARNING
    assert shown[0][1].startswith("ServiceStage: skipped 'broken' has errors, fix them first: SS132 ")
    assert "githib" in shown[0][1]
    assert shown[-1] == (INFO, "ServiceStage: created 3; skipped 1 (broken)")
    assert await emulator_names(emulator.url, project) == ["all-1", "all-2", "all-3"]


async def test_create_all_with_nothing_new(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    text = header(emulator.url) + "  - name: old-one\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n" \
        "    repo_user: x\n"
    client.open(uri, text)
    since = len(client.messages)
    assert await execute(client, CREATE_ALL, {"uri": uri}) == EMPTY_SUMMARY
    assert client.shown(since) == ["ServiceStage: every entry already has repo_user: nothing to create"]
    assert client.text(uri) == text


# --- refresh ----------------------------------------------------------------------------------------------------


async def test_refresh_status(client: EditorClient, live_emulator: Emulator) -> None:
    project = uuid.uuid4().hex
    for name, host in (("ref-a", None), ("ref-b", None), ("ref-c", "https://github.com/c-org")):
        await emulator_create(live_emulator.url, project, name, host)
    set_remote_status(live_emulator, project, "ref-a", 1)
    await emulator_delete(live_emulator.url, project, "ref-b")
    uri = new_uri()
    head = header(live_emulator.url, project)
    client.open(uri, head + (
        "  - name: ref-a\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: ref-a\n"
        "    status: 0  # normal\n"
        "  - name: ref-b\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: ref-b\n    status: 0\n"
        "  - name: ref-c\n    repo_type: github\n    token: ${GITHUB_TOKEN}   # created elsewhere\n"
    ))
    since = len(client.messages)
    result = await execute(client, REFRESH, {"uri": uri})
    assert result == {**EMPTY_SUMMARY, "updated": ["ref-a", "ref-c"]}
    assert client.text(uri) == head + (
        "  - name: ref-a\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: ref-a\n"
        "    status: 1  # overdue\n"
        "  - name: ref-b\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: ref-b\n    status: 0\n"
        "  - name: ref-c\n    repo_type: github\n    token: ${GITHUB_TOKEN}   # created elsewhere\n"
        "    repo_user: c-org\n    status: 0  # normal\n"
    )
    assert client.shown_with_type(since) == [
        (INFO, "ServiceStage: updated ref-a, ref-c; not in ServiceStage: ref-b")
    ]
    # A second refresh finds nothing to change.
    since = len(client.messages)
    assert await execute(client, REFRESH, {"uri": uri}) == EMPTY_SUMMARY
    assert client.shown(since) == ["ServiceStage: everything is up to date; not in ServiceStage: ref-b"]


# --- edits while the call is in flight ----------------------------------------------------------------------------


def is_post(request: Request) -> bool:
    return request.method == "POST"


async def start_held_create(client: EditorClient, proxy: Proxy, uri: str, name: str) -> asyncio.Future:
    call = asyncio.ensure_future(execute(client, CREATE, {"uri": uri, "name": name}))
    await proxy.wait_held(len(proxy.held) + 1)
    return call


async def test_lines_added_above_while_in_flight(client: EditorClient, emulator: EmulatorProcess) -> None:
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        before = header(proxy.url) + block("fly-a") + block("fly-other")
        client.open(uri, before)
        call = await start_held_create(client, proxy, uri, "fly-a")
        edited = "# added while the call was in flight\n# and one more line\n" + before.replace(
            "  - name: fly-a\n", "  # a comment above the entry\n  - name: fly-a\n")
        client.set_text(uri, edited)
        await round_trip(client, uri)
        proxy.held[0].release.set()
        assert await call == created("fly-a")
    assert client.text(uri) == edited.replace(
        block("fly-a"), block("fly-a") + "    repo_user: fly-a\n    status: 0  # normal\n")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda text: text.replace("${GITHUB_TOKEN}", "${GITLAB_TOKEN}", 1).replace("github", "gitlab", 1),
         "'{name}' changed while ServiceStage answered (repo_type, token); nothing was written — run Refresh "
         "status to write repo_user and status"),
        (lambda text: text.replace("${GITHUB_TOKEN}", "${OTHER_TOKEN}", 1),
         "'{name}' changed while ServiceStage answered (token); nothing was written — run Refresh status to "
         "write repo_user and status"),
        (lambda text: text.split("  - name:")[0] + "  - name:" + text.split("  - name:")[2],
         "there is no entry named '{name}' in the file any more"),
    ],
    ids=["repo_type-and-token", "token", "deleted"],
)
async def test_entry_changed_while_in_flight_is_not_written(client: EditorClient, emulator: EmulatorProcess,
                                                            change, reason: str) -> None:  # type: ignore[no-untyped-def]
    name = f"fly-{next(_counter)}"
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        before = header(proxy.url) + block(name) + block("fly-keep")
        client.open(uri, before)
        call = await start_held_create(client, proxy, uri, name)
        edited = change(before)
        assert edited != before
        client.set_text(uri, edited)
        await round_trip(client, uri)
        since = len(client.messages)
        proxy.held[0].release.set()
        assert await call == created(name)  # it was created in ServiceStage; only the write-back was refused
    assert client.text(uri) == edited
    assert client.shown_with_type(since) == [
        (WARNING, f"ServiceStage: created '{name}' (repo_user {name}, status 0 (normal)), but "
                  + reason.format(name=name))
    ]


async def test_document_closed_while_in_flight(client: EditorClient, emulator: EmulatorProcess) -> None:
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        client.open(uri, header(proxy.url) + block("fly-closed"))
        call = await start_held_create(client, proxy, uri, "fly-closed")
        client.close(uri)
        await round_trip(client, uri)
        since = len(client.messages)
        proxy.held[0].release.set()
        assert await call == created("fly-closed")
    assert client.shown_with_type(since) == [
        (WARNING, "ServiceStage: created 'fly-closed' (repo_user fly-closed, status 0 (normal)), but the file was "
                  "closed before ServiceStage answered; nothing was written — open it and run Refresh status")
    ]
    assert not [e for e in client.applied_edits if uri in str(e.edit)]


# --- two creates at once ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS)
async def test_two_entries_created_at_once(sessions: dict[str, EditorClient], preset: str,
                                           emulator: EmulatorProcess) -> None:
    client = sessions[preset]
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        head = header(proxy.url)
        client.open(uri, head + block("two-a") + block("two-b") + block("two-c"))
        first = await start_held_create(client, proxy, uri, "two-a")
        second = await start_held_create(client, proxy, uri, "two-c")
        for held in proxy.held:
            held.release.set()
        assert await first == created("two-a")
        assert await second == created("two-c")
    assert client.text(uri) == head + block("two-a") + "    repo_user: two-a\n    status: 0  # normal\n" + \
        block("two-b") + block("two-c") + "    repo_user: two-c\n    status: 0  # normal\n"


async def test_the_same_entry_twice_at_once(client: EditorClient, emulator: EmulatorProcess) -> None:
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        head = header(proxy.url)
        before = head + block("twice")
        client.open(uri, before)
        calls = [await start_held_create(client, proxy, uri, "twice") for _ in range(2)]
        since = len(client.messages)
        proxy.held[0].release.set()
        done, pending = await asyncio.wait(calls, return_when=asyncio.FIRST_COMPLETED, timeout=20)
        assert len(done) == 1 and done.pop().result() == created("twice")
        after = before + "    repo_user: twice\n    status: 0  # normal\n"
        assert client.text(uri) == after
        proxy.held[1].release.set()
        assert await pending.pop() == failed("twice")
    assert client.text(uri) == after
    shown = client.shown_with_type(since)
    assert shown[0] == (INFO, "ServiceStage: created authorization 'twice': repo_user twice, status 0 (normal)")
    assert shown[1][0] == ERROR
    assert shown[1][1].startswith("ServiceStage: creating 'twice' failed: ServiceStage refused the request: "
                                  "SVCSTG.REPO.0403 resource already exist (HTTP 400, request id ")
    assert shown[1][1].endswith(") — list authorizations; the name is taken")
    marks = with_code(await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS170")), "SS170"), "SS170")
    assert [(d.range, d.severity) for d in marks] == [(name_range(after, "twice"), lsp.DiagnosticSeverity.Error)]
    assert "SVCSTG.REPO.0403" in marks[0].message


# --- progress and cancellation ------------------------------------------------------------------------------------


async def test_progress_begin_report_end(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    client.open(uri, header(emulator.url) + block("prog-1") + block("prog-2"))
    known = set(client.progress_reports)
    assert await execute(client, CREATE_ALL, {"uri": uri}) == {**EMPTY_SUMMARY, "created": ["prog-1", "prog-2"]}
    (token,) = set(client.progress_reports) - known
    assert client.progress_reports[token] == [
        lsp.WorkDoneProgressBegin(title="Creating new authorizations", cancellable=True),
        lsp.WorkDoneProgressReport(message="'prog-1' (1/2)", percentage=0, cancellable=True),
        lsp.WorkDoneProgressReport(message="'prog-2' (2/2)", percentage=50, cancellable=True),
        lsp.WorkDoneProgressEnd(message="done"),
    ]


async def test_cancel_mid_call_writes_nothing(client: EditorClient, emulator: EmulatorProcess) -> None:
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        before = header(proxy.url) + block("cancelled")
        client.open(uri, before)
        known = set(client.progress_reports)
        since = len(client.messages)
        call = await start_held_create(client, proxy, uri, "cancelled")
        (token,) = set(client.progress_reports) - known
        client.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token=token))
        outcome = await asyncio.wait_for(asyncio.gather(call, return_exceptions=True), 20)
        proxy.held[0].release.set()
        await round_trip(client, uri)
    print(outcome)
    assert client.text(uri) == before
    assert client.shown_with_type(since) == [
        (WARNING, "ServiceStage: cancelled. A create that was already sent may have happened; run Refresh status "
                  "to see.")
    ]
    assert client.progress_reports[token][-1] == lsp.WorkDoneProgressEnd(message="cancelled")
