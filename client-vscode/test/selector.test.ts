import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { documentSelector, effectiveGlobs, normaliseGlob } from "../src/selector";
import { languages, Uri } from "./fake-vscode";

const DEFAULTS = ["**/*.servicestage.yaml", "**/*.servicestage.yml", "**/servicestage.yaml", "**/servicestage.yml"];

describe("document selector", () => {
  it("is one {scheme:'file', language:'yaml', pattern} per default glob", () => {
    assert.deepEqual(documentSelector(effectiveGlobs(undefined)), [
      { scheme: "file", language: "yaml", pattern: "**/*.servicestage.yaml" },
      { scheme: "file", language: "yaml", pattern: "**/*.servicestage.yml" },
      { scheme: "file", language: "yaml", pattern: "**/servicestage.yaml" },
      { scheme: "file", language: "yaml", pattern: "**/servicestage.yml" },
    ]);
  });

  it("uses the user's globs when set (they replace the defaults)", () => {
    assert.deepEqual(documentSelector(effectiveGlobs(["**/auth/*.yaml", "/srv/ss.yml"])), [
      { scheme: "file", language: "yaml", pattern: "**/auth/*.yaml" },
      { scheme: "file", language: "yaml", pattern: "/srv/ss.yml" },
    ]);
  });

  it("falls back to the defaults for values the server would reject too", () => {
    for (const bad of [[], [""], ["ok", 3], "**/*.yaml", null, { a: 1 }]) {
      assert.deepEqual(effectiveGlobs(bad), DEFAULTS, JSON.stringify(bad));
    }
  });

  it("anchors relative globs at any depth (as the server matches them) and drops duplicates", () => {
    assert.equal(normaliseGlob("*.auth.yaml"), "**/*.auth.yaml");
    assert.equal(normaliseGlob("./ci/ss.yaml"), "**/ci/ss.yaml");
    assert.equal(normaliseGlob("ci\\ss.yaml"), "**/ci/ss.yaml");
    assert.equal(normaliseGlob("C:/work/*.yaml"), "C:/work/*.yaml");
    assert.deepEqual(effectiveGlobs(["*.a.yaml", "**/*.a.yaml"]), ["**/*.a.yaml"]);
  });

  it("matches ServiceStage files and nothing else", () => {
    const selector = documentSelector(effectiveGlobs(undefined));
    const doc = (p: string, languageId = "yaml") => ({ uri: Uri.file(p), languageId });
    assert.ok(languages.match(selector, doc("/w/deploy/prod.servicestage.yaml")) > 0);
    assert.ok(languages.match(selector, doc("/w/servicestage.yml")) > 0);
    assert.equal(languages.match(selector, doc("/w/docker-compose.yaml")), 0);
    assert.equal(languages.match(selector, doc("/w/servicestage.yaml.bak", "plaintext")), 0);
  });
});
