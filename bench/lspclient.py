"""A small asyncio LSP client over stdio, used for every server the benchmark drives.

One code path for all servers: Content-Length framing, request ids, a log of every notification with the
time it was read, and answers to the server's own requests (``workspace/configuration``,
``client/registerCapability``, ``window/workDoneProgress/create``...). Timestamps are ``time.perf_counter()``
taken when a complete message has been read off the pipe, before any further processing by the benchmark.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable

ConfigProvider = Callable[[str | None, str | None], Any]


class ServerError(RuntimeError):
    """The server exited, broke the protocol, answered with an error, or did not answer in time."""


@dataclass
class Notification:
    method: str
    params: Any
    t: float


@dataclass
class ServerRequest:
    method: str
    params: Any
    t: float


@dataclass
class LspClient:
    argv: list[str]
    cwd: str | None = None
    env: dict[str, str] | None = None
    config: ConfigProvider | None = None
    stderr_path: str | None = None
    proc: asyncio.subprocess.Process | None = None
    notifications: list[Notification] = field(default_factory=list)
    server_requests: list[ServerRequest] = field(default_factory=list)
    t_spawn: float = 0.0
    _next_id: int = 0
    _pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _stderr_file: Any = None
    _closed_reason: str | None = None

    # ------------------------------------------------------------------ process
    async def start(self) -> None:
        self._stderr_file = open(self.stderr_path, "wb") if self.stderr_path else asyncio.subprocess.DEVNULL
        self.t_spawn = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._stderr_file,
            cwd=self.cwd,
            env=self.env,
            limit=64 * 1024 * 1024,
        )
        self._reader = asyncio.create_task(self._read_loop())

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def stop(self, timeout: float = 5.0) -> None:
        """shutdown + exit, then terminate/kill whatever is left (only our own child)."""
        if self.proc is None:
            return
        try:
            if self.proc.returncode is None and self._closed_reason is None:
                try:
                    await self.request("shutdown", None, timeout=timeout)
                    await self.notify("exit", None)
                except (ServerError, ConnectionError, OSError):
                    pass
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except asyncio.TimeoutError:
                self.proc.terminate()
                try:
                    await asyncio.wait_for(self.proc.wait(), 2)
                except asyncio.TimeoutError:
                    self.proc.kill()
                    await self.proc.wait()
        finally:
            if self._reader is not None:
                self._reader.cancel()
                try:
                    await self._reader
                except (asyncio.CancelledError, Exception):
                    pass
            if self.stderr_path and self._stderr_file not in (None, asyncio.subprocess.DEVNULL):
                self._stderr_file.close()

    # ------------------------------------------------------------------ wire
    async def _send(self, message: dict[str, Any]) -> None:
        if self.proc is None or self.proc.stdin is None:
            raise ServerError("server not started")
        if self._closed_reason is not None:
            raise ServerError(self._closed_reason)
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        try:
            await self.proc.stdin.drain()
        except (ConnectionError, BrokenPipeError) as exc:
            raise ServerError(f"server closed its input: {exc}") from exc

    async def _read_loop(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = await out.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii", "replace").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    raise ServerError("message without Content-Length")
                body = await out.readexactly(length)
                t = time.perf_counter()
                await self._dispatch(json.loads(body), t)
        except (EOFError, asyncio.IncompleteReadError):
            rc = await self.proc.wait()
            self._fail(f"server exited (code {rc})")
        except asyncio.CancelledError:
            self._fail("client closed")
            raise
        except Exception as exc:  # protocol error: fail every waiter with a clear message
            self._fail(f"protocol error: {exc!r}")

    def _fail(self, reason: str) -> None:
        self._closed_reason = reason
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ServerError(reason))
        self._pending.clear()
        self._changed.set()

    async def _dispatch(self, msg: dict[str, Any], t: float) -> None:
        if "method" in msg and "id" in msg:  # server → client request
            self.server_requests.append(ServerRequest(msg["method"], msg.get("params"), t))
            self._changed.set()
            try:
                result = self._answer(msg["method"], msg.get("params"))
                await self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            except LookupError:
                await self._send(
                    {
                        "jsonrpc": "2.0",
                        "id": msg["id"],
                        "error": {"code": -32601, "message": f"unhandled method {msg['method']}"},
                    }
                )
        elif "method" in msg:
            self.notifications.append(Notification(msg["method"], msg.get("params"), t))
            self._changed.set()
        elif "id" in msg:
            fut = self._pending.pop(msg["id"], None)
            if fut is not None and not fut.done():
                if "error" in msg:
                    fut.set_exception(ServerError(f"error response: {msg['error']}"))
                else:
                    fut.set_result((msg.get("result"), t))

    def _answer(self, method: str, params: Any) -> Any:
        if method == "workspace/configuration":
            items = (params or {}).get("items", [])
            provide = self.config or (lambda section, scope: None)
            return [provide(item.get("section"), item.get("scopeUri")) for item in items]
        if method in (
            "client/registerCapability",
            "client/unregisterCapability",
            "window/workDoneProgress/create",
            "window/showMessageRequest",
            "workspace/semanticTokens/refresh",
            "workspace/codeLens/refresh",
            "workspace/inlayHint/refresh",
            "workspace/diagnostic/refresh",
        ):
            return None
        if method == "workspace/workspaceFolders":
            return None
        raise LookupError(method)

    # ------------------------------------------------------------------ API
    async def request(self, method: str, params: Any, timeout: float = 60.0) -> tuple[Any, float]:
        """Send a request; return (result, perf_counter time the response was read)."""
        self._next_id += 1
        rid = self._next_id
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        await self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            self._pending.pop(rid, None)
            raise ServerError(f"no answer to {method} within {timeout:.0f} s") from None

    async def notify(self, method: str, params: Any) -> float:
        """Send a notification; return the perf_counter time right after it was handed to the pipe."""
        await self._send({"jsonrpc": "2.0", "method": method, "params": params})
        return time.perf_counter()

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float, what: str = "condition"
    ) -> Any:
        """Wait until predicate() returns something truthy (re-checked on every incoming message)."""
        deadline = time.perf_counter() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self._closed_reason is not None:
                raise ServerError(f"{self._closed_reason} while waiting for {what}")
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise ServerError(f"timed out after {timeout:.0f} s waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def wait_quiet(self, method: str, quiet: float, timeout: float) -> None:
        """Wait until no `method` notification has arrived for `quiet` seconds (bounded by timeout)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            last = max((n.t for n in self.notifications if n.method == method), default=0.0)
            idle = time.perf_counter() - last
            if idle >= quiet:
                return
            await asyncio.sleep(quiet - idle)

    def diagnostics_after(self, uri: str, start: int) -> list[Notification]:
        return [
            n
            for n in self.notifications[start:]
            if n.method == "textDocument/publishDiagnostics" and n.params.get("uri") == uri
        ]


def _descendants(pid: int) -> list[int]:
    seen: list[int] = []
    stack = [pid]
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return seen


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_ms(pid: int) -> float:
    """User + system CPU time of pid and its descendants (all threads), in ms (clock-tick resolution)."""
    total = 0
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            continue
    return total * 1000.0 / _TICK


def rss_kib(pid: int) -> int:
    """VmRSS of pid plus all its descendants, in KiB (0 when gone)."""
    total = 0
    seen: set[int] = set()
    stack = [pid]
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return total
