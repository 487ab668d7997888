"""Destructive commands ask with window/showMessageRequest: only the yes answer goes on — not Cancel, not
no answer, not a client that cannot ask or fails to."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types as lsp

from servicestage_ls.lsp.lifecycle import confirm


class FakeServer:
    def __init__(self, window: lsp.WindowClientCapabilities | None, answer: Any = None) -> None:
        self.client_capabilities = lsp.ClientCapabilities(window=window)
        self.answer = answer
        self.asked: list[lsp.ShowMessageRequestParams] = []
        self.shown: list[tuple[str, lsp.MessageType]] = []
        self.errors: list[str] = []

    async def window_show_message_request_async(self, params: lsp.ShowMessageRequestParams) -> Any:
        self.asked.append(params)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def show(self, message: str, kind: lsp.MessageType) -> None:
        self.shown.append((message, kind))

    def log_error(self, what: str, exc: BaseException | None) -> None:
        self.errors.append(what)


ASKS = lsp.WindowClientCapabilities(show_message=lsp.ShowMessageRequestClientCapabilities())


def ask(server: FakeServer) -> bool:
    return asyncio.run(confirm(server, "Delete 'abcd' from ServiceStage? This cannot be undone.", "Delete"))  # type: ignore[arg-type]


def test_only_the_yes_answer_confirms() -> None:
    yes = FakeServer(ASKS, lsp.MessageActionItem(title="Delete"))
    assert ask(yes) is True
    assert [(p.type, p.message, [a.title for a in p.actions or []]) for p in yes.asked] == [
        (lsp.MessageType.Warning, "Delete 'abcd' from ServiceStage? This cannot be undone.", ["Delete", "Cancel"])]
    assert ask(FakeServer(ASKS, lsp.MessageActionItem(title="Cancel"))) is False
    assert ask(FakeServer(ASKS, None)) is False


def test_a_client_that_cannot_ask_or_fails_to_gets_nothing_done() -> None:
    mute = FakeServer(None)
    assert ask(mute) is False
    assert mute.asked == []
    assert mute.shown == [("ServiceStage: not done: the editor cannot ask for confirmation (Delete 'abcd' from "
                           "ServiceStage? This cannot be undone.)", lsp.MessageType.Warning)]
    failing = FakeServer(ASKS, RuntimeError("method not found"))
    assert ask(failing) is False
    assert failing.errors == ["asking for confirmation"]
