import { randomBytes, randomUUID } from 'node:crypto';
import type * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { Subject, type Observable } from 'rxjs';
import * as zmq from 'zeromq';
import { describeErrors, summarizeIssues } from '../codecs/errors.js';
import { encodeFrame } from '../codecs/frame.js';
import type { Session } from '../codecs/payloads.js';
import {
  MethodTable,
  RpcErrorCode,
  isMethod,
  type MessageRecord,
  type Method,
  type ParamsOf,
  type ResultOf,
} from '../codecs/rpc.js';
import type { EventHeader, KnownTopic, PandoEvent, PayloadOf } from '../codecs/topics.js';
import { formatGoDuration, formatRfc3339, type Duration } from '../codecs/values.js';
import {
  defaultScript,
  splitIntoTokens,
  truncateToolResult,
  type ScriptedTurn,
  type TurnScript,
} from './script.js';
import { defaultSeed, wholeSeconds } from './sessions.js';

/**
 * A Pando-compatible fake instance over real ZeroMQ sockets (PROTOCOL.md): a PUB socket that
 * publishes events and a ROUTER socket that answers JSON-RPC 2.0, both bound on 127.0.0.1.
 * Node-only. Driven from the codecs' topic and method tables: params are decoded with each
 * method's params codec, results encoded with its result codec, events with `encodeFrame`.
 */

// ---- options and public types ----------------------------------------------------------------

/**
 * Which producer to imitate.
 * - `'full'`: a producer that runs the agent and publishes every topic (`llm.start`,
 *   `message.append`, `session.list`, real token counts) and serves all nine methods.
 * - `'pando'`: today's Pando builds: no `state.sync` / `instance.info` handler (-32601),
 *   `message.send` / `session.interrupt` answer -32000 `agent runner not available on this
 *   instance`, no `llm.start` / `message.append` / `session.list` events, `llm.end` with 0
 *   counts, quirky heartbeats (see {@link HeartbeatQuirk}).
 */
export type FakeInstanceMode = 'pando' | 'full';

/**
 * The two heartbeat forms of current Pando builds (mode `'pando'` only), both with
 * `session_count` 0 and no `active_session_id`:
 * - `'pub-address'`: `instance_id` is the PUB endpoint (`tcp://127.0.0.1:<port>`), `uptime` and
 *   `started_at` are real;
 * - `'send-time'`: `instance_id` is right, `uptime` is `""` and `started_at` is the send time.
 */
export type HeartbeatQuirk = 'pub-address' | 'send-time';

/**
 * A method's implementation: gets the params as decoded by the method table's params codec
 * and returns the result as typed by its result codec (it is encoded by that codec). Throw a
 * {@link FakeMethodError} (or any error) to answer -32000 `<method>: <reason>`.
 */
export type MethodHandler<M extends Method> = (
  params: ParamsOf<M>,
  request: RecordedRequest,
) => ResultOf<M> | Promise<ResultOf<M>>;

/** A handler per method; `null` unregisters the method (answered -32601). */
export type MethodOverrides = { readonly [M in Method]?: MethodHandler<M> | null };

/** Options of {@link startFakeInstance}. Every one is optional. */
export interface FakeInstanceOptions {
  /** Which producer to imitate. Default `'full'`. */
  readonly mode?: FakeInstanceMode;
  /** The instance id in envelopes, heartbeats and results. Default `fake-<8 hex digits>`. */
  readonly instanceId?: string;
  /** The envelopes' `projectId`. Default `''` (as Pando often sends). */
  readonly projectId?: string;
  /** Port of the PUB socket. Default a free port (`tcp://127.0.0.1:*`). */
  readonly pubPort?: number;
  /** Port of the ROUTER socket. Default a free port. */
  readonly rpcPort?: number;
  /**
   * How long to keep retrying a bind on a given port that is still in use (EADDRINUSE), e.g.
   * while a stopped instance's publisher lingers. Default 2000 ms.
   */
  readonly bindTimeoutMs?: number;
  /** The sessions to start with. Default two realistic sessions with messages (`defaultSeed`). */
  readonly sessions?: readonly Session[];
  /** Stored messages per session id, for `message.list`. Default those of `defaultSeed` when `sessions` is not given, else none. */
  readonly messages?: Readonly<Record<string, readonly MessageRecord[]>>;
  /** The active session. Default the most recently updated session; `null` for none. */
  readonly activeSessionId?: string | null;
  /** The LLM turn to play for a message. Default {@link defaultScript}. */
  readonly script?: TurnScript;
  /** Milliseconds between the steps of a turn (tokens, tool calls). Default 20; 0 = as fast as timers go. */
  readonly tokenIntervalMs?: number;
  /** Milliseconds between `instance.heartbeat` events. Default 5000; 0 disables them. */
  readonly heartbeatIntervalMs?: number;
  /** The heartbeat form in mode `'pando'`. Default `'pub-address'`. */
  readonly heartbeatQuirk?: HeartbeatQuirk;
  /** Replace or unregister method handlers (also at run time: `overrideMethod`). */
  readonly methods?: MethodOverrides;
}

/** Options of `stop()`. */
export interface StopOptions {
  /** The `reason` of `instance.shutdown`. Default none (the key is omitted). */
  readonly reason?: string;
  /** Close without publishing `instance.shutdown`, as Pando often does in effect. Default `false`. */
  readonly silent?: boolean;
  /**
   * ZMQ_LINGER of the publisher when it closes after `instance.shutdown`, so that the event
   * (and anything queued before it) can still leave. Default 100 ms; 0 may lose it, as Pando does.
   */
  readonly lingerMs?: number;
}

/** One request as the ROUTER received it, in order of arrival. */
export interface RecordedRequest {
  /** 1 for the first request this instance received, then 2, 3, … */
  readonly seq: number;
  /** The id the reply carries: the request's string id, or `''` (no id, or unreadable request). */
  readonly id: string;
  /** The method, or `''` when the request could not be read. */
  readonly method: string;
  /** The params as received (raw JSON), `undefined` when absent. */
  readonly params: unknown;
  /** `false` when the request was answered -32700 (not JSON, or a non-string id). */
  readonly valid: boolean;
  /** The request frame as text. */
  readonly text: string;
  /** When it arrived. */
  readonly receivedAt: Date;
}

/** The JSON of a reply. */
export type RpcReplyJson =
  | { readonly jsonrpc: '2.0'; readonly id: string; readonly result: unknown }
  | { readonly jsonrpc: '2.0'; readonly id: string; readonly error: { readonly code: number; readonly message: string } };

/** One reply that was handed to the ROUTER socket. */
export interface RecordedReply {
  readonly request: RecordedRequest;
  readonly reply: RpcReplyJson;
  readonly sentAt: Date;
}

/** How a turn ended. */
export type TurnOutcome =
  /** every step was played */
  | 'completed'
  /** cut short by `session.interrupt` or `interruptTurn` (still ends with `llm.end`) */
  | 'interrupted'
  /** dropped without further events: the instance stopped or the session was deleted */
  | 'aborted';

/** What a turn did. */
export interface TurnResult {
  readonly sessionId: string;
  /** The user's message. */
  readonly content: string;
  /** The reply text that was streamed (all of it when completed, part of it when interrupted). */
  readonly reply: string;
  /** How many `llm.token` events were published. */
  readonly tokensOut: number;
  readonly outcome: TurnOutcome;
}

/** How `releaseReplies` orders the held replies: by arrival, reversed, or these ids first. */
export type ReleaseOrder = 'received' | 'reverse' | readonly string[];

/** A method failure: answered with `code` (default -32000) and message `<method>: <reason>`. */
export class FakeMethodError extends Error {
  override readonly name = 'FakeMethodError';
  constructor(
    readonly reason: string,
    readonly code: number = RpcErrorCode.MethodFailed,
  ) {
    super(reason);
  }
}

/** A running fake instance. */
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
   * aborts running turns and rejects pending `waitFor…` promises. Idempotent.
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
  /** Makes a session active and publishes `session.activated`, as a user switching in the TUI. */
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
   * The first request, past or future, that matches (default: any). Rejects on stop or after
   * `timeoutMs`. To wait for a later one only, match on `seq`.
   */
  waitForRequest(predicate?: (request: RecordedRequest) => boolean, options?: { timeoutMs?: number }): Promise<RecordedRequest>;
  /** The first reply, past or future, that matches (default: any). Rejects on stop or after `timeoutMs`. */
  waitForReply(predicate?: (reply: RecordedReply) => boolean, options?: { timeoutMs?: number }): Promise<RecordedReply>;

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

// ---- helpers ------------------------------------------------------------------------------------

const SESSION_TOPICS: ReadonlySet<string> = new Set(['session.update', 'session.activated', 'session.deleted']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** The session an event is about: `session_id` of the payload, or `id` of a session topic's. */
const sessionIdOf = (topic: string, payload: unknown): string | undefined => {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as { session_id?: unknown; id?: unknown };
  if (typeof p.session_id === 'string') return p.session_id;
  if (SESSION_TOPICS.has(topic) && typeof p.id === 'string') return p.id;
  return undefined;
};

/** Go writes a nil slice as `null`: what Pando does for an empty list, at the top or one level down. */
const goNil = (encoded: unknown): unknown => {
  if (Array.isArray(encoded)) return encoded.length === 0 ? null : encoded;
  if (typeof encoded !== 'object' || encoded === null) return encoded;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(encoded)) out[key] = Array.isArray(value) && value.length === 0 ? null : value;
  return out;
};

const codeOf = (err: unknown): unknown => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

/** A request body as Go's `json.Unmarshal` reads it into `{ jsonrpc, id, method, params }`. */
type ReadRequest =
  | { readonly ok: true; readonly id: string; readonly method: string; readonly params: unknown }
  | { readonly ok: false; readonly detail: string };

const readRequest = (text: string | undefined): ReadRequest => {
  if (text === undefined) return { ok: false, detail: 'request is not valid UTF-8' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, detail: messageOf(e) };
  }
  // Unmarshalling `null` into a struct is a no-op in Go: every field stays empty.
  if (json === null) return { ok: true, id: '', method: '', params: undefined };
  if (typeof json !== 'object' || Array.isArray(json)) return { ok: false, detail: 'request is not a JSON object' };
  const body = json as Record<string, unknown>;
  for (const key of ['jsonrpc', 'id', 'method'] as const) {
    const value = body[key];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return { ok: false, detail: `"${key}" is not a string` };
    }
  }
  return {
    ok: true,
    id: typeof body['id'] === 'string' ? body['id'] : '',
    method: typeof body['method'] === 'string' ? body['method'] : '',
    params: body['params'],
  };
};

/** A test's control function that throws counts as `fallback`, never as a crash of the receive loop. */
const safely = <T>(fn: () => T, fallback: T): T => {
  try {
    return fn();
  } catch {
    return fallback;
  }
};

const fail = (id: string, code: number, message: string): RpcReplyJson => ({ jsonrpc: '2.0', id, error: { code, message } });

/** A bind that waits out EADDRINUSE on a given port (a previous instance's socket still closing). */
const bindWithRetry = async (socket: zmq.Socket, port: number | undefined, timeoutMs: number): Promise<string> => {
  const address = `tcp://127.0.0.1:${port === undefined || port === 0 ? '*' : port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await socket.bind(address);
      return socket.lastEndpoint ?? address;
    } catch (err) {
      if (port === undefined || port === 0 || codeOf(err) !== 'EADDRINUSE' || Date.now() >= deadline) throw err;
      await new Promise<void>((resolve) => setTimeout(resolve, 25));
    }
  }
};

// ---- turns ----------------------------------------------------------------------------------------

interface ToolCallPlan {
  readonly name: string;
  readonly callId: string;
  readonly params: string;
  readonly result: string;
  readonly isError: boolean;
  readonly durationMs: number;
}

type Step =
  | { readonly kind: 'begin' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'tool-start'; readonly call: ToolCallPlan }
  | { readonly kind: 'tool-end'; readonly call: ToolCallPlan }
  | { readonly kind: 'end' };

interface Turn {
  readonly sessionId: string;
  readonly content: string;
  readonly steps: readonly Step[];
  readonly tokensIn: number;
  next: number;
  began: boolean;
  tokensOut: number;
  text: string;
  openTool: ToolCallPlan | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly resolve: (result: TurnResult) => void;
}

interface HeldReply {
  readonly request: RecordedRequest;
  readonly routingId: Buffer;
  readonly reply: Promise<RpcReplyJson>;
}

type AnyHandler = (params: unknown, request: RecordedRequest) => unknown;

// ---- the instance -----------------------------------------------------------------------------------

class FakePandoInstance implements FakeInstance {
  readonly instanceId: string;
  readonly projectId: string;
  readonly mode: FakeInstanceMode;
  readonly pubEndpoint: string;
  readonly rpcEndpoint: string;
  readonly pubPort: number;
  readonly rpcPort: number;
  readonly startedAt = new Date();

  // Dropped on stop, so that closed sockets can be collected even while the handle is kept.
  private pub: zmq.Publisher | undefined;
  private router: zmq.Router | undefined;
  private readonly script: TurnScript;
  private readonly tokenIntervalMs: number;
  private readonly heartbeatQuirk: HeartbeatQuirk;
  private readonly defaultHandlers: { readonly [M in Method]: MethodHandler<M> };
  private readonly overrides = new Map<Method, AnyHandler | null>();

  private readonly sessionMap = new Map<string, Session>();
  private readonly messageMap = new Map<string, MessageRecord[]>();
  private active: string | undefined;
  private readonly turns = new Map<string, Turn>();

  private readonly requestLog: RecordedRequest[] = [];
  private readonly replyLog: RecordedReply[] = [];
  private readonly requestSubject = new Subject<RecordedRequest>();
  private readonly replySubject = new Subject<RecordedReply>();
  readonly requests$: Observable<RecordedRequest> = this.requestSubject.asObservable();
  readonly replies$: Observable<RecordedReply> = this.replySubject.asObservable();

  private delay: number | ((request: RecordedRequest) => number) = 0;
  private drop: ((request: RecordedRequest) => boolean) | null = null;
  private hold: ((request: RecordedRequest) => boolean) | null = null;
  private held: HeldReply[] = [];

  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pubQueue: Promise<void> = Promise.resolve();
  private rpcQueue: Promise<void> = Promise.resolve();
  private stopping = false;
  private stopPromise: Promise<void> | undefined;

  constructor(
    pub: zmq.Publisher,
    router: zmq.Router,
    pubEndpoint: string,
    rpcEndpoint: string,
    options: FakeInstanceOptions,
  ) {
    this.pub = pub;
    this.router = router;
    this.pubEndpoint = pubEndpoint;
    this.rpcEndpoint = rpcEndpoint;
    this.pubPort = portOf(pubEndpoint);
    this.rpcPort = portOf(rpcEndpoint);
    this.mode = options.mode ?? 'full';
    this.instanceId = options.instanceId ?? `fake-${randomBytes(4).toString('hex')}`;
    this.projectId = options.projectId ?? '';
    this.script = options.script ?? defaultScript;
    this.tokenIntervalMs = Math.max(0, options.tokenIntervalMs ?? 20);
    this.heartbeatQuirk = options.heartbeatQuirk ?? 'pub-address';

    const seed = options.sessions === undefined ? defaultSeed(this.startedAt) : { sessions: options.sessions, messages: {} };
    for (const session of seed.sessions) this.sessionMap.set(session.id, { ...session });
    for (const [id, list] of Object.entries({ ...seed.messages, ...options.messages })) this.messageMap.set(id, [...list]);
    this.active = options.activeSessionId === null ? undefined : (options.activeSessionId ?? this.sessions()[0]?.id);

    this.defaultHandlers = this.makeHandlers();
    for (const [method, handler] of Object.entries(options.methods ?? {})) {
      if (isMethod(method) && handler !== undefined) this.overrides.set(method, handler as AnyHandler | null);
    }

    const interval = options.heartbeatIntervalMs ?? 5000;
    if (interval > 0) this.heartbeatTimer = setInterval(() => void this.publishHeartbeat().catch(() => undefined), interval);
    void this.receiveLoop(router);
  }

  get stopped(): boolean {
    return this.stopping;
  }

  get activeSessionId(): string | undefined {
    return this.active;
  }

  get requests(): readonly RecordedRequest[] {
    return this.requestLog;
  }

  get replies(): readonly RecordedReply[] {
    return this.replyLog;
  }

  // ---- events ---------------------------------------------------------------------------------

  publish(event: PandoEvent): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('fake instance is stopped'));
    return this.enqueueFrame(encodeFrame(event));
  }

  publishTopic<K extends KnownTopic>(topic: K, payload: PayloadOf<K>, header: Partial<EventHeader> = {}): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('fake instance is stopped'));
    return this.emit(topic, payload, header);
  }

  publishRaw(frame: Uint8Array | string): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('fake instance is stopped'));
    return this.enqueueFrame(typeof frame === 'string' ? utf8Encoder.encode(frame) : frame);
  }

  publishHeartbeat(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('fake instance is stopped'));
    const now = new Date();
    if (this.mode === 'full') {
      return this.emit('instance.heartbeat', {
        instance_id: this.instanceId,
        ...(this.active === undefined ? {} : { active_session_id: this.active }),
        session_count: this.sessionMap.size,
        uptime: this.uptime(now),
        started_at: this.startedAt,
      });
    }
    return this.heartbeatQuirk === 'pub-address'
      ? this.emit('instance.heartbeat', {
          instance_id: this.pubEndpoint,
          session_count: 0,
          uptime: this.uptime(now),
          started_at: this.startedAt,
        })
      : this.emit('instance.heartbeat', {
          instance_id: this.instanceId,
          session_count: 0,
          uptime: { ms: 0, text: '' },
          started_at: now,
        });
  }

  /** Builds and queues an event of a known topic (allowed while stopping, for the shutdown). */
  private emit<K extends KnownTopic>(topic: K, payload: PayloadOf<K>, header: Partial<EventHeader> = {}): Promise<void> {
    const sessionId = header.sessionId ?? sessionIdOf(topic, payload);
    const event = {
      topic,
      instanceId: header.instanceId ?? this.instanceId,
      projectId: header.projectId ?? this.projectId,
      timestamp: header.timestamp ?? new Date(),
      payload,
      ...(sessionId === undefined ? {} : { sessionId }),
    } as PandoEvent;
    if (topic === 'session.list' && (payload as PayloadOf<'session.list'>).sessions.length === 0) {
      // Go writes an empty (nil) slice as null; the codec would write [].
      return this.enqueueFrame(this.frameWithPayload(event, { sessions: null }));
    }
    return this.enqueueFrame(encodeFrame(event));
  }

  /** A frame like `encodeFrame`'s, with a payload given as wire JSON. */
  private frameWithPayload(event: PandoEvent, payload: unknown): Uint8Array {
    const envelope: Record<string, unknown> = { instanceId: event.instanceId, projectId: event.projectId };
    if (event.sessionId !== undefined && event.sessionId !== '') envelope['sessionId'] = event.sessionId;
    envelope['topic'] = event.topic;
    envelope['timestamp'] = formatRfc3339(event.timestamp);
    envelope['payload'] = payload;
    return utf8Encoder.encode(`${event.topic}\u0000${JSON.stringify(envelope)}`);
  }

  /** One send at a time on the PUB socket, in call order. */
  private enqueueFrame(frame: Uint8Array): Promise<void> {
    const sent = this.pubQueue.then(() => {
      const pub = this.pub;
      if (pub === undefined || pub.closed) throw new Error('fake instance is stopped');
      return pub.send(frame);
    });
    this.pubQueue = sent.catch(() => undefined);
    return sent;
  }

  /** Fire-and-forget publishing for the instance's own events. */
  private emitQuietly<K extends KnownTopic>(topic: K, payload: PayloadOf<K>): void {
    if (this.stopping) return;
    this.emit(topic, payload).catch(() => undefined);
  }

  private uptime(now: Date = new Date()): Duration {
    const ms = Math.max(0, now.getTime() - this.startedAt.getTime());
    return { ms, text: formatGoDuration(ms) };
  }

  // ---- state ------------------------------------------------------------------------------------

  sessions(): Session[] {
    return [...this.sessionMap.values()]
      .sort((a, b) => b.updated_at.getTime() - a.updated_at.getTime())
      .map((s) => ({ ...s }));
  }

  messages(sessionId: string): MessageRecord[] {
    return (this.messageMap.get(sessionId) ?? []).map((m) => ({ ...m }));
  }

  upsertSession(session: Session): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('fake instance is stopped'));
    const isNew = !this.sessionMap.has(session.id);
    this.sessionMap.set(session.id, { ...session });
    const done = this.emit('session.update', { ...session });
    if (!isNew || this.mode !== 'full') return done;
    done.catch(() => undefined); // the list below fails the same way
    return this.emit('session.list', { sessions: this.sessions() });
  }

  deleteSession(sessionId: string): Promise<boolean> {
    if (this.stopping) return Promise.reject(new Error('fake instance is stopped'));
    const session = this.sessionMap.get(sessionId);
    if (session === undefined) return Promise.resolve(false);
    const turn = this.turns.get(sessionId);
    if (turn !== undefined) this.abortTurn(turn);
    this.sessionMap.delete(sessionId);
    this.messageMap.delete(sessionId);
    if (this.active === sessionId) this.active = undefined;
    const done = this.emit('session.deleted', session);
    if (this.mode !== 'full') return done.then(() => true);
    done.catch(() => undefined); // the list below fails the same way
    return this.emit('session.list', { sessions: this.sessions() }).then(() => true);
  }

  activateSession(sessionId: string): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('fake instance is stopped'));
    const session = this.sessionMap.get(sessionId);
    if (session === undefined) return Promise.reject(new Error(`no session ${sessionId}`));
    this.active = sessionId;
    return this.emit('session.activated', { ...session });
  }

  /** Bumps a session's message count and time and publishes `session.update`. */
  private touchSession(sessionId: string): void {
    const session = this.sessionMap.get(sessionId);
    if (session === undefined) return;
    const next = { ...session, message_count: session.message_count + 1, updated_at: wholeSeconds() };
    this.sessionMap.set(sessionId, next);
    this.emitQuietly('session.update', { ...next });
  }

  private storeMessage(sessionId: string, role: 'user' | 'assistant', content: string): void {
    const id = randomUUID();
    const list = this.messageMap.get(sessionId) ?? [];
    list.push({ id, role, content, created_at: wholeSeconds() });
    this.messageMap.set(sessionId, list);
    if (this.mode === 'full') this.emitQuietly('message.append', { session_id: sessionId, message_id: id, role, content });
    this.touchSession(sessionId);
  }

  // ---- turns ------------------------------------------------------------------------------------

  playTurn(sessionId: string, content: string, script?: TurnScript): Promise<TurnResult> {
    try {
      return this.startTurn(sessionId, content, script ?? this.script);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  interruptTurn(sessionId: string): boolean {
    const turn = this.turns.get(sessionId);
    if (turn === undefined) return false;
    if (turn.timer !== undefined) this.clearTimer(turn.timer);
    if (!turn.began) this.beginTurn(turn);
    this.finishTurn(turn, 'interrupted');
    return true;
  }

  runningTurns(): string[] {
    return [...this.turns.keys()];
  }

  /** Plans and starts a turn; throws (synchronously) for an unknown or busy session or a throwing script. */
  private startTurn(sessionId: string, content: string, script: TurnScript): Promise<TurnResult> {
    if (this.stopping) throw new Error('fake instance is stopped');
    if (!this.sessionMap.has(sessionId)) throw new FakeMethodError('session not found');
    if (this.turns.has(sessionId)) throw new FakeMethodError('session is busy');
    const scripted = script(sessionId, content);
    const steps = this.planSteps(typeof scripted === 'string' ? { reply: scripted } : scripted);
    const tokensIn = typeof scripted === 'string' || scripted.tokensIn === undefined ? Math.max(1, Math.ceil(content.length / 4)) : scripted.tokensIn;
    return new Promise<TurnResult>((resolve) => {
      const turn: Turn = {
        sessionId,
        content,
        steps,
        tokensIn,
        next: 0,
        began: false,
        tokensOut: 0,
        text: '',
        openTool: undefined,
        timer: undefined,
        resolve,
      };
      this.turns.set(sessionId, turn);
      this.scheduleStep(turn);
    });
  }

  private planSteps(turn: ScriptedTurn): Step[] {
    const tokens = typeof turn.reply === 'string' ? splitIntoTokens(turn.reply) : [...turn.reply];
    const calls = (turn.toolCalls ?? []).map((call) => ({
      after: Math.min(Math.max(0, Math.floor(call.afterToken ?? 0)), tokens.length),
      plan: {
        name: call.name,
        callId: call.callId ?? `call_${randomBytes(6).toString('hex')}`,
        params: JSON.stringify(call.params ?? {}),
        result: call.result ?? '',
        isError: call.isError ?? false,
        durationMs: Math.max(0, call.durationMs ?? this.tokenIntervalMs),
      } satisfies ToolCallPlan,
    }));
    const steps: Step[] = [{ kind: 'begin' }];
    for (let i = 0; i <= tokens.length; i++) {
      for (const call of calls) {
        if (call.after !== i) continue;
        steps.push({ kind: 'tool-start', call: call.plan }, { kind: 'tool-end', call: call.plan });
      }
      if (i < tokens.length) steps.push({ kind: 'token', token: tokens[i]! });
    }
    steps.push({ kind: 'end' });
    return steps;
  }

  private scheduleStep(turn: Turn): void {
    const step = turn.steps[turn.next];
    if (step === undefined) return;
    const delay = turn.next === 0 ? 0 : step.kind === 'tool-end' ? step.call.durationMs : this.tokenIntervalMs;
    turn.timer = this.later(delay, () => {
      turn.timer = undefined;
      turn.next += 1;
      this.runStep(turn, step);
      if (this.turns.get(turn.sessionId) === turn) this.scheduleStep(turn);
    });
  }

  private runStep(turn: Turn, step: Step): void {
    switch (step.kind) {
      case 'begin':
        this.beginTurn(turn);
        return;
      case 'token':
        turn.tokensOut += 1;
        turn.text += step.token;
        this.emitQuietly('llm.token', { session_id: turn.sessionId, token: step.token });
        return;
      case 'tool-start':
        turn.openTool = step.call;
        this.emitQuietly('tool.start', {
          session_id: turn.sessionId,
          tool_name: step.call.name,
          call_id: step.call.callId,
          params: step.call.params,
        });
        return;
      case 'tool-end':
        turn.openTool = undefined;
        this.emitQuietly('tool.end', {
          session_id: turn.sessionId,
          tool_name: step.call.name,
          call_id: step.call.callId,
          is_error: step.call.isError,
          result: truncateToolResult(step.call.result),
        });
        return;
      case 'end':
        this.finishTurn(turn, 'completed');
        return;
    }
  }

  /** The user's message is stored, then the LLM call starts. */
  private beginTurn(turn: Turn): void {
    turn.began = true;
    this.storeMessage(turn.sessionId, 'user', turn.content);
    if (this.mode === 'full') this.emitQuietly('llm.start', { session_id: turn.sessionId });
  }

  /** Closes an open tool call, ends the LLM call and stores what was said. */
  private finishTurn(turn: Turn, outcome: 'completed' | 'interrupted'): void {
    this.turns.delete(turn.sessionId);
    const { sessionId } = turn;
    if (turn.openTool !== undefined) {
      this.emitQuietly('tool.end', {
        session_id: sessionId,
        tool_name: turn.openTool.name,
        call_id: turn.openTool.callId,
        is_error: true,
        result: 'context canceled',
      });
    }
    const full = this.mode === 'full';
    this.emitQuietly('llm.end', { session_id: sessionId, tokens_in: full ? turn.tokensIn : 0, tokens_out: full ? turn.tokensOut : 0 });
    if (turn.text !== '') this.storeMessage(sessionId, 'assistant', turn.text);
    turn.resolve({ sessionId, content: turn.content, reply: turn.text, tokensOut: turn.tokensOut, outcome });
  }

  /** Drops a turn without further events. */
  private abortTurn(turn: Turn): void {
    if (turn.timer !== undefined) this.clearTimer(turn.timer);
    this.turns.delete(turn.sessionId);
    turn.resolve({ sessionId: turn.sessionId, content: turn.content, reply: turn.text, tokensOut: turn.tokensOut, outcome: 'aborted' });
  }

  // ---- timers -----------------------------------------------------------------------------------

  private later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: ReturnType<typeof setTimeout>): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  // ---- RPC ----------------------------------------------------------------------------------------

  private makeHandlers(): { readonly [M in Method]: MethodHandler<M> } {
    const session = (id: string): Session => {
      const found = this.sessionMap.get(id);
      if (found === undefined) throw new FakeMethodError('session not found');
      return { ...found };
    };
    const noRunner = (): never => {
      throw new FakeMethodError('agent runner not available on this instance');
    };
    return {
      'instance.ping': () => ({ status: 'ok', instance_id: this.instanceId, uptime: this.uptime() }),
      'session.list': () => this.sessions(),
      'session.get': ({ session_id }) => session(session_id),
      'session.activate': ({ session_id }) => {
        const found = session(session_id);
        this.active = session_id;
        this.emitQuietly('session.activated', found);
        return { ok: true };
      },
      'message.send': ({ session_id, content }) => {
        if (this.mode === 'pando') return noRunner();
        // The turn runs on; its promise settles when it ends and nobody needs it here.
        void this.startTurn(session_id, content, this.script);
        return { ok: true };
      },
      'session.interrupt': ({ session_id }) => {
        if (this.mode === 'pando') return noRunner();
        session(session_id);
        this.interruptTurn(session_id);
        return { ok: true };
      },
      'message.list': ({ session_id }) => {
        session(session_id);
        return this.messages(session_id);
      },
      'state.sync': () => ({
        sessions: this.sessions(),
        instance_id: this.instanceId,
        ...(this.active === undefined ? {} : { active_session_id: this.active }),
      }),
      'instance.info': () => ({
        name: 'pando-rx fake instance',
        instance_id: this.instanceId,
        project_id: this.projectId,
        mode: this.mode,
        pid: process.pid,
        pub_endpoint: this.pubEndpoint,
        rpc_endpoint: this.rpcEndpoint,
        started_at: formatRfc3339(this.startedAt),
        uptime: this.uptime().text,
        session_count: this.sessionMap.size,
      }),
    };
  }

  /** The handler that serves a method now, or undefined when it is not registered (-32601). */
  private handlerFor(method: string): AnyHandler | undefined {
    if (!isMethod(method)) return undefined;
    const override = this.overrides.get(method);
    if (override === null) return undefined;
    if (override !== undefined) return override;
    if (this.mode === 'pando' && (method === 'state.sync' || method === 'instance.info')) return undefined;
    return this.defaultHandlers[method] as AnyHandler;
  }

  overrideMethod<M extends Method>(method: M, handler: MethodHandler<M> | null | undefined): void {
    if (handler === undefined) this.overrides.delete(method);
    else this.overrides.set(method, handler as AnyHandler | null);
  }

  private async receiveLoop(router: zmq.Router): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await router.receive();
      } catch {
        // Closed by stop() (the pending receive is rejected), or a failure of the socket
        // itself: either way nothing more can be read.
        return;
      }
      if (this.stopping || frames.length < 2) continue;
      this.serve(frames[0]!, frames[frames.length - 1]!);
    }
  }

  /** Records a request, executes it at once, and routes its reply through the reply controls. */
  private serve(routingId: Buffer, body: Buffer): void {
    let text: string | undefined;
    try {
      text = utf8.decode(body);
    } catch {
      text = undefined;
    }
    const read = readRequest(text);
    const request: RecordedRequest = {
      seq: this.requestLog.length + 1,
      id: read.ok ? read.id : '',
      method: read.ok ? read.method : '',
      params: read.ok ? read.params : undefined,
      valid: read.ok,
      text: text ?? body.toString('latin1'),
      receivedAt: new Date(),
    };
    this.requestLog.push(request);
    this.requestSubject.next(request);

    const drop = this.drop !== null && safely(() => this.drop!(request), false);
    const hold = !drop && this.hold !== null && safely(() => this.hold!(request), false);
    const reply = read.ok
      ? this.execute(request, read.method, read.params)
      : Promise.resolve(fail('', RpcErrorCode.ParseError, `ipc: parse error: ${read.detail}`));
    if (hold) {
      this.held.push({ request, routingId, reply });
      return;
    }
    void reply.then((json) => {
      if (drop || this.stopping) return;
      const { delay: control } = this;
      const delay = typeof control === 'number' ? control : safely(() => control(request), 0);
      if (delay > 0) this.later(delay, () => this.sendReply(routingId, request, json));
      else this.sendReply(routingId, request, json);
    });
  }

  /** Runs a method: params through the params codec, the result through the result codec. */
  private execute(request: RecordedRequest, method: string, rawParams: unknown): Promise<RpcReplyJson> {
    const handler = this.handlerFor(method);
    if (handler === undefined || !isMethod(method)) {
      return Promise.resolve(fail(request.id, RpcErrorCode.MethodNotFound, 'ipc: method not found'));
    }
    const codecs = MethodTable[method] as unknown as {
      readonly params: t.Type<unknown, unknown, unknown>;
      readonly result: t.Type<unknown, unknown, unknown>;
    };
    const failure = (err: unknown): RpcReplyJson =>
      err instanceof FakeMethodError
        ? fail(request.id, err.code, `${method}: ${err.reason}`)
        : fail(request.id, RpcErrorCode.MethodFailed, `${method}: ${messageOf(err)}`);
    try {
      const params = codecs.params.decode(rawParams === undefined || rawParams === null ? {} : rawParams);
      if (isLeft(params)) throw new FakeMethodError(`invalid params: ${summarizeIssues(describeErrors(params.left))}`);
      // Called synchronously, in order of arrival: a request's effects happen when it arrives.
      const result = handler(params.right, request);
      return Promise.resolve(result).then((value) => {
        const encoded = codecs.result.encode(value);
        return {
          jsonrpc: '2.0' as const,
          id: request.id,
          result: method === 'instance.info' ? encoded : goNil(encoded),
        };
      }, failure);
    } catch (err) {
      return Promise.resolve(failure(err));
    }
  }

  /** One send at a time on the ROUTER socket: `[routingId][empty][JSON]`. */
  private sendReply(routingId: Buffer, request: RecordedRequest, reply: RpcReplyJson): void {
    if (this.stopping) return;
    const json = JSON.stringify(reply);
    const sent = this.rpcQueue.then(async () => {
      const router = this.router;
      if (router === undefined || router.closed) return;
      await router.send([routingId, '', json]);
      const record: RecordedReply = { request, reply, sentAt: new Date() };
      this.replyLog.push(record);
      this.replySubject.next(record);
    });
    this.rpcQueue = sent.catch(() => undefined);
  }

  // ---- reply controls ---------------------------------------------------------------------------

  delayReplies(delay: number | ((request: RecordedRequest) => number)): void {
    this.delay = delay;
  }

  dropReplies(predicate: ((request: RecordedRequest) => boolean) | null = () => true): void {
    this.drop = predicate;
  }

  holdReplies(predicate: (request: RecordedRequest) => boolean = () => true): void {
    this.hold = predicate;
  }

  heldReplies(): RecordedRequest[] {
    return this.held.map((h) => h.request);
  }

  async releaseReplies(order: ReleaseOrder = 'received'): Promise<number> {
    this.hold = null;
    const held = this.held;
    this.held = [];
    const replies = await Promise.all(held.map((h) => h.reply));
    const entries = held.map((h, i) => ({ ...h, json: replies[i]! }));
    let ordered: typeof entries;
    if (order === 'received') ordered = entries;
    else if (order === 'reverse') ordered = [...entries].reverse();
    else {
      const rank = (id: string): number => {
        const i = order.indexOf(id);
        return i < 0 ? order.length : i;
      };
      ordered = [...entries].sort((a, b) => rank(a.request.id) - rank(b.request.id));
    }
    for (const entry of ordered) this.sendReply(entry.routingId, entry.request, entry.json);
    await this.rpcQueue;
    return ordered.length;
  }

  waitForRequest(
    predicate: (request: RecordedRequest) => boolean = () => true,
    options: { timeoutMs?: number } = {},
  ): Promise<RecordedRequest> {
    return this.waitFor(this.requestLog, this.requestSubject, predicate, options.timeoutMs, 'request');
  }

  waitForReply(
    predicate: (reply: RecordedReply) => boolean = () => true,
    options: { timeoutMs?: number } = {},
  ): Promise<RecordedReply> {
    return this.waitFor(this.replyLog, this.replySubject, predicate, options.timeoutMs, 'reply');
  }

  private waitFor<T>(
    log: readonly T[],
    subject: Subject<T>,
    predicate: (value: T) => boolean,
    timeoutMs: number | undefined,
    what: string,
  ): Promise<T> {
    try {
      const found = log.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.stopping) return Promise.reject(new Error(`fake instance stopped while waiting for a ${what}`));
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (fn: () => void): void => {
        subscription.unsubscribe();
        if (timer !== undefined) clearTimeout(timer);
        fn();
      };
      const subscription = subject.subscribe({
        next: (value) => {
          let matches: boolean;
          try {
            matches = predicate(value);
          } catch (err) {
            settle(() => reject(err));
            return;
          }
          if (matches) settle(() => resolve(value));
        },
        complete: () => settle(() => reject(new Error(`fake instance stopped while waiting for a ${what}`))),
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => settle(() => reject(new Error(`no matching ${what} within ${timeoutMs} ms`))), timeoutMs);
      }
    });
  }

  // ---- stop ---------------------------------------------------------------------------------------

  stop(options: StopOptions = {}): Promise<void> {
    this.stopPromise ??= this.shutdown(options);
    return this.stopPromise;
  }

  private async shutdown({ reason, silent = false, lingerMs = 100 }: StopOptions): Promise<void> {
    this.stopping = true;
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    for (const turn of [...this.turns.values()]) this.abortTurn(turn);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.held = [];
    this.hold = null;
    if (!silent) {
      await this.emit('instance.shutdown', {
        instance_id: this.instanceId,
        ...(reason === undefined || reason === '' ? {} : { reason }),
      }).catch(() => undefined);
    }
    await Promise.all([this.pubQueue, this.rpcQueue]);
    const { pub, router } = this;
    this.pub = undefined;
    this.router = undefined;
    if (pub !== undefined) {
      pub.linger = silent ? 0 : Math.max(0, lingerMs);
      pub.close();
    }
    router?.close();
    this.requestSubject.complete();
    this.replySubject.complete();
  }
}

/**
 * Starts a Pando-compatible fake instance: binds its PUB and ROUTER sockets (linger 0) on
 * 127.0.0.1, on free ports unless `pubPort` / `rpcPort` are given, and starts serving.
 * Always `stop()` it (e.g. in `afterEach`): its sockets and timers keep Node.js running.
 *
 * ```ts
 * const fake = await startFakeInstance({ heartbeatIntervalMs: 50 });
 * // connect a SUB to fake.pubEndpoint and a DEALER to fake.rpcEndpoint …
 * await fake.stop();
 * ```
 */
export const startFakeInstance = async (options: FakeInstanceOptions = {}): Promise<FakeInstance> => {
  const pub = new zmq.Publisher({ linger: 0 });
  const router = new zmq.Router({ linger: 0 });
  try {
    const timeout = options.bindTimeoutMs ?? 2000;
    const pubEndpoint = await bindWithRetry(pub, options.pubPort, timeout);
    const rpcEndpoint = await bindWithRetry(router, options.rpcPort, timeout);
    return new FakePandoInstance(pub, router, pubEndpoint, rpcEndpoint, options);
  } catch (err) {
    pub.close();
    router.close();
    throw err;
  }
};
