import { Subject, concat, defer, filter, firstValueFrom, skip, throwError, timeout } from 'rxjs';
import * as zmq from 'zeromq';
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeFrame } from '../../src/codecs/frame.js';
import type { PandoEvent } from '../../src/codecs/topics.js';
import type { FakeInstance } from '../../src/testing/index.js';

/**
 * Plain zeromq.js clients for the fake instance's specs (our own library is not used here):
 * a DEALER that sends JSON-RPC requests and collects replies, and a SUB that collects frames.
 * Both are read by one loop each and closed by `close()`; every wait has a timeout.
 */

const DEFAULT_WAIT_MS = 5000;

/** Collects values and lets a test wait for the first (past or future) that matches. */
class Log<T> {
  readonly items: T[] = [];
  private readonly pushed = new Subject<T>();

  push(item: T): void {
    this.items.push(item);
    this.pushed.next(item);
  }

  /** The first item at or after index `from` that matches; rejects after `timeoutMs`. */
  waitFor(match: (item: T) => boolean, from = 0, timeoutMs = DEFAULT_WAIT_MS, what = 'item'): Promise<T> {
    return firstValueFrom(
      defer(() => concat(this.items.slice(), this.pushed)).pipe(
        skip(from),
        filter(match),
        timeout({ first: timeoutMs, with: () => throwError(() => new Error(`no matching ${what} within ${timeoutMs} ms`)) }),
      ),
    );
  }
}

/** A parsed reply as the DEALER received it. */
export interface Reply {
  /** Every frame of the message (a reply is `[empty][JSON]`). */
  readonly frames: Buffer[];
  /** The JSON of the last frame. */
  readonly json: { jsonrpc: string; id: string; result?: unknown; error?: { code: number; message: string } };
  /** The last frame as text. */
  readonly text: string;
}

let nextId = 0;

/** A DEALER connected to an instance's RPC endpoint. */
export class RpcClient {
  private readonly dealer = new zmq.Dealer({ linger: 0 });
  readonly replies = new Log<Reply>();
  private queue: Promise<void> = Promise.resolve();

  constructor(endpoint: string) {
    this.dealer.connect(endpoint);
    void this.loop();
  }

  private async loop(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.dealer.receive();
      } catch {
        return;
      }
      const text = frames[frames.length - 1]!.toString('utf8');
      this.replies.push({ frames, json: JSON.parse(text) as Reply['json'], text });
    }
  }

  /** Sends one message (frames as given), one send at a time. */
  sendFrames(frames: Array<string | Buffer>): Promise<void> {
    const sent = this.queue.then(() => this.dealer.send(frames));
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  /** Sends a request `[empty][JSON]` (or `[JSON]` with `oneFrame`) without waiting for the reply. */
  send(method: string, params: unknown, id: string = `req-${++nextId}`, oneFrame = false): string {
    const json = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    void this.sendFrames(oneFrame ? [json] : ['', json]);
    return id;
  }

  /** Sends a request and waits for the reply with its id. */
  call(method: string, params: unknown = {}, id: string = `req-${++nextId}`, oneFrame = false): Promise<Reply> {
    const reply = this.replyTo(id);
    this.send(method, params, id, oneFrame);
    return reply;
  }

  /** The reply with this id. */
  replyTo(id: string, timeoutMs?: number): Promise<Reply> {
    return this.replies.waitFor((r) => r.json.id === id, 0, timeoutMs, `reply to ${id}`);
  }

  /** The `n`-th reply received (0-based). */
  nth(n: number): Promise<Reply> {
    return this.replies.waitFor(() => true, n, DEFAULT_WAIT_MS, `reply #${n}`);
  }

  close(): void {
    this.dealer.close();
  }
}

/** The topic of the probe events that `EventTap.ready` and `fence` publish. */
export const PROBE_TOPIC = 'test.probe';

/** One received frame, decoded. */
export interface Received {
  readonly frame: Buffer;
  /** The decoded event; `undefined` when decodeFrame failed (see `error`). */
  readonly event: PandoEvent | undefined;
  readonly error: string | undefined;
}

let probeCounter = 0;

/** A SUB connected to an instance's PUB endpoint, subscribed to everything. */
export class EventTap {
  private readonly sub = new zmq.Subscriber({ linger: 0 });
  readonly received = new Log<Received>();

  constructor(endpoint: string) {
    this.sub.connect(endpoint);
    this.sub.subscribe();
    void this.loop();
  }

  private async loop(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.sub.receive();
      } catch {
        return;
      }
      const frame = frames[0]!;
      const decoded = decodeFrame(frame);
      this.received.push(
        isRight(decoded)
          ? { frame, event: decoded.right, error: undefined }
          : { frame, event: undefined, error: decoded.left.message },
      );
    }
  }

  /** Every frame received, except probes. */
  frames(): Received[] {
    return this.received.items.filter((r) => r.event?.topic !== PROBE_TOPIC);
  }

  /** Every decoded event received, except probes. */
  events(): PandoEvent[] {
    return this.frames().flatMap((r) => (r.event === undefined ? [] : [r.event]));
  }

  /**
   * Waits until the subscription has reached the instance: publishes a probe every 10 ms until
   * one arrives (events published before that are lost, as on any PUB socket).
   */
  async ready(fake: FakeInstance): Promise<void> {
    const tag = `ready-${++probeCounter}`;
    const arrived = this.received.waitFor((r) => isProbe(r, tag), 0, DEFAULT_WAIT_MS, 'probe');
    const probe = (): void => void fake.publish(probeEvent(fake, tag)).catch(() => undefined);
    probe();
    const timer = setInterval(probe, 10);
    try {
      await arrived;
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Publishes one probe and waits for it: since a PUB socket keeps order, every event the
   * instance published before the fence has arrived once this resolves. Returns the index of the
   * probe in `received.items`.
   */
  async fence(fake: FakeInstance): Promise<number> {
    const tag = `fence-${++probeCounter}`;
    const arrived = this.received.waitFor((r) => isProbe(r, tag), 0, DEFAULT_WAIT_MS, 'fence');
    await fake.publish(probeEvent(fake, tag));
    return this.received.items.indexOf(await arrived);
  }

  /** The first event (past or future) of this topic that matches. */
  waitForEvent(topic: string, match: (event: PandoEvent) => boolean = () => true, timeoutMs?: number): Promise<PandoEvent> {
    return this.received
      .waitFor((r) => r.event !== undefined && r.event.topic === topic && match(r.event), 0, timeoutMs, `"${topic}" event`)
      .then((r) => r.event!);
  }

  /** Waits until `count` events of this topic have arrived; returns them. */
  async waitForCount(topic: string, count: number, timeoutMs?: number): Promise<PandoEvent[]> {
    let seen = 0;
    await this.received.waitFor((r) => r.event?.topic === topic && ++seen >= count, 0, timeoutMs, `${count} "${topic}" events`);
    return this.events().filter((e) => e.topic === topic);
  }

  /** The first frame (past or future) that matches. */
  waitForFrame(match: (r: Received) => boolean, timeoutMs?: number): Promise<Received> {
    return this.received.waitFor(match, 0, timeoutMs, 'frame');
  }

  close(): void {
    this.sub.close();
  }
}

const probeEvent = (fake: FakeInstance, tag: string): PandoEvent => ({
  topic: PROBE_TOPIC,
  instanceId: fake.instanceId,
  projectId: '',
  timestamp: new Date(),
  payload: { tag },
});

const isProbe = (r: Received, tag: string): boolean =>
  r.event?.topic === PROBE_TOPIC && (r.event.payload as { tag?: unknown }).tag === tag;
