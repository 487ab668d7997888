"""The life cycle knows the kinds, from a terminal against an emulator seeded with every kind: ``create`` of a
password entry (and why an OAuth entry is not), ``list`` with the kind and the tag."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, GITHUB_VALUE
from helpers.cloud_servers import EmulatorProcess, Run, seeded_emulator, subprocess_env

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
    yield from seeded_emulator(tmp_path_factory.mktemp("kinds-lifecycle"), SEED, API_TOKEN)


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


PLANNED = ("  - name: web-frontend\n    kind: oauth\n    repo_type: github\n    repo_user: tom-repo\n    status: 0\n"
           "  - name: codehub-pw\n    kind: password\n    repo_type: devcloud\n    user: my-domain/tom\n"
           "    password: ${DEVCLOUD_PASSWORD}\n    repo_user: tom\n    status: 2\n"
           "  - name: gitee-oauth\n    kind: oauth\n    repo_type: gitee\n    tag: intl\n    repo_user: octo\n"
           "    status: 1\n")


def test_plan_compares_kinds_and_apply_renews_each_kind_its_way(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, PLANNED)
    run = cli("plan", str(path), "--format", "json")
    assert (run.code, run.err) == (0, "")
    assert json.loads(run.out)["changes"] == [
        {"name": "web-frontend", "action": "replace", "kind": "oauth",
         "reason": "kind is personal in ServiceStage, oauth in the file: delete it, then authorize it again in the "
                   "browser (apply does not)"},
        {"name": "codehub-pw", "action": "rotate", "kind": "password",
         "reason": "ServiceStage reports status 2 (unauthenticated): the password must be replaced"},
        {"name": "gitee-oauth", "action": "rotate", "kind": "oauth",
         "reason": "ServiceStage reports status 1 (overdue): authorize it again in the browser (apply does not "
                   "rotate an OAuth authorization)"},
    ]
    run = cli("apply", str(path), "--rotate", "--yes", env={"DEVCLOUD_PASSWORD": NEW_PASSWORD_VALUE})
    assert f"{path}: rotated the password of 'codehub-pw': repo_user tom, status 0 (normal)\n" in run.out
    assert (f"{path}: not done: rotate 'gitee-oauth': an OAuth authorization is renewed by authorizing it again in "
            "the browser; run `servicestage-ls authorize FILE --name gitee-oauth`\n") in run.err
    text = path.read_text(encoding="utf-8")
    assert "    password: ${DEVCLOUD_PASSWORD}\n    repo_user: tom\n    status: 0  # normal\n" in text
    project = text.split("\n")[0].removeprefix("project_id: ")
    listed = json.loads(cli("list", "--endpoint", seeded.url, "--project-id", project, "--format", "json").out)
    assert [(a["name"], a["token_type"], a["status"]) for a in listed["authorizations"]] == [
        ("web-frontend", "personal", 0), ("gitee-oauth", "oauth", 1), ("codehub-pw", "password", 0)]


def test_a_new_password_the_repository_refuses_changes_nothing(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, PLANNED)
    before = path.read_text(encoding="utf-8")
    run = cli("apply", str(path), "--rotate", "--yes", env={"DEVCLOUD_PASSWORD": "short"})
    assert run.code == 1
    assert (f"{path}: rotating the password of 'codehub-pw' failed: the probe authorization 'codehub-pw.probe-"
            in run.err)
    assert "that proves the password from ${DEVCLOUD_PASSWORD} was not created: " in run.err
    assert "short" not in run.err and path.read_text(encoding="utf-8") == before
    project = before.split("\n")[0].removeprefix("project_id: ")
    listed = json.loads(cli("list", "--endpoint", seeded.url, "--project-id", project, "--format", "json").out)
    assert [(a["name"], a["status"]) for a in listed["authorizations"]] == [
        ("web-frontend", 0), ("codehub-pw", 2), ("gitee-oauth", 1)]


def test_import_writes_each_kinds_entry(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = tmp_path / "imported.servicestage.yaml"
    project = uuid.uuid4().hex
    run = cli("import", "-o", str(path), "--endpoint", seeded.url, "--project-id", project)
    assert (run.code, run.err) == (0, "")
    assert run.out == (
        f"{path}: imported 'web-frontend', 'codehub-pw', 'gitee-oauth'; their secrets are read from "
        "WEB_FRONTEND_TOKEN, CODEHUB_PW_PASSWORD when they are created again or rotated (set them in the environment "
        "first); 'gitee-oauth' is OAuth: renewed by authorizing in the browser, no secret in the file; write the "
        "`user` of 'codehub-pw' (`{domain name}/{tenant name}`): ServiceStage does not report it\n")
    assert path.read_text(encoding="utf-8") == (
        f"project_id: {project}\nendpoint: {seeded.url}\nauthorizations:\n"
        "  - name: web-frontend\n    repo_type: github\n    token: ${WEB_FRONTEND_TOKEN}\n"
        "    host: https://github.com/tom-repo\n    repo_user: tom-repo\n    status: 0  # normal\n"
        "  - name: codehub-pw\n    kind: password\n    repo_type: devcloud\n    password: ${CODEHUB_PW_PASSWORD}\n"
        "    repo_user: tom\n    status: 2  # unauthenticated\n"
        "  - name: gitee-oauth\n    kind: oauth\n    repo_type: gitee\n    tag: intl\n    repo_user: octo\n"
        "    status: 1  # overdue\n")
