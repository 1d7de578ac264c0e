import { asyncScheduler } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { checkTimeout } from './internal/checkTimeout.js';
import { operate, scheduleFor } from './internal/operate.js';
import { createTurnTracker, type TurnOptions } from './internal/turnTracker.js';

/** Options of `streamText`: see `TurnOptions` (`idleTimeoutMs`, `scheduler`). */
export type StreamTextOptions = TurnOptions;

/** Whether a turn's text is still growing, or how it ended. */
export type StreamedTextStatus = 'streaming' | 'done' | 'interrupted';

/** The text of one session's current LLM turn, as it grows. */
export interface StreamedText {
  readonly sessionId: string;
  /** Every token of the turn so far, concatenated. */
  readonly text: string;
  readonly status: StreamedTextStatus;
  /** Timestamp of the turn's `llm.start`, or of its first `llm.token`. */
  readonly startedAt: Date;
  /**
   * Timestamp of the event behind this emission: the token; the `llm.end` when done; the
   * turn's last event when interrupted.
   */
  readonly updatedAt: Date;
}

/**
 * Per session, the growing text of the current LLM turn: one emission per token with the text
 * so far, then one when the turn ends (`done` or `interrupted`).
 *
 * ```
 * source:   --s--a--b--B--e--------|        s: llm.start, a/b: tokens of session 1,
 * streamText()                              B: token of session 2, e: llm.end of session 1
 * result:   -----x--y--Y--z--------(W|)     x: 'a' streaming, y: 'ab' streaming, Y: 'B' streaming,
 *                                           z: 'ab' done; W: 'B' interrupted at completion
 * ```
 *
 * - A turn starts at `llm.start` or at the first `llm.token` when none is in progress (today's
 *   Pando sends no `llm.start`); `llm.start` itself emits nothing.
 * - It ends at `llm.end` (`done`); at a new `llm.start` of the session (the old turn is emitted
 *   `interrupted`); or with `idleTimeoutMs`, after that much silence of its session (any topic
 *   counts as activity), as `interrupted` (`session.interrupt` makes Pando go silent).
 * - An `llm.end` with no turn in progress is ignored; so are events without a session.
 * - Sessions are independent: interleaved tokens of two sessions build two texts.
 * - On completion, turns still in progress are emitted `interrupted`, then the result
 *   completes. Errors pass through at once (no flush). Timers are cleared on completion, error
 *   and unsubscription, and unsubscribing stops the source at once (a synchronous one too).
 * - A throw while handling an event (say, an `llm.token` without a payload, which the decoder
 *   never lets through) errors the result, as in RxJS's own operators.
 * - Cost: the text grows by `+=`, which engines implement as ropes: O(1) per token, O(n) per
 *   turn, and each emission shares the rope rather than copying it.
 *
 * @example
 * ```ts
 * events$.pipe(forSession(id), streamText({ idleTimeoutMs: 30_000 })).subscribe(({ text, status }) => {
 *   render(text);
 *   if (status !== 'streaming') spinner.stop();
 * });
 * ```
 */
export function streamText(options: StreamTextOptions = {}): OperatorFunction<PandoEvent, StreamedText> {
  const idleMs = checkTimeout('idleTimeoutMs', options.idleTimeoutMs); // fail when the operator is made
  const scheduler = options.scheduler ?? asyncScheduler;
  return operate<PandoEvent, StreamedText>((subscriber) => {
    const tracker = createTurnTracker<undefined>(
      { idleMs, scheduler, schedule: (work, delay) => scheduleFor(subscriber, scheduler, work, delay) },
      {
        init: () => undefined,
        token: (turn, event) =>
          subscriber.next({
            sessionId: turn.sessionId,
            text: turn.text,
            status: 'streaming',
            startedAt: turn.startedAt,
            updatedAt: event.timestamp,
          }),
        end: (turn, ending) =>
          subscriber.next({
            sessionId: turn.sessionId,
            text: turn.text,
            status: ending.status,
            startedAt: turn.startedAt,
            updatedAt: ending.endedAt,
          }),
      },
    );
    return { next: (event) => tracker.next(event), complete: () => tracker.flush(), finalize: () => tracker.dispose() };
  });
}
