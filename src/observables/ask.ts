import { Observable, ReplaySubject, filter, switchMap, tap } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { reply, type Reply, type ReplyOptions } from '../operators/reply.js';
import { sessionIdOf } from '../operators/sessionIdOf.js';

/** Options of `RemoteInstance.ask()`. */
export interface AskOptions extends Omit<ReplyOptions, 'scheduler'> {
  /** How long to wait for the instance (events connected, ping answered) before sending, in ms (default 5,000). */
  readonly readyTimeoutMs?: number;
  /** The timeout of the `message.send` call itself, in ms (default: the instance's RPC timeout). */
  readonly sendTimeoutMs?: number;
  /**
   * Unsubscribing before the reply ended also sends `session.interrupt` for the session
   * (default false: unsubscribing only stops listening, and the agent goes on).
   */
  readonly interruptOnUnsubscribe?: boolean;
}

/** What `ask` needs of an instance. */
export interface AskSources {
  /** The events of the reply's topics (`llm.*`, `tool.*`), from the moment of subscription. */
  readonly events: Observable<PandoEvent>;
  /** Waits for the instance (see `RemoteInstance.ready()`). */
  readonly ready: (timeoutMs: number) => Observable<void>;
  readonly send: (timeoutMs: number | undefined) => Observable<unknown>;
  readonly interrupt: () => Observable<unknown>;
  readonly replyOptions: ReplyOptions;
}

/**
 * Listens to the session first, waits for the instance, sends the message, then emits the
 * reply as it streams (see the `reply` operator) until it is done or interrupted. Cold: one
 * message per subscription. Errors: `InstanceUnreachableError` (nothing was sent), `RpcError`
 * and the other call errors of `message.send`, `ReplyTimeoutError` (sent, but no reply began).
 */
export const ask = (sessionId: string, sources: AskSources, options: AskOptions = {}): Observable<Reply> =>
  new Observable<Reply>((subscriber) => {
    // Heard from the start, so the first tokens are never missed; replayed once the send is acknowledged.
    const heard = new ReplaySubject<PandoEvent>();
    subscriber.add(sources.events.pipe(filter((event) => sessionIdOf(event) === sessionId)).subscribe(heard));
    let sent = false;
    let ended = false;
    subscriber.add(
      sources
        .ready(options.readyTimeoutMs ?? 5_000)
        .pipe(
          switchMap(() => sources.send(options.sendTimeoutMs)),
          tap(() => (sent = true)),
          switchMap(() => heard.pipe(reply(sources.replyOptions))),
          tap({ complete: () => (ended = true), error: () => (ended = true) }),
        )
        .subscribe(subscriber),
    );
    return () => {
      if (sent && !ended && options.interruptOnUnsubscribe === true) sources.interrupt().subscribe({ error: () => undefined });
    };
  });
