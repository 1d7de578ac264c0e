import {
  EMPTY,
  catchError,
  Subject,
  concat,
  defer,
  filter,
  map,
  merge,
  mergeMap,
  of,
  retry,
  take,
  takeUntil,
  tap,
  timer,
  type MonoTypeOperatorFunction,
  type Observable,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { Session } from '../codecs/payloads.js';
import type { PandoEvent } from '../codecs/topics.js';
import { applyMirrorEvent, createMirror, rebaseMirror, removeSession, withSessionCopy } from './internal/mirrorStore.js';
import type { Mirror, MirrorSnapshot } from './internal/mirrorStore.js';
import type { InstanceSignal } from './signals.js';

/** How a failed snapshot is retried: exponential backoff between these bounds. */
export interface SyncRetryOptions {
  /** Delay before the first retry, in milliseconds (default 500). */
  readonly initialDelayMs?: number;
  /** The longest delay between retries, in milliseconds (default 30,000). */
  readonly maxDelayMs?: number;
}

/** A snapshot that failed; the mirror retries it by itself after `retryInMs`. */
export interface MirrorSyncError {
  /** How many attempts in a row have failed. */
  readonly attempt: number;
  /** Why the last one failed (an `RpcError`, `RpcTimeoutError`, …). */
  readonly error: unknown;
  /** When the next attempt starts, in milliseconds from now. */
  readonly retryInMs: number;
}

/** What `liveMirror` needs besides the instance's signals. */
export interface LiveMirrorOptions {
  /** One snapshot (`state.sync`, else `session.list`), cold; its first value is used. */
  readonly snapshot: () => Observable<MirrorSnapshot>;
  /** Each emission forces a new snapshot. */
  readonly resync$?: Observable<unknown>;
  /** Told of every failed snapshot, before its retry is scheduled; a throw errors the mirror. */
  readonly onSyncError?: (error: MirrorSyncError) => void;
  /** Backoff of the retries of a failed snapshot (500 ms doubling up to 30 s by default). */
  readonly retry?: SyncRetryOptions;
  /**
   * Asks the instance whether a session still exists (e.g. `session.get`): emits the session,
   * or `undefined` when the instance says it is gone; an error means "do not know". Used for
   * the sessions a `session.list` snapshot did not list (it omits sessions without messages and
   * sub-agent sessions): without it they stay until a `session.deleted` or a `state.sync`
   * snapshot says otherwise.
   */
  readonly confirmSession?: (id: string) => Observable<Session | undefined>;
  /** Where retries are timed (virtual time in tests). */
  readonly scheduler?: SchedulerLike;
}

/** Session checks (`confirmSession`) in flight at once after a resync. */
const CONFIRM_CONCURRENCY = 4;

/** What the reducer of one subscription is told, in order. */
type Step =
  | { readonly kind: 'requested' }
  | { readonly kind: 'snapshot'; readonly snapshot: MirrorSnapshot }
  | { readonly kind: 'event'; readonly event: PandoEvent }
  | { readonly kind: 'confirmed'; readonly expected: Session; readonly session: Session | undefined };

/** A `resync$` emission, among the signals. */
const RESYNC: unique symbol = Symbol('resync');

/** Events that can change a Mirror: the session topics, and heartbeats (the active session). */
const mirrors = (event: PandoEvent): boolean =>
  event.topic.startsWith('session.') || event.topic === 'instance.heartbeat';

/**
 * Keeps the live mirror of an instance's sessions from its signals, after the ZeroMQ Guide's
 * Clone pattern (without sequence numbers): on each connection, take a snapshot while buffering
 * the events that arrive meanwhile, apply them to the snapshot, then apply every live event.
 *
 * ```
 * signals:  --c--u--------u--d---s--h----------|
 * snapshot:    ---S|                 ---S|
 * mirror:   --------m-----n--o----------p------|
 *
 * c: connected (a snapshot starts; u arrives while it is in flight and is applied to it);
 * m: the first Mirror, complete; n, o: live changes; s: shutdown, then h (any event): the
 * instance restarted, so a new snapshot; p: the Mirror built on it.
 * ```
 *
 * - The first emission is a complete, synced mirror (never a partial one); then one emission
 *   per change and one per snapshot (a new `syncedAt`).
 * - A new snapshot on each `connected`, after a restart (`shutdown`, then any event), after a
 *   `gap` (this process dropped events: the mirror may have missed changes), and on each
 *   `resync$` emission. A resync changes what the previous Mirror showed only where the
 *   instance changed (see `rebaseMirror`): a `session.list` snapshot keeps the sessions it does
 *   not list, and checks each with `confirmSession` when given.
 * - A failed snapshot is reported to `onSyncError` with its `attempt` and `retryInMs`, and
 *   retried with exponential backoff; meanwhile the last mirror keeps following live events.
 * - Replayed events (`replayed: true`, history stored before the link joined) are ignored: they
 *   precede the snapshot's point, whose result already holds their effect.
 * - Errors and completion of the signals pass through; state lives in each subscription.
 *
 * @example
 * ```ts
 * import { liveMirror } from 'pando-rx';
 *
 * signals$
 *   .pipe(liveMirror({ snapshot: () => takeSnapshot(), onSyncError: (e) => console.warn(e.attempt, e.error) }))
 *   .subscribe((mirror) => console.log(mirror.sessions.map((s) => s.title)));
 * ```
 */
export function liveMirror(options: LiveMirrorOptions): OperatorFunction<InstanceSignal, Mirror> {
  const initialDelay = options.retry?.initialDelayMs ?? 500;
  const maxDelay = options.retry?.maxDelayMs ?? 30_000;
  const withBackoff: MonoTypeOperatorFunction<Step> = retry({
    delay: (error: unknown, attempt: number) => {
      const retryInMs = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1));
      options.onSyncError?.({ attempt, error, retryInMs });
      return timer(retryInMs, options.scheduler);
    },
  });

  return (source) =>
    defer(() => {
      let current: Mirror | undefined;
      /** Events since the snapshot in flight was requested; `undefined` when none is. */
      let buffered: PandoEvent[] | undefined;
      /** The sessions that the last snapshot did not list but the mirror kept. */
      let carried: readonly Session[] = [];

      /** The Mirror to emit after `step`, if any. */
      const reduce = (step: Step): Mirror | undefined => {
        switch (step.kind) {
          case 'requested':
            buffered = [];
            return undefined;
          case 'snapshot': {
            let mirror: Mirror;
            if (current === undefined) {
              mirror = createMirror(step.snapshot);
              carried = [];
            } else {
              ({ mirror, carried } = rebaseMirror(current, step.snapshot));
            }
            for (const event of buffered ?? []) mirror = applyMirrorEvent(mirror, event);
            buffered = undefined;
            return (current = mirror);
          }
          case 'event': {
            buffered?.push(step.event);
            if (current === undefined) return undefined;
            const next = applyMirrorEvent(current, step.event);
            return next === current ? undefined : (current = next);
          }
          case 'confirmed': {
            if (current === undefined) return undefined;
            const { expected, session } = step;
            const next =
              session === undefined
                ? removeSession(current, expected.id, expected)
                : withSessionCopy(current, session);
            return next === current ? undefined : (current = next);
          }
        }
      };

      /** One snapshot attempt: the buffer starts before the request goes out. */
      const attempt$ = defer(() =>
        concat(
          of<Step>({ kind: 'requested' }),
          options.snapshot().pipe(
            take(1),
            map((snapshot): Step => ({ kind: 'snapshot', snapshot })),
          ),
        ),
      );

      /** After a snapshot: ask about each session it did not list (errors: keep it). */
      const confirmations$ = defer((): Observable<Step> => {
        const confirm = options.confirmSession;
        if (confirm === undefined || carried.length === 0) return EMPTY;
        return of(...carried).pipe(
          mergeMap(
            (expected) =>
              confirm(expected.id).pipe(
                take(1),
                map((session): Step => ({ kind: 'confirmed', expected, session })),
                catchError(() => EMPTY),
              ),
            CONFIRM_CONCURRENCY,
          ),
        );
      });

      /** Each trigger ends the snapshot before it (in flight, or waiting for a retry). */
      const triggers = new Subject<void>();
      /** The signals' end ends the mirror, whatever `resync$` and a snapshot in flight do. */
      const end = new Subject<void>();
      /** The kind of the last `shutdown`, `event` or `connected` signal: a restart is a shutdown, then an event. */
      let last: InstanceSignal['kind'] | undefined;

      /** The steps that one signal (or a `resync$` emission, `RESYNC`) starts, in order. */
      const stepsOf = (input: InstanceSignal | typeof RESYNC): Observable<Step> => {
        // Replayed history precedes the snapshot's point: the snapshot already holds its effect.
        if (input !== RESYNC && (input.kind === 'event' || input.kind === 'shutdown') && input.replayed === true) return EMPTY;
        const kind = input === RESYNC ? undefined : input.kind;
        const restarted = kind === 'event' && last === 'shutdown';
        if (kind === 'event' || kind === 'shutdown' || kind === 'connected') last = kind;
        const steps: Observable<Step>[] = [];
        if (input === RESYNC || kind === 'connected' || kind === 'gap' || restarted) {
          triggers.next();
          steps.push(concat(attempt$.pipe(withBackoff), confirmations$).pipe(takeUntil(triggers)));
        }
        // After the trigger: the event that shows the instance is back is buffered for its snapshot.
        if (input !== RESYNC && input.kind === 'event' && mirrors(input.event)) steps.push(of({ kind: 'event', event: input.event }));
        return steps.length === 1 ? steps[0]! : merge(...steps);
      };

      const resyncs$ = (options.resync$ ?? EMPTY).pipe(map((): typeof RESYNC => RESYNC));
      return merge(source.pipe(tap({ complete: () => end.next() })), resyncs$).pipe(
        mergeMap(stepsOf),
        map(reduce),
        filter((mirror): mirror is Mirror => mirror !== undefined),
        takeUntil(end),
      );
    });
}
