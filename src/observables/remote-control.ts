import type { Observable } from 'rxjs';
import type { Method, ParamsOf, ResultOf } from '../codecs/rpc.js';
import { RpcClient, type CallOptions, type RpcClientOptions, type RpcDiagnostic, type RpcDiagnosticCounts } from './rpc-client.js';

/**
 * The methods of `RemoteControl`: each is a method of the method table plus how its
 * arguments become params. A new method is one line here (and one in the method table).
 */
export const CONTROL_METHODS = {
  /** `instance.ping`: the instance's status, id and uptime. */
  ping: { method: 'instance.ping', params: () => ({}) },
  /** `session.list`: every session (a bare array). */
  listSessions: { method: 'session.list', params: () => ({}) },
  /** `session.get`: one session. */
  getSession: { method: 'session.get', params: (sessionId: string) => ({ session_id: sessionId }) },
  /** `session.activate`: make a session the active one (publishes `session.activated`). */
  switchSession: { method: 'session.activate', params: (sessionId: string) => ({ session_id: sessionId }) },
  /** `message.send`: send a user message; the reply streams as `llm.*` and `tool.*` events. */
  sendMessage: {
    method: 'message.send',
    params: (sessionId: string, content: string) => ({ session_id: sessionId, content }),
  },
  /** `session.interrupt`: cancel the running LLM call of a session. */
  interrupt: { method: 'session.interrupt', params: (sessionId: string) => ({ session_id: sessionId }) },
  /** `message.list`: the stored messages of a session. */
  listMessages: { method: 'message.list', params: (sessionId: string) => ({ session_id: sessionId }) },
  /** `state.sync`: a snapshot of the sessions (current Pando builds answer -32601). */
  stateSync: {
    method: 'state.sync',
    params: (projectId?: string) => (projectId === undefined ? {} : { project_id: projectId }),
  },
  /** `instance.info`: whatever the instance says about itself. */
  instanceInfo: { method: 'instance.info', params: () => ({}) },
} as const satisfies Record<string, { readonly method: Method; readonly params: (...args: never[]) => unknown }>;

type ControlTable = typeof CONTROL_METHODS;

/** The typed RPC methods of a remote instance, each a cold single-emission Observable. */
export type ControlMethods = {
  readonly [K in keyof ControlTable]: (
    ...args: [...Parameters<ControlTable[K]['params']>, options?: CallOptions]
  ) => Observable<ResultOf<ControlTable[K]['method']>>;
};

/** Options of a `RemoteControl`. */
export type RemoteControlOptions = RpcClientOptions;

/**
 * Controls a remote Pando instance over JSON-RPC: every method returns a cold Observable that
 * sends one request when subscribed, emits the decoded result once, and completes.
 *
 * ```ts
 * const control = new RemoteControl('tcp://127.0.0.1:5552');
 * control.listSessions().subscribe((sessions) => console.log(sessions.map((s) => s.title)));
 * ```
 */
export interface RemoteControl extends ControlMethods {}
export class RemoteControl {
  /** The RPC client behind the methods (shared DEALER, correlation by id). */
  protected readonly rpc: RpcClient;

  constructor(rpcEndpoint: string, options: RemoteControlOptions = {}) {
    this.rpc = new RpcClient(rpcEndpoint, options);
  }

  /** The RPC endpoint. */
  get rpcEndpoint(): string {
    return this.rpc.endpoint;
  }

  /** Replies that no call was waiting for (late, unknown id, parse errors, malformed). */
  get rpcDiagnostics$(): Observable<RpcDiagnostic> {
    return this.rpc.diagnostics$;
  }

  /** How many replies of each diagnostic kind were seen. */
  get rpcDiagnosticCounts(): RpcDiagnosticCounts {
    return this.rpc.diagnosticCounts;
  }

  /** Calls any method of the method table by name. */
  call<M extends Method>(method: M, params: ParamsOf<M>, options?: CallOptions): Observable<ResultOf<M>> {
    return this.rpc.call(method, params, options);
  }

  /** Fails every pending call and closes the socket; later calls fail with `RpcAbortedError`. */
  close(): void {
    this.rpc.close();
  }
}

// Derive each method from the table: split the optional trailing CallOptions from the arguments.
for (const [name, entry] of Object.entries(CONTROL_METHODS)) {
  const arity = entry.params.length;
  const implementation = function (this: RemoteControl, ...args: unknown[]) {
    const options = args.length > arity ? (args[arity] as CallOptions | undefined) : undefined;
    const params = (entry.params as (...a: unknown[]) => unknown)(...args.slice(0, arity));
    return this.call(entry.method, params as ParamsOf<Method>, options);
  };
  Object.defineProperty(RemoteControl.prototype, name, { value: implementation, writable: true, configurable: true });
}

/** Creates a `RemoteControl` (the same as `new RemoteControl(...)`). */
export const createRemoteControl = (rpcEndpoint: string, options?: RemoteControlOptions): RemoteControl =>
  new RemoteControl(rpcEndpoint, options);
