"""The hostile repository (tests/fixtures/hostile-repo/) opened in Neovim (Debian's 0.7 and a current one) and in
Emacs with eglot: the plugins start the server by the absolute path of its program, outside the project, so
nothing of the repository is imported or run — not its ``servicestage-ls`` (found first where the current
directory is searched), not its shadow modules, not its ``.nvim.lua``/``.exrc``, not the command or the risky
variables of its ``.dir-locals.el`` (Emacs is told to apply every local variable, as a user who answers yes would);
and what its ``.dir-locals.el`` says in ``eglot-workspace-configuration`` does not reach initializationOptions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from helpers.cloud_servers import subprocess_env
from helpers.emacs import run_emacs
from helpers.hostile import copy_hostile_repo, traces
from helpers.neovim import CLIENT_DIR as NEOVIM_CLIENT_DIR
from helpers.neovim import nvim_executable, pypi_nvim, run_neovim

VENV_BIN = Path(sys.executable).parent
PROGRAM = VENV_BIN / "servicestage-ls"


@pytest.fixture(scope="module", params=["debian-0.7", "pypi-latest"])
def nvim(request: pytest.FixtureRequest) -> str:
    if request.param == "debian-0.7":
        return nvim_executable(os.environ.get("SERVICESTAGE_NVIM", "nvim"))
    return pypi_nvim()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_hostile_repo(tmp_path / "repo")
    (root / ".git").mkdir()
    return root


def env_with_path(path: str) -> dict[str, str]:
    return {**subprocess_env(), "PATH": path, "GITHUB_TOKEN": "ghp_" + "H" * 36}


OPEN = """
vim.cmd("edit servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
"""


def test_neovim_runs_the_program_on_path_by_its_absolute_path_in_the_plugins_folder(nvim: str, tmp_path: Path,
                                                                                    repo: Path) -> None:
    result = run_neovim(nvim, tmp_path / "nvim", repo, env_with_path(f"{VENV_BIN}:/usr/bin:/bin"),
                        'require("servicestage_ls").setup({})', OPEN + """
T.wait("the diagnostics", function() return T.report_count(buf) > 0 end)
local client = require("servicestage_ls").buf_clients(buf)[1]
R.cmd = client.config.cmd
R.cmd_cwd = client.config.cmd_cwd
R.pid = vim.fn.getpid()
""")
    r = result.results
    assert r["cmd"] == [str(PROGRAM), "serve"]
    assert r["cmd_cwd"] == str(NEOVIM_CLIENT_DIR)
    assert traces(repo) == []


def test_neovim_never_runs_the_repositorys_own_servicestage_ls(nvim: str, tmp_path: Path, repo: Path) -> None:
    """A "." in PATH (and Windows' search of the current directory) would find the repository's servicestage-ls."""
    message = (f"servicestage-ls: `servicestage-ls` was found in the current directory ({repo / 'servicestage-ls'}), "
               'not on PATH: not started (give setup{ cmd = { "/absolute/path/to/servicestage-ls", "serve" } })')
    result = run_neovim(nvim, tmp_path / "nvim", repo, env_with_path(".:/usr/bin:/bin"),
                        'require("servicestage_ls").setup({})', OPEN + """
T.wait("the error", function() return #ERRORS > 0 end)
R.clients = #require("servicestage_ls").buf_clients(buf)
""", expected_errors=[message])
    assert result.results["clients"] == 0
    assert traces(repo) == []


def test_neovim_says_once_when_the_program_is_not_on_path(nvim: str, tmp_path: Path, repo: Path) -> None:
    (repo / "servicestage-ls").unlink()
    message = ("servicestage-ls: `servicestage-ls` is not on PATH; install servicestage-ls (pip install "
               'servicestage-ls) (give setup{ cmd = { "/absolute/path/to/servicestage-ls", "serve" } })')
    run_neovim(nvim, tmp_path / "nvim", repo, env_with_path("/usr/bin:/bin"), 'require("servicestage_ls").setup({})',
               OPEN + 'vim.cmd("edit other.servicestage.yaml")\nT.wait("the error", function() return #ERRORS > 0 end)\n',
               expected_errors=[message])
    assert traces(repo) == []


def test_neovim_passes_the_users_trusted_endpoints_and_reads_no_exrc(nvim: str, tmp_path: Path, repo: Path) -> None:
    result = run_neovim(nvim, tmp_path / "nvim", repo, env_with_path(f"{VENV_BIN}:/usr/bin:/bin"),
                        'require("servicestage_ls").setup({ trusted_endpoints = { "cse.example.internal:8443" } })',
                        OPEN + """
T.wait("the diagnostics", function() return T.report_count(buf) > 0 end)
R.init_options = require("servicestage_ls").buf_clients(buf)[1].config.init_options
""")
    assert result.results["init_options"] == {"trustedEndpoints": ["cse.example.internal:8443"]}
    assert traces(repo) == []  # .nvim.lua and .exrc were not sourced (the 'exrc' option is off)


EMACS_BODY = """
  (T-call #'find-file "servicestage.yaml")
  (T-wait "eglot to manage servicestage.yaml" (lambda () eglot--managed-mode))
  (T-command #'move-beginning-of-line)
  (T-set "live" (and (process-live-p (jsonrpc--process (eglot--current-server-or-lose))) t))
  (T-set "local_command" servicestage-ls-command)
  (T-set "command" (process-command (jsonrpc--process (eglot--current-server-or-lose))))
  (T-set "initialization_options"
         (json-encode (eglot-initialization-options (eglot--current-server-or-lose))))
"""


def test_emacs_runs_the_program_on_exec_path_and_ignores_the_dir_locals(tmp_path: Path, repo: Path) -> None:
    configure = ("(setq servicestage-ls-trusted-endpoints '(\"cse.example.internal\"))\n"
                 "(add-hook 'servicestage-yaml-mode-hook #'eglot-ensure)\n")
    result = run_emacs(tmp_path / "emacs", repo, env_with_path(f"{VENV_BIN}:/usr/bin:/bin"), configure, EMACS_BODY,
                       "servicestage.yaml")
    r = result.results
    assert r["live"] is True
    # The .dir-locals.el did set its buffer-local command (every local variable is applied here) ...
    assert r["local_command"][0] == "/bin/sh"
    # ... but the server is the user's program, by its absolute path, with the user's initializationOptions.
    assert r["command"] == [str(PROGRAM)]
    assert r["initialization_options"] == '{"trustedEndpoints":["cse.example.internal"]}'
    assert traces(repo) == []


def test_emacs_says_when_the_program_is_not_on_exec_path(tmp_path: Path, repo: Path) -> None:
    body = """
  (T-set "error" (condition-case err (progn (servicestage-ls--contact) nil) (user-error (cadr err))))
"""
    result = run_emacs(tmp_path / "emacs", repo, env_with_path("/usr/bin:/bin"), "", body)
    assert result.results["error"] == ('servicestage-ls: "servicestage-ls" is not on exec-path; install servicestage-ls '
                                       "(pip install servicestage-ls) or set servicestage-ls-command to its absolute "
                                       "path")
    assert traces(repo) == []
