"""The hostile repository (tests/fixtures/hostile-repo/) on the command line: its file names
``https://capture.test:4443``, a host nobody trusted. Every command that would send credentials refuses before any
connection (exit 2, one message naming the host and both ways to trust it) and the capture server sees nothing; once
the user trusts the host (``--trust-endpoint``, ``SERVICESTAGE_TRUSTED_ENDPOINTS``, a typed ``--endpoint``) the same
call reaches it, credentials and all. The capture server is reached through the user's https proxy
(tests/helpers/capture.py says why)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.capture import (
    CAPTURE_ENTRY,
    CAPTURE_URL,
    HOSTILE_FILE,
    PROJECT_ID,
    CaptureServer,
    capture_server,
)
from helpers.cloud_lsp import API_TOKEN, GITHUB_VALUE
from helpers.cloud_servers import subprocess_env

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
COMMAND = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
REFUSAL = (f"the endpoint's host {CAPTURE_ENTRY} is not trusted to receive your credentials: nothing is sent to it "
           f"until you trust it with --trust-endpoint {CAPTURE_ENTRY} or SERVICESTAGE_TRUSTED_ENDPOINTS={CAPTURE_ENTRY} "
           "in the environment")
LIST = ("GET", f"/v1/{PROJECT_ID}/git/auths", True)
#: Each command that calls ServiceStage, on the hostile file.
COMMANDS = {
    "create": ("create", "{file}"),
    "plan": ("plan", "{file}"),
    "list": ("list", "{file}"),
    "refresh": ("refresh", "{file}"),
    "import": ("import", "{file}"),
    "import --region": ("import", "{file}", "--region", "cn-north-4"),
    "delete": ("delete", "{file}", "--name", "hostile-entry", "--yes"),
    "apply": ("apply", "{file}", "--yes"),
    "test": ("test", "{file}"),
}


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaptureServer]:
    with capture_server(tmp_path_factory.mktemp("capture")) as server:
        yield server


@pytest.fixture
def hostile(tmp_path: Path, capture: CaptureServer) -> Path:
    capture.clear()
    return Path(shutil.copy(HOSTILE_FILE, tmp_path / "servicestage.yaml"))


def cli(capture: CaptureServer, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE, **(env or {})}
    done = subprocess.run([*COMMAND, *args, "--ca-bundle", str(capture.ca)], capture_output=True, text=True,
                          env=capture.env(base), timeout=DEADLINE, stdin=subprocess.DEVNULL)
    assert API_TOKEN not in done.stdout + done.stderr and GITHUB_VALUE not in done.stdout + done.stderr
    return done


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_nothing_reaches_an_untrusted_endpoint(hostile: Path, capture: CaptureServer, command: tuple[str, ...]) -> None:
    before = hostile.read_text(encoding="utf-8")
    done = cli(capture, *(a.format(file=hostile) for a in command))
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"{hostile}: error: {REFUSAL}\n")
    assert capture.captured == []
    assert hostile.read_text(encoding="utf-8") == before


def test_another_port_or_a_look_alike_is_not_trusted(hostile: Path, capture: CaptureServer) -> None:
    for trusted in ("capture.test:443", "capture.tes", "xcapture.test"):
        done = cli(capture, "list", str(hostile), "--trust-endpoint", trusted)
        assert (done.returncode, done.stderr) == (2, f"{hostile}: error: {REFUSAL}\n")
    done = cli(capture, "list", str(hostile), env={"SERVICESTAGE_TRUSTED_ENDPOINTS": "capture.test:4444"})
    assert (done.returncode, done.stderr) == (2, f"{hostile}: error: {REFUSAL}\n")
    assert capture.captured == []


@pytest.mark.parametrize(("how", "args", "env"), [
    ("--trust-endpoint", ("--trust-endpoint", CAPTURE_ENTRY), {}),
    ("--trust-endpoint without a port", ("--trust-endpoint", "Capture.Test"), {}),
    ("SERVICESTAGE_TRUSTED_ENDPOINTS", (), {"SERVICESTAGE_TRUSTED_ENDPOINTS": f"other.test, {CAPTURE_ENTRY}"}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_the_same_call_reaches_it_once_the_user_trusts_it(hostile: Path, capture: CaptureServer, how: str,
                                                          args: tuple[str, ...], env: dict[str, str]) -> None:
    done = cli(capture, "list", str(hostile), *args, env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"ServiceStage project {PROJECT_ID} at {CAPTURE_URL}: 0 authorizations\n"
    assert capture.captured[0].target == CAPTURE_ENTRY  # the CONNECT, then the call with credentials
    assert capture.requests() == [LIST]


def test_an_endpoint_typed_on_the_command_line_is_trusted(capture: CaptureServer) -> None:
    capture.clear()
    done = cli(capture, "list", "--endpoint", CAPTURE_URL, "--project-id", PROJECT_ID)
    assert (done.returncode, done.stderr) == (0, "")
    assert capture.requests() == [LIST]


def test_create_reaches_it_once_trusted_and_writes_back(hostile: Path, capture: CaptureServer) -> None:
    done = cli(capture, "create", str(hostile), "--trust-endpoint", CAPTURE_ENTRY)
    assert (done.returncode, done.stderr) == (0, "")
    assert capture.requests() == [("POST", f"/v1/{PROJECT_ID}/git/auths/github/personal", True)]
    assert "    repo_user: captured\n" in hostile.read_text(encoding="utf-8")


def test_a_malformed_trusted_list_is_a_usage_error(hostile: Path, capture: CaptureServer) -> None:
    done = cli(capture, "list", str(hostile), "--trust-endpoint", "capture test")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "servicestage-ls list: error: argument --trust-endpoint: expected HOST or HOST:PORT: 'capture test' is not a "
        "host name")
    done = cli(capture, "list", str(hostile), env={"SERVICESTAGE_TRUSTED_ENDPOINTS": "capture.test:4443,a/b"})
    assert (done.returncode, done.stderr) == (2, f"{hostile}: error: the trusted endpoints cannot be read: "
                                                 "SERVICESTAGE_TRUSTED_ENDPOINTS: 'a/b' is not a host name; nothing "
                                                 "is sent\n")
    assert capture.captured == []
