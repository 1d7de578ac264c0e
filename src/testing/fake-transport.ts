import { asyncScheduler } from 'rxjs';
import type {
  EventLink,
  EventLinkSignal,
  LinkSink,
  RequestLink,
  RequestLinkSignal,
  Transport,
} from '../observables/transport.js';

/** Options of {@link FakeTransport}. */
export interface FakeTransportOptions {
  /** The clock of `openedAt` / `closedAt` (default `asyncScheduler.now()`: virtual in `run()`). */
  readonly now?: () => number;
  /** How addresses are checked, e.g. `checkEndpoint` to refuse what ZeroMQ would (default: none). */
  readonly checkAddress?: (address: string) => string | undefined;
}

/**
 * An in-memory transport for marble tests: no sockets, no timers, no promises. It only
 * records what the instance logic asks of it and lets the test push what an instance would
 * send; everything happens synchronously when the test calls it, so it works inside
 * `testScheduler.run(...)`. The logic it stands under (prefix following, the request queue,
 * correlation, timeouts) is the real one.
 *
 * ```ts
 * const transport = new FakeTransport();
 * const pando = new RemoteInstance(transport, { pubEndpoint: 'tcp://pub', rpcEndpoint: 'tcp://rpc' });
 * pando.events$.subscribe(console.log);
 * transport.subscribers[0]!.connect();
 * transport.publish('tcp://pub', encodeFrame(event));
 * ```
 */
export class FakeTransport implements Transport {
  /** Every event link opened so far, in order (closed ones included). */
  readonly subscribers: FakeSubscriber[] = [];
  /** Every request link opened so far, in order (closed ones included). */
  readonly dealers: FakeDealer[] = [];

  private readonly now: () => number;

  constructor(options: FakeTransportOptions = {}) {
    this.now = options.now ?? (() => asyncScheduler.now());
    if (options.checkAddress !== undefined) this.checkAddress = options.checkAddress;
  }

  /** What is wrong with an address (only when the options gave a check). */
  readonly checkAddress?: (address: string) => string | undefined;

  openEvents(address: string, sink: LinkSink<EventLinkSignal>): EventLink {
    const link = new FakeSubscriber(address, sink, this.now);
    this.subscribers.push(link);
    return link;
  }

  openRequests(address: string, sink: LinkSink<RequestLinkSignal>): RequestLink {
    const link = new FakeDealer(address, sink, this.now);
    this.dealers.push(link);
    return link;
  }

  /** The event links open now (optionally only those to `address`). */
  openSubscribers(address?: string): FakeSubscriber[] {
    return this.subscribers.filter((link) => !link.closed && (address === undefined || link.address === address));
  }

  /** The request links open now (optionally only those to `address`). */
  openDealers(address?: string): FakeDealer[] {
    return this.dealers.filter((link) => !link.closed && (address === undefined || link.address === address));
  }

  /** Publish one frame to every open event link to `address` whose prefixes match; returns how many got it. */
  publish(address: string, frame: Uint8Array | string): number {
    return this.openSubscribers(address).filter((link) => link.push(frame)).length;
  }
}

const encoder = new TextEncoder();
const bytes = (frame: Uint8Array | string): Uint8Array => (typeof frame === 'string' ? encoder.encode(frame) : frame);

/** What both fake links share: an address, a sink, open and close times. */
abstract class FakeLink<T> {
  /** Clock time when the link was opened. */
  readonly openedAt: number;
  /** Clock time when it was closed, or `undefined` while open. */
  closedAt: number | undefined;

  constructor(
    /** The address it was opened to. */
    readonly address: string,
    protected readonly sink: LinkSink<T>,
    private readonly now: () => number,
  ) {
    this.openedAt = now();
  }

  /** Whether the link was closed (by its owner, or by `fail`). */
  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  /** @deprecated The old name of `address`. */
  get endpoint(): string {
    return this.address;
  }

  close(): void {
    this.closedAt ??= this.now();
  }

  /** Fail the link for good, as an adapter does on an unexpected socket error. */
  fail(err: unknown): void {
    this.assertOpen();
    this.close();
    this.sink.error(err);
  }

  /** Report a signal to the link's owner. */
  protected report(signal: T): void {
    this.assertOpen();
    this.sink.next(signal);
  }

  /** A test that pushes into a closed link has a bug: say so. */
  protected assertOpen(): void {
    if (this.closed) throw new Error(`${this.constructor.name}(${this.address}) is closed`);
  }
}

/** One fake event link: its prefixes, and controls to push frames and connection changes. */
export class FakeSubscriber extends FakeLink<EventLinkSignal> implements EventLink {
  /** Every prefix set the link had, in order (the current one last). */
  readonly prefixHistory: Array<readonly string[]> = [];
  private readonly current = new Set<string>();

  /** The prefixes it is subscribed to now. */
  get prefixes(): readonly string[] {
    return [...this.current];
  }

  subscribe(prefix: string): void {
    this.current.add(prefix);
    this.prefixHistory.push(this.prefixes);
  }

  unsubscribe(prefix: string): void {
    this.current.delete(prefix);
    this.prefixHistory.push(this.prefixes);
  }

  /** Whether a frame passes the prefix filter (a byte-prefix match, as in libzmq). */
  accepts(frame: Uint8Array | string): boolean {
    const data = bytes(frame);
    return [...this.current].some((prefix) => {
      const p = encoder.encode(prefix);
      return p.length <= data.length && p.every((byte, i) => data[i] === byte);
    });
  }

  /** Deliver one frame if it passes the filter, as a publisher would; returns whether it did. */
  push(frame: Uint8Array | string): boolean {
    this.assertOpen();
    if (!this.accepts(frame)) return false;
    this.report({ kind: 'frame', frame: bytes(frame) });
    return true;
  }

  connect(): void {
    this.report({ kind: 'connected' });
  }

  disconnect(): void {
    this.report({ kind: 'disconnected' });
  }

  /** What carries the connection is unreachable (a bridge, a relay). */
  unreachable(): void {
    this.report({ kind: 'unreachable' });
  }
}

/** One fake request link: takes requests only while connected, records them, replies on demand. */
export class FakeDealer extends FakeLink<RequestLinkSignal> implements RequestLink {
  /** The JSON text of every request that left through this link, in order. */
  readonly sent: string[] = [];
  /** Whether a connection is up (the last connection change pushed was `connect()`). */
  connected = false;

  send(json: string): boolean {
    if (!this.connected || this.closed) return false;
    this.sent.push(json);
    return true;
  }

  /** The connection comes up. */
  connect(): void {
    this.connected = true;
    this.report({ kind: 'connected' });
  }

  /** The connection drops. */
  disconnect(): void {
    this.connected = false;
    this.report({ kind: 'disconnected' });
  }

  /** Deliver one reply (the last frame of the message; text is encoded as UTF-8). */
  reply(frame: Uint8Array | string): void {
    this.report({ kind: 'reply', frame: bytes(frame) });
  }

  override close(): void {
    this.connected = false;
    super.close();
  }
}
