import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as manifest from "../package.json";
import { changeNeedsRestart, DEFAULT_FILES, SERVER_SETTING_KEYS, serverSettings, USER_LEVEL_KEYS } from "../src/settings";
import { fake, workspace } from "./fake-vscode";

function event(...changed: string[]) {
  return { affectsConfiguration: (s: string) => changed.some((c) => c === s || c.startsWith(s + ".")) };
}

describe("settings mapping", () => {
  it("the server's keys are those package.json contributes, minus servicestage.server.* and servicestage.trace.*", () => {
    assert.deepEqual(SERVER_SETTING_KEYS, ["validate", "files", "endpoint", "remoteCheck", "timeoutSeconds", "caBundle", "trustedEndpoints"]);
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
      trustedEndpoints: [],
      restrictedMode: false,
    });
    fake.config = {
      "servicestage.validate": "onSave",
      "servicestage.files": ["auth/*.yaml"],
      "servicestage.endpoint": "http://127.0.0.1:8080",
      "servicestage.remoteCheck": "onSave",
      "servicestage.timeoutSeconds": 5,
      "servicestage.caBundle": "/etc/ca.pem",
      "servicestage.trustedEndpoints": ["cse.example.internal"],
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
      trustedEndpoints: ["cse.example.internal"],
      restrictedMode: false,
    });
  });

  it("the settings that pick a host or a file are the user's only: a repository's .vscode/settings.json is ignored", () => {
    fake.reset();
    assert.deepEqual(USER_LEVEL_KEYS, ["endpoint", "caBundle", "trustedEndpoints"]);
    fake.config = { "servicestage.endpoint": "https://servicestage.example.internal" };
    fake.workspaceConfig = {
      "servicestage.endpoint": "https://attacker.example",
      "servicestage.caBundle": "/repo/evil-ca.pem",
      "servicestage.trustedEndpoints": ["attacker.example"],
      "servicestage.remoteCheck": "onSave",
      "servicestage.validate": "onSave",
    };
    const options = serverSettings(workspace.getConfiguration("servicestage"));
    assert.equal(options.endpoint, "https://servicestage.example.internal");
    assert.equal(options.caBundle, "");
    assert.deepEqual(options.trustedEndpoints, []);
    assert.equal(options.remoteCheck, "off", "the workspace cannot turn the remote check on");
    assert.equal(options.validate, "onSave", "other settings may come from the workspace");
  });

  it("the workspace may turn the remote check off", () => {
    fake.reset();
    fake.config = { "servicestage.remoteCheck": "onSave" };
    assert.equal(serverSettings(workspace.getConfiguration("servicestage")).remoteCheck, "onSave");
    fake.workspaceConfig = { "servicestage.remoteCheck": "off" };
    assert.equal(serverSettings(workspace.getConfiguration("servicestage")).remoteCheck, "off");
  });

  it("tells the server when the workspace is not trusted (Restricted Mode)", () => {
    fake.reset();
    assert.equal(serverSettings(workspace.getConfiguration("servicestage"), false).restrictedMode, true);
  });

  it("passes invalid values through unchanged: the server validates and reports them", () => {
    fake.reset();
    fake.config = { "servicestage.timeoutSeconds": "soon" };
    assert.equal(serverSettings(workspace.getConfiguration("servicestage")).timeoutSeconds, "soon");
  });
});

describe("which changes restart the server", () => {
  it("servicestage.server.pythonPath, servicestage.files and what the server takes at start only restart it", () => {
    for (const key of ["server.pythonPath", "files", "endpoint", "caBundle", "remoteCheck"]) {
      assert.equal(changeNeedsRestart(event(`servicestage.${key}`)), true, key);
    }
  });

  for (const key of ["validate", "timeoutSeconds", "trace.server"]) {
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
