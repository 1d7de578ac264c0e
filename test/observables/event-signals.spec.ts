import { TestScheduler } from 'rxjs/testing';
import { BehaviorSubject, map, take } from 'rxjs';
import { eventSignals } from '../../src/observables/event-signals';
import { InvalidEndpointError, checkEndpoint } from '../../src/observables/endpoint';
import { FakeTransport } from '../../src/testing/fake-transport';

const ADDRESS = 'tcp://127.0.0.1:5551';

describe('eventSignals (prefix following, once for every transport)', () => {
  let testScheduler: TestScheduler;
  let transport: FakeTransport;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    transport = new FakeTransport({ now: () => testScheduler.now() });
  });

  it('opens one link per subscription and closes it on unsubscribe', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      const signals$ = eventSignals(transport, ADDRESS, cold('a', { a: [''] }));
      expectObservable(signals$, '^ 5ms !').toBe('');
      expectObservable(signals$, '2ms ^ 5ms !').toBe('');
    });
    expect(transport.subscribers.map((link) => [link.address, link.openedAt, link.closedAt])).toEqual([
      [ADDRESS, 0, 6],
      [ADDRESS, 2, 8],
    ]);
  });

  it('reports frames and connection changes as the link reports them', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      const signals$ = eventSignals(transport, ADDRESS, cold('a', { a: ['x'] })).pipe(
        map((signal) => (signal.kind === 'frame' ? new TextDecoder().decode(signal.frame) : signal.kind)),
      );
      expectObservable(signals$).toBe('-c-f-d', { c: 'connected', f: 'x1', d: 'disconnected' });
      testScheduler.schedule(() => transport.subscribers[0]!.connect(), 1);
      testScheduler.schedule(() => transport.publish(ADDRESS, 'x1'), 3);
      testScheduler.schedule(() => transport.publish(ADDRESS, 'y1'), 4); // filtered out
      testScheduler.schedule(() => transport.subscribers[0]!.disconnect(), 5);
    });
  });

  it('follows a changing list of prefixes on the same link: only what changed is (un)subscribed', () => {
    const prefixes$ = new BehaviorSubject<readonly string[]>(['a', 'b']);
    const subscription = eventSignals(transport, ADDRESS, prefixes$).subscribe();
    prefixes$.next(['b', 'c']);
    prefixes$.next(['b', 'c']);
    prefixes$.next([]);
    const link = transport.subscribers[0]!;
    expect(transport.subscribers).toHaveLength(1);
    expect(link.prefixHistory).toEqual([['a'], ['a', 'b'], ['b'], ['b', 'c'], ['c'], []]);
    subscription.unsubscribe();
    expect(link.closed).toBe(true);
  });

  it('keeps the last list when the prefixes complete, and errors when they error', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      expectObservable(eventSignals(transport, ADDRESS, cold('(a|)', { a: [''] })), '^ 3ms !').toBe('');
      expectObservable(eventSignals(transport, ADDRESS, cold('a-#', { a: [''] }))).toBe('--#');
    });
    expect(transport.subscribers[0]!.prefixes).toEqual(['']);
    expect(transport.subscribers.every((link) => link.closed)).toBe(true);
  });

  it('errors, opening nothing, for an address the transport refuses', () => {
    const strict = new FakeTransport({ checkAddress: checkEndpoint });
    let caught: unknown;
    eventSignals(strict, 'localhost:5551', new BehaviorSubject<readonly string[]>([''])).subscribe({ error: (e) => (caught = e) });
    expect(caught).toBeInstanceOf(InvalidEndpointError);
    expect(strict.subscribers).toHaveLength(0);
  });

  it('fails with the link, and closes it', () => {
    testScheduler.run(({ expectObservable }) => {
      expectObservable(eventSignals(transport, ADDRESS, new BehaviorSubject<readonly string[]>(['']))).toBe('--#', undefined, new Error('EBADF'));
      testScheduler.schedule(() => transport.subscribers[0]!.fail(new Error('EBADF')), 2);
    });
    expect(transport.subscribers[0]!.closed).toBe(true);
  });

  it('stops at once when the consumer has what it needs (take)', () => {
    const prefixes$ = new BehaviorSubject<readonly string[]>(['']);
    const seen: string[] = [];
    eventSignals(transport, ADDRESS, prefixes$).pipe(take(1)).subscribe((s) => seen.push(s.kind));
    transport.subscribers[0]!.connect();
    expect(seen).toEqual(['connected']);
    expect(transport.subscribers[0]!.closed).toBe(true);
    expect(() => transport.subscribers[0]!.connect()).toThrow(/is closed/);
  });
});
