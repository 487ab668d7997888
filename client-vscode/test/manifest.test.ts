import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as manifest from "../package.json";
import { EXTENSION_COMMANDS, LENS_COMMANDS, SERVER_COMMANDS } from "../src/commands";
import { DEFAULT_FILES } from "../src/settings";

describe("package.json", () => {
  it("contributes the eleven commands with their titles", () => {
    const titles = manifest.contributes.commands.map((c) => [c.command, `${c.category}: ${c.title}`]);
    assert.deepEqual(titles, [
      ["servicestage.createAtCursor", "ServiceStage: Create Authorization at Cursor"],
      ["servicestage.createAll", "ServiceStage: Create All New Authorizations"],
      ["servicestage.refreshStatus", "ServiceStage: Refresh Status"],
      ["servicestage.restartServer", "ServiceStage: Restart Server"],
      ["servicestage.showOutput", "ServiceStage: Show Output"],
      ["servicestage.showPlan", "ServiceStage: Show Plan"],
      ["servicestage.importFromServiceStage", "ServiceStage: Import…"],
      ["servicestage.rotateToken", "ServiceStage: Rotate Token…"],
      ["servicestage.deleteAuthorization", "ServiceStage: Delete…"],
      ["servicestage.testAuthorization", "ServiceStage: Test Authorization at Cursor"],
      ["servicestage.authorize", "ServiceStage: Authorize in the Browser at Cursor…"],
    ]);
    assert.deepEqual(Object.values(EXTENSION_COMMANDS), titles.map(([id]) => id));
  });

  it("never reuses the server's command IDs (vscode-languageclient registers those)", () => {
    const ours = new Set<string>(Object.values(EXTENSION_COMMANDS));
    for (const id of Object.values(SERVER_COMMANDS)) assert.ok(!ours.has(id), id);
  });

  it("the code lenses run server commands, which vscode-languageclient registers (none is shadowed)", () => {
    assert.deepEqual(LENS_COMMANDS, [
      "servicestage-ls.createAuthorization",
      "servicestage-ls.refreshStatus",
      "servicestage-ls.rotateToken",
      "servicestage-ls.testAuthorization",
      "servicestage-ls.authorize",
    ]);
    const ours = new Set<string>(Object.values(EXTENSION_COMMANDS));
    for (const id of LENS_COMMANDS) assert.ok(!ours.has(id) && Object.values(SERVER_COMMANDS).includes(id), id);
  });

  it("activates for the default file globs and for YAML", () => {
    assert.deepEqual(manifest.activationEvents, [...DEFAULT_FILES.map((g) => `workspaceContains:${g}`), "onLanguage:yaml"]);
  });

  it("in Restricted Mode ignores the workspace's value of every setting that picks a program, a file or a host", () => {
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, "limited");
    assert.deepEqual(trust.restrictedConfigurations, [
      "servicestage.server.pythonPath",
      "servicestage.endpoint",
      "servicestage.caBundle",
      "servicestage.trustedEndpoints",
      "servicestage.remoteCheck",
    ]);
    // The endpoint and the CA bundle are the user's only, trusted workspace or not.
    const properties = manifest.contributes.configuration.properties as Record<string, { scope?: string }>;
    assert.equal(properties["servicestage.endpoint"].scope, "machine");
    assert.equal(properties["servicestage.caBundle"].scope, "machine");
    assert.equal(properties["servicestage.server.pythonPath"].scope, "machine");
  });

  it("has the client settings", () => {
    const props = manifest.contributes.configuration.properties as Record<string, { default: unknown; enum?: string[]; type: string }>;
    assert.deepEqual(props["servicestage.trace.server"].enum, ["off", "messages", "verbose"]);
    assert.equal(props["servicestage.trace.server"].default, "off");
    assert.equal(props["servicestage.server.pythonPath"].type, "string");
    assert.equal(props["servicestage.server.pythonPath"].default, "");
  });

  it("bundles to dist/extension.js for VS Code ^1.82 (vscode-languageclient 9)", () => {
    assert.equal(manifest.main, "./dist/extension.js");
    assert.equal(manifest.engines.vscode, "^1.82.0");
    assert.equal(manifest.dependencies["vscode-languageclient"], "9.0.1");
    assert.equal(manifest.devDependencies["@types/vscode"], "1.82.0");
  });
});
