"""The start-up cache of attrs-generated code: built once, reused, and harmless when broken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
