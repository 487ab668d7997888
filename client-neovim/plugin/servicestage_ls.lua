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
