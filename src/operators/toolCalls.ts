import { asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { left, right, type Either } from 'fp-ts/Either';
import type { PandoEvent, ToolEndEvent } from '../codecs/topics.js';
import { sessionIdOf } from './sessionIdOf.js';
import { checkTimeout } from './internal/checkTimeout.js';
import { isTopic } from './internal/isTopic.js';
import { operate, scheduleFor } from './internal/operate.js';
import {
  endedToolCall,
  openToolCall,
  startlessToolCall,
  timedOutToolCall,
  toolCallKey,
  unfinishedToolCall,
  type OpenToolCall,
  type ToolCall,
} from './internal/toolCallRecords.js';

export type { ToolCall, ToolCallStatus } from './internal/toolCallRecords.js';

/** Options of `toolCalls`. */
export interface ToolCallsOptions {
  /**
   * Emit a call as `'timed-out'` when this many milliseconds (on `scheduler`) pass after its
   * `tool.start` with no `tool.end`; a late end for it is then ignored. Default: none.
   */
  readonly timeoutMs?: number;
  /** The scheduler of the timeouts. Default `asyncScheduler` (virtual inside `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
}

/**
 * How many timed-out calls `toolCalls` remembers, per subscription, so that their late ends
 * are ignored; beyond it the oldest is forgotten (memory stays bounded on a long-lived stream).
 */
export const LATE_END_MEMORY = 1024;

/**
 * Pairs `tool.start` and `tool.end` by session and `call_id`, and emits one `ToolCall` per call
 * when it ends.
 *
 * ```
 * source:      --s----e-----S-----------|        s/e: start/end of call 1, S: start of call 2
 * toolCalls({ timeoutMs: 8 })
 * result:      -------a-------------b---|        a: status 'ok', b: status 'timed-out'
 * ```
 *
 * - `status` is `'error'` when the end's `is_error` is true, else `'ok'`; `durationMs` is the
 *   difference of the two events' timestamps.
 * - With `timeoutMs`, a call with no end that long after its start is emitted as `'timed-out'`
 *   (no `endedAt`, `durationMs` or `result`); its late `tool.end` is ignored (the last 1024
 *   timed-out calls are remembered for that; an older one's late end comes out as an end
 *   whose start was not seen).
 * - A `tool.end` whose start was not seen is still emitted: `startedAt` = `endedAt` = its
 *   timestamp, `params` `''`, `durationMs` undefined (unknown, not 0).
 * - A second `tool.start` for a call that is still open is ignored.
 * - When the source completes, the calls still open are emitted as `'unfinished'` (in the order
 *   they started: nothing timed out, the source ended first), then the result completes.
 *   Errors pass through at once; pending timers are cleared on completion, error and
 *   unsubscription, and unsubscribing stops the source at once (a synchronous one too). Other
 *   topics are ignored.
 * - A throw while handling an event (say, a `tool.end` without a payload, which the decoder
 *   never lets through) errors the result, as in RxJS's own operators.
 *
 * @example
 * ```ts
 * events$.pipe(toolCalls({ timeoutMs: 120_000 })).subscribe((call) =>
 *   console.log(`${call.toolName} ${call.status} in ${call.durationMs ?? '?'} ms`),
 * );
 * ```
 */
export function toolCalls(options: ToolCallsOptions = {}): OperatorFunction<PandoEvent, ToolCall> {
  const timeoutMs = checkTimeout('timeoutMs', options.timeoutMs);
  const scheduler = options.scheduler ?? asyncScheduler;
  return operate<PandoEvent, ToolCall>((subscriber) => {
    /** The calls waiting for their end, in start order, with their timeout. */
    const open = new Map<string, { readonly call: OpenToolCall; readonly timer: Subscription | undefined }>();
    /** The keys of timed-out calls whose late end is still to be ignored, oldest first. */
    const timedOut = new Set<string>();

    const rememberTimedOut = (key: string): void => {
      timedOut.add(key);
      if (timedOut.size > LATE_END_MEMORY) timedOut.delete(timedOut.values().next().value as string);
    };

    const timeOut = (call: OpenToolCall): void => {
      if (open.get(call.key)?.call !== call) return;
      open.delete(call.key);
      rememberTimedOut(call.key);
      subscriber.next(timedOutToolCall(call));
    };

    const onStart = (call: OpenToolCall): void => {
      if (open.has(call.key)) return;
      timedOut.delete(call.key);
      const timer = timeoutMs === undefined ? undefined : scheduleFor(subscriber, scheduler, () => timeOut(call), timeoutMs);
      open.set(call.key, { call, timer });
    };

    const onEnd = (sessionId: string, event: ToolEndEvent): void => {
      const key = toolCallKey(sessionId, event.payload.call_id);
      const entry = open.get(key);
      if (entry !== undefined) {
        entry.timer?.unsubscribe();
        open.delete(key);
        subscriber.next(endedToolCall(entry.call, event));
      } else if (!timedOut.delete(key)) {
        // not the late end of a call already emitted as timed out: an end whose start we missed
        subscriber.next(startlessToolCall(sessionId, event));
      }
    };

    return {
      next: (event) => {
        if (isTopic(event, 'tool.start')) onStart(openToolCall(sessionIdOf(event) ?? '', event));
        else if (isTopic(event, 'tool.end')) onEnd(sessionIdOf(event) ?? '', event);
      },
      complete: () => {
        const pending = [...open.values()];
        open.clear();
        for (const { call, timer } of pending) {
          timer?.unsubscribe();
          if (subscriber.closed) return;
          subscriber.next(unfinishedToolCall(call));
        }
      },
      finalize: () => {
        for (const entry of open.values()) entry.timer?.unsubscribe();
        open.clear();
        timedOut.clear();
      },
    };
  });
}

/**
 * Parses a call's `params` (JSON as a string) without throwing: `right(value)` or
 * `left(SyntaxError)`.
 *
 * @example
 * ```ts
 * const params = parseToolParams(call);
 * if (isRight(params)) console.log(params.right);
 * ```
 */
export function parseToolParams(call: Pick<ToolCall, 'params'>): Either<SyntaxError, unknown> {
  try {
    return right(JSON.parse(call.params) as unknown);
  } catch (e) {
    return left(e instanceof SyntaxError ? e : new SyntaxError(String(e)));
  }
}
