"""The life cycle knows the kinds, from a terminal against an emulator seeded with every kind: ``create`` of a
password entry (and why an OAuth entry is not), ``list`` with the kind and the tag."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, GITHUB_VALUE
from helpers.cloud_servers import EmulatorProcess, start_emulator, subprocess_env

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
PASSWORD_VALUE = "pw-SECRET-correct-horse"
NEW_PASSWORD_VALUE = "pw-SECRET-battery-staple"
SECRETS = (*ALL_SECRETS, PASSWORD_VALUE, NEW_PASSWORD_VALUE)
SEED = """\
password_rule: 'pw-.{8,}'
oauth_user: octo-tom
authorizations:
  - {name: web-frontend, repo_type: github, repo_user: tom-repo, update_time: 1700000000000}
  - {name: codehub-pw, repo_type: devcloud, token_type: password, repo_user: tom, status: 2,
     update_time: 1700000000000}
  - {name: gitee-oauth, repo_type: gitee, token_type: oauth, tag: intl, repo_user: octo, status: 1,
     update_time: 1700000000000}
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    folder = tmp_path_factory.mktemp("kinds-lifecycle")
    (folder / "seed.yaml").write_text(SEED, encoding="utf-8")
    process = start_emulator(["--port", "0", "--token", API_TOKEN, "--seed", str(folder / "seed.yaml")],
                             folder / "stderr.log")
    yield process
    assert process.stop() == 0


@dataclass
class Run:
    code: int
    out: str
    err: str


def cli(*args: str, env: dict[str, str] | None = None) -> Run:
    environment = subprocess_env()
    environment.update({"GITHUB_TOKEN": GITHUB_VALUE, "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN,
                        "DEVCLOUD_PASSWORD": PASSWORD_VALUE, **(env or {})})
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
    done = subprocess.run([*command, *args], capture_output=True, text=True, env=environment, timeout=DEADLINE,
                          stdin=subprocess.DEVNULL)
    for secret in SECRETS:
        assert secret not in done.stdout and secret not in done.stderr, "a secret value reached the output"
    return Run(done.returncode, done.stdout, done.stderr)


def write_file(tmp_path: Path, emulator: EmulatorProcess, body: str, project: str | None = None) -> Path:
    path = tmp_path / "team.servicestage.yaml"
    path.write_text(f"project_id: {project or uuid.uuid4().hex}\nendpoint: {emulator.url}\nauthorizations:\n{body}",
                    encoding="utf-8")
    return path


PASSWORD_ENTRY = ("  - name: codearts-main\n    kind: password\n    repo_type: devcloud\n"
                  "    user: my-domain/tom\n    password: ${DEVCLOUD_PASSWORD}\n")
OAUTH_ENTRY = "  - name: octo-oauth\n    kind: oauth\n    repo_type: github\n"


def test_create_a_password_entry_and_refuse_an_oauth_one(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, PASSWORD_ENTRY + OAUTH_ENTRY)
    run = cli("create", str(path), "--dry-run")
    project = path.read_text(encoding="utf-8").split("\n")[0].removeprefix("project_id: ")
    assert run.out.splitlines()[4:] == [
        "  would create 'codearts-main' (devcloud, user my-domain/tom) with the password from ${DEVCLOUD_PASSWORD}: "
        f"POST {seeded.url}/v1/{project}/git/auths/devcloud/password"]
    run = cli("create", str(path))
    assert run.code == 1  # the OAuth entry is skipped
    assert f"{path}: created 'codearts-main': repo_user tom, status 0 (normal)\n" in run.out
    assert run.err == (f"{path}: skipped 'octo-oauth': it is an OAuth entry: it is authorized in the browser, not "
                       "created from a secret; run `servicestage-ls authorize FILE --name octo-oauth`\n")
    assert "    password: ${DEVCLOUD_PASSWORD}\n    repo_user: tom\n    status: 0  # normal\n" in path.read_text(
        encoding="utf-8")


def test_a_password_the_repository_refuses_is_said_without_it(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, PASSWORD_ENTRY)
    run = cli("create", str(path), env={"DEVCLOUD_PASSWORD": "short"})
    assert run.code == 1
    assert "creating 'codearts-main' failed: " in run.err and "SVCSTG.REPO.0451" in run.err
    assert "short" not in run.err


def test_list_shows_the_kind_and_the_tag(tmp_path: Path, seeded: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    run = cli("list", "--endpoint", seeded.url, "--project-id", project)
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"ServiceStage project {project} at {seeded.url}: 3 authorizations",
        "NAME          KIND      REPO_TYPE  REPO_USER  STATUS                      TAG   UPDATED",
        "web-frontend  personal  github     tom-repo   status 0 (normal)           -     2023-11-14 22:13:20 UTC",
        "codehub-pw    password  devcloud   tom        status 2 (unauthenticated)  -     2023-11-14 22:13:20 UTC",
        "gitee-oauth   oauth     gitee      octo       status 1 (overdue)          intl  2023-11-14 22:13:20 UTC",
    ]
    run = cli("list", "--endpoint", seeded.url, "--project-id", project, "--format", "json")
    assert [(a["name"], a["token_type"], a["tag"]) for a in json.loads(run.out)["authorizations"]] == [
        ("web-frontend", "personal", None), ("codehub-pw", "password", None), ("gitee-oauth", "oauth", "intl")]
