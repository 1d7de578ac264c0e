/**
 * One send at a time on a zeromq socket: zeromq.js allows a single pending `send`, so sends are
 * chained in call order. A failed send rejects its own promise and does not stop the ones after
 * it.
 */
export interface SendQueue<M> {
  /** Queues a message; resolves once the socket took it. */
  push(message: M): Promise<void>;
  /** Resolves once every message queued so far was sent or failed. Never rejects. */
  drained(): Promise<void>;
}

/**
 * A {@link SendQueue} over `send`.
 *
 * ```ts
 * const queue = sendQueue((frame: Uint8Array) => pub.send(frame));
 * void queue.push(frame);
 * await queue.drained();
 * ```
 */
export const sendQueue = <M>(send: (message: M) => Promise<void>): SendQueue<M> => {
  let tail: Promise<void> = Promise.resolve();
  return {
    push(message) {
      const sent = tail.then(() => send(message));
      tail = sent.catch(() => undefined);
      return sent;
    },
    drained: () => tail,
  };
};
