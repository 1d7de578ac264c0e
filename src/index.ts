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
  MAX_DISCOVERY_FILE_BYTES,
  DEFAULT_REGISTRY_DIR,
  REGISTRY_DIR_ENV,
  MAX_REGISTRY_FILES,
  resolveRegistryDir,
  listInstances,
  listInstancesSync,
  watchInstances,
  instances$,
  DEFAULT_POLL_INTERVAL_MS,
  resolveEndpoints,
  resolveEndpointsSync,
  confirmInstance,
  InstanceNotConfirmedError,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  type FileProblem,
  type LockResult,
  type InstanceInfo,
  type StaleEntry,
  type InvalidEntry,
  type InstanceListing,
  type ListInstancesOptions,
  type WatchInstancesOptions,
  type InstancesOptions,
  type ResolveEndpointsOptions,
  type ResolvedEndpoints,
  type PingAnswer,
  type PingFn,
  type Discovered,
  type Confirmed,
  type ConfirmOptions,
  type NotConfirmedReason,
} from './observables/discovery/index.js';
export { watchFleet, type Fleet, type FleetChange, type FleetEvent, type FleetOptions } from './observables/fleet.js';

// Serving an instance to browsers: the WebSocket bridge.
export {
  startBridge,
  BridgeOptionsError,
  type Bridge,
  type BridgeOptions,
  type BridgeStats,
  type BridgeTarget,
} from './bridge/start-bridge.js';

// Beyond one machine: the NATS transport, and the relay that serves this host's instances.
export {
  connectNats,
  NatsTransport,
  natsOptionsFromEnv,
  encodeToken,
  decodeToken,
  eventSubject,
  rpcSubject,
  controlSubject,
  requestSubject,
  READ_ONLY_METHODS,
  statusSubject,
  statusRequestSubject,
  subjectForPrefix,
  FLEET_JOIN_SUBJECT,
  FLEET_LEAVE_SUBJECT,
  RelayErrorCode,
  type ConnectNatsOptions,
  type NatsOptions,
  type RelayStatus,
} from './observables/transports/nats/index.js';
export { startRelay, type Relay, type RelayOptions } from './relay/index.js';
