/** Stands in for `vscode-languageclient/node` in the activation test: records the clients created. */
/* eslint-disable @typescript-eslint/no-explicit-any */

export enum RevealOutputChannelOn {
  Debug = 0,
  Info = 1,
  Warn = 2,
  Error = 3,
  Never = 4,
}

export enum State {
  Stopped = 1,
  Running = 2,
  Starting = 3,
}

export class LanguageClient {
  static instances: LanguageClient[] = [];
  state = State.Stopped;
  requests: { method: string; params: unknown }[] = [];
  /** The handlers of server → client requests (`onRequest`). */
  requestHandlers = new Map<string, (params: any) => unknown>();
  private listeners: ((e: { oldState: State; newState: State }) => void)[] = [];
  readonly code2ProtocolConverter = { asUri: (uri: { toString(): string }) => uri.toString() };

  constructor(
    readonly id: string,
    readonly name: string,
    readonly serverOptions: any,
    readonly clientOptions: any,
  ) {
    LanguageClient.instances.push(this);
  }
  private set(state: State): void {
    const oldState = this.state;
    this.state = state;
    for (const l of this.listeners) l({ oldState, newState: state });
  }
  async start(): Promise<void> {
    this.set(State.Starting);
    this.set(State.Running);
  }
  async stop(): Promise<void> {
    this.set(State.Stopped);
  }
  onDidChangeState(listener: (e: { oldState: State; newState: State }) => void) {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  }
  onRequest(method: string, handler: (params: any) => unknown) {
    this.requestHandlers.set(method, handler);
    return { dispose: () => undefined };
  }
  async sendRequest(type: { method: string }, params: unknown): Promise<unknown> {
    this.requests.push({ method: type.method, params });
    return null;
  }
}

export type LanguageClientOptions = any;
export type ServerOptions = any;
