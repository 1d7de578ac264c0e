import { TestScheduler } from 'rxjs/testing';
import type { BridgeFleetMember } from '../../src/codecs/bridge';
import { watchBridgeFleet, type BridgeFleet } from '../../src/observables/watch-bridge-fleet';
import { FakeWebSocket } from '../helpers/fake-websocket';

const URL_ = 'ws://127.0.0.1:8787/';
const a: BridgeFleetMember = { id: 'a', workdir: '/work/a', primary: true };
const b: BridgeFleetMember = { id: 'b', workdir: '/work/b' };
const c: BridgeFleetMember = { id: 'c', workdir: '/work/c' };

describe('watchBridgeFleet (the browser side of the fleet), against a fake WebSocket, in virtual time', () => {
  let testScheduler: TestScheduler;
  const fleet$ = () => watchBridgeFleet({ url: URL_, token: 't k', WebSocket: FakeWebSocket, scheduler: testScheduler, reconnect: { initialDelayMs: 10 } });

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    FakeWebSocket.reset(testScheduler);
  });

  it('follows members, joined and left; keeps the last members while unreachable; takes a fresh list after reconnecting; closes on unsubscribe', () => {
    testScheduler.run(({ expectObservable }) => {
      const at = (frame: number, act: () => void) => testScheduler.schedule(act, frame);
      at(1, () => {
        FakeWebSocket.last().readyState = 1;
        FakeWebSocket.last().onopen?.({});
        FakeWebSocket.last().say({ type: 'hello', version: 1, control: true });
        FakeWebSocket.last().say({ type: 'members', members: [a] });
      });
      at(3, () => FakeWebSocket.last().say({ type: 'joined', member: b }));
      at(4, () => FakeWebSocket.last().say({ type: 'frame', data: '' })); // not a fleet message: ignored
      at(5, () => FakeWebSocket.last().say({ type: 'left', id: 'a' }));
      at(7, () => FakeWebSocket.last().drop());
      at(20, () => {
        FakeWebSocket.last().open();
        FakeWebSocket.last().say({ type: 'members', members: [c, b] });
      });
      const values: Record<string, BridgeFleet> = {
        a: { reachable: true, control: true, members: [a] },
        b: { reachable: true, control: true, members: [a, b] },
        c: { reachable: true, control: true, members: [b] },
        d: { reachable: false, control: true, members: [b] },
        e: { reachable: true, control: false, members: [c, b] },
      };
      expectObservable(fleet$(), '^ 25ms !').toBe('-a-b-c-d 12ms e', values);
    });
    expect(FakeWebSocket.made.map((ws) => [ws.url, ws.madeAt])).toEqual([
      [`${URL_}?side=fleet&token=t%20k`, 0],
      [`${URL_}?side=fleet&token=t%20k`, 17],
    ]);
    expect(FakeWebSocket.last().closedByClient).toBe(true);
  });

  it('a joined member that is already listed replaces it (an instance back on other ports)', () => {
    testScheduler.run(({ expectObservable }) => {
      testScheduler.schedule(() => {
        FakeWebSocket.last().open();
        FakeWebSocket.last().say({ type: 'members', members: [a, b] });
        FakeWebSocket.last().say({ type: 'joined', member: { ...a, pid: 7 } });
      }, 1);
      expectObservable(fleet$()).toBe('-(xy)', {
        x: { reachable: true, control: false, members: [a, b] },
        y: { reachable: true, control: false, members: [b, { ...a, pid: 7 }] },
      });
    });
  });

  it('errors on a bridge of another protocol version, and without a WebSocket at all', () => {
    testScheduler.run(({ expectObservable }) => {
      testScheduler.schedule(() => {
        FakeWebSocket.last().readyState = 1;
        FakeWebSocket.last().say({ type: 'hello', version: 2, control: false });
      }, 2);
      expectObservable(fleet$()).toBe('--#', undefined, new Error('the bridge speaks version 2 of its protocol; this client speaks 1'));
    });
    // No global WebSocket (Node before 22), and none given.
    const global = globalThis as { WebSocket?: unknown };
    const before = global.WebSocket;
    delete global.WebSocket;
    try {
      const errors: unknown[] = [];
      watchBridgeFleet({ url: URL_, token: 't' }).subscribe({ error: (error: unknown) => errors.push(error) });
      expect(String(errors[0])).toContain('no WebSocket here');
    } finally {
      if (before !== undefined) global.WebSocket = before;
    }
  });
});
