import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { left, right, type Either } from 'fp-ts/Either';
import type { PandoEvent } from '../codecs/topics.js';
import {
  checkTimeout,
  endedToolCall,
  isTopic,
  openToolCall,
  sessionIdOf,
  startlessToolCall,
  timedOutToolCall,
  toolCallKey,
  type OpenToolCall,
} from './internal/turnTracker.js';

/**
 * How a tool call ended:
 * - `'ok'` / `'error'`: its `tool.end` arrived, with `is_error` false / true;
 * - `'timed-out'`: no `tool.end` arrived while it was waited for: `timeoutMs` passed, or the
 *   source completed first (`toolCalls`), or its turn ended first (`Turn.toolCalls`).
 */
export type ToolCallStatus = 'ok' | 'error' | 'timed-out';

/** One tool call: its `tool.start` and `tool.end`, paired by session and `call_id`. */
export interface ToolCall {
  readonly sessionId: string;
  readonly callId: string;
  readonly toolName: string;
  /** The parameters as Pando sent them: JSON as a string (see `parseToolParams`). `''` if the start was not seen. */
  readonly params: string;
  /** The `tool.start` timestamp (the `tool.end` timestamp if the start was not seen). */
  readonly startedAt: Date;
  /** The `tool.end` timestamp; absent when timed out. */
  readonly endedAt?: Date;
  /** `endedAt - startedAt` from the events' timestamps; absent when timed out or when the start was not seen. */
  readonly durationMs?: number;
  /** The result text (Pando cuts it to 512 characters plus `...`); absent when timed out. */
  readonly result?: string;
  /** The end's `is_error`; `false` when timed out. */
  readonly isError: boolean;
  readonly status: ToolCallStatus;
}

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

/** How many timed-out calls are remembered so that their late ends are ignored. */
const LATE_END_MEMORY = 1024;

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
 *   timed-out calls are remembered for that).
 * - A `tool.end` whose start was not seen is still emitted: `startedAt` = `endedAt` = its
 *   timestamp, `params` `''`, `durationMs` undefined (unknown, not 0).
 * - A second `tool.start` for a call that is still open is ignored.
 * - When the source completes, the calls still open are emitted as `'timed-out'` (in the order
 *   they started), then the result completes. Errors pass through at once; pending timers are
 *   cleared on completion, error and unsubscription. Other topics are ignored.
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
  return (source) =>
    new Observable<ToolCall>((subscriber) => {
      const open = new Map<string, { readonly call: OpenToolCall; readonly timer: Subscription | undefined }>();
      const timedOut = new Set<string>();

      const rememberTimedOut = (key: string): void => {
        timedOut.add(key);
        if (timedOut.size > LATE_END_MEMORY) timedOut.delete(timedOut.values().next().value as string);
      };

      const onStart = (call: OpenToolCall): void => {
        if (open.has(call.key)) return;
        timedOut.delete(call.key);
        const timer =
          timeoutMs === undefined
            ? undefined
            : scheduler.schedule(() => {
                if (open.get(call.key)?.call !== call) return;
                open.delete(call.key);
                rememberTimedOut(call.key);
                subscriber.next(timedOutToolCall(call));
              }, timeoutMs);
        open.set(call.key, { call, timer });
      };

      const clear = (): void => {
        for (const entry of open.values()) entry.timer?.unsubscribe();
        open.clear();
        timedOut.clear();
      };

      const subscription = source.subscribe({
        next: (event) => {
          if (isTopic(event, 'tool.start')) {
            const sessionId = sessionIdOf(event) ?? '';
            onStart(openToolCall(sessionId, event));
          } else if (isTopic(event, 'tool.end')) {
            const sessionId = sessionIdOf(event) ?? '';
            const key = toolCallKey(sessionId, event.payload.call_id);
            const entry = open.get(key);
            if (entry !== undefined) {
              entry.timer?.unsubscribe();
              open.delete(key);
              subscriber.next(endedToolCall(entry.call, event));
            } else if (timedOut.has(key)) {
              timedOut.delete(key);
            } else {
              subscriber.next(startlessToolCall(sessionId, event));
            }
          }
        },
        error: (err: unknown) => {
          clear();
          subscriber.error(err);
        },
        complete: () => {
          const pending = [...open.values()];
          clear();
          for (const { call } of pending) {
            if (subscriber.closed) return;
            subscriber.next(timedOutToolCall(call));
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        clear();
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
