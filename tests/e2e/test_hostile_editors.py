"""The hostile repository (tests/fixtures/hostile-repo/) opened in Neovim (Debian's 0.7 and a current one) and in
Emacs with eglot: the plugins start the server by the absolute path of its program, outside the project, so
nothing of the repository is imported or run — not its ``servicestage-ls`` (found first where the current
directory is searched), not its shadow modules, not its ``.nvim.lua``/``.exrc``, not the command or the risky
variables of its ``.dir-locals.el`` (Emacs is told to apply every local variable, as a user who answers yes would);
and what its ``.dir-locals.el`` says in ``eglot-workspace-configuration`` does not reach initializationOptions."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.capture import CAPTURE_ENTRY, PROJECT_ID, CaptureServer, capture_server
from helpers.cloud_servers import subprocess_env
from helpers.emacs import run_emacs, server_messages
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


# -- the host its file names: nothing reaches it until the user trusts it (tests/helpers/capture.py) ------------

REFUSAL = (f"the endpoint's host {CAPTURE_ENTRY} is not trusted to receive your credentials: nothing is sent to it "
           "until you trust it with the user setting servicestage.trustedEndpoints (trustedEndpoints in the client's "
           f"initializationOptions) or SERVICESTAGE_TRUSTED_ENDPOINTS={CAPTURE_ENTRY} in the language server's "
           "environment")
WARNING = 2  # window/showMessage's type
CREATED = ("POST", f"/v1/{PROJECT_ID}/git/auths/github/personal", True)


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaptureServer]:
    with capture_server(tmp_path_factory.mktemp("capture")) as server:
        yield server


def capture_env(capture: CaptureServer) -> dict[str, str]:
    """The user's environment: credentials, the server on PATH, the capture server as the https proxy."""
    return capture.env({**env_with_path(f"{VENV_BIN}:/usr/bin:/bin"), "HUAWEICLOUD_AUTH_TOKEN": "hostile-iam-token"})


NEOVIM_CREATE = OPEN + """
T.wait("the diagnostics", function() return T.report_count(buf) > 0 end)
R.codes = T.codes(buf)
vim.cmd("write")  -- the user's remoteCheck is onSave
vim.api.nvim_win_set_cursor(0, { 8, 4 })  -- the entry
vim.cmd("ServiceStageCreate")
T.wait("the create's outcome", function()
  for _, m in ipairs(R.messages) do
    if m.message:find("not trusted", 1, true) or m.message:find("created authorization", 1, true) then return true end
  end
  return false
end)
T.request(buf, "textDocument/hover", { textDocument = { uri = vim.uri_from_bufnr(buf) },
                                       position = { line = 7, character = 6 } })  -- a round trip after the save
R.lines = T.lines(buf)
"""


def neovim_setup(capture: CaptureServer, trusted: bool) -> str:
    trust = f', trusted_endpoints = {{ "{CAPTURE_ENTRY}" }}' if trusted else ""
    return ('require("servicestage_ls").setup({ settings = { caBundle = "' + str(capture.ca)
            + '", remoteCheck = "onSave" }' + trust + " })")


def test_neovim_sends_nothing_to_the_files_host_until_the_user_trusts_it(nvim: str, tmp_path: Path, repo: Path,
                                                                         capture: CaptureServer) -> None:
    capture.clear()
    result = run_neovim(nvim, tmp_path / "nvim", repo, capture_env(capture), neovim_setup(capture, trusted=False),
                        NEOVIM_CREATE)
    assert "SS123" in result.results["codes"]
    assert {"type": WARNING, "message": f"ServiceStage: {REFUSAL}"} in result.results["messages"]
    assert capture.captured == []
    assert traces(repo) == []


def test_neovim_once_the_user_trusts_the_host_the_create_reaches_it(nvim: str, tmp_path: Path, repo: Path,
                                                                    capture: CaptureServer) -> None:
    capture.clear()
    result = run_neovim(nvim, tmp_path / "nvim", repo, capture_env(capture), neovim_setup(capture, trusted=True),
                        NEOVIM_CREATE)
    assert "SS123" not in result.results["codes"]
    assert CREATED in capture.requests()
    assert "    repo_user: captured" in result.results["lines"]
    assert traces(repo) == []


EMACS_CREATE = """
  (defun T-events-have (text)
    (with-current-buffer (jsonrpc-events-buffer (eglot--current-server-or-lose))
      (save-excursion (goto-char (point-min)) (search-forward text nil t))))
  (T-call #'find-file "servicestage.yaml")
  (T-wait "eglot to manage servicestage.yaml" (lambda () eglot--managed-mode))
  (T-command #'move-beginning-of-line)
  (T-wait "the diagnostics" (lambda () (T-events-have "textDocument/publishDiagnostics")))
  (T-set "ss123" (and (T-events-have (concat ":code " (prin1-to-string "SS123"))) t))
  (T-goto 0 0)
  (insert " ")
  (T-call #'save-buffer)
  (T-goto 7 4)
  (T-call #'servicestage-ls-create)
  ;; The command is answered at once; its outcome follows: the write-back, or the refusal's message.
  (T-wait "the create's outcome"
          (lambda () (or (string-match-p "repo_user: captured" (T-text))
                         (with-current-buffer "*Messages*"
                           (save-excursion (goto-char (point-min)) (search-forward "is not trusted" nil t))))))
  (T-set "hover" (and (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                                       (eglot--TextDocumentPositionParams)) t))
  (T-set "text" (T-text))
"""


def emacs_configure(capture: CaptureServer, trusted: bool) -> str:
    trust = f"(setq servicestage-ls-trusted-endpoints '(\"{CAPTURE_ENTRY}\"))\n" if trusted else ""
    return (f"(setq servicestage-ls-settings '(:caBundle \"{capture.ca}\" :remoteCheck \"onSave\"))\n{trust}"
            "(add-hook 'servicestage-yaml-mode-hook #'eglot-ensure)\n")


def test_emacs_sends_nothing_to_the_files_host_whatever_the_dir_locals_say(tmp_path: Path, repo: Path,
                                                                          capture: CaptureServer) -> None:
    capture.clear()
    result = run_emacs(tmp_path / "emacs", repo, capture_env(capture), emacs_configure(capture, trusted=False),
                       EMACS_CREATE, "servicestage.yaml")
    assert result.results["ss123"] is True
    assert [WARNING, f"ServiceStage: {REFUSAL}"] in server_messages(result)
    assert capture.captured == []
    assert traces(repo) == []


def test_emacs_once_the_user_trusts_the_host_the_create_reaches_it(tmp_path: Path, repo: Path,
                                                                   capture: CaptureServer) -> None:
    capture.clear()
    result = run_emacs(tmp_path / "emacs", repo, capture_env(capture), emacs_configure(capture, trusted=True),
                       EMACS_CREATE, "servicestage.yaml")
    assert result.results["ss123"] is None
    assert CREATED in capture.requests()
    assert "    repo_user: captured\n" in result.results["text"]
    assert traces(repo) == []
