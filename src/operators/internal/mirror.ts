import { isKnownEvent } from '../../codecs/index.js';
import type { PandoEvent, Session } from '../../codecs/index.js';

/**
 * The persistent session mirror behind `mirrorState`, built as a "rerooted" persistent map
 * (Baker's trick, the classic persistent array):
 *
 * - The Mirrors that grow from one snapshot (a *family*) share ONE mutable `Store`: a `Map`
 *   id → slot, the sessions and their times by slot, and the sorted `order` that `sessions` is
 *   read from.
 * - Each Mirror points to a `Version` of the session set (Mirrors that differ only by
 *   `activeSessionId` share one). Exactly one Version of the family is *current*: the store
 *   holds its set. Every other Version holds `next` (a Version one step closer to the current
 *   one) and `undo`, the writes that turn `next`'s set into its own.
 * - `applyMirrorEvent` works on the current Version (the stream always applies to the newest
 *   Mirror): it writes the change into the store, makes a new current Version, and turns the
 *   old one into `{ next: new, undo: what it overwrote }`. O(1) per session, whatever n is:
 *   one `Map` lookup, a few array slots, four small objects; no sort, no copy, no walk.
 * - Reading an older Mirror (`get`, or `sessions` not read yet) first *reroots* the family
 *   there: it walks to the current Version and replays the `undo`s back, reversing each link
 *   (the Version left behind gets the matching redo). O(distance) once; that Mirror is then the
 *   current one, and the newest is a distance away. Every Mirror keeps answering as it did.
 * - Every max(256, 4n) writes, the next commit starts a new *epoch* (`fork`): the live store
 *   moves to a new Store and the old one keeps copies of its arrays (O(n), amortized O(1) a
 *   write). No link leads from an epoch to the next, so a Mirror that someone keeps (the first
 *   one, in a closure, say) retains its own epoch, O(n), and not every change since.
 *
 * `order` is brought up to date only when some `sessions` is read: `dirty` holds, for each id
 * written since, the session `order` has for it (`undefined`: none), so a read after k writes
 * costs one O(n) copy (the frozen array it returns) plus O(k log n) binary searches, or for
 * more than a few, a sort of the k changed sessions merged in one pass; a full sort only when
 * more than half the sessions changed (or more ids came and went than the store holds).
 */

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
 * Cost model (n sessions): producing the next Mirror from one event is O(1) (see
 * `applyMirrorEvent`). On the newest Mirror `get` and `size` are O(1); `sessions` is O(n) on its
 * first read of a given Mirror (one copy, plus O(log n) per session changed since `sessions` was
 * last read; no full sort unless most sessions changed), then free (cached on that Mirror).
 * `get`, or a first read of `sessions`, on an OLDER Mirror first costs O(number of changes
 * between it and the Mirror last used) once, O(n) at most; `size` never does. A Mirror kept
 * while the stream goes on retains O(n) memory, not the changes that followed it.
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

// ---------------------------------------------------------------------------------------------
// Order

/** A session's time in ms; an invalid Date sorts as the oldest, so the order stays total. */
const timeOf = (session: Session): number => {
  const t = session.updated_at.getTime();
  return t === t ? t : -Infinity;
};

/** `updated_at` descending, then `id` ascending (UTF-16 code-unit order, as `<` compares). */
const compareSessions = (a: Session, b: Session): number => {
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta > tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/** The first index of `order` whose session does not sort before `session`. */
const lowerBound = (order: readonly Session[], session: Session): number => {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareSessions(order[mid]!, session) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** Where this very object is in `order` (by binary search; by scan if someone mutated it). */
const indexOfSession = (order: readonly Session[], session: Session): number => {
  const i = lowerBound(order, session);
  return order[i] === session ? i : order.indexOf(session);
};

// ---------------------------------------------------------------------------------------------
// Equality

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
  // Numbers and booleans first, read by the keys of `b` (the new value, at hand): they sit in
  // the object itself, and a session that changed usually differs there (`message_count`). So
  // most changes are told apart with one read of the old session, without following pointers
  // to its strings and Date, seldom in the CPU cache with many sessions. Only the order of the
  // checks is new, not the answer: a difference here is a difference below.
  const kb = Object.keys(b);
  for (const k of kb) {
    const y = (b as Record<string, unknown>)[k];
    if ((typeof y === 'number' || typeof y === 'boolean') && !Object.is((a as Record<string, unknown>)[k], y)) {
      return false;
    }
  }
  const ka = Object.keys(a);
  if (ka.length !== kb.length) return false;
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

// ---------------------------------------------------------------------------------------------
// The store of a family, and its versions

/**
 * One write: `id` gets `value` (`undefined`: the id is removed). Applying a list of writes turns
 * each into its inverse in place (`value` becomes what the store held), so the list that made a
 * change is the list that undoes it: nothing is allocated to record it.
 */
interface Write {
  readonly id: string;
  value: Session | undefined;
}

/**
 * The mutable state that the Versions of one *epoch* of a family share: the session set of its
 * current Version. After max(256, 4n) writes, the next commit moves the live structures into a
 * new Store (a new epoch) and leaves copies of its arrays here (see `fork`, `epochOf`): so an
 * old Mirror that someone keeps holds on to one epoch (O(n) sessions and about 4n writes at
 * most), never to the whole history after it.
 */
interface Store {
  /**
   * id → slot: where the session is in `bySlot`, and its time in `timeBySlot`. `undefined`
   * after a fork handed the Map to the next epoch, until this epoch needs it again (`slotsOf`
   * rebuilds it from `bySlot`).
   */
  slots: Map<string, number> | undefined;
  /** The sessions, by slot; `undefined` in a free slot. */
  bySlot: (Session | undefined)[];
  /**
   * `timeOf` each session, by slot: an update whose time differs is a change, told without
   * reading the old session (with many sessions, seldom in the CPU cache).
   */
  timeBySlot: number[];
  /** Slots freed by deletes, for the next inserts. */
  freeSlots: number[];
  /** How many sessions. */
  size: number;
  /** Writes committed in this Store (this epoch) so far. */
  writes: number;
  /**
   * The sessions in `sessions` order as they were when `order` was last brought up to date
   * (frozen: it is also some Mirror's `sessions`); `undefined` until the first read, or after
   * too many writes to be worth tracking (the next read sorts again).
   */
  order: readonly Session[] | undefined;
  /** For each id written since `order` was brought up to date: the session `order` has for it. */
  dirty: Map<string, Session | undefined>;
}

/** One session set of a family. Mirrors that differ only by `activeSessionId` share one. */
interface Version {
  readonly store: Store;
  readonly size: number;
  /** `undefined` when this Version is the current one (the store holds its set). */
  next: Version | undefined;
  /** The writes that turn `next`'s set into this one's (none when current). */
  undo: readonly Write[];
  /** `sessions`, once read. */
  sessions: readonly Session[] | undefined;
}

const NO_WRITES: readonly Write[] = Object.freeze([]);

/** Up to this many changed ids, a read of `sessions` splices them into a copy of `order`. */
const SPLICE_MAX = 8;
/** `dirty` may exceed the ids `order` and the store hold by this much before it is dropped. */
const DIRTY_SLACK = 32;
/** An epoch ends after this many writes per session (at least `EPOCH_MIN`): see `fork`. */
const EPOCH_PER_SESSION = 4;
const EPOCH_MIN = 256;

const newVersion = (store: Store): Version => ({
  store,
  size: store.size,
  next: undefined,
  undo: NO_WRITES,
  sessions: undefined,
});

/**
 * The id as the engine's unique copy of that string (what a property name becomes), for the
 * keys of `slots`. Every lookup compares the event's id with the stored key, a random one of n
 * strings: a stored key that is one flat string costs one memory read there, where an id built
 * by concatenation (a rope of strings) costs several. Done once per id, when it enters.
 */
const intern = (id: string): string => Object.keys({ [id]: 0 })[0]!;

/** The id → slot Map of `store`, rebuilt from `bySlot` if a fork took it. */
const slotsOf = (store: Store): Map<string, number> => {
  if (store.slots !== undefined) return store.slots;
  const slots = new Map<string, number>();
  const bySlot = store.bySlot;
  for (let slot = 0; slot < bySlot.length; slot++) {
    const s = bySlot[slot];
    if (s !== undefined) slots.set(intern(s.id), slot);
  }
  return (store.slots = slots);
};

/**
 * Writes `value` at `id` (`undefined`: removes it), whose slot the caller looked up, and returns
 * what the store held. The one place the store changes.
 */
const writeAt = (
  store: Store,
  id: string,
  slot: number | undefined,
  value: Session | undefined,
  time: number,
): Session | undefined => {
  const { bySlot, dirty } = store;
  const before = slot === undefined ? undefined : bySlot[slot];
  if (store.order !== undefined && !dirty.has(id)) {
    dirty.set(id, before);
    // Ids that come and go between reads would grow `dirty` without bound: give up on `order`.
    if (dirty.size > store.order.length + store.size + DIRTY_SLACK) {
      store.order = undefined;
      dirty.clear();
    }
  }
  if (value !== undefined) {
    if (slot === undefined) {
      slot = store.freeSlots.pop() ?? bySlot.length;
      slotsOf(store).set(intern(id), slot);
      store.size++;
    }
    bySlot[slot] = value;
    store.timeBySlot[slot] = time;
  } else if (slot !== undefined) {
    slotsOf(store).delete(id);
    store.size--;
    bySlot[slot] = undefined;
    store.freeSlots.push(slot);
  }
  return before;
};

/** Writes `value` at `id` (`undefined`: removes it) and returns what the store held. */
const write = (store: Store, id: string, value: Session | undefined): Session | undefined =>
  writeAt(store, id, slotsOf(store).get(id), value, value === undefined ? 0 : timeOf(value));

/** The session with this id in the store. */
const lookup = (store: Store, id: string): Session | undefined => {
  const slot = slotsOf(store).get(id);
  return slot === undefined ? undefined : store.bySlot[slot];
};

/** A store holding these sessions (each id once). */
const storeOf = (sessions: Iterable<Session>): Store => {
  const slots = new Map<string, number>();
  const store: Store = {
    slots,
    bySlot: [],
    timeBySlot: [],
    freeSlots: [],
    size: 0,
    writes: 0,
    order: undefined,
    dirty: new Map(),
  };
  for (const s of sessions) {
    slots.set(intern(s.id), store.bySlot.length);
    store.bySlot.push(s);
    store.timeBySlot.push(timeOf(s));
  }
  store.size = store.bySlot.length;
  return store;
};

/** Applies `writes` (each id once) to the store and turns them, in place, into their inverse. */
const swap = (store: Store, writes: readonly Write[]): readonly Write[] => {
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!;
    w.value = write(store, w.id, w.value);
  }
  return writes;
};

/**
 * Makes `target` the current Version of its family: walks to the current one, then replays the
 * `undo`s back to `target`, reversing each link. Iterative: chains can be long.
 */
const reroot = (target: Version): void => {
  if (target.next === undefined) return;
  const path: Version[] = [];
  for (let v: Version = target; v.next !== undefined; v = v.next) path.push(v);
  const store = target.store;
  for (let i = path.length - 1; i >= 0; i--) {
    const v = path[i]!;
    const ahead = v.next!; // the current Version
    ahead.undo = swap(store, v.undo); // v's undo, applied, is ahead's way back
    ahead.next = v;
    v.next = undefined;
    v.undo = NO_WRITES;
  }
};

/**
 * Ends the epoch of `from` (current): its live structures move to a new Store, where a new
 * Version with the same set is returned, and the old Store keeps copies of the arrays (the Map
 * is rebuilt from them if an old Version is ever used again). Nothing of the new epoch is
 * reachable from the old one. O(n) array copies once per `epochLength` writes: O(1) a write.
 */
const fork = (from: Version): Version => {
  const old = from.store;
  const store: Store = {
    slots: old.slots,
    bySlot: old.bySlot,
    timeBySlot: old.timeBySlot,
    freeSlots: old.freeSlots,
    size: old.size,
    writes: 0,
    order: old.order,
    dirty: old.dirty,
  };
  old.slots = undefined;
  old.bySlot = old.bySlot.slice();
  old.timeBySlot = old.timeBySlot.slice();
  old.freeSlots = old.freeSlots.slice();
  old.dirty = new Map(old.dirty);
  return { store, size: from.size, next: undefined, undo: NO_WRITES, sessions: from.sessions };
};

/** The Version to commit on instead of `from` (current): itself, or a fork when its epoch is full. */
const epochOf = (from: Version): Version => {
  const store = from.store;
  return store.writes < Math.max(EPOCH_MIN, EPOCH_PER_SESSION * store.size) ? from : fork(from);
};

/** `commit` of one write, whose slot and time the caller has (the path of almost every event). */
const commitOne = (
  current: Version,
  id: string,
  slot: number | undefined,
  value: Session | undefined,
  time: number,
): Version => {
  const from = epochOf(current);
  const store = from.store;
  store.writes++;
  const undo: Write[] = [{ id, value: writeAt(store, id, slot, value, time) }];
  const to = newVersion(store);
  from.next = to;
  from.undo = undo;
  return to;
};

/**
 * Applies `writes` (fresh, each id once) to the store of `current` and returns the new current
 * Version; the one it came from keeps the inverse writes as its way back.
 */
const commit = (current: Version, writes: Write[]): Version => {
  const from = epochOf(current);
  const store = from.store;
  store.writes += writes.length;
  const undo = swap(store, writes);
  const to = newVersion(store);
  from.next = to;
  from.undo = undo;
  return to;
};

/** The full sort: O(n log n). */
const sortAll = (store: Store): readonly Session[] => {
  const all: Session[] = [];
  for (const s of store.bySlot) if (s !== undefined) all.push(s);
  return Object.freeze(all.sort(compareSessions));
};

/** Brings `order` up to date with the store and returns it (frozen, never mutated after). */
const refreshOrder = (store: Store): readonly Session[] => {
  const dirty = store.dirty;
  const order = store.order;
  let next: readonly Session[];
  if (order === undefined || 2 * dirty.size > store.size) {
    next = sortAll(store);
  } else if (dirty.size <= SPLICE_MAX) {
    // A few changes: a copy, then per id a binary search out and a binary search in.
    const out = order.slice();
    for (const [id, old] of dirty) {
      const now = lookup(store, id);
      if (now === old) continue;
      if (old !== undefined) {
        const at = indexOfSession(out, old);
        if (at >= 0) out.splice(at, 1);
      }
      if (now !== undefined) out.splice(lowerBound(out, now), 0, now);
    }
    next = Object.freeze(out);
  } else {
    // More: drop the old values in one pass and merge in the new ones, sorted. O(n + k log k).
    const removed = new Set<Session>();
    const added: Session[] = [];
    for (const [id, old] of dirty) {
      const now = lookup(store, id);
      if (now === old) continue;
      if (old !== undefined) removed.add(old);
      if (now !== undefined) added.push(now);
    }
    added.sort(compareSessions);
    const out: Session[] = [];
    let j = 0;
    for (let i = 0; i < order.length; i++) {
      const s = order[i]!;
      if (removed.has(s)) continue;
      while (j < added.length && compareSessions(added[j]!, s) < 0) out.push(added[j++]!);
      out.push(s);
    }
    while (j < added.length) out.push(added[j++]!);
    next = Object.freeze(out);
  }
  store.order = next;
  dirty.clear();
  return next;
};

// ---------------------------------------------------------------------------------------------
// The Mirror

/** The one implementation of `Mirror`; frozen on construction (its Version is internal). */
class PersistentMirror implements Mirror {
  readonly instanceId: string;
  readonly activeSessionId?: string;
  readonly syncedAt: Date;
  readonly source: MirrorSource;
  /** @internal */
  readonly version: Version;

  constructor(header: Omit<MirrorSnapshot, 'sessions'>, version: Version) {
    this.instanceId = header.instanceId;
    if (header.activeSessionId !== undefined) this.activeSessionId = header.activeSessionId;
    this.syncedAt = header.syncedAt;
    this.source = header.source;
    this.version = version;
    Object.freeze(this);
  }

  get sessions(): readonly Session[] {
    const version = this.version;
    if (version.sessions !== undefined) return version.sessions;
    reroot(version);
    return (version.sessions = refreshOrder(version.store));
  }

  get size(): number {
    return this.version.size;
  }

  get(id: string): Session | undefined {
    const version = this.version;
    reroot(version);
    return lookup(version.store, id);
  }

  /** The mirror's data without its internals, for `JSON.stringify` and logs. */
  toJSON(): MirrorSnapshot {
    return {
      instanceId: this.instanceId,
      sessions: this.sessions,
      ...(this.activeSessionId === undefined ? {} : { activeSessionId: this.activeSessionId }),
      source: this.source,
      syncedAt: this.syncedAt,
    };
  }

  /** The same header with another active session, on `version` (by default the same set). */
  withActive(activeSessionId: string | undefined, version: Version = this.version): PersistentMirror {
    return new PersistentMirror(
      { instanceId: this.instanceId, activeSessionId, syncedAt: this.syncedAt, source: this.source },
      version,
    );
  }
}

const asPersistent = (mirror: Mirror): PersistentMirror => {
  if (mirror instanceof PersistentMirror) return mirror;
  throw new TypeError('applyMirrorEvent: expected a Mirror made by createMirror or applyMirrorEvent');
};

/**
 * Builds the first Mirror from a snapshot. O(n); the order is sorted on the first read of
 * `sessions`. A repeated id keeps its last occurrence; `activeSessionId` is taken as the
 * snapshot says.
 *
 * @example
 * ```ts
 * const mirror = createMirror({ instanceId, sessions, source: 'session.list', syncedAt: new Date() });
 * mirror.sessions[0]; // the most recently updated session
 * ```
 */
export function createMirror(snapshot: MirrorSnapshot): Mirror {
  return new PersistentMirror(snapshot, newVersion(storeOf(lastById(snapshot.sessions).values())));
}

// Each step below reads and checks everything it needs (which may throw on a payload that breaks
// its type) BEFORE its first write, so that a throw leaves the family as it was.

const upsert = (mirror: PersistentMirror, session: Session, activeSessionId: string | undefined): Mirror => {
  const id = session.id;
  const store = mirror.version.store;
  const slot = slotsOf(store).get(id);
  const time = timeOf(session); // an `updated_at` that is no Date throws here, before any write
  // Another time is a change (without reading the old session); the same time, maybe not.
  if (slot !== undefined && store.timeBySlot[slot] === time && deepEqual(store.bySlot[slot], session)) {
    return activeSessionId === mirror.activeSessionId ? mirror : mirror.withActive(activeSessionId);
  }
  return mirror.withActive(activeSessionId, commitOne(mirror.version, id, slot, session, time));
};

const deleteSession = (mirror: PersistentMirror, id: string): Mirror => {
  const active = mirror.activeSessionId === id ? undefined : mirror.activeSessionId;
  // An unknown id changes nothing, unless the snapshot had named it the active session.
  const slot = slotsOf(mirror.version.store).get(id);
  if (slot === undefined) return active === mirror.activeSessionId ? mirror : mirror.withActive(active);
  return mirror.withActive(active, commitOne(mirror.version, id, slot, undefined, 0));
};

const replaceAll = (mirror: PersistentMirror, sessions: readonly Session[]): Mirror => {
  const incoming = lastById(sessions);
  const store = mirror.version.store;
  const writes: Write[] = [];
  let kept = 0; // ids of the list that the mirror already has
  for (const [id, session] of incoming) {
    const prev = lookup(store, id);
    timeOf(session); // throws here, before any write, on an `updated_at` that is no Date
    if (prev !== undefined) {
      kept++;
      if (deepEqual(prev, session)) continue; // keeps its identity
    }
    writes.push({ id, value: session });
  }
  if (kept < store.size) {
    // Some ids are gone: remove what the list no longer has.
    for (const id of slotsOf(store).keys()) if (!incoming.has(id)) writes.push({ id, value: undefined });
  }
  const active =
    mirror.activeSessionId !== undefined && incoming.has(mirror.activeSessionId) ? mirror.activeSessionId : undefined;
  if (writes.length === 0) return active === mirror.activeSessionId ? mirror : mirror.withActive(active);
  return mirror.withActive(active, commit(mirror.version, writes));
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
 * Cost: O(1) for one session, whatever the number of sessions (one `Map` lookup, a few array
 * slots and one undo record; no array copied, no sort, no walk), plus a deep comparison with the
 * session it replaces when both have the same `updated_at`; `session.list` O(n) to compare, plus
 * O(1) per changed session. Applied to an OLDER Mirror (a branch), it first costs
 * O(number of changes between that Mirror and the Mirror last used), once.
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
      reroot(current.version);
      return upsert(current, event.payload, current.activeSessionId);
    case 'session.activated':
      reroot(current.version);
      return upsert(current, event.payload, event.payload.id);
    case 'session.deleted':
      reroot(current.version);
      return deleteSession(current, event.payload.id);
    case 'session.list':
      reroot(current.version);
      return replaceAll(current, event.payload.sessions);
    default:
      return current;
  }
}
