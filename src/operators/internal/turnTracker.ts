import type { SchedulerLike, Subscription } from 'rxjs';
import type { LlmTokenEvent, PandoEvent } from '../../codecs/topics.js';
import { sessionIdOf } from '../sessionIdOf.js';
import { isTopic } from './isTopic.js';

/**
 * The per-session LLM turn state machine shared by `streamText` and `turns`: where a turn
 * starts and ends, its text, its idle timer. It knows nothing of streams; the operators drive
 * it through `operate` and emit from its handlers. Not part of the public API.
 */


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

/** Where the tracker's idle timers run. */
export interface TurnClock {
  /** Idle timeout in ms, already checked (`checkTimeout`); `undefined` for none. */
  readonly idleMs: number | undefined;
  /** Gives the time (`now()`) to measure silence. */
  readonly scheduler: SchedulerLike;
  /** Schedules an idle check (the operator routes a throw in it to its subscriber's `error`). */
  readonly schedule: (work: () => void, delay: number) => Subscription;
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
 * `idleMs` of silence of its session (interrupted), or at `flush()`. An `llm.end` with no turn
 * in progress is ignored. Events without a session are ignored.
 *
 * Cost: one `+=` per token. V8 (and the other engines) build concatenations as ropes, so a turn
 * of n tokens costs O(n) in total, not O(n²); the rope is flattened once when read as a whole.
 * The idle timer is re-armed lazily: one timer per turn, rescheduled only when it fires early,
 * not one clear/set per token.
 */
export const createTurnTracker = <X>(clock: TurnClock, handlers: TurnHandlers<X>): TurnTracker => {
  const { idleMs, scheduler, schedule } = clock;
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
    else turn.timer = schedule(() => checkIdle(turn, idle), idle - silent);
  };

  /** Records activity of the turn's session and makes sure an idle timer is pending. */
  const touch = (turn: TrackedTurn<X>, at: Date): void => {
    turn.lastEventAt = at;
    if (idleMs === undefined) return;
    turn.lastActivity = scheduler.now();
    if (turn.timer === undefined) turn.timer = schedule(() => checkIdle(turn, idleMs), idleMs);
  };

  const begin = (sessionId: string, at: Date): TrackedTurn<X> => {
    const turn: TrackedTurn<X> = {
      sessionId,
      text: '',
      startedAt: at,
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
        const text = event.payload.token;
        if (turn === undefined) turn = begin(sessionId, event.timestamp);
        turn.text += text;
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
