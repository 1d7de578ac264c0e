import { RemoteInstance, type ConnectTuning } from '../../remote-instance.js';
import { NatsTransport, type NatsOptions } from './nats-transport.js';

/** Options of {@link connectNats}: which NATS servers, which instance, and how to watch it. */
export type ConnectNatsOptions = ConnectTuning & {
  /** The NATS servers and credentials (see `NatsOptions`); ignored when `transport` is given. */
  readonly nats?: NatsOptions;
  /** The id of the instance, as its relay publishes it (`pando.<instance>.…`). */
  readonly instanceId: string;
  /** A transport to share one NATS connection between several instances. */
  readonly transport?: NatsTransport;
};

/**
 * Connects to a Pando instance on another host through NATS and the relay of its host
 * (`pando-rx relay` / `startRelay()`): the same `RemoteInstance` as `connect()` gives over
 * ZeroMQ. `status$` reports `unreachable` while the NATS server or the relay cannot be reached,
 * and `down` when the relay says the instance itself is down.
 *
 * A function of its own rather than an option of `connect()`: `connect()` finds instances on
 * this machine (lock files, the registry); through NATS there is only an id, and the NATS client
 * is loaded only by those who use it.
 *
 * ```ts
 * const pando = connectNats({ nats: { servers: 'nats://nats.example:4222' }, instanceId: 'a1b2c3' });
 * pando.status$.subscribe((status) => console.log(status.status));
 * ```
 */
export const connectNats = (options: ConnectNatsOptions): RemoteInstance => {
  const { nats, instanceId, transport, ...tuning } = options;
  if (transport === undefined && nats === undefined) throw new TypeError('connectNats: give `nats` (servers, credentials) or a `transport`');
  return new RemoteInstance(transport ?? new NatsTransport(nats!), { ...tuning, pubEndpoint: instanceId, rpcEndpoint: instanceId });
};
