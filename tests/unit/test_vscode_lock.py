"""The lock files of the VS Code extension's Python bundle (client-vscode/requirements.txt and
build-requirements.txt, read by client-vscode/scripts/lockfile.py): they satisfy pyproject.toml as it is now (a
changed dependency without `make lock` fails here, before any .vsix is built), hold the security floors, say how
to regenerate them, and a lock that is not exact pins with hashes, or pins a package twice, is refused."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "client-vscode" / "scripts"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("servicestage_vscode_lockfile", SCRIPTS / "lockfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


lockfile = _load()
HASH_A = "sha256:" + "a" * 64
HASH_B = "sha256:" + "b" * 64


def test_the_locks_satisfy_pyproject_and_hold_the_floors() -> None:
    pins, build_pins = lockfile.check_against_pyproject()
    dependencies, build = lockfile.pyproject_lists()
    assert lockfile.unmet(dependencies, pins) == []
    assert lockfile.unmet(build, build_pins) == []
    assert lockfile.unmet(["httpcore>=1.0.9", "h11>=0.16", "truststore>=0.10", "certifi>=2026.10.19"], pins) == []
    assert {"pygls", "lsprotocol", "pyyaml", "httpx", "httpcore", "h11", "certifi", "truststore"} <= set(pins)
    assert "setuptools" in build_pins
    for pin in (*pins.values(), *build_pins.values()):
        assert pin.hashes and all(h.startswith("sha256:") and len(h) == 71 for h in pin.hashes), pin


def test_each_lock_says_how_to_regenerate_it() -> None:
    for path in (lockfile.LOCK, lockfile.BUILD_LOCK):
        head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        assert "run `make lock`" in head and "`make lock UPGRADE=1`" in head, path
        assert "uv pip compile --universal --generate-hashes" in head, path


def test_a_pin_is_one_line_for_pip_without_its_marker(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        "# a comment\n"
        "exceptiongroup==1.3.2 ; python_full_version < '3.11' \\\n"
        f"    --hash={HASH_A} \\\n"
        f"    --hash={HASH_B}\n"
        "    # via anyio\n"
        f"colorama==0.4.6 ; sys_platform == 'win32' --hash={HASH_A}\n"
        f"pyobjc==11.0 ; sys_platform == 'ios' --hash={HASH_A}\n",
        encoding="utf-8",
    )
    pins = lockfile.read_lock(lock)
    assert list(pins) == ["exceptiongroup", "colorama"]  # nothing served needs pyobjc on iOS
    assert pins["exceptiongroup"].marker == 'python_full_version < "3.11"'
    assert pins["exceptiongroup"].line() == f"exceptiongroup==1.3.2 --hash={HASH_A} --hash={HASH_B}"
    assert lockfile.unmet(["exceptiongroup>=1.2; python_version < '3.11'", "colorama>=0.5", "anyio"], pins) == [
        "colorama>=0.5", "anyio"]


@pytest.mark.parametrize(("text", "message"), [
    (f"anyio>=4 --hash={HASH_A}\n", "requirements.txt: 'anyio>=4' is not pinned to one version (==): "),
    (f"anyio==4.* --hash={HASH_A}\n", "requirements.txt: 'anyio==4.*' is not pinned to one version (==): "),
    ("anyio==4.16.0\n", "requirements.txt: anyio==4.16.0 has no sha256 hashes: "),
    ("anyio==4.16.0 --hash=md5:0123\n", "requirements.txt: anyio==4.16.0 has no sha256 hashes: "),
    (f"idna==3.10 ; python_version < '3.11' --hash={HASH_A}\nidna==3.21 ; python_version >= '3.11' --hash={HASH_B}\n",
     "requirements.txt: idna is pinned twice (3.10 and 3.21); the bundle serves every Python from one folder and "
     "needs one version: "),
])
def test_a_lock_that_is_not_exact_is_refused(tmp_path: Path, text: str, message: str) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text(text, encoding="utf-8")
    with pytest.raises(lockfile.LockError) as caught:
        lockfile.read_lock(lock)
    suffix = "with a narrower requirement" if "twice" in message else ""
    assert str(caught.value) == message + lockfile.REGENERATE + (" " + suffix if suffix else "")
    assert lockfile.REGENERATE == "regenerate the lock files with `make lock` (client-vscode/scripts/lockfile.py)"


def test_a_missing_lock_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(lockfile.LockError) as caught:
        lockfile.read_lock(tmp_path / "requirements.txt")
    assert str(caught.value) == f"{tmp_path / 'requirements.txt'} does not exist: " + lockfile.REGENERATE
