import type { Observable } from 'rxjs';
import type { Session } from '../../codecs/payloads.js';
import type { MessageRecord, Method } from '../../codecs/rpc.js';
import type { EventHeader, KnownTopic, PandoEvent, PayloadOf } from '../../codecs/topics.js';
import type { TurnScript } from '../script.js';
import type { MethodHandler } from './methods.js';
import type { FakeInstanceMode, StopOptions } from './options.js';
import type { ReleaseOrder } from './reply-controls.js';
import type { RecordedReply, RecordedRequest, RequestMatch, WaitOptions } from './request-log.js';
import type { TurnResult } from './turn-player.js';

/** The public type of a running fake instance (`startFakeInstance` builds it). */

/**
 * A running Pando-compatible fake instance: a PUB socket and a ROUTER socket on 127.0.0.1,
 * and the controls a test needs. Always `stop()` it.
 *
 * ```ts
 * const fake = await startFakeInstance({ mode: 'pando' });
 * await fake.publishTopic('llm.token', { session_id: 's1', token: 'hi' });
 * await fake.stop();
 * ```
 */
export interface FakeInstance {
  readonly instanceId: string;
  readonly projectId: string;
  readonly mode: FakeInstanceMode;
  /** `tcp://127.0.0.1:<port>` of the PUB socket (connect a SUB here). */
  readonly pubEndpoint: string;
  /** `tcp://127.0.0.1:<port>` of the ROUTER socket (connect a DEALER here). */
  readonly rpcEndpoint: string;
  readonly pubPort: number;
  readonly rpcPort: number;
  readonly startedAt: Date;
  /** True once `stop()` was called. */
  readonly stopped: boolean;
  /**
   * Publishes `instance.shutdown` (unless `silent`), closes both sockets, clears every timer,
   * aborts running turns and rejects pending `waitFor…` promises. Idempotent: every call
   * returns the first call's promise.
   */
  stop(options?: StopOptions): Promise<void>;

  // -- events ---------------------------------------------------------------------------------
  /** Publishes any event, encoded with `encodeFrame`. */
  publish(event: PandoEvent): Promise<void>;
  /**
   * Publishes an event of a known topic, typed by the topic table. The header defaults to this
   * instance's id and project, the current time, and the payload's session (`session_id`, or
   * `id` of a session topic).
   */
  publishTopic<K extends KnownTopic>(topic: K, payload: PayloadOf<K>, header?: Partial<EventHeader>): Promise<void>;
  /** Publishes one frame exactly as given (for bad-frame tests). */
  publishRaw(frame: Uint8Array | string): Promise<void>;
  /** Publishes one heartbeat now, in this mode's form. */
  publishHeartbeat(): Promise<void>;

  // -- state ----------------------------------------------------------------------------------
  /** The sessions, most recently updated first (as `session.list` answers). */
  sessions(): Session[];
  /** The stored messages of a session, oldest first (`[]` for an unknown session). */
  messages(sessionId: string): MessageRecord[];
  /** The active session's id, if any. */
  readonly activeSessionId: string | undefined;
  /** Creates or replaces a session and publishes `session.update` (and `session.list` in full mode for a new one). */
  upsertSession(session: Session): Promise<void>;
  /** Deletes a session and publishes `session.deleted` (and `session.list` in full mode). False when unknown. */
  deleteSession(sessionId: string): Promise<boolean>;
  /**
   * Makes a session active and publishes `session.activated`, as a user switching sessions in
   * Pando's own UI (no request is logged; a client's `activateSession` sends the
   * `session.activate` request, which has the same effect). Rejects for an unknown session.
   */
  activateSession(sessionId: string): Promise<void>;

  // -- turns ----------------------------------------------------------------------------------
  /**
   * Plays a turn as if the user typed `content` in Pando's own UI: works in both modes (in
   * `'pando'` mode it publishes what Pando does: tokens, tool calls, `llm.end` with 0 counts and
   * `session.update`). Resolves when the turn ends. Rejects for an unknown or busy session.
   */
  playTurn(sessionId: string, content: string, script?: TurnScript): Promise<TurnResult>;
  /** Cuts a running turn short (as `session.interrupt` does). False when none is running. */
  interruptTurn(sessionId: string): boolean;
  /** The ids of the sessions whose turn is running. */
  runningTurns(): string[];

  // -- RPC log --------------------------------------------------------------------------------
  /** Every request received, in order (a live, read-only array). */
  readonly requests: readonly RecordedRequest[];
  /** Hot: each request as it arrives. Completes on stop. */
  readonly requests$: Observable<RecordedRequest>;
  /** Every reply sent, in order of sending (a live, read-only array). */
  readonly replies: readonly RecordedReply[];
  /** Hot: each reply as it is sent. Completes on stop. */
  readonly replies$: Observable<RecordedReply>;
  /**
   * The first request, past or future, that matches (default: any): a predicate, or the
   * `method` / `id` it must have. Rejects with a `FakeWaitTimeoutError` that says what was
   * awaited and what came instead after `timeoutMs` (default 4000), or a
   * `FakeInstanceStoppedError` on stop. To wait for a later one only, match on `seq`.
   */
  waitForRequest(match?: RequestMatch<RecordedRequest>, options?: WaitOptions): Promise<RecordedRequest>;
  /**
   * The first reply, past or future, that matches (default: any): a predicate on the reply, or
   * the `method` / `id` of its request. Rejects as `waitForRequest` does.
   */
  waitForReply(match?: RequestMatch<RecordedReply>, options?: WaitOptions): Promise<RecordedReply>;

  // -- reply controls -------------------------------------------------------------------------
  /** Delays every reply (or each by the function's answer) after it is computed. 0 ends it. */
  delayReplies(delay: number | ((request: RecordedRequest) => number)): void;
  /** Executes matching requests but never answers them (default: all). `null` ends it. */
  dropReplies(predicate?: ((request: RecordedRequest) => boolean) | null): void;
  /** Executes matching requests (default: all) but keeps their replies until `releaseReplies`. */
  holdReplies(predicate?: (request: RecordedRequest) => boolean): void;
  /** Stops holding and sends every held reply in the given order (default `'received'`). Resolves to how many. */
  releaseReplies(order?: ReleaseOrder): Promise<number>;
  /** The requests whose replies are held, in order of arrival. */
  heldReplies(): RecordedRequest[];
  /** Replaces a method's handler (`null`: unregister it, answered -32601; `undefined`: restore the default). */
  overrideMethod<M extends Method>(method: M, handler: MethodHandler<M> | null | undefined): void;
}
