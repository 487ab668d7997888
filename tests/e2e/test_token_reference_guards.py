"""Issue 18 item 2 from a terminal: a file may not send a cloud credential as a repository's secret — not by naming
a credential variable, not by a variable that holds a credential's value, not through a malformed reference sent as
a literal — on any command that sends (create, apply, apply --rotate). Nothing reaches the emulator."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpers.cloud_lsp import API_TOKEN, GITHUB_VALUE
from helpers.cloud_servers import EmulatorProcess, start_emulator, subprocess_env

DEADLINE = 60.0
SEED = """\
authorizations:
  - {name: payments-api, repo_type: github, repo_user: pay-org, status: 1, update_time: 1710000000000}
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    folder = tmp_path_factory.mktemp("seeded")
    (folder / "seed.yaml").write_text(SEED, encoding="utf-8")
    process = start_emulator(["--port", "0", "--seed", str(folder / "seed.yaml")], folder / "stderr.log",
                             env={"SERVICESTAGE_EMULATOR_TOKEN": API_TOKEN})
    yield process
    assert process.stop() == 0


def cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    environment = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE, **env}
    done = subprocess.run([sys.executable, "-m", "servicestage_ls", *args], capture_output=True, text=True,
                          env=environment, timeout=DEADLINE, stdin=subprocess.DEVNULL)
    for secret in (API_TOKEN, GITHUB_VALUE):
        assert secret not in done.stdout + done.stderr
    return done.returncode, done.stdout, done.stderr


def remote(emulator: EmulatorProcess, project: str) -> dict[str, tuple[int, int]]:
    answer = httpx.get(f"{emulator.url}/v1/{project}/git/auths", headers={"X-Auth-Token": API_TOKEN},
                       trust_env=False)
    assert answer.status_code == 200
    return {item["name"]: (item["status"], item["update_time"]) for item in answer.json()["authorizations"]}


def file_with(tmp_path: Path, emulator: EmulatorProcess, token: str, name: str = "web-frontend") -> tuple[Path, str]:
    project = uuid.uuid4().hex
    path = tmp_path / "team.servicestage.yaml"
    path.write_text(f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n"
                    f"  - name: {name}\n    repo_type: github\n    token: {token}\n", encoding="utf-8")
    return path, project


SEEDED = {"payments-api": (1, 1710000000000)}
SS144 = ("it has errors, fix them first: SS144 `${HUAWEICLOUD_AUTH_TOKEN}` is a cloud credential variable, not a "
         "repository token: it is never sent; put the token in a variable such as `GITHUB_TOKEN` and write "
         "`${GITHUB_TOKEN}`")
IN_USE = ("the token (${VARIABLE}) is one of the cloud credentials in use (an AK, SK, security token, X-Auth-Token or "
          "password); it is never sent (nothing was sent)")
MALFORMED = "the token reference is malformed; write it as ${NAME} (${GITHUB_TOKEN}?) (nothing was sent)"
APPLIED = "{path}: not done: delete 'payments-api' (needs --prune)\n{path}: apply: 0 done, 1 skipped ({why}web-frontend), 1 not done\n"


@pytest.mark.parametrize(("token", "env", "reason"), [
    ("${HUAWEICLOUD_AUTH_TOKEN}", {}, SS144),
    ("${DEPLOY_TOKEN}", {"DEPLOY_TOKEN": API_TOKEN}, IN_USE.replace("VARIABLE", "DEPLOY_TOKEN")),
    ("$GITHUB_TOKEN", {}, MALFORMED),
], ids=["credential-variable", "credential-value", "malformed"])
@pytest.mark.parametrize("command", [("create",), ("apply", "--yes")], ids=["create", "apply"])
def test_nothing_is_sent(tmp_path: Path, seeded: EmulatorProcess, command: tuple[str, ...], token: str,
                         env: dict[str, str], reason: str) -> None:
    path, project = file_with(tmp_path, seeded, token)
    code, out, err = cli(command[0], str(path), *command[1:], env=env)
    assert (code, err) == (1, f"{path}: skipped 'web-frontend': {reason}\n")
    why = "has errors: " if reason == SS144 else ""
    assert out == ("" if command[0] == "create" else APPLIED.format(path=path, why=why))
    assert remote(seeded, project) == SEEDED


def test_rotate_never_sends_a_credentials_value(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, "${PAYMENTS_TOKEN}", name="payments-api")
    code, out, err = cli("apply", str(path), "--rotate", "--yes", env={"PAYMENTS_TOKEN": API_TOKEN})
    assert (code, out) == (1, f"{path}: apply: 0 done, 1 skipped (payments-api)\n")
    assert err == f"{path}: skipped 'payments-api': {IN_USE.replace('VARIABLE', 'PAYMENTS_TOKEN')}\n"
    assert remote(seeded, project) == SEEDED  # neither deleted nor created again
