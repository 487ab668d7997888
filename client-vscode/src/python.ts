/**
 * Finding a Python interpreter (3.10 or newer) to run the server.
 *
 * Order: setting `servicestage.server.pythonPath`; the interpreter selected in the Python extension
 * (ms-python.python, optional); `python3`; `python`. Each candidate runs a tiny `-c` script (with a timeout)
 * that reports its version; the first one that is 3.10 or newer wins.
 */
import { execFile } from "node:child_process";

export const MIN_VERSION: readonly [number, number] = [3, 10];
export const PROBE_TIMEOUT_MS = 10_000;
/** Prints one JSON line: version and the real executable. */
export const PROBE_SCRIPT =
  "import json, sys; print(json.dumps({'version': list(sys.version_info[:3]), 'executable': sys.executable}))";

export type CandidateSource = "setting" | "python-extension" | "path";

export interface Candidate {
  command: string;
  source: CandidateSource;
}

export interface RunResult {
  /** Exit code; null when the process did not exit normally (killed, timed out, not found). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not run or was killed: "not found", "timed out after 10 s", ... */
  error?: string;
}

export type ProcessRunner = (command: string, args: string[], timeoutMs: number) => Promise<RunResult>;

export interface PythonFound {
  command: string;
  source: CandidateSource;
  version: [number, number, number];
  executable: string;
}

export interface Rejection {
  command: string;
  source: CandidateSource;
  reason: string;
}

export interface DiscoveryResult {
  found?: PythonFound;
  /** Every candidate tried before the one found (or all of them), with why it was not used. */
  rejected: Rejection[];
}

export interface DiscoveryInput {
  /** `servicestage.server.pythonPath` after variable expansion; empty or undefined when unset. */
  configured?: string;
  /** The Python extension's interpreter; resolves to undefined when the extension is absent or has none. */
  fromPythonExtension: () => Promise<string | undefined>;
  run: ProcessRunner;
  timeoutMs?: number;
}

/**
 * The candidates in order, without duplicates. Lazy: the Python extension is only asked (and activated)
 * when the configured interpreter is missing or does not qualify.
 */
export async function* candidates(
  input: Pick<DiscoveryInput, "configured" | "fromPythonExtension">,
): AsyncGenerator<Candidate, void, undefined> {
  const seen = new Set<string>();
  const fresh = (command: string | undefined): command is string => {
    if (!command || seen.has(command)) {
      return false;
    }
    seen.add(command);
    return true;
  };
  const configured = input.configured?.trim();
  if (fresh(configured)) {
    yield { command: configured, source: "setting" };
  }
  let fromExtension: string | undefined;
  try {
    fromExtension = (await input.fromPythonExtension())?.trim();
  } catch {
    fromExtension = undefined;
  }
  if (fresh(fromExtension)) {
    yield { command: fromExtension, source: "python-extension" };
  }
  for (const command of ["python3", "python"]) {
    if (fresh(command)) {
      yield { command, source: "path" };
    }
  }
}

/** Checks one interpreter: runs PROBE_SCRIPT and compares the version with MIN_VERSION. */
export async function probe(
  candidate: Candidate,
  run: ProcessRunner,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<PythonFound | Rejection> {
  const reject = (reason: string): Rejection => ({ command: candidate.command, source: candidate.source, reason });
  let result: RunResult;
  try {
    result = await run(candidate.command, ["-c", PROBE_SCRIPT], timeoutMs);
  } catch (err) {
    return reject(String(err instanceof Error ? err.message : err));
  }
  if (result.error) {
    return reject(result.error);
  }
  if (result.code !== 0) {
    const detail = firstLine(result.stderr) || firstLine(result.stdout);
    return reject(`exited with code ${result.code}` + (detail ? `: ${detail}` : ""));
  }
  const info = parseProbe(result.stdout);
  if (!info) {
    return reject("did not report a Python version (is it a Python interpreter?)");
  }
  const [major, minor, micro] = info.version;
  if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
    return reject(`Python ${major}.${minor}.${micro} is too old (${MIN_VERSION.join(".")} or newer is needed)`);
  }
  return { command: candidate.command, source: candidate.source, version: info.version, executable: info.executable };
}

export function parseProbe(stdout: string): { version: [number, number, number]; executable: string } | undefined {
  const lines = stdout.split(/\r?\n/).filter((l) => l.trim().startsWith("{"));
  for (const line of lines.reverse()) {
    try {
      const data = JSON.parse(line) as { version?: unknown; executable?: unknown };
      const v = data.version;
      if (Array.isArray(v) && v.length === 3 && v.every((n) => Number.isInteger(n))) {
        return { version: v as [number, number, number], executable: typeof data.executable === "string" ? data.executable : "" };
      }
    } catch {
      // not our line
    }
  }
  return undefined;
}

/** Tries the candidates in order; stops at the first interpreter that qualifies. */
export async function discoverPython(input: DiscoveryInput): Promise<DiscoveryResult> {
  const rejected: Rejection[] = [];
  for await (const candidate of candidates(input)) {
    const outcome = await probe(candidate, input.run, input.timeoutMs ?? PROBE_TIMEOUT_MS);
    if ("version" in outcome) {
      return { found: outcome, rejected };
    }
    rejected.push(outcome);
  }
  return { rejected };
}

export function describeSource(source: CandidateSource): string {
  switch (source) {
    case "setting":
      return "servicestage.server.pythonPath";
    case "python-extension":
      return "the Python extension's interpreter";
    case "path":
      return "PATH";
  }
}

/** The one error message shown when no interpreter qualifies. */
export function noPythonMessage(rejected: readonly Rejection[]): string {
  const tried = rejected.map((r) => `${r.command} (${r.reason})`).join("; ");
  return (
    `ServiceStage: no Python ${MIN_VERSION.join(".")} or newer found, so the language server cannot start. ` +
    `Install Python ${MIN_VERSION.join(".")}+ (python.org, or your package manager) and run "ServiceStage: Restart Server", ` +
    `or set servicestage.server.pythonPath to a Python ${MIN_VERSION.join(".")}+ interpreter.` +
    (tried ? ` Tried: ${tried}.` : "")
  );
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
}

/** The real runner: execFile (no shell) with a timeout. */
export const execRunner: ProcessRunner = (command, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true, encoding: "utf8" }, (error, stdout, stderr) => {
      if (!error) {
        resolve({ code: 0, stdout, stderr });
        return;
      }
      const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (e.code === "ENOENT") {
        resolve({ code: null, stdout, stderr, error: "not found" });
      } else if (e.killed) {
        resolve({ code: null, stdout, stderr, error: `timed out after ${+(timeoutMs / 1000).toFixed(1)} s` });
      } else if (typeof e.code === "number") {
        resolve({ code: e.code, stdout, stderr });
      } else {
        resolve({ code: null, stdout, stderr, error: e.message });
      }
    });
  });

/**
 * `servicestage.server.pythonPath` as a command: `~` and `${userHome}` become the home directory,
 * `${workspaceFolder}` the first workspace folder, and a relative path with a directory part
 * (`.venv/bin/python`) is taken relative to the workspace folder. A bare name (`python3.12`) is left for PATH.
 */
export function expandPythonPath(
  value: string | undefined,
  ctx: { home: string; workspaceFolder?: string; isAbsolute: (p: string) => boolean; join: (...p: string[]) => string },
): string | undefined {
  let v = value?.trim();
  if (!v) {
    return undefined;
  }
  v = v.replace(/\$\{userHome\}/g, ctx.home);
  if (ctx.workspaceFolder !== undefined) {
    v = v.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder);
  }
  if (v === "~" || v.startsWith("~/") || v.startsWith("~\\")) {
    v = ctx.join(ctx.home, v.slice(1));
  }
  if (!ctx.isAbsolute(v) && /[\\/]/.test(v) && ctx.workspaceFolder !== undefined) {
    v = ctx.join(ctx.workspaceFolder, v);
  }
  return v;
}
