"""The ServiceStage git-authorization API over httpx: create (personal token), list, delete.

Every failure becomes a :class:`~servicestage_ls.cloud.errors.CloudError` with one clear line and no secret.
A create is never retried blindly: when its answer is lost (a timeout after the request went out, a connection
dropped mid-answer) the client lists the authorizations and reports what actually happened.

:func:`open_client` resolves everything a call needs (endpoint, credentials, project id, TLS, timeouts) from the
file's values, the editor settings and the server's environment, as the design describes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import re
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import httpx

from servicestage_ls.cloud.auth import (
    AkSkAuth,
    AkSkCredentials,
    Credentials,
    IamPasswordAuth,
    IamPasswordCredentials,
    TokenAuth,
    TokenCredentials,
    has_credentials,
    resolve_credentials,
)
from servicestage_ls.cloud.errors import (
    CloudError,
    ConfigurationError,
    body_excerpt,
    parse_error_response,
    single_line,
)
from servicestage_ls.core.regions import REGIONS, iam_endpoint, override_variable, region_endpoint

if TYPE_CHECKING:
    from typing_extensions import Self

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/json;charset=utf8"
ENV_PROJECT_ID = "HUAWEICLOUD_SDK_PROJECT_ID"
#: The longest a TCP/TLS connect may take, whatever the overall timeout.
MAX_CONNECT_SECONDS = 10.0
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

ADVICE_ENDPOINT = (
    "check the endpoint (the file's `endpoint` or `region`, or the editor's `servicestage.endpoint` setting) "
    "and that the service is reachable"
)
ADVICE_DNS = "check the spelling of the endpoint or region, and your network's DNS"
ADVICE_TLS = ("if the endpoint uses a private CA, point the editor's `servicestage.caBundle` setting at its "
              "certificate (PEM)")
ADVICE_TIMEOUT = "check the network and any proxy (in the editor, `servicestage.timeoutSeconds` sets the limit)"
ADVICE_DROPPED = "try again; if it keeps happening, check proxies or load balancers on the way"
ADVICE_PROTOCOL = "check that the endpoint is the ServiceStage API (a proxy or a login page may be answering)"
ADVICE_RETRY_SAFE = "it is safe to try again"
ADVICE_LIST_FIRST = "list the authorizations (Refresh status, or the ServiceStage console) before trying again"


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _optional_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


@dataclass(frozen=True)
class Authorization:
    """A git repository authorization as ServiceStage describes it (``avartar`` is the API's spelling).

    ``recovered`` is True when the create call's answer was lost (timeout, dropped connection) and the
    authorization was found afterwards by listing.
    """

    name: str
    repo_type: str | None = None
    repo_host: str | None = None
    repo_home: str | None = None
    repo_user: str | None = None
    avartar: str | None = None
    token_type: str | None = None
    create_time: int | None = None
    update_time: int | None = None
    status: int | None = None
    recovered: bool = False

    @classmethod
    def from_json(cls, data: object) -> Authorization:
        """Read one AUTH object; a missing or non-string ``name`` is a protocol error, other fields are lenient."""
        if not isinstance(data, Mapping):
            raise CloudError("protocol", f"expected an authorization object, got {type(data).__name__}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise CloudError("protocol", "an authorization in the answer has no name")
        return cls(
            name=name,
            repo_type=_optional_str(data.get("repo_type")),
            repo_host=_optional_str(data.get("repo_host")),
            repo_home=_optional_str(data.get("repo_home")),
            repo_user=_optional_str(data.get("repo_user")),
            avartar=_optional_str(data.get("avartar")),
            token_type=_optional_str(data.get("token_type")),
            create_time=_optional_int(data.get("create_time")),
            update_time=_optional_int(data.get("update_time")),
            status=_optional_int(data.get("status")),
        )


@dataclass
class _Failure:
    """A transport failure: the error to show, and whether the request may have reached the service."""

    error: CloudError
    maybe_sent: bool


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii', errors='replace')}"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and contexts, and the members of any exception group among them."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(getattr(current, "exceptions", ()) or ())
    return seen


def _tls_reason(exc: BaseException) -> str | None:
    for item in _chain(exc):
        if isinstance(item, ssl.SSLCertVerificationError):
            return single_line(item.verify_message or "certificate verify failed", 120)
        if isinstance(item, ssl.SSLError):
            return single_line(item.reason or str(item), 120)
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        match = re.search(r"certificate verify failed: ([^(]+)", text)
        return single_line(match.group(1) if match else "TLS handshake failed", 120)
    return None


_DNS_HINTS = ("name or service not known", "getaddrinfo", "nodename nor servname", "name resolution",
              "no address associated", "errno -2", "errno -3", "errno 11001", "errno -5")


def _classify(exc: Exception, url: httpx.URL, timeout: float) -> _Failure:
    """Turn an httpx (or deadline) exception into a user-facing CloudError."""
    where = _origin(url)
    text = str(exc).lower()
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return _Failure(CloudError("timeout", f"Timed out connecting to {where}", advice=ADVICE_TIMEOUT), False)
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError)):
        return _Failure(
            CloudError("timeout", f"No answer from {where} within {timeout:g} s", advice=ADVICE_TIMEOUT), True
        )
    if isinstance(exc, httpx.ConnectError):
        tls = _tls_reason(exc)
        if tls:
            return _Failure(CloudError("tls", f"TLS verification failed for {where}: {tls}", advice=ADVICE_TLS), False)
        causes = _chain(exc)
        if any(isinstance(e, socket.gaierror) for e in causes) or any(hint in text for hint in _DNS_HINTS):
            return _Failure(
                CloudError("network", f"Could not resolve the host name {url.host}", advice=ADVICE_DNS), False
            )
        if any(isinstance(e, ConnectionRefusedError) for e in causes) or "refused" in text:
            return _Failure(
                CloudError("network", f"Could not connect to {where}: connection refused", advice=ADVICE_ENDPOINT),
                False,
            )
        reason = single_line(str(exc), 120) or type(exc).__name__
        return _Failure(CloudError("network", f"Could not connect to {where}: {reason}", advice=ADVICE_ENDPOINT), False)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return _Failure(
            CloudError(
                "network", f"The connection to {where} was closed before the answer was complete", advice=ADVICE_DROPPED
            ),
            True,
        )
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError)):
        return _Failure(ConfigurationError(f"Cannot call {where}: {single_line(str(exc), 120)}"), False)
    reason = single_line(str(exc), 120) or type(exc).__name__
    return _Failure(CloudError("network", f"Network error talking to {where}: {reason}", advice=ADVICE_ENDPOINT), True)


class ServiceStageClient:
    """Calls the git-authorization API of one project; an async context manager that closes its HTTP client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        endpoint: str,
        project_id: str,
        timeout: float,
        secrets: Sequence[str] = (),
    ) -> None:
        self._http = http
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

    async def _send(
        self, method: str, url: str, body: Mapping[str, Any] | None, secrets: Sequence[str]
    ) -> httpx.Response:
        """Send one request within the deadline; raise _Failed (transport) or CloudError (auth flow)."""
        content = json.dumps(body, separators=(",", ":")).encode("utf-8") if body is not None else None
        request = self._http.build_request(method, url, content=content, headers={"Content-Type": CONTENT_TYPE})
        try:
            return await asyncio.wait_for(self._http.send(request), timeout=self.timeout)
        except CloudError as err:
            raise err.scrub(secrets) from None
        except (httpx.HTTPError, asyncio.TimeoutError) as exc:
            failed_url = _failed_url(exc, request.url)
            failure = _classify(exc, failed_url, self.timeout)
            failure.error.scrub(secrets)
            raise _Failed(failure) from None

    def _error(self, response: httpx.Response, secrets: Sequence[str]) -> CloudError:
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")
            return CloudError(
                "http",
                f"unexpected redirect to {single_line(location, 120)}" if location else "unexpected redirect",
                status=response.status_code,
                request_id=response.headers.get("X-Request-Id"),
                advice="check the endpoint; it must be the API's address, not a web page's",
            ).scrub(secrets)
        return parse_error_response(response.status_code, response.headers, response.content).scrub(secrets)

    def _json(self, response: httpx.Response, operation: str, secrets: Sequence[str]) -> Any:
        try:
            return json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            excerpt = body_excerpt(response.content, response.headers.get("Content-Type", "")) or "an empty body"
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
        secrets = (*self._secrets, token)
        body: dict[str, Any] = {"name": name, "token": token}
        if host:
            body["host"] = host
        operation = f"create authorization '{name}'"
        try:
            response = await self._send("POST", self._url(repo_type.lower(), "personal"), body, secrets)
        except _Failed as failed:
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
        except _Failed as failed:
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
        except _Failed as failed:
            raise failed.failure.error from None
        if response.status_code not in (200, 204):
            raise self._error(response, self._secrets)


class _Failed(Exception):
    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.error.message)
        self.failure = failure


def _failed_url(exc: BaseException, fallback: httpx.URL) -> httpx.URL:
    """The URL of the request that failed (an IAM request inside an auth flow has its own)."""
    if isinstance(exc, httpx.RequestError):
        try:
            return exc.request.url
        except RuntimeError:
            pass
    return fallback


def _recovered(item: Authorization) -> Authorization:
    return Authorization(**{**item.__dict__, "recovered": True})


# --- configuration -------------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str, what: str) -> str:
    """An https URL, or http on loopback; returned without a trailing slash. ConfigurationError otherwise."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url
    raise ConfigurationError(
        f"{what} {url!r} must be an https URL (http is allowed only for 127.0.0.1, localhost and ::1)"
    )


def resolve_endpoint(
    *, region: str | None, file_endpoint: str | None, setting_endpoint: str | None, env: Mapping[str, str]
) -> str:
    """The file's endpoint, else the setting, else the region's (honouring the SDK's override variable)."""
    if file_endpoint and file_endpoint.strip():
        return check_endpoint_url(file_endpoint, "The file's endpoint")
    if setting_endpoint and setting_endpoint.strip():
        return check_endpoint_url(setting_endpoint, "The servicestage.endpoint setting")
    if region and region.strip():
        region = region.strip()
        if region not in REGIONS and not env.get(override_variable(region), "").strip():
            raise ConfigurationError(
                f"Unknown region {region!r}: use a ServiceStage region, set `endpoint` in the file, "
                f"or set {override_variable(region)}"
            )
        return check_endpoint_url(region_endpoint(region, env), override_variable(region))
    raise ConfigurationError(
        "No endpoint: set `region` (or `endpoint`) in the file, or the editor's servicestage.endpoint setting"
    )


def _project_id_needed_message(region: str | None) -> str:
    """Why the project id cannot be found (not in the file, not in the environment, and no IAM lookup)."""
    if not (region and region.strip()):
        why = "looking it up from IAM needs `region` in the file"
    else:
        why = "an X-Auth-Token (HUAWEICLOUD_AUTH_TOKEN) cannot look it up from IAM (AK/SK or IAM user credentials can)"
    return f"No project id: set `project_id` in the file or {ENV_PROJECT_ID} in the environment; {why}"


def describe_configuration(
    *,
    region: str | None,
    file_endpoint: str | None,
    setting_endpoint: str | None,
    project_id: str | None,
    env: Mapping[str, str],
) -> tuple[str | None, str | None, str | None, str]:
    """(endpoint, kind of credentials, explicit project id, how the project id is found), without network and
    without raising: None where it cannot be resolved (``missing_configuration`` says why)."""
    try:
        endpoint: str | None = resolve_endpoint(region=region, file_endpoint=file_endpoint,
                                                setting_endpoint=setting_endpoint, env=env)
    except ConfigurationError:
        endpoint = None
    try:
        credentials: Credentials | None = resolve_credentials(env)
    except ConfigurationError:
        credentials = None
    kind = credentials.kind() if credentials is not None else None
    if project_id and project_id.strip():
        return endpoint, kind, project_id.strip(), "the file's `project_id`"
    if env.get(ENV_PROJECT_ID, "").strip():
        return endpoint, kind, env[ENV_PROJECT_ID].strip(), ENV_PROJECT_ID
    region = region.strip() if region and region.strip() else None
    if region is None or isinstance(credentials, TokenCredentials):
        return endpoint, kind, None, "none: " + _project_id_needed_message(region)
    iam = iam_endpoint(region, env)
    return endpoint, kind, None, f"looked up from IAM when the run starts (GET {iam}/v3/projects?name={region})"


def missing_configuration(
    *,
    region: str | None,
    file_endpoint: str | None,
    setting_endpoint: str | None,
    project_id: str | None,
    env: Mapping[str, str],
    ca_bundle: str | None = None,
) -> str | None:
    """What :func:`open_client` would refuse to start without (no network), or None when all is there.

    The LSP uses it to stay silent (remoteCheck) rather than warn when the user has not configured the cloud.
    """
    try:
        resolve_endpoint(region=region, file_endpoint=file_endpoint, setting_endpoint=setting_endpoint, env=env)
        credentials = resolve_credentials(env)
        needs_lookup = not _explicit_project_id(project_id, env)
        if needs_lookup and (isinstance(credentials, TokenCredentials) or not (region and region.strip())):
            raise ConfigurationError(_project_id_needed_message(region))
        _ssl_verify(ca_bundle)
    except ConfigurationError as err:
        return str(err)
    return None


def _explicit_project_id(project_id: str | None, env: Mapping[str, str]) -> str | None:
    value = (project_id or "").strip() or env.get(ENV_PROJECT_ID, "").strip()
    return value or None


def _ssl_verify(ca_bundle: str | None) -> ssl.SSLContext | bool:
    if not ca_bundle or not ca_bundle.strip():
        return True
    path = os.path.expanduser(ca_bundle.strip())
    if not os.path.isfile(path):
        raise ConfigurationError(f"The servicestage.caBundle file {path!r} does not exist")
    try:
        return ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError):
        raise ConfigurationError(
            f"The servicestage.caBundle file {path!r} holds no usable PEM certificate"
        ) from None


def _auth_for(
    credentials: Credentials, *, project_id: str | None, region: str | None, iam: str
) -> httpx.Auth:
    if isinstance(credentials, AkSkCredentials):
        return AkSkAuth(credentials, project_id=project_id)
    if isinstance(credentials, TokenCredentials):
        return TokenAuth(credentials)
    return IamPasswordAuth(credentials, iam_endpoint=iam, project_id=project_id, project_name=region)


async def lookup_project_id(
    http: httpx.AsyncClient, *, iam: str, region: str, auth: httpx.Auth, timeout: float, secrets: Sequence[str]
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
        failed_url = _failed_url(exc, request.url)
        raise _classify(exc, failed_url, timeout).error.scrub(secrets) from None
    if response.status_code != 200:
        raise parse_error_response(response.status_code, response.headers, response.content, service="IAM").scrub(
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
) -> ServiceStageClient:
    """A client for the file's project, with everything resolved; ConfigurationError says what is missing.

    The project id comes from the file, else HUAWEICLOUD_SDK_PROJECT_ID, else IAM's project list for the region
    (AK/SK or IAM user credentials only). ``transport`` replaces the network (tests).
    """
    if timeout <= 0:
        raise ConfigurationError("servicestage.timeoutSeconds must be a positive number of seconds")
    endpoint = resolve_endpoint(region=region, file_endpoint=file_endpoint, setting_endpoint=setting_endpoint, env=env)
    credentials = resolve_credentials(env)
    verify = _ssl_verify(ca_bundle)
    region = region.strip() if region and region.strip() else None
    known_project = _explicit_project_id(project_id, env)
    if not known_project and (isinstance(credentials, TokenCredentials) or not region):
        raise ConfigurationError(_project_id_needed_message(region))
    iam = check_endpoint_url(iam_endpoint(region, env), "The IAM endpoint")
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
                http, iam=iam, region=region, auth=lookup_auth, timeout=timeout, secrets=secrets
            )
            # An IAM token scoped by the region's name is the token for this very project: keep using it.
            auth = (
                AkSkAuth(credentials, project_id=known_project)
                if isinstance(credentials, AkSkCredentials)
                else lookup_auth
            )
        else:
            auth = _auth_for(credentials, project_id=known_project, region=region, iam=iam)
    except BaseException:
        await http.aclose()
        raise
    http.auth = auth
    return ServiceStageClient(http, endpoint=endpoint, project_id=known_project, timeout=timeout, secrets=secrets)


__all__ = [
    "Authorization",
    "CloudError",
    "ConfigurationError",
    "ServiceStageClient",
    "check_endpoint_url",
    "describe_configuration",
    "has_credentials",
    "lookup_project_id",
    "missing_configuration",
    "open_client",
    "resolve_endpoint",
]
