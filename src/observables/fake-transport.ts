import { Observable, Subject, asyncScheduler, isObservable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { DealerPort, DealerSignal, OutgoingRequest, Prefixes, SubscriberSignal, Transport } from './transport.js';

/** Options of {@link FakeTransport}. */
export interface FakeTransportOptions {
  /**
   * The clock for `openedAt` / `closedAt`. Default `asyncScheduler.now()`, which is virtual time
   * inside `testScheduler.run(...)`.
   */
  readonly now?: () => number;
}

const encoder = new TextEncoder();

/** Text as UTF-8 bytes; bytes as they are. */
function toFrame(frame: Uint8Array | string): Uint8Array {
  return typeof frame === 'string' ? encoder.encode(frame) : frame;
}

function startsWith(frame: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > frame.length) return false;
  for (let i = 0; i < prefix.length; i++) if (frame[i] !== prefix[i]) return false;
  return true;
}

/** One SUB socket of the fake: opened by a subscription, closed by its unsubscription. */
export class FakeSubscriberSocket {
  /** Clock time when the subscription opened this socket. */
  readonly openedAt: number;
  /** Every prefix set the socket was subscribed to, in order (the current one last). */
  readonly prefixHistory: Array<readonly string[]> = [];
  private closedTime: number | undefined;
  private filters: readonly Uint8Array[] = [];

  constructor(
    /** The endpoint it was asked to connect to. */
    readonly endpoint: string,
    private readonly subscriber: Subscriber<SubscriberSignal>,
    private readonly now: () => number,
  ) {
    this.openedAt = now();
  }

  /** The prefixes it is subscribed to now. */
  get prefixes(): readonly string[] {
    return this.prefixHistory[this.prefixHistory.length - 1] ?? [];
  }

  /** @internal The socket's subscription changes (as `zmq_setsockopt(ZMQ_SUBSCRIBE)` would). */
  setPrefixes(prefixes: readonly string[]): void {
    this.prefixHistory.push([...prefixes]);
    this.filters = prefixes.map((prefix) => encoder.encode(prefix));
  }

  /** Whether the socket was closed (the subscription ended). */
  get closed(): boolean {
    return this.closedTime !== undefined;
  }

  /** Clock time when the socket was closed, or `undefined` while open. */
  get closedAt(): number | undefined {
    return this.closedTime;
  }

  /** Whether a frame passes this socket's prefix filter (a byte-prefix match, as in libzmq). */
  accepts(frame: Uint8Array | string): boolean {
    const bytes = toFrame(frame);
    return this.filters.some((prefix) => startsWith(bytes, prefix));
  }

  /**
   * Deliver one frame (text is encoded as UTF-8), as a publisher would: a frame that matches
   * none of the prefixes is dropped. Returns whether it was delivered.
   */
  push(frame: Uint8Array | string): boolean {
    this.assertOpen();
    const bytes = toFrame(frame);
    if (!this.accepts(bytes)) return false;
    this.subscriber.next({ kind: 'frame', frame: bytes });
    return true;
  }

  /** Report that the connection to the endpoint is up. */
  connect(): void {
    this.assertOpen();
    this.subscriber.next({ kind: 'connected', endpoint: this.endpoint });
  }

  /** Report that the connection to the endpoint dropped. */
  disconnect(): void {
    this.assertOpen();
    this.subscriber.next({ kind: 'disconnected', endpoint: this.endpoint });
  }

  /** Fail the stream, as the adapter does for an unexpected socket error. */
  fail(err: unknown): void {
    this.assertOpen();
    this.subscriber.error(err);
  }

  /** @internal Called by the subscription's teardown. */
  close(): void {
    if (this.closedTime === undefined) this.closedTime = this.now();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`FakeSubscriberSocket(${this.endpoint}) is closed`);
  }
}

interface FakeRequest {
  readonly json: string;
  state: 'queued' | 'sent' | 'withdrawn';
}

/** One DEALER of the fake. */
export class FakeDealer implements DealerPort {
  /** Hot: replies and connection changes pushed by the test. */
  readonly signals$: Observable<DealerSignal>;
  /** Clock time when the dealer was opened. */
  readonly openedAt: number;
  /** The JSON text of every request that left the dealer, in order. */
  readonly sent: string[] = [];

  private readonly subject = new Subject<DealerSignal>();
  private readonly waiting: FakeRequest[] = [];
  private isConnected = false;
  private closedTime: number | undefined;

  constructor(
    /** The endpoint it was asked to connect to. */
    readonly endpoint: string,
    private readonly now: () => number,
  ) {
    this.signals$ = this.subject.asObservable();
    this.openedAt = now();
  }

  /** The JSON text of the requests waiting for a connection, in order. */
  get queued(): readonly string[] {
    return this.waiting.map((request) => request.json);
  }

  /** Whether a connection is up (the last connection signal pushed was `connect()`). */
  get connected(): boolean {
    return this.isConnected;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.closedTime !== undefined;
  }

  /** Clock time when the dealer was closed, or `undefined` while open. */
  get closedAt(): number | undefined {
    return this.closedTime;
  }

  /**
   * Sends at once while connected; otherwise queues (cancellable) until `connect()`. As in the
   * adapter, `cancel()` returns `true` whenever the request is sure never to be sent (withdrawn,
   * or dropped by `close()`), `false` once it was sent. Throws if the dealer is closed.
   */
  send(json: string): OutgoingRequest {
    if (this.closed) throw new Error('pando-rx: send() on a closed dealer');
    const request: FakeRequest = { json, state: 'queued' };
    this.waiting.push(request);
    this.flush();
    return {
      cancel: (): boolean => {
        if (request.state === 'queued') {
          request.state = 'withdrawn';
          this.waiting.splice(this.waiting.indexOf(request), 1);
        }
        return request.state === 'withdrawn';
      },
    };
  }

  /** Closes the dealer: drops the queue, completes `signals$`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closedTime = this.now();
    this.drop();
    this.subject.complete();
  }

  /**
   * The connection comes up: queued requests are sent (in order), then `connected` is emitted,
   * so a request sent in reaction to the signal goes after them.
   */
  connect(): void {
    this.assertOpen();
    this.isConnected = true;
    this.flush();
    this.subject.next({ kind: 'connected', endpoint: this.endpoint });
  }

  /** The connection drops: later requests wait in the queue; `disconnected` is emitted. */
  disconnect(): void {
    this.assertOpen();
    this.isConnected = false;
    this.subject.next({ kind: 'disconnected', endpoint: this.endpoint });
  }

  /** Deliver one reply (the last frame of the message; text is encoded as UTF-8). */
  reply(frame: Uint8Array | string): void {
    this.assertOpen();
    this.subject.next({ kind: 'reply', frame: toFrame(frame) });
  }

  /** Fail `signals$`, as the adapter does for an unexpected socket error. */
  fail(err: unknown): void {
    this.assertOpen();
    this.closedTime = this.now();
    this.drop();
    this.subject.error(err);
  }

  private flush(): void {
    while (this.isConnected && !this.closed) {
      const head = this.waiting.shift();
      if (head === undefined) return;
      head.state = 'sent';
      this.sent.push(head.json);
    }
  }

  private drop(): void {
    for (const request of this.waiting) request.state = 'withdrawn';
    this.waiting.length = 0;
    this.isConnected = false;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`FakeDealer(${this.endpoint}) is closed`);
  }
}

/**
 * An in-memory {@link Transport} for marble tests: no sockets, no timers, no promises.
 * Everything happens synchronously when the test calls it, so it works inside
 * `testScheduler.run(...)` (schedule pushes with `testScheduler.schedule(() => ..., 5)` or push
 * from a `tap` / a cold observable).
 *
 * - Subscriber sockets: {@link FakeTransport.subscribers} lists every socket ever opened (one
 *   per subscription), with its endpoint, prefixes, `openedAt`, `closedAt` and `closed`.
 *   Push into an open one with `push(frame)`, `connect()`, `disconnect()`, `fail(err)`, or into
 *   all open ones on an endpoint with {@link FakeTransport.publish}.
 * - Dealers: {@link FakeTransport.dealers} lists every dealer opened. Each records the JSON text
 *   of the requests that left it (`sent`, in order) and those still waiting for a connection
 *   (`queued`); push replies with `reply(json)` and connection changes with `connect()` /
 *   `disconnect()`.
 *
 * Like the zeromq adapter, a fake dealer starts disconnected: requests sent before `connect()`
 * (or after `disconnect()`) wait in its queue, where `cancel()` withdraws them, and are sent in
 * order on the next `connect()`. Like a SUB socket, a fake subscriber drops frames that match
 * none of its prefixes.
 *
 * ```ts
 * const transport = new FakeTransport();
 * testScheduler.run(({ expectObservable }) => {
 *   expectObservable(transport.subscriber('tcp://pub', ['']).pipe(map((s) => s.kind)))
 *     .toBe('a', { a: 'connected' });
 *   testScheduler.schedule(() => transport.subscribers[0].connect());
 * });
 * ```
 */
export class FakeTransport implements Transport {
  /** Every subscriber socket opened so far, in order (closed ones included). */
  readonly subscribers: FakeSubscriberSocket[] = [];
  /** Every dealer opened so far, in order (closed ones included). */
  readonly dealers: FakeDealer[] = [];

  private readonly now: () => number;

  constructor(options: FakeTransportOptions = {}) {
    this.now = options.now ?? (() => asyncScheduler.now());
  }

  /** The subscriber sockets that are open now (optionally only those on `endpoint`). */
  openSubscribers(endpoint?: string): FakeSubscriberSocket[] {
    return this.subscribers.filter(
      (socket) => !socket.closed && (endpoint === undefined || socket.endpoint === endpoint),
    );
  }

  /** The dealers that are open now (optionally only those on `endpoint`). */
  openDealers(endpoint?: string): FakeDealer[] {
    return this.dealers.filter(
      (dealer) => !dealer.closed && (endpoint === undefined || dealer.endpoint === endpoint),
    );
  }

  /**
   * Publish one frame to every open subscriber socket on `endpoint` whose prefixes match it.
   * Returns how many sockets received it.
   */
  publish(endpoint: string, frame: Uint8Array | string): number {
    const bytes = toFrame(frame);
    let delivered = 0;
    for (const socket of this.openSubscribers(endpoint)) if (socket.push(bytes)) delivered++;
    return delivered;
  }

  /**
   * Cold: each subscription opens a {@link FakeSubscriberSocket}, closed on unsubscribe. An
   * Observable of prefixes is followed as the adapter does: each list replaces the previous one
   * (nothing is subscribed before the first), the last stays when it completes, and its error
   * errors the stream.
   */
  subscriber(endpoint: string, prefixes: Prefixes): Observable<SubscriberSignal> {
    return new Observable<SubscriberSignal>((subscriber) => {
      const socket = new FakeSubscriberSocket(endpoint, subscriber, this.now);
      this.subscribers.push(socket);
      if (isObservable(prefixes)) {
        const follow = prefixes.subscribe({
          next: (next) => {
            if (!socket.closed) socket.setPrefixes(next);
          },
          error: (err: unknown) => subscriber.error(err),
        });
        return () => {
          follow.unsubscribe();
          socket.close();
        };
      }
      socket.setPrefixes(prefixes);
      return () => socket.close();
    });
  }

  /** Opens a {@link FakeDealer}, disconnected until the test calls `connect()`. */
  dealer(endpoint: string): FakeDealer {
    const dealer = new FakeDealer(endpoint, this.now);
    this.dealers.push(dealer);
    return dealer;
  }
}
