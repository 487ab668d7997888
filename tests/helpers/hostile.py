"""The hostile repository (tests/fixtures/hostile-repo/): a copy of it to open in an editor, and what it left behind.

Its shadow modules (``servicestage_ls/``, ``yaml.py``, ``json.py``, ``httpx/``) write ``IMPORTED-<name>`` into the
copy's root when imported, and its programs (``bin/python3``, ``servicestage-ls``) and editor files (``.nvim.lua``,
``.exrc``, the command in ``.dir-locals.el``) write ``RAN-<name>`` when run; the editor files
(``.vscode/settings.json``, ``.dir-locals.el``, ``.nvim.lua``) also try to choose the CA and the host that receives
the credentials (its ``servicestage.yaml`` names that host: tests/helpers/capture.py). A test copies it, opens it,
and asserts ``traces(copy) == []``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile-repo"
TRACE_PREFIXES = ("IMPORTED-", "RAN-")


def copy_hostile_repo(dest: Path) -> Path:
    """A copy of the fixture at ``dest`` (the executable bits kept), without traces of an earlier run."""
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__", *(p + "*" for p in TRACE_PREFIXES)))
    return dest


def traces(root: Path) -> list[str]:
    """The marker files the repository's code left: what of it was imported or run (sorted)."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(TRACE_PREFIXES))
