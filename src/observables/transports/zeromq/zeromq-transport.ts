import type * as zmq from 'zeromq';
import { checkEndpoint } from '../../endpoint.js';
import type { EventLink, EventLinkSignal, LinkSink, RequestLink, RequestLinkSignal, Transport } from '../../transport.js';
import { openZeromqEventLink } from './event-link.js';
import { openZeromqRequestLink } from './request-link.js';

/** Options of {@link ZeromqTransport}. */
export interface ZeromqTransportOptions {
  /**
   * Called with every socket right after it is created and configured, before it connects.
   * A seam for tests and diagnostics (e.g. to assert `socket.closed` after unsubscribe, or to
   * read `socket.routingId`); the adapter owns the socket: do not read from or close it.
   */
  readonly onSocket?: (socket: zmq.Subscriber | zmq.Dealer) => void;
}

/**
 * The ZeroMQ adapter of the transport seam (Node): a SUB socket per event link, a DEALER per
 * request link, from zeromq.js v6. Addresses are ZeroMQ endpoints (`tcp://127.0.0.1:46503`).
 *
 * Every socket is created with `linger: 0`, read by exactly one receive loop, and reports
 * `connected` / `disconnected` from its event observer (a ZMQ monitor socket). A socket with a
 * pending `receive()` keeps the Node.js event loop alive until it is closed: its owner closes
 * every link (the instance logic does, on unsubscribe and at `close()`).
 *
 * ```ts
 * const instance = new RemoteInstance(new ZeromqTransport(), { pubEndpoint, rpcEndpoint });
 * ```
 */
export class ZeromqTransport implements Transport {
  private readonly onSocket: ((socket: zmq.Subscriber | zmq.Dealer) => void) | undefined;

  constructor(options: ZeromqTransportOptions = {}) {
    this.onSocket = options.onSocket;
  }

  openEvents(address: string, sink: LinkSink<EventLinkSignal>): EventLink {
    return openZeromqEventLink(address, sink, this.onSocket);
  }

  openRequests(address: string, sink: LinkSink<RequestLinkSignal>): RequestLink {
    return openZeromqRequestLink(address, sink, this.onSocket);
  }

  checkAddress(address: string): string | undefined {
    return checkEndpoint(address);
  }
}

/** The shared adapter with default options. */
export const zeromqTransport = new ZeromqTransport();
