import assert from "node:assert/strict";
import * as path from "node:path";
import { beforeEach, describe, it } from "node:test";
import type * as vscode from "vscode";
import { ExecuteCommandRequest } from "vscode-languageserver-protocol";
import { executeCommandParams } from "../src/commands";
import * as manifest from "../package.json";
import { ClientState, Controller, openSetting, type ClientOptionsInput, type LanguageClientLike } from "../src/controller";
import type { ServerExecutable } from "../src/launch";
import { PROBE_SCRIPT, resolveOnPath, type ProcessRunner } from "../src/python";
import { ServerStatus } from "../src/status";
import { fake, FakeOutputChannel, FakeStatusBarItem, Uri, window } from "./fake-vscode";

const EXT = path.join(path.sep, "ext", "client-vscode");
const LIBS = path.join(EXT, "bundled", "libs");
const REPO_SERVER = path.join(path.sep, "ext", "server");

class FakeClient implements LanguageClientLike {
  started = 0;
  stopped = 0;
  requests: { method: string; params: unknown }[] = [];
  listeners: ((e: { oldState: number; newState: number }) => void)[] = [];
  failStart: Error | undefined;
  failRequest: Error | undefined;
  /** What the next executeCommand answers. */
  result: unknown = null;
  constructor(
    readonly serverOptions: ServerExecutable,
    readonly clientOptions: ClientOptionsInput,
  ) {}
  async start(): Promise<void> {
    this.started++;
    this.emit(ClientState.Starting);
    if (this.failStart) {
      this.emit(ClientState.Stopped);
      throw this.failStart;
    }
    this.emit(ClientState.Running);
  }
  async stop(): Promise<void> {
    this.stopped++;
    this.emit(ClientState.Stopped);
  }
  emit(newState: number): void {
    for (const l of this.listeners) l({ oldState: 0, newState });
  }
  onDidChangeState(listener: (e: { oldState: number; newState: number }) => void): vscode.Disposable {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
  tokens: unknown[] = [];
  async sendRequest(type: typeof ExecuteCommandRequest.type, params: unknown, token?: unknown): Promise<unknown> {
    this.requests.push({ method: type.method, params });
    this.tokens.push(token);
    if (this.failRequest) throw this.failRequest;
    return this.result;
  }
  asProtocolUri(uri: vscode.Uri): string {
    return uri.toString();
  }
}

interface Setup {
  versions?: Record<string, string>;
  fromExtension?: string;
  layout?: "bundled" | "repo" | "installed";
  failStart?: Error;
  trusted?: boolean;
}

function setup(opts: Setup = {}) {
  const versions = opts.versions ?? { python3: "3.11.7" };
  const probes: string[] = [];
  // A name is found on PATH as /usr/bin/<name>; the probe runs isolated in the extension's folder.
  const run: ProcessRunner = async (command, args, _timeoutMs, cwd) => {
    assert.deepEqual(args, ["-I", "-c", PROBE_SCRIPT]);
    assert.equal(cwd, EXT);
    probes.push(command);
    const v = versions[command.startsWith("/usr/bin/") ? path.basename(command) : command];
    if (!v) return { code: null, stdout: "", stderr: "", error: "not found" };
    return { code: 0, stdout: JSON.stringify({ version: v.split(".").map(Number), executable: command }), stderr: "" };
  };
  const clients: FakeClient[] = [];
  const shown: { title: string; text: string }[] = [];
  const output = new FakeOutputChannel("ServiceStage");
  const item = new FakeStatusBarItem();
  const status = new ServerStatus(item as unknown as vscode.StatusBarItem);
  const present = {
    bundled: path.join(LIBS, "servicestage_ls", "__init__.py"),
    repo: path.join(REPO_SERVER, "servicestage_ls", "__init__.py"),
    installed: undefined,
  }[opts.layout ?? "bundled"];
  const controller = new Controller({
    extensionPath: EXT,
    output: output as unknown as vscode.OutputChannel,
    status,
    createClient: (exe, options) => {
      const client = new FakeClient(exe, options);
      client.failStart = opts.failStart;
      clients.push(client);
      return client;
    },
    run,
    fromPythonExtension: async () => opts.fromExtension,
    exists: (p) => p === present,
    env: { PATH: "/usr/bin" },
    platform: "linux",
    resolve: (command) => resolveOnPath(command, { pathVariable: "/usr/bin", platform: "linux", isExecutable: () => true }),
    isTrusted: () => opts.trusted ?? true,
    showReadOnly: async (title, text) => {
      shown.push({ title, text });
    },
  });
  return { controller, clients, output, item, status, probes, shown };
}

beforeEach(() => fake.reset());

describe("controller: starting the server", () => {
  it("starts the bundled server with the first qualifying Python and the current settings", async () => {
    fake.config = { "servicestage.validate": "onSave", "servicestage.timeoutSeconds": 12 };
    const { controller, clients, status, item, output } = setup();
    await controller.start();
    assert.equal(clients.length, 1);
    const [client] = clients;
    assert.deepEqual(client.serverOptions, {
      command: "/usr/bin/python3",
      args: ["-I", path.join(EXT, "tool", "server.py"), LIBS],
      options: { env: { PATH: "/usr/bin" }, cwd: EXT },
    });
    assert.deepEqual(client.clientOptions, {
      documentSelector: [
        { scheme: "file", language: "yaml", pattern: "**/*.servicestage.yaml" },
        { scheme: "file", language: "yaml", pattern: "**/*.servicestage.yml" },
        { scheme: "file", language: "yaml", pattern: "**/servicestage.yaml" },
        { scheme: "file", language: "yaml", pattern: "**/servicestage.yml" },
      ],
      initializationOptions: {
        validate: "onSave",
        files: ["**/*.servicestage.yaml", "**/*.servicestage.yml", "**/servicestage.yaml", "**/servicestage.yml"],
        endpoint: "",
        remoteCheck: "off",
        timeoutSeconds: 12,
        caBundle: "",
        trustedEndpoints: [],
        restrictedMode: false,
      },
      synchronize: { configurationSection: "servicestage" },
    });
    assert.equal(status.state, "running");
    assert.equal(item.text, "$(check) ServiceStage");
    assert.match(String(item.tooltip), /running — Python 3\.11\.7 \(\/usr\/bin\/python3\), bundled server/);
    assert.ok(output.lines.includes(`[client] Starting: /usr/bin/python3 -I ${path.join(EXT, "tool", "server.py")} ${LIBS}   (in ${EXT})`));
    assert.deepEqual(fake.errorMessages, []);
  });

  it("passes the user's globs to the document selector", async () => {
    fake.config = { "servicestage.files": ["**/auth.yaml", "deploy/*.yml"] };
    const { controller, clients } = setup();
    await controller.start();
    assert.deepEqual(clients[0].clientOptions.documentSelector, [
      { scheme: "file", language: "yaml", pattern: "**/auth.yaml" },
      { scheme: "file", language: "yaml", pattern: "**/deploy/*.yml" },
    ]);
    assert.deepEqual(clients[0].clientOptions.initializationOptions.files, ["**/auth.yaml", "deploy/*.yml"]);
  });

  it("uses the repository's server/ when nothing is bundled (development), else an installed server", async () => {
    const repo = setup({ layout: "repo" });
    await repo.controller.start();
    assert.deepEqual(repo.clients[0].serverOptions.args, ["-I", path.join(EXT, "tool", "server.py"), REPO_SERVER]);
    assert.match(String(repo.item.tooltip), /server from the repository/);

    const installed = setup({ layout: "installed" });
    await installed.controller.start();
    assert.deepEqual(installed.clients[0].serverOptions, {
      command: "/usr/bin/python3",
      args: ["-I", path.join(EXT, "tool", "server.py")],
      options: { env: { PATH: "/usr/bin" }, cwd: EXT },
    });
  });

  it("prefers servicestage.server.pythonPath, then the Python extension's interpreter", async () => {
    fake.config = { "servicestage.server.pythonPath": "/venv/bin/python" };
    const a = setup({ versions: { "/venv/bin/python": "3.12.1", "/ext/python": "3.13.0", python3: "3.11.7" }, fromExtension: "/ext/python" });
    await a.controller.start();
    assert.equal(a.clients[0].serverOptions.command, "/venv/bin/python");
    assert.deepEqual(a.probes, ["/venv/bin/python"]);

    fake.config = {};
    const b = setup({ versions: { "/ext/python": "3.13.0", python3: "3.11.7" }, fromExtension: "/ext/python" });
    await b.controller.start();
    assert.equal(b.clients[0].serverOptions.command, "/ext/python");
  });

  it("never takes servicestage.server.pythonPath from the workspace's settings, trusted or not", async () => {
    fake.workspaceFolders = [{ uri: Uri.file("/ws") }];
    fake.workspaceConfig = { "servicestage.server.pythonPath": "${workspaceFolder}/bin/python3" };
    const { controller, clients, probes } = setup({ versions: { "/ws/bin/python3": "3.12.1", python3: "3.11.7" } });
    await controller.start();
    assert.deepEqual(probes, ["/usr/bin/python3"]);
    assert.equal(clients[0].serverOptions.command, "/usr/bin/python3");
  });

  it("in Restricted Mode runs no interpreter of the workspace: no ${workspaceFolder}, no relative path, no Python extension", async () => {
    fake.workspaceFolders = [{ uri: Uri.file("/ws") }];
    for (const configured of ["${workspaceFolder}/.venv/bin/python", ".venv/bin/python"]) {
      fake.config = { "servicestage.server.pythonPath": configured };
      const { controller, clients, probes } = setup({
        versions: { "/ws/.venv/bin/python": "3.12.1", "/ws/.venv/bin/python3": "3.12.1", python3: "3.11.7" },
        fromExtension: "/ws/.venv/bin/python3",
        trusted: false,
      });
      await controller.start();
      assert.deepEqual(probes, ["/usr/bin/python3"]);
      assert.equal(clients[0].serverOptions.command, "/usr/bin/python3");
    }
    // Trusted, the same setting is the workspace's interpreter.
    fake.config = { "servicestage.server.pythonPath": "${workspaceFolder}/.venv/bin/python" };
    const trusted = setup({ versions: { "/ws/.venv/bin/python": "3.12.1" } });
    await trusted.controller.start();
    assert.equal(trusted.clients[0].serverOptions.command, "/ws/.venv/bin/python");
  });

  it("warns when the configured interpreter is unusable and another one is used", async () => {
    fake.config = { "servicestage.server.pythonPath": "/old/python" };
    const { controller, clients } = setup({ versions: { "/old/python": "3.8.10", python3: "3.11.7" } });
    await controller.start();
    assert.equal(clients[0].serverOptions.command, "/usr/bin/python3");
    assert.deepEqual(fake.warningMessages, [
      "ServiceStage: servicestage.server.pythonPath (/old/python) is not usable: Python 3.8.10 is too old (3.10 or newer is needed). Using python3 (Python 3.11.7) instead.",
    ]);
  });

  it("shows one error with 'Open Setting' when no Python qualifies, and starts nothing", async () => {
    fake.errorChoice = "Open Setting";
    const { controller, clients, status, item } = setup({ versions: { python: "3.9.2" } });
    await controller.start();
    await new Promise<void>((resolve) => setImmediate(resolve)); // let the button handler run
    assert.equal(clients.length, 0);
    assert.equal(status.state, "error");
    assert.equal(item.text, "$(error) ServiceStage");
    assert.equal(fake.errorMessages.length, 1);
    const [error] = fake.errorMessages;
    assert.deepEqual(error.items, ["Open Setting", "Show Output"]);
    assert.match(error.message, /no Python 3\.10 or newer found/);
    assert.match(error.message, /Tried: python3 \(not found\); python \(Python 3\.9\.2 is too old/);
    assert.deepEqual(fake.executedCommands, [{ command: "workbench.action.openSettings", args: ["servicestage.server.pythonPath"] }]);
    assert.deepEqual(fake.settingsEditor, [{ tab: "user", query: "servicestage.server.pythonPath", shown: "the setting" }]);
  });

  for (const remoteName of ["ssh-remote", "wsl", "dev-container", "codespaces"]) {
    it(`'Open Setting' shows the interpreter setting in a remote window too (${remoteName})`, async () => {
      fake.remoteName = remoteName;
      fake.errorChoice = "Open Setting";
      const { controller } = setup({ versions: { python: "3.9.2" } });
      await controller.start();
      await new Promise<void>((resolve) => setImmediate(resolve)); // let the button handler run
      assert.deepEqual(fake.executedCommands, [
        { command: "workbench.action.openRemoteSettings", args: [{ query: "servicestage.server.pythonPath" }] },
      ]);
      assert.deepEqual(fake.settingsEditor, [{ tab: "remote", query: "servicestage.server.pythonPath", shown: "the setting" }]);
    });
  }

  it("openSetting finds every contributed setting where it is shown, in local and remote windows", async () => {
    for (const remoteName of [undefined, "ssh-remote"]) {
      for (const setting of Object.keys(manifest.contributes.configuration.properties)) {
        fake.remoteName = remoteName;
        fake.settingsEditor = [];
        await openSetting(setting);
        assert.deepEqual(fake.settingsEditor.map((s) => s.shown), ["the setting"], `${setting} (remote: ${remoteName})`);
      }
    }
  });

  it("shows an error state when the server fails to start", async () => {
    const { controller, status, output } = setup({ failStart: new Error("Server initialization failed.") });
    await controller.start();
    assert.equal(status.state, "error");
    assert.equal(status.detail, "failed to start: Server initialization failed.");
    assert.ok(output.lines.includes("[client] The language server failed to start: Server initialization failed."));
  });

  it("marks an unexpected stop as an error, and a requested stop as stopped", async () => {
    const { controller, clients, status } = setup();
    await controller.start();
    clients[0].emit(ClientState.Stopped);
    assert.equal(status.state, "error");
    assert.equal(status.detail, "the server stopped unexpectedly; see Output → ServiceStage");
    clients[0].emit(ClientState.Starting);
    assert.equal(status.state, "starting");
    clients[0].emit(ClientState.Running);
    assert.equal(status.state, "running");
    await controller.stop();
    assert.equal(status.state, "stopped");
    assert.equal(clients[0].stopped, 1);
  });

  it("starts once however often it is asked", async () => {
    const { controller, clients } = setup();
    await Promise.all([controller.ensureStarted(), controller.ensureStarted(), controller.start()]);
    await controller.ensureStarted();
    assert.equal(clients.length, 1);
    assert.equal(clients[0].started, 1);
  });
});

describe("controller: Restricted Mode", () => {
  it("a cloud command says to trust the workspace, offers Manage Workspace Trust, and sends nothing", async () => {
    fake.warningChoice = "Manage Workspace Trust";
    const { controller, clients } = setup({ trusted: false });
    await controller.start();
    await controller.runEditorCommand("createAll");
    await new Promise<void>((resolve) => setImmediate(resolve)); // let the button handler run
    assert.deepEqual(fake.warningMessages, ["ServiceStage: Create All New Authorizations: trust this workspace to use ServiceStage."]);
    assert.deepEqual(fake.warningItems, [["Manage Workspace Trust"]]);
    assert.deepEqual(fake.executedCommands, [{ command: "workbench.trust.manage", args: [] }]);
    assert.deepEqual(clients[0].requests, []);
    assert.equal(clients[0].clientOptions.initializationOptions.restrictedMode, true);
  });

  it("the status-bar item says so", async () => {
    const { controller, item } = setup({ trusted: false });
    await controller.start();
    assert.match(String(item.tooltip), /bundled server; Restricted Mode: trust this workspace to use ServiceStage/);
  });
});

describe("controller: configuration changes", () => {
  it("restarts with the new interpreter when servicestage.server.pythonPath changes", async () => {
    const { controller, clients } = setup({ versions: { python3: "3.11.7", "/new/python": "3.12.0" } });
    await controller.start();
    fake.config = { "servicestage.server.pythonPath": "/new/python" };
    assert.equal(await controller.onConfigurationChanged({ affectsConfiguration: (s) => s === "servicestage.server.pythonPath" }), true);
    assert.equal(clients.length, 2);
    assert.equal(clients[0].stopped, 1);
    assert.equal(clients[1].serverOptions.command, "/new/python");
  });

  it("restarts with the new selector when servicestage.files changes", async () => {
    const { controller, clients } = setup();
    await controller.start();
    fake.config = { "servicestage.files": ["**/*.auth.yaml"] };
    assert.equal(await controller.onConfigurationChanged({ affectsConfiguration: (s) => s === "servicestage.files" }), true);
    assert.deepEqual(clients[1].clientOptions.documentSelector, [{ scheme: "file", language: "yaml", pattern: "**/*.auth.yaml" }]);
  });

  it("does not restart for the other settings (they reach the server by didChangeConfiguration)", async () => {
    const { controller, clients } = setup();
    await controller.start();
    for (const key of ["validate", "timeoutSeconds", "trace.server"]) {
      const changed = `servicestage.${key}`;
      assert.equal(await controller.onConfigurationChanged({ affectsConfiguration: (s) => s === changed || s === "servicestage" }), false);
    }
    assert.equal(clients.length, 1);
    assert.equal(clients[0].stopped, 0);
  });

  it("restarts when a setting the server takes at start only changes (endpoint, caBundle, remoteCheck)", async () => {
    const { controller, clients, output } = setup();
    await controller.start();
    fake.config = { "servicestage.endpoint": "https://servicestage.example.internal" };
    assert.equal(await controller.onConfigurationChanged({ affectsConfiguration: (s) => s === "servicestage.endpoint" || s === "servicestage" }), true);
    assert.equal(clients.length, 2);
    assert.equal(clients[1].clientOptions.initializationOptions.endpoint, "https://servicestage.example.internal");
    assert.ok(output.lines.includes("[client] Settings changed (servicestage.endpoint): restarting the server."));
  });

  it("does not start a server nobody asked for", async () => {
    const { controller, clients } = setup();
    assert.equal(await controller.onConfigurationChanged({ affectsConfiguration: () => true }), false);
    assert.equal(clients.length, 0);
  });

  it("retries after Python was missing once the setting is fixed", async () => {
    const { controller, clients, status } = setup({ versions: { "/fixed/python": "3.10.4" } });
    await controller.start();
    assert.equal(status.state, "error");
    fake.config = { "servicestage.server.pythonPath": "/fixed/python" };
    assert.equal(await controller.onConfigurationChanged({ affectsConfiguration: (s) => s === "servicestage.server.pythonPath" }), true);
    assert.equal(clients.length, 1);
    assert.equal(status.state, "running");
  });

  it("restarts when the Python extension's interpreter changes, unless pythonPath pins one", async () => {
    const a = setup({ versions: { "/ext/python": "3.12.0" }, fromExtension: "/ext/python" });
    await a.controller.start();
    assert.equal(await a.controller.onPythonInterpreterChanged(), true);
    assert.equal(a.clients.length, 2);

    fake.config = { "servicestage.server.pythonPath": "/venv/python" };
    const b = setup({ versions: { "/venv/python": "3.12.0" }, fromExtension: "/ext/python" });
    await b.controller.start();
    assert.equal(await b.controller.onPythonInterpreterChanged(), false);
    assert.equal(b.clients.length, 1);
  });
});

describe("controller: editor commands", () => {
  it("Create Authorization at Cursor sends servicestage-ls.createAuthorization with the uri and cursor", async () => {
    const { controller, clients } = setup();
    fake.editor("/w/prod.servicestage.yaml", 7, 4);
    await controller.runEditorCommand("createAtCursor");
    assert.deepEqual(clients[0].requests, [
      {
        method: "workspace/executeCommand",
        params: {
          command: "servicestage-ls.createAuthorization",
          arguments: [{ uri: "file:///w/prod.servicestage.yaml", position: { line: 7, character: 4 } }],
        },
      },
    ]);
    assert.deepEqual(fake.progress, [
      { location: 15, title: "ServiceStage: Create Authorization at Cursor…", cancellable: true },
    ]);
    assert.ok(clients[0].tokens[0], "the cancellation token is passed to the request");
  });

  it("a cancelled command is not reported as a failure", async () => {
    const { controller, clients, output } = setup();
    await controller.start();
    clients[0].failRequest = new Error("Request cancelled");
    fake.cancelProgress = true;
    fake.editor("/w/a.servicestage.yml", 0, 0);
    await controller.runEditorCommand("createAll");
    assert.deepEqual(fake.errorMessages, []);
    assert.ok(output.lines.includes("[client] ServiceStage: Create All New Authorizations: cancelled."));
  });

  it("Create All New Authorizations and Refresh Status send the document's uri", async () => {
    const { controller, clients } = setup();
    fake.editor("/w/my repo/servicestage.yml", 0, 0);
    await controller.runEditorCommand("createAll");
    await controller.runEditorCommand("refreshStatus");
    assert.deepEqual(clients[0].requests, [
      { method: "workspace/executeCommand", params: { command: "servicestage-ls.createAll", arguments: [{ uri: "file:///w/my%20repo/servicestage.yml" }] } },
      { method: "workspace/executeCommand", params: { command: "servicestage-ls.refreshStatus", arguments: [{ uri: "file:///w/my%20repo/servicestage.yml" }] } },
    ]);
  });

  it("Show Plan sends the uri and opens the answer's text read-only", async () => {
    const { controller, clients, shown } = setup();
    await controller.start();
    clients[0].result = { changes: [], text: "ServiceStage project p at u\n\nPlan: 1 create (0 up to date).\n" };
    fake.editor("/w/a.servicestage.yml", 0, 0);
    await controller.runEditorCommand("showPlan");
    assert.deepEqual(clients[0].requests, [
      { method: "workspace/executeCommand", params: { command: "servicestage-ls.showPlan", arguments: [{ uri: "file:///w/a.servicestage.yml" }] } },
    ]);
    assert.deepEqual(shown, [{ title: "ServiceStage plan", text: "ServiceStage project p at u\n\nPlan: 1 create (0 up to date).\n" }]);
    assert.deepEqual(fake.progress, [{ location: 15, title: "ServiceStage: Show Plan…", cancellable: true }]);
    clients[0].result = { error: "listing the authorizations failed" }; // the server said why in a message
    await controller.runEditorCommand("showPlan");
    assert.equal(shown.length, 1);
    assert.deepEqual(fake.errorMessages, []);
  });

  it("Import…, Rotate Token…, Delete…, Test and Authorize send the documented arguments (the server asks before destroying)", async () => {
    const { controller, clients, shown } = setup();
    fake.editor("/w/a.servicestage.yml", 9, 2);
    await controller.runEditorCommand("importFromServiceStage");
    await controller.runEditorCommand("rotateToken");
    await controller.runEditorCommand("deleteAuthorization");
    await controller.runEditorCommand("testAuthorization");
    await controller.runEditorCommand("authorize");
    const uri = "file:///w/a.servicestage.yml";
    assert.deepEqual(clients[0].requests.map((r) => r.params), [
      { command: "servicestage-ls.importFromServiceStage", arguments: [{ uri }] },
      { command: "servicestage-ls.rotateToken", arguments: [{ uri, position: { line: 9, character: 2 } }] },
      { command: "servicestage-ls.deleteAuthorization", arguments: [{ uri, position: { line: 9, character: 2 } }] },
      { command: "servicestage-ls.testAuthorization", arguments: [{ uri, position: { line: 9, character: 2 } }] },
      { command: "servicestage-ls.authorize", arguments: [{ uri, position: { line: 9, character: 2 } }] },
    ]);
    assert.deepEqual(fake.progress.map((p) => p.title), [
      "ServiceStage: Import…",
      "ServiceStage: Rotate Token…",
      "ServiceStage: Delete…",
      "ServiceStage: Test Authorization at Cursor…",
      "ServiceStage: Authorize in the Browser at Cursor…",
    ]);
    assert.deepEqual(shown, []);
  });

  it("asks for a ServiceStage file when the active editor is something else", async () => {
    const { controller, clients } = setup();
    fake.editor("/w/docker-compose.yaml", 1, 1);
    await controller.runEditorCommand("createAll");
    window.activeTextEditor = undefined;
    await controller.runEditorCommand("refreshStatus");
    assert.equal(clients.length, 0);
    assert.deepEqual(fake.warningMessages, [
      "ServiceStage: Create All New Authorizations: open a ServiceStage authorization file (**/*.servicestage.yaml, **/*.servicestage.yml, **/servicestage.yaml, **/servicestage.yml) in the editor, then run the command again.",
      "ServiceStage: Refresh Status: open a ServiceStage authorization file (**/*.servicestage.yaml, **/*.servicestage.yml, **/servicestage.yaml, **/servicestage.yml) in the editor, then run the command again.",
    ]);
  });

  it("reports a failed request", async () => {
    const { controller, clients } = setup();
    await controller.start();
    clients[0].failRequest = new Error("Request workspace/executeCommand failed with message: boom");
    fake.editor("/w/a.servicestage.yml", 2, 3);
    await controller.runEditorCommand("createAtCursor");
    assert.deepEqual(fake.errorMessages, [
      {
        message: "ServiceStage: Create Authorization at Cursor failed: Request workspace/executeCommand failed with message: boom",
        items: ["Show Output"],
      },
    ]);
  });

  it("says the server is not running when it could not start", async () => {
    const { controller } = setup({ versions: {} });
    fake.editor("/w/a.servicestage.yml", 2, 3);
    await controller.runEditorCommand("createAll");
    assert.equal(fake.errorMessages.length, 2); // the missing-Python error, then this one
    assert.equal(fake.errorMessages[1].message, "ServiceStage: Create All New Authorizations: the language server is not running (see Output → ServiceStage).");
  });

  it("payloads are exactly the server's documented arguments", () => {
    assert.deepEqual(executeCommandParams("createAtCursor", "file:///a.yml", { line: 1, character: 2 }), {
      command: "servicestage-ls.createAuthorization",
      arguments: [{ uri: "file:///a.yml", position: { line: 1, character: 2 } }],
    });
    assert.deepEqual(executeCommandParams("createAll", "file:///a.yml", { line: 1, character: 2 }), {
      command: "servicestage-ls.createAll",
      arguments: [{ uri: "file:///a.yml" }],
    });
    assert.deepEqual(executeCommandParams("refreshStatus", "file:///a.yml", { line: 1, character: 2 }), {
      command: "servicestage-ls.refreshStatus",
      arguments: [{ uri: "file:///a.yml" }],
    });
    assert.equal(ExecuteCommandRequest.method, "workspace/executeCommand");
  });
});
