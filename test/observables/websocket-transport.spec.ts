import { TestScheduler } from 'rxjs/testing';
import { map, of } from 'rxjs';
import { toBase64 } from '../../src/codecs/internal/base64';
import { eventSignals } from '../../src/observables/event-signals';
import { InvalidEndpointError } from '../../src/observables/endpoint';
import { connectBrowser } from '../../src/observables/connect-browser';
import type { RequestLinkSignal } from '../../src/observables/transport';
import { WebSocketTransport } from '../../src/observables/transports/websocket/websocket-transport';
import type { BridgeServerMessage } from '../../src/codecs/bridge';
import { FakeWebSocket } from '../helpers/fake-websocket';

const URL_ = 'ws://127.0.0.1:8787/';
const encoder = new TextEncoder();

const frameOf = (text: string): BridgeServerMessage => ({ type: 'frame', data: toBase64(encoder.encode(text)) });

describe('WebSocketTransport (the browser side of the bridge), against a fake WebSocket', () => {
  let testScheduler: TestScheduler;
  let transport: WebSocketTransport;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    FakeWebSocket.reset(testScheduler);
    transport = new WebSocketTransport({ token: 'sec ret', WebSocket: FakeWebSocket, scheduler: testScheduler });
  });

  it('opens one WebSocket per link, with its side and the token in the URL', () => {
    const sink = { next: jest.fn(), error: jest.fn() };
    transport.openEvents(URL_, sink).close();
    transport.openRequests(`${URL_}?x=1`, sink).close();
    expect(FakeWebSocket.made.map((ws) => ws.url)).toEqual([
      `${URL_}?side=events&token=sec%20ret`,
      `${URL_}?x=1&side=requests&token=sec%20ret`,
    ]);
    expect(FakeWebSocket.made.every((ws) => ws.closedByClient)).toBe(true);
  });

  it('refuses an address that is not a ws:// URL before opening anything', () => {
    testScheduler.run(({ expectObservable }) => {
      expectObservable(eventSignals(transport, 'tcp://127.0.0.1:1', of(['']))).toBe(
        '#',
        undefined,
        new InvalidEndpointError('tcp://127.0.0.1:1', 'a bridge address is a ws:// or wss:// URL'),
      );
    });
    expect(FakeWebSocket.made).toEqual([]);
  });

  it('sends its prefixes on open (again after a reconnection) and reports frames and the instance connection', () => {
    testScheduler.run(({ expectObservable, cold }) => {
      const signals$ = eventSignals(transport, URL_, cold('a 4ms b', { a: ['llm.'], b: ['llm.', 'tool.'] })).pipe(
        map((signal) => (signal.kind === 'frame' ? new TextDecoder().decode(signal.frame) : signal.kind)),
      );
      expectObservable(signals$, '^ 300ms !').toBe('-cf-d-u 250ms c', {
        c: 'connected',
        f: 'llm.token\u0000{}',
        d: 'disconnected',
        u: 'unreachable',
      });
      testScheduler.schedule(() => {
        FakeWebSocket.last().open();
        FakeWebSocket.last().say({ type: 'connection', state: 'connected' });
      }, 1);
      testScheduler.schedule(() => FakeWebSocket.last().say(frameOf('llm.token\u0000{}')), 2);
      testScheduler.schedule(() => FakeWebSocket.last().say('{"type":"nonsense"}'), 3); // dropped, not fatal
      testScheduler.schedule(() => FakeWebSocket.last().say({ type: 'connection', state: 'disconnected' }), 4);
      testScheduler.schedule(() => FakeWebSocket.last().drop(), 6);
      testScheduler.schedule(() => {
        FakeWebSocket.last().open();
        FakeWebSocket.last().say({ type: 'connection', state: 'connected' });
      }, 257);
    });
    const [first, second] = FakeWebSocket.made;
    expect(first!.sent).toEqual([{ type: 'subscribe', prefix: 'llm.' }, { type: 'subscribe', prefix: 'tool.' }]);
    expect(second!.madeAt).toBe(256); // 250 ms after the drop
    expect(second!.sent).toEqual([
      { type: 'subscribe', prefix: 'llm.' },
      { type: 'subscribe', prefix: 'tool.' },
    ]);
    expect(second!.closedByClient).toBe(true);
  });

  it('tries a bridge that cannot be reached with exponential backoff, saying unreachable once', () => {
    transport = new WebSocketTransport({
      token: 't',
      WebSocket: FakeWebSocket,
      scheduler: testScheduler,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
    });
    testScheduler.run(({ expectObservable }) => {
      const signals$ = eventSignals(transport, URL_, of([''])).pipe(map((signal) => signal.kind));
      expectObservable(signals$, '^ 200ms !').toBe('u', { u: 'unreachable' });
      FakeWebSocket.refuse = true; // every attempt fails at once
    });
    expect(FakeWebSocket.made.map((ws) => ws.madeAt)).toEqual([0, 10, 30, 70, 110, 150, 190]);
  });

  it('after "behind" (the bridge dropped frames for it) says connected again, so the mirror resyncs', () => {
    testScheduler.run(({ expectObservable }) => {
      const signals$ = eventSignals(transport, URL_, of([''])).pipe(map((signal) => signal.kind));
      expectObservable(signals$).toBe('-cc', { c: 'connected' });
      testScheduler.schedule(() => {
        FakeWebSocket.last().open();
        FakeWebSocket.last().say({ type: 'connection', state: 'connected' });
      }, 1);
      testScheduler.schedule(() => FakeWebSocket.last().say({ type: 'behind', dropped: 12 }), 2);
    });
  });

  it('request link: false without a connection, the bridge\'s sent answer otherwise; replies and signals passed on', async () => {
    const signals: RequestLinkSignal[] = [];
    const link = transport.openRequests(URL_, { next: (s) => signals.push(s), error: (e) => fail(e) });
    expect(link.send('{"a":1}')).toBe(false);
    const ws = FakeWebSocket.last();
    ws.open();
    ws.say({ type: 'connection', state: 'connected' });
    ws.say({ type: 'ready' });
    const first = link.send('{"jsonrpc":"2.0","id":"1","method":"instance.ping","params":{}}');
    const second = link.send('{"jsonrpc":"2.0","id":"2","method":"instance.ping","params":{}}');
    expect(ws.sent).toEqual([
      { type: 'request', seq: 2, request: '{"jsonrpc":"2.0","id":"1","method":"instance.ping","params":{}}' },
      { type: 'request', seq: 3, request: '{"jsonrpc":"2.0","id":"2","method":"instance.ping","params":{}}' },
    ]);
    ws.say({ type: 'sent', seq: 3, sent: false });
    ws.say({ type: 'sent', seq: 2, sent: true });
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(false);
    ws.say({ type: 'reply', data: '{"jsonrpc":"2.0","id":"1","result":{}}' });
    expect(signals.map((s) => (s.kind === 'reply' ? new TextDecoder().decode(s.frame) : s.kind))).toEqual([
      'connected',
      'ready',
      '{"jsonrpc":"2.0","id":"1","result":{}}',
    ]);
    // A send that the bridge never answered may have gone out: true, then unreachable.
    const third = link.send('{"jsonrpc":"2.0","id":"3","method":"instance.ping","params":{}}');
    ws.drop();
    await expect(third).resolves.toBe(true);
    expect(signals[signals.length - 1]).toEqual({ kind: 'unreachable' });
    link.close();
  });

  it('connectBrowser: status$ goes unreachable when the bridge drops, and back when it returns', () => {
    testScheduler.run(({ expectObservable }) => {
      const pando = connectBrowser({ url: URL_, token: 't', WebSocket: FakeWebSocket, scheduler: testScheduler, rpcTimeoutMs: 1000 });
      expectObservable(pando.status$, '^ 600ms !').toBe('a 9ms b 254ms c 334ms |', { a: 'connecting', b: 'unreachable', c: 'connecting' });
      const events = (): FakeWebSocket | undefined => FakeWebSocket.made.filter((ws) => ws.url.includes('side=events')).pop();
      testScheduler.schedule(() => {
        events()!.open();
        events()!.say({ type: 'connection', state: 'connected' });
      }, 1);
      testScheduler.schedule(() => events()!.drop(), 10);
      testScheduler.schedule(() => {
        events()!.open();
        events()!.say({ type: 'connection', state: 'connected' });
      }, 265);
      testScheduler.schedule(() => pando.close(), 600);
    });
  });
});
