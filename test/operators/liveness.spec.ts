import * as fc from 'fast-check';
import { Subject, VirtualTimeScheduler, take } from 'rxjs';
import type { Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { PandoEvent, ShutdownEvent } from '../../src/codecs/topics';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  defaultLivenessTimeoutMs,
  liveness,
} from '../../src/operators/liveness';
import type { LivenessSignal, LivenessStatus } from '../../src/operators/liveness';
import type { InstanceSignal } from '../../src/operators/signals';
import { inChain, pullThrough } from './helpers';

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

const event = (topic: string, payload: unknown): LivenessSignal => ({
  kind: 'event',
  event: { topic, instanceId: 'inst-1', projectId: '', timestamp: new Date(T0), payload } as PandoEvent,
});

const shutdown: ShutdownEvent = {
  topic: 'instance.shutdown',
  instanceId: 'inst-1',
  projectId: '',
  timestamp: new Date(T0),
  payload: { instance_id: 'inst-1' },
} as ShutdownEvent;

/**
 * Marble values for signals. C: connected, D: disconnected, U: unreachable, h: heartbeat,
 * e: another event, p: pong, x: shutdown.
 */
const S: Record<string, InstanceSignal> = {
  C: { kind: 'connected' },
  D: { kind: 'disconnected' },
  U: { kind: 'unreachable' },
  h: event('instance.heartbeat', {
    instance_id: 'inst-1',
    session_count: 0,
    uptime: { ms: 5000, text: '5s' },
    started_at: new Date(T0),
  }),
  e: event('llm.token', { session_id: 's1', token: 'hi' }),
  p: { kind: 'pong' },
  x: { kind: 'shutdown', event: shutdown },
};

/** Marble values for statuses. */
const V: Record<string, LivenessStatus> = { c: 'connecting', a: 'alive', s: 'stale', d: 'down', u: 'unreachable' };

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
      const e1 = hot('  -C--e--e-------------------e--x--D--e--C------e--U----C--|', S);
      const expected = 'c---a------------s---------a--d--------c------a--u----c--|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 10 }))).toBe(expected, V);
    });
  });

  it('ignores replayed history: an old heartbeat or shutdown neither revives nor kills it, nor restarts the timer', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -C-r-y---h-r---r---|', { ...S, r: { ...(S['h'] as object), replayed: true } as InstanceSignal, y: { kind: 'shutdown', event: shutdown, replayed: true } as InstanceSignal });
      const expected = 'c------s-a-----s---|';

      expectObservable(e1.pipe(liveness({ timeoutMs: 6 }))).toBe(expected, V);
    });
  });

  it('goes down on shutdown, and stays down through the silence after it', () => {
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

  it('goes alive from down after a shutdown on any event or pong (the instance is evidently back)', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -h-x-p-x-e-|', S);
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
    const signals = new Subject<LivenessSignal>(); // the old name, an alias of InstanceSignal
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

  it('leaves no timer behind when its first status already ends the subscription', () => {
    const virtual = new VirtualTimeScheduler();
    const seen: LivenessStatus[] = [];
    new Subject<LivenessSignal>().pipe(liveness({ timeoutMs: 100, scheduler: virtual }), take(1)).subscribe((s) => seen.push(s));
    expect(seen).toEqual(['connecting']);
    expect(virtual.actions).toHaveLength(0);
  });

  it('never emits two equal statuses in a row, and starts connecting (any signals, any timing)', () => {
    const arbMarble = fc
      .array(fc.constantFrom('-', '-', '-', 'C', 'D', 'U', 'h', 'p', 'x', 'e'), { maxLength: 60 })
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

  describe('every transition, one signal at a time (timeoutMs: 50 unless said)', () => {
    /** [what, signals, statuses]; the subscription ends with the signals, before any timeout. */
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ['connecting → alive on an event', '-e', 'ca'],
      ['connecting → alive on a pong', '-p', 'ca'],
      ['connecting → down on shutdown', '-x', 'cd'],
      ['connecting stays connecting on connected', '-C', 'c-'],
      ['connecting → down on disconnected', '-D', 'cd'],
      ['connecting → unreachable on unreachable', '-U', 'cu'],
      ['alive stays alive on an event, a pong, connected', '-Ceep-C', 'c-a----'],
      ['alive → down on shutdown', '-Cex', 'c-ad'],
      ['alive → down on disconnected', '-CeD', 'c-ad'],
      ['alive → unreachable on unreachable', '-CeU', 'c-au'],
      ['down (dropped) ignores the events and pongs still queued', '-CeDepe', 'c-ad---'],
      ['down (dropped) stays down on shutdown and disconnected', '-CeDxD', 'c-ad--'],
      ['down (dropped) → connecting on connected, then alive on an event', '-CeDeCe', 'c-ad-ca'],
      ['down (dropped) → unreachable on unreachable', '-CeDU', 'c-adu'],
      ['down (shutdown) → alive on an event or a pong while connected', '-Cexp', 'c-ada'],
      ['down (shutdown) → connecting on connected', '-CexC', 'c-adc'],
      ['unreachable ignores events, pongs and disconnected', '-CeUepD', 'c-au---'],
      ['unreachable → down on shutdown', '-CeUx', 'c-aud'],
      ['unreachable → connecting on connected, then alive on an event', '-CeUeCe', 'c-au-ca'],
      ['unreachable stays unreachable on unreachable', '-UU', 'cu-'],
      ['unreachable from the start → connecting on connected', '-UC', 'cuc'],
    ];

    it.each(cases)('%s', (_, signals, statuses) => {
      testScheduler.run(({ hot, expectObservable }) => {
        const until = `^${'-'.repeat(signals.length - 1)}!`;
        expectObservable(hot(signals, S).pipe(liveness({ timeoutMs: 50 })), until).toBe(statuses, V);
      });
    });

    /** [what, signals, statuses] with timeoutMs: 5, watched for 30 frames. */
    const timed: ReadonlyArray<readonly [string, string, string]> = [
      ['alive → stale on silence', '-Ce', 'c-a----s'],
      ['connecting → stale on silence when connected', '-C', 'c-----s'],
      ['connecting → down on silence when never connected', '-', 'c----d'],
      ['stale → alive on an event (and stale again after more silence)', '-Ce-----e', 'c-a----sa----s'],
      ['stale → alive on a pong (and stale again after more silence)', '-Ce-----p', 'c-a----sa----s'],
      ['stale stays stale on connected', '-Ce-----C', 'c-a----s-'],
      ['stale → down on disconnected', '-Ce-----D', 'c-a----sd'],
      ['stale → down on shutdown', '-Ce-----x', 'c-a----sd'],
      ['stale → unreachable on unreachable', '-Ce-----U', 'c-a----su'],
      ['down stays down through silence', '-CeD', 'c-ad'],
      ['unreachable stays unreachable through silence', '-CeU', 'c-au'],
      ['connecting after unreachable → stale on silence', '-CeUC', 'c-auc----s'],
    ];

    it.each(timed)('%s', (_, signals, statuses) => {
      testScheduler.run(({ hot, expectObservable }) => {
        expectObservable(hot(signals, S).pipe(liveness({ timeoutMs: 5 })), '^ 29ms !').toBe(statuses, V);
      });
    });
  });

  it('stops listening to a synchronous source when unsubscribed', () => {
    const signals: InstanceSignal[] = [S.C!, ...Array.from({ length: 9 }, () => S.h!)];
    const { pulled, emitted } = pullThrough(signals, liveness({ timeoutMs: 5 }), 2);

    expect(emitted).toEqual(['connecting', 'alive']);
    expect(pulled).toHaveLength(2);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -h-^-C-h-D-C-h-|', S);
      const e1subs = '     ^-------!    ';
      const expected = '   c---a-d-     ';
      const unsub = '      --------!    ';

      expectObservable(e1.pipe(inChain(liveness({ timeoutMs: 50 }))), unsub).toBe(expected, V);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result with a TypeError naming a signal of an unknown kind, and unsubscribes', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -C-h-?-h-|', { ...S, '?': { kind: 'reconnected' } as unknown as InstanceSignal });
      const e1subs = '  ^----!    ';
      const expected = 'c--a-#    ';

      expectObservable(e1.pipe(liveness({ timeoutMs: 50 }))).toBe(expected, V, new TypeError('liveness: unknown signal kind "reconnected"'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors the result when reading a signal throws', () => {
    const boom = new Error('unreadable signal');
    const poisoned = new Proxy({} as InstanceSignal, {
      get: () => {
        throw boom;
      },
    });
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -h-p-h-|', { ...S, p: poisoned });
      const e1subs = '  ^--!    ';
      const expected = 'ca-#    ';

      expectObservable(e1.pipe(liveness({ timeoutMs: 50 }))).toBe(expected, V, boom);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});
