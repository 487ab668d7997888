import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as manifest from "../package.json";

// The unit-test bundle runs from out/test/: the extension's folder is two levels up.
const CLIENT = path.resolve(__dirname, "..", "..");

/** What the VS Code Marketplace and Open VSX (`npx ovsx publish`) read from package.json and the package. */
describe("Marketplace / Open VSX readiness", () => {
  it("has the metadata both registries show", () => {
    assert.equal(manifest.publisher, "servicestage");
    assert.equal(manifest.name, "servicestage-ls");
    assert.equal(manifest.displayName, "ServiceStage Authorizations");
    assert.equal(manifest.license, "Apache-2.0");
    assert.equal(manifest.icon, "images/icon.png");
    assert.deepEqual(manifest.categories, ["Programming Languages", "Linters"]);
    assert.ok(manifest.keywords.length >= 5 && manifest.keywords.length <= 30, "1 to 30 keywords (vsce's limit)");
    assert.match(manifest.repository.url, /^https:\/\/github\.com\/[^/]+\/servicestage-ls\.git$/);
    assert.match(manifest.bugs.url, /^https:\/\/github\.com\/[^/]+\/servicestage-ls\/issues$/);
    // The docs site's page of the extension (GitHub Pages of the repository; tests/unit/test_docs.py checks the page).
    assert.match(manifest.homepage, /^https:\/\/[^/]+\.github\.io\/servicestage-ls\/editors\/vscode\/$/);
  });

  it("has a 128×128 PNG icon", () => {
    const png = fs.readFileSync(path.join(CLIENT, manifest.icon));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.toString("ascii", 12, 16), "IHDR");
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  });

  it("has a CHANGELOG entry for this version", () => {
    const changelog = fs.readFileSync(path.join(CLIENT, "CHANGELOG.md"), "utf8");
    assert.ok(changelog.includes(`\n## ${manifest.version}\n`), `CHANGELOG.md has no "## ${manifest.version}"`);
  });

  it("`vsce ls` lists exactly the package's files, without a warning", () => {
    const vsce = path.join(CLIENT, "node_modules", "@vscode", "vsce", "vsce");
    const { status, stdout, stderr } = spawnSync(process.execPath, [vsce, "ls"], { cwd: CLIENT, encoding: "utf8" });
    assert.equal(status, 0);
    assert.equal(stderr, "");
    const files = stdout.split("\n").filter(Boolean);
    // dist/ and bundled/ exist once the extension is built (`npm run package`); the rest always.
    const fixed = files.filter((f) => !f.startsWith("bundled/") && f !== "dist/extension.js");
    assert.deepEqual(fixed.sort(), ["CHANGELOG.md", "LICENSE", "README.md", "images/icon.png", "package.json", "tool/server.py"]);
    for (const f of files.filter((f) => f.startsWith("bundled/"))) {
      assert.ok(f === "bundled/README.txt" || f === "bundled/requirements.txt" || f.startsWith("bundled/libs/"), f);
      assert.ok(!f.includes("__pycache__") && !f.endsWith(".pyc"), f);
    }
  });
});
