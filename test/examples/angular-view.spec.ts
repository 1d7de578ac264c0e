import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { BRIDGE_REFUSED_CODE } from '../../src/codecs/bridge';
import { encodeFrame } from '../../src/codecs/frame';
import type { Session } from '../../src/codecs/payloads';
import type { KnownEvent, PandoEvent } from '../../src/codecs/topics';
import { RemoteInstance } from '../../src/observables/remote-instance';
import { InstanceUnreachableError } from '../../src/observables/ready';
import { RpcError, RpcTimeoutError } from '../../src/observables/rpc-errors';
import { applyMirrorEvent, createMirror, type Mirror } from '../../src/operators/mirrorState';
import { FakeTransport, type FakeSubscriber } from '../../src/testing/fake-transport';
import { bridgeSetupFrom } from '../../examples/angular/src/app/view/bridge-config';
import { describeSendError } from '../../examples/angular/src/app/view/send-error';
import { listOf, sessionListView } from '../../examples/angular/src/app/view/session-list-view';
import { sessionTextView, type SessionTextView } from '../../examples/angular/src/app/view/session-text-view';
import { describeStatus, statusView } from '../../examples/angular/src/app/view/status-view';

// The Angular example's view models (examples/angular/src/app/view), without Angular: the same
// RemoteInstance the app gets from connectBrowser, over the fake transport, in virtual time.

const URL = 'ws://127.0.0.1:8787/';
const T0 = Date.parse('2026-03-01T10:00:00Z');

type Wire = KnownEvent['topic'];
const event = <K extends Wire>(topic: K, payload: Extract<KnownEvent, { topic: K }>['payload'], ms = 0): PandoEvent =>
  ({ topic, instanceId: 'inst-1', projectId: '', timestamp: new Date(T0 + ms), payload }) as PandoEvent;
const token = (session_id: string, text: string, ms: number): PandoEvent => event('llm.token', { session_id, token: text }, ms);
const end = (session_id: string, ms: number): PandoEvent => event('llm.end', { session_id, tokens_in: 1, tokens_out: 2 }, ms);
const session = (id: string, second: number, title = id): Session => ({ id, title, updated_at: new Date(T0 + second * 1000), message_count: second });

/** A view as `text:status` per turn, `|`-separated, `…` while streaming: what a reader sees. */
const shown = (view: SessionTextView): string => `${view.turns.map((t) => `${t.text}:${t.status}`).join('|')}${view.streaming ? '…' : ''}`;

describe('examples/angular view models', () => {
  let testScheduler: TestScheduler;
  let transport: FakeTransport;
  let pando: RemoteInstance;
  const socket = (): FakeSubscriber => transport.openSubscribers(URL)[0]!;
  const publish = (e: PandoEvent): number => transport.publish(URL, encodeFrame(e));
  const at = (time: number, work: () => void): void => void testScheduler.schedule(work, time);

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    transport = new FakeTransport({ now: () => testScheduler.now() });
    pando = new RemoteInstance(transport, { pubEndpoint: URL, rpcEndpoint: URL, scheduler: testScheduler, heartbeatTimeoutMs: 100 });
  });

  afterEach(() => pando.close());

  describe('sessionTextView (forSession + streamText)', () => {
    const llm = () => pando.on('llm.start', 'llm.token', 'llm.end');

    it('starts empty, grows one turn per token, ends it done, then appends the next turn', () => {
      testScheduler.run(({ expectObservable }) => {
        const view$ = sessionTextView(llm(), 's1').pipe(map(shown));
        expectObservable(view$, '^ 20ms !').toBe('a 1ms b c 1ms d 1ms e', {
          a: '',
          b: 'Hel:streaming…',
          c: 'Hello:streaming…',
          d: 'Hello:done',
          e: 'Hello:done|Bye:streaming…',
        });
        at(2, () => publish(token('s1', 'Hel', 2)));
        at(3, () => publish(token('s1', 'lo', 3)));
        at(4, () => publish(token('s2', 'not mine', 4))); // another session's turn: not shown
        at(5, () => publish(end('s1', 5)));
        at(7, () => publish(token('s1', 'Bye', 7)));
      });
    });

    it('marks a turn interrupted after idleTimeoutMs of silence (session.interrupt makes Pando go silent)', () => {
      testScheduler.run(({ expectObservable }) => {
        const view$ = sessionTextView(llm(), 's1', { idleTimeoutMs: 50, scheduler: testScheduler }).pipe(map(shown));
        expectObservable(view$, '^ 100ms !').toBe('a 1ms b 49ms c', { a: '', b: 'Hi:streaming…', c: 'Hi:interrupted' });
        at(2, () => publish(token('s1', 'Hi', 2)));
      });
    });

    it('keeps the last maxTurns turns', () => {
      testScheduler.run(({ expectObservable }) => {
        const view$ = sessionTextView(llm(), 's1', { maxTurns: 2 }).pipe(map(shown));
        expectObservable(view$, '^ 40ms !').toBe('a 9ms (bc) 6ms (de) 6ms (fg)', {
          a: '',
          b: '1:streaming…',
          c: '1:done',
          d: '1:done|2:streaming…',
          e: '1:done|2:done',
          f: '2:done|3:streaming…',
          g: '2:done|3:done',
        });
        for (const n of [1, 2, 3]) {
          at(10 * n, () => {
            publish(token('s1', String(n), 10 * n));
            publish(end('s1', 10 * n + 1));
          });
        }
      });
    });

    it('asks the bridge for the llm.* topics only, and closes the link when the view is left', () => {
      testScheduler.run(() => {
        const subscription = sessionTextView(llm(), 's1').subscribe();
        at(1, () => expect(new Set(socket().prefixes)).toEqual(new Set(['llm.start\u0000', 'llm.token\u0000', 'llm.end\u0000', 'instance.shutdown\u0000'])));
        at(2, () => subscription.unsubscribe());
        at(3, () => expect(transport.openSubscribers()).toHaveLength(0));
      });
    });
  });

  describe('statusView', () => {
    it('says "bridge unreachable" when the bridge is gone, and "live" once it is back', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(statusView(pando.status$).pipe(map((v) => `${v.label}/${v.tone}`)), '^ 30ms !').toBe('a 2ms b 4ms c 2ms d 2ms e', {
          a: 'connecting/pending',
          b: 'live/ok',
          c: 'bridge unreachable/error',
          d: 'connecting/pending',
          e: 'live/ok',
        });
        at(1, () => socket().connect());
        at(3, () => publish(event('instance.heartbeat', { instance_id: 'inst-1', session_count: 0, uptime: { ms: 0, text: '0s' }, started_at: new Date(T0) }, 3)));
        at(8, () => socket().unreachable());
        at(11, () => socket().connect());
        at(14, () => publish(event('instance.heartbeat', { instance_id: 'inst-1', session_count: 0, uptime: { ms: 0, text: '0s' }, started_at: new Date(T0) }, 14)));
      });
    });

    it('tells the instance being down apart from the bridge being unreachable', () => {
      expect(describeStatus('down').label).toBe('instance down');
      expect(describeStatus('unreachable').label).toBe('bridge unreachable');
      expect(describeStatus('stale').tone).toBe('warn');
    });
  });

  describe('sessionListView', () => {
    const mirror = createMirror({
      instanceId: 'inst-1',
      sessions: [session('s1', 10, 'first'), session('s2', 20, ''), session('s3', 5)],
      activeSessionId: 's1',
      source: 'state.sync',
      syncedAt: new Date(T0),
    });
    const rows = (m: Mirror, chosen: string | undefined): string =>
      listOf(m, chosen)
        .rows.map((r) => `${r.title}${r.active ? '*' : ''}${r.selected ? '>' : ''}`)
        .join(' ');

    it('lists newest first, titles or ids, the active session marked, and selects the active one by default', () => {
      expect(rows(mirror, undefined)).toBe('s2 first*> s3');
      expect(listOf(mirror, 's3').selected?.id).toBe('s3');
      expect(listOf(mirror, 'gone').selected?.id).toBe('s1');
    });

    it('follows the mirror and the choice; a chosen session that is deleted falls back to the active one', () => {
      testScheduler.run(({ hot, expectObservable }) => {
        const deleted = applyMirrorEvent(mirror, event('session.deleted', session('s3', 5)));
        const mirror$ = hot('  -m---n', { m: mirror, n: deleted });
        const chosen$ = hot('  u--c--', { u: undefined, c: 's3' });
        expectObservable(sessionListView(mirror$, chosen$).pipe(map((v) => v.rows.map((r) => `${r.id}${r.selected ? '>' : ''}`).join(' ')))).toBe('-a-b-c', {
          a: 's2 s1> s3',
          b: 's2 s1 s3>',
          c: 's2 s1>',
        });
      });
    });
  });

  describe('bridgeSetupFrom', () => {
    it('reads ?bridge= and #token=, with the default bridge when none is named', () => {
      expect(bridgeSetupFrom({ search: '?bridge=wss%3A%2F%2Fpando.example%2F', hash: '#token=abc%2Bdef' })).toEqual({
        ok: true,
        config: { url: 'wss://pando.example/', token: 'abc+def' },
      });
      expect(bridgeSetupFrom({ search: '', hash: '#token=t0ken-123' })).toEqual({ ok: true, config: { url: 'ws://127.0.0.1:8787/', token: 't0ken-123' } });
    });

    it('says what is wrong: no token, or a bridge that is not a WebSocket URL', () => {
      expect(bridgeSetupFrom({ search: '', hash: '' })).toEqual({ ok: false, problem: expect.stringContaining('#token=') });
      expect(bridgeSetupFrom({ search: '?bridge=http://x/', hash: '#token=t' })).toEqual({ ok: false, problem: expect.stringContaining('not a ws:// or wss:// URL') });
    });
  });

  describe('describeSendError', () => {
    it('explains a read-only bridge, an instance error, a timeout and an unreachable instance', () => {
      expect(describeSendError(new RpcError(BRIDGE_REFUSED_CODE, 'control is not allowed', 'message.send'))).toMatch(/read-only.*--allow-control/);
      expect(describeSendError(new RpcError(-32000, 'session is busy', 'message.send'))).toBe('The instance refused the message: session is busy');
      expect(describeSendError(new RpcTimeoutError('message.send', 10_000))).toMatch(/did not answer in time/);
      expect(describeSendError(new InstanceUnreachableError(['rpc'], { events: URL, rpc: URL }, 1000))).toMatch(/cannot be reached/);
    });
  });
});
