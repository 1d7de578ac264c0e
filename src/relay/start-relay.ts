import { hostname } from 'node:os';
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import { connect, Events, type JetStreamManager, type NatsConnection } from 'nats';
import { watchInstances } from '../observables/discovery/watch.js';
import type { InstanceListing } from '../observables/discovery/registry.js';
import { diffListing, incarnationKey } from '../observables/discovery/listing-diff.js';
import type { Transport } from '../observables/transport.js';
import type { NatsOptions } from '../observables/transports/nats/nats-transport.js';
import { zeromqTransport } from '../observables/transports/zeromq/zeromq-transport.js';
import { FLEET_ANNOUNCE_SUBJECT } from '../observables/transports/nats/subjects.js';
import { ensureEventStream, type ReplayRetention } from './event-stream.js';
import { InstanceRelay } from './instance-relay.js';
import { RelayStartError, serversOf } from './relay-errors.js';

/** Options of {@link startRelay}. */
export interface RelayOptions {
  /** The NATS servers and credentials (passed to the NATS client, never logged). */
  readonly nats: NatsOptions;
  /** The registry of this host's instances (default `$PANDO_REGISTRY_DIR`, else `/tmp/pando-instances`). */
  readonly registryDir?: string;
  /** Answer control methods (`message.send`, `session.activate`, …); default `false`: read-only. */
  readonly allowControl?: boolean;
  /** How often the registry is read again, in ms (default 2000). */
  readonly pollIntervalMs?: number;
  /** A request that cannot leave for its instance within this many ms is refused (default 1000). */
  readonly deliveryTimeoutMs?: number;
  /** How long a delivered request waits for its instance's reply before it is forgotten (default 60,000). */
  readonly replyTimeoutMs?: number;
  /** How often each instance's status is published again, in ms (default 5000). */
  readonly statusIntervalMs?: number;
  /** The listings to follow (default: `watchInstances` over the registry). */
  readonly listing$?: Observable<InstanceListing>;
  /** This host's name in the fleet's announcements (default: the machine's host name). */
  readonly host?: string;
  /** How the relay reaches its instances (default: ZeroMQ). */
  readonly transport?: Transport;
  /**
   * Keep each instance's events in a JetStream stream within these limits, so that clients can
   * replay what they missed (`connectNats({ replay })`). Needs a NATS server with JetStream
   * (`nats-server -js`). Default: no history is kept.
   */
  readonly replay?: ReplayRetention;
}

/** Something that went wrong while the relay runs: it goes on (see `Relay.problems$`). */
export interface RelayProblem {
  /** The instance concerned. */
  readonly instanceId: string;
  /** What failed: today, keeping its event stream (`stream`). */
  readonly what: 'stream';
  /** The NATS client's error. */
  readonly error: unknown;
}

/** A running relay. */
export interface Relay {
  /** The ids of the instances relayed now; a new array on each change (replays the current one). */
  readonly instances$: Observable<readonly string[]>;
  /** Whether the relay's NATS connection is up (replays the current state). */
  readonly nats$: Observable<'connected' | 'disconnected'>;
  /** What went wrong while running (e.g. an instance's event stream could not be made); the relay goes on. Hot. */
  readonly problems$: Observable<RelayProblem>;
  /** Frames published to NATS, and dropped while NATS could not be reached, over every instance so far. */
  readonly counts: { readonly published: number; readonly dropped: number };
  /** Stops: every instance is announced as gone and leaves the fleet, then the NATS connection closes. */
  close(): Promise<void>;
}

/**
 * Relays every instance of this host to NATS, so that clients on other hosts reach them with
 * `connectNats()` (see `docs/scale-out.md` for the subjects). Instances are followed through the
 * registry as `watchFleet()` follows them: one `InstanceRelay` per live instance, started when
 * it appears, stopped (announced `gone`, and `pando.fleet.leave`) when it goes.
 *
 * Resolves once connected to NATS; rejects with a `RelayStartError` when no NATS server can be
 * reached at start (`unreachable`: run it under a supervisor that restarts it), or when `replay`
 * is asked of a server without JetStream (`no-jetstream`). Once started, the NATS client
 * reconnects by itself, forever; on reconnection every instance is announced again. A client's
 * `pando.fleet.announce` makes it announce every instance again, too.
 *
 * ```ts
 * const relay = await startRelay({ nats: { servers: 'nats://nats.example:4222', token: process.env.NATS_TOKEN } });
 * relay.instances$.subscribe((ids) => console.log(`relaying ${ids.length} instances`));
 * process.on('SIGINT', () => void relay.close());
 * ```
 */
export const startRelay = async (options: RelayOptions): Promise<Relay> => {
  const servers = serversOf(options.nats.servers);
  let nc: NatsConnection;
  try {
    nc = await connect({ ...options.nats, reconnect: true, maxReconnectAttempts: -1, waitOnFirstConnect: false });
  } catch (error) {
    throw new RelayStartError('unreachable', servers, error);
  }
  let jsm: JetStreamManager | undefined;
  if (options.replay !== undefined) {
    try {
      jsm = await nc.jetstreamManager();
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw new RelayStartError('no-jetstream', servers, error);
    }
  }
  const problems$ = new Subject<RelayProblem>();
  const retention = options.replay;
  /** Makes the instance's event stream before its events flow; a failure is a problem, not a stop. */
  const prepare =
    jsm === undefined || retention === undefined
      ? undefined
      : (instanceId: string): Promise<void> =>
          ensureEventStream(jsm, instanceId, retention).catch((error: unknown) => {
            if (!closed) problems$.next({ instanceId, what: 'stream', error });
          });
  const transport = options.transport ?? zeromqTransport;
  const forwarding = {
    allowControl: options.allowControl ?? false,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 1000,
    replyTimeoutMs: options.replyTimeoutMs ?? 60_000,
    statusIntervalMs: options.statusIntervalMs ?? 5000,
    online: () => nats$.value === 'connected',
    host: options.host ?? hostname(),
    ...(prepare === undefined ? {} : { prepare }),
  };
  const nats$ = new BehaviorSubject<'connected' | 'disconnected'>('connected');
  const relays = new Map<string, { key: string; relay: InstanceRelay }>();
  const instances$ = new BehaviorSubject<readonly string[]>([]);
  let finished = { published: 0, dropped: 0 };
  let closed = false;

  const stop = (id: string): void => {
    const entry = relays.get(id);
    if (entry === undefined) return;
    relays.delete(id);
    entry.relay.close();
    const { published, dropped } = entry.relay.counts;
    finished = { published: finished.published + published, dropped: finished.dropped + dropped };
  };

  const follow = (listing: InstanceListing): void => {
    if (closed) return;
    const { left, joined } = diffListing(relays, (entry) => entry.key, listing.instances);
    for (const id of left) stop(id);
    for (const instance of joined) {
      relays.set(instance.instance_id, { key: incarnationKey(instance), relay: new InstanceRelay(transport, instance, nc, forwarding) });
    }
    const ids = [...relays.keys()].sort();
    const previous = instances$.value;
    if (ids.length !== previous.length || ids.some((id, i) => id !== previous[i])) instances$.next(ids);
  };

  const watching: Subscription = (
    options.listing$ ??
    watchInstances({
      ...(options.registryDir === undefined ? {} : { registryDir: options.registryDir }),
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    })
  ).subscribe({ next: follow, error: () => undefined });

  const announcing = nc.subscribe(FLEET_ANNOUNCE_SUBJECT, {
    callback: (err) => {
      if (err === null) for (const { relay } of relays.values()) relay.reannounce();
    },
  });

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) nats$.next('disconnected');
      else if (status.type === Events.Reconnect) {
        nats$.next('connected');
        for (const { relay } of relays.values()) relay.reannounce(true);
      }
    }
  })();

  return {
    instances$: instances$.asObservable(),
    nats$: nats$.asObservable(),
    problems$: problems$.asObservable(),
    get counts() {
      let { published, dropped } = finished;
      for (const { relay } of relays.values()) {
        published += relay.counts.published;
        dropped += relay.counts.dropped;
      }
      return { published, dropped };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      watching.unsubscribe();
      if (!nc.isClosed()) announcing.unsubscribe();
      for (const id of [...relays.keys()]) stop(id);
      instances$.next([]);
      instances$.complete();
      nats$.complete();
      problems$.complete();
      if (!nc.isClosed()) {
        await nc.flush().catch(() => undefined);
        await nc.close();
      }
    },
  };
};
