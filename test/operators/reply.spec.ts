import type { PandoEvent } from '../../src/codecs/topics';
import { reply, ReplyTimeoutError, type Reply } from '../../src/operators/reply';
import type { ToolCall } from '../../src/operators/toolCalls';
import { at, inChain, llmEnd, llmStart, poisonedEvent, pullThrough, testScheduler, token, toolEnd, toolStart } from './helpers.js';

const r = (text: string, status: Reply['status'], toolCalls: ToolCall[] = [], tokens: [number, number] = [0, 0]): Reply => ({
  text,
  toolCalls,
  status,
  tokensIn: tokens[0],
  tokensOut: tokens[1],
});

const call = (status: ToolCall['status'], from: number, to?: number): ToolCall => ({
  sessionId: 's1',
  callId: 'c1',
  toolName: 'bash',
  params: '{"command":"ls"}',
  startedAt: at(from),
  isError: false,
  status,
  ...(to === undefined ? {} : { endedAt: at(to), durationMs: to - from, result: 'ok' }),
});

describe('reply', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => (ts = testScheduler()));

  it('emits the text and the tool calls as they grow, then done at llm.end, and completes', () => {
    ts.run(({ cold, expectObservable }) => {
      const events = cold('-s-a-S-E-b-e-', {
        s: llmStart('s1'),
        a: token('s1', 'Hel'),
        S: toolStart('s1', 'c1', { t: 10 }),
        E: toolEnd('s1', 'c1', { t: 250 }),
        b: token('s1', 'lo'),
        e: llmEnd('s1', { tokensIn: 3, tokensOut: 2 }),
      });
      expectObservable(events.pipe(reply({ scheduler: ts }))).toBe('---a-b-c-d-(z|)', {
        a: r('Hel', 'streaming'),
        b: r('Hel', 'streaming', [call('unfinished', 10)]),
        c: r('Hel', 'streaming', [call('ok', 10, 250)]),
        d: r('Hello', 'streaming', [call('ok', 10, 250)]),
        z: r('Hello', 'done', [call('ok', 10, 250)], [3, 2]),
      });
    });
  });

  it('ends interrupted after idleTimeoutMs of silence: an interrupted turn has no llm.end', () => {
    ts.run(({ cold, expectObservable }) => {
      const events = cold('-a 9ms -', { a: token('s1', 'x') });
      expectObservable(events.pipe(reply({ idleTimeoutMs: 20, scheduler: ts }))).toBe('-a 19ms (z|)', {
        a: r('x', 'streaming'),
        z: r('x', 'interrupted'),
      });
    });
  });

  it('fails with ReplyTimeoutError when nothing begins within firstEventTimeoutMs', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<PandoEvent>('-').pipe(reply({ firstEventTimeoutMs: 50, scheduler: ts }))).toBe('50ms #', undefined, new ReplyTimeoutError(50));
    });
  });

  it('ends interrupted when the events end first', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-|', { a: token('s1', 'x') }).pipe(reply({ scheduler: ts }))).toBe('-a-(z|)', {
        a: r('x', 'streaming'),
        z: r('x', 'interrupted'),
      });
    });
  });

  it('passes errors through', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', { a: token('s1', 'x') }).pipe(reply({ scheduler: ts }))).toBe('-a-#', { a: r('x', 'streaming') });
    });
  });

  it('stops listening to a synchronous source when unsubscribed', () => {
    const events = Array.from({ length: 10 }, (_, i) => token('s1', `t${i}`));
    const { pulled, emitted } = pullThrough(events, reply({ idleTimeoutMs: Infinity, firstEventTimeoutMs: Infinity }), 2);
    expect(emitted.map((x) => x.text)).toEqual(['t0', 't0t1']);
    expect(pulled).toHaveLength(2);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-^-a-b-e-|', { a: token('s1', 'x'), b: token('s1', 'y'), e: llmEnd('s1') });
      const e1subs = '     ^---!    ';
      const unsub = '      ----!    ';
      expectObservable(e1.pipe(inChain(reply({ scheduler: ts }))), unsub).toBe('--x-', { x: r('x', 'streaming') });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when reading an event throws', () => {
    const boom = new Error('unreadable event');
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-p-a-|', { a: token('s1', 'x'), p: poisonedEvent(boom) });
      expectObservable(e1.pipe(reply({ scheduler: ts }))).toBe('-x-#', { x: r('x', 'streaming') }, boom);
      expectSubscriptions(e1.subscriptions).toBe('^--!');
    });
  });
});
