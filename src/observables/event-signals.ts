import { Observable } from 'rxjs';
import { InvalidEndpointError } from './endpoint.js';
import type { EventLink, EventLinkSignal, Transport } from './transport.js';

/**
 * The events of the instance at `address` as a cold Observable: each subscription opens one
 * event link of `transport`, follows `prefixes$`, and closes the link on unsubscribe.
 *
 * Written once for every transport: each list that `prefixes$` emits replaces the previous one
 * on the open link (prefixes that go are unsubscribed, new ones subscribed, nothing
 * reconnects). Until its first list the link subscribes to nothing; when it completes the
 * last list stays; when it errors, so does the result. An address that the transport refuses
 * errors the result with `InvalidEndpointError` before anything is opened.
 *
 * ```ts
 * eventSignals(transport, 'tcp://127.0.0.1:46503', of(['llm.token\u0000'])).subscribe(console.log);
 * ```
 */
export const eventSignals = (
  transport: Transport,
  address: string,
  prefixes$: Observable<readonly string[]>,
): Observable<EventLinkSignal> =>
  new Observable<EventLinkSignal>((subscriber) => {
    const problem = transport.checkAddress?.(address);
    if (problem !== undefined) {
      subscriber.error(new InvalidEndpointError(address, problem));
      return undefined;
    }
    // The prefixes first: a list that fails at once fails the stream before anything opens.
    const subscribed = new Set<string>();
    let link: EventLink | undefined;
    let first: readonly string[] | undefined;
    subscriber.add(
      prefixes$.subscribe({
        next: (wanted) => {
          if (link === undefined) first = wanted;
          else follow(link, wanted);
        },
        error: (err: unknown) => subscriber.error(err),
      }),
    );
    if (subscriber.closed) return undefined;
    const opened = transport.openEvents(address, subscriber);
    link = opened;
    subscriber.add(() => opened.close());
    if (first !== undefined) follow(opened, first);
    return undefined;

    /** Moves the link's subscription to `wanted`; a link that refuses a prefix fails the stream. */
    function follow(target: EventLink, wanted: readonly string[]): void {
      try {
        const next = new Set(wanted);
        for (const prefix of [...subscribed]) {
          if (next.has(prefix)) continue;
          target.unsubscribe(prefix);
          subscribed.delete(prefix);
        }
        for (const prefix of next) {
          if (subscribed.has(prefix)) continue;
          target.subscribe(prefix);
          subscribed.add(prefix);
        }
      } catch (err) {
        subscriber.error(err);
      }
    }
  });
