/**
 * activate() end to end, with `vscode` and `vscode-languageclient/node` replaced by fakes and a stand-in
 * "python" (a script that answers the version probe), so nothing here needs VS Code, Python or the server.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type * as vscode from "vscode";
import { activate, deactivate } from "../src/extension";
import { PROBE_SCRIPT } from "../src/python";
import { LanguageClient, RevealOutputChannelOn } from "./fake-languageclient";
import { fake, Uri } from "./fake-vscode";

let dir: string;
let fakePython: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "servicestage-ext-"));
  fakePython = path.join(dir, "python");
  fs.writeFileSync(
    fakePython,
    `#!${process.execPath}\n` +
      // Records how the probe ran it (arguments, working directory), then answers as Python 3.12.4.
      `require("fs").appendFileSync(${JSON.stringify(fakePython + ".calls")}, JSON.stringify([process.argv.slice(2), process.cwd()]) + "\\n");\n` +
      `console.log(JSON.stringify({ version: [3, 12, 4], executable: ${JSON.stringify(fakePython)} }));\n`,
    { mode: 0o755 },
  );
  fs.mkdirSync(path.join(dir, "ext", "bundled", "libs", "servicestage_ls"), { recursive: true });
  fs.writeFileSync(path.join(dir, "ext", "bundled", "libs", "servicestage_ls", "__init__.py"), "");
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  await deactivate();
  fs.rmSync(fakePython + ".calls", { force: true });
  fake.reset();
  LanguageClient.instances = [];
  fake.config = { "servicestage.server.pythonPath": fakePython };
});

function context() {
  return { extensionPath: path.join(dir, "ext"), subscriptions: [] as { dispose(): unknown }[] } as unknown as vscode.ExtensionContext;
}

async function settle(): Promise<void> {
  // The start runs in the background of activate(): wait (with a deadline) until it has finished.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const item = fake.statusBarItems[0];
    if (item && (item.text.includes("$(check)") || item.text.includes("$(error)"))) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error("the server did not reach a final state");
}

const platformSupportsShebang = process.platform !== "win32";

describe("activate", { skip: !platformSupportsShebang && "needs an executable script as the fake python" }, () => {
  it("registers the commands, an output channel 'ServiceStage' and a status item, and starts nothing for other files", async () => {
    fake.textDocuments = [{ uri: Uri.file("/w/docker-compose.yaml"), languageId: "yaml" }];
    await activate(context());
    assert.deepEqual([...fake.registeredCommands.keys()].sort(), [
      "servicestage.authorize",
      "servicestage.createAll",
      "servicestage.createAtCursor",
      "servicestage.deleteAuthorization",
      "servicestage.importFromServiceStage",
      "servicestage.refreshStatus",
      "servicestage.restartServer",
      "servicestage.rotateToken",
      "servicestage.showOutput",
      "servicestage.showPlan",
      "servicestage.testAuthorization",
    ]);
    assert.deepEqual(fake.outputChannels.map((c) => c.name), ["ServiceStage"]);
    assert.equal(fake.statusBarItems.length, 1);
    assert.equal(fake.statusBarItems[0].visible, false);
    assert.equal(LanguageClient.instances.length, 0);
  });

  it("starts the client when a ServiceStage file is open, with the id that follows servicestage.trace.server", async () => {
    fake.textDocuments = [{ uri: Uri.file("/w/prod.servicestage.yaml"), languageId: "yaml" }];
    await activate(context());
    await settle();
    assert.equal(LanguageClient.instances.length, 1);
    const client = LanguageClient.instances[0];
    assert.equal(client.id, "servicestage");
    assert.equal(client.name, "ServiceStage");
    // Authorize's hand-off: the server's servicestage/promptText is answered with an input box.
    fake.inputAnswer = "https://console/?code=c&state=s";
    const asked = await client.requestHandlers.get("servicestage/promptText")!({ prompt: "Paste the address" });
    assert.deepEqual(asked, { value: "https://console/?code=c&state=s" });
    assert.deepEqual(fake.inputBoxes, [{ title: undefined, prompt: "Paste the address", placeHolder: undefined, ignoreFocusOut: true }]);
    const libs = path.join(dir, "ext", "bundled", "libs");
    assert.equal(client.serverOptions.run.command, fakePython);
    const ext = path.join(dir, "ext");
    assert.deepEqual(client.serverOptions.run.args, ["-I", path.join(ext, "tool", "server.py"), libs]);
    assert.equal(client.serverOptions.run.options.cwd, ext);
    // The probe ran isolated, in the extension's folder (never the workspace's).
    const calls = fs.readFileSync(fakePython + ".calls", "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(calls, [[["-I", "-c", PROBE_SCRIPT], ext]]);
    assert.deepEqual(client.serverOptions.debug, client.serverOptions.run);
    assert.equal(client.clientOptions.outputChannel, fake.outputChannels[0]);
    assert.equal(client.clientOptions.revealOutputChannelOn, RevealOutputChannelOn.Never);
    assert.deepEqual(client.clientOptions.synchronize, { configurationSection: "servicestage" });
    assert.equal(client.clientOptions.initializationOptions.validate, "onChange");
    // The server's pull identifier is "servicestage" (tests/lsp check it): the client's collection needs
    // another name, or none (VS Code then generates one).
    assert.equal(client.clientOptions.diagnosticCollectionName, undefined);
    assert.equal(fake.statusBarItems[0].text, "$(check) ServiceStage");
  });

  it("starts when a ServiceStage file is opened later, and runs the commands through the client", async () => {
    await activate(context());
    assert.equal(LanguageClient.instances.length, 0);
    const doc = fake.editor("/w/servicestage.yml", 3, 5);
    fake.openListeners.forEach((l) => l(doc));
    await settle();
    await fake.registeredCommands.get("servicestage.createAtCursor")!();
    assert.deepEqual(LanguageClient.instances[0].requests, [
      {
        method: "workspace/executeCommand",
        params: { command: "servicestage-ls.createAuthorization", arguments: [{ uri: "file:///w/servicestage.yml", position: { line: 3, character: 5 } }] },
      },
    ]);
  });

  it("restarts on a servicestage.server.pythonPath change, not on servicestage.validate", async () => {
    fake.textDocuments = [{ uri: Uri.file("/w/a.servicestage.yml"), languageId: "yaml" }];
    await activate(context());
    await settle();
    fake.changeConfiguration("servicestage.validate");
    await settle();
    assert.equal(LanguageClient.instances.length, 1);
    fake.changeConfiguration("servicestage.server.pythonPath");
    const deadline = Date.now() + 10_000;
    while (LanguageClient.instances.length < 2 && Date.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    assert.equal(LanguageClient.instances.length, 2);
    assert.equal(LanguageClient.instances[0].state, 1); // the old one is stopped
  });

  it("starts in Restricted Mode in an untrusted workspace, and again with the cloud on once the user trusts it", async () => {
    fake.trusted = false;
    fake.textDocuments = [{ uri: Uri.file("/w/a.servicestage.yml"), languageId: "yaml" }];
    await activate(context());
    await settle();
    assert.equal(LanguageClient.instances[0].clientOptions.initializationOptions.restrictedMode, true);
    fake.trusted = true;
    for (const listener of fake.trustListeners) listener();
    const deadline = Date.now() + 10_000;
    while (LanguageClient.instances.length < 2 && Date.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await settle();
    assert.equal(LanguageClient.instances.length, 2);
    assert.equal(LanguageClient.instances[0].state, 1);
    assert.equal(LanguageClient.instances[1].clientOptions.initializationOptions.restrictedMode, false);
  });
});
