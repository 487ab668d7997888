import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { describeLaunch, locateServer, SERVER_ARGS, serverExecutable } from "../src/launch";

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
  it("runs `<python> -m servicestage_ls serve` with the bundled libs on PYTHONPATH", () => {
    const exe = serverExecutable("/usr/bin/python3", { kind: "bundled", pythonPath: "/x/bundled/libs" }, { PATH: "/usr/bin", HOME: "/h" }, "linux");
    assert.deepEqual(exe, {
      command: "/usr/bin/python3",
      args: ["-m", "servicestage_ls", "serve"],
      options: { env: { PATH: "/usr/bin", HOME: "/h", PYTHONPATH: "/x/bundled/libs" } },
    });
    assert.deepEqual(SERVER_ARGS, ["-m", "servicestage_ls", "serve"]);
  });

  it("puts the server in front of the user's PYTHONPATH and keeps the rest of the environment", () => {
    const exe = serverExecutable("python3", { kind: "repo", pythonPath: "/repo/server" }, { PYTHONPATH: "/mine", HUAWEICLOUD_SDK_AK: "ak", UNSET: undefined }, "darwin");
    assert.deepEqual(exe.options.env, { PYTHONPATH: "/repo/server:/mine", HUAWEICLOUD_SDK_AK: "ak" });
  });

  it("uses ';' and the existing spelling of PYTHONPATH on Windows", () => {
    const exe = serverExecutable("C:\\Py\\python.exe", { kind: "bundled", pythonPath: "C:\\ext\\bundled\\libs" }, { PythonPath: "D:\\lib", Path: "C:\\Windows" }, "win32");
    assert.deepEqual(exe.options.env, { PythonPath: "C:\\ext\\bundled\\libs;D:\\lib", Path: "C:\\Windows" });
  });

  it("leaves PYTHONPATH alone for an installed server", () => {
    const exe = serverExecutable("python3", { kind: "installed" }, { PATH: "/bin" }, "linux");
    assert.deepEqual(exe, { command: "python3", args: ["-m", "servicestage_ls", "serve"], options: { env: { PATH: "/bin" } } });
  });

  it("is described as a command line a user can paste", () => {
    const source = { kind: "bundled", pythonPath: "/x/libs" } as const;
    assert.equal(describeLaunch(serverExecutable("/opt/my python/python3", source, {}, "linux"), source), 'PYTHONPATH=/x/libs "/opt/my python/python3" -m servicestage_ls serve');
  });
});
