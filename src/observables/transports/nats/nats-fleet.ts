import { Observable, type SchedulerLike } from 'rxjs';
import type { NatsConnection, Subscription } from 'nats';
import type { InstanceInfo, InstanceListing } from '../../discovery/registry.js';
import { fleetMembership, type MembershipMessage } from './fleet-membership.js';
import { NatsTransport, type NatsOptions } from './nats-transport.js';
import {
  ALL_STATUS_SUBJECT,
  FLEET_ANNOUNCE_SUBJECT,
  FLEET_JOIN_SUBJECT,
  FLEET_LEAVE_SUBJECT,
  parseAnnouncement,
  type MemberAnnouncement,
} from './subjects.js';

/**
 * How `watchFleet({ nats })` reaches the fleet: NATS servers and credentials (a connection of
 * its own, shared by every member), or a `transport` to share; and `silenceMs`, after which a
 * member whose relay said nothing leaves (default: three of its relay's status periods, 15 s).
 */
export type FleetNatsOptions = (NatsOptions | { readonly transport: NatsTransport }) & {
  readonly silenceMs?: number;
};

const decoder = new TextDecoder();

/** A member as `watchFleet` describes it: its addresses are its id (the NATS transport's addresses). */
const memberInfo = (announcement: MemberAnnouncement): InstanceInfo => ({
  instance_id: announcement.instanceId,
  path: announcement.path,
  pid: announcement.pid,
  pub_port: announcement.pubPort ?? 0,
  rpc_port: announcement.rpcPort ?? 0,
  started_at: new Date(announcement.startedAt ?? 0),
  mode: announcement.mode as InstanceInfo['mode'],
  is_primary: announcement.isPrimary,
  file: `nats:${announcement.host ?? ''}`,
  pubEndpoint: announcement.instanceId,
  rpcEndpoint: announcement.instanceId,
});

/**
 * What the relays say of their instances, as membership messages: joins and leaves, every
 * instance's status (`pando.*.status`), and this connection's own ups and downs. On each
 * (re)connection it asks every relay to announce its instances again (`pando.fleet.announce`),
 * so that a new watcher learns the current members at once.
 */
const membershipMessages = (transport: NatsTransport): Observable<MembershipMessage> =>
  new Observable<MembershipMessage>((subscriber) => {
    let connection: NatsConnection | undefined;
    let subscriptions: Subscription[] = [];
    const onJoinOrLeave = (kind: 'join' | 'leave') => (err: unknown, msg: { data: Uint8Array }) => {
      if (err !== null) return;
      const announcement = parseAnnouncement(decoder.decode(msg.data));
      if (announcement === undefined) return;
      subscriber.next(kind === 'join' ? { kind, member: memberInfo(announcement) } : { kind, instanceId: announcement.instanceId });
    };
    const leave = transport.connection({
      up: (nc) => {
        if (connection !== nc) {
          connection = nc;
          subscriptions = [
            nc.subscribe(FLEET_JOIN_SUBJECT, { callback: onJoinOrLeave('join') }),
            nc.subscribe(FLEET_LEAVE_SUBJECT, { callback: onJoinOrLeave('leave') }),
            nc.subscribe(ALL_STATUS_SUBJECT, {
              callback: (err, msg) => {
                if (err !== null) return;
                try {
                  const status = JSON.parse(decoder.decode(msg.data)) as { instanceId?: unknown; state?: unknown; everyMs?: unknown };
                  if (typeof status.instanceId !== 'string' || typeof status.state !== 'string') return;
                  subscriber.next({
                    kind: 'status',
                    instanceId: status.instanceId,
                    state: status.state,
                    ...(typeof status.everyMs === 'number' ? { everyMs: status.everyMs } : {}),
                  });
                } catch {
                  // not a status: ignored
                }
              },
            }),
          ];
        }
        subscriber.next({ kind: 'connected' });
        void nc
          .flush()
          .then(() => nc.publish(FLEET_ANNOUNCE_SUBJECT))
          .catch(() => undefined);
      },
      down: () => subscriber.next({ kind: 'disconnected' }),
    });
    return () => {
      if (connection !== undefined && !connection.isClosed()) for (const subscription of subscriptions) subscription.unsubscribe();
      leave();
    };
  });

/**
 * The fleet of every instance that the relays on a NATS server serve, as `watchFleet()` follows
 * it: the listings (see `fleetMembership`) and the transport that reaches each member.
 *
 * ```ts
 * const { listing$, transport } = natsFleet({ servers: 'nats://hub:4222' });
 * const fleet = watchFleet({ listing$, connect: { transport } }); // what watchFleet({ nats }) does
 * ```
 */
export const natsFleet = (
  options: FleetNatsOptions,
  scheduler?: SchedulerLike,
): { readonly listing$: Observable<InstanceListing>; readonly transport: NatsTransport } => {
  const { silenceMs, ...rest } = options;
  const transport = 'transport' in rest ? rest.transport : new NatsTransport(rest);
  const listing$ = membershipMessages(transport).pipe(
    fleetMembership({ ...(silenceMs === undefined ? {} : { silenceMs }), ...(scheduler === undefined ? {} : { scheduler }) }),
  );
  return { listing$, transport };
};
