import { asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { operate, scheduleFor } from './internal/operate.js';
import type { InstanceSignal } from './signals.js';

/**
 * How an instance looks from here:
 * - `connecting`: not heard from yet, or the connection just came (back) up;
 * - `alive`: an event or a pong arrived within the timeout;
 * - `stale`: connected, but silent for longer than the timeout;
 * - `down`: it said it is shutting down, the connection dropped, or it never connected;
 * - `unreachable`: what carries the connection (a bridge, a relay, a NATS server) cannot be
 *   reached, so nothing is known about the instance itself.
 */
export type LivenessStatus = 'connecting' | 'alive' | 'stale' | 'down' | 'unreachable';

/** What `liveness` listens to: the `InstanceSignal` that every transport delivers. */
export type LivenessSignal = InstanceSignal;

/** Options of `liveness`. */
export interface LivenessOptions {
  /** Silence, in ms, after which an `alive` (or `connecting`) instance is no longer believed. */
  readonly timeoutMs: number;
  /** Drives the silence timer; `asyncScheduler` by default (a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/** How often Pando publishes `instance.heartbeat`. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;

/**
 * The silence after which `liveness` gives up on an instance: three heartbeat intervals (15 s
 * for Pando's 5 s), so that one or two lost heartbeats do not flap the status.
 */
export const defaultLivenessTimeoutMs = (heartbeatIntervalMs: number = DEFAULT_HEARTBEAT_INTERVAL_MS): number =>
  3 * heartbeatIntervalMs;

/** What we last heard of the connection: nothing yet, up, dropped, or its carrier unreachable. */
type Link = 'unknown' | 'up' | 'dropped' | 'unreachable';

/**
 * Turns connection changes, events, pongs and the shutdown signal into the instance's status,
 * emitting only changes.
 *
 * ```
 * signals: -C--e--e-------------------e--x--D--e--C------e--U----C--|
 * status:  c---a------------s---------a--d--------c------a--u----c--|   (timeoutMs: 10 frames)
 *
 * C: connected, D: disconnected, U: unreachable, e: an event or a pong, x: shutdown;
 * c: connecting, a: alive, s: stale, d: down, u: unreachable.
 * ```
 *
 * 1. It starts `connecting`; a silence timer of `timeoutMs` starts then and restarts at every
 *    event, pong and `connected` that it counts.
 * 2. An event or a pong: `alive`. `shutdown`: `down`.
 * 3. `disconnected`: `down`, whatever is still queued: events and pongs that arrive after it
 *    were sent before the drop and are ignored until `connected`, which makes it `connecting`
 *    (Pando often closes its sockets before its shutdown event leaves).
 * 4. `unreachable`: `unreachable`; likewise, events, pongs and `disconnected` after it change
 *    nothing until `connected` (then `connecting`).
 * 5. The timer runs out: `alive` → `stale`; `connecting` → `stale` if the connection is up,
 *    `down` if it never came up. `stale`, `down` and `unreachable` wait for a signal.
 * 6. Equal consecutive statuses are emitted once. Errors and completion pass through;
 *    unsubscribing stops the source and the timer at once. A signal of an unknown kind errors
 *    the result with a `TypeError` that names it.
 *
 * @example
 * ```ts
 * import { liveness, defaultLivenessTimeoutMs } from 'pando-rx';
 *
 * signals$.pipe(liveness({ timeoutMs: defaultLivenessTimeoutMs() })).subscribe((status) => {
 *   statusBar.text = status; // 'connecting' | 'alive' | 'stale' | 'down' | 'unreachable'
 * });
 * ```
 */
export function liveness(options: LivenessOptions): OperatorFunction<InstanceSignal, LivenessStatus> {
  const { timeoutMs, scheduler = asyncScheduler } = options;
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw new RangeError(`liveness: timeoutMs must be a positive finite number, got ${String(timeoutMs)}`);
  }
  return operate<InstanceSignal, LivenessStatus>((subscriber) => {
    let status: LivenessStatus = 'connecting';
    let link: Link = 'unknown';
    let timer: Subscription | undefined;

    const become = (next: LivenessStatus): void => {
      if (next === status) return;
      status = next;
      subscriber.next(next);
    };
    const onSilence = (): void => {
      timer = undefined;
      if (status === 'alive') become('stale');
      else if (status === 'connecting') become(link === 'up' ? 'stale' : 'down');
    };
    const restartTimer = (): void => {
      timer?.unsubscribe();
      timer = scheduleFor(subscriber, scheduler, onSilence, timeoutMs);
    };

    subscriber.next(status);
    restartTimer();

    return {
      next: (signal) => {
        // History (a replay) says nothing of the instance now.
        if ((signal.kind === 'event' || signal.kind === 'shutdown') && signal.replayed === true) return;
        switch (signal.kind) {
          case 'event':
          case 'pong':
            if (link === 'dropped' || link === 'unreachable') return; // sent before the drop
            restartTimer();
            become('alive');
            return;
          case 'shutdown':
            become('down');
            return;
          case 'connected':
            link = 'up';
            restartTimer();
            if (status === 'down' || status === 'unreachable') become('connecting');
            return;
          case 'disconnected':
            if (link === 'unreachable') return; // nothing is known of the instance meanwhile
            link = 'dropped';
            become('down');
            return;
          case 'unreachable':
            link = 'unreachable';
            become('unreachable');
            return;
          case 'gap':
            return; // events were dropped on our side: says nothing about the instance
          default:
            throw new TypeError(`liveness: unknown signal kind ${JSON.stringify((signal as { kind?: unknown }).kind)}`);
        }
      },
      finalize: () => timer?.unsubscribe(),
    };
  });
}
