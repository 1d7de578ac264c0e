// Slow consumer: the publisher sends a 3-second burst of `llm.token` frames at 10,000/s to a
// subscriber that takes 1 ms (synchronously) per event, i.e. ten times too slow; the subscriber
// then drains what was queued, until the end frame. What happens to memory,
// and what is lost? The subject is `events$`; the baseline is a bare zeromq.js SUB loop with the
// same 1 ms per frame, i.e. what libzmq alone does. Memory (RSS, heapUsed) is sampled during the
// run; sent versus received gives the drops, which happen in libzmq (the PUB drops a
// subscriber's frames beyond its high-water mark) and which no subscriber can see: PUB/SUB has
// no sequence numbers, and the library has no counter of them. The benchmark counts them.
import { MB, alternate, count, figure, loadLibrary, loadZeromq, median, nowNs, row, spin } from './lib/common.mjs';
import { END_TOPIC, isEndFrame } from './lib/frames.mjs';
import { startInstance } from './lib/instance-client.mjs';
import { awaitEnd, bareStream, defaultReceiveHwm } from './lib/streams.mjs';

export const id = 'slow-consumer';
export const RATE = 10_000;
export const WORK_MS = 1;
/** Bounded: the library's peak RSS growth stays within this much of the bare loop's. */
export const SLACK_MB = 16;

/** Samples RSS (every 25 events and every 50 ms) and heapUsed (every 250 events). */
const memorySampler = () => {
  const rss0 = process.memoryUsage.rss();
  const heap0 = process.memoryUsage().heapUsed;
  let peakRss = rss0;
  let peakHeap = heap0;
  let n = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
  };
  const timer = setInterval(sample, 50);
  return {
    onEvent: () => {
      if (++n % 25 === 0) sample();
      if (n % 250 === 0) {
        const heap = process.memoryUsage().heapUsed;
        if (heap > peakHeap) peakHeap = heap;
      }
    },
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakRssGrowthMB: (peakRss - rss0) / MB, peakHeapGrowthMB: (peakHeap - heap0) / MB };
    },
  };
};

export const run = async (scale) => {
  const lib = loadLibrary();
  const zmq = loadZeromq();
  const events = count(scale, 30_000, 200);
  const hwm = defaultReceiveHwm(zmq);
  const instance = await startInstance();
  try {
    const publish = (before) => instance.publish({ kind: 'token', count: events, rate: RATE, afterSubscriptions: before + 1 });

    const bare = async () => {
      const before = await instance.subscriptions();
      const memory = memorySampler();
      let received = 0;
      const started = nowNs();
      const stream = bareStream({
        zmq,
        endpoint: instance.pub,
        hwm,
        isEnd: isEndFrame,
        onFrame: () => {
          received++;
          spin(WORK_MS);
          memory.onEvent();
        },
      });
      const published = publish(before);
      await awaitEnd({ finished: stream.finished, published, progress: () => received });
      stream.close();
      const seconds = (nowNs() - started) / 1e9;
      const { sent } = await published;
      return { sent, received, dropped: sent - received, seconds, ...memory.stop() };
    };

    const subject = async () => {
      const before = await instance.subscriptions();
      const memory = memorySampler();
      let received = 0;
      let resolveFinished;
      const finished = new Promise((r) => (resolveFinished = r));
      const started = nowNs();
      const pando = lib.connect({ pubEndpoint: instance.pub, rpcEndpoint: instance.rpc });
      const subscription = pando.events$.subscribe((event) => {
        if (event.topic === END_TOPIC) return resolveFinished();
        received++;
        spin(WORK_MS);
        memory.onEvent();
      });
      const published = publish(before);
      await awaitEnd({ finished, published, progress: () => received });
      subscription.unsubscribe();
      pando.close();
      const seconds = (nowNs() - started) / 1e9;
      const { sent } = await published;
      return { sent, received, dropped: sent - received, seconds, ...memory.stop() };
    };

    const samples = await alternate({ rounds: Math.min(scale.rounds, 2), warmup: false, baseline: bare, subject });
    const pick = (list, key) => median(list.map((s) => s[key]));
    const bareRss = pick(samples.baseline, 'peakRssGrowthMB');
    const subjectRss = pick(samples.subject, 'peakRssGrowthMB');
    const dropped = pick(samples.subject, 'dropped');
    const sent = pick(samples.subject, 'sent');
    const bounded = subjectRss <= Math.max(0, bareRss) + SLACK_MB;
    const describe = (list) =>
      `${pick(list, 'received').toLocaleString('en-US')}/${pick(list, 'sent').toLocaleString('en-US')} recv, +${pick(list, 'peakRssGrowthMB').toFixed(1)} MB`;
    return row({
      id,
      name: 'slow consumer (1 ms/event)',
      baseline: { ...figure(bareRss, 'MB peak RSS growth', 1), text: describe(samples.baseline) },
      subject: { ...figure(subjectRss, 'MB peak RSS growth', 1), text: describe(samples.subject) },
      ratio: dropped / sent,
      ratioText: `${((100 * dropped) / sent).toFixed(0)}% dropped`,
      bar: 'bounded; drops reported',
      pass: bounded,
      details: {
        rate: RATE,
        workMs: WORK_MS,
        burst: events,
        bounded,
        slackMB: SLACK_MB,
        droppedBy: 'libzmq (PUB high-water mark); no subscriber, and no counter of the library, can see it',
        libraryReportedDrops: null,
        baseline: samples.baseline,
        subject: samples.subject,
      },
    });
  } finally {
    await instance.stop();
  }
};
