import type { Observable } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { forSession } from '../operators/forSession.js';
import type { Mirror } from '../operators/mirrorState.js';
import { connect, type ConnectOptions } from './connect.js';
import type { RemoteInstance, SessionToken } from './remote-instance.js';

/** Options of a `RemoteSession`: where the instance is, plus which session to follow. */
export type RemoteSessionOptions = ConnectOptions & {
  /** The instance's id, as the caller knows it (e.g. from the registry). */
  readonly instanceId: string;
  /** The session this view follows. */
  readonly sessionId: string;
};

/**
 * A view of one session of a remote instance over ZeroMQ (the Go `remoteview.RemoteSession`, Rx-shaped):
 * its events and tokens, plus the instance's mirror. It owns its connection; `close()` frees it.
 *
 * ```ts
 * const view = new RemoteSession({ instanceId, sessionId, pubEndpoint, rpcEndpoint });
 * view.token$.subscribe(({ token }) => process.stdout.write(token));
 * view.sync().subscribe((mirror) => console.log(mirror.get(view.sessionId)?.title));
 * ```
 */
export class RemoteSession {
  /** The instance id given at construction. */
  readonly instanceId: string;
  /** The session this view follows. */
  readonly sessionId: string;
  /** The instance behind the view (RPC methods, status$, …). */
  readonly instance: RemoteInstance;
  /** Every event of the instance (the Go package's `Messages()`). */
  readonly events$: Observable<PandoEvent>;
  /** The events of this session only. */
  readonly sessionEvents$: Observable<PandoEvent>;
  /** The LLM tokens of this session. */
  readonly token$: Observable<SessionToken>;
  /** The instance's live list of sessions. */
  readonly mirror$: Observable<Mirror>;

  constructor(options: RemoteSessionOptions) {
    this.instanceId = options.instanceId;
    this.sessionId = options.sessionId;
    this.instance = connect(options);
    this.events$ = this.instance.events$;
    this.sessionEvents$ = this.instance.events$.pipe(forSession(options.sessionId));
    this.token$ = this.instance.tokens(options.sessionId);
    this.mirror$ = this.instance.mirror$;
  }

  /** Forces a new snapshot and emits the mirror built on it (cold; then completes). */
  sync(): Observable<Mirror> {
    return this.instance.resyncMirror();
  }

  /** Ends every stream and frees every socket. */
  close(): void {
    this.instance.close();
  }
}
