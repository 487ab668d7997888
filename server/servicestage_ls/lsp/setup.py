"""The server put together: the list of its features — which handler answers which LSP method — and the cloud
and life-cycle features, then ``serve``.

``create_server(env)`` is a factory, so tests can pass an environment. Pulled diagnostics are registered during
initialize, and only for clients that pull (the others get pushed diagnostics, never both). This is the only
module that knows both the editor features and the cloud ones: the cloud modules (httpx, the cloud client) are
imported when one of their commands, code actions, code lenses or on-save checks first runs — they are not needed
to answer the first messages. There is no import cycle in the package (tests/unit/test_architecture.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.lsp import features, sync
from servicestage_ls.lsp.commands import (
    AUTHORIZE,
    CREATE,
    CREATE_ALL,
    DELETE,
    IMPORT,
    REFRESH,
    ROTATE,
    SHOW_PLAN,
    TEST,
)
from servicestage_ls.lsp.compat import TracebacksAtDebug
from servicestage_ls.lsp.server import (
    LOG_LEVEL_VARIABLE,
    RESTRICTED_MESSAGE,
    Feature,
    RedactTokenShapes,
    ServiceStageServer,
    log,
)
from servicestage_ls.lsp.state import DocState

if TYPE_CHECKING:
    from servicestage_ls.core.rules import Finding


@dataclass(frozen=True)
class Handler:
    """One LSP method and what answers it. ``fault`` names it for the tests that make it fail on purpose
    (``SERVICESTAGE_LS_FAULTS``); ``options`` are its server capability."""

    method: str
    function: Callable[..., Any]
    fault: str | None = None
    options: Any = None


SESSION = (
    Handler(lsp.INITIALIZED, sync.initialized),
    Handler(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION, sync.did_change_configuration),
    Handler(lsp.SHUTDOWN, sync.shutdown),
)
TEXT_SYNC = (
    Handler(lsp.TEXT_DOCUMENT_DID_OPEN, sync.did_open, "didOpen"),
    Handler(lsp.TEXT_DOCUMENT_DID_CHANGE, sync.did_change, "didChange"),
    Handler(lsp.TEXT_DOCUMENT_DID_SAVE, sync.did_save, "didSave"),
    Handler(lsp.TEXT_DOCUMENT_DID_CLOSE, sync.did_close, "didClose"),
)
EDITOR_FEATURES = (
    Handler(lsp.TEXT_DOCUMENT_COMPLETION, features.completion_list, "completion", features.COMPLETION_OPTIONS),
    Handler(lsp.TEXT_DOCUMENT_HOVER, features.hover, "hover"),
    Handler(lsp.TEXT_DOCUMENT_CODE_ACTION, features.code_actions, "codeAction", features.CODE_ACTION_OPTIONS),
    Handler(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL, features.document_symbols, "documentSymbol"),
    Handler(lsp.TEXT_DOCUMENT_CODE_LENS, features.code_lenses, "codeLens", features.CODE_LENS_OPTIONS),
)
PULL_DIAGNOSTICS = Handler(lsp.TEXT_DOCUMENT_DIAGNOSTIC, features.pull_diagnostics, "diagnostic",
                           features.DIAGNOSTIC_OPTIONS)
"""Registered during initialize, for clients that pull."""
HANDLERS = (*SESSION, *TEXT_SYNC, *EDITOR_FEATURES)


def create_server(env: Mapping[str, str] | None = None) -> ServiceStageServer:
    """The server with every feature registered."""
    server = ServiceStageServer(env)

    def initialize(ls: ServiceStageServer, params: lsp.InitializeParams) -> None:
        sync.initialize(ls, params)
        if ls.client_pulls_diagnostics():
            _register(ls, PULL_DIAGNOSTICS)

    _register(server, Handler(lsp.INITIALIZE, initialize))
    for handler in HANDLERS:
        _register(server, handler)
    cloud = LazyFeature(_cloud_feature, {CREATE: "create", CREATE_ALL: "create_all", REFRESH: "refresh"})
    lifecycle = LazyFeature(lambda: _lifecycle_feature(cloud), {SHOW_PLAN: "show_plan", IMPORT: "import_remote",
                                                               ROTATE: "rotate", DELETE: "delete"})
    kinds = LazyFeature(lambda: _kinds_feature(cloud), {TEST: "test", AUTHORIZE: "authorize"})
    for feature in (cloud, lifecycle, kinds):
        for command, run in feature.commands().items():
            server.command(command)(_command(run))
        server.features.append(feature)
    return server


def _register(server: ServiceStageServer, handler: Handler) -> None:
    function = handler.function
    if handler.fault is not None:
        function = _faultable(server, handler.fault, function)
    if handler.options is None:
        server.feature(handler.method)(function)
    else:
        server.feature(handler.method, handler.options)(function)


def _faultable(server: ServiceStageServer, fault: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Let tests inject a failure into a feature (pygls answers it with an LSP error; we log it)."""
    if asyncio.iscoroutinefunction(func):

        @wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            if fault in server.faults:
                raise RuntimeError(f"injected fault in {fault}")
            return await func(*args, **kwargs)

        return async_wrapper

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if fault in server.faults:
            raise RuntimeError(f"injected fault in {fault}")
        return func(*args, **kwargs)

    return wrapper


CommandRun = Callable[[ServiceStageServer, tuple[Any, ...]], Awaitable[Any]]


def _command(run: CommandRun) -> Callable[..., Any]:
    # No annotations: pygls converts a command's arguments by them; these are plain JSON objects that the
    # command checks itself.
    async def command(ls, *args):  # type: ignore[no-untyped-def]
        return await run(ls, args)

    return command


class LazyFeature(Feature):
    """A feature whose module is imported when it is first used: ``load`` makes it, once per server. ``commands``
    maps each of its command ids to the method that runs it. Both are the cloud's, so in Restricted Mode
    (``ls.restricted``) they are off: a command answers null after saying RESTRICTED_MESSAGE, and there is no code
    action, code lens, on-save work or diagnostic of theirs (nothing is even imported)."""

    def __init__(self, load: Callable[[], Feature], commands: Mapping[str, str]) -> None:
        self._load = load
        self._feature: Feature | None = None
        self.command_methods = dict(commands)

    def loaded(self) -> Feature:
        if self._feature is None:
            self._feature = self._load()
        return self._feature

    def commands(self) -> dict[str, CommandRun]:
        return {command: self._command(method) for command, method in self.command_methods.items()}

    def _command(self, method: str) -> CommandRun:
        async def run(ls: ServiceStageServer, args: tuple[Any, ...]) -> Any:
            if ls.restricted:
                ls.show(RESTRICTED_MESSAGE, lsp.MessageType.Warning)
                return None
            return await getattr(self.loaded(), method)(ls, args)

        return run

    def findings(self, ls: ServiceStageServer, state: DocState) -> list[Finding]:
        # A feature not made yet has done nothing to show (and is not imported for a diagnostic).
        if ls.restricted or self._feature is None:
            return []
        return self._feature.findings(ls, state)

    def code_actions(self, ls: ServiceStageServer, state: DocState,
                     params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return [] if ls.restricted else self.loaded().code_actions(ls, state, params)

    def code_lenses(self, ls: ServiceStageServer, state: DocState) -> list[lsp.CodeLens]:
        return [] if ls.restricted else self.loaded().code_lenses(ls, state)

    def on_save(self, ls: ServiceStageServer, state: DocState) -> None:
        if not ls.restricted:
            self.loaded().on_save(ls, state)


def _cloud_feature() -> Feature:
    from servicestage_ls.lsp.cloud import CloudFeature

    return CloudFeature()


def _lifecycle_feature(cloud: LazyFeature) -> Feature:
    from servicestage_ls.lsp.cloud import CloudFeature
    from servicestage_ls.lsp.lifecycle import LifecycleFeature

    loaded = cloud.loaded()
    assert isinstance(loaded, CloudFeature)
    return LifecycleFeature(loaded.shared)  # the commands of one server share the lists and the write-backs


def _kinds_feature(cloud: LazyFeature) -> Feature:
    from servicestage_ls.lsp.cloud import CloudFeature
    from servicestage_ls.lsp.kinds import KindsFeature

    loaded = cloud.loaded()
    assert isinstance(loaded, CloudFeature)
    return KindsFeature(loaded.shared)


INTERRUPTED = "servicestage-ls serve: stopped (Ctrl+C)"
EXIT_INTERRUPTED = 130
LISTENING = "servicestage-ls serve: listening on "
"""``serve --tcp``'s line on stderr once it listens (then ``HOST:PORT``): a client started with port 0 reads it."""


def _stop_at_interrupt(signum: int, frame: object) -> None:
    """Ctrl+C: one line, no traceback, and out at once (a thread may be blocked reading the terminal: waiting for
    it would keep the server running until Enter is pressed)."""
    try:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_INTERRUPTED)


def _serve_tcp(server: ServiceStageServer, host: str, port: int) -> int:
    """``serve --tcp``: a line on stderr once listening; 1 with one line when the port cannot be had (in use, not
    permitted)."""
    from servicestage_ls.lsp.tcp import TcpServer

    def listening(address: str) -> None:
        sys.stderr.write(f"{LISTENING}{address}\n")
        sys.stderr.flush()

    try:
        asyncio.run(TcpServer(server, host, port).run(listening))
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        sys.stderr.write(f"servicestage-ls serve: cannot listen on {host}:{port}: {why}\n")
        return 1
    return 0


def serve(tcp: tuple[str, int] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the server until the client says exit. Nothing but the protocol goes to stdout."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(TracebacksAtDebug())
        handler.addFilter(RedactTokenShapes())
    level = (os.environ if env is None else env).get(LOG_LEVEL_VARIABLE, "").strip().upper()
    log.setLevel(level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else logging.INFO)
    server = create_server(env)
    signal.signal(signal.SIGINT, _stop_at_interrupt)
    if tcp is not None:
        return _serve_tcp(server, *tcp)
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol stream
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0
