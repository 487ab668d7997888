/**
 * How the server process is started: `<python> -I <extension>/tool/server.py [DIR] `, by the interpreter's
 * absolute path, with the extension's folder as the working directory. `-I` (isolated mode) keeps the working
 * directory, `PYTHON*` variables and the user's site-packages off `sys.path`, so nothing in the workspace (a
 * cloned repository's `servicestage_ls/`, `yaml.py`, `httpx/`) is ever imported. DIR goes first on `sys.path`:
 * the server and its dependencies bundled in the extension (`bundled/libs`), or, in a development checkout
 * without `bundled/`, the repository's `server/` directory (the interpreter must then have the server's
 * dependencies); without DIR, the servicestage-ls installed in that interpreter runs.
 */
import * as path from "node:path";

export const SERVER_MODULE = "servicestage_ls";
/** The script that starts the server, relative to the extension's folder (tool/server.py in the repository). */
export const LAUNCHER = path.join("tool", "server.py");
/** Python's isolated mode: the interpreter flag of both the probe and the server. */
export const ISOLATED = "-I";

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
  options: { env: Record<string, string>; cwd: string };
}

/**
 * The process to start. `python` must be an absolute path (the probe's `sys.executable`); `baseEnv` is the
 * extension host's environment, passed on as it is (the credentials are in it; `-I` makes Python ignore its
 * `PYTHON*` variables).
 */
export function serverExecutable(
  python: string,
  source: ServerSource,
  extensionPath: string,
  baseEnv: Record<string, string | undefined>,
): ServerExecutable {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(baseEnv)) {
    if (value !== undefined) {
      env[key] = value;
    }
  }
  const args = [ISOLATED, path.join(extensionPath, LAUNCHER)];
  if (source.kind !== "installed") {
    args.push(source.pythonPath);
  }
  return { command: python, args, options: { env, cwd: extensionPath } };
}

/** The command line as the user could type it (in the extension's folder), for the output channel. */
export function describeLaunch(exe: ServerExecutable): string {
  const line = [exe.command, ...exe.args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ");
  return `${line}   (in ${exe.options.cwd})`;
}
