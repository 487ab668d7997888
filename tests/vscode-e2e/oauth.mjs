// Authorize in the browser (issue 20) in the real VS Code: the OAuth entry of oauth.servicestage.yaml, against the
// emulator the run started. The code lens sends the command; the server asks ServiceStage (the emulator) for the
// redirect URL and asks the client to open it (window/showDocument, external: true); VS Code asks "open the external
// website?" (the address in its text) and, on Open, opens it in a new browser tab — the emulator's provider page
// answers 302 to its console page carrying `code` and a one-time `state`; the test takes the address that tab ends on, as a user copies it from the address bar, and types it
// into the input box the extension shows for the server's `servicestage/promptText` request. The entry gets
// `repo_user` and `status` written into the buffer, the lens follows, and no error is shown.
import * as h from "./harness.mjs";

const { fail, log, assertEqual, waitFor } = h;

const AUTHORIZE_PATH = "/emulator/oauth/authorize";
const CONSOLE_PATH = "/emulator/console/oauth-callback";

/** Runs the Authorize lens of the OAuth file; returns the one-time code the emulator gave (for the logs check). */
export async function authorizeInBrowser(context, page, emulatorUrl) {
  await h.openFile(page, "oauth.servicestage.yaml");
  await waitFor("the Authorize lens", async () =>
    JSON.stringify(await h.codeLenses(page)) === JSON.stringify(["Authorize in the browser"]));
  await h.screenshot(page, "authorize-lens");

  // Every page the workbench opens, and every request they send (the first is what the server asked to open,
  // as VS Code resolved it).
  const opened = [];
  const requests = [];
  const onPage = (p) => opened.push(p);
  // (A pop-up's first request comes before its page exists: no frame to ask; the workbench does not navigate.)
  const onRequest = (r) => { if (r.isNavigationRequest()) requests.push(r.url()); };
  context.on("page", onPage);
  context.on("request", onRequest);
  try {
    await page.locator(".editor-instance .codelens-decoration a", { hasText: "Authorize in the browser" }).click();
    // VS Code's link protection asks first (the emulator's host is not a trusted domain, as github.com is not):
    // the dialog names the address the server asked to open.
    const dialog = page.locator(".monaco-dialog-box");
    await waitFor("VS Code's dialog before it opens the page", async () => opened.length || (await dialog.isVisible()));
    if (opened.length) {
      fail(`VS Code opened ${opened[0].url().split("?")[0]} without asking`);
    }
    const text = (await dialog.innerText()).replace(/\s+/g, " ").trim();
    // The address is shortened in the middle ("…/emulator/oauth/authorize?...YZ&tag=intl"); the tab gets it whole.
    const shown = /Do you want code-server to open the external website\? (\S+)$/.exec(text);
    if (!shown || !shown[1].includes("...")) {
      fail(`the dialog on Authorize: ${text.replace(/state=[^& ]+/, "state=…")}`);
    }
    const [head, tail] = shown[1].split("...");
    const page0 = `${emulatorUrl}${AUTHORIZE_PATH}`;
    if (!head.startsWith(page0) || !`${page0}?repo_type=github&state=`.startsWith(head) || !tail.endsWith("&tag=intl")) {
      fail(`the address in the dialog: ${head.replace(/state=.*/, "state=…")}...${tail.replace(/.*&/, "…&")}`);
    }
    await h.screenshot(page, "authorize-dialog");
    const buttons = (await dialog.locator(".monaco-button").allInnerTexts()).map((b) => b.trim());
    assertEqual(buttons.sort(), ["Cancel", "Configure Trusted Domains", "Copy", "Open"], "the dialog's buttons");
    await dialog.locator(".monaco-button", { hasText: /^Open$/ }).click();
    await waitFor("the page in a new tab", async () => opened.length > 0);
    const tab = opened[0];
    await waitFor("the tab to end on the emulator's console page", async () =>
      tab.url().split("?")[0] === `${emulatorUrl}${CONSOLE_PATH}`).catch(async (error) => {
      await tab.screenshot({ path: `${h.RESULTS}/failure-authorize-tab.png` }).catch(() => {});
      fail(`${error.message}\nthe tab is at ${tab.url().split("?")[0]}; navigations: ${JSON.stringify(requests.map((u) => u.split("?")[0]))}`);
    });
    // The tab went to the address the dialog named and was sent on (302) to the console page.
    assertEqual(requests.length, 2, "the tab's navigations");
    assertEqual(requests[1], tab.url(), "the tab's second navigation");
    const asked = new URL(requests[0]);
    if (!(requests[0].startsWith(head) && requests[0].endsWith(tail))) {
      fail("the tab did not open the address the dialog named");
    }
    // The redirect URL the emulator made: its own provider page, the entry's repo type and tag, a fresh state.
    assertEqual(`${asked.origin}${asked.pathname}`, `${emulatorUrl}${AUTHORIZE_PATH}`, "the address the server asked to open");
    assertEqual([...asked.searchParams.keys()], ["repo_type", "state", "tag"], "the redirect URL's query");
    assertEqual([asked.searchParams.get("repo_type"), asked.searchParams.get("tag")], ["github", "intl"],
      "the redirect URL's repo_type and tag");
    const ended = new URL(tab.url());
    assertEqual([...ended.searchParams.keys()], ["code", "state"], "the console address's query");
    assertEqual(ended.searchParams.get("state"), asked.searchParams.get("state"), "the state the console page carries");
    const code = ended.searchParams.get("code");
    if (!code) {
      fail("the console address carries no code");
    }
    log("Authorize: VS Code asked to open the emulator's provider page, the tab ended on its console page");
    await tab.close();
    await page.bringToFront();

    // The server's promptText: VS Code's input box, kept open while the user is in the browser.
    const box = page.locator(".quick-input-widget");
    await waitFor("the input box for the address", async () =>
      (await box.isVisible()) && (await box.locator(".quick-input-title").innerText()).trim() === "ServiceStage: authorize 'gh-oauth'");
    const input = box.locator("input").first();
    assertEqual(await input.getAttribute("placeholder"), "https://…?code=…&state=…", "the input box's placeholder");
    assertEqual((await box.locator(".quick-input-message").innerText()).trim(),
      "Paste the address the browser ended on (after you authorized ServiceStage) (Press 'Enter' to confirm or 'Escape' to cancel)",
      "the input box's prompt");
    await h.screenshot(page, "authorize-input-box");
    await input.fill(ended.toString());
    await input.press("Enter");

    const lines = h.OAUTH_TEXT.split("\n");
    const authorized = [...lines.slice(0, 8), "    repo_user: emulator-user", "    status: 0  # normal", ...lines.slice(8)];
    await waitFor("repo_user and status written into the buffer", async () =>
      JSON.stringify(await h.editorLines(page)) === JSON.stringify(authorized));
    assertEqual(await h.activeTabDirty(page), true, "the authorized file is modified");
    await waitFor("the success notification", async () => (await h.notifications(page)).some((n) =>
      !n.error && n.label === "ServiceStage: authorized 'gh-oauth': repo_user emulator-user, status 0 (normal)"));
    await waitFor("the lens to follow the write-back", async () =>
      JSON.stringify(await h.codeLenses(page)) === JSON.stringify(["✓ normal · Refresh | Test"]));
    await h.screenshot(page, "authorize-result");
    if ((await page.content()).includes(code)) {
      fail("the one-time code is still on screen");
    }
    log("authorize: the browser's address pasted, repo_user and status written, the lens follows");
    return code;
  } finally {
    context.off("page", onPage);
    context.off("request", onRequest);
  }
}
