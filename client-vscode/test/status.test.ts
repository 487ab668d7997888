import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as vscode from "vscode";
import { ServerStatus } from "../src/status";
import { FakeStatusBarItem, ThemeColor } from "./fake-vscode";

function make() {
  const item = new FakeStatusBarItem();
  return { item, status: new ServerStatus(item as unknown as vscode.StatusBarItem) };
}

describe("status bar item", () => {
  it("starts hidden, stopped, and clicking it shows the output", () => {
    const { item, status } = make();
    assert.equal(status.state, "stopped");
    assert.equal(item.visible, false);
    assert.equal(item.command, "servicestage.showOutput");
    assert.equal(item.name, "ServiceStage Language Server");
  });

  const cases = [
    ["starting", "$(sync~spin) ServiceStage", undefined],
    ["running", "$(check) ServiceStage", undefined],
    ["stopped", "$(circle-slash) ServiceStage", undefined],
    ["error", "$(error) ServiceStage", "statusBarItem.errorBackground"],
  ] as const;
  for (const [state, text, background] of cases) {
    it(`shows ${state}`, () => {
      const { item, status } = make();
      status.set(state, "Python 3.11.7 (/usr/bin/python3), bundled server");
      assert.equal(item.visible, true);
      assert.equal(item.text, text);
      assert.equal(
        item.tooltip,
        `ServiceStage language server: ${state} — Python 3.11.7 (/usr/bin/python3), bundled server\nClick to show the output.`,
      );
      assert.equal((item.backgroundColor as ThemeColor | undefined)?.id, background);
      assert.deepEqual(item.accessibilityInformation, { label: `ServiceStage language server ${state}` });
      assert.equal(status.state, state);
    });
  }

  it("drops the error colour once the server runs again", () => {
    const { item, status } = make();
    status.set("error", "no Python 3.10 or newer found");
    status.set("running");
    assert.equal(item.backgroundColor, undefined);
    assert.equal(item.tooltip, "ServiceStage language server: running\nClick to show the output.");
  });
});
