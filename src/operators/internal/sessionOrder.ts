import type { Session } from '../../codecs/payloads.js';

/**
 * How the Mirror orders sessions (`sessions`: newest `updated_at` first, ties by id), which of
 * two copies of one session is older, and when two copies are the same: pure functions.
 */

// ---------------------------------------------------------------------------------------------
// Order of sessions, and of copies of one session

/** A session's time in ms; an invalid Date counts as the oldest, so the order stays total. */
export const timeOf = (session: Session): number => {
  const t = session.updated_at.getTime();
  return t === t ? t : -Infinity;
};

/** `updated_at` descending, then `id` ascending (UTF-16 code-unit order, as `<` compares). */
export const compareSessions = (a: Session, b: Session): number => {
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta > tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/**
 * Whether `copy` is an older copy of the session than `held`: an earlier `updated_at`, or the
 * same `updated_at` (whole seconds in Pando) with fewer messages. A copy with the same time and
 * count is not older: it replaces the session if it differs (a rename within the second), so a
 * real change is never lost, at worst shown a moment late.
 */
export const isOlderCopy = (copy: Session, held: Session): boolean => {
  const tc = timeOf(copy);
  const th = timeOf(held);
  return tc !== th ? tc < th : copy.message_count < held.message_count;
};

/** The first index of `order` whose session does not sort before `session`. */
export const lowerBound = (order: readonly Session[], session: Session): number => {
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
export const positionOf = (order: readonly Session[], session: Session): number => {
  const i = lowerBound(order, session);
  return order[i] === session ? i : order.indexOf(session);
};

// ---------------------------------------------------------------------------------------------
// Equality

const hasOwn = Object.prototype.hasOwnProperty;

/** Structural equality of decoded JSON values, with `Date`s compared by time. */
export const deepEqual = (a: unknown, b: unknown): boolean => {
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
export const lastById = (sessions: readonly Session[]): Map<string, Session> => {
  const map = new Map<string, Session>();
  for (const s of sessions) map.set(s.id, s);
  return map;
};
