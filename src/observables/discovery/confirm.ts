/**
 * Confirmation: what discovery found (a lock file, a registry entry, the deterministic ports)
 * is a claim that anyone able to write a file can make; the instance answering `instance.ping`
 * with the id the file named is the proof. The ping is injected, so discovery stays free of
 * RPC; this file imports no Node module.
 */
import {
  Observable,
  asyncScheduler,
  catchError,
  defer,
  from,
  map,
  take,
  throwError,
  throwIfEmpty,
  timeout,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import type { InstanceInfo } from './registry.js';
import type { ResolvedEndpoints } from './resolve.js';

/** What confirmation needs of an `instance.ping` answer: the id the instance gives itself. */
export interface PingAnswer {
  readonly instance_id: string;
}

/** Sends `instance.ping` to an RPC endpoint: a Promise or an Observable of its result (e.g. `remote.ping()`). */
export type PingFn = (rpcEndpoint: string) => ObservableInput<PingAnswer>;

/** What discovery can confirm: the result of `resolveEndpoints`, or an entry of `listInstances`. */
export type Discovered = ResolvedEndpoints | InstanceInfo;

/** A discovery result that the instance confirmed: the same object, with the id it answered. */
export type Confirmed<D extends Discovered> = D & {
  /** The id the instance answered `instance.ping` with (equal to the one the file named, when it named one). */
  readonly confirmedInstanceId: string;
};

/** Options of {@link confirmInstance}. */
export interface ConfirmOptions {
  /** How long to wait for the answer, in ms; default 5000 (Pando's own connect timeout). */
  readonly timeoutMs?: number;
  /** The scheduler of the timeout; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** The default of {@link ConfirmOptions.timeoutMs}. */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 5000;

/**
 * Why an instance was not confirmed:
 * - `no-answer`: the ping failed, or ended without an answer (`cause` holds its error);
 * - `timeout`: no answer within `timeoutMs`;
 * - `bad-answer`: an answer without a string `instance_id`;
 * - `other-instance`: an instance answered, with another id than the file named.
 */
export type NotConfirmedReason = 'no-answer' | 'timeout' | 'bad-answer' | 'other-instance';

/** The error of {@link confirmInstance}: what was claimed, where it was asked, and why it is not confirmed. */
export class InstanceNotConfirmedError extends Error {
  override readonly name = 'InstanceNotConfirmedError';
  constructor(
    readonly reason: NotConfirmedReason,
    /** What discovery found, as given to `confirmInstance`. */
    readonly discovered: Discovered,
    /** What went wrong, in words. */
    readonly detail: string,
    /** The id the instance answered with, for `other-instance`. */
    readonly answeredInstanceId?: string,
    /** The ping's own error, for `no-answer`. */
    readonly cause?: unknown,
  ) {
    super(`not confirmed: ${describeFound(discovered)}: ${detail}`);
  }
}

const expectedIdOf = (found: Discovered): string | undefined => ('via' in found ? found.instanceId : found.instance_id);
const describeFound = (found: Discovered): string => ('via' in found ? found.detail : `registry entry ${found.file}`);
const quote = (text: string): string => JSON.stringify(text);

/**
 * Asks the instance that discovery found whether it is the one the file named: sends
 * `instance.ping` (through the injected `ping`) to its RPC endpoint and emits the discovery
 * result, with `confirmedInstanceId`, only when it answers with the instance id the lock file
 * or registry entry named (any id when nothing named one, as for `via: 'ports'`). Otherwise
 * errors with an {@link InstanceNotConfirmedError} that says why. Cold: one ping per
 * subscription; unsubscribing abandons it.
 *
 * ```
 * ping:    ----a|          (answers { instance_id: 'inst-1' })
 * result:  ----r|          (r = { ...found, confirmedInstanceId: 'inst-1' })
 * ping:    ---------...    (no answer)
 * result:  -----#          (# = InstanceNotConfirmedError 'timeout', after timeoutMs)
 * ```
 *
 * ```ts
 * const found = resolveEndpoints(process.cwd());
 * const probe = connect({ pubEndpoint: found.pubEndpoint, rpcEndpoint: found.rpcEndpoint });
 * confirmInstance(found, () => probe.ping()).subscribe({
 *   next: (ok) => console.log(`instance ${ok.confirmedInstanceId} confirmed`),
 *   error: (error: unknown) => console.error(String(error)),
 *   complete: () => probe.close(),
 * });
 * ```
 */
export const confirmInstance = <D extends Discovered>(found: D, ping: PingFn, options: ConfirmOptions = {}): Observable<Confirmed<D>> => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const expected = expectedIdOf(found);
  const fail = (reason: NotConfirmedReason, detail: string, answered?: string, cause?: unknown): InstanceNotConfirmedError =>
    new InstanceNotConfirmedError(reason, found, detail, answered, cause);
  const asked = `instance.ping at ${found.rpcEndpoint}`;
  return defer(() => from(ping(found.rpcEndpoint))).pipe(
    take(1),
    timeout({
      first: timeoutMs,
      scheduler: options.scheduler ?? asyncScheduler,
      with: () => throwError(() => fail('timeout', `${asked} got no answer within ${timeoutMs} ms`)),
    }),
    catchError((error: unknown) =>
      throwError(() =>
        error instanceof InstanceNotConfirmedError
          ? error
          : fail('no-answer', `${asked} failed: ${error instanceof Error ? error.message : String(error)}`, undefined, error),
      ),
    ),
    throwIfEmpty(() => fail('no-answer', `${asked} ended without an answer`)),
    map((answer: unknown): Confirmed<D> => {
      const id = (answer as { instance_id?: unknown } | null | undefined)?.instance_id;
      if (typeof id !== 'string') throw fail('bad-answer', `${asked} answered without a string instance_id`);
      if (expected !== undefined && id !== expected) {
        throw fail('other-instance', `${asked} answered as instance ${quote(id)}, not ${quote(expected)}`, id);
      }
      return { ...found, confirmedInstanceId: id };
    }),
  );
};
