import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  candidates,
  discoverPython,
  execRunner,
  expandPythonPath,
  noPythonMessage,
  parseProbe,
  probe,
  PROBE_SCRIPT,
  PROBE_TIMEOUT_MS,
  RELATIVE_PATH_REASON,
  resolveOnPath,
  type CommandResolver,
  type ProcessRunner,
  type RunResult,
} from "../src/python";

const EXT = "/ext/servicestage";
/** A fake PATH lookup: a name `x` is found as /bin/x, an absolute path is itself. */
const resolve: CommandResolver = (command) => (command.startsWith("/") ? { path: command } : { path: `/bin/${command}` });

/**
 * A fake runner: each candidate (a name as /bin/name, or an absolute path) maps to a RunResult (or a version
 * shorthand, whose interpreter reports sys.executable /real<path>); records the calls.
 */
function fakeRunner(table: Record<string, RunResult | string>) {
  const calls: { command: string; args: string[]; timeoutMs: number; cwd?: string }[] = [];
  const run: ProcessRunner = async (command, args, timeoutMs, cwd) => {
    calls.push({ command, args, timeoutMs, cwd });
    const entry = table[command.startsWith("/bin/") ? command.slice(5) : command];
    if (entry === undefined) {
      return { code: null, stdout: "", stderr: "", error: "not found" };
    }
    if (typeof entry === "string") {
      const version = entry.split(".").map(Number);
      return { code: 0, stdout: JSON.stringify({ version, executable: `/real${command}` }) + "\n", stderr: "" };
    }
    return entry;
  };
  return { run, calls };
}

async function list(configured: string | undefined, fromExtension: string | undefined) {
  const out = [];
  for await (const c of candidates({ configured, fromPythonExtension: async () => fromExtension })) out.push(c);
  return out;
}

describe("candidates", () => {
  it("are the setting, the Python extension's interpreter, python3, python — in that order", async () => {
    assert.deepEqual(await list("/venv/bin/python", "/conda/bin/python"), [
      { command: "/venv/bin/python", source: "setting" },
      { command: "/conda/bin/python", source: "python-extension" },
      { command: "python3", source: "path" },
      { command: "python", source: "path" },
    ]);
  });

  it("skip an empty setting, a missing extension and duplicates", async () => {
    assert.deepEqual(await list("  ", undefined), [
      { command: "python3", source: "path" },
      { command: "python", source: "path" },
    ]);
    assert.deepEqual(await list("python3", "python3"), [
      { command: "python3", source: "setting" },
      { command: "python", source: "path" },
    ]);
  });

  it("survive a Python extension that throws", async () => {
    const out = [];
    const input = {
      configured: undefined,
      fromPythonExtension: async (): Promise<string | undefined> => {
        throw new Error("boom");
      },
    };
    for await (const c of candidates(input)) out.push(c.command);
    assert.deepEqual(out, ["python3", "python"]);
  });
});

describe("discoverPython", () => {
  it("uses the setting when it qualifies, without asking the Python extension", async () => {
    const { run, calls } = fakeRunner({ "/venv/bin/python": "3.12.1", python3: "3.11.7" });
    let asked = 0;
    const result = await discoverPython({
      configured: "/venv/bin/python",
      fromPythonExtension: async () => {
        asked++;
        return "/ext/python";
      },
      run,
      resolve,
      cwd: EXT,
    });
    assert.deepEqual(result, {
      found: { command: "/venv/bin/python", source: "setting", version: [3, 12, 1], executable: "/real/venv/bin/python" },
      rejected: [],
    });
    assert.equal(asked, 0);
    // Isolated (-I), in the extension's folder: a json.py of the workspace is never imported.
    assert.deepEqual(calls, [
      { command: "/venv/bin/python", args: ["-I", "-c", PROBE_SCRIPT], timeoutMs: PROBE_TIMEOUT_MS, cwd: EXT },
    ]);
  });

  it("falls through setting → Python extension → python3 → python, checking each version", async () => {
    const { run, calls } = fakeRunner({ "/bad/python": "3.9.18", "/ext/python": "3.8.10", python3: "2.7.18", python: "3.10.0" });
    const result = await discoverPython({
      configured: "/bad/python", fromPythonExtension: async () => "/ext/python", run, resolve, cwd: EXT, timeoutMs: 1234,
    });
    assert.deepEqual(result.found, { command: "python", source: "path", version: [3, 10, 0], executable: "/real/bin/python" });
    assert.deepEqual(
      result.rejected.map((r) => [r.command, r.source, r.reason]),
      [
        ["/bad/python", "setting", "Python 3.9.18 is too old (3.10 or newer is needed)"],
        ["/ext/python", "python-extension", "Python 3.8.10 is too old (3.10 or newer is needed)"],
        ["python3", "path", "Python 2.7.18 is too old (3.10 or newer is needed)"],
      ],
    );
    assert.deepEqual(calls.map((c) => [c.command, c.timeoutMs]), [
      ["/bad/python", 1234],
      ["/ext/python", 1234],
      ["/bin/python3", 1234],
      ["/bin/python", 1234],
    ]);
  });

  it("never asks the Python extension in Restricted Mode (its interpreter may be the workspace's .venv)", async () => {
    const { run, calls } = fakeRunner({ "/ws/.venv/bin/python": "3.12.0", python3: "3.11.7" });
    let asked = 0;
    const fromPythonExtension = async () => {
      asked++;
      return "/ws/.venv/bin/python";
    };
    const result = await discoverPython({ configured: undefined, fromPythonExtension, run, resolve, cwd: EXT, trusted: false });
    assert.deepEqual(result.found, { command: "python3", source: "path", version: [3, 11, 7], executable: "/real/bin/python3" });
    assert.equal(asked, 0);
    assert.deepEqual(calls.map((c) => c.command), ["/bin/python3"]);
  });

  it("runs nothing it could not resolve to an absolute path, and says why", async () => {
    const { run, calls } = fakeRunner({ python3: "3.11.7" });
    const refuse: CommandResolver = (command) => (command === ".venv/bin/python" ? { reason: RELATIVE_PATH_REASON } : resolve(command));
    const result = await discoverPython({ configured: ".venv/bin/python", fromPythonExtension: async () => undefined, run, resolve: refuse, cwd: EXT });
    assert.deepEqual(result.rejected, [{ command: ".venv/bin/python", source: "setting", reason: RELATIVE_PATH_REASON }]);
    assert.deepEqual(calls.map((c) => c.command), ["/bin/python3"]);
  });

  it("starts the server by the path the probe was run by when the interpreter reports no absolute sys.executable", async () => {
    const { run } = fakeRunner({ python3: { code: 0, stdout: '{"version": [3, 11, 2], "executable": ""}\n', stderr: "" } });
    const result = await discoverPython({ configured: undefined, fromPythonExtension: async () => undefined, run, resolve, cwd: EXT });
    assert.equal(result.found?.executable, "/bin/python3");
  });

  it("reports every candidate when none qualifies", async () => {
    const { run } = fakeRunner({
      python3: { code: null, stdout: "", stderr: "", error: "timed out after 10 s" },
      python: { code: 9009, stdout: "", stderr: "Python was not found; run without arguments to install from the Microsoft Store\n" },
    });
    const result = await discoverPython({ configured: "/nope", fromPythonExtension: async () => undefined, run, resolve, cwd: EXT });
    assert.equal(result.found, undefined);
    assert.deepEqual(
      result.rejected.map((r) => `${r.command}: ${r.reason}`),
      [
        "/nope: not found",
        "python3: timed out after 10 s",
        "python: exited with code 9009: Python was not found; run without arguments to install from the Microsoft Store",
      ],
    );
    const message = noPythonMessage(result.rejected);
    assert.match(message, /^ServiceStage: no Python 3\.10 or newer found/);
    assert.match(message, /Install Python 3\.10\+/);
    assert.match(message, /set servicestage\.server\.pythonPath/);
    assert.match(message, /Tried: \/nope \(not found\); python3 \(timed out after 10 s\); python \(exited with code 9009/);
  });
});

describe("probe and version check", () => {
  const versions: [string, boolean][] = [
    ["2.7.18", false],
    ["3.9.18", false],
    ["3.10.0", true],
    ["3.11.7", true],
    ["3.13.0", true],
    ["3.14.0", true],
    ["4.0.0", true],
  ];
  for (const [version, ok] of versions) {
    it(`${ok ? "accepts" : "rejects"} Python ${version}`, async () => {
      const { run } = fakeRunner({ py: version });
      const outcome = await probe({ command: "py", source: "path" }, "/bin/py", run, EXT);
      assert.equal("version" in outcome, ok);
    });
  }

  it("rejects output that is not the probe's", async () => {
    const { run } = fakeRunner({ py: { code: 0, stdout: "hello\n", stderr: "" } });
    assert.deepEqual(await probe({ command: "py", source: "setting" }, "/bin/py", run, EXT), {
      command: "py",
      source: "setting",
      reason: "did not report a Python version (is it a Python interpreter?)",
    });
  });

  it("parses the last JSON line (startup noise before it is ignored)", () => {
    assert.deepEqual(parseProbe('warning: x\n{"version": [3, 12, 4], "executable": "C:\\\\Py\\\\python.exe"}\r\n'), {
      version: [3, 12, 4],
      executable: "C:\\Py\\python.exe",
    });
    assert.equal(parseProbe('{"version": [3, "x", 1]}'), undefined);
  });

  it("a runner that throws is a rejection, not a crash", async () => {
    const outcome = await probe({ command: "py", source: "path" }, "/bin/py", async () => {
      throw new Error("spawn EACCES");
    }, EXT);
    assert.deepEqual(outcome, { command: "py", source: "path", reason: "spawn EACCES" });
  });
});

describe("resolveOnPath", () => {
  const files = new Set(["/usr/bin/python3", "/home/u/bin/python3", "C:\\Py\\python.exe", "/repo/python3"]);
  const isExecutable = (p: string) => files.has(p);

  it("looks a name up in PATH's absolute directories, in order, never in the current directory", () => {
    assert.deepEqual(resolveOnPath("python3", { pathVariable: "/usr/bin:/home/u/bin", platform: "linux", isExecutable }), { path: "/usr/bin/python3" });
    // "", "." and "bin" stand for the current directory (or one below it): skipped.
    assert.deepEqual(resolveOnPath("python3", { pathVariable: ":.:repo:/home/u/bin", platform: "linux", isExecutable }), { path: "/home/u/bin/python3" });
    assert.deepEqual(resolveOnPath("python", { pathVariable: "/usr/bin", platform: "linux", isExecutable }), { reason: "not found" });
    assert.deepEqual(resolveOnPath("python3", { pathVariable: undefined, platform: "darwin", isExecutable }), { reason: "not found" });
  });

  it("on Windows tries name.exe in PATH's absolute directories (never spawns a bare python by name)", () => {
    assert.deepEqual(resolveOnPath("python", { pathVariable: ".;\"C:\\Py\";C:\\Windows", platform: "win32", isExecutable }), { path: "C:\\Py\\python.exe" });
    assert.deepEqual(resolveOnPath("python3", { pathVariable: "C:\\Windows", platform: "win32", isExecutable }), { reason: "not found" });
  });

  it("keeps an absolute path and refuses a relative one", () => {
    assert.deepEqual(resolveOnPath("/opt/py/bin/python3", { pathVariable: "", platform: "linux", isExecutable }), { path: "/opt/py/bin/python3" });
    assert.deepEqual(resolveOnPath(".venv/bin/python", { pathVariable: "/usr/bin", platform: "linux", isExecutable }), { reason: RELATIVE_PATH_REASON });
    assert.deepEqual(resolveOnPath("${workspaceFolder}/.venv/bin/python", { pathVariable: "/usr/bin", platform: "linux", isExecutable }), { reason: RELATIVE_PATH_REASON });
    assert.deepEqual(resolveOnPath(".venv\\Scripts\\python.exe", { pathVariable: "C:\\Py", platform: "win32", isExecutable }), { reason: RELATIVE_PATH_REASON });
  });
});

describe("execRunner (real processes)", () => {
  it("returns stdout and the exit code", async () => {
    const ok = await execRunner(process.execPath, ["-e", "process.stdout.write('hi')"], 10_000);
    assert.deepEqual(ok, { code: 0, stdout: "hi", stderr: "" });
    const here = await execRunner(process.execPath, ["-e", "process.stdout.write(process.cwd())"], 10_000, "/");
    assert.deepEqual(here, { code: 0, stdout: "/", stderr: "" });
    const bad = await execRunner(process.execPath, ["-e", "process.stderr.write('no'); process.exit(3)"], 10_000);
    assert.deepEqual(bad, { code: 3, stdout: "", stderr: "no" });
  });

  it("reports a missing command and a timeout", async () => {
    const missing = await execRunner("servicestage-no-such-python-xyz", ["-c", "1"], 10_000);
    assert.equal(missing.error, "not found");
    const slow = await execRunner(process.execPath, ["-e", "setInterval(() => {}, 1000)"], 300);
    assert.equal(slow.error, "timed out after 0.3 s");
    assert.equal(slow.code, null);
  });
});

describe("expandPythonPath", () => {
  const ctx = {
    home: "/home/u",
    workspaceFolder: "/w",
    isAbsolute: (p: string) => p.startsWith("/"),
    join: (...p: string[]) => p.join("/").replace(/\/+/g, "/"),
  };
  it("expands ~, ${userHome}, ${workspaceFolder} and workspace-relative paths; keeps bare names", () => {
    assert.equal(expandPythonPath("~/py/bin/python", ctx), "/home/u/py/bin/python");
    assert.equal(expandPythonPath("${userHome}/py", ctx), "/home/u/py");
    assert.equal(expandPythonPath("${workspaceFolder}/.venv/bin/python", ctx), "/w/.venv/bin/python");
    assert.equal(expandPythonPath(".venv/bin/python", ctx), "/w/.venv/bin/python");
    assert.equal(expandPythonPath("python3.12", ctx), "python3.12");
    assert.equal(expandPythonPath("/usr/bin/python3", ctx), "/usr/bin/python3");
    assert.equal(expandPythonPath("  ", ctx), undefined);
    assert.equal(expandPythonPath(undefined, ctx), undefined);
  });
});
