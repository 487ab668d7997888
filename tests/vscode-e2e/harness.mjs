// The harness of the VS Code end-to-end test (test.mjs): processes, code-server, chromium, and what the
// workbench shows. Every process started here is recorded and ended by its id.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const CACHE = process.env.SERVICESTAGE_E2E_CACHE;
const CODE_SERVER_VERSION = "4.100.3";
const PLAYWRIGHT_VERSION = "1.56.1";
const CHROMIUM = process.env.SERVICESTAGE_E2E_CHROMIUM ?? "/usr/bin/chromium";
const PYTHON = process.env.SERVICESTAGE_E2E_PYTHON ?? path.join(REPO, ".venv", "bin", "python");
const RESULTS = path.join(REPO, "test-results", "vscode-e2e");
const DOCS = process.env.SERVICESTAGE_E2E_DOCS === "1" ? path.join(REPO, "docs") : undefined;
const TIMEOUT_MS = 60_000;

// Secrets of this run: none may appear on screen or in any log.
const AUTH_TOKEN = "e2e-emulator-token-SECRET";
// code-server removes GITHUB_TOKEN from its environment, so the workspace's team file names GH_TOKEN.
const GH_TOKEN = "ghp_" + "E2eVsC0de".repeat(4);
const GITLAB_TOKEN = "glpat-" + "E2eGitlab1".repeat(2);
const SECRETS = [AUTH_TOKEN, GH_TOKEN, GITLAB_TOKEN];

if (!CACHE) {
  fail("SERVICESTAGE_E2E_CACHE is not set: run tests/vscode-e2e/install.sh (make test-e2e does)");
}
const requireFromPlaywright = createRequire(path.join(CACHE, `playwright-core-${PLAYWRIGHT_VERSION}`, "node_modules", "x.js"));
const { chromium } = requireFromPlaywright("playwright-core");
const CODE_SERVER_ENTRY = path.join(
  CACHE, `code-server-${CODE_SERVER_VERSION}`, "node_modules", "code-server", "out", "node", "entry.js",
);
const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "client-vscode", "package.json"), "utf8"));
const VSIX = process.env.SERVICESTAGE_E2E_VSIX ?? path.join(REPO, "client-vscode", `${manifest.name}-${manifest.version}.vsix`);
const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;

function fail(message) {
  const error = new Error(message);
  error.name = "E2EFailure";
  throw error;
}

function log(message) {
  process.stdout.write(`vscode-e2e: ${message}\n`);
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual, null, 1);
  const e = JSON.stringify(expected, null, 1);
  if (a !== e) {
    fail(`${what}:\n  expected ${e}\n  got      ${a}`);
  }
}

/** Polls `probe` until it returns a truthy value (returned) or the deadline passes (fails with `what`). */
async function waitFor(what, probe, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) {
        return value;
      }
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      fail(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// --- processes: every one is started here, recorded, and ended by its id --------------------------------------

const started = [];

function startProcess(name, command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  const record = { name, child, output: "", exited: false };
  child.stdout.on("data", (chunk) => { record.output += chunk; });
  child.stderr.on("data", (chunk) => { record.output += chunk; });
  child.on("exit", () => { record.exited = true; });
  started.push(record);
  return record;
}

/** The ids of `pid`'s descendants (from /proc), deepest last. */
function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) {
        children.set(ppid, []);
      }
      children.get(ppid).push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  const out = [];
  const visit = (p) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

function commandLine(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends the process and everything it started, each by its id; waits until they are gone. */
async function endProcess(record) {
  const pid = record.child.pid;
  const tree = [pid, ...descendants(pid)];
  for (const p of tree) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (tree.some(alive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const p of tree.filter(alive)) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

// --- the scene ---------------------------------------------------------------------------------------------

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "servicestage-vscode-e2e-"));
const WORKSPACE = path.join(TMP, "workspace");
const TEAM_TEXT = fs.readFileSync(path.join(REPO, "examples", "team.servicestage.yaml"), "utf8")
  .replace("token: ${GITHUB_TOKEN}", "token: ${GH_TOKEN}");
const MISTAKES_TEXT = fs.readFileSync(path.join(REPO, "examples", "mistakes.servicestage.yaml"), "utf8");
// An OAuth entry: no secret in the file; Authorize in the browser creates it (oauth.mjs).
const OAUTH_TEXT = [
  "# One OAuth authorization: no secret in the file; Authorize in the browser creates it.",
  "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789",
  "region: cn-north-4",
  "authorizations:",
  "  - name: gh-oauth",
  "    kind: oauth",
  "    repo_type: github",
  "    tag: intl",
  "",
].join("\n");
const OTHER_TEXT = "# Not a ServiceStage file: no server for it.\nrepo_type: githib\n";

function writeWorkspace() {
  fs.mkdirSync(WORKSPACE, { recursive: true });
  fs.writeFileSync(path.join(WORKSPACE, "team.servicestage.yaml"), TEAM_TEXT);
  fs.writeFileSync(path.join(WORKSPACE, "mistakes.servicestage.yaml"), MISTAKES_TEXT);
  fs.writeFileSync(path.join(WORKSPACE, "oauth.servicestage.yaml"), OAUTH_TEXT);
  fs.writeFileSync(path.join(WORKSPACE, "other.yaml"), OTHER_TEXT);
}

/** A private profile: user data, extensions, config and XDG folders of one code-server session. */
function profile(name, settings) {
  const root = path.join(TMP, name);
  const dirs = {
    root,
    userData: path.join(root, "user-data"),
    extensions: path.join(TMP, "extensions"),
    config: path.join(root, "config.yaml"),
    home: path.join(root, "home"),
  };
  for (const d of [dirs.userData, dirs.extensions, dirs.home, path.join(dirs.userData, "User")]) {
    fs.mkdirSync(d, { recursive: true });
  }
  fs.writeFileSync(dirs.config, "auth: none\ncert: false\n");
  fs.writeFileSync(path.join(dirs.userData, "User", "settings.json"), JSON.stringify({
    "workbench.startupEditor": "none",
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "workbench.enableExperiments": false,
    "workbench.tips.enabled": false,
    "chat.disableAIFeatures": true,
    "git.enabled": false,
    "editor.minimap.enabled": false,
    "window.zoomLevel": 0,
    "files.autoSave": "off", // the desktop default (VS Code in a browser saves after a delay)
    ...settings,
  }, null, 2));
  return dirs;
}

function codeServerEnv(dirs, extra) {
  return {
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, ".config"),
    XDG_DATA_HOME: path.join(dirs.home, ".local", "share"),
    XDG_CACHE_HOME: path.join(dirs.home, ".cache"),
    XDG_STATE_HOME: path.join(dirs.home, ".local", "state"),
    TMPDIR: os.tmpdir(),
    LANG: "C.UTF-8",
    SHELL: "/bin/sh",
    ...extra,
  };
}

/** code-server's arguments; `trust`: keep VS Code's workspace trust (Restricted Mode for a folder not trusted). */
function codeServerArgs(dirs, { trust = false } = {}) {
  return [
    CODE_SERVER_ENTRY,
    "--config", dirs.config,
    "--user-data-dir", dirs.userData,
    "--extensions-dir", dirs.extensions,
    "--disable-telemetry",
    "--disable-update-check",
    ...(trust ? [] : ["--disable-workspace-trust"]),
    "--disable-getting-started-override",
  ];
}

function installExtension(dirs) {
  const output = execFileSync(process.execPath, [...codeServerArgs(dirs), "--install-extension", VSIX], {
    env: codeServerEnv(dirs, { PATH: process.env.PATH }),
    encoding: "utf8",
    timeout: 120_000,
  });
  return output;
}

async function startCodeServer(dirs, env, { folder = WORKSPACE, trust = false } = {}) {
  const port = await freePort();
  const record = startProcess("code-server", process.execPath, [
    ...codeServerArgs(dirs, { trust }), "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, folder,
  ], { env: codeServerEnv(dirs, env) });
  await waitFor("code-server to listen", () => {
    if (record.exited) {
      fail(`code-server exited:\n${record.output}`);
    }
    return record.output.includes("HTTP server listening on");
  });
  return { record, url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}` };
}

/** The emulator on loopback address `host`. */
async function startEmulator(host = "127.0.0.1") {
  const record = startProcess("emulator", PYTHON, ["-m", "servicestage_ls", "emulator", "--host", host, "--port", "0", "--token", AUTH_TOKEN], {
    env: { PATH: process.env.PATH, LANG: "C.UTF-8" },
  });
  const url = await waitFor("the emulator to listen", () => {
    if (record.exited) {
      fail(`emulator exited:\n${record.output}`);
    }
    return /servicestage-ls emulator listening on (http:\/\/127\.\d+\.\d+\.\d+:\d+)/.exec(record.output)?.[1];
  });
  return { record, url };
}

// --- the browser ------------------------------------------------------------------------------------------

async function openBrowser(name) {
  const context = await chromium.launchPersistentContext(path.join(TMP, `${name}-chromium`), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1000 },
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  // Every notification the workbench shows, as it shows it (toasts disappear; this record does not).
  await page.addInitScript(() => {
    window.__e2eNotifications = [];
    const seen = new Set();
    const record = () => {
      for (const item of document.querySelectorAll(".notification-list-item")) {
        const label = item.querySelector(".notification-list-item-message")?.textContent ?? "";
        const error = item.querySelector(".notification-list-item-icon.codicon-error") !== null;
        const key = `${error}|${label}`;
        if (label && !seen.has(key)) {
          seen.add(key);
          window.__e2eNotifications.push({ error, label });
        }
      }
    };
    new MutationObserver(record).observe(document, { subtree: true, childList: true, attributes: true });
  });
  return { context, page };
}

let shotNumber = 0;
/**
 * Saves a screenshot of the whole window into test-results/; with SERVICESTAGE_E2E_DOCS=1 and a `docsName`,
 * also the part of the window around the elements `around` (locators) into docs/ (small PNGs for the docs pages).
 */
async function screenshot(page, name, docsName, around = []) {
  shotNumber += 1;
  await page.screenshot({ path: path.join(RESULTS, `${String(shotNumber).padStart(2, "0")}-${name}.png`) });
  if (DOCS && docsName) {
    const boxes = [];
    for (const locator of around) {
      const box = await locator.boundingBox();
      if (box) {
        boxes.push(box);
      }
    }
    if (!boxes.length) {
      fail(`nothing to show in docs/${docsName}`);
    }
    const margin = 8;
    const viewport = page.viewportSize();
    const x = Math.max(0, Math.min(...boxes.map((b) => b.x)) - margin);
    const y = Math.max(0, Math.min(...boxes.map((b) => b.y)) - margin);
    const right = Math.min(viewport.width, Math.max(...boxes.map((b) => b.x + b.width)) + margin);
    const bottom = Math.min(viewport.height, Math.max(...boxes.map((b) => b.y + b.height)) + margin);
    await page.screenshot({ path: path.join(DOCS, docsName), clip: { x, y, width: right - x, height: bottom - y } });
  }
}

async function notifications(page) {
  return page.evaluate(() => window.__e2eNotifications);
}

/** Fails on an error notification that is not one of `allowed` (regular expressions on its aria-label). */
async function checkNoErrorNotifications(page, allowed = []) {
  const errors = (await notifications(page)).filter((n) => n.error && !allowed.some((re) => re.test(n.label)));
  if (errors.length) {
    fail(`unexpected error notification(s): ${errors.map((n) => n.label).join(" | ")}`);
  }
}

async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${title}`);
  await waitFor(`the command '${title}' in the palette`, async () =>
    (await page.locator(".quick-input-list .monaco-list-row.focused").first().textContent())?.includes(title));
  await page.keyboard.press("Enter");
}

async function openFile(page, name) {
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(name);
  await waitFor(`'${name}' in quick open`, async () =>
    (await page.locator(".quick-input-list .monaco-list-row.focused").first().getAttribute("aria-label"))?.startsWith(name));
  await page.keyboard.press("Enter");
  await waitFor(`the editor of ${name}`, async () =>
    (await page.locator(".tabs-container .tab.active").getAttribute("aria-label"))?.startsWith(name));
  await page.locator(".editor-instance .monaco-editor textarea").first().focus();
}

async function goTo(page, line, column) {
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await waitFor(`the cursor at ${line}:${column}`, async () =>
    (await statusText(page, "status.editor.selection"))?.startsWith(`Ln ${line}, Col ${column}`));
}

async function statusText(page, id) {
  const item = page.locator(`[id="${id}"]`);
  return (await item.count()) ? (await item.innerText()).replace(/\s+/g, " ").trim() : undefined;
}

/** The editor's text as rendered (all lines of these small files are visible). */
async function editorLines(page) {
  return page.locator(".editor-instance .view-lines .view-line").evaluateAll((lines) =>
    lines
      .map((l) => ({ top: parseFloat(l.style.top), text: l.textContent.replace(/\u00a0/g, " ") }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text));
}

async function activeTabDirty(page) {
  return page.locator(".tabs-container .tab.active").evaluate((tab) => tab.classList.contains("dirty"));
}

/** The command lines of the language servers code-server runs (started by the extension's tool/server.py). */
async function serverProcesses(codeServer) {
  return serverPids(codeServer).map(commandLine);
}

function serverPids(codeServer) {
  return descendants(codeServer.child.pid).filter((pid) => /\/tool\/server\.py( |$)/.test(commandLine(pid)));
}

/** The working directory of each language server code-server runs. */
function serverDirectories(codeServer) {
  return serverPids(codeServer).map((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      return "";
    }
  });
}

/** Opens the Problems panel (Ctrl+Shift+M toggles it: pressed only when it is not shown). */
async function problemsPanel(page) {
  const panel = page.locator(".markers-panel");
  if (!(await panel.isVisible())) {
    await page.keyboard.press("Control+Shift+M");
  }
  await panel.waitFor({ state: "visible" });
  return page.locator(".markers-panel .monaco-list-row");
}

/** The Problems panel's rows for `file`, as the user reads them: message, source(code), [Ln, Col]. */
async function problemRows(page) {
  const rows = await problemsPanel(page);
  return rows.evaluateAll((elements) => elements
    .filter((row) => row.querySelector(".marker-message-details-container, .marker-source, .marker-code") !== null)
    .map((row) => ({
      index: Number(row.getAttribute("data-index")),
      severity: row.querySelector(".codicon-error") ? "error" : row.querySelector(".codicon-warning") ? "warning" : "info",
      message: row.querySelector(".marker-message")?.textContent ?? "",
      source: row.querySelector(".marker-source")?.textContent ?? "",
      code: row.querySelector(".marker-code")?.textContent ?? "",
      position: row.querySelector(".marker-line")?.textContent ?? "",
    }))
    .sort((a, b) => a.index - b.index));
}

/** The code lenses' texts, top to bottom. */
async function codeLenses(page) {
  return page.locator(".editor-instance .codelens-decoration").evaluateAll((lenses) => lenses
    .map((l) => ({ top: l.getBoundingClientRect().top, text: l.textContent.replace(/\u00a0/g, " ").trim() }))
    .sort((a, b) => a.top - b.top)
    .map((l) => l.text));
}

function extensionHostErrors(dirs) {
  const errors = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else if (/exthost.*\.log$/.test(entry.name)) {
        for (const line of fs.readFileSync(p, "utf8").split("\n")) {
          if (/\[error\]/.test(line)) {
            errors.push(`${path.relative(dirs.userData, p)}: ${line}`);
          }
        }
      }
    }
  };
  walk(path.join(dirs.userData, "logs"));
  return errors;
}

/** The log files (extension host, output channels incl. ServiceStage's, server) that contain one of SECRETS (or of
 * `more`: e.g. an OAuth code). */
function logsWithSecrets(dirs, more = []) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else if ([...SECRETS, ...more].some((secret) => fs.readFileSync(p, "utf8").includes(secret))) {
        found.push(path.relative(dirs.userData, p));
      }
    }
  };
  walk(path.join(dirs.userData, "logs"));
  return found;
}

function extensionHostLog(dirs) {
  let text = "";
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else if (/exthost.*\.log$/.test(entry.name)) {
        text += fs.readFileSync(p, "utf8");
      }
    }
  };
  walk(path.join(dirs.userData, "logs"));
  return text;
}

export {
  problemRows, codeLenses,
  PYTHON, TIMEOUT_MS, REPO, RESULTS, DOCS, SECRETS, AUTH_TOKEN, GH_TOKEN, GITLAB_TOKEN, EXTENSION_ID, VSIX, MISTAKES_TEXT, TEAM_TEXT, OAUTH_TEXT, WORKSPACE, TMP,
  fail, log, assertEqual, waitFor, startProcess, endProcess, started, writeWorkspace, profile, installExtension,
  startCodeServer, startEmulator, openBrowser, screenshot, notifications, checkNoErrorNotifications, runCommand,
  openFile, goTo, statusText, editorLines, activeTabDirty, serverProcesses, serverDirectories, extensionHostErrors, extensionHostLog, logsWithSecrets,
};
