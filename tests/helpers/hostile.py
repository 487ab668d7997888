"""The hostile repository (tests/fixtures/hostile-repo/): a copy of it to open in an editor, and what it left behind.

Its shadow modules (``servicestage_ls/``, ``yaml.py``, ``json.py``, ``httpx/``) write ``IMPORTED-<name>`` into the
copy's root when imported, and its ``bin/python3`` writes ``RAN-bin-python3`` when run; its editor files
(``.vscode/settings.json``, ``.dir-locals.el``, ``.nvim.lua``, ``.exrc``) try to choose a program, a CA and the
host that receives the credentials. A test copies it, opens it, and asserts ``traces(copy) == []``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile-repo"
TRACE_PREFIXES = ("IMPORTED-", "RAN-")


def copy_hostile_repo(dest: Path, replacements: dict[str, str] | None = None) -> Path:
    """A copy of the fixture at ``dest`` (the executable bits kept), with each ``@NAME@`` placeholder of its text
    files replaced by ``replacements[NAME]``."""
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__", *(p + "*" for p in TRACE_PREFIXES)))
    for path in dest.rglob("*"):
        if path.is_file() and replacements:
            text = path.read_text(encoding="utf-8")
            for name, value in replacements.items():
                text = text.replace(f"@{name}@", value)
            path.write_text(text, encoding="utf-8")
    return dest


def traces(root: Path) -> list[str]:
    """The marker files the repository's code left: what of it was imported or run (sorted)."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(TRACE_PREFIXES))
