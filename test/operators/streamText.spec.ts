import * as fc from 'fast-check';
import { Subject, VirtualTimeScheduler, from } from 'rxjs';
import type { PandoEvent } from '../../src/codecs/topics.js';
import { streamText, type StreamedText, type StreamedTextStatus } from '../../src/operators/streamText.js';
import { at, heartbeat, inChain, llmEnd, llmStart, messageAppend, poisonedEvent, pullThrough, testScheduler, token, toolEnd, toolStart, turnScripts } from './helpers.js';

/** A StreamedText whose timestamps are `at(startedAt)` / `at(updatedAt)`. */
const st = (sessionId: string, text: string, status: StreamedTextStatus, startedAt: number, updatedAt: number): StreamedText => ({
  sessionId,
  text,
  status,
  startedAt: at(startedAt),
  updatedAt: at(updatedAt),
});

describe('streamText', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  it('emits the growing text on every token, then once more when the turn is done', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-b-e-|', { a: token('s1', 'Hel', { t: 1 }), b: token('s1', 'lo', { t: 3 }), e: llmEnd('s1', { t: 5 }) });
      const e1subs = '  ^------!';
      const expected = '-x-y-z-|';

      expectObservable(e1.pipe(streamText())).toBe(expected, {
        x: st('s1', 'Hel', 'streaming', 1, 1),
        y: st('s1', 'Hello', 'streaming', 1, 3),
        z: st('s1', 'Hello', 'done', 1, 5),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('starts a turn at llm.start, which itself emits nothing', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -s-a-e-s-e-|', {
        s: llmStart('s1', { t: 1 }),
        a: token('s1', 'Hi', { t: 3 }),
        e: llmEnd('s1', { t: 5 }),
      });
      const expected = '---x-y---z-|';

      expectObservable(e1.pipe(streamText())).toBe(expected, {
        x: st('s1', 'Hi', 'streaming', 1, 3),
        y: st('s1', 'Hi', 'done', 1, 5),
        // a turn with llm.start and no token is a turn with empty text
        z: st('s1', '', 'done', 1, 5),
      });
    });
  });

  it('ends a turn in progress as interrupted at a new llm.start', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-s-b-e-|', {
        a: token('s1', 'old', { t: 1 }),
        s: llmStart('s1', { t: 3 }),
        b: token('s1', 'new', { t: 5 }),
        e: llmEnd('s1', { t: 7 }),
      });
      const expected = '-x-i-y-z-|';

      expectObservable(e1.pipe(streamText())).toBe(expected, {
        x: st('s1', 'old', 'streaming', 1, 1),
        i: st('s1', 'old', 'interrupted', 1, 1),
        y: st('s1', 'new', 'streaming', 3, 5),
        z: st('s1', 'new', 'done', 3, 7),
      });
    });
  });

  it('builds one text per session from interleaved tokens', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-A-b-e-B-E-|', {
        a: token('s1', 'one ', { t: 1 }),
        A: token('s2', 'uno ', { t: 3 }),
        b: token('s1', 'two', { t: 5 }),
        e: llmEnd('s1', { t: 7 }),
        B: token('s2', 'dos', { t: 9 }),
        E: llmEnd('s2', { t: 11 }),
      });
      const e1subs = '  ^------------!';
      const expected = '-x-X-y-z-Y-Z-|';

      expectObservable(e1.pipe(streamText())).toBe(expected, {
        x: st('s1', 'one ', 'streaming', 1, 1),
        X: st('s2', 'uno ', 'streaming', 3, 3),
        y: st('s1', 'one two', 'streaming', 1, 5),
        z: st('s1', 'one two', 'done', 1, 7),
        Y: st('s2', 'uno dos', 'streaming', 3, 9),
        Z: st('s2', 'uno dos', 'done', 3, 11),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('ignores other topics, stray llm.end and events without a session', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -e-h-c-m-a-|', {
        e: llmEnd('s1'),
        h: heartbeat(),
        c: toolStart('s1', 'c1'),
        m: messageAppend('s1', 'hello'),
        a: token('s1', 'x', { t: 9, placement: 'payload' }),
      });
      const expected = '---------x-(y|)';

      expectObservable(e1.pipe(streamText())).toBe(expected, {
        x: st('s1', 'x', 'streaming', 9, 9),
        y: st('s1', 'x', 'interrupted', 9, 9),
      });
    });
  });

  it('ends a turn as interrupted after idleTimeoutMs of silence of its session', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-b-A-A-A------b-e-e-|', {
        a: token('s1', 'Hel', { t: 1 }),
        b: token('s1', 'lo', { t: 3 }),
        A: token('s2', '.', { t: 5 }), // another session's events do not keep s1 alive
        e: llmEnd('s1', { t: 19 }),
      });
      const expected = '-x-y-X-YiZ----I-z-w---|';
      // s1: last token at 3, + 5 ms of silence → interrupted at 8; s2: last token at 9 → at 14

      expectObservable(e1.pipe(streamText({ idleTimeoutMs: 5 }))).toBe(expected, {
        x: st('s1', 'Hel', 'streaming', 1, 1),
        y: st('s1', 'Hello', 'streaming', 1, 3),
        X: st('s2', '.', 'streaming', 5, 5),
        Y: st('s2', '..', 'streaming', 5, 5),
        i: st('s1', 'Hello', 'interrupted', 1, 3),
        Z: st('s2', '...', 'streaming', 5, 5),
        I: st('s2', '...', 'interrupted', 5, 5),
        // a token after the interruption starts a new turn; the llm.end after it ends that turn,
        // and the second llm.end, with no turn in progress, is ignored
        z: st('s1', 'lo', 'streaming', 3, 3),
        w: st('s1', 'lo', 'done', 3, 19),
      });
    });
  });

  it('counts any event of the session as activity for the idle timeout', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a---c---d---------|', {
        a: token('s1', 'Hi', { t: 1 }),
        c: toolStart('s1', 'c1', { t: 5 }),
        d: toolEnd('s1', 'c1', { t: 9 }),
      });
      const expected = '-x------------i----|';

      expectObservable(e1.pipe(streamText({ idleTimeoutMs: 5 }))).toBe(expected, {
        x: st('s1', 'Hi', 'streaming', 1, 1),
        i: st('s1', 'Hi', 'interrupted', 1, 9),
      });
    });
  });

  it('interrupts turns in progress when the source completes', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-A-|', { a: token('s1', 'x', { t: 1 }), A: token('s2', 'y', { t: 3 }) });
      const expected = '-x-X-(iI|)';

      expectObservable(e1.pipe(streamText({ idleTimeoutMs: 100 }))).toBe(expected, {
        x: st('s1', 'x', 'streaming', 1, 1),
        X: st('s2', 'y', 'streaming', 3, 3),
        i: st('s1', 'x', 'interrupted', 1, 1),
        I: st('s2', 'y', 'interrupted', 3, 3),
      });
    });
  });

  it('completes with an empty source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' |');
      const e1subs = '  (^!)';
      const expected = '|';

      expectObservable(e1.pipe(streamText())).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('never emits with a source that never emits', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' -');
      const e1subs = '  ^';
      const expected = '-';

      expectObservable(e1.pipe(streamText({ idleTimeoutMs: 5 }))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes the source error through without flushing', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-#', { a: token('s1', 'x', { t: 1 }) }, new Error('gone'));
      const e1subs = '  ^--!';
      const expected = '-x-#';

      expectObservable(e1.pipe(streamText({ idleTimeoutMs: 5 }))).toBe(expected, { x: st('s1', 'x', 'streaming', 1, 1) }, new Error('gone'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('unsubscribes from the source early, and no idle timer fires after', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-b-------|', { a: token('s1', 'x', { t: 1 }), b: token('s1', 'y', { t: 3 }) });
      const unsub = '   ----!       ';
      const e1subs = '  ^---!       ';
      const expected = '-x-y-       ';

      expectObservable(e1.pipe(streamText({ idleTimeoutMs: 2 })), unsub).toBe(expected, {
        x: st('s1', 'x', 'streaming', 1, 1),
        y: st('s1', 'xy', 'streaming', 1, 3),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('clears its idle timers on unsubscribe and on completion', () => {
    const scheduler = new VirtualTimeScheduler();
    const source = new Subject<PandoEvent>();
    const seen: StreamedText[] = [];
    const subscription = source.pipe(streamText({ idleTimeoutMs: 10, scheduler })).subscribe((s) => seen.push(s));
    source.next(token('s1', 'a'));
    source.next(token('s2', 'b'));
    expect(scheduler.actions.length).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(scheduler.actions).toHaveLength(0);

    source.pipe(streamText({ idleTimeoutMs: 10, scheduler })).subscribe((s) => seen.push(s));
    source.next(token('s1', 'a'));
    source.complete();
    expect(scheduler.actions).toHaveLength(0);
    scheduler.flush();
    expect(seen.map((s) => s.status)).toEqual(['streaming', 'streaming', 'streaming', 'interrupted']);
  });

  it('keeps the state of each subscription apart', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-b-|', { a: token('s1', 'x', { t: 1 }), b: token('s1', 'y', { t: 3 }) });
      const op = streamText();
      const values = { x: st('s1', 'x', 'streaming', 1, 1), y: st('s1', 'xy', 'streaming', 1, 3), i: st('s1', 'xy', 'interrupted', 1, 3) };

      expectObservable(e1.pipe(op)).toBe('-x-y-(i|)', values);
      expectObservable(e1.pipe(op)).toBe('-x-y-(i|)', values);
    });
  });

  it('rejects a negative idleTimeoutMs when the operator is made', () => {
    expect(() => streamText({ idleTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => streamText({ idleTimeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => streamText({ idleTimeoutMs: Infinity })).not.toThrow();
  });

  it('property: per turn, texts grow by each token and the last emission is the whole text', () => {
    fc.assert(
      fc.property(turnScripts, ({ events, expected }) => {
        const out: StreamedText[] = [];
        from(events).pipe(streamText()).subscribe((s) => out.push(s));
        for (const [sessionId, texts] of expected) {
          const mine = out.filter((s) => s.sessionId === sessionId);
          const finals = mine.filter((s) => s.status !== 'streaming');
          expect(finals.map((s) => s.text)).toEqual(texts);
          expect(finals.every((s) => s.status === 'done')).toBe(true);
          // between two ends, each streaming text extends the previous one
          let previous = '';
          for (const s of mine) {
            expect(s.text.startsWith(previous)).toBe(true);
            previous = s.status === 'streaming' ? s.text : '';
          }
        }
        expect(out.every((s) => expected.has(s.sessionId))).toBe(true);
      }),
    );
  });

  it('stops listening to a synchronous source when unsubscribed', () => {
    const events = Array.from({ length: 10 }, (_, i) => token('s1', `t${i}`));
    const { pulled, emitted } = pullThrough(events, streamText(), 2);

    expect(emitted.map((s) => s.text)).toEqual(['t0', 't0t1']);
    expect(pulled).toHaveLength(2);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    const values = { a: token('s1', 'x', { t: 1 }), b: token('s1', 'y', { t: 3 }), e: llmEnd('s1', { t: 5 }) };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-^-a-b-e-a-|', values);
      const e1subs = '     ^-----!    ';
      const expected = '   --x-y-     ';
      const unsub = '      ------!    ';

      expectObservable(e1.pipe(inChain(streamText())), unsub).toBe(expected, {
        x: st('s1', 'x', 'streaming', 1, 1),
        y: st('s1', 'xy', 'streaming', 1, 3),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when handling an event throws', () => {
    const tokenless = { ...token('s1', 'y', { t: 3 }), payload: null } as unknown as PandoEvent;
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-n-a-|', { a: token('s1', 'x', { t: 1 }), n: tokenless });
      const e1subs = '  ^--!    ';
      const expected = '-x-#    ';

      expectObservable(e1.pipe(streamText({ idleTimeoutMs: 5 }))).toBe(expected, { x: st('s1', 'x', 'streaming', 1, 1) }, expect.any(TypeError));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when reading an event throws', () => {
    const boom = new Error('unreadable event');
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-p-a-|', { a: token('s1', 'x', { t: 1 }), p: poisonedEvent(boom) });
      const e1subs = '  ^--!    ';
      const expected = '-x-#    ';

      expectObservable(e1.pipe(streamText())).toBe(expected, { x: st('s1', 'x', 'streaming', 1, 1) }, boom);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});
