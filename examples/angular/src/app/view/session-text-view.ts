import { scan, startWith, type Observable } from 'rxjs';
import { forSession, streamText, type PandoEvent, type StreamTextOptions, type StreamedText, type StreamedTextStatus } from 'pando-rx/browser';

/** One LLM turn as the page shows it. */
export interface TurnView {
  readonly startedAt: Date;
  readonly text: string;
  readonly status: StreamedTextStatus;
}

/** The selected session's streamed replies since the page opened it. */
export interface SessionTextView {
  readonly sessionId: string;
  /** Oldest first, at most `maxTurns`. */
  readonly turns: readonly TurnView[];
  /** Whether the last turn is still growing. */
  readonly streaming: boolean;
}

/** Options of {@link sessionTextView}: `streamText`'s, and how many turns to keep. */
export type SessionTextOptions = StreamTextOptions & { readonly maxTurns?: number };

const emptyView = (sessionId: string): SessionTextView => ({ sessionId, turns: [], streaming: false });

/** The view after one emission of `streamText()`: the same turn grows in place, a new one is appended. */
const withTurn = (view: SessionTextView, streamed: StreamedText, maxTurns: number): SessionTextView => {
  const turn: TurnView = { startedAt: streamed.startedAt, text: streamed.text, status: streamed.status };
  const last = view.turns[view.turns.length - 1];
  const sameTurn = last !== undefined && last.status === 'streaming' && last.startedAt.getTime() === turn.startedAt.getTime();
  const turns = sameTurn ? [...view.turns.slice(0, -1), turn] : [...view.turns, turn];
  return { sessionId: view.sessionId, turns: turns.slice(-maxTurns), streaming: turn.status === 'streaming' };
};

/**
 * The streaming text of one session: an empty view at once, then one view per token with the
 * turn's text so far, and one when the turn ends (`done` or `interrupted`). Built from the
 * library's operators (`forSession`, `streamText`), so it needs only the `llm.*` events:
 * pass `pando.on('llm.start', 'llm.token', 'llm.end')` and the bridge forwards nothing else.
 *
 * ```ts
 * sessionTextView(pando.on('llm.start', 'llm.token', 'llm.end'), sessionId, { idleTimeoutMs: 60_000 })
 *   .subscribe(({ turns }) => render(turns));
 * ```
 */
export const sessionTextView = (events$: Observable<PandoEvent>, sessionId: string, options: SessionTextOptions = {}): Observable<SessionTextView> => {
  const { maxTurns = 50, ...streamOptions } = options;
  return events$.pipe(
    forSession(sessionId),
    streamText(streamOptions),
    scan((view: SessionTextView, streamed: StreamedText) => withTurn(view, streamed, maxTurns), emptyView(sessionId)),
    startWith(emptyView(sessionId)),
  );
};
