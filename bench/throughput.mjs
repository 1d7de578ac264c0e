// Event throughput: a separate publisher process sends `llm.token` frames as fast as it can;
// events/s received through `events$` (one subscriber that counts) versus a bare zeromq.js
// SUB loop that does nothing but count. Same frames, same receive high-water mark, same end
// rule; received/sent is reported because PUB drops what a slow subscriber cannot take.
import { alternate, count, figure, loadLibrary, loadZeromq, median, nowNs, row } from './lib/common.mjs';
import { END_TOPIC, isEndFrame } from './lib/frames.mjs';
import { startInstance } from './lib/instance-client.mjs';
import { awaitEnd, bareStream, defaultReceiveHwm } from './lib/streams.mjs';

export const id = 'throughput';
export const BAR = 0.8;

const rateOf = (received, firstNs, endNs) => (received > 1 && endNs > firstNs ? ((received - 1) * 1e9) / (endNs - firstNs) : 0);

export const run = async (scale) => {
  const lib = loadLibrary();
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
      const { sent, seconds } = await published;
      publishedRates.push(sent / seconds);
      return { rate: rateOf(received, firstNs, endNs), received, sent };
    };

    const subject = async () => {
      const before = await instance.subscriptions();
      let received = 0;
      let firstNs = 0;
      let resolveFinished;
      const finished = new Promise((r) => (resolveFinished = r));
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
      const { sent, seconds } = await published;
      publishedRates.push(sent / seconds);
      return { rate: rateOf(received, firstNs, endNs), received, sent };
    };

    const bare = bareLoop(false);
    const samples = await alternate({ rounds: scale.rounds, baseline: bare, subject });
    const decoding = await alternate({ rounds: scale.rounds, baseline: bare, subject: bareLoop(true) });
    const ceiling = median(decoding.subject.map((s) => s.rate)) / median(decoding.baseline.map((s) => s.rate));
    const bareRate = median(samples.baseline.map((s) => s.rate));
    const subjectRate = median(samples.subject.map((s) => s.rate));
    const ratio = subjectRate / bareRate;
    const share = (list) => list.map((s) => `${s.received}/${s.sent}`).join(' ');
    return row({
      id,
      name: 'event throughput',
      baseline: figure(bareRate, 'ev/s'),
      subject: figure(subjectRate, 'ev/s'),
      ratio,
      bar: `≥ ${BAR.toFixed(2)}`,
      pass: ratio >= BAR,
      details: {
        frames,
        receiveHighWaterMark: hwm,
        publisherRate: Math.round(median(publishedRates)),
        baselineRates: samples.baseline.map((s) => Math.round(s.rate)),
        subjectRates: samples.subject.map((s) => Math.round(s.rate)),
        baselineReceivedOfSent: share(samples.baseline),
        subjectReceivedOfSent: share(samples.subject),
        bareDecodeRates: decoding.subject.map((s) => Math.round(s.rate)),
        decodeCeiling: Number(ceiling.toFixed(2)),
        ofDecodeCeiling: Number((ratio / ceiling).toFixed(2)),
      },
    });
  } finally {
    await instance.stop();
  }
};
