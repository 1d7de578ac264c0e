/**
 * Sources and façades over a running Pando instance. The instance logic (`RemoteInstance`,
 * `RemoteControl`, the RPC client, the frame hub) is browser-safe and reaches the outside only
 * through the transport seam; `connect()`, discovery, fleets and the ZeroMQ transport are Node.
 * This is the layer's internal index: the public lists are `src/index.ts` and `src/browser.ts`.
 */
export { connect, connectControl, type ConnectOptions, type ConnectedInstance, type InstanceLocation } from './connect.js';
export {
  RemoteInstance,
  type RemoteInstanceOptions,
  type InstanceAddresses,
  type ConnectTuning,
  type SessionToken,
  type TokenEvent,
} from './remote-instance.js';
export { whenReady, InstanceUnreachableError, type UnansweredSide, type ReadySources } from './ready.js';
export { RemoteSession, type RemoteSessionOptions } from './remote-session.js';
export { RemoteControl, type RemoteControlOptions } from './remote-control.js';
export {
  RpcClient,
  DEFAULT_RPC_TIMEOUT_MS,
  DEFAULT_RPC_IDLE_CLOSE_MS,
  type CallOptions,
  type RpcClientOptions,
  type RpcDiagnostic,
  type RpcDiagnosticCounts,
} from './rpc-client.js';
export { RequestQueue, type OutgoingRequest, type RequestState, type RequestQueueOptions } from './request-queue.js';
export { FrameHub, exactTopic, type DecodeFailure } from './frame-hub.js';
export { eventSignals } from './event-signals.js';
export { checkEndpoint, loopbackEndpoint, InvalidEndpointError } from './endpoint.js';
export { ZeromqTransport, zeromqTransport, type ZeromqTransportOptions } from './transports/zeromq/zeromq-transport.js';
export type {
  Transport,
  EventLink,
  EventLinkSignal,
  RequestLink,
  RequestLinkSignal,
  LinkSink,
  LinkConnectionSignal,
} from './transport.js';
export * from './discovery/index.js';
export { watchFleet, type Fleet, type FleetChange, type FleetEvent, type FleetOptions } from './fleet.js';
