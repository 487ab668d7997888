"""The ServiceStage git-authorization API over httpx: create (every kind), list, delete, the OAuth redirect URL and
the namespaces an authorization sees (those in :mod:`servicestage_ls.cloud.kinds`).

Every failure becomes a :class:`~servicestage_ls.cloud.errors.CloudError` with one clear line and no secret.
A create is never retried blindly: when its answer is lost (a timeout after the request went out, a connection
dropped mid-answer) the client lists the authorizations and reports what actually happened.

:func:`open_client` resolves everything a call needs (endpoint, credentials, project id, TLS, timeouts) from the
file's values, the editor settings and the server's environment, as the design describes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import httpx

from servicestage_ls.cloud.auth import AkSkAuth, IamPasswordAuth, TokenAuth
from servicestage_ls.cloud.authorization import Authorization
from servicestage_ls.cloud.config import (
    ENV_PROJECT_ID,
    check_endpoint_url,
    describe_configuration,
    explicit_project_id,
    missing_configuration,
    project_id_needed_message,
    resolve_endpoint,
    ssl_verify,
    trusted_iam_endpoint,
)
from servicestage_ls.cloud.credentials import (
    AkSkCredentials,
    Credentials,
    IamPasswordCredentials,
    TokenCredentials,
    has_credentials,
    resolve_credentials,
)
from servicestage_ls.cloud.errors import (
    EDITOR_ADVICE,
    Advice,
    CloudError,
    ConfigurationError,
    body_excerpt,
    parse_error_response,
    shown,
    single_line,
)
from servicestage_ls.cloud.kinds import KindCalls, Namespace, OAuthAnswer, RedirectUrl, oauth_answer
from servicestage_ls.cloud.transport import Failed, classify, failed_request_url

if TYPE_CHECKING:
    from typing_extensions import Self

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/json;charset=utf8"
#: The longest a TCP/TLS connect may take, whatever the overall timeout.
MAX_CONNECT_SECONDS = 10.0

ADVICE_PROTOCOL = "check that the endpoint is the ServiceStage API (a proxy or a login page may be answering)"
ADVICE_RETRY_SAFE = "it is safe to try again"
ADVICE_LIST_FIRST = "list the authorizations (Refresh status, or the ServiceStage console) before trying again"


class ServiceStageClient(KindCalls):
    """Calls the git-authorization API of one project; an async context manager that closes its HTTP client. The
    calls of the password and OAuth kinds and the namespaces are :class:`~servicestage_ls.cloud.kinds.KindCalls`'."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        endpoint: str,
        project_id: str,
        timeout: float,
        secrets: Sequence[str] = (),
        advice: Advice = EDITOR_ADVICE,
    ) -> None:
        self._http = http
        self._advice = advice
        self.endpoint = endpoint.rstrip("/")
        self.project_id = project_id
        self.timeout = timeout
        self._secrets = tuple(secrets)

    def __repr__(self) -> str:
        return f"ServiceStageClient(endpoint={self.endpoint!r}, project_id={self.project_id!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _url(self, *segments: str) -> str:
        path = "/".join(quote(segment, safe="") for segment in segments)
        return f"{self.endpoint}/v1/{quote(self.project_id, safe='')}/git/auths" + (f"/{path}" if path else "")

    def _git_url(self, path: str, params: Mapping[str, str] | None) -> str:
        """``/v1/{project_id}/git/{path}`` (each segment of ``path`` quoted), with a query when there is one."""
        quoted = "/".join(quote(segment, safe="") for segment in path.split("/"))
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.endpoint}/v1/{quote(self.project_id, safe='')}/git/{quoted}{query}"

    async def _send(
        self, method: str, url: str, body: Mapping[str, Any] | None, secrets: Sequence[str],
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request within the deadline; raise Failed (transport) or CloudError (auth flow)."""
        content = json.dumps(body, separators=(",", ":")).encode("utf-8") if body is not None else None
        request = self._http.build_request(method, url, content=content,
                                           headers={"Content-Type": CONTENT_TYPE, **(headers or {})})
        try:
            return await asyncio.wait_for(self._http.send(request), timeout=self.timeout)
        except CloudError as err:
            raise err.scrub(secrets) from None
        except (httpx.HTTPError, asyncio.TimeoutError) as exc:
            failed_url = failed_request_url(exc, request.url)
            failure = classify(exc, failed_url, self.timeout, self._advice)
            failure.error.scrub(secrets)
            raise Failed(failure) from None

    def _error(self, response: httpx.Response, secrets: Sequence[str]) -> CloudError:
        if 300 <= response.status_code < 400:
            location = single_line(shown(response.headers.get("Location", ""), secrets), 120)  # masked, then cut
            return CloudError(
                "http", f"unexpected redirect to {location}" if location else "unexpected redirect",
                status=response.status_code,
                request_id=response.headers.get("X-Request-Id"),
                advice="check the endpoint; it must be the API's address, not a web page's",
            ).scrub(secrets)
        return parse_error_response(response.status_code, response.headers, response.content, secrets=secrets
                                    ).scrub(secrets)

    def _json(self, response: httpx.Response, operation: str, secrets: Sequence[str]) -> Any:
        try:
            return json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            excerpt = body_excerpt(response.content, response.headers.get("Content-Type", ""), secrets=secrets
                                   ) or "an empty body"
            raise CloudError(
                "protocol",
                f"ServiceStage answered HTTP {response.status_code} to {operation} with a body that is not JSON: "
                f"{excerpt}",
                status=response.status_code,
                request_id=response.headers.get("X-Request-Id"),
                advice=ADVICE_PROTOCOL,
            ).scrub(secrets) from None

    def _protocol_error(self, response: httpx.Response, operation: str, what: str) -> CloudError:
        return CloudError(
            "protocol",
            f"ServiceStage answered HTTP {response.status_code} to {operation} {what}",
            status=response.status_code,
            request_id=response.headers.get("X-Request-Id"),
            advice=ADVICE_PROTOCOL,
        )

    async def create_personal_authorization(
        self, repo_type: str, name: str, token: str, host: str | None = None
    ) -> Authorization:
        """``POST /v1/{project_id}/git/auths/{repo_type}/personal``; never retried blindly."""
        body: dict[str, Any] = {"name": name, "token": token}
        if host:
            body["host"] = host
        return await self.create(f"auths/{repo_type.lower()}/personal", body, name=name, secrets=(token,))

    async def create(self, path: str, body: Mapping[str, Any], *, name: str, secrets: Sequence[str] = (),
                     params: Mapping[str, str] | None = None) -> Authorization:
        """``POST /v1/{project_id}/git/{path}``, a create of any kind answered by ``{authorization}``; never retried
        blindly: when the answer is lost, the list says whether it happened. ``secrets`` never appear in errors, and
        are never sent when one is a credential of this client (the engine refuses first; this is the last guard)."""
        if any(secret.strip() in {own.strip() for own in self._secrets} for secret in secrets if secret):
            raise ConfigurationError(f"refused to create authorization '{name}': its secret is one of the cloud "
                                     "credentials in use; nothing was sent")
        secrets = (*self._secrets, *secrets)
        operation = f"create authorization '{name}'"
        try:
            response = await self._send("POST", self._git_url(path, params), body, secrets)
        except Failed as failed:
            if not failed.failure.maybe_sent:
                raise failed.failure.error from None
            return await self._recover_create(name, failed.failure.error)
        if response.status_code not in (200, 201):
            raise self._error(response, secrets)
        data = self._json(response, operation, secrets)
        if not isinstance(data, dict) or not isinstance(data.get("authorization"), dict):
            raise self._protocol_error(response, operation, "without the 'authorization' object").scrub(secrets)
        try:
            return Authorization.from_json(data["authorization"])
        except CloudError as err:
            raise self._protocol_error(response, operation, f"with a bad 'authorization': {err.message}") from None

    async def get_json(self, path: str, operation: str, *, params: Mapping[str, str] | None = None,
                       headers: Mapping[str, str] | None = None) -> tuple[httpx.Response, Any]:
        """``GET /v1/{project_id}/git/{path}``: the answer and its JSON, or a CloudError saying what failed."""
        try:
            response = await self._send("GET", self._git_url(path, params), None, self._secrets, headers)
        except Failed as failed:
            raise failed.failure.error from None
        if response.status_code != 200:
            raise self._error(response, self._secrets)
        return response, self._json(response, operation, self._secrets)

    def protocol_error(self, response: httpx.Response, operation: str, what: str) -> CloudError:
        """An answer of the wrong shape: ``ServiceStage answered HTTP … to {operation} {what}``."""
        return self._protocol_error(response, operation, what)

    async def _recover_create(self, name: str, lost: CloudError) -> Authorization:
        """The create's answer was lost: find out from the list whether it happened."""
        try:
            existing = await self.list_authorizations()
        except CloudError as err:
            raise CloudError(
                lost.kind,
                f"{lost.message}; whether '{name}' was created is unknown (listing the authorizations failed too: "
                f"{err.message})",
                advice=ADVICE_LIST_FIRST,
            ) from None
        for item in existing:
            if item.name == name:
                log.info("the answer to creating %r was lost; the list shows it was created", name)
                return _recovered(item)
        raise CloudError(
            lost.kind,
            f"{lost.message}; '{name}' was not created (it is not in the list of authorizations)",
            advice=ADVICE_RETRY_SAFE,
        )

    async def list_authorizations(self) -> list[Authorization]:
        """``GET /v1/{project_id}/git/auths``."""
        operation = "list authorizations"
        try:
            response = await self._send("GET", self._url(), None, self._secrets)
        except Failed as failed:
            raise failed.failure.error from None
        if response.status_code != 200:
            raise self._error(response, self._secrets)
        data = self._json(response, operation, self._secrets)
        items = data.get("authorizations") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise self._protocol_error(response, operation, "without the 'authorizations' list")
        try:
            return [Authorization.from_json(item) for item in items]
        except CloudError as err:
            raise self._protocol_error(response, operation, f"with a bad item: {err.message}") from None

    async def delete_authorization(self, name: str) -> None:
        """``DELETE /v1/{project_id}/git/auths/{name}``."""
        try:
            response = await self._send("DELETE", self._url(name), None, self._secrets)
        except Failed as failed:
            raise failed.failure.error from None
        if response.status_code not in (200, 204):
            raise self._error(response, self._secrets)


def _recovered(item: Authorization) -> Authorization:
    return Authorization(**{**item.__dict__, "recovered": True})


def _auth_for(
    credentials: Credentials, *, project_id: str | None, region: str | None, iam: str
) -> httpx.Auth:
    if isinstance(credentials, AkSkCredentials):
        return AkSkAuth(credentials, project_id=project_id)
    if isinstance(credentials, TokenCredentials):
        return TokenAuth(credentials)
    return IamPasswordAuth(credentials, iam_endpoint=iam, project_id=project_id, project_name=region)


async def lookup_project_id(
    http: httpx.AsyncClient, *, iam: str, region: str, auth: httpx.Auth, timeout: float, secrets: Sequence[str],
    advice: Advice = EDITOR_ADVICE,
) -> str:
    """``GET {iam}/v3/projects?name={region}`` → ``projects[0].id``."""
    request = http.build_request(
        "GET", f"{iam}/v3/projects", params={"name": region}, headers={"Content-Type": CONTENT_TYPE}
    )
    try:
        response = await asyncio.wait_for(http.send(request, auth=auth), timeout=timeout)
    except CloudError as err:
        raise err.scrub(secrets) from None
    except (httpx.HTTPError, asyncio.TimeoutError) as exc:
        failed_url = failed_request_url(exc, request.url)
        raise classify(exc, failed_url, timeout, advice).error.scrub(secrets) from None
    if response.status_code != 200:
        raise parse_error_response(response.status_code, response.headers, response.content, service="IAM",
                                   secrets=secrets).scrub(
            secrets
        )
    try:
        projects = json.loads(response.content.decode("utf-8")).get("projects")
    except (UnicodeDecodeError, ValueError, AttributeError):
        projects = None
    if not isinstance(projects, list):
        raise CloudError(
            "protocol",
            "IAM answered HTTP 200 to the project list without a 'projects' list",
            status=200,
            request_id=response.headers.get("X-Request-Id"),
        )
    for project in projects:
        if isinstance(project, dict) and isinstance(project.get("id"), str) and project["id"]:
            return str(project["id"])
    raise ConfigurationError(
        f"IAM knows no project named {region!r} for these credentials: set `project_id` in the file "
        f"or {ENV_PROJECT_ID}"
    )


async def open_client(
    *,
    region: str | None,
    file_endpoint: str | None,
    setting_endpoint: str | None,
    project_id: str | None,
    timeout: float,
    ca_bundle: str | None,
    env: Mapping[str, str],
    transport: httpx.AsyncBaseTransport | None = None,
    advice: Advice = EDITOR_ADVICE,
    trusted: Sequence[str] = (),
) -> ServiceStageClient:
    """A client for the file's project, with everything resolved; ConfigurationError says what is missing (an
    untrusted host included). The project id comes from the file, else HUAWEICLOUD_SDK_PROJECT_ID, else IAM's
    project list for the region (AK/SK or IAM user credentials only). ``transport`` replaces the network (tests)."""
    if timeout <= 0:
        raise ConfigurationError("servicestage.timeoutSeconds must be a positive number of seconds")
    endpoint = resolve_endpoint(region=region, file_endpoint=file_endpoint, setting_endpoint=setting_endpoint, env=env)
    credentials = resolve_credentials(env)
    verify = ssl_verify(ca_bundle, env)
    region = region.strip() if region and region.strip() else None
    known_project = explicit_project_id(project_id, env)
    if not known_project and (isinstance(credentials, TokenCredentials) or not region):
        raise ConfigurationError(project_id_needed_message(region))
    iam = trusted_iam_endpoint(endpoint, region, credentials, known_project, trusted, env, advice)
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, MAX_CONNECT_SECONDS)),
        verify=verify,
        transport=transport,
        follow_redirects=False,
        mounts={"all://127.0.0.1": None, "all://localhost": None, "all://[::1]": None},
    )
    secrets = credentials.secrets()
    auth: httpx.Auth
    try:
        if known_project is None:
            assert region is not None
            lookup_auth: httpx.Auth
            if isinstance(credentials, AkSkCredentials):
                lookup_auth = AkSkAuth(credentials)
            else:
                assert isinstance(credentials, IamPasswordCredentials)
                lookup_auth = IamPasswordAuth(credentials, iam_endpoint=iam, project_name=region)
            known_project = await lookup_project_id(
                http, iam=iam, region=region, auth=lookup_auth, timeout=timeout, secrets=secrets, advice=advice
            )
            # An IAM token scoped by the region's name is the token for this very project: keep using it.
            auth = AkSkAuth(credentials, project_id=known_project) if isinstance(credentials, AkSkCredentials) else (
                lookup_auth)
        else:
            auth = _auth_for(credentials, project_id=known_project, region=region, iam=iam)
    except BaseException:
        await http.aclose()
        raise
    http.auth = auth
    return ServiceStageClient(http, endpoint=endpoint, project_id=known_project, timeout=timeout, secrets=secrets,
                              advice=advice)


__all__ = [
    "Authorization",
    "CloudError",
    "ConfigurationError",
    "Namespace",
    "OAuthAnswer",
    "RedirectUrl",
    "ServiceStageClient",
    "check_endpoint_url",
    "describe_configuration",
    "has_credentials",
    "lookup_project_id",
    "missing_configuration",
    "oauth_answer",
    "open_client",
    "resolve_endpoint",
]
