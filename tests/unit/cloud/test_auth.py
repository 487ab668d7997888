"""SDK-HMAC-SHA256 against both reference vectors, and the AK/SK, token and IAM auth flows."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import httpx
import pytest

from servicestage_ls.cloud.auth import (
    AkSkAuth,
    AkSkCredentials,
    IamPasswordAuth,
    IamPasswordCredentials,
    TokenAuth,
    TokenCache,
    TokenCredentials,
    canonical_query,
    canonical_request,
    canonical_uri,
    parse_authorization_header,
    sign,
    string_to_sign,
)
from servicestage_ls.cloud.errors import CloudError

# Vector 1: Huawei's API signing guide.
V1_PATH = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
V1_QUERY = [("limit", "2"), ("marker", "13551d6b-755d-4757-b956-536f674975c0")]
V1_HEADERS = {
    "Content-Type": "application/json",
    "Host": "service.region.example.com",
    "X-Sdk-Date": "20191115T033655Z",
}
V1_CANONICAL = (
    "GET\n"
    "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n"
    "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n"
    "content-type:application/json\n"
    "host:service.region.example.com\n"
    "x-sdk-date:20191115T033655Z\n"
    "\n"
    "content-type;host;x-sdk-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
V1_AK, V1_SK = "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
V1_SIGNATURE = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"

# Vector 2: produced with the SDK's own signer.
V2_URL = "https://servicestage.cn-north-4.myhuaweicloud.com/v1/0123456789abcdef0123456789abcdef/git/auths/github/personal"
V2_BODY = b'{"name":"my-auth","token":"ghp_x","host":"https://github.com"}'
V2_PROJECT = "0123456789abcdef0123456789abcdef"
V2_AK, V2_SK = "AKEXAMPLE0000000000", "SKEXAMPLE000000000000000000000000000000000"
V2_SIGNATURE = "88b20e412eadfcd5f9748c34c360dcb968fd173d61c8d851597874e4f476d4ce"


def test_vector_1_canonical_request_and_its_hash() -> None:
    canonical = canonical_request("GET", V1_PATH, V1_QUERY, V1_HEADERS, b"")
    assert canonical == V1_CANONICAL
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
    )


def test_vector_1_signature() -> None:
    assert sign(string_to_sign(V1_CANONICAL, "20191115T033655Z"), V1_SK) == V1_SIGNATURE


def test_vector_2_signature() -> None:
    headers = {
        "Content-Type": "application/json",
        "Host": "servicestage.cn-north-4.myhuaweicloud.com",
        "X-Sdk-Date": "20240101T000000Z",
        "X-Project-Id": V2_PROJECT,
    }
    canonical = canonical_request("POST", httpx.URL(V2_URL).path, [], headers, V2_BODY)
    assert canonical.splitlines()[-2] == "content-type;host;x-project-id;x-sdk-date"
    assert sign(string_to_sign(canonical, "20240101T000000Z"), V2_SK) == V2_SIGNATURE


def _signed(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    flow = auth.sync_auth_flow(request)
    return next(flow)


def test_aksk_auth_signs_an_httpx_request_exactly_like_vector_2() -> None:
    auth = AkSkAuth(
        AkSkCredentials(V2_AK, V2_SK),
        project_id=V2_PROJECT,
        clock=lambda: datetime(2024, 1, 1, tzinfo=timezone.utc),
    )
    request = _signed(auth, httpx.Request("POST", V2_URL, content=V2_BODY, headers={"Content-Type": "application/json"}))
    assert request.headers["X-Sdk-Date"] == "20240101T000000Z"
    assert request.headers["X-Project-Id"] == V2_PROJECT
    assert request.headers["Authorization"] == (
        f"SDK-HMAC-SHA256 Access={V2_AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        f"Signature={V2_SIGNATURE}"
    )


def test_aksk_auth_signs_an_httpx_get_with_query_exactly_like_vector_1() -> None:
    auth = AkSkAuth(AkSkCredentials(V1_AK, V1_SK), clock=lambda: datetime(2019, 11, 15, 3, 36, 55, tzinfo=timezone.utc))
    request = httpx.Request(
        "GET", f"https://service.region.example.com{V1_PATH}", params=V1_QUERY,
        headers={"Content-Type": "application/json"},
    )
    signed = _signed(auth, request)
    assert "X-Project-Id" not in signed.headers
    assert signed.headers["Authorization"].endswith(
        f"SignedHeaders=content-type;host;x-sdk-date, Signature={V1_SIGNATURE}"
    )


def test_temporary_credentials_send_and_sign_the_security_token() -> None:
    auth = AkSkAuth(AkSkCredentials("AK", "SK", "STS-TOKEN"), clock=lambda: datetime(2024, 1, 1, tzinfo=timezone.utc))
    signed = _signed(auth, httpx.Request("GET", "https://example.com/v1/p/git/auths"))
    assert signed.headers["X-Security-Token"] == "STS-TOKEN"
    assert "SignedHeaders=host;x-sdk-date;x-security-token," in signed.headers["Authorization"]


def test_canonical_uri_encodes_segments_and_always_ends_with_a_slash() -> None:
    assert canonical_uri("/v1/p/git/auths/a b") == "/v1/p/git/auths/a%20b/"
    assert canonical_uri("/v1/x~y/") == "/v1/x~y/"
    assert canonical_uri("/") == "/"


def test_canonical_query_sorts_and_encodes() -> None:
    assert canonical_query([("name", "cn north"), ("a", "2"), ("a", "1")]) == "a=1&a=2&name=cn%20north"
    assert canonical_query([]) == ""


def test_authorization_header_round_trip() -> None:
    parsed = parse_authorization_header(
        "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abc"
    )
    assert parsed is not None
    assert (parsed.access, parsed.signed_headers, parsed.signature) == ("AK1", ("host", "x-sdk-date"), "abc")
    assert "AK1" not in repr(parsed)
    assert parse_authorization_header("Bearer xyz") is None
    assert parse_authorization_header("SDK-HMAC-SHA256 Access=AK1") is None


# --- reprs, the X-Auth-Token flow ------------------------------------------------------------------------------


def test_reprs_mask_every_secret() -> None:
    objects = [
        AkSkCredentials("ak-value", "sk-value", "sts-value"),
        TokenCredentials("token-value"),
        IamPasswordCredentials("alice", "pw-value", "acme"),
        AkSkAuth(AkSkCredentials("ak-value", "sk-value", "sts-value")),
        TokenAuth(TokenCredentials("token-value")),
        IamPasswordAuth(IamPasswordCredentials("alice", "pw-value", "acme"), iam_endpoint="https://iam", project_name="r"),
    ]
    for obj in objects:
        text = repr(obj) + str(obj)
        for secret in ("ak-value", "sk-value", "sts-value", "token-value", "pw-value"):
            assert secret not in text


def test_token_auth_sets_x_auth_token() -> None:
    signed = _signed(TokenAuth(TokenCredentials("token-value")), httpx.Request("GET", "https://example.com/"))
    assert signed.headers["X-Auth-Token"] == "token-value"


# --- IAM password sign-in ------------------------------------------------------------------------------------


class FakeIam:
    """IAM and a protected API behind one MockTransport; counts sign-ins."""

    def __init__(self, expires_at: str | None = "2030-01-01T00:00:00.000000Z", status: int = 201) -> None:
        self.expires_at = expires_at
        self.status = status
        self.sign_ins: list[dict] = []
        self.issued = 0
        self.valid: set[str] = set()
        self.api_calls: list[str | None] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3/auth/tokens":
            self.sign_ins.append(json.loads(request.content))
            if self.status != 201:
                return httpx.Response(
                    self.status, json={"error": {"code": self.status, "message": "The username or password is wrong."}}
                )
            self.issued += 1
            token = f"iam-token-{self.issued}"
            self.valid = {token}
            body = {"token": {"expires_at": self.expires_at}} if self.expires_at else {"token": {}}
            return httpx.Response(201, json=body, headers={"X-Subject-Token": token})
        token = request.headers.get("X-Auth-Token")
        self.api_calls.append(token)
        return httpx.Response(200 if token in self.valid else 401, json={})


def _iam_auth(clock: list[float], cache: TokenCache | None = None) -> IamPasswordAuth:
    return IamPasswordAuth(
        IamPasswordCredentials("alice", "pw-value", "acme"),
        iam_endpoint="https://iam.example.com/",
        project_name="cn-north-4",
        clock=lambda: clock[0],
        cache=cache if cache is not None else TokenCache(),
    )


async def test_iam_token_is_fetched_once_and_reused() -> None:
    fake, clock = FakeIam(), [datetime(2029, 1, 1, tzinfo=timezone.utc).timestamp()]
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler), auth=_iam_auth(clock)) as http:
        assert (await http.get("https://api.example.com/a")).status_code == 200
        assert (await http.get("https://api.example.com/b")).status_code == 200
    assert fake.sign_ins == [
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "alice", "password": "pw-value", "domain": {"name": "acme"}}},
                },
                "scope": {"project": {"name": "cn-north-4"}},
            }
        }
    ]
    assert fake.api_calls == ["iam-token-1", "iam-token-1"]


async def test_the_token_cache_is_shared_between_clients_and_holds_no_password() -> None:
    fake, clock, cache = FakeIam(), [datetime(2029, 1, 1, tzinfo=timezone.utc).timestamp()], TokenCache()
    for path in ("a", "b"):
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler), auth=_iam_auth(clock, cache)) as http:
            await http.get(f"https://api.example.com/{path}")
    assert len(fake.sign_ins) == 1 and fake.api_calls == ["iam-token-1", "iam-token-1"]
    assert "pw-value" not in repr(cache) + repr(cache.__dict__)


async def test_iam_token_is_renewed_shortly_before_it_expires() -> None:
    expiry = datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp()
    fake, clock = FakeIam(), [expiry - 3600]
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler), auth=_iam_auth(clock)) as http:
        await http.get("https://api.example.com/a")
        clock[0] = expiry - 299  # inside the 5-minute margin
        await http.get("https://api.example.com/b")
    assert fake.api_calls == ["iam-token-1", "iam-token-2"]


async def test_iam_token_without_expiry_lasts_24_hours() -> None:
    fake, clock = FakeIam(expires_at=None), [1_000_000.0]
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler), auth=_iam_auth(clock)) as http:
        await http.get("https://api.example.com/a")
        clock[0] += 24 * 3600 - 301
        await http.get("https://api.example.com/b")
        clock[0] += 2
        await http.get("https://api.example.com/c")
    assert fake.api_calls == ["iam-token-1", "iam-token-1", "iam-token-2"]


async def test_a_rejected_cached_token_is_replaced_once() -> None:
    fake, clock = FakeIam(), [datetime(2029, 1, 1, tzinfo=timezone.utc).timestamp()]
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler), auth=_iam_auth(clock)) as http:
        await http.get("https://api.example.com/a")
        fake.valid = set()  # revoked on the server
        response = await http.get("https://api.example.com/b")
    assert response.status_code == 200
    assert fake.api_calls == ["iam-token-1", "iam-token-1", "iam-token-2"]


async def test_iam_refusal_is_a_cloud_error_without_the_password() -> None:
    fake, clock = FakeIam(status=401), [0.0]
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler), auth=_iam_auth(clock)) as http:
        with pytest.raises(CloudError) as caught:
            await http.get("https://api.example.com/a")
    assert str(caught.value) == (
        "IAM refused the request: The username or password is wrong. (HTTP 401) — "
        + caught.value.advice  # type: ignore[operator]
    )
    assert caught.value.status == 401 and caught.value.service == "IAM"
    assert "pw-value" not in str(caught.value) + repr(caught.value)
    assert fake.api_calls == []
