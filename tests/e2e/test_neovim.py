"""The Neovim client (client-neovim/) in a real headless Neovim, talking to the real server over stdio.

Each test generates an init.lua that puts client-neovim/ on the runtimepath and calls
``require("servicestage_ls").setup{...}`` with the server command ``python -m servicestage_ls serve``, and a Lua
script that drives the editor and records results as JSON (tests/helpers/neovim.py). Neovim missing is a
failure: CI installs it (`apt-get install neovim`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.cloud_servers import EmulatorProcess, start_emulator, subprocess_env
from helpers.neovim import ExpectedError, NeovimRun, lua, nvim_executable, pypi_nvim, run_neovim

from servicestage_ls.core.files import matches

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AUTH_TOKEN = "nvim-emulator-token-SECRET"
GITHUB_TOKEN = "ghp_" + "Nv1mT0ken" * 4
GITLAB_TOKEN = "glpat-" + "NvimGitlab" * 2
SECRETS = (AUTH_TOKEN, GITHUB_TOKEN, GITLAB_TOKEN)
SERVER_CMD = [sys.executable, "-I", "-m", "servicestage_ls", "serve"]  # isolated: the project is not on its path
ERROR, WARNING = 1, 2  # vim.diagnostic.severity


NEOVIMS = ["debian-0.7", "pypi-latest"]


@pytest.fixture(scope="module", params=NEOVIMS)
def nvim(request: pytest.FixtureRequest) -> str:
    """Every test runs in Debian's Neovim 0.7 (the oldest we support) and in a current one from PyPI."""
    if request.param == "debian-0.7":
        return nvim_executable(os.environ.get("SERVICESTAGE_NVIM", "nvim"))
    return pypi_nvim()


@pytest.fixture(scope="module")
def new_nvim() -> str:
    return pypi_nvim()


@dataclass(frozen=True)
class Start:
    """A Neovim and the way the user starts the client in it."""

    nvim: str
    way: str  # "setup" (require("servicestage_ls").setup) or "enable" (vim.lsp.config/enable, Neovim 0.11+)

    def configure(self, **settings: object) -> str:
        if self.way == "setup":
            return setup_call(**settings)
        return ('vim.lsp.config("servicestage_ls", { cmd = ' + lua(SERVER_CMD) + ", settings = "
                + lua({"servicestage": settings}) + ' })\nvim.lsp.enable("servicestage_ls")')


@pytest.fixture(scope="module", params=["debian-0.7 setup", "pypi-latest setup", "pypi-latest enable"])
def start(request: pytest.FixtureRequest) -> Start:
    """Both ways of starting the client: setup() in both Neovims, vim.lsp.enable() in the one that has it."""
    which, way = request.param.split()
    if which == "debian-0.7":
        return Start(nvim_executable(os.environ.get("SERVICESTAGE_NVIM", "nvim")), way)
    return Start(pypi_nvim(), way)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository-like directory (it has .git, the root marker) with copies of the examples."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "deploy").mkdir()
    shutil.copy(EXAMPLES / "mistakes.servicestage.yaml", root / "mistakes.servicestage.yaml")
    shutil.copy(EXAMPLES / "team.servicestage.yaml", root / "deploy" / "team.servicestage.yaml")
    (root / "other.yaml").write_text("repo_type: githib\n", encoding="utf-8")
    return root


def editor_env(**extra: str) -> dict[str, str]:
    env = subprocess_env()  # the server inherits Neovim's environment
    env.update(GITHUB_TOKEN=GITHUB_TOKEN, GITLAB_TOKEN=GITLAB_TOKEN, **extra)
    return env


def setup_call(**settings: object) -> str:
    return 'require("servicestage_ls").setup({ cmd = ' + lua(SERVER_CMD) + ", settings = " + lua(settings) + " })"


def run(nvim: str, tmp_path: Path, project: Path, body: str, settings: dict[str, object] | None = None,
        env: dict[str, str] | None = None, configure: str | None = None,
        expected_errors: Sequence[ExpectedError] = ()) -> NeovimRun:
    """Fails as well when the user saw an error other than ``expected_errors`` (tests/helpers/neovim.py)."""
    result = run_neovim(nvim, tmp_path / "nvim", project, env or editor_env(),
                        configure or setup_call(**(settings or {})), body, expected_errors)
    for secret in SECRETS:  # never in messages, progress or the LSP traffic Neovim logged
        assert secret not in result.lsp_log
        assert secret not in str(result.results)
    return result


def diagnostic(code: str, lnum: int, col: int, end_col: int, severity: int = ERROR) -> dict[str, object]:
    return {"code": code, "lnum": lnum, "col": col, "end_lnum": lnum, "end_col": end_col, "severity": severity,
            "source": "servicestage"}


def without_messages(diagnostics: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in d.items() if k != "message"} for d in diagnostics]


MISTAKES_DIAGNOSTICS = [
    diagnostic("SS120", 1, 12, 24),
    diagnostic("SS121", 2, 8, 17),
    diagnostic("SS130", 4, 10, 12),
    diagnostic("SS132", 5, 15, 21),
    diagnostic("SS140", 6, 11, 53, WARNING),
    diagnostic("SS110", 7, 4, 10),
    diagnostic("SS111", 8, 4, 8),
    diagnostic("SS151", 10, 10, 38, WARNING),
    diagnostic("SS131", 11, 10, 22),
    diagnostic("SS160", 14, 12, 13, WARNING),
]


def test_diagnostics_completion_hover_and_one_client_per_root(nvim: str, tmp_path: Path, project: Path) -> None:
    result = run(nvim, tmp_path, project, r"""
vim.cmd("edit mistakes.servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
T.wait("diagnostics", function() return #vim.diagnostic.get(buf) > 0 end)
R.diagnostics = T.diagnostics(buf)

local uri = vim.uri_from_bufnr(buf)
-- `    repo_type: githib`: completion at the value
local completion = T.request(buf, "textDocument/completion", { textDocument = { uri = uri },
                                                              position = { line = 5, character = 15 } })
R.completion = {}
for _, item in ipairs(completion.items or completion) do
  table.insert(R.completion, { label = item.label, newText = item.textEdit and item.textEdit.newText or vim.NIL,
                               range = item.textEdit and item.textEdit.range or vim.NIL })
end
-- `    status: 1`: hover on the key
R.hover = T.request(buf, "textDocument/hover", { textDocument = { uri = uri },
                                                position = { line = 14, character = 6 } })

-- Typing a fix: the diagnostic goes away (validate = onChange, the default).
vim.api.nvim_buf_set_text(buf, 5, 15, 5, 21, { "github" })
T.wait("SS132 to go", function() return not vim.tbl_contains(T.codes(buf), "SS132") end)
R.after_fix = T.codes(buf)

-- One client per root: a file in a subdirectory of the same repository reuses it; other YAML gets none.
R.first_clients = T.client_ids(buf)
R.root = vim.lsp.get_client_by_id(R.first_clients[1]).config.root_dir
vim.cmd("edit deploy/team.servicestage.yaml")
local team = vim.api.nvim_get_current_buf()
R.team_clients = T.client_ids(team)
T.wait("team diagnostics to be published", function() return T.report_count(team) > 0 end)
R.team_diagnostics = T.diagnostics(team)
vim.cmd("edit other.yaml")
R.other_clients = T.client_ids(vim.api.nvim_get_current_buf())
R.all_clients = vim.tbl_count(require("servicestage_ls").clients())
""")
    r = result.results
    assert without_messages(r["diagnostics"]) == MISTAKES_DIAGNOSTICS
    ss132 = next(d for d in r["diagnostics"] if d["code"] == "SS132")
    assert ss132["message"] == "unsupported repo_type `githib`; did you mean `github`? Allowed: `github`, `gitlab`"

    value_range = {"start": {"line": 5, "character": 15}, "end": {"line": 5, "character": 21}}
    assert r["completion"][:2] == [
        {"label": "github", "newText": "github", "range": value_range},
        {"label": "gitlab", "newText": "gitlab", "range": value_range},
    ]
    assert [c["label"] for c in r["completion"]] == ["github", "gitlab", "gitee"]

    assert r["hover"]["contents"] == {
        "kind": "markdown",
        "value": "**status** · integer · optional · written back by the server\n\nRepository authorization status: "
                 "0 normal, 1 overdue, 2 unauthenticated. Written back by *Create authorization* and "
                 "*Refresh status*.",
    }
    assert r["hover"]["range"] == {"start": {"line": 14, "character": 4}, "end": {"line": 14, "character": 10}}

    assert "SS132" not in r["after_fix"]
    assert r["after_fix"] == [d["code"] for d in MISTAKES_DIAGNOSTICS if d["code"] != "SS132"]

    assert len(r["first_clients"]) == 1
    assert r["team_clients"] == r["first_clients"]
    assert r["root"] == str(project)
    assert r["team_diagnostics"] == []  # GITHUB_TOKEN and GITLAB_TOKEN are set for the server
    assert r["other_clients"] == []
    assert r["all_clients"] == 1


ON_SAVE_BODY = r"""
vim.cmd("edit deploy/team.servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_bufnr(buf)
T.wait("the diagnostics of the file as opened", function() return T.report_count(buf) > 0 end)
R.on_open = T.diagnostics(buf)
local published = T.publish_count(buf)

-- `    repo_type: github` -> `githib`, then two request round trips: the server has seen the change.
vim.api.nvim_buf_set_text(buf, 5, 15, 5, 21, { "githib" })
T.request(buf, "textDocument/documentSymbol", { textDocument = { uri = uri } })
R.hover_on_edit = T.request(buf, "textDocument/hover", { textDocument = { uri = uri },
                                                        position = { line = 5, character = 16 } })
R.before_write = T.diagnostics(buf)
R.publishes_before_write = T.publish_count(buf) - published

vim.cmd("write")
T.wait("diagnostics after :write",
       function() return #vim.diagnostic.get(buf) > 0 end, WAIT_MS_AFTER_WRITE or WAIT_MS)
R.after_write = T.diagnostics(buf)
R.on_disk = vim.fn.readfile(vim.api.nvim_buf_get_name(buf))[6]

-- A file with mistakes shows nothing when opened, until it is written.
vim.cmd("edit mistakes.servicestage.yaml")
local mistakes = vim.api.nvim_get_current_buf()
T.wait("the (empty) diagnostics on open", function() return T.report_count(mistakes) > 0 end)
T.request(mistakes, "textDocument/documentSymbol", { textDocument = { uri = vim.uri_from_bufnr(mistakes) } })
R.mistakes_on_open = T.diagnostics(mistakes)
vim.cmd("write")
T.wait("diagnostics after writing the file with mistakes",
       function() return #vim.diagnostic.get(mistakes) > 0 end, WAIT_MS_AFTER_WRITE or WAIT_MS)
R.mistakes_after_write = T.codes(mistakes)
"""


def test_validate_on_save_shows_new_problems_only_after_write(start: Start, tmp_path: Path, project: Path) -> None:
    result = run(start.nvim, tmp_path, project, ON_SAVE_BODY, configure=start.configure(validate="onSave"))
    r = result.results
    assert r["on_open"] == []
    # the server answers for the edited text …
    assert r["hover_on_edit"]["contents"]["value"] == "Unsupported `repo_type`; allowed: `github`, `gitlab`."
    assert r["publishes_before_write"] == 0  # … but publishes nothing until the save
    assert r["before_write"] == []
    assert r["on_disk"] == "    repo_type: githib"
    assert without_messages(r["after_write"]) == [diagnostic("SS132", 5, 15, 21)]
    assert r["mistakes_on_open"] == []
    assert r["mistakes_after_write"] == [d["code"] for d in MISTAKES_DIAGNOSTICS]


def test_files_setting_replaces_the_default_globs(nvim: str, tmp_path: Path, project: Path) -> None:
    shutil.copy(EXAMPLES / "mistakes.servicestage.yaml", project / "deploy" / "prod.auth.yaml")
    result = run(nvim, tmp_path, project, r"""
vim.cmd("edit deploy/prod.auth.yaml")
local buf = vim.api.nvim_get_current_buf()
T.wait("diagnostics", function() return #vim.diagnostic.get(buf) > 0 end)
R.auth_clients = #T.client_ids(buf)
R.auth_codes = T.codes(buf)
vim.cmd("edit mistakes.servicestage.yaml")
R.default_name_clients = #T.client_ids(vim.api.nvim_get_current_buf())
""", settings={"files": ["**/*.auth.yaml"]})
    r = result.results
    assert r["auth_clients"] == 1
    assert r["auth_codes"] == [d["code"] for d in MISTAKES_DIAGNOSTICS]  # the server uses the same globs
    assert r["default_name_clients"] == 0


def test_lsp_config_and_enable_on_neovim_0_11(new_nvim: str, tmp_path: Path, project: Path) -> None:
    """client-neovim/lsp/servicestage_ls.lua with vim.lsp.config/enable (no setup()): Neovim 0.11+ only."""
    nvim = new_nvim
    configure = ('vim.lsp.config("servicestage_ls", { cmd = ' + lua(SERVER_CMD) + " })\n"
                 'vim.lsp.enable("servicestage_ls")')
    result = run(nvim, tmp_path, project, r"""
vim.cmd("edit mistakes.servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
R.filetype = vim.bo[buf].filetype
T.wait("diagnostics", function() return #vim.diagnostic.get(buf) > 0 end)
R.codes = T.codes(buf)
R.first_clients = T.client_ids(buf)
R.root = vim.lsp.get_client_by_id(R.first_clients[1]).root_dir
vim.cmd("edit deploy/team.servicestage.yaml")
local team = vim.api.nvim_get_current_buf()
T.wait("the team file to attach", function() return #T.client_ids(team) > 0 end)
R.team_clients = T.client_ids(team)
vim.cmd("edit other.yaml")
R.other_filetype = vim.bo.filetype
R.other_clients = #vim.lsp.get_clients({ bufnr = vim.api.nvim_get_current_buf() })
""", configure=configure)
    r = result.results
    assert r["filetype"] == "yaml"
    assert r["codes"] == [d["code"] for d in MISTAKES_DIAGNOSTICS]
    assert len(r["first_clients"]) == 1 and r["team_clients"] == r["first_clients"]
    assert r["root"] == str(project)
    assert (r["other_filetype"], r["other_clients"]) == ("yaml", 0)


@pytest.fixture
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """A fresh emulator per test: each Neovim creates the same authorizations."""
    process = start_emulator(["--port", "0", "--token", AUTH_TOKEN], tmp_path_factory.mktemp("emu") / "stderr.log")
    yield process
    assert process.stop() == 0


TEAM_WITH_EMULATOR = [
    "# Repository authorizations that ServiceStage uses to pull our source.",
    "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789   # tenant project id",
    "endpoint: {url}",
    "authorizations:",
    "  - name: web-frontend                         # what ServiceStage calls the authorization",
    "    repo_type: github",
    "    token: ${{GITHUB_TOKEN}}                     # read from the environment when the action runs",
    "    host: https://github.com/tom-repo",
    "  - name: payments-api",
    "    repo_type: gitlab",
    "    token: ${{GITLAB_TOKEN}}",
    "    host: https://gitlab.com/tom-group/payments",
]


def test_create_commands_write_back_into_the_buffer(start: Start, tmp_path: Path, project: Path,
                                                    emulator: EmulatorProcess) -> None:
    lines = [line.format(url=emulator.url) for line in TEAM_WITH_EMULATOR]
    (project / "deploy" / "team.servicestage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(start.nvim, tmp_path, project, r"""
vim.cmd("edit deploy/team.servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
T.wait("the first diagnostics", function() return T.report_count(buf) > 0 end)
R.diagnostics = T.diagnostics(buf)

local function ended()
  local n = 0
  for _, p in ipairs(R.progress) do if p.kind == "end" then n = n + 1 end end
  return n
end

R.echoed = {}
local echo = vim.api.nvim_echo
vim.api.nvim_echo = function(chunks, history, opts)
  table.insert(R.echoed, chunks[1][1])
  return echo(chunks, history, opts)
end

vim.api.nvim_win_set_cursor(0, { 7, 4 })  -- on `token:` of the first entry
vim.cmd("ServiceStageCreate")
T.wait("the create to finish", function() return ended() == 1 end)
R.after_create = T.lines(buf)
R.messages_create = vim.deepcopy(R.messages)

vim.cmd("ServiceStageCreateAll")
T.wait("create-all to finish", function() return ended() == 2 end)
R.after_create_all = T.lines(buf)

vim.cmd("ServiceStageRefresh")
T.wait("refresh to finish", function() return ended() == 3 end)
R.after_refresh = T.lines(buf)
R.final_diagnostics = T.diagnostics(buf)

-- By name, again: the server refuses (the entry has repo_user) without calling ServiceStage.
vim.cmd("ServiceStageCreate web-frontend")
T.wait("the refused create to finish", function() return ended() == 4 end)
R.after_refusal = T.lines(buf)
-- Without its repo_user/status lines, ServiceStage itself refuses the duplicate: SS170 on the entry's name.
vim.api.nvim_buf_set_lines(buf, 8, 10, true, {})
vim.cmd("ServiceStageCreate web-frontend")
T.wait("the failed create to finish", function() return ended() == 5 end)
T.wait("SS170", function() return vim.tbl_contains(T.codes(buf), "SS170") end)
R.failed_diagnostics = T.diagnostics(buf)
R.after_failure = T.lines(buf)
R.modified = vim.bo[buf].modified
R.omnifunc = vim.bo[buf].omnifunc
-- A name that is not in the file: the server says so and lists the names.
vim.cmd("ServiceStageCreate nosuch")
T.wait("the create of an unknown entry to finish", function() return ended() == 6 end)
""", configure=start.configure(), env=editor_env(HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN), expected_errors=[
        re.compile(r"LSP\[servicestage_ls\] ServiceStage: creating 'web-frontend' failed: ServiceStage refused the "
                   r"request: SVCSTG\.REPO\.0403 resource already exist \(HTTP 400, request id \w+\) — list "
                   r"authorizations; the name is taken"),
    ])
    r = result.results
    assert r["diagnostics"] == []
    created_one = lines[:8] + ["    repo_user: tom-repo", "    status: 0  # normal"] + lines[8:]
    assert r["after_create"] == created_one
    assert r["messages_create"] == [
        {"type": 3, "message": "ServiceStage: created authorization 'web-frontend': repo_user tom-repo, "
                               "status 0 (normal)"},
    ]
    assert r["after_create_all"] == created_one + ["    repo_user: tom-group", "    status: 0  # normal"]
    assert r["after_refresh"] == r["after_create_all"]
    assert r["messages"][1:4] == [
        {"type": 3, "message": "ServiceStage: created authorization 'payments-api': repo_user tom-group, "
                               "status 0 (normal)"},
        {"type": 3, "message": "ServiceStage: created 1"},
        {"type": 3, "message": "ServiceStage: everything is up to date"},
    ]
    assert [(p["kind"], p["title"], p["message"]) for p in r["progress"][:9]] == [
        ("begin", "Creating authorization", None),
        ("report", None, "'web-frontend' (1/1)"),
        ("end", None, "done"),
        ("begin", "Creating new authorizations", None),
        ("report", None, "'payments-api' (1/1)"),
        ("end", None, "done"),
        ("begin", "Refreshing authorization status", None),
        ("report", None, "listing authorizations"),
        ("end", None, "done"),
    ]
    # What the plugin echoes in the command line while a command runs (the server's showMessage has the last word).
    assert [text for text in r["echoed"] if text.startswith("ServiceStage: ")][:6] == [
        "ServiceStage: Creating authorization",
        "ServiceStage: Creating authorization: 'web-frontend' (1/1)",
        "ServiceStage: Creating new authorizations",
        "ServiceStage: Creating new authorizations: 'payments-api' (1/1)",
        "ServiceStage: Refreshing authorization status",
        "ServiceStage: Refreshing authorization status: listing authorizations",
    ]
    assert r["omnifunc"] == "v:lua.vim.lsp.omnifunc"
    assert r["final_diagnostics"] == []
    refusal = ("ServiceStage: cannot create 'web-frontend': it was already created (it has repo_user); run Refresh "
               "status to update it")
    assert r["messages"][4] == {"type": 2, "message": refusal}
    failure = ("ServiceStage refused the request: SVCSTG.REPO.0403 resource already exist (HTTP 400, request id "
               "REQUEST-ID) — list authorizations; the name is taken")
    assert [{**m, "message": re.sub(r"request id \w+", "request id REQUEST-ID", m["message"])}
            for m in r["messages"][5:]] == [
        {"type": 1, "message": f"ServiceStage: creating 'web-frontend' failed: {failure}"},
        {"type": 2, "message": "ServiceStage: there is no entry named 'nosuch' in the file (its entries: "
                               "web-frontend, payments-api)"},
    ]
    assert [{**d, "message": re.sub(r"request id \w+", "request id REQUEST-ID", d["message"])}
            for d in r["failed_diagnostics"]] == [
        {**diagnostic("SS170", 4, 10, 22), "message": f"the last ServiceStage call for this entry failed: {failure}"}
    ]
    assert r["after_refusal"] == r["after_create_all"]
    assert r["after_failure"] == lines + ["    repo_user: tom-group", "    status: 0  # normal"]
    assert r["modified"] is True


GLOBS = ["**/*.servicestage.yaml", "**/servicestage.yml", "*.auth.yaml", "deploy/**/*.y?ml", "/abs/{a,b}/x.yaml",
         "**/[!.]*.ss.yaml", "**/a+b(c).yaml"]
PATHS = ["/p/team.servicestage.yaml", "/p/servicestage.yml", "/p/x/servicestage.yml", "/p/xservicestage.yml",
         "/p/team.servicestage.yaml.bak", "/p/q/prod.auth.yaml", "deploy/a/b/c.yaml", "/r/deploy/c.yml",
         "/abs/a/x.yaml", "/abs/c/x.yaml", "/p/.h.ss.yaml", "/p/h.ss.yaml", "/p/a+b(c).yaml", "/p/aab(c).yaml",
         "/p/TEAM.SERVICESTAGE.YAML"]


def test_a_session_fails_on_any_error_the_user_sees(nvim: str, tmp_path: Path, project: Path) -> None:
    """The harness itself: each way an error reaches the user fails the test, unless it is expected."""
    body = r"""
vim.notify("an error notification", vim.log.levels.ERROR)
vim.notify("a warning is not an error", vim.log.levels.WARN)
vim.api.nvim_err_writeln("an error message")
vim.schedule(function() error("a failing callback") end)
T.wait("the callback to fail", function() return vim.v.errmsg:find("a failing callback") ~= nil end)
"""
    with pytest.raises(AssertionError, match='the user saw these errors: \\[\n "an error notification",\n '
                                             '"an error message",\n ".*a failing callback'):
        run_neovim(nvim, tmp_path / "one", project, editor_env(), "", body)
    expected = ["an error notification", "an error message",
                re.compile(r"(Error executing )?vim\.schedule (lua )?callback: .*script\.lua:\d+: a failing callback\n.*",
                           re.DOTALL)]
    assert len(run_neovim(nvim, tmp_path / "two", project, editor_env(), "", body, expected).results["errors"]) == 3


def test_client_globs_agree_with_the_server(nvim: str, tmp_path: Path, project: Path) -> None:
    result = run_neovim(nvim, tmp_path / "nvim", project, editor_env(), "", f"""
local ss = require("servicestage_ls")
vim.o.ignorecase = true  -- must not change the result
R.matrix = {{}}
for _, glob in ipairs({lua(GLOBS)}) do
  local row = {{}}
  for _, path in ipairs({lua(PATHS)}) do table.insert(row, ss.matches(path, {{ glob }})) end
  table.insert(R.matrix, row)
end
""")
    expected = [[matches(path, [glob]) for path in PATHS] for glob in GLOBS]
    assert result.results["matrix"] == expected


SEED = """\
- {name: payments-api, repo_type: github, repo_user: pay-org, status: 1, host: https://github.com/pay-org}
- {name: web-frontend, repo_type: github, repo_user: web-org, status: 0}
- {name: legacy-ci, repo_type: gitlab, repo_user: ci-bot, status: 0}
"""
LIFECYCLE_FILE = [
    "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789",
    "endpoint: {url}",
    "authorizations:",
    "  - name: payments-api",
    "    repo_type: github",
    "    token: ${{GITHUB_TOKEN}}",
    "    host: https://github.com/pay-org",
    "    repo_user: pay-org",
    "    status: 1",
    "  - name: web-frontend",
    "    repo_type: github",
    "    token: ${{GITHUB_TOKEN}}",
    "    repo_user: web-org",
    "    status: 0  # normal",
]


@pytest.fixture
def seeded_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    folder = tmp_path_factory.mktemp("seeded")
    (folder / "seed.yaml").write_text(SEED, encoding="utf-8")
    process = start_emulator(["--port", "0", "--token", AUTH_TOKEN, "--seed", str(folder / "seed.yaml")],
                             folder / "stderr.log")
    yield process
    assert process.stop() == 0


def test_lifecycle_commands_and_code_lenses(nvim: str, tmp_path: Path, project: Path,
                                            seeded_emulator: EmulatorProcess) -> None:
    lines = [line.format(url=seeded_emulator.url) for line in LIFECYCLE_FILE]
    (project / "deploy" / "team.servicestage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(nvim, tmp_path, project, r"""
vim.cmd("edit deploy/team.servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
T.wait("the first diagnostics", function() return T.report_count(buf) > 0 end)

-- The confirmations: answer from a queue, record the questions.
R.questions, R.answers = {}, {}
vim.lsp.handlers["window/showMessageRequest"] = function(_, params)
  local titles = {}
  for _, a in ipairs(params.actions or {}) do table.insert(titles, a.title) end
  table.insert(R.questions, { message = params.message, actions = titles })
  local answer = table.remove(R.answers, 1)
  if answer == nil then return vim.NIL end
  return { title = answer }
end
local function has_line(b, text) return vim.tbl_contains(T.lines(b), text) end

R.has_lenses = vim.fn.has("nvim-0.10") == 1
if R.has_lenses then
  T.wait("the code lenses", function() return #vim.lsp.codelens.get(buf) == 3 end)
  R.lenses = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    table.insert(R.lenses, { line = lens.range.start.line, title = lens.command and lens.command.title or vim.NIL })
  end
  table.sort(R.lenses, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return tostring(a.title) < tostring(b.title)
  end)
  R.answers = { "Rotate" }
  vim.api.nvim_win_set_cursor(0, { 4, 0 })
  vim.lsp.codelens.run()
else
  R.answers = { "Rotate" }
  vim.api.nvim_win_set_cursor(0, { 5, 4 })
  vim.cmd("ServiceStageRotate")
end
T.wait("the rotation's write-back", function() return has_line(buf, "    status: 0  # normal") and
  T.lines(buf)[9] == "    status: 0  # normal" end)
R.after_rotate = T.lines(buf)
if R.has_lenses then
  T.wait("the lens to follow", function()
    for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
      if lens.range.start.line == 3 and lens.command and lens.command.title == "✓ normal · Refresh" then return true end
    end
    return false
  end)
end

R.answers = { "Cancel" }
vim.cmd("ServiceStageDelete web-frontend")
T.wait("the cancelled delete's question", function() return #R.questions == 2 end)
R.answers = { "Delete" }
vim.cmd("ServiceStageDelete web-frontend")
T.wait("the delete's write-back", function() return not has_line(buf, "    repo_user: web-org") end)
R.after_delete = T.lines(buf)

vim.cmd("ServiceStageImport")
T.wait("the import", function() return has_line(buf, "  - name: legacy-ci") end)
R.after_import = T.lines(buf)

vim.cmd("ServiceStagePlan")
T.wait("the plan buffer", function() return vim.fn.bufnr("ServiceStage plan") ~= -1 end)
local plan = vim.fn.bufnr("ServiceStage plan")
R.plan = T.lines(plan)
R.plan_modifiable = vim.bo[plan].modifiable
R.errmsg = vim.v.errmsg
""", env=editor_env(HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN, LEGACY_CI_TOKEN=GITLAB_TOKEN))
    r = result.results
    if r["has_lenses"]:
        assert r["lenses"] == [{"line": 3, "title": "⚠ overdue · Rotate token"},
                               {"line": 9, "title": "Test"}, {"line": 9, "title": "✓ normal · Refresh"}]
    assert r["questions"] == [
        {"message": "Rotate the token of 'payments-api'? Its authorization is deleted from ServiceStage and created "
                    "again with the token from ${GITHUB_TOKEN}.", "actions": ["Rotate", "Cancel"]},
        {"message": "Delete 'web-frontend' from ServiceStage? This cannot be undone.", "actions": ["Delete", "Cancel"]},
        {"message": "Delete 'web-frontend' from ServiceStage? This cannot be undone.", "actions": ["Delete", "Cancel"]},
    ]
    assert r["after_rotate"] == lines[:8] + ["    status: 0  # normal"] + lines[9:]
    assert r["after_delete"] == r["after_rotate"][:12]
    assert r["after_import"] == r["after_delete"] + [
        "  - name: legacy-ci", "    repo_type: gitlab", "    token: ${LEGACY_CI_TOKEN}",
        "    host: https://gitlab.com/ci-bot", "    repo_user: ci-bot", "    status: 0  # normal"]
    assert r["plan"] == [
        f"ServiceStage project 0a1b2c3d4e5f67890a1b2c3d4e5f6789 at {seeded_emulator.url}", "",
        "    payments-api  none         up to date: status 0 (normal)",
        "  + web-frontend  create       in the file, not in ServiceStage",
        "    legacy-ci     none         up to date: status 0 (normal)", "",
        "Plan: 1 create (2 up to date).",
    ]
    assert r["plan_modifiable"] is False
    assert r["errmsg"] == ""
    assert [m["message"] for m in r["messages"]] == [
        "ServiceStage: rotated the token of 'payments-api': repo_user pay-org, status 0 (normal)",
        "ServiceStage: deleted 'web-frontend' from ServiceStage",
        "ServiceStage: imported 'legacy-ci'; its token is read from LEGACY_CI_TOKEN when it is created again or "
        "rotated (set it in the environment first)",
        "ServiceStage: Plan: 1 create (2 up to date).",
    ]


KINDS_SEED = """\
oauth_user: octo-nvim
authorizations:
  - {name: web-frontend, repo_type: github, repo_user: web-org, namespaces: [web-org, acme]}
  - {name: payments-api, repo_type: github, repo_user: pay-org, status: 1}
"""


@pytest.fixture
def kinds_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    folder = tmp_path_factory.mktemp("kinds")
    (folder / "seed.yaml").write_text(KINDS_SEED, encoding="utf-8")
    process = start_emulator(["--port", "0", "--token", AUTH_TOKEN, "--seed", str(folder / "seed.yaml")],
                             folder / "stderr.log")
    yield process
    assert process.stop() == 0


#: How Neovim shows a failed test (an error message) to the user.
BROKEN_SEEN = re.compile(r"(LSP\[servicestage_ls\] )?ServiceStage: ✗ payments-api: the repository no longer accepts "
                         r"this authorization, .*")


def test_test_commands_say_what_an_authorization_sees(nvim: str, tmp_path: Path, project: Path,
                                                      kinds_emulator: EmulatorProcess) -> None:
    """:ServiceStageTest (the entry under the cursor, or the one named) and :ServiceStageTestAll: the server's
    words in the messages, as the command line prints them."""
    lines = [line.format(url=kinds_emulator.url) for line in LIFECYCLE_FILE]
    (project / "deploy" / "team.servicestage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(nvim, tmp_path, project, r"""
vim.cmd("edit deploy/team.servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
T.wait("the first diagnostics", function() return T.report_count(buf) > 0 end)
vim.api.nvim_win_set_cursor(0, { 11, 4 })
vim.cmd("ServiceStageTest")
T.wait("the test of the entry under the cursor", function() return #R.messages == 1 end)
vim.cmd("ServiceStageTest payments-api")
T.wait("the test of the named entry", function() return #R.messages == 2 end)
vim.cmd("ServiceStageTestAll")
T.wait("the test of every entry", function() return #R.messages == 4 end)
""", env=editor_env(HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN), expected_errors=[BROKEN_SEEN, BROKEN_SEEN])
    seen = "ServiceStage: ✓ web-frontend sees 2 namespaces: web-org, acme"
    broken = ("ServiceStage: ✗ payments-api: the repository no longer accepts this authorization, it expired or was "
              "revoked (SVCSTG.REPO.0451) — rotate its token: set a new one, then run Rotate on it (its code lens)")
    assert [(m["type"], m["message"]) for m in result.results["messages"]] == [
        (3, seen), (1, broken), (1, broken), (3, seen)]  # every entry: in the file's order


#: The browser of the Neovim tests: the address the emulator's provider page sends it to (no redirect followed).
FOLLOW_ONCE = ("import http.client, sys, urllib.parse as p; u = p.urlsplit(sys.argv[1]); "
               "c = http.client.HTTPConnection(u.netloc); c.request('GET', u.path + '?' + u.query); "
               "print(c.getresponse().getheader('Location'))")


def test_authorize_opens_the_browser_and_reads_the_address_with_vim_ui_input(
        nvim: str, tmp_path: Path, project: Path, kinds_emulator: EmulatorProcess) -> None:
    """:ServiceStageAuthorize: the server opens the address (window/showDocument, or a message with it where
    Neovim cannot open one) and asks with servicestage/promptText, which the client answers with vim.ui.input;
    repo_user and status are written back."""
    lines = ["project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789", f"endpoint: {kinds_emulator.url}", "authorizations:",
             "  - name: gh-oauth", "    kind: oauth", "    repo_type: github", "    tag: intl"]
    (project / "deploy" / "team.servicestage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(nvim, tmp_path, project, r"""
vim.cmd("edit deploy/team.servicestage.yaml")
local buf = vim.api.nvim_get_current_buf()
T.wait("the first diagnostics", function() return T.report_count(buf) > 0 end)
R.opened = {}
vim.lsp.handlers["window/showDocument"] = function(_, params)
  table.insert(R.opened, { uri = params.uri, external = params.external })
  return { success = true }
end
vim.ui.input = function(opts, on_confirm)
  R.prompt = opts.prompt
  local url = R.opened[1] and R.opened[1].uri
  for _, m in ipairs(R.messages) do url = url or m.message:match("open this address in a browser: (%S+)$") end
  on_confirm(vim.trim(vim.fn.system({ PYTHON, "-c", FOLLOW_ONCE, url })))
end
vim.api.nvim_win_set_cursor(0, { 5, 4 })
vim.cmd("ServiceStageAuthorize")
T.wait("the write-back", function() return vim.tbl_contains(T.lines(buf), "    repo_user: octo-nvim") end)
T.wait("the message", function() return #R.messages > 0 and R.messages[#R.messages].message:find("authorized") end)
R.after = T.lines(buf)
""".replace("PYTHON", lua(sys.executable)).replace("FOLLOW_ONCE", lua(FOLLOW_ONCE)),
        env=editor_env(HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN))
    r = result.results
    assert r["prompt"] == "Paste the address the browser ended on (after you authorized ServiceStage): "
    assert r["after"] == lines + ["    repo_user: octo-nvim", "    status: 0  # normal"]
    assert r["messages"][-1]["message"] == "ServiceStage: authorized 'gh-oauth': repo_user octo-nvim, status 0 (normal)"
    if r["nvim_version"] != "0.7":  # opened in the browser (vim.ui.open by default)
        assert [(o["uri"].split("?")[0], o["external"]) for o in r["opened"]] == [
            (f"{kinds_emulator.url}/emulator/oauth/authorize", True)]
    else:  # Neovim 0.7 opens no external address: the server showed it
        assert r["opened"] == []
        assert r["messages"][0]["message"].startswith(
            "ServiceStage: to authorize 'gh-oauth', open this address in a browser: "
            f"{kinds_emulator.url}/emulator/oauth/authorize?")
