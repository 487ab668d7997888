"""Neovim the way its users install things: docs/editors/neovim.md's lazy.nvim and packer.nvim specs (the plugin is this
repository's client-neovim/ folder), the nvim-lspconfig style config (client-neovim/nvim-lspconfig/, no plugin
needed) and the mason-registry package definition (client-neovim/mason/package.yaml), in real headless Neovim.
The server is `servicestage-ls` from PATH, as a user's install provides it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from helpers.neovim import lua, nvim_executable, pypi_nvim

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MISTAKES_CODES = ["SS120", "SS121", "SS130", "SS132", "SS140", "SS110", "SS111", "SS151", "SS131", "SS142", "SS160"]

SCRIPT = r"""
local function wait(what, predicate)
  if not vim.wait(60000, predicate, 10) then error("timed out waiting for " .. what) end
end
local function codes(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do table.insert(out, { d.lnum, d.col, d.code }) end
  table.sort(out, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  local flat = {}
  for _, c in ipairs(out) do table.insert(flat, c[3]) end
  return flat
end
local function clients(bufnr)
  local names = {}
  if vim.lsp.get_clients then
    for _, c in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do table.insert(names, c.name) end
  else  -- Neovim 0.7
    for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do table.insert(names, c.name) end
  end
  return names
end
local R = {}
local ok, err = pcall(function()
  vim.cmd("edit other.yaml")
  local other = vim.api.nvim_get_current_buf()
  vim.cmd("edit mistakes.servicestage.yaml")
  local buf = vim.api.nvim_get_current_buf()
  wait("diagnostics", function() return #vim.diagnostic.get(buf) >= 11 end)
  R.codes = codes(buf)
  R.clients = clients(buf)
  R.other_clients = clients(other)
  R.commands = vim.fn.exists(":ServiceStageCreate")
  R.errmsg = vim.v.errmsg
end)
R.ok, R.error = ok, ok and vim.NIL or tostring(err)
local f = assert(io.open(RESULT_PATH, "w"))
f:write(vim.fn.json_encode(R))
f:close()
vim.cmd("qa!")
"""


def neovim_page_block(after: str) -> str:
    """The Lua code of the Neovim page's install block from the line starting with `after` to the next blank line
    or comment line."""
    text = (REPO / "docs" / "editors" / "neovim.md").read_text(encoding="utf-8")
    start = text.index("\n" + after + "\n") + len(after) + 2
    lines = []
    for line in text[start:].splitlines():
        if not line.strip() or line.startswith("--") or line.startswith("```"):
            break
        lines.append(line)
    return "\n".join(lines).rstrip().rstrip(",")


def run_nvim(nvim: str, tmp_path: Path, init: str) -> dict[str, object]:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    shutil.copy(EXAMPLES / "mistakes.servicestage.yaml", project / "mistakes.servicestage.yaml")
    (project / "other.yaml").write_text("repo_type: githib\n", encoding="utf-8")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "XDG_", "NVIM"))}
    env.pop("GITHUB_TOKEN", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # servicestage-ls
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    result = tmp_path / "result.json"
    (tmp_path / "init.lua").write_text(f"REPO = {lua(str(REPO))}\nvim.o.swapfile = false\n{init}\n", encoding="utf-8")
    (tmp_path / "script.lua").write_text(f"RESULT_PATH = {lua(str(result))}\n{SCRIPT}", encoding="utf-8")
    process = subprocess.run(
        [nvim, "--headless", "-n", "-i", "NONE", "-u", str(tmp_path / "init.lua"),
         "-c", f"lua dofile({lua(str(tmp_path / 'script.lua'))})"],
        cwd=project, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    assert result.exists(), f"no result (exit {process.returncode}): {process.stdout} {process.stderr}"
    results: dict[str, object] = json.loads(result.read_text(encoding="utf-8"))
    assert results["ok"], f"{results['error']}\n{process.stderr}"
    return results


@pytest.fixture(params=["debian-0.7", "pypi-latest"])
def nvim(request: pytest.FixtureRequest) -> str:
    return nvim_executable() if request.param == "debian-0.7" else pypi_nvim()


def test_the_lazy_nvim_spec_from_the_docs_installs_the_plugin(nvim: str, tmp_path: Path) -> None:
    spec = neovim_page_block("-- lazy.nvim, from git")
    assert spec.startswith('{ "servicestage-ls/servicestage-ls",')
    # What lazy.nvim does with the spec: clone into plugin.dir (here: this checkout), then config(plugin).
    results = run_nvim(nvim, tmp_path, f"local spec = {spec}\nspec.config({{ dir = REPO }})")
    assert results["codes"] == MISTAKES_CODES
    assert results["clients"] == ["servicestage_ls"]
    assert results["other_clients"] == []
    assert results["commands"] == 2  # :ServiceStageCreate exists (the plugin/ file was sourced)
    assert results["errmsg"] == ""


def test_the_packer_spec_from_the_docs_installs_the_plugin(nvim: str, tmp_path: Path) -> None:
    spec = neovim_page_block("-- packer.nvim, from git")
    assert spec.startswith('use({ "servicestage-ls/servicestage-ls", rtp = "client-neovim",')
    # What packer.nvim does: the clone's `rtp` subfolder on the runtimepath, its plugin/ files sourced, config().
    init = ("local spec\nlocal function use(s) spec = s end\n" + spec + "\n"
            'vim.opt.runtimepath:append(REPO .. "/" .. spec.rtp)\n'
            'vim.cmd("runtime! plugin/**/*.lua")\nspec.config()')
    results = run_nvim(nvim, tmp_path, init)
    assert results["codes"] == MISTAKES_CODES
    assert results["clients"] == ["servicestage_ls"]
    assert results["other_clients"] == []
    assert results["commands"] == 2
    assert results["errmsg"] == ""


def test_the_nvim_lspconfig_style_config_works_without_the_plugin(tmp_path: Path) -> None:
    """client-neovim/nvim-lspconfig/lsp/servicestage_ls.lua alone (as nvim-lspconfig would ship it) on Neovim 0.11+."""
    init = ('vim.opt.runtimepath:prepend(REPO .. "/client-neovim/nvim-lspconfig")\n'
            'vim.lsp.enable("servicestage_ls")\n'
            f'vim.fn.writefile({{ vim.lsp.config.servicestage_ls.cmd[1] }}, {lua(str(tmp_path / "cmd.txt"))})')
    results = run_nvim(pypi_nvim(), tmp_path, init)
    # by its absolute path (the one on PATH), never a program of the project directory
    program = Path(sys.executable).parent / "servicestage-ls"
    assert (tmp_path / "cmd.txt").read_text(encoding="utf-8") == f"{program}\n"
    assert results["codes"] == MISTAKES_CODES
    assert results["clients"] == ["servicestage_ls"]
    assert results["other_clients"] == []
    assert results["commands"] == 0  # no plugin: no commands
    assert results["errmsg"] == ""


def test_the_mason_package_matches_the_python_package() -> None:
    package = yaml.safe_load((REPO / "client-neovim" / "mason" / "package.yaml").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert package["name"] == project["name"]
    assert package["source"]["id"] == f"pkg:pypi/{project['name']}@{project['version']}"
    assert package["bin"] == {name: f"pypi:{name}" for name in project["scripts"]}
    assert package["homepage"] == project["urls"]["Documentation"] + "editors/neovim/"
    assert package["licenses"] == [project["license"]]  # an SPDX expression (pyproject: license = "Apache-2.0")
    assert package["languages"] == ["YAML"] and package["categories"] == ["LSP", "Linter"]
    lspconfig_name = package["neovim"]["lspconfig"]
    assert (REPO / "client-neovim" / "nvim-lspconfig" / "lsp" / f"{lspconfig_name}.lua").is_file()
    assert re.fullmatch(r"[a-z_]+", lspconfig_name)
