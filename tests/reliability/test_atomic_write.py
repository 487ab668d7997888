"""``servicestage-ls create`` never corrupts the file: ``write_atomically`` under failures and SIGKILL.

A failure anywhere in the write (fsync, chmod, rename, a full disk, Ctrl-C) leaves the original byte-identical and
no temporary file behind; a KILL in the middle leaves the original byte-identical (a stray temporary may remain).
Permissions are kept, the temporary is never readable by others, and a symlink keeps pointing at its target.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from servicestage_ls.cli import files as cli_files
from servicestage_ls.cli.files import write_atomically

ORIGINAL = ("\ufeffproject_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\r\nregion: cn-north-4\r\nauthorizations:\r\n"
            "  - name: 名前😀\r\n    repo_type: github\r\n    token: ${GITHUB_TOKEN}\r\n").encode()
NEW_TEXT = ORIGINAL.decode().replace("${GITHUB_TOKEN}\r\n", "${GITHUB_TOKEN}\r\n    repo_user: u\r\n    status: 0\r\n")
DEADLINE = 20.0


def make_file(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "team.servicestage.yaml"
    path.write_bytes(ORIGINAL)
    os.chmod(path, mode)
    return path


def assert_untouched(path: Path, mode: int, stray_allowed: bool = False) -> None:
    assert path.read_bytes() == ORIGINAL
    assert stat.S_IMODE(path.stat().st_mode) == mode
    strays = [p.name for p in path.parent.iterdir() if p.name.startswith(".servicestage-")]
    if not stray_allowed:
        assert strays == []


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644])
def test_a_successful_write_keeps_permissions_and_bytes(tmp_path: Path, mode: int) -> None:
    path = make_file(tmp_path, mode)
    write_atomically(str(path), NEW_TEXT)
    assert path.read_bytes() == NEW_TEXT.encode()  # CRLF, BOM and non-ASCII exactly as given
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def _raise(exc: BaseException):  # noqa: ANN202 - a stand-in for a failing os function
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


@pytest.mark.parametrize("mode", [0o600, 0o640])
@pytest.mark.parametrize(
    ("target", "exc"),
    [
        ("fsync", OSError(errno.EIO, "I/O error")),
        ("fsync", KeyboardInterrupt()),
        ("chmod", PermissionError(errno.EPERM, "not permitted")),
        ("replace", OSError(errno.EXDEV, "cross-device link")),
        ("replace", KeyboardInterrupt()),
    ],
    ids=["fsync-EIO", "fsync-ctrl-c", "chmod-EPERM", "replace-EXDEV", "replace-ctrl-c"],
)
def test_a_failure_during_the_write_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        target: str, exc: BaseException, mode: int) -> None:
    path = make_file(tmp_path, mode)
    monkeypatch.setattr(cli_files.os, target, _raise(exc))
    with pytest.raises(type(exc)):
        write_atomically(str(path), NEW_TEXT)
    monkeypatch.undo()
    assert_untouched(path, mode)


def test_a_full_disk_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_file(tmp_path, 0o600)
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, f):  # noqa: ANN001, ANN204
            self.f = f

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

        def write(self, text: str) -> int:
            self.f.write(text[: len(text) // 2])
            self.f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli_files.os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    with pytest.raises(OSError, match="No space left"):
        write_atomically(str(path), NEW_TEXT)
    monkeypatch.undo()
    assert_untouched(path, 0o600)


def test_a_symlink_keeps_pointing_at_its_target(tmp_path: Path) -> None:
    """The rename used to replace the link itself with a regular file, leaving the real file unchanged."""
    shared = tmp_path / "shared"
    shared.mkdir()
    target = make_file(shared, 0o640)
    link = tmp_path / "link.servicestage.yaml"
    link.symlink_to(os.path.relpath(target, tmp_path))
    write_atomically(str(link), NEW_TEXT)
    assert link.is_symlink()
    assert target.read_bytes() == NEW_TEXT.encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_read_only_folder_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary file cannot be made (a read-only folder; simulated: root, who runs CI, writes anywhere)."""
    path = make_file(tmp_path, 0o600)

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(PermissionError):
        write_atomically(str(path), NEW_TEXT)
    assert_untouched(path, 0o600)


# --- a new file (import -o) -------------------------------------------------------------------------------------


def test_a_new_file_appears_whole_with_the_umasks_permissions(tmp_path: Path) -> None:
    path = tmp_path / "new.servicestage.yaml"
    umask = os.umask(0o077)
    try:
        cli_files.write_new(str(path), NEW_TEXT)
    finally:
        os.umask(umask)
    assert (path.read_bytes(), stat.S_IMODE(path.stat().st_mode)) == (NEW_TEXT.encode(), 0o600)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize(("target", "exc"), [
    ("fsync", OSError(errno.EIO, "I/O error")),
    ("fsync", KeyboardInterrupt()),
    ("link", KeyboardInterrupt()),
], ids=["fsync-EIO", "fsync-ctrl-c", "link-ctrl-c"])
def test_a_failure_while_making_a_new_file_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           target: str, exc: BaseException) -> None:
    monkeypatch.setattr(cli_files.os, target, _raise(exc))
    with pytest.raises(type(exc)):
        cli_files.write_new(str(tmp_path / "new.servicestage.yaml"), NEW_TEXT)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("existing", ["file", "dangling-link"])
def test_a_new_file_never_replaces_what_has_its_name(tmp_path: Path, existing: str) -> None:
    path = tmp_path / "new.servicestage.yaml"
    if existing == "file":
        path.write_bytes(ORIGINAL)
    else:
        path.symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        cli_files.write_new(str(path), NEW_TEXT)
    assert (existing == "file" and path.read_bytes() == ORIGINAL) or os.readlink(path) == str(tmp_path / "nowhere")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("existing", [False, True])
def test_without_hard_links_a_new_file_is_renamed_into_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             existing: bool) -> None:
    """A file system without hard links (FAT, some shares): a rename after a last look at the name."""
    path = tmp_path / "new.servicestage.yaml"
    if existing:
        path.write_bytes(ORIGINAL)
    monkeypatch.setattr(cli_files.os, "link", _raise(OSError(errno.EPERM, "Operation not permitted")))
    if existing:
        with pytest.raises(FileExistsError):
            cli_files.write_new(str(path), NEW_TEXT)
    else:
        cli_files.write_new(str(path), NEW_TEXT)
    assert path.read_bytes() == (ORIGINAL if existing else NEW_TEXT.encode())
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


# --- SIGKILL in the middle of the write --------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import os, stat, sys
    from servicestage_ls.cli import files

    path, point, gate = sys.argv[1], sys.argv[2], int(sys.argv[3])
    real = getattr(os, point)

    def blocking(*args, **kwargs):
        temps = [n for n in os.listdir(os.path.dirname(path)) if n.startswith(".servicestage-")]
        modes = [oct(stat.S_IMODE(os.stat(os.path.join(os.path.dirname(path), n)).st_mode)) for n in temps]
        print("blocked", point, *modes, flush=True)
        os.read(gate, 1)  # the test never writes to this pipe: wait here until killed
        return real(*args, **kwargs)

    setattr(os, point, blocking)
    files.write_atomically(path, open(sys.argv[4], encoding="utf-8", newline="").read())
    print("finished", flush=True)
""")


def _read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, end - time.monotonic()))
        if ready:
            return proc.stdout.readline()
    raise AssertionError(f"the writer did not reach the blocking point within {deadline} s")


@pytest.mark.parametrize("point", ["fsync", "chmod", "replace"])
@pytest.mark.parametrize("mode", [0o600, 0o640])
def test_a_kill_during_the_write_leaves_the_original(tmp_path: Path, point: str, mode: int) -> None:
    path = make_file(tmp_path, mode)
    new_file = tmp_path.parent / f"{tmp_path.name}-new.txt"
    new_file.write_text(NEW_TEXT * 2000, encoding="utf-8", newline="")  # big enough to be mid-write for real
    gate_read, gate_write = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), point, str(gate_read), str(new_file)],
            stdout=subprocess.PIPE, text=True, pass_fds=(gate_read,),
        )
        try:
            line = _read_line(proc, DEADLINE).split()
            assert line[:2] == ["blocked", point], line
            # The temporary holds the new content (a secret store): readable by its owner only until it is
            # complete; then it gets the original's mode, just before the rename.
            modes = [int(m, 8) for m in line[2:]]
            assert modes == ([mode] if point == "replace" else [0o600]), line
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=DEADLINE) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=DEADLINE)
            assert proc.stdout is not None
            proc.stdout.close()
    finally:
        os.close(gate_read)
        os.close(gate_write)
    assert_untouched(path, mode, stray_allowed=True)
