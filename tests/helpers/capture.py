"""A capture server for the hostile repository (tests/fixtures/hostile-repo/): the host its authorization file
names, ``https://capture.test:4443``, reached on loopback — to show that nothing is sent there until the user trusts
that host, and that the same call does reach it once trusted.

How a name that is not loopback reaches loopback, honestly. The trust rule must not resolve names, and the test
must not change how the product resolves them: no /etc/hosts entry, no test-only variable read by production code
(a back door), no patched resolver. What the product honours anyway is the user's proxy (``https_proxy`` in the
environment, as httpx, curl and pip do), so the capture server *is* an HTTPS proxy on 127.0.0.1: a client that
sends anything to ``capture.test`` first asks this proxy ``CONNECT capture.test:4443``; the proxy answers 200,
then speaks TLS itself with a certificate for ``capture.test`` signed by a test CA (the client trusts it only through
its CA bundle: ``--ca-bundle`` or ``caBundle``), and reads the HTTP request inside. Every CONNECT and every request is
recorded — the proxy sees a connection attempt before any TLS, so "nothing captured" means no connection at all.
Nothing else needs the proxy: loopback addresses never go through a proxy (the client's mounts), and the tests set
the variable only in the environment of the process under test.

Recorded: the CONNECT target, the method and path, and whether credentials came with the request (never their
values: the test output must not hold secrets). Answers are canned ServiceStage answers (an empty list, a created
authorization, a deleted one, IAM's project list) so that a trusted call completes.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile-repo"
#: The authorization file of the hostile repository, and the host it names.
HOSTILE_FILE = FIXTURE / "servicestage.yaml"
CAPTURE_HOST = "capture.test"
CAPTURE_PORT = 4443
CAPTURE_ENTRY = f"{CAPTURE_HOST}:{CAPTURE_PORT}"
CAPTURE_URL = f"https://{CAPTURE_ENTRY}"
PROJECT_ID = "0a1b2c3d4e5f67890a1b2c3d4e5f6789"
#: The proxy variables a client may read; the tests' environment drops them all and sets only ``https_proxy``.
PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
                   "NO_PROXY")
LIMIT = 1 << 20


@dataclass(frozen=True)
class Captured:
    """What reached the capture server: the CONNECT target, then (after TLS) the request, with whether it carried
    credentials (an ``Authorization`` or ``X-Auth-Token`` header; never their values)."""

    target: str
    method: str | None = None
    path: str | None = None
    credentials: bool = False


def make_capture_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A test CA and a certificate for ``capture.test`` that it signed (openssl CLI): (ca.pem, cert.pem, key.pem)."""
    ca, ca_key = directory / "capture-ca.pem", directory / "capture-ca-key.pem"
    cert, key = directory / "capture-cert.pem", directory / "capture-key.pem"
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for command in (
        ["openssl", "req", "-x509", *curve, "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
         "-subj", "/CN=servicestage-ls capture CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign"],
        ["openssl", "req", "-x509", *curve, "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", f"/CN={CAPTURE_HOST}", "-addext", f"subjectAltName=DNS:{CAPTURE_HOST}",
         "-addext", "basicConstraints=CA:FALSE", "-CA", str(ca), "-CAkey", str(ca_key)],
    ):
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    return ca, cert, key


def canned_answer(method: str, path: str) -> tuple[int, dict[str, object] | None]:
    """What ServiceStage (or IAM) would answer, enough for a trusted call to complete."""
    if path.startswith("/v3/projects"):
        return 200, {"projects": [{"id": PROJECT_ID, "name": "cn-north-4"}]}
    if method == "GET":
        return 200, {"authorizations": []}
    if method == "POST":
        name = "hostile-entry"
        return 200, {"authorization": {"name": name, "repo_type": "github", "repo_user": "captured", "status": 0}}
    return 204, None


class _Handler(socketserver.StreamRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        request_line = self.rfile.readline(LIMIT).decode("latin-1").strip()
        _headers(self.rfile)
        method, _, rest = request_line.partition(" ")
        target = rest.rpartition(" ")[0] or rest
        if method != "CONNECT":
            self.server.record(Captured(target=request_line))
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.server.record(Captured(target=target))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            tls = self.server.context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client did not trust the certificate: nothing more came
        with tls, tls.makefile("rb") as reader:
            self._serve_one(tls, reader, target)

    def _serve_one(self, tls: ssl.SSLSocket, reader: socket.SocketIO | object, target: str) -> None:
        line = reader.readline(LIMIT).decode("latin-1").strip()  # type: ignore[attr-defined]
        if not line:
            return
        method, path = (line.split(" ") + ["", ""])[:2]
        headers = _headers(reader)
        if "content-length" in headers:
            reader.read(int(headers["content-length"]))  # type: ignore[attr-defined]
        self.server.record(Captured(target, method, path, "authorization" in headers or "x-auth-token" in headers))
        status, body = canned_answer(method, path)
        payload = json.dumps(body).encode() if body is not None else b""
        kind = b"Content-Type: application/json\r\n" if body is not None else b""
        tls.sendall(b"HTTP/1.1 %d OK\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                    % (status, kind, len(payload), payload))


def _headers(reader: object) -> dict[str, str]:
    """The header lines up to the blank one, names in lower case (values kept only for Content-Length's sake)."""
    out: dict[str, str] = {}
    while True:
        line = reader.readline(LIMIT).decode("latin-1")  # type: ignore[attr-defined]
        if line in ("\r\n", "\n", ""):
            return out
        name, _, value = line.partition(":")
        out[name.strip().lower()] = value.strip() if name.strip().lower() == "content-length" else ""


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.captured: list[Captured] = []
        self.lock = threading.Lock()

    def record(self, item: Captured) -> None:
        with self.lock:
            self.captured.append(item)


class CaptureServer:
    """The proxy and capture server (see the module's doc). ``env()`` is what a process under test gets."""

    def __init__(self, server: _ProxyServer, ca: Path) -> None:
        self._server = server
        self.ca = ca
        self.proxy_url = f"http://127.0.0.1:{server.server_address[1]}"

    @property
    def captured(self) -> list[Captured]:
        with self._server.lock:
            return list(self._server.captured)

    def requests(self) -> list[tuple[str | None, str | None, bool]]:
        """(method, path, with credentials) of each request that arrived inside TLS."""
        return [(c.method, c.path, c.credentials) for c in self.captured if c.method is not None]

    def clear(self) -> None:
        with self._server.lock:
            self._server.captured.clear()

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` with this proxy as the user's https proxy (and no other proxy setting)."""
        clean = {k: v for k, v in base.items() if k not in PROXY_VARIABLES}
        return {**clean, "https_proxy": self.proxy_url}


@contextmanager
def capture_server(directory: Path) -> Iterator[CaptureServer]:
    """Start the capture server (its certificates made in ``directory``); stopped on exit."""
    ca, cert, key = make_capture_certificate(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = _ProxyServer(context)
    thread = threading.Thread(target=server.serve_forever, name="capture-server", daemon=True)
    thread.start()
    try:
        yield CaptureServer(server, ca)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
