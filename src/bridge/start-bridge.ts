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
import { BridgeClient } from './bridge-client.js';
import { defaultDashboardDir, loadDashboard, serveDashboard } from './dashboard-files.js';
import { followFleet, singleInstance, type BridgeInstances } from './bridge-instances.js';
import { FleetClient } from './fleet-client.js';

/**
 * What a bridge serves: one instance (its endpoints, or a working directory to find them from)
 * or the host's whole fleet (every live instance of the registry, followed as it changes).
 */
export type BridgeTarget =
  | {
      readonly pubEndpoint: string;
      readonly rpcEndpoint: string;
      /** The instance's id, if known: its fleet member's id (default `instance`). */
      readonly instanceId?: string;
      /** The instance's working directory, if known: its fleet member's `workdir`. */
      readonly path?: string;
      readonly workdir?: undefined;
      readonly fleet?: undefined;
    }
  | { readonly workdir: string; readonly registryDir?: string; readonly pubEndpoint?: undefined; readonly rpcEndpoint?: undefined; readonly fleet?: undefined }
  | {
      readonly fleet: true;
      /** The registry (default: `$PANDO_REGISTRY_DIR`, else `/tmp/pando-instances`). */
      readonly registryDir?: string;
      /** How often the registry is read again, in ms (default 2000; `fs.watch` hints come sooner). */
      readonly pollIntervalMs?: number;
      readonly workdir?: undefined;
      readonly pubEndpoint?: undefined;
      readonly rpcEndpoint?: undefined;
    };

/** The instances of a target: one, or the fleet (read once before the bridge listens). */
const instancesOf = async (target: BridgeTarget, warn: (message: string) => void): Promise<BridgeInstances> => {
  if (target.fleet === true) {
    return followFleet({
      warn,
      ...(target.registryDir === undefined ? {} : { registryDir: target.registryDir }),
      ...(target.pollIntervalMs === undefined ? {} : { pollIntervalMs: target.pollIntervalMs }),
    });
  }
  if (target.workdir === undefined) {
    const { pubEndpoint, rpcEndpoint } = target;
    return singleInstance({ id: target.instanceId ?? 'instance', pubEndpoint, rpcEndpoint }, target.path ?? pubEndpoint);
  }
  const found = resolveEndpoints(target.workdir, target.registryDir === undefined ? {} : { registryDir: target.registryDir });
  return singleInstance({ id: found.instanceId ?? 'instance', pubEndpoint: found.pubEndpoint, rpcEndpoint: found.rpcEndpoint }, found.workdir);
};

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
  /**
   * Where the built dashboard is (`index.html`, `dashboard.js`, `dashboard.css`), served at `/`;
   * default `dist/dashboard/` beside the built bridge. Without one, `/` says it is not built.
   */
  readonly dashboardDir?: string;
  /** Where warnings go (default `console.warn`). */
  readonly warn?: (message: string) => void;
  /** The transport to the instance (default ZeroMQ). */
  readonly transport?: Transport;
}

/** What the bridge has seen since it started. */
export interface BridgeStats {
  /** Connections open now. */
  readonly connections: number;
  /** Upgrades refused (token, Origin, Host, unknown instance, too many connections), and pages refused for their Host. */
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
  /** The WebSocket URL to give `connectBrowser()`, e.g. `ws://127.0.0.1:8787/`; the dashboard is its `http://` twin. */
  readonly url: string;
  /** The token every connection must carry. */
  readonly token: string;
  /** Whether control methods are forwarded. */
  readonly allowControl: boolean;
  /** Whether it serves the host's fleet (a connection then names its instance: `?instance=<id>`). */
  readonly fleet: boolean;
  /** Counters, read at the time of the call. */
  stats(): BridgeStats;
  /** Close every connection and the server; resolves once the port is free. */
  close(): Promise<void>;
}

/** Thrown by `startBridge()` for options that would make an unsafe or unusable bridge. */
export class BridgeOptionsError extends Error {
  override readonly name = 'BridgeOptionsError';
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 401: 'Unauthorized', 403: 'Forbidden', 421: 'Misdirected Request', 503: 'Service Unavailable' };

const reject = (socket: Duplex, refusal: { readonly status: Refusal['status'] | 400 | 404 | 503; readonly reason: string }): void => {
  const body = `${refusal.reason}\n`;
  socket.end(
    `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
};

/**
 * Serves one Pando instance, or the host's whole fleet (`{ fleet: true }`: every live instance
 * of the registry, followed as it changes), to browsers over a WebSocket (the `ws` package):
 * the instance's frames as Pando published them, its connection changes, JSON-RPC requests and
 * replies, and on the `fleet` side who joined and left (message format: docs/bridge.md). A
 * browser of a fleet bridge names its instance (`?instance=<id>`). Safe by default: loopback
 * only, a token on every connection, `Host` and `Origin` checked, read-only, bounded messages,
 * connections and per-browser buffers. Each connection has its own ZeroMQ link, so a browser's
 * prefixes are the bridge's SUB prefixes.
 *
 * ```ts
 * const bridge = await startBridge({ fleet: true }, { allowControl: true });
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
  const instances = await instancesOf(target, warn);
  const allowControl = options.allowControl ?? false;
  const maxConnections = options.maxConnections ?? 64;
  const counts = { refusedConnections: 0, refusedMessages: 0, droppedFrames: 0, coalescedTokens: 0 };

  const dashboard = loadDashboard(options.dashboardDir ?? defaultDashboardDir());
  let hosts: ReadonlySet<string> = new Set();
  // Plain HTTP: the dashboard, under the same Host check as the upgrade (DNS rebinding).
  const server = createServer((request, response) => {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) {
      counts.refusedConnections++;
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`Host ${JSON.stringify(host)} is not a name this bridge is bound to\n`);
      return;
    }
    serveDashboard(dashboard, request, response, host);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 1024 * 1024 });
  const clients = new Map<WebSocket, BridgeClient | FleetClient>();

  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', (error) => {
      instances.close();
      rejectListen(error);
    });
    server.listen(options.port ?? 8787, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  hosts = boundHosts(host, port);
  const origins = new Set([...ownOrigins(hosts), ...(options.allowedOrigins ?? []).map((origin) => origin.toLowerCase())]);
  const rules = { token, hosts, origins };
  // A member that left (or came back on other ports) closes its connections: each browser
  // reconnects, to the instance's new endpoints or to a refusal that says it is gone.
  const instanceOf = new Map<WebSocket, string>();
  const stopFollowing = instances.listen((change) => {
    if (change.kind !== 'left') return;
    for (const [ws, id] of instanceOf) if (id === change.id) ws.close(1012, 'the instance left the fleet');
  });
  const context = {
    transport: options.transport ?? zeromqTransport,
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
    const query = queryOf(request);
    const side = query.get('side') === 'requests' ? 'requests' : query.get('side') === 'fleet' ? 'fleet' : 'events';
    const endpoints = side === 'fleet' ? undefined : instances.resolve(query.get('instance'));
    if (endpoints !== undefined && 'status' in endpoints) {
      counts.refusedConnections++;
      return reject(socket, endpoints);
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const client =
        endpoints === undefined
          ? new FleetClient(ws, instances, allowControl, context.onRefused)
          : new BridgeClient(ws, side === 'requests' ? 'requests' : 'events', { ...context, ...endpoints });
      clients.set(ws, client);
      if (endpoints !== undefined) instanceOf.set(ws, endpoints.id);
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
        instanceOf.delete(ws);
      });
    });
  });

  const displayHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `ws://${displayHost}:${port}/`,
    token,
    allowControl,
    fleet: instances.fleet,
    stats: () => ({
      connections: clients.size,
      ...counts,
      bufferedBytes: [...clients.keys()].reduce((sum, ws) => sum + ws.bufferedAmount, 0),
    }),
    close: async () => {
      stopFollowing();
      instances.close();
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
