"""The start-up cache of attrs-generated code: built once, reused, and harmless when broken."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from servicestage_ls.lsp.startup import protected

PROBE = """
from servicestage_ls.lsp.startup import cache_path, faster_imports
with faster_imports():
    from lsprotocol import types
a, b = types.Position(line=1, character=2), types.Position(line=1, character=2)
assert a == b and a != types.Position(line=1, character=3) and repr(a) == "1:2"
try:
    types.Position(line="x", character=2)
except Exception:
    pass
print(cache_path())
"""


def probe(cache_home: Path) -> Path:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def test_the_cache_is_built_once_and_reused(tmp_path: Path) -> None:
    path = probe(tmp_path)
    assert path.parent == tmp_path / "servicestage-ls"
    built = path.stat()
    assert built.st_size > 100_000  # the code of lsprotocol's generated methods
    assert oct(built.st_mode & 0o777) == "0o600"
    probe(tmp_path)
    assert path.stat().st_mtime_ns == built.st_mtime_ns  # nothing new to compile: not written again


def test_a_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    path = probe(tmp_path)
    path.write_bytes(b"not marshal data")
    probe(tmp_path)
    assert path.stat().st_size > 100_000


def test_an_unwritable_cache_directory_is_not_a_problem(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x", encoding="utf-8")
    probe(blocked)  # XDG_CACHE_HOME is a file: nothing can be saved, the server starts all the same


# --- only the user's own, protected cache is loaded: it holds code that is run ---------------------------------

POISON = """
import marshal, sys
from pathlib import Path
path, marker = Path(sys.argv[1]), sys.argv[2]
codes = marshal.loads(path.read_bytes())
key = next(iter(codes))
source = f"import pathlib; pathlib.Path({marker!r}).touch(); exec(marshal.loads({marshal.dumps(codes[key])!r}))"
codes[key] = compile("import marshal\\n" + source, "poison", "exec")
path.write_bytes(marshal.dumps(codes))
"""


def poisoned_cache(cache_home: Path, marker: Path) -> Path:
    """A cache whose first code object also touches ``marker`` when it runs (then does its real work)."""
    path = probe(cache_home)
    subprocess.run([sys.executable, "-c", POISON, str(path), str(marker)], check=True, timeout=60)
    os.chmod(path, 0o600)
    return path


def test_the_poisoned_cache_runs_when_it_is_the_users_own(tmp_path: Path) -> None:
    """The check below could fail: a cache in the user's protected directory is loaded and its code runs."""
    marker = tmp_path / "ran"
    poisoned_cache(tmp_path / "cache", marker)
    probe(tmp_path / "cache")
    assert marker.exists()


@pytest.mark.parametrize("where", ["directory", "file"])
@pytest.mark.parametrize("bits", [0o020, 0o002], ids=["group-writable", "world-writable"])
def test_a_cache_others_may_write_is_ignored(tmp_path: Path, where: str, bits: int) -> None:
    marker = tmp_path / "ran"
    path = poisoned_cache(tmp_path / "cache", marker)
    target = path.parent if where == "directory" else path
    os.chmod(target, stat.S_IMODE(target.stat().st_mode) | bits)
    probe(tmp_path / "cache")
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
@pytest.mark.parametrize("where", ["directory", "file"])
def test_a_cache_another_user_owns_is_ignored(tmp_path: Path, where: str) -> None:
    marker = tmp_path / "ran"
    path = poisoned_cache(tmp_path / "cache", marker)
    os.chown(path.parent if where == "directory" else path, 65534, -1)
    probe(tmp_path / "cache")
    assert not marker.exists()


def test_a_cache_file_that_is_a_symlink_is_ignored(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = poisoned_cache(tmp_path / "cache", marker)
    elsewhere = tmp_path / "elsewhere.marshal"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    probe(tmp_path / "cache")
    assert not marker.exists()


def test_nothing_is_saved_into_a_directory_others_may_write(tmp_path: Path) -> None:
    shared = tmp_path / "servicestage-ls"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    probe(tmp_path)
    assert list(shared.iterdir()) == []


def _status(mode: int, uid: int = 1000) -> os.stat_result:
    return os.stat_result((mode, 0, 0, 1, uid, 0, 0, 0, 0, 0))


@pytest.mark.parametrize(("mode", "uid", "kind", "expected"), [
    (stat.S_IFDIR | 0o700, 1000, stat.S_IFDIR, True),
    (stat.S_IFDIR | 0o755, 1000, stat.S_IFDIR, True),
    (stat.S_IFDIR | 0o775, 1000, stat.S_IFDIR, False),
    (stat.S_IFDIR | 0o757, 1000, stat.S_IFDIR, False),
    (stat.S_IFDIR | 0o700, 1001, stat.S_IFDIR, False),
    (stat.S_IFREG | 0o600, 1000, stat.S_IFREG, True),
    (stat.S_IFREG | 0o644, 1000, stat.S_IFREG, True),
    (stat.S_IFREG | 0o620, 1000, stat.S_IFREG, False),
    (stat.S_IFREG | 0o602, 1000, stat.S_IFREG, False),
    (stat.S_IFREG | 0o600, 0, stat.S_IFREG, False),
    (stat.S_IFIFO | 0o600, 1000, stat.S_IFREG, False),
    (stat.S_IFDIR | 0o700, 1000, stat.S_IFREG, False),
])
def test_protected_means_own_kind_owner_and_no_one_elses_write_bit(mode: int, uid: int, kind: int,
                                                                   expected: bool) -> None:
    assert protected(_status(mode, uid), 1000, kind) is expected
