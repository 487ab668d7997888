/**
 * The `servicestage.*` settings as the extension sees them.
 *
 * The server's settings table (server/servicestage_ls/settings.py) is the single source of truth; package.json
 * mirrors it (tests/unit/test_vscode_settings.py keeps the two equal) and this module reads the keys from
 * package.json, so nothing here repeats the table.
 */
import * as manifest from "../package.json";

export const SECTION = "servicestage";
/** Client-only settings: never part of the server's table. */
export const PYTHON_PATH_SETTING = "servicestage.server.pythonPath";
export const TRACE_SETTING = "servicestage.trace.server";
export const FILES_SETTING = "servicestage.files";

type PropertySchema = {
  default?: unknown;
  type?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  scope?: string;
};
const PROPERTIES = manifest.contributes.configuration.properties as Record<string, PropertySchema>;

/** Keys (without the section) of the settings the server reads, in package.json order. */
export const SERVER_SETTING_KEYS: readonly string[] = Object.keys(PROPERTIES)
  .filter((name) => name.startsWith(SECTION + ".") && !isClientOnly(name))
  .map((name) => name.slice(SECTION.length + 1));

/**
 * The settings that pick a host or a file (`endpoint`, `caBundle`, `trustedEndpoints`: `machine` scope in
 * package.json): only the user's own value counts — a repository's `.vscode/settings.json` must not send the
 * credentials elsewhere. They reach the server only in `initializationOptions` (it ignores them from
 * `workspace/configuration`).
 */
export const USER_LEVEL_KEYS: readonly string[] = SERVER_SETTING_KEYS.filter(
  (key) => PROPERTIES[`${SECTION}.${key}`].scope === "machine",
);
/** `remoteCheck`: the workspace may turn the check off, never on. */
export const REMOTE_CHECK_KEY = "remoteCheck";

/** The default globs of `servicestage.files` (the server's DEFAULT_FILES). */
export const DEFAULT_FILES: readonly string[] = PROPERTIES[FILES_SETTING].default as string[];

function isClientOnly(name: string): boolean {
  return name.startsWith(SECTION + ".server.") || name.startsWith(SECTION + ".trace.");
}

/** The part of `WorkspaceConfiguration` this module needs. */
export interface ConfigurationReader {
  get<T>(key: string): T | undefined;
  inspect<T>(key: string):
    | { defaultValue?: T; globalValue?: T; workspaceValue?: T; workspaceFolderValue?: T }
    | undefined;
}

/** The user's value of a setting (User or Remote settings), else its default: never the workspace's. */
export function userValue(config: ConfigurationReader, key: string): unknown {
  const seen = config.inspect<unknown>(key);
  return seen?.globalValue !== undefined ? seen.globalValue : seen?.defaultValue;
}

/** `initializationOptions.restrictedMode`: true in an untrusted workspace (the server then makes no cloud call). */
export const RESTRICTED_MODE_OPTION = "restrictedMode";

/**
 * The server's settings object, sent as `initializationOptions`: every server key with its current value — the
 * user's own for USER_LEVEL_KEYS, and for `remoteCheck` the user's unless the workspace turns it off — plus
 * `restrictedMode`. The server validates the values itself and reports problems.
 */
export function serverSettings(config: ConfigurationReader, trusted = true): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of SERVER_SETTING_KEYS) {
    let value: unknown;
    if (USER_LEVEL_KEYS.includes(key)) {
      value = userValue(config, key);
    } else if (key === REMOTE_CHECK_KEY) {
      const seen = config.inspect<unknown>(key);
      value = seen?.workspaceFolderValue === "off" || seen?.workspaceValue === "off" ? "off" : userValue(config, key);
    } else {
      value = config.get<unknown>(key);
    }
    if (value !== undefined) {
      result[key] = value;
    }
  }
  result[RESTRICTED_MODE_OPTION] = !trusted;
  return result;
}

/** The part of `ConfigurationChangeEvent` this module needs. */
export interface ChangeEvent {
  affectsConfiguration(section: string): boolean;
}

/**
 * Settings whose change restarts the language client:
 * - `servicestage.server.pythonPath`: a different interpreter means a different process;
 * - `servicestage.files`: the client's document selector (which documents are synced to the server) is fixed
 *   when the client starts.
 * - the user-level settings (`endpoint`, `caBundle`, `trustedEndpoints`) and `remoteCheck`: the server takes them
 *   from `initializationOptions` only.
 * Every other `servicestage.*` change reaches the running server through `workspace/didChangeConfiguration`
 * (the server then asks `workspace/configuration`), and `servicestage.trace.server` is applied by the client.
 */
export const RESTART_SETTINGS: readonly string[] = [
  PYTHON_PATH_SETTING,
  FILES_SETTING,
  ...[...USER_LEVEL_KEYS, REMOTE_CHECK_KEY].map((key) => `${SECTION}.${key}`),
];

export function changeNeedsRestart(event: ChangeEvent): boolean {
  return RESTART_SETTINGS.some((setting) => event.affectsConfiguration(setting));
}
