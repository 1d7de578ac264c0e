import { resolveEndpoints, type ResolvedEndpoints } from './discovery/resolve.js';
import { RemoteControl, type RemoteControlOptions } from './remote-control.js';
import { RemoteInstance, type ConnectTuning } from './remote-instance.js';
import type { Transport } from './transport.js';
import { zeromqTransport } from './transports/zeromq/zeromq-transport.js';

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
 * Connects to a Pando instance over ZeroMQ, given its endpoints or its working directory.
 * Nothing is opened until a stream is subscribed or a method called; `close()` frees
 * everything.
 *
 * ```ts
 * const pando = connect({ workdir: process.cwd() });
 * console.log(pando.resolution?.detail); // e.g. "lock file /repo/.pando/ipc.lock: instance …"
 * ```
 */
export const connect = (options: ConnectOptions): ConnectedInstance => {
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
