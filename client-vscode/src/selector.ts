/** Which documents the client hands to the server: `servicestage.files` as a VS Code document selector. */
import { DEFAULT_FILES } from "./settings";

export interface GlobDocumentFilter {
  scheme: "file";
  language: "yaml";
  pattern: string;
}

/**
 * The globs in effect: the user's `servicestage.files` when it is a non-empty list of non-empty strings
 * (the server's own rule in settings.py), otherwise the defaults. Duplicates are dropped.
 */
export function effectiveGlobs(value: unknown): string[] {
  const valid = Array.isArray(value) && value.length > 0 && value.every((g) => typeof g === "string" && g.trim() !== "");
  const globs = valid ? (value as string[]) : [...DEFAULT_FILES];
  return [...new Set(globs.map(normaliseGlob))];
}

/**
 * VS Code matches a filter's pattern against the whole file path, so a relative glob such as
 * `auth/*.yaml` becomes `**\/auth/*.yaml` (it matches at any depth, like the defaults). Absolute globs and
 * globs that already start with `**` are kept; backslashes become slashes.
 */
export function normaliseGlob(glob: string): string {
  const g = glob.trim().replace(/\\/g, "/");
  if (g.startsWith("**") || g.startsWith("/") || /^[A-Za-z]:\//.test(g)) {
    return g;
  }
  return "**/" + g.replace(/^\.\//, "");
}

/** One `{scheme: 'file', language: 'yaml', pattern}` filter per glob. */
export function documentSelector(globs: readonly string[]): GlobDocumentFilter[] {
  return globs.map((pattern) => ({ scheme: "file", language: "yaml", pattern }));
}
