import type { PandoEvent } from '../codecs/topics.js';

/**
 * The session an event is about, or `undefined` for an instance-wide event (heartbeats,
 * `session.list`, `db.*`): the one place where this is decided, for `forSession`, the turn and
 * tool-call operators, and the consumers of this library.
 *
 * In order: the envelope's `sessionId` when present and non-empty; else the payload's
 * `session_id` (when the payload has that key, its value decides: a non-empty string, else no
 * session); else, for `session.update`, `session.activated` and `session.deleted`, whose payload
 * is the session itself, the payload's `id`. Pando fills the envelope and the payload alike;
 * this also works with producers that fill only one.
 *
 * Cheap enough to run on every event: a few property reads and string comparisons, no
 * allocation.
 *
 * @example
 * ```ts
 * events$.pipe(filter((event) => sessionIdOf(event)?.startsWith('sess-') ?? false));
 * ```
 */
export function sessionIdOf(event: PandoEvent): string | undefined {
  const fromEnvelope = event.sessionId;
  if (typeof fromEnvelope === 'string' && fromEnvelope !== '') return fromEnvelope;
  const payload = event.payload as { readonly session_id?: unknown; readonly id?: unknown } | null;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const fromPayload = payload.session_id;
  if (fromPayload !== undefined || 'session_id' in payload) {
    return typeof fromPayload === 'string' && fromPayload !== '' ? fromPayload : undefined;
  }
  if (!namesSessionById(event.topic)) return undefined;
  const id = payload.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Whether the topic's payload is a whole `Session`, so that `payload.id` names the session. */
const namesSessionById = (topic: string): boolean =>
  topic === 'session.update' || topic === 'session.activated' || topic === 'session.deleted';
