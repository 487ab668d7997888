"""The kinds from a terminal: ``servicestage-ls test`` (the namespaces an authorization sees) and ``servicestage-ls
authorize`` (the OAuth hand-off, the browser played by a plain GET) as subprocesses against an emulator seeded with
every kind."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, GITHUB_VALUE
from helpers.cloud_servers import EmulatorProcess, Run, seeded_emulator, subprocess_env

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
    yield from seeded_emulator(tmp_path_factory.mktemp("kinds"), SEED, API_TOKEN)


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


# --- authorize ----------------------------------------------------------------------------------------------

OAUTH_ENTRY = """\
  - name: gh-oauth
    kind: oauth
    repo_type: github
    tag: intl
"""
AUTHORIZE_ENV = {"BROWSER": "true", "DISPLAY": "", "WAYLAND_DISPLAY": ""}


def browser(url: str) -> str:
    """What the browser does with the redirect URL: the emulator's provider page sends it on to the console."""
    page = httpx.get(url, trust_env=False)
    assert page.status_code == 302
    return page.headers["Location"]


def authorize_interactively(path: Path, answer: Callable[[str], str], *args: str) -> tuple[int, list[str], str]:
    """``authorize`` with stdin and stdout as pipes: read the address it prints, paste ``answer(address)``."""
    environment = subprocess_env()
    environment.update({"HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, **AUTHORIZE_ENV})
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
    process = subprocess.Popen([*command, "authorize", str(path), "--name", "gh-oauth", *args],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment)
    assert process.stdout is not None and process.stdin is not None and process.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stdout = process.stdout

    def read() -> None:
        for line in iter(stdout.readline, ""):
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    first = [lines.get(timeout=DEADLINE), lines.get(timeout=DEADLINE)]
    assert first[1] is not None, first
    process.stdin.write(answer(first[1].strip()))
    process.stdin.close()
    out = [line for line in first if line is not None]
    while (line := lines.get(timeout=DEADLINE)) is not None:
        out.append(line)
    code = process.wait(timeout=DEADLINE)
    err = process.stderr.read()
    for secret in ALL_SECRETS:
        assert secret not in "".join(out) + err
    return code, [line.rstrip("\n") for line in out], err


def test_authorize_prints_the_address_and_takes_the_pasted_one(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, OAUTH_ENTRY)
    before = path.read_text(encoding="utf-8")
    code, out, err = authorize_interactively(path, lambda url: browser(url) + "\n")
    assert code == 0
    assert out[0] == f"{path}: to authorize 'gh-oauth', open this address in a browser and allow ServiceStage:"
    assert out[1].startswith(f"{seeded.url}/emulator/oauth/authorize?repo_type=github&state=")
    assert out[1].endswith("&tag=intl")
    assert out[2:] == [f"{path}: authorized 'gh-oauth': repo_user octo-tom, status 0 (normal)"]
    assert err == "Paste the address the browser ended on (after you authorized ServiceStage): "
    assert path.read_text(encoding="utf-8") == before + "    repo_user: octo-tom\n    status: 0  # normal\n"
    tested = cli("test", str(path))
    assert (tested.code, tested.out) == (0, f"{path}: ✓ gh-oauth sees 1 namespace: octo-tom\n")
    project = path.read_text(encoding="utf-8").split()[1]
    listed = httpx.get(f"{seeded.url}/v1/{project}/git/auths", headers={"X-Auth-Token": API_TOKEN}, trust_env=False)
    item = next(a for a in listed.json()["authorizations"] if a["name"] == "gh-oauth")
    assert (item["token_type"], item["tag"]) == ("oauth", "intl")


def test_authorize_without_an_address_or_with_a_wrong_one(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, OAUTH_ENTRY)
    before = path.read_text(encoding="utf-8")
    nothing = authorize_interactively(path, lambda url: "")
    assert (nothing[0], nothing[1][2:]) == (1, [])
    assert nothing[2] == ("Paste the address the browser ended on (after you authorized ServiceStage): \n"
                          f"{path}: not authorized: no address was pasted; nothing was sent (a state works once: "
                          "start again)\n")
    wrong = authorize_interactively(path, lambda url: "https://console.example/?state=x\n")
    assert wrong[0] == 2
    assert wrong[2].endswith(f"{path}: error: the pasted address has no code: paste the whole address the browser "
                             "ended on, after the repository's sign-in; nothing was sent\n")
    assert path.read_text(encoding="utf-8") == before


def test_authorize_in_two_steps_for_scripts_and_a_state_works_once(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, OAUTH_ENTRY + OAUTH_ENTRY.replace("gh-oauth", "gh-oauth-2"))
    started = cli("authorize", str(path), "--name", "gh-oauth", "--print-url")
    assert (started.code, started.err) == (0, "")
    query = parse_qs(urlsplit(browser(started.out.strip())).query)
    done = cli("authorize", str(path), "--name", "gh-oauth", f"--code={query['code'][0]}",
               f"--state={query['state'][0]}")
    assert (done.code, done.out) == (0, f"{path}: authorized 'gh-oauth': repo_user octo-tom, status 0 (normal)\n")
    again = cli("authorize", str(path), "--name", "gh-oauth-2", f"--code={query['code'][0]}",
                f"--state={query['state'][0]}")
    assert again.code == 1
    assert re.fullmatch(rf"{re.escape(str(path))}: authorizing 'gh-oauth-2' failed: ServiceStage refused the request: "
                        r"SVCSTG\.REPO\.0402 oauth code or state invalid \(HTTP 400, request id \w+\) — start again: "
                        r"a state works once\n", again.err)
    assert query["code"][0] not in again.err


def test_authorizing_again_replaces_the_old_authorization(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, """\
  - name: gitee-oauth
    kind: oauth
    repo_type: gitee
    tag: intl
    repo_user: octo-tom
    status: 1
""")
    started = cli("authorize", str(path), "--name", "gitee-oauth", "--print-url")
    query = parse_qs(urlsplit(browser(started.out.strip())).query)
    done = cli("authorize", str(path), "--name", "gitee-oauth", f"--code={query['code'][0]}",
               f"--state={query['state'][0]}")
    assert (done.code, done.err) == (0, "")
    assert done.out.splitlines() == [
        f"{path}: deleted the old authorization 'gitee-oauth' to authorize it again",
        f"{path}: authorized 'gitee-oauth': repo_user octo-tom, status 0 (normal)"]
    assert path.read_text(encoding="utf-8").endswith("    repo_user: octo-tom\n    status: 0  # normal\n")


def test_authorize_refuses_a_read_only_file_before_anything_is_sent(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, OAUTH_ENTRY)
    path.chmod(0o444)
    before = path.read_text(encoding="utf-8")
    refused = cli("authorize", str(path), "--name", "gh-oauth", "--code=c", "--state=s")
    assert (refused.code, refused.out, refused.err) == (
        2, "", f"{path}: error: the file is read-only; make it writable first (chmod u+w {path}); nothing was sent\n")
    assert path.read_text(encoding="utf-8") == before  # sent, the bogus code would have been 0402 (exit 1)


def test_authorize_refuses_what_it_cannot_do(tmp_path: Path, seeded: EmulatorProcess) -> None:
    path = write_file(tmp_path, seeded, ENTRIES)
    personal = cli("authorize", str(path), "--name", "web-frontend")
    assert (personal.code, personal.err) == (
        2, f"{path}: error: 'web-frontend' is not an OAuth entry (`kind: oauth`): create it from its token instead\n")
    half = cli("authorize", str(path), "--name", "web-frontend", "--code", "c")
    assert half.code == 2 and half.err.endswith(
        "error: --code and --state go together (both from the address the browser ended on)\n")


def authorize_at_a_terminal(path: Path, env: dict[str, str], answer: Callable[[str], str]) -> tuple[str, int]:
    """``authorize`` in a pseudo-terminal: once it asks, type ``answer(the address it printed)`` and Enter; what the
    terminal showed and the exit code."""
    import os
    import pty
    import select
    import time

    environment = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, **env}
    command = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
    main_fd, terminal = pty.openpty()
    process = subprocess.Popen([*command, "authorize", str(path), "--name", "gh-oauth"], stdin=terminal,
                               stdout=terminal, stderr=terminal, env=environment)
    os.close(terminal)
    shown = b""
    try:
        deadline = time.monotonic() + DEADLINE
        while not shown.endswith(b"(after you authorized ServiceStage): "):
            ready, _, _ = select.select([main_fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no question within {DEADLINE} s: {shown!r}"
            shown += os.read(main_fd, 4096)
        url = next(line for line in shown.decode().splitlines() if line.startswith("http"))
        os.write(main_fd, (answer(url.strip()) + "\n").encode())
        process.wait(timeout=DEADLINE)
        while select.select([main_fd], [], [], 0)[0]:
            try:
                chunk = os.read(main_fd, 4096)
            except OSError:  # the terminal's other side is closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
        os.close(main_fd)
    return shown.decode().replace("\r\n", "\n"), process.returncode


def test_authorize_at_a_terminal_opens_the_browser_the_environment_names(tmp_path: Path,
                                                                          seeded: EmulatorProcess) -> None:
    """At a terminal the address is handed to the browser BROWSER names (here a script that notes it), then the
    pasted address is read: the terminal is never taken by the browser."""
    noted = tmp_path / "opened.txt"
    browser_script = tmp_path / "browser.sh"
    browser_script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {noted}\n', encoding="utf-8")
    browser_script.chmod(0o755)
    path = write_file(tmp_path, seeded, OAUTH_ENTRY)
    shown, code = authorize_at_a_terminal(path, {"BROWSER": f"{browser_script} %s", "DISPLAY": ""}, browser)
    assert code == 0
    url = noted.read_text(encoding="utf-8")
    assert url.startswith(f"{seeded.url}/emulator/oauth/authorize?repo_type=github&state=")
    assert shown.splitlines()[:3] == [
        f"{path}: to authorize 'gh-oauth', open this address in a browser and allow ServiceStage:", url,
        f"{path}: opened it in the browser"]
    assert shown.splitlines()[-1] == f"{path}: authorized 'gh-oauth': repo_user octo-tom, status 0 (normal)"


def test_authorize_at_a_terminal_without_a_display_prints_and_reads(tmp_path: Path, seeded: EmulatorProcess) -> None:
    """No DISPLAY and no BROWSER: no browser is tried (a text-mode one would take the terminal); the address is
    printed and the pasted one read."""
    path = write_file(tmp_path, seeded, OAUTH_ENTRY)
    shown, code = authorize_at_a_terminal(path, {"DISPLAY": "", "WAYLAND_DISPLAY": "", "BROWSER": ""}, browser)
    assert code == 0
    lines = shown.splitlines()
    assert lines[0] == f"{path}: to authorize 'gh-oauth', open this address in a browser and allow ServiceStage:"
    assert lines[2].startswith("Paste the address the browser ended on (after you authorized ServiceStage): http")
    assert lines[3:] == [f"{path}: authorized 'gh-oauth': repo_user octo-tom, status 0 (normal)"]
