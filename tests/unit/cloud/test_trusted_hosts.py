"""open_client refuses a host that may not receive the credentials before any connection (core.trust): the file's
endpoint, and the IAM endpoint when it is called — its host comes from `region` when HUAWEICLOUD_SDK_IAM_ENDPOINT
is not set, so a crafted region cannot aim it elsewhere either. The transport records what would have been sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from servicestage_ls.cloud.client import ConfigurationError, missing_configuration, open_client
from servicestage_ls.cloud.errors import COMMAND_LINE_ADVICE

AKSK = {"HUAWEICLOUD_SDK_AK": "ak-value", "HUAWEICLOUD_SDK_SK": "sk-value"}
TOKEN = {"HUAWEICLOUD_AUTH_TOKEN": "token-value"}
PROJECT = "0a1b2c3d4e5f67890a1b2c3d4e5f6789"
TRUSTED = "https://servicestage.cn-north-4.myhuaweicloud.com"


def recording() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == "/v3/projects":
            return httpx.Response(200, json={"projects": [{"id": PROJECT}]})
        return httpx.Response(200, json={"authorizations": []})

    return httpx.MockTransport(handler), sent


async def opened(env: dict[str, str], **kwargs: Any) -> list[httpx.Request]:
    transport, sent = recording()
    args: dict[str, Any] = {"region": "cn-north-4", "file_endpoint": None, "setting_endpoint": None,
                            "project_id": PROJECT, "timeout": 5.0, "ca_bundle": None, **kwargs}
    async with await open_client(env=env, transport=transport, advice=COMMAND_LINE_ADVICE, **args) as client:
        await client.list_authorizations()
    return sent


async def test_the_files_endpoint_is_refused_before_any_request() -> None:
    transport, sent = recording()
    with pytest.raises(ConfigurationError) as refused:
        await open_client(region=None, file_endpoint="https://stack.example:8443/", setting_endpoint=None,
                          project_id=PROJECT, timeout=5.0, ca_bundle=None, env=TOKEN, transport=transport,
                          advice=COMMAND_LINE_ADVICE)
    assert str(refused.value) == (
        "the endpoint's host stack.example:8443 is not trusted to receive your credentials: nothing is sent to it "
        "until you trust it with --trust-endpoint stack.example:8443 or "
        "SERVICESTAGE_TRUSTED_ENDPOINTS=stack.example:8443 in the environment")
    assert sent == []
    sent = await opened(TOKEN, region=None, file_endpoint="https://stack.example:8443/", trusted=("stack.example",))
    assert [str(r.url) for r in sent] == [f"https://stack.example:8443/v1/{PROJECT}/git/auths"]


@pytest.mark.parametrize("region", ["evil.example/x", "evil.example?", "evil.example#"])
async def test_a_crafted_region_cannot_aim_the_iam_lookup(region: str) -> None:
    """A trusted endpoint, no project id, AK/SK: the project id would be looked up at iam.{region}.myhuaweicloud.com
    — with this region, a request to iam.evil.example."""
    transport, sent = recording()
    with pytest.raises(ConfigurationError) as refused:
        await open_client(region=region, file_endpoint=TRUSTED, setting_endpoint=None, project_id=None, timeout=5.0,
                          ca_bundle=None, env=AKSK, transport=transport, advice=COMMAND_LINE_ADVICE)
    assert str(refused.value).startswith("the IAM endpoint's host iam.evil.example is not trusted to receive your "
                                         "credentials: nothing is sent to it until you trust it with --trust-endpoint "
                                         "iam.evil.example or")
    assert sent == []
    assert missing_configuration(region=region, file_endpoint=TRUSTED, setting_endpoint=None, project_id=None,
                                 env=AKSK) == str(refused.value).replace(
        "--trust-endpoint iam.evil.example or SERVICESTAGE_TRUSTED_ENDPOINTS=iam.evil.example in the environment",
        "the user setting servicestage.trustedEndpoints (trustedEndpoints in the client's initializationOptions) or "
        "SERVICESTAGE_TRUSTED_ENDPOINTS=iam.evil.example in the language server's environment")


async def test_the_iam_endpoint_is_checked_only_when_it_is_called() -> None:
    env = {**AKSK, "HUAWEICLOUD_SDK_IAM_ENDPOINT": "https://iam.stack.example"}
    # a known project id with AK/SK: IAM is not called, so its host does not matter
    sent = await opened({**AKSK}, region="evil.example/x", file_endpoint=TRUSTED)
    assert [r.url.host for r in sent] == ["servicestage.cn-north-4.myhuaweicloud.com"]
    # the project id looked up: HUAWEICLOUD_SDK_IAM_ENDPOINT is the user's, so its host is trusted
    sent = await opened(env, project_id=None)
    assert [(r.url.host, r.url.path) for r in sent] == [
        ("iam.stack.example", "/v3/projects"), ("servicestage.cn-north-4.myhuaweicloud.com", f"/v1/{PROJECT}/git/auths")]


async def test_the_sdk_override_variables_hosts_are_trusted() -> None:
    env = {**TOKEN, "HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4": "https://ss.stack.example:8443"}
    sent = await opened(env)
    assert [str(r.url) for r in sent] == [f"https://ss.stack.example:8443/v1/{PROJECT}/git/auths"]
    # the same host named by the file (not through the variable) on another port is not
    with pytest.raises(ConfigurationError):
        await opened(env, file_endpoint="https://ss.stack.example:9443")
