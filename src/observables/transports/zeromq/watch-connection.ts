import type * as zmq from 'zeromq';
import type { LinkConnectionSignal } from '../../transport.js';

/** The error codes with which zeromq.js rejects a pending `receive()` of a socket we closed. */
const CLOSED_CODES: ReadonlySet<string> = new Set(['EAGAIN', 'ETERM', 'EBADF', 'ENOTSOCK']);

/** The `code` of a zeromq.js error (`'EAGAIN'`, ...), if it has one. */
const codeOf = (err: unknown): unknown => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);

/** True for the error that a pending receive of a socket (or observer) gets when it is closed. */
export function isClosedError(err: unknown): boolean {
  const code = codeOf(err);
  return typeof code === 'string' && CLOSED_CODES.has(code);
}

/**
 * True for EAGAIN: with a 0 timeout (`receiveTimeout` / `sendTimeout`), a receive that found
 * nothing queued or a send that could not be queued at once.
 */
export const isAgain = (err: unknown): boolean => codeOf(err) === 'EAGAIN';

/** How long a closed socket's observer may wait for its `end` event before we close it. */
const OBSERVER_END_TIMEOUT_MS = 1000;

const CONNECTED: LinkConnectionSignal = { kind: 'connected' };
const DISCONNECTED: LinkConnectionSignal = { kind: 'disconnected' };

/** What `watchConnection` reports to. */
export interface ConnectionWatch {
  /** `connected` (ZMQ_EVENT_CONNECTED) and `disconnected` (ZMQ_EVENT_DISCONNECTED). */
  readonly onSignal: (signal: LinkConnectionSignal) => void;
  /** ZMQ_EVENT_HANDSHAKE_SUCCEEDED: with ZMQ_IMMEDIATE the connection can now take messages. */
  readonly onHandshake?: () => void;
  /** An unexpected error of the observer. */
  readonly onError: (err: unknown) => void;
  /** Once true, nothing more is reported. */
  readonly isClosing: () => boolean;
}

/**
 * Reads a socket's event observer (`socket.events`, a ZMQ monitor socket) in one loop and
 * reports connection changes. Call it before `connect()`, so that the first `connect` event is
 * not missed.
 *
 * Closing: close the socket, not the observer. The observer then receives `end`
 * (ZMQ_EVENT_MONITOR_STOPPED), closes itself and the loop ends. Closing the observer ourselves
 * right after the socket makes libzmq leak the socket and its `inproc://zmq.monitor.<address>`
 * endpoint (seen with zeromq 6.8: after a few hundred sockets, EMFILE, or EADDRINUSE when a new
 * observer reuses the address). `socketClosed()` is the fallback: if `end` has not come within
 * a second, the observer is closed anyway so that its pending receive cannot keep the process
 * alive.
 */
export function watchConnection(events: zmq.Observer, watch: ConnectionWatch): { socketClosed(): void } {
  let fallback: ReturnType<typeof setTimeout> | undefined;
  void (async () => {
    try {
      while (!events.closed) {
        const event = (await events.receive()) as zmq.Event | undefined;
        if (event === undefined || event.type === 'end') return;
        if (watch.isClosing()) continue;
        if (event.type === 'connect') watch.onSignal(CONNECTED);
        else if (event.type === 'disconnect') watch.onSignal(DISCONNECTED);
        else if (event.type === 'handshake') watch.onHandshake?.();
      }
    } catch (err) {
      if (!(watch.isClosing() && isClosedError(err))) watch.onError(err);
    } finally {
      if (fallback !== undefined) clearTimeout(fallback);
      fallback = undefined;
    }
  })();
  return {
    socketClosed: () => {
      if (events.closed || fallback !== undefined) return;
      fallback = setTimeout(() => {
        fallback = undefined;
        if (!events.closed) events.close();
      }, OBSERVER_END_TIMEOUT_MS);
      fallback.unref();
    },
  };
}
