import type { SchedulerLike } from 'rxjs';
import { fromBase64 } from '../../../codecs/internal/base64.js';
import type { EventLink, EventLinkSignal, LinkSink } from '../../transport.js';
import { BridgeSocket, type ReconnectOptions, type WebSocketConstructor } from './bridge-socket.js';

/**
 * One WebSocket to the bridge as an {@link EventLink}. Each prefix is sent to the bridge
 * (`subscribe` / `unsubscribe`), which subscribes its own SUB socket to exactly those: topic
 * filtering happens at the instance. After a reconnection every prefix is sent again.
 *
 * Signals: each `frame` message as a frame (its bytes from base64), `connection` as
 * `connected` / `disconnected` (the bridge's link to the instance), the bridge itself lost as
 * `unreachable`. A `behind` message (the bridge dropped frames because this client read too
 * slowly) is reported as `connected` again, which makes the mirror take a fresh snapshot.
 *
 * ```ts
 * const link = openBridgeEventLink('ws://127.0.0.1:8787/?side=events&token=t', WebSocket, asyncScheduler, {}, sink);
 * link.subscribe('llm.token\u0000');
 * ```
 */
export function openBridgeEventLink(
  url: string,
  WebSocketImpl: WebSocketConstructor,
  scheduler: SchedulerLike,
  reconnect: ReconnectOptions,
  sink: LinkSink<EventLinkSignal>,
): EventLink {
  const prefixes = new Set<string>();
  let connected = false;
  const socket = new BridgeSocket(url, WebSocketImpl, scheduler, reconnect, {
    onOpen: () => {
      for (const prefix of prefixes) socket.send({ type: 'subscribe', prefix });
    },
    onMessage: (message) => {
      switch (message.type) {
        case 'frame': {
          const frame = fromBase64(message.data);
          if (frame !== undefined) sink.next({ kind: 'frame', frame });
          return;
        }
        case 'connection':
          connected = message.state === 'connected';
          sink.next({ kind: message.state });
          return;
        case 'behind':
          if (connected) sink.next({ kind: 'connected' });
          return;
        default:
          return;
      }
    },
    onUnreachable: () => {
      connected = false;
      sink.next({ kind: 'unreachable' });
    },
    onError: (err) => sink.error(err),
  });
  return {
    subscribe: (prefix) => {
      if (prefixes.has(prefix)) return;
      prefixes.add(prefix);
      socket.send({ type: 'subscribe', prefix });
    },
    unsubscribe: (prefix) => {
      if (!prefixes.delete(prefix)) return;
      socket.send({ type: 'unsubscribe', prefix });
    },
    close: () => socket.close(),
  };
}
