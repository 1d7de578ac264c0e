import { TestScheduler } from 'rxjs/testing';
import { RequestQueue } from '../../src/observables/request-queue';
import type { RequestLink } from '../../src/observables/transport';

/** A link that takes requests only while `up`, synchronously, as the fake transport does. */
const syncLink = () => {
  const link = {
    up: false,
    sent: [] as string[],
    tries: 0,
    send(json: string): boolean {
      link.tries++;
      if (!link.up) return false;
      link.sent.push(json);
      return true;
    },
    close: () => undefined,
  };
  return link;
};

/** A link whose sends stay pending until the test settles them, as a socket's send does. */
const asyncLink = () => {
  const pending: Array<{ json: string; settle: (sent: boolean) => void; fail: (err: unknown) => void }> = [];
  const link: RequestLink & { pending: typeof pending } = {
    pending,
    send: (json) => new Promise<boolean>((resolve, reject) => pending.push({ json, settle: resolve, fail: reject })),
    close: () => undefined,
  };
  return link;
};

/** A link error no test expects. */
const fail = (err: unknown): never => {
  throw err;
};

const flushPromises = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RequestQueue', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('sends at once while a connection takes requests', () => {
    const link = syncLink();
    link.up = true;
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const request = queue.enqueue('a');
    expect(request.state).toBe('sent');
    expect(link.sent).toEqual(['a']);
    expect(request.cancel()).toBe(false);
  });

  it('keeps requests, in order, while no connection takes them, and sends them on flush()', () => {
    const link = syncLink();
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const a = queue.enqueue('a');
    const b = queue.enqueue('b');
    expect([a.state, b.state, queue.waiting]).toEqual(['queued', 'queued', 2]);
    link.up = true;
    queue.flush();
    expect(link.sent).toEqual(['a', 'b']);
    expect([a.state, b.state, queue.waiting]).toEqual(['sent', 'sent', 0]);
  });

  it('withdraws a request cancelled before it left: it is never sent', () => {
    const link = syncLink();
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const a = queue.enqueue('a');
    queue.enqueue('b');
    expect(a.cancel()).toBe(true);
    expect(a.state).toBe('withdrawn');
    link.up = true;
    queue.flush();
    expect(link.sent).toEqual(['b']);
    expect(a.cancel()).toBe(true); // still sure never to be sent
  });

  it('retries every retryIntervalMs while requests wait, even with no signal from the link (virtual time)', () => {
    const link = syncLink();
    scheduler.run(() => {
      const queue = new RequestQueue(link, { scheduler, retryIntervalMs: 100, onError: fail });
      queue.enqueue('a');
      scheduler.schedule(() => (link.up = true), 250);
      scheduler.schedule(() => expect(link.sent).toEqual([]), 299);
      scheduler.schedule(() => expect(link.sent).toEqual(['a']), 301);
    });
    // Tried at 0, 100, 200 and 300; then nothing waits, so no more retries.
    expect(link.tries).toBe(4);
  });

  it('stops retrying once nothing waits (a cancelled request leaves no timer behind)', () => {
    const link = syncLink();
    scheduler.run(() => {
      const queue = new RequestQueue(link, { scheduler, retryIntervalMs: 100, onError: fail });
      const a = queue.enqueue('a');
      scheduler.schedule(() => a.cancel(), 50);
    });
    expect(link.tries).toBe(1); // at 0 only: the retry at 100 finds nothing to send
  });

  it('hands one request at a time to a link whose send is pending, in order', async () => {
    const link = asyncLink();
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const a = queue.enqueue('a');
    const b = queue.enqueue('b');
    expect(link.pending.map((p) => p.json)).toEqual(['a']);
    expect([a.state, b.state]).toEqual(['sending', 'queued']);
    link.pending[0]!.settle(true);
    await flushPromises();
    expect(link.pending.map((p) => p.json)).toEqual(['a', 'b']);
    expect(a.state).toBe('sent');
  });

  it('drops a request cancelled while it was being handed over if that hand-over fails, never retrying it', async () => {
    const link = asyncLink();
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const a = queue.enqueue('a');
    queue.enqueue('b');
    expect(a.cancel()).toBe(false); // being handed over: not sure yet
    link.pending[0]!.settle(false); // no connection took it
    await flushPromises();
    expect(a.state).toBe('withdrawn');
    expect(a.cancel()).toBe(true);
    // The queue went on with the next request and never tried 'a' again.
    expect(link.pending.map((p) => p.json)).toEqual(['a', 'b']);
  });

  it('keeps a request that was not cancelled at the head when its hand-over fails, and retries it', async () => {
    const link = asyncLink();
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const a = queue.enqueue('a');
    link.pending[0]!.settle(false);
    await flushPromises();
    expect(a.state).toBe('queued');
    queue.flush();
    expect(link.pending.map((p) => p.json)).toEqual(['a', 'a']);
  });

  it('reports a request cancelled while being handed over as sent when the hand-over succeeds', async () => {
    const link = asyncLink();
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const a = queue.enqueue('a');
    a.cancel();
    link.pending[0]!.settle(true);
    await flushPromises();
    expect(a.state).toBe('sent');
    expect(a.cancel()).toBe(false);
  });

  it('close() withdraws every waiting request; later ones are withdrawn at once', () => {
    const link = syncLink();
    const queue = new RequestQueue(link, { scheduler, onError: fail });
    const a = queue.enqueue('a');
    queue.close();
    link.up = true;
    queue.flush();
    const b = queue.enqueue('b');
    expect([a.state, b.state, link.sent]).toEqual(['withdrawn', 'withdrawn', []]);
  });

  it('reports a fatal error of the link once and withdraws what waits', async () => {
    const errors: unknown[] = [];
    const link = asyncLink();
    const queue = new RequestQueue(link, { scheduler, onError: (err) => errors.push(err) });
    queue.enqueue('a');
    const b = queue.enqueue('b');
    link.pending[0]!.fail(new Error('ENOTSOCK'));
    await flushPromises();
    expect(errors).toEqual([new Error('ENOTSOCK')]);
    expect(b.state).toBe('withdrawn');
  });
});
