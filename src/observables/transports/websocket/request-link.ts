import type { SchedulerLike } from 'rxjs';
import type { LinkSink, RequestLink, RequestLinkSignal } from '../../transport.js';
import { BridgeSocket, type ReconnectOptions, type WebSocketConstructor } from './bridge-socket.js';

const encoder = new TextEncoder();

/**
 * One WebSocket to the bridge as a {@link RequestLink}. `send` numbers the request (`seq`),
 * hands it to the bridge and resolves with the bridge's `sent` answer: `true` once the bridge's
 * own request socket took it, `false` when the instance could not take it (nothing was sent,
 * so the request stays withdrawable). Without an open WebSocket `send` answers `false` at once.
 * If the WebSocket drops before the answer, the request may have gone out: it resolves `true`
 * (at most once: it is never sent again).
 *
 * Signals: `reply` messages as replies, `connection` as `connected` / `disconnected`, `ready`
 * as `ready`, the bridge lost as `unreachable`.
 *
 * ```ts
 * const link = openBridgeRequestLink('ws://127.0.0.1:8787/?side=requests&token=t', WebSocket, asyncScheduler, {}, sink);
 * await link.send('{"jsonrpc":"2.0","id":"1","method":"instance.ping","params":{}}');
 * ```
 */
export function openBridgeRequestLink(
  url: string,
  WebSocketImpl: WebSocketConstructor,
  scheduler: SchedulerLike,
  reconnect: ReconnectOptions,
  sink: LinkSink<RequestLinkSignal>,
): RequestLink {
  const answers = new Map<number, (sent: boolean) => void>();
  let seq = 0;
  let closed = false;
  const settleAll = (sent: boolean): void => {
    for (const resolve of answers.values()) resolve(sent);
    answers.clear();
  };
  const socket = new BridgeSocket(url, WebSocketImpl, scheduler, reconnect, {
    onOpen: () => undefined,
    onMessage: (message) => {
      switch (message.type) {
        case 'sent':
          answers.get(message.seq)?.(message.sent);
          answers.delete(message.seq);
          return;
        case 'reply':
          sink.next({ kind: 'reply', frame: encoder.encode(message.data) });
          return;
        case 'connection':
          sink.next({ kind: message.state });
          return;
        case 'ready':
          sink.next({ kind: 'ready' });
          return;
        default:
          return;
      }
    },
    onUnreachable: () => {
      if (answers.size === 0) return sink.next({ kind: 'unreachable' });
      // Requests that got no answer may have gone out: they resolve `true` first (in the
      // caller's queue, a microtask later), then `unreachable` fails them as lost.
      settleAll(true);
      void Promise.resolve().then(() => {
        if (!closed) sink.next({ kind: 'unreachable' });
      });
    },
    onError: (err) => {
      settleAll(true);
      sink.error(err);
    },
  });
  return {
    send: (json) => {
      const id = ++seq;
      if (!socket.send({ type: 'request', seq: id, request: json })) return false;
      return new Promise<boolean>((resolve) => answers.set(id, resolve));
    },
    close: () => {
      closed = true;
      socket.close();
      settleAll(true);
    },
  };
}
