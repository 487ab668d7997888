"""What stops a cloud command gets the CLI's one-line message and exit code, never a traceback, and loses nothing:
a failed IAM lookup of the project id while the client is opened (every cloud command), Ctrl+C while a call is
answered, the file gone between the checks and the calls of ``create``, an entry edited while ``apply``'s
create was answered (the CLI's words, as ``create`` says them), and Ctrl+C at ``delete``'s and ``apply``'s prompt."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, GITHUB_VALUE, remote_names
from helpers.cloud_servers import EmulatorProcess, FaultServer, Request, subprocess_env
from servicestage_ls.cli import main

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
COMMAND = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
SECRET_KEY = "sk-SECRET-iam-lookup-3e1d"
#: What the emulator (started with --token only) answers to AK/SK-signed requests, its IAM included.
IAM_REFUSED = (
    "looking up the project id from IAM for region cn-north-4 failed: IAM refused the request: APIGW.0301 Incorrect "
    "IAM authentication information: AK/SK authentication is not enabled (start the emulator with --ak and --sk) "
    "(HTTP 401, request id <id>) — check the credentials in the environment (HUAWEICLOUD_SDK_AK/_SK, "
    "HUAWEICLOUD_AUTH_TOKEN or HUAWEICLOUD_IAM_USER/_PASSWORD/_DOMAIN) and that they belong to the project"
)
READING = "interrupted; nothing was changed in ServiceStage (this command only reads it)"


def entry(name: str, token: str = "${GITHUB_TOKEN}", extra: str = "") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: {token}\n{extra}"


# --- the project id looked up from IAM, and IAM refuses -----------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("list", "{file}"), ("plan", "{file}"), ("refresh", "{file}"), ("apply", "{file}"), ("import", "{file}"),
    ("delete", "{file}", "--name", "iam-done", "--yes"), ("create", "{file}", "--name", "iam-new"),
    ("list", "--region", "cn-north-4"), ("import", "--region", "cn-north-4"),
], ids=lambda args: " ".join(args))
def test_a_failed_lookup_of_the_project_id_exits_1_with_one_line(tmp_path: Path, emulator: EmulatorProcess,
                                                                  args: tuple[str, ...]) -> None:
    text = (f"region: cn-north-4\nendpoint: {emulator.url}\nauthorizations:\n" + entry("iam-new")
            + entry("iam-done", extra="    repo_user: someone\n    status: 0\n"))
    path = tmp_path / "iam.servicestage.yaml"
    path.write_text(text, encoding="utf-8")
    env = subprocess_env()
    env.update({"HUAWEICLOUD_SDK_AK": "AKIAM0LOOKUP0TEST", "HUAWEICLOUD_SDK_SK": SECRET_KEY,
                "HUAWEICLOUD_SDK_IAM_ENDPOINT": emulator.url, "HUAWEICLOUD_SDK_ENDPOINT": emulator.url,
                "GITHUB_TOKEN": GITHUB_VALUE})
    done = subprocess.run([*COMMAND, *(a.format(file=path) for a in args)], capture_output=True, text=True,
                          env=env, timeout=DEADLINE, stdin=subprocess.DEVNULL)
    where = str(path) if "{file}" in args else f"servicestage-ls {args[0]}"
    said = re.sub(r"request id [0-9a-f]{32}", "request id <id>", done.stderr)
    assert (done.returncode, done.stdout, said) == (1, "", f"{where}: error: {IAM_REFUSED}\n")
    for secret in (*ALL_SECRETS, SECRET_KEY):
        assert secret not in done.stderr
    assert path.read_text(encoding="utf-8") == text


# --- Ctrl+C while ServiceStage answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "held", "said"), [
    (("refresh", "{file}"), "GET", READING),
    (("import", "{file}"), "GET", READING),
    (("list", "{file}"), "GET", READING),
    (("plan", "{file}"), "GET", READING),
    (("delete", "{file}", "--name", "held-one", "--yes"), "DELETE",
     "interrupted; a call that was already sent may have happened — run `servicestage-ls plan {file}` to see where "
     "things are"),
], ids=["refresh", "import", "list", "plan", "delete"])
async def test_ctrl_c_while_a_call_is_answered_exits_1_saying_what_may_have_happened(
        tmp_path: Path, args: tuple[str, ...], held: str, said: str) -> None:
    arrived = asyncio.Event()

    async def hold(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.method == held:
            arrived.set()
            await asyncio.Event().wait()  # never answered: cancelled when the server stops
        listing = b'{"authorizations": [{"name": "held-one", "repo_type": "github", "repo_user": "u", "status": 0}]}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(listing)).encode() + b"\r\n\r\n" + listing)
        await writer.drain()

    async with FaultServer(hold) as server:
        path = tmp_path / "held.servicestage.yaml"
        text = (f"project_id: {uuid.uuid4().hex}\nendpoint: {server.url}\nauthorizations:\n"
                + entry("held-one", extra="    repo_user: u\n    status: 0\n"))
        path.write_text(text, encoding="utf-8")
        env = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE}
        process = await asyncio.create_subprocess_exec(
            *COMMAND, *(a.format(file=path) for a in args), env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            # Ctrl+C as a terminal sends it, also when these tests run where SIGINT is ignored (a background job).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            await asyncio.wait_for(arrived.wait(), DEADLINE)
            process.send_signal(signal.SIGINT)
            out, err = await asyncio.wait_for(process.communicate(), DEADLINE)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert (process.returncode, out.decode(), err.decode()) == (1, "", f"{path}: {said.format(file=path)}\n")
    assert path.read_text(encoding="utf-8") == text


# --- in this process: what happens between two steps of a run -----------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("HUAWEICLOUD_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HUAWEICLOUD_AUTH_TOKEN", API_TOKEN)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_VALUE)
    monkeypatch.delenv("OTHER_TOKEN", raising=False)


@pytest.mark.usefixtures("cli_env")
def test_create_stops_with_the_usual_message_when_the_file_went_away_after_the_checks(
        tmp_path: Path, emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from servicestage_ls.engine import create

    project = uuid.uuid4().hex
    path = tmp_path / "gone.servicestage.yaml"
    moved = tmp_path / "moved.servicestage.yaml"
    text = f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n" + entry("gone-one")
    path.write_text(text, encoding="utf-8")
    checked = create.prepare_each

    def then_moved(*args: object, **kwargs: object) -> object:
        prepared = checked(*args, **kwargs)  # type: ignore[arg-type]
        path.rename(moved)  # after the checks, before the calls
        return prepared

    monkeypatch.setattr(create, "prepare_each", then_moved)
    assert main(["create", str(path)]) == 2
    assert capsys.readouterr() == ("", f"{path}: error: no such file\n")
    assert (path.exists(), moved.read_text(encoding="utf-8")) == (False, text)
    assert remote_names(emulator, project) == []


# --- Ctrl+C at the confirmation prompt ------------------------------------------------------------------------


def ctrl_c_at_the_prompt(args: list[str], env: dict[str, str]) -> tuple[str, int, str]:
    """Run the command in a pseudo-terminal, press Ctrl+C once its prompt is shown (without Enter): what the
    terminal showed, the exit code and stderr. A command that would wait for Enter fails the test at the
    deadline."""
    import pty
    import select
    import time

    main_fd, terminal = pty.openpty()
    process = subprocess.Popen([*COMMAND, *args], stdin=terminal, stdout=terminal, stderr=subprocess.PIPE, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(terminal)
    shown = b""
    try:
        deadline = time.monotonic() + DEADLINE
        while not shown.endswith(b"Type yes to go on: "):
            ready, _, _ = select.select([main_fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no prompt within {DEADLINE} s: {shown!r}"
            shown += os.read(main_fd, 4096)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=DEADLINE)
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
    return shown.decode().replace("\r\n", "\n"), process.returncode, err.decode()


def test_ctrl_c_at_deletes_prompt_is_a_no(tmp_path: Path) -> None:
    """In a terminal (a pseudo-terminal here) ``delete`` asks before any call; Ctrl+C there changes nothing."""
    from helpers.cloud_lsp import closed_port

    path = tmp_path / "asked.servicestage.yaml"
    text = (f"project_id: {uuid.uuid4().hex}\nendpoint: http://127.0.0.1:{closed_port()}\nauthorizations:\n"
            + entry("asked-one", extra="    repo_user: u\n    status: 0\n"))
    path.write_text(text, encoding="utf-8")
    env = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN}
    shown, code, err = ctrl_c_at_the_prompt(["delete", str(path), "--name", "asked-one"], env)
    assert shown == "Delete 'asked-one' from ServiceStage? This cannot be undone. Type yes to go on: \n"
    assert (code, err) == (2, f"{path}: not confirmed; nothing was changed\n")
    assert path.read_text(encoding="utf-8") == text


def test_ctrl_c_at_applys_prompt_is_a_no_at_once(tmp_path: Path, emulator: EmulatorProcess) -> None:
    """``apply`` asks after listing (the plan says what would be destroyed): the first Ctrl+C there is a no at once,
    not after Enter; nothing is created or deleted."""
    project = uuid.uuid4().hex
    answer = httpx.post(f"{emulator.url}/v1/{project}/git/auths/github/personal", json={"name": "pruned-one",
                        "token": GITHUB_VALUE}, headers={"X-Auth-Token": API_TOKEN}, trust_env=False)
    assert answer.status_code in (200, 201)
    path = tmp_path / "asked.servicestage.yaml"
    text = f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n" + entry("kept-new")
    path.write_text(text, encoding="utf-8")
    env = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE}
    shown, code, err = ctrl_c_at_the_prompt(["apply", str(path), "--prune"], env)
    assert shown == (f"{path}: apply will delete 'pruned-one' in ServiceStage; this cannot be undone. Type yes to go "
                     "on: \n")
    assert (code, err) == (2, f"{path}: not confirmed; nothing was changed\n")
    assert path.read_text(encoding="utf-8") == text
    assert remote_names(emulator, project) == ["pruned-one"]
