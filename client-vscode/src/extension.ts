/** Entry point: wires the controller to VS Code and to vscode-languageclient. */
import * as fs from "node:fs";
import * as vscode from "vscode";
import { LanguageClient, RevealOutputChannelOn, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { EXTENSION_COMMANDS } from "./commands";
import { PROMPT_TEXT, type PromptTextParams, promptText } from "./prompt";
import { Controller, type ClientFactory } from "./controller";
import { execRunner } from "./python";
import { interpreterFromPythonExtension, onPythonInterpreterChanged } from "./pythonExtension";
import { ServerStatus } from "./status";

export const CLIENT_ID = "servicestage";
export const CLIENT_NAME = "ServiceStage";

/** Show Plan's plans, served read-only under this scheme. */
export const PLAN_SCHEME = "servicestage-plan";

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel(CLIENT_NAME);
  const status = new ServerStatus(
    vscode.window.createStatusBarItem("servicestage.status", vscode.StatusBarAlignment.Right, 100),
  );

  const plans = new Map<string, string>();
  let planCount = 0;

  const createClient: ClientFactory = (exe, options) => {
    const serverOptions: ServerOptions = { run: exe, debug: exe };
    const clientOptions: LanguageClientOptions = {
      ...options,
      outputChannel: output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // No diagnosticCollectionName: VS Code pulls diagnostics, into a collection named after the server's
      // identifier ("servicestage"); naming the client's own (push) collection the same makes VS Code log
      // "DiagnosticCollection with name 'servicestage' does already exist".
    };
    // The id "servicestage" makes the client follow `servicestage.trace.server`.
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    // Authorize's hand-off: the server asks for the address the browser ended on.
    client.onRequest(PROMPT_TEXT, (params: PromptTextParams) => promptText(params, (o) => vscode.window.showInputBox(o)));
    return {
      start: () => client.start(),
      stop: (timeout) => client.stop(timeout),
      onDidChangeState: (listener) => client.onDidChangeState(listener),
      sendRequest: (type, params, token) => client.sendRequest(type, params as never, token),
      asProtocolUri: (uri) => client.code2ProtocolConverter.asUri(uri),
    };
  };

  const ctl = new Controller({
    extensionPath: context.extensionPath,
    output,
    status,
    createClient,
    run: execRunner,
    fromPythonExtension: interpreterFromPythonExtension,
    exists: (p) => fs.existsSync(p),
    env: process.env,
    isTrusted: () => vscode.workspace.isTrusted,
    showReadOnly: async (title, text) => {
      const uri = vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${title} ${++planCount}.txt` });
      plans.set(uri.toString(), text);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { preview: true });
    },
  });
  controller = ctl;

  let pythonWatcher: vscode.Disposable | undefined;
  const watchPythonExtension = () => {
    pythonWatcher ??= onPythonInterpreterChanged(() => void ctl.onPythonInterpreterChanged());
  };
  const startIfNeeded = async () => {
    await ctl.ensureStarted();
    watchPythonExtension(); // the Python extension is active by now if it is installed
  };

  context.subscriptions.push(
    output,
    status,
    ctl,
    vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, {
      provideTextDocumentContent: (uri) => plans.get(uri.toString()),
    }),
    { dispose: () => pythonWatcher?.dispose() },
    vscode.commands.registerCommand(EXTENSION_COMMANDS.createAtCursor, () => ctl.runEditorCommand("createAtCursor")),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.createAll, () => ctl.runEditorCommand("createAll")),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.refreshStatus, () => ctl.runEditorCommand("refreshStatus")),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.showPlan, () => ctl.runEditorCommand("showPlan")),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.importFromServiceStage, () =>
      ctl.runEditorCommand("importFromServiceStage"),
    ),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.rotateToken, () => ctl.runEditorCommand("rotateToken")),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.deleteAuthorization, () =>
      ctl.runEditorCommand("deleteAuthorization"),
    ),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.testAuthorization, () =>
      ctl.runEditorCommand("testAuthorization"),
    ),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.authorize, () => ctl.runEditorCommand("authorize")),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.restartServer, async () => {
      await ctl.restart();
      watchPythonExtension();
    }),
    vscode.commands.registerCommand(EXTENSION_COMMANDS.showOutput, () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => void ctl.onConfigurationChanged(e)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (ctl.isStarted) {
        void ctl.restart();
      }
    }),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (ctl.matches(doc)) {
        void startIfNeeded();
      }
    }),
  );

  // Start only when a ServiceStage file is open (now or later): other YAML files never start Python.
  if (vscode.workspace.textDocuments.some((doc) => ctl.matches(doc))) {
    void startIfNeeded();
  }
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
