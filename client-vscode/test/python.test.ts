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
  type ProcessRunner,
  type RunResult,
} from "../src/python";

/** A fake runner: each command maps to a RunResult (or a version shorthand); records the calls. */
function fakeRunner(table: Record<string, RunResult | string>) {
  const calls: { command: string; args: string[]; timeoutMs: number }[] = [];
  const run: ProcessRunner = async (command, args, timeoutMs) => {
    calls.push({ command, args, timeoutMs });
    const entry = table[command];
    if (entry === undefined) {
      return { code: null, stdout: "", stderr: "", error: "not found" };
    }
    if (typeof entry === "string") {
      const version = entry.split(".").map(Number);
      return { code: 0, stdout: JSON.stringify({ version, executable: `/opt/${command}` }) + "\n", stderr: "" };
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
    });
    assert.deepEqual(result, {
      found: { command: "/venv/bin/python", source: "setting", version: [3, 12, 1], executable: "/opt//venv/bin/python" },
      rejected: [],
    });
    assert.equal(asked, 0);
    assert.deepEqual(calls, [{ command: "/venv/bin/python", args: ["-c", PROBE_SCRIPT], timeoutMs: PROBE_TIMEOUT_MS }]);
  });

  it("falls through setting → Python extension → python3 → python, checking each version", async () => {
    const { run, calls } = fakeRunner({ "/bad/python": "3.9.18", "/ext/python": "3.8.10", python3: "2.7.18", python: "3.10.0" });
    const result = await discoverPython({ configured: "/bad/python", fromPythonExtension: async () => "/ext/python", run, timeoutMs: 1234 });
    assert.deepEqual(result.found, { command: "python", source: "path", version: [3, 10, 0], executable: "/opt/python" });
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
      ["python3", 1234],
      ["python", 1234],
    ]);
  });

  it("reports every candidate when none qualifies", async () => {
    const { run } = fakeRunner({
      python3: { code: null, stdout: "", stderr: "", error: "timed out after 10 s" },
      python: { code: 9009, stdout: "", stderr: "Python was not found; run without arguments to install from the Microsoft Store\n" },
    });
    const result = await discoverPython({ configured: "/nope", fromPythonExtension: async () => undefined, run });
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
      const outcome = await probe({ command: "py", source: "path" }, run);
      assert.equal("version" in outcome, ok);
    });
  }

  it("rejects output that is not the probe's", async () => {
    const { run } = fakeRunner({ py: { code: 0, stdout: "hello\n", stderr: "" } });
    assert.deepEqual(await probe({ command: "py", source: "setting" }, run), {
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
    const outcome = await probe({ command: "py", source: "path" }, async () => {
      throw new Error("spawn EACCES");
    });
    assert.deepEqual(outcome, { command: "py", source: "path", reason: "spawn EACCES" });
  });
});

describe("execRunner (real processes)", () => {
  it("returns stdout and the exit code", async () => {
    const ok = await execRunner(process.execPath, ["-e", "process.stdout.write('hi')"], 10_000);
    assert.deepEqual(ok, { code: 0, stdout: "hi", stderr: "" });
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
