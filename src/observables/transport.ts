/**
 * The transport seam: the only way the instance logic (`RemoteInstance`, the RPC client, the
 * frame hub) reaches the outside. ZeroMQ (`transports/zeromq`), a WebSocket to our bridge and
 * NATS each implement it; `FakeTransport` (in `pando-rx/testing`) implements it in memory for
 * marble tests. Browser-safe: types only.
 *
 * The seam is kept at the level of frames, prefixes and requests, and as small as an adapter
 * can be. What every adapter would otherwise write again lives once above it:
 * - following a changing set of prefixes (diffing, opening, closing): `eventSignals()`;
 * - the request queue that holds requests while no connection can take them, where they can
 *   still be withdrawn (so that a failed call is never executed later): `RequestQueue`.
 *
 * Addresses are strings that the transport interprets: `tcp://127.0.0.1:46503` for ZeroMQ, an
 * instance id for NATS, … One transport serves any number of instances (a fleet shares one).
 */

import type { ConnectionSignal } from '../operators/signals.js';

/**
 * A change of a link's connection: up, down, or what carries it unreachable. The very objects
 * that the instance logic passes on as `InstanceSignal`s: nothing wraps them again.
 */
export type LinkConnectionSignal = ConnectionSignal;

/**
 * What an event link reports: one received frame, or a change of its connection. A frame with
 * `replayed: true` was stored before the link joined (a replay of history, e.g. from NATS
 * JetStream): it says nothing of the instance's liveness now.
 */
export type EventLinkSignal =
  | { readonly kind: 'frame'; readonly frame: Uint8Array; readonly replayed?: true }
  | LinkConnectionSignal;

/**
 * What a request link reports: the last frame of one reply, a change of its connection, or
 * `ready` (a send that failed for want of a connection may now succeed: try again).
 */
export type RequestLinkSignal =
  | { readonly kind: 'reply'; readonly frame: Uint8Array }
  | LinkConnectionSignal
  | { readonly kind: 'ready' };

/** Where a link reports to, until it is closed. */
export interface LinkSink<T> {
  /** One signal. */
  next(signal: T): void;
  /** The link failed for good (an unexpected socket error): it reports nothing more. */
  error(err: unknown): void;
}

/**
 * One open subscription to an instance's events (a SUB socket, a bridge subscription, a NATS
 * subscription). It starts subscribed to nothing; frames arrive whose bytes start with one of
 * the subscribed prefixes (`''` is everything; a topic plus `'\u0000'` is exactly that topic).
 */
export interface EventLink {
  /** Add one prefix filter. */
  subscribe(prefix: string): void;
  /** Remove one prefix filter. */
  unsubscribe(prefix: string): void;
  /** Close at once (nothing kept behind); no signal is reported after. Idempotent. */
  close(): void;
}

/**
 * One open request channel to an instance's RPC endpoint (a DEALER, the bridge, NATS
 * request-reply). Replies arrive on its sink, in any order; the caller matches them by id.
 */
export interface RequestLink {
  /**
   * Hand one JSON-RPC request to the wire now, if a connection can take it at once. Resolves
   * (or returns) `true` once it has left our hands; `false` when no connection could take it:
   * then nothing was sent and nothing will be, so the request may be withdrawn or tried again.
   * A link takes one send at a time: the next `send` waits for this one's result. It rejects
   * (throws) only for a fatal error of the link.
   */
  send(json: string): boolean | Promise<boolean>;
  /** Close at once, dropping anything the link still holds; no signal after. Idempotent. */
  close(): void;
}

/** A factory of links to instances. Every link it opens is closed by its owner. */
export interface Transport {
  /**
   * Open a link to the events of the instance at `address`. It reports `connected` once the
   * connection is up (and again after each reconnection), `disconnected` when it drops, and
   * reconnects by itself: an instance that is down is never an error.
   */
  openEvents(address: string, sink: LinkSink<EventLinkSignal>): EventLink;
  /**
   * Open a request link to the RPC endpoint at `address`. Like an event link it reconnects by
   * itself, and it never holds a request for a connection that is down: such a `send` answers
   * `false` (at most once: nothing sent to an instance that is down runs when it comes back).
   */
  openRequests(address: string, sink: LinkSink<RequestLinkSignal>): RequestLink;
  /** What is wrong with `address` for this transport, or `undefined` when it is fine. */
  checkAddress?(address: string): string | undefined;
}
