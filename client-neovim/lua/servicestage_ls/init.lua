-- servicestage-ls for Neovim 0.7 and newer: start one client per root for ServiceStage authorization files.
--
--   require("servicestage_ls").setup({
--     cmd = { "servicestage-ls", "serve" },      -- optional
--     settings = { validate = "onSave" },       -- the `servicestage` section (see settings.py)
--     trusted_endpoints = { "cse.example.internal" },  -- optional: hosts that may receive your credentials
--   })
--
-- The server is started by the absolute path of its program (exepath: never a name the project directory could
-- answer), in this plugin's directory, never in the project's.
--
-- On Neovim >= 0.11 you can instead use the config in lsp/servicestage_ls.lua with vim.lsp.enable().
local M = {}

M.name = "servicestage_ls"
M.default_cmd = { "servicestage-ls", "serve" }
-- This plugin's directory (client-neovim/): where the server runs (cmd_cwd), so that nothing of the project is on
-- its path even for a `python -m …` command.
M.plugin_dir = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
M.default_root_markers = { ".git" }
-- The server's `servicestage.files` default (server/servicestage_ls/settings.py).
M.default_files = {
  "**/*.servicestage.yaml",
  "**/*.servicestage.yml",
  "**/servicestage.yaml",
  "**/servicestage.yml",
}
M.commands = {
  create = "servicestage-ls.createAuthorization",
  create_all = "servicestage-ls.createAll",
  refresh = "servicestage-ls.refreshStatus",
  plan = "servicestage-ls.showPlan",
  import = "servicestage-ls.importFromServiceStage",
  rotate = "servicestage-ls.rotateToken",
  delete = "servicestage-ls.deleteAuthorization",
  test = "servicestage-ls.testAuthorization",
  test_all = "servicestage-ls.testAuthorization",
  authorize = "servicestage-ls.authorize",
}

local state = { opts = nil, clients = {}, augroup = nil, reported = {} }

-- Globs ------------------------------------------------------------------------------------------------

-- A VS Code-style glob (`**`, `*`, `?`, `[...]`, `{a,b}`) as a Vim regex over '/'-separated paths; the same
-- rules as the server's files.py (a glob without '/' matches the file name in any directory).
function M.glob_to_regex(glob)
  if not glob:find("/", 1, true) then
    glob = "**/" .. glob
  end
  local out, i, n, depth = {}, 1, #glob, 0
  while i <= n do
    local c = glob:sub(i, i)
    if glob:sub(i, i + 2) == "**/" then
      table.insert(out, "(.*/)?")
      i = i + 3
    elseif glob:sub(i, i + 1) == "**" then
      table.insert(out, ".*")
      i = i + 2
    else
      if c == "*" then
        table.insert(out, "[^/]*")
      elseif c == "?" then
        table.insert(out, "[^/]")
      elseif c == "[" and glob:find("]", i + 1, true) then
        local close = glob:find("]", i + 1, true)
        local body = glob:sub(i + 1, close - 1):gsub("^!", "^")
        table.insert(out, "[" .. body .. "]")
        i = close
      elseif c == "{" then
        table.insert(out, "(")
        depth = depth + 1
      elseif c == "}" and depth > 0 then
        table.insert(out, ")")
        depth = depth - 1
      elseif c == "," and depth > 0 then
        table.insert(out, "|")
      elseif c:match("[%w_]") or c:byte() >= 128 then
        table.insert(out, c)
      else
        table.insert(out, "\\" .. c) -- very magic: every other ASCII character is literal when escaped
      end
      i = i + 1
    end
  end
  local body = table.concat(out)
  if glob:sub(1, 1) == "/" then
    return "\\v\\C^" .. body .. "$"
  end
  return "\\v\\C^(.*/)?" .. body .. "$"
end

--- Whether `path` matches one of `globs` (default: the server's default `files`).
function M.matches(path, globs)
  if not path or path == "" then
    return false
  end
  path = path:gsub("\\", "/")
  for _, glob in ipairs(globs or M.default_files) do
    if vim.regex(M.glob_to_regex(glob)):match_str(path) then
      return true
    end
  end
  return false
end

-- The autocmd patterns that pre-select buffers: the file-name part of each glob (the full path is checked
-- with M.matches afterwards).
local function autocmd_patterns(globs)
  local patterns = {}
  for _, glob in ipairs(globs) do
    local tail = glob:match("[^/]*$")
    if tail == "" or glob:match("{[^}]*/") then
      tail = "*"
    end
    table.insert(patterns, tail)
  end
  return patterns
end

-- Roots and settings -------------------------------------------------------------------------------------

local function dirname(path)
  return vim.fn.fnamemodify(path, ":h")
end

--- The nearest ancestor directory of `path` that holds one of `markers`, else the file's own directory.
function M.find_root(path, markers)
  local dir = dirname(path)
  local current = dir
  while true do
    for _, marker in ipairs(markers or M.default_root_markers) do
      if (vim.uv or vim.loop).fs_stat(current .. "/" .. marker) then
        return current
      end
    end
    local parent = dirname(current)
    if parent == current then
      return dir
    end
    current = parent
  end
end

-- The `servicestage` section from setup's `settings` (flat, or lspconfig-style `{ servicestage = {...} }`).
local function flat_settings(settings)
  settings = settings or {}
  if type(settings.servicestage) == "table" then
    settings = settings.servicestage
  end
  return vim.deepcopy(settings)
end

-- Settings as they go on the wire: an empty table must travel as a JSON object, not `[]`.
local function wire(settings)
  if next(settings) == nil then
    return vim.empty_dict()
  end
  return settings
end

local function files_of(opts)
  local files = opts.files or opts.settings.files
  return (type(files) == "table" and #files > 0) and files or M.default_files
end

-- Progress: echo what the server is doing (e.g. "ServiceStage: Creating authorization: 'web-frontend' (1/1)").
-- Nothing is echoed at the end: the server's window/showMessage that precedes it says how it went.
-- Used by setup() and by lsp/servicestage_ls.lua.
local titles = {}
function M.progress_handler(err, result, ctx, config)
  local default = vim.lsp.handlers["$/progress"]
  if default then
    default(err, result, ctx, config)
  end
  local value = result and result.value
  if type(value) ~= "table" or not value.kind then
    return
  end
  if value.kind == "end" then
    titles[result.token] = nil
    return
  end
  if value.kind == "begin" then
    titles[result.token] = value.title
  end
  local title = titles[result.token] or "ServiceStage"
  local text = value.message and (title .. ": " .. value.message) or title
  vim.api.nvim_echo({ { "ServiceStage: " .. text } }, false, {})
end

-- Authorize's hand-off: the server asks (request servicestage/promptText) for the address the browser ended on.
-- Answered with vim.ui.input; an asynchronous vim.ui.input (a UI plugin) is waited for, with a deadline of ten
-- minutes. The answer is { value = text }, or null when the user cancelled.
M.prompt_timeout_ms = 10 * 60 * 1000
function M.prompt_text_handler(_, params)
  local value, done = nil, false
  local prompt = (params and params.prompt or "ServiceStage") .. ": "
  vim.ui.input({ prompt = prompt }, function(input)
    value, done = input, true
  end)
  if not done then
    vim.wait(M.prompt_timeout_ms, function() return done end, 50)
  end
  if value == nil or value == "" then
    return vim.NIL
  end
  return { value = value }
end

--- The handlers every servicestage-ls client gets (setup() and lsp/servicestage_ls.lua).
function M.default_handlers()
  return { ["$/progress"] = M.progress_handler, ["servicestage/promptText"] = M.prompt_text_handler }
end

-- Clients ------------------------------------------------------------------------------------------------

local function is_absolute(path)
  return path:sub(1, 1) == "/" or path:match("^%a:[\\/]") ~= nil or path:sub(1, 2) == "\\\\"
end

-- Whether `dir` is one of PATH's absolute directories.
local function on_path(dir)
  local separator = vim.fn.has("win32") == 1 and ";" or ":"
  for _, entry in ipairs(vim.split(vim.env.PATH or "", separator, { plain = true })) do
    if entry ~= "" and is_absolute(entry) and vim.fn.fnamemodify(entry, ":p:h") == dir then
      return true
    end
  end
  return false
end

--- `cmd` with its program as an absolute path: as given when it is one, else found on PATH with exepath(); nil and
--- the reason when it is not found, or only in the current directory (Windows looks there first, and so does a
--- "." in PATH: a program of the project, not the user's).
function M.resolve_cmd(cmd)
  local program = cmd[1]
  if is_absolute(program) then
    return vim.deepcopy(cmd)
  end
  local path = vim.fn.exepath(program)
  local advice = " (give setup{ cmd = { \"/absolute/path/to/servicestage-ls\", \"serve\" } })"
  if path == "" then
    return nil, "servicestage-ls: `" .. program .. "` is not on PATH; install servicestage-ls (pip install "
      .. "servicestage-ls)" .. advice
  end
  path = vim.fn.fnamemodify(path, ":p")
  local dir = vim.fn.fnamemodify(path, ":h")
  if dir == vim.fn.fnamemodify(vim.fn.getcwd(), ":p:h") and not on_path(dir) then
    return nil, "servicestage-ls: `" .. program .. "` was found in the current directory (" .. path
      .. "), not on PATH: not started" .. advice
  end
  local resolved = vim.deepcopy(cmd)
  resolved[1] = path
  return resolved
end

--- initializationOptions: the settings, and `trustedEndpoints` from setup{ trusted_endpoints = … } (the user's
--- own configuration: the server takes it from here only, never from workspace/configuration).
function M.init_options(settings, trusted_endpoints)
  local options = vim.deepcopy(settings)
  if type(trusted_endpoints) == "table" and #trusted_endpoints > 0 then
    options.trustedEndpoints = vim.deepcopy(trusted_endpoints)
  end
  return wire(options)
end

local function client_config(opts, root)
  local servicestage = wire(opts.settings)
  local cmd, problem = M.resolve_cmd(opts.cmd or M.default_cmd)
  if not cmd then
    return nil, problem
  end
  local handlers = {}
  for method, handler in pairs(opts.handlers or {}) do
    handlers[method] = handler
  end
  if opts.progress ~= false and handlers["$/progress"] == nil then
    handlers["$/progress"] = M.progress_handler
  end
  if handlers["servicestage/promptText"] == nil then
    handlers["servicestage/promptText"] = M.prompt_text_handler
  end
  return {
    name = M.name,
    cmd = cmd,
    cmd_env = opts.cmd_env,
    cmd_cwd = opts.cmd_cwd or M.plugin_dir,
    root_dir = root,
    init_options = M.init_options(opts.settings, opts.trusted_endpoints),
    -- Neovim answers workspace/configuration from here (section "servicestage").
    settings = { servicestage = servicestage },
    capabilities = opts.capabilities,
    handlers = handlers,
    on_attach = opts.on_attach,
    before_init = opts.before_init,
    on_init = opts.on_init,
    on_exit = opts.on_exit,
    flags = opts.flags,
  }
end

-- A client that exited is no longer returned by get_client_by_id.
local function live(id)
  return id and vim.lsp.get_client_by_id(id)
end

--- Attach the servicestage-ls client of the buffer's root (starting it if needed); returns the client id, or
--- nil when the buffer is not a ServiceStage file.
function M.attach(bufnr)
  local opts = state.opts
  if not opts then
    return nil
  end
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  if not M.matches(path, files_of(opts)) then
    return nil
  end
  local root = opts.root_dir and opts.root_dir(path, bufnr) or M.find_root(path, opts.root_markers)
  if not root then
    return nil
  end
  local id = state.clients[root]
  if not live(id) then
    local config, problem = client_config(opts, root)
    if not config then
      if not state.reported[problem] then
        state.reported[problem] = true
        -- Scheduled: the buffer still opens (an error inside its autocommand would abort the :edit).
        vim.schedule(function()
          vim.notify(problem, vim.log.levels.ERROR)
        end)
      end
      return nil
    end
    if vim.lsp.start and vim.fn.has("nvim-0.10") == 1 then
      id = vim.lsp.start(config, { bufnr = bufnr }) -- starts (or reuses same name + root) and attaches
    else
      id = vim.lsp.start_client(config) -- Neovim 0.7 - 0.9
    end
    if not id then
      return nil
    end
    state.clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  if vim.bo[bufnr].omnifunc == "" then
    vim.bo[bufnr].omnifunc = "v:lua.vim.lsp.omnifunc" -- <C-x><C-o> completes (Neovim >= 0.10 does this itself)
  end
  return id
end

--- The client ids started by setup(), keyed by root directory.
function M.clients()
  local out = {}
  for root, id in pairs(state.clients) do
    if live(id) then
      out[root] = id
    end
  end
  return out
end

--- setup{ cmd?, cmd_env?, cmd_cwd?, settings?, trusted_endpoints?, files?, root_markers?, root_dir?, on_attach?,
---        capabilities?, handlers?, progress? } — may be called again to change the options (running clients are
---        kept).
function M.setup(opts)
  opts = vim.deepcopy(opts or {})
  opts.settings = flat_settings(opts.settings)
  if opts.files then
    opts.settings.files = opts.files -- the server must use the same globs as the client
  end
  state.opts = opts
  state.augroup = vim.api.nvim_create_augroup("servicestage_ls", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
    group = state.augroup,
    pattern = autocmd_patterns(files_of(opts)),
    callback = function(args)
      M.attach(args.buf)
    end,
    desc = "servicestage-ls: attach to ServiceStage authorization files",
  })
  -- Buffers that were read before setup() ran (e.g. a plugin manager that loads this on FileType yaml).
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.attach(bufnr)
    end
  end
end

-- Commands -----------------------------------------------------------------------------------------------

--- The servicestage-ls clients attached to a buffer (from setup() or vim.lsp.enable()).
function M.buf_clients(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = M.name })
  end
  local out = {}
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == M.name then
      table.insert(out, client)
    end
  end
  return out
end

local function request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Show Show Plan's text in a read-only scratch buffer (a split), replacing the previous plan.
function M.show_plan(text)
  local name = "ServiceStage plan"
  local old = vim.fn.bufnr(name)
  if old ~= -1 then
    vim.api.nvim_buf_delete(old, { force = true })
  end
  vim.cmd("botright new")
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].swapfile = false
  vim.api.nvim_buf_set_name(buf, name)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text:gsub("\n$", ""), "\n", { plain = true }))
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  return buf
end

--- Run a server command on the buffer's file: "create", "rotate", "delete", "test", "authorize" (entry `name`,
--- else the entry at the cursor), "import" (the names given, else every one only ServiceStage has), "plan", "create_all",
--- "test_all" or "refresh". The server reports progress and results with window/showMessage, and asks before it rotates or
--- deletes (window/showMessageRequest).
function M.execute(which, name, bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = M.buf_clients(bufnr)[1]
  if not client then
    vim.notify("servicestage-ls is not attached to this buffer", vim.log.levels.WARN)
    return
  end
  local arg = { uri = vim.uri_from_bufnr(bufnr) }
  if which == "create" or which == "rotate" or which == "delete" or which == "test" or which == "authorize" then
    if name and name ~= "" then
      arg.name = name
    else
      local line = vim.api.nvim_win_get_cursor(0)[1] - 1
      arg.position = { line = line, character = 0 }
    end
  elseif which == "import" and name and name ~= "" then
    arg.names = vim.split(name, "%s+", { trimempty = true })
  end
  local params = { command = M.commands[which], arguments = { arg } }
  request(client, "workspace/executeCommand", params, function(err, result)
    if err then
      vim.notify("ServiceStage: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    elseif which == "plan" and type(result) == "table" and type(result.text) == "string" then
      M.show_plan(result.text)
    end
  end, bufnr)
end

--- Code lenses (Neovim 0.10+): shown for the buffer and refreshed as it changes; `vim.lsp.codelens.run()` runs
--- the one on the cursor's line.
function M.enable_codelens(bufnr)
  if vim.fn.has("nvim-0.10") ~= 1 or not vim.lsp.codelens then
    return false
  end
  local group = vim.api.nvim_create_augroup("servicestage_ls_codelens_" .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "TextChanged", "CursorHold" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      vim.lsp.codelens.refresh({ bufnr = bufnr })
    end,
    desc = "servicestage-ls: refresh the code lenses",
  })
  vim.lsp.codelens.refresh({ bufnr = bufnr })
  return true
end

return M
