import type { ToolEndEvent, ToolStartEvent } from '../../codecs/topics.js';

/**
 * The tool-call records that `toolCalls` and `turns` build: the public `ToolCall` type, the
 * open call waiting for its end, and one constructor per way a call can end. Pure data, no
 * stream logic; `toolCalls.ts` re-exports the public types.
 */

/**
 * How a tool call ended:
 * - `'ok'` / `'error'`: its `tool.end` arrived, with `is_error` false / true;
 * - `'timed-out'`: `toolCalls({ timeoutMs })` waited that long after its `tool.start` and no
 *   `tool.end` came (a later `tool.end` is then ignored);
 * - `'unfinished'`: it was still running when what followed it stopped: its turn ended
 *   (`Turn.toolCalls`) or the source completed (`toolCalls`). Nothing timed out; the end was
 *   simply not seen.
 */
export type ToolCallStatus = 'ok' | 'error' | 'timed-out' | 'unfinished';

/** One tool call: its `tool.start` and `tool.end`, paired by session and `call_id`. */
export interface ToolCall {
  readonly sessionId: string;
  readonly callId: string;
  readonly toolName: string;
  /** The parameters as Pando sent them: JSON as a string (see `parseToolParams`). `''` if the start was not seen. */
  readonly params: string;
  /** The `tool.start` timestamp (the `tool.end` timestamp if the start was not seen). */
  readonly startedAt: Date;
  /** The `tool.end` timestamp; absent when `'timed-out'` or `'unfinished'`. */
  readonly endedAt?: Date;
  /** `endedAt - startedAt` from the events' timestamps; absent without an end, or when the start was not seen. */
  readonly durationMs?: number;
  /** The result text (Pando cuts it to 512 characters plus `...`); absent without an end. */
  readonly result?: string;
  /** The end's `is_error`; `false` without an end. */
  readonly isError: boolean;
  readonly status: ToolCallStatus;
}

/** A `tool.start` that has not ended yet. */
export interface OpenToolCall {
  /** `toolCallKey(sessionId, callId)`. */
  readonly key: string;
  readonly sessionId: string;
  readonly callId: string;
  readonly toolName: string;
  readonly params: string;
  readonly startedAt: Date;
}

/** The key that pairs a `tool.start` with its `tool.end`: session and call id. */
export const toolCallKey = (sessionId: string, callId: string): string => `${sessionId}\u0000${callId}`;

/** An open call from its `tool.start`. */
export const openToolCall = (sessionId: string, event: ToolStartEvent): OpenToolCall => ({
  key: toolCallKey(sessionId, event.payload.call_id),
  sessionId,
  callId: event.payload.call_id,
  toolName: event.payload.tool_name,
  params: event.payload.params,
  startedAt: event.timestamp,
});

/** A call that ended with its `tool.end`; the duration comes from the two events' timestamps. */
export const endedToolCall = (open: OpenToolCall, end: ToolEndEvent): ToolCall => ({
  sessionId: open.sessionId,
  callId: open.callId,
  toolName: open.toolName,
  params: open.params,
  startedAt: open.startedAt,
  endedAt: end.timestamp,
  durationMs: end.timestamp.getTime() - open.startedAt.getTime(),
  result: end.payload.result,
  isError: end.payload.is_error,
  status: end.payload.is_error ? 'error' : 'ok',
});

/**
 * A `tool.end` whose `tool.start` was never seen (subscribed mid-call, or the start was dropped):
 * `startedAt` = `endedAt` = its own timestamp, `params` is `''` and `durationMs` is left
 * undefined (unknown, rather than a misleading 0).
 */
export const startlessToolCall = (sessionId: string, end: ToolEndEvent): ToolCall => ({
  sessionId,
  callId: end.payload.call_id,
  toolName: end.payload.tool_name,
  params: '',
  startedAt: end.timestamp,
  endedAt: end.timestamp,
  result: end.payload.result,
  isError: end.payload.is_error,
  status: end.payload.is_error ? 'error' : 'ok',
});

/** A call that `toolCalls({ timeoutMs })` waited for that long without seeing its end. */
export const timedOutToolCall = (open: OpenToolCall): ToolCall => endless(open, 'timed-out');

/** A call still running when its turn ended or the source completed. */
export const unfinishedToolCall = (open: OpenToolCall): ToolCall => endless(open, 'unfinished');

const endless = (open: OpenToolCall, status: 'timed-out' | 'unfinished'): ToolCall => ({
  sessionId: open.sessionId,
  callId: open.callId,
  toolName: open.toolName,
  params: open.params,
  startedAt: open.startedAt,
  isError: false,
  status,
});
