import * as fc from 'fast-check';
import { Subject, VirtualTimeScheduler, from } from 'rxjs';
import type { PandoEvent } from '../../src/codecs/topics.js';
import { streamText, type StreamedText } from '../../src/operators/streamText.js';
import type { ToolCall } from '../../src/operators/toolCalls.js';
import { turns, type Turn } from '../../src/operators/turns.js';
import { at, heartbeat, inChain, llmEnd, llmStart, poisonedEvent, pullThrough, testScheduler, token, toolEnd, toolStart, turnScripts } from './helpers.js';

/** A Turn whose timestamps are `at(startedAt)` / `at(endedAt)`. */
const turn = (
  sessionId: string,
  text: string,
  status: Turn['status'],
  startedAt: number,
  endedAt: number,
  more: { tokensIn?: number; tokensOut?: number; toolCalls?: ToolCall[] } = {},
): Turn => ({
  sessionId,
  text,
  tokensIn: more.tokensIn ?? 0,
  tokensOut: more.tokensOut ?? 0,
  toolCalls: more.toolCalls ?? [],
  startedAt: at(startedAt),
  endedAt: at(endedAt),
  status,
});

const okCall = (sessionId: string, callId: string, startedAt: number, endedAt: number): ToolCall => ({
  sessionId,
  callId,
  toolName: 'bash',
  params: '{"command":"ls"}',
  startedAt: at(startedAt),
  endedAt: at(endedAt),
  durationMs: endedAt - startedAt,
  result: 'ok',
  isError: false,
  status: 'ok',
});

/** A call still running when its turn ended: `unfinished`, with no end, duration or result. */
const unfinishedCall = (sessionId: string, callId: string, startedAt: number): ToolCall => ({
  sessionId,
  callId,
  toolName: 'bash',
  params: '{"command":"ls"}',
  startedAt: at(startedAt),
  isError: false,
  status: 'unfinished',
});

describe('turns', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  it('emits each turn when it ends, with its text and token counts', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-b-e-|', {
        a: token('s1', 'Hel', { t: 1 }),
        b: token('s1', 'lo', { t: 3 }),
        e: llmEnd('s1', { t: 5, tokensIn: 12, tokensOut: 2 }),
      });
      const e1subs = '  ^------!';
      const expected = '-----x-|';

      expectObservable(e1.pipe(turns())).toBe(expected, {
        x: turn('s1', 'Hello', 'done', 1, 5, { tokensIn: 12, tokensOut: 2 }),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('lists the tool calls that start inside the turn of their session', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -o-O-a-S-E-T-X-b-e-O-|', {
        o: toolStart('s1', 'before', { t: 1 }), // before any turn: not listed
        O: toolEnd('s1', 'before', { t: 3 }),
        a: token('s1', 'Hel', { t: 5 }),
        S: toolStart('s1', 'c1', { t: 7 }),
        E: toolEnd('s1', 'c1', { t: 9 }),
        T: toolStart('s1', 'c2', { t: 11 }), // still running when the turn ends
        X: toolStart('s2', 'c3', { t: 13 }), // another session's call
        b: token('s1', 'lo', { t: 15 }),
        e: llmEnd('s1', { t: 17 }),
      });
      const expected = '-----------------x---|';

      expectObservable(e1.pipe(turns())).toBe(expected, {
        x: turn('s1', 'Hello', 'done', 5, 17, { toolCalls: [okCall('s1', 'c1', 7, 9), unfinishedCall('s1', 'c2', 11)] }),
      });
    });
  });

  it('keeps interleaved sessions apart', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-A-S-b-E-B-e-F-E-|', {
        a: token('s1', 'one ', { t: 1 }),
        A: token('s2', 'uno ', { t: 3 }),
        S: toolStart('s2', 'c1', { t: 5 }),
        b: token('s1', 'two', { t: 7 }),
        E: toolEnd('s2', 'c1', { t: 9 }),
        B: token('s2', 'dos', { t: 11 }),
        e: llmEnd('s1', { t: 13, tokensOut: 2 }),
        F: llmEnd('s2', { t: 15, tokensOut: 3 }),
      });
      const e1subs = '  ^------------------!';
      const expected = '-------------x-X---|';

      expectObservable(e1.pipe(turns())).toBe(expected, {
        x: turn('s1', 'one two', 'done', 1, 13, { tokensOut: 2 }),
        X: turn('s2', 'uno dos', 'done', 3, 15, { tokensOut: 3, toolCalls: [okCall('s2', 'c1', 5, 9)] }),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('ends a turn as interrupted at a new llm.start, with counts 0', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -s-a-s-b-e-|', {
        s: llmStart('s1', { t: 1 }),
        a: token('s1', 'old', { t: 3 }),
        b: token('s1', 'new', { t: 7 }),
        e: llmEnd('s1', { t: 9, tokensIn: 4, tokensOut: 1 }),
      });
      const expected = '-----i---x-|';

      expectObservable(e1.pipe(turns())).toBe(expected, {
        i: turn('s1', 'old', 'interrupted', 1, 3),
        x: turn('s1', 'new', 'done', 1, 9, { tokensIn: 4, tokensOut: 1 }),
      });
    });
  });

  it('ends a turn as interrupted after idleTimeoutMs of silence of its session', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-S-h-h-h-h-e-|', {
        a: token('s1', 'Hi', { t: 1 }),
        S: toolStart('s1', 'c1', { t: 3 }),
        h: heartbeat(5), // instance-wide: not activity of s1
        e: llmEnd('s1', { t: 13 }), // late: no turn in progress any more, ignored
      });
      const expected = '--------i------|';

      expectObservable(e1.pipe(turns({ idleTimeoutMs: 5 }))).toBe(expected, {
        i: turn('s1', 'Hi', 'interrupted', 1, 3, { toolCalls: [unfinishedCall('s1', 'c1', 3)] }),
      });
    });
  });

  it('emits the turns in progress as interrupted when the source completes', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-A-|', { a: token('s1', 'x', { t: 1 }), A: token('s2', 'y', { t: 3 }) });
      const expected = '-----(iI|)';

      expectObservable(e1.pipe(turns({ idleTimeoutMs: 100 }))).toBe(expected, {
        i: turn('s1', 'x', 'interrupted', 1, 1),
        I: turn('s2', 'y', 'interrupted', 3, 3),
      });
    });
  });

  it('completes with an empty source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' |');
      const e1subs = '  (^!)';
      const expected = '|';

      expectObservable(e1.pipe(turns())).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('never emits with a source that never emits', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' -');
      const e1subs = '  ^';
      const expected = '-';

      expectObservable(e1.pipe(turns({ idleTimeoutMs: 5 }))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes the source error through without flushing', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-#', { a: token('s1', 'x', { t: 1 }) }, new Error('gone'));
      const e1subs = '  ^--!';
      const expected = '---#';

      expectObservable(e1.pipe(turns({ idleTimeoutMs: 5 }))).toBe(expected, undefined, new Error('gone'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('unsubscribes from the source early, and no idle timer fires after', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-e-b-------|', { a: token('s1', 'x', { t: 1 }), e: llmEnd('s1', { t: 3 }), b: token('s1', 'y', { t: 5 }) });
      const unsub = '   ------!       ';
      const e1subs = '  ^-----!       ';
      const expected = '---x---       ';

      expectObservable(e1.pipe(turns({ idleTimeoutMs: 2 })), unsub).toBe(expected, { x: turn('s1', 'x', 'done', 1, 3) });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('clears its idle timers on unsubscribe and on completion', () => {
    const scheduler = new VirtualTimeScheduler();
    const source = new Subject<PandoEvent>();
    const seen: Turn[] = [];
    const subscription = source.pipe(turns({ idleTimeoutMs: 10, scheduler })).subscribe((t) => seen.push(t));
    source.next(token('s1', 'a'));
    expect(scheduler.actions.length).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(scheduler.actions).toHaveLength(0);

    source.pipe(turns({ idleTimeoutMs: 10, scheduler })).subscribe((t) => seen.push(t));
    source.next(token('s1', 'b'));
    source.complete();
    expect(scheduler.actions).toHaveLength(0);
    expect(seen.map((t) => [t.text, t.status])).toEqual([['b', 'interrupted']]);
  });

  it('keeps the state of each subscription apart', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-e-|', { a: token('s1', 'x', { t: 1 }), e: llmEnd('s1', { t: 3 }) });
      const op = turns();

      expectObservable(e1.pipe(op)).toBe('---x-|', { x: turn('s1', 'x', 'done', 1, 3) });
      expectObservable(e1.pipe(op)).toBe('---x-|', { x: turn('s1', 'x', 'done', 1, 3) });
    });
  });

  it('rejects a negative idleTimeoutMs when the operator is made', () => {
    expect(() => turns({ idleTimeoutMs: -5 })).toThrow(RangeError);
  });

  it('property: for any interleaving of two sessions, each session gets the concatenation of its tokens, turn by turn', () => {
    fc.assert(
      fc.property(turnScripts, ({ events, expected }) => {
        const out: Turn[] = [];
        let completed = false;
        from(events).pipe(turns()).subscribe({ next: (t) => out.push(t), complete: () => (completed = true) });
        expect(completed).toBe(true);
        for (const [sessionId, texts] of expected) {
          const mine = out.filter((t) => t.sessionId === sessionId);
          expect(mine.map((t) => t.text)).toEqual(texts);
          expect(mine.every((t) => t.status === 'done' && t.tokensOut === 1)).toBe(true);
        }
        expect(out).toHaveLength([...expected.values()].reduce((n, texts) => n + texts.length, 0));
      }),
    );
  });

  it("property: a turn's text equals streamText's last emission for that turn", () => {
    fc.assert(
      fc.property(turnScripts, ({ events }) => {
        const done: Turn[] = [];
        const finals: StreamedText[] = [];
        from(events).pipe(turns()).subscribe((t) => done.push(t));
        from(events).pipe(streamText()).subscribe((s) => s.status !== 'streaming' && finals.push(s));
        expect(finals.map(({ sessionId, text, status, startedAt, updatedAt }) => [sessionId, text, status, startedAt, updatedAt])).toEqual(
          done.map(({ sessionId, text, status, startedAt, endedAt }) => [sessionId, text, status, startedAt, endedAt]),
        );
      }),
    );
  });

  it('lists a call still running when its turn ends as unfinished, and ignores its end after the turn', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-S-e-E-|', {
        a: token('s1', 'Hi', { t: 1 }),
        S: toolStart('s1', 'c1', { t: 3 }),
        e: llmEnd('s1', { t: 5 }),
        E: toolEnd('s1', 'c1', { t: 7 }), // after the turn: not part of it
      });
      const expected = '-----x---|';

      expectObservable(e1.pipe(turns())).toBe(expected, {
        x: turn('s1', 'Hi', 'done', 1, 5, { toolCalls: [unfinishedCall('s1', 'c1', 3)] }),
      });
    });
  });

  it('stops listening to a synchronous source when unsubscribed', () => {
    const events = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? token('s1', `t${i}`) : llmEnd('s1')));
    const { pulled, emitted } = pullThrough(events, turns(), 2);

    expect(emitted.map((t) => t.text)).toEqual(['t0', 't2']);
    expect(pulled).toHaveLength(4);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    const values = { a: token('s1', 'x', { t: 1 }), e: llmEnd('s1', { t: 3 }), b: token('s1', 'y', { t: 5 }) };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-^-a-e-b-e-|', values);
      const e1subs = '     ^-------!  ';
      const expected = '   ----x---   ';
      const unsub = '      --------!  ';

      expectObservable(e1.pipe(inChain(turns({ idleTimeoutMs: 3 }))), unsub).toBe(expected, { x: turn('s1', 'x', 'done', 1, 3) });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when handling an event throws', () => {
    const startless = { ...toolStart('s1', 'c1', { t: 3 }), payload: null } as unknown as PandoEvent;
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-n-e-|', { a: token('s1', 'x', { t: 1 }), n: startless, e: llmEnd('s1', { t: 5 }) });
      const e1subs = '  ^--!    ';
      const expected = '---#    ';

      expectObservable(e1.pipe(turns({ idleTimeoutMs: 5 }))).toBe(expected, undefined, expect.any(TypeError));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when reading an event throws', () => {
    const boom = new Error('unreadable event');
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-p-e-|', { a: token('s1', 'x', { t: 1 }), p: poisonedEvent(boom), e: llmEnd('s1', { t: 5 }) });
      const e1subs = '  ^--!    ';
      const expected = '---#    ';

      expectObservable(e1.pipe(turns())).toBe(expected, undefined, boom);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});
