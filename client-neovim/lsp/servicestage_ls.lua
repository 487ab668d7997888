-- servicestage-ls for Neovim >= 0.11:
--   vim.lsp.config("servicestage_ls", { settings = { servicestage = { validate = "onSave" } } })  -- optional
--   (trusted hosts: settings = { servicestage = { trustedEndpoints = { "cse.example.internal" } } })
--   vim.lsp.enable("servicestage_ls")
-- Neovim picks this file up from the runtimepath. The server ignores YAML files that are not ServiceStage
-- files anyway; `root_dir` below keeps the client from even attaching to them.
local servicestage = require("servicestage_ls")

return {
  -- By its absolute path (exepath), in the plugin's directory: never a program or module of the project.
  -- Not found on PATH: the name, which Neovim then reports as not executable.
  cmd = servicestage.resolve_cmd(servicestage.default_cmd) or servicestage.default_cmd,
  cmd_cwd = servicestage.plugin_dir,
  filetypes = { "yaml" },
  root_markers = servicestage.default_root_markers,
  settings = {
    servicestage = {
      validate = "onChange",
      files = servicestage.default_files,
    },
  },
  -- Echo what the server is doing, and answer Authorize's prompt, as with setup().
  handlers = servicestage.default_handlers(),
  -- The server reads workspace/configuration; initializationOptions carry the same table.
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_get(config, "settings", "servicestage")
  end,
  -- Attach only to files that match `settings.servicestage.files`; the root is the nearest directory with
  -- one of `root_markers` (from the resolved config), else the file's directory.
  root_dir = function(bufnr, on_dir)
    local config = vim.lsp.config.servicestage_ls or {}
    local files = vim.tbl_get(config, "settings", "servicestage", "files")
    local path = vim.api.nvim_buf_get_name(bufnr)
    if vim.bo[bufnr].buftype == "" and servicestage.matches(path, files) then
      on_dir(vim.fs.root(bufnr, config.root_markers or servicestage.default_root_markers) or vim.fs.dirname(path))
    end
  end,
}
