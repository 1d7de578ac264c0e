/** A ZeroMQ endpoint that names a way to reach a peer: `tcp://host:port`, `ipc://path`, … */
const ENDPOINT = /^(?:tcp:\/\/(?:\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})|(?:ipc|inproc):\/\/\S+|wss?:\/\/\S+)$/;

/**
 * Says what is wrong with `endpoint` as a ZeroMQ address to connect to, or `undefined` when
 * it is fine: `tcp://127.0.0.1:5551`, `tcp://localhost:5551`, `ipc:///tmp/pando.sock`.
 */
export const checkEndpoint = (endpoint: unknown): string | undefined => {
  if (typeof endpoint !== 'string' || endpoint === '') return `expected a ZeroMQ endpoint such as tcp://127.0.0.1:5551, got ${JSON.stringify(endpoint)}`;
  const m = ENDPOINT.exec(endpoint);
  if (m === null) {
    return `"${endpoint}" is not a ZeroMQ endpoint (expected tcp://host:port, ipc://path or inproc://name)`;
  }
  if (m[1] !== undefined) {
    const port = Number(m[1]);
    if (port < 1 || port > 65535) return `"${endpoint}" has port ${port}, outside 1-65535`;
  }
  return undefined;
};

/** The error for a bad endpoint: the library refuses it before opening any socket. */
export class InvalidEndpointError extends Error {
  override readonly name = 'InvalidEndpointError';
  constructor(
    /** The endpoint as given. */
    readonly endpoint: unknown,
    /** What is wrong with it. */
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** `tcp://127.0.0.1:<port>`: how Pando's sockets are reached on this machine. */
export const loopbackEndpoint = (port: number): string => `tcp://127.0.0.1:${port}`;
