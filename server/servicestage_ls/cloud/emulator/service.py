"""The emulator: its state (authorizations per project, the tokens its IAM issued), authentication (X-Auth-Token,
AK/SK signatures, IAM password sign-in), the git-authorization calls, routing, and its HTTP server's life cycle."""

from __future__ import annotations

import hmac
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

from servicestage_ls.cloud.emulator.api import (
    NAME_RULE,
    PROJECT_ID_RE,
    REPO_TYPES,
    SDK_DATE_TOLERANCE_SECONDS,
    TOKEN_LIFETIME_SECONDS,
    TOKEN_SHAPES,
    auth_record,
    gateway_error,
    host_allowed,
    iam_error,
    json_object,
    misdirected,
    not_found,
    project_id_for,
    repo_error,
)
from servicestage_ls.cloud.emulator.handler import RequestHandler, ThreadingHTTPServer6
from servicestage_ls.cloud.signing import (
    SDK_DATE_FORMAT,
    canonical_request,
    parse_authorization_header,
    sign,
    string_to_sign,
)
from servicestage_ls.core.regions import REGIONS

if TYPE_CHECKING:
    from typing_extensions import Self


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

        class Handler(RequestHandler):
            pass

        Handler.emulator = emulator
        server_class = ThreadingHTTPServer6 if ":" in self.host else ThreadingHTTPServer
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
        data = json_object(body, lambda: iam_error(400, "The request body is not a JSON object."))
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
        data = json_object(body, lambda: repo_error("SVCSTG.REPO.0400", "the body is not a JSON object"))
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
        record = auth_record(name, repo_type, host, now_ms)
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
        """Answer one request: (status, JSON body or None, extra headers). Raises ApiError for error answers;
        421 first when the request's Host is not the emulator's address (DNS rebinding)."""
        if not host_allowed(headers.get("host"), self.host, self.port):
            raise misdirected(headers.get("host"))
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
        if PROJECT_ID_RE.fullmatch(project_id) is None:
            raise repo_error("SVCSTG.REPO.0400", "project_id must be 32 lowercase hexadecimal characters")
