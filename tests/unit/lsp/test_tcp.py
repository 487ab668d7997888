"""What ``serve --tcp`` accepts as a host (loopback, literally) and as the first line of a connection."""

from __future__ import annotations

import pytest

from servicestage_ls.lsp.tcp import LSP_HEADER_RE, loopback_host


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LocalHost", True), ("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("192.0.2.1", False),
    ("localhost.example", False), ("127.0.0.1.nip.io", False), ("", False), ("::ffff:8.8.8.8", False),
])
def test_loopback_means_a_loopback_literal_or_localhost(host: str, loopback: bool) -> None:
    assert loopback_host(host) is loopback


@pytest.mark.parametrize(("line", "lsp"), [
    (b"Content-Length: 52\r\n", True), (b"content-length:52\n", True),
    (b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n", True),
    (b"POST / HTTP/1.1\r\n", False), (b"GET / HTTP/1.1\r\n", False), (b"Content-Length: 52", False),
    (b"Content-Lengthy: 5\r\n", False), (b"\r\n", False),
])
def test_an_lsp_connection_starts_with_one_of_its_two_header_fields(line: bytes, lsp: bool) -> None:
    assert (LSP_HEADER_RE.match(line) is not None) is lsp
