import type { Observable, SchedulerLike, Subscriber, Subscription, TeardownLogic } from 'rxjs';
import type { EventOf, KnownTopic, LlmTokenEvent, PandoEvent, ToolEndEvent, ToolStartEvent } from '../../codecs/topics.js';
import type { ToolCall } from '../toolCalls.js';

/**
 * Internal helpers shared by `forSession`, `streamText`, `turns` and `toolCalls`: which session
 * an event belongs to, the per-session turn state machine, and building `ToolCall` records.
 * Not part of the public API.
 */

const hasOwn = Object.prototype.hasOwnProperty;

/** Topics whose payload is a whole `Session`, so that `payload.id` names the session. */
const SESSION_PAYLOAD_TOPICS: ReadonlySet<string> = new Set(['session.update', 'session.activated', 'session.deleted']);

/**
 * The session an event is about: the envelope's `sessionId` when present and non-empty, else
 * the payload's `session_id`, else (for `session.update` / `.activated` / `.deleted`, whose
 * payload is the session itself) the payload's `id`. `undefined` for instance-wide events.
 */
export const sessionIdOf = (event: PandoEvent): string | undefined => {
  const fromEnvelope = event.sessionId;
  if (typeof fromEnvelope === 'string' && fromEnvelope !== '') return fromEnvelope;
  const payload = event.payload;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const record = payload as Record<string, unknown>;
  if (hasOwn.call(record, 'session_id')) {
    const id = record['session_id'];
    return typeof id === 'string' && id !== '' ? id : undefined;
  }
  if (SESSION_PAYLOAD_TOPICS.has(event.topic)) {
    const id = record['id'];
    return typeof id === 'string' && id !== '' ? id : undefined;
  }
  return undefined;
};

/** Whether a decoded event is of the given known topic (the decoder guarantees the payload). */
export const isTopic = <K extends KnownTopic>(event: PandoEvent, topic: K): event is EventOf<K> => event.topic === topic;

/** Checks a timeout option: `undefined` or `Infinity` means none; otherwise a number ≥ 0. */
export const checkTimeout = (name: string, value: number | undefined): number | undefined => {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of milliseconds >= 0 (or undefined for none), got ${String(value)}`);
  }
  return value;
};

// ---------------------------------------------------------------------------------------------
// Tool calls

/** A `tool.start` that has not ended yet. */
export interface OpenToolCall {
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

/** A call whose end was not seen while we waited for it. */
export const timedOutToolCall = (open: OpenToolCall): ToolCall => ({
  sessionId: open.sessionId,
  callId: open.callId,
  toolName: open.toolName,
  params: open.params,
  startedAt: open.startedAt,
  isError: false,
  status: 'timed-out',
});

// ---------------------------------------------------------------------------------------------
// Turns

/** Options shared by `streamText` and `turns`. */
export interface TurnOptions {
  /**
   * End a turn in progress as `'interrupted'` after this many milliseconds in which no event of
   * its session arrived (measured on `scheduler`, not on event timestamps). Default: none, a
   * turn then ends only at `llm.end`, at a new `llm.start`, or when the source completes.
   */
  readonly idleTimeoutMs?: number;
  /** The scheduler of the idle timer. Default `asyncScheduler` (virtual inside `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
}

/** How a turn ended. */
export type TurnStatus = 'done' | 'interrupted';

/** The state of one turn in progress, as the handlers see it. */
export interface ActiveTurn<X> {
  readonly sessionId: string;
  /** The text so far: every `llm.token` of the turn, in order. */
  text: string;
  /** Timestamp of the `llm.start` or first `llm.token`. */
  readonly startedAt: Date;
  /** Timestamp of the event that last changed the text (the start, then each token). */
  updatedAt: Date;
  /** Timestamp of the last event of the session seen during the turn. */
  lastEventAt: Date;
  /** The operator's own per-turn state. */
  readonly extra: X;
}

/** How a turn ended: `done` at `llm.end` (with its counts), else `interrupted` (counts 0). */
export interface TurnEnding {
  readonly status: TurnStatus;
  /** The `llm.end` timestamp, or for an interrupted turn the timestamp of its last event. */
  readonly endedAt: Date;
  readonly tokensIn: number;
  readonly tokensOut: number;
}

/** What an operator does at each step of a turn. */
export interface TurnHandlers<X> {
  /** Per-turn state for a turn that begins. */
  readonly init: () => X;
  /** After a token was appended to `turn.text`. */
  readonly token?: (turn: ActiveTurn<X>, event: LlmTokenEvent) => void;
  /** Any other event of the turn's session while it is in progress (e.g. `tool.*`). */
  readonly activity?: (turn: ActiveTurn<X>, event: PandoEvent) => void;
  /** The turn ended; it is already removed from the tracker. */
  readonly end: (turn: ActiveTurn<X>, ending: TurnEnding) => void;
}

/** The turn state machine of one subscription. */
export interface TurnTracker {
  /** Feeds one event. */
  next(event: PandoEvent): void;
  /** Ends every turn in progress as interrupted (in the order they began), for completion. */
  flush(): void;
  /** Cancels the idle timers and forgets all state; later calls do nothing. */
  dispose(): void;
}

interface TrackedTurn<X> extends ActiveTurn<X> {
  /** `scheduler.now()` at the last event of the session. */
  lastActivity: number;
  timer: Subscription | undefined;
}

/**
 * Creates the per-subscription turn state machine shared by `streamText` and `turns`.
 *
 * Rules: a turn of a session starts at `llm.start` or at an `llm.token` when none is in
 * progress; it ends at `llm.end` (done), at a new `llm.start` (the old one is interrupted), after
 * `idleTimeoutMs` of silence of its session (interrupted), or at `flush()`. An `llm.end` with no
 * turn in progress is ignored. Events without a session are ignored.
 *
 * Cost: one `+=` per token. V8 (and the other engines) build concatenations as ropes, so a turn
 * of n tokens costs O(n) in total, not O(n²); the rope is flattened once when read as a whole.
 * The idle timer is re-armed lazily: one timer per turn, rescheduled only when it fires early,
 * not one clear/set per token.
 */
export const createTurnTracker = <X>(options: TurnOptions, scheduler: SchedulerLike, handlers: TurnHandlers<X>): TurnTracker => {
  const idleMs = checkTimeout('idleTimeoutMs', options.idleTimeoutMs);
  const active = new Map<string, TrackedTurn<X>>();
  let disposed = false;

  const stopTimer = (turn: TrackedTurn<X>): void => {
    turn.timer?.unsubscribe();
    turn.timer = undefined;
  };

  const end = (turn: TrackedTurn<X>, ending: TurnEnding): void => {
    stopTimer(turn);
    active.delete(turn.sessionId);
    handlers.end(turn, ending);
  };

  const interrupt = (turn: TrackedTurn<X>): void =>
    end(turn, { status: 'interrupted', endedAt: turn.lastEventAt, tokensIn: 0, tokensOut: 0 });

  const checkIdle = (turn: TrackedTurn<X>, idle: number): void => {
    turn.timer = undefined;
    if (disposed || active.get(turn.sessionId) !== turn) return;
    const silent = scheduler.now() - turn.lastActivity;
    if (silent >= idle) interrupt(turn);
    else turn.timer = scheduler.schedule(() => checkIdle(turn, idle), idle - silent);
  };

  /** Records activity of the turn's session and makes sure an idle timer is pending. */
  const touch = (turn: TrackedTurn<X>, at: Date): void => {
    turn.lastEventAt = at;
    if (idleMs === undefined) return;
    turn.lastActivity = scheduler.now();
    if (turn.timer === undefined) turn.timer = scheduler.schedule(() => checkIdle(turn, idleMs), idleMs);
  };

  const begin = (sessionId: string, at: Date): TrackedTurn<X> => {
    const turn: TrackedTurn<X> = {
      sessionId,
      text: '',
      startedAt: at,
      updatedAt: at,
      lastEventAt: at,
      extra: handlers.init(),
      lastActivity: scheduler.now(),
      timer: undefined,
    };
    active.set(sessionId, turn);
    return turn;
  };

  return {
    next(event) {
      if (disposed) return;
      const sessionId = sessionIdOf(event);
      if (sessionId === undefined) return;
      let turn = active.get(sessionId);
      if (isTopic(event, 'llm.start')) {
        if (turn !== undefined) interrupt(turn);
        if (disposed) return;
        touch(begin(sessionId, event.timestamp), event.timestamp);
      } else if (isTopic(event, 'llm.token')) {
        if (turn === undefined) turn = begin(sessionId, event.timestamp);
        turn.text += event.payload.token;
        turn.updatedAt = event.timestamp;
        touch(turn, event.timestamp);
        handlers.token?.(turn, event);
      } else if (isTopic(event, 'llm.end')) {
        if (turn === undefined) return;
        turn.lastEventAt = event.timestamp;
        end(turn, {
          status: 'done',
          endedAt: event.timestamp,
          tokensIn: event.payload.tokens_in,
          tokensOut: event.payload.tokens_out,
        });
      } else if (turn !== undefined) {
        touch(turn, event.timestamp);
        handlers.activity?.(turn, event);
      }
    },
    flush() {
      for (const turn of [...active.values()]) {
        if (disposed) return;
        interrupt(turn);
      }
    },
    dispose() {
      disposed = true;
      for (const turn of active.values()) stopTimer(turn);
      active.clear();
    },
  };
};

/**
 * Runs `tracker` over `source` for `subscriber`: an error passes on at once, completion first
 * ends the turns still in progress (as interrupted), and teardown cancels the idle timers.
 */
export const driveTracker = (
  source: Observable<PandoEvent>,
  subscriber: Subscriber<unknown>,
  tracker: TurnTracker,
): TeardownLogic => {
  const subscription = source.subscribe({
    next: (event) => tracker.next(event),
    error: (err: unknown) => {
      tracker.dispose();
      subscriber.error(err);
    },
    complete: () => {
      tracker.flush();
      tracker.dispose();
      subscriber.complete();
    },
  });
  return () => {
    subscription.unsubscribe();
    tracker.dispose();
  };
};
