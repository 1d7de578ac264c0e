/** Sources and façades over a running Pando instance. Node only (ZeroMQ sockets). */
export {
  connect,
  RemoteInstance,
  type ConnectOptions,
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
