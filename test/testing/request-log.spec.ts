import { TestScheduler } from 'rxjs/testing';
import {
  DEFAULT_WAIT_TIMEOUT_MS,
  FakeInstanceStoppedError,
  FakeWaitTimeoutError,
  type RecordedRequest,
} from '../../src/testing/index.js';
import { RequestLog } from '../../src/testing/fake-instance/request-log.js';

// The waiting logic of the fake's request log, in virtual time: inside `run`, RxJS's timers
// (and so `timeout`) follow the TestScheduler's clock, and `schedule` places a request at a frame.

const request = (method: string, id = method) => ({ id, method, params: {}, valid: true, text: '{}' });

/** Runs `body` in virtual time and returns what it returned (a promise, settled once run() has flushed). */
const inVirtualTime = <T>(body: (scheduler: TestScheduler, log: RequestLog) => T): T => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const log = new RequestLog();
  let result!: T;
  scheduler.run(() => {
    result = body(scheduler, log);
  });
  return result;
};

/** How a promise settled: its value or its error. */
const settled = <T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe('RequestLog.waitForRequest', () => {
  it('resolves at once with a past request, and with a future one when it arrives', async () => {
    const [past, future] = inVirtualTime((scheduler, log) => {
      log.recordRequest(request('instance.ping'));
      const waits = [log.waitForRequest({ method: 'instance.ping' }), log.waitForRequest((r) => r.method === 'session.list')];
      scheduler.schedule(() => log.recordRequest(request('session.list')), 30);
      return waits;
    });
    expect((await past).seq).toBe(1);
    expect(await future).toMatchObject({ seq: 2, method: 'session.list' });
  });

  it(`times out after ${DEFAULT_WAIT_TIMEOUT_MS} ms by default, saying what was awaited and what came`, async () => {
    const [inTime, late] = inVirtualTime((scheduler, log) => {
      const waits = [
        settled(log.waitForRequest({ method: 'session.get', id: 'g1' })),
        settled(log.waitForRequest({ method: 'session.list' })),
      ];
      scheduler.schedule(() => log.recordRequest(request('instance.ping')), 10);
      scheduler.schedule(() => log.recordRequest(request('session.get', 'g1')), DEFAULT_WAIT_TIMEOUT_MS - 1);
      scheduler.schedule(() => log.recordRequest(request('session.list')), DEFAULT_WAIT_TIMEOUT_MS + 1);
      return waits;
    });
    expect((await inTime).value).toMatchObject({ method: 'session.get', id: 'g1' });
    const { error } = await late;
    expect(error).toBeInstanceOf(FakeWaitTimeoutError);
    expect(error).toMatchObject({ awaited: 'a request with method "session.list"', timeoutMs: DEFAULT_WAIT_TIMEOUT_MS });
    expect((error as Error).message).toBe(
      `nothing matched within ${DEFAULT_WAIT_TIMEOUT_MS} ms: waited for a request with method "session.list"; ` +
        '2 requests received: instance.ping, session.get',
    );
  });

  it('names a predicate by its description, and waits without limit for timeoutMs: Infinity', async () => {
    const [described, unlimited] = inVirtualTime((scheduler, log) => {
      const waits = [
        settled(log.waitForRequest((r) => r.seq === 3, { timeoutMs: 50, description: 'the third request' })),
        settled(log.waitForRequest({ method: 'much.later' }, { timeoutMs: Infinity })),
      ];
      scheduler.schedule(() => log.recordRequest(request('much.later')), 1_000_000);
      return waits;
    });
    expect((await described).error).toMatchObject({
      message: 'nothing matched within 50 ms: waited for a request matching the third request; no request received yet',
    });
    expect((await unlimited).value).toMatchObject({ method: 'much.later' });
  });

  it('rejects with FakeInstanceStoppedError when the log closes, or is closed already', async () => {
    const [pending, after] = inVirtualTime((scheduler, log) => {
      const waiting = settled(log.waitForRequest({ method: 'never.called' }));
      let afterClose!: Promise<{ error?: unknown }>;
      scheduler.schedule(() => {
        log.close();
        afterClose = settled(log.waitForRequest());
      }, 100);
      return [waiting, () => afterClose] as const;
    });
    const { error } = await pending;
    expect(error).toBeInstanceOf(FakeInstanceStoppedError);
    expect((error as Error).message).toBe('fake instance stopped while waiting for a request with method "never.called"');
    expect((await after()).error).toMatchObject({ name: 'FakeInstanceStoppedError', message: 'fake instance stopped while waiting for any request' });
  });

  it('rejects with the error of a predicate that throws, and stops listening', async () => {
    const boom = new Error('bad predicate');
    const [result, log] = inVirtualTime((scheduler, log) => {
      const waiting = settled(
        log.waitForRequest((r: RecordedRequest) => {
          if (r.method === 'explode') throw boom;
          return false;
        }),
      );
      scheduler.schedule(() => log.recordRequest(request('instance.ping')), 5);
      scheduler.schedule(() => log.recordRequest(request('explode')), 10);
      return [waiting, log] as const;
    });
    expect((await result).error).toBe(boom);
    // Nothing is left subscribed to the live stream: recording more calls no predicate.
    expect(() => log.recordRequest(request('explode'))).not.toThrow();
  });
});

describe('RequestLog.waitForReply', () => {
  it('matches a pattern against the reply’s request, and a predicate against the reply', async () => {
    const [byPattern, byPredicate, timedOut] = inVirtualTime((scheduler, log) => {
      const waits = [
        settled(log.waitForReply({ method: 'session.get' })),
        settled(log.waitForReply((r) => 'error' in r.reply)),
        settled(log.waitForReply({ id: 'none' }, { timeoutMs: 100 })),
      ];
      scheduler.schedule(() => {
        const ping = log.recordRequest(request('instance.ping'));
        log.recordReply(ping, { jsonrpc: '2.0', id: ping.id, result: { status: 'ok' } });
        const get = log.recordRequest(request('session.get'));
        log.recordReply(get, { jsonrpc: '2.0', id: get.id, error: { code: -32000, message: 'session.get: sql: no rows in result set' } });
      }, 20);
      return waits;
    });
    expect((await byPattern).value).toMatchObject({ request: { method: 'session.get' } });
    expect((await byPredicate).value).toMatchObject({ request: { method: 'session.get' } });
    expect((await timedOut).error).toMatchObject({
      message: 'nothing matched within 100 ms: waited for a reply with id "none"; 2 replies sent: instance.ping, session.get',
    });
  });
});
