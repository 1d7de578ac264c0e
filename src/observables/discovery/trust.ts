/**
 * Whom discovery trusts to have written a file or a registry directory: the owner and mode
 * checks of the trust model (docs/discovery.md, "What discovery trusts"). Each check returns
 * what is wrong in words (never the file's content), or `undefined` when it passes.
 */
import type * as fs from 'node:fs';

/** Who may own a file or directory that discovery reads: the current user and root. */
export interface Owners {
  /** The trusted user ids; `undefined` where the platform has none (Windows): nothing is checked. */
  readonly uids: readonly number[] | undefined;
}

/** The current user and root, or nobody to check on a platform without user ids. */
export const currentOwners = (): Owners => {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  return { uids: uid === undefined ? undefined : uid === 0 ? [0] : [uid, 0] };
};

const whoMay = (owners: Owners): string => {
  const uids = owners.uids ?? [];
  const you = uids.find((uid) => uid !== 0);
  return you === undefined ? 'root (you)' : `you (uid ${you}) or root`;
};

/** Says why a file or directory's owner is not trusted: `owned by uid 65534, not by you (uid 1000) or root`. */
export const ownerProblem = (stat: Pick<fs.Stats, 'uid'>, owners: Owners): string | undefined =>
  owners.uids === undefined || owners.uids.includes(stat.uid) ? undefined : `is owned by uid ${stat.uid}, not by ${whoMay(owners)}`;

const STICKY = 0o1000;
const OTHERS_WRITE = 0o002;

/**
 * Says why the registry directory cannot be trusted: it must be a directory, owned by you or
 * root, and not writable by every user unless its sticky bit is set (as on `/tmp`, where
 * nobody can remove or rename another user's files).
 */
export const registryDirProblem = (stat: fs.Stats, owners: Owners): string | undefined => {
  if (!stat.isDirectory()) return 'is not a directory';
  const owner = ownerProblem(stat, owners);
  if (owner !== undefined) return owner;
  if (owners.uids !== undefined && (stat.mode & OTHERS_WRITE) !== 0 && (stat.mode & STICKY) === 0) {
    return `is writable by every user without the sticky bit (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}): anyone could replace its files`;
  }
  return undefined;
};

/** What kind of file a stat describes, for a reason: `a FIFO`, `a directory`, … */
export const fileKind = (stat: fs.Stats): string => {
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a regular file';
};
