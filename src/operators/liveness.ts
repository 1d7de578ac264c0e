import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { InstanceSignal } from './signals.js';

/** How an instance looks from here. */
export type LivenessStatus = 'connecting' | 'alive' | 'stale' | 'down';

/** What `liveness` listens to: the one signal type of an instance. */
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

/**
 * Turns connection changes, events and pongs into the instance's status, emitting only changes.
 *
 * ```
 * signals: -C--e--e-------------------e--x--D--C------e--|
 * status:  c---a------------s---------a--d-----c------a--|   (timeoutMs: 10 frames)
 *
 * C: connected, D: disconnected, e: an event or a pong, x: instance.shutdown;
 * c: connecting, a: alive, s: stale, d: down.
 * ```
 *
 * 1. It starts `connecting`; a silence timer of `timeoutMs` starts then and restarts at every
 *    event, pong and `connected`.
 * 2. Any event or pong: `alive`. An `instance.shutdown` event: `down`.
 * 3. `disconnected`: `down` (Pando often closes its sockets before its shutdown event leaves).
 *    `connected` while `down`: `connecting`.
 * 4. Timer runs out: `alive` → `stale`; `connecting` → `stale` if the connection is up, `down` if
 *    it never came up. `stale` and `down` wait for a signal.
 * 5. Equal consecutive statuses are emitted once. Errors and completion pass through.
 *
 * @example
 * ```ts
 * import { liveness, defaultLivenessTimeoutMs } from 'pando-rx';
 *
 * signals$.pipe(liveness({ timeoutMs: defaultLivenessTimeoutMs() })).subscribe((status) => {
 *   statusBar.text = status; // 'connecting' | 'alive' | 'stale' | 'down'
 * });
 * ```
 */
export function liveness(options: LivenessOptions): OperatorFunction<LivenessSignal, LivenessStatus> {
  const { timeoutMs, scheduler = asyncScheduler } = options;
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw new RangeError(`liveness: timeoutMs must be a positive finite number, got ${String(timeoutMs)}`);
  }
  return (source) =>
    new Observable<LivenessStatus>((subscriber) => {
      let status: LivenessStatus = 'connecting';
      let connected = false;
      let timer: Subscription | undefined;

      const become = (next: LivenessStatus): void => {
        if (next === status) return;
        status = next;
        subscriber.next(next);
      };
      const onSilence = (): void => {
        timer = undefined;
        if (status === 'alive') become('stale');
        else if (status === 'connecting') become(connected ? 'stale' : 'down');
      };
      const restartTimer = (): void => {
        timer?.unsubscribe();
        timer = scheduler.schedule(onSilence, timeoutMs);
      };

      subscriber.add(() => timer?.unsubscribe());
      subscriber.next(status);
      restartTimer();

      return source.subscribe({
        next: (signal) => {
          switch (signal.kind) {
            case 'event':
              restartTimer();
              become('alive');
              break;
            case 'shutdown':
              restartTimer();
              become('down');
              break;
            case 'pong':
              restartTimer();
              become('alive');
              break;
            case 'connected':
              connected = true;
              restartTimer();
              if (status === 'down') become('connecting');
              break;
            case 'disconnected':
            case 'unreachable':
              connected = false;
              become('down');
              break;
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
