import type { InstanceInfo } from './registry.js';

/** Same instance, same process, same ports: one incarnation of an instance. Another is a new member. */
export const incarnationKey = (instance: InstanceInfo): string =>
  `${instance.instance_id}|${instance.pid}|${instance.pub_port}|${instance.rpc_port}`;

/** What a new registry listing changes in what is held per instance id. */
export interface ListingDiff {
  /** Ids held that are no longer listed, or listed as another incarnation: to drop, in the holder's order. */
  readonly left: readonly string[];
  /** Listed instances not held (or held as another incarnation): to take, in the listing's order. */
  readonly joined: readonly InstanceInfo[];
}

/**
 * Compares what a follower of the registry holds (per instance id, each with the key it was
 * taken under) with a new listing: the one reconciliation that the fleet, the NATS relay and
 * the bridge share. Drop `left` first, then take `joined`.
 *
 * ```ts
 * const { left, joined } = diffListing(members, (member) => member.key, listing.instances);
 * ```
 */
export function diffListing<T>(
  held: ReadonlyMap<string, T>,
  heldKey: (entry: T) => string,
  instances: readonly InstanceInfo[],
  keyOf: (instance: InstanceInfo) => string = incarnationKey,
): ListingDiff {
  const live = new Map(instances.map((instance) => [instance.instance_id, instance]));
  const left: string[] = [];
  for (const [id, entry] of held) {
    const now = live.get(id);
    if (now === undefined || keyOf(now) !== heldKey(entry)) left.push(id);
  }
  const joined = [...live.values()].filter((instance) => !held.has(instance.instance_id) || left.includes(instance.instance_id));
  return { left, joined };
}
