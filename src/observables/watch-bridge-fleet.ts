import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { BridgeFleetMember } from '../codecs/bridge.js';
import { BridgeSocket, NO_WEBSOCKET, webSocketConstructor, withQuery, type ReconnectOptions, type WebSocketConstructor } from './transports/websocket/bridge-socket.js';

/** Options of `watchBridgeFleet()`. */
export interface WatchBridgeFleetOptions {
  /** The bridge's WebSocket URL, e.g. `ws://127.0.0.1:8787/`. */
  readonly url: string;
  /** The bridge's token (printed by `pando-rx bridge` at start). */
  readonly token: string;
  /** The WebSocket constructor (default: the global `WebSocket`; in Node pass `ws`'s). */
  readonly WebSocket?: WebSocketConstructor;
  /** How a lost bridge is tried again (250 ms doubling to 10 s by default). */
  readonly reconnect?: ReconnectOptions;
  /** Drives the reconnection backoff (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

/** The instances a bridge serves, as last told, and whether the bridge can be reached now. */
export interface BridgeFleet {
  /** `false` while the bridge cannot be reached: `members` are then the last ones known. */
  readonly reachable: boolean;
  /** Whether the bridge forwards control methods (`message.send`, `session.interrupt`, `session.activate`). */
  readonly control: boolean;
  /** Every instance, in the bridge's order (primaries first, newest first). */
  readonly members: readonly BridgeFleetMember[];
}

/**
 * The instances behind a pando-rx bridge (`pando-rx bridge`; `--fleet` serves every instance of
 * the host), followed over its `fleet` side: emits when the list first arrives, on each
 * instance that joins or leaves, and when the bridge becomes unreachable (the last members are
 * kept, `reachable: false`) or reachable again (a fresh list). Reconnects with backoff. A
 * single-instance bridge lists its one instance. Cold: each subscription opens one WebSocket,
 * closed on unsubscribe (`share()` it to watch once). Errors only on a fatal problem (a URL the
 * WebSocket refuses, a bridge of another protocol version).
 *
 * Open one of the members with `connectBrowser({ url, token, instance: member.id })`.
 *
 * ```ts
 * watchBridgeFleet({ url: 'ws://127.0.0.1:8787/', token }).subscribe(({ reachable, members }) =>
 *   console.log(reachable ? members.map((member) => member.workdir) : 'bridge unreachable'),
 * );
 * ```
 */
export const watchBridgeFleet = (options: WatchBridgeFleetOptions): Observable<BridgeFleet> =>
  new Observable<BridgeFleet>((subscriber) => {
    const WebSocketImpl = webSocketConstructor(options.WebSocket);
    if (WebSocketImpl === undefined) {
      subscriber.error(new TypeError(NO_WEBSOCKET));
      return undefined;
    }
    let members: readonly BridgeFleetMember[] = [];
    let control = false;
    const emit = (reachable: boolean): void => subscriber.next({ reachable, control, members });
    const socket = new BridgeSocket(
      withQuery(options.url, { side: 'fleet', token: options.token }),
      WebSocketImpl,
      options.scheduler ?? asyncScheduler,
      options.reconnect ?? {},
      {
        onOpen: () => undefined,
        onMessage: (message) => {
          switch (message.type) {
            case 'hello':
              control = message.control;
              return;
            case 'members':
              members = message.members;
              return emit(true);
            case 'joined':
              members = [...members.filter((member) => member.id !== message.member.id), message.member];
              return emit(true);
            case 'left':
              members = members.filter((member) => member.id !== message.id);
              return emit(true);
            default:
              return;
          }
        },
        onUnreachable: () => emit(false),
        onError: (err) => subscriber.error(err),
      },
    );
    return () => socket.close();
  });
