"""The emulator's guards: a request whose Host is not its address is answered 421 (DNS rebinding), and its
credentials may come from its environment (SERVICESTAGE_EMULATOR_TOKEN, _AK, _SK) instead of the command line."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.helpers.cloud_servers import start_emulator, subprocess_env

from servicestage_ls.cloud.client import open_client
from servicestage_ls.cloud.emulator import Emulator
from servicestage_ls.cloud.emulator.api import host_allowed
from servicestage_ls.cloud.errors import CloudError

TOKEN = "env-token-SECRET-7"
AK, SK = "ENVEMULATORAK0000001", "env-sk-SECRET-8"
GITHUB_TOKEN = "ghp_" + "Z9y8X7w6" * 4 + "SeCr"
PROJECT = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN, log_stream=io.StringIO()) as running:
        yield running


@pytest.mark.parametrize(("header", "listen", "port", "allowed"), [
    ("127.0.0.1:8080", "127.0.0.1", 8080, True),
    ("localhost:8080", "127.0.0.1", 8080, True),
    ("LOCALHOST:8080", "127.0.0.1", 8080, True),
    ("[::1]:8080", "::1", 8080, True),
    ("localhost:8080", "::1", 8080, True),
    ("127.0.0.1", "127.0.0.1", 80, True),
    ("127.0.0.1:8081", "127.0.0.1", 8080, False),
    ("127.0.0.1", "127.0.0.1", 8080, False),
    ("127.0.0.2:8080", "127.0.0.1", 8080, False),
    ("attacker.example:8080", "127.0.0.1", 8080, False),
    ("localtest.me:8080", "127.0.0.1", 8080, False),
    ("127.0.0.1.nip.io:8080", "127.0.0.1", 8080, False),
    ("[::1]:8080", "127.0.0.1", 8080, False),
    ("", "127.0.0.1", 8080, False),
    (None, "127.0.0.1", 8080, False),
    ("127.0.0.1:port", "127.0.0.1", 8080, False),
    ("192.0.2.7:8080", "0.0.0.0", 8080, True),
    ("localhost:8080", "0.0.0.0", 8080, True),
    ("rebind.example:8080", "0.0.0.0", 8080, False),
    ("192.0.2.7:8080", "192.0.2.7", 8080, True),
    ("localhost:8080", "192.0.2.7", 8080, False),
    ("localhost:8080", "localhost", 8080, True),
    ("127.0.0.1:8080", "localhost", 8080, False),
])
def test_which_host_headers_name_the_emulator(header: str | None, listen: str, port: int, allowed: bool) -> None:
    assert host_allowed(header, listen, port) is allowed


async def test_a_foreign_host_is_answered_421_before_anything_else(emulator: Emulator) -> None:
    url = f"{emulator.url}/v1/{PROJECT}/git/auths"
    async with httpx.AsyncClient() as http:
        rebound = await http.get(url, headers={"X-Auth-Token": TOKEN, "Host": f"attacker.example:{emulator.port}"})
        other_port = await http.post(f"{url}/github/personal", headers={"Host": f"127.0.0.1:{emulator.port + 1}"},
                                     json={"name": "rebound", "token": GITHUB_TOKEN})
        by_address = await http.get(url, headers={"X-Auth-Token": TOKEN})
        by_localhost = await http.get(url, headers={"X-Auth-Token": TOKEN, "Host": f"localhost:{emulator.port}"})
    body = rebound.json()
    assert body.pop("request_id") == rebound.headers["X-Request-Id"]
    assert (rebound.status_code, body) == (421, {
        "error_code": "SVCSTG.EMULATOR.0421",
        "error_msg": f"misdirected request: Host 'attacker.example:{emulator.port}' is not this emulator's address",
    })
    assert (other_port.status_code, other_port.json()["error_code"]) == (421, "SVCSTG.EMULATOR.0421")
    assert (by_address.status_code, by_address.json()["count"]) == (200, 0)  # the 421 created nothing
    assert by_localhost.status_code == 200


async def test_a_request_without_a_host_is_421(emulator: Emulator) -> None:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", emulator.port), 5)
    writer.write(f"GET /v1/{PROJECT}/git/auths HTTP/1.0\r\nX-Auth-Token: {TOKEN}\r\n\r\n".encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 421 ")
    assert b"misdirected request: a request without a Host header is not this emulator's address" in answer


async def test_the_real_client_is_unaffected_whether_by_address_or_by_localhost(emulator: Emulator) -> None:
    for url in (emulator.url, f"http://localhost:{emulator.port}"):
        async with await open_client(region="cn-north-4", file_endpoint=url, setting_endpoint=None,
                                     project_id=PROJECT, timeout=5, ca_bundle=None,
                                     env={"HUAWEICLOUD_AUTH_TOKEN": TOKEN}) as client:
            assert await client.list_authorizations() == []


async def test_credentials_from_the_environment(tmp_path: Path) -> None:
    env = {"SERVICESTAGE_EMULATOR_TOKEN": TOKEN, "SERVICESTAGE_EMULATOR_AK": AK, "SERVICESTAGE_EMULATOR_SK": SK}
    process = start_emulator(["--port", "0"], tmp_path / "stderr.log", env=env)
    try:
        assert TOKEN not in " ".join(process.process.args)  # type: ignore[arg-type]
        outcomes = []
        for credentials in ({"HUAWEICLOUD_AUTH_TOKEN": TOKEN}, {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK},
                            {"HUAWEICLOUD_AUTH_TOKEN": "some-other-token"},
                            {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": "a-wrong-sk"}):
            async with await open_client(region="cn-north-4", file_endpoint=process.url, setting_endpoint=None,
                                         project_id=PROJECT, timeout=5, ca_bundle=None, env=credentials) as client:
                try:
                    outcomes.append(len(await client.list_authorizations()))
                except CloudError as err:
                    outcomes.append(err.code)
    finally:
        assert process.stop() == 0
    assert outcomes == [0, 0, "APIGW.0301", "APIGW.0301"]
    log = process.stderr()
    assert "(credentials required)" in log
    assert TOKEN not in log and SK not in log


async def test_the_command_line_wins_over_the_environment(tmp_path: Path) -> None:
    process = start_emulator(["--port", "0", "--token", "flag-token"], tmp_path / "stderr.log",
                             env={"SERVICESTAGE_EMULATOR_TOKEN": TOKEN})
    try:
        async with httpx.AsyncClient() as http:
            url = f"{process.url}/v1/{PROJECT}/git/auths"
            by_flag = await http.get(url, headers={"X-Auth-Token": "flag-token"})
            by_env = await http.get(url, headers={"X-Auth-Token": TOKEN})
    finally:
        assert process.stop() == 0
    assert (by_flag.status_code, by_env.status_code) == (200, 401)


@pytest.mark.parametrize("env", [{"SERVICESTAGE_EMULATOR_AK": AK}, {"SERVICESTAGE_EMULATOR_SK": SK}],
                         ids=["ak-only", "sk-only"])
def test_half_a_key_pair_from_the_environment_is_a_usage_error(env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "servicestage_ls", "emulator", "--port", "0"], check=False,
                            capture_output=True, text=True, timeout=30, env={**subprocess_env(), **env})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.endswith("servicestage-ls emulator: error: --ak and --sk go together (or "
                                  "SERVICESTAGE_EMULATOR_AK and SERVICESTAGE_EMULATOR_SK)\n")
    assert SK not in result.stderr
