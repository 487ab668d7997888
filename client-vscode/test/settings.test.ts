import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as manifest from "../package.json";
import { changeNeedsRestart, DEFAULT_FILES, SERVER_SETTING_KEYS, serverSettings } from "../src/settings";
import { fake, workspace } from "./fake-vscode";

function event(...changed: string[]) {
  return { affectsConfiguration: (s: string) => changed.some((c) => c === s || c.startsWith(s + ".")) };
}

describe("settings mapping", () => {
  it("the server's keys are those package.json contributes, minus servicestage.server.* and servicestage.trace.*", () => {
    assert.deepEqual(SERVER_SETTING_KEYS, ["validate", "files", "endpoint", "remoteCheck", "timeoutSeconds", "caBundle"]);
    assert.deepEqual(DEFAULT_FILES, ["**/*.servicestage.yaml", "**/*.servicestage.yml", "**/servicestage.yaml", "**/servicestage.yml"]);
  });

  it("initializationOptions are the current values of exactly those keys (defaults when unset)", () => {
    fake.reset();
    assert.deepEqual(serverSettings(workspace.getConfiguration("servicestage")), {
      validate: "onChange",
      files: ["**/*.servicestage.yaml", "**/*.servicestage.yml", "**/servicestage.yaml", "**/servicestage.yml"],
      endpoint: "",
      remoteCheck: "off",
      timeoutSeconds: 30,
      caBundle: "",
    });
    fake.config = {
      "servicestage.validate": "onSave",
      "servicestage.files": ["auth/*.yaml"],
      "servicestage.endpoint": "http://127.0.0.1:8080",
      "servicestage.remoteCheck": "onSave",
      "servicestage.timeoutSeconds": 5,
      "servicestage.caBundle": "/etc/ca.pem",
      "servicestage.server.pythonPath": "/venv/bin/python",
      "servicestage.trace.server": "verbose",
    };
    assert.deepEqual(serverSettings(workspace.getConfiguration("servicestage")), {
      validate: "onSave",
      files: ["auth/*.yaml"],
      endpoint: "http://127.0.0.1:8080",
      remoteCheck: "onSave",
      timeoutSeconds: 5,
      caBundle: "/etc/ca.pem",
    });
  });

  it("passes invalid values through unchanged: the server validates and reports them", () => {
    fake.reset();
    fake.config = { "servicestage.timeoutSeconds": "soon" };
    assert.equal(serverSettings(workspace.getConfiguration("servicestage")).timeoutSeconds, "soon");
  });
});

describe("which changes restart the server", () => {
  it("servicestage.server.pythonPath and servicestage.files restart it", () => {
    assert.equal(changeNeedsRestart(event("servicestage.server.pythonPath")), true);
    assert.equal(changeNeedsRestart(event("servicestage.files")), true);
  });

  for (const key of ["validate", "endpoint", "remoteCheck", "timeoutSeconds", "caBundle", "trace.server"]) {
    it(`servicestage.${key} reaches the running server without a restart`, () => {
      assert.equal(changeNeedsRestart(event(`servicestage.${key}`)), false);
    });
  }

  it("other extensions' settings do nothing", () => {
    assert.equal(changeNeedsRestart(event("python.defaultInterpreterPath", "editor.fontSize")), false);
  });

  it("every contributed setting is classified", () => {
    const all = Object.keys(manifest.contributes.configuration.properties);
    assert.deepEqual(all, [
      ...SERVER_SETTING_KEYS.map((k) => `servicestage.${k}`),
      "servicestage.server.pythonPath",
      "servicestage.trace.server",
    ]);
  });
});
