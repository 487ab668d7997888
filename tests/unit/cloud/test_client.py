"""The ServiceStage client against httpx.MockTransport: requests, answers, error mapping, lost answers."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from servicestage_ls.cloud.client import (
    Authorization,
    ServiceStageClient,
    missing_configuration,
    open_client,
)
from servicestage_ls.cloud.errors import CloudError, ConfigurationError

PROJECT = "0123456789abcdef0123456789abcdef"
ENDPOINT = "https://servicestage.cn-north-4.myhuaweicloud.com"
TOKEN_ENV = {"HUAWEICLOUD_AUTH_TOKEN": "iam-token-secret"}
REPO_TOKEN = "ghp_repoTokenSecret0123456789"
SECRETS = ("iam-token-secret", REPO_TOKEN, "ak-secret", "sk-secret")
AUTH = {
    "name": "token1",
    "repo_type": "github",
    "repo_host": "https://api.github.com",
    "repo_home": "https://github.com/tom-repo",
    "repo_user": "tom-repo",
    "avartar": "https://avatars.githubusercontent.com/u/73919264?v=4",
    "token_type": "personal",
    "create_time": 1649762172340,
    "update_time": 1649762172340,
    "status": 0,
}
EXPECTED = Authorization(
    name="token1",
    repo_type="github",
    repo_host="https://api.github.com",
    repo_home="https://github.com/tom-repo",
    repo_user="tom-repo",
    avartar="https://avatars.githubusercontent.com/u/73919264?v=4",
    token_type="personal",
    create_time=1649762172340,
    update_time=1649762172340,
    status=0,
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)


async def client_for(handler: Handler, *, timeout: float = 5.0, env: dict[str, str] | None = None,
                     project_id: str | None = PROJECT) -> ServiceStageClient:
    return await open_client(
        region="cn-north-4",
        file_endpoint=None,
        setting_endpoint=None,
        project_id=project_id,
        timeout=timeout,
        ca_bundle=None,
        env=TOKEN_ENV if env is None else env,
        transport=httpx.MockTransport(handler),
    )


def assert_no_secrets(err: BaseException) -> None:
    text = str(err) + repr(err)
    for secret in SECRETS:
        assert secret not in text


async def test_create_sends_the_documented_request_and_reads_the_answer() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"authorization": AUTH}))
    async with await client_for(recorder) as client:
        result = await client.create_personal_authorization("GitHub", "token1", REPO_TOKEN, "https://github.com/tom-repo")
    assert result == EXPECTED and not result.recovered
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == f"{ENDPOINT}/v1/{PROJECT}/git/auths/github/personal"
    assert request.headers["Content-Type"] == "application/json;charset=utf8"
    assert request.headers["X-Auth-Token"] == "iam-token-secret"
    assert json.loads(request.content) == {"name": "token1", "token": REPO_TOKEN, "host": "https://github.com/tom-repo"}


async def test_create_without_host_leaves_it_out() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"authorization": AUTH}))
    async with await client_for(recorder) as client:
        await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert json.loads(recorder.requests[0].content) == {"name": "token1", "token": REPO_TOKEN}


async def test_list_reads_items_and_their_tag() -> None:
    body = {"authorizations": [dict(AUTH, tag="t"), dict(AUTH, name="other", status=2, tag="")], "count": 2}
    recorder = Recorder(lambda r: httpx.Response(200, json=body))
    async with await client_for(recorder) as client:
        items = await client.list_authorizations()
    assert items == [Authorization(**{**EXPECTED.__dict__, "tag": "t"}),
                     Authorization(**{**EXPECTED.__dict__, "name": "other", "status": 2})]
    assert str(recorder.requests[0].url) == f"{ENDPOINT}/v1/{PROJECT}/git/auths"
    assert recorder.requests[0].headers["Content-Type"] == "application/json;charset=utf8"


async def test_delete_accepts_204() -> None:
    recorder = Recorder(lambda r: httpx.Response(204))
    async with await client_for(recorder) as client:
        assert await client.delete_authorization("token1") is None
    assert (recorder.requests[0].method, recorder.requests[0].url.path) == (
        "DELETE", f"/v1/{PROJECT}/git/auths/token1"
    )


async def test_error_answers_become_cloud_errors() -> None:
    body = {"error_code": "SVCSTG.REPO.0403", "error_msg": "resource already exist"}
    recorder = Recorder(lambda r: httpx.Response(400, json=body, headers={"X-Request-Id": "req-9"}))
    async with await client_for(recorder) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert str(caught.value) == (
        "ServiceStage refused the request: SVCSTG.REPO.0403 resource already exist (HTTP 400, request id req-9)"
        " — list authorizations; the name is taken"
    )
    assert recorder.count("POST") == 1 and recorder.count("GET") == 0


async def test_a_token_echoed_by_the_server_is_scrubbed() -> None:
    body = {"error_code": "SVCSTG.REPO.0451", "error_msg": f"token {REPO_TOKEN} rejected by iam-token-secret"}
    async with await client_for(lambda r: httpx.Response(400, json=body)) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert caught.value.message == "token *** rejected by ***"
    assert_no_secrets(caught.value)


@pytest.mark.parametrize("echo", [
    lambda secret: urllib.parse.quote(secret, safe=""),
    lambda secret: "".join(f"%{byte:02X}" for byte in secret.encode()),
    lambda secret: "".join(f"\\u{ord(c):04x}" for c in secret),
], ids=["url-encoded", "percent-encoded", "json-u-escaped"])
async def test_a_secret_echoed_encoded_by_the_server_is_scrubbed(echo: Callable[[str], str]) -> None:
    env = {"HUAWEICLOUD_SDK_AK": "ak-secret", "HUAWEICLOUD_SDK_SK": "sk-secret/+="}
    text = f"signature by {echo('ak-secret')} with {echo('sk-secret/+=')}; token {echo(REPO_TOKEN)}"
    async with await client_for(lambda r: httpx.Response(401, text=text), env=env) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert caught.value.message == "Unauthorized: signature by *** with ***; token ***"
    assert_no_secrets(caught.value)


@pytest.mark.parametrize("env", [
    {"HUAWEICLOUD_SDK_AK": "ak-secret", "HUAWEICLOUD_SDK_SK": "sk-secret"},
    {"HUAWEICLOUD_SDK_AK": "ak-secret", "HUAWEICLOUD_SDK_SK": "x", "HUAWEICLOUD_SDK_SECURITY_TOKEN": "sk-secret"},
    {"HUAWEICLOUD_AUTH_TOKEN": "sk-secret"},
], ids=["sk", "security-token", "x-auth-token"])
async def test_the_client_never_sends_one_of_its_credentials_as_a_secret(env: dict[str, str]) -> None:
    """The last guard under the engine's refusal: whatever path builds the create, nothing is sent."""
    recorder = Recorder(lambda r: httpx.Response(200, json={"authorization": AUTH}))
    async with await client_for(recorder, env=env) as client:
        with pytest.raises(ConfigurationError) as caught:
            await client.create_personal_authorization("github", "token1", " sk-secret")
    assert str(caught.value) == ("refused to create authorization 'token1': its secret is one of the cloud "
                                 "credentials in use; nothing was sent")
    assert recorder.requests == []


async def test_a_redirect_to_an_address_holding_a_secret_is_masked_before_it_is_cut() -> None:
    location = "https://login.example.com/" + "p" * 85 + "?t=" + urllib.parse.quote(REPO_TOKEN)  # cut first: "?t=ghp_r…"
    async with await client_for(lambda r: httpx.Response(302, headers={"Location": location})) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert caught.value.message == "unexpected redirect to https://login.example.com/" + "p" * 85 + "?t=***"


async def test_200_without_the_authorization_object_is_a_protocol_error() -> None:
    answer = lambda r: httpx.Response(200, json={"result": "ok"}, headers={"X-Request-Id": "q1"})
    async with await client_for(answer) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    err = caught.value
    assert (err.kind, err.status, err.request_id) == ("protocol", 200, "q1")
    assert err.message == "ServiceStage answered HTTP 200 to create authorization 'token1' without the 'authorization' object"


async def test_200_with_a_body_that_is_not_json_is_a_protocol_error() -> None:
    answer = lambda r: httpx.Response(200, text="<html><body>Sign in</body></html>")
    async with await client_for(answer) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert caught.value.kind == "protocol"
    assert caught.value.message == (
        "ServiceStage answered HTTP 200 to list authorizations with a body that is not JSON: Sign in"
    )


async def test_list_of_the_wrong_shape_is_a_protocol_error() -> None:
    async with await client_for(lambda r: httpx.Response(200, json={"authorizations": [{"no": "name"}]})) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert caught.value.message == (
        "ServiceStage answered HTTP 200 to list authorizations with a bad item: an authorization in the answer has no name"
    )
    async with await client_for(lambda r: httpx.Response(200, json={"count": 0})) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert caught.value.message == "ServiceStage answered HTTP 200 to list authorizations without the 'authorizations' list"


def lost_post(listing: list[dict] | None, exc: type[httpx.TransportError] = httpx.ReadTimeout) -> Handler:
    """POST loses its answer; GET answers ``listing`` (or fails too when None)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" or listing is None:
            raise exc("lost", request=request)
        return httpx.Response(200, json={"authorizations": listing, "count": len(listing)})

    return handler


async def test_timeout_then_found_in_the_list_returns_it_marked_recovered() -> None:
    recorder = Recorder(lost_post([AUTH]))
    async with await client_for(recorder, timeout=0.5) as client:
        result = await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert result.recovered and result.repo_user == "tom-repo"
    assert (recorder.count("POST"), recorder.count("GET")) == (1, 1)


async def test_timeout_then_not_in_the_list_says_it_was_not_created() -> None:
    recorder = Recorder(lost_post([dict(AUTH, name="other")]))
    async with await client_for(recorder, timeout=0.5) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert caught.value.kind == "timeout"
    assert str(caught.value) == (
        f"No answer from {ENDPOINT} within 0.5 s; 'token1' was not created (it is not in the list of "
        "authorizations) — it is safe to try again"
    )
    assert recorder.count("POST") == 1
    assert_no_secrets(caught.value)


async def test_dropped_answer_then_listing_fails_says_the_outcome_is_unknown() -> None:
    recorder = Recorder(lost_post(None, httpx.RemoteProtocolError))
    async with await client_for(recorder) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert caught.value.kind == "network"
    assert str(caught.value) == (
        f"The connection to {ENDPOINT} was closed before the answer was complete; whether 'token1' was created is "
        f"unknown (listing the authorizations failed too: The connection to {ENDPOINT} was closed before the "
        "answer was complete) — list the authorizations (Refresh status, or the ServiceStage console) before trying again"
    )
    assert recorder.count("POST") == 1


async def test_the_overall_deadline_bounds_a_hanging_call() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with await client_for(hang, timeout=0.2) as client:  # type: ignore[arg-type]
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert str(caught.value) == (
        f"No answer from {ENDPOINT} within 0.2 s — check the network and any proxy (in the editor, "
        "`servicestage.timeoutSeconds` sets the limit)"
    )


async def test_a_refused_connection_is_never_followed_by_a_list_or_a_retry() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    recorder = Recorder(refuse)
    async with await client_for(recorder) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert (caught.value.kind, caught.value.message) == (
        "network", f"Could not connect to {ENDPOINT}: connection refused"
    )
    assert len(recorder.requests) == 1


async def test_dns_failure() -> None:
    def no_such_host(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async with await client_for(no_such_host) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert str(caught.value) == (
        "Could not resolve the host name servicestage.cn-north-4.myhuaweicloud.com — check the spelling of the "
        "endpoint or region, and your network's DNS"
    )


async def test_a_redirect_is_not_followed() -> None:
    answer = lambda r: httpx.Response(302, headers={"Location": "https://login.example.com/"})
    async with await client_for(answer) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert (caught.value.status, caught.value.message) == (302, "unexpected redirect to https://login.example.com/")


# --- open_client: endpoint, project id, credentials, TLS -----------------------------------------------------


async def test_project_id_from_the_environment() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"authorizations": [], "count": 0}))
    env = {**TOKEN_ENV, "HUAWEICLOUD_SDK_PROJECT_ID": "f" * 32}
    async with await client_for(recorder, env=env, project_id=None) as client:
        assert client.project_id == "f" * 32
        await client.list_authorizations()
    assert recorder.requests[0].url.path == f"/v1/{'f' * 32}/git/auths"


async def test_project_id_looked_up_in_iam_with_aksk() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "iam.cn-north-4.myhuaweicloud.com":
            return httpx.Response(200, json={"projects": [{"id": "a" * 32, "name": "cn-north-4"}]})
        return httpx.Response(200, json={"authorizations": [], "count": 0})

    recorder = Recorder(handler)
    env = {"HUAWEICLOUD_SDK_AK": "ak-secret", "HUAWEICLOUD_SDK_SK": "sk-secret"}
    async with await client_for(recorder, env=env, project_id=None) as client:
        assert client.project_id == "a" * 32
        await client.list_authorizations()
    lookup, listing = recorder.requests
    assert str(lookup.url) == "https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4"
    assert lookup.headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=ak-secret, SignedHeaders=")
    assert "X-Project-Id" not in lookup.headers
    assert listing.headers["X-Project-Id"] == "a" * 32
    assert "x-project-id" in listing.headers["Authorization"]


async def test_iam_without_a_matching_project() -> None:
    answer = lambda r: httpx.Response(200, json={"projects": []})
    env = {"HUAWEICLOUD_SDK_AK": "ak-secret", "HUAWEICLOUD_SDK_SK": "sk-secret"}
    with pytest.raises(ConfigurationError) as caught:
        await client_for(answer, env=env, project_id=None)
    assert str(caught.value) == (
        "IAM knows no project named 'cn-north-4' for these credentials: set `project_id` in the file or "
        "HUAWEICLOUD_SDK_PROJECT_ID"
    )


async def test_a_plain_token_cannot_look_the_project_up() -> None:
    with pytest.raises(ConfigurationError) as caught:
        await client_for(lambda r: httpx.Response(500), project_id=None)
    assert str(caught.value) == (
        "No project id: set `project_id` in the file or HUAWEICLOUD_SDK_PROJECT_ID in the environment; an "
        "X-Auth-Token (HUAWEICLOUD_AUTH_TOKEN) cannot look it up from IAM (AK/SK or IAM user credentials can)"
    )


async def test_without_a_region_the_project_id_lookup_says_it_needs_one() -> None:
    aksk = {"HUAWEICLOUD_SDK_AK": "ak-secret", "HUAWEICLOUD_SDK_SK": "sk-secret"}
    with pytest.raises(ConfigurationError) as caught:
        await open_client(region=None, file_endpoint="http://127.0.0.1:9", setting_endpoint=None, project_id=None,
                          timeout=5, ca_bundle=None, env=aksk)
    assert str(caught.value) == (
        "No project id: set `project_id` in the file or HUAWEICLOUD_SDK_PROJECT_ID in the environment; looking it "
        "up from IAM needs `region` in the file"
    )
    assert missing_configuration(region=None, file_endpoint="http://127.0.0.1:9", setting_endpoint=None,
                                 project_id=None, env=aksk) == str(caught.value)


async def test_a_missing_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.pem"
    with pytest.raises(ConfigurationError) as caught:
        await open_client(region="cn-north-4", file_endpoint=None, setting_endpoint=None, project_id=PROJECT,
                          timeout=5, ca_bundle=str(path), env=TOKEN_ENV)
    assert str(caught.value) == f"The servicestage.caBundle file {str(path)!r} does not exist"
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ConfigurationError) as caught:
        await open_client(region="cn-north-4", file_endpoint=None, setting_endpoint=None, project_id=PROJECT,
                          timeout=5, ca_bundle=str(garbage), env=TOKEN_ENV)
    assert str(caught.value) == f"The servicestage.caBundle file {str(garbage)!r} holds no usable PEM certificate"


