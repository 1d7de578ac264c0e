import { Observable, from, of } from 'rxjs';
import type { LlmTokenEvent, PandoEvent } from '../../src/codecs/topics.js';
import { forSession } from '../../src/operators/forSession.js';
import { ofTopic } from '../../src/operators/ofTopic.js';
import { event, heartbeat, inChain, llmEnd, poisonedEvent, pullThrough, sessionUpdate, testScheduler, token, toolStart, unknownEvent } from './helpers.js';

describe('forSession', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  const values = {
    a: token('A', 'x', { t: 1 }),
    b: token('B', 'y', { t: 2 }),
    p: token('B', 'z', { placement: 'payload' }), // no envelope sessionId
    v: token('B', 'w', { placement: 'envelope' }), // no payload session_id
    h: heartbeat(3),
    e: llmEnd('B'),
    c: toolStart('A', 'c1'),
    u: sessionUpdate('B', { placement: 'payload' }), // the session is the payload's id
    U: sessionUpdate('A'),
    x: unknownEvent('future.thing', { session_id: 'B' }), // unknown topic, payload session_id
    X: unknownEvent('future.thing', { session_id: 'B' }, 'A'), // the envelope wins
  };

  it('passes the events of one session, interleaved with others', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-b-h-a-c-b-e-U-|', values);
      const e1subs = '  ^----------------!';
      const expected = '---b-------b-e---|';

      expectObservable(e1.pipe(forSession('B'))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('falls back to the payload when the envelope names no session', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -p-v-u-x-X-|', values);
      const expected = '-p-v-u-x---|';

      expectObservable(e1.pipe(forSession('B'))).toBe(expected, values);
    });
  });

  it('treats an empty envelope sessionId as absent', () => {
    const blank = { ...token('B', 'q'), sessionId: '' };
    const seen: PandoEvent[] = [];
    from<PandoEvent[]>([blank, heartbeat()]).pipe(forSession('B')).subscribe((e) => seen.push(e));
    expect(seen).toEqual([blank]);
    const none: PandoEvent[] = [];
    from<PandoEvent[]>([blank, heartbeat()]).pipe(forSession('')).subscribe((e) => none.push(e));
    expect(none).toEqual([]);
  });

  it('never passes instance-wide events', () => {
    ts.run(({ cold, expectObservable }) => {
      const list = event('session.list', { sessions: [] });
      const e1 = cold(' -h-l-|', { h: heartbeat(), l: list });
      const expected = '-----|';

      expectObservable(e1.pipe(forSession('inst-1'))).toBe(expected);
    });
  });

  it('completes with an empty source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' |');
      const e1subs = '  (^!)';
      const expected = '|';

      expectObservable(e1.pipe(forSession('A'))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('never emits with a source that never emits', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' -');
      const e1subs = '  ^';
      const expected = '-';

      expectObservable(e1.pipe(forSession('A'))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes the source error through', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-b-#', values);
      const e1subs = '  ^----!';
      const expected = '-a---#';

      expectObservable(e1.pipe(forSession('A'))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('unsubscribes from the source early', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-b-a-b-a-|', values);
      const unsub = '   ------!     ';
      const e1subs = '  ^-----!     ';
      const expected = '-a---a-     ';

      expectObservable(e1.pipe(forSession('A')), unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('keeps the input type', () => {
    const tokens$: Observable<LlmTokenEvent> = of(values.a, values.b).pipe(ofTopic('llm.token'), forSession('A'));
    const seen: string[] = [];
    tokens$.subscribe((e) => seen.push(e.payload.token));
    expect(seen).toEqual(['x']);
  });
});

describe('forSession keeps the guarantees of an RxJS operator', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  const boom = new Error('unreadable event');
  const values = { a: token('A', 'x'), b: token('B', 'y'), h: heartbeat(1), p: poisonedEvent(boom) };

  it('stops listening to a synchronous source when unsubscribed', () => {
    const events = Array.from({ length: 10 }, (_, i) => token('A', `t${i}`));
    const { pulled, emitted } = pullThrough(events, forSession('A'), 2);

    expect(emitted).toEqual(events.slice(0, 2));
    expect(pulled).toHaveLength(2);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-^-a-b-h-a-b-a-|', values);
      const e1subs = '     ^---------!    ';
      const expected = '   --a-----a-     ';
      const unsub = '      ----------!    ';

      expectObservable(e1.pipe(inChain(forSession('A'))), unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result, and unsubscribes, when reading an event throws', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-p-a-|', values);
      const e1subs = '  ^--!    ';
      const expected = '-a-#    ';

      expectObservable(e1.pipe(forSession('A'))).toBe(expected, values, boom);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});
