import type * as zmq from 'zeromq';
import type { LinkConnectionSignal, LinkSink } from '../../transport.js';
import { watchConnection } from './watch-connection.js';

/** A socket connected by `openSocket`, and how to end it. */
export interface OpenSocket {
  /** Whether `close()` (or `fail()`) was called: read loops stop, nothing more is reported. */
  readonly isClosing: () => boolean;
  /** Closes the socket at once (linger 0) and lets its observer end. Idempotent. */
  readonly close: () => void;
  /** An unexpected error: closes, then reports it to the sink once. */
  readonly fail: (err: unknown) => void;
}

/**
 * What every link of the ZeroMQ adapter does with its socket: watch its connection (before
 * connecting, so that the first `connect` event is not missed), connect it, and close it once.
 * Connection changes go to `sink`; an error of the observer fails the link.
 *
 * ```ts
 * const open = openSocket(new zmq.Subscriber({ linger: 0 }), 'tcp://127.0.0.1:46503', sink);
 * ```
 */
export function openSocket<S extends zmq.Socket>(
  socket: S,
  address: string,
  sink: LinkSink<LinkConnectionSignal>,
  options: { readonly onHandshake?: () => void; readonly onSocket?: ((socket: S) => void) | undefined } = {},
): OpenSocket {
  let closing = false;
  const fail = (err: unknown): void => {
    if (closing) return;
    close();
    sink.error(err);
  };
  const watcher = watchConnection(socket.events, {
    onSignal: (signal) => sink.next(signal),
    ...(options.onHandshake === undefined ? {} : { onHandshake: options.onHandshake }),
    onError: fail,
    isClosing: () => closing,
  });
  function close(): void {
    if (closing) return;
    closing = true;
    socket.close();
    watcher.socketClosed();
  }
  try {
    options.onSocket?.(socket);
    socket.connect(address);
  } catch (err) {
    close();
    throw err;
  }
  return { isClosing: () => closing, close, fail };
}
