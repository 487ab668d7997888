/**
 * Finding a Python interpreter (3.10 or newer) to run the server.
 *
 * Order: setting `servicestage.server.pythonPath`; the interpreter selected in the Python extension
 * (ms-python.python, optional; never in Restricted Mode, where it may be one in the workspace); `python3`;
 * `python`. A name is looked up on PATH by this module (absolute directories only: never the working directory,
 * never the workspace, which is what spawning a bare name does on Windows); a relative path is not used. Each
 * candidate then runs a tiny `-I -c` script (isolated: the working directory, which is the extension's folder,
 * is not on its `sys.path`) with a timeout; the first one that is 3.10 or newer wins, and the server is started
 * by the absolute path of the interpreter it reported (`sys.executable`).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ISOLATED } from "./launch";

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

/** Runs `command` (an absolute path) in the directory `cwd`. */
export type ProcessRunner = (command: string, args: string[], timeoutMs: number, cwd?: string) => Promise<RunResult>;

/** An absolute path for a candidate, or why it is not used. */
export type Resolution = { path: string } | { reason: string };
export type CommandResolver = (command: string) => Resolution;

export interface PythonFound {
  command: string;
  source: CandidateSource;
  version: [number, number, number];
  /** The absolute path the server is started by: the interpreter's `sys.executable`. */
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
  /** A candidate's absolute path (`resolveOnPath` in the extension). */
  resolve: CommandResolver;
  /** Where the probe runs: the extension's folder. */
  cwd: string;
  /** False in Restricted Mode: the Python extension is not asked. */
  trusted?: boolean;
  timeoutMs?: number;
}

/**
 * The candidates in order, without duplicates. Lazy: the Python extension is only asked (and activated)
 * when the configured interpreter is missing or does not qualify.
 */
export async function* candidates(
  input: Pick<DiscoveryInput, "configured" | "fromPythonExtension" | "trusted">,
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
    fromExtension = input.trusted === false ? undefined : (await input.fromPythonExtension())?.trim();
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

/**
 * Checks one interpreter: runs PROBE_SCRIPT isolated (`-I`) by its absolute path `resolved`, in `cwd`, and
 * compares the version with MIN_VERSION.
 */
export async function probe(
  candidate: Candidate,
  resolved: string,
  run: ProcessRunner,
  cwd: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<PythonFound | Rejection> {
  const reject = (reason: string): Rejection => ({ command: candidate.command, source: candidate.source, reason });
  let result: RunResult;
  try {
    result = await run(resolved, [ISOLATED, "-c", PROBE_SCRIPT], timeoutMs, cwd);
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
  // sys.executable is absolute; should an odd interpreter report none, the path it was started by is.
  const executable = isAbsoluteAnywhere(info.executable) ? info.executable : resolved;
  return { command: candidate.command, source: candidate.source, version: info.version, executable };
}

function isAbsoluteAnywhere(p: string): boolean {
  return p !== "" && (path.posix.isAbsolute(p) || path.win32.isAbsolute(p));
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
    const resolution = input.resolve(candidate.command);
    if ("reason" in resolution) {
      rejected.push({ command: candidate.command, source: candidate.source, reason: resolution.reason });
      continue;
    }
    const outcome = await probe(candidate, resolution.path, input.run, input.cwd, input.timeoutMs ?? PROBE_TIMEOUT_MS);
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

export interface PathEnvironment {
  /** PATH (`Path` on Windows) of the extension host. */
  pathVariable: string | undefined;
  platform: NodeJS.Platform;
  /** Whether `p` is a file that can be run. */
  isExecutable: (p: string) => boolean;
}

export const RELATIVE_PATH_REASON = "a relative path is not used (give an absolute path or a name on PATH)";

/**
 * A candidate as an absolute path: an absolute path as it is; a name (`python3`, `python3.12`) looked up in the
 * absolute directories of PATH (with `.exe` on Windows), as a shell would but never in the current directory; a
 * relative path is refused (it would be relative to the workspace, or whatever the current directory is).
 */
export function resolveOnPath(command: string, env: PathEnvironment): Resolution {
  const p = env.platform === "win32" ? path.win32 : path.posix;
  if (p.isAbsolute(command)) {
    return { path: command };
  }
  if ((env.platform === "win32" ? /[\\/]/ : /\//).test(command)) {
    return { reason: RELATIVE_PATH_REASON };
  }
  const names = env.platform === "win32" && !/\.exe$/i.test(command) ? [command + ".exe", command] : [command];
  for (const dir of (env.pathVariable ?? "").split(env.platform === "win32" ? ";" : ":")) {
    const unquoted = dir.replace(/^"(.*)"$/, "$1");
    if (!p.isAbsolute(unquoted)) {
      continue; // "", ".", "bin": relative to the current directory
    }
    for (const name of names) {
      const candidate = p.join(unquoted, name);
      if (env.isExecutable(candidate)) {
        return { path: candidate };
      }
    }
  }
  return { reason: "not found" };
}

/** The extension host's PATH lookup. */
export function hostPathEnvironment(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
): PathEnvironment {
  const key = platform === "win32" ? Object.keys(env).find((k) => k.toUpperCase() === "PATH") ?? "PATH" : "PATH";
  return {
    pathVariable: env[key],
    platform,
    isExecutable: (p) => {
      try {
        if (!fs.statSync(p).isFile()) {
          return false;
        }
        fs.accessSync(p, platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The real runner: execFile (no shell) with a timeout, in `cwd`. */
export const execRunner: ProcessRunner = (command, args, timeoutMs, cwd) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true, encoding: "utf8", cwd }, (error, stdout, stderr) => {
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
 * In Restricted Mode the controller gives no workspace folder: a path into the workspace then stays relative (or
 * keeps its `${workspaceFolder}`), and `resolveOnPath` refuses it — a program of the workspace is never run.
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
