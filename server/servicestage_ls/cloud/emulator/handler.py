"""The emulator's HTTP: one request read (``Content-Length`` or chunked, bounded), answered by the service's
``dispatch`` as JSON (or, for the OAuth pages a browser sees, HTML or a redirect) with an ``X-Request-Id``, and
logged as method, path, status and request id only."""

from __future__ import annotations

import json
import socket
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from servicestage_ls.cloud.emulator.api import CONTENT_TYPE, MAX_BODY_BYTES, ApiError, repo_error


class Service(Protocol):
    """What the handler needs of the emulator: an answer to each request, and a log."""

    def dispatch(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | str | None, dict[str, str]]: ...

    def log(self, line: str) -> None: ...


class ThreadingHTTPServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every answer is JSON (or empty) and carries an X-Request-Id."""

    emulator: Service
    protocol_version = "HTTP/1.1"
    server_version = "servicestage-ls-emulator"
    sys_version = ""
    timeout = 30

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline(64).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    raise repo_error("SVCSTG.REPO.0400", "the body is too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
        length = self.headers.get("Content-Length", "0").strip() or "0"
        if not length.isdigit():
            raise repo_error("SVCSTG.REPO.0400", "bad Content-Length")
        if int(length) > MAX_BODY_BYTES:
            raise repo_error("SVCSTG.REPO.0400", "the body is too large")
        return self.rfile.read(int(length))

    def _serve(self) -> None:
        request_id = uuid.uuid4().hex
        status: int = 500
        payload: dict[str, Any] | str | None = None
        extra: dict[str, str] = {}
        try:
            try:
                body = self._read_body()
            except (ApiError, ValueError):
                self.close_connection = True  # the rest of the body is still on the wire
                raise
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, payload, extra = self.emulator.dispatch(self.command, self.path, headers, body)
        except ApiError as err:
            status, payload = err.status, dict(err.body)
            if isinstance(payload, dict) and "error_code" in payload:
                payload["request_id"] = request_id
        except ValueError:
            status = 400
            payload = {"error_code": "SVCSTG.REPO.0400", "error_msg": "parameter invalid: malformed request",
                       "request_id": request_id}
        except Exception as exc:  # noqa: BLE001 - the emulator must answer, not crash
            status = 500
            payload = {"error_code": "SVCSTG.EMULATOR.0500", "error_msg": "internal error in the emulator",
                       "request_id": request_id}
            self.emulator.log(f"emulator: internal error {type(exc).__name__} on {self.command}")
        self._answer(status, payload, {**extra, "X-Request-Id": request_id})
        path = urlsplit(self.path).path
        self.emulator.log(f"{self.command} {path} -> {status} (request id {request_id})")

    def _answer(self, status: int, payload: dict[str, Any] | str | None, headers: dict[str, str]) -> None:
        """JSON for a dict, an HTML page for a non-empty text (the emulator's browser pages), else no body."""
        data = payload.encode("utf-8") if isinstance(payload, str) else (
            json.dumps(payload).encode("utf-8") if payload is not None else b"")
        try:
            self.send_response_only(status)
            self.send_header("Date", self.date_time_string())
            for name, value in headers.items():
                self.send_header(name, value)
            if isinstance(payload, dict):
                self.send_header("Content-Type", CONTENT_TYPE)
            elif payload:
                self.send_header("Content-Type", "text/html; charset=utf-8")
            if status != 204:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by _serve, without query strings or headers."""

    def log_message(self, format: str, *args: Any) -> None:
        self.emulator.log("emulator: rejected a malformed HTTP request")
