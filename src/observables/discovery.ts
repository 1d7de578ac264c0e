/**
 * Finding a running Pando instance on this machine: the deterministic ports of a working
 * directory, its lock file, and the registry of running instances (PROTOCOL.md §3).
 * Node only (reads files, signals PIDs, watches a directory).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { Observable, asyncScheduler, shareReplay, type SchedulerLike } from 'rxjs';
import { LockInfo, RegistryEntry } from '../codecs/discovery.js';
import { describeErrors, summarizeIssues, type DecodeIssue } from '../codecs/errors.js';
import { loopbackEndpoint } from './endpoint.js';

// ---------------------------------------------------------------------------------------------
// Deterministic ports

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bits, of `bytes`: an unsigned 32-bit integer. */
export const fnv1a32 = (bytes: Uint8Array): number => {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
};

/** The first port of the range Pando derives ports from; ports fall in `[40000, 60000]`. */
export const PORT_RANGE_BASE = 40000;
/** How many bases the range holds: `base = 40000 + hash mod 20000`. */
export const PORT_RANGE_SIZE = 20000;

const utf8 = new TextEncoder();

/**
 * The ports the primary Pando instance of the working directory `workdir` binds:
 * `base = 40000 + (FNV-1a-32(UTF-8 bytes of the absolute path) mod 20000)`, PUB = `base`,
 * RPC = `base + 1`.
 *
 * A relative `workdir` is made absolute with `path.resolve` (against `process.cwd()`), which
 * also normalizes it (`.`, `..`, doubled and trailing slashes), as Go's `filepath.Abs` does.
 * Symbolic links are **not** followed: `/link/project` and its target hash differently, just
 * as they do in Pando, which hashes the path it was started in.
 *
 * ```ts
 * portsForPath('/home/user/project'); // { pubPort: 46503, rpcPort: 46504 }
 * ```
 */
export const portsForPath = (workdir: string): { pubPort: number; rpcPort: number } => {
  const base = PORT_RANGE_BASE + (fnv1a32(utf8.encode(path.resolve(workdir))) % PORT_RANGE_SIZE);
  return { pubPort: base, rpcPort: base + 1 };
};

// ---------------------------------------------------------------------------------------------
// Lock file

/** Where the primary instance of `workdir` writes its lock: `<workdir>/.pando/ipc.lock`. */
export const lockPath = (workdir: string): string => path.join(path.resolve(workdir), '.pando', 'ipc.lock');

/** What was wrong with a lock or registry file that could not be used. */
export type FileProblem = 'unreadable' | 'not-json' | 'invalid';

/** The outcome of {@link readLock}. `path` is always the lock file's absolute path. */
export type LockResult =
  | { readonly kind: 'found'; readonly lock: LockInfo; readonly path: string }
  | { readonly kind: 'absent'; readonly path: string }
  | {
      readonly kind: 'invalid';
      readonly path: string;
      /** One line that names the file and what was wrong, e.g. `/w/.pando/ipc.lock: pub_port: expected port (1-65535), got 70000`. */
      readonly reason: string;
      /** `unreadable` (with `code`, the errno code), `not-json`, or `invalid` (with `issues`). */
      readonly problem: FileProblem;
      /** The errno code when the file could not be read, e.g. `EACCES`, `EISDIR`. */
      readonly code?: string;
      /** Where the JSON failed the codec, when it did. */
      readonly issues?: readonly DecodeIssue[];
    };

const errnoCode = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

type FileRead<A> =
  | { readonly kind: 'ok'; readonly value: A }
  | { readonly kind: 'missing' }
  | { readonly kind: 'bad'; readonly reason: string; readonly problem: FileProblem; readonly code?: string; readonly issues?: readonly DecodeIssue[] };

/**
 * Reads, parses and decodes one JSON file; never throws for a problem with the file. Lock and
 * registry files are a few hundred bytes, so they are read synchronously: that lets `connect()`
 * resolve a working directory at once, and keeps one implementation behind the sync and async
 * functions.
 */
const readJsonFile = <A>(file: string, codec: t.Decoder<unknown, A>): FileRead<A> => {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return {
      kind: 'bad',
      problem: 'unreadable',
      reason: `${file}: cannot be read (${code ?? errorText(error)})`,
      ...(code === undefined ? {} : { code }),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'bad', problem: 'not-json', reason: `${file}: not JSON (${text.trim() === '' ? 'the file is empty' : errorText(error)})` };
  }
  const decoded = codec.decode(json);
  if (isLeft(decoded)) {
    const issues = describeErrors(decoded.left);
    return { kind: 'bad', problem: 'invalid', reason: `${file}: ${summarizeIssues(issues)}`, issues };
  }
  return { kind: 'ok', value: decoded.right };
};

/**
 * Reads `<workdir>/.pando/ipc.lock`, the file the primary instance of `workdir` writes.
 * Never rejects for a problem with the file: a missing file is `absent`, and a file that
 * cannot be read, is not JSON or does not match {@link LockInfo} is `invalid` with a one-line
 * `reason` that names the file and what was wrong. It does not check that the PID is alive.
 */
export const readLock = async (workdir: string): Promise<LockResult> => readLockSync(workdir);

/** {@link readLock}, synchronously. */
export const readLockSync = (workdir: string): LockResult => {
  const file = lockPath(workdir);
  const read = readJsonFile(file, LockInfo);
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

// ---------------------------------------------------------------------------------------------
// Liveness of a PID

/**
 * Whether a process with this PID exists, by `process.kill(pid, 0)` (no signal is sent):
 * `ESRCH` means dead; `EPERM` means alive (it exists but belongs to another user). Anything
 * but a positive integer is not a process (`0` and negative numbers name process groups).
 */
export const isPidAlive = (pid: number): boolean => {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
};

// ---------------------------------------------------------------------------------------------
// Registry

/** Where Pando writes its registry, literally (not `os.tmpdir()`): `/tmp/pando-instances`. */
export const DEFAULT_REGISTRY_DIR = '/tmp/pando-instances';

/** The environment variable that overrides {@link DEFAULT_REGISTRY_DIR}. */
export const REGISTRY_DIR_ENV = 'PANDO_REGISTRY_DIR';

/**
 * The registry directory to use: `explicit` when given, else `$PANDO_REGISTRY_DIR` when set
 * and not empty, else `/tmp/pando-instances`. Made absolute with `path.resolve`.
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

/** A registry file that could not be used: unreadable, not JSON, or not a registry entry. */
export interface InvalidEntry {
  /** The file, or the registry directory itself when it could not be listed (absolute). */
  readonly file: string;
  /** One line that names the file and what was wrong. */
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

interface Scan {
  readonly listing: InstanceListing;
  /** The directory's inode, or `undefined` when it does not exist (or is not a directory). */
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

const scanRegistry = (dir: string, isAlive: (pid: number) => boolean): Scan => {
  let names: string[];
  let dirIno: number;
  try {
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) {
      return { listing: { ...EMPTY_LISTING, invalid: [{ file: dir, reason: `${dir}: the registry is not a directory` }] }, dirIno: undefined };
    }
    dirIno = stat.ino;
    names = fs.readdirSync(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { listing: EMPTY_LISTING, dirIno: undefined };
    return {
      listing: { ...EMPTY_LISTING, invalid: [{ file: dir, reason: `${dir}: the registry cannot be listed (${code ?? errorText(error)})` }] },
      dirIno: undefined,
    };
  }
  const files = names.filter((name) => name.endsWith('.json')).map((name) => path.join(dir, name));
  const reads = files.map((file) => readJsonFile(file, RegistryEntry));
  const instances: InstanceInfo[] = [];
  const stale: StaleEntry[] = [];
  const invalid: InvalidEntry[] = [];
  reads.forEach((read, i) => {
    const file = files[i]!;
    switch (read.kind) {
      case 'missing': // removed between readdir and readFile: the instance just exited
        return;
      case 'bad':
        invalid.push({ file, reason: read.reason });
        return;
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
  });
  return { listing: { instances: instances.sort(byPrimaryThenNewest), stale: stale.sort(byFile), invalid: invalid.sort(byFile) }, dirIno };
};

/**
 * Lists the instances of the registry (`/tmp/pando-instances/*.json`, one file per running
 * instance). An entry whose PID is dead goes to `stale`; a file that cannot be read, is not
 * JSON or is not a registry entry goes to `invalid`; neither is fatal. A missing registry
 * directory is an empty listing. Files not ending in `.json` are ignored.
 * Rejects only when `isAlive` throws.
 */
export const listInstances = async (options: ListInstancesOptions = {}): Promise<InstanceListing> => listInstancesSync(options);

/** {@link listInstances}, synchronously. */
export const listInstancesSync = (options: ListInstancesOptions = {}): InstanceListing =>
  scanRegistry(resolveRegistryDir(options.registryDir), options.isAlive ?? isPidAlive).listing;

/** Options of {@link instances$}. */
export interface InstancesOptions extends ListInstancesOptions {
  /** How often the registry is read again, and PIDs checked, in ms; default 2000. */
  readonly pollIntervalMs?: number;
  /** The scheduler of the poll timer; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** The default of {@link InstancesOptions.pollIntervalMs}. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;

/** What makes two listings differ: every decoded field of every entry, and the bad files. */
const listingKey = (listing: InstanceListing): string =>
  JSON.stringify([
    listing.instances.map((i) => [i.file, i.instance_id, i.path, i.pid, i.pub_port, i.rpc_port, i.started_at.getTime(), i.mode, i.is_primary]),
    listing.stale.map((s) => [s.file, s.instance_id, s.pid]),
    listing.invalid.map((i) => [i.file, i.reason]),
  ]);

/**
 * The live listing of the registry: emits the listing at subscription, then each time it
 * changes (an entry appears, vanishes or changes, a PID dies, a file turns bad or good).
 * Equal listings are not emitted twice.
 *
 * It watches the registry directory with `fs.watch` when the directory exists, and reads it
 * again every `pollIntervalMs` as well: `fs.watch` can miss events, the directory may not
 * exist yet, and a PID dying changes no file. Hot and ref-counted: subscribers share one
 * watcher and one timer, a late subscriber gets the latest listing at once, and both close
 * when the last subscriber leaves. While subscribed, the watcher and the timer keep the Node
 * process alive (they are not `unref`ed): a program watching instances wants to keep running.
 * Errors only when `isAlive` throws.
 */
export const instances$ = (options: InstancesOptions = {}): Observable<InstanceListing> => {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const scheduler = options.scheduler ?? asyncScheduler;
  const isAlive = options.isAlive ?? isPidAlive;
  return new Observable<InstanceListing>((subscriber) => {
    // Resolved per subscription, so that a change of $PANDO_REGISTRY_DIR applies to the next one.
    const dir = resolveRegistryDir(options.registryDir);
    let closed = false;
    let lastKey: string | undefined;
    let watcher: fs.FSWatcher | undefined;
    let watchedIno: number | undefined;

    const stopWatching = (): void => {
      watcher?.close();
      watcher = undefined;
      watchedIno = undefined;
    };

    // Watch the directory that exists now; re-watch when it was removed and made again.
    const watchDir = (dirIno: number | undefined): void => {
      if (dirIno === watchedIno && watcher !== undefined) return;
      stopWatching();
      if (dirIno === undefined) return;
      try {
        const w = fs.watch(dir, { persistent: true }, refreshSoon);
        w.on('error', () => {
          if (watcher === w) stopWatching(); // polling goes on; the next scan watches again
        });
        watcher = w;
        watchedIno = dirIno;
      } catch {
        // The directory vanished meanwhile, or watching is not supported: polling covers it.
      }
    };

    const refresh = (): void => {
      if (closed) return;
      let scan: Scan;
      try {
        scan = scanRegistry(dir, isAlive);
      } catch (error) {
        subscriber.error(error); // only a throwing isAlive gets here
        return;
      }
      watchDir(scan.dirIno);
      const key = listingKey(scan.listing);
      if (key !== lastKey) {
        lastKey = key;
        subscriber.next(scan.listing);
      }
    };
    // A burst of watch events (a file written in several steps) is read once.
    let queued = false;
    const refreshSoon = (): void => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        refresh();
      });
    };

    const poll = scheduler.schedule(function () {
      refresh();
      this.schedule(undefined, pollIntervalMs);
    }, pollIntervalMs);
    refresh();

    return () => {
      closed = true;
      poll.unsubscribe();
      stopWatching();
    };
  }).pipe(shareReplay({ bufferSize: 1, refCount: true }));
};

// ---------------------------------------------------------------------------------------------
// Resolving the endpoints of a working directory

/** Options of {@link resolveEndpoints}. */
export type ResolveEndpointsOptions = ListInstancesOptions;

/** Where to connect for a working directory, and how that was found. */
export interface ResolvedEndpoints {
  /** `tcp://127.0.0.1:<pub port>`. */
  readonly pubEndpoint: string;
  /** `tcp://127.0.0.1:<rpc port>`. */
  readonly rpcEndpoint: string;
  /** `lock`: a lock file with a live PID; `registry`: the registry's live primary entry for the directory; `ports`: the deterministic ports (nothing confirmed an instance). */
  readonly via: 'lock' | 'registry' | 'ports';
  /** The instance's id, when a lock file or registry entry named it. */
  readonly instanceId?: string;
  /** One line on where the endpoints came from. */
  readonly detail: string;
  /** What was looked at before, and why it was passed over, in plain words (empty for `lock`). */
  readonly tried: readonly string[];
  /** The working directory, made absolute. */
  readonly workdir: string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Where to reach the primary Pando instance of `workdir`, in this order:
 *
 * 1. its lock file `<workdir>/.pando/ipc.lock`, when it exists, is valid and its PID is alive;
 * 2. the registry's live primary entry whose `path` is `workdir` (resolved);
 * 3. the deterministic ports of `workdir` ({@link portsForPath}).
 *
 * The result says which one (`via`), and `tried` says in plain words what was passed over and
 * why, so that a caller who then fails to reach the instance can tell the user what was tried.
 * Never rejects for a problem with a file; rejects only when `isAlive` throws.
 */
export const resolveEndpoints = async (workdir: string, options: ResolveEndpointsOptions = {}): Promise<ResolvedEndpoints> =>
  resolveEndpointsSync(workdir, options);

/** {@link resolveEndpoints}, synchronously (what `connect({ workdir })` uses). */
export const resolveEndpointsSync = (workdir: string, options: ResolveEndpointsOptions = {}): ResolvedEndpoints => {
  const dir = path.resolve(workdir);
  const isAlive = options.isAlive ?? isPidAlive;
  const tried: string[] = [];

  const lock = readLockSync(dir);
  switch (lock.kind) {
    case 'absent':
      tried.push(`no lock file at ${lock.path}`);
      break;
    case 'invalid':
      tried.push(`lock file ignored: ${lock.reason}`);
      break;
    case 'found': {
      const { instance_id, pid, pub_port, rpc_port } = lock.lock;
      if (isAlive(pid)) {
        return {
          pubEndpoint: loopbackEndpoint(pub_port),
          rpcEndpoint: loopbackEndpoint(rpc_port),
          via: 'lock',
          instanceId: instance_id,
          detail: `lock file ${lock.path}: instance ${instance_id}, pid ${pid}, PUB ${pub_port}, RPC ${rpc_port}`,
          tried,
          workdir: dir,
        };
      }
      tried.push(`lock file ${lock.path} is stale: its pid ${pid} (instance ${instance_id}) is not running`);
    }
  }

  const registryDir = resolveRegistryDir(options.registryDir);
  const { listing, dirIno } = scanRegistry(registryDir, isAlive);
  const here = (entry: RegistryEntry): boolean => path.resolve(entry.path) === dir;
  const primary = listing.instances.find((entry) => entry.is_primary && here(entry));
  if (primary !== undefined) {
    return {
      pubEndpoint: primary.pubEndpoint,
      rpcEndpoint: primary.rpcEndpoint,
      via: 'registry',
      instanceId: primary.instance_id,
      detail: `registry entry ${primary.file}: primary instance ${primary.instance_id} (${primary.mode}), pid ${primary.pid}, PUB ${primary.pub_port}, RPC ${primary.rpc_port}`,
      tried,
      workdir: dir,
    };
  }
  if (dirIno === undefined && listing.invalid.length === 0) {
    tried.push(`no registry at ${registryDir}`);
  } else {
    const notes: string[] = [];
    const secondaries = listing.instances.filter(here);
    if (secondaries.length > 0) {
      notes.push(`${plural(secondaries.length, 'secondary instance', 'secondary instances')} (${secondaries.map((s) => s.instance_id).join(', ')}) ${secondaries.length === 1 ? 'runs' : 'run'} there, but only the primary uses the directory's ports`);
    }
    const stale = listing.stale.filter(here);
    if (stale.length > 0) notes.push(`${plural(stale.length, 'stale entry', 'stale entries')} for it (${stale.map((s) => `${s.instance_id}, pid ${s.pid}`).join('; ')})`);
    if (listing.invalid.length > 0) notes.push(`${plural(listing.invalid.length, 'unreadable file', 'unreadable files')} skipped`);
    tried.push(`no live primary instance for ${dir} in the registry ${registryDir}${notes.length === 0 ? '' : `: ${notes.join('; ')}`}`);
  }

  const { pubPort, rpcPort } = portsForPath(dir);
  return {
    pubEndpoint: loopbackEndpoint(pubPort),
    rpcEndpoint: loopbackEndpoint(rpcPort),
    via: 'ports',
    detail: `deterministic ports of ${dir}: PUB ${pubPort}, RPC ${rpcPort} (no lock file or registry entry confirms an instance there)`,
    tried,
    workdir: dir,
  };
};
