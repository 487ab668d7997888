"""Huawei's own SDK agrees with the emulator: ``huaweicloudsdkservicestage``'s client and models, signing with AK/SK
(huaweicloudsdkcore's signer, not ours), drive every git-authorization call of every kind on loopback."""

from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import huaweicloudsdkservicestage.v2 as sdk
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig

from servicestage_ls.cloud.emulator import Emulator, read_seed
from servicestage_ls.cloud.emulator.git import AUTHORIZE_PATH, CONSOLE_PATH

AK, SK = "SDKTESTAK00000000001", "sdk-test-sk-SECRET-000000000000000000000"
PASSWORD = "bitbucket-app-password-SECRET"
PROJECT = "0da0da0da0da0da0da0da0da0da0da0d"
SEED = f"""
project_id: {PROJECT}
oauth_user: octo-sdk
authorizations:
  - {{name: web-frontend, repo_type: github, repo_user: tom-repo, namespaces: [tom-repo, acme]}}
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    seed = read_seed(SEED, 1700000000000)
    with Emulator(ak=AK, sk=SK, log_stream=io.StringIO(), seed=seed.authorizations, seed_project=seed.project_id,
                  **seed.rules()) as emu:
        yield emu


def sdk_client(url: str, sk: str = SK) -> sdk.ServiceStageClient:
    config = HttpConfig.get_default_config()
    config.timeout = (5, 5)
    return (sdk.ServiceStageClient.new_builder()
            .with_http_config(config)
            .with_credentials(BasicCredentials(AK, sk, PROJECT))
            .with_endpoints([url])
            .build())


@pytest.fixture
def client(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> sdk.ServiceStageClient:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return sdk_client(emulator.url)


def authorize_in_the_browser(url: str) -> dict[str, list[str]]:
    """What the browser does with the redirect URL: the provider's page sends it on to the console."""
    page = httpx.get(url)
    assert page.status_code == 302
    console = urlsplit(page.headers["Location"])
    assert console.path == CONSOLE_PATH
    return parse_qs(console.query)


def refused(call: object, request: object) -> exceptions.ClientRequestException:
    with pytest.raises(exceptions.ClientRequestException) as caught:
        call(request)  # type: ignore[operator]
    return caught.value


def test_password_create_through_the_sdk(client: sdk.ServiceStageClient) -> None:
    body = sdk.AccessPassword(name="sdk-password", user="tom-b", password=PASSWORD)
    answer = client.create_password_auth(sdk.CreatePasswordAuthRequest(repo_type="bitbucket", body=body))
    auth = answer.authorization
    assert (answer.status_code, auth.name, auth.repo_type, auth.repo_user, auth.token_type, auth.status) == (
        200, "sdk-password", "bitbucket", "tom-b", "password", 0)
    assert auth.repo_home == "https://bitbucket.org/tom-b"
    short = sdk.AccessPassword(name="sdk-short", user="tom-b", password="short")
    err = refused(client.create_password_auth, sdk.CreatePasswordAuthRequest(repo_type="bitbucket", body=short))
    assert (err.status_code, err.error_code, err.error_msg) == (
        400, "SVCSTG.REPO.0451", "repository authorization invalid: the bitbucket user or password was not accepted")
    wrong_kind = refused(client.create_password_auth, sdk.CreatePasswordAuthRequest(repo_type="github", body=body))
    assert wrong_kind.error_code == "SVCSTG.REPO.0401"


def test_the_oauth_flow_through_the_sdk(client: sdk.ServiceStageClient, emulator: Emulator) -> None:
    url = client.show_redirect_url(sdk.ShowRedirectUrlRequest(repo_type="gitlab", tag="intl")).url
    assert urlsplit(url).path == AUTHORIZE_PATH and parse_qs(urlsplit(url).query)["tag"] == ["intl"]
    query = authorize_in_the_browser(url)
    body = sdk.OAuth(name="sdk-oauth", code=query["code"][0], state=query["state"][0])
    request = sdk.CreateOAuthRequest(repo_type="gitlab", tag="intl", body=body)
    auth = client.create_o_auth(request).authorization
    assert (auth.name, auth.repo_type, auth.token_type, auth.repo_user) == ("sdk-oauth", "gitlab", "oauth", "octo-sdk")
    again = refused(client.create_o_auth, sdk.CreateOAuthRequest(repo_type="gitlab", tag="intl", body=sdk.OAuth(
        name="sdk-oauth-again", code=query["code"][0], state=query["state"][0])))
    assert (again.status_code, again.error_code, again.error_msg) == (
        400, "SVCSTG.REPO.0402", "oauth code or state invalid")


def test_list_namespaces_and_delete_through_the_sdk(client: sdk.ServiceStageClient) -> None:
    body = sdk.AccessPassword(name="sdk-listed", user="acme/tom", password=PASSWORD)
    client.create_password_auth(sdk.CreatePasswordAuthRequest(repo_type="devcloud", body=body))
    query = authorize_in_the_browser(client.show_redirect_url(sdk.ShowRedirectUrlRequest(repo_type="gitee")).url)
    oauth = sdk.OAuth(name="sdk-oauth-listed", code=query["code"][0], state=query["state"][0])
    client.create_o_auth(sdk.CreateOAuthRequest(repo_type="gitee", tag="cn", body=oauth))
    listed = client.list_authorizations(sdk.ListAuthorizationsRequest())
    kinds = {a.name: (a.repo_type, a.token_type, a.tag) for a in listed.authorizations}
    assert listed.count == len(listed.authorizations)
    assert {name: kinds[name] for name in ("web-frontend", "sdk-listed", "sdk-oauth-listed")} == {
        "web-frontend": ("github", "personal", ""), "sdk-listed": ("devcloud", "password", ""),
        "sdk-oauth-listed": ("gitee", "oauth", "cn")}
    assert [n.name for n in client.list_namespaces(sdk.ListNamespacesRequest(x_repo_auth="sdk-oauth-listed"))
            .namespaces] == ["octo-sdk"]
    seen = client.list_namespaces(sdk.ListNamespacesRequest(x_repo_auth="web-frontend")).namespaces
    assert [(n.name, n.id.isdigit()) for n in seen] == [("tom-repo", True), ("acme", True)]
    assert [n.name for n in client.list_namespaces(sdk.ListNamespacesRequest(x_repo_auth="sdk-listed")).namespaces] \
        == ["tom"]
    deleted = client.delete_authorize(sdk.DeleteAuthorizeRequest(name="sdk-listed"))
    assert deleted.status_code == 204
    gone = refused(client.list_namespaces, sdk.ListNamespacesRequest(x_repo_auth="sdk-listed"))
    assert (gone.error_code, gone.error_msg) == (
        "SVCSTG.REPO.0450", "no repository authorization: no authorization named 'sdk-listed'")
    twice = refused(client.delete_authorize, sdk.DeleteAuthorizeRequest(name="sdk-listed"))
    assert twice.error_code == "SVCSTG.REPO.0450"


def test_a_wrong_secret_key_is_refused_by_the_gateway(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    err = refused(sdk_client(emulator.url, "not-the-" + SK).list_authorizations, sdk.ListAuthorizationsRequest())
    assert (err.status_code, err.error_code) == (401, "APIGW.0301")
