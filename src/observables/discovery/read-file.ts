/**
 * The one way discovery reads a file (a lock file or a registry file): a regular file only,
 * never through a symbolic link, owned by a trusted user, of a bounded size, opened so that
 * nothing can block. Every refusal says what was wrong in words of its own, never with the
 * file's bytes.
 */
import * as fs from 'node:fs';
import { fileKind, ownerProblem, type Owners } from './trust.js';

/** The most a lock or registry file may hold: 64 KiB (Pando writes a few hundred bytes). */
export const MAX_DISCOVERY_FILE_BYTES = 64 * 1024;

/**
 * What was wrong with a lock or registry file that could not be used:
 * - `unreadable`: the system refused to read it (with the errno `code`);
 * - `symlink`: it is a symbolic link, which discovery never follows;
 * - `not-regular`: a FIFO, a device, a directory or a socket;
 * - `untrusted`: owned by another user than you or root;
 * - `too-large`: more than {@link MAX_DISCOVERY_FILE_BYTES};
 * - `not-json`: not JSON (the reason gives the byte offset);
 * - `invalid`: JSON that is not a lock or registry entry (the reason gives the path in it).
 */
export type FileProblem = 'unreadable' | 'symlink' | 'not-regular' | 'untrusted' | 'too-large' | 'not-json' | 'invalid';

/** A file that could not be used: why (`problem`), in words (`reason`, without the file's name). */
export interface FileRefusal {
  readonly kind: 'refused';
  readonly problem: FileProblem;
  /** What was wrong, e.g. `is a FIFO, not a regular file`; never the file's content. */
  readonly reason: string;
  /** The errno code, when the system refused (`EACCES`, …). */
  readonly code?: string;
}

/** The outcome of {@link readBoundedFile}. */
export type BoundedRead = { readonly kind: 'ok'; readonly bytes: Uint8Array } | { readonly kind: 'missing' } | FileRefusal;

const errnoCode = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const refused = (problem: FileProblem, reason: string, code?: string): FileRefusal => ({
  kind: 'refused',
  problem,
  reason,
  ...(code === undefined ? {} : { code }),
});

const unreadable = (error: unknown): FileRefusal => {
  const code = errnoCode(error);
  return refused('unreadable', `cannot be read (${code ?? 'unknown error'})`, code);
};

const SYMLINK = 'is a symbolic link, which discovery does not follow';

// Absent on Windows; there, 0 (no flag) is all one can ask.
const { O_RDONLY, O_NONBLOCK = 0, O_NOFOLLOW = 0, O_NOCTTY = 0 } = fs.constants;
/** Non-blocking so that a FIFO swapped in after the check cannot block `open()`; no symlink even then. */
const OPEN_FLAGS = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY;

/** Checks what an open file turned out to be: regular, trusted, not too large. */
const checkOpened = (stat: fs.Stats, owners: Owners, maxBytes: number): FileRefusal | undefined => {
  if (!stat.isFile()) return refused('not-regular', `is ${fileKind(stat)}, not a regular file`);
  const owner = ownerProblem(stat, owners);
  if (owner !== undefined) return refused('untrusted', owner);
  if (stat.size > maxBytes) return refused('too-large', `is ${stat.size} bytes, more than ${maxBytes}`);
  return undefined;
};

/** Reads at most `maxBytes + 1` bytes from `fd`: one more than allowed tells that the file is too large. */
const readAtMost = (fd: number, sizeHint: number, maxBytes: number): Uint8Array => {
  let buffer = new Uint8Array(Math.min(sizeHint, maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (buffer.length > maxBytes) break; // the file grew past the limit while being read
      const larger = new Uint8Array(maxBytes + 1);
      larger.set(buffer);
      buffer = larger;
    }
    const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
};

/**
 * Reads `file` if it is a regular file (not a symbolic link), owned by one of `owners`, of at
 * most `maxBytes` bytes. A file that does not exist is `missing`; anything else that is wrong
 * is `refused` with a reason. Never throws, never blocks on a FIFO, never reads more than
 * `maxBytes + 1` bytes, whatever the file claims.
 *
 * The file is checked before it is opened (`lstat`: a FIFO or a device is never opened) and
 * again once open (`fstat` of the descriptor, opened with `O_NOFOLLOW | O_NONBLOCK`), so that
 * a file swapped between the two is refused as well.
 *
 * ```ts
 * const read = readBoundedFile('/tmp/pando-instances/abc.json', currentOwners());
 * if (read.kind === 'refused') console.warn(read.reason); // e.g. "is a FIFO, not a regular file"
 * ```
 */
export const readBoundedFile = (file: string, owners: Owners, maxBytes = MAX_DISCOVERY_FILE_BYTES): BoundedRead => {
  let before: fs.Stats;
  try {
    before = fs.lstatSync(file);
  } catch (error) {
    const code = errnoCode(error);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : unreadable(error);
  }
  if (before.isSymbolicLink()) return refused('symlink', SYMLINK);
  const early = checkOpened(before, owners, maxBytes);
  if (early !== undefined) return early;

  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' }; // removed meanwhile
    if (code === 'ELOOP') return refused('symlink', SYMLINK); // swapped for a link meanwhile
    return unreadable(error);
  }
  try {
    const opened = fs.fstatSync(fd);
    const late = checkOpened(opened, owners, maxBytes);
    if (late !== undefined) return late;
    const bytes = readAtMost(fd, opened.size, maxBytes);
    if (bytes.length > maxBytes) return refused('too-large', `holds more than ${maxBytes} bytes`);
    return { kind: 'ok', bytes };
  } catch (error) {
    return unreadable(error);
  } finally {
    fs.closeSync(fd);
  }
};
