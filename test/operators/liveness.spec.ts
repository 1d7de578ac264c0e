import * as fc from 'fast-check';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import type { Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { PandoEvent } from '../../src/codecs';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  defaultLivenessTimeoutMs,
  liveness,
} from '../../src/operators/liveness';
import type { LivenessSignal, LivenessStatus } from '../../src/operators/liveness';

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

const event = (topic: string, payload: unknown): LivenessSignal => ({
  kind: 'event',
  event: { topic, instanceId: 'inst-1', projectId: '', timestamp: new Date(T0), payload } as PandoEvent,
});

/**
 * Marble values for signals. C: connected, D: disconnected, h: heartbeat, e: another event,
 * p: pong, x: instance.shutdown.
 */
const S: Record<string, LivenessSignal> = {
  C: { kind: 'connected' },
  D: { kind: 'disconnected' },
  h: event('instance.heartbeat', {
    instance_id: 'inst-1',
    session_count: 0,
    uptime: { ms: 5000, text: '5s' },
    started_at: new Date(T0),
  }),
  e: event('llm.token', { session_id: 's1', token: 'hi' }),
  p: { kind: 'pong' },
  x: event('instance.shutdown', { instance_id: 'inst-1' }),
};

/** Marble values for statuses. */
const V: Record<string, LivenessStatus> = { c: 'connecting', a: 'alive', s: 'stale', d: 'down' };

describe('liveness', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('exports the heartbeat interval and a timeout of three intervals', () => {
    expect(DEFAULT_HEARTBEAT_INTERVAL_MS).toBe(5000);
    expect(defaultLivenessTimeoutMs()).toBe(15_000);
    expect(defaultLivenessTimeoutMs(1000)).toBe(3000);
  });

  it('refuses a timeout that is not a positive finite number', () => {
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => liveness({ timeoutMs })).toThrow(RangeError);
    }
  });

  it('goes connecting → alive → stale → alive', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -C-h-----------p--|', S);
      const e1subs = '  ^-----------------!';
      const expected = 'c--a----s------a--|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 }))).toBe(expected, V);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('follows the sketch of its doc comment', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -C--e--e-------------------e--x--D--C------e--|', S);
      const expected = 'c---a------------s---------a--d-----c------a--|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 10 }))).toBe(expected, V);
    });
  });

  it('goes down on instance.shutdown, and stays down through the silence after it', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -C-h-x--------------------|', S);
      const expected = 'c--a-d--------------------|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 }))).toBe(expected, V);
    });
  });

  it('goes down on a dropped connection (no shutdown event), connecting when it is back, alive at the next heartbeat', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -C-h-D----C--h--|', S);
      const expected = 'c--a-d----c--a--|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 }))).toBe(expected, V);
    });
  });

  it('is stale when the connection is back but the instance stays silent', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -C-h-D--C-------', S);
      const expected = 'c--a-d--c----s--';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 }))).toBe(expected, V);
    });
  });

  it('restarts the timer at each event and pong', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -C-h---e---p---h---h-------|', S);
      const expected = 'c--a--------------------s--|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 }))).toBe(expected, V);
    });
  });

  it('while connecting, times out to stale when connected and to down when never connected', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const connected = hot('  --C------', S);
      const never = hot('      ---------', S);
      expectObservable(connected.pipe(liveness({ timeoutMs: 5 }))).toBe('c------s-', V);
      expectObservable(never.pipe(liveness({ timeoutMs: 5 }))).toBe('    c----d---', V);
    });
  });

  it('goes alive from down on any event or pong (the instance is evidently back)', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -h-D-p-x-e-|', S);
      const expected = 'ca-d-a-d-a-|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 50 }))).toBe(expected, V);
    });
  });

  it('emits distinct values only', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      // Repeated connected while connecting, events while alive, drops while down: no repeats.
      const e1 = hot('  -CC-hhpe-DD-x-C-C-|', S);
      const expected = 'c---a----d----c---|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 50 }))).toBe(expected, V);
    });
  });

  it('emits connecting and completes on an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' |', S);
      const e1subs = '  (^!)';
      const expected = '(c|)';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 }))).toBe(expected, V);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('emits connecting, then down after the timeout, on a never source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -', S);
      const e1subs = '  ^';
      const expected = 'c 4ms d';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 }))).toBe(expected, V);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes an error through', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --h--#', S);
      const e1subs = '  ^----!';
      const expected = 'c-a--#';

      expectObservable(e1.pipe(liveness({ timeoutMs: 50 }))).toBe(expected, V);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('allows unsubscribing early and explicitly', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -C-h---------|', S);
      const unsub = '   ------!       ';
      const e1subs = '  ^-----!       ';
      const expected = 'c--a---       ';

      expectObservable(e1.pipe(liveness({ timeoutMs: 5 })), unsub).toBe(expected, V);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('keeps state per subscription: a late subscriber starts connecting', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('   -C-h-----h---|', S);
      const late = '     ------^-------';
      const watched = e1.pipe(liveness({ timeoutMs: 50 }));

      expectObservable(watched).toBe('c--a---------|', V);
      expectObservable(watched, late).toBe('------c--a---|', V);
    });
  });

  it('drives its timer on the given scheduler, and cancels it on unsubscribe', () => {
    const virtual = new VirtualTimeScheduler();
    const schedule = jest.spyOn(virtual, 'schedule');
    const timers = (): Subscription[] => schedule.mock.results.map((r) => r.value as Subscription);
    const signals = new Subject<LivenessSignal>();
    const seen: LivenessStatus[] = [];
    const sub = signals.pipe(liveness({ timeoutMs: 100, scheduler: virtual })).subscribe((s) => seen.push(s));

    signals.next({ kind: 'connected' });
    signals.next(S.h!);
    expect(seen).toEqual(['connecting', 'alive']);
    virtual.flush(); // runs the 100 ms of silence at once, in virtual time
    expect(seen).toEqual(['connecting', 'alive', 'stale']);

    signals.next({ kind: 'pong' });
    expect(seen).toEqual(['connecting', 'alive', 'stale', 'alive']);
    sub.unsubscribe();
    expect(timers()).toHaveLength(4); // at subscription, connected, heartbeat, pong
    expect(timers()[3]!.closed).toBe(true); // the pending one was cancelled
    virtual.flush();
    expect(seen).toEqual(['connecting', 'alive', 'stale', 'alive']);
  });

  it('never emits two equal statuses in a row, and starts connecting (any signals, any timing)', () => {
    const arbMarble = fc
      .array(fc.constantFrom('-', '-', '-', 'C', 'D', 'h', 'p', 'x', 'e'), { maxLength: 60 })
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(arbMarble, fc.integer({ min: 1, max: 8 }), (marble, timeoutMs) => {
        const seen: LivenessStatus[] = [];
        new TestScheduler(() => undefined).run(({ cold, flush }) => {
          cold(`${marble}|`, S)
            .pipe(liveness({ timeoutMs }))
            .subscribe((s) => seen.push(s));
          flush();
        });
        expect(seen[0]).toBe('connecting');
        for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
      }),
    );
  });
});
