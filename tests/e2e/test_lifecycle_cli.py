"""The life cycle from a terminal: ``list``, ``refresh``, ``plan``, ``apply``, ``import``, ``delete`` as
subprocesses against an emulator seeded with overdue, unauthenticated and remote-only authorizations."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpers.cloud_lsp import (
    ALL_SECRETS,
    API_TOKEN,
    BAD_TOKEN_VALUE,
    GITHUB_VALUE,
    GITLAB_VALUE,
    REVOKED_VALUE,
    closed_port,
)
from helpers.cloud_servers import EmulatorProcess, Run, seeded_emulator, start_emulator, subprocess_env

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
SEED = f"""\
# every project of this emulator starts with these
authorizations:
  - {{name: payments-api, repo_type: github, repo_user: pay-org, status: 1, host: https://github.com/pay-org,
     create_time: 1700000000000, update_time: 1710000000000}}
  - {{name: legacy-ci, repo_type: gitlab, repo_user: ci-bot, status: 0, update_time: 1700000000000}}
  - {{name: web-frontend, repo_type: github, repo_user: web-org, status: 0, update_time: 1700000000000}}
  - {{name: unauth-app, repo_type: github, repo_user: app-org, status: 2, update_time: 1700000000000}}
# the provider refuses this one (revoked), though it has a GitHub token's shape
rejected_tokens: [{REVOKED_VALUE}]
"""
#: The token values the imported entries' variables hold (the emulator accepts them).
IMPORTED_ENV = {"PAYMENTS_API_TOKEN": GITHUB_VALUE, "LEGACY_CI_TOKEN": GITLAB_VALUE,
                "WEB_FRONTEND_TOKEN": GITHUB_VALUE, "UNAUTH_APP_TOKEN": GITHUB_VALUE}

PROBED = re.compile(
    r"(?P<lead>.*)rotating the token of 'payments-api' failed: the probe authorization 'payments-api\.probe-[0-9a-f]{6}'"
    r" that proves the token from \$\{REVOKED_TOKEN\} was not created: ServiceStage refused the request: "
    r"SVCSTG\.REPO\.0451 repository authorization invalid: github refused the token \(revoked or expired\) \(HTTP 400, "
    r"request id [0-9a-f]{32}\) — authorize again \(token rejected/expired\); nothing was changed")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    yield from seeded_emulator(tmp_path_factory.mktemp("seeded"), SEED, API_TOKEN)


def cli(*args: str, env: dict[str, str] | None = None, credentials: bool = True, unset: tuple[str, ...] = ()) -> Run:
    environment = subprocess_env()
    environment.update({"GITHUB_TOKEN": GITHUB_VALUE, "BAD_TOKEN": BAD_TOKEN_VALUE, "REVOKED_TOKEN": REVOKED_VALUE,
                        **IMPORTED_ENV, **(env or {})})
    for name in unset:
        environment.pop(name, None)
    if credentials:
        environment["HUAWEICLOUD_AUTH_TOKEN"] = API_TOKEN
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
    done = subprocess.run([*command, *args], capture_output=True, text=True, env=environment, timeout=DEADLINE,
                          stdin=subprocess.DEVNULL)
    for secret in ALL_SECRETS:
        assert secret not in done.stdout and secret not in done.stderr, "a secret value reached the output"
    return Run(done.returncode, done.stdout, done.stderr)


def remote(emulator: EmulatorProcess, project: str) -> dict[str, int]:
    answer = httpx.get(f"{emulator.url}/v1/{project}/git/auths", headers={"X-Auth-Token": API_TOKEN},
                       trust_env=False)
    assert answer.status_code == 200
    return {item["name"]: item["status"] for item in answer.json()["authorizations"]}


def changes(path: Path) -> list[tuple[str, str]]:
    run = cli("plan", str(path), "--format", "json")
    assert (run.code, run.err) == (0, "")
    return [(c["name"], c["action"]) for c in json.loads(run.out)["changes"]]


def entry(name: str, extra: str = "", token: str = "${GITHUB_TOKEN}") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: {token}\n{extra}"


def file_with(tmp_path: Path, emulator: EmulatorProcess, body: str) -> tuple[Path, str]:
    project = uuid.uuid4().hex
    path = tmp_path / "team.servicestage.yaml"
    path.write_text(f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n{body}", encoding="utf-8")
    return path, project


def test_import_rotate_prune_then_the_plan_shows_only_none(tmp_path: Path, seeded: EmulatorProcess) -> None:
    """The issue's "done when": import an existing project, rotate, prune one; the plan is then all `none`."""
    project = uuid.uuid4().hex
    path = tmp_path / "team.servicestage.yaml"
    run = cli("import", "-o", str(path), "--endpoint", seeded.url, "--project-id", project)
    assert (run.code, run.err) == (0, "")
    assert run.out == (f"{path}: imported 'payments-api', 'legacy-ci', 'web-frontend', 'unauth-app'; their tokens "
                       "are read from PAYMENTS_API_TOKEN, LEGACY_CI_TOKEN, WEB_FRONTEND_TOKEN, UNAUTH_APP_TOKEN when "
                       "they are created again or rotated (set them in the environment first)\n")
    imported = path.read_text(encoding="utf-8")
    assert imported == (
        f"project_id: {project}\nendpoint: {seeded.url}\nauthorizations:\n"
        "  - name: payments-api\n    repo_type: github\n    token: ${PAYMENTS_API_TOKEN}\n"
        "    host: https://github.com/pay-org\n    repo_user: pay-org\n    status: 1  # overdue\n"
        "  - name: legacy-ci\n    repo_type: gitlab\n    token: ${LEGACY_CI_TOKEN}\n"
        "    host: https://gitlab.com/ci-bot\n    repo_user: ci-bot\n    status: 0  # normal\n"
        "  - name: web-frontend\n    repo_type: github\n    token: ${WEB_FRONTEND_TOKEN}\n"
        "    host: https://github.com/web-org\n    repo_user: web-org\n    status: 0  # normal\n"
        "  - name: unauth-app\n    repo_type: github\n    token: ${UNAUTH_APP_TOKEN}\n"
        "    host: https://github.com/app-org\n    repo_user: app-org\n    status: 2  # unauthenticated\n")
    checked = cli("check", str(path), unset=tuple(IMPORTED_ENV))
    assert checked.code == 0
    assert {line.split()[2] for line in checked.out.splitlines()[:-1]} == {"SS160"}  # unset variables: CI's business
    checked = cli("check", "--check-env", str(path), unset=tuple(IMPORTED_ENV))
    assert {line.split()[2] for line in checked.out.splitlines()[:-1]} == {"SS142", "SS160"}

    assert changes(path) == [("payments-api", "rotate"), ("legacy-ci", "none"), ("web-frontend", "none"),
                             ("unauth-app", "rotate")]
    run = cli("apply", str(path), "--rotate", "--yes")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: rotated the token of 'payments-api': repo_user pay-org, status 0 (normal)",
        f"{path}: rotated the token of 'unauth-app': repo_user app-org, status 0 (normal)",
        f"{path}: apply: 2 done",
    ]
    assert path.read_text(encoding="utf-8") == imported.replace("status: 1  # overdue", "status: 0  # normal") \
        .replace("status: 2  # unauthenticated", "status: 0  # normal")

    # Prune one: the file no longer wants legacy-ci.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  - name: legacy-ci\n")
    path.write_text("".join(lines[:start] + lines[start + 6:]), encoding="utf-8")
    assert changes(path) == [("payments-api", "none"), ("web-frontend", "none"), ("unauth-app", "none"),
                             ("legacy-ci", "delete")]
    run = cli("apply", str(path), "--prune", "--yes")
    assert (run.code, run.out, run.err) == (0, f"{path}: deleted 'legacy-ci' from ServiceStage\n"
                                               f"{path}: apply: 1 done\n", "")
    assert remote(seeded, project) == {"payments-api": 0, "web-frontend": 0, "unauth-app": 0}
    run = cli("plan", str(path), "--detailed-exitcode")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines()[-1] == "No changes: the file and ServiceStage agree (3 up to date)."


def test_plan_text_json_and_detailed_exit_code(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("payments-api", "    repo_user: pay-org\n    status: 0\n")
                              + entry("web-frontend") + entry("new-one"))
    before = path.read_bytes()
    run = cli("plan", str(path))
    assert (run.code, run.err) == (0, "")
    assert run.out == (
        f"ServiceStage project {project} at {seeded.url}\n\n"
        "  ± payments-api  rotate       ServiceStage reports status 1 (overdue): the token must be replaced\n"
        "  ~ web-frontend  update-file  repo_user is web-org in ServiceStage, missing in the file; ServiceStage "
        "reports status 0 (normal), the file says no status\n"
        "  + new-one       create       in the file, not in ServiceStage\n"
        "  - legacy-ci     delete       in ServiceStage, not in the file\n"
        "  - unauth-app    delete       in ServiceStage, not in the file\n\n"
        "Plan: 1 create, 1 update-file, 1 rotate, 2 delete (0 up to date).\n"
        "`apply --rotate` rotates tokens: it proves the new token with a probe authorization, deletes "
        "each authorization and creates it again.\n"
        "`apply --prune` deletes what the file does not have; `import` adds it to the file instead.\n")
    run = cli("plan", str(path), "--format", "json", "--detailed-exitcode")
    assert (run.code, run.err) == (3, "")
    assert json.loads(run.out) == {"project_id": project, "endpoint": seeded.url, "changes": [
        {"name": "payments-api", "action": "rotate", "kind": "personal",
         "reason": "ServiceStage reports status 1 (overdue): the token must be replaced"},
        {"name": "web-frontend", "action": "update-file", "kind": "personal",
         "reason": "repo_user is web-org in ServiceStage, missing in the file; ServiceStage reports status 0 "
                   "(normal), the file says no status"},
        {"name": "new-one", "action": "create", "kind": "personal", "reason": "in the file, not in ServiceStage"},
        {"name": "legacy-ci", "action": "delete", "kind": "personal", "reason": "in ServiceStage, not in the file"},
        {"name": "unauth-app", "action": "delete", "kind": "personal", "reason": "in ServiceStage, not in the file"},
    ]}
    run = cli("apply", str(path), "--dry-run", "--rotate", "--prune")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines()[-1] == f"{path}: dry run: nothing was changed"
    assert path.read_bytes() == before
    assert remote(seeded, project) == {"payments-api": 1, "legacy-ci": 0, "web-frontend": 0, "unauth-app": 2}


def test_apply_does_creates_and_updates_and_leaves_the_destructive_ones(tmp_path: Path,
                                                                       seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("payments-api", "    repo_user: pay-org\n    status: 1\n")
                              + entry("web-frontend") + entry("new-one"))
    run = cli("apply", str(path))
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: updated 'web-frontend' in the file: repo_user web-org, status 0 (normal)",
        f"{path}: created 'new-one': repo_user new-one, status 0 (normal)",
        f"{path}: not done: rotate 'payments-api' (needs --rotate)",
        f"{path}: not done: delete 'legacy-ci' (needs --prune)",
        f"{path}: not done: delete 'unauth-app' (needs --prune)",
        f"{path}: apply: 2 done, 3 not done",
    ]
    assert path.read_text(encoding="utf-8").endswith(
        entry("web-frontend", "    repo_user: web-org\n    status: 0  # normal\n")
        + entry("new-one", "    repo_user: new-one\n    status: 0  # normal\n"))
    assert remote(seeded, project)["new-one"] == 0


def test_destructive_apply_without_a_terminal_or_yes_does_nothing(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("payments-api", "    repo_user: pay-org\n    status: 1\n")
                              + entry("new-one"))
    before = path.read_bytes()
    run = cli("apply", str(path), "--rotate", "--prune")
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"{path}: error: rotate 'payments-api', delete 'legacy-ci', delete 'web-frontend', delete "
                       "'unauth-app' cannot be undone: pass --yes, or run the command in a terminal to be asked; "
                       "nothing was changed\n")
    run = cli("delete", str(path), "--name", "payments-api")
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"{path}: error: delete 'payments-api' cannot be undone: pass --yes, or run the command in a "
                       "terminal to be asked; nothing was changed\n")
    assert path.read_bytes() == before
    assert remote(seeded, project) == {"payments-api": 1, "legacy-ci": 0, "web-frontend": 0, "unauth-app": 2}


def remote_items(emulator: EmulatorProcess, project: str) -> dict[str, tuple[str, str, int]]:
    """name → (repo_type, repo_home, status) as the emulator has them."""
    answer = httpx.get(f"{emulator.url}/v1/{project}/git/auths", headers={"X-Auth-Token": API_TOKEN},
                       trust_env=False)
    assert answer.status_code == 200
    return {i["name"]: (i["repo_type"], i["repo_home"], i["status"]) for i in answer.json()["authorizations"]}


def test_a_rotation_proves_the_new_token_before_deleting(tmp_path: Path, seeded: EmulatorProcess) -> None:
    """A revoked token (a GitHub token's shape; the provider refuses it) fails on the probe: nothing changed, no
    probe left; a token of the wrong shape is not even sent."""
    payments = entry("payments-api", "    host: https://github.com/pay-org\n    repo_user: pay-org\n    status: 1\n",
                     token="${REVOKED_TOKEN}")
    path, project = file_with(tmp_path, seeded, payments)
    before = path.read_bytes()
    run = cli("apply", str(path), "--rotate", "--yes")
    assert run.code == 1
    [line] = run.err.splitlines()
    match = PROBED.fullmatch(line)
    assert match is not None and match["lead"] == f"{path}: ", line
    assert run.out.splitlines()[-1] == f"{path}: apply: 0 done, 1 failed (payments-api), 3 not done"
    assert path.read_bytes() == before
    assert remote(seeded, project) == {"payments-api": 1, "legacy-ci": 0, "web-frontend": 0, "unauth-app": 2}

    path.write_text(before.decode().replace("${REVOKED_TOKEN}", "${BAD_TOKEN}"), encoding="utf-8")
    run = cli("apply", str(path), "--rotate", "--yes")
    assert run.code == 1
    assert run.err == (f"{path}: rotating the token of 'payments-api' failed: the token from ${{BAD_TOKEN}} does not "
                       "look like a github token: a GitHub token starts with `ghp_` (classic) or `github_pat_` "
                       "(fine-grained); nothing was sent\n")
    assert remote(seeded, project) == {"payments-api": 1, "legacy-ci": 0, "web-frontend": 0, "unauth-app": 2}


def test_a_leftover_probe_is_planned_as_such_and_apply_deletes_it(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("web-frontend", "    repo_user: web-org\n    status: 0\n"))
    made = httpx.post(f"{seeded.url}/v1/{project}/git/auths/github/personal", trust_env=False,
                      headers={"X-Auth-Token": API_TOKEN},
                      json={"name": "web-frontend.probe-0a1b2c", "token": GITHUB_VALUE})  # a killed rotation's
    assert made.status_code == 200
    run = cli("plan", str(path), "--format", "json")
    assert json.loads(run.out)["changes"][-1] == {
        "name": "web-frontend.probe-0a1b2c", "action": "delete", "kind": "personal",
        "reason": "a leftover probe of 'web-frontend' (a rotation or replace was interrupted): `apply` deletes it"}
    run = cli("apply", str(path))
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: deleted 'web-frontend.probe-0a1b2c' from ServiceStage",
        f"{path}: not done: delete 'payments-api' (needs --prune)",
        f"{path}: not done: delete 'legacy-ci' (needs --prune)",
        f"{path}: not done: delete 'unauth-app' (needs --prune)",
        f"{path}: apply: 1 done, 3 not done",
    ]
    assert "web-frontend.probe-0a1b2c" not in remote(seeded, project)


def test_a_differing_repo_type_or_owner_is_replaced_only_when_asked(tmp_path: Path, seeded: EmulatorProcess) -> None:
    """ServiceStage has legacy-ci as gitlab, the file says github; payments-api's owner is pay-org there, new-org in
    the file: both are `replace`, counted by --detailed-exitcode, done only with --replace (and a yes)."""
    body = (entry("legacy-ci", "    repo_user: ci-bot\n    status: 0\n")
            + entry("payments-api", "    host: https://github.com/new-org\n    repo_user: pay-org\n    status: 1\n")
            + entry("web-frontend", "    repo_user: web-org\n    status: 0\n")
            + entry("unauth-app", "    repo_user: app-org\n    status: 2\n"))
    path, project = file_with(tmp_path, seeded, body)
    run = cli("plan", str(path), "--format", "json", "--detailed-exitcode")
    assert (run.code, run.err) == (3, "")
    assert json.loads(run.out)["changes"][:2] == [
        {"name": "legacy-ci", "action": "replace", "kind": "personal",
         "reason": "repo_type is gitlab in ServiceStage, github in the file: it is deleted and created again with the "
                   "file's token, proven first"},
        {"name": "payments-api", "action": "replace", "kind": "personal",
         "reason": "host is https://github.com/new-org in the file, ServiceStage's repo_home is "
                   "https://github.com/pay-org: it is deleted and created again with the file's token, proven first"}]
    run = cli("refresh", str(path))
    assert (run.code, run.err) == (0, "")
    assert run.out == (f"{path}: repo_user and status are up to date; to replace: 'legacy-ci' (repo_type is gitlab in "
                       "ServiceStage, github in the file), 'payments-api' (host is https://github.com/new-org in the "
                       "file, ServiceStage's repo_home is https://github.com/pay-org) — `servicestage-ls apply "
                       "--replace` replaces them\n")
    run = cli("apply", str(path))
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: not done: replace 'legacy-ci' (needs --replace)",
        f"{path}: not done: replace 'payments-api' (needs --replace)",
        f"{path}: not done: rotate 'unauth-app' (needs --rotate)",
        f"{path}: apply: 0 done, 3 not done",
    ]
    run = cli("apply", str(path), "--replace")
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"{path}: error: replace 'legacy-ci', replace 'payments-api' cannot be undone: pass --yes, or "
                       "run the command in a terminal to be asked; nothing was changed\n")
    run = cli("apply", str(path), "--replace", "--yes")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: replaced 'legacy-ci': repo_user legacy-ci, status 0 (normal)",
        f"{path}: replaced 'payments-api': repo_user new-org, status 0 (normal)",
        f"{path}: not done: rotate 'unauth-app' (needs --rotate)",
        f"{path}: apply: 2 done, 1 not done",
    ]
    assert remote_items(seeded, project) == {
        "legacy-ci": ("github", "https://github.com/legacy-ci", 0),
        "payments-api": ("github", "https://github.com/new-org", 0),
        "web-frontend": ("github", "https://github.com/web-org", 0),
        "unauth-app": ("github", "https://github.com/app-org", 2)}
    assert path.read_text(encoding="utf-8").startswith(
        f"project_id: {project}\nendpoint: {seeded.url}\nauthorizations:\n"
        + entry("legacy-ci", "    repo_user: legacy-ci\n    status: 0\n")
        + entry("payments-api", "    host: https://github.com/new-org\n    repo_user: new-org\n    status: 0  # normal\n"))
    assert changes(path) == [("legacy-ci", "none"), ("payments-api", "none"), ("web-frontend", "none"),
                             ("unauth-app", "rotate")]


def test_delete_removes_it_remotely_and_makes_the_entry_new(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("web-frontend", "    repo_user: web-org   # who\n"
                                                                      "    status: 0  # normal\n") + "# end\n")
    run = cli("delete", str(path), "--name", "web-frontend", "--name", "legacy-ci", "--yes")
    assert (run.code, run.err) == (0, "")
    assert run.out == (f"{path}: deleted 'web-frontend' from ServiceStage\n"
                       f"{path}: deleted 'legacy-ci' from ServiceStage\n")
    assert path.read_text(encoding="utf-8").endswith(entry("web-frontend") + "# end\n")
    assert remote(seeded, project) == {"payments-api": 1, "unauth-app": 2}
    run = cli("delete", str(path), "--name", "web-frontend", "--yes")
    assert (run.code, run.out) == (1, "")
    assert run.err.startswith(f"{path}: deleting 'web-frontend' failed: ServiceStage refused the request: "
                              "SVCSTG.REPO.0450")


def test_refresh_and_list(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("unauth-app") + entry("not-there"))
    run = cli("refresh", str(path))
    assert (run.code, run.err) == (0, "")
    assert run.out == f"{path}: updated unauth-app; not in ServiceStage: not-there\n"
    assert "    repo_user: app-org\n    status: 2  # unauthenticated\n" in path.read_text(encoding="utf-8")
    run = cli("list", "--endpoint", seeded.url, "--project-id", project)
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"ServiceStage project {project} at {seeded.url}: 4 authorizations",
        "NAME          KIND      REPO_TYPE  REPO_USER  STATUS                      UPDATED",
        "payments-api  personal  github     pay-org    status 1 (overdue)          2024-03-09 16:00:00 UTC",
        "legacy-ci     personal  gitlab     ci-bot     status 0 (normal)           2023-11-14 22:13:20 UTC",
        "web-frontend  personal  github     web-org    status 0 (normal)           2023-11-14 22:13:20 UTC",
        "unauth-app    personal  github     app-org    status 2 (unauthenticated)  2023-11-14 22:13:20 UTC",
    ]
    run = cli("list", str(path), "--format", "json")
    assert json.loads(run.out)["authorizations"][0] == {"name": "payments-api", "token_type": "personal",
                                                        "repo_type": "github", "repo_user": "pay-org", "status": 1,
                                                        "tag": None, "update_time": 1710000000000}


def test_import_into_an_existing_file_and_by_name(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("web-frontend") + "# the end\n")
    run = cli("import", str(path), "--name", "unauth-app")
    assert (run.code, run.err) == (0, "")
    assert path.read_text(encoding="utf-8").endswith(
        entry("web-frontend") + "  - name: unauth-app\n    repo_type: github\n    token: ${UNAUTH_APP_TOKEN}\n"
        "    host: https://github.com/app-org\n    repo_user: app-org\n    status: 2  # unauthenticated\n# the end\n")
    run = cli("import", str(path), "--name", "nobody-has-it")
    assert (run.code, run.out, run.err) == (1, "", f"{path}: error: ServiceStage has no authorization named "
                                                   "'nobody-has-it'\n")
    run = cli("import", "-o", str(path), "--endpoint", seeded.url, "--project-id", project)
    assert (run.code, run.err) == (2, f"{path}: error: the file exists; `servicestage-ls import {path}` adds to it\n")


def test_failures_list_and_configuration(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, _ = file_with(tmp_path, seeded, entry("web-frontend"))
    run = cli("plan", str(path), credentials=False)
    assert run.code == 2
    assert run.err.startswith(f"{path}: error: No Huawei Cloud credentials")
    dead = tmp_path / "dead.servicestage.yaml"
    dead.write_text(path.read_text(encoding="utf-8").replace(seeded.url, f"http://127.0.0.1:{closed_port()}"),
                    encoding="utf-8")
    for command in (["plan"], ["apply"], ["refresh"], ["list"]):
        run = cli(*command, str(dead))
        assert run.code == 1, command
        assert run.err.startswith(f"{dead}: error: listing the authorizations failed: Could not connect to "), command
    run = cli("plan", str(tmp_path / "missing.yaml"))
    assert (run.code, run.err) == (2, f"{tmp_path / 'missing.yaml'}: error: no such file\n")


def test_emulator_refuses_a_bad_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("- {name: ab, repo_type: github}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "servicestage_ls", "emulator", "--seed", str(seed)],
                          capture_output=True, text=True, env=subprocess_env(), timeout=DEADLINE,
                          stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"servicestage-ls emulator: cannot use the seed file {seed}: item 1: `name` must follow "
                           "the naming rule (4 to 63 of A-Z a-z 0-9 . _ -)\n")


def test_a_yes_typed_at_the_terminal_confirms_and_anything_else_does_not(tmp_path: Path,
                                                                        seeded: EmulatorProcess) -> None:
    import os
    import pty
    import select

    path, project = file_with(tmp_path, seeded, entry("web-frontend", "    repo_user: web-org\n    status: 0\n"))
    environment = subprocess_env()
    environment.update({"GITHUB_TOKEN": GITHUB_VALUE, "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN})
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]

    def answer(typed: bytes) -> tuple[int, str]:
        controller, terminal = pty.openpty()
        process = subprocess.Popen([*command, "delete", str(path), "--name", "web-frontend"], stdin=terminal,
                                   stdout=terminal, stderr=subprocess.PIPE, env=environment)
        os.close(terminal)
        seen = b""
        try:
            while b"Type yes to go on: " not in seen:
                ready, _, _ = select.select([controller], [], [], DEADLINE)
                assert ready, f"no prompt within {DEADLINE} s: {seen!r}"
                seen += os.read(controller, 4096)
            os.write(controller, typed)
            code = process.wait(timeout=DEADLINE)
            while select.select([controller], [], [], 0)[0]:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the terminal closed with the process
                    break
                if not chunk:
                    break
                seen += chunk
        finally:
            os.close(controller)
            assert process.stderr is not None
            process.stderr.close()
        return code, seen.decode("utf-8").replace("\r\n", "\n")

    code, shown = answer(b"no\n")
    assert code == 2
    assert shown == ("Delete 'web-frontend' from ServiceStage? This cannot be undone. Type yes to go on: no\n")
    assert "web-frontend" in remote(seeded, project)
    code, shown = answer(b"yes\n")
    assert code == 0
    assert shown.endswith(f"Type yes to go on: yes\n{path}: deleted 'web-frontend' from ServiceStage\n")
    assert "web-frontend" not in remote(seeded, project)


SKIPPED_REASON = "it has errors, fix them first: SS150 `host` must be an https:// URL"


def test_an_entry_with_errors_is_skip_in_the_plan_and_skipped_by_apply(tmp_path: Path,
                                                                       seeded: EmulatorProcess) -> None:
    """Never `rotate`/`create` for an entry with errors: `skip` with its first error; apply counts it as skipped
    (has errors), and an entry whose variable is unset as skipped — the summary agrees with the lines above it."""
    body = (entry("payments-api", "    host: http://github.com/pay-org\n    repo_user: pay-org\n    status: 1\n")
            + entry("unset-new", token="${NOT_SET_TOKEN}") + entry("good-new"))
    path, project = file_with(tmp_path, seeded, body)
    run = cli("plan", str(path), "--format", "json", "--detailed-exitcode")
    assert (run.code, run.err) == (3, "")
    assert json.loads(run.out)["changes"][:3] == [
        {"name": "payments-api", "action": "skip", "kind": "personal", "reason": SKIPPED_REASON},
        {"name": "unset-new", "action": "create", "kind": "personal", "reason": "in the file, not in ServiceStage"},
        {"name": "good-new", "action": "create", "kind": "personal", "reason": "in the file, not in ServiceStage"}]
    run = cli("apply", str(path), "--rotate", "--yes")
    assert run.code == 1
    assert run.err.splitlines() == [
        f"{path}: skipped 'payments-api': {SKIPPED_REASON}",
        f"{path}: skipped 'unset-new': the token reference ${{NOT_SET_TOKEN}} is not set in the environment; set it "
        "and run the command again (nothing was sent)",
    ]
    assert run.out.splitlines() == [
        f"{path}: created 'good-new': repo_user good-new, status 0 (normal)",
        f"{path}: not done: delete 'legacy-ci' (needs --prune)",
        f"{path}: not done: delete 'web-frontend' (needs --prune)",
        f"{path}: not done: delete 'unauth-app' (needs --prune)",
        f"{path}: apply: 1 done, 1 skipped (has errors: payments-api), 1 skipped (unset-new), 3 not done",
    ]
    assert remote(seeded, project)["payments-api"] == 1  # not rotated


def test_import_never_gives_two_entries_the_same_variable(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path, project = file_with(tmp_path, seeded, entry("mine-a.b", token="${A_B_C_TOKEN}"))
    for name in ("a-b.c", "a_b-c"):
        made = httpx.post(f"{seeded.url}/v1/{project}/git/auths/github/personal", trust_env=False,
                          headers={"X-Auth-Token": API_TOKEN}, json={"name": name, "token": GITHUB_VALUE})
        assert made.status_code == 200
    run = cli("import", str(path), "--name", "a-b.c", "--name", "a_b-c")
    assert (run.code, run.err) == (0, "")
    assert run.out == (f"{path}: imported 'a-b.c', 'a_b-c'; their tokens are read from A_B_C_2_TOKEN, A_B_C_3_TOKEN "
                       "when they are created again or rotated (set them in the environment first); A_B_C_TOKEN was "
                       "taken, so 'a-b.c' reads A_B_C_2_TOKEN; A_B_C_TOKEN was taken, so 'a_b-c' reads "
                       "A_B_C_3_TOKEN\n")
    text = path.read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if "token:" in line] == [
        "    token: ${A_B_C_TOKEN}", "    token: ${A_B_C_2_TOKEN}", "    token: ${A_B_C_3_TOKEN}"]


def test_the_emulator_seed_takes_an_all_digit_project_id(tmp_path: Path) -> None:
    """As the authorization file does: `project_id: 12345678901234567890123456789012` unquoted is a YAML number."""
    project = "1234567890" * 3 + "12"
    (tmp_path / "seed.yaml").write_text(f"project_id: {project}\nauthorizations:\n"
                                        "  - {name: digits-one, repo_type: github, repo_user: org}\n",
                                        encoding="utf-8")
    process = start_emulator(["--port", "0", "--token", API_TOKEN, "--seed", str(tmp_path / "seed.yaml")],
                             tmp_path / "stderr.log")
    try:
        assert remote(process, project) == {"digits-one": 0}
    finally:
        assert process.stop() == 0
