"""``serve --tcp``: the language server on a loopback TCP port, for one editor at a time.

pygls' own TCP server answers whatever connects: a web page's ``POST /`` whose body is an ``initialize`` message
gets an answer (the page's ``Content-Length`` header is all pygls looks for). Here a connection must start with an
LSP header (``Content-Length:`` or ``Content-Type:``); anything else (an HTTP request line, TLS, garbage) is closed
without a byte of answer, and so is a second connection while an editor is connected. When the editor's connection
ends the server stops, as over stdio.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from pygls.io_ import run_async

if TYPE_CHECKING:
    from servicestage_ls.lsp.server import ServiceStageServer

log = logging.getLogger("servicestage_ls")

LSP_HEADER_RE = re.compile(rb"(?i)content-(?:length|type)[ \t]*:[^\r\n]*\r?\n\Z")
"""The first line of an LSP message: one of its two header fields."""
_HEADER_START = b"content-"


def loopback_host(host: str) -> bool:
    """Whether ``host`` is literally a loopback address: ``localhost``, 127.x.x.x or ::1 (never resolved)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Replayed:
    """The connection's reader with its first line (already read to check it) given back first."""

    def __init__(self, first: bytes, reader: asyncio.StreamReader) -> None:
        self._first: bytes | None = first
        self._reader = reader

    async def readline(self) -> bytes:
        if self._first is not None:
            line, self._first = self._first, None
            return line
        return await self._reader.readline()

    async def readexactly(self, n: int) -> bytes:
        return await self._reader.readexactly(n)


async def _first_line(reader: asyncio.StreamReader) -> bytes:
    """The connection's first line, or b"" as soon as it cannot be an LSP header (its first 8 bytes are not
    ``Content-``: a TLS hello has no line end to wait for), when it ends first, or when it is longer than the
    reader's limit (64 KiB)."""
    try:
        start = await reader.readexactly(len(_HEADER_START))
        if start.lower() != _HEADER_START:
            return b""
        return start + await reader.readuntil(b"\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return b""


class TcpServer:
    """Listen on ``host:port`` (loopback only) and serve the first connection that speaks LSP."""

    def __init__(self, server: ServiceStageServer, host: str, port: int) -> None:
        if not loopback_host(host):
            raise ValueError(f"{host} is not a loopback address")
        self.server, self.host, self.port = server, host, port
        self.stop = threading.Event()
        self.connected = False
        self.finished = asyncio.Event()

    async def run(self, listening: Callable[[str], None]) -> None:
        """Serve until the editor's connection ends; ``listening`` is told ``host:port`` once bound (port 0 picks
        a free port)."""
        tcp = await asyncio.start_server(self._connection, self.host, self.port)
        port = tcp.sockets[0].getsockname()[1]
        listening(f"[{self.host}]:{port}" if ":" in self.host else f"{self.host}:{port}")
        async with tcp:
            await self.finished.wait()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await _first_line(reader)
        if self.connected or LSP_HEADER_RE.match(first) is None:
            why = "an editor is already connected" if self.connected else "it did not start with an LSP header"
            log.warning("serve --tcp: closed a connection without answering: %s", why)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            return
        self.connected = True
        self.server.protocol.set_writer(writer)  # type: ignore[arg-type]
        try:
            await run_async(stop_event=self.stop, reader=_Replayed(first, reader), protocol=self.server.protocol,
                            logger=log, error_handler=self.server.report_server_error)
        finally:
            self.server.shutdown()
            self.finished.set()
