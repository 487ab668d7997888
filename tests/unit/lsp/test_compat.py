"""What ``lsp/compat.py`` relies on in pygls still holds: the names it overrides or reaches exist with the
parameters it uses, and the behaviours it changes are changed — checked on the server itself, fed messages the
way pygls' reader feeds them (``structure_message`` as the JSON object hook, then ``handle_message``).

A pygls upgrade that renames or reorders any of these fails here, not in an editor."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any

import pytest
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol

from servicestage_ls.lsp.compat import CompatProtocol
from servicestage_ls.lsp.server import ServiceStageServer
from servicestage_ls.lsp.setup import create_server

URI = "file:///w/a.servicestage.yaml"
PULL_CAPABILITIES = {"textDocument": {"diagnostic": {}}, "workspace": {"diagnostics": {"refreshSupport": True}}}


class Session:
    """A server without a transport: messages in as pygls decodes them, what it writes out as JSON."""

    def __init__(self, capabilities: dict[str, Any] | None = None) -> None:
        self.server: ServiceStageServer = create_server({})
        self.protocol = self.server.protocol
        assert isinstance(self.protocol, CompatProtocol)
        self.written: list[bytes] = []
        self.protocol.set_writer(self)
        self.initialize_result = self.request(1, "initialize", {"capabilities": capabilities or {}})["result"]

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass

    def receive(self, message: dict[str, Any]) -> None:
        decoded = json.loads(json.dumps(message), object_hook=self.protocol.structure_message)
        self.protocol.handle_message(decoded)

    def sent(self) -> list[dict[str, Any]]:
        return [json.loads(data.split(b"\r\n\r\n", 1)[1]) for data in self.written]

    def request(self, msg_id: int, method: str, params: Any) -> dict[str, Any]:
        self.receive({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        answers = [m for m in self.sent() if m.get("id") == msg_id and "method" not in m]
        assert len(answers) == 1, answers
        return answers[0]

    def notify(self, method: str, params: Any) -> None:
        self.receive({"jsonrpc": "2.0", "method": method, "params": params})


def _parameters(cls: type, name: str) -> list[str]:
    return list(inspect.signature(getattr(cls, name)).parameters)


@pytest.mark.parametrize(("cls", "name", "parameters"), [
    (JsonRPCProtocol, "structure_message", ["self", "data"]),
    (JsonRPCProtocol, "handle_message", ["self", "message"]),
    (JsonRPCProtocol, "get_message_type", ["self", "method"]),
    (JsonRPCProtocol, "_send_data", ["self", "data"]),
    (JsonRPCProtocol, "_send_response", ["self", "msg_id", "result", "error"]),
    (JsonRPCProtocol, "_handle_cancel_notification", ["self", "msg_id"]),
    (LanguageServerProtocol, "lsp_text_document__did_open", ["self", "params"]),
    (LanguageServerProtocol, "lsp_text_document__did_change", ["self", "params"]),
    (LanguageServerProtocol, "lsp_text_document__did_close", ["self", "params"]),
])
def test_pygls_still_has_what_compat_overrides(cls: type, name: str, parameters: list[str]) -> None:
    assert _parameters(cls, name) == parameters


def test_pygls_still_keeps_what_compat_reads() -> None:
    protocol = Session().protocol
    assert isinstance(protocol._request_futures, dict)
    assert protocol._shutdown is False
    assert protocol.msg_id is None  # outside a request
    assert protocol.unstructure(None) is None
    assert set(protocol.fm.commands) >= {"servicestage-ls.createAuthorization"}


def test_text_sync_is_the_servers_own_pygls_keeps_no_copy() -> None:
    session = Session()
    text = "project_id: a\u2028b\n"  # pygls would split this line in two
    session.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "yaml", "version": 1,
                                                             "text": text}})
    assert session.server.docs[URI].text == text
    assert session.server.docs[URI].model().lines == [text[:-1], ""]
    session.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 13}, "end": {"line": 0, "character": 13}}, "text": "x"}]})
    assert session.server.docs[URI].text == "project_id: ax\u2028b\n"
    assert session.server.docs[URI].version == 2
    assert dict(session.server.workspace.text_documents) == {}
    session.notify("textDocument/didClose", {"textDocument": {"uri": URI}})
    assert session.server.docs == {}


def test_a_feature_registered_during_initialize_is_offered() -> None:
    pulling = Session(PULL_CAPABILITIES).initialize_result["capabilities"]
    assert pulling["diagnosticProvider"] == {"identifier": "servicestage", "interFileDependencies": False,
                                             "workspaceDiagnostics": False}
    assert "diagnosticProvider" not in Session().initialize_result["capabilities"]


def test_pushed_diagnostics_go_out_as_they_were_converted() -> None:
    session = Session()
    session.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "yaml", "version": 1,
                                                             "text": "a"}})
    [published] = [m for m in session.sent() if m.get("method") == "textDocument/publishDiagnostics"]
    assert published["params"]["uri"] == URI
    assert published["params"]["version"] == 1
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["SS102"]


def test_a_request_whose_params_cannot_be_decoded_is_answered() -> None:
    answer = Session().request(2, "textDocument/hover", {"textDocument": {"uri": URI}})
    assert answer["error"] == {"code": -32602, "message": "invalid params for textDocument/hover: required field "
                                                          "missing @ $.params.position"}


def test_a_request_after_shutdown_is_refused() -> None:
    session = Session()
    assert session.request(2, "shutdown", None)["result"] is None
    answer = session.request(3, "textDocument/hover", {"textDocument": {"uri": URI},
                                                       "position": {"line": 0, "character": 0}})
    assert answer["error"] == {"code": -32600,
                               "message": "the server is shutting down: textDocument/hover not handled"}


def test_cancelling_an_answered_request_is_not_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    session = Session()
    with caplog.at_level(logging.DEBUG):
        session.notify("$/cancelRequest", {"id": 1})
    assert {r.levelname for r in caplog.records} == {"DEBUG"}
    assert [r.getMessage() for r in caplog.records if r.name == "servicestage_ls"] == \
        ["$/cancelRequest for 1, which is already answered"]


def test_the_client_cancelling_a_progress_token_reaches_its_callback() -> None:
    session = Session({"window": {"workDoneProgress": True}})
    session.server.work_done_progress.create("servicestage-1")
    [create] = [m for m in session.sent() if m.get("method") == "window/workDoneProgress/create"]
    session.receive({"jsonrpc": "2.0", "id": create["id"], "result": None})
    cancelled: list[str] = []
    session.protocol.on_progress_cancelled("servicestage-1", lambda: cancelled.append("servicestage-1"))
    session.protocol.on_progress_cancelled("unknown", lambda: cancelled.append("unknown"))
    session.notify("window/workDoneProgress/cancel", {"token": "servicestage-1"})
    assert cancelled == ["servicestage-1"]
    session.protocol.forget_progress("servicestage-1")
    session.server.work_done_progress.create("servicestage-1")  # pygls refuses a token it still keeps


async def test_the_future_of_the_request_being_handled_is_the_one_cancel_request_cancels() -> None:
    session = Session()
    seen: list[Any] = []
    started, release = asyncio.Event(), asyncio.Event()

    @session.server.command("servicestage-test.probe")
    async def probe(ls: ServiceStageServer, *args: Any) -> str:
        seen.append(ls.compat.current_request_future())
        started.set()
        await release.wait()
        return "answered"

    session.receive({"jsonrpc": "2.0", "id": 7, "method": "workspace/executeCommand",
                     "params": {"command": "servicestage-test.probe", "arguments": []}})
    await asyncio.wait_for(started.wait(), 10)
    [future] = seen
    assert future is not None and not future.done()
    session.notify("$/cancelRequest", {"id": 7})
    assert future.cancelled()
    assert session.protocol.current_request_future() is None  # outside a request
