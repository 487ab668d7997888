---@brief
---
--- https://github.com/servicestage-ls/servicestage-ls
---
--- Language server for Huawei Cloud ServiceStage repository-authorization files (`*.servicestage.yaml`,
--- `*.servicestage.yml`, `servicestage.yaml`, `servicestage.yml`): validation, completion, hover, quick fixes
--- and "Create authorization" code actions.
---
--- Install it with `pip install servicestage-ls` (or `:MasonInstall servicestage-ls`).
---
--- The client attaches only to YAML buffers whose file name matches `settings.servicestage.files`; the server
--- ignores other files anyway.

-- Whether `path` (under `root`) matches one of the `servicestage.files` globs, as the server reads them: a
-- glob without "/" matches the file name in any directory, others the path relative to the root.
local function matches(path, root, globs)
  local relative = path:sub(1, #root + 1) == root .. "/" and path:sub(#root + 2) or vim.fs.basename(path)
  for _, glob in ipairs(globs) do
    if not glob:find("/", 1, true) then
      glob = "**/" .. glob
    end
    if vim.glob.to_lpeg(glob):match(relative) then
      return true
    end
  end
  return false
end

-- The program by its absolute path from PATH, never one in the project directory (which Windows searches first):
-- a repository is untrusted input. Not found: the bare name, which Neovim then reports as not executable.
local function program()
  local path = vim.fn.exepath("servicestage-ls")
  if path == "" then
    return "servicestage-ls"
  end
  path = vim.fn.fnamemodify(path, ":p")
  local dir = vim.fn.fnamemodify(path, ":h")
  for _, entry in ipairs(vim.split(vim.env.PATH or "", vim.fn.has("win32") == 1 and ";" or ":", { plain = true })) do
    if entry ~= "" and entry ~= "." and vim.fn.fnamemodify(entry, ":p:h") == dir then
      return path
    end
  end
  return "servicestage-ls"
end

---@type vim.lsp.Config
return {
  cmd = { program(), "serve" },
  filetypes = { "yaml" },
  root_markers = { ".git" },
  settings = {
    servicestage = {
      validate = "onChange",
      files = { "**/*.servicestage.yaml", "**/*.servicestage.yml", "**/servicestage.yaml", "**/servicestage.yml" },
    },
  },
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_get(config, "settings", "servicestage")
  end,
  root_dir = function(bufnr, on_dir)
    local config = vim.lsp.config.servicestage_ls or {}
    local files = vim.tbl_get(config, "settings", "servicestage", "files") or {}
    local path = vim.fs.normalize(vim.api.nvim_buf_get_name(bufnr))
    local root = vim.fs.root(bufnr, config.root_markers or { ".git" }) or vim.fs.dirname(path)
    if vim.bo[bufnr].buftype == "" and path ~= "" and matches(path, root, files) then
      on_dir(root)
    end
  end,
}
