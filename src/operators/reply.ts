import { asyncScheduler, concat, filter, identity, map, of, scan, takeWhile, throwError, timeout, type Observable } from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { checkTimeout } from './internal/checkTimeout.js';
import { isTopic } from './internal/isTopic.js';
import {
  endedToolCall,
  openToolCall,
  startlessToolCall,
  unfinishedToolCall,
  type OpenToolCall,
  type ToolCall,
} from './internal/toolCallRecords.js';

/** Whether a reply is still streaming, or how it ended. */
export type ReplyStatus = 'streaming' | 'done' | 'interrupted';

/** The agent's reply to one message, as it stands: the text so far and the tool calls so far. */
export interface Reply {
  /** Every `llm.token` of the reply so far, concatenated. */
  readonly text: string;
  /** The tool calls of the reply in start order: ended ones with their durations, running ones `'unfinished'`. */
  readonly toolCalls: readonly ToolCall[];
  /**
   * `streaming` while it grows; `done` at its `llm.end`; `interrupted` when its session went
   * silent for `idleTimeoutMs` (today's Pando publishes no `llm.end` for an interrupted or
   * failed turn) or the events ended first.
   */
  readonly status: ReplyStatus;
  /** From the `llm.end` (0 otherwise; today's Pando sends 0 anyway). */
  readonly tokensIn: number;
  readonly tokensOut: number;
}

/** Options of `reply`. */
export interface ReplyOptions {
  /** How long the reply may take to begin (its first event), in ms (default 60,000). */
  readonly firstEventTimeoutMs?: number;
  /** How long the session may stay silent mid-reply before it counts as interrupted, in ms (default 30,000). */
  readonly idleTimeoutMs?: number;
  /** Drives both timeouts (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

/** No event of the reply arrived in time: the message may not have reached an agent. */
export class ReplyTimeoutError extends Error {
  override readonly name = 'ReplyTimeoutError';
  constructor(
    /** The timeout that ran out, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(`no reply began within ${timeoutMs} ms (no llm.* or tool.* event of the session)`);
  }
}

interface State {
  readonly text: string;
  /** Calls in start order, open ones as `OpenToolCall`. */
  readonly calls: ReadonlyArray<OpenToolCall | ToolCall>;
  readonly status: ReplyStatus;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Whether the last step changed what a reader sees. */
  readonly changed: boolean;
}

/** The session went silent, or the events ended: the reply ends here. */
const SILENCE = Symbol('silence');

const isOpen = (call: OpenToolCall | ToolCall): call is OpenToolCall => !('status' in call);

const step = (state: State, event: PandoEvent | typeof SILENCE): State => {
  const same = { ...state, changed: false };
  if (event === SILENCE) return { ...state, status: 'interrupted', changed: true };
  if (isTopic(event, 'llm.token')) return { ...state, text: state.text + event.payload.token, changed: true };
  if (isTopic(event, 'llm.end')) {
    return { ...state, status: 'done', tokensIn: event.payload.tokens_in, tokensOut: event.payload.tokens_out, changed: true };
  }
  if (isTopic(event, 'tool.start')) {
    const call = openToolCall(event.payload.session_id, event);
    if (state.calls.some((c) => c.callId === call.callId)) return same;
    return { ...state, calls: [...state.calls, call], changed: true };
  }
  if (isTopic(event, 'tool.end')) {
    const at = state.calls.findIndex((c) => c.callId === event.payload.call_id);
    const found = state.calls[at];
    if (found !== undefined && !isOpen(found)) return same; // a second end
    const ended = found === undefined ? startlessToolCall(event.payload.session_id, event) : endedToolCall(found, event);
    const calls = found === undefined ? [...state.calls, ended] : state.calls.map((c, i) => (i === at ? ended : c));
    return { ...state, calls, changed: true };
  }
  return same; // llm.start, and anything else of the session: activity, nothing to show
};

const toReply = (state: State): Reply => ({
  text: state.text,
  toolCalls: state.calls.map((call) => (isOpen(call) ? unfinishedToolCall(call) : call)),
  status: state.status,
  tokensIn: state.tokensIn,
  tokensOut: state.tokensOut,
});

/**
 * The reply to one message, from the events of its session that follow the send: one
 * emission per change (a token, a tool call starting or ending), the last one `done` (at
 * `llm.end`) or `interrupted` (silence, or the events ended), then completion. The whole
 * reply in one Observable; `RemoteInstance.ask()` listens, sends and pipes through this.
 *
 * ```
 * source:   --t--T--E--t--e|      t: llm.token, T/E: tool.start/end, e: llm.end
 * reply()
 * result:   --a--b--c--d--(z|)    a: 'h' streaming, b: + call running, c: call ok, d: 'hi', z: done
 * ```
 *
 * - It errors with `ReplyTimeoutError` when no event comes within `firstEventTimeoutMs`.
 * - Its source is one session's events (`forSession(id)`); the turn need not begin with
 *   `llm.start` (today's Pando sends none), and need not end with `llm.end`.
 *
 * @example
 * ```ts
 * events$.pipe(forSession(id), reply({ idleTimeoutMs: 20_000 })).subscribe(({ text, status }) => render(text, status));
 * ```
 */
export function reply(options: ReplyOptions = {}): OperatorFunction<PandoEvent, Reply> {
  // `undefined` (from `Infinity`) means no such timeout.
  const first = checkTimeout('firstEventTimeoutMs', options.firstEventTimeoutMs ?? 60_000);
  const each = checkTimeout('idleTimeoutMs', options.idleTimeoutMs ?? 30_000);
  const scheduler = options.scheduler ?? asyncScheduler;
  const initial: State = { text: '', calls: [], status: 'streaming', tokensIn: 0, tokensOut: 0, changed: false };
  const timed: OperatorFunction<PandoEvent, PandoEvent | typeof SILENCE> =
    first === undefined && each === undefined
      ? identity
      : timeout<PandoEvent, Observable<typeof SILENCE>>({
          ...(first === undefined ? {} : { first }),
          ...(each === undefined ? {} : { each }),
          scheduler,
          with: (info) => (info.seen === 0 && first !== undefined ? throwError(() => new ReplyTimeoutError(first)) : of(SILENCE)),
        });
  return (source) =>
    concat(source.pipe(timed), of(SILENCE) /* the events ended before the reply did */).pipe(
      scan(step, initial),
      filter((state) => state.changed),
      takeWhile((state) => state.status === 'streaming', true),
      map(toReply),
    );
}
