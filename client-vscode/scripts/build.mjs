// Bundles the extension (dist/extension.js, `vscode` external) or, with --tests, the unit tests
// (out/test/*.test.js, with `vscode` replaced by test/fake-vscode.ts).
import * as esbuild from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const production = args.has("--production");

if (args.has("--tests")) {
  rmSync(join(root, "out"), { recursive: true, force: true });
  const tests = readdirSync(join(root, "test"))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => join(root, "test", f));
  await esbuild.build({
    entryPoints: tests,
    outdir: join(root, "out", "test"),
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    sourcemap: "inline",
    alias: {
      vscode: join(root, "test", "fake-vscode.ts"),
      "vscode-languageclient/node": join(root, "test", "fake-languageclient.ts"),
    },
    logLevel: "warning",
  });
} else {
  await esbuild.build({
    entryPoints: [join(root, "src", "extension.ts")],
    outfile: join(root, "dist", "extension.js"),
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    external: ["vscode"],
    minify: production,
    sourcemap: !production,
    logLevel: "warning",
  });
}
