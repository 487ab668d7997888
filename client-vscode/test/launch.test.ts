import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { describeLaunch, LAUNCHER, locateServer, serverExecutable } from "../src/launch";

const EXT = path.join(path.sep, "ext", "client-vscode");
const BUNDLED_LIBS = path.join(EXT, "bundled", "libs");
const REPO_SERVER = path.join(path.sep, "ext", "server");

function fsWith(...files: string[]) {
  const set = new Set(files);
  return (p: string) => set.has(p);
}

describe("locateServer", () => {
  it("prefers the bundled server (bundled/libs/servicestage_ls)", () => {
    const exists = fsWith(
      path.join(BUNDLED_LIBS, "servicestage_ls", "__init__.py"),
      path.join(REPO_SERVER, "servicestage_ls", "__init__.py"),
    );
    assert.deepEqual(locateServer(EXT, exists), { kind: "bundled", pythonPath: BUNDLED_LIBS });
  });

  it("falls back to the repository's server/ directory in a development checkout", () => {
    const exists = fsWith(path.join(REPO_SERVER, "servicestage_ls", "__init__.py"));
    assert.deepEqual(locateServer(EXT, exists), { kind: "repo", pythonPath: REPO_SERVER });
  });

  it("then to a servicestage-ls installed in the interpreter", () => {
    assert.deepEqual(locateServer(EXT, fsWith()), { kind: "installed" });
  });
});

describe("serverExecutable", () => {
  it("runs `<python> -I <extension>/tool/server.py <bundled libs>` in the extension's folder", () => {
    const exe = serverExecutable("/usr/bin/python3", { kind: "bundled", pythonPath: BUNDLED_LIBS }, EXT, { PATH: "/usr/bin", HOME: "/h" });
    assert.deepEqual(exe, {
      command: "/usr/bin/python3",
      args: ["-I", path.join(EXT, "tool", "server.py"), BUNDLED_LIBS],
      options: { env: { PATH: "/usr/bin", HOME: "/h" }, cwd: EXT },
    });
    assert.equal(LAUNCHER, path.join("tool", "server.py"));
  });

  it("passes the environment on unchanged (PYTHONPATH too: -I makes Python ignore it)", () => {
    const exe = serverExecutable("/usr/bin/python3", { kind: "repo", pythonPath: REPO_SERVER }, EXT, { PYTHONPATH: "/mine", HUAWEICLOUD_SDK_AK: "ak", UNSET: undefined });
    assert.deepEqual(exe.options.env, { PYTHONPATH: "/mine", HUAWEICLOUD_SDK_AK: "ak" });
    assert.deepEqual(exe.args, ["-I", path.join(EXT, "tool", "server.py"), REPO_SERVER]);
  });

  it("gives no directory for a server installed in the interpreter", () => {
    const exe = serverExecutable("/usr/bin/python3", { kind: "installed" }, EXT, { PATH: "/bin" });
    assert.deepEqual(exe, { command: "/usr/bin/python3", args: ["-I", path.join(EXT, "tool", "server.py")], options: { env: { PATH: "/bin" }, cwd: EXT } });
  });

  it("is described as a command line a user can paste, with where it runs", () => {
    const source = { kind: "bundled", pythonPath: "/x/libs" } as const;
    assert.equal(
      describeLaunch(serverExecutable("/opt/my python/python3", source, "/x", {})),
      `"/opt/my python/python3" -I ${path.join("/x", "tool", "server.py")} /x/libs   (in /x)`,
    );
  });
});
