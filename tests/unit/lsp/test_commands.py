"""The server's command ids are the same set in the server (``lsp/commands.py``, and what ``create_server``
registers), the VS Code extension (``client-vscode/src``) and the Neovim client (``client-neovim``).

Every ``servicestage-ls.*`` string literal of the client sources counts, so a new command, or a misspelt one
at a call site, shows up as a difference."""

from __future__ import annotations

import re
from pathlib import Path

from servicestage_ls.lsp import commands
from servicestage_ls.lsp.setup import create_server

ROOT = Path(__file__).resolve().parents[3]
COMMAND_ID = re.compile(r"""["'](servicestage-ls\.[A-Za-z][\w.]*)["']""")


def _ids_in(folder: str, suffix: str) -> set[str]:
    files = sorted((ROOT / folder).rglob(f"*{suffix}"))
    assert files, f"no {suffix} files under {folder}"
    return {m.group(1) for f in files for m in COMMAND_ID.finditer(f.read_text(encoding="utf-8"))}


def _python_ids() -> set[str]:
    values = {v for k, v in vars(commands).items() if k.isupper() and isinstance(v, str)}
    return {v for v in values if v.startswith("servicestage-ls.")}


def test_the_server_registers_exactly_the_commands_of_lsp_commands() -> None:
    registered = set(create_server(env={}).protocol.fm.commands)
    assert registered == _python_ids()
    assert {commands.CREATE, commands.CREATE_ALL, commands.REFRESH} <= registered


def test_the_vscode_extension_uses_the_same_command_ids() -> None:
    assert _ids_in("client-vscode/src", ".ts") == _python_ids()


def test_the_neovim_client_uses_the_same_command_ids() -> None:
    assert _ids_in("client-neovim", ".lua") == _python_ids()
