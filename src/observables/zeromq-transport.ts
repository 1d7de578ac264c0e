import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { Observable, Subject, isObservable } from 'rxjs';
import type { Unsubscribable } from 'rxjs';
import type {
  ConnectionSignal,
  DealerPort,
  DealerSignal,
  OutgoingRequest,
  Prefixes,
  SubscriberSignal,
  Transport,
} from './transport.js';

/**
 * The zeromq adapter of the transport port: real SUB and DEALER sockets from zeromq.js v6.
 *
 * Every socket it makes is created with `linger: 0` (ZMQ_LINGER 0: closing drops whatever is
 * still queued and releases the socket at once, so a closed socket never keeps the process
 * alive), is read by exactly one receive loop (zeromq.js allows one pending `receive()`), and
 * reports `connect` / `disconnect` from its event observer (`socket.events`, a ZMQ monitor
 * socket; ZMQ_EVENT_CONNECTED / ZMQ_EVENT_DISCONNECTED).
 *
 * A socket with a pending `receive()` (and an observer with a pending `receive()`) keeps the
 * Node.js event loop alive until it is closed: unsubscribe from every subscriber and `close()`
 * every dealer. Closing closes the socket at once; its observer closes itself a moment later, on
 * its `end` event (see `watchConnection`).
 */

/** Options of {@link ZeromqTransport}. */
export interface ZeromqTransportOptions {
  /**
   * Called with every socket right after it is created and configured, before it connects.
   * A seam for tests and diagnostics (e.g. to assert `socket.closed` after unsubscribe, or to
   * read `socket.routingId`); the adapter owns the socket: do not read from or close it.
   */
  readonly onSocket?: (socket: zmq.Subscriber | zmq.Dealer) => void;
  /**
   * Milliseconds between retries of a dealer's flush while requests wait for a connection
   * (a backstop to the `connect` / `handshake` events; the timer is `unref()`-ed and only runs
   * while our queue is non-empty). Default 100.
   */
  readonly retryInterval?: number;
}

/** The error codes with which zeromq.js rejects a pending `receive()` of a socket we closed. */
const CLOSED_CODES: ReadonlySet<string> = new Set(['EAGAIN', 'ETERM', 'EBADF', 'ENOTSOCK']);

/** True for the error that a pending receive of a socket (or observer) gets when it is closed. */
function isClosedError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && CLOSED_CODES.has(code);
}

/** True for the EAGAIN of a send that could not be queued at once (`sendTimeout: 0`). */
function isAgain(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EAGAIN';
}

/** How long a closed socket's observer may wait for its `end` event before we close it. */
const OBSERVER_END_TIMEOUT_MS = 1000;

/**
 * Reads a socket's event observer (`socket.events`, a ZMQ monitor socket) in one loop.
 *
 * Reports `connect` / `disconnect` (ZMQ_EVENT_CONNECTED / ZMQ_EVENT_DISCONNECTED) as connection
 * signals for `endpoint` (the address the socket was asked to connect to), and `handshake`
 * (ZMQ_EVENT_HANDSHAKE_SUCCEEDED: the ZMTP greeting is done, so with ZMQ_IMMEDIATE the
 * connection can now take messages) to `onHandshake`. Nothing is reported once `isClosing()`.
 *
 * Closing: close the socket, not the observer. The observer then receives `end`
 * (ZMQ_EVENT_MONITOR_STOPPED), closes itself and the loop ends. Closing the observer ourselves
 * right after the socket makes libzmq leak the socket and its `inproc://zmq.monitor.<address>`
 * endpoint (seen with zeromq 6.8: after a few hundred sockets, EMFILE, or EADDRINUSE when a new
 * observer reuses the address). `socketClosed()` returns the fallback: if `end` has not come
 * within a second, the observer is closed anyway so that its pending receive cannot keep the
 * process alive.
 *
 * Errors: once closing, the errors of a closed observer (EBADF, ENOTSOCK, ...) end the loop
 * quietly; any other goes to `onError`.
 */
function watchConnection(
  events: zmq.Observer,
  endpoint: string,
  onSignal: (signal: ConnectionSignal) => void,
  onError: (err: unknown) => void,
  isClosing: () => boolean,
  onHandshake?: () => void,
): { socketClosed(): void } {
  let fallback: ReturnType<typeof setTimeout> | undefined;
  const ended = (): void => {
    if (fallback !== undefined) clearTimeout(fallback);
    fallback = undefined;
  };
  void (async () => {
    try {
      while (!events.closed) {
        const event = (await events.receive()) as zmq.Event | undefined;
        if (event === undefined || event.type === 'end') return;
        if (isClosing()) continue;
        if (event.type === 'connect') onSignal({ kind: 'connected', endpoint });
        else if (event.type === 'disconnect') onSignal({ kind: 'disconnected', endpoint });
        else if (event.type === 'handshake') onHandshake?.();
      }
    } catch (err) {
      if (!(isClosing() && isClosedError(err))) onError(err);
    } finally {
      ended();
    }
  })();
  return {
    socketClosed: () => {
      if (events.closed || fallback !== undefined) return;
      fallback = setTimeout(() => {
        fallback = undefined;
        if (!events.closed) events.close();
      }, OBSERVER_END_TIMEOUT_MS);
      fallback.unref();
    },
  };
}

/**
 * Opens ZeroMQ SUB and DEALER sockets for the rest of `src/observables`.
 *
 * ```ts
 * const transport = new ZeromqTransport();
 * transport.subscriber('tcp://127.0.0.1:46503', ['llm.token\u0000']).subscribe(console.log);
 * ```
 */
export class ZeromqTransport implements Transport {
  private readonly onSocket: ((socket: zmq.Subscriber | zmq.Dealer) => void) | undefined;
  private readonly retryInterval: number;

  constructor(options: ZeromqTransportOptions = {}) {
    this.onSocket = options.onSocket;
    this.retryInterval = options.retryInterval ?? 100;
  }

  /**
   * Cold: each subscription opens one `zmq.Subscriber` and closes it on unsubscribe.
   *
   * - `linger: 0` (ZMQ_LINGER): close at once, nothing kept behind.
   * - `subscribe(prefix)` for each prefix (ZMQ_SUBSCRIBE, as UTF-8 bytes): a byte-prefix filter
   *   applied by the publisher. An empty list subscribes to nothing (zeromq.js's `subscribe()`
   *   with no argument would mean everything: pass `['']` for that). Duplicates count once.
   * - When `prefixes` is an Observable, each list it emits replaces the previous one on the open
   *   socket: prefixes that go are unsubscribed (ZMQ_UNSUBSCRIBE), new ones subscribed, without
   *   reconnecting. Until its first list the socket subscribes to nothing; when it completes the
   *   last list stays; when it errors, so does the returned Observable.
   * - `connect(endpoint)`: libzmq connects in the background and reconnects by itself
   *   (ZMQ_RECONNECT_IVL), so a peer that is down is never an error, only a missing `connected`.
   *
   * Each message is emitted as `{ kind: 'frame', frame }`, the Buffer zeromq.js gave us (a
   * `Uint8Array`, not copied). A SUB message of this protocol is one frame; should a multi-part
   * message arrive, only its first frame is emitted and the other parts are ignored.
   * A `receive()` failure other than the one caused by our own close is emitted as an error.
   */
  subscriber(endpoint: string, prefixes: Prefixes): Observable<SubscriberSignal> {
    return new Observable<SubscriberSignal>((subscriber) => {
      const socket = new zmq.Subscriber({ linger: 0 });
      let closing = false;
      let watcher: { socketClosed(): void } | undefined;
      let prefixSubscription: Unsubscribable | undefined;
      const isClosing = (): boolean => closing;
      const fail = (err: unknown): void => subscriber.error(err);

      const teardown = (): void => {
        if (closing) return;
        closing = true;
        prefixSubscription?.unsubscribe();
        socket.close();
        watcher?.socketClosed();
      };

      const subscribed = new Set<string>();
      const follow = (wanted: readonly string[]): void => {
        if (closing) return;
        const next = new Set(wanted);
        for (const prefix of subscribed) {
          if (next.has(prefix)) continue;
          socket.unsubscribe(Buffer.from(prefix, 'utf8'));
          subscribed.delete(prefix);
        }
        for (const prefix of next) {
          if (subscribed.has(prefix)) continue;
          // As bytes: a topic plus '\u0000' must reach libzmq with its NUL byte.
          socket.subscribe(Buffer.from(prefix, 'utf8'));
          subscribed.add(prefix);
        }
      };

      try {
        // Watch before connecting, so that the first `connect` event is not missed.
        watcher = watchConnection(socket.events, endpoint, (signal) => subscriber.next(signal), fail, isClosing);
        if (isObservable(prefixes)) {
          prefixSubscription = prefixes.subscribe({
            next: (wanted) => {
              try {
                follow(wanted);
              } catch (err) {
                fail(err);
              }
            },
            error: fail,
          });
        } else {
          follow(prefixes);
        }
        if (subscriber.closed) return teardown; // `prefixes` failed at once: rxjs runs it now
        this.onSocket?.(socket);
        socket.connect(endpoint);
      } catch (err) {
        teardown();
        throw err;
      }

      void (async () => {
        try {
          while (!closing) {
            const [frame] = await socket.receive();
            if (closing) return;
            if (frame !== undefined) subscriber.next({ kind: 'frame', frame });
          }
        } catch (err) {
          if (!(closing && isClosedError(err))) fail(err);
        }
      })();

      return teardown;
    });
  }

  /**
   * Opens one `zmq.Dealer` connected to `endpoint`:
   *
   * - `linger: 0` (ZMQ_LINGER): `close()` drops anything still queued in libzmq.
   * - `immediate: true` (ZMQ_IMMEDIATE): messages are queued only to completed connections, and
   *   a connection's queue is dropped when it breaks, so nothing waits inside libzmq for an
   *   instance that is down and gets executed when it comes back.
   * - `sendTimeout: 0` (ZMQ_SNDTIMEO 0): a send with no connection fails at once with EAGAIN
   *   instead of blocking; the request then waits in our own queue, where it can be cancelled.
   * - `routingId` (ZMQ_ROUTING_ID): `pando-rx-` plus 16 random hex digits, unique per dealer, so
   *   that two dealers never receive each other's replies.
   */
  dealer(endpoint: string): ZeromqDealer {
    return new ZeromqDealer(endpoint, this.retryInterval, this.onSocket);
  }
}

/** One request in a dealer's own queue. */
interface Pending {
  readonly json: string;
  /**
   * `queued`: in our queue; `sending`: handed to `socket.send()`, awaiting its result; `sent`:
   * queued by libzmq; `withdrawn`: cancelled or dropped by `close()`, so never sent.
   */
  state: 'queued' | 'sending' | 'sent' | 'withdrawn';
  /** `cancel()` was called while `sending`: if that send fails, drop instead of retrying. */
  abandoned: boolean;
}

/**
 * The {@link DealerPort} of {@link ZeromqTransport}: one `zmq.Dealer` plus our own FIFO queue.
 *
 * Requests are handed to `socket.send(['', json])` one at a time (zeromq.js allows one send in
 * progress). A send that fails with EAGAIN (no completed connection) leaves the request at the
 * head of our queue; the flush is retried on the next `connect` / `handshake` event and on an
 * `unref()`-ed timer while the queue is non-empty.
 */
export class ZeromqDealer implements DealerPort {
  /** Hot: `{ kind: 'reply', frame }` with the last frame of each message, and connection changes. */
  readonly signals$: Observable<DealerSignal>;

  private readonly socket: zmq.Dealer;
  private watcher: { socketClosed(): void } | undefined;
  private readonly subject = new Subject<DealerSignal>();
  private readonly queue: Pending[] = [];
  private flushing = false;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly endpoint: string,
    private readonly retryInterval: number,
    onSocket?: (socket: zmq.Dealer) => void,
  ) {
    this.signals$ = this.subject.asObservable();
    this.socket = new zmq.Dealer({
      linger: 0,
      immediate: true,
      sendTimeout: 0,
      routingId: `pando-rx-${randomBytes(8).toString('hex')}`,
    });
    try {
      // Watch before connecting, so that the first `connect` event is not missed.
      this.watcher = watchConnection(
        this.socket.events,
        endpoint,
        (signal) => {
          this.subject.next(signal);
          if (signal.kind === 'connected') this.flush();
        },
        (err) => this.fail(err),
        () => this.closed,
        () => this.flush(),
      );
      onSocket?.(this.socket);
      this.socket.connect(endpoint);
    } catch (err) {
      this.close();
      throw err;
    }
    this.receiveLoop();
  }

  /** Number of requests in our own queue, not yet handed to the socket (for diagnostics). */
  get queued(): number {
    return this.queue.length;
  }

  /** Whether `close()` was called (or the dealer failed). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Queue one request; it is handed to the socket as soon as a connection is up. Its
   * `cancel()` returns `true` whenever the request is sure never to be sent: withdrawn from our
   * queue, or dropped by `close()`. Throws if the dealer is closed.
   */
  send(json: string): OutgoingRequest {
    if (this.closed) throw new Error('pando-rx: send() on a closed dealer');
    const pending: Pending = { json, state: 'queued', abandoned: false };
    this.queue.push(pending);
    this.flush();
    return {
      cancel: (): boolean => {
        if (pending.state === 'queued') {
          pending.state = 'withdrawn';
          const index = this.queue.indexOf(pending);
          if (index >= 0) this.queue.splice(index, 1);
        } else if (pending.state === 'sending') {
          pending.abandoned = true;
        }
        return pending.state === 'withdrawn';
      },
    };
  }

  /** Close the socket at once, drop our queue and complete `signals$`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dispose();
    this.subject.complete();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.dispose();
    this.subject.error(err);
  }

  /** Stops the retry timer, drops our queue (those requests are never sent), closes the socket. */
  private dispose(): void {
    this.stopRetry();
    for (const pending of this.queue) if (pending.state === 'queued') pending.state = 'withdrawn';
    this.queue.length = 0;
    this.socket.close();
    this.watcher?.socketClosed();
  }

  private receiveLoop(): void {
    void (async () => {
      try {
        while (!this.closed) {
          const message = await this.socket.receive();
          if (this.closed) return;
          const frame = message[message.length - 1];
          if (frame !== undefined) this.subject.next({ kind: 'reply', frame });
        }
      } catch (err) {
        if (!(this.closed && isClosedError(err))) this.fail(err);
      }
    })();
  }

  /** Hands queued requests to the socket, one send at a time, until the queue is empty or EAGAIN. */
  private flush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    this.stopRetry();
    void (async () => {
      try {
        while (!this.closed) {
          const head = this.queue[0];
          if (head === undefined) return;
          // Cheap check (ZMQ_EVENTS): with ZMQ_IMMEDIATE the socket is writable only while a
          // completed connection has room. Saves creating a rejected promise on every retry.
          if (!this.socket.writable) {
            this.scheduleRetry();
            return;
          }
          head.state = 'sending';
          try {
            await this.socket.send(['', head.json]);
          } catch (err) {
            if (this.closed) return;
            if (!isAgain(err)) throw err;
            if (head.abandoned) {
              head.state = 'withdrawn';
              this.queue.shift();
              continue;
            }
            head.state = 'queued';
            this.scheduleRetry();
            return;
          }
          head.state = 'sent';
          if (this.queue[0] === head) this.queue.shift();
        }
      } catch (err) {
        this.fail(err);
      } finally {
        this.flushing = false;
      }
    })();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, this.retryInterval);
    this.retryTimer.unref();
  }

  private stopRetry(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

/** The shared adapter with default options. */
export const zeromqTransport = new ZeromqTransport();
