/**
 * The registry of running instances, `/tmp/pando-instances/<instance_id>.json` (PROTOCOL.md
 * §3): where it is, and what it holds at one moment (live, stale and unusable entries). The
 * directory is checked before any of its files is read (see `trust.ts`), and every file goes
 * through discovery's one bounded reader.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as t from 'io-ts';
import { RegistryEntry } from '../../codecs/discovery.js';
import { loopbackEndpoint } from '../endpoint.js';
import { readJsonFile } from './json-file.js';
import { isPidAlive } from './pid.js';
import { currentOwners, registryDirProblem, type Owners } from './trust.js';

/** RegistryEntry, dropping the keys it does not list: what a file holds beyond its type never rides along. */
const ExactRegistryEntry = t.exact(RegistryEntry, 'RegistryEntry');

/** Where Pando writes its registry, literally (not `os.tmpdir()`): `/tmp/pando-instances`. */
export const DEFAULT_REGISTRY_DIR = '/tmp/pando-instances';

/** The environment variable that overrides {@link DEFAULT_REGISTRY_DIR}. */
export const REGISTRY_DIR_ENV = 'PANDO_REGISTRY_DIR';

/** The most `*.json` files one scan reads; a registry holding more is reported, and the rest skipped. */
export const MAX_REGISTRY_FILES = 1024;

/**
 * The registry directory to use: `explicit` when given, else `$PANDO_REGISTRY_DIR` when set
 * and not empty, else `/tmp/pando-instances`. Made absolute with `path.resolve`.
 *
 * ```ts
 * resolveRegistryDir(); // '/tmp/pando-instances' unless $PANDO_REGISTRY_DIR says otherwise
 * ```
 */
export const resolveRegistryDir = (explicit?: string): string => {
  const fromEnv = process.env[REGISTRY_DIR_ENV];
  const dir = explicit ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_REGISTRY_DIR);
  return path.resolve(dir);
};

/** A running instance, from its registry file. */
export interface InstanceInfo extends RegistryEntry {
  /** The registry file it came from (absolute). */
  readonly file: string;
  /** `tcp://127.0.0.1:<pub_port>`. */
  readonly pubEndpoint: string;
  /** `tcp://127.0.0.1:<rpc_port>`. */
  readonly rpcEndpoint: string;
}

/** A registry file whose PID is no longer alive: the instance died without removing it. */
export interface StaleEntry extends RegistryEntry {
  /** The registry file (absolute). */
  readonly file: string;
}

/** A registry file that could not be used (or the registry directory itself, when it could not be). */
export interface InvalidEntry {
  /** The file, or the registry directory itself when it could not be listed or trusted (absolute). */
  readonly file: string;
  /** One line that names the file and what was wrong; never the file's content. */
  readonly reason: string;
}

/** What the registry holds, at one moment. */
export interface InstanceListing {
  /** Live instances: primaries first, then the most recently started first. */
  readonly instances: readonly InstanceInfo[];
  /** Entries whose PID is dead, by file name. */
  readonly stale: readonly StaleEntry[];
  /** Files that could not be used, by file name. */
  readonly invalid: readonly InvalidEntry[];
}

/** Options of {@link listInstances}. */
export interface ListInstancesOptions {
  /** The registry directory; default `$PANDO_REGISTRY_DIR`, else `/tmp/pando-instances`. */
  readonly registryDir?: string;
  /** Says whether a PID is alive; default {@link isPidAlive}. */
  readonly isAlive?: (pid: number) => boolean;
}

/** One reading of the registry, with what watching it needs. */
export interface RegistryScan {
  readonly listing: InstanceListing;
  /** The directory's inode when it exists and is trusted, else `undefined`. */
  readonly dirIno: number | undefined;
}

const EMPTY_LISTING: InstanceListing = { instances: [], stale: [], invalid: [] };

const byFile = (a: { file: string }, b: { file: string }): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

const byPrimaryThenNewest = (a: InstanceInfo, b: InstanceInfo): number => {
  if (a.is_primary !== b.is_primary) return a.is_primary ? -1 : 1;
  const dt = b.started_at.getTime() - a.started_at.getTime();
  if (dt !== 0) return dt;
  return a.instance_id < b.instance_id ? -1 : a.instance_id > b.instance_id ? 1 : byFile(a, b);
};

const errnoCode = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const refusedDir = (dir: string, reason: string): RegistryScan => ({
  listing: { ...EMPTY_LISTING, invalid: [{ file: dir, reason: `${dir}: the registry ${reason}` }] },
  dirIno: undefined,
});

/** The `*.json` names of `dir`, at most {@link MAX_REGISTRY_FILES} of them, sorted; `more` when some were left. */
const jsonNames = (dir: string): { names: string[]; more: boolean } => {
  const names: string[] = [];
  const handle = fs.opendirSync(dir);
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      if (!entry.name.endsWith('.json')) continue;
      if (names.length === MAX_REGISTRY_FILES) return { names: names.sort(), more: true };
      names.push(entry.name);
    }
  } finally {
    handle.closeSync();
  }
  return { names: names.sort(), more: false };
};

/**
 * Reads the registry once: the directory is trusted first (owned by you or root, not
 * world-writable without the sticky bit), then each `*.json` file goes through the bounded
 * reader. Throws only when `isAlive` throws.
 */
export const scanRegistry = (dir: string, isAlive: (pid: number) => boolean, owners: Owners = currentOwners()): RegistryScan => {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { listing: EMPTY_LISTING, dirIno: undefined };
    return refusedDir(dir, `cannot be read (${code ?? 'unknown error'})`);
  }
  const problem = registryDirProblem(stat, owners);
  if (problem !== undefined) return refusedDir(dir, problem);
  let listed: { names: string[]; more: boolean };
  try {
    listed = jsonNames(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { listing: EMPTY_LISTING, dirIno: undefined }; // removed meanwhile
    return refusedDir(dir, `cannot be listed (${code ?? 'unknown error'})`);
  }
  const instances: InstanceInfo[] = [];
  const stale: StaleEntry[] = [];
  const invalid: InvalidEntry[] = listed.more
    ? [{ file: dir, reason: `${dir}: the registry holds more than ${MAX_REGISTRY_FILES} .json files; only ${MAX_REGISTRY_FILES} were read` }]
    : [];
  for (const name of listed.names) {
    const file = path.join(dir, name);
    const read = readJsonFile(file, ExactRegistryEntry, owners);
    switch (read.kind) {
      case 'missing': // removed between listing and reading: the instance just exited
        break;
      case 'bad':
        invalid.push({ file, reason: read.reason });
        break;
      case 'ok':
        if (isAlive(read.value.pid)) {
          instances.push({
            ...read.value,
            file,
            pubEndpoint: loopbackEndpoint(read.value.pub_port),
            rpcEndpoint: loopbackEndpoint(read.value.rpc_port),
          });
        } else {
          stale.push({ ...read.value, file });
        }
    }
  }
  return { listing: { instances: instances.sort(byPrimaryThenNewest), stale: stale.sort(byFile), invalid: invalid.sort(byFile) }, dirIno: stat.ino };
};

/**
 * Lists the instances of the registry (`/tmp/pando-instances/*.json`, one file per running
 * instance), synchronously: every file is a bounded read that cannot block. An entry whose
 * PID is dead goes to `stale`; a file that is refused (a symbolic link, not a regular file,
 * owned by another user, over 64 KiB) or is not JSON or not a registry entry goes to
 * `invalid`, and so does a registry directory that cannot be trusted; none of it is fatal. A
 * missing registry directory is an empty listing. Files not ending in `.json` are ignored.
 * Throws only when `isAlive` throws.
 *
 * ```ts
 * const { instances, stale, invalid } = listInstances();
 * for (const i of instances) console.log(i.instance_id, i.path, i.rpcEndpoint);
 * ```
 */
export const listInstances = (options: ListInstancesOptions = {}): InstanceListing =>
  scanRegistry(resolveRegistryDir(options.registryDir), options.isAlive ?? isPidAlive).listing;

/** @deprecated use {@link listInstances}: it is synchronous now (bounded reads that cannot block). */
export const listInstancesSync = listInstances;
