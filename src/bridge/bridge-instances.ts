import type { Subscription } from 'rxjs';
import type { BridgeFleetMember } from '../codecs/bridge.js';
import type { InstanceInfo } from '../observables/discovery/registry.js';
import { watchInstances } from '../observables/discovery/watch.js';
import { diffListing, incarnationKey } from '../observables/discovery/listing-diff.js';

/** The endpoints of one instance the bridge serves. */
export interface BridgeEndpoints {
  readonly id: string;
  readonly pubEndpoint: string;
  readonly rpcEndpoint: string;
}

/** A membership change of the bridge's instances. */
export type MembershipChange = { readonly kind: 'joined'; readonly member: BridgeFleetMember } | { readonly kind: 'left'; readonly id: string };

/** Why a connection's `instance` parameter was refused: the HTTP status and a short reason. */
export interface InstanceRefusal {
  readonly status: 400 | 404;
  readonly reason: string;
}

/**
 * The instances a bridge serves: one (a single-instance bridge) or the host's fleet (the
 * registry, followed as `watchFleet` follows it). Resolves a connection's `instance` query
 * parameter to endpoints, and tells listeners who joined and left.
 *
 * ```ts
 * const instances = await followFleet({ registryDir: '/tmp/pando-instances' });
 * const endpoints = instances.resolve('abc123'); // BridgeEndpoints, or a refusal
 * instances.close();
 * ```
 */
export interface BridgeInstances {
  /** Whether this bridge serves a fleet (a connection must then name its instance). */
  readonly fleet: boolean;
  /** The members now, in the registry's order (primaries first, newest first). */
  members(): readonly BridgeFleetMember[];
  /** The endpoints for a connection's `instance` parameter (`null`: none given), or why not. */
  resolve(instance: string | null): BridgeEndpoints | InstanceRefusal;
  /** Calls `listener` on each change until the returned function is called. */
  listen(listener: (change: MembershipChange) => void): () => void;
  /** Stops following the registry. */
  close(): void;
}

/** The one instance of a single-instance bridge; `instance` may be omitted, or be its id. */
export const singleInstance = (endpoints: BridgeEndpoints, workdir: string): BridgeInstances => ({
  fleet: false,
  members: () => [{ id: endpoints.id, workdir }],
  resolve: (instance) =>
    instance === null || instance === endpoints.id
      ? endpoints
      : { status: 404, reason: `this bridge serves one instance (${endpoints.id}), not ${JSON.stringify(instance)}` },
  listen: () => () => undefined,
  close: () => undefined,
});

/** A registry entry as a fleet member. */
const memberOf = (instance: InstanceInfo): BridgeFleetMember => ({
  id: instance.instance_id,
  workdir: instance.path,
  pid: instance.pid,
  mode: instance.mode,
  primary: instance.is_primary,
  startedAt: instance.started_at.toISOString(),
  pubPort: instance.pub_port,
  rpcPort: instance.rpc_port,
});

/** Same incarnation in the same working directory: otherwise it left and a new one joined (browsers show the directory). */
const keyOf = (instance: InstanceInfo): string => `${incarnationKey(instance)}|${instance.path}`;

/** Options of {@link followFleet}. */
export interface FollowFleetOptions {
  /** The registry directory (default: `$PANDO_REGISTRY_DIR`, else `/tmp/pando-instances`). */
  readonly registryDir?: string;
  /** How often the registry is read again, in ms (default 2000; `fs.watch` hints come sooner). */
  readonly pollIntervalMs?: number;
  /** Where a failure to watch the registry is reported. */
  readonly warn: (message: string) => void;
}

/**
 * The host's fleet, followed from the registry: resolves once the first listing is read, so a
 * connection right after start finds the instances already running.
 *
 * ```ts
 * const instances = await followFleet({ warn: console.warn });
 * console.log(instances.members().map((member) => member.id));
 * ```
 */
export const followFleet = async (options: FollowFleetOptions): Promise<BridgeInstances> => {
  const live = new Map<string, InstanceInfo>();
  const listeners = new Set<(change: MembershipChange) => void>();
  const tell = (change: MembershipChange): void => {
    for (const listener of [...listeners]) listener(change);
  };
  let subscription: Subscription | undefined;
  await new Promise<void>((resolve) => {
    subscription = watchInstances({
      ...(options.registryDir === undefined ? {} : { registryDir: options.registryDir }),
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    }).subscribe({
      next: ({ instances }) => {
        const { left, joined } = diffListing(live, keyOf, instances, keyOf);
        for (const id of left) {
          live.delete(id);
          tell({ kind: 'left', id });
        }
        for (const instance of joined) {
          live.set(instance.instance_id, instance);
          tell({ kind: 'joined', member: memberOf(instance) });
        }
        resolve();
      },
      error: (error: unknown) => {
        options.warn(`pando-rx bridge: the registry can no longer be watched: ${error instanceof Error ? error.message : String(error)}`);
        resolve();
      },
    });
  });
  return {
    fleet: true,
    members: () => [...live.values()].map(memberOf),
    resolve: (instance) => {
      if (instance === null) return { status: 400, reason: 'this bridge serves a fleet: name the instance (?instance=<id>)' };
      const found = live.get(instance);
      if (found === undefined) return { status: 404, reason: `no instance ${JSON.stringify(instance)} in the fleet` };
      return { id: found.instance_id, pubEndpoint: found.pubEndpoint, rpcEndpoint: found.rpcEndpoint };
    },
    listen: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: () => {
      subscription?.unsubscribe();
      listeners.clear();
    },
  };
};
