"""The emulator as a subprocess, driven over loopback by the real client."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from tests.helpers.cloud_servers import EmulatorProcess, start_emulator, subprocess_env

from servicestage_ls.cloud.auth import AkSkAuth, AkSkCredentials
from servicestage_ls.cloud.client import Authorization, ServiceStageClient, open_client
from servicestage_ls.cloud.errors import CloudError
from servicestage_ls.cloud.emulator import Emulator, project_id_for

TOKEN = "emulator-token-SECRET-1"
AK, SK = "EMULATORAK0000000001", "emulator-sk-SECRET-2"
GITHUB_TOKEN = "ghp_" + "A1b2C3d4" * 4 + "SeCr"
GITLAB_TOKEN = "glpat-" + "x" * 20
IAM_PASSWORD = "iam-password-SECRET-3"
PROJECT = "0123456789abcdef0123456789abcdef"
ALL_SECRETS = (TOKEN, SK, GITHUB_TOKEN, GITLAB_TOKEN, IAM_PASSWORD)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    process = start_emulator(
        ["--port", "0", "--token", TOKEN, "--ak", AK, "--sk", SK], tmp_path_factory.mktemp("emu") / "stderr.log"
    )
    yield process
    assert process.stop() == 0


async def connect(url: str, env: dict[str, str], project_id: str | None = PROJECT) -> ServiceStageClient:
    return await open_client(
        region="cn-north-4",
        file_endpoint=url,
        setting_endpoint=None,
        project_id=project_id,
        timeout=5,
        ca_bundle=None,
        env={**env, "HUAWEICLOUD_SDK_IAM_ENDPOINT": url},
    )


def token_env(token: str = TOKEN) -> dict[str, str]:
    return {"HUAWEICLOUD_AUTH_TOKEN": token}


def aksk_env(sk: str = SK) -> dict[str, str]:
    return {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": sk}


def assert_no_secrets(text: str) -> None:
    for secret in ALL_SECRETS:
        assert secret not in text


def test_ready_line_names_a_loopback_url(emulator: EmulatorProcess) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emulator.url)


async def test_create_with_a_token(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, token_env()) as client:
        created = await client.create_personal_authorization(
            "github", "with-token", GITHUB_TOKEN, "https://github.com/tom-repo"
        )
    assert (created.name, created.repo_type, created.repo_user, created.repo_host, created.repo_home) == (
        "with-token", "github", "tom-repo", "https://api.github.com", "https://github.com/tom-repo"
    )
    assert (created.token_type, created.status, created.recovered) == ("personal", 0, False)
    assert isinstance(created.create_time, int) and created.create_time == created.update_time


async def test_create_with_aksk_and_list_it(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, aksk_env()) as client:
        created = await client.create_personal_authorization("gitlab", "with-aksk", GITLAB_TOKEN)
        listed = await client.list_authorizations()
    assert (created.repo_user, created.repo_home, created.repo_host) == (
        "with-aksk", "https://gitlab.com/with-aksk", "https://gitlab.com"
    )
    assert created in listed


async def test_list_answer_shape(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, token_env(), project_id="1" * 32) as client:
        await client.create_personal_authorization("github", "shape-check", GITHUB_TOKEN)
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{emulator.url}/v1/{'1' * 32}/git/auths", headers={"X-Auth-Token": TOKEN})
    body = response.json()
    assert response.headers["X-Request-Id"]
    assert body["count"] == 1 and body["authorizations"][0]["tag"] == ""
    assert set(body["authorizations"][0]) == {
        "name", "repo_type", "repo_host", "repo_home", "repo_user", "avartar", "token_type", "create_time",
        "update_time", "status", "tag",
    }


async def test_duplicate_name_is_0403(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, token_env()) as client:
        await client.create_personal_authorization("github", "twice", GITHUB_TOKEN)
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "twice", GITHUB_TOKEN)
    err = caught.value
    assert (err.status, err.code, err.message) == (400, "SVCSTG.REPO.0403", "resource already exist")
    assert str(err) == (
        f"ServiceStage refused the request: SVCSTG.REPO.0403 resource already exist (HTTP 400, request id "
        f"{err.request_id}) — list authorizations; the name is taken"
    )
    assert re.fullmatch(r"[0-9a-f]{32}", err.request_id or "")


@pytest.mark.parametrize(
    ("repo_type", "name", "token", "code", "message"),
    [
        ("github", "abc", GITHUB_TOKEN, "SVCSTG.REPO.0400",
         "parameter invalid: name must be 4 to 63 characters: letters, digits, '.', '_' and '-'"),
        ("github", "has space", GITHUB_TOKEN, "SVCSTG.REPO.0400",
         "parameter invalid: name must be 4 to 63 characters: letters, digits, '.', '_' and '-'"),
        ("bitbucket", "valid-name", GITHUB_TOKEN, "SVCSTG.REPO.0401",
         "repository not implemented: repository type 'bitbucket' is not supported for personal"),
        ("github", "valid-name", GITLAB_TOKEN, "SVCSTG.REPO.0451",
         "repository authorization invalid: the token is not a valid github personal access token"),
        ("gitlab", "valid-name", "", "SVCSTG.REPO.0451",
         "repository authorization invalid: the token is not a valid gitlab personal access token"),
    ],
)
async def test_validation_like_the_real_service(
    emulator: EmulatorProcess, repo_type: str, name: str, token: str, code: str, message: str
) -> None:
    async with await connect(emulator.url, token_env()) as client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization(repo_type, name, token)
    assert (caught.value.status, caught.value.code, caught.value.message) == (400, code, message)


async def test_wrong_token_is_401_from_the_gateway(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, token_env("not-the-token")) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    err = caught.value
    assert (err.status, err.code, err.message) == (
        401, "APIGW.0301", "Incorrect IAM authentication information: decrypt token fail"
    )
    assert "not-the-token" not in str(err)


async def test_wrong_secret_key_fails_signature_verification(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, aksk_env(sk="wrong-sk")) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        401, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"
    )


async def test_stale_sdk_date_is_refused(emulator: EmulatorProcess) -> None:
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    auth = AkSkAuth(AkSkCredentials(AK, SK), project_id=PROJECT, clock=lambda: an_hour_ago)
    async with httpx.AsyncClient(auth=auth) as http:
        response = await http.get(f"{emulator.url}/v1/{PROJECT}/git/auths")
    assert response.status_code == 401
    assert response.json()["error_msg"] == (
        "Incorrect IAM authentication information: the x-sdk-date is more than 15 minutes away from the server time"
    )


async def test_no_credential_and_malformed_json(emulator: EmulatorProcess) -> None:
    async with httpx.AsyncClient() as http:
        bare = await http.get(f"{emulator.url}/v1/{PROJECT}/git/auths")
        malformed = await http.post(
            f"{emulator.url}/v1/{PROJECT}/git/auths/github/personal",
            content=b'{"name": "x", ',
            headers={"X-Auth-Token": TOKEN, "Content-Type": "application/json;charset=utf8"},
        )
        unknown = await http.get(f"{emulator.url}/v2/nothing", headers={"X-Auth-Token": TOKEN})
    assert (bare.status_code, bare.json()["error_code"], bare.json()["error_msg"]) == (
        401, "APIGW.0301", "Incorrect IAM authentication information: x-auth-token not found"
    )
    assert (malformed.status_code, malformed.json()["error_code"]) == (400, "SVCSTG.REPO.0400")
    assert malformed.json()["error_msg"] == "parameter invalid: the body is not a JSON object"
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "APIGW.0101")


async def test_delete(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, token_env(), project_id="2" * 32) as client:
        await client.create_personal_authorization("github", "short-lived", GITHUB_TOKEN)
        await client.delete_authorization("short-lived")
        assert await client.list_authorizations() == []
        with pytest.raises(CloudError) as caught:
            await client.delete_authorization("short-lived")
    assert (caught.value.code, caught.value.message) == (
        "SVCSTG.REPO.0450", "no repository authorization: no authorization named 'short-lived'"
    )


async def test_iam_password_sign_in_and_project_lookup(emulator: EmulatorProcess) -> None:
    env = {"HUAWEICLOUD_IAM_USER": "alice", "HUAWEICLOUD_IAM_PASSWORD": IAM_PASSWORD, "HUAWEICLOUD_IAM_DOMAIN": "acme"}
    async with await connect(emulator.url, env, project_id=None) as client:
        assert client.project_id == project_id_for("cn-north-4")
        assert client.project_id == hashlib.md5(b"servicestage-ls-emulator:cn-north-4").hexdigest()
        created = await client.create_personal_authorization("github", "via-iam", GITHUB_TOKEN)
        assert created.name == "via-iam"
    # The token IAM issued is the configured one.
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{emulator.url}/v3/auth/tokens",
            json={"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "alice", "password": IAM_PASSWORD, "domain": {"name": "acme"}}}},
                "scope": {"project": {"name": "cn-north-4"}}}},
        )
    assert response.status_code == 201 and response.headers["X-Subject-Token"] == TOKEN
    assert response.json()["token"]["project"] == {"id": project_id_for("cn-north-4"), "name": "cn-north-4"}


async def test_aksk_project_lookup(emulator: EmulatorProcess) -> None:
    async with await connect(emulator.url, aksk_env(), project_id=None) as client:
        assert client.project_id == project_id_for("cn-north-4")


async def test_garbage_and_odd_requests_never_break_it(emulator: EmulatorProcess) -> None:
    host, port = emulator.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 5)
    writer.write(b"\x16\x03\x01 GARBAGE\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)  # the stdlib answers garbage HTTP/0.9-style, then closes
    writer.close()
    assert b"Error code: 400" in answer
    headers = {"X-Auth-Token": TOKEN, "Content-Type": "application/json;charset=utf8"}
    url = f"{emulator.url}/v1/{'3' * 32}/git/auths/github/personal"

    async def chunked() -> AsyncIterator[bytes]:
        yield b'{"name": "chunked-body", '
        yield json.dumps({"token": GITHUB_TOKEN}).encode()[1:]

    async with httpx.AsyncClient() as http:
        as_list = await http.post(url, content=b"[1, 2]", headers=headers)
        not_utf8 = await http.post(url, content=b"\xff\xfe", headers=headers)
        streamed = await http.post(url, content=chunked(), headers=headers)
        still_fine = await http.get(f"{emulator.url}/v1/{'3' * 32}/git/auths", headers=headers)
    assert (as_list.status_code, as_list.json()["error_code"]) == (400, "SVCSTG.REPO.0400")
    assert (not_utf8.status_code, not_utf8.json()["error_code"]) == (400, "SVCSTG.REPO.0400")
    assert streamed.status_code == 200 and streamed.json()["authorization"]["name"] == "chunked-body"
    assert still_fine.json()["count"] == 1


def test_a_busy_port_is_reported(emulator: EmulatorProcess) -> None:
    port = emulator.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "servicestage_ls", "emulator", "--port", port],
        check=False, capture_output=True, text=True, timeout=30, env=subprocess_env(),
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"servicestage-ls emulator: cannot listen on 127.0.0.1:{port}: ")


def test_help_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "servicestage_ls", "emulator", "--help"],
        check=False, capture_output=True, text=True, timeout=30, env=subprocess_env(),
    )
    assert result.returncode == 0
    assert "--token" in result.stdout and "--ak" in result.stdout and "--sk" in result.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_exits_cleanly_and_never_logs_secrets(tmp_path: Path, sig: int) -> None:
    process = start_emulator(["--port", "0", "--token", TOKEN, "--ak", AK, "--sk", SK], tmp_path / "stderr.log")
    try:
        iam = {"HUAWEICLOUD_IAM_USER": "alice", "HUAWEICLOUD_IAM_PASSWORD": IAM_PASSWORD,
               "HUAWEICLOUD_IAM_DOMAIN": "acme"}
        for env in (token_env(), aksk_env(), iam, token_env("wrong-" + TOKEN)):
            async with await connect(process.url, env, project_id=None if "HUAWEICLOUD_IAM_USER" in env else PROJECT
                                     ) as client:
                try:
                    await client.create_personal_authorization("github", "secret-check", GITHUB_TOKEN)
                    await client.create_personal_authorization("gitlab", "secret-check2", GITLAB_TOKEN)
                    await client.delete_authorization("secret-check")
                    await client.delete_authorization("secret-check2")
                except CloudError as err:
                    assert err.code == "APIGW.0301"
    finally:
        code = process.stop(sig)
    log = process.stderr()
    assert code == 0
    assert "POST /v1/0123456789abcdef0123456789abcdef/git/auths/github/personal -> 200" in log
    assert "POST /v3/auth/tokens -> 201" in log
    assert "-> 401" in log
    assert log.rstrip().endswith("emulator: stopped")
    assert_no_secrets(log)
    assert AK not in log


# --- in-process: the modes the command line does not expose --------------------------------------------------


@pytest.fixture
def open_emulator() -> Iterator[Emulator]:
    with Emulator(log_stream=io.StringIO()) as emulator:
        yield emulator


async def test_without_configured_credentials_any_token_but_not_none(open_emulator: Emulator) -> None:
    async with await connect(open_emulator.url, token_env("anything")) as client:
        created = await client.create_personal_authorization("github", "open-mode", GITHUB_TOKEN)
    assert created == Authorization(**{**created.__dict__, "name": "open-mode"})
    async with httpx.AsyncClient() as http:
        bare = await http.get(f"{open_emulator.url}/v1/{PROJECT}/git/auths")
    assert bare.status_code == 401
    async with await connect(open_emulator.url, aksk_env()) as client:
        with pytest.raises(CloudError) as caught:
            await client.list_authorizations()
    assert caught.value.message == (
        "Incorrect IAM authentication information: AK/SK authentication is not enabled (start the emulator with "
        "--ak and --sk)"
    )


async def test_iam_with_a_fixed_password_refuses_others() -> None:
    with Emulator(token=TOKEN, iam_password=IAM_PASSWORD, log_stream=io.StringIO()) as emulator:
        env = {"HUAWEICLOUD_IAM_USER": "alice", "HUAWEICLOUD_IAM_PASSWORD": "wrong-password",
               "HUAWEICLOUD_IAM_DOMAIN": "acme"}
        async with await connect(emulator.url, env) as client:  # IAM sign-in happens at the first call
            with pytest.raises(CloudError) as caught:
                await client.list_authorizations()
    err = caught.value
    assert (err.service, err.status, err.code, err.message) == ("IAM", 401, None, "The username or password is wrong.")
    assert str(err).startswith(
        f"IAM refused the request: The username or password is wrong. (HTTP 401, request id {err.request_id}) — "
    )
    assert "wrong-password" not in str(err) + repr(err)


@pytest.mark.parametrize("project", ["0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef", "not-a-project-id",
                                     "0123456789abcdef0123456789abcdeg", "0123456789abcdef0123456789abcdef0"])
async def test_a_project_id_that_is_not_32_lowercase_hex_is_refused_like_the_service(
        emulator: EmulatorProcess, project: str) -> None:
    async with httpx.AsyncClient() as http:
        answers = [
            await http.get(f"{emulator.url}/v1/{project}/git/auths", headers={"X-Auth-Token": TOKEN}),
            await http.post(f"{emulator.url}/v1/{project}/git/auths/github/personal", headers={"X-Auth-Token": TOKEN},
                            json={"name": "bad-project", "token": GITHUB_TOKEN}),
            await http.delete(f"{emulator.url}/v1/{project}/git/auths/bad-project", headers={"X-Auth-Token": TOKEN}),
        ]
        unauthenticated = await http.get(f"{emulator.url}/v1/{project}/git/auths")
    for answer in answers:
        body = answer.json()
        assert body.pop("request_id") == answer.headers["X-Request-Id"]
        assert (answer.status_code, body) == (400, {
            "error_code": "SVCSTG.REPO.0400",
            "error_msg": "parameter invalid: project_id must be 32 lowercase hexadecimal characters"})
    assert unauthenticated.status_code == 401  # credentials first, as the gateway does
