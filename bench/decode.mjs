// Decode cost: `decodeFrame` over the throughput benchmark's frames, in one process, versus
// `JSON.parse` of the same envelopes alone (already split off and decoded to strings): what the
// library adds to the one step nobody can skip (split, UTF-8, validation, times, the event).
//
// Both sides are synchronous loops, so the ratio is taken on the process's CPU time, which a
// busy machine does not skew the way it skews wall time (a pass that is preempted waits, but
// does not burn CPU); the wall-time ratio is in the details.
import { alternate, count, figure, loadLibrary, median, nowNs, processCpuNs as cpuNs, quartiles, row } from './lib/common.mjs';
import { tokenFrames } from './lib/frames.mjs';

export const id = 'decode';
export const BAR = 0.55;


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
  /** Runs `n` operations; returns their rates per CPU second and per wall second. */
  const timed = (loop) => {
    const wall = nowNs();
    const cpu = cpuNs();
    loop();
    return { cpu: (n * 1e9) / Math.max(1, cpuNs() - cpu), wall: (n * 1e9) / (nowNs() - wall) };
  };
  const bare = () =>
    timed(() => {
      for (let i = 0; i < n; i++) sink += JSON.parse(envelopes[i & 1023]).topic.length;
    });
  const subject = () =>
    timed(() => {
      for (let i = 0; i < n; i++) {
        const decoded = lib.decodeFrame(frames[i & 1023]);
        sink += decoded._tag === 'Right' ? decoded.right.topic.length : 0;
      }
    });

  // Two warm-up passes each: the first compiles, the second runs optimised code.
  await bare();
  await subject();
  const samples = await alternate({ rounds: Math.max(scale.rounds, 5), baseline: bare, subject });
  const bareRate = median(samples.baseline.map((s) => s.cpu));
  const subjectRate = median(samples.subject.map((s) => s.cpu));
  const ratio = subjectRate / bareRate;
  const roundRatios = samples.subject.map((s, i) => s.cpu / samples.baseline[i].cpu);
  return row({
    id,
    name: 'decode cost',
    baseline: figure(bareRate, 'op/s'),
    subject: figure(subjectRate, 'op/s'),
    ratio,
    spread: quartiles(roundRatios),
    bar: `≥ ${BAR.toFixed(2)}`,
    pass: ratio >= BAR,
    details: {
      frames: n,
      clock: 'process CPU time',
      nsPerFrame: { jsonParse: Math.round(1e9 / bareRate), decodeFrame: Math.round(1e9 / subjectRate) },
      ratioQuartiles: quartiles(roundRatios).map((r) => Number(r.toFixed(3))),
      wallRatio: Number((median(samples.subject.map((s) => s.wall)) / median(samples.baseline.map((s) => s.wall))).toFixed(3)),
      baselineRates: samples.baseline.map((s) => Math.round(s.cpu)),
      subjectRates: samples.subject.map((s) => Math.round(s.cpu)),
      checksum: sink % 1000,
    },
  });
};
