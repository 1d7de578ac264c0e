import { randomBytes } from 'node:crypto';
import { splitIntoTokens, type ScriptedTurn } from '../script.js';

/**
 * What a scripted turn will publish, step by step, and when: pure planning, no timers and no
 * events (the turn player plays the plan).
 */

/** One tool call of a plan, with everything its two events carry. */
export interface PlannedToolCall {
  readonly name: string;
  readonly callId: string;
  /** The arguments as a JSON string, as `tool.start` sends them. */
  readonly params: string;
  /** The full result (the player cuts it as Pando does). */
  readonly result: string;
  readonly isError: boolean;
  /** Milliseconds between `tool.start` and `tool.end`. */
  readonly durationMs: number;
}

/** One step of a turn. */
export type TurnStep =
  /** the user's message is stored, the LLM call starts */
  | { readonly kind: 'begin' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'tool-start'; readonly call: PlannedToolCall }
  | { readonly kind: 'tool-end'; readonly call: PlannedToolCall }
  /** the LLM call ends, the reply is stored */
  | { readonly kind: 'end' };

/** A step and how long to wait before it, in milliseconds. */
export interface TimedStep {
  readonly step: TurnStep;
  readonly delayMs: number;
}

/** A planned turn. */
export interface TurnPlan {
  readonly steps: readonly TimedStep[];
  /** `tokens_in` of `llm.end` (full mode). */
  readonly tokensIn: number;
}

/**
 * Plans a scripted turn: `begin` at once, then each token and tool call `tokenIntervalMs`
 * apart (a `tool-end` comes its call's `durationMs` after its `tool-start`), then `end`. Tool
 * calls sit before the token their `afterToken` names; those at or past the last token come
 * after it.
 *
 * ```ts
 * planTurn({ reply: 'Hi there' }, 'hello', 20).steps.map((s) => s.step.kind);
 * // ['begin', 'token', 'token', 'end']
 * ```
 */
export const planTurn = (scripted: ScriptedTurn | string, content: string, tokenIntervalMs: number): TurnPlan => {
  const turn: ScriptedTurn = typeof scripted === 'string' ? { reply: scripted } : scripted;
  const tokens = typeof turn.reply === 'string' ? splitIntoTokens(turn.reply) : [...turn.reply];
  const calls = (turn.toolCalls ?? []).map((call) => ({
    after: Math.min(Math.max(0, Math.floor(call.afterToken ?? 0)), tokens.length),
    plan: {
      name: call.name,
      callId: call.callId ?? `call_${randomBytes(6).toString('hex')}`,
      params: JSON.stringify(call.params ?? {}),
      result: call.result ?? '',
      isError: call.isError ?? false,
      durationMs: Math.max(0, call.durationMs ?? tokenIntervalMs),
    } satisfies PlannedToolCall,
  }));
  const next = (step: TurnStep): TimedStep => ({ step, delayMs: tokenIntervalMs });
  const steps: TimedStep[] = [{ step: { kind: 'begin' }, delayMs: 0 }];
  for (let i = 0; i <= tokens.length; i++) {
    for (const { after, plan } of calls) {
      if (after !== i) continue;
      steps.push(next({ kind: 'tool-start', call: plan }), { step: { kind: 'tool-end', call: plan }, delayMs: plan.durationMs });
    }
    if (i < tokens.length) steps.push(next({ kind: 'token', token: tokens[i]! }));
  }
  steps.push(next({ kind: 'end' }));
  return { steps, tokensIn: turn.tokensIn ?? Math.max(1, Math.ceil(content.length / 4)) };
};
