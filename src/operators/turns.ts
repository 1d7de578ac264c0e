import { asyncScheduler } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { checkTimeout } from './internal/checkTimeout.js';
import { isTopic } from './internal/isTopic.js';
import { operate, scheduleFor } from './internal/operate.js';
import {
  endedToolCall,
  openToolCall,
  toolCallKey,
  unfinishedToolCall,
  type OpenToolCall,
  type ToolCall,
} from './internal/toolCallRecords.js';
import { createTurnTracker, type TurnOptions, type TurnStatus } from './internal/turnTracker.js';

/** Options of `turns`: see `TurnOptions` (`idleTimeoutMs`, `scheduler`). */
export type TurnsOptions = TurnOptions;

/** One completed LLM turn of a session. */
export interface Turn {
  readonly sessionId: string;
  /** Every `llm.token` of the turn, concatenated. */
  readonly text: string;
  /** From the `llm.end`; 0 when interrupted (current Pando builds send 0 anyway). */
  readonly tokensIn: number;
  /** From the `llm.end`; 0 when interrupted. */
  readonly tokensOut: number;
  /** The calls whose `tool.start` fell inside the turn, in start order, as they stood when it ended. */
  readonly toolCalls: readonly ToolCall[];
  /** Timestamp of the `llm.start`, or of the first `llm.token`. */
  readonly startedAt: Date;
  /** Timestamp of the `llm.end`; for an interrupted turn, of its last event. */
  readonly endedAt: Date;
  readonly status: TurnStatus;
}

/** Per-turn state: its tool calls in start order, open ones as `OpenToolCall`. */
interface TurnCalls {
  readonly order: Array<OpenToolCall | ToolCall>;
  readonly index: Map<string, number>;
}

const isOpen = (call: OpenToolCall | ToolCall): call is OpenToolCall => !('status' in call);

/**
 * Completed LLM turns, one emission per turn when it ends, with its text, token counts and tool
 * calls.
 *
 * ```
 * source:   --a--S--E--b--e--B--|      a/b: tokens of session 1, S/E: tool.start/end in it,
 * turns()                              e: llm.end of session 1, B: token of session 2
 * result:   --------------x-----(y|)   x: 'ab' done with one tool call,
 *                                      y: 'B' interrupted at completion
 * ```
 *
 * - Turn boundaries are those of `streamText`: a turn starts at `llm.start` or at the first
 *   `llm.token` when none is in progress, and ends at `llm.end` (`done`, with its
 *   `tokens_in` / `tokens_out`), at a new `llm.start` of the session, or after `idleTimeoutMs`
 *   of silence of its session (`interrupted`, counts 0). Sessions are independent.
 * - A tool call belongs to the turn in progress of its session when its `tool.start` arrives;
 *   its `tool.end` completes it if it arrives before the turn ends. A call still running when
 *   the turn ends is listed with status `'unfinished'` and no `endedAt` / `result` (nothing
 *   timed out: the turn ended first), and its later `tool.end` is ignored here (use `toolCalls()` to follow every call to its end). Tool calls
 *   outside any turn are not listed.
 * - On completion, turns in progress are emitted `interrupted`, then the result completes.
 *   Errors pass through at once (no flush). Timers are cleared on completion, error and
 *   unsubscription, and unsubscribing stops the source at once (a synchronous one too).
 * - A throw while handling an event (say, a `tool.start` without a payload, which the decoder
 *   never lets through) errors the result, as in RxJS's own operators.
 *
 * @example
 * ```ts
 * events$.pipe(turns({ idleTimeoutMs: 60_000 })).subscribe((turn) =>
 *   console.log(`${turn.sessionId}: ${turn.status}, ${turn.text.length} chars, ${turn.toolCalls.length} tools`),
 * );
 * ```
 */
export function turns(options: TurnsOptions = {}): OperatorFunction<PandoEvent, Turn> {
  const idleMs = checkTimeout('idleTimeoutMs', options.idleTimeoutMs); // fail when the operator is made
  const scheduler = options.scheduler ?? asyncScheduler;
  return operate<PandoEvent, Turn>((subscriber) => {
    const tracker = createTurnTracker<TurnCalls>(
      { idleMs, scheduler, schedule: (work, delay) => scheduleFor(subscriber, scheduler, work, delay) },
      {
        init: () => ({ order: [], index: new Map() }),
        activity: (turn, event) => {
          const calls = turn.extra;
          if (isTopic(event, 'tool.start')) {
            const call = openToolCall(turn.sessionId, event);
            if (calls.index.has(call.key)) return;
            calls.index.set(call.key, calls.order.length);
            calls.order.push(call);
          } else if (isTopic(event, 'tool.end')) {
            const at = calls.index.get(toolCallKey(turn.sessionId, event.payload.call_id));
            if (at === undefined) return;
            const call = calls.order[at]!;
            if (isOpen(call)) calls.order[at] = endedToolCall(call, event);
          }
        },
        end: (turn, ending) =>
          subscriber.next({
            sessionId: turn.sessionId,
            text: turn.text,
            tokensIn: ending.tokensIn,
            tokensOut: ending.tokensOut,
            toolCalls: turn.extra.order.map((call) => (isOpen(call) ? unfinishedToolCall(call) : call)),
            startedAt: turn.startedAt,
            endedAt: ending.endedAt,
            status: ending.status,
          }),
      },
    );
    return { next: (event) => tracker.next(event), complete: () => tracker.flush(), finalize: () => tracker.dispose() };
  });
}
