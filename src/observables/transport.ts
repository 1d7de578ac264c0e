import type { Observable } from 'rxjs';

/**
 * The transport port: the only way the rest of `src/observables` reaches ZeroMQ.
 *
 * The zeromq adapter (`zeromq-transport.ts`) implements it over real sockets; the in-memory
 * fake (`fake-transport.ts`) implements it in virtual time so that the RPC client, mirror$ and
 * status$ can be marble-tested with `TestScheduler`.
 */

/** A change of a socket's connection to its endpoint. */
export type ConnectionSignal =
  | { readonly kind: 'connected'; readonly endpoint: string }
  | { readonly kind: 'disconnected'; readonly endpoint: string };

/** What a subscriber socket reports: one received frame, or a change of its connection. */
export type SubscriberSignal = { readonly kind: 'frame'; readonly frame: Uint8Array } | ConnectionSignal;

/** What a dealer socket reports: the last frame of one reply, or a change of its connection. */
export type DealerSignal = { readonly kind: 'reply'; readonly frame: Uint8Array } | ConnectionSignal;

/** A request handed to a dealer; it can be withdrawn as long as it has not left the process. */
export interface OutgoingRequest {
  /**
   * Withdraw the request if it is still waiting in our own queue (the socket had no connection
   * to send it on). Returns `true` when it was withdrawn, so it will never be sent; `false`
   * when it had already been handed to the socket.
   */
  cancel(): boolean;
}

/**
 * One DEALER socket connected to one RPC endpoint. Requests go out as `[empty frame][JSON]`.
 *
 * At most once: a request is only handed to the socket while a connection is up (ZMQ_IMMEDIATE),
 * so nothing sits in a libzmq queue waiting for an instance that is down; requests that are
 * waiting for a connection stay in our own queue, where `cancel()` can withdraw them.
 */
export interface DealerPort {
  /** Hot: replies and connection changes, from the moment the dealer was opened. */
  readonly signals$: Observable<DealerSignal>;
  /** Queue one request (the JSON text); it is sent as soon as a connection is up. */
  send(json: string): OutgoingRequest;
  /** Close the socket at once (linger 0), dropping anything still queued. Idempotent. */
  close(): void;
}

/** The prefixes a SUB socket subscribes to: fixed, or changing over time. */
export type Prefixes = readonly string[] | Observable<readonly string[]>;

/** Factory of sockets. Every socket it makes is closed by its owner, never left behind. */
export interface Transport {
  /**
   * Cold: each subscription opens one SUB socket (linger 0) connected to `endpoint` and
   * subscribed to each prefix (`''` is everything; a topic plus `'\u0000'` is exactly that
   * topic), emits its frames and connection changes, and closes the socket on unsubscribe.
   * `prefixes` may be an Observable: the socket then follows it, subscribing to prefixes that
   * appear and unsubscribing from those that go, without reconnecting.
   * It never errors for a peer that is down: ZeroMQ reconnects by itself.
   */
  subscriber(endpoint: string, prefixes: Prefixes): Observable<SubscriberSignal>;
  /** Open one DEALER socket (linger 0, its own routing id) connected to `endpoint`. */
  dealer(endpoint: string): DealerPort;
}
