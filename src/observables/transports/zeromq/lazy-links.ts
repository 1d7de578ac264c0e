import type { EventLink, LinkSink, RequestLink } from '../../transport.js';
import type { ZeromqModule } from './load-zeromq.js';

/**
 * An event link whose socket is opened once `zeromq` has loaded. Until then it records the
 * subscribe/unsubscribe calls and replays them, in order, on the link it opens. Closed first, it
 * opens nothing. A failed load (or a socket that cannot be opened) is reported to `sink.error`
 * once, unless the link was closed by then: never an unhandled rejection.
 *
 * ```ts
 * const link = lazyEventLink(loadZeromq(), (zmq) => openZeromqEventLink(zmq, address, sink), sink);
 * link.subscribe('');
 * ```
 */
export function lazyEventLink(loading: Promise<ZeromqModule>, open: (zmq: ZeromqModule) => EventLink, sink: Pick<LinkSink<unknown>, 'error'>): EventLink {
  const calls: { readonly op: 'subscribe' | 'unsubscribe'; readonly prefix: string }[] = [];
  const lazy = whenLoaded(loading, open, sink, (link) => {
    for (const { op, prefix } of calls.splice(0)) link[op](prefix);
  });
  return {
    subscribe: (prefix) => {
      const link = lazy.link();
      if (link === undefined) calls.push({ op: 'subscribe', prefix });
      else link.subscribe(prefix);
    },
    unsubscribe: (prefix) => {
      const link = lazy.link();
      if (link === undefined) calls.push({ op: 'unsubscribe', prefix });
      else link.unsubscribe(prefix);
    },
    close: lazy.close,
  };
}

/**
 * A request link whose socket is opened once `zeromq` has loaded. Until then `send` answers
 * `false` (nothing sent: the request stays withdrawable in the caller's queue), and the link it
 * opens says `ready` when a connection can take it, as any request link does. Closing and a
 * failed load as for {@link lazyEventLink}.
 *
 * ```ts
 * const link = lazyRequestLink(loadZeromq(), (zmq) => openZeromqRequestLink(zmq, address, sink), sink);
 * ```
 */
export function lazyRequestLink(loading: Promise<ZeromqModule>, open: (zmq: ZeromqModule) => RequestLink, sink: Pick<LinkSink<unknown>, 'error'>): RequestLink {
  const lazy = whenLoaded(loading, open, sink, () => undefined);
  return {
    send: (json) => lazy.link()?.send(json) ?? false,
    close: lazy.close,
  };
}

/** Opens a link when `loading` resolves, unless closed before; reports a failure once. */
function whenLoaded<L extends { close(): void }>(
  loading: Promise<ZeromqModule>,
  open: (zmq: ZeromqModule) => L,
  sink: Pick<LinkSink<unknown>, 'error'>,
  onOpen: (link: L) => void,
): { readonly link: () => L | undefined; readonly close: () => void } {
  let link: L | undefined;
  let closed = false;
  loading.then(
    (zmq) => {
      if (closed) return;
      try {
        link = open(zmq);
        onOpen(link);
      } catch (err) {
        link?.close();
        link = undefined;
        closed = true;
        sink.error(err);
      }
    },
    (err: unknown) => {
      if (closed) return;
      closed = true;
      sink.error(err);
    },
  );
  return {
    link: () => (closed ? undefined : link),
    close: () => {
      closed = true;
      link?.close();
    },
  };
}
