"""The real server process driven with raw JSON-RPC: any bytes can be sent, every message it writes is kept.

For what a client library would refuse to send (params of the wrong shape, ids of any kind). Reads happen in
threads; waits are conditions with deadlines, never sleeps.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import Any

from helpers.lsp_session import DEADLINE, SERVER_COMMAND


class RawServer:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.messages: list[dict[str, Any]] = []
        self.stderr = ""
        self.unframed: list[bytes] = []  # anything on stdout that is not a framed JSON-RPC message
        self._changed = threading.Condition()
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self._threads:
            thread.start()

    # -- reading --

    def _read_stdout(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii", "replace").partition(":")
                if not value:
                    self.unframed.append(line)
                headers[name.strip().lower()] = value.strip()
            if line == b"":
                break
            body = stream.read(int(headers.get("content-length", "0")))
            with self._changed:
                self.messages.append(json.loads(body))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _read_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for line in stream:
            with self._changed:
                self.stderr += line.decode("utf-8", "replace")
                self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], Any], what: str, deadline: float = DEADLINE) -> Any:
        with self._changed:
            result = self._changed.wait_for(predicate, deadline)
        if not result:
            raise AssertionError(f"timed out after {deadline} s waiting for {what}; received {self.messages}\n"
                                 f"stderr: {self.stderr}")
        return result

    def response(self, request_id: Any) -> dict[str, Any]:
        return self.wait_for(lambda: next((m for m in self.messages if m.get("id") == request_id
                                           and "method" not in m), None), f"the response to {request_id!r}")

    def notifications(self, method: str) -> list[dict[str, Any]]:
        with self._changed:
            return [m for m in self.messages if m.get("method") == method and "id" not in m]

    # -- writing --

    def send_bytes(self, body: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8"))

    def request(self, request_id: Any, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and wait for its response."""
        self.send({"id": request_id, "method": method, **({} if params is None else {"params": params})})
        return self.response(request_id)

    def initialize(self) -> dict[str, Any]:
        result = self.request("init", "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.send({"method": "initialized", "params": {}})
        return result

    def open(self, uri: str, text: str) -> None:
        self.send({"method": "textDocument/didOpen",
                   "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})

    def stop(self) -> int:
        """shutdown, exit; the exit code."""
        if self.process.poll() is None:
            self.request("shutdown-request", "shutdown")
            self.send({"method": "exit"})
            self.process.wait(DEADLINE)
        for thread in self._threads:
            thread.join(DEADLINE)
        return self.process.returncode
