import { TestScheduler } from 'rxjs/testing';
import { switchMap, type Observable } from 'rxjs';
import { FakeTransport, type FakeDealer } from '../../src/testing/fake-transport';
import { RpcClient, type RpcDiagnostic } from '../../src/observables/rpc-client';
import { RemoteControl } from '../../src/observables/remote-control';
import { InvalidEndpointError, checkEndpoint } from '../../src/observables/endpoint';
import { MethodTable } from '../../src/codecs/rpc';
import { RpcAbortedError, RpcArgumentError, RpcDecodeError, RpcError, RpcTimeoutError, RpcConnectionLostError } from '../../src/observables/rpc-errors';

const ENDPOINT = 'tcp://127.0.0.1:5552';

interface SentRequest {
  readonly jsonrpc: string;
  readonly id: string;
  readonly method: string;
  readonly params: unknown;
}

const sentRequests = (dealer: FakeDealer): SentRequest[] => dealer.sent.map((json) => JSON.parse(json) as SentRequest);
const result = (id: string, value: unknown): string => JSON.stringify({ jsonrpc: '2.0', id, result: value });
const failure = (id: string, code: number, message: string): string =>
  JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
const PONG = { status: 'ok', instance_id: 'inst-1', uptime: '1m30s' };

describe('RpcClient (virtual time, fake transport)', () => {
  let testScheduler: TestScheduler;
  let transport: FakeTransport;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    transport = new FakeTransport({ now: () => testScheduler.now() });
  });

  const client = (timeoutMs = 100, idleCloseMs = 50): RpcClient =>
    new RpcClient(transport, ENDPOINT, { scheduler: testScheduler, timeoutMs, idleCloseMs });

  it('is cold: nothing is opened or sent until subscribed', () => {
    const rpc = client();
    rpc.call('instance.ping', {});
    expect(transport.dealers).toHaveLength(0);
  });

  it('sends one request per subscription, emits the decoded result once and completes', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      const rpc = client();
      const ping$ = rpc.call('instance.ping', {});
      expectObservable(cold('a', { a: 0 }).pipe(() => ping$)).toBe('----(r|)', {
        r: { status: 'ok', instance_id: 'inst-1', uptime: { ms: 90_000, text: '1m30s' } },
      });
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => {
        const [request] = sentRequests(transport.dealers[0]!);
        expect(request).toEqual({ jsonrpc: '2.0', id: expect.any(String), method: 'instance.ping', params: {} });
        transport.dealers[0]!.reply(result(request!.id, PONG));
      }, 4);
    });
  });

  it('gives each of many concurrent calls its own answer, whatever the order of the replies', () => {
    const answers = new Map<number, string>();
    let completed = 0;
    testScheduler.run(() => {
      const rpc = client(1000);
      for (let i = 0; i < 64; i++) {
        rpc.call('session.get', { session_id: `s${i}` }).subscribe({
          next: (session) => answers.set(i, session.id),
          complete: () => completed++,
        });
      }
      testScheduler.schedule(() => {
        const dealer = transport.dealers[0]!;
        dealer.connect();
        const requests = sentRequests(dealer);
        expect(requests).toHaveLength(64);
        expect(new Set(requests.map((r) => r.id)).size).toBe(64);
        // Answer in reverse order: each call must still get the session it asked for.
        for (const request of [...requests].reverse()) {
          const sessionId = (request.params as { session_id: string }).session_id;
          dealer.reply(result(request.id, { id: sessionId, title: '', updated_at: '2026-01-01T00:00:00Z', message_count: 0 }));
        }
      }, 2);
    });
    expect(completed).toBe(64);
    expect([...answers.entries()].every(([i, id]) => id === `s${i}`)).toBe(true);
    expect(answers.size).toBe(64);
    expect(transport.dealers).toHaveLength(1);
  });

  it('fails with RpcTimeoutError after the client timeout, or a per-call timeoutMs', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      // Both were sent (the link came up at 1 ms): the error says the instance may still run them.
      expectObservable(rpc.call('instance.ping', {})).toBe('100ms #', undefined, new RpcTimeoutError('instance.ping', 100, true));
      expectObservable(rpc.call('instance.ping', {}, { timeoutMs: 30 })).toBe(
        '30ms #',
        undefined,
        new RpcTimeoutError('instance.ping', 30, true),
      );
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
    });
  });

  it('never sends a call that timed out while the instance was down (at most once)', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      expectObservable(rpc.call('message.send', { session_id: 's1', content: 'hi' })).toBe(
        '100ms #',
        undefined,
        new RpcTimeoutError('message.send', 100),
      );
      testScheduler.schedule(() => {
        expect(rpc.unsentCount).toBe(1);
      }, 50);
      // The instance comes back after the caller was told the call failed.
      testScheduler.schedule(() => {
        const dealer = transport.dealers[0]!;
        expect(rpc.unsentCount).toBe(0);
        dealer.connect();
        expect(dealer.sent).toHaveLength(0);
      }, 120);
    });
  });

  it('says whether a timed-out call was sent: never sent is safe to retry, sent may still run', () => {
    const errors: RpcTimeoutError[] = [];
    testScheduler.run(() => {
      const rpc = client(100);
      rpc.call('message.send', { session_id: 's', content: 'never sent' }).subscribe({ error: (e: RpcTimeoutError) => errors.push(e) });
      testScheduler.schedule(() => {
        transport.dealers[0]!.connect();
        rpc.call('message.send', { session_id: 's', content: 'sent' }).subscribe({ error: (e: RpcTimeoutError) => errors.push(e) });
      }, 150);
    });
    expect(errors.map((e) => [e.name, e.sent])).toEqual([
      ['RpcTimeoutError', false],
      ['RpcTimeoutError', true],
    ]);
    expect(errors[0]!.message).toBe('message.send got no reply within 100 ms (the request was never sent)');
    expect(errors[1]!.message).toBe('message.send got no reply within 100 ms (the request was sent: the instance may still run it)');
  });

  it('fails the calls that were sent at once when the connection drops; unsent ones wait for the next connection', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      const rpc = client(100);
      expectObservable(rpc.call('message.send', { session_id: 's', content: 'sent' })).toBe(
        '10ms #',
        undefined,
        new RpcConnectionLostError('message.send'),
      );
      // Subscribed while the connection is down: it waits in our queue, unsent, then goes.
      expectObservable(cold('11ms (a|)').pipe(switchMap(() => rpc.call('session.list', {})))).toBe('53ms (r|)', { r: [] });
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => transport.dealers[0]!.disconnect(), 10);
      testScheduler.schedule(() => expect(rpc.unsentCount).toBe(1), 12);
      testScheduler.schedule(() => {
        transport.dealers[0]!.connect();
        const requests = sentRequests(transport.dealers[0]!);
        transport.dealers[0]!.reply(result(requests.at(-1)!.id, []));
      }, 53);
    });
  });

  it('waits for the instance up to its timeout and succeeds when it comes up in time', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      expectObservable(rpc.call('session.list', {})).toBe('81ms (r|)', { r: [] });
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 80);
      testScheduler.schedule(() => {
        const [request] = sentRequests(transport.dealers[0]!);
        transport.dealers[0]!.reply(result(request!.id, null));
      }, 81);
    });
  });

  it('abandons a call on unsubscribe: the late reply is reported, not thrown', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      const rpc = client(100);
      const diagnostics: RpcDiagnostic[] = [];
      rpc.diagnostics$.subscribe((d) => diagnostics.push(d));
      const ping$ = cold('a').pipe(() => rpc.call('instance.ping', {}));
      expectObservable(ping$, '^ 9ms !').toBe('');
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => {
        expect(rpc.pendingCount).toBe(0);
        const [request] = sentRequests(transport.dealers[0]!);
        transport.dealers[0]!.reply(result(request!.id, PONG));
      }, 20);
      testScheduler.flush();
      expect(diagnostics.map((d) => d.kind)).toEqual(['late-reply']);
      expect(rpc.diagnosticCounts['late-reply']).toBe(1);
    });
  });

  it('withdraws an abandoned call that was still waiting for a connection', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      expectObservable(rpc.call('message.send', { session_id: 's', content: 'x' }), '^ 10ms !').toBe('');
      testScheduler.schedule(() => {
        transport.dealers[0]!.connect();
        expect(transport.dealers[0]!.sent).toHaveLength(0);
      }, 20);
    });
  });

  it('reports replies with unknown ids, parse-error replies and malformed replies without failing calls', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      const diagnostics: RpcDiagnostic[] = [];
      rpc.diagnostics$.subscribe((d) => diagnostics.push(d));
      expectObservable(rpc.call('instance.ping', {})).toBe('-----(r|)', {
        r: { status: 'ok', instance_id: 'inst-1', uptime: { ms: 90_000, text: '1m30s' } },
      });
      testScheduler.schedule(() => {
        const dealer = transport.dealers[0]!;
        dealer.connect();
        dealer.reply(result('nobody', PONG));
        dealer.reply(failure('', -32700, 'parse error'));
        dealer.reply('not json at all');
        dealer.reply(new Uint8Array([0xff, 0xfe]));
        dealer.reply(JSON.stringify({ jsonrpc: '2.0', id: 'x' }));
      }, 1);
      testScheduler.schedule(() => {
        const [request] = sentRequests(transport.dealers[0]!);
        transport.dealers[0]!.reply(result(request!.id, PONG));
      }, 5);
      testScheduler.flush();
      expect(diagnostics.map((d) => d.kind)).toEqual([
        'unknown-id',
        'parse-error-reply',
        'malformed-reply',
        'malformed-reply',
        'malformed-reply',
      ]);
      expect(diagnostics[0]).toEqual({ kind: 'unknown-id', endpoint: ENDPOINT, id: 'nobody', detail: expect.any(String) });
      expect(diagnostics[2]!.detail).toMatch(/not JSON/);
      expect(diagnostics[3]!.detail).toMatch(/UTF-8/);
      expect(diagnostics[4]!.detail).toMatch(/"result" or an "error"/);
    });
  });

  it('tells a second reply to an answered call (duplicate-reply) from a stranger\'s (unknown-id)', () => {
    const kinds: string[] = [];
    testScheduler.run(() => {
      const rpc = client(100);
      rpc.diagnostics$.subscribe((d) => kinds.push(d.kind));
      rpc.call('instance.ping', {}).subscribe();
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => {
        const [request] = sentRequests(transport.dealers[0]!);
        transport.dealers[0]!.reply(result(request!.id, PONG));
        transport.dealers[0]!.reply(result(request!.id, PONG));
        transport.dealers[0]!.reply(result('never-used', PONG));
      }, 2);
    });
    expect(kinds).toEqual(['duplicate-reply', 'unknown-id']);
  });

  it('takes a reply whose id only looks like one of its own (its prefix, another counter) for a stranger\'s', () => {
    const kinds: Array<[string, string | undefined]> = [];
    testScheduler.run(() => {
      const rpc = client(100);
      rpc.diagnostics$.subscribe((d) => kinds.push([d.kind, d.id]));
      rpc.call('instance.ping', {}).subscribe();
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => {
        const [request] = sentRequests(transport.dealers[0]!);
        const id = request!.id;
        const prefix = id.slice(0, id.lastIndexOf('-') + 1);
        transport.dealers[0]!.reply(result(id, PONG));
        // The settled call's slot, reached through other spellings of its counter, or the
        // counter of a call never made: none of them is the settled call.
        const counter = id.slice(prefix.length);
        for (const other of [`${prefix}0${counter}`, `${prefix}${counter}x`, `${prefix}${(parseInt(counter, 36) + 1024).toString(36)}`, `${prefix}zz`, prefix, `${prefix}-1`]) {
          transport.dealers[0]!.reply(result(other, PONG));
        }
        transport.dealers[0]!.reply(result(id, PONG));
      }, 2);
    });
    expect(kinds.map(([kind]) => kind)).toEqual([...Array<string>(6).fill('unknown-id'), 'duplicate-reply']);
  });

  it('fails a call at once when its reply names it but is malformed (jsonrpc 1.0, a bad error object)', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      expectObservable(rpc.call('instance.ping', {})).toBe('2ms #', undefined, expect.any(RpcDecodeError));
      expectObservable(rpc.call('session.list', {})).toBe('2ms #', undefined, expect.any(RpcDecodeError));
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => {
        const [ping, list] = sentRequests(transport.dealers[0]!);
        transport.dealers[0]!.reply(JSON.stringify({ jsonrpc: '1.0', id: ping!.id, result: PONG }));
        transport.dealers[0]!.reply(JSON.stringify({ jsonrpc: '2.0', id: list!.id, error: { code: 'x' } }));
      }, 2);
    });
  });

  it('remembers the last 1024 settled ids only: an older late reply is a stranger\'s (the memory is bounded)', () => {
    const kinds: Array<[string, string | undefined]> = [];
    testScheduler.run(() => {
      const rpc = client(100);
      rpc.diagnostics$.subscribe((d) => kinds.push([d.kind, d.id]));
      const subscriptions = Array.from({ length: 1025 }, () => rpc.call('instance.ping', {}).subscribe());
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => subscriptions.forEach((s) => s.unsubscribe()), 2); // all abandoned, in order
      testScheduler.schedule(() => {
        const requests = sentRequests(transport.dealers[0]!);
        transport.dealers[0]!.reply(result(requests[0]!.id, PONG)); // the oldest: forgotten
        transport.dealers[0]!.reply(result(requests[1024]!.id, PONG)); // the newest: remembered
      }, 3);
    });
    expect(kinds.map(([kind]) => kind)).toEqual(['unknown-id', 'late-reply']);
  });

  it('turns an error reply into RpcError with code, message and method', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      expectObservable(rpc.call('session.get', { session_id: 'nope' })).toBe(
        '--#',
        undefined,
        new RpcError(-32000, 'session.get: session not found', 'session.get'),
      );
      testScheduler.schedule(() => {
        const dealer = transport.dealers[0]!;
        dealer.connect();
        dealer.reply(failure(sentRequests(dealer)[0]!.id, -32000, 'session.get: session not found'));
      }, 2);
    });
    const error = new RpcError(-32000, 'session.get: session not found', 'session.get');
    expect(error).toMatchObject({ code: -32000, rpcMessage: 'session.get: session not found', method: 'session.get' });
    expect(error.message).toBe('session.get failed with -32000: session.get: session not found');
  });

  it('turns a result that does not match the method codec into RpcDecodeError with its path', () => {
    let caught: unknown;
    testScheduler.run(() => {
      const rpc = client(100);
      rpc.call('session.list', {}).subscribe({ error: (e) => (caught = e) });
      testScheduler.schedule(() => {
        const dealer = transport.dealers[0]!;
        dealer.connect();
        dealer.reply(result(sentRequests(dealer)[0]!.id, [{ id: 'a', title: 't', updated_at: '2026-01-01T00:00:00Z', message_count: 'x' }]));
      }, 2);
    });
    expect(caught).toBeInstanceOf(RpcDecodeError);
    expect((caught as RpcDecodeError).path).toBe('result[0].message_count');
    expect((caught as RpcDecodeError).message).toBe(
      'session.list returned an unexpected result: result[0].message_count: expected integer, got "x"',
    );
  });

  it('refuses invalid arguments with RpcArgumentError and sends nothing', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client();
      expectObservable(rpc.call('message.send', { session_id: 's', content: '' })).toBe(
        '#',
        undefined,
        expect.any(RpcArgumentError),
      );
    });
    expect(transport.dealers).toHaveLength(0);
    let caught: unknown;
    client().call('session.get', { session_id: '' }).subscribe({ error: (e) => (caught = e) });
    expect((caught as Error).message).toBe(
      'session.get: invalid arguments: params.session_id: expected non-empty string, got ""',
    );
  });

  it('refuses an endpoint that is not a ZeroMQ address, opening nothing', () => {
    const transport = new FakeTransport({ checkAddress: checkEndpoint });
    let caught: unknown;
    new RpcClient(transport, 'localhost:5552').call('instance.ping', {}).subscribe({ error: (e) => (caught = e) });
    expect(caught).toBeInstanceOf(InvalidEndpointError);
    expect((caught as Error).message).toMatch(/"localhost:5552" is not a ZeroMQ endpoint/);
    let portError: unknown;
    new RpcClient(transport, 'tcp://127.0.0.1:70000').call('instance.ping', {}).subscribe({ error: (e) => (portError = e) });
    expect((portError as Error).message).toMatch(/port 70000, outside 1-65535/);
    expect(transport.dealers).toHaveLength(0);
  });

  it('fails every pending call at once when the instance shuts down', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      expectObservable(rpc.call('instance.ping', {})).toBe('10ms #', undefined, new RpcAbortedError('instance.ping', 'shutdown'));
      expectObservable(rpc.call('session.list', {})).toBe('10ms #', undefined, new RpcAbortedError('session.list', 'shutdown'));
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(() => rpc.failPending('shutdown'), 10);
    });
  });

  it('close() fails pending calls, closes the dealer and refuses later calls', () => {
    testScheduler.run(({ expectObservable }) => {
      const rpc = client(100);
      expectObservable(rpc.call('instance.ping', {})).toBe('10ms #', undefined, new RpcAbortedError('instance.ping', 'closed'));
      testScheduler.schedule(() => rpc.close(), 10);
      testScheduler.schedule(() => {
        expect(transport.dealers[0]!.closed).toBe(true);
        let caught: unknown;
        rpc.call('instance.ping', {}).subscribe({ error: (e) => (caught = e) });
        expect(caught).toEqual(new RpcAbortedError('instance.ping', 'closed'));
        expect(transport.dealers).toHaveLength(1);
      }, 11);
    });
  });

  it('keeps one dealer for back-to-back calls and closes it once idle', () => {
    testScheduler.run(() => {
      const rpc = client(100, 50);
      const answer = (): void => {
        const dealer = transport.openDealers()[0]!;
        const last = sentRequests(dealer).at(-1)!;
        dealer.reply(result(last.id, PONG));
      };
      rpc.call('instance.ping', {}).subscribe();
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
      testScheduler.schedule(answer, 2);
      testScheduler.schedule(() => rpc.call('instance.ping', {}).subscribe(), 30);
      testScheduler.schedule(answer, 31);
      testScheduler.schedule(() => {
        expect(transport.dealers).toHaveLength(1);
        expect(transport.dealers[0]!.closed).toBe(false);
      }, 80);
      testScheduler.schedule(() => expect(transport.dealers[0]!.closedAt).toBe(81), 90);
    });
  });
});

describe('RemoteControl', () => {
  let testScheduler: TestScheduler;
  let transport: FakeTransport;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    transport = new FakeTransport({ now: () => testScheduler.now() });
  });

  it('has one method per RPC method, each sending its method with mapped params', () => {
    const control = new RemoteControl(transport, ENDPOINT, { scheduler: testScheduler, timeoutMs: 100 });
    const calls: Array<[string, Observable<unknown>, string, unknown]> = [
      ['ping', control.ping(), 'instance.ping', {}],
      ['listSessions', control.listSessions(), 'session.list', {}],
      ['getSession', control.getSession('s1'), 'session.get', { session_id: 's1' }],
      ['activateSession', control.activateSession('s1'), 'session.activate', { session_id: 's1' }],
      ['switchSession', control.switchSession('s1'), 'session.activate', { session_id: 's1' }],
      ['sendMessage', control.sendMessage('s1', 'hello'), 'message.send', { session_id: 's1', content: 'hello' }],
      ['interrupt', control.interrupt('s1'), 'session.interrupt', { session_id: 's1' }],
      ['listMessages', control.listMessages('s1'), 'message.list', { session_id: 's1' }],
      ['stateSync', control.stateSync(), 'state.sync', {}],
      ['stateSync', control.stateSync('p1'), 'state.sync', { project_id: 'p1' }],
      ['instanceInfo', control.instanceInfo(), 'instance.info', {}],
    ];
    // Every method of the method table has its method on RemoteControl.
    expect(new Set(calls.map(([, , method]) => method))).toEqual(new Set(Object.keys(MethodTable)));
    testScheduler.run(() => {
      for (const [, call$] of calls) call$.subscribe({ error: () => undefined });
      testScheduler.schedule(() => transport.dealers[0]!.connect(), 1);
    });
    const sent = sentRequests(transport.dealers[0]!);
    expect(sent.map(({ method, params }) => [method, params])).toEqual(calls.map(([, , method, params]) => [method, params]));
    control.close();
  });

  it('takes a per-call timeout after the arguments', () => {
    testScheduler.run(({ expectObservable }) => {
      const control = new RemoteControl(transport, ENDPOINT, { scheduler: testScheduler, timeoutMs: 100 });
      expectObservable(control.getSession('s1', { timeoutMs: 7 })).toBe('7ms #', undefined, new RpcTimeoutError('session.get', 7));
      expectObservable(control.stateSync(undefined, { timeoutMs: 9 })).toBe('9ms #', undefined, new RpcTimeoutError('state.sync', 9));
    });
  });

  it('gives an error Observable for an empty session id or empty content, sending nothing', () => {
    const control = new RemoteControl(transport, ENDPOINT);
    const errors: string[] = [];
    control.getSession('').subscribe({ error: (e: Error) => errors.push(e.message) });
    control.sendMessage('s1', '').subscribe({ error: (e: Error) => errors.push(e.message) });
    expect(errors).toEqual([
      'session.get: invalid arguments: params.session_id: expected non-empty string, got ""',
      'message.send: invalid arguments: params.content: expected non-empty string, got ""',
    ]);
    expect(transport.dealers).toHaveLength(0);
  });
});
