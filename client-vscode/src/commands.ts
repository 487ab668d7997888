/**
 * The extension's commands that run server commands on the active editor's document.
 *
 * The server's own command IDs (`servicestage-ls.*`) are registered by vscode-languageclient; these are
 * different IDs (`servicestage.*`) that collect the uri and cursor and send `workspace/executeCommand`.
 */
import { ExecuteCommandRequest, type ExecuteCommandParams } from "vscode-languageserver-protocol";

export const SERVER_COMMANDS = {
  createAuthorization: "servicestage-ls.createAuthorization",
  createAll: "servicestage-ls.createAll",
  refreshStatus: "servicestage-ls.refreshStatus",
  showPlan: "servicestage-ls.showPlan",
  importFromServiceStage: "servicestage-ls.importFromServiceStage",
  rotateToken: "servicestage-ls.rotateToken",
  deleteAuthorization: "servicestage-ls.deleteAuthorization",
  testAuthorization: "servicestage-ls.testAuthorization",
  authorize: "servicestage-ls.authorize",
} as const;

export const EXTENSION_COMMANDS = {
  createAtCursor: "servicestage.createAtCursor",
  createAll: "servicestage.createAll",
  refreshStatus: "servicestage.refreshStatus",
  restartServer: "servicestage.restartServer",
  showOutput: "servicestage.showOutput",
  showPlan: "servicestage.showPlan",
  importFromServiceStage: "servicestage.importFromServiceStage",
  rotateToken: "servicestage.rotateToken",
  deleteAuthorization: "servicestage.deleteAuthorization",
  testAuthorization: "servicestage.testAuthorization",
  authorize: "servicestage.authorize",
} as const;

export type EditorCommand =
  | "createAtCursor"
  | "createAll"
  | "refreshStatus"
  | "showPlan"
  | "importFromServiceStage"
  | "rotateToken"
  | "deleteAuthorization"
  | "testAuthorization"
  | "authorize";

/** The server commands the code lenses run (vscode-languageclient registers them; clicking a lens sends them). */
export const LENS_COMMANDS = [
  SERVER_COMMANDS.createAuthorization,
  SERVER_COMMANDS.refreshStatus,
  SERVER_COMMANDS.rotateToken,
  SERVER_COMMANDS.testAuthorization,
  SERVER_COMMANDS.authorize,
];

export interface CursorPosition {
  line: number;
  character: number;
}

/** The `workspace/executeCommand` parameters for one of the editor commands. */
export function executeCommandParams(which: EditorCommand, uri: string, position: CursorPosition): ExecuteCommandParams {
  switch (which) {
    case "createAtCursor":
      return {
        command: SERVER_COMMANDS.createAuthorization,
        arguments: [{ uri, position: { line: position.line, character: position.character } }],
      };
    case "createAll":
      return { command: SERVER_COMMANDS.createAll, arguments: [{ uri }] };
    case "refreshStatus":
      return { command: SERVER_COMMANDS.refreshStatus, arguments: [{ uri }] };
    case "showPlan":
      return { command: SERVER_COMMANDS.showPlan, arguments: [{ uri }] };
    case "importFromServiceStage":
      return { command: SERVER_COMMANDS.importFromServiceStage, arguments: [{ uri }] };
    case "rotateToken":
    case "deleteAuthorization":
    case "testAuthorization":
    case "authorize":
      return {
        command: SERVER_COMMANDS[which],
        arguments: [{ uri, position: { line: position.line, character: position.character } }],
      };
  }
}

export const EXECUTE_COMMAND_METHOD = ExecuteCommandRequest.method;
export { ExecuteCommandRequest };
