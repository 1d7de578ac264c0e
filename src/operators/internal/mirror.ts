import * as sortedBtree from 'sorted-btree';
import { isKnownEvent } from '../../codecs/index.js';
import type { PandoEvent, Session } from '../../codecs/index.js';

/**
 * The persistent session mirror behind `mirrorState`: two copy-on-write B+ trees
 * (`sorted-btree`) that every new Mirror shares with the one it came from, except for the
 * O(log n) nodes on the paths it changed.
 *
 * - `byId`:  id → session, for `get(id)` and for finding the entry an event replaces.
 * - `order`: { updated_at desc, id asc } → session, the order of `sessions`.
 *
 * `sessions` is read out of `order` lazily, on first access, and cached on that Mirror.
 */

// `sorted-btree` is CommonJS with `exports.default = BTree`. Bundlers and the CommonJS build hand
// us the class as the namespace's `default`; Node's ESM loader hands us `module.exports` there
// instead, whose own `default` is the class. Accept both.
type BTree<K, V> = sortedBtree.default<K, V>;
type BTreeClass = typeof sortedBtree.default;
const BTree: BTreeClass =
  typeof sortedBtree.default === 'function'
    ? sortedBtree.default
    : (sortedBtree.default as unknown as { default: BTreeClass }).default;

/** Where the snapshot a mirror starts from came from. */
export type MirrorSource = 'state.sync' | 'session.list';

/** The snapshot a mirror starts from: the result of `state.sync` or of `session.list`. */
export interface MirrorSnapshot {
  /** The instance the snapshot was taken from. */
  readonly instanceId: string;
  /** Every session of the instance, in any order; a repeated id keeps its last occurrence. */
  readonly sessions: readonly Session[];
  /** The active session, when the instance said (`state.sync` does, `session.list` does not). */
  readonly activeSessionId?: string;
  /** Which call produced the snapshot. */
  readonly source: MirrorSource;
  /** When the snapshot was taken. */
  readonly syncedAt: Date;
}

/**
 * An immutable view of an instance's sessions. Every change is a new Mirror; a session that did
 * not change keeps its object identity from one Mirror to the next.
 *
 * Cost model (n sessions): `get` O(log n), `size` O(1), `sessions` O(n) on its first read of a
 * given Mirror and free after that (cached on that Mirror); producing the next Mirror from one
 * event is O(log n) and copies no array (see `applyMirrorEvent`).
 */
export interface Mirror {
  /** The instance, as the snapshot named it (events never change it). */
  readonly instanceId: string;
  /** The active session's id; cleared when that session leaves the mirror. */
  readonly activeSessionId?: string;
  /** Every session, newest `updated_at` first, ties by `id` ascending. Frozen. */
  readonly sessions: readonly Session[];
  /** The session with this id. */
  get(id: string): Session | undefined;
  /** How many sessions. */
  readonly size: number;
  /** When the snapshot this mirror grew from was taken (events never change it). */
  readonly syncedAt: Date;
  /** Which call produced that snapshot (events never change it). */
  readonly source: MirrorSource;
}

/** The key of the ordered index: the sort fields, copied out of the session. */
interface OrderKey {
  readonly t: number;
  readonly id: string;
}

/** A session's time in ms; an invalid Date sorts as the oldest, so the order stays total. */
const timeOf = (session: Session): number => {
  const t = session.updated_at.getTime();
  return t === t ? t : -Infinity;
};

const orderKeyOf = (session: Session): OrderKey => ({ t: timeOf(session), id: session.id });

/** `updated_at` descending, then `id` ascending (UTF-16 code-unit order, as `<` compares). */
const compareOrderKeys = (a: OrderKey, b: OrderKey): number =>
  a.t !== b.t ? (a.t > b.t ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const hasOwn = Object.prototype.hasOwnProperty;

/** Structural equality of decoded JSON values, with `Date`s compared by time. */
const deepEqual = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!hasOwn.call(b, k) || !deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) {
      return false;
    }
  }
  return true;
};

/** The last occurrence of each id wins. */
const lastById = (sessions: readonly Session[]): Map<string, Session> => {
  const map = new Map<string, Session>();
  for (const s of sessions) map.set(s.id, s);
  return map;
};

/** What a Mirror holds besides its header; shared by Mirrors whose session set is the same. */
interface Store {
  readonly byId: BTree<string, Session>;
  readonly order: BTree<OrderKey, Session>;
  /** `sessions`, once read. The one mutable slot: written once, then only read. */
  cached?: readonly Session[];
}

/** The one implementation of `Mirror`; frozen on construction. */
class PersistentMirror implements Mirror {
  readonly instanceId: string;
  readonly activeSessionId?: string;
  readonly syncedAt: Date;
  readonly source: MirrorSource;
  /** @internal */
  readonly store: Store;

  constructor(header: Omit<MirrorSnapshot, 'sessions'>, store: Store) {
    this.instanceId = header.instanceId;
    if (header.activeSessionId !== undefined) this.activeSessionId = header.activeSessionId;
    this.syncedAt = header.syncedAt;
    this.source = header.source;
    this.store = store;
    Object.freeze(this);
  }

  get sessions(): readonly Session[] {
    const store = this.store;
    return (store.cached ??= Object.freeze(store.order.valuesArray()));
  }

  get size(): number {
    return this.store.byId.size;
  }

  get(id: string): Session | undefined {
    return this.store.byId.get(id);
  }

  /** The mirror's data without its indexes, for `JSON.stringify` and logs. */
  toJSON(): MirrorSnapshot {
    return {
      instanceId: this.instanceId,
      sessions: this.sessions,
      ...(this.activeSessionId === undefined ? {} : { activeSessionId: this.activeSessionId }),
      source: this.source,
      syncedAt: this.syncedAt,
    };
  }

  /** The same header with another active session (and the same store, hence the same `sessions`). */
  withActive(activeSessionId: string | undefined, store: Store = this.store): PersistentMirror {
    return new PersistentMirror(
      { instanceId: this.instanceId, activeSessionId, syncedAt: this.syncedAt, source: this.source },
      store,
    );
  }
}

const storeOf = (sessions: Iterable<Session>): Store => {
  const byId = new BTree<string, Session>(undefined, compareIds);
  const order = new BTree<OrderKey, Session>(undefined, compareOrderKeys);
  for (const s of sessions) {
    byId.set(s.id, s);
    order.set(orderKeyOf(s), s);
  }
  return { byId, order };
};

/**
 * Puts `next` in place of `prev` (absent for a new id) in cloned-on-write trees. Trees made by
 * `clone()` copy only the nodes on the paths they write: O(log n) nodes, never the whole tree.
 */
const put = (byId: BTree<string, Session>, order: BTree<OrderKey, Session>, prev: Session | undefined, next: Session): void => {
  byId.set(next.id, next);
  const key = orderKeyOf(next);
  // Same time and id: the entry stays where it is and `set` overwrites it in place.
  if (prev !== undefined && timeOf(prev) !== key.t) order.delete(orderKeyOf(prev));
  order.set(key, next);
};

const remove = (byId: BTree<string, Session>, order: BTree<OrderKey, Session>, prev: Session): void => {
  byId.delete(prev.id);
  order.delete(orderKeyOf(prev));
};

const asPersistent = (mirror: Mirror): PersistentMirror => {
  if (mirror instanceof PersistentMirror) return mirror;
  throw new TypeError('applyMirrorEvent: expected a Mirror made by createMirror or applyMirrorEvent');
};

/**
 * Builds the first Mirror from a snapshot. O(n log n). A repeated id keeps its last occurrence;
 * `activeSessionId` is taken as the snapshot says.
 *
 * @example
 * ```ts
 * const mirror = createMirror({ instanceId, sessions, source: 'session.list', syncedAt: new Date() });
 * mirror.sessions[0]; // the most recently updated session
 * ```
 */
export function createMirror(snapshot: MirrorSnapshot): Mirror {
  return new PersistentMirror(snapshot, storeOf(lastById(snapshot.sessions).values()));
}

const upsert = (mirror: PersistentMirror, session: Session, activeSessionId: string | undefined): Mirror => {
  const { byId, order } = mirror.store;
  const prev = byId.get(session.id);
  if (prev !== undefined && deepEqual(prev, session)) {
    return activeSessionId === mirror.activeSessionId ? mirror : mirror.withActive(activeSessionId);
  }
  const nextById = byId.clone();
  const nextOrder = order.clone();
  put(nextById, nextOrder, prev, session);
  return mirror.withActive(activeSessionId, { byId: nextById, order: nextOrder });
};

const deleteSession = (mirror: PersistentMirror, id: string): Mirror => {
  const prev = mirror.store.byId.get(id);
  // An unknown id changes nothing, unless the snapshot had named it the active session.
  if (prev === undefined) return mirror.activeSessionId === id ? mirror.withActive(undefined) : mirror;
  const nextById = mirror.store.byId.clone();
  const nextOrder = mirror.store.order.clone();
  remove(nextById, nextOrder, prev);
  return mirror.withActive(mirror.activeSessionId === id ? undefined : mirror.activeSessionId, {
    byId: nextById,
    order: nextOrder,
  });
};

const replaceAll = (mirror: PersistentMirror, sessions: readonly Session[]): Mirror => {
  const incoming = lastById(sessions);
  const { byId, order } = mirror.store;
  const nextById = byId.clone();
  const nextOrder = order.clone();
  let changed = false;
  let kept = 0; // ids of the list that the mirror already has
  for (const [id, session] of incoming) {
    const prev = byId.get(id);
    if (prev !== undefined) kept++;
    if (prev !== undefined && deepEqual(prev, session)) continue; // keeps its identity
    put(nextById, nextOrder, prev, session);
    changed = true;
  }
  if (kept < byId.size) {
    // Some ids are gone: remove what the list no longer has.
    byId.forEachPair((id, prev) => {
      if (!incoming.has(id)) remove(nextById, nextOrder, prev);
    });
    changed = true;
  }
  const active =
    mirror.activeSessionId !== undefined && incoming.has(mirror.activeSessionId) ? mirror.activeSessionId : undefined;
  if (!changed) return active === mirror.activeSessionId ? mirror : mirror.withActive(active);
  return mirror.withActive(active, { byId: nextById, order: nextOrder });
};

/**
 * The Mirror after one event; the same Mirror object when the event changes nothing.
 *
 * - `session.update`: upserts the whole session.
 * - `session.activated`: upserts the session and makes it the active one.
 * - `session.deleted`: removes the session with that id (clearing `activeSessionId` if it was it).
 * - `session.list`: replaces the whole set; sessions deep-equal to the ones they replace keep
 *   their identity; `activeSessionId` is cleared if the list no longer has it.
 * - anything else is ignored. So is the event's `instanceId`: Pando's heartbeats put the PUB
 *   address there, so it is no reliable filter; feed one instance's events to one mirror.
 *
 * Cost: O(log n) for one session (two B+ tree paths copied, no array copied, no sort);
 * `session.list` O(n) to compare plus O(log n) per changed session.
 *
 * @example
 * ```ts
 * const next = applyMirrorEvent(mirror, event);
 * if (next !== mirror) render(next.sessions);
 * ```
 */
export function applyMirrorEvent(mirror: Mirror, event: PandoEvent): Mirror {
  const current = asPersistent(mirror);
  if (!isKnownEvent(event)) return current;
  switch (event.topic) {
    case 'session.update':
      return upsert(current, event.payload, current.activeSessionId);
    case 'session.activated':
      return upsert(current, event.payload, event.payload.id);
    case 'session.deleted':
      return deleteSession(current, event.payload.id);
    case 'session.list':
      return replaceAll(current, event.payload.sessions);
    default:
      return current;
  }
}
