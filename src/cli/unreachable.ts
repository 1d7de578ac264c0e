/**
 * "No Pando instance answered", said short and true: which endpoint did not answer and why,
 * where the endpoints came from (one clause), the directories where instances do run, and a
 * hint at `pando-rx simulate`.
 *
 * With ZeroMQ a refused connection is not an error (the socket retries quietly), so before
 * waiting on a reply the command probes the endpoints with a plain connect: when nothing
 * listens, it says so at once instead of waiting for `--timeout`.
 */
import * as net from 'node:net';
import { listInstances } from '../index.js';
import type { Target } from './target-types.js';

/** What a plain connect found: something listens, nothing does, or no verdict (not tcp/ipc, or too slow). */
export type ProbeResult = 'open' | 'refused' | 'unknown';

/** The longest a probe waits for a verdict; a silent host (a firewall dropping packets) gives none. */
const PROBE_TIMEOUT_MS = 1000;

const connectTarget = (endpoint: string): net.NetConnectOpts | undefined => {
  const tcp = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint);
  if (tcp !== null) {
    const host = tcp[1]!.replace(/^\[(.*)\]$/, '$1');
    return { host: host === '*' ? '127.0.0.1' : host, port: Number(tcp[2]) };
  }
  const ipc = /^ipc:\/\/(.+)$/.exec(endpoint);
  return ipc === null ? undefined : { path: ipc[1]! };
};

/**
 * Connects to `endpoint` (a tcp or ipc ZeroMQ endpoint) and closes at once: `refused` when
 * nothing listens there (ECONNREFUSED, or no such socket file).
 *
 * ```ts
 * await probe('tcp://127.0.0.1:5552', 300); // 'refused'
 * ```
 */
export const probe = (endpoint: string, timeoutMs: number): Promise<ProbeResult> => {
  const options = connectTarget(endpoint);
  if (options === undefined) return Promise.resolve('unknown');
  return new Promise<ProbeResult>((resolve) => {
    const socket = net.connect(options);
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('unknown'), Math.min(timeoutMs, PROBE_TIMEOUT_MS));
    socket.once('connect', () => done('open'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'refused' : 'unknown'));
  });
};

/** Where the endpoints came from, in one short clause. */
const origin = (target: Target): string => {
  switch (target.via) {
    case 'flags':
      return 'given by --pub/--rpc';
    case 'lock':
      return `from the lock file of ${target.workdir}`;
    case 'registry':
      return `from the registry entry of ${target.instanceId ?? 'an instance'}`;
    case 'ports':
      return `deterministic ports of ${target.workdir}; no lock file or registry entry`;
  }
};

/** The directories where the registry lists live instances, other than `target`'s. */
const elsewhere = async (target: Target): Promise<string[]> => {
  try {
    const listing = await listInstances({ registryDir: target.registryDir });
    const dirs = new Set(listing.instances.map((i) => i.path));
    if (target.via !== 'flags') dirs.delete(target.workdir);
    return [...dirs];
  } catch {
    return [];
  }
};

/** The end of every such line: where instances do run, or how to try one. */
const hints = async (target: Target): Promise<string> => {
  const dirs = await elsewhere(target);
  if (dirs.length === 0) return 'no other instance is registered; try pando-rx simulate';
  const shown = dirs.slice(0, 3).join(', ') + (dirs.length > 3 ? ` and ${dirs.length - 3} more` : '');
  return `instances are running in: ${shown} (use --workdir), or try pando-rx simulate`;
};

/** Why an endpoint did not answer. */
export type Silence = { readonly kind: 'refused' } | { readonly kind: 'timeout'; readonly timeoutMs: number };

const why = (silence: Silence): string => (silence.kind === 'refused' ? 'connection refused' : `no answer within ${silence.timeoutMs} ms`);

/**
 * The one line for an RPC endpoint that did not answer.
 *
 * ```ts
 * await unreachableMessage(target, { kind: 'refused' });
 * // 'no Pando instance at RPC tcp://127.0.0.1:5552: connection refused (given by --pub/--rpc); no other instance is registered; try pando-rx simulate'
 * ```
 */
export const unreachableMessage = async (target: Target, silence: Silence): Promise<string> =>
  `no Pando instance at RPC ${target.rpcEndpoint}: ${why(silence)} (${origin(target)}); ${await hints(target)}`;

/** The one line for a PUB endpoint that did not answer while the RPC endpoint did. */
export const pubSilentMessage = (target: Target, silence: Silence): string =>
  `the instance answers at RPC ${target.rpcEndpoint}, but its events do not arrive from PUB ${target.pubEndpoint}: ${why(silence)} (${origin(target)})` +
  (target.via === 'flags' ? '; check --pub' : '');

/**
 * Probes the endpoints a command needs, and returns the line to fail with when one is plainly
 * not there (nothing listens); `undefined` when the command should go on and wait for answers.
 */
export const probeTarget = async (target: Target, needsPub: boolean, timeoutMs: number): Promise<string | undefined> => {
  const [rpc, pub] = await Promise.all([probe(target.rpcEndpoint, timeoutMs), needsPub ? probe(target.pubEndpoint, timeoutMs) : Promise.resolve<ProbeResult>('unknown')]);
  if (rpc === 'refused') return unreachableMessage(target, { kind: 'refused' });
  if (pub === 'refused') return pubSilentMessage(target, { kind: 'refused' });
  return undefined;
};
