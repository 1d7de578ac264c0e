import { concatMap, from, map, timer, type Subscription } from 'rxjs';
import { truncateToolResult, type TurnScript } from '../script.js';
import { FakeInstanceStoppedError } from './errors.js';
import type { EventPublisher } from './publisher.js';
import type { SessionStore } from './session-store.js';
import { planTurn, type PlannedToolCall, type TurnStep } from './turn-plan.js';

/**
 * Plays scripted LLM turns on the PUB socket, one at a time per session, as Pando publishes
 * them: the user's message, tokens, tool calls, `llm.end`, the stored reply. Interrupting ends a
 * turn as Pando does; aborting (stop, session deleted) drops it without another event.
 */

/** How a turn ended. */
export type TurnOutcome =
  /** every step was played */
  | 'completed'
  /** cut short by `session.interrupt` or `interruptTurn` (still ends with `llm.end`) */
  | 'interrupted'
  /** dropped without further events: the instance stopped or the session was deleted */
  | 'aborted';

/** What a turn did. */
export interface TurnResult {
  readonly sessionId: string;
  /** The user's message. */
  readonly content: string;
  /** The reply text that was streamed (all of it when completed, part of it when interrupted). */
  readonly reply: string;
  /** How many `llm.token` events were published. */
  readonly tokensOut: number;
  readonly outcome: TurnOutcome;
}

/** What the player needs from the instance. */
export interface TurnPlayerOptions {
  readonly store: SessionStore;
  /** Where the turn's events go (the instance's publisher). */
  readonly publisher: Pick<EventPublisher, 'announce'>;
  /** Full mode publishes `llm.start` and `message.append` and real token counts; pando mode does not. */
  readonly full: boolean;
  /** Milliseconds between the steps of a turn. */
  readonly tokenIntervalMs: number;
  /** The script of a turn when none is given. */
  readonly script: TurnScript;
}

interface Turn {
  readonly sessionId: string;
  readonly content: string;
  readonly tokensIn: number;
  began: boolean;
  tokensOut: number;
  text: string;
  openTool: PlannedToolCall | undefined;
  steps: Subscription | undefined;
  readonly resolve: (result: TurnResult) => void;
}

/**
 * The turns running on one instance, at most one per session.
 *
 * ```ts
 * const player = new TurnPlayer({ store, publisher, full: true, tokenIntervalMs: 20, script: defaultScript });
 * const result = await player.start('s1', 'hello'); // resolves when the turn ends
 * ```
 */
export class TurnPlayer {
  private readonly turns = new Map<string, Turn>();
  private stopped = false;

  constructor(private readonly options: TurnPlayerOptions) {}

  /** The ids of the sessions whose turn is running. */
  running(): string[] {
    return [...this.turns.keys()];
  }

  /** Whether a turn of this session is running. */
  isRunning(sessionId: string): boolean {
    return this.turns.has(sessionId);
  }

  /**
   * Plans and starts a turn; the promise resolves when it ends. Throws at once (before anything
   * is published) for an unknown or busy session, a stopped instance, or a script that throws.
   */
  start(sessionId: string, content: string, script: TurnScript = this.options.script): Promise<TurnResult> {
    if (this.stopped) throw new FakeInstanceStoppedError('play a turn');
    if (!this.options.store.has(sessionId)) throw new Error(`session not found: "${sessionId}"`);
    if (this.turns.has(sessionId)) throw new Error('session is busy');
    const plan = planTurn(script(sessionId, content), content, this.options.tokenIntervalMs);
    return new Promise<TurnResult>((resolve) => {
      const turn: Turn = {
        sessionId,
        content,
        tokensIn: plan.tokensIn,
        began: false,
        tokensOut: 0,
        text: '',
        openTool: undefined,
        steps: undefined,
        resolve,
      };
      this.turns.set(sessionId, turn);
      turn.steps = from(plan.steps)
        .pipe(concatMap(({ step, delayMs }) => timer(delayMs).pipe(map(() => step))))
        .subscribe((step) => this.run(turn, step));
    });
  }

  /** Cuts a running turn short (as `session.interrupt` does). False when none is running. */
  interrupt(sessionId: string): boolean {
    const turn = this.turns.get(sessionId);
    if (turn === undefined) return false;
    turn.steps?.unsubscribe();
    if (!turn.began) this.begin(turn);
    this.finish(turn, 'interrupted');
    return true;
  }

  /** Drops a session's running turn without another event (the session is being deleted). */
  abort(sessionId: string): void {
    const turn = this.turns.get(sessionId);
    if (turn === undefined) return;
    turn.steps?.unsubscribe();
    this.turns.delete(sessionId);
    turn.resolve(this.resultOf(turn, 'aborted'));
  }

  /** Aborts every turn and refuses new ones (the instance is stopping). */
  stop(): void {
    this.stopped = true;
    for (const sessionId of this.running()) this.abort(sessionId);
  }

  private run(turn: Turn, step: TurnStep): void {
    const { publisher } = this.options;
    const session_id = turn.sessionId;
    switch (step.kind) {
      case 'begin':
        this.begin(turn);
        return;
      case 'token':
        turn.tokensOut += 1;
        turn.text += step.token;
        publisher.announce('llm.token', { session_id, token: step.token });
        return;
      case 'tool-start':
        turn.openTool = step.call;
        publisher.announce('tool.start', { session_id, tool_name: step.call.name, call_id: step.call.callId, params: step.call.params });
        return;
      case 'tool-end':
        turn.openTool = undefined;
        publisher.announce('tool.end', {
          session_id,
          tool_name: step.call.name,
          call_id: step.call.callId,
          is_error: step.call.isError,
          result: truncateToolResult(step.call.result),
        });
        return;
      case 'end':
        this.finish(turn, 'completed');
        return;
    }
  }

  /** The user's message is stored, then the LLM call starts. */
  private begin(turn: Turn): void {
    turn.began = true;
    this.storeMessage(turn.sessionId, 'user', turn.content);
    if (this.options.full) this.options.publisher.announce('llm.start', { session_id: turn.sessionId });
  }

  /** Closes an open tool call, ends the LLM call and stores what was said. */
  private finish(turn: Turn, outcome: 'completed' | 'interrupted'): void {
    const { publisher, full } = this.options;
    const session_id = turn.sessionId;
    this.turns.delete(session_id);
    if (turn.openTool !== undefined) {
      const { name, callId } = turn.openTool;
      publisher.announce('tool.end', { session_id, tool_name: name, call_id: callId, is_error: true, result: 'context canceled' });
    }
    publisher.announce('llm.end', { session_id, tokens_in: full ? turn.tokensIn : 0, tokens_out: full ? turn.tokensOut : 0 });
    if (turn.text !== '') this.storeMessage(session_id, 'assistant', turn.text);
    turn.resolve(this.resultOf(turn, outcome));
  }

  /** Stores a message and publishes what Pando does: `message.append` (full mode), `session.update`. */
  private storeMessage(sessionId: string, role: 'user' | 'assistant', content: string): void {
    const stored = this.options.store.addMessage(sessionId, role, content);
    if (stored === undefined) return;
    const { publisher } = this.options;
    if (this.options.full) {
      publisher.announce('message.append', { session_id: sessionId, message_id: stored.message.id, role, content });
    }
    publisher.announce('session.update', stored.session);
  }

  private resultOf(turn: Turn, outcome: TurnOutcome): TurnResult {
    return { sessionId: turn.sessionId, content: turn.content, reply: turn.text, tokensOut: turn.tokensOut, outcome };
  }
}
