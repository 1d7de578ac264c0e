import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { applyMirrorEvent, createMirror, type Mirror, type MirrorSnapshot } from '../operators/mirrorState.js';
import type { InstanceSignal } from '../operators/signals.js';

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

/** What the mirror needs from its instance. */
export interface MirrorSources {
  /** The shared socket's signals, with at least `session.` and `instance.` subscribed. */
  readonly signals: Observable<InstanceSignal>;
  /** One snapshot (`state.sync`, else `session.list`), cold. */
  readonly snapshot: () => Observable<MirrorSnapshot>;
  /** Each emission forces a new snapshot. */
  readonly resync$: Observable<unknown>;
  /** Told of every failed snapshot. */
  readonly onSyncError: (error: MirrorSyncError) => void;
  readonly scheduler: SchedulerLike;
  readonly retry?: SyncRetryOptions;
}

const isSessionTopic = (topic: string): boolean => topic.startsWith('session.');

/**
 * The live mirror of an instance's sessions, after the ZeroMQ Guide's Clone pattern (without
 * sequence numbers): on each connection, take a snapshot while buffering the session events
 * that arrive meanwhile, apply them to the snapshot, then apply every live event.
 *
 * - The first emission is a complete, synced mirror; then one emission per change.
 * - It takes a new snapshot by itself when the connection comes back, and when the instance
 *   restarted (`instance.shutdown`, then events again); also on each `resync$` emission.
 * - A failed snapshot is reported to `onSyncError` and retried with exponential backoff;
 *   meanwhile, the last mirror keeps following live events.
 */
export const mirrorStream = (sources: MirrorSources): Observable<Mirror> =>
  new Observable<Mirror>((subscriber) => {
    const initialDelay = sources.retry?.initialDelayMs ?? 500;
    const maxDelay = sources.retry?.maxDelayMs ?? 30_000;
    let current: Mirror | undefined;
    /** Session events since the snapshot in flight was requested; `undefined` when none is. */
    let buffered: PandoEvent[] | undefined;
    let attempt = 0;
    let pending: Subscription | undefined;
    let instanceWentDown = false;

    const emit = (mirror: Mirror): void => {
      current = mirror;
      subscriber.next(mirror);
    };

    const sync = (): void => {
      pending?.unsubscribe();
      buffered = [];
      pending = sources.snapshot().subscribe({
        next: (snapshot) => {
          let mirror = createMirror(snapshot);
          for (const event of buffered ?? []) mirror = applyMirrorEvent(mirror, event);
          buffered = undefined;
          attempt = 0;
          emit(mirror);
        },
        error: (error: unknown) => {
          attempt++;
          const retryInMs = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1));
          sources.onSyncError({ attempt, error, retryInMs });
          pending = sources.scheduler.schedule(sync, retryInMs);
        },
      });
    };

    const onEvent = (event: PandoEvent): void => {
      if (instanceWentDown) {
        // The instance is back (it restarted): its sessions may have changed while it was away.
        instanceWentDown = false;
        sync();
        if (!isSessionTopic(event.topic)) return;
      }
      if (!isSessionTopic(event.topic)) return;
      buffered?.push(event);
      if (current !== undefined) {
        const next = applyMirrorEvent(current, event);
        if (next !== current) emit(next);
      }
    };

    const subscription = sources.signals.subscribe({
      next: (signal) => {
        if (signal.kind === 'event') onEvent(signal.event);
        else if (signal.kind === 'shutdown') instanceWentDown = true;
        else if (signal.kind === 'connected' || signal.kind === 'gap') sync();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    subscription.add(sources.resync$.subscribe(() => sync()));
    return () => {
      subscription.unsubscribe();
      pending?.unsubscribe();
    };
  });
