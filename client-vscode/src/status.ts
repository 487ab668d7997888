/** The status-bar item: the server's state at a glance; clicking it shows the output channel. */
import * as vscode from "vscode";

export type ServerState = "starting" | "running" | "stopped" | "error";
export const SHOW_OUTPUT_COMMAND = "servicestage.showOutput";

const ICONS: Record<ServerState, string> = {
  starting: "$(sync~spin)",
  running: "$(check)",
  stopped: "$(circle-slash)",
  error: "$(error)",
};

export class ServerStatus implements vscode.Disposable {
  private current: ServerState = "stopped";
  private currentDetail = "";

  constructor(private readonly item: vscode.StatusBarItem) {
    item.name = "ServiceStage Language Server";
    item.command = SHOW_OUTPUT_COMMAND;
    this.render();
  }

  get state(): ServerState {
    return this.current;
  }

  get detail(): string {
    return this.currentDetail;
  }

  /** Shows `state`; `detail` (the interpreter, or what went wrong) goes into the tooltip. */
  set(state: ServerState, detail = ""): void {
    this.current = state;
    this.currentDetail = detail;
    this.render();
    this.item.show();
  }

  private render(): void {
    const state = this.current;
    this.item.text = `${ICONS[state]} ServiceStage`;
    this.item.tooltip =
      `ServiceStage language server: ${state}` + (this.currentDetail ? ` — ${this.currentDetail}` : "") + "\nClick to show the output.";
    this.item.backgroundColor = state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.item.accessibilityInformation = { label: `ServiceStage language server ${state}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}
