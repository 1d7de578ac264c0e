import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { EventLink, EventLinkSignal, LinkSink, RequestLink, RequestLinkSignal, Transport } from '../../transport.js';
import { NO_WEBSOCKET, webSocketConstructor, withQuery, type ReconnectOptions, type WebSocketConstructor } from './bridge-socket.js';
import { openBridgeEventLink } from './event-link.js';
import { openBridgeRequestLink } from './request-link.js';

/** Options of {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** The bridge's token (printed by `pando-rx bridge`, or `startBridge()`'s `token`). */
  readonly token: string;
  /** The WebSocket constructor (default: the global `WebSocket`; in Node pass `ws`'s). */
  readonly WebSocket?: WebSocketConstructor;
  /** Drives the reconnection backoff (default `asyncScheduler`; a `TestScheduler` in tests). */
  readonly scheduler?: SchedulerLike;
  /** The reconnection backoff (250 ms doubling to 10 s by default). */
  readonly reconnect?: ReconnectOptions;
}

/**
 * The WebSocket adapter of the transport seam (browser-safe): each link is one WebSocket to a
 * pando-rx bridge (`startBridge()`, `pando-rx bridge`), which holds the ZeroMQ sockets.
 * Addresses are the bridge's URL (`ws://127.0.0.1:8787/`); the token and the link's side are
 * added as query parameters. Links reconnect with backoff and report `unreachable` while the
 * bridge cannot be reached; `connected` / `disconnected` are the bridge's link to the instance.
 *
 * ```ts
 * const transport = new WebSocketTransport({ token: 'secret' });
 * const pando = new RemoteInstance(transport, { pubEndpoint: 'ws://127.0.0.1:8787/', rpcEndpoint: 'ws://127.0.0.1:8787/' });
 * ```
 */
export class WebSocketTransport implements Transport {
  private readonly scheduler: SchedulerLike;

  constructor(private readonly options: WebSocketTransportOptions) {
    this.scheduler = options.scheduler ?? asyncScheduler;
  }

  openEvents(address: string, sink: LinkSink<EventLinkSignal>): EventLink {
    return openBridgeEventLink(this.urlOf(address, 'events'), this.constructorOf(), this.scheduler, this.options.reconnect ?? {}, sink);
  }

  openRequests(address: string, sink: LinkSink<RequestLinkSignal>): RequestLink {
    return openBridgeRequestLink(this.urlOf(address, 'requests'), this.constructorOf(), this.scheduler, this.options.reconnect ?? {}, sink);
  }

  checkAddress(address: string): string | undefined {
    if (!/^wss?:\/\/[^/?#\s]+/i.test(address)) return 'a bridge address is a ws:// or wss:// URL';
    if (webSocketConstructor(this.options.WebSocket) === undefined) return NO_WEBSOCKET;
    return undefined;
  }

  private urlOf(address: string, side: 'events' | 'requests'): string {
    return withQuery(address, { side, token: this.options.token });
  }

  private constructorOf(): WebSocketConstructor {
    const WebSocketImpl = webSocketConstructor(this.options.WebSocket);
    if (WebSocketImpl === undefined) throw new TypeError(NO_WEBSOCKET);
    return WebSocketImpl;
  }
}

