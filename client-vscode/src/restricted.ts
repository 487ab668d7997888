/**
 * Restricted Mode (an untrusted workspace): the editor features work, the cloud's are off. The server is told
 * (`initializationOptions.restrictedMode`) and offers no cloud code action, code lens or remote check; the
 * extension's cloud commands say what to do instead of asking the server, and one code lens on the file's first
 * line says it too (a click opens the workspace trust editor). Trusting the workspace restarts the server.
 */
import * as vscode from "vscode";

/** What Restricted Mode says wherever a cloud feature is off (the server says the same words). */
export const RESTRICTED_MESSAGE = "trust this workspace to use ServiceStage";
export const MANAGE_TRUST = "Manage Workspace Trust";
export const MANAGE_TRUST_COMMAND = "workbench.trust.manage";
export const RESTRICTED_LENS_TITLE = "Trust this workspace to use ServiceStage";

/** The code lenses of a ServiceStage file in Restricted Mode: one, in place of the server's. */
export function restrictedLenses(): vscode.CodeLens[] {
  return [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title: RESTRICTED_LENS_TITLE, command: MANAGE_TRUST_COMMAND })];
}

/** vscode-languageclient middleware for Restricted Mode. */
export const restrictedMiddleware = {
  provideCodeLenses: (): vscode.CodeLens[] => restrictedLenses(),
};
