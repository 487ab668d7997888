"""The one place where the server reaches into pygls internals (underscored names, undocumented behaviour).

Checked against pygls 2.1.1; a pygls upgrade is checked here (tests/unit/lsp/test_compat.py fails when pygls
changes what this module relies on). Besides helpers (the future of the current request, the cancellation of a
progress token, notifications already in their JSON form, the conversions made ahead), each override says what
pygls does and why we differ:

- pygls drops a message whose params cannot be decoded (it logs "Unable to handle message" with a traceback):
  the client's request then stays pending forever. We answer such a request with InvalidParams, and a request
  that arrives after ``shutdown`` with InvalidRequest (pygls ignores it), both at once.
- pygls logs a warning for every ``$/cancelRequest`` of a request that has already been answered; clients
  (VS Code) send those routinely, so they are ignored quietly.
- pygls puts the handler's stack trace in the ``data`` of an error response: the client gets a one-line message,
  the trace goes to the server's log at debug level.
- pygls keeps its own copy of each open document, splitting lines on more characters than LSP does (U+2028, U+0085,
  form feed …) and again on every change: didOpen, didChange and didClose go straight to the server's handlers,
  which keep the text themselves (``state.DocState``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    LanguageServerProtocol,
    lsp_method,
)

log = logging.getLogger("servicestage_ls")

_NOTIFICATION: Any = object()

MAX_PROBLEMS = 3
"""How many of the decoder's problems an InvalidParams message lists."""


@dataclass(frozen=True)
class Undecodable:
    """A message that pygls could not decode; ``request_id`` is None for notifications and responses."""

    request_id: int | str | None
    method: str
    is_request: bool
    problem: str


def _valid_id(value: Any) -> int | str | None:
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def _problem(exc: BaseException) -> str:
    """What was wrong with the params, in one line, without the values (they may hold secrets)."""
    try:
        from cattrs import transform_error

        problems = transform_error(exc)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - not a cattrs validation error: say only that it failed
        problems = []
    if not problems:
        return "its params could not be decoded"
    more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
    return "; ".join(p.replace("\n", " ") for p in problems[:MAX_PROBLEMS]) + more


def one_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else message


class _Unstructured:
    """Params already in their JSON form (sent as they are, not converted again)."""

    __slots__ = ("value",)

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value


class CompatProtocol(LanguageServerProtocol):
    """LanguageServerProtocol with the overrides described in the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._converter.register_unstructure_hook(_Unstructured, lambda params: params.value)

    def unstructure(self, value: Any) -> Any:
        """The JSON form of an lsprotocol value, as pygls would send it."""
        return self._converter.unstructure(value)

    def notify_unstructured(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose params are already JSON: pygls would convert every diagnostic again."""
        self._send_data(JsonRPCNotification(method=method, params=_Unstructured(params), jsonrpc=self.VERSION))

    def warm_conversions(self, method: str, params: dict[str, Any], result: Any = _NOTIFICATION) -> None:
        """Decode a sample message of ``method`` (a request when a ``result`` is given, even None) and encode the
        response as pygls does (``_converter``, ``_serialize_message``; every answer is a JsonRPCResponseMessage),
        sending nothing: cattrs makes the converter of each type the first time it meets it."""
        message: dict[str, Any] = {"jsonrpc": self.VERSION, "method": method, "params": params}
        if result is not _NOTIFICATION:
            message["id"] = 0
        message_type = self.get_message_type(method)
        if message_type is not None:
            self._converter.structure(message, message_type)
        if result is not _NOTIFICATION:
            json.dumps(JsonRPCResponseMessage(id=0, result=result, jsonrpc=self.VERSION),
                       default=self._serialize_message)

    def warm_notification(self, method: str, params: Any) -> None:
        """Encode a notification as pygls sends it, sending nothing (see ``warm_conversions``)."""
        json.dumps(JsonRPCNotification(method=method, params=params, jsonrpc=self.VERSION),
                   default=self._serialize_message)

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

    def structure_message(self, data: dict[str, Any]) -> Any:
        # pygls' json.loads object_hook: called for every JSON object; messages are the ones with "jsonrpc".
        # Requests and notifications are decoded here as pygls does, but a failure is kept for handle_message
        # instead of raised (pygls logs it with a stack trace at ERROR, and the message is lost).
        method = data.get("method") if "jsonrpc" in data else None
        if not isinstance(method, str) or "error" in data or "result" in data:
            return super().structure_message(data)
        message_type = self.get_message_type(method) or (JsonRPCRequestMessage if "id" in data
                                                         else JsonRPCNotification)
        try:
            return self._converter.structure(data, message_type)
        except Exception as exc:  # noqa: BLE001 - a client's bad message is answered, not raised
            problem = _problem(exc)
            log.debug("could not decode %s %r: %s", method, data.get("id"), problem, exc_info=True)
            is_request = "id" in data
            return Undecodable(_valid_id(data.get("id")) if is_request else None, method, is_request, problem)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Undecodable):
            if message.is_request:
                self._send_response(message.request_id, error=lsp.ResponseError(
                    code=lsp.ErrorCodes.InvalidParams, message=f"invalid params for {message.method}: "
                                                              f"{message.problem}"))
            else:
                log.warning("ignored a %s notification whose params could not be decoded: %s", message.method,
                            message.problem)
            return
        method = getattr(message, "method", None)
        if self._shutdown and method != lsp.EXIT and getattr(message, "id", None) is not None and method:
            self._send_response(message.id, error=lsp.ResponseError(
                code=lsp.ErrorCodes.InvalidRequest, message=f"the server is shutting down: {method} not handled"))
            return
        super().handle_message(message)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        if msg_id not in self._request_futures:
            log.debug("$/cancelRequest for %r, which is already answered", msg_id)
            return
        super()._handle_cancel_notification(msg_id)

    def _send_response(self, msg_id: Any, result: Any | None = None,
                       error: lsp.ResponseError | None = None) -> None:
        if error is not None and error.data is not None:
            log.debug("error response to %r: %s %s", msg_id, error.message, json.dumps(error.data, default=str))
            error = lsp.ResponseError(code=error.code, message=one_line(error.message))
        super()._send_response(msg_id, result, error)

    def current_request_future(self) -> Future[Any] | None:
        """The future that answers the request being handled; $/cancelRequest cancels it (pygls keeps it in
        ``_request_futures`` under the id of the current context)."""
        msg_id = self.msg_id
        return self._request_futures.get(msg_id) if msg_id is not None else None

    def on_progress_cancelled(self, token: str, callback: Callable[[], object]) -> None:
        """Call ``callback`` when the client cancels the work-done progress ``token`` (pygls cancels the future it
        keeps for a created token in ``progress.tokens``; the callback may run on another thread)."""
        future = self.progress.tokens.get(token)

        def done(f: Future[Any]) -> None:
            if f.cancelled():
                callback()

        if future is not None:
            future.add_done_callback(done)

    def forget_progress(self, token: str) -> None:
        """The work of ``token`` has ended: pygls keeps its future until it is dropped."""
        self.progress.tokens.pop(token, None)

    def answer_unparsable(self) -> None:
        """A message that is not JSON: pygls logs it and reads on; JSON-RPC answers ParseError with a null id."""
        # Written as a plain dict: pygls would leave out the null id.
        error = {"code": lsp.ErrorCodes.ParseError.value, "message": "the message is not valid JSON"}
        self._send_data({"jsonrpc": "2.0", "id": None, "error": error})


class TracebacksAtDebug(logging.Filter):
    """pygls logs the stack trace of each failed message at ERROR (``logger.exception``), the client's mistakes
    (unknown command, invalid params, not JSON) included. A client's mistake is answered, so its record goes to
    the server's log at debug level only; for a failure of the server, the one-line message stays at its level and
    the trace goes to debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.levelno <= logging.DEBUG or record.name.startswith(log.name):
            return True
        exc = record.exc_info[1]
        log.debug("%s", record.getMessage(), exc_info=record.exc_info)
        if isinstance(exc, json.JSONDecodeError) or (isinstance(exc, JsonRpcException)
                                                     and not isinstance(exc, JsonRpcInternalError)):
            return False
        record.msg = f"{record.getMessage()}: {one_line(f'{type(exc).__name__}: {exc}')}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True
