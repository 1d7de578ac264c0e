import type { Observable } from 'rxjs';
import type { Method, ParamsOf, ResultOf } from '../codecs/rpc.js';
import { RpcClient, type CallOptions, type RpcClientOptions, type RpcDiagnostic, type RpcDiagnosticCounts } from './rpc-client.js';
import type { Transport } from './transport.js';

/** Options of a `RemoteControl`. */
export type RemoteControlOptions = RpcClientOptions;

/**
 * Controls a remote Pando instance over JSON-RPC: every method returns a **cold** Observable
 * that sends one request when subscribed (nothing is sent until then), emits the decoded
 * result once, and completes. Each method is one line over the method table (`MethodTable`
 * in the codecs): the table says what the params and the result are.
 *
 * Over ZeroMQ, `connectControl(rpcEndpoint)` (Node) makes one; a `RemoteInstance` is one.
 *
 * ```ts
 * const control = connectControl('tcp://127.0.0.1:5552');
 * control.listSessions().subscribe((sessions) => console.log(sessions.map((s) => s.title)));
 * ```
 */
export class RemoteControl {
  /** The RPC client behind the methods (shared request link, correlation by id). */
  protected readonly rpc: RpcClient;

  constructor(transport: Transport, rpcEndpoint: string, options: RemoteControlOptions = {}) {
    this.rpc = new RpcClient(transport, rpcEndpoint, options);
  }

  /** The RPC endpoint (address). */
  get rpcEndpoint(): string {
    return this.rpc.endpoint;
  }

  /** Replies that no call was waiting for (late, duplicate, unknown id, parse errors, malformed). */
  get rpcDiagnostics$(): Observable<RpcDiagnostic> {
    return this.rpc.diagnostics$;
  }

  /** How many replies of each diagnostic kind were seen. */
  get rpcDiagnosticCounts(): RpcDiagnosticCounts {
    return this.rpc.diagnosticCounts;
  }

  /** Calls any method of the method table by name (cold, one emission). */
  call<M extends Method>(method: M, params: ParamsOf<M>, options?: CallOptions): Observable<ResultOf<M>> {
    return this.rpc.call(method, params, options);
  }

  /** `instance.ping`: the instance's status, id and uptime. */
  ping(options?: CallOptions): Observable<ResultOf<'instance.ping'>> {
    return this.call('instance.ping', {}, options);
  }

  /** `session.list`: every session (today's Pando omits those without messages, and sub-agents). */
  listSessions(options?: CallOptions): Observable<ResultOf<'session.list'>> {
    return this.call('session.list', {}, options);
  }

  /** `session.get`: one session (an unknown id is an `RpcError`, code -32000). */
  getSession(sessionId: string, options?: CallOptions): Observable<ResultOf<'session.get'>> {
    return this.call('session.get', { session_id: sessionId }, options);
  }

  /** `session.activate`: make a session the active one (the instance publishes `session.activated`). */
  activateSession(sessionId: string, options?: CallOptions): Observable<ResultOf<'session.activate'>> {
    return this.call('session.activate', { session_id: sessionId }, options);
  }

  /**
   * `session.activate` under the Go `remoteview` name (`SwitchSession`): the same call as
   * `activateSession`.
   */
  switchSession(sessionId: string, options?: CallOptions): Observable<ResultOf<'session.activate'>> {
    return this.activateSession(sessionId, options);
  }

  /**
   * `message.send`: send a user message; `{ ok: true }` comes at once and the reply streams as
   * `llm.*` and `tool.*` events. Cold: **nothing is sent until you subscribe** (forgetting
   * `.subscribe()` sends nothing). Today's Pando answers -32000 (no agent runner): handle errors.
   */
  sendMessage(sessionId: string, content: string, options?: CallOptions): Observable<ResultOf<'message.send'>> {
    return this.call('message.send', { session_id: sessionId, content }, options);
  }

  /** `session.interrupt`: cancel the running LLM call of a session. */
  interrupt(sessionId: string, options?: CallOptions): Observable<ResultOf<'session.interrupt'>> {
    return this.call('session.interrupt', { session_id: sessionId }, options);
  }

  /** `message.list`: the stored messages of a session. */
  listMessages(sessionId: string, options?: CallOptions): Observable<ResultOf<'message.list'>> {
    return this.call('message.list', { session_id: sessionId }, options);
  }

  /** `state.sync`: a snapshot of the sessions (today's Pando answers -32601: no such method). */
  stateSync(projectId?: string, options?: CallOptions): Observable<ResultOf<'state.sync'>> {
    return this.call('state.sync', projectId === undefined ? {} : { project_id: projectId }, options);
  }

  /** `instance.info`: whatever the instance says about itself (today's Pando answers -32601). */
  instanceInfo(options?: CallOptions): Observable<ResultOf<'instance.info'>> {
    return this.call('instance.info', {}, options);
  }

  /** Fails every pending call and closes the link; later calls fail with `RpcAbortedError`. */
  close(): void {
    this.rpc.close();
  }
}
