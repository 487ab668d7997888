"""The git-authorization calls of the emulator, every kind: create (personal token, password, OAuth), the OAuth
redirect URL and the pages that stand in for the provider and the console, list, delete, and the namespaces an
authorization sees (``X-Repo-Auth``). State lives in :class:`GitAuthorizations`, shared with the emulator."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from servicestage_ls.cloud.emulator.api import (
    KIND_REPO_TYPES,
    NAME_RULE,
    TOKEN_SHAPES,
    auth_record,
    json_object,
    namespaces_of,
    public,
    repo_error,
)

#: The password rule when the seed sets none: 8 to 128 characters, no white space.
DEFAULT_PASSWORD_RULE = re.compile(r"\S{8,128}")
#: The login the emulator's OAuth page signs in as when the seed names none.
DEFAULT_OAUTH_USER = "emulator-user"
TAG_RULE = re.compile(r"[A-Za-z0-9_-]{0,32}")
AUTHORIZE_PATH = "/emulator/oauth/authorize"
CONSOLE_PATH = "/emulator/console/oauth-callback"

CONSOLE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>ServiceStage authorization (emulator)</title></head>
<body><h1>Authorized</h1>
<p>The repository accepted the authorization. Copy the address of this page from the address bar and paste it
where servicestage-ls asks for it.</p></body></html>
"""


@dataclass
class Pending:
    """An OAuth flow begun by a redirect URL: its one-time state, and the code once the provider page was seen."""

    project_id: str
    repo_type: str
    code: str | None = None


@dataclass
class GitAuthorizations:
    """Authorizations per project (a project starts with the seed), the OAuth states given out, the password rule."""

    auths: dict[str, dict[str, dict[str, Any]]]
    lock: threading.Lock
    clock: Callable[[], float]
    seed_for: Callable[[str], list[dict[str, Any]]]
    password_rule: re.Pattern[str] = DEFAULT_PASSWORD_RULE
    oauth_user: str = DEFAULT_OAUTH_USER
    pending: dict[str, Pending] = field(default_factory=dict)
    rejected_tokens: frozenset[str] = field(default=frozenset(), repr=False)

    def project(self, project_id: str) -> dict[str, dict[str, Any]]:
        """A project's authorizations (call with the lock held)."""
        project = self.auths.get(project_id)
        if project is None:
            project = self.auths[project_id] = {item["name"]: dict(item) for item in self.seed_for(project_id)}
        return project

    def _store(self, project_id: str, record: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            project = self.project(project_id)
            if record["name"] in project:
                raise repo_error("SVCSTG.REPO.0403")
            project[record["name"]] = record
        return {"authorization": public(record)}

    def _taken(self, project_id: str, name: str) -> None:
        with self.lock:
            if name in self.project(project_id):
                raise repo_error("SVCSTG.REPO.0403")

    # --- create ----------------------------------------------------------------------------------------------

    def create_personal(self, project_id: str, repo_type: str, body: bytes) -> dict[str, Any]:
        data = _body(repo_type, "personal", body)
        token, host = data.get("token"), data.get("host")
        if not isinstance(token, str):
            raise repo_error("SVCSTG.REPO.0400", "token is required")
        if host is not None and (not isinstance(host, str) or urlsplit(host).scheme not in ("http", "https")
                                 or not urlsplit(host).hostname):
            raise repo_error("SVCSTG.REPO.0452", "host must be an http(s) URL")
        if not token_acceptable(repo_type, token, host):
            raise repo_error("SVCSTG.REPO.0451", f"the token is not a valid {repo_type} personal access token")
        if token in self.rejected_tokens:
            raise repo_error("SVCSTG.REPO.0451", f"{repo_type} refused the token (revoked or expired)")
        return self._store(project_id, auth_record(data["name"], repo_type, host, self._now_ms()))

    def create_password(self, project_id: str, repo_type: str, body: bytes) -> dict[str, Any]:
        data = _body(repo_type, "password", body)
        user, password = data.get("user"), data.get("password")
        if not isinstance(user, str) or not user.strip():
            raise repo_error("SVCSTG.REPO.0400", "user is required")
        if not isinstance(password, str) or not password:
            raise repo_error("SVCSTG.REPO.0400", "password is required")
        domain, slash, tenant = user.partition("/")
        if repo_type == "devcloud" and not (slash and domain and tenant and "/" not in tenant):
            raise repo_error("SVCSTG.REPO.0400", "a devcloud user is {domain name}/{tenant name}")
        if not self.password_rule.fullmatch(password):
            raise repo_error("SVCSTG.REPO.0451", f"the {repo_type} user or password was not accepted")
        login = tenant if repo_type == "devcloud" else user
        record = auth_record(data["name"], repo_type, None, self._now_ms(), token_type="password", user=login)
        return self._store(project_id, record)

    def redirect_url(self, project_id: str, repo_type: str, tag: str, base_url: str) -> dict[str, Any]:
        """``{url}``: the emulator's own provider page, carrying a fresh one-time state."""
        _repo_type_for(repo_type, "oauth")
        _check_tag(tag)
        state = secrets.token_urlsafe(18)
        with self.lock:
            self.pending[state] = Pending(project_id, repo_type)
        query = {"repo_type": repo_type, "state": state, **({"tag": tag} if tag else {})}
        return {"url": f"{base_url}{AUTHORIZE_PATH}?{urlencode(query)}"}

    def authorize(self, query: dict[str, str], base_url: str) -> str:
        """The provider's page, signed in already: where it sends the browser (the console, with code and state)."""
        state = query.get("state", "")
        code = secrets.token_urlsafe(18)
        with self.lock:
            pending = self.pending.get(state)
            if pending is None or pending.code is not None:
                raise repo_error("SVCSTG.REPO.0402", "the state is unknown or was used")
            pending.code = code
        return f"{base_url}{CONSOLE_PATH}?{urlencode({'code': code, 'state': state})}"

    def create_oauth(self, project_id: str, repo_type: str, tag: str, body: bytes) -> dict[str, Any]:
        data = _body(repo_type, "oauth", body)
        _check_tag(tag)
        code, state = data.get("code"), data.get("state")
        if not isinstance(code, str) or not code or not isinstance(state, str) or not state:
            raise repo_error("SVCSTG.REPO.0400", "code and state are required")
        self._taken(project_id, data["name"])
        with self.lock:
            pending = self.pending.pop(state, None)  # a state works once, whatever the outcome
        if (pending is None or pending.code is None or pending.project_id != project_id
                or pending.repo_type != repo_type or not secrets.compare_digest(pending.code, code)):
            raise repo_error("SVCSTG.REPO.0402")
        record = auth_record(data["name"], repo_type, None, self._now_ms(), token_type="oauth", user=self.oauth_user)
        record["tag"] = tag
        return self._store(project_id, record)

    # --- list, delete, namespaces ----------------------------------------------------------------------------

    def list(self, project_id: str) -> dict[str, Any]:
        with self.lock:
            items = [public(record, with_tag=True) for record in self.project(project_id).values()]
        return {"authorizations": items, "count": len(items)}

    def delete(self, project_id: str, name: str) -> None:
        with self.lock:
            project = self.project(project_id)
            if name not in project:
                raise repo_error("SVCSTG.REPO.0450", f"no authorization named {name!r}")
            del project[name]

    def namespaces(self, project_id: str, auth_name: str) -> dict[str, Any]:
        """``X-Repo-Auth`` names the authorization: 0450 when none has the name, 0451 when it no longer works."""
        with self.lock:
            record = self.project(project_id).get(auth_name.strip()) if auth_name.strip() else None
            record = dict(record) if record is not None else None
        if record is None:
            raise repo_error("SVCSTG.REPO.0450", f"no authorization named {auth_name.strip()!r}"
                             if auth_name.strip() else "the X-Repo-Auth header is missing")
        if record.get("status", 0) != 0:
            raise repo_error("SVCSTG.REPO.0451", "the repository no longer accepts this authorization")
        return {"namespaces": namespaces_of(record)}

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)


def _repo_type_for(repo_type: str, kind: str) -> None:
    if repo_type not in KIND_REPO_TYPES[kind]:
        raise repo_error("SVCSTG.REPO.0401", f"repository type {repo_type!r} is not supported for {kind}")


def _check_tag(tag: str) -> None:
    if not TAG_RULE.fullmatch(tag):
        raise repo_error("SVCSTG.REPO.0400", "tag must be up to 32 of A-Z a-z 0-9 _ -")


def _body(repo_type: str, kind: str, body: bytes) -> dict[str, Any]:
    """The repo type checked for the kind, the body a JSON object with a name that follows the naming rule."""
    _repo_type_for(repo_type, kind)
    data = json_object(body, lambda: repo_error("SVCSTG.REPO.0400", "the body is not a JSON object"))
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise repo_error("SVCSTG.REPO.0400", "name must be 4 to 63 characters: letters, digits, '.', '_' and '-'")
    return data


def token_acceptable(repo_type: str, token: str, host: str | None) -> bool:
    if not token or token != token.strip() or any(ch.isspace() for ch in token):
        return False
    host_name = urlsplit(host).hostname if host else None
    if repo_type == "gitlab" and host_name and host_name != "gitlab.com":
        return True  # self-managed GitLab may use another prefix
    return bool(TOKEN_SHAPES[repo_type].fullmatch(token))
