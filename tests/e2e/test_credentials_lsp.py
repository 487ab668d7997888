"""Each kind of credential, end to end: the language server calls the real emulator signed with AK/SK, and with
an IAM user whose project-scoped token and project id come from the emulator's IAM — reached through the SDK's
per-region endpoint override variable, as a private deployment would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
from lsprotocol import types as lsp
import pytest

from helpers.cloud_lsp import API_TOKEN, CREATE, execute, lsp_env, start_session, stop_session
from helpers.cloud_servers import EmulatorProcess, start_emulator
from servicestage_ls.cloud.emulator import project_id_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

AK = "AKCREDENTIALTEST000001"
SK = "SKcredentialTestSecretKey0000000000000000"
IAM_PASSWORD = "iam-Pa55word-that-must-not-leak"
ENTRY = "  - name: {name}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n"
WRITTEN = "    repo_user: {name}\n    status: 0  # normal\n"


@pytest.fixture(scope="module")
def signing_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """An emulator that accepts only requests signed with AK/SK (no X-Auth-Token configured)."""
    process = start_emulator(["--port", "0", "--ak", AK, "--sk", SK],
                             tmp_path_factory.mktemp("emu-aksk") / "stderr.log")
    yield process
    assert process.stop() == 0
    assert SK not in process.stderr()


async def test_create_signed_with_ak_sk(signing_emulator: EmulatorProcess) -> None:
    env = lsp_env(credentials=False, extra={"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK})
    client = await start_session("visual-studio-code", env)
    try:
        uri = "file:///work/credentials/aksk.servicestage.yaml"
        before = (f"project_id: {'ab' * 16}\nendpoint: {signing_emulator.url}\nauthorizations:\n"
                  + ENTRY.format(name="signed-one"))
        client.open(uri, before)
        assert await execute(client, CREATE, {"uri": uri, "name": "signed-one"}) == {
            "created": ["signed-one"], "updated": [], "failed": [], "refused": []}
        assert client.text(uri) == before + WRITTEN.format(name="signed-one")
    finally:
        await stop_session(client, extra_secrets=[SK])


async def test_create_with_an_iam_user_and_the_region_override(emulator: EmulatorProcess,
                                                               tmp_path: Path) -> None:
    """No project_id in the file: it comes from IAM's project list for the region; the endpoint comes from
    HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4."""
    env = lsp_env(credentials=False, extra={
        "HUAWEICLOUD_IAM_USER": "alice", "HUAWEICLOUD_IAM_PASSWORD": IAM_PASSWORD,
        "HUAWEICLOUD_IAM_DOMAIN": "example-domain", "HUAWEICLOUD_SDK_IAM_ENDPOINT": emulator.url,
        "HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4": emulator.url,
    })
    client = await start_session("neovim", env)
    try:
        uri = "file:///work/credentials/iam.servicestage.yaml"
        before = "region: cn-north-4\nauthorizations:\n" + ENTRY.format(name="iam-user-one")
        client.open(uri, before)
        assert await execute(client, CREATE, {"uri": uri, "name": "iam-user-one"}) == {
            "created": ["iam-user-one"], "updated": [], "failed": [], "refused": []}
        assert client.text(uri) == before + WRITTEN.format(name="iam-user-one")
        # The editor's log says how the project id was found.
        assert (lsp.MessageType.Info, f"ServiceStage: project id {project_id_for('cn-north-4')}, looked up from IAM "
                "for region cn-north-4") in [(m.type, m.message) for m in client.log_messages]
    finally:
        await stop_session(client, extra_secrets=[IAM_PASSWORD])
    # It was created in the project that IAM's project list gives for the region.
    listed = httpx.get(f"{emulator.url}/v1/{project_id_for('cn-north-4')}/git/auths",
                       headers={"X-Auth-Token": API_TOKEN}, timeout=10)
    assert listed.status_code == 200
    assert "iam-user-one" in [a["name"] for a in listed.json()["authorizations"]]
