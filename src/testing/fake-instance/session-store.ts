import { randomUUID } from 'node:crypto';
import type { Session } from '../../codecs/payloads.js';
import type { MessageRecord } from '../../codecs/rpc.js';
import { wholeSeconds } from '../sessions.js';

/**
 * The fake instance's sessions, their stored messages and the active session: plain state,
 * no I/O (whoever changes it publishes what Pando would). Every read returns copies.
 */

/** What the store starts with. */
export interface SessionStoreSeed {
  readonly sessions: readonly Session[];
  readonly messages: Readonly<Record<string, readonly MessageRecord[]>>;
  /** The active session; `undefined` for the most recently updated one, `null` for none. */
  readonly activeSessionId?: string | null;
}

/** A message that was stored, and the session as it is after it. */
export interface StoredMessage {
  readonly message: MessageRecord;
  readonly session: Session;
}

/**
 * Sessions by id, messages by session id, and the active session id.
 *
 * ```ts
 * const store = new SessionStore({ sessions: [], messages: {} });
 * store.put({ id: 's1', title: 'New', updated_at: new Date(), message_count: 0 });
 * store.addMessage('s1', 'user', 'hello'); // message_count 1, updated_at now (whole seconds)
 * ```
 */
export class SessionStore {
  private readonly sessionsById = new Map<string, Session>();
  private readonly messagesById = new Map<string, MessageRecord[]>();
  private active: string | undefined;

  constructor(seed: SessionStoreSeed) {
    for (const session of seed.sessions) this.sessionsById.set(session.id, { ...session });
    for (const [id, list] of Object.entries(seed.messages)) this.messagesById.set(id, [...list]);
    this.active = seed.activeSessionId === null ? undefined : (seed.activeSessionId ?? this.list()[0]?.id);
  }

  /** How many sessions there are. */
  get size(): number {
    return this.sessionsById.size;
  }

  /** The active session's id, if any. */
  get activeSessionId(): string | undefined {
    return this.active;
  }

  /** The sessions, most recently updated first (as `session.list` answers). */
  list(): Session[] {
    return [...this.sessionsById.values()]
      .sort((a, b) => b.updated_at.getTime() - a.updated_at.getTime())
      .map((s) => ({ ...s }));
  }

  /** One session, or `undefined`. */
  get(sessionId: string): Session | undefined {
    const session = this.sessionsById.get(sessionId);
    return session === undefined ? undefined : { ...session };
  }

  has(sessionId: string): boolean {
    return this.sessionsById.has(sessionId);
  }

  /** Creates or replaces a session; true when it is new. */
  put(session: Session): boolean {
    const isNew = !this.sessionsById.has(session.id);
    this.sessionsById.set(session.id, { ...session });
    return isNew;
  }

  /** Removes a session and its messages (and makes no session active if it was); the removed session. */
  remove(sessionId: string): Session | undefined {
    const session = this.sessionsById.get(sessionId);
    if (session === undefined) return undefined;
    this.sessionsById.delete(sessionId);
    this.messagesById.delete(sessionId);
    if (this.active === sessionId) this.active = undefined;
    return session;
  }

  /** Makes a session active; the session, or `undefined` (and no change) when unknown. */
  activate(sessionId: string): Session | undefined {
    const session = this.get(sessionId);
    if (session !== undefined) this.active = sessionId;
    return session;
  }

  /** The stored messages of a session, oldest first (`[]` for an unknown session). */
  messages(sessionId: string): MessageRecord[] {
    return (this.messagesById.get(sessionId) ?? []).map((m) => ({ ...m }));
  }

  /**
   * Stores a message and bumps the session's `message_count` and `updated_at` (whole seconds,
   * as Pando does). `undefined` when the session is unknown (nothing is stored).
   */
  addMessage(sessionId: string, role: 'user' | 'assistant', content: string): StoredMessage | undefined {
    const session = this.sessionsById.get(sessionId);
    if (session === undefined) return undefined;
    const now = wholeSeconds();
    const message: MessageRecord = { id: randomUUID(), role, content, created_at: now };
    const list = this.messagesById.get(sessionId) ?? [];
    list.push(message);
    this.messagesById.set(sessionId, list);
    const next: Session = { ...session, message_count: session.message_count + 1, updated_at: now };
    this.sessionsById.set(sessionId, next);
    return { message: { ...message }, session: { ...next } };
  }
}
