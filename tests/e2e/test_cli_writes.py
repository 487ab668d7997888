"""What the cloud commands write and what they say when a write does not happen: ``import -o`` makes its new file
whole or not at all (never over a file that appeared meanwhile), and ``apply`` exits 1 with ``create``'s words
when a write-back is refused — the entry edited meanwhile or the file gone."""

from __future__ import annotations

import errno
import os
import stat
import uuid
from pathlib import Path

import httpx
import pytest

from helpers.cloud_lsp import API_TOKEN, GITHUB_VALUE, remote_names
from helpers.cloud_servers import EmulatorProcess
from servicestage_ls.cli import files as cli_files
from servicestage_ls.cli import main

READING = "interrupted; nothing was changed in ServiceStage (this command only reads it)"


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("HUAWEICLOUD_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HUAWEICLOUD_AUTH_TOKEN", API_TOKEN)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_VALUE)
    monkeypatch.delenv("OTHER_TOKEN", raising=False)


def entry(name: str, token: str = "${GITHUB_TOKEN}", extra: str = "") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: {token}\n{extra}"


def project_with_one(emulator: EmulatorProcess) -> tuple[str, str]:
    """A fresh project holding one authorization (its name)."""
    project = uuid.uuid4().hex
    name = f"imp-{uuid.uuid4().hex[:8]}"
    answer = httpx.post(f"{emulator.url}/v1/{project}/git/auths/github/personal", json={"name": name,
                        "token": GITHUB_VALUE}, headers={"X-Auth-Token": API_TOKEN}, trust_env=False)
    assert answer.status_code in (200, 201)
    return project, name


def imported_text(emulator: EmulatorProcess, project: str, name: str) -> str:
    return (f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n"
            f"  - name: {name}\n    repo_type: github\n    token: ${{{name.upper().replace('-', '_')}_TOKEN}}\n"
            f"    host: https://github.com/{name}\n    repo_user: {name}\n    status: 0  # normal\n")


# --- import -o: the new file whole or not at all ------------------------------------------------------------------


def test_import_o_writes_the_new_file_with_a_new_files_permissions(
        tmp_path: Path, emulator: EmulatorProcess, capsys: pytest.CaptureFixture[str]) -> None:
    project, name = project_with_one(emulator)
    output = tmp_path / "new.servicestage.yaml"
    umask = os.umask(0o027)
    try:
        code = main(["import", "-o", str(output), "--endpoint", emulator.url, "--project-id", project])
    finally:
        os.umask(umask)
    variable = f"{name.upper().replace('-', '_')}_TOKEN"
    assert (code, capsys.readouterr()) == (0, (f"{output}: imported '{name}'; its token is read from {variable} "
                                               "when it is created again or rotated (set it in the environment "
                                               "first)\n", ""))
    assert output.read_text(encoding="utf-8") == imported_text(emulator, project, name)
    assert stat.S_IMODE(output.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [output.name]  # no temporary file left


@pytest.mark.parametrize(("failure", "code", "said"), [
    (OSError(errno.ENOSPC, "No space left on device"), 2, "error: cannot write it: No space left on device"),
    (KeyboardInterrupt(), 1, READING),
], ids=["disk-full", "ctrl-c"])
def test_import_o_interrupted_while_writing_leaves_no_file(
        tmp_path: Path, emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], failure: BaseException, code: int, said: str) -> None:
    """The text reached the disk only in part when the flush to it fails: no file at all, not a partial one."""
    project, _ = project_with_one(emulator)
    output = tmp_path / "new.servicestage.yaml"

    def fail(fd: int) -> None:
        raise failure

    monkeypatch.setattr(cli_files.os, "fsync", fail)
    assert main(["import", "-o", str(output), "--endpoint", emulator.url, "--project-id", project]) == code
    assert capsys.readouterr() == ("", f"{output}: {said}\n")
    assert list(tmp_path.iterdir()) == []


def test_import_o_never_replaces_a_file_made_while_servicestage_answered(
        tmp_path: Path, emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from servicestage_ls.engine import imports

    project, _ = project_with_one(emulator)
    output = tmp_path / "new.servicestage.yaml"
    made = imports.new_file_text

    def then_someone_writes_it(*args: object, **kwargs: object) -> str:
        output.write_text("mine\n", encoding="utf-8")  # after the first look, before the write
        return made(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "new_file_text", then_someone_writes_it)
    assert main(["import", "-o", str(output), "--endpoint", emulator.url, "--project-id", project]) == 2
    assert capsys.readouterr() == ("", f"{output}: error: the file exists; `servicestage-ls import {output}` adds "
                                       "to it\n")
    assert output.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [output.name]


# --- apply and create: a refused write-back exits 1, said the same way ---------------------------------------------


@pytest.mark.parametrize("command", ["apply", "create"])
@pytest.mark.parametrize("meanwhile", ["edited", "gone"])
def test_a_refused_write_back_exits_1_with_creates_words(
        tmp_path: Path, emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], command: str, meanwhile: str) -> None:
    from servicestage_ls.cloud.client import ServiceStageClient

    project = uuid.uuid4().hex
    name = f"wb-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "wb.servicestage.yaml"
    head = f"project_id: {project}\nendpoint: {emulator.url}\nauthorizations:\n"
    path.write_text(head + entry(name), encoding="utf-8")
    typed = head + entry(name, token="${OTHER_TOKEN}")
    sent = ServiceStageClient.create_personal_authorization

    async def then_changed(self: ServiceStageClient, *args: str | None) -> object:
        answer = await sent(self, *args)  # type: ignore[arg-type]
        if meanwhile == "edited":
            path.write_text(typed, encoding="utf-8")
        else:
            path.unlink()
        return answer

    monkeypatch.setattr(ServiceStageClient, "create_personal_authorization", then_changed)
    assert main([command, str(path)]) == 1
    why = {"edited": f"'{name}' changed while ServiceStage answered (token); nothing was written — write repo_user "
                     "and status with Refresh status in the editor, or by hand",
           "gone": "no such file"}[meanwhile]
    summary = f"{path}: apply: 1 done, 1 not written to the file ({name})\n" if command == "apply" else ""
    assert capsys.readouterr() == (summary, f"{path}: created '{name}' (repo_user {name}, status 0 (normal)) but did "
                                            f"not write it back: {why}\n")
    if meanwhile == "edited":
        assert path.read_text(encoding="utf-8") == typed
    else:
        assert not path.exists()
    assert remote_names(emulator, project) == [name]  # done in ServiceStage all the same
