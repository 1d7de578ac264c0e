import type * as zmq from 'zeromq';
import { isAgain, isClosedError } from './watch-connection.js';

/** How many frames are read in a row, while frames are queued, before the event loop gets a turn. */
export const FRAMES_PER_TURN = 256;

/** What `readFrames` needs of a socket: `receive()` and its `receiveTimeout` (a `zmq.Subscriber`). */
export type ReceivingSocket = Pick<zmq.Subscriber, 'receive' | 'receiveTimeout'>;

/** What `readFrames` reports to. */
export interface FrameReader {
  /** The first frame of each message, as it came (a Buffer, not copied). */
  readonly frame: (frame: Buffer) => void;
  /** Once true, the loop stops and reports nothing more. */
  readonly isClosing: () => boolean;
  /** An unexpected receive error (not the one of a socket closed by us). */
  readonly fail: (err: unknown) => void;
}

/**
 * The receive loop of a SUB socket, at the least cost per frame that zeromq.js allows.
 *
 * zeromq.js's `receive()` first asks libzmq whether a message is queued (ZMQ_EVENTS: a
 * `getpid()` and a `poll()` per message) unless `receiveTimeout` is 0. So the loop waits the
 * normal way (`receiveTimeout: -1`) while the socket is empty, and after each message that
 * came that way switches to `receiveTimeout: 0`, reading what is queued without the probe,
 * until a receive finds nothing (EAGAIN): back to waiting. Those reads resolve at once, so
 * the loop yields to the event loop itself (`setImmediate`) every {@link FRAMES_PER_TURN}
 * frames: timers, other sockets and the consumers' scheduled work keep running during a burst.
 * Frames are reported in order, each once; zeromq.js allows one pending receive per socket.
 *
 * ```ts
 * const socket = new zmq.Subscriber({ linger: 0 });
 * let closing = false;
 * void readFrames(socket, { frame: (f) => console.log(f.length), isClosing: () => closing, fail: console.error });
 * ```
 */
export async function readFrames(socket: ReceivingSocket, reader: FrameReader): Promise<void> {
  let draining = false;
  let sinceTurn = 0;
  try {
    while (!reader.isClosing()) {
      let message: Buffer[];
      if (draining) {
        try {
          message = await socket.receive();
        } catch (err) {
          if (reader.isClosing() || !isAgain(err)) throw err;
          draining = false;
          socket.receiveTimeout = -1;
          continue;
        }
        if (++sinceTurn >= FRAMES_PER_TURN) {
          sinceTurn = 0;
          if (reader.isClosing()) return;
          reportFirst(message, reader);
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
      } else {
        message = await socket.receive();
        if (reader.isClosing()) return;
        draining = true;
        sinceTurn = 0;
        socket.receiveTimeout = 0;
      }
      if (reader.isClosing()) return;
      reportFirst(message, reader);
    }
  } catch (err) {
    if (!(reader.isClosing() && isClosedError(err))) reader.fail(err);
  }
}

function reportFirst(message: Buffer[], reader: FrameReader): void {
  const frame = message[0];
  if (frame !== undefined) reader.frame(frame);
}
