import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { FakeTransport, type FakeDealer, type FakeSubscriber } from '../../src/testing/fake-transport';
import type { RemoteInstance } from '../../src/observables/remote-instance';
import { connect } from '../../src/observables/connect';
import { InstanceUnreachableError } from '../../src/observables/ready';
import { RemoteSession } from '../../src/observables/remote-session';
import { encodeFrame } from '../../src/codecs/frame';
import { RpcAbortedError, RpcError, RpcTimeoutError } from '../../src/observables/rpc-errors';
import type { KnownEvent, PandoEvent } from '../../src/codecs/topics';
import type { Session } from '../../src/codecs/payloads';
import type { Mirror } from '../../src/operators/mirrorState';
import type { EventLinkSignal, LinkSink, Transport } from '../../src/observables/transport';
import type { MirrorSyncError } from '../../src/operators/liveMirror';

const PUB = 'tcp://127.0.0.1:5551';
const RPC = 'tcp://127.0.0.1:5552';
const T0 = new Date('2026-03-01T10:00:00Z');

const session = (id: string, second: number, title = id): Session => ({
  id,
  title,
  updated_at: new Date(T0.getTime() + second * 1000),
  message_count: second,
});

type Wire = KnownEvent['topic'];
const event = <K extends Wire>(topic: K, payload: Extract<KnownEvent, { topic: K }>['payload'], sessionId?: string): PandoEvent =>
  ({
    topic,
    instanceId: 'inst-1',
    projectId: '',
    ...(sessionId === undefined ? {} : { sessionId }),
    timestamp: T0,
    payload,
  }) as PandoEvent;

const wireSession = (s: Session) => ({ ...s, updated_at: s.updated_at.toISOString() });
const heartbeat = (): PandoEvent =>
  event('instance.heartbeat', {
    instance_id: 'inst-1',
    session_count: 0,
    uptime: { ms: 0, text: '' },
    started_at: T0,
  });

interface Sent {
  readonly id: string;
  readonly method: string;
  readonly params: unknown;
}

describe('RemoteInstance (virtual time, fake transport)', () => {
  let testScheduler: TestScheduler;
  let transport: FakeTransport;
  let pando: RemoteInstance;

  const publish = (e: PandoEvent | string | Uint8Array): number =>
    transport.publish(PUB, typeof e === 'string' || e instanceof Uint8Array ? e : encodeFrame(e));
  const socket = (): FakeSubscriber => transport.openSubscribers(PUB)[0]!;
  const dealer = (): FakeDealer => transport.openDealers(RPC)[0]!;
  const sent = (): Sent[] => dealer().sent.map((json) => JSON.parse(json) as Sent);
  /** Answers the oldest unanswered request of `method`. */
  const answered = new Set<string>();
  const answer = (method: string, reply: { result: unknown } | { error: { code: number; message: string } }): void => {
    const request = sent().find((r) => r.method === method && !answered.has(r.id));
    if (request === undefined) throw new Error(`no pending ${method} request; sent: ${sent().map((r) => r.method).join(', ')}`);
    answered.add(request.id);
    dealer().reply(JSON.stringify({ jsonrpc: '2.0', id: request.id, ...reply }));
  };
  const at = (time: number, work: () => void): void => {
    testScheduler.schedule(work, time);
  };

  beforeEach(() => {
    answered.clear();
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    transport = new FakeTransport({ now: () => testScheduler.now() });
    pando = connect({
      pubEndpoint: PUB,
      rpcEndpoint: RPC,
      transport,
      scheduler: testScheduler,
      rpcTimeoutMs: 1000,
      heartbeatTimeoutMs: 100,
      syncRetry: { initialDelayMs: 10, maxDelayMs: 40 },
    });
  });

  afterEach(() => pando.close());

  describe('events$', () => {
    it('shares one SUB socket between subscribers, opened by the first and closed by the last', () => {
      testScheduler.run(({ expectObservable }) => {
        const topics$ = pando.events$.pipe(map((e) => e.topic));
        expectObservable(topics$, '^ 20ms !').toBe('-- 4ms a 9ms b', { a: 'llm.start', b: 'llm.end' });
        expectObservable(topics$, '10ms ^ 20ms !').toBe('-- 4ms - 9ms b', { b: 'llm.end' });
        at(1, () => {
          expect(transport.subscribers).toHaveLength(1);
          expect(socket().prefixes).toEqual(['']);
        });
        at(6, () => publish(event('llm.start', { session_id: 's1' }, 's1')));
        at(16, () => publish(event('llm.end', { session_id: 's1', tokens_in: 1, tokens_out: 2 }, 's1')));
        at(25, () => expect(socket().closed).toBe(false));
        at(32, () => {
          expect(transport.subscribers).toHaveLength(1);
          expect(transport.subscribers[0]!.closedAt).toBe(31);
        });
      });
    });

    it('reports bad frames on decodeErrors$ and keeps every good frame around them', () => {
      const topics: string[] = [];
      const errors: string[] = [];
      testScheduler.run(() => {
        pando.events$.subscribe({ next: (e) => topics.push(e.topic), error: () => topics.push('ERROR'), complete: () => topics.push('COMPLETE') });
        pando.decodeErrors$.subscribe((failure) => errors.push(`${failure.error.stage}:${failure.error.topic ?? '-'}`));
        at(1, () => {
          for (let i = 0; i < 50; i++) {
            publish(event('llm.token', { session_id: 's1', token: `t${i}` }, 's1'));
            publish('llm.token\u0000{not json');
            publish(new Uint8Array([0xff, 0x00, 0x7b]));
            publish('no separator at all');
            publish('llm.token\u0000{"instanceId":"i","projectId":"","topic":"llm.token","timestamp":"2026-01-01T00:00:00Z","payload":{"session_id":42,"token":"x"}}');
          }
        });
      });
      expect(topics).toHaveLength(50);
      expect(new Set(topics)).toEqual(new Set(['llm.token']));
      expect(errors).toHaveLength(200);
      expect(errors.slice(0, 4)).toEqual(['json:llm.token', 'utf8:-', 'separator:-', 'payload:llm.token']);
    });
  });

  describe('on() and token$', () => {
    it('narrows the socket subscription to the topics asked for, widening it for events$', () => {
      testScheduler.run(() => {
        const tokens: string[] = [];
        const onSub = pando.on('llm.token', 'llm.end').subscribe((e) => tokens.push(e.topic));
        at(1, () => {
          expect(new Set(socket().prefixes)).toEqual(new Set(['llm.token\u0000', 'llm.end\u0000', 'instance.shutdown\u0000']));
          expect(publish(event('llm.start', { session_id: 's1' }, 's1'))).toBe(0);
          expect(publish(event('llm.token', { session_id: 's1', token: 'a' }, 's1'))).toBe(1);
        });
        let all: ReturnType<typeof pando.events$.subscribe> | undefined;
        at(2, () => {
          all = pando.events$.subscribe();
          expect(socket().prefixes).toEqual(['']);
          // events$ widened the socket, but on() still only sees its topics.
          publish(event('llm.start', { session_id: 's1' }, 's1'));
          publish(event('llm.end', { session_id: 's1', tokens_in: 0, tokens_out: 0 }, 's1'));
        });
        at(3, () => {
          all!.unsubscribe();
          expect(socket().prefixes).not.toContain('');
          onSub.unsubscribe();
          expect(transport.openSubscribers()).toHaveLength(0);
          expect(tokens).toEqual(['llm.token', 'llm.end']);
        });
      });
    });

    it('maps llm.token to { sessionId, token, timestamp } and filters one session with tokens()', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.token$.pipe(map((t) => `${t.sessionId}:${t.token}`)), '^ 10ms !').toBe('-(ab)', {
          a: 's1:Hel',
          b: 's2:Bon',
        });
        expectObservable(pando.tokens('s2').pipe(map((t) => t.token)), '^ 10ms !').toBe('-b', { b: 'Bon' });
        at(1, () => {
          publish(event('llm.token', { session_id: 's1', token: 'Hel' }, 's1'));
          publish(event('llm.token', { session_id: 's2', token: 'Bon' }, 's2'));
        });
      });
    });
  });

  describe('mirror$', () => {
    const syncResult = (sessions: Session[], active?: string) => ({
      result: { sessions: sessions.map(wireSession), instance_id: 'inst-1', ...(active === undefined ? {} : { active_session_id: active }) },
    });

    it('waits for the connection, snapshots with state.sync and applies what arrived meanwhile', () => {
      const mirrors: Mirror[] = [];
      testScheduler.run(() => {
        pando.mirror$.subscribe((m) => mirrors.push(m));
        at(1, () => {
          expect(transport.dealers).toHaveLength(0); // nothing before the connection
          expect(socket().prefixes).toEqual(expect.arrayContaining(['session.', 'instance.']));
          socket().connect();
          dealer().connect();
          expect(sent().map((r) => r.method)).toEqual(['state.sync']);
        });
        // While state.sync is in flight: s2 changes and s3 appears.
        at(2, () => {
          publish(event('session.update', session('s2', 50, 'renamed')));
          publish(event('session.update', session('s3', 60)));
        });
        at(3, () => answer('state.sync', syncResult([session('s1', 10), session('s2', 20)], 's1')));
        at(4, () => publish(event('session.deleted', session('s1', 10))));
      });
      expect(mirrors).toHaveLength(2);
      const [first, second] = mirrors;
      expect(first!.source).toBe('state.sync');
      expect(first!.instanceId).toBe('inst-1');
      expect(first!.activeSessionId).toBe('s1');
      expect(first!.sessions.map((s) => `${s.id}:${s.title}`)).toEqual(['s3:s3', 's2:renamed', 's1:s1']);
      expect(second!.sessions.map((s) => s.id)).toEqual(['s3', 's2']);
      expect(second!.get('s2')).toBe(first!.get('s2'));
    });

    it('falls back to session.list (and ping for the id) where state.sync is not found', () => {
      const mirrors: Mirror[] = [];
      testScheduler.run(() => {
        pando.mirror$.subscribe((m) => mirrors.push(m));
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('state.sync', { error: { code: -32601, message: 'ipc: method not found' } });
          expect(sent().map((r) => r.method)).toEqual(['state.sync', 'session.list', 'instance.ping']);
          answer('session.list', { result: null });
          expect(mirrors).toHaveLength(0); // never a partial mirror
          answer('instance.ping', { result: { status: 'ok', instance_id: 'tcp://127.0.0.1:5551', uptime: '' } });
        });
      });
      expect(mirrors).toHaveLength(1);
      expect(mirrors[0]).toMatchObject({ source: 'session.list', instanceId: 'tcp://127.0.0.1:5551', size: 0 });
    });

    it.each([
      ['drops it when session.get answers Pando\'s "no rows" error', 'session.get: sql: no rows in result set', ['s1']],
      ['keeps it when session.get fails otherwise (it does not know)', 'session.get: database locked', ['s2', 's1']],
    ])('asks session.get about a session a session.list resync omits: %s', (_name, message, ids) => {
      const mirrors: Mirror[] = [];
      const PING = { result: { status: 'ok', instance_id: 'inst-1', uptime: '' } };
      const NOT_FOUND = { error: { code: -32601, message: 'ipc: method not found' } };
      testScheduler.run(() => {
        pando.mirror$.subscribe((m) => mirrors.push(m));
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('state.sync', NOT_FOUND);
          answer('session.list', { result: [wireSession(session('s2', 2)), wireSession(session('s1', 1))] });
          answer('instance.ping', PING);
        });
        at(2, () => pando.resyncMirror().subscribe());
        at(3, () => {
          answer('state.sync', NOT_FOUND);
          answer('session.list', { result: [wireSession(session('s1', 1))] }); // s2 omitted
          answer('instance.ping', PING);
          expect(sent().filter((r) => r.method === 'session.get').map((r) => r.params)).toEqual([{ session_id: 's2' }]);
          answer('session.get', { error: { code: -32000, message } });
        });
      });
      expect(mirrors.at(-1)!.sessions.map((s) => s.id)).toEqual(ids);
    });

    it('retries a failed snapshot with backoff, visibly, and replays the latest mirror to late subscribers', () => {
      const errors: MirrorSyncError[] = [];
      const mirrors: Mirror[] = [];
      testScheduler.run(() => {
        pando.syncErrors$.subscribe((e) => errors.push(e));
        pando.mirror$.subscribe();
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('state.sync', { error: { code: -32000, message: 'state.sync: database locked' } });
        });
        at(12, () => answer('state.sync', { error: { code: -32000, message: 'state.sync: database locked' } }));
        at(10, () => expect(sent()).toHaveLength(1)); // no retry before its delay
        at(33, () => answer('state.sync', syncResult([session('s1', 1)])));
        at(40, () => pando.mirror$.subscribe((m) => mirrors.push(m)));
      });
      expect(errors.map((e) => [e.attempt, e.retryInMs, (e.error as Error).message])).toEqual([
        [1, 10, 'state.sync failed with -32000: state.sync: database locked'],
        [2, 20, 'state.sync failed with -32000: state.sync: database locked'],
      ]);
      expect(mirrors.map((m) => m.sessions.map((s) => s.id))).toEqual([['s1']]);
    });

    it('resyncs by itself after the connection was lost and came back, and after a restart', () => {
      const mirrors: Mirror[] = [];
      testScheduler.run(() => {
        pando.mirror$.subscribe((m) => mirrors.push(m));
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('state.sync', syncResult([session('s1', 1)]));
        });
        at(2, () => {
          socket().disconnect();
          socket().connect();
          answer('state.sync', syncResult([session('s1', 1), session('s2', 2)]));
        });
        at(3, () => {
          publish(event('instance.shutdown', { instance_id: 'inst-1' }));
          publish(heartbeat());
          answer('state.sync', syncResult([session('s9', 9)]));
        });
      });
      expect(mirrors.map((m) => m.sessions.map((s) => s.id))).toEqual([['s1'], ['s2', 's1'], ['s9']]);
      expect(new Set(mirrors.map((m) => m.syncedAt)).size).toBe(3);
    });

    it('resyncMirror() forces a snapshot and emits the mirror built on it', () => {
      const synced: Mirror[] = [];
      testScheduler.run(() => {
        pando.mirror$.subscribe();
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('state.sync', syncResult([session('s1', 1)]));
        });
        at(5, () => pando.resyncMirror().subscribe({ next: (m) => synced.push(m), complete: () => synced.push(undefined as never) }));
        at(6, () => answer('state.sync', syncResult([session('s1', 1), session('s2', 2)])));
      });
      expect(synced).toHaveLength(2);
      expect(synced[0]!.sessions.map((s) => s.id)).toEqual(['s2', 's1']);
      expect(synced[1]).toBeUndefined();
    });
    it('sync() (the deprecated name of resyncMirror) with no mirror$ subscriber takes exactly one snapshot', () => {
      const synced: Mirror[] = [];
      testScheduler.run(() => {
        pando.sync().subscribe((m) => synced.push(m));
        at(1, () => {
          socket().connect();
          dealer().connect();
          expect(sent().map((r) => r.method)).toEqual(['state.sync']);
          answer('state.sync', syncResult([session('s1', 1)]));
        });
      });
      expect(synced.map((m) => m.sessions.map((s) => s.id))).toEqual([['s1']]);
      expect(transport.openSubscribers()).toHaveLength(0);
    });
  });

  describe('status$', () => {
    it('goes connecting → alive (pong) → stale → alive (heartbeat) → down (shutdown), distinct and replayed', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.status$, '^ 300ms !').toBe('c 9ms a 139ms s 9ms a 9ms d', {
          c: 'connecting',
          a: 'alive',
          s: 'stale',
          d: 'down',
        });
        expectObservable(pando.status$, '155ms ^ 10ms !').toBe('155ms s 4ms a', { s: 'stale', a: 'alive' });
        at(5, () => {
          socket().connect();
          dealer().connect();
        });
        at(10, () => answer('instance.ping', { result: { status: 'ok', instance_id: 'inst-1', uptime: '1s' } }));
        at(50, () => publish(heartbeat())); // keeps it alive (no emission) and restarts the 100 ms watch
        at(160, () => publish(heartbeat()));
        at(170, () => publish(event('instance.shutdown', { instance_id: 'inst-1', reason: 'bye' })));
      });
    });

    it('notices a dropped connection on its own (the shutdown event is often lost)', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.status$, '^ 50ms !').toBe('c 9ms a 9ms d 9ms c 9ms a', {
          c: 'connecting',
          a: 'alive',
          d: 'down',
        });
        at(10, () => publish(heartbeat()));
        at(1, () => socket().connect());
        at(20, () => socket().disconnect());
        at(30, () => socket().connect());
        at(40, () => publish(heartbeat()));
      });
    });
  });

  describe('lag$', () => {
    it('samples every second the age of the newest event handed out (its own timestamp), 0 when none was', () => {
      const aged = (ageMs: number): PandoEvent => ({ ...heartbeat(), timestamp: new Date(testScheduler.now() - ageMs) });
      testScheduler.run(({ expectObservable }) => {
        pando.events$.subscribe();
        expectObservable(pando.lag$, '^ 3500ms !').toBe('1000ms a 999ms b 999ms c', { a: 2500, b: 700, c: 0 });
        at(500, () => publish(aged(2000))); // handed out at 500, published 2 s earlier: 2.5 s old at 1000
        at(1200, () => publish(aged(5000)));
        at(1900, () => publish(aged(600))); // the newest one of the second counts: 700 ms old at 2000
      });
    });
  });

  describe('ask()', () => {
    const PONG = { result: { status: 'ok', instance_id: 'inst-1', uptime: '1s' } };
    const tokenOf = (text: string): PandoEvent => event('llm.token', { session_id: 's1', token: text });

    it('listens, waits for the instance, sends, then emits the reply until its llm.end', () => {
      testScheduler.run(({ expectObservable }) => {
        const texts = pando.ask('s1', 'hi').pipe(map((r) => `${r.text}:${r.status}`));
        expectObservable(texts).toBe('----a-b-(c|)', { a: 'Hel:streaming', b: 'Hello:streaming', c: 'Hello:done' });
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('instance.ping', PONG);
        });
        at(2, () => {
          // The session speaks before the send is acknowledged: kept, not missed.
          publish(tokenOf('Hel'));
          expect(sent().map((r) => [r.method, r.params])).toContainEqual(['message.send', { session_id: 's1', content: 'hi' }]);
        });
        at(3, () => publish(event('llm.token', { session_id: 'other', token: 'not ours' })));
        at(4, () => answer('message.send', { result: { ok: true } }));
        at(6, () => publish(tokenOf('lo')));
        at(8, () => publish(event('llm.end', { session_id: 's1', tokens_in: 0, tokens_out: 0 })));
      });
    });

    it("fails with the instance's error reply, and sends nothing more", () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.ask('s1', 'hi')).toBe(
          '---#',
          undefined,
          new RpcError(-32000, 'message.send: agent runner not available on this instance', 'message.send'),
        );
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('instance.ping', PONG);
        });
        at(3, () => answer('message.send', { error: { code: -32000, message: 'message.send: agent runner not available on this instance' } }));
      });
    });

    it('interrupts the turn when unsubscribed mid-reply, if asked to', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.ask('s1', 'hi', { interruptOnUnsubscribe: true }), '^ 5ms !').toBe('----a-', {
          a: expect.objectContaining({ text: 'x', status: 'streaming' }),
        });
        at(1, () => {
          socket().connect();
          dealer().connect();
          answer('instance.ping', PONG);
        });
        at(3, () => answer('message.send', { result: { ok: true } }));
        at(4, () => publish(tokenOf('x')));
        at(7, () => expect(sent().map((r) => r.method)).toEqual(['instance.ping', 'message.send', 'session.interrupt']));
      });
    });
  });

  describe('ready()', () => {
    it('emits once both sides answered: the events connected and a ping replied', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.ready({ timeoutMs: 50 })).toBe('7ms (r|)', { r: undefined });
        at(2, () => socket().connect());
        at(5, () => dealer().connect());
        at(7, () => answer('instance.ping', { result: { status: 'ok', instance_id: 'inst-1', uptime: '1s' } }));
      });
    });

    it('takes an error reply as an answer: the RPC side is there', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.ready({ timeoutMs: 50 })).toBe('3ms (r|)', { r: undefined });
        at(1, () => {
          socket().connect();
          dealer().connect();
        });
        at(3, () => answer('instance.ping', { error: { code: -32601, message: 'ipc: method not found' } }));
      });
    });

    it('fails at the deadline naming the side that did not answer: the PUB endpoint', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.ready({ timeoutMs: 50 })).toBe(
          '50ms #',
          undefined,
          new InstanceUnreachableError(['events'], { events: PUB, rpc: RPC }, 50),
        );
        at(1, () => dealer().connect());
        at(2, () => answer('instance.ping', { result: { status: 'ok', instance_id: 'inst-1', uptime: '1s' } }));
      });
    });

    it('names both endpoints when nothing answered, and withdraws the ping it never sent', () => {
      let caught: InstanceUnreachableError | undefined;
      testScheduler.run(() => {
        pando.ready({ timeoutMs: 50 }).subscribe({ error: (e: InstanceUnreachableError) => (caught = e) });
        at(60, () => {
          dealer().connect();
          expect(dealer().sent).toEqual([]); // at most once: the abandoned ping never leaves
        });
      });
      expect(caught?.unanswered).toEqual(['events', 'rpc']);
      expect(caught?.message).toBe(`no answer within 50 ms from the PUB endpoint ${PUB} (events) nor from the RPC endpoint ${RPC}`);
    });
  });

  describe('RPC and lifecycle', () => {
    it('fails pending calls at once when instance.shutdown arrives', () => {
      testScheduler.run(({ expectObservable }) => {
        pando.events$.subscribe();
        expectObservable(pando.listSessions()).toBe('5ms #', undefined, new RpcAbortedError('session.list', 'shutdown'));
        at(1, () => dealer().connect());
        at(5, () => publish(event('instance.shutdown', { instance_id: 'inst-1' })));
      });
    });

    it('fails no pending call on a replayed instance.shutdown (history a replaying link hands over), and still passes the event on', () => {
      const sinks: Array<LinkSink<EventLinkSignal>> = [];
      const replaying: Transport = {
        openEvents: (address, sink) => {
          sinks.push(sink);
          return transport.openEvents(address, sink);
        },
        openRequests: (address, sink) => transport.openRequests(address, sink),
      };
      const remote = connect({ pubEndpoint: PUB, rpcEndpoint: RPC, transport: replaying, scheduler: testScheduler, rpcTimeoutMs: 1000 });
      const topics: string[] = [];
      testScheduler.run(({ expectObservable }) => {
        remote.events$.subscribe((e) => topics.push(e.topic));
        expectObservable(remote.listSessions()).toBe('8ms (r|)', { r: [] });
        at(1, () => dealer().connect());
        at(5, () => sinks[0]!.next({ kind: 'frame', frame: encodeFrame(event('instance.shutdown', { instance_id: 'inst-1' })), replayed: true }));
        at(8, () => answer('session.list', { result: [] }));
      });
      expect(topics).toEqual(['instance.shutdown']);
      remote.close();
    });

    it('close() completes every stream and frees every socket', () => {
      const ends: string[] = [];
      testScheduler.run(() => {
        pando.events$.subscribe({ complete: () => ends.push('events') });
        pando.mirror$.subscribe({ complete: () => ends.push('mirror') });
        pando.status$.subscribe({ complete: () => ends.push('status') });
        pando.token$.subscribe({ complete: () => ends.push('token') });
        let callError: unknown;
        at(1, () => {
          socket().connect();
          pando.ping().subscribe({ error: (e) => (callError = e) });
        });
        at(5, () => {
          pando.close();
          expect(callError).toEqual(expect.any(RpcAbortedError));
        });
        at(6, () => {
          expect(transport.openSubscribers()).toHaveLength(0);
          expect(transport.openDealers()).toHaveLength(0);
          let late = false;
          pando.events$.subscribe({ complete: () => (late = true) });
          expect(late).toBe(true);
        });
      });
      expect(ends.sort()).toEqual(['events', 'mirror', 'status', 'token']);
    });

    it('times out calls with RpcTimeoutError (rpcTimeoutMs)', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(pando.ping()).toBe('1000ms #', undefined, new RpcTimeoutError('instance.ping', 1000));
      });
    });
  });
});

describe('RemoteSession', () => {
  it('follows one session: its events, its tokens, and the instance mirror', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const transport = new FakeTransport({ now: () => testScheduler.now() });
    const view = new RemoteSession({
      instanceId: 'inst-1',
      sessionId: 's1',
      pubEndpoint: PUB,
      rpcEndpoint: RPC,
      transport,
      scheduler: testScheduler,
    });
    const seen: string[] = [];
    testScheduler.run(() => {
      view.sessionEvents$.subscribe((e) => seen.push(`event:${e.topic}`));
      view.token$.subscribe((t) => seen.push(`token:${t.token}`));
      testScheduler.schedule(() => {
        transport.publish(PUB, encodeFrame(event('llm.token', { session_id: 's1', token: 'yes' }, 's1')));
        transport.publish(PUB, encodeFrame(event('llm.token', { session_id: 's2', token: 'no' }, 's2')));
        transport.publish(PUB, encodeFrame(event('session.update', session('s1', 3))));
        expect(transport.openSubscribers()).toHaveLength(1);
      }, 1);
    });
    expect(view.instanceId).toBe('inst-1');
    expect(view.sessionId).toBe('s1');
    expect(seen).toEqual(['event:llm.token', 'token:yes', 'event:session.update']);
    view.close();
    expect(transport.openSubscribers()).toHaveLength(0);
  });
});
