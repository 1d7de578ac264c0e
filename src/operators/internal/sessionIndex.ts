import type { Session } from '../../codecs/payloads.js';

/**
 * An immutable id → session index for the Mirror: a two-level hash table whose every change
 * copies only the path it touches (a 64-slot root, a 64-slot leaf and one small bucket), so that
 * each Mirror keeps its own index, never mutated after it was built, and shares the untouched
 * leaves with the Mirror it came from. A lookup hashes the id (FNV-1a) and scans one bucket:
 * with 4,096 buckets, about 2.5 sessions at 10,000 sessions.
 *
 * Frozen structures all the way down: nothing here is written once a function has returned.
 */

type Bucket = readonly Session[];
type Leaf = readonly (Bucket | undefined)[];
/** The root: 64 leaves, each 64 buckets, each the sessions whose id hashes there. */
export type SessionIndex = readonly (Leaf | undefined)[];

const BITS = 6;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

/** FNV-1a over the UTF-16 code units of `id`. */
const hash = (id: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

/** 64 empty slots: the empty root, and the leaf that a path without one starts from. */
const EMPTY: readonly undefined[] = Object.freeze(new Array<undefined>(WIDTH).fill(undefined));

/** The index of these sessions (each id once). O(n). */
export const indexSessions = (sessions: readonly Session[]): SessionIndex => {
  if (sessions.length === 0) return EMPTY;
  const root: (Session[] | undefined)[][] = [];
  for (let i = 0; i < WIDTH; i++) root.push([]);
  for (const session of sessions) {
    const h = hash(session.id);
    const leaf = root[h & MASK]!;
    const slot = (h >>> BITS) & MASK;
    (leaf[slot] ??= []).push(session);
  }
  return Object.freeze(
    root.map((leaf) => (leaf.length === 0 ? undefined : Object.freeze(Array.from({ length: WIDTH }, (_, i) => (leaf[i] === undefined ? undefined : Object.freeze(leaf[i]!)))))),
  );
};

/** The session with this id, if any. */
export const lookupSession = (index: SessionIndex, id: string): Session | undefined => {
  const h = hash(id);
  const bucket = index[h & MASK]?.[(h >>> BITS) & MASK];
  if (bucket === undefined) return undefined;
  for (let i = 0; i < bucket.length; i++) if (bucket[i]!.id === id) return bucket[i];
  return undefined;
};

/** A copy of `array` with `value` at `at`, frozen. */
const replaced = <T>(array: readonly T[], at: number, value: T): readonly T[] => {
  const copy = [...array]; // not `slice()`: slow on a frozen array (see mirrorStore.ts)
  copy[at] = value;
  return Object.freeze(copy);
};

/**
 * The index with `session` under `id` (`undefined`: without `id`). `index` is unchanged.
 * O(1): three small arrays copied.
 */
export const withSession = (index: SessionIndex, id: string, session: Session | undefined): SessionIndex => {
  const h = hash(id);
  const top = h & MASK;
  const slot = (h >>> BITS) & MASK;
  const leaf: Leaf = index[top] ?? EMPTY;
  const bucket = leaf[slot] ?? [];
  const kept = [...bucket].filter((s) => s.id !== id);
  if (session !== undefined) kept.push(session);
  const nextBucket = kept.length === 0 ? undefined : Object.freeze(kept);
  return replaced(index, top, replaced(leaf, slot, nextBucket));
};
