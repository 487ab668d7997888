import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InputBoxOptions } from "vscode";
import { PROMPT_TEXT, promptText } from "../src/prompt";

describe("servicestage/promptText", () => {
  it("asks with an input box that stays open while the user is in the browser", async () => {
    const asked: InputBoxOptions[] = [];
    const answer = await promptText({ title: "ServiceStage: authorize 'gh'", prompt: "Paste", placeHolder: "https://…" }, async (o) => {
      asked.push(o);
      return "https://console/?code=c&state=s";
    });
    assert.equal(PROMPT_TEXT, "servicestage/promptText");
    assert.deepEqual(asked, [{ title: "ServiceStage: authorize 'gh'", prompt: "Paste", placeHolder: "https://…", ignoreFocusOut: true }]);
    assert.deepEqual(answer, { value: "https://console/?code=c&state=s" });
  });

  it("answers null when the user cancels (Escape)", async () => {
    assert.equal(await promptText({ prompt: "Paste" }, async () => undefined), null);
  });
});
