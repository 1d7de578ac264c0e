import type * as zmq from 'zeromq';
import { isAgain, isClosedError } from './watch-connection.js';

/** How many frames are read in a row, while frames are queued, before the event loop gets a turn. */
export const FRAMES_PER_TURN = 256;

/**
 * How many frames of a run are read after asking whether another is queued, before the rest of
 * the run is read without asking (until a receive finds nothing). See {@link readFrames}.
 */
export const PROBED_FRAMES = 8;

/**
 * What `readFrames` needs of a socket: `receive()`, its `receiveTimeout` and `readable` (a
 * `zmq.Subscriber`).
 */
export type ReceivingSocket = Pick<zmq.Subscriber, 'receive' | 'receiveTimeout' | 'readable'>;

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
 * What a frame costs there (JS-thread CPU, measured on the development machine): zeromq.js's
 * `receive()` first asks libzmq whether a message is queued (`readable`, ZMQ_EVENTS: a
 * `getpid()` and a `poll()`, ~0.7 µs) unless `receiveTimeout` is 0; a receive with
 * `receiveTimeout: 0` that finds nothing rejects with EAGAIN, an Error with its stack (~5.5 µs,
 * more than a whole frame costs). So:
 *
 * - the loop waits the normal way (`receiveTimeout: -1`) while the socket is empty: a frame
 *   that comes alone (a steady pace, the usual case) costs what it costs a plain loop, plus one
 *   `readable` to learn that nothing follows it;
 * - when more is queued it reads with `receiveTimeout: 0`, asking `readable` before each of
 *   the first {@link PROBED_FRAMES} frames (a short run never pays an EAGAIN), then without
 *   asking until a receive finds nothing (a long run, a burst, skips the probe per frame and
 *   pays one EAGAIN at its end); then it waits again.
 *
 * Reads without waiting resolve at once, so the loop yields to the event loop itself
 * (`setImmediate`) every {@link FRAMES_PER_TURN} of them: timers, other sockets and the
 * consumers' scheduled work keep running during a burst. Frames are reported in order, each
 * once; zeromq.js allows one pending receive per socket.
 *
 * ```ts
 * const socket = new zmq.Subscriber({ linger: 0 });
 * let closing = false;
 * void readFrames(socket, { frame: (f) => console.log(f.length), isClosing: () => closing, fail: console.error });
 * ```
 */
export async function readFrames(socket: ReceivingSocket, reader: FrameReader): Promise<void> {
  let sinceTurn = 0;
  try {
    while (!reader.isClosing()) {
      const first = await socket.receive();
      if (reader.isClosing()) return;
      reportFirst(first, reader);
      if (!socket.readable) continue;
      // A run: read what is queued without waiting.
      socket.receiveTimeout = 0;
      for (let run = 1; ; run++) {
        if (run > 1 && run <= PROBED_FRAMES && !socket.readable) break;
        let message: Buffer[];
        try {
          message = await socket.receive();
        } catch (err) {
          if (reader.isClosing() || !isAgain(err)) throw err;
          break;
        }
        if (reader.isClosing()) return;
        reportFirst(message, reader);
        if (++sinceTurn >= FRAMES_PER_TURN) {
          sinceTurn = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (reader.isClosing()) return;
        }
      }
      socket.receiveTimeout = -1;
    }
  } catch (err) {
    if (!(reader.isClosing() && isClosedError(err))) reader.fail(err);
  }
}

function reportFirst(message: Buffer[], reader: FrameReader): void {
  const frame = message[0];
  if (frame !== undefined) reader.frame(frame);
}
