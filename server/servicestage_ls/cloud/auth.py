"""Credentials from the environment and the three ways to authenticate a call.

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
import hmac
import json
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, unquote

import httpx

from servicestage_ls.cloud.errors import (
    CREDENTIAL_VARIABLES,
    CloudError,
    ConfigurationError,
    parse_error_response,
)

ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
HEADER_SDK_DATE = "X-Sdk-Date"
HEADER_PROJECT_ID = "X-Project-Id"
HEADER_SECURITY_TOKEN = "X-Security-Token"
HEADER_AUTH_TOKEN = "X-Auth-Token"
HEADER_SUBJECT_TOKEN = "X-Subject-Token"

#: Headers the signer covers when the request has them (host and the date always).
SIGNED_HEADER_NAMES = ("content-type", "host", "x-project-id", "x-sdk-date", "x-security-token")

ENV_AK = "HUAWEICLOUD_SDK_AK"
ENV_SK = "HUAWEICLOUD_SDK_SK"
ENV_SECURITY_TOKEN = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
ENV_AUTH_TOKEN = "HUAWEICLOUD_AUTH_TOKEN"
ENV_IAM_USER = "HUAWEICLOUD_IAM_USER"
ENV_IAM_PASSWORD = "HUAWEICLOUD_IAM_PASSWORD"
ENV_IAM_DOMAIN = "HUAWEICLOUD_IAM_DOMAIN"

#: IAM tokens are valid for 24 hours; renew this long before the expiry IAM reports.
TOKEN_LIFETIME_SECONDS = 24 * 3600
TOKEN_REFRESH_MARGIN_SECONDS = 300

_MASK = "***"


# --- SDK-HMAC-SHA256, pure -----------------------------------------------------------------------------------


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    """Each path segment percent-encoded (unreserved characters kept); always ends with ``/``."""
    encoded = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(query: Sequence[tuple[str, str]]) -> str:
    """``k=v`` pairs, both percent-encoded, sorted (as the SDK does: by raw key, then value), joined by ``&``."""
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(query))


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    """The lowercased, sorted names of the headers to sign."""
    return sorted({name.lower() for name in headers})


def canonical_request(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The canonical request over exactly ``headers`` (the headers to sign)."""
    values = {name.lower(): value.strip() for name, value in headers.items()}
    names = sorted(values)
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            "".join(f"{name}:{values[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        )
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def sign(to_sign: str, sk: str) -> str:
    """hex(HMAC-SHA256(key=SK, message=string to sign))."""
    return hmac.new(sk.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization_header(ak: str, signed_headers: Sequence[str], signature: str) -> str:
    return f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(signed_headers)}, Signature={signature}"


@dataclass(frozen=True)
class ParsedAuthorization:
    """The parts of an ``Authorization: SDK-HMAC-SHA256 ...`` header."""

    access: str
    signed_headers: tuple[str, ...]
    signature: str

    def __repr__(self) -> str:
        return f"ParsedAuthorization(signed_headers={self.signed_headers!r})"


def parse_authorization_header(value: str) -> ParsedAuthorization | None:
    """Split an ``SDK-HMAC-SHA256`` Authorization header; None when it is not one."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key.strip()] = val.strip()
    access, names, signature = parts.get("Access"), parts.get("SignedHeaders"), parts.get("Signature")
    if not access or not names or not signature:
        return None
    return ParsedAuthorization(access, tuple(names.split(";")), signature)


def sdk_date(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime(SDK_DATE_FORMAT)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


# --- credentials ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AkSkCredentials:
    ak: str
    sk: str
    security_token: str | None = None

    def __repr__(self) -> str:
        token = _MASK if self.security_token else None
        return f"AkSkCredentials(ak={_MASK!r}, sk={_MASK!r}, security_token={token!r})"

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.ak, self.sk, self.security_token) if s)

    def kind(self) -> str:
        """What these credentials are, for messages (never a value)."""
        extra = " with a temporary security token" if self.security_token else ""
        return f"AK/SK signing{extra} ({ENV_AK}, {ENV_SK})"


@dataclass(frozen=True)
class TokenCredentials:
    token: str

    def __repr__(self) -> str:
        return f"TokenCredentials(token={_MASK!r})"

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)

    def kind(self) -> str:
        return f"an X-Auth-Token ({ENV_AUTH_TOKEN})"


@dataclass(frozen=True)
class IamPasswordCredentials:
    user: str
    password: str
    domain: str

    def __repr__(self) -> str:
        return f"IamPasswordCredentials(user={self.user!r}, password={_MASK!r}, domain={self.domain!r})"

    def secrets(self) -> tuple[str, ...]:
        return (self.password,)

    def kind(self) -> str:
        return f"an IAM user's password ({ENV_IAM_USER}, {ENV_IAM_PASSWORD}, {ENV_IAM_DOMAIN})"


Credentials = AkSkCredentials | TokenCredentials | IamPasswordCredentials


def _value(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def resolve_credentials(env: Mapping[str, str]) -> Credentials:
    """Credentials in the design's order: AK/SK (+ security token), then a token, then an IAM user.

    Raises ConfigurationError naming the variables to set when none is complete (and when AK/SK is half set,
    which is always a mistake worth reporting).
    """
    ak, sk = _value(env, ENV_AK), _value(env, ENV_SK)
    if ak and sk:
        return AkSkCredentials(ak, sk, _value(env, ENV_SECURITY_TOKEN))
    if ak or sk:
        present, missing = (ENV_AK, ENV_SK) if ak else (ENV_SK, ENV_AK)
        raise ConfigurationError(f"{present} is set but {missing} is not: set both to sign requests with AK/SK")
    token = _value(env, ENV_AUTH_TOKEN)
    if token:
        return TokenCredentials(token)
    iam = {name: _value(env, name) for name in (ENV_IAM_USER, ENV_IAM_PASSWORD, ENV_IAM_DOMAIN)}
    if all(iam.values()):
        return IamPasswordCredentials(iam[ENV_IAM_USER] or "", iam[ENV_IAM_PASSWORD] or "", iam[ENV_IAM_DOMAIN] or "")
    if any(iam.values()):
        missing = ", ".join(name for name, value in iam.items() if not value)
        raise ConfigurationError(f"IAM sign-in is incomplete: also set {missing}")
    raise ConfigurationError(f"No Huawei Cloud credentials: set {CREDENTIAL_VARIABLES} in the environment")


def has_credentials(env: Mapping[str, str]) -> bool:
    """Whether the environment holds a complete set of credentials (no network involved)."""
    try:
        resolve_credentials(env)
    except ConfigurationError:
        return False
    return True


# --- httpx auth flows ----------------------------------------------------------------------------------------


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
                response.status_code, response.headers, response.content, service="IAM"
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
