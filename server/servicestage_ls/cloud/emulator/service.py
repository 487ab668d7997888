"""The emulator: its state (authorizations per project, the tokens its IAM issued), authentication (X-Auth-Token,
AK/SK signatures, IAM password sign-in), the git-authorization calls, routing, and its HTTP server's life cycle."""

from __future__ import annotations

import hmac
import re
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
    PROJECT_ID_RE,
    SDK_DATE_TOLERANCE_SECONDS,
    TOKEN_LIFETIME_SECONDS,
    gateway_error,
    host_allowed,
    iam_error,
    json_object,
    misdirected,
    not_found,
    project_id_for,
    repo_error,
)
from servicestage_ls.cloud.emulator.git import (
    AUTHORIZE_PATH,
    CONSOLE_PAGE,
    CONSOLE_PATH,
    DEFAULT_OAUTH_USER,
    DEFAULT_PASSWORD_RULE,
    GitAuthorizations,
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
    password_rule: re.Pattern[str] = DEFAULT_PASSWORD_RULE
    """What a password create accepts (``--seed``'s ``password_rule``); anything else is SVCSTG.REPO.0451."""
    oauth_user: str = DEFAULT_OAUTH_USER
    """Who the OAuth page signs in as (``--seed``'s ``oauth_user``): the repo_user of OAuth authorizations."""
    rejected_tokens: frozenset[str] = field(default=frozenset(), repr=False)
    """Personal tokens the provider refuses (``--seed``'s ``rejected_tokens``: revoked ones): SVCSTG.REPO.0451."""
    _auths: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict, init=False, repr=False)
    _issued: set[str] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.git = GitAuthorizations(self._auths, self._lock, self.clock, self._seed_for, self.password_rule,
                                     self.oauth_user, rejected_tokens=self.rejected_tokens)

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

    # --- git authorizations (the calls are GitAuthorizations') ------------------------------------------------

    def _seed_for(self, project_id: str) -> list[dict[str, Any]]:
        return self.seed if self.seed_project in (None, project_id) else []

    def create_authorization(self, project_id: str, repo_type: str, body: bytes) -> dict[str, Any]:
        return self.git.create_personal(project_id, repo_type, body)

    def list_authorizations(self, project_id: str) -> dict[str, Any]:
        return self.git.list(project_id)

    def delete_authorization(self, project_id: str, name: str) -> None:
        self.git.delete(project_id, name)

    # --- routing ---------------------------------------------------------------------------------------------

    def dispatch(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | str | None, dict[str, str]]:
        """Answer one request: (status, JSON body, HTML text or None, extra headers). Raises ApiError for error
        answers; 421 first when the request's Host is not the emulator's address (DNS rebinding)."""
        if not host_allowed(headers.get("host"), self.host, self.port):
            raise misdirected(headers.get("host"))
        parts = urlsplit(raw_path)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if method == "POST" and segments == ["v3", "auth", "tokens"]:
            return self.iam_tokens(body)
        if method == "GET" and segments == ["v3", "projects"]:
            self.authenticate(method, raw_path, headers, body)
            return 200, self.iam_projects(parts.query), {}
        if method == "GET" and parts.path in (AUTHORIZE_PATH, CONSOLE_PATH):
            return self._browser_page(parts.path, parts.query)
        if len(segments) < 4 or segments[0] != "v1" or segments[2] != "git":
            raise not_found()
        project_id, rest = segments[1], segments[4:]
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if segments[3] == "repos" and rest == ["namespaces"] and method == "GET":
            self._authenticate_project(method, raw_path, headers, body, project_id)
            return 200, self.git.namespaces(project_id, headers.get("x-repo-auth", "")), {}
        call = self._git_call(method, segments[3], rest)
        if call is None:
            raise not_found()
        self._authenticate_project(method, raw_path, headers, body, project_id)
        if call == "list":
            return 200, self.git.list(project_id), {}
        if call == "delete":
            self.git.delete(project_id, rest[0])
            return 204, None, {}
        if call == "redirect":
            return 200, self.git.redirect_url(project_id, rest[0], query.get("tag", ""), self.url), {}
        if call == "oauth":
            return 200, self.git.create_oauth(project_id, rest[0], query.get("tag", ""), body), {}
        create = self.git.create_password if call == "password" else self.git.create_personal
        return 200, create(project_id, rest[0], body), {}

    @staticmethod
    def _git_call(method: str, group: str, rest: list[str]) -> str | None:
        """Which call of ``/v1/{project_id}/git/auths…`` a request is, if any."""
        if group != "auths":
            return None
        if not rest:
            return "list" if method == "GET" else None
        if len(rest) == 1:
            return "delete" if method == "DELETE" else None
        if len(rest) == 2 and (method, rest[1]) in (("GET", "redirect"), ("POST", "oauth"), ("POST", "password"),
                                                    ("POST", "personal")):
            return rest[1]
        return None

    def _browser_page(self, path: str, query: str) -> tuple[int, str, dict[str, str]]:
        """What a browser sees: the provider's page (signed in: on to the console) and the console's page."""
        if path == AUTHORIZE_PATH:
            location = self.git.authorize(dict(parse_qsl(query, keep_blank_values=True)), self.url)
            return 302, "", {"Location": location}
        return 200, CONSOLE_PAGE, {}

    def _authenticate_project(self, method: str, raw_path: str, headers: dict[str, str], body: bytes,
                              project_id: str) -> None:
        """Credentials first (as the gateway), then the project id: 32 lowercase hex characters, as the service."""
        self.authenticate(method, raw_path, headers, body)
        if PROJECT_ID_RE.fullmatch(project_id) is None:
            raise repo_error("SVCSTG.REPO.0400", "project_id must be 32 lowercase hexadecimal characters")
