// Receiving a count-terminated stream from the bench instance, on a bare zeromq.js socket or
// through the library, with the same end rules for both.
import { sleep } from './common.mjs';

/** libzmq's default receive high-water mark, which the library's SUB socket keeps. */
export const defaultReceiveHwm = (zmq) => {
  const socket = new zmq.Subscriber({ linger: 0 });
  const hwm = socket.receiveHighWaterMark;
  socket.close();
  return hwm;
};

/**
 * Waits for a stream to end: `finished` resolves (end frame or expected count), or, once the
 * publisher is done, nothing arrived for `idleMs` (the end frame was lost: should not happen,
 * it is sent losslessly). `progress()` returns the number of frames received so far.
 * Resolves with `true` when the stream ended by itself.
 */
export const awaitEnd = async ({ finished, published, progress, idleMs = 1000 }) => {
  let ended = false;
  const done = finished.then(() => {
    ended = true;
  });
  await Promise.race([done, published]);
  let seen = progress();
  let quietSince = Date.now();
  while (!ended) {
    await Promise.race([done, sleep(50)]);
    if (ended) break;
    const now = progress();
    if (now !== seen) {
      seen = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince > idleMs) {
      return false;
    }
  }
  return true;
};

/**
 * A bare zeromq.js SUB socket reading in one loop, as the library's transport does, calling
 * `onFrame(frame)` for each data frame until the end frame. Returns `{ finished, close }`;
 * `finished` resolves with the time (ns) the end came.
 */
export const bareStream = ({ zmq, endpoint, hwm, onFrame, isEnd }) => {
  const socket = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: hwm });
  socket.subscribe();
  socket.connect(endpoint);
  let resolveFinished;
  const finished = new Promise((r) => (resolveFinished = r));
  void (async () => {
    try {
      for (;;) {
        const [frame] = await socket.receive();
        if (isEnd(frame)) break;
        if (onFrame(frame) === false) break;
      }
    } catch {
      // closed under us (idle fallback)
    }
    resolveFinished(Number(process.hrtime.bigint()));
  })();
  return {
    finished,
    close: () => {
      if (!socket.closed) socket.close();
    },
  };
};
