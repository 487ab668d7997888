"""``servicestage-ls create`` (and ``emulator --help``) as subprocesses, against the emulator on loopback."""

from __future__ import annotations

import stat
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, BAD_TOKEN_VALUE, GITHUB_VALUE, GITLAB_VALUE, remote_names
from helpers.cloud_servers import EmulatorProcess, subprocess_env

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
NO_CREDENTIALS = (
    "No Huawei Cloud credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (plus "
    "HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), or HUAWEICLOUD_AUTH_TOKEN, or HUAWEICLOUD_IAM_USER, "
    "HUAWEICLOUD_IAM_PASSWORD and HUAWEICLOUD_IAM_DOMAIN in the environment"
)


@dataclass
class Run:
    code: int
    out: str
    err: str


def cli(*args: str, credentials: bool = True, extra: dict[str, str] | None = None, stdin: str | None = None) -> Run:
    """Run the installed console script (``python -m servicestage_ls`` when it is missing)."""
    env = subprocess_env()
    env.update({"GITHUB_TOKEN": GITHUB_VALUE, "GITLAB_TOKEN": GITLAB_VALUE, "BAD_TOKEN": BAD_TOKEN_VALUE})
    env.pop("UNSET_TOKEN_FOR_TESTS", None)
    if credentials:
        env["HUAWEICLOUD_AUTH_TOKEN"] = API_TOKEN
    env.update(extra or {})
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
    if stdin is None:
        done = subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=DEADLINE,
                              stdin=subprocess.DEVNULL)
    else:
        done = subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=DEADLINE,
                              input=stdin)
    for secret in ALL_SECRETS:
        assert secret not in done.stdout and secret not in done.stderr, "a secret value reached the output"
    return Run(done.returncode, done.stdout, done.stderr)


def write(path: Path, text: str, *, bom: bool = False, mode: int = 0o640) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    path.chmod(mode)
    return path


def header(emulator: EmulatorProcess, project: str) -> str:
    return f"project_id: {project}   # the tenant\nendpoint: {emulator.url}\nauthorizations:\n"


def block(name: str, token: str = "${GITHUB_TOKEN}", repo_type: str = "github", host: str | None = None) -> str:
    text = f"  - name: {name}\n    repo_type: {repo_type}\n    token: {token}\n"
    return text + (f"    host: {host}\n" if host else "")


def test_create_writes_only_the_new_keys(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    head = header(emulator, project)
    path = write(tmp_path / "team.servicestage.yaml", head + (
        "  # web team\n"
        "  - name: cli-web        # the frontend\n"
        "    repo_type: github    # type\n"
        "    # a comment inside the entry\n"
        "    token: ${GITHUB_TOKEN}\n"
        "    host: https://github.com/web-org\n"
        '  - {name: cli-flow, repo_type: gitlab, token: "${GITLAB_TOKEN}"}   # flow style\n'
        "  - name: cli-status\n"
        "    status: 2   # my note\n"
        "    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n"
        "  - name: cli-done\n"
        "    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n"
        "    repo_user: already\n"
        "# trailing comment\n"
    ), mode=0o640)
    run = cli("create", str(path))
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: created 'cli-web': repo_user web-org, status 0 (normal)",
        f"{path}: created 'cli-flow': repo_user cli-flow, status 0 (normal)",
        f"{path}: created 'cli-status': repo_user cli-status, status 0 (normal)",
    ]
    assert path.read_bytes().decode("utf-8") == head + (
        "  # web team\n"
        "  - name: cli-web        # the frontend\n"
        "    repo_type: github    # type\n"
        "    # a comment inside the entry\n"
        "    token: ${GITHUB_TOKEN}\n"
        "    host: https://github.com/web-org\n"
        "    repo_user: web-org\n"
        "    status: 0  # normal\n"
        '  - {name: cli-flow, repo_type: gitlab, token: "${GITLAB_TOKEN}", repo_user: cli-flow, status: 0}'
        "   # flow style\n"
        "  - name: cli-status\n"
        "    status: 0   # my note\n"
        "    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n"
        "    repo_user: cli-status\n"
        "  - name: cli-done\n"
        "    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n"
        "    repo_user: already\n"
        "# trailing comment\n"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert remote_names(emulator, project) == ["cli-flow", "cli-status", "cli-web"]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    # Run again: nothing new.
    again = cli("create", str(path))
    assert (again.code, again.out, again.err) == (0, f"{path}: every entry already has repo_user; nothing to create\n",
                                                  "")


def test_crlf_and_byte_order_mark_are_kept(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    text = (header(emulator, project) + block("cli-crlf")).replace("\n", "\r\n")
    path = write(tmp_path / "servicestage.yaml", text, bom=True, mode=0o600)
    run = cli("create", str(path))
    assert (run.code, run.err) == (0, "")
    assert path.read_bytes() == b"\xef\xbb\xbf" + (
        text + "    repo_user: cli-crlf\r\n    status: 0  # normal\r\n").encode("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_failures_exit_1_and_leave_their_entries_alone(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    httpx.post(f"{emulator.url}/v1/{project}/git/auths/github/personal", trust_env=False,
               headers={"X-Auth-Token": API_TOKEN}, json={"name": "cli-taken", "token": GITHUB_VALUE})
    head = header(emulator, project)
    before = head + block("cli-taken") + block("cli-broken", repo_type="githib") + \
        block("cli-badtoken", token="${BAD_TOKEN}") + block("cli-fine")
    path = write(tmp_path / "a.servicestage.yml", before)
    run = cli("create", str(path))
    assert run.code == 1
    assert run.out == f"{path}: created 'cli-fine': repo_user cli-fine, status 0 (normal)\n"
    err = run.err.splitlines()
    assert len(err) == 3, run.err
    assert err[0].startswith(f"{path}: skipped 'cli-broken': it has errors, fix them first: SS132 ")
    assert err[1].startswith(f"{path}: creating 'cli-taken' failed: ServiceStage refused the request: "
                             "SVCSTG.REPO.0403 resource already exist (HTTP 400, request id ")
    assert err[1].endswith(") — list authorizations; the name is taken")
    assert err[2].startswith(f"{path}: creating 'cli-badtoken' failed: ServiceStage refused the request: "
                             "SVCSTG.REPO.0451 repository authorization invalid")
    assert path.read_text(encoding="utf-8") == before + "    repo_user: cli-fine\n    status: 0  # normal\n"
    assert remote_names(emulator, project) == ["cli-fine", "cli-taken"]


def test_dry_run_sends_nothing(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    before = header(emulator, project) + block("dry-a", host="https://github.com/a-org") + \
        block("dry-b", token="${GITLAB_TOKEN}", repo_type="gitlab")
    path = write(tmp_path / "dry.servicestage.yaml", before)
    mtime = path.stat().st_mtime_ns
    run = cli("create", str(path), "--dry-run")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: dry run, nothing is sent",
        f"  endpoint: {emulator.url}",
        "  credentials: an X-Auth-Token (HUAWEICLOUD_AUTH_TOKEN)",
        f"  project id: {project} (from the file's `project_id`)",
        "  would create 'dry-a' (github, host https://github.com/a-org) with the token from ${GITHUB_TOKEN}: "
        f"POST {emulator.url}/v1/{project}/git/auths/github/personal",
        "  would create 'dry-b' (gitlab) with the token from ${GITLAB_TOKEN}: "
        f"POST {emulator.url}/v1/{project}/git/auths/gitlab/personal",
    ]
    assert remote_names(emulator, project) == []
    assert path.read_text(encoding="utf-8") == before and path.stat().st_mtime_ns == mtime


def test_dry_run_without_credentials_says_what_a_real_run_needs(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    path = write(tmp_path / "dry.servicestage.yaml", header(emulator, project) + block("dry-c"))
    run = cli("create", str(path), "--dry-run", credentials=False)
    assert run.code == 2
    assert run.err == f"{path}: note: a real run would stop here: {NO_CREDENTIALS}\n"
    assert run.out.splitlines()[1:4] == [f"  endpoint: {emulator.url}", "  credentials: none",
                                         f"  project id: {project} (from the file's `project_id`)"]
    assert remote_names(emulator, project) == []


def test_dry_run_says_how_the_project_id_is_found_and_exits_2_when_it_cannot_be(
        tmp_path: Path, emulator: EmulatorProcess) -> None:
    lookup = write(tmp_path / "l.servicestage.yaml", "region: cn-north-4\nauthorizations:\n" + block("dry-l"))
    run = cli("create", str(lookup), "--dry-run", "--name", "dry-l", credentials=False,
              extra={"HUAWEICLOUD_SDK_AK": "AKDRYRUN", "HUAWEICLOUD_SDK_SK": "SKDRYRUN"})
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{lookup}: dry run, nothing is sent",
        "  endpoint: https://servicestage.cn-north-4.myhuaweicloud.com",
        "  credentials: AK/SK signing (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK)",
        "  project id: looked up from IAM when the run starts "
        "(GET https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4)",
        "  would create 'dry-l' (github) with the token from ${GITHUB_TOKEN}: "
        "POST https://servicestage.cn-north-4.myhuaweicloud.com/v1/{project_id}/git/auths/github/personal",
    ]
    from_env = cli("create", str(lookup), "--dry-run", extra={"HUAWEICLOUD_SDK_PROJECT_ID": "e" * 32})
    assert (from_env.code, from_env.err) == (0, "")
    assert from_env.out.splitlines()[3] == f"  project id: {'e' * 32} (from HUAWEICLOUD_SDK_PROJECT_ID)"
    token_only = cli("create", str(lookup), "--dry-run")
    no_id = ("No project id: set `project_id` in the file or HUAWEICLOUD_SDK_PROJECT_ID in the environment; an "
             "X-Auth-Token (HUAWEICLOUD_AUTH_TOKEN) cannot look it up from IAM (AK/SK or IAM user credentials can)")
    assert token_only.code == 2
    assert token_only.out.splitlines()[3] == f"  project id: none: {no_id}"
    assert token_only.err == f"{lookup}: note: a real run would stop here: {no_id}\n"
    endpoint_only = write(tmp_path / "e.servicestage.yaml",
                          f"endpoint: {emulator.url}\nauthorizations:\n" + block("dry-e"))
    run = cli("create", str(endpoint_only), "--dry-run")
    assert run.code == 2
    assert run.err.startswith(f"{endpoint_only}: error: the file has errors, fix them first (nothing was sent): "
                              "line 1: SS111 missing `project_id` (32 lowercase hex characters): with `endpoint` "
                              "and no `region` it cannot be looked up from IAM (the lookup needs a region)")
    assert run.out == ""


def test_name_selects_entries(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    head = header(emulator, project)
    path = write(tmp_path / "n.servicestage.yaml", head + block("sel-a") + block("sel-b") + block("sel-c"))
    run = cli("create", str(path), "--name", "sel-c", "--name", "sel-a")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: created 'sel-c': repo_user sel-c, status 0 (normal)",
        f"{path}: created 'sel-a': repo_user sel-a, status 0 (normal)",
    ]
    assert path.read_text(encoding="utf-8") == head + block("sel-a") + \
        "    repo_user: sel-a\n    status: 0  # normal\n" + block("sel-b") + block("sel-c") + \
        "    repo_user: sel-c\n    status: 0  # normal\n"
    assert remote_names(emulator, project) == ["sel-a", "sel-c"]


def test_usage_and_configuration_problems_exit_2(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    before = header(emulator, project) + block("use-a")
    path = write(tmp_path / "u.servicestage.yaml", before)
    missing_path = tmp_path / "missing.servicestage.yaml"
    with ThreadPoolExecutor() as pool:  # independent runs: at once
        unknown, no_credentials, missing, no_file = pool.map(lambda call: call(), [
            lambda: cli("create", str(path), "--name", "nope"),
            lambda: cli("create", str(path), credentials=False),
            lambda: cli("create", str(missing_path)),
            lambda: cli("create"),
        ])
    assert (unknown.code, unknown.out) == (2, "")
    assert unknown.err == f"{path}: error: there is no entry named 'nope' in the file (its entries: use-a)\n"
    assert (no_credentials.code, no_credentials.out) == (2, "")
    assert no_credentials.err == f"{path}: error: {NO_CREDENTIALS}\n"
    assert (missing.code, missing.out, missing.err) == (2, "", f"{missing_path}: error: no such file\n")
    assert no_file.code == 2 and "the following arguments are required: FILE" in no_file.err
    assert path.read_text(encoding="utf-8") == before
    assert remote_names(emulator, project) == []


def test_emulator_help() -> None:
    run = cli("emulator", "--help")
    assert (run.code, run.err) == (0, "")
    usage = " ".join(run.out.split("\n\n")[0].split())
    assert usage == ("usage: servicestage-ls emulator [-h] [--host HOST] [--port PORT] [--token TOKEN] [--ak AK] "
                     "[--sk SK] [--seed FILE]")
    for option in ("--host HOST", "--port PORT", "--token TOKEN", "--ak AK", "--sk SK", "--seed FILE"):
        assert f"  {option}" in run.out


def test_a_file_level_error_refuses_before_any_call(tmp_path: Path, emulator: EmulatorProcess) -> None:
    """Any error that would change the request (project, region, endpoint, structure) sends nothing."""
    project = uuid.uuid4().hex
    good = header(emulator, project)
    cases = {
        "upper-case project id (SS120)": (good.replace(project, project.upper()), "line 1: SS120 "),
        "unknown top-level key (SS110)": (good.replace("authorizations:", "regoin: cn-north-4\nauthorizations:"),
                                          "line 3: SS110 "),
        "non-string project id (SS112)": (good.replace(project, "[a, b]"), "line 1: SS112 "),
        "duplicate endpoint (SS101)": (good.replace("authorizations:", "endpoint: http://127.0.0.1:9\n"
                                                                    "authorizations:"), "line 3: SS101 "),
        "bad endpoint (SS122)": (good.replace(emulator.url, "http://example.com"), "line 2: SS122 "),
        "bad region (SS121)": (good.replace("authorizations:", "region: cn-nowhere-9\nauthorizations:"),
                               "line 3: SS121 "),
        "syntax error at the top (SS100)": (good.replace("authorizations:", "x: [\nauthorizations:"),
                                            "line 4: SS100 "),
    }
    for what, (head, expected) in cases.items():
        path = write(tmp_path / "f.servicestage.yaml", head + block("file-err"))
        for extra_args in ((), ("--dry-run",), ("--name", "file-err")):
            run = cli("create", str(path), *extra_args)
            assert (run.code, run.out) == (2, ""), what
            assert run.err.startswith(f"{path}: error: the file has errors, fix them first (nothing was sent): "
                                      f"{expected}"), (what, run.err)
    assert remote_names(emulator, project) == []


def test_token_shaped_names_are_refused_and_never_printed(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    pasted = "ghp_" + "Zz9Yy8Xx7W" * 4
    path = write(tmp_path / "t.servicestage.yaml", header(emulator, project) + block(pasted) + block("fine-one"))
    run = cli("create", str(path), "--dry-run")
    assert run.code == 1
    assert pasted not in run.out + run.err
    assert run.err.startswith(f"{path}: skipped 'ghp_…': it has errors, fix them first: SS143 this looks like a "
                              "github token (`ghp_…`) outside `token`")
    run = cli("create", str(path), "--name", "nope")
    assert run.err == f"{path}: error: there is no entry named 'nope' in the file (its entries: ghp_…, fine-one)\n"
    assert remote_names(emulator, project) == []


def test_a_file_without_project_id_creates_with_the_id_looked_up_from_iam(tmp_path: Path,
                                                                          emulator: EmulatorProcess) -> None:
    from servicestage_ls.cloud.emulator import project_id_for

    project = project_id_for("cn-north-4")
    name = f"iam-{uuid.uuid4().hex[:8]}"
    before = f"region: cn-north-4\nendpoint: {emulator.url}\nauthorizations:\n" + block(name)
    path = write(tmp_path / "iam.servicestage.yaml", before)
    iam = {"HUAWEICLOUD_IAM_USER": "cli-user", "HUAWEICLOUD_IAM_PASSWORD": "iam-password-not-shown",
           "HUAWEICLOUD_IAM_DOMAIN": "cli-domain", "HUAWEICLOUD_SDK_IAM_ENDPOINT": emulator.url}
    run = cli("create", str(path), credentials=False, extra=iam)
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        f"{path}: project id {project}, looked up from IAM for region cn-north-4",
        f"{path}: created '{name}': repo_user {name}, status 0 (normal)",
    ]
    assert "iam-password-not-shown" not in run.out
    assert name in remote_names(emulator, project)


def test_cli_messages_speak_of_the_cli_and_read_correctly(tmp_path: Path, emulator: EmulatorProcess) -> None:
    project = uuid.uuid4().hex
    done = block("words-done") + "    repo_user: someone\n    status: 0\n"
    path = write(tmp_path / "w.servicestage.yaml", header(emulator, project) + done
                 + block("words-unset", token="${UNSET_TOKEN_FOR_TESTS}"))
    run = cli("create", str(path), "--name", "words-done", "--name", "words-unset")
    assert run.code == 1
    assert run.err.splitlines() == [
        f"{path}: skipped 'words-done': it was already created (it has repo_user)",
        f"{path}: skipped 'words-unset': the token reference ${{UNSET_TOKEN_FOR_TESTS}} is not set in the "
        "environment; set it and run the command again (nothing was sent)",
    ]
    for said in (run.out + run.err, cli("create", str(path), "--dry-run").err):
        for editor_words in ("language server", "restart the server", "Refresh status"):
            assert editor_words not in said
    assert remote_names(emulator, project) == []
