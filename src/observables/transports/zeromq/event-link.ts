import type * as zmq from 'zeromq';
import type { EventLink, EventLinkSignal, LinkSink } from '../../transport.js';
import type { ZeromqModule } from './load-zeromq.js';
import { readFrames } from './read-frames.js';
import { openSocket } from './open-socket.js';

/**
 * One `zmq.Subscriber` as an {@link EventLink}:
 *
 * - `linger: 0` (ZMQ_LINGER): close at once, nothing kept behind;
 * - `subscribe(prefix)` / `unsubscribe(prefix)`: ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE with the
 *   prefix as UTF-8 bytes (a topic plus `'\u0000'` must reach libzmq with its NUL byte): a
 *   byte-prefix filter applied by the publisher;
 * - `connect(address)`: libzmq connects in the background and reconnects by itself
 *   (ZMQ_RECONNECT_IVL), so a peer that is down is never an error, only a missing `connected`.
 *
 * One receive loop reads the socket (see {@link readFrames}); each message's first frame is
 * reported as it came (a Buffer, not copied). A socket with a pending receive keeps Node's
 * event loop alive until it is closed.
 */
export function openZeromqEventLink(
  zeromq: ZeromqModule,
  address: string,
  sink: LinkSink<EventLinkSignal>,
  onSocket?: (socket: zmq.Subscriber) => void,
): EventLink {
  const socket = new zeromq.Subscriber({ linger: 0 });
  const { isClosing, close, fail } = openSocket(socket, address, sink, { onSocket });
  void readFrames(socket, {
    frame: (frame) => sink.next({ kind: 'frame', frame }),
    isClosing,
    fail,
  });
  return {
    subscribe: (prefix) => socket.subscribe(Buffer.from(prefix, 'utf8')),
    unsubscribe: (prefix) => socket.unsubscribe(Buffer.from(prefix, 'utf8')),
    close,
  };
}
