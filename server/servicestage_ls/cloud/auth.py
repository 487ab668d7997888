"""The three ways to authenticate a call, as httpx auth flows (the credentials they take are read from the
environment by ``credentials``; the signature's pure pieces are in ``signing``).

- :class:`AkSkAuth` signs requests with ``SDK-HMAC-SHA256`` exactly as huaweicloudsdkcore's signer does; its pure
  pieces (:func:`canonical_request`, :func:`string_to_sign`, :func:`sign`) are shared with the emulator, which
  verifies signatures with them.
- :class:`TokenAuth` sends a ready ``X-Auth-Token``.
- :class:`IamPasswordAuth` obtains a project-scoped token from IAM and caches it until shortly before it expires.

Secrets never appear in a repr or a message.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import datetime, timezone

import httpx

from servicestage_ls.cloud.credentials import (
    ENV_AK,
    ENV_AUTH_TOKEN,
    ENV_IAM_DOMAIN,
    ENV_IAM_PASSWORD,
    ENV_IAM_USER,
    ENV_SECURITY_TOKEN,
    ENV_SK,
    AkSkCredentials,
    Credentials,
    IamPasswordCredentials,
    TokenCredentials,
    has_credentials,
    resolve_credentials,
)
from servicestage_ls.cloud.errors import (
    CloudError,
    ConfigurationError,
    parse_error_response,
)
from servicestage_ls.cloud.signing import (
    ALGORITHM,
    SDK_DATE_FORMAT,
    SIGNED_HEADER_NAMES,
    ParsedAuthorization,
    authorization_header,
    canonical_query,
    canonical_request,
    canonical_uri,
    parse_authorization_header,
    sdk_date,
    sign,
    signed_header_names,
    string_to_sign,
)

HEADER_SDK_DATE = "X-Sdk-Date"
HEADER_PROJECT_ID = "X-Project-Id"
HEADER_SECURITY_TOKEN = "X-Security-Token"
HEADER_AUTH_TOKEN = "X-Auth-Token"
HEADER_SUBJECT_TOKEN = "X-Subject-Token"

#: IAM tokens are valid for 24 hours; renew this long before the expiry IAM reports.
TOKEN_LIFETIME_SECONDS = 24 * 3600
TOKEN_REFRESH_MARGIN_SECONDS = 300


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class AkSkAuth(httpx.Auth):
    """Signs each request with SDK-HMAC-SHA256 (adding X-Sdk-Date, X-Project-Id and X-Security-Token)."""

    requires_request_body = True

    def __init__(
        self,
        credentials: AkSkCredentials,
        *,
        project_id: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._credentials = credentials
        self._project_id = project_id
        self._clock = clock

    def __repr__(self) -> str:
        return f"AkSkAuth({self._credentials!r}, project_id={self._project_id!r})"

    def sign_request(self, request: httpx.Request) -> None:
        headers = request.headers
        headers[HEADER_SDK_DATE] = sdk_date(self._clock())
        if self._project_id:
            headers[HEADER_PROJECT_ID] = self._project_id
        if self._credentials.security_token:
            headers[HEADER_SECURITY_TOKEN] = self._credentials.security_token
        if "host" not in headers:
            headers["Host"] = request.url.netloc.decode("ascii")
        to_sign = {name: headers[name] for name in SIGNED_HEADER_NAMES if name in headers}
        canonical = canonical_request(
            request.method, request.url.path, request.url.params.multi_items(), to_sign, request.content
        )
        signature = sign(string_to_sign(canonical, headers[HEADER_SDK_DATE]), self._credentials.sk)
        headers["Authorization"] = authorization_header(
            self._credentials.ak, signed_header_names(to_sign), signature
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign_request(request)
        yield request


class TokenAuth(httpx.Auth):
    """Sends a ready token as X-Auth-Token."""

    def __init__(self, credentials: TokenCredentials) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return f"TokenAuth({self._credentials!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[HEADER_AUTH_TOKEN] = self._credentials.token
        yield request


def iam_token_body(credentials: IamPasswordCredentials, *, project_name: str | None, project_id: str | None) -> dict:
    """The IAM password sign-in body, scoped to a project by id (preferred) or by name (the region)."""
    project = {"id": project_id} if project_id else {"name": project_name}
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": credentials.user,
                        "password": credentials.password,
                        "domain": {"name": credentials.domain},
                    }
                },
            },
            "scope": {"project": project},
        }
    }


def _parse_expiry(body: bytes) -> float | None:
    try:
        data = json.loads(body.decode("utf-8"))
        expires_at = data["token"]["expires_at"]
        moment = datetime.fromisoformat(str(expires_at).replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class TokenCache:
    """IAM tokens shared by every client in the process (one sign-in per day, not per command).

    Keys are SHA-256 hashes of (IAM endpoint, user, domain, password, scope), so a changed password or scope
    never reuses a token, and the cache holds no password.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, float]] = {}

    def __repr__(self) -> str:
        return f"TokenCache({len(self._entries)} tokens)"

    def get(self, key: str, now: float) -> str | None:
        entry = self._entries.get(key)
        return entry[0] if entry is not None and now < entry[1] else None

    def put(self, key: str, token: str, renew_at: float) -> None:
        self._entries[key] = (token, renew_at)

    def drop(self, key: str, token: str) -> None:
        """Forget ``token`` (rejected by the service) unless another request already replaced it."""
        if self._entries.get(key, ("", 0.0))[0] == token:
            del self._entries[key]


SHARED_TOKEN_CACHE = TokenCache()


class IamPasswordAuth(httpx.Auth):
    """Gets a project-scoped token from IAM (``POST {iam}/v3/auth/tokens``) and sends it as X-Auth-Token.

    The token is cached (in ``cache``, by default shared by the whole process) until shortly before
    ``token.expires_at`` (24 h when IAM does not say), and shared by concurrent requests; a 401 on a cached
    token fetches a new one once.
    """

    def __init__(
        self,
        credentials: IamPasswordCredentials,
        *,
        iam_endpoint: str,
        project_name: str | None = None,
        project_id: str | None = None,
        clock: Callable[[], float] = time.time,
        cache: TokenCache | None = None,
    ) -> None:
        if not project_name and not project_id:
            raise ConfigurationError("IAM sign-in needs the project: set region or project_id in the file")
        self._credentials = credentials
        self._iam_endpoint = iam_endpoint.rstrip("/")
        self._project_name = project_name
        self._project_id = project_id
        self._clock = clock
        self._cache = SHARED_TOKEN_CACHE if cache is None else cache
        scope = f"id:{project_id}" if project_id else f"name:{project_name}"
        parts = (self._iam_endpoint, credentials.user, credentials.domain, credentials.password, scope)
        self._key = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"IamPasswordAuth({self._credentials!r}, iam_endpoint={self._iam_endpoint!r})"

    def cached_token(self) -> str | None:
        return self._cache.get(self._key, self._clock())

    def token_request(self) -> httpx.Request:
        body = iam_token_body(self._credentials, project_name=self._project_name, project_id=self._project_id)
        return httpx.Request(
            "POST",
            f"{self._iam_endpoint}/v3/auth/tokens",
            content=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json;charset=utf8"},
        )

    def accept_token_response(self, response: httpx.Response) -> str:
        """Cache the token of an IAM answer, or raise the CloudError it amounts to."""
        if response.status_code not in (200, 201):
            raise parse_error_response(
                response.status_code, response.headers, response.content, service="IAM",
                secrets=self._credentials.secrets(),
            ).scrub(self._credentials.secrets())
        token = response.headers.get(HEADER_SUBJECT_TOKEN, "").strip()
        if not token:
            raise CloudError(
                "protocol",
                f"IAM answered HTTP {response.status_code} without an {HEADER_SUBJECT_TOKEN} header",
                status=response.status_code,
                request_id=response.headers.get("X-Request-Id"),
            )
        expires = _parse_expiry(response.content) or self._clock() + TOKEN_LIFETIME_SECONDS
        self._cache.put(self._key, token, expires - TOKEN_REFRESH_MARGIN_SECONDS)
        return token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        fresh = False
        async with self._lock:
            token = self.cached_token()
            if token is None:
                response = yield self.token_request()
                await response.aread()
                token = self.accept_token_response(response)
                fresh = True
        request.headers[HEADER_AUTH_TOKEN] = token
        response = yield request
        if response.status_code == 401 and not fresh:
            async with self._lock:
                self._cache.drop(self._key, token)
                renewed = self.cached_token()
                if renewed is None:
                    token_response = yield self.token_request()
                    await token_response.aread()
                    renewed = self.accept_token_response(token_response)
            request.headers[HEADER_AUTH_TOKEN] = renewed
            yield request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("IamPasswordAuth works with httpx.AsyncClient only")


__all__ = [
    "ALGORITHM",
    "AkSkAuth",
    "AkSkCredentials",
    "Credentials",
    "ENV_AK",
    "ENV_AUTH_TOKEN",
    "ENV_IAM_DOMAIN",
    "ENV_IAM_PASSWORD",
    "ENV_IAM_USER",
    "ENV_SECURITY_TOKEN",
    "ENV_SK",
    "HEADER_AUTH_TOKEN",
    "HEADER_PROJECT_ID",
    "HEADER_SDK_DATE",
    "HEADER_SECURITY_TOKEN",
    "HEADER_SUBJECT_TOKEN",
    "IamPasswordAuth",
    "IamPasswordCredentials",
    "ParsedAuthorization",
    "SDK_DATE_FORMAT",
    "SHARED_TOKEN_CACHE",
    "SIGNED_HEADER_NAMES",
    "TOKEN_LIFETIME_SECONDS",
    "TOKEN_REFRESH_MARGIN_SECONDS",
    "TokenAuth",
    "TokenCache",
    "TokenCredentials",
    "authorization_header",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "has_credentials",
    "iam_token_body",
    "parse_authorization_header",
    "resolve_credentials",
    "sdk_date",
    "sign",
    "signed_header_names",
    "string_to_sign",
]
