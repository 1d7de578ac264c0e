import * as fc from 'fast-check';
import { Observable, mergeMap, of, take } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type {
  EventOf,
  HeartbeatEvent,
  LlmEndEvent,
  LlmStartEvent,
  LlmTokenEvent,
  MessageAppendEvent,
  PandoEvent,
  SessionUpdateEvent,
  TableTopic,
  ToolEndEvent,
  ToolStartEvent,
  UnknownEvent,
  PayloadOf,
} from '../../src/codecs/topics.js';

/** The instant that `at(0)` stands for; event timestamps are offsets from it in ms. */
export const T0 = Date.UTC(2026, 2, 1, 10, 20, 30);

/** `T0 + ms` as a Date: in the marble specs, an event at frame n carries `at(n)`. */
export const at = (ms: number): Date => new Date(T0 + ms);

/** A TestScheduler that compares with Jest's `toEqual`, as in RxJS's own specs. */
export const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Where (in the envelope, the payload or both) an event names its session. */
export type SessionPlacement = 'both' | 'envelope' | 'payload';

interface EventOptions {
  /** Timestamp offset from T0, in ms (default 0). */
  readonly t?: number;
  /** Which of envelope and payload carry the session (default 'both'). */
  readonly placement?: SessionPlacement;
}

/** Any table event, typed by topic. `sessionId` goes in the envelope unless `placement` is 'payload'. */
export const event = <K extends TableTopic>(
  topic: K,
  payload: PayloadOf<K>,
  sessionId?: string,
  t = 0,
): EventOf<K> => {
  const base = { topic, instanceId: 'inst-1', projectId: '', timestamp: at(t), payload };
  return (sessionId === undefined ? base : { ...base, sessionId }) as EventOf<K>;
};

/** Builds a session event with its session in the envelope, the payload or both. */
const sessionEvent = <K extends TableTopic>(
  topic: K,
  sessionId: string,
  rest: Omit<PayloadOf<K>, 'session_id'>,
  { t = 0, placement = 'both' }: EventOptions,
): EventOf<K> => {
  const payload = (placement === 'envelope' ? { ...rest } : { session_id: sessionId, ...rest }) as PayloadOf<K>;
  return event(topic, payload, placement === 'payload' ? undefined : sessionId, t);
};

export const llmStart = (sessionId: string, options: EventOptions = {}): LlmStartEvent =>
  sessionEvent('llm.start', sessionId, {}, options);

export const token = (sessionId: string, text: string, options: EventOptions = {}): LlmTokenEvent =>
  sessionEvent('llm.token', sessionId, { token: text }, options);

export const llmEnd = (sessionId: string, options: EventOptions & { tokensIn?: number; tokensOut?: number } = {}): LlmEndEvent =>
  sessionEvent('llm.end', sessionId, { tokens_in: options.tokensIn ?? 0, tokens_out: options.tokensOut ?? 0 }, options);

export const toolStart = (
  sessionId: string,
  callId: string,
  options: EventOptions & { toolName?: string; params?: string } = {},
): ToolStartEvent =>
  sessionEvent(
    'tool.start',
    sessionId,
    { call_id: callId, tool_name: options.toolName ?? 'bash', params: options.params ?? '{"command":"ls"}' },
    options,
  );

export const toolEnd = (
  sessionId: string,
  callId: string,
  options: EventOptions & { toolName?: string; result?: string; isError?: boolean } = {},
): ToolEndEvent =>
  sessionEvent(
    'tool.end',
    sessionId,
    { call_id: callId, tool_name: options.toolName ?? 'bash', result: options.result ?? 'ok', is_error: options.isError ?? false },
    options,
  );

export const messageAppend = (sessionId: string, content: string, options: EventOptions = {}): MessageAppendEvent =>
  sessionEvent('message.append', sessionId, { message_id: 'm1', role: 'assistant', content }, options);

/** `session.update` for a session: Pando puts the session in the payload (`id`), maybe not in the envelope. */
export const sessionUpdate = (sessionId: string, options: EventOptions & { title?: string } = {}): SessionUpdateEvent =>
  event(
    'session.update',
    { id: sessionId, title: options.title ?? 'a title', updated_at: at(0), message_count: 1 },
    options.placement === 'payload' ? undefined : sessionId,
    options.t ?? 0,
  );

export const heartbeat = (t = 0): HeartbeatEvent =>
  event('instance.heartbeat', { instance_id: 'inst-1', session_count: 0, uptime: { ms: 5000, text: '5s' }, started_at: at(0) }, undefined, t);

/** An event of a topic this library does not know. */
export const unknownEvent = (topic: string, payload: unknown, sessionId?: string, t = 0): UnknownEvent => {
  const base = { topic, instanceId: 'inst-1', projectId: '', timestamp: at(t), payload };
  return sessionId === undefined ? base : { ...base, sessionId };
};

/** Events as a plain array, for synchronous runs with `from(...)`. */
export type Events = readonly PandoEvent[];

/** One generated turn: its tokens, and whether it opens with `llm.start` (else its first token opens it). */
interface ScriptTurn {
  readonly withStart: boolean;
  readonly tokens: readonly string[];
  readonly placement: SessionPlacement;
}

const scriptTurn: fc.Arbitrary<ScriptTurn> = fc
  .record({
    withStart: fc.boolean(),
    tokens: fc.array(fc.string({ unit: 'grapheme', maxLength: 4 }), { maxLength: 6 }),
    placement: fc.constantFrom<SessionPlacement>('both', 'envelope', 'payload'),
  })
  // without llm.start, a turn of no token is not a turn at all
  .filter((turn) => turn.withStart || turn.tokens.length > 0);

const sessionEvents = (sessionId: string, script: readonly ScriptTurn[]): PandoEvent[] =>
  script.flatMap(({ withStart, tokens, placement }) => [
    ...(withStart ? [llmStart(sessionId, { placement })] : []),
    ...tokens.map((text) => token(sessionId, text, { placement })),
    llmEnd(sessionId, { placement, tokensIn: tokens.length, tokensOut: 1 }),
  ]);

/** An interleaving of two sequences, chosen by `picks` (true: take from `a`), keeping each in order. */
const interleave = <T>(a: readonly T[], b: readonly T[], picks: readonly boolean[]): T[] => {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  for (const pick of picks) {
    if (pick ? i < a.length : j >= b.length) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return [...out, ...a.slice(i), ...b.slice(j)];
};

/**
 * Any interleaving of two sessions' turns, each closed by `llm.end`, with the texts that each
 * session's turns must have, in order.
 */
export const turnScripts: fc.Arbitrary<{
  readonly events: readonly PandoEvent[];
  readonly expected: ReadonlyMap<string, readonly string[]>;
}> = fc
  .record({ s1: fc.array(scriptTurn, { maxLength: 4 }), s2: fc.array(scriptTurn, { maxLength: 4 }) })
  .chain(({ s1, s2 }) => {
    const a = sessionEvents('s1', s1);
    const b = sessionEvents('s2', s2);
    return fc.array(fc.boolean(), { maxLength: a.length + b.length }).map((picks) => ({
      events: interleave(a, b, picks),
      expected: new Map([
        ['s1', s1.map((turn) => turn.tokens.join(''))],
        ['s2', s2.map((turn) => turn.tokens.join(''))],
      ]),
    }));
  });

// ---------------------------------------------------------------------------------------------
// The three cases every operator spec has (after RxJS's spec/operators/filter-spec.ts)

/**
 * RxJS's synchronous-source case: pipes a hand-made synchronous source of `values` (which
 * checks `subscriber.closed` before each value, as RxJS's own spec source does) through
 * `operator` and `take(taken)`, and returns what was pulled from the source and what came out.
 * An operator that ties its subscription to its subscriber pulls no more than it needs.
 */
export const pullThrough = <T, R>(
  values: readonly T[],
  operator: OperatorFunction<T, R>,
  taken: number,
): { readonly pulled: readonly T[]; readonly emitted: readonly R[] } => {
  const pulled: T[] = [];
  const emitted: R[] = [];
  const source = new Observable<T>((subscriber) => {
    for (let i = 0; !subscriber.closed && i < values.length; i++) {
      pulled.push(values[i]!);
      subscriber.next(values[i]!);
    }
    subscriber.complete();
  });
  source.pipe(operator, take(taken)).subscribe((value) => emitted.push(value));
  return { pulled, emitted };
};

/**
 * RxJS's unsubscription-chain case: the operator between two `mergeMap(of)`, so that an
 * explicit unsubscription must travel through it to reach the source.
 */
export const inChain = <T, R>(operator: OperatorFunction<T, R>): OperatorFunction<T, R> => (source) =>
  source.pipe(
    mergeMap((value: T) => of(value)),
    operator,
    mergeMap((value: R) => of(value)),
  );

/**
 * An event that throws `error` as soon as anything reads it (its topic, its session, its
 * payload): the internal-throw case of an operator, which must surface as the result's error.
 */
export const poisonedEvent = (error: Error): PandoEvent =>
  new Proxy({} as PandoEvent, {
    get: () => {
      throw error;
    },
  });
