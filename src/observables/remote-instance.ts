import {
  EMPTY,
  Observable,
  ReplaySubject,
  Subject,
  asyncScheduler,
  catchError,
  defer,
  filter,
  interval,
  map,
  merge,
  share,
  shareReplay,
  switchMap,
  take,
  takeUntil,
  tap,
  type SchedulerLike,
} from 'rxjs';
import type { EventOf, KnownTopic, PandoEvent } from '../codecs/topics.js';
import { liveness, DEFAULT_HEARTBEAT_INTERVAL_MS, type LivenessStatus } from '../operators/liveness.js';
import type { Mirror } from '../operators/mirrorState.js';
import type { Reply } from '../operators/reply.js';
import { eventOf, type InstanceSignal } from '../operators/signals.js';
import { FrameHub, exactTopic, type DecodeFailure } from './frame-hub.js';
import { liveMirror, type MirrorSyncError, type SyncRetryOptions } from '../operators/liveMirror.js';
import { ask, type AskOptions } from './ask.js';
import { whenReady } from './ready.js';
import { RemoteControl } from './remote-control.js';
import { confirmSession, takeSnapshot } from './snapshot.js';
import type { Transport } from './transport.js';

/** Where the instance is, as addresses its transport understands. */
export interface InstanceAddresses {
  /** Where its events come from (its PUB endpoint over ZeroMQ, e.g. `tcp://127.0.0.1:5551`). */
  readonly pubEndpoint: string;
  /** Where its RPC calls go (its ROUTER endpoint over ZeroMQ, e.g. `tcp://127.0.0.1:5552`). */
  readonly rpcEndpoint: string;
}

/** How a `RemoteInstance` watches the instance. */
export interface ConnectTuning {
  /**
   * `status$` turns `stale` after this long without any event or heartbeat
   * (default 15,000 ms: three of Pando's 5 s heartbeats).
   */
  readonly heartbeatTimeoutMs?: number;
  /** Default timeout of every RPC call (default 10,000 ms, like Pando's own client). */
  readonly rpcTimeoutMs?: number;
  /** Keep the request link open this long after the last call (default 1,000 ms). */
  readonly rpcIdleCloseMs?: number;
  /** How a failed mirror snapshot is retried (exponential backoff, 500 ms to 30 s). */
  readonly syncRetry?: SyncRetryOptions;
  /** The scheduler of every timer (default `asyncScheduler`); a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
  /**
   * How many received frames may wait for slow consumers before the oldest is dropped
   * (default 10,000). The link is drained at once whatever the consumers do, so that a slow
   * consumer never stalls the instance; drops are counted (`droppedFrames`) and make the
   * mirror resync.
   */
  readonly backlogLimit?: number;
}

/** Options of a `RemoteInstance`: its addresses and how to watch it. */
export type RemoteInstanceOptions = InstanceAddresses & ConnectTuning;

/** How often `lag$` samples, in milliseconds. */
const LAG_SAMPLE_MS = 1000;

/** One streamed LLM token of a session. */
export interface SessionToken {
  readonly sessionId: string;
  readonly token: string;
  readonly timestamp: Date;
}

/** @deprecated Renamed `SessionToken` (it sat beside the codecs' `LlmTokenEvent`). */
export type TokenEvent = SessionToken;

/**
 * A remote Pando instance as Observables: hot, shared streams of its events, its sessions
 * and its liveness, and every RPC method as a cold single-emission Observable.
 *
 * ```ts
 * const pando = connect({ pubEndpoint: 'tcp://127.0.0.1:5551', rpcEndpoint: 'tcp://127.0.0.1:5552' });
 * pando.mirror$.subscribe((mirror) => console.log(mirror.sessions.map((s) => s.title)));
 * pando.token$.subscribe(({ token }) => process.stdout.write(token));
 * ```
 */
export class RemoteInstance extends RemoteControl {
  /**
   * Every decoded event. Hot, shared and ref-counted: one SUB socket whatever the number of
   * subscribers, opened with the first and closed with the last. Late subscribers get the
   * events from then on. A bad frame never errors it: see `decodeErrors$`.
   */
  readonly events$: Observable<PandoEvent>;
  /** Every `llm.token` as `{ sessionId, token, timestamp }` (subscribes to that topic only). */
  readonly token$: Observable<SessionToken>;
  /** The live list of sessions: the first emission is a complete snapshot, then one per change. */
  readonly mirror$: Observable<Mirror>;
  /** `connecting`, `alive`, `stale` or `down`; distinct values, the current one replayed. */
  readonly status$: Observable<LivenessStatus>;
  /** Every frame that failed to decode on the shared socket, with its `FrameDecodeError`. */
  readonly decodeErrors$: Observable<DecodeFailure>;
  /** Every failed mirror snapshot (the mirror retries by itself). */
  readonly syncErrors$: Observable<MirrorSyncError>;
  /**
   * How far behind this process is, in milliseconds, sampled every second while subscribed:
   * the age of the newest event handed to the streams in that second, from the event's own
   * timestamp; 0 when none was. A consumer too slow for the instance shows a growing lag here
   * (show "lagging by 12 s", shed load). Instances on another host add their clock's skew.
   */
  readonly lag$: Observable<number>;

  private readonly hub: FrameHub;
  private readonly closed$ = new ReplaySubject<void>(1);
  private readonly resync$ = new Subject<void>();
  private readonly syncErrors = new Subject<MirrorSyncError>();
  private readonly scheduler: SchedulerLike;
  private latestSyncedAt: Date | undefined;
  private mirrorRunning = false;

  /** The instance's PUB endpoint (event address). */
  readonly pubEndpoint: string;

  /**
   * The instance over `transport` (Node's `connect()` passes ZeroMQ; a browser passes a
   * WebSocket transport; tests pass a `FakeTransport`). Nothing is opened until a stream is
   * subscribed or a method called; `close()` frees everything.
   */
  constructor(transport: Transport, options: RemoteInstanceOptions) {
    super(transport, options.rpcEndpoint, {
      ...(options.rpcTimeoutMs === undefined ? {} : { timeoutMs: options.rpcTimeoutMs }),
      ...(options.rpcIdleCloseMs === undefined ? {} : { idleCloseMs: options.rpcIdleCloseMs }),
      scheduler: options.scheduler ?? asyncScheduler,
    });
    this.pubEndpoint = options.pubEndpoint;
    this.scheduler = options.scheduler ?? asyncScheduler;
    // The one reaction to `instance.shutdown` outside the streams: pending calls fail at once.
    this.hub = new FrameHub(transport, options.pubEndpoint, () => this.rpc.failPending('shutdown'), {
      scheduler: this.scheduler,
      ...(options.backlogLimit === undefined ? {} : { limit: options.backlogLimit }),
    });
    this.decodeErrors$ = this.hub.decodeErrors$.pipe(takeUntil(this.closed$));
    this.syncErrors$ = this.syncErrors.asObservable();

    this.events$ = this.live(['']).pipe(
      map(eventOf),
      filter((event): event is PandoEvent => event !== undefined),
    );

    this.token$ = this.on('llm.token').pipe(
      map((event) => ({ sessionId: event.payload.session_id, token: event.payload.token, timestamp: event.timestamp })),
      share(),
    );

    this.mirror$ = this.live(['session.', 'instance.']).pipe(
      liveMirror({
        snapshot: () => takeSnapshot(this, this.scheduler),
        resync$: this.resync$,
        onSyncError: (error) => this.syncErrors.next(error),
        // A session that session.list omits is kept unless the instance says it is gone.
        confirmSession: (id) => confirmSession(this, id),
        scheduler: this.scheduler,
        ...(options.syncRetry === undefined ? {} : { retry: options.syncRetry }),
      }),
      tap({
        subscribe: () => (this.mirrorRunning = true),
        next: (mirror) => (this.latestSyncedAt = mirror.syncedAt),
        finalize: () => {
          this.mirrorRunning = false;
          this.latestSyncedAt = undefined;
        },
      }),
      takeUntil(this.closed$),
      shareReplay({ bufferSize: 1, refCount: true }),
    );

    this.lag$ = interval(LAG_SAMPLE_MS, this.scheduler).pipe(
      map(() => this.hub.takeLagSample(this.scheduler.now())),
      takeUntil(this.closed$),
      share(),
    );

    const timeoutMs = options.heartbeatTimeoutMs ?? 3 * DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.status$ = defer(() => {
      const signals$ = this.live(['instance.']).pipe(share());
      // A successful ping proves the instance alive without waiting for its next heartbeat.
      const pongs$ = signals$.pipe(
        filter((signal) => signal.kind === 'connected'),
        switchMap(() =>
          this.ping().pipe(
            map((): InstanceSignal => ({ kind: 'pong' })),
            catchError(() => EMPTY),
          ),
        ),
      );
      return merge(signals$, pongs$);
    }).pipe(
      liveness({ timeoutMs, scheduler: this.scheduler }),
      takeUntil(this.closed$),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
  }

  /**
   * The events of the given topics, typed by the topic table. Where nobody needs everything,
   * the socket's subscription itself is narrowed to these topics.
   */
  on<K extends KnownTopic>(topic: K, ...topics: K[]): Observable<K extends KnownTopic ? EventOf<K> : never> {
    const wanted = new Set<string>([topic, ...topics]);
    return this.live([...wanted].map(exactTopic)).pipe(
      map(eventOf),
      filter((event): event is K extends KnownTopic ? EventOf<K> : never => event !== undefined && wanted.has(event.topic)),
    );
  }

  /** The tokens of one session. */
  tokens(sessionId: string): Observable<SessionToken> {
    return this.token$.pipe(filter((token) => token.sessionId === sessionId));
  }

  /**
   * How many frames this process dropped because its consumers fell behind (its own bounded
   * buffer, `backlogLimit`, overflowed). Pando's own drops cannot be seen (no sequence numbers);
   * these can.
   */
  get droppedFrames(): number {
    return this.hub.droppedFrames;
  }

  /**
   * Forces a new snapshot of the sessions: a cold Observable that emits the mirror built on
   * it, then completes. (Not the `state.sync` RPC: that is `stateSync()`.)
   */
  resyncMirror(): Observable<Mirror> {
    return defer(() => {
      // Not running yet: subscribing takes a fresh snapshot anyway; no second one is needed.
      if (!this.mirrorRunning) return this.mirror$.pipe(take(1));
      const before = this.latestSyncedAt;
      return merge(
        this.mirror$.pipe(filter((mirror) => mirror.syncedAt !== before)),
        defer(() => {
          this.resync$.next();
          return EMPTY;
        }),
      ).pipe(take(1));
    });
  }

  /**
   * Waits for the instance: emits once (then completes) when its events are connected and it
   * answered an `instance.ping`, or fails with `InstanceUnreachableError` saying which side
   * did not answer (the PUB endpoint, the RPC endpoint, or both) within `timeoutMs` (default
   * 5,000 ms, like Pando's own client's connect timeout). Cold. `mirror$` and friends simply
   * wait for an instance that is not there; put `ready()` first where a deadline matters.
   *
   * ```ts
   * await firstValueFrom(pando.ready({ timeoutMs: 2_000 })); // throws InstanceUnreachableError
   * const mirror = await firstValueFrom(pando.mirror$);
   * ```
   */
  ready(options: { readonly timeoutMs?: number } = {}): Observable<void> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    return whenReady(
      {
        signals: this.live(['instance.']),
        // Its own timeout comes after the deadline, so the deadline speaks for both sides.
        ping: () => this.ping({ timeoutMs: timeoutMs + 1 }),
        endpoints: { events: this.pubEndpoint, rpc: this.rpcEndpoint },
      },
      timeoutMs,
    );
  }

  /**
   * Sends a message and emits the agent's reply as it streams: the text so far and the tool
   * calls so far (with durations), the last emission `done` or `interrupted`, then completes.
   * It listens before it sends, so no token is missed, and waits for the instance first.
   * Cold: one message per subscription. Unsubscribing stops listening; with
   * `interruptOnUnsubscribe` it also interrupts the turn. Today's Pando answers `message.send`
   * with -32000 (no agent runner): that arrives here as an `RpcError`.
   *
   * ```ts
   * pando.ask(sessionId, 'Run the tests, please').subscribe({
   *   next: ({ text, toolCalls, status }) => render(text, toolCalls, status),
   *   error: (error) => showError(error), // RpcError, ReplyTimeoutError, InstanceUnreachableError, …
   * });
   * ```
   */
  ask(sessionId: string, content: string, options: AskOptions = {}): Observable<Reply> {
    return ask(
      sessionId,
      {
        events: this.on('llm.start', 'llm.token', 'llm.end', 'tool.start', 'tool.end'),
        ready: (timeoutMs) => this.ready({ timeoutMs }),
        send: (timeoutMs) => this.sendMessage(sessionId, content, timeoutMs === undefined ? {} : { timeoutMs }),
        interrupt: () => this.interrupt(sessionId),
        replyOptions: {
          scheduler: this.scheduler,
          ...(options.firstEventTimeoutMs === undefined ? {} : { firstEventTimeoutMs: options.firstEventTimeoutMs }),
          ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        },
      },
      options,
    );
  }

  /** @deprecated Renamed `resyncMirror()`: `sync()` sat beside the `stateSync()` RPC and meant another thing. */
  sync(): Observable<Mirror> {
    return this.resyncMirror();
  }

  /** Ends every stream, fails pending calls and frees every socket. Idempotent. */
  override close(): void {
    this.closed$.next();
    this.closed$.complete();
    this.syncErrors.complete();
    this.resync$.complete();
    super.close();
  }

  /** The shared link's signals with `prefixes` subscribed, ended by `close()`. */
  private live(prefixes: readonly string[]): Observable<InstanceSignal> {
    return this.hub.signals(prefixes).pipe(takeUntil(this.closed$));
  }


}
