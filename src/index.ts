/**
 * pando-rx: a running Pando instance as RxJS Observables (Node). Everything of
 * `pando-rx/browser`, plus what needs Node: `connect()` over ZeroMQ, discovery of the
 * instances of this machine, fleets. The public API, by name; see docs/api.md.
 *
 * The fake instance for tests is in `pando-rx/testing`.
 */
export * from './browser.js';

// Connecting over ZeroMQ.
export {
  connect,
  connectControl,
  type ConnectOptions,
  type ConnectedInstance,
  type ConnectViaNatsOptions,
  type InstanceLocation,
  type NatsLocation,
} from './observables/connect.js';
export { RemoteSession, type RemoteSessionOptions } from './observables/remote-session.js';
export { ZeromqTransport, zeromqTransport, type ZeromqTransportOptions, type ZeromqSocket } from './observables/transports/zeromq/zeromq-transport.js';
export { ZeromqMissingError } from './observables/transports/zeromq/zeromq-missing-error.js';
export { checkZeromq } from './observables/transports/zeromq/check-zeromq.js';
export { checkEndpoint, loopbackEndpoint } from './observables/endpoint.js';

// Finding the instances of this machine, and watching them as a fleet.
export { fnv1a32, portsForPath, PORT_RANGE_BASE, PORT_RANGE_SIZE } from './observables/discovery/ports.js';
export { lockPath, readLock, readLockSync, type LockResult } from './observables/discovery/lock-file.js';
export { isPidAlive } from './observables/discovery/pid.js';
export { MAX_DISCOVERY_FILE_BYTES, type FileProblem } from './observables/discovery/read-file.js';
export {
  DEFAULT_REGISTRY_DIR,
  REGISTRY_DIR_ENV,
  MAX_REGISTRY_FILES,
  resolveRegistryDir,
  listInstances,
  listInstancesSync,
  type InstanceInfo,
  type StaleEntry,
  type InvalidEntry,
  type InstanceListing,
  type ListInstancesOptions,
} from './observables/discovery/registry.js';
export {
  watchInstances,
  instances$,
  DEFAULT_POLL_INTERVAL_MS,
  type WatchInstancesOptions,
  type InstancesOptions,
} from './observables/discovery/watch.js';
export {
  resolveEndpoints,
  resolveEndpointsSync,
  type ResolveEndpointsOptions,
  type ResolvedEndpoints,
} from './observables/discovery/resolve.js';
export {
  confirmInstance,
  InstanceNotConfirmedError,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  type PingAnswer,
  type PingFn,
  type Discovered,
  type Confirmed,
  type ConfirmOptions,
  type NotConfirmedReason,
} from './observables/discovery/confirm.js';
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
export { connectNats, NatsInstance, type ConnectNatsOptions } from './observables/transports/nats/connect-nats.js';
export type { ReplayFrom, ReplayReport } from './observables/transports/nats/replay.js';
export { natsFleet, type FleetNatsOptions } from './observables/transports/nats/nats-fleet.js';
export { fleetMembership, type FleetMembershipOptions, type MembershipMessage } from './observables/transports/nats/fleet-membership.js';
export { NatsTransport, type NatsOptions } from './observables/transports/nats/nats-transport.js';
export { natsOptionsFromEnv } from './observables/transports/nats/env-options.js';
export {
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
  FLEET_ANNOUNCE_SUBJECT,
  ALL_STATUS_SUBJECT,
  allEventsSubject,
  eventStreamName,
  parseAnnouncement,
  RelayErrorCode,
  type MemberAnnouncement,
  type RelayStatus,
} from './observables/transports/nats/subjects.js';
export { startRelay, type Relay, type RelayOptions, type RelayProblem } from './relay/start-relay.js';
export { RelayStartError, withoutCredentials } from './relay/relay-errors.js';
export type { ReplayRetention } from './relay/event-stream.js';
