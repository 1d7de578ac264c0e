/**
 * The lock file `<workdir>/.pando/ipc.lock` that the primary instance of a working directory
 * writes (PROTOCOL.md §3), read through discovery's one bounded reader.
 */
import * as path from 'node:path';
import * as t from 'io-ts';
import { LockInfo } from '../../codecs/discovery.js';
import type { DecodeIssue } from '../../codecs/errors.js';
import { readJsonFile } from './json-file.js';
import type { FileProblem } from './read-file.js';
import { currentOwners } from './trust.js';

/** LockInfo, dropping the keys it does not list: what a file holds beyond its type never rides along. */
const ExactLockInfo = t.exact(LockInfo, 'LockInfo');

/**
 * Where the primary instance of `workdir` writes its lock: `<workdir>/.pando/ipc.lock`.
 *
 * ```ts
 * lockPath('/home/user/project'); // '/home/user/project/.pando/ipc.lock'
 * ```
 */
export const lockPath = (workdir: string): string => path.join(path.resolve(workdir), '.pando', 'ipc.lock');

/** The outcome of {@link readLock}. `path` is always the lock file's absolute path. */
export type LockResult =
  | { readonly kind: 'found'; readonly lock: LockInfo; readonly path: string }
  | { readonly kind: 'absent'; readonly path: string }
  | {
      readonly kind: 'invalid';
      readonly path: string;
      /** One line that names the file and what was wrong, e.g. `/w/.pando/ipc.lock: is a FIFO, not a regular file`; never the file's content. */
      readonly reason: string;
      /** What kind of problem: see {@link FileProblem}. */
      readonly problem: FileProblem;
      /** The errno code when the file could not be read, e.g. `EACCES`. */
      readonly code?: string;
      /** Where the JSON failed the codec, when it did. */
      readonly issues?: readonly DecodeIssue[];
    };

/**
 * Reads `<workdir>/.pando/ipc.lock`, synchronously (the file is bounded and never blocks).
 * Never throws for a problem with the file: a missing file is `absent`; a symbolic link, a
 * FIFO or other non-regular file, a file owned by another user than you or root, a file over
 * 64 KiB, text that is not JSON, or JSON that is not a {@link LockInfo} is `invalid` with a
 * one-line `reason`. It does not check the PID, and a `found` lock is only a claim: see
 * `confirmInstance`.
 *
 * ```ts
 * const lock = readLock(process.cwd());
 * if (lock.kind === 'found') console.log(lock.lock.instance_id, lock.lock.rpc_port);
 * ```
 */
export const readLock = (workdir: string): LockResult => {
  const file = lockPath(workdir);
  const read = readJsonFile(file, ExactLockInfo, currentOwners());
  switch (read.kind) {
    case 'ok':
      return { kind: 'found', lock: read.value, path: file };
    case 'missing':
      return { kind: 'absent', path: file };
    case 'bad':
      return {
        kind: 'invalid',
        path: file,
        reason: read.reason,
        problem: read.problem,
        ...(read.code === undefined ? {} : { code: read.code }),
        ...(read.issues === undefined ? {} : { issues: read.issues }),
      };
  }
};

/** @deprecated use {@link readLock}: it is synchronous now (a bounded read that cannot block). */
export const readLockSync = readLock;
