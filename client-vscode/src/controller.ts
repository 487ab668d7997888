/**
 * The language client's life cycle: find Python, start the server, follow its state in the status bar,
 * restart it when the interpreter or the file globs change, and run the editor commands.
 * The client itself comes from a factory, so this logic is tested without VS Code.
 */
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  EXTENSION_COMMANDS,
  ExecuteCommandRequest,
  executeCommandParams,
  type EditorCommand,
} from "./commands";
import { describeLaunch, locateServer, serverExecutable, type ServerExecutable, type ServerSource } from "./launch";
import {
  describeSource,
  discoverPython,
  expandPythonPath,
  MIN_VERSION,
  hostPathEnvironment,
  noPythonMessage,
  resolveOnPath,
  type CommandResolver,
  type ProcessRunner,
  type PythonFound,
} from "./python";
import { MANAGE_TRUST, MANAGE_TRUST_COMMAND, RESTRICTED_MESSAGE } from "./restricted";
import { documentSelector, effectiveGlobs, type GlobDocumentFilter } from "./selector";
import {
  changeNeedsRestart,
  PYTHON_PATH_SETTING,
  RESTART_SETTINGS,
  SECTION,
  serverSettings,
  userValue,
  type ChangeEvent,
} from "./settings";
import type { ServerState, ServerStatus } from "./status";

/** vscode-languageclient's `State` values. */
export const ClientState = { Stopped: 1, Running: 2, Starting: 3 } as const;

export interface ClientOptionsInput {
  documentSelector: GlobDocumentFilter[];
  initializationOptions: Record<string, unknown>;
  synchronize: { configurationSection: string };
}

/** What the controller uses of a `LanguageClient`. */
export interface LanguageClientLike {
  start(): Promise<void>;
  stop(timeout?: number): Promise<void>;
  onDidChangeState(listener: (e: { oldState: number; newState: number }) => void): vscode.Disposable;
  sendRequest(type: typeof ExecuteCommandRequest.type, params: unknown, token?: vscode.CancellationToken): Promise<unknown>;
  asProtocolUri(uri: vscode.Uri): string;
}

export type ClientFactory = (serverOptions: ServerExecutable, clientOptions: ClientOptionsInput) => LanguageClientLike;

export interface ControllerDeps {
  extensionPath: string;
  output: vscode.OutputChannel;
  status: ServerStatus;
  createClient: ClientFactory;
  run: ProcessRunner;
  fromPythonExtension: (resource?: vscode.Uri) => Promise<string | undefined>;
  exists: (p: string) => boolean;
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  /** A candidate interpreter's absolute path (default: looked up on the extension host's PATH). */
  resolve?: CommandResolver;
  /** Whether the workspace is trusted (`vscode.workspace.isTrusted`; false in Restricted Mode). */
  isTrusted?: () => boolean;
  /** Shows a text (Show Plan's plan) as a read-only document. */
  showReadOnly?: (title: string, text: string) => Promise<void>;
}

const COMMAND_TITLES: Record<EditorCommand, string> = {
  createAtCursor: "Create Authorization at Cursor",
  createAll: "Create All New Authorizations",
  refreshStatus: "Refresh Status",
  showPlan: "Show Plan",
  importFromServiceStage: "Import…",
  rotateToken: "Rotate Token…",
  deleteAuthorization: "Delete…",
  testAuthorization: "Test Authorization at Cursor",
  authorize: "Authorize in the Browser at Cursor…",
};

export class Controller implements vscode.Disposable {
  private client: LanguageClientLike | undefined;
  private clientSubscription: vscode.Disposable | undefined;
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  private wanted = false;
  /** The interpreter the running server uses. */
  python: PythonFound | undefined;
  source: ServerSource | undefined;

  constructor(private readonly deps: ControllerDeps) {}

  get isStarted(): boolean {
    return this.client !== undefined;
  }

  /** The document selector in effect now (from `servicestage.files`). */
  selector(): GlobDocumentFilter[] {
    return documentSelector(effectiveGlobs(this.config().get<unknown>("files")));
  }

  /** True when the document is one the server handles. */
  matches(document: vscode.TextDocument): boolean {
    return vscode.languages.match(this.selector(), document) > 0;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Starts the server unless it runs or was asked to start already. */
  ensureStarted(): Promise<void> {
    if (this.wanted) {
      return this.queue;
    }
    return this.start();
  }

  /** Restarts when a setting that needs it changed and the server was started; other changes need nothing. */
  async onConfigurationChanged(event: ChangeEvent): Promise<boolean> {
    if (!this.wanted || !changeNeedsRestart(event)) {
      return false;
    }
    const changed = RESTART_SETTINGS.filter((setting) => event.affectsConfiguration(setting));
    this.log(`Settings changed (${changed.join(", ")}): restarting the server.`);
    await this.restart();
    return true;
  }

  /** The Python extension's interpreter changed: restart if that is (or could now be) the one used. */
  async onPythonInterpreterChanged(): Promise<boolean> {
    const relevant = this.python === undefined || this.python.source !== "setting";
    if (!this.wanted || !relevant) {
      return false;
    }
    this.log("The Python extension's interpreter changed: restarting the server.");
    await this.restart();
    return true;
  }

  /** Runs one of the server commands on the active editor's document. */
  async runEditorCommand(which: EditorCommand): Promise<void> {
    // "Import…" in the palette (it asks or chooses); "ServiceStage: Import" in messages, "…" once in progress.
    const title = `ServiceStage: ${COMMAND_TITLES[which].replace(/…$/, "")}`;
    if (!this.trusted()) {
      // Restricted Mode: nothing is sent to the cloud (the server refuses it too).
      void this.showRestricted(title);
      return;
    }
    const editor = vscode.window.activeTextEditor;
    if (!editor || !this.matches(editor.document)) {
      const globs = effectiveGlobs(this.config().get<unknown>("files")).join(", ");
      void vscode.window.showWarningMessage(
        `${title}: open a ServiceStage authorization file (${globs}) in the editor, then run the command again.`,
      );
      return;
    }
    await this.ensureStarted();
    const client = this.client;
    if (!client || this.deps.status.state !== "running") {
      void this.showError(`${title}: the language server is not running (see Output → ServiceStage).`);
      return;
    }
    const position = editor.selection.active;
    const params = executeCommandParams(which, client.asProtocolUri(editor.document.uri), {
      line: position.line,
      character: position.character,
    });
    this.log(`${title}: workspace/executeCommand ${JSON.stringify(params)}`);
    // A cancellable notification while the server works; Cancel sends $/cancelRequest for the request.
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${title}…`, cancellable: true },
      async (_progress, token) => {
        try {
          const result = await client.sendRequest(ExecuteCommandRequest.type, params, token);
          const text = (result as { text?: unknown } | null | undefined)?.text;
          if (which === "showPlan" && typeof text === "string" && this.deps.showReadOnly) {
            await this.deps.showReadOnly("ServiceStage plan", text);
          }
        } catch (err) {
          if (token.isCancellationRequested) {
            this.log(`${title}: cancelled.`);
            return;
          }
          const message = err instanceof Error ? err.message : String(err);
          this.log(`${title} failed: ${message}`);
          void this.showError(`${title} failed: ${message}`);
        }
      },
    );
  }

  dispose(): void {
    void this.stop();
  }

  private trusted(): boolean {
    return this.deps.isTrusted ? this.deps.isTrusted() : true;
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private log(line: string): void {
    this.deps.output.appendLine(`[client] ${line}`);
  }

  private setStatus(state: ServerState, detail = ""): void {
    this.deps.status.set(state, detail);
  }

  private async showError(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, "Show Output");
    if (choice === "Show Output") {
      this.deps.output.show(true);
    }
  }

  private async doStart(): Promise<void> {
    this.wanted = true;
    if (this.client) {
      return;
    }
    this.setStatus("starting", "looking for Python");
    const config = this.config();
    const trusted = this.trusted();
    // In Restricted Mode nothing may pick a program in the workspace: no ${workspaceFolder}, no relative path.
    const folder = trusted ? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath : undefined;
    // The user's own value only: a repository's .vscode/settings.json never picks the program (trusted or not).
    const configured = expandPythonPath(userValue(config, "server.pythonPath") as string | undefined, {
      home: os.homedir(),
      workspaceFolder: folder,
      isAbsolute: path.isAbsolute,
      join: path.join,
    });
    const resource = vscode.window.activeTextEditor?.document.uri;
    const pathEnvironment = hostPathEnvironment(this.deps.env, this.deps.platform);
    const discovery = await discoverPython({
      configured,
      fromPythonExtension: () => this.deps.fromPythonExtension(resource),
      run: this.deps.run,
      resolve: this.deps.resolve ?? ((command) => resolveOnPath(command, pathEnvironment)),
      cwd: this.deps.extensionPath,
      trusted,
    });
    for (const r of discovery.rejected) {
      this.log(`Python candidate ${r.command} (from ${describeSource(r.source)}) not used: ${r.reason}`);
    }
    const found = discovery.found;
    if (!found) {
      this.python = undefined;
      const message = noPythonMessage(discovery.rejected);
      this.log(message);
      this.setStatus("error", `no Python ${MIN_VERSION.join(".")} or newer found`);
      void this.showNoPython(message);
      return;
    }
    if (configured && found.source !== "setting") {
      const bad = discovery.rejected.find((r) => r.source === "setting");
      void vscode.window.showWarningMessage(
        `ServiceStage: ${PYTHON_PATH_SETTING} (${configured}) is not usable: ${bad?.reason ?? "unknown reason"}. ` +
          `Using ${found.command} (Python ${found.version.join(".")}) instead.`,
      );
    }
    this.python = found;
    this.source = locateServer(this.deps.extensionPath, this.deps.exists);
    const exe = serverExecutable(found.executable, this.source, this.deps.extensionPath, this.deps.env);
    this.log(
      `Using Python ${found.version.join(".")} at ${found.executable} (from ${describeSource(found.source)}); ` +
        `server: ${this.source.kind}.`,
    );
    this.log(`Starting: ${describeLaunch(exe)}`);
    const client = this.deps.createClient(exe, {
      documentSelector: this.selector(),
      initializationOptions: serverSettings(config, trusted),
      synchronize: { configurationSection: SECTION },
    });
    this.client = client;
    this.stopping = false;
    this.clientSubscription = client.onDidChangeState((e) => this.onClientState(e.newState));
    try {
      await client.start();
      this.setStatus("running", this.runningDetail());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log(`The language server failed to start: ${message}`);
      this.setStatus("error", `failed to start: ${message}`);
    }
  }

  private async doStop(): Promise<void> {
    this.wanted = false;
    const client = this.client;
    if (!client) {
      if (this.deps.status.state !== "stopped") {
        this.setStatus("stopped");
      }
      return;
    }
    this.stopping = true;
    try {
      await client.stop(2000);
    } catch (err) {
      this.log(`Stopping the server: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.clientSubscription?.dispose();
    this.clientSubscription = undefined;
    this.client = undefined;
    this.setStatus("stopped");
  }

  private onClientState(state: number): void {
    if (state === ClientState.Starting) {
      this.setStatus("starting", this.runningDetail());
    } else if (state === ClientState.Running) {
      this.setStatus("running", this.runningDetail());
    } else if (state === ClientState.Stopped) {
      if (this.stopping) {
        this.setStatus("stopped");
      } else {
        this.setStatus("error", "the server stopped unexpectedly; see Output → ServiceStage");
      }
    }
  }

  private runningDetail(): string {
    if (!this.python) {
      return "";
    }
    const where = this.source?.kind === "bundled" ? "bundled server" : this.source?.kind === "repo" ? "server from the repository" : "installed servicestage-ls";
    const restricted = this.trusted() ? "" : `; Restricted Mode: ${RESTRICTED_MESSAGE}`;
    return `Python ${this.python.version.join(".")} (${this.python.executable}), ${where}${restricted}`;
  }

  private async showRestricted(title: string): Promise<void> {
    const choice = await vscode.window.showWarningMessage(`${title}: ${RESTRICTED_MESSAGE}.`, MANAGE_TRUST);
    if (choice === MANAGE_TRUST) {
      await vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
    }
  }

  private async showNoPython(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, "Open Setting", "Show Output");
    if (choice === "Open Setting") {
      await openSetting(PYTHON_PATH_SETTING);
    } else if (choice === "Show Output") {
      this.deps.output.show(true);
    }
  }
}

/**
 * Open the settings editor on `setting` in the tab that lists it. The interpreter setting is
 * `machine-overridable`: in a remote window (Remote-SSH, WSL, Dev Containers, Codespaces, code-server) the User
 * tab hides it ("No Settings Found") and the Remote tab has it.
 */
export async function openSetting(setting: string): Promise<void> {
  if (vscode.env.remoteName) {
    await vscode.commands.executeCommand("workbench.action.openRemoteSettings", { query: setting });
  } else {
    await vscode.commands.executeCommand("workbench.action.openSettings", setting);
  }
}

export { EXTENSION_COMMANDS };
