/**
 * The interpreter selected in the Python extension (ms-python.python), when it is installed.
 * Optional: every access is guarded, and any failure simply means "no interpreter from the extension".
 */
import * as vscode from "vscode";

export const PYTHON_EXTENSION_ID = "ms-python.python";
const ACTIVATE_TIMEOUT_MS = 15_000;

interface EnvironmentPath {
  id?: string;
  path?: string;
}
interface ResolvedEnvironment {
  executable?: { uri?: { fsPath?: string } };
}
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): EnvironmentPath | undefined;
    resolveEnvironment?(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined;
  };
}

async function api(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  if (ext.isActive) {
    return ext.exports;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ACTIVATE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve(ext.activate()), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The path of the active interpreter for `resource`, or undefined. Never throws. */
export async function interpreterFromPythonExtension(resource?: vscode.Uri): Promise<string | undefined> {
  try {
    const python = await api();
    const envs = python?.environments;
    if (envs?.getActiveEnvironmentPath) {
      const active = envs.getActiveEnvironmentPath(resource);
      if (active && envs.resolveEnvironment) {
        const resolved = await envs.resolveEnvironment(active);
        const exe = resolved?.executable?.uri?.fsPath;
        if (exe) {
          return exe;
        }
      }
      if (active?.path) {
        return active.path;
      }
    }
    // Older releases of the extension.
    const exec = python?.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (exec && exec.length === 1 && exec[0]) {
      return exec[0];
    }
  } catch {
    // The extension is optional: treat any failure as "no interpreter".
  }
  return undefined;
}

/** Calls `listener` when the user picks another interpreter in the Python extension (if installed and active). */
export function onPythonInterpreterChanged(listener: () => void): vscode.Disposable | undefined {
  try {
    const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
    const event = ext?.isActive ? ext.exports?.environments?.onDidChangeActiveEnvironmentPath : undefined;
    return event ? event(() => listener()) : undefined;
  } catch {
    return undefined;
  }
}
