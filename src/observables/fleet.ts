import { Observable, Subject, map, mergeMap, EMPTY, filter, takeUntil, type Subscription } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import type { Mirror } from '../operators/mirrorState.js';
import { watchInstances, type WatchInstancesOptions as InstancesOptions } from './discovery/watch.js';
import { type InstanceInfo, type InstanceListing } from './discovery/registry.js';
import { diffListing, incarnationKey } from './discovery/listing-diff.js';
import { RemoteInstance, type ConnectTuning } from './remote-instance.js';
import type { Transport } from './transport.js';
import { zeromqTransport } from './transports/zeromq/zeromq-transport.js';
import { natsFleet, type FleetNatsOptions } from './transports/nats/nats-fleet.js';

/** Options of `watchFleet()`: which registry to watch, and how to connect to each instance. */
export interface FleetOptions extends InstancesOptions {
  /** Applied to every instance's `connect()` (timeouts, transport, scheduler…). */
  readonly connect?: ConnectTuning & { readonly transport?: Transport };
  /** The listings to follow (default: `instances$(options)` over the registry). */
  readonly listing$?: Observable<InstanceListing>;
  /**
   * Watch the instances that relays serve on a NATS server instead of this host's registry:
   * members join and leave as the relays announce them (a relay silent for `silenceMs` takes its
   * instances out), and each is reached through NATS. See `docs/scale-out.md`.
   */
  readonly nats?: FleetNatsOptions;
}

/** An event of one instance of the fleet. */
export interface FleetEvent {
  /** The instance it came from, as its registry entry describes it. */
  readonly instance: InstanceInfo;
  readonly event: PandoEvent;
}

/** An instance joining or leaving the fleet. */
export type FleetChange =
  | { readonly kind: 'joined'; readonly instance: InstanceInfo; readonly remote: RemoteInstance }
  | { readonly kind: 'left'; readonly instance: InstanceInfo };

/** Every live instance of a registry, as one set of streams. */
export interface Fleet {
  /** The instances joining and leaving; a subscriber first gets a `joined` for each member. */
  readonly changes$: Observable<FleetChange>;
  /** The events of every member, each tagged with its instance. */
  readonly events$: Observable<FleetEvent>;
  /** The mirror of every member that has one, by instance id; a new map on each change. */
  readonly mirrors$: Observable<ReadonlyMap<string, Mirror>>;
}

interface Member {
  readonly key: string;
  readonly instance: InstanceInfo;
  readonly remote: RemoteInstance;
}

/**
 * Watches every live instance of the registry as one fleet: members join as their registry
 * files appear and leave as the files vanish or their process dies. Each member is one
 * `RemoteInstance`, shared by the fleet's streams, and closed (every socket freed) when it
 * leaves or when the last subscriber of the fleet unsubscribes.
 *
 * ```ts
 * const fleet = watchFleet();
 * fleet.events$.pipe(filter(({ event }) => event.topic === 'llm.end'))
 *   .subscribe(({ instance }) => console.log(`${instance.path}: a turn ended`));
 * fleet.mirrors$.subscribe((mirrors) => console.log(`${mirrors.size} instances`));
 *
 * const everywhere = watchFleet({ nats: { servers: 'nats://hub:4222' } }); // every host's relay
 * ```
 */
export const watchFleet = (options: FleetOptions = {}): Fleet => {
  const nats = options.nats === undefined ? undefined : natsFleet(options.nats, options.connect?.scheduler);
  const listing$ = options.listing$ ?? nats?.listing$ ?? watchInstances(options);
  const { transport = nats?.transport ?? zeromqTransport, ...tuning } = options.connect ?? {};
  const members = new Map<string, Member>();
  const changes = new Subject<FleetChange>();
  let users = 0;
  let watching: Subscription | undefined;

  const leave = (id: string): void => {
    const member = members.get(id);
    if (member === undefined) return;
    members.delete(id);
    member.remote.close();
    changes.next({ kind: 'left', instance: member.instance });
  };

  const follow = (listing: InstanceListing): void => {
    const { left, joined } = diffListing(members, (member) => member.key, listing.instances);
    for (const id of left) leave(id);
    for (const instance of joined) {
      const remote = new RemoteInstance(transport, { ...tuning, pubEndpoint: instance.pubEndpoint, rpcEndpoint: instance.rpcEndpoint });
      members.set(instance.instance_id, { key: incarnationKey(instance), instance, remote });
      changes.next({ kind: 'joined', instance, remote });
    }
  };

  const stop = (): void => {
    watching?.unsubscribe();
    watching = undefined;
    for (const id of [...members.keys()]) leave(id);
  };

  /** Ref-counted: the registry is watched while anyone subscribes to the fleet. */
  const changes$ = new Observable<FleetChange>((subscriber) => {
    users++;
    for (const { instance, remote } of members.values()) subscriber.next({ kind: 'joined', instance, remote });
    const subscription = changes.subscribe(subscriber);
    if (watching === undefined) {
      watching = listing$.subscribe({ next: follow, error: (error: unknown) => changes.error(error) });
    }
    return () => {
      subscription.unsubscribe();
      if (--users === 0) stop();
    };
  });

  const leftOf = (id: string): Observable<unknown> =>
    changes.pipe(filter((change) => change.kind === 'left' && change.instance.instance_id === id));

  const events$ = changes$.pipe(
    mergeMap((change) =>
      change.kind === 'joined'
        ? change.remote.events$.pipe(
            map((event): FleetEvent => ({ instance: change.instance, event })),
            takeUntil(leftOf(change.instance.instance_id)),
          )
        : EMPTY,
    ),
  );

  const mirrors$ = new Observable<ReadonlyMap<string, Mirror>>((subscriber) => {
    let current: ReadonlyMap<string, Mirror> = new Map();
    const update = (id: string, mirror: Mirror | undefined): void => {
      const next = new Map(current);
      if (mirror === undefined) {
        if (!next.delete(id)) return;
      } else next.set(id, mirror);
      current = next;
      subscriber.next(current);
    };
    return changes$
      .pipe(
        mergeMap((change) => {
          const id = change.instance.instance_id;
          if (change.kind === 'left') {
            update(id, undefined);
            return EMPTY;
          }
          return change.remote.mirror$.pipe(
            map((mirror) => ({ id, mirror })),
            takeUntil(leftOf(id)),
          );
        }),
      )
      .subscribe({
        next: ({ id, mirror }) => update(id, mirror),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
  });

  return { changes$, events$, mirrors$ };
};
