import type { TestScheduler } from 'rxjs/testing';
import type { BridgeServerMessage } from '../../src/codecs/bridge';
import type { WebSocketLike } from '../../src/observables/transports/websocket/bridge-socket';

/** A WebSocket that the test drives: it opens, speaks and drops when told. */
export class FakeWebSocket implements WebSocketLike {
  static made: FakeWebSocket[] = [];
  static now: () => number = () => 0;
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: unknown[] = [];
  readonly madeAt = FakeWebSocket.now();
  closedByClient = false;
  static refuse = false;
  static scheduler: TestScheduler | undefined;
  constructor(readonly url: string) {
    FakeWebSocket.made.push(this);
    if (FakeWebSocket.refuse) FakeWebSocket.scheduler!.schedule(() => this.drop());
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }
  // -- what the test does --
  open(hello = true): void {
    this.readyState = 1;
    this.onopen?.({});
    if (hello) this.say({ type: 'hello', version: 1, control: false });
  }
  say(message: BridgeServerMessage | string): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
  drop(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({});
  }
  /** A fresh start for each test: nothing made, refusing nothing, on this scheduler's clock. */
  static reset(scheduler: TestScheduler): void {
    FakeWebSocket.made = [];
    FakeWebSocket.now = () => scheduler.now();
    FakeWebSocket.refuse = false;
    FakeWebSocket.scheduler = scheduler;
  }
  static last(): FakeWebSocket {
    return FakeWebSocket.made[FakeWebSocket.made.length - 1]!;
  }
}

