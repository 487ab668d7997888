"""Loopback servers for the cloud tests: the emulator as a subprocess, and small scripted HTTP fault servers."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from typing_extensions import Self

SERVER_DIR = Path(__file__).resolve().parents[2] / "server"
READY_PREFIX = "servicestage-ls emulator listening on "
READY_DEADLINE_SECONDS = 20.0


@dataclass
class EmulatorProcess:
    process: subprocess.Popen[str]
    url: str
    stderr_path: Path

    def stop(self, sig: int = signal.SIGTERM, deadline: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=deadline)
        finally:
            if self.process.stdout:
                self.process.stdout.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "SERVICESTAGE_EMULATOR_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SERVER_DIR), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_emulator(args: list[str], stderr_path: Path, env: dict[str, str] | None = None) -> EmulatorProcess:
    """Run ``python -m servicestage_ls emulator ARGS`` (with ``env`` added to its environment) and wait (with a
    deadline) for its ready line."""
    stderr_file = stderr_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "servicestage_ls", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        stdin=subprocess.DEVNULL,
        env={**subprocess_env(), **(env or {})},
        text=True,
    )
    stderr_file.close()
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=READY_DEADLINE_SECONDS)
    except queue.Empty:
        process.kill()
        process.wait()
        raise AssertionError(
            f"no ready line within {READY_DEADLINE_SECONDS} s; stderr: {stderr_path.read_text()}"
        ) from None
    if not line.startswith(READY_PREFIX):
        process.kill()
        process.wait()
        raise AssertionError(f"unexpected first line {line!r}; stderr: {stderr_path.read_text()}")
    return EmulatorProcess(process, line[len(READY_PREFIX):].strip(), stderr_path)



@dataclass
class Run:
    """What a command-line run gave."""

    code: int
    out: str
    err: str


def seeded_emulator(folder: Path, seed: str, token: str) -> Iterator[EmulatorProcess]:
    """An emulator started with ``seed`` (written to ``folder``) and ``--token token``, for a module fixture; it
    must stop cleanly."""
    (folder / "seed.yaml").write_text(seed, encoding="utf-8")
    process = start_emulator(["--port", "0", "--token", token, "--seed", str(folder / "seed.yaml")],
                             folder / "stderr.log")
    yield process
    assert process.stop() == 0

@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Responder = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class FaultServer:
    """An HTTP/1.1 server on loopback whose answers are scripted per request by ``respond``."""

    respond: Responder
    ssl_context: ssl.SSLContext | None = None
    requests: list[Request] = field(default_factory=list)
    _server: asyncio.AbstractServer | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    port: int = 0

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)

    def stop_listening(self) -> None:
        """New connections are refused from now on (the connections open now are served until they close)."""
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        self._writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = Request(method, path, headers, body)
                self.requests.append(request)
                await self.respond(request, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, asyncio.LimitOverrunError):
            return
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.close()


def http_response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    reasons = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
               429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    lines = [f"HTTP/1.1 {status} {reasons.get(status, 'Status')}"]
    all_headers = {"Content-Length": str(len(body)), **(headers or {})}
    lines += [f"{name}: {value}" for name, value in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


def make_self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made with the openssl CLI: (cert.pem, key.pem)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def make_ca_signed_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A test CA and a certificate for 127.0.0.1 that it signed, made with the openssl CLI: (ca.pem, cert.pem,
    key.pem). Only ca.pem makes the server trusted (the certificate is not self-signed)."""
    ca, ca_key = directory / "ca.pem", directory / "ca-key.pem"
    cert, key = directory / "cert.pem", directory / "key.pem"
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for command in (
        ["openssl", "req", "-x509", *curve, "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
         "-subj", "/CN=servicestage-ls test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign"],
        ["openssl", "req", "-x509", *curve, "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=CA:FALSE",
         "-CA", str(ca), "-CAkey", str(ca_key)],
    ):
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    return ca, cert, key
