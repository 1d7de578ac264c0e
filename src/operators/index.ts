/**
 * RxJS operators over decoded Pando events. Browser-safe: imports only rxjs, io-ts, fp-ts
 * and the codecs.
 */
export {
  ofTopic,
} from './ofTopic.js';
export {
  forSession,
} from './forSession.js';
export {
  sessionIdOf,
} from './sessionIdOf.js';
export {
  decodeFrames,
} from './decodeFrames.js';
export {
  streamText,
  type StreamTextOptions,
  type StreamedTextStatus,
  type StreamedText,
} from './streamText.js';
export { reply, ReplyTimeoutError, type Reply, type ReplyOptions, type ReplyStatus } from './reply.js';
export {
  turns,
  type TurnsOptions,
  type Turn,
} from './turns.js';
export {
  toolCalls,
  parseToolParams,
  type ToolCallStatus,
  type ToolCall,
  type ToolCallsOptions,
} from './toolCalls.js';
export {
  mirrorState,
  applyMirrorEvent,
  createMirror,
  type Mirror,
  type MirrorSnapshot,
  type MirrorSource,
} from './mirrorState.js';
export {
  liveMirror,
  type LiveMirrorOptions,
  type MirrorSyncError,
  type SyncRetryOptions,
} from './liveMirror.js';
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  defaultLivenessTimeoutMs,
  liveness,
  type LivenessStatus,
  type LivenessSignal,
  type LivenessOptions,
} from './liveness.js';
export { eventOf, type InstanceSignal, type ConnectionSignal } from './signals.js';
