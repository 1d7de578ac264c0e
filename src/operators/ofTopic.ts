import { filter } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { EventOf, KnownTopic, PandoEvent } from '../codecs/topics.js';

/**
 * The events of the given topics, with the event type narrowed to them.
 *
 * ```
 * source:   --t--h--e--u--t--|     t: llm.token, e: llm.end, h: heartbeat, u: unknown topic
 * ofTopic('llm.token', 'llm.end')
 * result:   --t-----e-----t--|
 * ```
 *
 * Topics match exactly, never by prefix (`'llm'` or `'llm.'` matches nothing; list the topics,
 * or filter the SUB socket by prefix upstream). Only known topics can be named: the result is
 * typed as the union of their events, so `switch (event.topic)` types each payload. The
 * narrowing trusts the decoder (`decodeFrame` checks each known topic's payload against its
 * codec). With no topic, nothing passes.
 *
 * @example
 * ```ts
 * events$.pipe(ofTopic('llm.token', 'llm.end')).subscribe((event) => {
 *   if (event.topic === 'llm.token') process.stdout.write(event.payload.token);
 *   else console.log(`\n(${event.payload.tokens_out} tokens)`);
 * });
 * ```
 */
export function ofTopic<K extends KnownTopic>(
  ...topics: readonly K[]
): OperatorFunction<PandoEvent, K extends KnownTopic ? EventOf<K> : never> {
  type Out = K extends KnownTopic ? EventOf<K> : never;
  if (topics.length === 1) {
    const only: string = topics[0]!;
    return filter((event: PandoEvent): event is Out => event.topic === only);
  }
  const wanted: ReadonlySet<string> = new Set<string>(topics);
  return filter((event: PandoEvent): event is Out => wanted.has(event.topic));
}
