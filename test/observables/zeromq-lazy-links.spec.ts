import type { EventLink, RequestLink } from '../../src/observables/transport';
import { lazyEventLink, lazyRequestLink } from '../../src/observables/transports/zeromq/lazy-links';
import type { ZeromqModule } from '../../src/observables/transports/zeromq/load-zeromq';

// The links of the ZeroMQ adapter before zeromq.js has loaded: a promise the test settles.

/** A promise of "the zeromq module" that the test resolves or rejects when it wants. */
const loading = (): { promise: Promise<ZeromqModule>; resolve: () => void; reject: (err: unknown) => void } => {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<ZeromqModule>((res, rej) => {
    resolve = () => res({} as ZeromqModule);
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** Lets every settled promise's callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An event link that records what is asked of it. */
const recordingEventLink = (calls: string[]): EventLink => ({
  subscribe: (prefix) => calls.push(`subscribe ${JSON.stringify(prefix)}`),
  unsubscribe: (prefix) => calls.push(`unsubscribe ${JSON.stringify(prefix)}`),
  close: () => calls.push('close'),
});

describe('lazyEventLink', () => {
  it('replays the subscriptions asked before zeromq loaded, in order, then passes them straight on', async () => {
    const load = loading();
    const calls: string[] = [];
    const errors: unknown[] = [];
    const link = lazyEventLink(load.promise, () => recordingEventLink(calls), { error: (err) => errors.push(err) });
    link.subscribe('a\u0000');
    link.subscribe('b\u0000');
    link.unsubscribe('a\u0000');
    expect(calls).toEqual([]);
    load.resolve();
    await settle();
    expect(calls).toEqual(['subscribe "a\\u0000"', 'subscribe "b\\u0000"', 'unsubscribe "a\\u0000"']);
    link.subscribe('');
    link.close();
    expect(calls.slice(3)).toEqual(['subscribe ""', 'close']);
    expect(errors).toEqual([]);
  });

  it('opens nothing and reports nothing when closed before zeromq loaded or failed', async () => {
    for (const outcome of ['resolve', 'reject'] as const) {
      const load = loading();
      const open = jest.fn(() => recordingEventLink([]));
      const error = jest.fn();
      lazyEventLink(load.promise, open, { error }).close();
      if (outcome === 'resolve') load.resolve();
      else load.reject(new Error('no zeromq'));
      await settle();
      expect(open).not.toHaveBeenCalled();
      expect(error).not.toHaveBeenCalled();
    }
  });

  it("reports a failed load to the sink's error once, never as an unhandled rejection", async () => {
    const load = loading();
    const failure = new Error('no zeromq');
    const error = jest.fn();
    const link = lazyEventLink(load.promise, () => recordingEventLink([]), { error });
    load.reject(failure);
    await settle();
    expect(error.mock.calls).toEqual([[failure]]);
    link.subscribe('');
    link.close();
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('reports a socket that cannot be opened (or a replayed subscription that throws) to the sink', async () => {
    const refused = new Error('bad address');
    const load = loading();
    const error = jest.fn();
    lazyEventLink(
      load.promise,
      () => {
        throw refused;
      },
      { error },
    );
    load.resolve();
    await settle();
    expect(error.mock.calls).toEqual([[refused]]);

    const again = loading();
    const calls: string[] = [];
    const onError = jest.fn();
    const link = lazyEventLink(again.promise, () => ({ ...recordingEventLink(calls), subscribe: () => { throw refused; } }), { error: onError });
    link.subscribe('x');
    again.resolve();
    await settle();
    expect(onError.mock.calls).toEqual([[refused]]);
    expect(calls).toEqual(['close']); // the half-opened link is closed
  });
});

describe('lazyRequestLink', () => {
  it('answers send with false until zeromq has loaded (nothing sent, the request stays withdrawable), then sends', async () => {
    const load = loading();
    const sent: string[] = [];
    const opened: RequestLink = { send: (json) => (sent.push(json), true), close: () => sent.push('close') };
    const link = lazyRequestLink(load.promise, () => opened, { error: () => undefined });
    expect(link.send('{"id":"1"}')).toBe(false);
    load.resolve();
    await settle();
    expect(link.send('{"id":"2"}')).toBe(true);
    link.close();
    expect(link.send('{"id":"3"}')).toBe(false);
    expect(sent).toEqual(['{"id":"2"}', 'close']);
  });

  it('reports a failed load once, and then answers send with false', async () => {
    const load = loading();
    const failure = new Error('no zeromq');
    const error = jest.fn();
    const link = lazyRequestLink(load.promise, () => ({ send: () => true, close: () => undefined }), { error });
    load.reject(failure);
    await settle();
    expect(error.mock.calls).toEqual([[failure]]);
    expect(link.send('{}')).toBe(false);
  });
});
