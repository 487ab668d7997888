"""``serve --tcp`` listens on loopback only and answers only a client that speaks LSP; a busy port, a port out of
range and Ctrl+C (over TCP, and over stdio on a terminal) each give one line, never a traceback. Real sockets on
loopback, real subprocesses, real signals."""

from __future__ import annotations

import json
import os
import pty
import queue
import signal
import socket
import subprocess
import sys
import threading
import tty
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from tests.helpers.cloud_servers import subprocess_env

CLI = [sys.executable, "-m", "servicestage_ls"]
LISTENING = "servicestage-ls serve: listening on "
INTERRUPTED = "servicestage-ls serve: stopped (Ctrl+C)\n"
DEADLINE = 30.0
INITIALIZE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"processId": None, "rootUri": None, "capabilities": {}}}).encode()
REFUSED = "WARNING servicestage_ls: serve --tcp: closed a connection without answering: "


def lsp_message(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@dataclass
class TcpServe:
    process: subprocess.Popen[str]
    port: int

    def connect(self) -> socket.socket:
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=DEADLINE)
        return connection

    def stderr_after_exit(self) -> str:
        assert self.process.stderr is not None
        self.process.wait(timeout=DEADLINE)
        return self.process.stderr.read()


def read_answer(connection: socket.socket) -> dict[str, object]:
    stream = connection.makefile("rb")
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))  # type: ignore[no-any-return]


def read_to_end(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def tcp_serve() -> Iterator[TcpServe]:
    process = subprocess.Popen([*CLI, "serve", "--tcp", "127.0.0.1:0"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=subprocess_env())
    assert process.stderr is not None
    stderr = process.stderr
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stderr.readline()), daemon=True).start()
    first = lines.get(timeout=DEADLINE)
    assert first.startswith(LISTENING), first
    assert first.startswith(LISTENING + "127.0.0.1:")
    yield TcpServe(process, int(first.rsplit(":", 1)[1]))
    if process.poll() is None:
        process.kill()
    process.wait(timeout=DEADLINE)
    stderr.close()


@pytest.mark.parametrize("request_bytes", [
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(INITIALIZE)
    + INITIALIZE,
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,
    b"\r\n" + lsp_message(INITIALIZE),
], ids=["http-post-initialize", "http-get", "tls-client-hello", "blank-first-line"])
def test_a_connection_that_does_not_start_with_an_lsp_header_is_closed_unanswered(
        tcp_serve: TcpServe, request_bytes: bytes) -> None:
    with tcp_serve.connect() as intruder:
        intruder.sendall(request_bytes)
        assert read_to_end(intruder) == b""
    with tcp_serve.connect() as editor:  # the server still waits for its editor
        editor.sendall(lsp_message(INITIALIZE))
        answer = read_answer(editor)
    assert answer["id"] == 1 and isinstance(answer["result"], dict)
    assert answer["result"]["serverInfo"]["name"] == "servicestage-ls"
    stderr = tcp_serve.stderr_after_exit()  # the editor's connection ended: the server stopped
    assert tcp_serve.process.returncode == 0
    assert stderr == REFUSED + "it did not start with an LSP header\n"


def test_a_second_connection_while_an_editor_is_connected_is_closed(tcp_serve: TcpServe) -> None:
    with tcp_serve.connect() as editor:
        editor.sendall(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
                       + lsp_message(INITIALIZE))
        assert read_answer(editor)["id"] == 1
        with tcp_serve.connect() as second:
            second.sendall(lsp_message(INITIALIZE))
            assert read_to_end(second) == b""
    assert tcp_serve.stderr_after_exit() == REFUSED + "an editor is already connected\n"


def test_ctrl_c_over_tcp_is_one_line(tcp_serve: TcpServe) -> None:
    tcp_serve.process.send_signal(signal.SIGINT)
    assert tcp_serve.stderr_after_exit() == INTERRUPTED
    assert tcp_serve.process.returncode == 130


def test_ctrl_c_on_a_terminal_is_one_line() -> None:
    controller, terminal = pty.openpty()
    tty.setraw(terminal)  # the protocol's bytes as they are (no CR→NL, no echo)
    process = subprocess.Popen([*CLI, "serve"], stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=subprocess_env())
    os.close(terminal)
    try:
        assert process.stdout is not None and process.stderr is not None
        os.write(controller, lsp_message(INITIALIZE))
        header = process.stdout.readline()  # answered: it is serving, blocked reading the terminal
        assert header.startswith(b"Content-Length: ")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=DEADLINE) == 130
        assert process.stderr.read() == INTERRUPTED.encode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)


@pytest.mark.parametrize(("address", "message"), [
    ("0.0.0.0:2087", "'0.0.0.0' is not a loopback address: the server listens only on 127.0.0.1, ::1 or localhost"),
    ("[::]:2087", "'::' is not a loopback address: the server listens only on 127.0.0.1, ::1 or localhost"),
    ("192.0.2.10:2087",
     "'192.0.2.10' is not a loopback address: the server listens only on 127.0.0.1, ::1 or localhost"),
    ("localhost.attacker.example:2087", "'localhost.attacker.example' is not a loopback address: the server "
                                        "listens only on 127.0.0.1, ::1 or localhost"),
    ("127.0.0.1:65536", "the port must be from 0 to 65535, got 65536"),
    ("127.0.0.1:99999999999999999999", "the port must be from 0 to 65535, got 99999999999999999999"),
    ("127.0.0.1:-1", "expected HOST:PORT, got '127.0.0.1:-1'"),
])
def test_a_host_that_is_not_loopback_or_a_port_out_of_range_is_a_usage_error(address: str, message: str) -> None:
    result = subprocess.run([*CLI, "serve", "--tcp", address], capture_output=True, text=True, timeout=DEADLINE,
                            stdin=subprocess.DEVNULL, env=subprocess_env())
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "usage: servicestage-ls serve [-h] [--tcp HOST:PORT] [--stdio]",
        f"servicestage-ls serve: error: argument --tcp: {message}",
    ]


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*CLI, "serve", "--tcp", f"127.0.0.1:{port}"], capture_output=True, text=True,
                                timeout=DEADLINE, stdin=subprocess.DEVNULL, env=subprocess_env())
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"servicestage-ls serve: cannot listen on 127.0.0.1:{port}: Address already in use\n"
