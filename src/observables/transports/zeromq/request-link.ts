import { randomBytes } from 'node:crypto';
import type * as zmq from 'zeromq';
import type { LinkSink, RequestLink, RequestLinkSignal } from '../../transport.js';
import type { ZeromqModule } from './load-zeromq.js';
import { openSocket } from './open-socket.js';
import { isAgain, isClosedError } from './watch-connection.js';

const READY: RequestLinkSignal = { kind: 'ready' };

/**
 * One `zmq.Dealer` as a {@link RequestLink}:
 *
 * - `linger: 0` (ZMQ_LINGER): `close()` drops anything still queued in libzmq;
 * - `immediate: true` (ZMQ_IMMEDIATE): messages are queued only to completed connections, and
 *   a connection's queue is dropped when it breaks, so nothing waits inside libzmq for an
 *   instance that is down and gets executed when it comes back;
 * - `sendTimeout: 0` (ZMQ_SNDTIMEO 0): a send with no connection fails at once with EAGAIN,
 *   which `send` answers as `false` (the request stays in the caller's queue);
 * - `routingId` (ZMQ_ROUTING_ID): `pando-rx-` plus 16 random hex digits, unique per dealer, so
 *   that two dealers never receive each other's replies.
 *
 * Requests go out as `[empty frame][JSON]`; the last frame of each reply is reported.
 * `ready` is reported on ZMQ_EVENT_HANDSHAKE_SUCCEEDED (the connection can now take messages).
 */
export function openZeromqRequestLink(
  zeromq: ZeromqModule,
  address: string,
  sink: LinkSink<RequestLinkSignal>,
  onSocket?: (socket: zmq.Dealer) => void,
): RequestLink {
  const socket = new zeromq.Dealer({
    linger: 0,
    immediate: true,
    sendTimeout: 0,
    routingId: `pando-rx-${randomBytes(8).toString('hex')}`,
  });
  // Whether the last send went out. While it did, the next send is simply tried: with
  // `sendTimeout: 0` zeromq.js settles it at once (EAGAIN when no completed connection has
  // room, and then nothing was queued), so probing first would only add a ZMQ_EVENTS call (a
  // `getpid()` and a `poll()` in libzmq) to every request. A dropped connection ends it: libzmq
  // handles its pending commands (the broken pipe) in a send only now and then, in the probe
  // always, so the first send after a drop is probed, and refused rather than lost.
  let flowing = false;
  // From a reported drop until the next connection, every send is probed: the monitor's
  // 'disconnected' can come before libzmq's socket has taken the broken pipe down, and a send
  // that slips into the dying pipe then must not make the ones after it skip the probe.
  let dropped = false;
  const linkSink: LinkSink<RequestLinkSignal> = {
    next: (signal) => {
      if (signal.kind === 'disconnected' || signal.kind === 'unreachable') {
        flowing = false;
        dropped = true;
      } else if (signal.kind === 'connected') {
        dropped = false;
      }
      sink.next(signal);
    },
    error: (err) => sink.error(err),
  };
  const { isClosing, close, fail } = openSocket(socket, address, linkSink, { onSocket, onHandshake: () => sink.next(READY) });
  void (async () => {
    try {
      while (!isClosing()) {
        const message = await socket.receive();
        if (isClosing()) return;
        const frame = message[message.length - 1];
        if (frame !== undefined) sink.next({ kind: 'reply', frame });
      }
    } catch (err) {
      if (!(isClosing() && isClosedError(err))) fail(err);
    }
  })();
  return {
    send: (json) => {
      if (isClosing()) return false;
      // After a failed send, a drop, or before the first send, probe first (ZMQ_EVENTS: with
      // ZMQ_IMMEDIATE the socket is writable only while a completed connection has room):
      // answered at once, so a request that no connection can take stays withdrawable, and
      // retries while the instance is away make no rejected promise each.
      if (!flowing && !socket.writable) return false;
      return socket.send(['', json]).then(
        () => {
          // Handed to libzmq: sent (lost with the pipe if that is dying, never sent twice).
          flowing = !dropped;
          return true;
        },
        (err: unknown) => {
          flowing = false;
          if (isClosing() || isAgain(err)) return false;
          throw err;
        },
      );
    },
    close,
  };
}
