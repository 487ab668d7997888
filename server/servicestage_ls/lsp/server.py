"""The language server: its state (open documents, settings, client capabilities), the conversions between the
core's positions and the client's, and how diagnostics reach the client (pushed, or pulled and refreshed).

The handlers are elsewhere: ``sync`` (the session and text sync), ``features`` (the editor features of the pure
core) and the cloud and life-cycle features, which ``setup`` puts together as a list. Text synchronisation is our
own (``DocState`` in ``state``): ``compat.CompatProtocol`` keeps pygls' document store out of it, and positions are
converted with the negotiated encoding (``positions``). This module imports none of the handlers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import traceback
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer

from servicestage_ls import __version__
from servicestage_ls.core.files import matches, uri_to_path
from servicestage_ls.core.schema import redact
from servicestage_ls.core.settings import Settings, parse_settings
from servicestage_ls.core.settings import from_workspace as workspace_settings
from servicestage_ls.lsp.compat import CompatProtocol, one_line
from servicestage_ls.lsp.positions import from_client_column, to_client_column
from servicestage_ls.lsp.state import Converted, DocState

if TYPE_CHECKING:
    from servicestage_ls.core.model import Model, Range
    from servicestage_ls.core.rules import Finding

log = logging.getLogger("servicestage_ls")

SOURCE = "servicestage"
LOG_LEVEL_VARIABLE = "SERVICESTAGE_LS_LOG_LEVEL"
"""debug, info (the default), warning or error: how much the server writes to stderr (debug adds stack traces)."""
RESTRICTED_MESSAGE = "ServiceStage: trust this workspace to use ServiceStage (in Restricted Mode nothing is sent to " \
    "the cloud)"
"""What a cloud command answers in Restricted Mode (VS Code's client says the same before it asks the server)."""
RESTRICTED_OPTION = "restrictedMode"
"""The initializationOptions key by which a client says that the workspace is not trusted."""
FAULTS_VARIABLE = "SERVICESTAGE_LS_FAULTS"
"""Comma-separated feature names that raise on purpose: lets tests prove that failures are contained."""


class Feature:
    """What a feature adds to the editor features besides its commands (esbonio's ``LanguageFeature``): its own
    diagnostics, code actions, code lenses and work on save. The defaults add nothing."""

    def findings(self, ls: ServiceStageServer, state: DocState) -> list[Finding]:
        """Shown with the core's findings (whatever ``validate`` says: they come from the feature's own work)."""
        return []

    def code_actions(self, ls: ServiceStageServer, state: DocState,
                     params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return []

    def code_lenses(self, ls: ServiceStageServer, state: DocState) -> list[lsp.CodeLens]:
        return []

    def on_save(self, ls: ServiceStageServer, state: DocState) -> None:
        return None


class ServiceStageServer(LanguageServer):
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(
            "servicestage-ls",
            __version__,
            protocol_cls=CompatProtocol,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
        )
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.docs: dict[str, DocState] = {}
        self.settings = Settings()
        self.initialization_settings: Any = None
        # VS Code's Restricted Mode (initializationOptions.restrictedMode, an untrusted workspace): the cloud
        # features are off — no cloud command, code action, code lens or remote check (lsp/setup.py's gate).
        self.restricted = False
        self.client_name = ""  # clientInfo.name from initialize, when the client sends it
        self.reported_setting_problems: set[str] = set()
        self.encoding = "utf-16"
        self.tasks: set[asyncio.Task[Any]] = set()
        self.pending_validation: set[str] = set()
        self.faults = {f.strip() for f in self.env.get(FAULTS_VARIABLE, "").split(",") if f.strip()}
        # What lsp/setup.py adds to the editor features (the cloud and life-cycle features): code actions, code
        # lenses, on-save work.
        self.features: list[Feature] = []

    @property
    def compat(self) -> CompatProtocol:
        """The protocol, with what reaches into pygls internals (lsp/compat.py)."""
        protocol = self.protocol
        assert isinstance(protocol, CompatProtocol)
        return protocol

    # -- client capabilities --

    def client_pulls_diagnostics(self) -> bool:
        """Pull only with clients that can also be asked to pull again (diagnostics made without an edit:
        on save, SS170, remote hints); other clients get pushed diagnostics."""
        td = self.client_capabilities.text_document
        ws = self.client_capabilities.workspace
        return bool(td and td.diagnostic and ws and ws.diagnostics and ws.diagnostics.refresh_support)

    def client_supports_snippets(self) -> bool:
        td = self.client_capabilities.text_document
        item = td and td.completion and td.completion.completion_item
        return bool(item and item.snippet_support)

    def client_supports_configuration(self) -> bool:
        ws = self.client_capabilities.workspace
        return bool(ws and ws.configuration)

    def client_has_hierarchical_symbols(self) -> bool:
        td = self.client_capabilities.text_document
        return bool(td and td.document_symbol and td.document_symbol.hierarchical_document_symbol_support)

    def client_supports_document_changes(self) -> bool:
        ws = self.client_capabilities.workspace
        return bool(ws and ws.workspace_edit and ws.workspace_edit.document_changes)

    def client_supports_work_done_progress(self) -> bool:
        window = self.client_capabilities.window
        return bool(window and window.work_done_progress)

    def client_waits_on_commands(self) -> bool:
        """Whether the client may wait on a command's answer with the editor frozen: eglot sends
        workspace/executeCommand as a blocking request (any version; it names itself "Eglot" since 1.10), and a
        client that cannot show progress has nothing better to show while it waits."""
        return self.client_name.lower() == "eglot" or not self.client_supports_work_done_progress()

    def hover_format(self) -> lsp.MarkupKind:
        td = self.client_capabilities.text_document
        return _preferred_markup(td.hover.content_format if td and td.hover else None)

    def completion_documentation_format(self) -> lsp.MarkupKind | None:
        """None: the client names no format, so documentation goes as a plain string."""
        td = self.client_capabilities.text_document
        item = td and td.completion and td.completion.completion_item
        formats = item.documentation_format if item else None
        return _preferred_markup(formats) if formats else None

    # -- helpers --

    def run_task(self, coro: Any, name: str) -> asyncio.Task[Any]:
        """Run a background task, keep a reference to it and log (never raise) its exception."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self.tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.log_error(f"{name} failed", t.exception())

        task.add_done_callback(done)
        return task

    def log_error(self, what: str, exc: BaseException | None) -> None:
        """One line to stderr and the client; the stack trace only to the server's log at debug level."""
        if exc is None:
            log.error("%s", what)
            self.log_to_client(what, lsp.MessageType.Error)
            return
        detail = exc.message if isinstance(exc, JsonRpcException) else f"{type(exc).__name__}: {exc}"
        log.error("%s: %s", what, one_line(detail))
        if log.isEnabledFor(logging.DEBUG):
            data = getattr(exc, "data", None)
            stack = data.get("traceback") if isinstance(data, dict) else None
            trace = "".join(stack) if isinstance(stack, list) else "".join(traceback.format_tb(exc.__traceback__))
            log.debug("%s: Traceback (most recent call last):\n%s%s", what, trace, detail)
        self.log_to_client(f"{what}: {one_line(detail)}", lsp.MessageType.Error)

    def log_to_client(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=redact(message)))
        except Exception:  # noqa: BLE001 - logging must never take the server down
            log.warning("could not send a log message to the client")

    def show(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        # Messages quote names and values from the file: never a token-shaped one in full.
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=redact(message)))

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Requests already answer with the error; everything else is logged, not popped up.
        if isinstance(error, json.JSONDecodeError):
            log.warning("a message from the client is not valid JSON: %s", error)
            self.compat.answer_unparsable()
            return
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            # The client's mistake (unknown method or command, invalid params): its error response says so.
            log.debug("refused a request: %s", one_line(error.message))
            return
        self.log_error("internal error", error)

    def is_ours(self, uri: str) -> bool:
        return matches(uri_to_path(uri), self.settings.files)

    def apply_settings(self, raw: Any, *, from_workspace: bool = False) -> None:
        """``raw`` from initializationOptions, or (``from_workspace``) from workspace/configuration or
        didChangeConfiguration, which cannot set a host, a file or turn a remote check on (core.settings)."""
        settings, problems = (workspace_settings(self.initialization_settings, raw) if from_workspace
                              else parse_settings(raw))
        self.settings = settings
        fresh = [p for p in problems if p not in self.reported_setting_problems]
        self.reported_setting_problems.update(problems)
        if fresh:
            self.show("servicestage-ls: " + "; ".join(fresh), lsp.MessageType.Warning)

    # -- conversions --

    def workspace_edit(self, state: DocState, edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
        """Edits of an open document as the client takes them: for its version when it can check one."""
        if self.client_supports_document_changes():
            return lsp.WorkspaceEdit(
                document_changes=[
                    lsp.TextDocumentEdit(
                        text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=state.uri,
                                                                                  version=state.version),
                        edits=list(edits),
                    )
                ]
            )
        return lsp.WorkspaceEdit(changes={state.uri: list(edits)})

    def to_lsp_range(self, model: Model, rng: Range) -> lsp.Range:
        return lsp.Range(self.to_lsp_position(model, rng.start), self.to_lsp_position(model, rng.end))

    def to_lsp_position(self, model: Model, pos: tuple[int, int]) -> lsp.Position:
        line, col = pos
        if line >= len(model.lines):
            line = len(model.lines) - 1
            col = len(model.lines[line])
        return lsp.Position(line, to_client_column(model.lines[line], col, self.encoding))

    def from_lsp_position(self, model: Model, pos: lsp.Position) -> tuple[int, int]:
        if pos.line >= len(model.lines):
            last = len(model.lines) - 1
            return (last, len(model.lines[last]))
        return (pos.line, from_client_column(model.lines[pos.line], pos.character, self.encoding))

    def from_lsp_range(self, model: Model, rng: lsp.Range) -> Range:
        from servicestage_ls.core.model import Range

        return Range(self.from_lsp_position(model, rng.start), self.from_lsp_position(model, rng.end))

    def to_diagnostic(self, model: Model, uri: str, f: Finding) -> lsp.Diagnostic:
        related = [
            lsp.DiagnosticRelatedInformation(lsp.Location(uri, self.to_lsp_range(model, r.range)), r.message)
            for r in f.related
        ]
        return lsp.Diagnostic(
            range=self.to_lsp_range(model, f.range),
            message=f.message,
            severity=lsp.DiagnosticSeverity(int(f.severity)),
            code=f.code,
            source=SOURCE,
            data=f.data,
            related_information=related or None,
        )

    # -- diagnostics --

    def current_findings(self, state: DocState) -> tuple[Model, list[Finding]]:
        """What the user should see now: live findings (or the last save's with validate=onSave) and what the
        features found by their own work (``Feature.findings``), and SS123 whatever ``validate`` says (it depends
        on the server's settings and environment, not on the text alone)."""
        from servicestage_ls.core.rules.top import untrusted_endpoint

        model = state.model()
        if self.settings.validate == "onSave":
            found = state.saved_findings or []
        else:
            found = state.findings(self.env)
        extra = [*untrusted_endpoint(model, self.settings.trusted(), self.env),
                 *(f for feature in self.features for f in feature.findings(self, state))]
        if extra:
            found = sorted([*found, *extra], key=lambda f: (f.range.start, f.code))
        return model, found

    def diagnostics_for(self, state: DocState) -> list[lsp.Diagnostic]:
        return [c.diagnostic for c in self._converted(state)]

    def _converted(self, state: DocState) -> list[Converted]:
        model, found = self.current_findings(state)
        lines = model.lines
        count = len(lines)
        # A finding already converted is reused while the lines it points at are the same (an edit keeps the
        # findings and the lines it did not touch): the cost of an edit follows what it changed.
        before = state.converted
        converted: dict[int, Converted] = {}
        out = []
        for f in found:
            (first, _), (last, _) = f.range
            if first >= count:  # saved findings may point past a shortened text
                continue
            if f.related:
                points = [first, last, *(p for r in f.related for p in (r.range.start[0], r.range.end[0]))]
                if max(points) >= count:
                    out.append(Converted(f, (), self.to_diagnostic(model, state.uri, f)))
                    continue
                texts = tuple(lines[p] for p in points)
            elif last < count:
                texts = (lines[first], lines[last])
            else:
                out.append(Converted(f, (), self.to_diagnostic(model, state.uri, f)))
                continue
            known = before.get(id(f))
            if known is None or known.finding is not f or any(a is not b for a, b in zip(known.lines, texts)):
                known = Converted(f, texts, self.to_diagnostic(model, state.uri, f))
            converted[id(f)] = known
            out.append(known)
        state.converted = converted
        return out

    def schedule_validation(self, uri: str) -> None:
        """Validate the newest version once the queued changes are applied (coalesced, no fixed delay)."""
        if uri in self.pending_validation:
            return
        self.pending_validation.add(uri)
        self.run_task(self._validate_soon(uri), "validation")

    async def _validate_soon(self, uri: str) -> None:
        await asyncio.sleep(0)  # let changes already read from the client be applied first
        self.pending_validation.discard(uri)
        self.publish(uri)

    def publish(self, uri: str) -> None:
        state = self.docs.get(uri)
        if state is None or self.client_pulls_diagnostics():
            return
        protocol = self.compat
        params = protocol.unstructure(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=state.version))
        params["diagnostics"] = [c.json(protocol) for c in self._converted(state)]
        protocol.notify_unstructured(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

    def refresh_diagnostics(self, uri: str | None = None) -> None:
        """Make the client see new diagnostics: push, or ask a pulling client to pull again."""
        if self.client_pulls_diagnostics():
            ws = self.client_capabilities.workspace
            if ws and ws.diagnostics and ws.diagnostics.refresh_support:
                self.run_task(self.workspace_diagnostic_refresh_async(None), "diagnostic refresh")
            return
        for u in [uri] if uri else list(self.docs):
            self.publish(u)

def _preferred_markup(formats: Sequence[lsp.MarkupKind] | None) -> lsp.MarkupKind:
    """The client's first format that we write; plain text, which every client accepts, when it names none."""
    for kind in formats or []:
        if kind in (lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText):
            return lsp.MarkupKind(kind)
    return lsp.MarkupKind.PlainText



class RedactTokenShapes(logging.Filter):
    """The server's log (stderr) quotes names and values from files, and exceptions: never a token-shaped text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = redact(message)
        if safe != message:
            record.msg, record.args = safe, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
