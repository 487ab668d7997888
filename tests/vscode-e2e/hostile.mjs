// The hostile repository (tests/fixtures/hostile-repo/) opened in the real VS Code (issue 18): its shadow modules,
// its bin/python3 and its .vscode/settings.json (its own interpreter, endpoint, CA, trusted hosts and remote
// check) must change nothing. Its servicestage.yaml names https://capture.test:4443, which the capture server
// (tests/helpers/capture.py, run by capture_server.py) answers as the user's https proxy.
//
// 1. Restricted Mode (VS Code's workspace trust on, the folder not trusted): validation is shown, no cloud lens, a
//    cloud command says to trust the workspace, no error notification, nothing captured.
// 2. The user trusts the workspace (the trust editor → Trust): the server restarts with the cloud on,
//    yet the workspace's settings still choose nothing: the untrusted host gets no call, not even on save.
// 3. The user trusts the host the user's way (servicestage.trustedEndpoints and remoteCheck in the User settings,
//    the window reloaded): a save's remote check reaches the capture server.
// No step leaves a marker file of the repository's code.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as h from "./harness.mjs";

const { fail, log, assertEqual, waitFor } = h;

const FIXTURE = path.join(h.REPO, "tests", "fixtures", "hostile-repo");
const CAPTURE_ENTRY = "capture.test:4443";
const PROJECT_ID = "0a1b2c3d4e5f67890a1b2c3d4e5f6789";
const STATUS = '[id="servicestage.servicestage-ls.servicestage.status"]';

/** The capture server as a process: its proxy URL, its CA, and what reached capture.test so far. */
async function startCapture() {
  const child = spawn(h.PYTHON, [path.join(h.REPO, "tests", "vscode-e2e", "capture_server.py")], {
    stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH, LANG: "C.UTF-8" },
  });
  const record = { name: "capture", child, output: "", exited: false, lines: [] };
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      record.lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  });
  child.stderr.on("data", (chunk) => { record.output += chunk; });
  child.on("exit", () => { record.exited = true; });
  h.started.push(record);
  const first = await waitFor("the capture server", () => {
    if (record.exited) {
      fail(`the capture server exited:\n${record.output}`);
    }
    return record.lines[0];
  });
  const { proxy, ca } = JSON.parse(first);
  /** [method, path, credentials] of each request that reached capture.test (anything else code-server itself
   * sends through the proxy is not ours). A CONNECT without a request is listed with null method and path. */
  const captured = async () => {
    const n = record.lines.length;
    child.stdin.write("captured\n");
    const line = await waitFor("the capture server's answer", () => record.lines[n]);
    return JSON.parse(line).filter(([target]) => target === CAPTURE_ENTRY).map(([, method, p, credentials]) =>
      [method, p, credentials]);
  };
  return { proxy, ca, captured };
}

/** Every log file's text (the ServiceStage output channel is among them). */
function logs(dirs) {
  let text = "";
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else {
        text += fs.readFileSync(p, "utf8");
      }
    }
  };
  walk(path.join(dirs.userData, "logs"));
  return text;
}

async function editAndSave(page) {
  await h.goTo(page, 1, 1);
  await page.keyboard.press("End");
  await page.keyboard.type(" ");
  await waitFor("the file modified", () => h.activeTabDirty(page));
  await page.keyboard.press("Control+S");
  await waitFor("the file saved", async () => !(await h.activeTabDirty(page)));
}

export async function hostileRepository() {
  const capture = await startCapture();
  const folder = path.join(h.TMP, "hostile-repo");
  fs.cpSync(FIXTURE, folder, { recursive: true });
  const traces = () => fs.readdirSync(folder).filter((n) => n.startsWith("IMPORTED-") || n.startsWith("RAN-"));
  const userSettings = {
    "security.workspace.trust.enabled": true,
    "security.workspace.trust.startupPrompt": "never",
    "servicestage.caBundle": capture.ca, // the user's CA for the capture server's certificate
  };
  const dirs = h.profile("hostile", userSettings);
  const extensionDir = path.join(h.TMP, "extensions", `${h.EXTENSION_ID}-0.1.0`);
  const codeServer = await h.startCodeServer(dirs, {
    PATH: process.env.PATH, HUAWEICLOUD_AUTH_TOKEN: h.AUTH_TOKEN, https_proxy: capture.proxy,
  }, { folder, trust: true });
  const { context, page } = await h.openBrowser("hostile");
  const statusItem = page.locator(STATUS);
  const running = () => waitFor("the server to run", async () =>
    (await statusItem.count()) && (await statusItem.getAttribute("aria-label")) === "ServiceStage language server running");
  try {
    await page.goto(codeServer.url);
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: h.TIMEOUT_MS });

    // 1. Restricted Mode.
    await h.openFile(page, "servicestage.yaml");
    await running();
    const rows = await waitFor("the problems", async () => {
      const shown = await h.problemRows(page);
      return shown.length === 2 ? shown : false;
    });
    assertEqual(rows.map((r) => `${r.severity} ${r.code} ${r.position}`),
      ["warning SS123 [Ln 5, Col 11]", "warning SS142 [Ln 9, Col 12]"], "the problems in Restricted Mode");
    assertEqual(await h.codeLenses(page), [], "the code lenses in Restricted Mode (the server offers no cloud lens)");
    await h.runCommand(page, "ServiceStage: Create All New Authorizations");
    await waitFor("the Restricted Mode warning", async () => (await h.notifications(page)).some((n) =>
      !n.error && n.label === "ServiceStage: Create All New Authorizations: trust this workspace to use ServiceStage."));
    await editAndSave(page);
    const servers = await h.serverProcesses(codeServer.record);
    assertEqual(servers.map((s) => s.split(" ").slice(1)), [["-I", path.join(extensionDir, "tool", "server.py"),
      path.join(extensionDir, "bundled", "libs")]], "the server's arguments");
    if (!path.isAbsolute(servers[0].split(" ")[0]) || servers[0].startsWith(folder)) {
      fail(`the server's interpreter: ${servers[0]}`);
    }
    assertEqual(h.serverDirectories(codeServer.record), [extensionDir], "the server's working directory");
    await h.screenshot(page, "hostile-restricted-mode");
    await h.checkNoErrorNotifications(page);
    assertEqual(await capture.captured(), [], "what reached capture.test in Restricted Mode");
    assertEqual(traces(), [], "the repository's code run in Restricted Mode");
    log("hostile repository, Restricted Mode: problems shown, no cloud lens, the command says to trust; nothing sent or run");

    // 2. The user trusts the workspace (Workspaces: Manage Workspace Trust → Trust).
    await h.runCommand(page, "Workspaces: Manage Workspace Trust");
    const trustButton = page.locator(".workspace-trust-editor .monaco-button", { hasText: /^Trust$/ }).first();
    await trustButton.waitFor({ state: "visible", timeout: h.TIMEOUT_MS });
    await h.screenshot(page, "hostile-trust-editor");
    await trustButton.click();
    await waitFor("the server restarted with the cloud on", () =>
      logs(dirs).includes("[client] Starting:") && logs(dirs).split("[client] Starting:").length === 3);
    await h.openFile(page, "servicestage.yaml");
    await running();
    await waitFor("the lenses of a trusted workspace", async () => {
      const lenses = await h.codeLenses(page);
      return lenses.length > 0;
    });
    await editAndSave(page); // the workspace's remoteCheck: onSave is not the user's: no check
    await h.runCommand(page, "ServiceStage: Refresh Status");
    // A warning that names the host and both ways to trust it.
    await waitFor("Refresh's refusal", async () => (await h.notifications(page)).some((n) => !n.error && n.label ===
      `ServiceStage: the endpoint's host ${CAPTURE_ENTRY} is not trusted to receive your credentials: nothing is sent ` +
      "to it until you trust it with the user setting servicestage.trustedEndpoints (trustedEndpoints in the client's " +
      `initializationOptions) or SERVICESTAGE_TRUSTED_ENDPOINTS=${CAPTURE_ENTRY} in the language server's environment`));
    await h.checkNoErrorNotifications(page);
    assertEqual(await capture.captured(), [], "what reached capture.test in a trusted workspace");
    assertEqual(traces(), [], "the repository's code run in a trusted workspace");
    log("hostile repository, trusted workspace: its settings choose nothing; Refresh refused, nothing sent or run");

    // 3. The user trusts the host, in the User settings.
    // The User settings file gains the host and the remote check; the window is reloaded, so the server starts
    // with them (a change while it runs restarts it too: the unit tests' RESTART_SETTINGS).
    const settingsFile = path.join(dirs.userData, "User", "settings.json");
    const settings = JSON.parse(fs.readFileSync(settingsFile, "utf8"));
    fs.writeFileSync(settingsFile, JSON.stringify({
      ...settings, "servicestage.trustedEndpoints": [CAPTURE_ENTRY], "servicestage.remoteCheck": "onSave",
    }, null, 2));
    const starts = logs(dirs).split("[client] Starting:").length;
    await h.runCommand(page, "Developer: Reload Window");
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: h.TIMEOUT_MS });
    // The reloaded window restores the file's editor; the keyboard goes to it.
    await waitFor("the file's editor restored", async () =>
      (await page.locator(".tabs-container .tab.active").getAttribute("aria-label"))?.startsWith("servicestage.yaml"));
    await page.locator(".editor-instance .monaco-editor textarea").first().focus();
    await waitFor("the server started again", () => logs(dirs).split("[client] Starting:").length > starts);
    await running();
    await editAndSave(page);
    let seen = [];
    await waitFor("the remote check at capture.test", async () => {
      seen = await capture.captured(); // the proxy's CONNECT (method null), then the request inside TLS
      return JSON.stringify(seen.filter(([method]) => method !== null)) ===
        JSON.stringify([["GET", `/v1/${PROJECT_ID}/git/auths`, true]]);
    }).catch(() => fail(`capture.test saw ${JSON.stringify(seen)}`));
    assertEqual(traces(), [], "the repository's code run");
    const hostErrors = h.extensionHostErrors(dirs);
    if (hostErrors.length) {
      fail(`errors in the extension host log:\n${hostErrors.join("\n")}`);
    }
    log("hostile repository, host trusted in the User settings: the remote check on save reached it");
  } catch (error) {
    await page.screenshot({ path: path.join(h.RESULTS, "failure-hostile.png") });
    fs.cpSync(path.join(dirs.userData, "logs"), path.join(h.RESULTS, "failure-hostile-logs"), { recursive: true });
    fs.writeFileSync(path.join(h.RESULTS, "failure-hostile-notifications.json"),
      JSON.stringify(await h.notifications(page), null, 1));
    throw error;
  } finally {
    await context.close();
    await h.endProcess(codeServer.record);
  }
}
