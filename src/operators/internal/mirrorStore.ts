import type { Session } from '../../codecs/payloads.js';
import { isKnownEvent, type PandoEvent } from '../../codecs/topics.js';
import { indexSessions, lookupSession, withSession, type SessionIndex } from './sessionIndex.js';
import { compareSessions, deepEqual, isOlderCopy, lastById, lowerBound, positionOf, timeOf } from './sessionOrder.js';

/**
 * The Mirror behind `mirrorState` and `liveMirror`: an immutable value. Each Mirror holds its
 * sessions as one frozen array sorted newest first, an immutable id index (`sessionIndex.ts`)
 * and the ids deleted lately; an event makes a new Mirror with one copy of the array (a binary
 * search out, a binary search in: no sort) and a new index path. Nothing is shared that anyone
 * writes to: an old Mirror answers as it did, and reading it changes nothing.
 * (One job, a little over 350 lines: the Mirror value and the rules each event and snapshot
 * follow, kept together so that every rule is read beside the value it changes.)
 *
 * What real Pando does, and what the Mirror does about it (see docs/live-streams.md):
 * - every save publishes `session.update` twice, and the second copy can come late: a copy
 *   replaces the session it names only when it is not older (`isOlderCopy`), and a copy equal
 *   to what the Mirror holds is no change at all (the same Mirror comes back);
 * - a late copy of a deleted session does not bring it back (`tombstones`);
 * - heartbeats carry `active_session_id`: it fills (and follows) `activeSessionId`.
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
 * not change keeps its object identity from one Mirror to the next, and so does the `sessions`
 * array when no session changed.
 *
 * Cost (n sessions): `sessions`, `size` and `get` are O(1) (`get` hashes the id); the next
 * Mirror after an event costs one copy of the `sessions` array, O(n) with a small constant.
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
// The Mirror

/** How many deleted sessions a Mirror remembers, so that their late copies stay out. */
const TOMBSTONES = 256;

/** Deleted sessions (the newest copy seen of each), oldest deletion first; frozen. */
type Tombstones = readonly Session[];
const NO_TOMBSTONES: Tombstones = Object.freeze([]);

/** The header of a Mirror: what events never change but `activeSessionId`. */
type Header = Omit<MirrorSnapshot, 'sessions'>;

/** The one implementation of `Mirror`, frozen on construction. */
class SortedMirror implements Mirror {
  readonly instanceId: string;
  readonly activeSessionId?: string;
  readonly syncedAt: Date;
  readonly source: MirrorSource;
  readonly sessions: readonly Session[];
  /** @internal */
  readonly index: SessionIndex;
  /** @internal */
  readonly tombstones: Tombstones;

  constructor(header: Header, sessions: readonly Session[], index: SessionIndex, tombstones: Tombstones) {
    this.instanceId = header.instanceId;
    if (header.activeSessionId !== undefined) this.activeSessionId = header.activeSessionId;
    this.syncedAt = header.syncedAt;
    this.source = header.source;
    this.sessions = sessions;
    this.index = index;
    this.tombstones = tombstones;
    Object.freeze(this);
  }

  get size(): number {
    return this.sessions.length;
  }

  get(id: string): Session | undefined {
    return lookupSession(this.index, id);
  }

  /** The mirror's data without its index, for `JSON.stringify` and logs. */
  toJSON(): MirrorSnapshot {
    return {
      instanceId: this.instanceId,
      sessions: this.sessions,
      ...(this.activeSessionId === undefined ? {} : { activeSessionId: this.activeSessionId }),
      source: this.source,
      syncedAt: this.syncedAt,
    };
  }

  /** This Mirror with another active session (itself when it is the same). */
  withActive(activeSessionId: string | undefined): SortedMirror {
    if (activeSessionId === this.activeSessionId) return this;
    return new SortedMirror({ ...this.header(), activeSessionId }, this.sessions, this.index, this.tombstones);
  }

  header(): Header {
    return { instanceId: this.instanceId, activeSessionId: this.activeSessionId, syncedAt: this.syncedAt, source: this.source };
  }
}

const asSorted = (mirror: Mirror): SortedMirror => {
  if (mirror instanceof SortedMirror) return mirror;
  throw new TypeError('applyMirrorEvent: expected a Mirror made by createMirror or applyMirrorEvent');
};

/** A Mirror of these sessions (each id once), sorted here. */
const build = (header: Header, sessions: readonly Session[], tombstones: Tombstones): SortedMirror =>
  new SortedMirror(header, Object.freeze([...sessions].sort(compareSessions)), indexSessions(sessions), tombstones);

/**
 * Builds the first Mirror from a snapshot. O(n log n). A repeated id keeps its last
 * occurrence; `activeSessionId` is taken as the snapshot says.
 *
 * @example
 * ```ts
 * const mirror = createMirror({ instanceId, sessions, source: 'session.list', syncedAt: new Date() });
 * mirror.sessions[0]; // the most recently updated session
 * ```
 */
export function createMirror(snapshot: MirrorSnapshot): Mirror {
  return build(snapshot, [...lastById(snapshot.sessions).values()], NO_TOMBSTONES);
}

/** `tombstones` without `id`. */
const unburied = (tombstones: Tombstones, id: string): Tombstones =>
  tombstones.some((s) => s.id === id) ? Object.freeze(tombstones.filter((s) => s.id !== id)) : tombstones;

/** `tombstones` plus `session`, the oldest forgotten beyond `TOMBSTONES`. */
const buried = (tombstones: Tombstones, session: Session): Tombstones =>
  Object.freeze([...unburied(tombstones, session.id), session].slice(-TOMBSTONES));

/** `mirror` with `session` in place of `old` (either may be missing), and these header and tombstones. */
const replace = (
  mirror: SortedMirror,
  old: Session | undefined,
  session: Session | undefined,
  activeSessionId: string | undefined,
  tombstones: Tombstones,
): SortedMirror => {
  // Spread, not `slice()`: V8 copies a frozen array by spreading about as fast as a plain one,
  // but `slice()` of a frozen array takes a slow path (about 50 times slower at 10,000).
  const out = [...mirror.sessions];
  if (old !== undefined) {
    const at = positionOf(out, old);
    if (at >= 0) out.splice(at, 1);
  }
  if (session !== undefined) out.splice(lowerBound(out, session), 0, session);
  const id = (session ?? old)!.id;
  return new SortedMirror(
    { ...mirror.header(), activeSessionId },
    Object.freeze(out),
    withSession(mirror.index, id, session),
    tombstones,
  );
};

// Each step below reads and checks everything it needs (which may throw on a payload that breaks
// its type) before it builds anything.

/** Whether a Mirror holding `old` keeps it over this copy: the copy is older, or no change. */
const keepsHeld = (old: Session, copy: Session): boolean => isOlderCopy(copy, old) || deepEqual(old, copy);

/**
 * The sessions of a snapshot (`incoming`, by id) as a Mirror holding `held` takes them: each
 * one, or the session `held` has under its id when that one is kept; and whether any was taken.
 */
const takeCopies = (held: SortedMirror, incoming: ReadonlyMap<string, Session>): { next: Session[]; taken: boolean } => {
  const next: Session[] = [];
  let taken = false;
  for (const session of incoming.values()) {
    timeOf(session);
    const old = held.get(session.id);
    if (old !== undefined && keepsHeld(old, session)) next.push(old);
    else {
      next.push(session);
      taken = true;
    }
  }
  return { next, taken };
};

const upsert = (mirror: SortedMirror, session: Session, activeSessionId: string | undefined): SortedMirror => {
  const id = session.id;
  timeOf(session); // an `updated_at` that is no Date throws here
  const old = mirror.get(id);
  if (old === undefined) {
    const grave = mirror.tombstones.find((s) => s.id === id);
    // A late copy of a deleted session: it stays deleted.
    if (grave !== undefined && !isOlderCopy(grave, session)) return mirror;
    return replace(mirror, undefined, session, activeSessionId, unburied(mirror.tombstones, id));
  }
  if (keepsHeld(old, session)) return mirror.withActive(activeSessionId);
  return replace(mirror, old, session, activeSessionId, mirror.tombstones);
};

/** `mirror` without the session `id` (the same Mirror if it has none), remembering `copy` as deleted. */
const remove = (mirror: SortedMirror, id: string, copy: Session | undefined): SortedMirror => {
  const active = mirror.activeSessionId === id ? undefined : mirror.activeSessionId;
  const old = mirror.get(id);
  // An unknown id changes nothing, unless the snapshot had named it the active session.
  if (old === undefined) return mirror.withActive(active);
  const newest = copy === undefined || isOlderCopy(copy, old) ? old : copy;
  return replace(mirror, old, undefined, active, buried(mirror.tombstones, newest));
};

const replaceAll = (mirror: SortedMirror, sessions: readonly Session[]): SortedMirror => {
  const incoming = lastById(sessions);
  const { next, taken } = takeCopies(mirror, incoming);
  const changed = taken || incoming.size !== mirror.size;
  const active =
    mirror.activeSessionId !== undefined && incoming.has(mirror.activeSessionId) ? mirror.activeSessionId : undefined;
  if (!changed) return mirror.withActive(active);
  return build({ ...mirror.header(), activeSessionId: active }, next, mirror.tombstones);
};

/**
 * The Mirror after one event; the same Mirror object when the event changes nothing.
 *
 * - `session.update`: upserts the whole session, unless it is an older copy than the one held
 *   (`updated_at`, then `message_count`: Pando publishes every save twice, the second copy
 *   sometimes late) or a late copy of a session deleted since.
 * - `session.activated`: the same, and makes it the active session.
 * - `session.deleted`: removes the session with that id (clearing `activeSessionId` if it was it).
 * - `session.list`: replaces the whole set (an older copy still never replaces a newer one);
 *   sessions deep-equal to the ones they replace keep their identity; `activeSessionId` is
 *   cleared if the list no longer has it.
 * - `instance.heartbeat` with an `active_session_id`: that session is the active one.
 * - anything else is ignored. So is the event's `instanceId`: Pando's heartbeats put the PUB
 *   address there, so it is no reliable filter; feed one instance's events to one mirror.
 *
 * Cost: one copy of the `sessions` array and O(log n) comparisons for a session change;
 * `session.list` O(n log n).
 *
 * @example
 * ```ts
 * const next = applyMirrorEvent(mirror, event);
 * if (next !== mirror) render(next.sessions);
 * ```
 */
export function applyMirrorEvent(mirror: Mirror, event: PandoEvent): Mirror {
  const current = asSorted(mirror);
  if (!isKnownEvent(event)) return current;
  switch (event.topic) {
    case 'session.update':
      return upsert(current, event.payload, current.activeSessionId);
    case 'session.activated':
      return upsert(current, event.payload, event.payload.id);
    case 'session.deleted':
      return remove(current, event.payload.id, event.payload);
    case 'session.list':
      return replaceAll(current, event.payload.sessions);
    case 'instance.heartbeat': {
      const active = event.payload.active_session_id;
      return active === undefined || active === '' ? current : current.withActive(active);
    }
    default:
      return current;
  }
}

/** A Mirror rebuilt on a new snapshot, and the sessions it kept that the snapshot lacks. */
export interface Rebased {
  readonly mirror: Mirror;
  /** Sessions of the previous Mirror that a `session.list` snapshot did not list, kept. */
  readonly carried: readonly Session[];
}

/**
 * The Mirror of a new snapshot, taken while `previous` was shown, changing what `previous`
 * shows only where the instance really changed:
 *
 * - sessions equal to the ones `previous` holds keep their identity, and so does the `sessions`
 *   array when none changed; an older copy never replaces a newer one;
 * - a `session.list` snapshot omits sessions without messages and sub-agent sessions, so the
 *   sessions of `previous` that it lacks are kept (`carried`: the caller checks them one by one,
 *   see `liveMirror`'s `confirmSession`); a `state.sync` snapshot is the whole set;
 * - a snapshot that does not name the active session keeps the one `previous` had.
 *
 * The header (`instanceId`, `source`, `syncedAt`) is the snapshot's: the result is always a new
 * Mirror.
 */
export function rebaseMirror(previous: Mirror, snapshot: MirrorSnapshot): Rebased {
  const before = asSorted(previous);
  const incoming = lastById(snapshot.sessions);
  const { next, taken } = takeCopies(before, incoming);
  let same = !taken;
  const carried: Session[] = [];
  if (snapshot.source === 'session.list') {
    for (const s of before.sessions) {
      if (!incoming.has(s.id)) {
        carried.push(s);
        next.push(s);
      }
    }
  }
  same &&= next.length === before.size;
  // A session.list snapshot drops nothing the previous Mirror showed: its active session stays.
  const previousActive = before.activeSessionId;
  const keptActive =
    snapshot.source === 'session.list' || (previousActive !== undefined && incoming.has(previousActive))
      ? previousActive
      : undefined;
  const header: Header = {
    instanceId: snapshot.instanceId,
    activeSessionId: snapshot.activeSessionId ?? keptActive,
    source: snapshot.source,
    syncedAt: snapshot.syncedAt,
  };
  const tombstones = before.tombstones.some((s) => incoming.has(s.id))
    ? Object.freeze(before.tombstones.filter((s) => !incoming.has(s.id)))
    : before.tombstones;
  const mirror = same
    ? new SortedMirror(header, before.sessions, before.index, tombstones)
    : build(header, next, tombstones);
  return { mirror, carried };
}

/** `mirror` with this copy of a session (the instance's answer about it), by the rules of `session.update`. */
export function withSessionCopy(mirror: Mirror, session: Session): Mirror {
  const current = asSorted(mirror);
  return upsert(current, session, current.activeSessionId);
}

/**
 * `mirror` without the session `id` if it still holds `expected` there (the instance said the
 * session is gone; a newer copy since proves it is not); else `mirror` itself.
 */
export function removeSession(mirror: Mirror, id: string, expected: Session): Mirror {
  const current = asSorted(mirror);
  return current.get(id) === expected ? remove(current, id, undefined) : current;
}
