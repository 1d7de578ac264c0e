// Memory: 1,000,000 `session.update` events (over 100 sessions) through a subscribed `events$`
// and `mirror$` of one connection; heapUsed after full GCs, before versus after. The publisher
// waits instead of dropping (ZMQ_XPUB_NODROP), so that every event really goes through.
import { MB, count, figure, loadLibrary, row, settledHeap } from './lib/common.mjs';
import { END_TOPIC } from './lib/frames.mjs';
import { startInstance } from './lib/instance-client.mjs';

export const id = 'memory';
export const BAR_MB = 10;
export const SESSIONS = 100;

const withTimeout = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`memory bench: ${what} timed out`)), ms).unref())]);

export const run = async (scale) => {
  const lib = loadLibrary();
  const total = count(scale, 1_000_000, 500);
  const warmup = Math.min(20_000, total);
  const instance = await startInstance({ snapshotSessions: SESSIONS });
  const pando = lib.connect({ pubEndpoint: instance.pub, rpcEndpoint: instance.rpc });
  try {
    let events = 0;
    let mirrors = 0;
    let lastSize = 0;
    let onEnd = () => undefined;
    let onMirror = () => undefined;
    const before0 = await instance.subscriptions();
    const eventsSubscription = pando.events$.subscribe((event) => {
      if (event.topic === END_TOPIC) onEnd();
      else events++;
    });
    const mirrorSubscription = pando.mirror$.subscribe((mirror) => {
      mirrors++;
      lastSize = mirror.size;
      onMirror();
    });
    await withTimeout(new Promise((r) => (onMirror = r)), 10_000, 'first mirror');
    onMirror = () => undefined;

    /** Publishes `n` events and waits for the end frame (the stream is lossless). */
    const pass = async (n, afterSubscriptions) => {
      const ended = new Promise((r) => (onEnd = r));
      await instance.publish({ kind: 'session', count: n, lossless: true, sessions: SESSIONS, afterSubscriptions });
      await withTimeout(ended, 60_000, 'end of stream');
      onEnd = () => undefined;
      await instance.subscriptions(); // any command stops the end frames
    };

    await pass(warmup, before0 + 1);
    const eventsBefore = events;
    const heapBefore = await settledHeap();
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    await pass(total, 0);
    const seconds = (Date.now() - started) / 1000;
    const heapAfter = await settledHeap();
    const rssAfter = process.memoryUsage().rss;
    const counted = events - eventsBefore;
    eventsSubscription.unsubscribe();
    mirrorSubscription.unsubscribe();

    const growthMB = (heapAfter - heapBefore) / MB;
    return row({
      id,
      name: `memory (${(total / 1e6).toLocaleString('en-US')}M events)`,
      baseline: figure(heapBefore / MB, 'MB heap', 1),
      subject: figure(heapAfter / MB, 'MB heap', 1),
      ratio: growthMB,
      ratioText: `${growthMB >= 0 ? '+' : ''}${growthMB.toFixed(2)} MB`,
      bar: `< ${BAR_MB} MB growth`,
      pass: growthMB < BAR_MB && counted === total,
      details: {
        events: total,
        received: counted,
        mirrorEmissions: mirrors,
        mirrorSize: lastSize,
        sessions: SESSIONS,
        seconds,
        eventsPerSecond: Math.round(counted / seconds),
        rssBeforeMB: Number((rssBefore / MB).toFixed(1)),
        rssAfterMB: Number((rssAfter / MB).toFixed(1)),
      },
    });
  } finally {
    pando.close();
    await instance.stop();
  }
};
