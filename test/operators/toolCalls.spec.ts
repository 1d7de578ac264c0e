import * as fc from 'fast-check';
import { Subject, VirtualTimeScheduler, config, from, take } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import type { PandoEvent } from '../../src/codecs/topics.js';
import { LATE_END_MEMORY, parseToolParams, toolCalls, type ToolCall } from '../../src/operators/toolCalls.js';
import { at, heartbeat, inChain, poisonedEvent, pullThrough, testScheduler, token, toolEnd, toolStart } from './helpers.js';

const call = (
  sessionId: string,
  callId: string,
  startedAt: number,
  end?: { at: number; isError?: boolean; result?: string } | 'timed-out' | 'unfinished',
): ToolCall =>
  end === undefined || typeof end === 'string'
    ? { sessionId, callId, toolName: 'bash', params: '{"command":"ls"}', startedAt: at(startedAt), isError: false, status: end ?? 'timed-out' }
    : {
        sessionId,
        callId,
        toolName: 'bash',
        params: '{"command":"ls"}',
        startedAt: at(startedAt),
        endedAt: at(end.at),
        durationMs: end.at - startedAt,
        result: end.result ?? 'ok',
        isError: end.isError ?? false,
        status: end.isError === true ? 'error' : 'ok',
      };

describe('toolCalls', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  it('pairs tool.start and tool.end by call id and emits each call when it ends', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -s-S-h-E-t-e-|', {
        s: toolStart('s1', 'c1', { t: 1 }),
        S: toolStart('s1', 'c2', { t: 3 }),
        h: heartbeat(5),
        E: toolEnd('s1', 'c2', { t: 7, isError: true, result: 'exit 1' }),
        t: token('s1', 'ignored'),
        e: toolEnd('s1', 'c1', { t: 11 }),
      });
      const e1subs = '  ^------------!';
      const expected = '-------Y---X-|';

      expectObservable(e1.pipe(toolCalls())).toBe(expected, {
        X: call('s1', 'c1', 1, { at: 11 }),
        Y: call('s1', 'c2', 3, { at: 7, isError: true, result: 'exit 1' }),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('keeps interleaved sessions apart, even with the same call id', () => {
    ts.run(({ hot, expectObservable }) => {
      const e1 = hot('  -s-S-e-E-|', {
        s: toolStart('s1', 'c1', { t: 1 }),
        S: toolStart('s2', 'c1', { t: 3, placement: 'payload' }),
        e: toolEnd('s1', 'c1', { t: 5 }),
        E: toolEnd('s2', 'c1', { t: 7, placement: 'envelope' }),
      });
      const expected = '-----x-X-|';

      expectObservable(e1.pipe(toolCalls())).toBe(expected, {
        x: call('s1', 'c1', 1, { at: 5 }),
        X: call('s2', 'c1', 3, { at: 7 }),
      });
    });
  });

  it('emits a call as timed-out after timeoutMs with no end, and ignores its late end', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -s-S---e-----E-|', {
        s: toolStart('s1', 'c1', { t: 1 }),
        S: toolStart('s1', 'c2', { t: 3 }),
        e: toolEnd('s1', 'c2', { t: 7 }),
        E: toolEnd('s1', 'c1', { t: 13 }), // late: c1 timed out at 1 + 8
      });
      const expected = '-------y-x-----|';

      expectObservable(e1.pipe(toolCalls({ timeoutMs: 8 }))).toBe(expected, {
        x: call('s1', 'c1', 1),
        y: call('s1', 'c2', 3, { at: 7 }),
      });
    });
  });

  it('emits an end without a start, with its own timestamp and an unknown duration', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -e-|', { e: toolEnd('s1', 'lost', { t: 1, toolName: 'grep', result: 'found' }) });
      const expected = '-x-|';

      expectObservable(e1.pipe(toolCalls())).toBe(expected, {
        x: {
          sessionId: 's1',
          callId: 'lost',
          toolName: 'grep',
          params: '',
          startedAt: at(1),
          endedAt: at(1),
          result: 'found',
          isError: false,
          status: 'ok',
        } satisfies ToolCall,
      });
    });
  });

  it('ignores a second tool.start of a call that is still open', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -s-d-e-|', {
        s: toolStart('s1', 'c1', { t: 1 }),
        d: toolStart('s1', 'c1', { t: 3 }),
        e: toolEnd('s1', 'c1', { t: 5 }),
      });
      const expected = '-----x-|';

      expectObservable(e1.pipe(toolCalls())).toBe(expected, { x: call('s1', 'c1', 1, { at: 5 }) });
    });
  });

  it('emits the calls still open as unfinished (not timed out) when the source completes', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -s-S-|', { s: toolStart('s1', 'c1', { t: 1 }), S: toolStart('s2', 'c2', { t: 3 }) });
      const expected = '-----(xy|)';

      expectObservable(e1.pipe(toolCalls({ timeoutMs: 100 }))).toBe(expected, {
        x: call('s1', 'c1', 1, 'unfinished'),
        y: call('s2', 'c2', 3, 'unfinished'),
      });
    });
  });

  it('completes with an empty source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' |');
      const e1subs = '  (^!)';
      const expected = '|';

      expectObservable(e1.pipe(toolCalls())).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('never emits with a source that never emits', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' -');
      const e1subs = '  ^';
      const expected = '-';

      expectObservable(e1.pipe(toolCalls({ timeoutMs: 5 }))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes the source error through, dropping open calls', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -s-#', { s: toolStart('s1', 'c1', { t: 1 }) }, new Error('gone'));
      const e1subs = '  ^--!';
      const expected = '---#';

      expectObservable(e1.pipe(toolCalls({ timeoutMs: 5 }))).toBe(expected, undefined, new Error('gone'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('unsubscribes from the source early, and no timeout fires after', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -s-e-S-----|', { s: toolStart('s1', 'c1', { t: 1 }), e: toolEnd('s1', 'c1', { t: 3 }), S: toolStart('s1', 'c2', { t: 5 }) });
      const unsub = '   ------!     ';
      const e1subs = '  ^-----!     ';
      const expected = '---x---     ';

      expectObservable(e1.pipe(toolCalls({ timeoutMs: 2 })), unsub).toBe(expected, { x: call('s1', 'c1', 1, { at: 3 }) });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('clears its timers on unsubscribe and on completion', () => {
    const scheduler = new VirtualTimeScheduler();
    const source = new Subject<PandoEvent>();
    const subscription = source.pipe(toolCalls({ timeoutMs: 10, scheduler })).subscribe();
    source.next(toolStart('s1', 'c1'));
    source.next(toolStart('s1', 'c2'));
    expect(scheduler.actions).toHaveLength(2);
    subscription.unsubscribe();
    expect(scheduler.actions).toHaveLength(0);

    const seen: ToolCall[] = [];
    source.pipe(toolCalls({ timeoutMs: 10, scheduler })).subscribe((c) => seen.push(c));
    source.next(toolStart('s1', 'c3'));
    source.complete();
    expect(scheduler.actions).toHaveLength(0);
    expect(seen.map((c) => [c.callId, c.status])).toEqual([['c3', 'unfinished']]);
  });

  it('leaves no timer behind when the subscriber stops during the flush at completion', () => {
    const scheduler = new VirtualTimeScheduler();
    const source = new Subject<PandoEvent>();
    const seen: ToolCall[] = [];
    source.pipe(toolCalls({ timeoutMs: 10, scheduler }), take(1)).subscribe((c) => seen.push(c));
    source.next(toolStart('s1', 'c1'));
    source.next(toolStart('s1', 'c2'));
    source.complete();
    expect(seen.map((c) => [c.callId, c.status])).toEqual([['c1', 'unfinished']]);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('keeps the state of each subscription apart', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -s-e-|', { s: toolStart('s1', 'c1', { t: 1 }), e: toolEnd('s1', 'c1', { t: 3 }) });
      const op = toolCalls();

      expectObservable(e1.pipe(op)).toBe('---x-|', { x: call('s1', 'c1', 1, { at: 3 }) });
      expectObservable(e1.pipe(op)).toBe('---x-|', { x: call('s1', 'c1', 1, { at: 3 }) });
    });
  });

  it('rejects a negative timeoutMs when the operator is made', () => {
    expect(() => toolCalls({ timeoutMs: -1 })).toThrow(RangeError);
  });

  it('property: every started call that ends is emitted once, when it ends, with its duration', () => {
    const script = fc.uniqueArray(fc.record({ start: fc.nat(1000), length: fc.nat(1000), session: fc.constantFrom('s1', 's2') }), {
      selector: (c) => c.start,
      maxLength: 12,
    });
    fc.assert(
      fc.property(script, (calls) => {
        const events = calls
          .flatMap((c, i) => [
            { time: c.start, event: toolStart(c.session, `c${i}`, { t: c.start }) as PandoEvent },
            { time: c.start + c.length + 0.5, event: toolEnd(c.session, `c${i}`, { t: c.start + c.length }) as PandoEvent },
          ])
          .sort((a, b) => a.time - b.time)
          .map((e) => e.event);
        const out: ToolCall[] = [];
        from(events).pipe(toolCalls()).subscribe((c) => out.push(c));
        expect(out.map((c) => c.callId).sort()).toEqual(calls.map((_, i) => `c${i}`).sort());
        for (const c of out) {
          const i = Number(c.callId.slice(1));
          expect(c.sessionId).toBe(calls[i]!.session);
          expect(c.durationMs).toBe(calls[i]!.length);
          expect(c.status).toBe('ok');
        }
        // emitted in the order of their ends
        const ends = out.map((c) => c.endedAt!.getTime());
        expect(ends).toEqual([...ends].sort((a, b) => a - b));
      }),
    );
  });

  it(`remembers the last ${LATE_END_MEMORY} timed-out calls to ignore their late ends, and forgets older ones`, () => {
    const scheduler = new VirtualTimeScheduler();
    const source = new Subject<PandoEvent>();
    const seen: ToolCall[] = [];
    const subscription = source.pipe(toolCalls({ timeoutMs: 10, scheduler })).subscribe((c) => seen.push(c));
    for (let i = 0; i <= LATE_END_MEMORY; i++) source.next(toolStart('s1', `c${i}`));
    scheduler.flush(); // every call times out
    expect(seen).toHaveLength(LATE_END_MEMORY + 1);
    expect(seen.every((c) => c.status === 'timed-out')).toBe(true);
    seen.length = 0;

    source.next(toolEnd('s1', 'c1')); // remembered: its late end is ignored
    source.next(toolEnd('s1', `c${LATE_END_MEMORY}`)); // remembered too
    expect(seen).toEqual([]);
    source.next(toolEnd('s1', 'c0', { t: 7 })); // the oldest, forgotten: an end whose start was not seen
    expect(seen.map((c) => [c.callId, c.status, c.params, c.durationMs])).toEqual([['c0', 'ok', '', undefined]]);
    subscription.unsubscribe();
  });

  it('stops listening to a synchronous source when unsubscribed', () => {
    const events = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? toolStart('s1', `c${i}`) : toolEnd('s1', `c${i - 1}`)));
    const { pulled, emitted } = pullThrough(events, toolCalls({ timeoutMs: 5 }), 2);

    expect(emitted.map((c) => [c.callId, c.status])).toEqual([
      ['c0', 'ok'],
      ['c2', 'ok'],
    ]);
    expect(pulled).toHaveLength(4);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    const values = { s: toolStart('s1', 'c1', { t: 1 }), e: toolEnd('s1', 'c1', { t: 3 }), S: toolStart('s1', 'c2', { t: 5 }) };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -s-^-s-e-S-e-|', values);
      const e1subs = '     ^-------!  ';
      const expected = '   ----x---   ';
      const unsub = '      --------!  ';

      expectObservable(e1.pipe(inChain(toolCalls({ timeoutMs: 3 }))), unsub).toBe(expected, { x: call('s1', 'c1', 1, { at: 3 }) });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when handling an event throws (never config.onUnhandledError)', () => {
    const unhandled: unknown[] = [];
    const saved = config.onUnhandledError;
    config.onUnhandledError = (err) => unhandled.push(err);
    try {
      const endless = { ...toolEnd('s1', 'c1', { t: 3 }), payload: null } as unknown as PandoEvent;
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const e1 = cold(' -s-n-S-|', { s: toolStart('s1', 'c1', { t: 1 }), n: endless, S: toolStart('s1', 'c2', { t: 5 }) });
        const e1subs = '  ^--!    ';
        const expected = '---#    ';

        expectObservable(e1.pipe(toolCalls({ timeoutMs: 10 }))).toBe(expected, undefined, expect.any(TypeError));
        expectSubscriptions(e1.subscriptions).toBe(e1subs);
      });
      expect(unhandled).toEqual([]);
    } finally {
      config.onUnhandledError = saved;
    }
  });

  it('errors the result, and unsubscribes, when reading an event throws', () => {
    const boom = new Error('unreadable event');
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -s-p-|', { s: toolStart('s1', 'c1', { t: 1 }), p: poisonedEvent(boom) });
      const e1subs = '  ^--!  ';
      const expected = '---#  ';

      expectObservable(e1.pipe(toolCalls())).toBe(expected, undefined, boom);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});

describe('parseToolParams', () => {
  it('parses JSON params', () => {
    const parsed = parseToolParams({ params: '{"command":"ls","args":[1,2]}' });
    expect(isRight(parsed) && parsed.right).toEqual({ command: 'ls', args: [1, 2] });
  });

  it('returns a SyntaxError instead of throwing', () => {
    const parsed = parseToolParams({ params: '{"command":' });
    expect(isLeft(parsed)).toBe(true);
    expect(isLeft(parsed) && parsed.left).toBeInstanceOf(SyntaxError);
    expect(isLeft(parseToolParams({ params: '' }))).toBe(true);
  });

  it('takes a whole ToolCall', () => {
    const c = call('s1', 'c1', 0, { at: 1 });
    expect(parseToolParams(c)).toEqual({ _tag: 'Right', right: { command: 'ls' } });
  });
});
