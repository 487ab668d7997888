-- User commands for servicestage-ls; they act on the servicestage-ls client attached to the current buffer,
-- whether it was started by require("servicestage_ls").setup() or by vim.lsp.enable("servicestage_ls").
if vim.g.loaded_servicestage_ls then
  return
end
vim.g.loaded_servicestage_ls = true

local function run(which)
  return function(args)
    require("servicestage_ls").execute(which, args.args)
  end
end

vim.api.nvim_create_user_command("ServiceStageCreate", run("create"), {
  nargs = "?",
  desc = "servicestage-ls: create the authorization under the cursor (or the one named) in ServiceStage",
})
vim.api.nvim_create_user_command("ServiceStageCreateAll", run("create_all"), {
  desc = "servicestage-ls: create every entry of this file that has no repo_user yet",
})
vim.api.nvim_create_user_command("ServiceStageRefresh", run("refresh"), {
  desc = "servicestage-ls: update repo_user and status from ServiceStage",
})
vim.api.nvim_create_user_command("ServiceStagePlan", run("plan"), {
  desc = "servicestage-ls: show what differs between this file and ServiceStage (read-only buffer)",
})
vim.api.nvim_create_user_command("ServiceStageImport", run("import"), {
  nargs = "*",
  desc = "servicestage-ls: add entries for the authorizations only ServiceStage has (or the names given)",
})
vim.api.nvim_create_user_command("ServiceStageRotate", run("rotate"), {
  nargs = "?",
  desc = "servicestage-ls: replace the token of the entry under the cursor (or the one named): delete, create",
})
vim.api.nvim_create_user_command("ServiceStageDelete", run("delete"), {
  nargs = "?",
  desc = "servicestage-ls: delete the entry under the cursor (or the one named) from ServiceStage",
})
vim.api.nvim_create_user_command("ServiceStageTest", run("test"), {
  nargs = "?",
  desc = "servicestage-ls: test the authorization under the cursor (or the one named): the namespaces it sees",
})
vim.api.nvim_create_user_command("ServiceStageAuthorize", run("authorize"), {
  nargs = "?",
  desc = "servicestage-ls: authorize the OAuth entry under the cursor (or the one named) in the browser",
})
vim.api.nvim_create_user_command("ServiceStageTestAll", run("test_all"), {
  desc = "servicestage-ls: test every authorization of this file",
})

-- Code lenses on Neovim 0.10+, for the client however it was started (setup() or vim.lsp.enable()).
if vim.fn.has("nvim-0.10") == 1 then
  vim.api.nvim_create_autocmd("LspAttach", {
    group = vim.api.nvim_create_augroup("servicestage_ls_lenses", { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == require("servicestage_ls").name then
        require("servicestage_ls").enable_codelens(args.buf)
      end
    end,
    desc = "servicestage-ls: show code lenses",
  })
end
