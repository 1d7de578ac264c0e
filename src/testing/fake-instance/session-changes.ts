import type { Session } from '../../codecs/payloads.js';
import type { EventPublisher } from './publisher.js';
import type { SessionStore } from './session-store.js';
import type { TurnPlayer } from './turn-player.js';

/**
 * Session changes made by a test, as if a user made them in Pando's own UI: the store changes
 * and the events Pando publishes for it (`session.list` too in full mode, where producers
 * publish it).
 */

/** What the changes touch. */
export interface SessionChangesContext {
  readonly store: SessionStore;
  readonly publisher: EventPublisher;
  readonly player: TurnPlayer;
  /** Full mode also publishes the whole `session.list` after a session is created or deleted. */
  readonly full: boolean;
}

/**
 * Creates or replaces a session and publishes `session.update` (and `session.list` in full mode
 * for a new one). Resolves once the events were sent.
 *
 * ```ts
 * await upsertSession(context, { id: 's9', title: 'New', updated_at: new Date(), message_count: 0 });
 * ```
 */
export const upsertSession = async ({ store, publisher, full }: SessionChangesContext, session: Session): Promise<void> => {
  const isNew = store.put(session);
  const updated = publisher.emit('session.update', { ...session });
  if (!isNew || !full) return updated;
  await Promise.all([updated, publisher.emit('session.list', { sessions: store.list() })]);
};

/**
 * Deletes a session (dropping its running turn without another event) and publishes
 * `session.deleted` (and `session.list` in full mode). False when the session is unknown.
 */
export const deleteSession = async ({ store, publisher, player, full }: SessionChangesContext, sessionId: string): Promise<boolean> => {
  if (!store.has(sessionId)) return false;
  player.abort(sessionId);
  const session = store.remove(sessionId)!;
  const deleted = publisher.emit('session.deleted', session);
  await (full ? Promise.all([deleted, publisher.emit('session.list', { sessions: store.list() })]) : deleted);
  return true;
};

/** Makes a session active and publishes `session.activated`. Rejects for an unknown session. */
export const activateSession = async ({ store, publisher }: SessionChangesContext, sessionId: string): Promise<void> => {
  const session = store.activate(sessionId);
  if (session === undefined) throw new Error(`session not found: "${sessionId}"`);
  await publisher.emit('session.activated', session);
};
