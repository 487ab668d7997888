"""The calls of the password and OAuth kinds, and the namespaces an authorization sees (``X-Repo-Auth``): typed
results over :class:`~servicestage_ls.cloud.client.ServiceStageClient`'s own sending, errors and recovery.

Also what the user pastes at the end of the OAuth hand-off: the address the browser ended on, whose ``code`` and
``state`` (URL-decoded) the OAuth create posts (:func:`oauth_answer`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from servicestage_ls.cloud.errors import CloudError

if TYPE_CHECKING:
    import httpx

    from servicestage_ls.cloud.authorization import Authorization


@dataclass(frozen=True)
class Namespace:
    """A namespace (user or organisation) of the repository that an authorization sees."""

    id: str
    name: str


@dataclass(frozen=True)
class RedirectUrl:
    """Where the OAuth hand-off starts: the provider's page, carrying a one-time state."""

    url: str
    repo_type: str
    tag: str | None = None


@dataclass(frozen=True)
class OAuthAnswer:
    """The ``code`` and ``state`` of the address the browser ended on (URL-decoded). Never shown: a code is a
    credential until it is used."""

    code: str
    state: str

    def __repr__(self) -> str:
        return "OAuthAnswer(code=***, state=***)"


def oauth_answer(pasted: str) -> OAuthAnswer:
    """The code and state of a pasted address (its query, or a query in its fragment as consoles use); ValueError
    with a one-line reason when it has none."""
    text = pasted.strip()
    if not text:
        raise ValueError("nothing was pasted: paste the address the browser ended on")
    parts = urlsplit(text)
    found: dict[str, list[str]] = {}
    for query in (parts.query, parts.fragment.partition("?")[2], text if "=" in text and "/" not in text else ""):
        for key, values in parse_qs(query, keep_blank_values=True).items():
            found.setdefault(key, values)
    code, state = (found.get(key, [""])[0].strip() for key in ("code", "state"))
    missing = [key for key, value in (("code", code), ("state", state)) if not value]
    if missing:
        raise ValueError(f"the pasted address has no {' and no '.join(missing)}: paste the whole address the browser "
                         "ended on, after the repository's sign-in")
    return OAuthAnswer(code, state)


class KindCalls(ABC):
    """The password and OAuth creates, the redirect URL and the namespaces; ServiceStageClient gives the sending
    (its create, get_json and protocol_error, declared here as abstract)."""

    @abstractmethod
    async def create(self, path: str, body: Mapping[str, Any], *, name: str, secrets: Sequence[str] = (),
                     params: Mapping[str, str] | None = None) -> Authorization: ...

    @abstractmethod
    async def get_json(self, path: str, operation: str, *, params: Mapping[str, str] | None = None,
                       headers: Mapping[str, str] | None = None) -> tuple[httpx.Response, Any]: ...

    @abstractmethod
    def protocol_error(self, response: httpx.Response, operation: str, what: str) -> CloudError: ...

    async def create_password_authorization(self, repo_type: str, name: str, user: str,
                                            password: str) -> Authorization:
        """``POST /v1/{project_id}/git/auths/{repo_type}/password`` ``{name, user, password}``."""
        body = {"name": name, "user": user, "password": password}
        return await self.create(f"auths/{repo_type.lower()}/password", body, name=name, secrets=(password,))

    async def redirect_url(self, repo_type: str, tag: str | None = None) -> RedirectUrl:
        """``GET /v1/{project_id}/git/auths/{repo_type}/redirect[?tag=]`` → ``{url}``."""
        operation = f"the OAuth redirect URL for {repo_type.lower()}"
        params = {"tag": tag} if tag else None
        response, data = await self.get_json(f"auths/{repo_type.lower()}/redirect", operation, params=params)
        url = data.get("url") if isinstance(data, dict) else None
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise self.protocol_error(response, operation, "without an http(s) 'url'")
        return RedirectUrl(url, repo_type.lower(), tag or None)

    async def create_oauth_authorization(self, repo_type: str, name: str, answer: OAuthAnswer,
                                         tag: str | None = None) -> Authorization:
        """``POST /v1/{project_id}/git/auths/{repo_type}/oauth[?tag=]`` ``{name, code, state}``; a state works
        once (SVCSTG.REPO.0402)."""
        body = {"name": name, "code": answer.code, "state": answer.state}
        return await self.create(f"auths/{repo_type.lower()}/oauth", body, name=name, secrets=(answer.code,),
                                 params={"tag": tag} if tag else None)

    async def namespaces(self, name: str) -> list[Namespace]:
        """``GET /v1/{project_id}/git/repos/namespaces`` with ``X-Repo-Auth: name``: what the authorization sees."""
        operation = f"the namespaces of '{name}'"
        response, data = await self.get_json("repos/namespaces", operation, headers={"X-Repo-Auth": name})
        items = data.get("namespaces") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise self.protocol_error(response, operation, "without the 'namespaces' list")
        found = [Namespace(str(item.get("id", "")), item["name"]) for item in items
                 if isinstance(item, dict) and isinstance(item.get("name"), str)]
        if len(found) != len(items):
            raise self.protocol_error(response, operation, "with a namespace that has no name")
        return found
