import { TestScheduler } from 'rxjs/testing';
import { map, take, takeUntil, timer } from 'rxjs';
import { FakeTransport } from '../../src/observables/fake-transport';
import type { DealerSignal, SubscriberSignal } from '../../src/observables/transport';

const decoder = new TextDecoder();

/** A signal as a short string, for marble values. */
function show(signal: SubscriberSignal | DealerSignal): string {
  switch (signal.kind) {
    case 'frame':
    case 'reply':
      return `${signal.kind}:${decoder.decode(signal.frame)}`;
    default:
      return `${signal.kind}:${signal.endpoint}`;
  }
}

describe('FakeTransport', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  describe('subscriber', () => {
    it('opens a socket per subscription, with its endpoint and prefixes, and records when it closes', () => {
      const transport = new FakeTransport();
      testScheduler.run(({ expectObservable, cold }) => {
        const source = transport.subscriber('tcp://pub', ['llm.', 'session.update\u0000']);
        expect(transport.subscribers).toHaveLength(0); // cold

        expectObservable(cold('--a|').pipe(map(() => transport.openSubscribers().length))).toBe('--a|', { a: 2 });
        expectObservable(source, '^---!').toBe('');
        expectObservable(source.pipe(takeUntil(timer(6)))).toBe('------|');
      });

      expect(transport.subscribers).toHaveLength(2);
      const [first, second] = transport.subscribers;
      expect(first?.endpoint).toBe('tcp://pub');
      expect(first?.prefixes).toEqual(['llm.', 'session.update\u0000']);
      expect(first?.openedAt).toBe(0);
      expect(first?.closedAt).toBe(4);
      expect(second?.closedAt).toBe(6);
      expect(transport.openSubscribers()).toEqual([]);
    });

    it('delivers pushed frames and connection signals in virtual time', () => {
      const transport = new FakeTransport();
      testScheduler.run(({ expectObservable }) => {
        expectObservable(transport.subscriber('tcp://pub', ['']).pipe(map(show))).toBe('-a-b-c-d', {
          a: 'connected:tcp://pub',
          b: 'frame:llm.token\u0000{}',
          c: 'disconnected:tcp://pub',
          d: 'connected:tcp://pub',
        });
        testScheduler.schedule(() => transport.subscribers[0]?.connect(), 1);
        testScheduler.schedule(() => transport.subscribers[0]?.push('llm.token\u0000{}'), 3);
        testScheduler.schedule(() => transport.subscribers[0]?.disconnect(), 5);
        testScheduler.schedule(() => transport.subscribers[0]?.connect(), 7);
      });
    });

    it('filters frames by byte prefix, like a SUB socket', () => {
      const transport = new FakeTransport();
      testScheduler.run(({ expectObservable }) => {
        expectObservable(transport.subscriber('tcp://pub', ['llm.token\u0000']).pipe(map(show))).toBe('---b', {
          b: 'frame:llm.token\u0000{"n":1}',
        });
        expectObservable(transport.subscriber('tcp://pub', []).pipe(map(show))).toBe('');
        expectObservable(transport.subscriber('tcp://other', ['']).pipe(map(show))).toBe('');
        testScheduler.schedule(() => {
          expect(transport.publish('tcp://pub', 'llm.tokenizer\u0000{}')).toBe(0);
        }, 1);
        testScheduler.schedule(() => {
          expect(transport.publish('tcp://pub', new TextEncoder().encode('llm.token\u0000{"n":1}'))).toBe(1);
        }, 3);
      });
    });

    it('follows an Observable of prefixes on the same socket, and fails with it', () => {
      const transport = new FakeTransport();
      const boom = new Error('prefixes failed');
      testScheduler.run(({ cold, expectObservable }) => {
        const prefixes = cold('a--b-----#', { a: ['llm.'], b: ['session.', 'session.'] }, boom);
        expectObservable(transport.subscriber('tcp://pub', prefixes).pipe(map(show))).toBe(
          '-x---y---#',
          { x: 'frame:llm.token\u0000{}', y: 'frame:session.update\u0000{}' },
          boom,
        );
        testScheduler.schedule(() => transport.publish('tcp://pub', 'llm.token\u0000{}'), 1);
        testScheduler.schedule(() => transport.publish('tcp://pub', 'llm.token\u0000{}'), 4);
        testScheduler.schedule(() => transport.publish('tcp://pub', 'session.update\u0000{}'), 5);
      });
      expect(transport.subscribers).toHaveLength(1); // one socket throughout
      const socket = transport.subscribers[0];
      expect(socket?.prefixHistory).toEqual([['llm.'], ['session.', 'session.']]);
      expect(socket?.closedAt).toBe(9);
    });

    it('passes a Uint8Array frame through as it is', () => {
      const transport = new FakeTransport();
      const frame = new TextEncoder().encode('a\u0000{}');
      const seen: SubscriberSignal[] = [];
      const subscription = transport.subscriber('tcp://pub', ['a']).subscribe((s) => seen.push(s));
      transport.subscribers[0]?.push(frame);
      subscription.unsubscribe();
      expect(seen).toEqual([{ kind: 'frame', frame }]);
      expect(seen[0]?.kind === 'frame' && seen[0].frame).toBe(frame);
    });

    it('closes the socket when the consumer takes what it needs, and refuses pushes after', () => {
      const transport = new FakeTransport();
      testScheduler.run(({ expectObservable }) => {
        expectObservable(transport.subscriber('tcp://pub', ['']).pipe(take(1), map(show))).toBe('--(a|)', {
          a: 'connected:tcp://pub',
        });
        testScheduler.schedule(() => transport.subscribers[0]?.connect(), 2);
      });
      const socket = transport.subscribers[0];
      expect(socket?.closed).toBe(true);
      expect(socket?.closedAt).toBe(2);
      expect(() => socket?.push('x')).toThrow(/closed/);
    });

    it('can fail the stream, which closes the socket', () => {
      const transport = new FakeTransport();
      const boom = new Error('boom');
      testScheduler.run(({ expectObservable }) => {
        expectObservable(transport.subscriber('tcp://pub', [''])).toBe('---#', undefined, boom);
        testScheduler.schedule(() => transport.subscribers[0]?.fail(boom), 3);
      });
      expect(transport.subscribers[0]?.closedAt).toBe(3);
    });
  });

  describe('dealer', () => {
    it('queues requests while disconnected and sends them in order on connect', () => {
      const transport = new FakeTransport();
      const dealer = transport.dealer('tcp://rpc');
      expect(transport.dealers).toEqual([dealer]);
      expect(dealer.connected).toBe(false);

      dealer.send('{"id":"1"}');
      dealer.send('{"id":"2"}');
      expect(dealer.sent).toEqual([]);
      expect(dealer.queued).toEqual(['{"id":"1"}', '{"id":"2"}']);

      dealer.connect();
      expect(dealer.sent).toEqual(['{"id":"1"}', '{"id":"2"}']);
      expect(dealer.queued).toEqual([]);

      dealer.send('{"id":"3"}'); // connected: leaves at once
      expect(dealer.sent).toEqual(['{"id":"1"}', '{"id":"2"}', '{"id":"3"}']);

      dealer.disconnect();
      dealer.send('{"id":"4"}');
      expect(dealer.queued).toEqual(['{"id":"4"}']);
    });

    it('cancel() withdraws a queued request (true) but not a sent one (false)', () => {
      const transport = new FakeTransport();
      const dealer = transport.dealer('tcp://rpc');
      const a = dealer.send('{"id":"a"}');
      const b = dealer.send('{"id":"b"}');
      expect(a.cancel()).toBe(true);
      expect(a.cancel()).toBe(true);
      dealer.connect();
      expect(dealer.sent).toEqual(['{"id":"b"}']);
      expect(b.cancel()).toBe(false);
    });

    it('emits pushed replies and connection signals on signals$ (hot), in virtual time', () => {
      const transport = new FakeTransport();
      testScheduler.run(({ expectObservable }) => {
        const dealer = transport.dealer('tcp://rpc');
        // Subscribed at frame 2: the signal pushed at frame 1 is gone (hot, no replay).
        expectObservable(dealer.signals$.pipe(map(show)), '--^------!').toBe('---a-b-c', {
          a: 'reply:{"id":"1","result":{}}',
          b: 'disconnected:tcp://rpc',
          c: 'connected:tcp://rpc',
        });
        testScheduler.schedule(() => dealer.connect(), 1);
        testScheduler.schedule(() => dealer.reply('{"id":"1","result":{}}'), 3);
        testScheduler.schedule(() => dealer.connect(), 7);
        testScheduler.schedule(() => dealer.disconnect(), 5);
      });
    });

    it('sends requests queued before connect ahead of those sent in reaction to connected', () => {
      const transport = new FakeTransport();
      const dealer = transport.dealer('tcp://rpc');
      dealer.send('{"id":"queued"}');
      const subscription = dealer.signals$.subscribe((s) => {
        if (s.kind === 'connected') dealer.send('{"id":"reaction"}');
      });
      dealer.connect();
      subscription.unsubscribe();
      expect(dealer.sent).toEqual(['{"id":"queued"}', '{"id":"reaction"}']);
    });

    it('close() completes signals$, drops the queue, records when, and is idempotent', () => {
      const transport = new FakeTransport();
      testScheduler.run(({ expectObservable }) => {
        const dealer = transport.dealer('tcp://rpc');
        const waiting = dealer.send('{"id":"1"}');
        expectObservable(dealer.signals$).toBe('----|');
        testScheduler.schedule(() => {
          dealer.close();
          dealer.close();
          expect(waiting.cancel()).toBe(true); // dropped: never sent
        }, 4);
      });
      const dealer = transport.dealers[0];
      expect(dealer?.closed).toBe(true);
      expect(dealer?.closedAt).toBe(4);
      expect(dealer?.queued).toEqual([]);
      expect(dealer?.sent).toEqual([]);
      expect(transport.openDealers()).toEqual([]);
      expect(() => dealer?.send('{}')).toThrow(/closed/);
      expect(() => dealer?.reply('{}')).toThrow(/closed/);
    });

    it('can fail signals$', () => {
      const transport = new FakeTransport();
      const boom = new Error('boom');
      testScheduler.run(({ expectObservable }) => {
        const dealer = transport.dealer('tcp://rpc');
        expectObservable(dealer.signals$).toBe('--#', undefined, boom);
        testScheduler.schedule(() => dealer.fail(boom), 2);
      });
      expect(transport.dealers[0]?.closed).toBe(true);
    });
  });

  it('uses the clock it is given', () => {
    let now = 100;
    const transport = new FakeTransport({ now: () => now });
    const subscription = transport.subscriber('e', ['']).subscribe();
    now = 250;
    subscription.unsubscribe();
    expect(transport.subscribers[0]?.openedAt).toBe(100);
    expect(transport.subscribers[0]?.closedAt).toBe(250);
  });
});
