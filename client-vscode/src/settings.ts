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

type PropertySchema = { default?: unknown; type?: string; enum?: string[]; minimum?: number; maximum?: number };
const PROPERTIES = manifest.contributes.configuration.properties as Record<string, PropertySchema>;

/** Keys (without the section) of the settings the server reads, in package.json order. */
export const SERVER_SETTING_KEYS: readonly string[] = Object.keys(PROPERTIES)
  .filter((name) => name.startsWith(SECTION + ".") && !isClientOnly(name))
  .map((name) => name.slice(SECTION.length + 1));

/** The default globs of `servicestage.files` (the server's DEFAULT_FILES). */
export const DEFAULT_FILES: readonly string[] = PROPERTIES[FILES_SETTING].default as string[];

function isClientOnly(name: string): boolean {
  return name.startsWith(SECTION + ".server.") || name.startsWith(SECTION + ".trace.");
}

/** The part of `WorkspaceConfiguration` this module needs. */
export interface ConfigurationReader {
  get<T>(key: string): T | undefined;
}

/**
 * The server's settings object, sent as `initializationOptions`: every server key with its current value
 * (user, workspace or default). The server validates the values itself and reports problems.
 */
export function serverSettings(config: ConfigurationReader): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of SERVER_SETTING_KEYS) {
    const value = config.get<unknown>(key);
    if (value !== undefined) {
      result[key] = value;
    }
  }
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
 * Every other `servicestage.*` change reaches the running server through `workspace/didChangeConfiguration`
 * (the server then asks `workspace/configuration`), and `servicestage.trace.server` is applied by the client.
 */
export const RESTART_SETTINGS: readonly string[] = [PYTHON_PATH_SETTING, FILES_SETTING];

export function changeNeedsRestart(event: ChangeEvent): boolean {
  return RESTART_SETTINGS.some((setting) => event.affectsConfiguration(setting));
}
