"""A client preset that behaves like Emacs eglot 1.9 (Debian 12's ``elpa-eglot``, without markdown-mode).

- :data:`EGLOT_1_9_CAPABILITIES` is what eglot 1.9's ``eglot-client-capabilities`` sends: hover
  ``contentFormat: ["plaintext"]`` (``gfm-view-mode`` is not installed), no ``documentationFormat`` for completion,
  no ``window.workDoneProgress``, versioned ``documentChanges``, no ``clientInfo``.
- :class:`EglotClient` applies ``workspace/applyEdit`` as eglot does: an edit for another version than the buffer's
  is answered with a JSON-RPC error (``Edits on `…' require version N, you have M``), an applied edit is answered
  ``applied: true`` at once, and its ``didChange`` is sent only once no ``workspace/executeCommand`` is pending
  (eglot sends it from an idle timer, which cannot fire while it blocks on the command's response).
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInternalError
from pytest_lsp.client import make_test_lsp_client, register_lsp_features

from helpers.cloud_lsp import EditorClient, _fix_code_action_structuring
from helpers.lsp_session import _edits_by_uri, _install_recorder, apply_text_edits

EGLOT_1_9 = "eglot-1.9"
#: Emacs 29's eglot (1.12): pytest-lsp's capabilities, with work-done progress; it names itself in clientInfo.
EGLOT_EMACS_29 = "emacs@v29.1"
CLIENT_INFO = {EGLOT_EMACS_29: lsp.ClientInfo(name="Eglot", version="1.12.29")}

_SYMBOL_KINDS = list(range(1, 27))

EGLOT_1_9_CAPABILITIES: dict[str, Any] = {
    "workspace": {
        "applyEdit": True,
        "executeCommand": {"dynamicRegistration": False},
        "workspaceEdit": {"documentChanges": True},
        "didChangeWatchedFiles": {"dynamicRegistration": True},
        "symbol": {"dynamicRegistration": False},
        "configuration": True,
        "workspaceFolders": True,
    },
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "willSave": True, "willSaveWaitUntil": True,
                            "didSave": True},
        "completion": {"dynamicRegistration": False,
                       "completionItem": {"snippetSupport": False, "deprecatedSupport": True,
                                          "tagSupport": {"valueSet": [1]}},
                       "contextSupport": True},
        "hover": {"dynamicRegistration": False, "contentFormat": ["plaintext"]},
        "signatureHelp": {"dynamicRegistration": False,
                          "signatureInformation": {"parameterInformation": {"labelOffsetSupport": True},
                                                   "activeParameterSupport": True}},
        "references": {"dynamicRegistration": False},
        "definition": {"dynamicRegistration": False, "linkSupport": True},
        "declaration": {"dynamicRegistration": False, "linkSupport": True},
        "implementation": {"dynamicRegistration": False, "linkSupport": True},
        "typeDefinition": {"dynamicRegistration": False, "linkSupport": True},
        "documentSymbol": {"dynamicRegistration": False, "hierarchicalDocumentSymbolSupport": True,
                           "symbolKind": {"valueSet": _SYMBOL_KINDS}},
        "documentHighlight": {"dynamicRegistration": False},
        "codeAction": {"dynamicRegistration": False,
                       "codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                           "quickfix", "refactor", "refactor.extract", "refactor.inline", "refactor.rewrite",
                           "source", "source.organizeImports"]}},
                       "isPreferredSupport": True},
        "formatting": {"dynamicRegistration": False},
        "rangeFormatting": {"dynamicRegistration": False},
        "rename": {"dynamicRegistration": False},
        "publishDiagnostics": {"relatedInformation": False, "codeDescriptionSupport": False,
                               "tagSupport": {"valueSet": [1, 2]}},
    },
    "experimental": {},
}


def eglot_capabilities() -> lsp.ClientCapabilities:
    converter = make_test_lsp_client().protocol._converter
    return converter.structure(EGLOT_1_9_CAPABILITIES, lsp.ClientCapabilities)


class EglotClient(EditorClient):
    """An :class:`EditorClient` that answers applyEdit and sends didChange the way eglot 1.9 does."""

    refusals = ("User cancelled server edit", "Edits on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands_pending = 0
        #: The applied edits' texts whose didChange is not sent yet, per document (eglot's recent changes).
        self.unsent: dict[str, str] = {}
        #: Emacs is busy (a long command, the minibuffer): idle timers do not fire, so changes wait.
        self.busy = False
        #: How many of the next edits the user declines at "Server wants to edit … Proceed?".
        self.decline_next = 0

    def on_apply_edit(self, params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        self.applied_edits.append(params)
        if self.before_apply is not None:
            hook, self.before_apply = self.before_apply, None
            hook(params)
        if self.decline_next:  # the user answered "n" to "Server wants to edit … Proceed?"
            self.decline_next -= 1
            self.refused_edits.append(params)
            raise JsonRpcInternalError(self.refusals[0])
        for change in params.edit.document_changes or []:
            if isinstance(change, lsp.TextDocumentEdit):
                uri, version = change.text_document.uri, change.text_document.version
                if version is not None and version != self.versions.get(uri):
                    self.refused_edits.append(params)
                    raise JsonRpcInternalError(f"{self.refusals[1]} `{uri.rsplit('/', 1)[-1]}' require version "
                                               f"{version}, you have {self.versions.get(uri)}")
        for uri, edits in _edits_by_uri(params.edit).items():
            self.versions[uri] += 1
            self.document_texts[uri] = apply_text_edits(self.document_texts[uri], edits, self.encoding)
            self.unsent[uri] = self.document_texts[uri]
        if not self.commands_pending and not self.busy:
            asyncio.get_running_loop().call_soon(self.send_changes)  # the idle timer, after the answer
        return lsp.ApplyWorkspaceEditResult(applied=True)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """The refusals above are answers eglot gives on purpose, not the server's misbehaviour."""
        if any(text in str(error) for text in self.refusals):
            return
        super().report_server_error(error, source)

    def send_changes(self) -> None:
        """What eglot's idle timer does: one didChange per document with changes not sent yet."""
        for uri, text in list(self.unsent.items()):
            del self.unsent[uri]
            self.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                    content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )

    def set_text(self, uri: str, text: str) -> None:
        self.unsent.pop(uri, None)
        super().set_text(uri, text)

    async def execute_blocking(self, command: str, argument: Any, timeout: float) -> Any:
        """``eglot-execute-command``: a blocking request (eglot 1.9 gives up after ``timeout`` seconds)."""
        self.commands_pending += 1
        try:
            return await asyncio.wait_for(
                self.workspace_execute_command_async(lsp.ExecuteCommandParams(command=command,
                                                                              arguments=[argument])),
                timeout,
            )
        finally:
            self.commands_pending -= 1
            self.send_changes()


def make_eglot_client() -> EglotClient:
    base = make_test_lsp_client()
    client = EglotClient(converter_factory=lambda: base.protocol._converter)
    register_lsp_features(client)
    _install_recorder(client)
    _fix_code_action_structuring(client)

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        return client.on_apply_edit(params)

    return client
