/**
 * Which session an event is about, as `tail --session` and `send` need it.
 *
 * The library derives this privately in its operators; until it exports one public function
 * for it, the command keeps this copy (it imports only the public entry points).
 */
import type { PandoEvent } from '../index.js';

const SESSION_PAYLOAD_TOPICS: ReadonlySet<string> = new Set(['session.update', 'session.activated', 'session.deleted']);

/**
 * The envelope's `sessionId` when present and not empty, else the payload's `session_id`, else
 * (for `session.update`, `.activated`, `.deleted`, whose payload is the session) the payload's
 * `id`; `undefined` for instance-wide events.
 *
 * ```ts
 * sessionOf(tokenEvent); // '5b0c7a52-…'
 * ```
 */
export const sessionOf = (event: PandoEvent): string | undefined => {
  if (typeof event.sessionId === 'string' && event.sessionId !== '') return event.sessionId;
  const payload: unknown = event.payload;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const record = payload as Record<string, unknown>;
  const own = (key: string): unknown => (Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined);
  const id = own('session_id') ?? (SESSION_PAYLOAD_TOPICS.has(event.topic) ? own('id') : undefined);
  return typeof id === 'string' && id !== '' ? id : undefined;
};
