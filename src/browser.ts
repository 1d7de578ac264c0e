/**
 * `pando-rx/browser`: everything that runs in a browser (and in Node): the codecs of the
 * protocol, the operators, and the instance logic (`RemoteInstance`, `RemoteControl`) over any
 * transport that implements the seam. It reaches no Node module and no zeromq, so an Angular
 * or any bundled web app can use it. The public API, by name; see docs/api.md.
 */

// The values of the wire: times, durations, integers, error texts.
export {
  Integer,
  NonEmptyString,
  parseRfc3339,
  formatRfc3339,
  ZERO_TIME,
  Rfc3339Date,
  parseGoDuration,
  formatGoDuration,
  GoDuration,
  nullableArray,
  type Duration,
} from './codecs/values.js';
export { describeErrors, summarizeIssues, type DecodeIssue } from './codecs/errors.js';

// Payloads and events: one codec per topic, the topic table, the event union.
export {
  Session,
  SessionListPayload,
  Role,
  MessageAppendPayload,
  LlmStartPayload,
  LlmTokenPayload,
  LlmEndPayload,
  ToolStartPayload,
  ToolEndPayload,
  HeartbeatPayload,
  ShutdownPayload,
  DbEntity,
  DbChange,
  WriteChange,
} from './codecs/payloads.js';
export {
  TopicTable,
  TABLE_TOPICS,
  DB_TOPICS,
  KNOWN_TOPICS,
  isDbTopic,
  isKnownTopic,
  payloadCodecFor,
  isKnownEvent,
  type TableTopic,
  type DbTopic,
  type KnownTopic,
  type PayloadOf,
  type EventHeader,
  type EventOf,
  type KnownEvent,
  type UnknownEvent,
  type PandoEvent,
  type EventOfTopics,
  type SessionUpdateEvent,
  type SessionActivatedEvent,
  type SessionDeletedEvent,
  type SessionListEvent,
  type MessageAppendEvent,
  type LlmStartEvent,
  type LlmTokenEvent,
  type LlmEndEvent,
  type ToolStartEvent,
  type ToolEndEvent,
  type HeartbeatEvent,
  type ShutdownEvent,
  type WriteChangeEvent,
} from './codecs/topics.js';
export { Envelope, FrameDecodeError, decodeFrame, encodeFrame, type FrameDecodeStage } from './codecs/frame.js';

// JSON-RPC: the method table, its codecs, and what a failed call errors with.
export {
  JsonRpcRequest,
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcSuccessResponse,
  JsonRpcResponse,
  RpcErrorCode,
  EmptyParams,
  SessionIdParams,
  SendMessageParams,
  StateSyncParams,
  PingResult,
  SessionListResult,
  OkResult,
  MessageRecord,
  MessageListResult,
  StateSyncResult,
  InstanceInfoResult,
  MethodTable,
  METHODS,
  isMethod,
  decodeResponse,
  type Method,
  type ParamsOf,
  type ResultOf,
  type ReplyDecodeFailure,
} from './codecs/rpc.js';
export { Port, LockInfo, InstanceMode, RegistryEntry } from './codecs/discovery.js';
export {
  RpcError,
  RpcDecodeError,
  RpcTimeoutError,
  RpcConnectionLostError,
  RpcAbortedError,
  RpcArgumentError,
} from './observables/rpc-errors.js';
export { buildRequest, decodeResult, type EncodedRequest } from './observables/rpc-request.js';

// Operators over decoded events, and the one signal type of an instance.
export { ofTopic } from './operators/ofTopic.js';
export { forSession } from './operators/forSession.js';
export { sessionIdOf } from './operators/sessionIdOf.js';
export { decodeFrames } from './operators/decodeFrames.js';
export { streamText, type StreamTextOptions, type StreamedTextStatus, type StreamedText } from './operators/streamText.js';
export { turns, type TurnsOptions, type Turn } from './operators/turns.js';
export { reply, ReplyTimeoutError, type Reply, type ReplyOptions, type ReplyStatus } from './operators/reply.js';
export { toolCalls, parseToolParams, type ToolCallStatus, type ToolCall, type ToolCallsOptions } from './operators/toolCalls.js';
export {
  mirrorState,
  applyMirrorEvent,
  createMirror,
  type Mirror,
  type MirrorSnapshot,
  type MirrorSource,
} from './operators/mirrorState.js';
export { liveMirror, type LiveMirrorOptions, type MirrorSyncError, type SyncRetryOptions } from './operators/liveMirror.js';
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  defaultLivenessTimeoutMs,
  liveness,
  type LivenessStatus,
  type LivenessSignal,
  type LivenessOptions,
} from './operators/liveness.js';
export { eventOf, type InstanceSignal, type ConnectionSignal } from './operators/signals.js';

// The instance over any transport.
export {
  RemoteInstance,
  type RemoteInstanceOptions,
  type InstanceAddresses,
  type ConnectTuning,
  type SessionToken,
  type TokenEvent,
} from './observables/remote-instance.js';
export { RemoteControl, type RemoteControlOptions } from './observables/remote-control.js';
export {
  DEFAULT_RPC_TIMEOUT_MS,
  DEFAULT_RPC_IDLE_CLOSE_MS,
  type CallOptions,
  type RpcDiagnostic,
  type RpcDiagnosticCounts,
} from './observables/rpc-client.js';
export { exactTopic, type DecodeFailure } from './observables/frame-hub.js';
export { InvalidEndpointError } from './observables/endpoint.js';
export { InstanceUnreachableError, type UnansweredSide } from './observables/ready.js';
export type { AskOptions } from './observables/ask.js';
export type {
  Transport,
  EventLink,
  EventLinkSignal,
  RequestLink,
  RequestLinkSignal,
  LinkSink,
  LinkConnectionSignal,
} from './observables/transport.js';

// The browser's way in: a WebSocket to a pando-rx bridge, and the bridge's message format.
export { connectBrowser, type ConnectBrowserOptions } from './observables/connect-browser.js';
export { watchBridgeFleet, type WatchBridgeFleetOptions, type BridgeFleet } from './observables/watch-bridge-fleet.js';
export { WebSocketTransport, type WebSocketTransportOptions } from './observables/transports/websocket/websocket-transport.js';
export type { WebSocketLike, WebSocketConstructor, ReconnectOptions } from './observables/transports/websocket/bridge-socket.js';
export {
  BridgeClientMessage,
  BridgeServerMessage,
  BridgeErrorCode,
  BridgeFleetMember,
  BridgeMessageError,
  BRIDGE_PROTOCOL_VERSION,
  BRIDGE_REFUSED_CODE,
  decodeBridgeClientMessage,
  decodeBridgeServerMessage,
  encodeBridgeMessage,
} from './codecs/bridge.js';
