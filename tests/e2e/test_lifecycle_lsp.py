"""The life cycle in the editor, through the real server under both client presets (VS Code, Neovim): code
lenses, Show plan, Rotate token (with its SS160 quick fix), Delete, Import (with SS173 under remoteCheck), the
confirmations, and the failure paths, against the in-process emulator."""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid

import pytest
from lsprotocol import types as lsp

from helpers.cloud_lsp import (
    CREATE,
    DELETE,
    IMPORT,
    REFRESH,
    ROTATE,
    SHOW_PLAN,
    EditorClient,
    Proxy,
    closed_port,
    current_diagnostics,
    execute,
    remote_statuses,
    round_trip,
    seed_project,
    wait_diagnostics,
    with_code,
)
from helpers.lsp_session import DEADLINE

from servicestage_ls.cloud.emulator import Emulator

pytestmark = pytest.mark.asyncio(loop_scope="session")
TEST = "servicestage-ls.testAuthorization"
PRESETS = ["visual-studio-code", "neovim"]
_counter = itertools.count()
SEED = """\
- {name: payments-api, repo_type: github, repo_user: pay-org, status: 1, host: https://github.com/pay-org}
- {name: web-frontend, repo_type: github, repo_user: web-org, status: 0}
- {name: legacy-ci, repo_type: gitlab, repo_user: ci-bot, status: 0}
"""

PROBED = re.compile(
    r"(?P<lead>.*)rotating the token of 'payments-api' failed: the probe authorization 'payments-api\.probe-[0-9a-f]{6}'"
    r" that proves the token from \$\{REVOKED_TOKEN\} was not created: ServiceStage refused the request: "
    r"SVCSTG\.REPO\.0451 repository authorization invalid: github refused the token \(revoked or expired\) \(HTTP 400, "
    r"request id [0-9a-f]{32}\) — authorize again \(token rejected/expired\); nothing was changed")


def new_uri() -> str:
    return f"file:///work/project/lifecycle{next(_counter)}.servicestage.yaml"


def entry(name: str, extra: str = "", token: str = "${GITHUB_TOKEN}") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: {token}\n{extra}"


def document(emu: Emulator, body: str, endpoint: str | None = None) -> tuple[str, str]:
    project = uuid.uuid4().hex
    seed_project(emu, project, SEED)
    return project, f"project_id: {project}\nendpoint: {endpoint or emu.url}\nauthorizations:\n{body}"


PAYMENTS = entry("payments-api", "    host: https://github.com/pay-org\n    repo_user: pay-org\n    status: 1\n")
WEB = entry("web-frontend", "    repo_user: web-org\n    status: 0  # normal\n")


async def lenses(client: EditorClient, uri: str) -> list[tuple[int, str, str, str]]:
    await round_trip(client, uri)
    found = await asyncio.wait_for(client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))), DEADLINE)
    out = []
    for lens in found or []:
        assert lens.command is not None and lens.command.arguments is not None
        out.append((lens.range.start.line, lens.command.title, lens.command.command,
                    lens.command.arguments[0]["name"]))
    return out


@pytest.mark.parametrize("preset", PRESETS)
async def test_code_lenses_come_from_the_file_and_follow_edits(lsp_sessions: dict[str, EditorClient],
                                                               live_emulator: Emulator, preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    _, text = document(live_emulator, entry("brand-new") + WEB + PAYMENTS
                       + entry("rejected", "    repo_user: x\n    status: 2\n") + entry("x", ""))
    client.open(uri, text)
    assert await lenses(client, uri) == [
        (3, "Create in ServiceStage", CREATE, "brand-new"),
        (6, "✓ normal · Refresh", REFRESH, "web-frontend"),
        (11, "⚠ overdue · Rotate token", ROTATE, "payments-api"),
        (17, "⚠ unauthenticated · Rotate token", ROTATE, "rejected"),
        (6, "Test", TEST, "web-frontend"),  # the kinds feature's lens: on a created entry whose status is normal
    ]  # "x" breaks the naming rule: no lens
    client.set_text(uri, text.replace("  - name: brand-new\n", "  # gone\n  - name: brand-new\n")
                    .replace("    status: 1\n", "    status: 0\n"))
    assert [(line, title) for line, title, _, _ in await lenses(client, uri)] == [
        (4, "Create in ServiceStage"), (7, "✓ normal · Refresh"), (12, "✓ normal · Refresh"),
        (18, "⚠ unauthenticated · Rotate token"), (7, "Test"), (12, "Test")]
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_show_plan(lsp_sessions: dict[str, EditorClient], live_emulator: Emulator, preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    project, text = document(live_emulator, PAYMENTS + WEB + entry("brand-new"))
    client.open(uri, text)
    since = len(client.messages)
    result = await execute(client, SHOW_PLAN, {"uri": uri})
    assert result["changes"] == [
        {"name": "payments-api", "action": "rotate", "kind": "personal",
         "reason": "ServiceStage reports status 1 (overdue): the token must be replaced"},
        {"name": "web-frontend", "action": "none", "kind": "personal", "reason": "up to date: status 0 (normal)"},
        {"name": "brand-new", "action": "create", "kind": "personal", "reason": "in the file, not in ServiceStage"},
        {"name": "legacy-ci", "action": "delete", "kind": "personal", "reason": "in ServiceStage, not in the file"},
    ]
    assert (result["project_id"], result["endpoint"]) == (project, live_emulator.url)
    assert result["text"].splitlines()[2] == ("  ± payments-api  rotate       ServiceStage reports status 1 (overdue): "
                                              "the token must be replaced")
    assert client.shown(since) == ["ServiceStage: Plan: 1 create, 1 rotate, 1 delete (1 up to date)."]
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_rotate_asks_first_then_deletes_and_creates_again(lsp_sessions: dict[str, EditorClient],
                                                                live_emulator: Emulator, preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    project, text = document(live_emulator, PAYMENTS + WEB)
    client.open(uri, text)
    found = await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS160")), "SS160")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=with_code(found, "SS160")[0].range,
        context=lsp.CodeActionContext(diagnostics=with_code(found, "SS160"), only=[lsp.CodeActionKind.QuickFix])))
    rotate = [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.command is not None
              and a.command.command == ROTATE]
    assert [(a.title, list(a.command.arguments or [])) for a in rotate if a.command] == [
        ("Rotate token of 'payments-api'", [{"uri": uri, "name": "payments-api"}])]

    for answer in ("Cancel", None):  # Cancel, and no answer at all: nothing happens
        client.answers = [answer]
        asked = len(client.questions)
        result = await execute(client, ROTATE, {"uri": uri, "name": "payments-api"})
        assert result["confirmed"] is False
        assert client.questions[asked].message == (
            "Rotate the token of 'payments-api'? Its authorization is deleted from ServiceStage and created again "
            "with the token from ${GITHUB_TOKEN}.")
        assert [a.title for a in client.questions[asked].actions or []] == ["Rotate", "Cancel"]
        assert remote_statuses(live_emulator, project)["payments-api"] == 1
        assert client.text(uri) == text

    client.answers = ["Rotate"]
    since = len(client.messages)
    result = await execute(client, ROTATE, {"uri": uri, "position": {"line": 5, "character": 4}})
    assert result["updated"] == ["payments-api"]
    assert client.shown(since) == ["ServiceStage: rotated the token of 'payments-api': repo_user pay-org, "
                                   "status 0 (normal)"]
    assert client.text(uri) == text.replace("    status: 1\n", "    status: 0  # normal\n")
    assert remote_statuses(live_emulator, project) == {"payments-api": 0, "web-frontend": 0, "legacy-ci": 0}
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_a_rotation_proves_the_new_token_before_deleting(lsp_sessions: dict[str, EditorClient],
                                                               live_emulator: Emulator, preset: str) -> None:
    """A revoked token (the right shape; the provider refuses it) is refused on the probe: nothing changes in
    ServiceStage nor in the file, the probe is not left behind, the entry is marked; a token of the wrong shape is
    not sent at all."""
    client, uri = lsp_sessions[preset], new_uri()
    project, text = document(live_emulator, PAYMENTS.replace("${GITHUB_TOKEN}", "${REVOKED_TOKEN}"))
    client.open(uri, text)
    client.answers = ["Rotate"]
    since = len(client.messages)
    result = await execute(client, ROTATE, {"uri": uri, "name": "payments-api"})
    assert result["failed"] == ["payments-api"]
    [(kind, message)] = client.shown_with_type(since)
    assert kind == lsp.MessageType.Error
    match = PROBED.fullmatch(message)
    assert match is not None and match["lead"] == "ServiceStage: ", message
    assert client.text(uri) == text
    assert remote_statuses(live_emulator, project) == {"payments-api": 1, "web-frontend": 0, "legacy-ci": 0}
    found = await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS170")), "SS170")
    assert with_code(found, "SS170")[0].message.startswith(
        "the last ServiceStage call for this entry failed: rotating the token of 'payments-api' failed: the probe "
        "authorization 'payments-api.probe-")
    client.close(uri)

    uri = new_uri()
    project, text = document(live_emulator, PAYMENTS.replace("${GITHUB_TOKEN}", "${BAD_TOKEN}"))
    client.open(uri, text)
    client.answers = ["Rotate"]
    since = len(client.messages)
    result = await execute(client, ROTATE, {"uri": uri, "name": "payments-api"})
    assert result["failed"] == ["payments-api"]
    assert client.shown(since) == [
        "ServiceStage: rotating the token of 'payments-api' failed: the token from ${BAD_TOKEN} does not look like a "
        "github token: a GitHub token starts with `ghp_` (classic) or `github_pat_` (fine-grained); nothing was sent"]
    assert remote_statuses(live_emulator, project) == {"payments-api": 1, "web-frontend": 0, "legacy-ci": 0}
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_delete_asks_and_makes_the_entry_new(lsp_sessions: dict[str, EditorClient], live_emulator: Emulator,
                                                   preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    project, text = document(live_emulator, WEB + entry("not-remote", "    repo_user: me\n    status: 0\n"))
    client.open(uri, text)
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=lsp.Range(lsp.Position(4, 4), lsp.Position(4, 4)),
        context=lsp.CodeActionContext(diagnostics=[])))
    titles = [a.title for a in actions or [] if isinstance(a, lsp.CodeAction)]
    assert "Delete 'web-frontend' from ServiceStage" in titles and "Import from ServiceStage" in titles
    client.answers = ["Delete"]
    since = len(client.messages)
    result = await execute(client, DELETE, {"uri": uri, "name": "web-frontend"})
    assert result["updated"] == ["web-frontend"]
    assert client.questions[-1].message == "Delete 'web-frontend' from ServiceStage? This cannot be undone."
    assert client.shown(since) == ["ServiceStage: deleted 'web-frontend' from ServiceStage"]
    assert client.text(uri) == text.replace("    repo_user: web-org\n    status: 0  # normal\n", "")
    assert remote_statuses(live_emulator, project) == {"payments-api": 1, "legacy-ci": 0}

    client.answers = ["Delete"]
    since = len(client.messages)
    result = await execute(client, DELETE, {"uri": uri, "name": "not-remote"})
    assert result["failed"] == ["not-remote"]
    [message] = client.shown(since)
    assert message.startswith("ServiceStage: deleting 'not-remote' failed: ServiceStage refused the request: "
                              "SVCSTG.REPO.0450")
    await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS170")), "SS170")
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_import_from_the_editor(lsp_sessions: dict[str, EditorClient], live_emulator: Emulator,
                                      preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    _, text = document(live_emulator, WEB + "# the end\n")
    client.open(uri, text)
    since = len(client.messages)
    result = await execute(client, IMPORT, {"uri": uri, "names": ["legacy-ci"]})
    assert result["imported"] == ["legacy-ci"]
    assert client.text(uri) == text.replace("# the end\n", (
        "  - name: legacy-ci\n    repo_type: gitlab\n    token: ${LEGACY_CI_TOKEN}\n"
        "    host: https://gitlab.com/ci-bot\n    repo_user: ci-bot\n    status: 0  # normal\n# the end\n"))
    assert client.shown(since) == ["ServiceStage: imported 'legacy-ci'; its token is read from LEGACY_CI_TOKEN "
                                   "when it is created again or rotated (set it in the environment first)"]
    client.close(uri)


async def test_remote_only_names_get_ss173_with_an_import_fix(lsp_sessions: dict[str, EditorClient],
                                                             live_emulator: Emulator) -> None:
    client, uri = lsp_sessions["visual-studio-code"], new_uri()  # its session has remoteCheck onSave
    _, text = document(live_emulator, WEB)
    client.open(uri, text)
    client.save(uri)
    found = await wait_diagnostics(client, uri, lambda d: bool(with_code(d, "SS173")), "SS173")
    [hint] = with_code(found, "SS173")
    assert (hint.severity, hint.message) == (lsp.DiagnosticSeverity.Information,
                                             "ServiceStage has 2 authorizations the file does not: 'payments-api', "
                                             "'legacy-ci' — Import from ServiceStage adds them")
    assert (hint.range.start.line, hint.range.start.character, hint.range.end.character) == (2, 0, 14)
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=hint.range,
        context=lsp.CodeActionContext(diagnostics=[hint], only=[lsp.CodeActionKind.QuickFix])))
    [fix] = [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.command is not None]
    assert fix.title == "Import from ServiceStage" and fix.command is not None
    everything = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=hint.range,
        context=lsp.CodeActionContext(diagnostics=[hint])))
    imports = [a for a in everything or [] if isinstance(a, lsp.CodeAction) and a.title == "Import from ServiceStage"]
    assert [(a.kind, list(a.diagnostics or [])) for a in imports] == [(lsp.CodeActionKind.QuickFix, [hint])]  # offered once
    await execute(client, fix.command.command, fix.command.arguments[0] if fix.command.arguments else None)
    await wait_diagnostics(client, uri, lambda d: not with_code(d, "SS173"), "SS173 gone")
    assert [e for e in client.text(uri).splitlines() if e.startswith("  - name:")] == [
        "  - name: web-frontend", "  - name: payments-api", "  - name: legacy-ci"]
    client.close(uri)


@pytest.mark.parametrize("preset", PRESETS)
async def test_failures_are_told_and_change_nothing(lsp_sessions: dict[str, EditorClient], live_emulator: Emulator,
                                                    preset: str) -> None:
    client, uri = lsp_sessions[preset], new_uri()
    _, text = document(live_emulator, PAYMENTS, endpoint=f"http://127.0.0.1:{closed_port()}")
    client.open(uri, text)
    for command in (SHOW_PLAN, IMPORT):
        since = len(client.messages)
        await execute(client, command, {"uri": uri})
        [message] = client.shown(since)
        assert message.startswith("ServiceStage: listing the authorizations failed: Could not connect to "), command
    client.answers = ["Rotate"]
    since = len(client.messages)
    await execute(client, ROTATE, {"uri": uri, "name": "payments-api"})
    [message] = client.shown(since)
    assert message.startswith("ServiceStage: rotating the token of 'payments-api' failed: the probe authorization "
                              "'payments-api.probe-")
    assert "' that proves the token from ${GITHUB_TOKEN} was not created: Could not connect to " in message
    assert message.endswith("; nothing was changed")
    assert client.text(uri) == text
    assert with_code(await current_diagnostics(client, uri), "SS170")
    client.close(uri)


async def test_cancelling_a_rotation_mid_call_writes_nothing(lsp_sessions: dict[str, EditorClient],
                                                             live_emulator: Emulator) -> None:
    client, uri = lsp_sessions["visual-studio-code"], new_uri()
    held = (lambda request: request.method == "DELETE" and request.path.endswith("/payments-api"))
    async with Proxy(live_emulator.url, hold=held) as proxy:
        _, text = document(live_emulator, PAYMENTS, endpoint=proxy.url)
        client.open(uri, text)
        client.answers = ["Rotate"]
        known = set(client.progress_reports)
        since = len(client.messages)
        call = asyncio.ensure_future(execute(client, ROTATE, {"uri": uri, "name": "payments-api"}))
        await proxy.wait_held(1)
        (token,) = set(client.progress_reports) - known
        client.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token=token))
        result = await asyncio.wait_for(call, DEADLINE)
        assert result["cancelled"] is True
        proxy.held[0].release.set()
        await round_trip(client, uri)
    assert client.text(uri) == text
    assert client.shown_with_type(since) == [
        (lsp.MessageType.Warning, "ServiceStage: cancelled. A delete or create that was already sent may have "
                                  "happened; run Show plan to see.")]
    assert client.progress_reports[token][-1] == lsp.WorkDoneProgressEnd(message="cancelled")
    assert proxy.count("POST") == 1  # the probe's: the create after the delete was never sent
    assert [r.path.rsplit("/", 1)[-1] for r in proxy.requests if r.method == "DELETE"][-1].startswith(
        "payments-api.probe-")  # the probe was deleted when the rotation was cancelled
    client.close(uri)


async def test_refresh_says_what_only_a_replace_brings_into_agreement(lsp_sessions: dict[str, EditorClient],
                                                                     live_emulator: Emulator) -> None:
    client, uri = lsp_sessions["neovim"], new_uri()
    _, text = document(live_emulator, entry("legacy-ci", "    repo_user: ci-bot\n    status: 0\n"))
    client.open(uri, text)
    since = len(client.messages)
    await execute(client, REFRESH, {"uri": uri})
    assert client.shown(since) == [
        "ServiceStage: repo_user and status are up to date; to replace: 'legacy-ci' (repo_type is gitlab in "
        "ServiceStage, github in the file) — `servicestage-ls apply --replace` replaces them"]
    assert client.text(uri) == text
    client.close(uri)


async def test_show_plan_skips_an_entry_with_errors(lsp_sessions: dict[str, EditorClient],
                                                    live_emulator: Emulator) -> None:
    client, uri = lsp_sessions["visual-studio-code"], new_uri()
    _, text = document(live_emulator, PAYMENTS.replace("https://github.com/pay-org", "http://github.com/pay-org") + WEB)
    client.open(uri, text)
    since = len(client.messages)
    result = await execute(client, SHOW_PLAN, {"uri": uri})
    assert result["changes"] == [
        {"name": "payments-api", "action": "skip", "kind": "personal",
         "reason": "it has errors, fix them first: SS150 `host` must be an https:// URL"},
        {"name": "web-frontend", "action": "none", "kind": "personal", "reason": "up to date: status 0 (normal)"},
        {"name": "legacy-ci", "action": "delete", "kind": "personal", "reason": "in ServiceStage, not in the file"}]
    assert client.shown(since) == ["ServiceStage: Plan: 1 delete, 1 skip (1 up to date)."]
    client.close(uri)


async def test_https_to_a_plain_http_server_says_it_did_not_answer_tls(lsp_sessions: dict[str, EditorClient],
                                                                       live_emulator: Emulator) -> None:
    client, uri = lsp_sessions["visual-studio-code"], new_uri()
    url = live_emulator.url.replace("http://", "https://")
    _, text = document(live_emulator, WEB, endpoint=url)
    client.open(uri, text)
    since = len(client.messages)
    await execute(client, SHOW_PLAN, {"uri": uri})
    assert client.shown(since) == [
        f"ServiceStage: listing the authorizations failed: The server at {url} did not answer TLS: is it plain http? "
        "— check the endpoint's scheme and port: an https:// endpoint must speak TLS (http:// is for loopback only)"]
    client.close(uri)
