import { Observable, from, of } from 'rxjs';
import type { EventOf, PandoEvent } from '../../src/codecs/topics.js';
import { ofTopic } from '../../src/operators/ofTopic.js';
import { heartbeat, inChain, llmEnd, llmStart, poisonedEvent, pullThrough, testScheduler, token, toolStart, unknownEvent } from './helpers.js';

describe('ofTopic', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  const values = {
    t: token('s1', 'Hel', { t: 2 }),
    T: token('s2', 'lo', { t: 4 }),
    h: heartbeat(5),
    e: llmEnd('s1', { t: 8 }),
    s: llmStart('s1', { t: 9 }),
    u: unknownEvent('llm.tokenized', { token: 'x' }, 's1'),
    c: toolStart('s1', 'c1'),
  };

  it('passes only the events of the given topics', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --t-T-h--e-s-u-c--|', values);
      const e1subs = '  ^-----------------!';
      const expected = '--t-T----e--------|';

      expectObservable(e1.pipe(ofTopic('llm.token', 'llm.end'))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('matches one topic exactly, never by prefix', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' --t-u-e-|', values);
      const expected = '--t-----|';

      expectObservable(e1.pipe(ofTopic('llm.token'))).toBe(expected, values);
    });
  });

  it('uses many topics (a Set) as well as few', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' --t-h-e-s-c-u-|', values);
      const expected = '--t---e-s-c---|';

      expectObservable(
        e1.pipe(ofTopic('llm.start', 'llm.token', 'llm.end', 'tool.start', 'tool.end', 'message.append')),
      ).toBe(expected, values);
    });
  });

  it('passes nothing when given no topic', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' --t-e-|', values);
      const expected = '------|';

      expectObservable(e1.pipe(ofTopic())).toBe(expected);
    });
  });

  it('keeps events of every session, interleaved', () => {
    ts.run(({ hot, expectObservable }) => {
      const e1 = hot('  -t-T-t-T-|', values);
      const expected = '-t-T-t-T-|';

      expectObservable(e1.pipe(ofTopic('llm.token'))).toBe(expected, values);
    });
  });

  it('completes with an empty source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' |');
      const e1subs = '  (^!)';
      const expected = '|';

      expectObservable(e1.pipe(ofTopic('llm.token'))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('never emits with a source that never emits', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' -');
      const e1subs = '  ^';
      const expected = '-';

      expectObservable(e1.pipe(ofTopic('llm.token'))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes the source error through', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --t-h-#', values, new Error('boom'));
      const e1subs = '  ^-----!';
      const expected = '--t---#';

      expectObservable(e1.pipe(ofTopic('llm.token'))).toBe(expected, values, new Error('boom'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('unsubscribes from the source early', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --t-h-t-e-t-|', values);
      const unsub = '   -------!     ';
      const e1subs = '  ^------!     ';
      const expected = '--t---t-     ';

      expectObservable(e1.pipe(ofTopic('llm.token')), unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('narrows the event type to the union of the topics', () => {
    const events$: Observable<PandoEvent> = of(values.t, values.h, values.e);
    const narrowed: Observable<EventOf<'llm.token'> | EventOf<'llm.end'>> = events$.pipe(ofTopic('llm.token', 'llm.end'));
    const seen: string[] = [];
    narrowed.subscribe((event) => {
      // The union is discriminated: each branch sees its own payload type.
      if (event.topic === 'llm.token') seen.push(event.payload.token);
      else seen.push(`end:${event.payload.tokens_out}`);
    });
    expect(seen).toEqual(['Hel', 'end:0']);

    const writes = from<PandoEvent[]>([values.t]).pipe(ofTopic('db.session.updated'));
    const typed: Observable<EventOf<'db.session.updated'>> = writes;
    expect(typed).toBeDefined();

    // @ts-expect-error: only known topics can be named
    from<PandoEvent[]>([values.t]).pipe(ofTopic('llm.nonsense'));
  });
});

describe('ofTopic keeps the guarantees of an RxJS operator', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  const boom = new Error('unreadable event');
  const values = { t: token('s1', 'a'), T: token('s2', 'b'), h: heartbeat(1), e: llmEnd('s1'), p: poisonedEvent(boom) };

  it('stops listening to a synchronous source when unsubscribed', () => {
    const events = Array.from({ length: 10 }, (_, i) => token('s1', `t${i}`));
    const { pulled, emitted } = pullThrough(events, ofTopic('llm.token'), 2);

    expect(emitted).toEqual(events.slice(0, 2));
    expect(pulled).toHaveLength(2);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -t-^-t-h-T-e-t-|', values);
      const e1subs = '     ^-------!    ';
      const expected = '   --t---T-     ';
      const unsub = '      --------!    ';

      expectObservable(e1.pipe(inChain(ofTopic('llm.token'))), unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when reading an event throws', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -t-p-t-|', values);
      const e1subs = '  ^--!    ';
      const expected = '-t-#    ';

      expectObservable(e1.pipe(ofTopic('llm.token'))).toBe(expected, values, boom);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});
