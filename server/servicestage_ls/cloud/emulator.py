"""A local ServiceStage-compatible API, for trying the product without a cloud account and for tests.

It serves, in memory and on loopback (stdlib only):

- ``POST /v1/{project_id}/git/auths/{repo_type}/personal`` — create a personal-token authorization,
- ``GET /v1/{project_id}/git/auths`` — list them, ``DELETE /v1/{project_id}/git/auths/{name}`` — delete one,
- ``--seed FILE`` preloads authorizations (:func:`load_seed`): overdue, unauthenticated, remote-only ones.
- ``POST /v3/auth/tokens`` and ``GET /v3/projects?name=REGION`` — enough of IAM for password sign-in.

It validates like the real service: the name rule (SVCSTG.REPO.0400), the repo type (SVCSTG.REPO.0401), the
token's shape (SVCSTG.REPO.0451), duplicates (SVCSTG.REPO.0403), and credentials (401 with an APIGW.0301 body).

Credentials it accepts:

- ``X-Auth-Token``: the ``--token`` value and any token its own IAM issued. With neither ``--token`` nor
  ``--ak`` configured it runs open: any non-empty ``X-Auth-Token`` is accepted (a request with no credential
  at all is still refused).
- AK/SK: requests signed (SDK-HMAC-SHA256) with ``--ak``/``--sk``, verified with the client's own signer code;
  an ``X-Sdk-Date`` more than 15 minutes away from the emulator's clock is refused.
- IAM password sign-in: any non-empty user name, password and domain name (or only ``iam_password`` when the
  :class:`Emulator` is built with one); the token returned in ``X-Subject-Token`` is ``--token``, or a fresh
  random token when none is configured. Project ids are derived from the region name (32 hex characters).

Requests are logged to stderr as method, path, status and request id: never headers or bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

from servicestage_ls.cloud.auth import (
    SDK_DATE_FORMAT,
    canonical_request,
    parse_authorization_header,
    sign,
    string_to_sign,
)
from servicestage_ls.core.regions import REGIONS

if TYPE_CHECKING:
    from typing_extensions import Self

READY_LINE = "servicestage-ls emulator listening on {url}"
NAME_RULE = re.compile(r"^[A-Za-z0-9_.-]{4,63}$")
REPO_TYPES = ("github", "gitlab", "gitee")
SDK_DATE_TOLERANCE_SECONDS = 15 * 60
TOKEN_LIFETIME_SECONDS = 24 * 3600
MAX_BODY_BYTES = 1 << 20
CONTENT_TYPE = "application/json;charset=utf8"

TOKEN_SHAPES: dict[str, re.Pattern[str]] = {
    "github": re.compile(r"^(ghp_[A-Za-z0-9]{1,251}|github_pat_[A-Za-z0-9_]{1,244})$"),
    "gitlab": re.compile(r"^glpat-[0-9A-Za-z_.-]{1,249}$"),
    "gitee": re.compile(r"^[A-Za-z0-9]{8,255}$"),
}
PUBLIC_WEB = {"github": "https://github.com", "gitlab": "https://gitlab.com", "gitee": "https://gitee.com"}
PUBLIC_API = {"github": "https://api.github.com", "gitlab": "https://gitlab.com", "gitee": "https://gitee.com"}

REPO_MEANINGS = {
    "SVCSTG.REPO.0400": "parameter invalid",
    "SVCSTG.REPO.0401": "repository not implemented",
    "SVCSTG.REPO.0403": "resource already exist",
    "SVCSTG.REPO.0450": "no repository authorization",
    "SVCSTG.REPO.0451": "repository authorization invalid",
}


def project_id_for(region: str) -> str:
    """The emulator's deterministic project id for a region name (32 lowercase hex characters)."""
    return hashlib.md5(f"servicestage-ls-emulator:{region}".encode()).hexdigest()


class _ThreadingHTTPServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class ApiError(Exception):
    """An error answer: status and the body to send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def repo_error(code: str, detail: str | None = None) -> ApiError:
    meaning = REPO_MEANINGS[code]
    return ApiError(400, {"error_code": code, "error_msg": f"{meaning}: {detail}" if detail else meaning})


def gateway_error(reason: str) -> ApiError:
    return ApiError(
        401, {"error_code": "APIGW.0301", "error_msg": f"Incorrect IAM authentication information: {reason}"}
    )


def not_found() -> ApiError:
    return ApiError(
        404,
        {
            "error_code": "APIGW.0101",
            "error_msg": "The API does not exist or has not been published in the environment",
        },
    )


def iam_error(status: int, message: str) -> ApiError:
    titles = {400: "Bad Request", 401: "Unauthorized"}
    return ApiError(status, {"error": {"code": status, "message": message, "title": titles.get(status, "Error")}})


@dataclass
class Emulator:
    """The emulator's state and HTTP server; :meth:`start` serves on a background thread."""

    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None
    ak: str | None = None
    sk: str | None = None
    iam_password: str | None = None
    log_stream: TextIO = field(default_factory=lambda: sys.stderr)
    clock: Callable[[], float] = time.time
    seed: list[dict[str, Any]] = field(default_factory=list)
    """Authorizations every project starts with (``--seed``), or only ``seed_project`` when it is set."""
    seed_project: str | None = None
    _auths: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict, init=False, repr=False)
    _issued: set[str] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def __repr__(self) -> str:
        return f"Emulator(host={self.host!r}, port={self.port!r})"

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> str:
        """Bind and serve on a background thread; returns the base URL."""
        emulator = self

        class Handler(_Handler):
            pass

        Handler.emulator = emulator
        server_class = _ThreadingHTTPServer6 if ":" in self.host else ThreadingHTTPServer
        server = server_class((self.host, self.port), Handler)
        server.daemon_threads = True
        server.handle_error = self._handle_error  # type: ignore[method-assign]
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="emulator", daemon=True
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self, line: str) -> None:
        try:
            self.log_stream.write(line + "\n")
            self.log_stream.flush()
        except (OSError, ValueError):
            pass

    def _handle_error(self, request: object, client_address: object) -> None:
        _, exc, _ = sys.exc_info()
        self.log(f"emulator: connection from {client_address} ended with {type(exc).__name__}")

    # --- authentication --------------------------------------------------------------------------------------

    @property
    def open_mode(self) -> bool:
        return not self.token and not self.ak

    def authenticate(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> None:
        """Raise a 401 APIGW error unless the request carries an accepted token or a valid AK/SK signature."""
        authorization = headers.get("authorization", "")
        if authorization:
            self._verify_signature(method, raw_path, headers, body, authorization)
            return
        token = headers.get("x-auth-token", "").strip()
        if not token:
            raise gateway_error("x-auth-token not found")
        if self.open_mode:
            return
        with self._lock:
            accepted = list(self._issued)
        if self.token:
            accepted.append(self.token)
        if not any(hmac.compare_digest(token.encode(), good.encode()) for good in accepted):
            raise gateway_error("decrypt token fail")

    def _verify_signature(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, authorization: str
    ) -> None:
        parsed = parse_authorization_header(authorization)
        if parsed is None:
            raise gateway_error("unsupported Authorization header (expected SDK-HMAC-SHA256)")
        if not self.ak or not self.sk:
            raise gateway_error("AK/SK authentication is not enabled (start the emulator with --ak and --sk)")
        if not hmac.compare_digest(parsed.access.encode(), self.ak.encode()):
            raise gateway_error("ak not found")
        signed = [name.lower() for name in parsed.signed_headers]
        if "host" not in signed or "x-sdk-date" not in signed:
            raise gateway_error("the signed headers must include host and x-sdk-date")
        missing = [name for name in signed if name not in headers]
        if missing:
            raise gateway_error(f"signed header {missing[0]} is missing")
        try:
            signed_at = datetime.strptime(headers["x-sdk-date"], SDK_DATE_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            raise gateway_error("x-sdk-date is not in the format YYYYMMDDTHHMMSSZ") from None
        if abs(self.clock() - signed_at.timestamp()) > SDK_DATE_TOLERANCE_SECONDS:
            raise gateway_error("the x-sdk-date is more than 15 minutes away from the server time")
        parts = urlsplit(raw_path)
        canonical = canonical_request(
            method,
            unquote(parts.path),
            parse_qsl(parts.query, keep_blank_values=True),
            {name: headers[name] for name in signed},
            body,
        )
        expected = sign(string_to_sign(canonical, headers["x-sdk-date"]), self.sk)
        if not hmac.compare_digest(expected, parsed.signature):
            raise gateway_error("verify aksk signature fail")

    # --- IAM -------------------------------------------------------------------------------------------------

    def iam_tokens(self, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        data = _json_object(body, lambda: iam_error(400, "The request body is not a JSON object."))
        auth = data.get("auth")
        identity = auth.get("identity") if isinstance(auth, dict) else None
        password = identity.get("password") if isinstance(identity, dict) else None
        user = password.get("user") if isinstance(password, dict) else None
        if not isinstance(identity, dict) or "password" not in (identity.get("methods") or []) or not isinstance(
            user, dict
        ):
            raise iam_error(400, "The request body must use the password method with auth.identity.password.user.")
        name, secret = user.get("name"), user.get("password")
        domain = user.get("domain")
        domain_name = domain.get("name") if isinstance(domain, dict) else None
        if not all(isinstance(v, str) and v for v in (name, secret, domain_name)):
            raise iam_error(401, "The username or password is wrong.")
        if self.iam_password is not None and not hmac.compare_digest(str(secret).encode(), self.iam_password.encode()):
            raise iam_error(401, "The username or password is wrong.")
        scope = auth.get("scope") if isinstance(auth, dict) else None
        project = scope.get("project") if isinstance(scope, dict) else None
        if not isinstance(project, dict) or not (project.get("name") or project.get("id")):
            raise iam_error(400, "A project scope (auth.scope.project.name or id) is required.")
        project_name = project.get("name") if isinstance(project.get("name"), str) else None
        project_id = str(project.get("id") or project_id_for(str(project_name)))
        token = self.token or secrets.token_urlsafe(32)
        with self._lock:
            self._issued.add(token)
        now = self.clock()
        expires = datetime.fromtimestamp(now + TOKEN_LIFETIME_SECONDS, timezone.utc)
        issued = datetime.fromtimestamp(now, timezone.utc)
        answer = {
            "token": {
                "methods": ["password"],
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "user": {"name": name, "domain": {"name": domain_name}},
                "project": {"id": project_id, "name": project_name or project_id},
            }
        }
        return 201, answer, {"X-Subject-Token": token}

    def iam_projects(self, query: str) -> dict[str, Any]:
        names = [value for key, value in parse_qsl(query, keep_blank_values=True) if key == "name"]
        regions = [name for name in names if name in REGIONS] if names else list(REGIONS)
        projects = [{"id": project_id_for(region), "name": region, "enabled": True} for region in regions]
        return {"projects": projects, "links": {"self": "/v3/projects"}}

    # --- git authorizations ----------------------------------------------------------------------------------

    def create_authorization(self, project_id: str, repo_type: str, body: bytes) -> dict[str, Any]:
        if repo_type not in REPO_TYPES:
            raise repo_error("SVCSTG.REPO.0401", f"repository type {repo_type!r} is not supported")
        data = _json_object(body, lambda: repo_error("SVCSTG.REPO.0400", "the body is not a JSON object"))
        name, token, host = data.get("name"), data.get("token"), data.get("host")
        if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
            raise repo_error(
                "SVCSTG.REPO.0400", "name must be 4 to 63 characters: letters, digits, '.', '_' and '-'"
            )
        if not isinstance(token, str):
            raise repo_error("SVCSTG.REPO.0400", "token is required")
        if host is not None and (not isinstance(host, str) or urlsplit(host).scheme not in ("http", "https")
                                 or not urlsplit(host).hostname):
            raise repo_error("SVCSTG.REPO.0400", "host must be an http(s) URL")
        if not self._token_acceptable(repo_type, token, host):
            raise repo_error("SVCSTG.REPO.0451", f"the token is not a valid {repo_type} personal access token")
        now_ms = int(self.clock() * 1000)
        record = _authorization(name, repo_type, host, now_ms)
        with self._lock:
            project = self._project(project_id)
            if name in project:
                raise repo_error("SVCSTG.REPO.0403")
            project[name] = record
        return {"authorization": dict(record)}

    @staticmethod
    def _token_acceptable(repo_type: str, token: str, host: str | None) -> bool:
        if not token or token != token.strip() or any(ch.isspace() for ch in token):
            return False
        host_name = urlsplit(host).hostname if host else None
        if repo_type == "gitlab" and host_name and host_name != "gitlab.com":
            return True  # self-managed GitLab may use another prefix
        return bool(TOKEN_SHAPES[repo_type].fullmatch(token))

    def _project(self, project_id: str) -> dict[str, dict[str, Any]]:
        """A project's authorizations (call with the lock held); a project starts with the seed."""
        project = self._auths.get(project_id)
        if project is None:
            seeded = self.seed if self.seed_project in (None, project_id) else []
            project = self._auths[project_id] = {item["name"]: dict(item) for item in seeded}
        return project

    def list_authorizations(self, project_id: str) -> dict[str, Any]:
        with self._lock:
            items = [dict(record, tag="") for record in self._project(project_id).values()]
        return {"authorizations": items, "count": len(items)}

    def delete_authorization(self, project_id: str, name: str) -> None:
        with self._lock:
            project = self._project(project_id)
            if name not in project:
                raise repo_error("SVCSTG.REPO.0450", f"no authorization named {name!r}")
            del project[name]

    # --- routing ---------------------------------------------------------------------------------------------

    def dispatch(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """Answer one request: (status, JSON body or None, extra headers). Raises ApiError for error answers."""
        parts = urlsplit(raw_path)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if method == "POST" and segments == ["v3", "auth", "tokens"]:
            return self.iam_tokens(body)
        if method == "GET" and segments == ["v3", "projects"]:
            self.authenticate(method, raw_path, headers, body)
            return 200, self.iam_projects(parts.query), {}
        if len(segments) < 4 or segments[0] != "v1" or segments[2:4] != ["git", "auths"]:
            raise not_found()
        project_id, rest = segments[1], segments[4:]
        if method == "GET" and not rest:
            self._authenticate_project(method, raw_path, headers, body, project_id)
            return 200, self.list_authorizations(project_id), {}
        if method == "POST" and len(rest) == 2 and rest[1] == "personal":
            self._authenticate_project(method, raw_path, headers, body, project_id)
            return 200, self.create_authorization(project_id, rest[0], body), {}
        if method == "DELETE" and len(rest) == 1:
            self._authenticate_project(method, raw_path, headers, body, project_id)
            self.delete_authorization(project_id, rest[0])
            return 204, None, {}
        raise not_found()

    def _authenticate_project(self, method: str, raw_path: str, headers: dict[str, str], body: bytes,
                              project_id: str) -> None:
        """Credentials first (as the gateway), then the project id: 32 lowercase hex characters, as the service."""
        self.authenticate(method, raw_path, headers, body)
        if _PROJECT_ID_RE.fullmatch(project_id) is None:
            raise repo_error("SVCSTG.REPO.0400", "project_id must be 32 lowercase hexadecimal characters")


_PROJECT_ID_RE = re.compile(r"[0-9a-f]{32}")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def _json_object(body: bytes, error: Callable[[], ApiError]) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise error() from None
    if not isinstance(data, dict):
        raise error()
    return data


def _authorization(name: str, repo_type: str, host: str | None, now_ms: int) -> dict[str, Any]:
    """The AUTH object the emulator answers with; repo_user is the host's first path segment, else the name."""
    parts = urlsplit(host) if host else None
    first_segment = next((s for s in parts.path.split("/") if s), None) if parts else None
    repo_user = first_segment or name
    origin = f"{parts.scheme}://{parts.netloc}" if parts else None
    public = origin is None or parts is None or parts.hostname in ("github.com", "gitlab.com", "gitee.com")
    avatar_id = int(hashlib.sha256(repo_user.encode()).hexdigest()[:7], 16)
    avatars = {
        "github": f"https://avatars.githubusercontent.com/u/{avatar_id}?v=4",
        "gitlab": f"https://gitlab.com/uploads/-/system/user/avatar/{avatar_id}/avatar.png",
        "gitee": "https://gitee.com/assets/no_portrait.png",
    }
    return {
        "name": name,
        "repo_type": repo_type,
        "repo_host": PUBLIC_API[repo_type] if public else origin,
        "repo_home": host.rstrip("/") if host else f"{PUBLIC_WEB[repo_type]}/{repo_user}",
        "repo_user": repo_user,
        "avartar": avatars[repo_type],
        "token_type": "personal",
        "create_time": now_ms,
        "update_time": now_ms,
        "status": 0,
    }


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every answer is JSON (or empty) and carries an X-Request-Id."""

    emulator: Emulator
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
        payload: dict[str, Any] | None = None
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
            if "error_code" in payload:
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

    def _answer(self, status: int, payload: dict[str, Any] | None, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode("utf-8") if payload is not None else b""
        try:
            self.send_response_only(status)
            self.send_header("Date", self.date_time_string())
            for name, value in headers.items():
                self.send_header(name, value)
            if payload is not None:
                self.send_header("Content-Type", CONTENT_TYPE)
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


SEED_KEYS = frozenset({"name", "repo_type", "repo_user", "status", "create_time", "update_time", "host",
                       "repo_host", "repo_home", "avartar", "token_type"})


def load_seed(text: str, now_ms: int) -> tuple[str | None, list[dict[str, Any]]]:
    """Read a seed file (YAML or JSON): a list of authorizations, or ``{project_id?, authorizations: [...]}``.

    Each item needs ``name`` and ``repo_type``; ``repo_user``, ``status`` (0, 1, 2), ``create_time`` and
    ``update_time`` (milliseconds since the epoch), ``host`` and the other AUTH fields are optional. Raises
    ValueError saying what is wrong.
    """
    from servicestage_ls.core.yamlparse import load_plain

    try:
        data = load_plain(text)
    except ValueError as exc:
        raise ValueError(f"not YAML or JSON: {exc}") from None
    project_id = None
    if isinstance(data, dict):
        project_id = data.get("project_id")
        if project_id is not None and not isinstance(project_id, str):
            raise ValueError("project_id must be a string")
        data = data.get("authorizations")
    if not isinstance(data, list):
        raise ValueError("expected a list of authorizations (or a mapping with `authorizations`)")
    out: list[dict[str, Any]] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"item {number} is not a mapping")
        unknown = sorted(str(k) for k in item if k not in SEED_KEYS)
        if unknown:
            raise ValueError(f"item {number}: unknown key {unknown[0]!r}")
        name, repo_type = item.get("name"), item.get("repo_type")
        if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
            raise ValueError(f"item {number}: `name` must follow the naming rule (4 to 63 of A-Z a-z 0-9 . _ -)")
        if repo_type not in REPO_TYPES:
            raise ValueError(f"item {number} ({name}): `repo_type` must be one of {', '.join(REPO_TYPES)}")
        status = item.get("status", 0)
        if status not in (0, 1, 2) or isinstance(status, bool):
            raise ValueError(f"item {number} ({name}): `status` must be 0, 1 or 2")
        host = item.get("host")
        if host is not None and (not isinstance(host, str) or urlsplit(host).scheme not in ("http", "https")):
            raise ValueError(f"item {number} ({name}): `host` must be an http(s) URL")
        created = item.get("create_time", now_ms)
        record = _authorization(name, repo_type, host, created if isinstance(created, int) else now_ms)
        if host is None and isinstance(item.get("repo_user"), str):
            record["repo_home"] = f"{PUBLIC_WEB[repo_type]}/{item['repo_user']}"
        record.update({k: v for k, v in item.items() if k != "host"})
        record["status"] = status
        record.setdefault("update_time", record["create_time"])
        if any(n["name"] == name for n in out):
            raise ValueError(f"item {number}: the name {name!r} is repeated")
        out.append(record)
    return project_id, out


def run_emulator(*, host: str, port: int, token: str | None, ak: str | None, sk: str | None,
                 seed: str | None = None) -> int:
    """Serve until SIGTERM/SIGINT; print the ready line on stdout once listening. Exit status 0, 1 when the
    address cannot be bound, 2 when the seed file cannot be used."""
    emulator = Emulator(host=host, port=port, token=token, ak=ak, sk=sk)
    if seed is not None:
        try:
            with open(seed, encoding="utf-8") as f:
                emulator.seed_project, emulator.seed = load_seed(f.read(), int(time.time() * 1000))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            sys.stderr.write(f"servicestage-ls emulator: cannot use the seed file {seed}: {why}\n")
            return 2
    try:
        url = emulator.start()
    except OSError as exc:
        sys.stderr.write(f"servicestage-ls emulator: cannot listen on {host}:{port}: {exc.strerror or exc}\n")
        return 1
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    mode = "open: any X-Auth-Token is accepted" if emulator.open_mode else "credentials required"
    emulator.log(f"emulator: serving on {url} ({mode})")
    if not _is_loopback(host):
        emulator.log(f"emulator: warning: {host} is not a loopback address; anyone who can reach it can call the API")
    try:
        sys.stdout.write(READY_LINE.format(url=url) + "\n")
        sys.stdout.flush()
    except OSError:
        pass
    while not stop.wait(1.0):
        pass
    emulator.stop()
    emulator.log("emulator: stopped")
    return 0
