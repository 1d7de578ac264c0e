// Mirror scaling: the cost of applying one `session.update` (`applyMirrorEvent`) to a mirror of
// 10,000 sessions versus one of 10. Each update is a decoded event for a session picked at
// random (fixed seed), newer than everything before it, with one more message: a real change
// that moves the session to the front of the order. Nanoseconds per update, in one process.
import { alternate, count, figure, loadLibrary, median, nowNs, row } from './lib/common.mjs';
import { INSTANCE_ID } from './lib/frames.mjs';

export const id = 'mirror';
export const BAR = 2;
export const SMALL = 10;
export const LARGE = 10_000;

/** A small deterministic PRNG (mulberry32), so both sizes get the same kind of sequence. */
const random = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const T0 = Date.UTC(2026, 2, 1);

const workload = (lib, sessions, updates) => {
  const session = (s, version) => ({
    id: `0f8e4a2c-session-${String(s).padStart(5, '0')}`,
    title: `Session ${s}`,
    updated_at: new Date(T0 + version * 1000),
    message_count: version,
  });
  const snapshot = {
    instanceId: INSTANCE_ID,
    sessions: Array.from({ length: sessions }, (_, s) => session(s, -s)),
    source: 'state.sync',
    syncedAt: new Date(T0),
  };
  const next = random(sessions);
  const events = Array.from({ length: updates }, (_, i) => {
    const payload = session(Math.floor(next() * sessions), i + 1);
    return { topic: 'session.update', instanceId: INSTANCE_ID, projectId: '', sessionId: payload.id, timestamp: payload.updated_at, payload };
  });
  // Check once that each update is a change (a new Mirror), as the benchmark means it to be.
  let mirror = lib.createMirror(snapshot);
  for (const event of events.slice(0, 100)) {
    const after = lib.applyMirrorEvent(mirror, event);
    if (after === mirror || after.size !== sessions) throw new Error('mirror bench: an update changed nothing');
    mirror = after;
  }
  return { snapshot, events };
};

export const run = async (scale) => {
  const lib = loadLibrary();
  const updates = count(scale, 200_000, 500);
  const small = workload(lib, SMALL, updates);
  const large = workload(lib, LARGE, updates);

  let sink = 0;
  const measure = ({ snapshot, events }) => {
    let mirror = lib.createMirror(snapshot);
    const started = nowNs();
    for (let i = 0; i < events.length; i++) mirror = lib.applyMirrorEvent(mirror, events[i]);
    const ns = (nowNs() - started) / events.length;
    sink += mirror.size;
    return ns;
  };

  measure(small);
  measure(large);
  const samples = await alternate({ rounds: Math.max(scale.rounds, 5), baseline: () => measure(small), subject: () => measure(large) });
  const smallNs = median(samples.baseline);
  const largeNs = median(samples.subject);
  const ratio = largeNs / smallNs;
  return row({
    id,
    name: 'mirror scaling',
    baseline: figure(smallNs, `ns/update @${SMALL}`),
    subject: figure(largeNs, `ns/update @${LARGE.toLocaleString('en-US')}`),
    ratio,
    ratioText: `${ratio.toFixed(2)}×`,
    bar: `≤ ${BAR}×`,
    pass: ratio <= BAR,
    details: {
      updates,
      smallRounds: samples.baseline.map(Math.round),
      largeRounds: samples.subject.map(Math.round),
      checksum: sink,
    },
  });
};
