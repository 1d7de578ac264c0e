import { Observable, catchError, filter, forkJoin, map, of, take, tap, throwError, timeout } from 'rxjs';
import { RpcError } from './rpc-errors.js';
import type { InstanceSignal } from '../operators/signals.js';

/** Which side of an instance did not answer in time. */
export type UnansweredSide = 'events' | 'rpc';

/**
 * An instance did not answer within the deadline of `ready()`. `unanswered` says which side
 * stayed silent: `events` (no connection to its PUB endpoint), `rpc` (no reply from its RPC
 * endpoint), or both; the message names the endpoints.
 */
export class InstanceUnreachableError extends Error {
  override readonly name = 'InstanceUnreachableError';
  constructor(
    /** The sides that did not answer, `events` first. */
    readonly unanswered: readonly UnansweredSide[],
    /** The endpoints (addresses) of the two sides. */
    readonly endpoints: { readonly events: string; readonly rpc: string },
    /** The deadline that ran out, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(
      `no answer within ${timeoutMs} ms from ${unanswered
        .map((side) => (side === 'events' ? `the PUB endpoint ${endpoints.events} (events)` : `the RPC endpoint ${endpoints.rpc}`))
        .join(' nor from ')}`,
    );
  }
}

/** What `whenReady` needs of an instance. */
export interface ReadySources {
  /** The instance's signals (a `connected` one proves the event side). */
  readonly signals: Observable<InstanceSignal>;
  /** One `instance.ping` (any reply, even an error reply, proves the RPC side). */
  readonly ping: () => Observable<unknown>;
  readonly endpoints: { readonly events: string; readonly rpc: string };
}

/**
 * Emits once (then completes) when both sides of an instance answer: its event link is
 * connected and an `instance.ping` got a reply. Fails with `InstanceUnreachableError` naming
 * the silent sides when `timeoutMs` runs out first. Cold; unsubscribing withdraws the ping if
 * it was never sent.
 */
export const whenReady = (sources: ReadySources, timeoutMs: number): Observable<void> =>
  new Observable<void>((subscriber) => {
    const answered = { events: false, rpc: false };
    const events$ = sources.signals.pipe(
      filter((signal) => signal.kind === 'connected'),
      take(1),
      tap(() => (answered.events = true)),
    );
    const rpc$ = sources.ping().pipe(
      // An error reply is an answer too: the RPC side is there.
      catchError((error: unknown) => (error instanceof RpcError ? of(undefined) : throwError(() => error))),
      tap(() => (answered.rpc = true)),
    );
    return forkJoin([events$, rpc$])
      .pipe(
        timeout({
          first: timeoutMs,
          with: () => {
            const unanswered = (['events', 'rpc'] as const).filter((side) => !answered[side]);
            return throwError(() => new InstanceUnreachableError(unanswered, sources.endpoints, timeoutMs));
          },
        }),
        map((): void => undefined),
      )
      .subscribe(subscriber);
  });
