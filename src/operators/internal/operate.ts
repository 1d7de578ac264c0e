import { Observable, ignoreElements, tap } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscriber, Subscription } from 'rxjs';

/**
 * The one way an operator of this library that is not a plain composition of RxJS operators
 * subscribes to its source: RxJS's own `operate` / `OperatorSubscriber` contract, built from
 * public RxJS parts.
 *
 * - The subscription to the source is a child of the result's subscriber from the start (the
 *   source is subscribed with RxJS's `tap`, piped into the subscriber itself, as RxJS's `defer`
 *   does), so unsubscribing reaches the source at once, even in the middle of a synchronous
 *   source: `take(2)` after the operator pulls 2 values, not all of them.
 * - A throw in `next` or `complete` errors the result and unsubscribes from the source (RxJS
 *   catches it in `tap`); a throw in `init` errors the result (RxJS's `Observable` catches it).
 *   Nothing reaches `config.onUnhandledError`.
 * - Source errors pass through at once; completion passes on after `complete` ran.
 * - `finalize` runs once after completion, error or unsubscription (also when `init` itself
 *   ended the subscription with an emission): cancel timers there.
 */

/** What an operator does with its source, for one subscription. */
export interface SourceHandlers<T> {
  /** Each value of the source. */
  readonly next: (value: T) => void;
  /** The source completed: emit what is pending; the result completes right after. */
  readonly complete?: () => void;
  /** After completion, error or unsubscription. */
  readonly finalize?: () => void;
}

/**
 * Makes an operator from `init`, called once per subscription with the result's subscriber:
 * per-subscription state lives in its closure, and it returns what to do with the source.
 *
 * ```ts
 * const countEach = <T>(): OperatorFunction<T, number> =>
 *   operate((subscriber) => {
 *     let n = 0;
 *     return { next: () => subscriber.next(++n) };
 *   });
 * ```
 */
export const operate =
  <T, R>(init: (subscriber: Subscriber<R>) => SourceHandlers<T>): OperatorFunction<T, R> =>
  (source) =>
    new Observable<R>((subscriber) => {
      const { next, complete, finalize } = init(subscriber);
      // On the subscriber itself, not in `tap`: if `init` already closed it (an emission that
      // `take(1)` ended), RxJS unsubscribes `tap`'s subscriber before it has its callbacks, and
      // a finalizer there would never run; `add` on a closed subscription runs it at once.
      if (finalize !== undefined) subscriber.add(finalize);
      source.pipe(tap({ next, complete }), ignoreElements()).subscribe(subscriber);
    });

/**
 * `scheduler.schedule(work, delay)` for an operator's timer: a throw in `work` errors
 * `subscriber` instead of escaping into the scheduler (where RxJS would rethrow it
 * asynchronously, out of reach of the stream). The caller keeps the returned subscription and
 * cancels it in `finalize`.
 */
export const scheduleFor = (
  subscriber: Pick<Subscriber<unknown>, 'error'>,
  scheduler: SchedulerLike,
  work: () => void,
  delay: number,
): Subscription =>
  scheduler.schedule(() => {
    try {
      work();
    } catch (err) {
      subscriber.error(err);
    }
  }, delay);
