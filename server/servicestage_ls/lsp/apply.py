"""Writing back to an open document with ``workspace/applyEdit``, checked against what the document then shows.

The edits are computed on the document as it is at each attempt, so an edit the user made meanwhile is kept.
What is in flight is kept per server (``WriteBacks``, owned by the cloud features): two servers in one process
share nothing.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from servicestage_ls.engine.actions import Refused

if TYPE_CHECKING:
    from servicestage_ls.core.edits import TextEdit
    from servicestage_ls.core.model import Model
    from servicestage_ls.lsp.server import ServiceStageServer
    from servicestage_ls.lsp.state import DocState

APPLY_ATTEMPTS = 3
APPLIED_CHANGE_WAIT_SECONDS = 2.0
UNSEEN_CHANGE_WAIT_SECONDS = 60.0


class WriteBacks:
    """The write-backs of one server: one at a time per document (``locks``), and per document the version for
    which the client applied a write-back whose didChange has not come yet (``unseen``)."""

    def __init__(self) -> None:
        self.locks: dict[str, asyncio.Lock] = {}
        self.unseen: weakref.WeakKeyDictionary[DocState, int | None] = weakref.WeakKeyDictionary()

    async def apply(self, ls: ServiceStageServer, uri: str, compute: Callable[[Model], list[TextEdit]],
                    label: str) -> None:
        """Compute edits on the document as it is now and apply them for that version; retry if it moved on.

        Write-backs to one document take turns, and each ends only when the document shows it (its didChange has
        arrived) or the client said it applied it: edits computed while another applyEdit is in flight would be
        made for a text the client no longer has, and a client without versioned edits (Neovim) would put them at
        the wrong place. Neovim 0.7 also answers "applied" for an edit it dropped because the buffer was newer; the
        text of the newer version shows that, and the edit is made again for it.
        """
        async with self.locks.setdefault(uri, asyncio.Lock()):
            try:
                await self._apply_now(ls, uri, compute, label)
            finally:
                if uri not in ls.docs:
                    self.locks.pop(uri, None)

    async def _apply_now(self, ls: ServiceStageServer, uri: str, compute: Callable[[Model], list[TextEdit]],
                         label: str) -> None:
        reason = "no reason given"
        for _ in range(APPLY_ATTEMPTS):
            state = ls.docs.get(uri)
            if state is None:
                raise Refused("the file was closed before ServiceStage answered; nothing was written — open it "
                              "and run Refresh status")
            if state in self.unseen and self.unseen[state] == state.version:
                # The client applied an earlier write-back for this version and has not sent that change yet
                # (eglot sends it from an idle timer): an edit made for this version is one it has moved past.
                if not await state.wait_for_change(state.version, timeout=APPLIED_CHANGE_WAIT_SECONDS):
                    raise Refused("the editor has not sent back the previous change yet; nothing was written — "
                                  "run Refresh status")
            model = state.model()
            edits = compute(model)
            if not edits:
                return
            version = state.version
            lsp_edits = [lsp.TextEdit(ls.to_lsp_range(model, e.range), e.new_text) for e in edits]
            try:
                result = await ls.workspace_apply_edit_async(
                    lsp.ApplyWorkspaceEditParams(edit=ls.workspace_edit(state, lsp_edits), label=label)
                )
            except Exception as error:  # noqa: BLE001 - eglot refuses with an error response: a refusal too
                result = lsp.ApplyWorkspaceEditResult(applied=False, failure_reason=_error_text(error))
            if result.applied:
                # The didChange normally comes before the answer or just after it; the next round then checks that
                # the document has what was written. A client that sends it later (eglot, from an idle timer) is
                # trusted: the edit is never sent again for a version the client has moved past.
                if await state.wait_for_change(version, timeout=APPLIED_CHANGE_WAIT_SECONDS):
                    reason = "the editor said it applied the change, but the document did not change"
                    continue
                self.unseen[state] = version
                ls.run_task(self._check_later(ls, state, version, compute, label), "write-back check")
                return
            reason = result.failure_reason or reason
            if not await state.wait_for_change(version, timeout=1.0):
                break
        state = ls.docs.get(uri)
        if state is not None and not compute(state.model()):
            return
        raise Refused(f"the editor did not apply the change ({reason}); nothing was written")

    async def _check_later(self, ls: ServiceStageServer, state: DocState, version: int | None,
                           compute: Callable[[Model], list[TextEdit]], label: str) -> None:
        """A write-back the client said it applied, before its didChange came: once the change comes, make sure
        the document has it (and write it for the new version if it does not)."""
        changed = await state.wait_for_change(version, timeout=UNSEEN_CHANGE_WAIT_SECONDS)
        if not changed or ls.docs.get(state.uri) is not state:
            return
        async with self.locks.setdefault(state.uri, asyncio.Lock()):
            try:
                if not compute(state.model()):
                    return
            except Refused:
                return  # the user changed the entry since: theirs to keep
            try:
                await self._apply_now(ls, state.uri, compute, label)
            except Refused as refused:
                ls.show(f"{label}, but {refused}", lsp.MessageType.Warning)


def _error_text(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return str(message)
