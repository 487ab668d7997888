"""The protocol's conversions are made once initialize is done (``features.warm_conversions``, run when the server
is idle): the first completion and hover of a session make no new cattrs converter — without the warm-up they made
about ten (25 ms at the first completion; issue 13). Counted, never timed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import cattrs.gen
import pytest
from lsprotocol import types as lsp

from servicestage_ls.lsp import features
from servicestage_ls.lsp.setup import create_server
from servicestage_ls.lsp.server import ServiceStageServer

URI = "file:///work/app.servicestage.yaml"
TEXT = ("region: cn-north-4\nauthorizations:\n"
        "  - name: frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
        "  - name: backend\n    repo_type: gitlba\n    token: ${GITLAB_TOKEN}\n")
CAPABILITIES = {
    "textDocument": {
        "publishDiagnostics": {"relatedInformation": True, "codeDescriptionSupport": True, "dataSupport": True},
        "completion": {"completionItem": {"snippetSupport": True, "documentationFormat": ["markdown", "plaintext"]}},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
    },
    "workspace": {"configuration": True},
    "general": {"positionEncodings": ["utf-16"]},
}


class _Writer:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.messages.append(json.loads(data.decode("utf-8").split("\r\n\r\n", 1)[1]))

    def close(self) -> None:
        pass


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the types whose converters cattrs makes from now on."""
    names: list[str] = []
    for factory in ("make_dict_unstructure_fn", "make_dict_structure_fn"):
        original = getattr(cattrs.gen, factory)

        def counting(cl: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            names.append(getattr(cl, "__name__", str(cl)))
            return _original(cl, *args, **kwargs)

        monkeypatch.setattr(cattrs.gen, factory, counting)
    yield names


def _server() -> tuple[ServiceStageServer, _Writer]:
    ls = create_server(env={"GITHUB_TOKEN": "placeholder", "GITLAB_TOKEN": "placeholder"})
    protocol = ls.compat
    protocol.client_capabilities = protocol._converter.structure(CAPABILITIES, lsp.ClientCapabilities)
    writer = _Writer()
    protocol.set_writer(writer)
    return ls, writer


def _send(ls: ServiceStageServer, message: dict[str, Any]) -> None:
    protocol = ls.compat
    protocol.handle_message(protocol.structure_message({"jsonrpc": "2.0", **message}))


def _open(ls: ServiceStageServer) -> None:
    _send(ls, {"method": "textDocument/didOpen",
               "params": {"textDocument": {"uri": URI, "languageId": "yaml", "version": 1, "text": TEXT}}})


def _complete_and_hover(ls: ServiceStageServer) -> None:
    _send(ls, {"id": 1, "method": "textDocument/completion",
               "params": {"textDocument": {"uri": URI}, "position": {"line": 3, "character": 15}}})
    _send(ls, {"id": 2, "method": "textDocument/hover",
               "params": {"textDocument": {"uri": URI}, "position": {"line": 3, "character": 6}}})


def test_after_the_warm_up_the_first_completion_and_hover_make_no_converter(made: list[str]) -> None:
    ls, writer = _server()
    features.warm_conversions(ls)
    _open(ls)
    made.clear()
    _complete_and_hover(ls)
    assert made == []
    completion, hover = writer.messages[-2:]
    assert [item["label"] for item in completion["result"]["items"]] == ["github", "gitlab", "gitee"]
    assert hover["result"]["contents"]["kind"] == "markdown"


def test_without_the_warm_up_they_would(made: list[str]) -> None:
    ls, writer = _server()
    _open(ls)
    made.clear()
    _complete_and_hover(ls)
    assert {"JsonRPCResponseMessage", "CompletionList", "CompletionItem", "Hover"} <= set(made)
    assert [m["id"] for m in writer.messages[-2:]] == [1, 2]


def test_the_warm_up_sends_nothing_and_the_diagnostics_are_the_same(made: list[str]) -> None:
    warm, warm_writer = _server()
    features.warm_conversions(warm)
    assert warm_writer.messages == []
    _open(warm)
    cold, cold_writer = _server()
    _open(cold)
    assert warm_writer.messages == cold_writer.messages
    assert [d["code"] for d in warm_writer.messages[0]["params"]["diagnostics"]] == ["SS132"]
