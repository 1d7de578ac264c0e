// Event throughput: a separate publisher process sends `llm.token` frames as fast as it can;
// events/s received through `events$` (one subscriber that counts) versus a bare zeromq.js
// SUB loop that does nothing but count. Same frames, same receive high-water mark, same end
// rule; received/sent is reported because PUB drops what a slow subscriber cannot take.
// Each round also measures the CPU time of the JS thread per event received (the publisher is
// faster than either side, so the rates are bounded by the subscriber's own cost).
import { count, figure, loadInternal, loadLibrary, loadZeromq, median, nowNs, quartiles, rotate, roundRatios, row, threadCpuKind, threadCpuNs } from './lib/common.mjs';
import { END_TOPIC, isEndFrame } from './lib/frames.mjs';
import { startInstance } from './lib/instance-client.mjs';
import { awaitEnd, bareStream, defaultReceiveHwm } from './lib/streams.mjs';

export const id = 'throughput';
export const BAR = 0.85;
/** events$ against a bare loop that runs the same decodeFrame on each frame. */
export const DECODE_LOOP_BAR = 1.0;
/** JS-thread CPU per event, events$ against the counting loop: at most this many times. */
export const CPU_BAR = 1.35;

const rateOf = (received, firstNs, endNs) => (received > 1 && endNs > firstNs ? ((received - 1) * 1e9) / (endNs - firstNs) : 0);

export const run = async (scale) => {
  const lib = loadLibrary();
  const { readFrames } = loadInternal('observables/transports/zeromq/read-frames');
  const zmq = loadZeromq();
  const frames = count(scale, 300_000, 200);
  const hwm = defaultReceiveHwm(zmq);
  const instance = await startInstance();
  const publishedRates = [];
  try {
    // Ask how many subscriptions the instance has seen *before* opening the round's socket, and
    // publish once it has seen one more: the subscription has then reached the publisher.
    const publish = (before) => instance.publish({ kind: 'token', count: frames, afterSubscriptions: before + 1 });

    // `decode`: the bare loop also runs `decodeFrame` on each frame. It is not a bar, only the
    // ceiling of what any pipeline that decodes every frame can reach on this machine.
    const bareLoop = (decode) => async () => {
      const before = await instance.subscriptions();
      let received = 0;
      let firstNs = 0;
      const cpu0 = threadCpuNs();
      const stream = bareStream({
        zmq,
        endpoint: instance.pub,
        hwm,
        isEnd: isEndFrame,
        onFrame: (frame) => {
          if (decode) lib.decodeFrame(frame);
          if (received++ === 0) firstNs = nowNs();
          return received < frames;
        },
      });
      const published = publish(before);
      await awaitEnd({ finished: stream.finished, published, progress: () => received });
      stream.close();
      const endNs = await stream.finished;
      const cpuNs = threadCpuNs() - cpu0;
      const { sent, seconds } = await published;
      publishedRates.push(sent / seconds);
      return { rate: rateOf(received, firstNs, endNs), received, sent, cpu: cpuNs / Math.max(1, received) };
    };

    // `floor`: the library's own SUB receive loop (readFrames) with `decodeFrame` on each frame,
    // and nothing else (no backlog, no multicasting, no RxJS). Not a bar: the most that any
    // pipeline built on zeromq.js's receive and the decoding the contract requires can reach
    // here, so that a reader sees how much of the gap to the counting loop is the library's.
    const floor = async () => {
      const before = await instance.subscriptions();
      let received = 0;
      let firstNs = 0;
      let closing = false;
      let resolveFinished;
      const finished = new Promise((r) => (resolveFinished = r));
      const cpu0 = threadCpuNs();
      const socket = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: hwm });
      socket.subscribe();
      socket.connect(instance.pub);
      void readFrames(socket, {
        frame: (frame) => {
          if (closing) return;
          if (isEndFrame(frame)) return resolveFinished(nowNs());
          lib.decodeFrame(frame);
          if (received++ === 0) firstNs = nowNs();
          if (received === frames) resolveFinished(nowNs());
        },
        isClosing: () => closing,
        fail: (err) => resolveFinished(Promise.reject(err)),
      });
      const published = publish(before);
      const ended = await awaitEnd({ finished, published, progress: () => received });
      if (!ended) resolveFinished(nowNs());
      const endNs = await finished;
      closing = true;
      socket.close();
      const cpuNs = threadCpuNs() - cpu0;
      const { sent, seconds } = await published;
      publishedRates.push(sent / seconds);
      return { rate: rateOf(received, firstNs, endNs), received, sent, cpu: cpuNs / Math.max(1, received) };
    };

    const subject = async () => {
      const before = await instance.subscriptions();
      let received = 0;
      let firstNs = 0;
      let resolveFinished;
      const finished = new Promise((r) => (resolveFinished = r));
      const cpu0 = threadCpuNs();
      const pando = lib.connect({ pubEndpoint: instance.pub, rpcEndpoint: instance.rpc });
      const subscription = pando.events$.subscribe((event) => {
        if (event.topic === END_TOPIC) return resolveFinished(nowNs());
        if (received++ === 0) firstNs = nowNs();
        if (received === frames) resolveFinished(nowNs());
      });
      const published = publish(before);
      const ended = await awaitEnd({ finished, published, progress: () => received });
      if (!ended) resolveFinished(nowNs());
      const endNs = await finished;
      subscription.unsubscribe();
      pando.close();
      const cpuNs = threadCpuNs() - cpu0;
      const { sent, seconds } = await published;
      publishedRates.push(sent / seconds);
      return { rate: rateOf(received, firstNs, endNs), received, sent, cpu: cpuNs / Math.max(1, received) };
    };

    const bare = bareLoop(false);
    // Every side in every round, the order rotating, so that each ratio pairs rounds run side
    // by side.
    const runs = await rotate({ rounds: scale.rounds, sides: [bare, subject, bareLoop(true), floor] });
    const samples = { baseline: runs[0], subject: runs[1] };
    const decoding = { subject: runs[2] };
    const floorRuns = runs[3];
    const rates = (list) => list.map((s) => s.rate);
    const cpus = (list) => list.map((s) => s.cpu);
    const bareRate = median(rates(samples.baseline));
    const subjectRate = median(rates(samples.subject));
    const decodingRate = median(rates(decoding.subject));
    const ratio = subjectRate / bareRate;
    const ofDecodingLoop = subjectRate / decodingRate;
    const bareCpu = median(cpus(samples.baseline));
    const subjectCpu = median(cpus(samples.subject));
    const cpuRatio = subjectCpu / bareCpu;
    const share = (list) => list.map((s) => `${s.received}/${s.sent}`).join(' ');
    const details = {
      frames,
      receiveHighWaterMark: hwm,
      publisherRate: Math.round(median(publishedRates)),
      baselineRates: rates(samples.baseline).map(Math.round),
      subjectRates: rates(samples.subject).map(Math.round),
      baselineReceivedOfSent: share(samples.baseline),
      subjectReceivedOfSent: share(samples.subject),
      bareDecodeRates: rates(decoding.subject).map(Math.round),
      cpuKind: threadCpuKind(),
      cpuNsPerEvent: {
        bare: Math.round(bareCpu),
        decodingLoop: Math.round(median(cpus(decoding.subject))),
        floor: Math.round(median(cpus(floorRuns))),
        events: Math.round(subjectCpu),
      },
      // The library's receive loop plus decodeFrame, nothing else: against the counting loop
      // (the most a decoding pipeline reaches here) and events$ against it (what delivery costs).
      floor: {
        rate: Math.round(median(rates(floorRuns))),
        ofCountingLoop: Number((median(rates(floorRuns)) / bareRate).toFixed(3)),
        cpuOfCountingLoop: Number((median(cpus(floorRuns)) / bareCpu).toFixed(3)),
        eventsOfFloor: Number((subjectRate / median(rates(floorRuns))).toFixed(3)),
        eventsCpuOfFloor: Number((subjectCpu / median(cpus(floorRuns))).toFixed(3)),
        rates: rates(floorRuns).map(Math.round),
      },
      cpuNsPerEventRounds: { bare: cpus(samples.baseline).map(Math.round), events: cpus(samples.subject).map(Math.round) },
    };
    return [
      row({
        id,
        name: 'event throughput',
        baseline: figure(bareRate, 'ev/s'),
        subject: figure(subjectRate, 'ev/s'),
        ratio,
        spread: quartiles(roundRatios(rates(samples.baseline), rates(samples.subject))),
        bar: `≥ ${BAR.toFixed(2)}`,
        pass: ratio >= BAR,
        details,
      }),
      row({
        id: 'throughput-decode',
        name: 'events$ vs decoding loop',
        baseline: figure(decodingRate, 'ev/s'),
        subject: figure(subjectRate, 'ev/s'),
        ratio: ofDecodingLoop,
        spread: quartiles(roundRatios(rates(decoding.subject), rates(samples.subject))),
        bar: `≥ ${DECODE_LOOP_BAR.toFixed(2)}`,
        pass: ofDecodingLoop >= DECODE_LOOP_BAR,
        details: { decodingLoopRates: details.bareDecodeRates, subjectRates: details.subjectRates },
      }),
      row({
        id: 'cpu-event',
        name: 'CPU per event',
        baseline: figure(bareCpu / 1e3, 'µs', 2),
        subject: figure(subjectCpu / 1e3, 'µs', 2),
        ratio: cpuRatio,
        ratioText: `${cpuRatio.toFixed(2)}×`,
        spread: quartiles(roundRatios(cpus(samples.baseline), cpus(samples.subject))),
        bar: `≤ ${CPU_BAR.toFixed(2)}×`,
        pass: cpuRatio <= CPU_BAR,
        details: { cpuKind: details.cpuKind, ...details.cpuNsPerEventRounds },
      }),
    ];
  } finally {
    await instance.stop();
  }
};
