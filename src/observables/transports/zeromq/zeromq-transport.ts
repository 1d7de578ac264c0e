import { checkEndpoint } from '../../endpoint.js';
import type { EventLink, EventLinkSignal, LinkSink, RequestLink, RequestLinkSignal, Transport } from '../../transport.js';
import { openZeromqEventLink } from './event-link.js';
import { lazyEventLink, lazyRequestLink } from './lazy-links.js';
import { loadedZeromq, loadZeromq, type ZeromqModule } from './load-zeromq.js';
import { openZeromqRequestLink } from './request-link.js';

/**
 * A socket as `onSocket` hands it: a zeromq.js `Subscriber` (an event link) or `Dealer` (a
 * request link). Described without zeromq's types, so that pando-rx's declarations type-check
 * where the optional dependency is not installed; cast it to `zmq.Subscriber` or `zmq.Dealer`
 * to read more.
 *
 * ```ts
 * new ZeromqTransport({ onSocket: (socket) => console.log((socket as zmq.Dealer).routingId) });
 * ```
 */
export interface ZeromqSocket {
  /** Whether the socket is closed. */
  readonly closed: boolean;
}

/** Options of {@link ZeromqTransport}. */
export interface ZeromqTransportOptions {
  /**
   * Called with every socket right after it is created and configured, before it connects.
   * A seam for tests and diagnostics (e.g. to assert `socket.closed` after unsubscribe, or to
   * read `socket.routingId`); the adapter owns the socket: do not read from or close it.
   */
  readonly onSocket?: (socket: ZeromqSocket) => void;
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
 * zeromq.js is an optional dependency, loaded when the first link opens (never at import): until
 * it has loaded, a link holds its prefixes and answers `send` with `false`; where it is not
 * installed, every link fails with `ZeromqMissingError` (through `events$`, `status$` and each
 * call), and nothing crashes.
 *
 * ```ts
 * const instance = new RemoteInstance(new ZeromqTransport(), { pubEndpoint, rpcEndpoint });
 * ```
 */
export class ZeromqTransport implements Transport {
  private readonly onSocket: ((socket: ZeromqSocket) => void) | undefined;

  constructor(options: ZeromqTransportOptions = {}) {
    this.onSocket = options.onSocket;
  }

  openEvents(address: string, sink: LinkSink<EventLinkSignal>): EventLink {
    const open = (zmq: ZeromqModule): EventLink => openZeromqEventLink(zmq, address, sink, this.onSocket);
    const zmq = loadedZeromq();
    return zmq === undefined ? lazyEventLink(loadZeromq(), open, sink) : open(zmq);
  }

  openRequests(address: string, sink: LinkSink<RequestLinkSignal>): RequestLink {
    const open = (zmq: ZeromqModule): RequestLink => openZeromqRequestLink(zmq, address, sink, this.onSocket);
    const zmq = loadedZeromq();
    return zmq === undefined ? lazyRequestLink(loadZeromq(), open, sink) : open(zmq);
  }

  checkAddress(address: string): string | undefined {
    return checkEndpoint(address);
  }
}

/** The shared adapter with default options. */
export const zeromqTransport = new ZeromqTransport();
