import type { RequestLinkSignal } from '../../src/observables/transport';
import type { ZeromqModule } from '../../src/observables/transports/zeromq/load-zeromq';
import { openZeromqRequestLink } from '../../src/observables/transports/zeromq/request-link';

// The request link's send path against a scripted Dealer: when it asks `writable` (the
// ZMQ_EVENTS probe) and when it sends without asking. Over real sockets, libzmq's timing
// decides whether a send just after a drop is refused or slips into the dying pipe, so the
// transport spec accepts both; here the probe itself is what is checked.

/** A monitor (`socket.events`) that yields the events the test pushes. */
class FakeObserver {
  closed = false;
  private readonly queued: Array<{ type: string }> = [];
  private waiting: ((event: { type: string } | undefined) => void) | undefined;
  receive(): Promise<{ type: string } | undefined> {
    const event = this.queued.shift();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise((resolve) => (this.waiting = resolve));
  }
  push(type: string): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) waiting({ type });
    else this.queued.push({ type });
  }
  close(): void {
    this.closed = true;
    this.push('end');
  }
}

class FakeDealer {
  static last: FakeDealer | undefined;
  readonly events = new FakeObserver();
  closed = false;
  /** What `writable` answers, and how often it was asked. */
  canWrite = true;
  probes = 0;
  readonly sent: string[] = [];
  constructor() {
    FakeDealer.last = this;
  }
  get writable(): boolean {
    this.probes++;
    return this.canWrite;
  }
  connect(): void {}
  close(): void {
    this.closed = true;
    this.events.push('end');
  }
  receive(): Promise<never> {
    return new Promise(() => undefined);
  }
  send([, json]: [string, string]): Promise<void> {
    this.sent.push(json);
    return Promise.resolve();
  }
}

const zeromq = { Dealer: FakeDealer } as unknown as ZeromqModule;
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ZeroMQ request link: when a send probes ZMQ_EVENTS first', () => {
  it('probes the first send and each one after a drop; a send that slipped through after the drop does not end the probing', async () => {
    const signals: RequestLinkSignal['kind'][] = [];
    const link = openZeromqRequestLink(zeromq, 'tcp://127.0.0.1:5552', { next: (s) => signals.push(s.kind), error: (e) => fail(e) });
    const dealer = FakeDealer.last!;
    const send = async (json: string): Promise<boolean> => link.send(json);
    try {
      dealer.events.push('connect');
      await settled();
      expect(signals).toEqual(['connected']);

      // The first send is probed; once one went out, the next are tried without asking.
      expect(await send('1')).toBe(true);
      expect(dealer.probes).toBe(1);
      expect(await send('2')).toBe(true);
      expect(dealer.probes).toBe(1);

      // A drop is reported: the next send is probed, and refused while nothing can take it.
      dealer.events.push('disconnect');
      await settled();
      dealer.canWrite = false;
      expect(await send('3')).toBe(false);
      expect(dealer.probes).toBe(2);
      // libzmq may not have taken the broken pipe down yet: a send slips through...
      dealer.canWrite = true;
      expect(await send('4')).toBe(true);
      expect(dealer.probes).toBe(3);
      // ...and the one after it is still probed, until the next connection.
      expect(await send('5')).toBe(true);
      expect(dealer.probes).toBe(4);

      dealer.events.push('connect');
      await settled();
      expect(await send('6')).toBe(true);
      expect(dealer.probes).toBe(5);
      expect(await send('7')).toBe(true);
      expect(dealer.probes).toBe(5);
      expect(dealer.sent).toEqual(['1', '2', '4', '5', '6', '7']);
    } finally {
      link.close();
    }
  });
});
