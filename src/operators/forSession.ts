import { filter } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { sessionIdOf } from './sessionIdOf.js';

/**
 * The events of one session; the event type is kept.
 *
 * ```
 * source:   --a--b--h--a--B--|     a: session 'a', b/B: session 'b' (B only in its payload),
 * forSession('b')                   h: heartbeat (no session)
 * result:   -----b--------B--|
 * ```
 *
 * An event belongs to the session that `sessionIdOf(event)` names: its envelope's `sessionId`;
 * when the envelope has none (or `''`), its payload's `session_id`; and for `session.update`,
 * `session.activated` and `session.deleted`, whose payload is the session itself, the
 * payload's `id`. Pando fills the envelope and the payload alike; this is robust to producers
 * that fill only one. Instance-wide events (heartbeats, `session.list`, `db.*`) belong to no
 * session and never pass. Built on RxJS's `filter`: unsubscribing stops the source at once, and
 * a throw (an event that is not an event) errors the result.
 *
 * @example
 * ```ts
 * events$.pipe(forSession(sessionId), ofTopic('llm.token')).subscribe((event) =>
 *   process.stdout.write(event.payload.token),
 * );
 * ```
 */
export function forSession<E extends PandoEvent>(sessionId: string): MonoTypeOperatorFunction<E> {
  return filter((event: E) => sessionIdOf(event) === sessionId);
}
