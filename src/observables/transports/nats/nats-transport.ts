import type { ConnectionOptions } from 'nats';
import type { EventLink, EventLinkSignal, LinkSink, RequestLink, RequestLinkSignal, Transport } from '../../transport.js';
import { openNatsEventLink } from './event-link.js';
import { SharedNatsConnection, type NatsConnectionUser } from './nats-connection.js';
import { openNatsReplayLink } from './replay-link.js';
import type { ReplayFrom, ReplayReport } from './replay.js';
import { openNatsRequestLink } from './request-link.js';

/**
 * The NATS options of a client or relay: `servers` plus any credentials (`token`, `user` and
 * `pass`, or an `authenticator` from an NKey or credentials file), passed to the NATS client
 * as they are and never logged. `reconnect` and `maxReconnectAttempts` are set by pando-rx.
 */
export type NatsOptions = ConnectionOptions;

/**
 * The NATS adapter of the transport seam (Node): reaches instances through the relay that
 * serves them (`startRelay()` on their host). Addresses are instance ids; the subjects are in
 * `docs/scale-out.md`. One NATS connection serves every link of the transport: it opens with
 * the first link and closes with the last.
 *
 * ```ts
 * const transport = new NatsTransport({ servers: 'nats://nats.example:4222', token: process.env.NATS_TOKEN });
 * const instance = new RemoteInstance(transport, { pubEndpoint: 'a1b2c3', rpcEndpoint: 'a1b2c3' });
 * ```
 */
export class NatsTransport implements Transport {
  private readonly shared: SharedNatsConnection;

  constructor(options: NatsOptions) {
    this.shared = new SharedNatsConnection(options);
  }

  openEvents(address: string, sink: LinkSink<EventLinkSignal>): EventLink {
    return openNatsEventLink(this.shared, address, sink);
  }

  openRequests(address: string, sink: LinkSink<RequestLinkSignal>): RequestLink {
    return openNatsRequestLink(this.shared, address, sink);
  }

  /**
   * Uses the transport's one connection directly (as its links do): `user` hears `up` with the
   * connection (after each reconnection too) and `down`; the returned function leaves it. The
   * connection closes when its last user leaves.
   *
   * ```ts
   * const leave = transport.connection({ up: (nc) => nc.publish('pando.fleet.announce'), down: () => undefined });
   * ```
   */
  connection(user: NatsConnectionUser): () => void {
    return this.shared.join(user);
  }

  checkAddress(address: string): string | undefined {
    return address === '' ? 'an instance id is needed to reach an instance through NATS' : undefined;
  }

  /**
   * The same transport (the same connection), whose event links first replay what the
   * instance's relay kept since `from`, then go on live (see `openNatsReplayLink`); `report`
   * hears how each replay goes. `connectNats({ replay })` uses it.
   *
   * ```ts
   * const replaying = transport.replaying({ last: 600_000 }, (report) => console.log(report.kind));
   * const pando = new RemoteInstance(replaying, { pubEndpoint: 'a1b2c3', rpcEndpoint: 'a1b2c3' });
   * ```
   */
  replaying(from: ReplayFrom, report: (report: ReplayReport) => void): Transport {
    return {
      openEvents: (address, sink) => openNatsReplayLink(this.shared, address, from, report, sink),
      openRequests: (address, sink) => this.openRequests(address, sink),
      checkAddress: (address) => this.checkAddress(address),
    };
  }
}
