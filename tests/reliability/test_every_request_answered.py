"""Every request gets a response, at once, and error responses are one line with no internals.

Raw JSON-RPC over the real server process (tests/helpers/raw_jsonrpc.py): params of the wrong shape, bytes that
are not JSON, requests after shutdown, failing handlers, bad command arguments, cancellations of finished
requests. The client gets an exact error; the server's stderr gets no stack trace (only with
SERVICESTAGE_LS_LOG_LEVEL=debug) and no warning for what clients do routinely.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from helpers.raw_jsonrpc import RawServer

URI = "file:///work/answered/team.servicestage.yaml"
TEXT = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        "  - name: web-frontend\n    repo_type: githib\n    token: ${GITHUB_TOKEN}\n")
HOVER_NAME = {"textDocument": {"uri": URI}, "position": {"line": 3, "character": 5}}
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s*File \".*\", line \d+", re.MULTILINE)
INVALID_PARAMS, INVALID_REQUEST, INTERNAL_ERROR, PARSE_ERROR = -32602, -32600, -32603, -32700


def started(env: dict[str, str] | None = None) -> RawServer:
    server = RawServer(env)
    assert "result" in server.initialize()
    server.open(URI, TEXT)
    return server


@pytest.fixture
def server() -> Iterator[RawServer]:
    server = started()
    yield server
    server.process.kill()
    server.process.wait()


UNDECODABLE = [
    ("textDocument/hover", {"textDocument": {"uri": 5}, "position": "x"},
     "invalid value for type, expected int @ $.params.position.line; "
     "invalid value for type, expected int @ $.params.position.character"),
    ("textDocument/completion", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": "a"}},
     "invalid value for type, expected int @ $.params.position.character"),
    ("textDocument/completion", {"textDocument": {"uri": URI}, "position": {"line": None, "character": 0}},
     "invalid value for type, expected int @ $.params.position.line"),
    ("textDocument/codeAction", {},
     "required field missing @ $.params.text_document; required field missing @ $.params.range; "
     "required field missing @ $.params.context"),
    ("textDocument/documentSymbol", [1, 2],
     "invalid value for type, expected TextDocumentIdentifier @ $.params.text_document"),
    ("textDocument/hover", "x", "invalid value for type, expected TextDocumentIdentifier @ $.params.text_document; "
                                "invalid value for type, expected Position @ $.params.position"),
    ("textDocument/diagnostic", {"textDocument": None},
     "invalid value for type, expected str @ $.params.text_document.uri"),
    ("workspace/executeCommand", {"arguments": []}, "required field missing @ $.params.command"),
    ("textDocument/codeAction", {"textDocument": {"uri": URI}, "range": {"start": {"line": 0, "character": 0},
                                                                        "end": {"line": 0}},
                                 "context": {"diagnostics": [{"range": 1, "message": 2}]}},
     "required field missing @ $.params.range.end.character; "
     "invalid value for type, expected Position @ $.params.context.diagnostics[0].range.start; "
     "invalid value for type, expected Position @ $.params.context.diagnostics[0].range.end"),
]


def test_requests_with_undecodable_params_get_invalid_params_at_once(server: RawServer) -> None:
    for index, (method, params, problem) in enumerate(UNDECODABLE):
        bad, good = f"bad-{index}", f"good-{index}"
        server.send({"id": bad, "method": method, "params": params})
        server.send({"id": good, "method": "textDocument/hover", "params": HOVER_NAME})
        assert server.response(good)["result"]["range"] == {"start": {"line": 3, "character": 4},
                                                            "end": {"line": 3, "character": 8}}
        responses = [m.get("id") for m in server.messages if "method" not in m]
        # Answered when read, before the normal request that followed it.
        assert responses.index(bad) < responses.index(good)
        assert server.response(bad) == {"jsonrpc": "2.0", "id": bad, "error": {
            "code": INVALID_PARAMS, "message": f"invalid params for {method}: {problem}"}}
    assert server.stop() == 0
    assert not TRACEBACK.search(server.stderr), server.stderr
    assert "ERROR" not in server.stderr, server.stderr


def test_a_request_without_params_and_ids_of_any_kind_are_answered(server: RawServer) -> None:
    server.send({"id": 7, "method": "textDocument/hover"})
    assert server.response(7)["error"] == {
        "code": INVALID_PARAMS, "message": "invalid params for textDocument/hover: required field missing @ $.params"}
    server.send({"id": 0, "method": "textDocument/completion", "params": None})
    assert server.response(0)["error"]["code"] == INVALID_PARAMS
    assert server.stop() == 0


def test_not_json_gets_a_parse_error_and_the_server_carries_on(server: RawServer) -> None:
    server.send_bytes(b'{"jsonrpc": "2.0", "id": "cut", "method": "textDocument/hover", "params": {')
    assert server.response(None) == {"jsonrpc": "2.0", "id": None, "error": {
        "code": PARSE_ERROR, "message": "the message is not valid JSON"}}
    assert server.request("after", "textDocument/hover", HOVER_NAME)["result"] is not None
    assert server.stop() == 0
    assert not TRACEBACK.search(server.stderr), server.stderr
    assert [line for line in server.stderr.splitlines() if "JSON" in line] == [
        "WARNING servicestage_ls: a message from the client is not valid JSON: Expecting property name enclosed in "
        "double quotes: line 1 column 76 (char 75)"]


def test_undecodable_notifications_are_ignored_with_one_line(server: RawServer) -> None:
    server.send({"method": "textDocument/didChange",
                 "params": {"textDocument": {"uri": URI, "version": 2}, "contentChanges": "garbage"}})
    server.send({"method": "textDocument/didOpen", "params": {"textDocument": None}})
    symbols = server.request("symbols", "textDocument/documentSymbol", {"textDocument": {"uri": URI}})
    assert [s["name"] for s in symbols["result"]][:3] == ["project_id", "region", "authorizations"]
    assert server.stop() == 0
    assert not TRACEBACK.search(server.stderr), server.stderr
    ignored = [line for line in server.stderr.splitlines() if "ignored" in line]
    assert len(ignored) == 2
    assert ignored[0].startswith("WARNING servicestage_ls: ignored a textDocument/didChange notification whose "
                                 "params could not be decoded: invalid value for type, expected Union @ "
                                 "$.params.content_changes[0]")
    assert ignored[1] == ("WARNING servicestage_ls: ignored a textDocument/didOpen notification whose params could "
                          "not be decoded: invalid value for type, expected str @ $.params.text_document.uri; "
                          "invalid value for type, expected Union @ $.params.text_document.language_id; invalid "
                          "value for type, expected int @ $.params.text_document.version (and 1 more)")


def test_requests_after_shutdown_get_invalid_request(server: RawServer) -> None:
    assert server.request("down", "shutdown") == {"jsonrpc": "2.0", "id": "down", "result": None}
    assert server.request("late", "textDocument/hover", HOVER_NAME) == {"jsonrpc": "2.0", "id": "late", "error": {
        "code": INVALID_REQUEST, "message": "the server is shutting down: textDocument/hover not handled"}}
    assert server.request("again", "shutdown")["error"]["code"] == INVALID_REQUEST
    server.send({"method": "exit"})
    assert server.process.wait(20) == 0


FAULTY = {"SERVICESTAGE_LS_FAULTS": "hover,didChange"}


def fail_hover_and_did_change(server: RawServer) -> dict[str, object]:
    response = server.request("hover", "textDocument/hover", HOVER_NAME)
    server.send({"method": "textDocument/didChange", "params": {
        "textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": "region: x\n"}]}})
    server.wait_for(lambda: len([m for m in server.notifications("window/logMessage")
                                 if "didChange" in m["params"]["message"]]) == 1, "the didChange failure logged")
    assert server.stop() == 0
    return response


def test_error_responses_and_logs_carry_one_line_not_the_stack_trace() -> None:
    server = started(FAULTY)
    response = fail_hover_and_did_change(server)
    assert response == {"jsonrpc": "2.0", "id": "hover", "error": {
        "code": INTERNAL_ERROR, "message": "RuntimeError: injected fault in hover"}}
    assert [m["params"] for m in server.notifications("window/logMessage")] == [
        {"type": 1, "message": "internal error: RuntimeError: injected fault in hover"},
        {"type": 1, "message": "internal error: RuntimeError: injected fault in didChange"},
    ]
    assert not TRACEBACK.search(server.stderr), server.stderr
    assert [line for line in server.stderr.splitlines() if "servicestage_ls" in line] == [
        "ERROR servicestage_ls: internal error: RuntimeError: injected fault in hover",
        "ERROR servicestage_ls: internal error: RuntimeError: injected fault in didChange",
    ]


def test_the_stack_trace_is_in_the_debug_log() -> None:
    server = started({**FAULTY, "SERVICESTAGE_LS_LOG_LEVEL": "debug"})
    response = fail_hover_and_did_change(server)
    assert response["error"] == {"code": INTERNAL_ERROR, "message": "RuntimeError: injected fault in hover"}
    for feature in ("hover", "didChange"):
        assert re.search(rf"^DEBUG servicestage_ls: internal error: Traceback \(most recent call last\):\n"
                         rf"(?:[ \t].*\n)+RuntimeError: injected fault in {feature}$", server.stderr, re.MULTILINE)


def test_bad_command_arguments_are_answered_and_not_logged_as_internal_errors(server: RawServer) -> None:
    unknown = server.request("unknown", "workspace/executeCommand", {"command": "servicestage-ls.nosuch",
                                                                      "arguments": [{"uri": URI}]})
    assert unknown["error"] == {"code": INVALID_PARAMS,
                                "message": "Invalid Params: Command name 'servicestage-ls.nosuch' is not defined"}
    for index, arguments in enumerate([[5], [{"uri": 5}], [], [{"uri": URI, "position": "x"}]]):
        answer = server.request(f"bad-{index}", "workspace/executeCommand",
                                {"command": "servicestage-ls.createAuthorization", "arguments": arguments})
        assert "result" in answer, answer
    assert server.stop() == 0
    assert not TRACEBACK.search(server.stderr), server.stderr
    assert "ERROR" not in server.stderr and "internal error" not in server.stderr, server.stderr
    assert not [m for m in server.notifications("window/logMessage") if m["params"]["type"] == 1]


def test_cancelling_an_answered_request_is_quiet(server: RawServer) -> None:
    """VS Code cancels requests whose answers it no longer needs, often after they are answered."""
    assert server.request(41, "textDocument/hover", HOVER_NAME)["result"] is not None
    server.send({"method": "$/cancelRequest", "params": {"id": 41}})
    server.send({"method": "$/cancelRequest", "params": {"id": "never-sent"}})
    assert server.request(42, "textDocument/documentSymbol", {"textDocument": {"uri": URI}})["result"]
    assert server.stop() == 0
    assert "Cancel" not in server.stderr and "WARNING" not in server.stderr, server.stderr
