/**
 * `pando-rx/testing`: a Pando-compatible fake instance over real ZeroMQ sockets, for tests,
 * demos and simulations. Node-only.
 */
export {
  DEFAULT_WAIT_TIMEOUT_MS,
  FakeInstanceStoppedError,
  FakeMethodError,
  FakeWaitTimeoutError,
  startFakeInstance,
  type FakeInstance,
  type FakeInstanceMode,
  type FakeInstanceOptions,
  type HeartbeatQuirk,
  type MethodHandler,
  type MethodOverrides,
  type RecordedReply,
  type RecordedRequest,
  type ReleaseOrder,
  type RequestMatch,
  type RpcReplyJson,
  type StopOptions,
  type TurnOutcome,
  type TurnResult,
  type WaitOptions,
} from './fake-instance/index.js';
export {
  TOOL_RESULT_LIMIT,
  defaultScript,
  splitIntoTokens,
  truncateToolResult,
  type ScriptedToolCall,
  type ScriptedTurn,
  type TurnScript,
} from './script.js';
export { DEFAULT_SESSION_IDS, defaultSeed, wholeSeconds, type SeedData } from './sessions.js';
export { FakeTransport, FakeDealer, FakeSubscriber, type FakeTransportOptions } from './fake-transport.js';
