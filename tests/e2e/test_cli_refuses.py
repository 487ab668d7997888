"""What a cloud command refuses before anything is sent (exit 2, one line): a file the user may not write (it
would be replaced), a file too large to be validated (SS104); and a file that cannot be replaced after the calls
(immutable: EPERM on the rename) is said in one plain line."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, GITHUB_VALUE, remote_names
from helpers.cloud_servers import EmulatorProcess, subprocess_env
from servicestage_ls.cli import main
from servicestage_ls.core.model import MAX_TEXT_CHARS

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
COMMAND = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]


def entry(name: str, extra: str = "") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n{extra}"


def cli(*args: str) -> tuple[int, str, str]:
    env = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE}
    done = subprocess.run([*COMMAND, *args], capture_output=True, text=True, env=env, timeout=DEADLINE,
                          stdin=subprocess.DEVNULL)
    for secret in ALL_SECRETS:
        assert secret not in done.stdout + done.stderr
    return done.returncode, done.stdout, done.stderr


WRITERS = [("create",), ("apply",), ("apply", "--prune", "--yes"), ("refresh",), ("import",),
           ("delete", "--name", "ro-done", "--yes")]


@pytest.mark.parametrize("args", WRITERS, ids=lambda a: " ".join(a))
def test_a_read_only_file_is_refused_before_anything_is_sent(tmp_path: Path, emulator: EmulatorProcess,
                                                             args: tuple[str, ...]) -> None:
    project = uuid.uuid4().hex
    path = tmp_path / "ro.servicestage.yaml"
    text = (f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n" + entry("ro-new")
            + entry("ro-done", "    repo_user: someone\n    status: 0\n"))
    path.write_text(text, encoding="utf-8")
    path.chmod(0o444)
    code, out, err = cli(args[0], str(path), *args[1:])
    assert (code, out, err) == (2, "", f"{path}: error: the file is read-only; make it writable first (chmod u+w "
                                       f"{path}); nothing was sent\n")
    assert path.read_text(encoding="utf-8") == text and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert remote_names(emulator, project) == []
    code, out, err = cli("apply", str(path), "--dry-run")  # reads only: runs
    assert (code, err) == (0, "")


SS104 = (f"error: the file was not validated, so nothing is sent: SS104 the file has {MAX_TEXT_CHARS + 1:,} "
         f"characters, more than the {MAX_TEXT_CHARS:,} that are validated; split it into smaller files")


@pytest.mark.parametrize("args", [("create",), ("list",), ("refresh",), ("plan",), ("apply",), ("import",),
                                  ("delete", "--name", "big-one", "--yes"), ("test",)], ids=lambda a: " ".join(a))
def test_a_file_too_large_to_validate_is_refused_by_every_cloud_command(
        tmp_path: Path, emulator: EmulatorProcess, args: tuple[str, ...]) -> None:
    path = tmp_path / "big.servicestage.yaml"
    head = f"project_id: {uuid.uuid4().hex}\nendpoint: {emulator.url}\nauthorizations:\n" + entry("big-one")
    path.write_text(head + "#" * (MAX_TEXT_CHARS + 1 - len(head) - 1) + "\n", encoding="utf-8")
    code, out, err = cli(args[0], str(path), *args[1:])
    assert (code, out, err) == (2, "", f"{path}: {SS104}\n")


def test_an_immutable_file_is_one_plain_line(tmp_path: Path, emulator: EmulatorProcess,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`chattr +i` makes the rename fail with EPERM (the temporary file's path and the errno are not shown)."""
    for name in [n for n in os.environ if n.startswith("HUAWEICLOUD_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HUAWEICLOUD_AUTH_TOKEN", API_TOKEN)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_VALUE)
    project = uuid.uuid4().hex
    path = tmp_path / "immutable.servicestage.yaml"
    text = f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n" + entry("frozen-one")
    path.write_text(text, encoding="utf-8")

    def immutable(source: str, target: str) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted", source, target)

    monkeypatch.setattr(os, "replace", immutable)
    assert main(["create", str(path)]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", (
        f"{path}: created 'frozen-one' (repo_user frozen-one, status 0 (normal)) but did not write it back: the file "
        "cannot be replaced: operation not permitted (is it immutable? `lsattr` shows it)\n"))
    assert path.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    assert remote_names(emulator, project) == ["frozen-one"]
