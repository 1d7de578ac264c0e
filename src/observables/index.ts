/** Sources and façades over a running Pando instance. Node only (ZeroMQ sockets). */
export {
  connect,
  RemoteInstance,
  type ConnectOptions,
  type ConnectTuning,
  type InstanceLocation,
  type TokenEvent,
} from './remote-instance.js';
export { RemoteSession, createRemoteSession, type RemoteSessionOptions } from './remote-session.js';
export {
  RemoteControl,
  createRemoteControl,
  CONTROL_METHODS,
  type ControlMethods,
  type RemoteControlOptions,
} from './remote-control.js';
export {
  RpcClient,
  DEFAULT_RPC_TIMEOUT_MS,
  DEFAULT_RPC_IDLE_CLOSE_MS,
  type CallOptions,
  type RpcClientOptions,
  type RpcDiagnostic,
  type RpcDiagnosticCounts,
} from './rpc-client.js';
export { FrameHub, exactTopic, type DecodeFailure, type HubSignal } from './frame-hub.js';
export { mirrorStream, type MirrorSyncError, type SyncRetryOptions, type MirrorSources } from './mirror.js';
export { checkEndpoint, loopbackEndpoint, InvalidEndpointError } from './endpoint.js';
export {
  ZeromqTransport,
  ZeromqDealer,
  zeromqTransport,
  type ZeromqTransportOptions,
} from './zeromq-transport.js';
export type {
  Transport,
  DealerPort,
  DealerSignal,
  SubscriberSignal,
  ConnectionSignal,
  OutgoingRequest,
  Prefixes,
} from './transport.js';
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
} from './discovery/index.js';
export { watchFleet, type Fleet, type FleetChange, type FleetEvent, type FleetOptions } from './fleet.js';
