/**
 * A small stand-in for the `vscode` module: just what the extension's own logic touches, with knobs and
 * records for the tests (`fake`). The unit-test bundles alias `vscode` to this file (scripts/build.mjs).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as manifest from "../package.json";

/** The defaults package.json contributes, as VS Code would return them. */
const DEFAULTS: Record<string, unknown> = Object.fromEntries(
  Object.entries(manifest.contributes.configuration.properties).map(([k, v]) => [k, (v as { default?: unknown }).default]),
);
const SCOPES: Record<string, string> = Object.fromEntries(
  Object.entries(manifest.contributes.configuration.properties).map(([k, v]) => [k, (v as { scope?: string }).scope ?? "window"]),
);

/** Which settings a tab of VS Code's settings editor lists, by the setting's `scope` (VS Code's rules). */
function shownIn(tab: "user" | "remote" | "workspace", scope: string): boolean {
  if (tab === "user") {
    // In a remote window, the User tab hides what belongs to a machine: it is set in the Remote tab.
    return !(fake.remoteName && (scope === "machine" || scope === "machine-overridable"));
  }
  if (tab === "remote") {
    return scope !== "application";
  }
  return scope !== "application" && scope !== "machine";
}

/** The settings editor as the commands that open it would show it (see `fake.settingsEditor`). */
function openSettingsEditor(command: string, args: unknown[]): void {
  const tabs: Record<string, "user" | "remote" | "workspace"> = {
    "workbench.action.openSettings": "user",
    "workbench.action.openGlobalSettings": "user",
    "workbench.action.openRemoteSettings": "remote",
    "workbench.action.openWorkspaceSettings": "workspace",
  };
  const tab = tabs[command];
  if (!tab) {
    return;
  }
  if (tab === "remote" && !fake.remoteName) {
    throw new Error(`command '${command}' not found`); // VS Code registers it in remote windows only
  }
  const arg = args[0] as string | { query?: string } | undefined;
  const query = typeof arg === "string" ? arg : (arg?.query ?? "");
  const found = query in SCOPES ? shownIn(tab, SCOPES[query]) : false;
  fake.settingsEditor.push({ tab, query, shown: found ? "the setting" : "No Settings Found" });
}

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  dispose(): void {
    this.fn();
  }
}

export class ThemeColor {
  constructor(public readonly id: string) {}
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export class Uri {
  private constructor(
    public readonly scheme: string,
    public readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri("file", p);
  }
  static from(parts: { scheme: string; path: string }): Uri {
    return new Uri(parts.scheme, parts.path);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath.split("/").map(encodeURIComponent).join("/")}`;
  }
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export class Position {
  constructor(
    public readonly line: number,
    public readonly character: number,
  ) {}
}

export interface FakeDocument {
  uri: Uri;
  languageId: string;
  isDirty?: boolean;
}

export class FakeStatusBarItem {
  id = "";
  name: string | undefined;
  text = "";
  tooltip: string | undefined;
  command: string | undefined;
  backgroundColor: ThemeColor | undefined;
  accessibilityInformation: { label: string } | undefined;
  visible = false;
  disposed = false;
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.disposed = true;
  }
}

export class FakeOutputChannel {
  lines: string[] = [];
  shown = 0;
  constructor(public readonly name: string) {}
  appendLine(line: string): void {
    this.lines.push(line);
  }
  append(text: string): void {
    this.lines.push(text);
  }
  show(): void {
    this.shown++;
  }
  hide(): void {}
  clear(): void {
    this.lines = [];
  }
  replace(text: string): void {
    this.lines = [text];
  }
  dispose(): void {}
}

/** Glob → RegExp with VS Code's meaning of `**`, `*`, `?`, `{a,b}` (enough for the selector tests). */
function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith("**/", i)) {
      re += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      re += ".*";
      i += 1;
    } else if (c === "*") {
      re += "[^/]*";
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "{") {
      re += "(?:";
    } else if (c === "}") {
      re += ")";
    } else if (c === ",") {
      re += "|";
    } else {
      re += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp("^" + re + "$");
}

type Listener<T> = (e: T) => any;

/** Records and knobs. `fake.reset()` restores a clean slate before each test. */
export const fake = {
  /** The user's settings (`globalValue`). */
  config: {} as Record<string, unknown>,
  /** The workspace's settings (`.vscode/settings.json`: `workspaceValue`), over the user's in `get`. */
  workspaceConfig: {} as Record<string, unknown>,
  errorMessages: [] as { message: string; items: string[] }[],
  warningMessages: [] as string[],
  /** The buttons of each warning message; the button the next one "clicks" (undefined: dismissed). */
  warningItems: [] as string[][],
  warningChoice: undefined as string | undefined,
  infoMessages: [] as string[],
  /** The button the next error message "clicks" (undefined: dismissed). */
  errorChoice: undefined as string | undefined,
  executedCommands: [] as { command: string; args: unknown[] }[],
  /** `vscode.env.remoteName`: "ssh-remote", "wsl", "dev-container", "codespaces", … in a remote window. */
  remoteName: undefined as string | undefined,
  /** What each opening of the settings editor showed for its query. */
  settingsEditor: [] as { tab: string; query: string; shown: string }[],
  progress: [] as { location: number; title?: string; cancellable?: boolean }[],
  /** When true, the next progress notification's Cancel is "clicked" at once. */
  cancelProgress: false,
  registeredCommands: new Map<string, (...args: any[]) => any>(),
  extensions: new Map<string, any>(),
  statusBarItems: [] as FakeStatusBarItem[],
  outputChannels: [] as FakeOutputChannel[],
  textDocuments: [] as FakeDocument[],
  workspaceFolders: undefined as { uri: Uri }[] | undefined,
  /** `vscode.workspace.isTrusted` (false: Restricted Mode). */
  trusted: true,
  trustListeners: [] as Listener<void>[],
  configListeners: [] as Listener<{ affectsConfiguration(s: string): boolean }>[],
  openListeners: [] as Listener<FakeDocument>[],
  contentProviders: new Map<string, { provideTextDocumentContent(uri: Uri): string | undefined }>(),
  /** Documents shown with window.showTextDocument: their uri, text and options. */
  shownDocuments: [] as { uri: string; text: string; options: unknown }[],
  /** The input boxes shown (their options), and what the next one answers (undefined: Escape). */
  inputBoxes: [] as unknown[],
  inputAnswer: undefined as string | undefined,
  reset(): void {
    fake.inputBoxes = [];
    fake.inputAnswer = undefined;
    fake.trusted = true;
    fake.trustListeners = [];
    fake.contentProviders = new Map();
    fake.shownDocuments = [];
    fake.config = {};
    fake.workspaceConfig = {};
    fake.errorMessages = [];
    fake.warningMessages = [];
    fake.warningItems = [];
    fake.warningChoice = undefined;
    fake.infoMessages = [];
    fake.errorChoice = undefined;
    fake.executedCommands = [];
    fake.remoteName = undefined;
    fake.settingsEditor = [];
    fake.progress = [];
    fake.cancelProgress = false;
    fake.registeredCommands = new Map();
    fake.extensions = new Map();
    fake.statusBarItems = [];
    fake.outputChannels = [];
    fake.textDocuments = [];
    fake.workspaceFolders = undefined;
    fake.configListeners = [];
    fake.openListeners = [];
    window.activeTextEditor = undefined;
  },
  /** Fires onDidChangeConfiguration for the given full setting names. */
  changeConfiguration(...settings: string[]): void {
    const event = {
      affectsConfiguration: (section: string) => settings.some((s) => s === section || s.startsWith(section + ".")),
    };
    for (const l of fake.configListeners) l(event);
  },
  editor(path: string, line: number, character: number, languageId = "yaml"): FakeDocument {
    const document: FakeDocument = { uri: Uri.file(path), languageId };
    window.activeTextEditor = { document, selection: { active: new Position(line, character) } };
    return document;
  },
};

export const window = {
  activeTextEditor: undefined as undefined | { document: FakeDocument; selection: { active: Position } },
  createStatusBarItem(id?: string): FakeStatusBarItem {
    const item = new FakeStatusBarItem();
    item.id = id ?? "";
    fake.statusBarItems.push(item);
    return item;
  },
  createOutputChannel(name: string): FakeOutputChannel {
    const channel = new FakeOutputChannel(name);
    fake.outputChannels.push(channel);
    return channel;
  },
  async showErrorMessage(message: string, ...items: string[]): Promise<string | undefined> {
    fake.errorMessages.push({ message, items });
    return fake.errorChoice;
  },
  async showWarningMessage(message: string, ...items: string[]): Promise<string | undefined> {
    fake.warningMessages.push(message);
    fake.warningItems.push(items);
    return fake.warningChoice;
  },
  async withProgress<R>(
    options: { location: number; title?: string; cancellable?: boolean },
    task: (progress: { report(v: unknown): void }, token: { isCancellationRequested: boolean; onCancellationRequested: unknown }) => Promise<R>,
  ): Promise<R> {
    fake.progress.push(options);
    const token = { isCancellationRequested: fake.cancelProgress, onCancellationRequested: () => new Disposable() };
    return task({ report: () => undefined }, token);
  },
  async showInformationMessage(message: string): Promise<string | undefined> {
    fake.infoMessages.push(message);
    return undefined;
  },
  async showInputBox(options: unknown): Promise<string | undefined> {
    fake.inputBoxes.push(options);
    return fake.inputAnswer;
  },
  async showTextDocument(document: FakeDocument & { text?: string }, options?: unknown): Promise<void> {
    fake.shownDocuments.push({ uri: document.uri.toString(), text: document.text ?? "", options });
  },
};

export const workspace = {
  getConfiguration(section?: string) {
    const prefix = section ? section + "." : "";
    return {
      get<T>(key: string, defaultValue?: T): T | undefined {
        const value = fake.workspaceConfig[prefix + key] ?? fake.config[prefix + key] ?? DEFAULTS[prefix + key];
        return (value === undefined ? defaultValue : value) as T | undefined;
      },
      inspect<T>(key: string) {
        return {
          key: prefix + key,
          defaultValue: DEFAULTS[prefix + key] as T | undefined,
          globalValue: fake.config[prefix + key] as T | undefined,
          workspaceValue: fake.workspaceConfig[prefix + key] as T | undefined,
        };
      },
      has(key: string): boolean {
        return fake.config[prefix + key] !== undefined;
      },
    };
  },
  get textDocuments(): FakeDocument[] {
    return fake.textDocuments;
  },
  get workspaceFolders(): { uri: Uri }[] | undefined {
    return fake.workspaceFolders;
  },
  onDidChangeConfiguration(listener: Listener<{ affectsConfiguration(s: string): boolean }>): Disposable {
    fake.configListeners.push(listener);
    return new Disposable();
  },
  onDidOpenTextDocument(listener: Listener<FakeDocument>): Disposable {
    fake.openListeners.push(listener);
    return new Disposable();
  },
  get isTrusted(): boolean {
    return fake.trusted;
  },
  onDidGrantWorkspaceTrust(listener: Listener<void>): Disposable {
    fake.trustListeners.push(listener);
    return new Disposable();
  },
  registerTextDocumentContentProvider(
    scheme: string,
    provider: { provideTextDocumentContent(uri: Uri): string | undefined },
  ): Disposable {
    fake.contentProviders.set(scheme, provider);
    return new Disposable(() => fake.contentProviders.delete(scheme));
  },
  async openTextDocument(uri: Uri): Promise<FakeDocument & { text: string }> {
    const provider = fake.contentProviders.get(uri.scheme);
    if (!provider) throw new Error(`no content provider for ${uri.scheme}`);
    return { uri, languageId: "plaintext", text: provider.provideTextDocumentContent(uri) ?? "" };
  },
};

export const languages = {
  /** 10 when a filter matches (scheme, language and glob over the path), else 0 — like VS Code's score. */
  match(selector: { scheme?: string; language?: string; pattern?: string }[], document: FakeDocument): number {
    return selector.some(
      (f) =>
        (f.scheme === undefined || f.scheme === document.uri.scheme) &&
        (f.language === undefined || f.language === document.languageId) &&
        (f.pattern === undefined || globRegExp(f.pattern).test(document.uri.fsPath)),
    )
      ? 10
      : 0;
  },
};

export const commands = {
  async executeCommand(command: string, ...args: unknown[]): Promise<unknown> {
    fake.executedCommands.push({ command, args });
    openSettingsEditor(command, args);
    const handler = fake.registeredCommands.get(command);
    return handler ? handler(...args) : undefined;
  },
  registerCommand(command: string, handler: (...args: any[]) => any): Disposable {
    fake.registeredCommands.set(command, handler);
    return new Disposable(() => fake.registeredCommands.delete(command));
  },
};

export const env = {
  get remoteName(): string | undefined {
    return fake.remoteName;
  },
};

export const extensions = {
  getExtension(id: string): any {
    return fake.extensions.get(id);
  },
};
