// Decode cost: `decodeFrame` over the throughput benchmark's frames, in one process, versus
// `JSON.parse` of the same envelopes alone (already split off and decoded to strings): what the
// library adds to the one step nobody can skip (split, UTF-8, validation, times, the event).
import { alternate, count, figure, loadLibrary, median, nowNs, row } from './lib/common.mjs';
import { tokenFrames } from './lib/frames.mjs';

export const id = 'decode';
export const BAR = 0.4;

export const run = async (scale) => {
  const lib = loadLibrary();
  const frames = tokenFrames(1024);
  const envelopes = frames.map((frame) => frame.toString('utf8', frame.indexOf(0) + 1));
  const n = count(scale, 300_000, 1_000);
  for (const frame of frames) {
    const decoded = lib.decodeFrame(frame);
    if (decoded._tag !== 'Right') throw new Error(`bench frame does not decode: ${decoded.left.message}`);
  }

  let sink = 0; // keeps the results alive, so that no work is optimised away
  const bare = () => {
    const started = nowNs();
    for (let i = 0; i < n; i++) sink += JSON.parse(envelopes[i & 1023]).topic.length;
    return (n * 1e9) / (nowNs() - started);
  };
  const subject = () => {
    const started = nowNs();
    for (let i = 0; i < n; i++) {
      const decoded = lib.decodeFrame(frames[i & 1023]);
      sink += decoded._tag === 'Right' ? decoded.right.topic.length : 0;
    }
    return (n * 1e9) / (nowNs() - started);
  };

  // Two warm-up passes each: the first compiles, the second runs optimised code.
  await bare();
  await subject();
  const samples = await alternate({ rounds: Math.max(scale.rounds, 5), baseline: bare, subject });
  const bareRate = median(samples.baseline);
  const subjectRate = median(samples.subject);
  const ratio = subjectRate / bareRate;
  return row({
    id,
    name: 'decode cost',
    baseline: figure(bareRate, 'op/s'),
    subject: figure(subjectRate, 'op/s'),
    ratio,
    bar: `≥ ${BAR.toFixed(2)}`,
    pass: ratio >= BAR,
    details: {
      frames: n,
      nsPerFrame: { jsonParse: Math.round(1e9 / bareRate), decodeFrame: Math.round(1e9 / subjectRate) },
      baselineRates: samples.baseline.map(Math.round),
      subjectRates: samples.subject.map(Math.round),
      checksum: sink % 1000,
    },
  });
};
