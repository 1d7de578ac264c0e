import type { NatsConnection, Subscription } from 'nats';
import type { InstanceInfo } from '../observables/discovery/registry.js';
import type { EventLink, Transport } from '../observables/transport.js';
import {
  FLEET_JOIN_SUBJECT,
  FLEET_LEAVE_SUBJECT,
  controlSubject,
  eventSubject,
  rpcSubject,
  statusRequestSubject,
  statusSubject,
  type MemberAnnouncement,
  type RelayStatus,
} from '../observables/transports/nats/subjects.js';
import { RpcForwarder, type RpcForwarderOptions } from './rpc-forwarder.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a relay counts for one instance. */
export interface InstanceRelayCounts {
  /** Frames published to NATS. */
  readonly published: number;
  /** Frames not published because the NATS server could not be reached: lost. */
  readonly dropped: number;
}

/** The topic of a frame: its bytes up to the first NUL (the whole frame when there is none). */
const topicOf = (frame: Uint8Array): string => {
  const nul = frame.indexOf(0);
  return decoder.decode(nul < 0 ? frame : frame.subarray(0, nul));
};

/** At most this many topics' subjects are kept by each relay (a bound on instance-supplied text). */
const SUBJECT_CACHE_SIZE = 256;

/** How an {@link InstanceRelay} runs. */
export interface InstanceRelayOptions extends RpcForwarderOptions {
  /** Publish the status again this often, in ms (clients take three periods of silence as the relay gone). */
  readonly statusIntervalMs: number;
  /** Whether the NATS connection is up now: frames are dropped (and counted) while it is not. */
  readonly online: () => boolean;
  /** This host's name, in the instance's announcements. */
  readonly host?: string;
  /** Run (and awaited, whatever its outcome) before the events flow: e.g. make the instance's event stream. */
  readonly prepare?: (instanceId: string) => Promise<void>;
}

/**
 * Relays one instance of this host to NATS: every frame of its PUB socket to
 * `pando.<instance>.evt.<topic>` as it came, its liveness to `pando.<instance>.status` (and the
 * answer of `…status.get`), and its RPC from `pando.<instance>.rpc` and `.ctl` (see `RpcForwarder`).
 *
 * The PUB socket is read through the ZeroMQ event link, whose receive loop hands each frame to
 * a synchronous `publish` (the NATS client buffers it): the relay never stops reading, so it
 * never stalls the instance's publisher. While the NATS server is away, frames are dropped and
 * counted, not buffered without bound to arrive late; the status is published again when the
 * connection is back, and every `statusIntervalMs` (so clients can tell a relay that was killed).
 *
 * ```ts
 * const relay = new InstanceRelay(zeromqTransport, info, nc, {
 *   allowControl: false, deliveryTimeoutMs: 1000, replyTimeoutMs: 60_000, statusIntervalMs: 5000, online: () => true,
 * });
 * relay.close();
 * ```
 */
export class InstanceRelay {
  private events: EventLink | undefined;
  private readonly forwarder: RpcForwarder;
  private readonly subscriptions: Subscription[];
  private state: RelayStatus['state'] = 'connecting';
  private readonly ticker: ReturnType<typeof setInterval>;
  private published = 0;
  private dropped = 0;
  private closed = false;
  /** topic → its event subject: the same few topics come in every frame, each encoded once. */
  private readonly subjects = new Map<string, string>();

  constructor(
    transport: Transport,
    readonly instance: InstanceInfo,
    private readonly nc: NatsConnection,
    private readonly options: InstanceRelayOptions,
  ) {
    const id = instance.instance_id;
    this.forwarder = new RpcForwarder(transport, instance.rpcEndpoint, options);
    this.subscriptions = [
      nc.subscribe(rpcSubject(id), { callback: (err, msg) => (err === null ? this.forwarder.handle(msg) : undefined) }),
      nc.subscribe(controlSubject(id), { callback: (err, msg) => (err === null ? this.forwarder.handle(msg, true) : undefined) }),
      nc.subscribe(statusRequestSubject(id), {
        callback: (err, msg) => (err === null ? msg.respond(this.statusBody()) : undefined),
      }),
    ];
    this.announce(FLEET_JOIN_SUBJECT);
    const open = (): void => {
      if (this.closed) return;
      this.events = transport.openEvents(instance.pubEndpoint, {
        next: (signal) => {
          if (signal.kind === 'frame') this.publish(this.subjectOf(topicOf(signal.frame)), signal.frame, true);
          else if (signal.kind === 'connected') this.setState('up');
          else if (signal.kind === 'disconnected') this.setState('down');
        },
        error: () => this.setState('down'),
      });
      this.events.subscribe('');
    };
    if (options.prepare === undefined) open();
    else void options.prepare(id).then(open, open);
    this.ticker = setInterval(() => this.publish(statusSubject(id), this.statusBody(), false), options.statusIntervalMs);
  }

  /** How many frames were published and dropped. */
  get counts(): InstanceRelayCounts {
    return { published: this.published, dropped: this.dropped };
  }

  /** Says again what this relay serves (after the NATS connection came back, or when a client asks). */
  reannounce(reconnected = false): void {
    if (this.closed) return;
    // After a reconnection the server may have lost the stream (a server without a store): make it again.
    if (reconnected && this.options.prepare !== undefined) void this.options.prepare(this.instance.instance_id);
    this.announce(FLEET_JOIN_SUBJECT);
    this.publish(statusSubject(this.instance.instance_id), this.statusBody(), false);
  }

  /** Stops relaying: the instance is `gone` from this relay and leaves the fleet. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.events?.close();
    this.forwarder.close();
    this.state = 'gone';
    this.publish(statusSubject(this.instance.instance_id), this.statusBody(), false);
    this.announce(FLEET_LEAVE_SUBJECT);
    if (!this.nc.isClosed()) for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private setState(state: RelayStatus['state']): void {
    if (this.closed || state === this.state) return;
    this.state = state;
    this.publish(statusSubject(this.instance.instance_id), this.statusBody(), false);
  }

  /** The subject of a topic's frames, from the cache (per frame: no token encoding once a topic was seen). */
  private subjectOf(topic: string): string {
    let subject = this.subjects.get(topic);
    if (subject === undefined) {
      if (this.subjects.size >= SUBJECT_CACHE_SIZE) this.subjects.clear();
      subject = eventSubject(this.instance.instance_id, topic);
      this.subjects.set(topic, subject);
    }
    return subject;
  }

  private statusBody(): Uint8Array {
    const status: RelayStatus = { instanceId: this.instance.instance_id, state: this.state, everyMs: this.options.statusIntervalMs };
    return encoder.encode(JSON.stringify(status));
  }

  private announce(subject: string): void {
    const { instance_id, path, pid, mode, is_primary, pub_port, rpc_port, started_at } = this.instance;
    const announcement: MemberAnnouncement = {
      instanceId: instance_id,
      path,
      pid,
      mode,
      isPrimary: is_primary,
      pubPort: pub_port,
      rpcPort: rpc_port,
      startedAt: started_at.toISOString(),
      ...(this.options.host === undefined ? {} : { host: this.options.host }),
    };
    this.publish(subject, encoder.encode(JSON.stringify(announcement)), false);
  }

  private publish(subject: string, data: Uint8Array, frame: boolean): void {
    if (this.nc.isClosed() || !this.options.online()) {
      if (frame) this.dropped++;
      return;
    }
    try {
      this.nc.publish(subject, data);
      if (frame) this.published++;
    } catch {
      if (frame) this.dropped++;
    }
  }
}
