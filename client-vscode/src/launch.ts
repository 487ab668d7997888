/**
 * How the server process is started: `<python> -m servicestage_ls serve`, with PYTHONPATH pointing at
 * the server and its dependencies bundled in the extension (`bundled/libs`), or, in a development checkout
 * without `bundled/`, at the repository's `server/` directory (the interpreter must then have the server's
 * dependencies), or at nothing (servicestage-ls installed in that interpreter, or on PATH).
 */
import * as path from "node:path";

export const SERVER_MODULE = "servicestage_ls";
export const SERVER_ARGS: readonly string[] = ["-m", SERVER_MODULE, "serve"];

export type ServerSource =
  | { kind: "bundled"; pythonPath: string }
  | { kind: "repo"; pythonPath: string }
  | { kind: "installed" };

/** Where the server's code is, given the extension's directory. */
export function locateServer(extensionPath: string, exists: (p: string) => boolean): ServerSource {
  const libs = path.join(extensionPath, "bundled", "libs");
  if (exists(path.join(libs, SERVER_MODULE, "__init__.py"))) {
    return { kind: "bundled", pythonPath: libs };
  }
  const repoServer = path.resolve(extensionPath, "..", "server");
  if (exists(path.join(repoServer, SERVER_MODULE, "__init__.py"))) {
    return { kind: "repo", pythonPath: repoServer };
  }
  return { kind: "installed" };
}

export interface ServerExecutable {
  command: string;
  args: string[];
  options: { env: Record<string, string>; cwd?: string };
}

/**
 * The process to start. `baseEnv` is the extension host's environment; PYTHONPATH gets the server's
 * directory in front of any PYTHONPATH the user already has (so the bundled copies win).
 */
export function serverExecutable(
  python: string,
  source: ServerSource,
  baseEnv: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
): ServerExecutable {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(baseEnv)) {
    if (value !== undefined) {
      env[key] = value;
    }
  }
  if (source.kind !== "installed") {
    // Environment names are case-insensitive on Windows: reuse whatever spelling is there.
    const key =
      (platform === "win32" ? Object.keys(env).find((k) => k.toUpperCase() === "PYTHONPATH") : undefined) ?? "PYTHONPATH";
    const delimiter = platform === "win32" ? ";" : ":";
    const existing = env[key];
    env[key] = existing ? source.pythonPath + delimiter + existing : source.pythonPath;
  }
  return { command: python, args: [...SERVER_ARGS], options: { env } };
}

/** The command line as the user could type it, for the output channel. */
export function describeLaunch(exe: ServerExecutable, source: ServerSource): string {
  const line = [exe.command, ...exe.args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ");
  return source.kind === "installed" ? line : `PYTHONPATH=${source.pythonPath} ${line}`;
}
