"""The kinds from a terminal: ``servicestage-ls test`` (the namespaces an authorization sees) as subprocesses against
an emulator seeded with every kind."""

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
SEED = """\
password_rule: 'pw-.{8,}'
oauth_user: octo-tom
authorizations:
  - {name: web-frontend, repo_type: github, repo_user: tom-repo, namespaces: [tom-repo, acme, acme-labs]}
  - {name: many-orgs, repo_type: github, repo_user: tom, namespaces: [o1, o2, o3, o4, o5, o6, o7]}
  - {name: payments-api, repo_type: github, repo_user: pay-org, status: 1}
  - {name: codehub-pw, repo_type: devcloud, token_type: password, repo_user: tom, status: 2}
  - {name: gitee-oauth, repo_type: gitee, token_type: oauth, tag: intl, status: 1}
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    folder = tmp_path_factory.mktemp("kinds")
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


def cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Run:
    environment = subprocess_env()
    environment.update({"GITHUB_TOKEN": GITHUB_VALUE, "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, **(env or {})})
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
    done = subprocess.run([*command, *args], capture_output=True, text=True, env=environment, timeout=DEADLINE,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL)
    for secret in ALL_SECRETS:
        assert secret not in done.stdout and secret not in done.stderr, "a secret value reached the output"
    return Run(done.returncode, done.stdout, done.stderr)


def write_file(tmp_path: Path, emulator: EmulatorProcess, body: str) -> Path:
    path = tmp_path / "team.servicestage.yaml"
    path.write_text(f"project_id: {uuid.uuid4().hex}\nendpoint: {emulator.url}\nauthorizations:\n{body}",
                    encoding="utf-8")
    return path


ENTRIES = """\
  - name: web-frontend
    repo_type: github
    token: ${GITHUB_TOKEN}
    repo_user: tom-repo
    status: 0
  - name: many-orgs
    repo_type: github
    token: ${GITHUB_TOKEN}
  - name: payments-api
    repo_type: github
    token: ${GITHUB_TOKEN}
  - name: not-created
    repo_type: github
    token: ${GITHUB_TOKEN}
"""


def test_test_says_what_each_authorization_sees_or_why_not(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, ENTRIES)
    run = cli("test", str(path))
    assert run.code == 1
    assert run.out == (
        f"{path}: ✓ web-frontend sees 3 namespaces: tom-repo, acme, acme-labs\n"
        f"{path}: ✓ many-orgs sees 7 namespaces: o1, o2, o3, o4, o5 and 2 more\n"
        f"{path}: 2 of 4 authorizations work\n")
    assert run.err == (
        f"{path}: ✗ payments-api: the repository no longer accepts this authorization, it expired or was revoked "
        f"(SVCSTG.REPO.0451) — rotate its token: set a new one, then `servicestage-ls apply {path} --rotate`\n"
        f"{path}: ✗ not-created: ServiceStage has no authorization of this name (SVCSTG.REPO.0450) — create it: "
        f"`servicestage-ls create {path} --name not-created`\n")


def test_test_by_name_and_as_json(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, ENTRIES)
    one = cli("test", str(path), "--name", "web-frontend")
    assert (one.code, one.out, one.err) == (0, f"{path}: ✓ web-frontend sees 3 namespaces: tom-repo, acme, "
                                                "acme-labs\n", "")
    as_json = cli("test", str(path), "--name", "web-frontend", "--name", "payments-api", "--format", "json")
    assert (as_json.code, as_json.err) == (1, "")
    results = json.loads(as_json.out)["results"]
    assert [(r["name"], r["kind"], r["ok"], r["namespaces"], r["code"]) for r in results] == [
        ("web-frontend", "personal", True, ["tom-repo", "acme", "acme-labs"], None),
        ("payments-api", "personal", False, None, "SVCSTG.REPO.0451")]


def test_test_gives_each_kind_its_own_fix(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, """\
  - name: codehub-pw
    kind: password
    repo_type: devcloud
    user: acme/tom
    password: ${CODEHUB_PASSWORD}
  - name: gitee-oauth
    kind: oauth
    repo_type: gitee
""")
    run = cli("test", str(path), "--name", "codehub-pw", "--name", "gitee-oauth")
    assert (run.code, run.out) == (1, f"{path}: 0 of 2 authorizations work\n")
    assert run.err.splitlines() == [
        f"{path}: ✗ codehub-pw: the repository no longer accepts this authorization, it expired or was revoked "
        f"(SVCSTG.REPO.0451) — rotate its password: set a new one, then `servicestage-ls apply {path} --rotate`",
        f"{path}: ✗ gitee-oauth: the repository no longer accepts this authorization, it expired or was revoked "
        f"(SVCSTG.REPO.0451) — authorize it again: `servicestage-ls authorize {path} --name gitee-oauth`"]


def test_test_refuses_what_it_cannot_do(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, ENTRIES)
    unknown = cli("test", str(path), "--name", "nope")
    assert (unknown.code, unknown.out) == (2, "")
    assert unknown.err == (f"{path}: error: there is no entry named 'nope' in the file (its entries: web-frontend, "
                           "many-orgs, payments-api, not-created)\n")
    anonymous = cli("test", str(path), env={"HUAWEICLOUD_AUTH_TOKEN": ""})
    assert anonymous.code == 2 and anonymous.err.startswith(f"{path}: error: ")
    empty = write_file(tmp_path, seeded, "")
    nothing = cli("test", str(empty))
    assert (nothing.code, nothing.err) == (2, f"{empty}: error: the file has no entry to test\n")
