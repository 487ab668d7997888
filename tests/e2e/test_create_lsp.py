"""Create / create all / refresh through the real server over stdio, against the real emulator on loopback.

Every write-back is checked as the exact full text of the document afterwards (the client applies the server's
``workspace/applyEdit`` and sends ``didChange`` as an editor does). Edits made while a call is in flight use a
proxy that holds the create's request until the test has changed the document.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
from typing import Any

import httpx
import pytest
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
    wait_diagnostics,
    with_code,
)
from helpers.cloud_servers import EmulatorProcess, Request, http_response, send, start_emulator
from helpers.lsp_session import wait_until

from servicestage_ls.cloud.emulator import Emulator

pytestmark = pytest.mark.asyncio(loop_scope="session")

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


@pytest.fixture
def sessions(lsp_sessions: dict[str, EditorClient]) -> dict[str, EditorClient]:
    """The servers (tests/e2e/conftest.py): "visual-studio-code", "neovim", "impatient" (timeoutSeconds 1) and
    "anonymous" (no credentials)."""
    return lsp_sessions


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


@pytest.mark.parametrize("preset", PRESETS)
async def test_flow_trailing_comma_and_text_beyond_the_bmp(sessions: dict[str, EditorClient], preset: str,
                                                           emulator: EmulatorProcess) -> None:
    """Write-back columns in the negotiated encoding (😀 is 2 UTF-16 units, 4 UTF-8 bytes) and a flow mapping
    that ends with a comma (inserting ", repo_user…" after it would be a YAML error)."""
    client = sessions[preset]
    uri = new_uri()
    head = header(emulator.url)
    client.open(uri, head + (
        '  - {name: emo-flow, repo_type: github, host: "https://github.com/😀org", token: "${GITHUB_TOKEN}", }  # ✓\n'
        "  # 😀 a comment above\n"
        "  - name: emo-block   # 名前 😀\n"
        "    repo_type: github\n"
        "    status: 2  # 😀 mine\n"
        "    token: ${GITHUB_TOKEN}   # 😀\n"
    ))
    result = await execute(client, CREATE_ALL, {"uri": uri})
    assert result == {**EMPTY_SUMMARY, "created": ["emo-flow", "emo-block"]}
    assert client.text(uri) == head + (
        '  - {name: emo-flow, repo_type: github, host: "https://github.com/😀org", token: "${GITHUB_TOKEN}", '
        'repo_user: "😀org", status: 0, }  # ✓\n'
        "  # 😀 a comment above\n"
        "  - name: emo-block   # 名前 😀\n"
        "    repo_type: github\n"
        "    status: 0  # 😀 mine\n"
        "    token: ${GITHUB_TOKEN}   # 😀\n"
        "    repo_user: emo-block\n"
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
    done = block("done-already") + "    repo_user: x\n    status: 0\n"
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
    assert shown[0][1].startswith("ServiceStage: skipped 'broken': it has errors, fix them first: SS132 ")
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
        (lambda text: text + "  - name:" + text.split("  - name:")[1],
         "several entries are named '{name}'; names must be unique"),
    ],
    ids=["repo_type-and-token", "token", "deleted", "duplicated"],
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


async def test_an_edit_racing_the_write_back_is_kept(client: EditorClient, emulator: EmulatorProcess) -> None:
    """The user types just as the applyEdit arrives: the versioned edit is refused by the editor, and the server
    computes it again on the new text."""
    uri = new_uri()
    head = header(emulator.url)
    before = head + block("race")
    client.open(uri, before)
    typed = "# typed at that very moment\n" + before
    client.before_apply = lambda params: client.set_text(uri, typed)
    refused = len(client.refused_edits)
    assert await execute(client, CREATE, {"uri": uri, "name": "race"}) == created("race")
    assert len(client.refused_edits) == refused + 1
    assert client.text(uri) == typed + "    repo_user: race\n    status: 0  # normal\n"


async def test_the_editor_refuses_the_write_back(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    before = header(emulator.url) + block("refused-edit")
    client.open(uri, before)
    since = len(client.messages)
    client.apply_edit_result = False
    try:
        assert await execute(client, CREATE, {"uri": uri, "name": "refused-edit"}) == created("refused-edit")
    finally:
        client.apply_edit_result = True
    assert client.text(uri) == before
    assert client.shown_with_type(since) == [
        (WARNING, "ServiceStage: created 'refused-edit' (repo_user refused-edit, status 0 (normal)), but the editor "
                  "did not apply the change (refused by the test); nothing was written")
    ]


async def test_an_edit_reported_applied_but_dropped_is_sent_again(client: EditorClient,
                                                                   emulator: EmulatorProcess) -> None:
    """Neovim 0.7 drops an edit made for a version older than its buffer and still answers "applied": the newer
    version's text shows the write-back is missing, and it is made again for that version."""
    uri = new_uri()
    before = header(emulator.url) + block("dropped-once")
    client.open(uri, before)
    typed = "# typed at that very moment\n" + before
    since = len(client.messages)
    client.before_apply = lambda params: client.set_text(uri, typed)
    client.drop_edits = 1
    assert await execute(client, CREATE, {"uri": uri, "name": "dropped-once"}) == created("dropped-once")
    assert client.drop_edits == 0
    assert client.text(uri) == typed + "    repo_user: dropped-once\n    status: 0  # normal\n"
    assert [e.edit.document_changes[0].text_document.version for e in client.applied_edits
            if uri in str(e.edit)] == [1, 2]
    assert client.shown_with_type(since) == [
        (INFO, "ServiceStage: created authorization 'dropped-once': repo_user dropped-once, status 0 (normal)")
    ]


async def test_an_edit_reported_applied_is_trusted_when_no_change_follows(client: EditorClient,
                                                                          emulator: EmulatorProcess) -> None:
    """An editor that answers "applied" and sends no didChange for a while (eglot, from an idle timer) is
    believed: the edit is sent once, never again for a version the editor may have moved past."""
    uri = new_uri()
    before = header(emulator.url) + block("trusted-once")
    client.open(uri, before)
    since = len(client.messages)
    client.drop_edits = 1
    assert await execute(client, CREATE, {"uri": uri, "name": "trusted-once"}) == created("trusted-once")
    assert len([e for e in client.applied_edits if uri in str(e.edit)]) == 1
    assert client.shown_with_type(since) == [
        (INFO, "ServiceStage: created authorization 'trusted-once': repo_user trusted-once, status 0 (normal)")
    ]


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
    # The proxy is gone: point the file at the emulator (the entry itself is untouched, so its mark stays).
    client.set_text(uri, after.replace(proxy.url, emulator.url))
    assert with_code(await current_diagnostics(client, uri), "SS170") != []
    # Refresh finds the entry in ServiceStage as the file has it: nothing to write, and no failure left to show.
    assert await execute(client, REFRESH, {"uri": uri}) == EMPTY_SUMMARY
    await wait_diagnostics(client, uri, lambda d: not with_code(d, "SS170"), "the SS170 mark to go away")


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
        # The request is answered (not left pending) with what was done: nothing.
        assert await asyncio.wait_for(call, 20) == {**EMPTY_SUMMARY, "cancelled": True}
        proxy.held[0].release.set()
        await round_trip(client, uri)
    assert client.text(uri) == before
    assert client.shown_with_type(since) == [
        (WARNING, "ServiceStage: cancelled. A create that was already sent may have happened; run Refresh status "
                  "to see.")
    ]
    assert client.progress_reports[token][-1] == lsp.WorkDoneProgressEnd(message="cancelled")


# --- failures: the document is untouched, the user is told, the entry is marked ----------------------------------

HTML_500 = (b"<!DOCTYPE html><html><head><title>Oops</title><style>h1 {color: red}</style></head><body>"
            b"<h1>Internal error</h1><p>Something broke &amp; we are on it.</p></body></html>")
ADVICE_SERVER = "a problem on the service side: try again later, and quote the request id if it persists"
ADVICE_PROTOCOL = "check that the endpoint is the ServiceStage API (a proxy or a login page may be answering)"
ADVICE_AUTH = ("check the credentials in the environment (HUAWEICLOUD_SDK_AK/_SK, HUAWEICLOUD_AUTH_TOKEN or "
               "HUAWEICLOUD_IAM_USER/_PASSWORD/_DOMAIN) and that they belong to the project")


def json_error(status: int, body: dict, request_id: str | None = None) -> bytes:
    headers = {"Content-Type": "application/json"}
    if request_id:
        headers["X-Request-Id"] = request_id
    return http_response(status, json.dumps(body).encode(), headers)


async def cut_off(request: Request, writer: asyncio.StreamWriter) -> None:
    await send(writer, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                       b'{"authorization": {"name": ')
    writer.close()


# id -> (the POST's answer, the expected error after "creating 'NAME' failed: "; {url} and {name} are filled in)
SCRIPTED_FAILURES = {
    "0400": (json_error(400, {"error_code": "SVCSTG.REPO.0400", "error_msg": "parameter invalid: name"}, "r-0400"),
             "ServiceStage refused the request: SVCSTG.REPO.0400 parameter invalid: name (HTTP 400, request id "
             "r-0400) — fix the request parameters"),
    "0400-echoes-the-token": (
        json_error(400, {"error_code": "SVCSTG.REPO.0400",
                         "error_msg": f"token {lsp_env()['GITHUB_TOKEN']} is malformed"}, "r-echo"),
        "ServiceStage refused the request: SVCSTG.REPO.0400 token *** is malformed (HTTP 400, request id r-echo) — "
        "fix the request parameters"),
    "0401": (json_error(400, {"errorCode": "SVCSTG.REPO.0401", "errorMsg": "repository not implemented"}, "r-0401"),
             "ServiceStage refused the request: SVCSTG.REPO.0401 repository not implemented (HTTP 400, request id "
             "r-0401) — use another repository type"),
    "0450": (json_error(400, {"code": "SVCSTG.REPO.0450", "message": "no repository authorization"}, "r-0450"),
             "ServiceStage refused the request: SVCSTG.REPO.0450 no repository authorization (HTTP 400, request "
             "id r-0450) — check the authorization name"),
    "0452": (json_error(400, {"error": {"code": "SVCSTG.REPO.0452", "message": "clone url invalid"}}, "r-0452"),
             "ServiceStage refused the request: SVCSTG.REPO.0452 clone url invalid (HTTP 400, request id r-0452) "
             "— fix the clone URL"),
    "429-html": (http_response(429, b"<html><body><h1>Too many requests</h1><p>slow down</p></body></html>",
                               {"Content-Type": "text/html", "X-Request-Id": "r-429"}),
                 "ServiceStage refused the request: Too Many Requests: Too many requests slow down (HTTP 429, "
                 "request id r-429) — too many requests: wait a minute and try again"),
    "500-html": (http_response(500, HTML_500, {"Content-Type": "text/html", "X-Request-Id": "r-500"}),
                 "ServiceStage had an internal problem: Internal Server Error: Internal error Something broke & we "
                 f"are on it. (HTTP 500, request id r-500) — {ADVICE_SERVER}"),
    "503-no-body": (http_response(503, b"", {"X-Request-Id": "r-503"}),
                    f"ServiceStage had an internal problem: Service Unavailable (HTTP 503, request id r-503) — "
                    f"{ADVICE_SERVER}"),
    "200-not-json": (http_response(200, b"<html><body>Please sign in</body></html>",
                                   {"Content-Type": "text/html", "X-Request-Id": "r-200"}),
                     "ServiceStage answered HTTP 200 to create authorization '{name}' with a body that is not JSON: "
                     f"Please sign in (request id r-200) — {ADVICE_PROTOCOL}"),
    "200-without-authorization": (
        json_error(200, {"name": "whatever"}, "r-200b"),
        "ServiceStage answered HTTP 200 to create authorization '{name}' without the 'authorization' object "
        f"(request id r-200b) — {ADVICE_PROTOCOL}"),
    "dropped-mid-body": (
        cut_off,
        "The connection to {url} was closed before the answer was complete; '{name}' was not created (it is not "
        "in the list of authorizations) — it is safe to try again"),
}


async def check_failure(client: EditorClient, uri: str, name: str, before: str, expected: str | re.Pattern[str],
                        result: object, since: int) -> None:
    """The document is unchanged, one error message was shown, and the entry carries an SS170 mark that goes
    away when the entry is edited."""
    assert result == failed(name)
    assert client.text(uri) == before
    shown = client.shown_with_type(since)
    assert [kind for kind, _ in shown] == [ERROR], shown
    prefix = f"ServiceStage: creating '{name}' failed: "
    assert shown[0][1].startswith(prefix)
    error = shown[0][1][len(prefix):]
    if isinstance(expected, str):
        assert error == expected
    else:
        assert expected.fullmatch(error), error
    found = await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS170")), "the SS170 mark")
    (mark,) = with_code(found, "SS170")
    assert mark.range == name_range(before, name)
    assert mark.severity == lsp.DiagnosticSeverity.Error
    assert mark.source == "servicestage"
    assert mark.message == f"the last ServiceStage call for this entry failed: {error}"
    # Editing the entry clears the mark.
    entry_start = f"  - name: {name}\n"
    assert entry_start in before
    client.set_text(uri, before.replace(entry_start, entry_start + "    host: https://github.com/edited\n", 1))
    await wait_diagnostics(client, uri, lambda d: not with_code(d, "SS170"), "the SS170 mark to go away")


@pytest.mark.parametrize("case", sorted(SCRIPTED_FAILURES))
async def test_scripted_failure(client: EditorClient, case: str) -> None:
    answer, expected = SCRIPTED_FAILURES[case]
    name = f"fail-{case}"[:63]
    async with Scripted(answer) as server:
        uri = new_uri()
        before = header(server.url) + block(name) + block("bystander")
        client.open(uri, before)
        since = len(client.messages)
        result = await execute(client, CREATE, {"uri": uri, "name": name})
        assert server.count("POST") == 1  # never retried blindly
        assert server.count("GET") == (1 if case == "dropped-mid-body" else 0)  # a lost answer is looked up
    await check_failure(client, uri, name, before, expected.format(url=server.url, name=name), result, since)


@pytest.mark.parametrize("preset", PRESETS)
async def test_a_failure_under_each_preset(sessions: dict[str, EditorClient], preset: str) -> None:
    client = sessions[preset]
    answer, expected = SCRIPTED_FAILURES["503-no-body"]
    async with Scripted(answer) as server:
        uri = new_uri()
        before = header(server.url) + block("preset-fail")
        client.open(uri, before)
        since = len(client.messages)
        result = await execute(client, CREATE, {"uri": uri, "name": "preset-fail"})
    await check_failure(client, uri, "preset-fail", before, expected, result, since)


REQUEST_ID = "[0-9a-f]{32}"


async def test_duplicate_name_0403(client: EditorClient, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    await emulator_create(emulator.url, project, "taken-name")
    uri = new_uri()
    before = header(emulator.url, project) + block("taken-name")
    client.open(uri, before)
    since = len(client.messages)
    result = await execute(client, CREATE, {"uri": uri, "name": "taken-name"})
    await check_failure(client, uri, "taken-name", before, re.compile(
        rf"ServiceStage refused the request: SVCSTG\.REPO\.0403 resource already exist \(HTTP 400, request id "
        rf"{REQUEST_ID}\) — list authorizations; the name is taken"), result, since)


async def test_bad_token_shape_0451(client: EditorClient, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    uri = new_uri()
    before = header(emulator.url, project) + block("bad-shape", token="${BAD_TOKEN}")
    client.open(uri, before)
    since = len(client.messages)
    result = await execute(client, CREATE, {"uri": uri, "name": "bad-shape"})
    await check_failure(client, uri, "bad-shape", before, re.compile(
        rf"ServiceStage refused the request: SVCSTG\.REPO\.0451 repository authorization invalid: the token is not "
        rf"a valid github personal access token \(HTTP 400, request id {REQUEST_ID}\) — authorize again \(token "
        rf"rejected/expired\)"), result, since)
    assert await emulator_names(emulator.url, project) == []


async def test_wrong_x_auth_token_401(client: EditorClient, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = start_emulator(["--port", "0", "--token", "another-token-the-server-does-not-have"],
                           tmp_path_factory.mktemp("emu-401") / "stderr.log")
    try:
        uri = new_uri()
        before = header(other.url) + block("wrong-cred")
        client.open(uri, before)
        since = len(client.messages)
        result = await execute(client, CREATE, {"uri": uri, "name": "wrong-cred"})
    finally:
        assert other.stop() == 0
    await check_failure(client, uri, "wrong-cred", before, re.compile(
        rf"ServiceStage refused the request: APIGW\.0301 Incorrect IAM authentication information: decrypt token "
        rf"fail \(HTTP 401, request id {REQUEST_ID}\) — {re.escape(ADVICE_AUTH)}"), result, since)


async def test_connection_refused(client: EditorClient) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    uri = new_uri()
    before = header(url) + block("refused-conn")
    client.open(uri, before)
    since = len(client.messages)
    result = await execute(client, CREATE, {"uri": uri, "name": "refused-conn"})
    await check_failure(client, uri, "refused-conn", before,
                        f"Could not connect to {url}: connection refused — check the endpoint (the file's `endpoint` "
                        "or `region`, or the editor's `servicestage.endpoint` setting) and that the service is "
                        "reachable",
                        result, since)


async def hang(request: Request, writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


async def test_timeout_then_the_list_says_not_created(sessions: dict[str, EditorClient]) -> None:
    client = sessions["impatient"]
    async with Scripted(hang) as server:
        uri = new_uri()
        before = header(server.url) + block("slow-one")
        client.open(uri, before)
        since = len(client.messages)
        result = await execute(client, CREATE, {"uri": uri, "name": "slow-one"})
        assert (server.count("POST"), server.count("GET")) == (1, 1)  # listed before reporting; no second POST
    await check_failure(client, uri, "slow-one", before,
                        f"No answer from {server.url} within 1 s; 'slow-one' was not created (it is not in the list "
                        "of authorizations) — it is safe to try again", result, since)


async def test_timeout_then_the_list_says_created(sessions: dict[str, EditorClient]) -> None:
    client = sessions["impatient"]
    async with Scripted(hang, get=listing(auth_json("slow-two", "slow-org", 0))) as server:
        uri = new_uri()
        before = header(server.url) + block("slow-two")
        client.open(uri, before)
        since = len(client.messages)
        assert await execute(client, CREATE, {"uri": uri, "name": "slow-two"}) == created("slow-two")
        assert (server.count("POST"), server.count("GET")) == (1, 1)
    assert client.text(uri) == before + "    repo_user: slow-org\n    status: 0  # normal\n"
    assert client.shown_with_type(since) == [
        (INFO, "ServiceStage: created authorization 'slow-two' (its answer was lost; the list shows it was "
               "created): repo_user slow-org, status 0 (normal)")
    ]


async def test_a_later_success_clears_the_mark(client: EditorClient) -> None:
    async with Scripted(http_response(503)) as server:
        uri = new_uri()
        before = header(server.url) + block("retry-me")
        client.open(uri, before)
        assert await execute(client, CREATE, {"uri": uri, "name": "retry-me"}) == failed("retry-me")
        await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS170")), "the SS170 mark")
        # Lines added above the entry: the mark follows it.
        moved = "# one\n# two\n" + before
        client.set_text(uri, moved)
        found = await wait_diagnostics(
            client, uri, lambda d: [m.range for m in with_code(d, "SS170")] == [name_range(moved, "retry-me")],
            "the SS170 mark two lines lower")
        assert len(with_code(found, "SS170")) == 1
        server.post = json_error(200, {"authorization": auth_json("retry-me", "retry-org", 0)})
        assert await execute(client, CREATE, {"uri": uri, "name": "retry-me"}) == created("retry-me")
    assert client.text(uri) == moved + "    repo_user: retry-org\n    status: 0  # normal\n"
    await wait_diagnostics(client, uri, lambda d: not with_code(d, "SS170"), "the SS170 mark to go away")


# --- refused before any call --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "expected"), [
    (lambda h: h.replace("project_id: 0a1b", "project_id: 0A1B"), "line 1: SS120 "),
    (lambda h: h.replace("authorizations:", "regoin: cn-north-4\nauthorizations:"), "line 3: SS110 "),
    (lambda h: h.replace("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789", "project_id: {a: 1}"), "line 1: SS112 "),
    (lambda h: h.replace("authorizations:", "endpoint: http://127.0.0.1:9\nauthorizations:"), "line 3: SS101 "),
], ids=["SS120", "SS110", "SS112", "SS101"])
async def test_a_file_level_error_refuses_every_call_before_any_traffic(client: EditorClient, change: Any,
                                                                       expected: str) -> None:
    async with Scripted(http_response(500)) as server:
        uri = new_uri()
        before = change(header(server.url, "0a1b2c3d4e5f67890a1b2c3d4e5f6789")) + block("file-level")
        client.open(uri, before)
        since = len(client.messages)
        assert await execute(client, CREATE, {"uri": uri, "name": "file-level"}) == EMPTY_SUMMARY
        assert await execute(client, CREATE_ALL, {"uri": uri}) == EMPTY_SUMMARY
        assert await execute(client, REFRESH, {"uri": uri}) == EMPTY_SUMMARY
        assert server.server.requests == []
    shown = client.shown_with_type(since)
    assert [kind for kind, _ in shown] == [WARNING] * 3
    for _, message in shown:
        assert message.startswith("ServiceStage: the file has errors, fix them first (nothing was sent): " + expected)
    assert client.text(uri) == before


async def test_an_entry_with_errors_is_refused_before_any_call(client: EditorClient) -> None:
    async with Scripted(http_response(500)) as server:
        uri = new_uri()
        before = header(server.url) + block("has-errors", repo_type="githib")
        client.open(uri, before)
        since = len(client.messages)
        assert await execute(client, CREATE, {"uri": uri, "name": "has-errors"}) == EMPTY_SUMMARY
        assert server.server.requests == []
    shown = client.shown_with_type(since)
    assert len(shown) == 1 and shown[0][0] == WARNING
    assert shown[0][1].startswith("ServiceStage: cannot create 'has-errors': it has errors, fix them first: SS132 ")
    assert client.text(uri) == before


async def test_an_unset_reference_is_reported_and_never_sent(client: EditorClient) -> None:
    async with Scripted(http_response(500)) as server:
        uri = new_uri()
        before = header(server.url) + block("unset-ref", token="${UNSET_TOKEN_FOR_TESTS}")
        client.open(uri, before)
        since = len(client.messages)
        assert await execute(client, CREATE, {"uri": uri, "name": "unset-ref"}) == EMPTY_SUMMARY
        assert await execute(client, CREATE_ALL, {"uri": uri}) == {**EMPTY_SUMMARY, "refused": ["unset-ref"]}
        assert server.server.requests == []
    assert client.shown_with_type(since) == [
        (WARNING, "ServiceStage: cannot create 'unset-ref': the token reference ${UNSET_TOKEN_FOR_TESTS} is not set "
                  "in the environment of the language server; set it and restart the server (nothing was sent)"),
        (WARNING, "ServiceStage: skipped 'unset-ref': the token reference ${UNSET_TOKEN_FOR_TESTS} is not set in "
                  "the environment of the language server; set it and restart the server (nothing was sent)"),
    ]
    assert client.text(uri) == before


NO_CREDENTIALS = (
    "ServiceStage: No Huawei Cloud credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (plus "
    "HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), or HUAWEICLOUD_AUTH_TOKEN, or HUAWEICLOUD_IAM_USER, "
    "HUAWEICLOUD_IAM_PASSWORD and HUAWEICLOUD_IAM_DOMAIN in the environment"
)


@pytest.mark.parametrize(("command", "argument"), [(CREATE, {"name": "no-cred"}), (CREATE_ALL, {}), (REFRESH, {})],
                         ids=["create", "createAll", "refresh"])
async def test_no_credentials_says_which_variables_to_set(sessions: dict[str, EditorClient], command: str,
                                                          argument: dict) -> None:
    client = sessions["anonymous"]
    async with Scripted(http_response(500)) as server:
        uri = new_uri()
        before = header(server.url) + block("no-cred")
        client.open(uri, before)
        since = len(client.messages)
        assert await execute(client, command, {"uri": uri, **argument}) == EMPTY_SUMMARY
        assert server.server.requests == []
    assert client.shown_with_type(since) == [(WARNING, NO_CREDENTIALS)]
    assert client.text(uri) == before
    assert with_code(await current_diagnostics(client, uri), "SS170") == []


async def test_cancel_request_mid_call_writes_nothing(client: EditorClient, emulator: EmulatorProcess) -> None:
    """$/cancelRequest for the executeCommand request stops the work too."""
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        before = header(proxy.url) + block("req-cancelled")
        client.open(uri, before)
        known = set(client.progress_reports)
        since = len(client.messages)
        request_id = f"cancel-me-{uuid.uuid4().hex}"
        call = asyncio.ensure_future(client.protocol.send_request_async(
            lsp.WORKSPACE_EXECUTE_COMMAND,
            lsp.ExecuteCommandParams(command=CREATE, arguments=[{"uri": uri, "name": "req-cancelled"}]),
            msg_id=request_id,
        ))
        await proxy.wait_held(1)
        (token,) = set(client.progress_reports) - known
        client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=request_id))
        outcome = (await asyncio.wait_for(asyncio.gather(call, return_exceptions=True), 20))[0]
        assert isinstance(outcome, Exception) and "cancel" in str(outcome).lower()
        await wait_until(lambda: client.progress_reports[token][-1] == lsp.WorkDoneProgressEnd(message="cancelled"),
                         "the progress to end")
        proxy.held[0].release.set()
        await round_trip(client, uri)
    assert client.text(uri) == before
    assert client.shown_with_type(since) == [
        (WARNING, "ServiceStage: cancelled. A create that was already sent may have happened; run Refresh status "
                  "to see.")
    ]


# --- the code action, and the rest of the command surface --------------------------------------------------------


async def test_the_code_action_runs_the_create(client: EditorClient, emulator: EmulatorProcess) -> None:
    uri = new_uri()
    head = header(emulator.url)
    before = head + block("act-a") + block("act-b")
    client.open(uri, before)
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri), range=rng(7, 4, 7, 4),
        context=lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.Source])))
    by_title = {a.title: a for a in actions or [] if isinstance(a, lsp.CodeAction)}
    assert sorted(by_title) == ["Create all new authorizations in ServiceStage (2)",
                                "Create authorization 'act-b' in ServiceStage", "Import from ServiceStage",
                                "Refresh status from ServiceStage", "Show plan (the file against ServiceStage)"]
    action = by_title["Create authorization 'act-b' in ServiceStage"]
    assert action.kind == "source.servicestage.create"
    assert action.command is not None
    command = {"command": action.command.command, "arguments": list(action.command.arguments or [])}
    assert (command["command"], command["arguments"]) == (CREATE, [{"uri": uri, "name": "act-b"}])
    assert await execute(client, CREATE, command["arguments"][0]) == created("act-b")
    assert client.text(uri) == before + "    repo_user: act-b\n    status: 0  # normal\n"


async def test_create_all_reports_failures_in_its_summary(client: EditorClient, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    await emulator_create(emulator.url, project, "sum-taken")
    uri = new_uri()
    head = header(emulator.url, project)
    before = head + block("sum-ok") + block("sum-taken") + block("sum-bad", token="${BAD_TOKEN}")
    client.open(uri, before)
    since = len(client.messages)
    result = await execute(client, CREATE_ALL, {"uri": uri})
    assert result == {**EMPTY_SUMMARY, "created": ["sum-ok"], "failed": ["sum-taken", "sum-bad"]}
    after = head + block("sum-ok") + "    repo_user: sum-ok\n    status: 0  # normal\n" + block("sum-taken") + \
        block("sum-bad", token="${BAD_TOKEN}")
    assert client.text(uri) == after
    shown = client.shown_with_type(since)
    assert [kind for kind, _ in shown] == [INFO, ERROR, ERROR, ERROR]
    assert "SVCSTG.REPO.0403" in shown[1][1] and "SVCSTG.REPO.0451" in shown[2][1]
    assert shown[3] == (ERROR, "ServiceStage: created 1; failed 2 (sum-taken, sum-bad)")
    found = await wait_diagnostics(client, uri, lambda d: len(with_code(d, "SS170")) == 2, "two SS170 marks")
    assert [d.range for d in with_code(found, "SS170")] == [name_range(after, "sum-taken"),
                                                            name_range(after, "sum-bad")]


async def test_refresh_when_the_list_fails(client: EditorClient) -> None:
    throttled = json_error(429, {"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"},
                           "r-l")
    async with Scripted(http_response(500), get=throttled) as server:
        uri = new_uri()
        before = header(server.url) + block("list-fails") + "    repo_user: x\n"
        client.open(uri, before)
        since = len(client.messages)
        assert await execute(client, REFRESH, {"uri": uri}) == EMPTY_SUMMARY
        assert (server.count("GET"), server.count("POST")) == (1, 0)
    assert client.shown_with_type(since) == [
        (WARNING, "ServiceStage: listing the authorizations failed: ServiceStage refused the request: APIGW.0308 The "
                  "throttling threshold has been reached (HTTP 429, request id r-l) — too many requests: wait a "
                  "minute and try again")
    ]
    assert client.text(uri) == before


async def test_commands_on_a_document_that_is_not_open_or_without_arguments(client: EditorClient) -> None:
    since = len(client.messages)
    assert await execute(client, CREATE, {"uri": "file:///nowhere/x.servicestage.yaml", "name": "x"}) == {
        "error": "document not open"}
    assert await asyncio.wait_for(client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=CREATE_ALL, arguments=[])), 20) == {
        "error": 'the command needs an argument {"uri": …}'}
    assert client.shown_with_type(since) == [
        (ERROR, "ServiceStage: open the authorization file first"),
        (ERROR, 'ServiceStage: the command needs an argument {"uri": …}'),
    ]
