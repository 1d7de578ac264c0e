import type * as zmq from 'zeromq';

/** Binding the fake instance's sockets on loopback. */

const codeOf = (err: unknown): unknown => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);

/** The port of a `tcp://host:port` endpoint. */
export const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

/**
 * Binds a socket on `127.0.0.1`, on a free port unless `port` is given, and resolves to the
 * endpoint it bound. On a given port still in use (EADDRINUSE: a stopped instance's socket
 * still closing), retries every 25 ms until `timeoutMs` has passed.
 *
 * ```ts
 * const endpoint = await bindLoopback(new zmq.Publisher({ linger: 0 }), undefined, 2000); // tcp://127.0.0.1:41234
 * ```
 */
export const bindLoopback = async (socket: zmq.Socket, port: number | undefined, timeoutMs: number): Promise<string> => {
  const free = port === undefined || port === 0;
  const address = `tcp://127.0.0.1:${free ? '*' : port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await socket.bind(address);
      return socket.lastEndpoint ?? address;
    } catch (err) {
      if (free || codeOf(err) !== 'EADDRINUSE' || Date.now() >= deadline) throw err;
      await new Promise<void>((resolve) => setTimeout(resolve, 25));
    }
  }
};
