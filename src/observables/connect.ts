import { resolveEndpoints, type ResolvedEndpoints } from './discovery/resolve.js';
import { RemoteControl, type RemoteControlOptions } from './remote-control.js';
import { RemoteInstance, type ConnectTuning } from './remote-instance.js';
import type { Transport } from './transport.js';
import { zeromqTransport } from './transports/zeromq/zeromq-transport.js';
import { connectNats, type NatsInstance } from './transports/nats/connect-nats.js';
import type { NatsOptions } from './transports/nats/nats-transport.js';
import type { ReplayFrom } from './transports/nats/replay.js';

/** Where the instance is: its two endpoints, or a working directory to find them from. */
export type InstanceLocation =
  | {
      /** The instance's PUB endpoint, e.g. `tcp://127.0.0.1:5551`. */
      readonly pubEndpoint: string;
      /** The instance's ROUTER endpoint, e.g. `tcp://127.0.0.1:5552`. */
      readonly rpcEndpoint: string;
      readonly workdir?: undefined;
    }
  | {
      /**
       * The project directory of the instance: its lock file first, then the registry's
       * primary entry for it, then its deterministic ports (`resolution` says which).
       */
      readonly workdir: string;
      /** The registry directory (default `$PANDO_REGISTRY_DIR`, else `/tmp/pando-instances`). */
      readonly registryDir?: string;
      readonly pubEndpoint?: undefined;
      readonly rpcEndpoint?: undefined;
    };

/**
 * An instance on another host, through NATS and its host's relay: the NATS servers and
 * credentials, the instance's id, and optionally what to replay (see `connectNats`).
 */
export interface NatsLocation {
  readonly nats: NatsOptions & { readonly instanceId: string; readonly replay?: ReplayFrom };
}

/** Options of `connect()` through NATS: where the instance is, plus how to watch it. */
export type ConnectViaNatsOptions = NatsLocation & ConnectTuning;

/** Options of `connect()`: where the instance is, plus how to watch it. */
export type ConnectOptions = InstanceLocation &
  ConnectTuning & {
    /** The transport (default: ZeroMQ sockets). Tests pass a `FakeTransport`. */
    readonly transport?: Transport;
  };

/** A `RemoteInstance` made by `connect()`, with how its endpoints were found. */
export interface ConnectedInstance extends RemoteInstance {
  /** How the endpoints were found, when `connect()` was given a `workdir`. */
  readonly resolution: ResolvedEndpoints | undefined;
}

/**
 * Connects to a Pando instance over ZeroMQ, given its endpoints or its working directory; or,
 * given `nats` (servers, credentials and the instance's id), on another host through NATS and
 * its host's relay (`connectNats()`, whose `NatsInstance` it returns, `resolution` undefined).
 * Nothing is opened until a stream is subscribed or a method called; `close()` frees
 * everything.
 *
 * ```ts
 * const pando = connect({ workdir: process.cwd() });
 * console.log(pando.resolution?.detail); // e.g. "lock file /repo/.pando/ipc.lock: instance …"
 * const remote = connect({ nats: { servers: 'nats://hub:4222', instanceId: 'a1b2c3' } });
 * ```
 */
export function connect(options: ConnectViaNatsOptions): NatsInstance & ConnectedInstance;
export function connect(options: ConnectOptions): ConnectedInstance;
export function connect(options: ConnectOptions | ConnectViaNatsOptions): ConnectedInstance {
  if ('nats' in options && options.nats !== undefined) {
    const { nats, ...tuning } = options;
    const { instanceId, replay, ...natsOptions } = nats;
    const instance = connectNats({ ...tuning, nats: natsOptions, instanceId, ...(replay === undefined ? {} : { replay }) });
    return Object.assign(instance, { resolution: undefined });
  }
  return connectZeromq(options as ConnectOptions);
}

const connectZeromq = (options: ConnectOptions): ConnectedInstance => {
  const resolution =
    options.workdir === undefined
      ? undefined
      : resolveEndpoints(options.workdir, options.registryDir === undefined ? {} : { registryDir: options.registryDir });
  const { transport = zeromqTransport, workdir: _workdir, ...tuning } = options;
  const instance = new RemoteInstance(transport, {
    ...tuning,
    pubEndpoint: resolution?.pubEndpoint ?? options.pubEndpoint!,
    rpcEndpoint: resolution?.rpcEndpoint ?? options.rpcEndpoint!,
  });
  return Object.assign(instance, { resolution });
};

/**
 * Controls a Pando instance over JSON-RPC only (no event stream), through ZeroMQ: the Go
 * `remoteview.NewRemoteControl`.
 *
 * ```ts
 * const control = connectControl('tcp://127.0.0.1:46504');
 * control.ping().subscribe((pong) => console.log(pong.instance_id));
 * ```
 */
export const connectControl = (
  rpcEndpoint: string,
  options: RemoteControlOptions & { readonly transport?: Transport } = {},
): RemoteControl => {
  const { transport = zeromqTransport, ...rest } = options;
  return new RemoteControl(transport, rpcEndpoint, rest);
};
