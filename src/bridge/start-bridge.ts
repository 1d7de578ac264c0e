import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BridgeErrorCode } from '../codecs/bridge.js';
import { resolveEndpoints } from '../observables/discovery/resolve.js';
import type { Transport } from '../observables/transport.js';
import { zeromqTransport } from '../observables/transports/zeromq/zeromq-transport.js';
import { boundHosts, checkUpgrade, isLoopback, ownOrigins, queryOf, type Refusal } from './admission.js';
import { BridgeClient, type BridgeSide } from './bridge-client.js';

/** The instance a bridge serves: its endpoints, or a working directory to find them from. */
export type BridgeTarget =
  | { readonly pubEndpoint: string; readonly rpcEndpoint: string; readonly workdir?: undefined }
  | { readonly workdir: string; readonly registryDir?: string; readonly pubEndpoint?: undefined; readonly rpcEndpoint?: undefined };

/** Options of `startBridge()`. Every default is the safe one. */
export interface BridgeOptions {
  /** The address to bind (default `127.0.0.1`). Anything but loopback needs `allowNonLoopback`. */
  readonly host?: string;
  /** The port (default 8787; 0 picks a free one: read it from `url`). */
  readonly port?: number;
  /** Bind to a non-loopback `host` (a warning is printed): anyone who can reach it may try the token. */
  readonly allowNonLoopback?: boolean;
  /** The token every connection must carry (`?token=`); default: 24 random bytes, base64url. */
  readonly token?: string;
  /** Origins allowed besides the bridge's own (`http://127.0.0.1:8787`, …), e.g. `http://localhost:4200`. */
  readonly allowedOrigins?: readonly string[];
  /** Forward `message.send`, `session.interrupt` and `session.activate` (default false: read-only). */
  readonly allowControl?: boolean;
  /** The largest message a browser may send, in bytes (default 1 MiB); a bigger one closes its connection (1009). */
  readonly maxMessageBytes?: number;
  /** How many WebSocket connections at once (default 64; a browser instance uses two). */
  readonly maxConnections?: number;
  /**
   * Past this many bytes buffered for a browser, its `llm.token` events are joined per session
   * (up to as many characters) and its other frames dropped, and it is told (default 4 MiB).
   */
  readonly maxBufferedBytes?: number;
  /** Where warnings go (default `console.warn`). */
  readonly warn?: (message: string) => void;
  /** The transport to the instance (default ZeroMQ). */
  readonly transport?: Transport;
}

/** What the bridge has seen since it started. */
export interface BridgeStats {
  /** Connections open now. */
  readonly connections: number;
  /** Upgrades refused (token, Origin, Host, too many connections). */
  readonly refusedConnections: number;
  /** Browser messages refused (undecodable, control on a read-only bridge, bad requests). */
  readonly refusedMessages: number;
  /** Frames dropped for browsers that read too slowly. */
  readonly droppedFrames: number;
  /** `llm.token` events joined into an earlier one (same session) for browsers that read too slowly. */
  readonly coalescedTokens: number;
  /** Bytes waiting to be written to browsers now (each bounded by `maxBufferedBytes` plus one message). */
  readonly bufferedBytes: number;
}

/** A running bridge. */
export interface Bridge {
  /** The WebSocket URL to give `connectBrowser()`, e.g. `ws://127.0.0.1:8787/`. */
  readonly url: string;
  /** The token every connection must carry. */
  readonly token: string;
  /** Whether control methods are forwarded. */
  readonly allowControl: boolean;
  /** Counters, read at the time of the call. */
  stats(): BridgeStats;
  /** Close every connection and the server; resolves once the port is free. */
  close(): Promise<void>;
}

/** Thrown by `startBridge()` for options that would make an unsafe or unusable bridge. */
export class BridgeOptionsError extends Error {
  override readonly name = 'BridgeOptionsError';
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 421: 'Misdirected Request', 503: 'Service Unavailable' };

const reject = (socket: Duplex, refusal: Refusal | { status: 503; reason: string }): void => {
  const body = `${refusal.reason}\n`;
  socket.end(
    `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
};

/**
 * Serves one Pando instance to browsers over a WebSocket (the `ws` package): the instance's
 * frames as Pando published them, its connection changes, and JSON-RPC requests and replies
 * (message format: docs/bridge.md). Safe by default: loopback only, a token on every
 * connection, `Host` and `Origin` checked, read-only, bounded messages, connections and
 * per-browser buffers. Each connection has its own ZeroMQ link, so a browser's prefixes are
 * the bridge's SUB prefixes.
 *
 * ```ts
 * const bridge = await startBridge({ workdir: process.cwd() }, { allowControl: true });
 * console.log(`open ${bridge.url} with token ${bridge.token}`);
 * await bridge.close();
 * ```
 */
export async function startBridge(target: BridgeTarget, options: BridgeOptions = {}): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (!isLoopback(host)) {
    if (options.allowNonLoopback !== true) {
      throw new BridgeOptionsError(`host ${host} is not loopback: pass allowNonLoopback (--allow-non-loopback) to bind it`);
    }
    warn(`pando-rx bridge: listening on ${host}, which is not loopback: anyone who can reach it may try the token`);
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  if (token.length < 8) throw new BridgeOptionsError('the token must have at least 8 characters');
  const endpoints =
    target.workdir === undefined
      ? { pubEndpoint: target.pubEndpoint, rpcEndpoint: target.rpcEndpoint }
      : resolveEndpoints(target.workdir, target.registryDir === undefined ? {} : { registryDir: target.registryDir });
  const allowControl = options.allowControl ?? false;
  const maxConnections = options.maxConnections ?? 64;
  const counts = { refusedConnections: 0, refusedMessages: 0, droppedFrames: 0, coalescedTokens: 0 };

  const server = createServer((_request, response) => {
    response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8' }).end('pando-rx bridge: connect with a WebSocket\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 1024 * 1024 });
  const clients = new Map<WebSocket, BridgeClient>();

  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 8787, host, () => {
      server.off('error', rejectListen);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hosts = boundHosts(host, port);
  const origins = new Set([...ownOrigins(hosts), ...(options.allowedOrigins ?? []).map((origin) => origin.toLowerCase())]);
  const rules = { token, hosts, origins };
  const context = {
    transport: options.transport ?? zeromqTransport,
    ...endpoints,
    allowControl,
    maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024,
    onRefused: (_code: BridgeErrorCode, _detail: string) => void counts.refusedMessages++,
    onDropped: (count: number) => void (counts.droppedFrames += count),
    onCoalesced: (count: number) => void (counts.coalescedTokens += count),
  };

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = checkUpgrade(request, rules);
    if (refusal !== undefined || clients.size >= maxConnections) {
      counts.refusedConnections++;
      return reject(socket, refusal ?? { status: 503, reason: `at most ${maxConnections} connections` });
    }
    const side: BridgeSide = queryOf(request).get('side') === 'requests' ? 'requests' : 'events';
    wss.handleUpgrade(request, socket, head, (ws) => {
      const client = new BridgeClient(ws, side, context);
      clients.set(ws, client);
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          counts.refusedMessages++;
          ws.send(JSON.stringify({ type: 'error', code: 'bad-message', message: 'messages are JSON text, not binary' }));
          return;
        }
        client.receive(data.toString());
      });
      ws.on('error', () => undefined); // e.g. a message over maxPayload: ws closes it (1009)
      ws.on('close', () => {
        client.close();
        clients.delete(ws);
      });
    });
  });

  const displayHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `ws://${displayHost}:${port}/`,
    token,
    allowControl,
    stats: () => ({
      connections: clients.size,
      ...counts,
      bufferedBytes: [...clients.keys()].reduce((sum, ws) => sum + ws.bufferedAmount, 0),
    }),
    close: async () => {
      for (const [ws, client] of clients) {
        client.close();
        ws.terminate();
      }
      clients.clear();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
