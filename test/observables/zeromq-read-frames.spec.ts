import * as zmq from 'zeromq';
import { FRAMES_PER_TURN, PROBED_FRAMES, readFrames, type ReceivingSocket } from '../../src/observables/transports/zeromq/read-frames';

// Over inproc: a PUB's send puts the message in the SUB's pipe before it returns, so frames
// published before the reader starts are all queued when it does (a burst, deterministically).

let endpointCount = 0;

// What each test opened, closed after it even when it fails, so that a failing test cannot
// leave a loop spinning or a socket open.
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

interface Rig {
  readonly pub: zmq.XPublisher;
  readonly sub: zmq.Subscriber;
  readonly socket: ReceivingSocket;
  /** Every value written to the SUB's `receiveTimeout`, in order. */
  readonly timeouts: number[];
  /** How often the reader asked `readable`, and how many receives found nothing (EAGAIN). */
  readonly counts: { probes: number; eagain: number };
  /** Resolves the next time the reader goes back to waiting (`receiveTimeout` set to -1). */
  readonly backToWaiting: () => Promise<void>;
}

const rig = async (): Promise<Rig> => {
  const endpoint = `inproc://read-frames-${++endpointCount}`;
  const pub = new zmq.XPublisher({ linger: 0, sendHighWaterMark: 0 });
  await pub.bind(endpoint);
  const sub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
  const timeouts: number[] = [];
  const counts = { probes: 0, eagain: 0 };
  let onWaiting: (() => void) | undefined;
  // The reader's view of the socket, recording what it sets (zeromq.js sockets are sealed).
  const socket: ReceivingSocket = {
    receive: () =>
      sub.receive().catch((err: unknown) => {
        if ((err as { code?: unknown }).code === 'EAGAIN') counts.eagain++;
        throw err;
      }),
    get readable() {
      counts.probes++;
      return sub.readable;
    },
    get receiveTimeout() {
      return sub.receiveTimeout;
    },
    set receiveTimeout(value: number) {
      timeouts.push(value);
      sub.receiveTimeout = value;
      if (value === -1) onWaiting?.();
    },
  };
  cleanups.push(() => {
    if (!sub.closed) sub.close();
    if (!pub.closed) pub.close();
  });
  sub.connect(endpoint);
  sub.subscribe();
  await pub.receive(); // the subscription has reached the publisher
  return {
    pub,
    sub,
    socket,
    timeouts,
    counts,
    backToWaiting: () => new Promise<void>((resolve) => (onWaiting = resolve)),
  };
};

const frame = (n: number): string => `frame ${n}`;

describe('readFrames (the SUB receive loop of the ZeroMQ adapter)', () => {
  it('drains a queued burst in order, yields to the event loop every FRAMES_PER_TURN frames, then waits again', async () => {
    const { pub, sub, socket, timeouts, counts, backToWaiting } = await rig();
    const count = FRAMES_PER_TURN * 6;
    for (let n = 0; n < count; n++) await pub.send(frame(n));

    // Count event-loop turns while the burst is read: each frame records the turn it came in.
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    cleanups.push(() => (ticking = false));
    const received: string[] = [];
    const turns: number[] = [];
    let closing = false;
    let allIn!: () => void;
    const done = new Promise<void>((resolve) => (allIn = resolve));
    let lateIn: (() => void) | undefined;
    const waiting = backToWaiting();
    const failures: unknown[] = [];
    const loop = readFrames(socket, {
      frame: (f) => {
        received.push(f.toString('utf8'));
        turns.push(turn);
        if (received.length === count) allIn();
        if (received.length === count + 2) lateIn?.();
      },
      isClosing: () => closing,
      fail: (err) => failures.push(err),
    });
    await done;
    await waiting;
    ticking = false;

    expect(received).toEqual(Array.from({ length: count }, (_, n) => frame(n)));
    const perTurn = new Map<number, number>();
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    // Read without waiting while frames were queued (receiveTimeout 0), back to -1 once empty.
    expect(timeouts).toEqual([0, -1]);
    // Asked `readable` for the first frames of the run only, then read without asking until
    // one receive found nothing.
    expect(counts.probes).toBe(PROBED_FRAMES);
    expect(counts.eagain).toBe(1);
    // One frame came the waiting way, then FRAMES_PER_TURN per turn at most.
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(FRAMES_PER_TURN + 1);
    expect(perTurn.size).toBeGreaterThanOrEqual(count / (FRAMES_PER_TURN + 1));

    // After the burst it waits the normal way, and frames that come later still arrive.
    const later = new Promise<void>((resolve) => (lateIn = resolve));
    await pub.send('late 1');
    await pub.send('late 2');
    await later;
    expect(received.slice(-2)).toEqual(['late 1', 'late 2']);

    closing = true;
    sub.close();
    pub.close();
    await loop;
    expect(failures).toEqual([]);
  });

  it('reads frames that come one at a time the waiting way: no receive that finds nothing, one probe each', async () => {
    const { pub, sub, socket, timeouts, counts } = await rig();
    const received: string[] = [];
    let arrived: (() => void) | undefined;
    let closing = false;
    const failures: unknown[] = [];
    const loop = readFrames(socket, {
      frame: (f) => {
        received.push(f.toString('utf8'));
        arrived?.();
      },
      isClosing: () => closing,
      fail: (err) => failures.push(err),
    });
    for (let n = 0; n < 20; n++) {
      const next = new Promise<void>((resolve) => (arrived = resolve));
      await pub.send(frame(n));
      await next;
    }
    expect(received).toEqual(Array.from({ length: 20 }, (_, n) => frame(n)));
    // An EAGAIN costs more than a whole frame: a lone frame never meets one.
    expect(counts.eagain).toBe(0);
    expect(timeouts).toEqual([]);
    // A probe runs right after a frame's callback, before the next frame is sent.
    expect(counts.probes).toBeGreaterThanOrEqual(19);
    expect(counts.probes).toBeLessThanOrEqual(20);

    closing = true;
    sub.close();
    pub.close();
    await loop;
    expect(failures).toEqual([]);
  });

  it('reads a short run after asking before each frame, so it ends without a receive that finds nothing', async () => {
    const { pub, sub, socket, timeouts, counts, backToWaiting } = await rig();
    const count = PROBED_FRAMES - 2;
    for (let n = 0; n < count; n++) await pub.send(frame(n));
    const received: string[] = [];
    let closing = false;
    const waiting = backToWaiting();
    const failures: unknown[] = [];
    const loop = readFrames(socket, { frame: (f) => received.push(f.toString('utf8')), isClosing: () => closing, fail: (err) => failures.push(err) });
    await waiting;
    expect(received).toEqual(Array.from({ length: count }, (_, n) => frame(n)));
    expect(timeouts).toEqual([0, -1]);
    expect(counts.eagain).toBe(0);
    expect(counts.probes).toBe(count);

    closing = true;
    sub.close();
    pub.close();
    await loop;
    expect(failures).toEqual([]);
  });

  it('ends quietly when its socket is closed while it waits, and reports any other receive error', async () => {
    const { pub, sub, socket } = await rig();
    let closing = false;
    const failures: unknown[] = [];
    const loop = readFrames(socket, { frame: () => undefined, isClosing: () => closing, fail: (err) => failures.push(err) });
    closing = true;
    sub.close();
    await loop;
    expect(failures).toEqual([]);

    // Closed under it by someone else (not closing): that is reported.
    const other = await rig();
    const lost: unknown[] = [];
    const otherLoop = readFrames(other.socket, { frame: () => undefined, isClosing: () => false, fail: (err) => lost.push(err) });
    other.sub.close();
    await otherLoop;
    expect(lost).toHaveLength(1);
    other.pub.close();
    pub.close();
  });
});
