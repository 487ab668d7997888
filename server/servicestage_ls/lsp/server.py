"""pygls wiring of the editor features: the server, its protocol, and the handlers of the pure core's features.

Text synchronisation is our own (``DocState`` in ``state``): pygls' document store splits lines on more characters
than LSP does (U+2028, U+0085, form feed …) and re-splits the whole text on every change, so the built-in handlers
are replaced by ``_Protocol`` and positions are converted with the negotiated encoding in ``positions``.
The cloud and life-cycle features are added by ``setup`` through the server's hooks: this module does not import
them (they import it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCNotification, lsp_method

from servicestage_ls import __version__
from servicestage_ls.core.files import matches, uri_to_path
from servicestage_ls.core.settings import Settings, parse_settings
from servicestage_ls.core.schema import redact
from servicestage_ls.lsp.compat import CompatProtocol, one_line
from servicestage_ls.lsp.positions import from_client_column, to_client_column
from servicestage_ls.lsp.state import Converted, DocState, drop_stale_marks

if TYPE_CHECKING:
    from servicestage_ls.core import completion, symbols
    from servicestage_ls.core.model import Model, Range
    from servicestage_ls.core.rules import Finding

# The core and the features are imported when first used, and in the background once initialize is answered:
# they are not needed to answer it, and the start is what the user waits for.
FEATURE_MODULES = ("servicestage_ls.core.document", "servicestage_ls.core.rules", "servicestage_ls.core.completion",
                   "servicestage_ls.core.hover", "servicestage_ls.core.fixes", "servicestage_ls.core.symbols",
                   "servicestage_ls.lsp.cloud")

log = logging.getLogger("servicestage_ls")

SOURCE = "servicestage"
LOG_LEVEL_VARIABLE = "SERVICESTAGE_LS_LOG_LEVEL"
"""debug, info (the default), warning or error: how much the server writes to stderr (debug adds stack traces)."""
FAULTS_VARIABLE = "SERVICESTAGE_LS_FAULTS"
"""Comma-separated feature names that raise on purpose: lets tests prove that failures are contained."""

F = TypeVar("F", bound=Callable[..., Any])


# --- protocol ------------------------------------------------------------------------------------------


class _Unstructured:
    """Params already in their JSON form (sent as they are, not converted again)."""

    __slots__ = ("value",)

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value


class _Protocol(CompatProtocol):
    """Text sync handled by the server's ``DocState``s instead of pygls' workspace documents."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._converter.register_unstructure_hook(_Unstructured, lambda params: params.value)

    def unstructure(self, value: Any) -> Any:
        return self._converter.unstructure(value)

    def notify_unstructured(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose params are already JSON: pygls would convert every diagnostic again."""
        self._send_data(JsonRPCNotification(method=method, params=_Unstructured(params), jsonrpc=self.VERSION))

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class ServiceStageServer(LanguageServer):
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(
            "servicestage-ls",
            __version__,
            protocol_cls=_Protocol,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
        )
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.docs: dict[str, DocState] = {}
        self.settings = Settings()
        self.initialization_settings: Any = None
        self.client_name = ""  # clientInfo.name from initialize, when the client sends it
        self.reported_setting_problems: set[str] = set()
        self.encoding = "utf-16"
        self.tasks: set[asyncio.Task[Any]] = set()
        self.pending_validation: set[str] = set()
        self.faults = {f.strip() for f in self.env.get(FAULTS_VARIABLE, "").split(",") if f.strip()}
        # Filled by the cloud features (lsp/setup.py adds them): extra code actions, code lenses, on-save checks.
        self.code_action_hooks: list[Callable[[ServiceStageServer, DocState, lsp.CodeActionParams],
                                              list[lsp.CodeAction]]] = []
        self.code_lens_hooks: list[Callable[[ServiceStageServer, DocState], list[lsp.CodeLens]]] = []
        self.on_save_hooks: list[Callable[[ServiceStageServer, DocState], None]] = []

    @property
    def compat(self) -> CompatProtocol:
        """The protocol, with what reaches into pygls internals (lsp/compat.py)."""
        protocol = self.protocol
        assert isinstance(protocol, CompatProtocol)
        return protocol

    # -- client capabilities --

    def _caps(self) -> lsp.ClientCapabilities:
        return self.client_capabilities

    def client_pulls_diagnostics(self) -> bool:
        """Pull only with clients that can also be asked to pull again (diagnostics made without an edit:
        on save, SS170, remote hints); other clients get pushed diagnostics."""
        td = self._caps().text_document
        ws = self._caps().workspace
        return bool(td and td.diagnostic and ws and ws.diagnostics and ws.diagnostics.refresh_support)

    def client_supports_snippets(self) -> bool:
        td = self._caps().text_document
        item = td and td.completion and td.completion.completion_item
        return bool(item and item.snippet_support)

    def client_supports_configuration(self) -> bool:
        ws = self._caps().workspace
        return bool(ws and ws.configuration)

    def client_supports_work_done_progress(self) -> bool:
        window = self._caps().window
        return bool(window and window.work_done_progress)

    def client_waits_on_commands(self) -> bool:
        """Whether the client may wait on a command's answer with the editor frozen: eglot sends
        workspace/executeCommand as a blocking request (any version; it names itself "Eglot" since 1.10), and a
        client that cannot show progress has nothing better to show while it waits."""
        return self.client_name.lower() == "eglot" or not self.client_supports_work_done_progress()

    def hover_format(self) -> lsp.MarkupKind:
        td = self._caps().text_document
        return _preferred_markup(td.hover.content_format if td and td.hover else None)

    def completion_documentation_format(self) -> lsp.MarkupKind | None:
        """None: the client names no format, so documentation goes as a plain string."""
        td = self._caps().text_document
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

    def apply_settings(self, raw: Any) -> None:
        settings, problems = parse_settings(raw)
        self.settings = settings
        fresh = [p for p in problems if p not in self.reported_setting_problems]
        self.reported_setting_problems.update(problems)
        if fresh:
            self.show("servicestage-ls: " + "; ".join(fresh), lsp.MessageType.Warning)

    # -- conversions --

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
        """What the user should see now: live findings, or the last save's with validate=onSave."""
        model = state.model()
        if self.settings.validate == "onSave":
            found = state.saved_findings or []
        else:
            found = state.findings(self.env)
        extra = [m.finding for m in state.marks.values()]
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
        protocol = self.protocol
        assert isinstance(protocol, _Protocol)
        params = protocol.unstructure(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=state.version))
        params["diagnostics"] = [c.json(protocol) for c in self._converted(state)]
        protocol.notify_unstructured(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

    def refresh_diagnostics(self, uri: str | None = None) -> None:
        """Make the client see new diagnostics: push, or ask a pulling client to pull again."""
        if self.client_pulls_diagnostics():
            ws = self._caps().workspace
            if ws and ws.diagnostics and ws.diagnostics.refresh_support:
                self.run_task(self.workspace_diagnostic_refresh_async(None), "diagnostic refresh")
            return
        for u in [uri] if uri else list(self.docs):
            self.publish(u)


def _faultable(server: ServiceStageServer, feature: str, default: Any = None) -> Callable[[F], F]:
    """Let tests inject a failure into a feature (pygls answers it with an LSP error; we log it)."""

    def decorate(func: F) -> F:
        if asyncio.iscoroutinefunction(func):

            @wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                if feature in server.faults:
                    raise RuntimeError(f"injected fault in {feature}")
                return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if feature in server.faults:
                raise RuntimeError(f"injected fault in {feature}")
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


# --- the server ----------------------------------------------------------------------------------------


def build_server(env: Mapping[str, str] | None = None) -> ServiceStageServer:
    """Build the server with all features registered (a factory, so tests can pass an environment)."""
    server = ServiceStageServer(env)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: ServiceStageServer, params: lsp.InitializeParams) -> None:
        encoding = ls.workspace.position_encoding
        ls.encoding = str(getattr(encoding, "value", encoding) or "utf-16")
        if not ls.client_pulls_diagnostics():
            # Not offered at all, so that the client takes pushed diagnostics and never both.
            ls.compat.withdraw_feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC)
        ls.initialization_settings = params.initialization_options
        ls.client_name = params.client_info.name if params.client_info else ""
        ls.apply_settings(params.initialization_options)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: ServiceStageServer, params: lsp.InitializedParams) -> None:
        _warm_up(FEATURE_MODULES)
        ws = ls._caps().workspace
        change = ws and ws.did_change_configuration
        if change and change.dynamic_registration:
            await ls.client_register_capability_async(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="servicestage-configuration",
                            method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                            register_options=lsp.DidChangeConfigurationRegistrationOptions(section="servicestage"),
                        )
                    ]
                )
            )
        await _pull_configuration(ls)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: ServiceStageServer, params: lsp.DidChangeConfigurationParams) -> None:
        before = ls.settings
        if ls.client_supports_configuration():
            await _pull_configuration(ls)
        elif isinstance(params.settings, dict) and "servicestage" in params.settings:
            ls.apply_settings(params.settings["servicestage"])
        if ls.settings == before:
            return  # clients send this for any section's change: nothing to show again
        for uri, state in list(ls.docs.items()):
            if not ls.is_ours(uri):
                ls.docs.pop(uri)
                ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
            elif ls.settings.validate == "onSave" and state.saved_findings is None:
                state.saved_findings = []
        ls.refresh_diagnostics()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @_faultable(server, "didOpen")
    def did_open(ls: ServiceStageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if not ls.is_ours(doc.uri):
            return
        state = ls.docs[doc.uri] = DocState(doc.uri, doc.text, doc.version)
        if ls.settings.validate == "onSave":
            state.saved_findings = []  # nothing is shown until the file is saved
        ls.publish(doc.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @_faultable(server, "didChange")
    def did_change(ls: ServiceStageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return
        for change in params.content_changes:
            state.apply_change(change, ls.encoding)
        state.note_change(params.text_document.version)
        drop_stale_marks(state)
        if ls.settings.validate == "onChange" or state.marks:
            ls.schedule_validation(state.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    @_faultable(server, "didSave")
    def did_save(ls: ServiceStageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return
        if params.text is not None and params.text != state.text:
            state.text = params.text
        if ls.settings.validate == "onSave":
            state.saved_findings = state.findings(ls.env)
            ls.refresh_diagnostics(state.uri)
        for callback in ls.on_save_hooks:
            callback(ls, state)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @_faultable(server, "didClose")
    def did_close(ls: ServiceStageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        if ls.docs.pop(params.text_document.uri, None) is not None and not ls.client_pulls_diagnostics():
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
            )

    @server.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False),
    )
    @_faultable(server, "diagnostic")
    def pull_diagnostics(ls: ServiceStageServer, params: lsp.DocumentDiagnosticParams) -> Any:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return lsp.RelatedFullDocumentDiagnosticReport(items=[], result_id="none")
        diagnostics = ls.diagnostics_for(state)
        return lsp.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=f"{state.version}")

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=[":", " ", "$", "{", "-", "/"], resolve_provider=False),
    )
    @_faultable(server, "completion")
    def on_completion(ls: ServiceStageServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return None
        from servicestage_ls.core import completion

        model = state.model()
        pos = ls.from_lsp_position(model, params.position)
        found = completion.complete(model, pos, snippets=ls.client_supports_snippets(), env=ls.env)
        return lsp.CompletionList(is_incomplete=False, items=[_completion_item(ls, model, c) for c in found])

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @_faultable(server, "hover")
    def on_hover(ls: ServiceStageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return None
        model = state.model()
        from servicestage_ls.core import hover

        info = hover.hover(model, ls.from_lsp_position(model, params.position), ls.env)
        if info is None:
            return None
        return lsp.Hover(
            contents=_markup(ls.hover_format(), info.markdown),
            range=ls.to_lsp_range(model, info.range),
        )

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.Refactor,
                                                 lsp.CodeActionKind.Source]),
    )
    @_faultable(server, "codeAction")
    def on_code_action(ls: ServiceStageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return None
        model = state.model()
        actions: list[lsp.CodeAction] = []
        only = params.context.only
        if not only or any(str(k).startswith("quickfix") for k in only):
            for diagnostic in params.context.diagnostics:
                if diagnostic.source != SOURCE or not isinstance(diagnostic.code, str):
                    continue
                data = diagnostic.data if isinstance(diagnostic.data, dict) else None
                rng = ls.from_lsp_range(model, diagnostic.range)
                from servicestage_ls.core import fixes

                for fix in fixes.fixes_for(model, diagnostic.code, rng, data):
                    edits = [lsp.TextEdit(ls.to_lsp_range(model, e.range), e.new_text) for e in fix.edits]
                    actions.append(
                        lsp.CodeAction(
                            title=fix.title,
                            kind=lsp.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            is_preferred=fix.preferred or None,
                            edit=_workspace_edit(ls, state, edits),
                        )
                    )
        for hook in ls.code_action_hooks:
            actions.extend(hook(ls, state, params))
        return actions or None

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @_faultable(server, "documentSymbol")
    def on_document_symbol(ls: ServiceStageServer, params: lsp.DocumentSymbolParams) -> Any:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return None
        model = state.model()
        from servicestage_ls.core import symbols

        found = symbols.document_symbols(model)
        td = ls._caps().text_document
        hierarchical = bool(td and td.document_symbol and td.document_symbol.hierarchical_document_symbol_support)
        if hierarchical:
            return [_document_symbol(ls, model, s) for s in found]
        flat: list[lsp.SymbolInformation] = []
        _flatten_symbols(ls, model, state.uri, found, None, flat)
        return flat

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
    @_faultable(server, "codeLens")
    def on_code_lens(ls: ServiceStageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
        state = ls.docs.get(params.text_document.uri)
        if state is None:
            return None
        return [lens for hook in ls.code_lens_hooks for lens in hook(ls, state)]

    @server.feature(lsp.SHUTDOWN)
    def on_shutdown(ls: ServiceStageServer, *args: Any) -> None:
        for task in list(ls.tasks):
            task.cancel()

    return server




def _warm_up(modules: tuple[str, ...]) -> None:
    """Import modules in a background thread (a request that needs one first simply waits for its import)."""
    import importlib
    import threading

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the request that needs it will report the failure
                log.exception("could not import %s", name)

    threading.Thread(target=run, name="servicestage-warm-up", daemon=True).start()


async def _pull_configuration(ls: ServiceStageServer) -> None:
    if not ls.client_supports_configuration():
        return
    try:
        result = await ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="servicestage")])
        )
    except Exception as exc:  # noqa: BLE001 - a client that cannot answer keeps the current settings
        ls.log_to_client(f"could not read the servicestage settings: {exc}", lsp.MessageType.Warning)
        return
    raw = result[0] if result else None
    if raw is None:
        return
    if isinstance(raw, dict) and isinstance(ls.initialization_settings, dict):
        raw = {**ls.initialization_settings, **raw}
    ls.apply_settings(raw)


def _workspace_edit(ls: ServiceStageServer, state: DocState, edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
    ws = ls._caps().workspace
    if ws and ws.workspace_edit and ws.workspace_edit.document_changes:
        return lsp.WorkspaceEdit(
            document_changes=[
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=state.uri, version=state.version),
                    edits=list(edits),
                )
            ]
        )
    return lsp.WorkspaceEdit(changes={state.uri: list(edits)})


def _preferred_markup(formats: Sequence[lsp.MarkupKind] | None) -> lsp.MarkupKind:
    """The client's first format that we write; plain text, which every client accepts, when it names none."""
    for kind in formats or []:
        if kind in (lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText):
            return lsp.MarkupKind(kind)
    return lsp.MarkupKind.PlainText


def _markup(kind: lsp.MarkupKind, markdown: str) -> lsp.MarkupContent:
    if kind == lsp.MarkupKind.Markdown:
        return lsp.MarkupContent(kind=kind, value=markdown)
    from servicestage_ls.core.markup import plain_text

    return lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=plain_text(markdown))


def _documentation(kind: lsp.MarkupKind | None, markdown: str | None) -> lsp.MarkupContent | str | None:
    if not markdown:
        return None
    if kind is None:
        from servicestage_ls.core.markup import plain_text

        return plain_text(markdown)
    return _markup(kind, markdown)


_COMPLETION_KINDS = {
    "key": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.EnumMember,
    "snippet": lsp.CompletionItemKind.Snippet,
    "reference": lsp.CompletionItemKind.Variable,
}


def _completion_item(ls: ServiceStageServer, model: Model, c: completion.Completion) -> lsp.CompletionItem:
    text_edit = None
    if c.replace is not None:
        text_edit = lsp.TextEdit(ls.to_lsp_range(model, c.replace), c.insert_text)
    return lsp.CompletionItem(
        label=c.label,
        kind=_COMPLETION_KINDS.get(c.kind, lsp.CompletionItemKind.Text),
        detail=c.detail,
        documentation=_documentation(ls.completion_documentation_format(), c.documentation),
        insert_text=None if text_edit else c.insert_text,
        text_edit=text_edit,
        insert_text_format=lsp.InsertTextFormat.Snippet if c.is_snippet else lsp.InsertTextFormat.PlainText,
        sort_text=c.sort_text,
        filter_text=c.filter_text,
    )


_SYMBOL_KINDS = {
    "entry": lsp.SymbolKind.Object,
    "key": lsp.SymbolKind.Property,
    "list": lsp.SymbolKind.Array,
}


def _document_symbol(ls: ServiceStageServer, model: Model, s: symbols.Symbol) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=s.name or "(empty)",
        detail=s.detail,
        kind=_SYMBOL_KINDS.get(s.kind, lsp.SymbolKind.Field),
        range=ls.to_lsp_range(model, s.range),
        selection_range=ls.to_lsp_range(model, s.selection_range),
        children=[_document_symbol(ls, model, c) for c in s.children] or None,
    )


def _flatten_symbols(ls: ServiceStageServer, model: Model, uri: str, found: Any, container: str | None,
                     out: list[lsp.SymbolInformation]) -> None:
    for s in found:
        out.append(
            lsp.SymbolInformation(
                name=s.name or "(empty)",
                kind=_SYMBOL_KINDS.get(s.kind, lsp.SymbolKind.Field),
                location=lsp.Location(uri, ls.to_lsp_range(model, s.range)),
                container_name=container,
            )
        )
        _flatten_symbols(ls, model, uri, s.children, s.name, out)


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
