"""The create / create-all / refresh code actions where users look for them, and titles that say what will happen.

VS Code's `Ctrl+.` (and the lightbulb) asks without `only` and hides `source.*` kinds; *Source Action…* asks for
`source`, *Refactor…* for `refactor`; Neovim's `vim.lsp.buf.code_action()` asks without `only` and lists all.
Each menu must list each action once. No cloud call is made to offer them. Raw JSON-RPC: lsprotocol reads any
code action that carries a `command` as a Command, losing its kind.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.lsp_session import SECRET_ENV
from helpers.raw_jsonrpc import RawServer
from servicestage_ls.lsp.commands import CREATE, CREATE_ALL, IMPORT, REFRESH, SHOW_PLAN

HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_counter = itertools.count()


def entry(name: str, repo_type: str = "github", token: str = "${GITHUB_TOKEN}") -> str:
    return f"  - name: {name}\n    repo_type: {repo_type}\n    token: {token}\n"


# Line 3 is `  - name: web-frontend`.
TEXT = HEADER + entry("web-frontend") + entry("payments-api", "gitlab", "${GITLAB_TOKEN}")


def new_uri() -> str:
    return f"file:///work/cloud-actions/file{next(_counter)}.servicestage.yaml"


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    server = RawServer(SECRET_ENV)
    server.initialize()
    yield server
    assert server.stop() == 0


def raw_actions(server: RawServer, uri: str, line: int, only: list[str] | None = None,
                diagnostics: list[Any] | None = None) -> list[dict[str, Any]]:
    request_id = f"actions-{next(_counter)}"
    context: dict[str, Any] = {"diagnostics": diagnostics or [], **({} if only is None else {"only": only})}
    point = {"line": line, "character": 4}
    response = server.request(request_id, "textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": point, "end": point}, "context": context})
    return response["result"] or []


def ask(server: RawServer, uri: str, line: int, only: list[str] | None = None,
        diagnostics: list[Any] | None = None) -> list[tuple[str, str]]:
    return [(a["title"], a.get("kind", "")) for a in raw_actions(server, uri, line, only, diagnostics)]


def opened(server: RawServer, text: str) -> str:
    uri = new_uri()
    server.open(uri, text)
    return uri


# The life-cycle actions (lsp/lifecycle.py) that every request without `only` gets after these.
LIFECYCLE = [("Import from ServiceStage", "refactor.servicestage.import"),
             ("Show plan (the file against ServiceStage)", "refactor.servicestage.plan")]


def vscode_quick_fix_menu(found: list[tuple[str, str]]) -> list[str]:
    """What VS Code's Ctrl+. menu shows of an answer to a request without `only`: everything but source.*"""
    return [title for title, kind in found if kind != "source" and not kind.startswith("source.")]


ACTIONS = ("create", "createAll", "refresh", "import", "plan")
ON_AN_ENTRY = ["Create authorization 'web-frontend' in ServiceStage",
               "Create all new authorizations in ServiceStage (2)", "Refresh status from ServiceStage",
               "Import from ServiceStage", "Show plan (the file against ServiceStage)"]


def test_ctrl_dot_on_an_entry_lists_create_create_all_and_refresh(server: RawServer) -> None:
    found = ask(server, opened(server, TEXT), 3)
    assert vscode_quick_fix_menu(found) == ON_AN_ENTRY
    assert found == list(zip(ON_AN_ENTRY, [f"refactor.servicestage.{action}" for action in ACTIONS]))


@pytest.mark.parametrize(("only", "prefixes"), [
    (["source"], ["source"] * 5), (["refactor"], ["refactor"] * 5), (["source.servicestage"], ["source"] * 5),
    (["source", "refactor"], ["source"] * 5), (["refactor", "source"], ["refactor"] * 5), ([""], ["refactor"] * 5),
    (["refactor.servicestage.create", "source"], ["refactor"] + ["source"] * 4),
])
def test_each_menu_lists_each_action_once(server: RawServer, only: list[str], prefixes: list[str]) -> None:
    found = ask(server, opened(server, TEXT), 3, only)
    assert [title for title, _ in found] == ON_AN_ENTRY
    assert [kind for _, kind in found] == [f"{prefix}.servicestage.{action}" for prefix, action
                                           in zip(prefixes, ACTIONS)]


def test_quick_fixes_only_and_other_kinds_get_no_cloud_actions(server: RawServer) -> None:
    uri = opened(server, TEXT)
    for only in (["quickfix"], ["refactor.extract"], ["source.organizeImports"]):  # and no life-cycle action
        assert ask(server, uri, 3, only) == []


def test_the_actions_run_the_commands_with_the_entry(server: RawServer) -> None:
    uri = opened(server, TEXT)
    commands = [(a["command"]["command"], a["command"]["arguments"]) for a in raw_actions(server, uri, 7)]
    assert commands == [(CREATE, [{"uri": uri, "name": "payments-api"}]), (CREATE_ALL, [{"uri": uri}]),
                        (REFRESH, [{"uri": uri}]), (IMPORT, [{"uri": uri}]), (SHOW_PLAN, [{"uri": uri}])]


def test_create_all_counts_only_entries_that_can_be_created(server: RawServer) -> None:
    text = (HEADER + entry("web-frontend") + entry("broken-one", "githib") + entry("payments-api", "gitlab",
                                                                                    "${GITLAB_TOKEN}")
            + entry("unset-token", "github", "${NOT_SET_ANYWHERE}")
            + entry("already-made") + "    repo_user: x\n")
    uri = opened(server, text)
    # Not on an entry (the header): create all, with what it will skip.
    assert ask(server, uri, 0) == [
        ("Create all new authorizations in ServiceStage (2, skipping 2 with problems)",
         "refactor.servicestage.createAll"),
        ("Refresh status from ServiceStage", "refactor.servicestage.refresh"), *LIFECYCLE,
    ]
    # On an entry that cannot be created: no create for it.
    assert [t for t, _ in ask(server, uri, 6)] == [
        "Create all new authorizations in ServiceStage (2, skipping 2 with problems)",
        "Refresh status from ServiceStage", *[t for t, _ in LIFECYCLE]]


def test_no_create_all_when_nothing_can_be_created(server: RawServer) -> None:
    uri = opened(server, HEADER + entry("broken-one", "githib") + entry("x"))
    assert ask(server, uri, 0) == [("Refresh status from ServiceStage", "refactor.servicestage.refresh"), *LIFECYCLE]


def test_the_mistakes_example_offers_what_the_readme_says(server: RawServer) -> None:
    """docs/editors/neovim.md, "What you see" step 4: the code actions on `repo_type: githib`."""
    uri = opened(server, (EXAMPLES / "mistakes.servicestage.yaml").read_text(encoding="utf-8"))
    published = server.wait_for(lambda: [m["params"]["diagnostics"] for m in server.notifications(
        "textDocument/publishDiagnostics") if m["params"]["uri"] == uri], "the diagnostics")[-1]
    on_line = [d for d in published if d["range"]["start"]["line"] == 5]
    # The file has errors outside its entries (project_id, region): no cloud action can run, none is offered.
    assert [t for t, _ in ask(server, uri, 5, diagnostics=on_line)] == ["Change to 'github'"]


REGION_ERROR = ("the file has errors, fix them first (nothing was sent): line 2: SS121 unknown region `cn-nort-4`; "
                "did you mean `cn-north-4`?")


@pytest.mark.parametrize("disabled_support", [False, True])
def test_on_a_file_with_errors_the_cloud_actions_are_offered_disabled_or_not_at_all(disabled_support: bool) -> None:
    """Refresh, Import, Show plan (and Delete) would only answer the file's errors: a client that shows disabled
    actions gets them disabled with that reason, another does not get them."""
    server = RawServer(SECRET_ENV)
    try:
        capabilities = {"textDocument": {"codeAction": {"disabledSupport": True}}} if disabled_support else {}
        server.request("init", "initialize", {"processId": None, "rootUri": None, "capabilities": capabilities})
        server.send({"method": "initialized", "params": {}})
        uri = opened(server, HEADER.replace("cn-north-4", "cn-nort-4") + entry("web-frontend"))
        found = [(a["title"], a.get("disabled")) for a in raw_actions(server, uri, 0)]
        titles = ["Refresh status from ServiceStage", *[t for t, _ in LIFECYCLE]]
        assert found == ([(t, {"reason": REGION_ERROR}) for t in titles] if disabled_support else [])
        clean = opened(server, TEXT)
        assert [(a["title"], a.get("disabled")) for a in raw_actions(server, clean, 0)][-3:] == [
            (t, None) for t in titles]
    finally:
        assert server.stop() == 0


def test_the_server_advertises_the_refactor_kind() -> None:
    """VS Code asks a provider for the Refactor… menu only when its codeActionKinds include `refactor`."""
    server = RawServer()
    try:
        result = server.initialize()["result"]
        assert result["capabilities"]["codeActionProvider"] == {"codeActionKinds": ["quickfix", "refactor", "source"]}
    finally:
        assert server.stop() == 0


def test_creating_an_entry_that_is_not_in_the_file_lists_the_names(server: RawServer) -> None:
    """`:ServiceStageCreate nosuch` in Neovim, or a key binding with a wrong name: no call, the names to pick from."""
    uri = opened(server, TEXT)
    before = len(server.notifications("window/showMessage"))
    answer = server.request("nosuch", "workspace/executeCommand",
                            {"command": CREATE, "arguments": [{"uri": uri, "name": "nosuch"}]})
    assert answer["result"] is None  # at once: this client shows no work-done progress, so messages say the rest
    shown = server.wait_for(lambda: len(server.notifications("window/showMessage")[before:]) >= 2 and
                            server.notifications("window/showMessage")[before:], "the messages")
    assert [m["params"] for m in shown] == [
        {"type": 3, "message": "ServiceStage: Creating authorization…"},
        {"type": 2, "message": "ServiceStage: there is no entry named 'nosuch' in the file (its entries: "
                               "web-frontend, payments-api)"}]
