"""The cloud commands under a client that behaves like Emacs eglot 1.9 (tests/helpers/eglot.py): it waits on
``workspace/executeCommand`` (a blocking request with a 10 s timeout), cannot show work-done progress, answers
``applied: true`` and sends the ``didChange`` later from an idle timer, and refuses an edit with a JSON-RPC error.

The real server over stdio, the real emulator behind a loopback proxy that can hold the create requests.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from lsprotocol import types as lsp

from helpers.cloud_lsp import CREATE, CREATE_ALL, REFRESH, Proxy, lsp_env, round_trip, start_session, stop_session
from helpers.cloud_servers import EmulatorProcess, Request
from helpers.eglot import EGLOT_1_9, EGLOT_EMACS_29, EglotClient, make_eglot_client
from helpers.lsp_session import wait_until

pytestmark = pytest.mark.asyncio(loop_scope="session")

EGLOT_TIMEOUT = 10.0  # eglot's jsonrpc-request default: the editor is frozen until then
INFO, WARNING = lsp.MessageType.Info, lsp.MessageType.Warning
_counter = itertools.count()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def eglot() -> AsyncIterator[EglotClient]:
    client = await start_session(EGLOT_1_9, lsp_env(), None, make_eglot_client)
    assert isinstance(client, EglotClient)
    yield client
    await stop_session(client)


def new_uri() -> str:
    return f"file:///work/project/eglot{next(_counter)}.servicestage.yaml"


def header(endpoint: str) -> str:
    return f"project_id: {uuid.uuid4().hex}\nendpoint: {endpoint}\nauthorizations:\n"


def block(name: str) -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n"


def written(name: str) -> str:
    return f"    repo_user: {name}\n    status: 0  # normal\n"


def is_post(request: Request) -> bool:
    return request.method == "POST"


def edits_for(client: EglotClient, uri: str) -> list[lsp.ApplyWorkspaceEditParams]:
    return [e for e in client.applied_edits if uri in str(e.edit)]


async def shown(client: EglotClient, since: int, message: tuple[lsp.MessageType, str]) -> None:
    await wait_until(lambda: message in client.shown_with_type(since), f"the message {message}")


def assert_no_internal_error(client: EglotClient) -> None:
    everything = client.everything_received()
    for bad in ("internal error", "JsonRpc", "Traceback"):
        assert bad not in everything
    assert [m for m in client.log_messages if m.type == lsp.MessageType.Error] == []


async def test_commands_answer_at_once_and_the_work_goes_on(eglot: EglotClient, emulator: EmulatorProcess) -> None:
    """The command is answered while ServiceStage has not answered yet (the editor is not frozen); the user is
    told through messages; every write-back lands once, for the version the editor has."""
    async with Proxy(emulator.url, hold=is_post) as proxy:
        uri = new_uri()
        head = header(proxy.url)
        eglot.open(uri, head + block("eg-one") + block("eg-two"))
        since = len(eglot.messages)
        assert await eglot.execute_blocking(CREATE_ALL, {"uri": uri}, EGLOT_TIMEOUT) is None
        assert len(await proxy.wait_held(1)) == 1  # answered before ServiceStage was even asked to create
        assert eglot.shown_with_type(since) == [(INFO, "ServiceStage: Creating new authorizations…")]
        proxy.held[0].release.set()
        (_, second) = await proxy.wait_held(2)
        second.release.set()
        await shown(eglot, since, (INFO, "ServiceStage: created 2"))
    assert eglot.text(uri) == head + block("eg-one") + written("eg-one") + block("eg-two") + written("eg-two")
    assert eglot.shown_with_type(since) == [
        (INFO, "ServiceStage: Creating new authorizations…"),
        (INFO, "ServiceStage: created authorization 'eg-one': repo_user eg-one, status 0 (normal)"),
        (INFO, "ServiceStage: created authorization 'eg-two': repo_user eg-two, status 0 (normal)"),
        (INFO, "ServiceStage: created 2"),
    ]
    assert [e.edit.document_changes[0].text_document.version for e in edits_for(eglot, uri)] == [1, 2]
    assert eglot.refused_edits == []
    assert_no_internal_error(eglot)


async def test_an_applied_edit_whose_change_comes_late_is_trusted(eglot: EglotClient,
                                                                  emulator: EmulatorProcess) -> None:
    """Emacs is busy when the write-back arrives: it answers "applied" but its didChange comes much later. The
    server trusts the answer and never sends the edit again for the version the editor has moved past; the next
    write-back of a create-all is refused with a message (nothing lost: Refresh status writes it), the rest goes
    on, and Refresh status then writes what is missing."""
    uri = new_uri()
    head = header(emulator.url)
    eglot.open(uri, head + block("late-one") + block("late-two") + block("late-three"))
    since = len(eglot.messages)
    eglot.busy = True
    try:
        assert await eglot.execute_blocking(CREATE_ALL, {"uri": uri}, EGLOT_TIMEOUT) is None
        await shown(eglot, since, (INFO, "ServiceStage: created 3"))
        assert eglot.text(uri) == head + block("late-one") + written("late-one") + block("late-two") + \
            block("late-three")
    finally:
        eglot.busy = False
        eglot.send_changes()
    later = (", but the editor has not sent back the previous change yet; nothing was written — run Refresh "
             "status")
    assert eglot.shown_with_type(since) == [
        (INFO, "ServiceStage: Creating new authorizations…"),
        (INFO, "ServiceStage: created authorization 'late-one': repo_user late-one, status 0 (normal)"),
        (WARNING, "ServiceStage: created 'late-two' (repo_user late-two, status 0 (normal))" + later),
        (WARNING, "ServiceStage: created 'late-three' (repo_user late-three, status 0 (normal))" + later),
        (INFO, "ServiceStage: created 3"),
    ]
    assert len(edits_for(eglot, uri)) == 1
    await round_trip(eglot, uri)
    since = len(eglot.messages)
    assert await eglot.execute_blocking(REFRESH, {"uri": uri}, EGLOT_TIMEOUT) is None
    await shown(eglot, since, (INFO, "ServiceStage: updated late-two, late-three"))
    assert eglot.text(uri) == head + block("late-one") + written("late-one") + block("late-two") + \
        written("late-two") + block("late-three") + written("late-three")
    assert len(edits_for(eglot, uri)) == 2
    assert eglot.refused_edits == []
    assert_no_internal_error(eglot)


async def test_an_edit_the_user_declines_is_a_normal_refusal(eglot: EglotClient, emulator: EmulatorProcess) -> None:
    """eglot answers a declined edit with a JSON-RPC error: the user is told that nothing was written (the
    authorization exists), and the rest of the create-all goes on."""
    uri = new_uri()
    head = header(emulator.url)
    eglot.open(uri, head + block("declined") + block("accepted"))
    since = len(eglot.messages)
    eglot.decline_next = 1
    assert await eglot.execute_blocking(CREATE_ALL, {"uri": uri}, EGLOT_TIMEOUT) is None
    await shown(eglot, since, (INFO, "ServiceStage: created 2"))
    assert eglot.text(uri) == head + block("declined") + block("accepted") + written("accepted")
    assert eglot.shown_with_type(since) == [
        (INFO, "ServiceStage: Creating new authorizations…"),
        (WARNING, "ServiceStage: created 'declined' (repo_user declined, status 0 (normal)), but the editor did not "
                  "apply the change (User cancelled server edit); nothing was written"),
        (INFO, "ServiceStage: created authorization 'accepted': repo_user accepted, status 0 (normal)"),
        (INFO, "ServiceStage: created 2"),
    ]
    assert len(eglot.refused_edits) == 1
    eglot.refused_edits.clear()
    assert_no_internal_error(eglot)


async def test_an_edit_refused_for_an_old_version_is_made_again_for_the_new_one(
        eglot: EglotClient, emulator: EmulatorProcess) -> None:
    """The user types just as the write-back arrives: eglot refuses it (``Edits on … require version 1, you have
    2``); the server computes it again on the new text, for the new version."""
    uri = new_uri()
    head = header(emulator.url)
    before = head + block("typed-race")
    eglot.open(uri, before)
    typed = "# typed at that very moment\n" + before
    eglot.before_apply = lambda params: eglot.set_text(uri, typed)
    since = len(eglot.messages)
    assert await eglot.execute_blocking(CREATE, {"uri": uri, "name": "typed-race"}, EGLOT_TIMEOUT) is None
    await shown(eglot, since, (INFO, "ServiceStage: created authorization 'typed-race': repo_user typed-race, "
                                     "status 0 (normal)"))
    assert eglot.text(uri) == typed + written("typed-race")
    assert [e.edit.document_changes[0].text_document.version for e in edits_for(eglot, uri)] == [1, 2]
    assert len(eglot.refused_edits) == 1
    eglot.refused_edits.clear()
    assert eglot.shown_with_type(since) == [
        (INFO, "ServiceStage: Creating authorization…"),
        (INFO, "ServiceStage: created authorization 'typed-race': repo_user typed-race, status 0 (normal)"),
    ]
    assert_no_internal_error(eglot)


async def test_a_newer_eglot_with_progress_gets_the_answer_at_once_and_sees_progress(
        emulator: EmulatorProcess) -> None:
    """Emacs 29's eglot shows work-done progress but still waits on the command: it is answered at once too, and
    sees the progress instead of the first message."""
    eglot29 = await start_session(EGLOT_EMACS_29, lsp_env(), None, make_eglot_client)
    assert isinstance(eglot29, EglotClient)
    try:
        async with Proxy(emulator.url, hold=is_post) as proxy:
            uri = new_uri()
            head = header(proxy.url)
            eglot29.open(uri, head + block("eg29"))
            assert await eglot29.execute_blocking(CREATE, {"uri": uri, "name": "eg29"}, EGLOT_TIMEOUT) is None
            (held,) = await proxy.wait_held(1)
            held.release.set()
            await shown(eglot29, 0, (INFO, "ServiceStage: created authorization 'eg29': repo_user eg29, "
                                           "status 0 (normal)"))
        await wait_until(lambda: any(isinstance(r, lsp.WorkDoneProgressEnd)
                                     for reports in eglot29.progress_reports.values() for r in reports),
                         "the end of the progress")
        assert eglot29.text(uri) == head + block("eg29") + written("eg29")
        assert eglot29.shown_with_type() == [
            (INFO, "ServiceStage: created authorization 'eg29': repo_user eg29, status 0 (normal)")
        ]
        (reports,) = eglot29.progress_reports.values()
        assert [(type(r).__name__, getattr(r, "title", None), r.message) for r in reports] == [
            ("WorkDoneProgressBegin", "Creating authorization", None),
            ("WorkDoneProgressReport", None, "'eg29' (1/1)"),
            ("WorkDoneProgressEnd", None, "done"),
        ]
        assert_no_internal_error(eglot29)
    finally:
        await stop_session(eglot29)
