// Latency: the publisher process sends `llm.token` frames at a steady 10,000/s, each carrying
// its send time (CLOCK_MONOTONIC ns, the same clock in every process); the subscriber records
// receive time minus send time. `events$` (the time is read from the decoded event) versus a
// bare zeromq.js SUB loop (the time is read from the frame's bytes). p50 and p99 per round,
// medians over rounds; the bar is on p99. The same again at 50,000/s, with the bar on p50
// (at that pace the per-event cost shows in the typical latency, not only in the tail).
// The publisher paces by sleeping, not by spinning (see lib/instance.mjs): a spinning publisher
// holds one of the two cores of the development machine, and the 50k/s row then measured how
// the subscriber's JS thread and both libzmq I/O threads share the other (BENCH_PACING=spin
// measures it that way).
import { count, rotate, figure, loadLibrary, loadZeromq, median, nowNs, percentile, quartiles, roundRatios, row } from './lib/common.mjs';
import { END_TOPIC, isEndFrame, stampOf, stampOfToken } from './lib/frames.mjs';
import { startInstance } from './lib/instance-client.mjs';
import { awaitEnd, bareStream, defaultReceiveHwm } from './lib/streams.mjs';

export const id = 'latency';
export const BAR = 1.5;
export const RATE = 10_000;
/** The second pace, and the bar on its p50 ratio. */
export const HIGH_RATE = 50_000;
export const HIGH_P50_BAR = 1.5;

/** One round: latency percentiles (µs), and the pace the publisher actually held (events/s). */
const summary = (latencies, received, { sent, seconds }) => {
  const us = latencies.subarray(0, received);
  return { p50: percentile(us, 50) / 1e3, p99: percentile(us, 99) / 1e3, max: percentile(us, 100) / 1e3, received, sent, heldRate: Math.round(sent / seconds) };
};

export const run = async (scale) => {
  const lib = loadLibrary();
  const zmq = loadZeromq();
  const events = count(scale, 30_000, 200);
  const hwm = defaultReceiveHwm(zmq);
  const instance = await startInstance();
  try {
    const measure = async (rate) => {
    const publish = (before) => instance.publish({ kind: 'stamped', count: events, rate, afterSubscriptions: before + 1 });

    // `decode`: the bare loop also runs `decodeFrame` on each frame (before it reads the time).
    // Not a bar: what the decoding the contract requires costs in latency here, by itself.
    const bareLoop = (decode) => async () => {
      const before = await instance.subscriptions();
      const latencies = new Float64Array(events);
      let received = 0;
      const stream = bareStream({
        zmq,
        endpoint: instance.pub,
        hwm,
        isEnd: isEndFrame,
        onFrame: (frame) => {
          if (decode) lib.decodeFrame(frame);
          if (received < events) latencies[received++] = nowNs() - stampOf(frame);
          return received < events;
        },
      });
      const published = publish(before);
      await awaitEnd({ finished: stream.finished, published, progress: () => received });
      stream.close();
      return summary(latencies, received, await published);
    };

    const subject = async () => {
      const before = await instance.subscriptions();
      const latencies = new Float64Array(events);
      let received = 0;
      let resolveFinished;
      const finished = new Promise((r) => (resolveFinished = r));
      const pando = lib.connect({ pubEndpoint: instance.pub, rpcEndpoint: instance.rpc });
      const subscription = pando.events$.subscribe((event) => {
        if (event.topic === END_TOPIC) return resolveFinished();
        if (received < events) latencies[received++] = nowNs() - stampOfToken(event.payload.token);
        if (received === events) resolveFinished();
      });
      const published = publish(before);
      await awaitEnd({ finished, published, progress: () => received });
      subscription.unsubscribe();
      pando.close();
      return summary(latencies, received, await published);
    };

    const [baseline, subjectRuns, decodingLoop] = await rotate({ rounds: scale.rounds, sides: [bareLoop(false), subject, bareLoop(true)] });
    return { baseline, subject: subjectRuns, decodingLoop };
    };

    const pick = (list, key) => median(list.map((s) => s[key]));
    const fmt = (list) => `p50 ${pick(list, 'p50').toFixed(0)} µs, p99 ${pick(list, 'p99').toFixed(0)} µs`;
    const latencyRow = (rowId, name, rate, samples, key, bar) => {
      const b = pick(samples.baseline, key);
      const s = pick(samples.subject, key);
      const ratio = s / b;
      const per = (list) => list.map((x) => x[key]);
      return row({
        id: rowId,
        name,
        baseline: { ...figure(b, 'µs'), text: fmt(samples.baseline) },
        subject: { ...figure(s, 'µs'), text: fmt(samples.subject) },
        ratio,
        ratioText: `${ratio.toFixed(2)}×`,
        spread: quartiles(roundRatios(per(samples.baseline), per(samples.subject))),
        bar: `${key} ≤ ${bar.toFixed(1)}×`,
        pass: ratio <= bar,
        details: {
          rate,
          events,
          // The pace the publisher held per round: below `rate` when it could not keep up.
          heldRate: { baseline: samples.baseline.map((x) => x.heldRate), subject: samples.subject.map((x) => x.heldRate) },
          baseline: { p50: pick(samples.baseline, 'p50'), p99: pick(samples.baseline, 'p99'), rounds: samples.baseline },
          // The bare loop that also decodes each frame: its ratio to the bare loop is what the
          // decoding alone costs at this pace (no bar).
          decodingLoop: { p50: pick(samples.decodingLoop, 'p50'), p99: pick(samples.decodingLoop, 'p99'), rounds: samples.decodingLoop },
          decodingLoopRatio: Number((pick(samples.decodingLoop, key) / b).toFixed(2)),
          ofDecodingLoop: Number((s / pick(samples.decodingLoop, key)).toFixed(2)),
          subject: { p50: pick(samples.subject, 'p50'), p99: pick(samples.subject, 'p99'), rounds: samples.subject },
        },
      });
    };
    const normal = await measure(RATE);
    const high = await measure(HIGH_RATE);
    return [
      latencyRow(id, 'latency (10k/s)', RATE, normal, 'p99', BAR),
      latencyRow('latency-50k', 'latency (50k/s)', HIGH_RATE, high, 'p50', HIGH_P50_BAR),
    ];
  } finally {
    await instance.stop();
  }
};
