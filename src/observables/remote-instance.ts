import {
  EMPTY,
  Observable,
  ReplaySubject,
  Subject,
  asyncScheduler,
  catchError,
  defer,
  filter,
  forkJoin,
  map,
  merge,
  of,
  share,
  shareReplay,
  switchMap,
  take,
  takeUntil,
  tap,
  throwError,
  type SchedulerLike,
} from 'rxjs';
import { RpcError, RpcErrorCode } from '../codecs/rpc.js';
import type { EventOf, KnownTopic, PandoEvent } from '../codecs/topics.js';
import { liveness, DEFAULT_HEARTBEAT_INTERVAL_MS, type LivenessSignal, type LivenessStatus } from '../operators/liveness.js';
import type { Mirror, MirrorSnapshot } from '../operators/mirrorState.js';
import { InvalidEndpointError, checkEndpoint } from './endpoint.js';
import { FrameHub, exactTopic, type DecodeFailure, type HubSignal } from './frame-hub.js';
import { mirrorStream, type MirrorSyncError, type SyncRetryOptions } from './mirror.js';
import { resolveEndpointsSync, type ResolvedEndpoints } from './discovery.js';
import { RemoteControl } from './remote-control.js';
import type { Transport } from './transport.js';
import { zeromqTransport } from './zeromq-transport.js';

/** Where the instance is: its two endpoints, or a working directory to find them from. */
export type InstanceLocation =
  | {
      /** The instance's PUB endpoint, e.g. `tcp://127.0.0.1:5551`. */
      readonly pubEndpoint: string;
      /** The instance's ROUTER endpoint, e.g. `tcp://127.0.0.1:5552`. */
      readonly rpcEndpoint: string;
      readonly workdir?: undefined;
    }
  | {
      /**
       * The project directory of the instance: its lock file first, then the registry's
       * primary entry for it, then its deterministic ports (`resolution` says which).
       */
      readonly workdir: string;
      /** The registry directory (default `$PANDO_REGISTRY_DIR`, else `/tmp/pando-instances`). */
      readonly registryDir?: string;
      readonly pubEndpoint?: undefined;
      readonly rpcEndpoint?: undefined;
    };

/** Options of `connect()`: where the instance is, plus how to watch it. */
export type ConnectOptions = InstanceLocation & ConnectTuning;

/** How `connect()` watches the instance. */
export interface ConnectTuning {
  /**
   * `status$` turns `stale` after this long without any event or heartbeat
   * (default 15,000 ms: three of Pando's 5 s heartbeats).
   */
  readonly heartbeatTimeoutMs?: number;
  /** Default timeout of every RPC call (default 10,000 ms, like Pando's own client). */
  readonly rpcTimeoutMs?: number;
  /** Keep the DEALER open this long after the last call (default 1,000 ms). */
  readonly rpcIdleCloseMs?: number;
  /** How a failed mirror snapshot is retried (exponential backoff, 500 ms to 30 s). */
  readonly syncRetry?: SyncRetryOptions;
  /** The sockets to use (default: real ZeroMQ sockets). Tests pass a `FakeTransport`. */
  readonly transport?: Transport;
  /** The scheduler of every timer (default `asyncScheduler`); a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
}

/** One streamed LLM token. */
export interface TokenEvent {
  readonly sessionId: string;
  readonly token: string;
  readonly timestamp: Date;
}

const toLivenessSignal = (signal: HubSignal): LivenessSignal =>
  signal.kind === 'event' ? { kind: 'event', event: signal.event } : { kind: signal.kind };

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
  readonly token$: Observable<TokenEvent>;
  /** The live list of sessions: the first emission is a complete snapshot, then one per change. */
  readonly mirror$: Observable<Mirror>;
  /** `connecting`, `alive`, `stale` or `down`; distinct values, the current one replayed. */
  readonly status$: Observable<LivenessStatus>;
  /** Every frame that failed to decode on the shared socket, with its `FrameDecodeError`. */
  readonly decodeErrors$: Observable<DecodeFailure>;
  /** Every failed mirror snapshot (the mirror retries by itself). */
  readonly syncErrors$: Observable<MirrorSyncError>;

  private readonly hub: FrameHub;
  private readonly closed$ = new ReplaySubject<void>(1);
  private readonly resync$ = new Subject<void>();
  private readonly syncErrors = new Subject<MirrorSyncError>();
  private readonly scheduler: SchedulerLike;
  private readonly pubProblem: string | undefined;
  private latestSyncedAt: Date | undefined;
  private mirrorRunning = false;

  /** How the endpoints were found, when `connect()` was given a `workdir`. */
  readonly resolution: ResolvedEndpoints | undefined;
  /** The instance's PUB endpoint. */
  readonly pubEndpoint: string;

  constructor(options: ConnectOptions) {
    const resolution =
      options.workdir === undefined
        ? undefined
        : resolveEndpointsSync(options.workdir, options.registryDir === undefined ? {} : { registryDir: options.registryDir });
    const pubEndpoint = resolution?.pubEndpoint ?? options.pubEndpoint!;
    super(resolution?.rpcEndpoint ?? options.rpcEndpoint!, {
      ...(options.transport === undefined ? {} : { transport: options.transport }),
      ...(options.rpcTimeoutMs === undefined ? {} : { timeoutMs: options.rpcTimeoutMs }),
      ...(options.rpcIdleCloseMs === undefined ? {} : { idleCloseMs: options.rpcIdleCloseMs }),
      scheduler: options.scheduler ?? asyncScheduler,
    });
    this.resolution = resolution;
    this.pubEndpoint = pubEndpoint;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.pubProblem = checkEndpoint(pubEndpoint);
    const transport = options.transport;
    this.hub = new FrameHub(pubEndpoint, () => transport ?? zeromqTransport, () => this.rpc.failPending('shutdown'));
    this.decodeErrors$ = this.hub.decodeErrors$.pipe(takeUntil(this.closed$));
    this.syncErrors$ = this.syncErrors.asObservable();

    this.events$ = this.live(['']).pipe(
      filter((signal): signal is Extract<HubSignal, { kind: 'event' }> => signal.kind === 'event'),
      map((signal) => signal.event),
    );

    this.token$ = this.on('llm.token').pipe(
      map((event) => ({ sessionId: event.payload.session_id, token: event.payload.token, timestamp: event.timestamp })),
      share(),
    );

    this.mirror$ = mirrorStream({
      signals: this.live(['session.', 'instance.']),
      snapshot: () => this.snapshot(),
      resync$: this.resync$,
      onSyncError: (error) => this.syncErrors.next(error),
      scheduler: this.scheduler,
      ...(options.syncRetry === undefined ? {} : { retry: options.syncRetry }),
    }).pipe(
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

    const timeoutMs = options.heartbeatTimeoutMs ?? 3 * DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.status$ = defer(() => {
      const signals$ = this.live(['instance.']).pipe(share());
      // A successful ping proves the instance alive without waiting for its next heartbeat.
      const pongs$ = signals$.pipe(
        filter((signal) => signal.kind === 'connected'),
        switchMap(() =>
          this.ping().pipe(
            map((): LivenessSignal => ({ kind: 'pong' })),
            catchError(() => EMPTY),
          ),
        ),
      );
      return merge(signals$.pipe(map(toLivenessSignal)), pongs$);
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
      filter((signal) => signal.kind === 'event' && wanted.has(signal.event.topic)),
      map((signal) => (signal as Extract<HubSignal, { kind: 'event' }>).event as K extends KnownTopic ? EventOf<K> : never),
    );
  }

  /** The tokens of one session. */
  tokens(sessionId: string): Observable<TokenEvent> {
    return this.token$.pipe(filter((token) => token.sessionId === sessionId));
  }

  /**
   * Forces a new snapshot of the sessions: a cold Observable that emits the mirror built on
   * it, then completes.
   */
  sync(): Observable<Mirror> {
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

  /** Ends every stream, fails pending calls and frees every socket. Idempotent. */
  override close(): void {
    this.closed$.next();
    this.closed$.complete();
    this.syncErrors.complete();
    this.resync$.complete();
    super.close();
  }

  /** The shared socket's signals with `prefixes` subscribed, ended by `close()`. */
  private live(prefixes: readonly string[]): Observable<HubSignal> {
    return defer(() =>
      this.pubProblem === undefined
        ? this.hub.signals(prefixes)
        : throwError(() => new InvalidEndpointError(this.pubEndpoint, this.pubProblem!)),
    ).pipe(takeUntil(this.closed$));
  }

  /** One snapshot: `state.sync`, or `session.list` where the instance answers -32601. */
  private snapshot(): Observable<MirrorSnapshot> {
    const now = (): Date => new Date(this.scheduler.now());
    return this.stateSync().pipe(
      map(
        (result): MirrorSnapshot => ({
          instanceId: result.instance_id,
          sessions: result.sessions,
          ...(result.active_session_id === undefined ? {} : { activeSessionId: result.active_session_id }),
          source: 'state.sync',
          syncedAt: now(),
        }),
      ),
      catchError((error: unknown) =>
        error instanceof RpcError && error.code === RpcErrorCode.MethodNotFound
          ? forkJoin([this.listSessions(), this.ping().pipe(map((pong) => pong.instance_id), catchError(() => of('')))]).pipe(
              map(([sessions, instanceId]): MirrorSnapshot => ({ instanceId, sessions, source: 'session.list', syncedAt: now() })),
            )
          : throwError(() => error),
      ),
    );
  }
}

/**
 * Connects to a Pando instance, given its endpoints or its working directory. Nothing is
 * opened until a stream is subscribed or a method called; `close()` frees everything.
 *
 * ```ts
 * const pando = connect({ workdir: process.cwd() });
 * console.log(pando.resolution?.detail); // e.g. "lock file /repo/.pando/ipc.lock: instance …"
 * ```
 */
export const connect = (options: ConnectOptions): RemoteInstance => new RemoteInstance(options);
