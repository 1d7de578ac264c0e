import * as zmq from 'zeromq';
import { freePort } from '../helpers/live';
import { Observable, Subject, asyncScheduler, concatMap, isObservable, of, throwError } from 'rxjs';
import type { Subscription } from 'rxjs';
import { ZeromqTransport, zeromqTransport } from '../../src/observables/transports/zeromq/zeromq-transport';
import { loadZeromq } from '../../src/observables/transports/zeromq/load-zeromq';
import { eventSignals } from '../../src/observables/event-signals';
import { InvalidEndpointError } from '../../src/observables/endpoint';
import { RequestQueue, type OutgoingRequest } from '../../src/observables/request-queue';
import type { EventLinkSignal as SubscriberSignal, RequestLinkSignal as DealerSignal, Transport } from '../../src/observables/transport';

// Integration tests over real loopback sockets. They wait on events (a frame, a signal, a
// subscription reaching an XPUB), never on fixed sleeps, and close every socket they open.

const text = (frame: Uint8Array): string => Buffer.from(frame).toString('utf8');

/**
 * Subscribes to a source and lets the test await what it records. `next(match)` returns the
 * earliest recorded value that matches and was not returned before, waiting for it if needed,
 * so waiting for a reply does not consume a connection signal and vice versa.
 */
class Recorder<T> {
  readonly values: T[] = [];
  error: unknown = undefined;
  completed = false;
  readonly subscription: Subscription;
  private readonly taken = new Set<number>();
  private wake: (() => void) | undefined;

  constructor(source: Observable<T>) {
    this.subscription = source.subscribe({
      next: (value) => {
        this.values.push(value);
        this.notify();
      },
      error: (err: unknown) => {
        this.error = err;
        this.notify();
      },
      complete: () => {
        this.completed = true;
        this.notify();
      },
    });
  }

  async next(match: (value: T) => boolean = () => true): Promise<T> {
    for (;;) {
      const index = this.values.findIndex((value, i) => !this.taken.has(i) && match(value));
      if (index >= 0) {
        this.taken.add(index);
        return this.values[index] as T;
      }
      if (this.error !== undefined) throw this.error;
      if (this.completed) throw new Error('source completed');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Resolves when the source completes (rejects on its error). */
  async done(): Promise<void> {
    while (!this.completed) {
      if (this.error !== undefined) throw this.error;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

const isConnected = (s: { kind: string }): boolean => s.kind === 'connected';
const isDisconnected = (s: { kind: string }): boolean => s.kind === 'disconnected';
const frameText = (s: SubscriberSignal): string | undefined => (s.kind === 'frame' ? text(s.frame) : undefined);
const replyText = (s: DealerSignal): string | undefined => (s.kind === 'reply' ? text(s.frame) : undefined);

/** Every socket a test opens on the peer side, closed after each test. */
const peers: zmq.Socket[] = [];
const subscriptions: Subscription[] = [];
const dealers: { close(): void }[] = [];

afterEach(() => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const d of dealers.splice(0)) d.close();
  for (const p of peers.splice(0)) p.close();
});

function record<T>(source: Observable<T>): Recorder<T> {
  const recorder = new Recorder(source);
  subscriptions.push(recorder.subscription);
  return recorder;
}

async function bound<S extends zmq.Socket>(socket: S, address = 'tcp://127.0.0.1:*'): Promise<S> {
  peers.push(socket);
  await socket.bind(address);
  return socket;
}

/** The messages of a peer socket, read in one loop; completes when the socket is closed. */
function messages(socket: zmq.Socket & zmq.Readable): Observable<Buffer[]> {
  return new Observable<Buffer[]>((observer) => {
    void (async () => {
      try {
        for (;;) observer.next(await socket.receive());
      } catch (err) {
        if (socket.closed) observer.complete();
        else observer.error(err);
      }
    })();
  });
}

/** Records what a peer socket receives. */
const reader = (socket: zmq.Socket & zmq.Readable): Recorder<Buffer[]> => new Recorder(messages(socket));

/** A ROUTER that answers each request `[id, '', json]` with `[id, '', json]`, and records it. */
const echo = (router: zmq.Router): Recorder<Buffer[]> =>
  new Recorder(
    messages(router).pipe(
      concatMap(async (message) => {
        await router.send([message[0] as Buffer, '', last(message)]);
        return message;
      }),
    ),
  );

/** The types of a socket's monitor events, read in one loop; completes when it closes. */
function eventTypes(socket: zmq.Socket): Observable<string> {
  return new Observable<string>((observer) => {
    void (async () => {
      try {
        for (;;) observer.next((await socket.events.receive()).type);
      } catch {
        observer.complete();
      }
    })();
  });
}

const last = (message: Buffer[]): Buffer => message[message.length - 1] as Buffer;

/** Waits (a macrotask at a time, not a fixed delay) until the condition holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A transport whose sockets the test can inspect. */
function inspectedTransport(): { transport: ZeromqTransport; sockets: (zmq.Subscriber | zmq.Dealer)[] } {
  const sockets: (zmq.Subscriber | zmq.Dealer)[] = [];
  return { transport: new ZeromqTransport({ onSocket: (s) => sockets.push(s as zmq.Subscriber | zmq.Dealer) }), sockets };
}

/** A SUB-like stream over the adapter's event link, followed the way the instance logic does. */
const subscriber = (transport: Transport, endpoint: string, prefixes: readonly string[] | Observable<readonly string[]>): Observable<SubscriberSignal> =>
  eventSignals(transport, endpoint, isObservable(prefixes) ? prefixes : of(prefixes));

/** The adapter's request link with the shared request queue on top, as the RPC client uses them. */
class TestDealer {
  readonly signals$ = new Subject<DealerSignal>();
  private readonly queue: RequestQueue;
  private readonly link;
  isClosed = false;

  constructor(transport: Transport, endpoint: string) {
    this.link = transport.openRequests(endpoint, {
      next: (signal) => {
        this.signals$.next(signal);
        if (signal.kind === 'connected' || signal.kind === 'ready') this.queue.flush();
      },
      error: (err) => this.signals$.error(err),
    });
    this.queue = new RequestQueue(this.link, { scheduler: asyncScheduler, onError: (err) => this.signals$.error(err) });
  }

  get queued(): number {
    return this.queue.waiting;
  }

  send(json: string): OutgoingRequest {
    if (this.isClosed) throw new Error('send() on a closed dealer');
    return this.queue.enqueue(json);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.close();
    this.link.close();
    this.signals$.complete();
  }
}

function openDealer(transport: Transport, endpoint: string): TestDealer {
  const dealer = new TestDealer(transport, endpoint);
  dealers.push(dealer);
  return dealer;
}

// zeromq.js loads with the first link (see lazy-links.ts); loaded up front here, so that each
// test opens its sockets at once whatever runs before it. The first links: the describe below.
beforeAll(async () => {
  await loadZeromq();
});

describe('ZeromqTransport before zeromq.js has loaded (the first links of a process)', () => {
  /** The adapter from a fresh copy of the sources, where zeromq.js has not been loaded yet. */
  const freshTransport = (): { transport: Transport; loaded: () => boolean } => {
    let fresh: { transport: Transport; loaded: () => boolean } | undefined;
    jest.isolateModules(() => {
      const adapter = require('../../src/observables/transports/zeromq/zeromq-transport') as typeof import('../../src/observables/transports/zeromq/zeromq-transport');
      const loader = require('../../src/observables/transports/zeromq/load-zeromq') as typeof import('../../src/observables/transports/zeromq/load-zeromq');
      fresh = { transport: new adapter.ZeromqTransport(), loaded: () => loader.loadedZeromq() !== undefined };
    });
    return fresh!;
  };

  it('subscribes an event link to the prefixes it was given while loading, in order', async () => {
    const { transport, loaded } = freshTransport();
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const subs = reader(pub);
    const prefixes = new Subject<readonly string[]>();
    const signals = record(subscriber(transport, pub.lastEndpoint as string, prefixes));
    prefixes.next(['llm.', 'session.']);
    prefixes.next(['session.']);
    expect(loaded()).toBe(false);
    // XPUB sees what reached the socket: both subscribed, then llm. withdrawn (replayed in order).
    const seen = [text((await subs.next())[0] as Buffer), text((await subs.next())[0] as Buffer), text((await subs.next())[0] as Buffer)];
    expect(seen).toEqual(['\u0001llm.', '\u0001session.', '\u0000llm.']);
    await signals.next(isConnected);
    await pub.send('session.update\u0000{}');
    expect(frameText(await signals.next((s) => s.kind === 'frame'))).toBe('session.update\u0000{}');
    expect(loaded()).toBe(true);
  });

  it('holds a request sent while loading in the queue, and sends it once the socket is up', async () => {
    const { transport, loaded } = freshTransport();
    const router = await bound(new zmq.Router({ linger: 0 }));
    const replies = echo(router);
    const dealer = openDealer(transport, router.lastEndpoint as string);
    const signals = record(dealer.signals$);
    const outgoing = dealer.send('{"id":"early"}');
    expect(loaded()).toBe(false);
    expect(outgoing.state).toBe('queued'); // send() answered false: nothing left, still withdrawable
    expect(text(last(await replies.next()))).toBe('{"id":"early"}');
    expect(replyText(await signals.next((s) => s.kind === 'reply'))).toBe('{"id":"early"}');
  });

  it('opens nothing for a link closed before zeromq.js loaded', async () => {
    const sockets: unknown[] = [];
    let transport: Transport | undefined;
    jest.isolateModules(() => {
      const adapter = require('../../src/observables/transports/zeromq/zeromq-transport') as typeof import('../../src/observables/transports/zeromq/zeromq-transport');
      transport = new adapter.ZeromqTransport({ onSocket: (socket) => sockets.push(socket) });
    });
    const subscription = subscriber(transport!, 'tcp://127.0.0.1:1', ['']).subscribe();
    subscription.unsubscribe();
    // A second link, opened after the first was closed, proves the load has completed.
    const second = record(subscriber(transport!, 'tcp://127.0.0.1:1', ['']));
    await until(() => sockets.length > 0);
    second.subscription.unsubscribe();
    expect(sockets).toHaveLength(1);
  });
});

describe('ZeromqTransport.subscriber', () => {
  it('emits connected and the frames a publisher sends', async () => {
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const subs = reader(pub);
    const signals = record(subscriber(zeromqTransport, pub.lastEndpoint as string, ['']));

    expect(await signals.next()).toEqual({ kind: 'connected' });
    expect(text((await subs.next())[0] as Buffer)).toBe('\u0001'); // subscribe-all reached the PUB
    await pub.send('session.update\u0000{"a":1}');
    await pub.send('llm.token\u0000{"b":2}');

    const first = await signals.next();
    expect(first.kind).toBe('frame');
    expect(first.kind === 'frame' && Buffer.isBuffer(first.frame)).toBe(true); // passed through
    expect(frameText(first)).toBe('session.update\u0000{"a":1}');
    expect(frameText(await signals.next())).toBe('llm.token\u0000{"b":2}');
  });

  it('filters by prefix: a topic plus NUL gets exactly that topic', async () => {
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const subs = reader(pub);
    const signals = record(subscriber(zeromqTransport, pub.lastEndpoint as string, ['llm.token\u0000']));

    expect(text((await subs.next())[0] as Buffer)).toBe('\u0001llm.token\u0000');
    await pub.send('llm.tokenizer\u0000{}');
    await pub.send('llm.token\u0000{"n":1}');
    await pub.send('llm.end\u0000{}');
    await pub.send('llm.token\u0000last');

    await signals.next((s) => frameText(s) === 'llm.token\u0000last');
    expect(signals.values.map(frameText).filter((t) => t !== undefined)).toEqual([
      'llm.token\u0000{"n":1}',
      'llm.token\u0000last',
    ]);
  });

  it('subscribes to each prefix, and to nothing for an empty list', async () => {
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const subs = reader(pub);
    const endpoint = pub.lastEndpoint as string;
    const both = record(subscriber(zeromqTransport, endpoint, ['session.', 'llm.end\u0000']));
    const none = record(subscriber(zeromqTransport, endpoint, []));

    const seen = [text((await subs.next())[0] as Buffer), text((await subs.next())[0] as Buffer)];
    expect(seen.sort()).toEqual(['\u0001llm.end\u0000', '\u0001session.']);
    await none.next(isConnected);
    await both.next(isConnected);
    await pub.send('llm.token\u0000x');
    await pub.send('session.list\u0000{}');
    await pub.send('llm.end\u0000{}');

    await both.next((s) => frameText(s) === 'llm.end\u0000{}');
    expect(both.values.map(frameText).filter((t) => t !== undefined)).toEqual([
      'session.list\u0000{}',
      'llm.end\u0000{}',
    ]);
    expect(none.values.filter((s) => s.kind === 'frame')).toEqual([]);
  });

  it('follows an Observable of prefixes on the open socket, without reconnecting', async () => {
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const subs = reader(pub);
    const prefixes = new Subject<readonly string[]>();
    const signals = record(subscriber(zeromqTransport, pub.lastEndpoint as string, prefixes));
    await signals.next(isConnected);

    prefixes.next(['llm.token\u0000', 'llm.token\u0000']);
    expect(text((await subs.next())[0] as Buffer)).toBe('\u0001llm.token\u0000');
    prefixes.next(['session.']);
    const changes = [text((await subs.next())[0] as Buffer), text((await subs.next())[0] as Buffer)];
    expect(changes.sort()).toEqual(['\u0000llm.token\u0000', '\u0001session.']);
    prefixes.complete(); // the last list stays

    await pub.send('llm.token\u0000{}');
    await pub.send('session.update\u0000{}');
    expect(frameText(await signals.next((s) => s.kind === 'frame'))).toBe('session.update\u0000{}');
    expect(signals.values.filter((s) => s.kind === 'frame')).toHaveLength(1);
    expect(signals.values.filter(isConnected)).toHaveLength(1);
  });

  it('errors (and closes the socket) when the Observable of prefixes errors', async () => {
    const { transport, sockets } = inspectedTransport();
    const boom = new Error('prefixes failed');
    const signals = record(subscriber(transport, 'tcp://127.0.0.1:1', throwError(() => boom)));
    await expect(signals.next()).rejects.toBe(boom);
    expect(sockets).toHaveLength(0); // failed before it connected
    const prefixes = new Subject<readonly string[]>();
    const later = record(subscriber(transport, 'tcp://127.0.0.1:1', prefixes));
    prefixes.error(boom);
    await expect(later.next()).rejects.toBe(boom);
    expect(sockets.every((s) => s.closed)).toBe(true);
  });

  it('emits only the first frame of a multi-part message', async () => {
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const subs = reader(pub);
    const signals = record(subscriber(zeromqTransport, pub.lastEndpoint as string, ['']));
    await subs.next();
    await pub.send(['a\u0000first', 'second']);
    expect(frameText(await signals.next((s) => s.kind === 'frame'))).toBe('a\u0000first');
  });

  it('closes its socket and event observer on unsubscribe; the receive loop ends quietly', async () => {
    const { transport, sockets } = inspectedTransport();
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const subs = reader(pub);
    const signals = record(subscriber(transport, pub.lastEndpoint as string, ['llm.']));
    await subs.next();
    await signals.next(isConnected);
    expect(sockets).toHaveLength(1);
    const socket = sockets[0] as zmq.Subscriber;
    const events = socket.events; // the socket's one observer, the one the adapter reads
    expect(socket.closed).toBe(false);

    signals.subscription.unsubscribe();

    expect(socket.closed).toBe(true);
    await until(() => events.closed); // it closes itself on its `end` event
    // The PUB side sees the subscriber go: its subscription is withdrawn.
    expect(text((await subs.next())[0] as Buffer)).toBe('\u0000llm.');
    expect(signals.error).toBeUndefined();
  });

  it('opens one socket per subscription (cold)', async () => {
    const { transport, sockets } = inspectedTransport();
    const source = subscriber(transport, 'tcp://127.0.0.1:1', ['']);
    expect(sockets).toHaveLength(0);
    const a = source.subscribe();
    const b = source.subscribe();
    expect(sockets).toHaveLength(2);
    expect(sockets[0]).not.toBe(sockets[1]);
    a.unsubscribe();
    b.unsubscribe();
    expect(sockets.every((s) => s.closed)).toBe(true);
  });

  it('does not error while the peer is down, reports disconnected, and reconnects', async () => {
    const pub = await bound(new zmq.XPublisher({ linger: 0 }));
    const endpoint = pub.lastEndpoint as string;
    const subs = reader(pub);
    const signals = record(subscriber(zeromqTransport, endpoint, ['']));
    await signals.next(isConnected);
    await subs.next();

    pub.close();
    expect(await signals.next(isDisconnected)).toEqual({ kind: 'disconnected' });

    const again = await bound(new zmq.XPublisher({ linger: 0 }), endpoint);
    const subsAgain = reader(again);
    await signals.next(isConnected);
    await subsAgain.next(); // libzmq resubscribed by itself
    await again.send('instance.heartbeat\u0000{}');
    expect(frameText(await signals.next((s) => s.kind === 'frame'))).toBe('instance.heartbeat\u0000{}');
    expect(signals.error).toBeUndefined();
  });

  it('errors (and closes the socket) when the endpoint is invalid', async () => {
    const { transport, sockets } = inspectedTransport();
    const signals = record(subscriber(transport, 'nonsense://nowhere', ['']));
    await expect(signals.next()).rejects.toBeInstanceOf(InvalidEndpointError);
    expect(sockets).toHaveLength(0); // refused before any socket was made
  });
});

describe('ZeromqTransport.dealer', () => {
  it('sends [empty][json] to a ROUTER and emits the last frame of each reply', async () => {
    const router = await bound(new zmq.Router({ linger: 0 }));
    const dealer = openDealer(zeromqTransport, router.lastEndpoint as string);
    const signals = record(dealer.signals$);
    const requests = reader(router);

    dealer.send('{"id":"1"}');
    const request = await requests.next();
    expect(request).toHaveLength(3); // [routing id][empty][json]
    expect(text(request[1] as Buffer)).toBe('');
    expect(text(request[2] as Buffer)).toBe('{"id":"1"}');

    await router.send([request[0] as Buffer, '', '{"id":"1","result":1}']);
    await router.send([request[0] as Buffer, '', 'ignored', '{"id":"1","result":2}']);
    expect(replyText(await signals.next((s) => s.kind === 'reply'))).toBe('{"id":"1","result":1}');
    expect(replyText(await signals.next((s) => s.kind === 'reply'))).toBe('{"id":"1","result":2}');
    expect(await signals.next(isConnected)).toEqual({ kind: 'connected' });
  });

  it('gives each dealer its own routing id, so replies are not crossed', async () => {
    const router = await bound(new zmq.Router({ linger: 0 }));
    const served = echo(router);
    const a = openDealer(zeromqTransport, router.lastEndpoint as string);
    const b = openDealer(zeromqTransport, router.lastEndpoint as string);
    const aSignals = record(a.signals$);
    const bSignals = record(b.signals$);

    a.send('{"id":"a"}');
    b.send('{"id":"b"}');
    expect(replyText(await aSignals.next((s) => s.kind === 'reply'))).toBe('{"id":"a"}');
    expect(replyText(await bSignals.next((s) => s.kind === 'reply'))).toBe('{"id":"b"}');

    const ids = [text((await served.next())[0] as Buffer), text((await served.next())[0] as Buffer)];
    expect(ids[0]).toMatch(/^pando-rx-[0-9a-f]{16}$/);
    expect(ids[1]).toMatch(/^pando-rx-[0-9a-f]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(aSignals.values.filter((s) => s.kind === 'reply')).toHaveLength(1);
    expect(bSignals.values.filter((s) => s.kind === 'reply')).toHaveLength(1);
  });

  it('holds requests while no ROUTER is bound, and sends them in order once it binds', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const dealer = openDealer(zeromqTransport, endpoint);
    const signals = record(dealer.signals$);

    const first = dealer.send('{"id":"1"}');
    dealer.send('{"id":"2"}');
    expect(dealer.queued).toBe(2);

    const router = await bound(new zmq.Router({ linger: 0 }), endpoint);
    const served = echo(router);
    await signals.next(isConnected);
    expect(text(last(await served.next()))).toBe('{"id":"1"}');
    expect(text(last(await served.next()))).toBe('{"id":"2"}');
    expect(replyText(await signals.next((s) => s.kind === 'reply'))).toBe('{"id":"1"}');
    expect(replyText(await signals.next((s) => s.kind === 'reply'))).toBe('{"id":"2"}');
    expect(dealer.queued).toBe(0);
    expect(first.cancel()).toBe(false); // it was handed to the socket
  });

  it('at most once: a request cancelled while the ROUTER is down is never received', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const dealer = openDealer(zeromqTransport, endpoint);
    const signals = record(dealer.signals$);

    const cancelled = dealer.send('{"id":"cancelled"}');
    dealer.send('{"id":"kept"}');
    expect(cancelled.cancel()).toBe(true);
    expect(cancelled.cancel()).toBe(true); // still withdrawn
    expect(dealer.queued).toBe(1);

    const router = await bound(new zmq.Router({ linger: 0 }), endpoint);
    const requests = reader(router);
    await signals.next(isConnected);
    dealer.send('{"id":"after"}');

    // One connection, FIFO: had the cancelled request been sent, it would come first.
    const received = [text(last(await requests.next())), text(last(await requests.next()))];
    expect(received).toEqual(['{"id":"kept"}', '{"id":"after"}']);
  });

  it('at most once after a drop: a request made once the connection that carried the last one broke is refused, waits, and can be withdrawn', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const first = await bound(new zmq.Router({ linger: 0 }), endpoint);
    const firstRequests = reader(first);
    const dealer = openDealer(zeromqTransport, endpoint);
    const signals = record(dealer.signals$);
    await signals.next(isConnected);
    dealer.send('{"id":"before"}');
    expect(text(last(await firstRequests.next()))).toBe('{"id":"before"}');
    first.close();
    await signals.next(isDisconnected);

    // The last send went out, but the drop was reported: this one is probed first, refused
    // (ZMQ_IMMEDIATE, no connection), nothing is handed over, and it waits in the queue. The
    // monitor's 'disconnected' can reach us a moment before libzmq's socket has taken the
    // broken pipe down: a request sent in that window goes into the dying pipe and is lost
    // (its caller times out with sent: true), which is at most once too. Either way it must
    // never reach the next connection.
    const lost = dealer.send('{"id":"while-down"}');
    await until(() => lost.state !== 'sending');
    expect(['queued', 'sent']).toContain(lost.state);
    if (lost.state === 'queued') expect(lost.cancel()).toBe(true);

    const second = await bound(new zmq.Router({ linger: 0 }), endpoint);
    const requests = reader(second);
    await signals.next(isConnected);
    dealer.send('{"id":"kept"}');
    // One connection, FIFO: had the withdrawn request been sent, it would come first.
    expect(text(last(await requests.next()))).toBe('{"id":"kept"}');
    expect(dealer.queued).toBe(0);
  });

  /**
   * Fills the dealer's libzmq pipe behind a ROUTER that does not read (receive HWM 1, so TCP
   * back-pressure stops the flow), drops that ROUTER, binds a new one on the same port, then
   * sends a marker: one connection is FIFO, so any old message would arrive before the marker.
   * Returns how many old messages the new ROUTER received.
   */
  async function oldMessagesAfterReconnect(
    endpoint: string,
    dealer: {
      send(json: string): Promise<void>;
      handedOver(): Promise<void>;
      connected(): Promise<void>;
      disconnected(): Promise<void>;
    },
  ): Promise<number> {
    const first = await bound(new zmq.Router({ linger: 0, receiveHighWaterMark: 1 }), endpoint);
    await dealer.connected();
    const pad = 'x'.repeat(1 << 20);
    for (let i = 0; i < 64; i++) await dealer.send(`{"id":"${i}","pad":"${pad}"}`); // 64 MiB
    await dealer.handedOver();
    first.close();
    await dealer.disconnected();

    const second = await bound(new zmq.Router({ linger: 0 }), endpoint);
    const requests = reader(second);
    await dealer.connected();
    await dealer.send('{"id":"marker"}');
    let old = 0;
    while (text(last(await requests.next())) !== '{"id":"marker"}') old++;
    return old;
  }

  it('at most once: what was queued on a connection that broke is not delivered to the next peer (ZMQ_IMMEDIATE)', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const dealer = openDealer(zeromqTransport, endpoint);
    const signals = record(dealer.signals$);
    const old = await oldMessagesAfterReconnect(endpoint, {
      send: async (json) => {
        dealer.send(json);
      },
      handedOver: () => until(() => dealer.queued === 0),
      connected: async () => {
        await signals.next(isConnected);
      },
      disconnected: async () => {
        await signals.next(isDisconnected);
      },
    });
    expect(old).toBe(0);
  });

  it('control: without ZMQ_IMMEDIATE the same scenario does deliver old messages', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const raw = new zmq.Dealer({ linger: 0, immediate: false, routingId: 'control' });
    peers.push(raw);
    const events = new Recorder(eventTypes(raw));
    raw.connect(endpoint);
    const old = await oldMessagesAfterReconnect(endpoint, {
      send: (json) => raw.send(['', json]),
      handedOver: async () => undefined,
      connected: async () => {
        await events.next((type) => type === 'handshake');
      },
      disconnected: async () => {
        await events.next((type) => type === 'disconnect');
      },
    });
    expect(old).toBeGreaterThan(0);
  });

  it('close() closes the socket at once, completes signals$, drops the queue, and is idempotent', async () => {
    const { transport, sockets } = inspectedTransport();
    const dealer = openDealer(transport, `tcp://127.0.0.1:${await freePort()}`);
    const signals = record(dealer.signals$);
    const waiting = dealer.send('{"id":"1"}');
    const socket = sockets[0] as zmq.Dealer;
    expect(socket.routingId).toMatch(/^pando-rx-[0-9a-f]{16}$/);
    expect(socket.immediate).toBe(true);
    expect(socket.sendTimeout).toBe(0);
    expect(socket.linger).toBe(0);

    dealer.close();
    dealer.close();

    expect(socket.closed).toBe(true);
    expect(dealer.isClosed).toBe(true);
    expect(dealer.queued).toBe(0);
    expect(waiting.cancel()).toBe(true); // dropped, so never sent
    await signals.done();
    expect(signals.error).toBeUndefined();
    expect(() => dealer.send('{}')).toThrow(/closed/);
  });
});
