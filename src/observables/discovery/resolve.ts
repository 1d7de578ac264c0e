/**
 * From a working directory to the endpoints of its primary instance: the lock file, then the
 * registry, then the deterministic ports (PROTOCOL.md §3), saying what was passed over and why.
 */
import * as path from 'node:path';
import type { RegistryEntry } from '../../codecs/discovery.js';
import { loopbackEndpoint } from '../endpoint.js';
import { readLock } from './lock-file.js';
import { isPidAlive } from './pid.js';
import { portsForPath } from './ports.js';
import { resolveRegistryDir, scanRegistry, type ListInstancesOptions } from './registry.js';

/** Options of {@link resolveEndpoints}. */
export type ResolveEndpointsOptions = ListInstancesOptions;

/** Where to connect for a working directory, and how that was found. */
export interface ResolvedEndpoints {
  /** `tcp://127.0.0.1:<pub port>`. */
  readonly pubEndpoint: string;
  /** `tcp://127.0.0.1:<rpc port>`. */
  readonly rpcEndpoint: string;
  /** `lock`: a lock file with a live PID; `registry`: the registry's live primary entry for the directory; `ports`: the deterministic ports (nothing named an instance). */
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
 * Synchronous (every file is a bounded read that cannot block), so that `connect({ workdir })`
 * resolves at once. The result says which way answered (`via`), and `tried` says in plain
 * words what was passed over and why. What the files say is a claim, not a proof: a file can
 * name any live PID and any port. Pass the result to `confirmInstance` before trusting it.
 * Never throws for a problem with a file; throws only when `isAlive` throws.
 *
 * ```ts
 * const found = resolveEndpoints(process.cwd());
 * console.log(found.via, found.rpcEndpoint, found.tried.join('; '));
 * ```
 */
export const resolveEndpoints = (workdir: string, options: ResolveEndpointsOptions = {}): ResolvedEndpoints => {
  const dir = path.resolve(workdir);
  const isAlive = options.isAlive ?? isPidAlive;
  const tried: string[] = [];

  const lock = readLock(dir);
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
  } else if (dirIno === undefined) {
    tried.push(`registry ignored: ${listing.invalid.map((bad) => bad.reason).join('; ')}`);
  } else {
    const notes: string[] = [];
    const secondaries = listing.instances.filter(here);
    if (secondaries.length > 0) {
      notes.push(`${plural(secondaries.length, 'secondary instance', 'secondary instances')} (${secondaries.map((s) => s.instance_id).join(', ')}) ${secondaries.length === 1 ? 'runs' : 'run'} there, but only the primary uses the directory's ports`);
    }
    const stale = listing.stale.filter(here);
    if (stale.length > 0) notes.push(`${plural(stale.length, 'stale entry', 'stale entries')} for it (${stale.map((s) => `${s.instance_id}, pid ${s.pid}`).join('; ')})`);
    if (listing.invalid.length > 0) notes.push(`${plural(listing.invalid.length, 'unusable file', 'unusable files')} skipped`);
    tried.push(`no live primary instance for ${dir} in the registry ${registryDir}${notes.length === 0 ? '' : `: ${notes.join('; ')}`}`);
  }

  const { pubPort, rpcPort } = portsForPath(dir);
  return {
    pubEndpoint: loopbackEndpoint(pubPort),
    rpcEndpoint: loopbackEndpoint(rpcPort),
    via: 'ports',
    detail: `deterministic ports of ${dir}: PUB ${pubPort}, RPC ${rpcPort} (no lock file or registry entry names an instance there)`,
    tried,
    workdir: dir,
  };
};

/** @deprecated use {@link resolveEndpoints}: it is synchronous now (bounded reads that cannot block). */
export const resolveEndpointsSync = resolveEndpoints;
