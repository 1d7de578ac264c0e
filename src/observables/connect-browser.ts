import { RemoteInstance, type ConnectTuning } from './remote-instance.js';
import { withQuery, type ReconnectOptions, type WebSocketConstructor } from './transports/websocket/bridge-socket.js';
import { WebSocketTransport } from './transports/websocket/websocket-transport.js';

/** Options of `connectBrowser()`: where the bridge is, its token, and how to watch the instance. */
export type ConnectBrowserOptions = ConnectTuning & {
  /** The bridge's WebSocket URL, e.g. `ws://127.0.0.1:8787/`. */
  readonly url: string;
  /** The bridge's token (printed by `pando-rx bridge` at start). */
  readonly token: string;
  /**
   * Which instance of a fleet bridge (`pando-rx bridge --fleet`): its id, as `watchBridgeFleet()`
   * lists it. A single-instance bridge needs none.
   */
  readonly instance?: string;
  /** The WebSocket constructor (default: the global `WebSocket`; in Node pass `ws`'s). */
  readonly WebSocket?: WebSocketConstructor;
  /** How a lost bridge is tried again (250 ms doubling to 10 s by default). */
  readonly reconnect?: ReconnectOptions;
};

/**
 * Connects to a Pando instance through a pando-rx bridge (`pando-rx bridge`, `startBridge()`),
 * from a browser or anywhere with a WebSocket. The result is the same `RemoteInstance` that
 * `connect()` returns in Node, over a WebSocket transport: `events$`, `on()`, `token$`,
 * `mirror$`, `status$` (with `unreachable` while the bridge cannot be reached), every RPC
 * method, `close()`. Nothing is opened until a stream is subscribed or a method called.
 *
 * ```ts
 * const pando = connectBrowser({ url: 'ws://127.0.0.1:8787/', token: 'printed-by-the-bridge' });
 * pando.status$.subscribe((status) => console.log(status)); // connecting, alive, …, unreachable
 * // one instance of a fleet bridge:
 * const other = connectBrowser({ url: 'ws://127.0.0.1:8787/', token: 'printed-by-the-bridge', instance: 'abc123' });
 * ```
 */
export const connectBrowser = (options: ConnectBrowserOptions): RemoteInstance => {
  const { url: bridgeUrl, token, instance, WebSocket, reconnect, ...tuning } = options;
  const url = instance === undefined ? bridgeUrl : withQuery(bridgeUrl, { instance });
  const transport = new WebSocketTransport({
    token,
    ...(WebSocket === undefined ? {} : { WebSocket }),
    ...(reconnect === undefined ? {} : { reconnect }),
    ...(tuning.scheduler === undefined ? {} : { scheduler: tuning.scheduler }),
  });
  return new RemoteInstance(transport, { ...tuning, pubEndpoint: url, rpcEndpoint: url });
};
