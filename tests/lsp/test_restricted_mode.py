"""VS Code's Restricted Mode (``initializationOptions.restrictedMode``, sent for an untrusted workspace): the editor
features work — diagnostics, completion, hover, quick fixes — and the cloud's are off: no code action or code lens
of theirs, a cloud command answers null after saying so, and a save makes no remote check. A loopback server
(trusted as loopback is) stands where ServiceStage would be: it sees no request, though the same session without
Restricted Mode does reach it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from helpers.raw_jsonrpc import RawServer
from servicestage_ls.lsp.commands import CREATE, REFRESH, SHOW_PLAN
from servicestage_ls.lsp.server import RESTRICTED_MESSAGE

URI = "file:///work/restricted/team.servicestage.yaml"
MISTAKE_URI = "file:///work/restricted/mistake.servicestage.yaml"
HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
TEXT = (HEADER + "  - name: web-frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
        "  - name: payments-api\n    repo_type: gitlab\n    token: ${GITLAB_TOKEN}\n")
MISTAKE = HEADER + "  - name: web-frontend\n    repo_type: githib\n    token: ${GITHUB_TOKEN}\n"
ENV = {"HUAWEICLOUD_AUTH_TOKEN": "restricted-mode-iam-token", "GITHUB_TOKEN": "ghp_" + "R" * 36,
       "GITLAB_TOKEN": "glpat-" + "R" * 20}


class Recorder(ThreadingHTTPServer):
    """Records each request line; answers 500 (a create then fails; that it arrived is what counts)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.requests.append(self.requestline)
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def start(recorder: Recorder, restricted: bool) -> RawServer:
    server = RawServer(ENV)
    server.request("init", "initialize", {"processId": None, "rootUri": None, "capabilities": {}, "initializationOptions": {
        "restrictedMode": restricted, "endpoint": recorder.url, "remoteCheck": "onSave"}})
    server.send({"method": "initialized", "params": {}})
    server.open(URI, TEXT)
    return server


def titles(server: RawServer, request_id: str, line: int, uri: str = URI,
           diagnostics: list[dict[str, Any]] | None = None) -> list[str]:
    point = {"line": line, "character": 16}
    answer = server.request(request_id, "textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": point, "end": point},
        "context": {"diagnostics": diagnostics or []}})
    return [action["title"] for action in answer["result"] or []]


def test_restricted_mode_keeps_the_editor_features_and_turns_the_cloud_off(recorder: Recorder) -> None:
    server = start(recorder, restricted=True)
    server.open(MISTAKE_URI, MISTAKE)

    def mistakes() -> list[dict[str, Any]]:
        return [n["params"]["diagnostics"] for n in server.notifications("textDocument/publishDiagnostics")
                if n["params"]["uri"] == MISTAKE_URI]

    found = server.wait_for(mistakes, "the mistake's diagnostics")[-1]
    assert [(d["code"], d["range"]["start"]) for d in found] == [("SS132", {"line": 4, "character": 15})]
    assert titles(server, "fix", 4, MISTAKE_URI, found) == ["Change to 'github'"]
    assert titles(server, "entry", 3) == []
    hover = server.request("hover", "textDocument/hover", {"textDocument": {"uri": URI},
                                                           "position": {"line": 7, "character": 6}})
    assert hover["result"]["contents"]["value"].split("\n\n")[0] == "repo_type · string · required"
    assert server.request("lenses", "textDocument/codeLens", {"textDocument": {"uri": URI}})["result"] == []
    server.send({"method": "textDocument/didSave", "params": {"textDocument": {"uri": URI}}})
    for n, command in enumerate((CREATE, REFRESH, SHOW_PLAN)):
        answer = server.request(f"command-{n}", "workspace/executeCommand",
                                {"command": command, "arguments": [{"uri": URI, "name": "payments-api"}]})
        assert answer == {"jsonrpc": "2.0", "id": f"command-{n}", "result": None}
    shown = [(m["params"]["type"], m["params"]["message"]) for m in server.notifications("window/showMessage")]
    assert shown == [(2, RESTRICTED_MESSAGE)] * 3  # a started create would have said "Creating authorization…"
    assert server.stop() == 0
    assert recorder.requests == []


def test_without_restricted_mode_the_same_create_reaches_the_endpoint(recorder: Recorder) -> None:
    server = start(recorder, restricted=False)
    assert titles(server, "entry", 3) == ["Create authorization 'web-frontend' in ServiceStage",
                                          "Create all new authorizations in ServiceStage (2)",
                                          "Refresh status from ServiceStage", "Import from ServiceStage",
                                          "Show plan (the file against ServiceStage)"]
    server.request("create", "workspace/executeCommand",
                   {"command": CREATE, "arguments": [{"uri": URI, "name": "payments-api"}]})
    # The create runs in the background: its outcome (the recorder answers 500) is an error message.
    server.wait_for(lambda: [m for m in server.notifications("window/showMessage") if m["params"]["type"] == 1],
                    "the create's outcome")
    assert server.stop() == 0
    assert recorder.requests == ["POST /v1/0a1b2c3d4e5f67890a1b2c3d4e5f6789/git/auths/gitlab/personal HTTP/1.1"]
