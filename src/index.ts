/**
 * pando-rx: a running Pando instance as RxJS Observables (Node). Everything of
 * `pando-rx/browser`, plus what needs Node: `connect()` over ZeroMQ, discovery of the
 * instances of this machine, fleets. The public API, by name; see docs/api.md.
 *
 * The fake instance for tests is in `pando-rx/testing`.
 */
export * from './browser.js';

// Connecting over ZeroMQ.
export { connect, connectControl, type ConnectOptions, type ConnectedInstance, type InstanceLocation } from './observables/connect.js';
export { RemoteSession, type RemoteSessionOptions } from './observables/remote-session.js';
export { ZeromqTransport, zeromqTransport, type ZeromqTransportOptions } from './observables/transports/zeromq/zeromq-transport.js';
export { checkEndpoint, loopbackEndpoint } from './observables/endpoint.js';

// Finding the instances of this machine, and watching them as a fleet.
export {
  fnv1a32,
  portsForPath,
  PORT_RANGE_BASE,
  PORT_RANGE_SIZE,
  lockPath,
  readLock,
  readLockSync,
  isPidAlive,
  DEFAULT_REGISTRY_DIR,
  REGISTRY_DIR_ENV,
  resolveRegistryDir,
  listInstances,
  listInstancesSync,
  instances$,
  DEFAULT_POLL_INTERVAL_MS,
  resolveEndpoints,
  resolveEndpointsSync,
  type FileProblem,
  type LockResult,
  type InstanceInfo,
  type StaleEntry,
  type InvalidEntry,
  type InstanceListing,
  type ListInstancesOptions,
  type InstancesOptions,
  type ResolveEndpointsOptions,
  type ResolvedEndpoints,
} from './observables/discovery.js';
export { watchFleet, type Fleet, type FleetChange, type FleetEvent, type FleetOptions } from './observables/fleet.js';
