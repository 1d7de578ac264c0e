// Mirror update: what a dashboard pays per change at 10,000 sessions. One `session.update`
// applied (`applyMirrorEvent`), then `sessions` read, on a mirror of 10,000 sessions, against
// a plain copy of a 10,000-element array (`slice()`) measured in the same run. Each update is a
// decoded event for a session picked at random (fixed seed), newer than everything before it,
// with one more message: a real change that moves the session to the front of the order.
// Nanoseconds per update, in one process; rounds alternate between the two sides.
import { alternate, count, figure, loadLibrary, median, nowNs, row } from './lib/common.mjs';
import { INSTANCE_ID } from './lib/frames.mjs';

export const id = 'mirror';
export const BAR = 3;
export const SESSIONS = 10_000;

/** A small deterministic PRNG (mulberry32). */
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
    message_count: version + sessions,
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
  // Check once that each update is a change (a new Mirror) that moves its session to the front.
  let mirror = lib.createMirror(snapshot);
  for (const event of events.slice(0, 100)) {
    const after = lib.applyMirrorEvent(mirror, event);
    if (after === mirror || after.size !== sessions || after.sessions[0] !== event.payload) {
      throw new Error('mirror bench: an update was not the change it should be');
    }
    mirror = after;
  }
  return { snapshot, events };
};

export const run = async (scale) => {
  const lib = loadLibrary();
  const updates = count(scale, 20_000, 200);
  const { snapshot, events } = workload(lib, SESSIONS, updates);
  const array = Array.from({ length: SESSIONS }, (_, i) => snapshot.sessions[i]);

  let sink = 0;
  const mirrorRound = () => {
    let mirror = lib.createMirror(snapshot);
    const started = nowNs();
    for (let i = 0; i < events.length; i++) {
      mirror = lib.applyMirrorEvent(mirror, events[i]);
      sink += mirror.sessions.length;
    }
    return (nowNs() - started) / events.length;
  };
  const copyRound = () => {
    const started = nowNs();
    for (let i = 0; i < events.length; i++) {
      const copy = array.slice();
      sink += copy.length;
    }
    return (nowNs() - started) / events.length;
  };

  const samples = await alternate({ rounds: Math.max(scale.rounds, 5), baseline: copyRound, subject: mirrorRound });
  const copyNs = median(samples.baseline);
  const mirrorNs = median(samples.subject);
  const ratio = mirrorNs / copyNs;
  const spread = (values) => `${Math.round(Math.min(...values)).toLocaleString('en-US')}–${Math.round(Math.max(...values)).toLocaleString('en-US')}`;
  return row({
    id,
    name: 'mirror update',
    baseline: figure(copyNs, `ns/copy of ${SESSIONS.toLocaleString('en-US')}`),
    subject: figure(mirrorNs, `ns/update+read @${SESSIONS.toLocaleString('en-US')}`),
    ratio,
    ratioText: `${ratio.toFixed(2)}×`,
    bar: `≤ ${BAR}×`,
    pass: ratio <= BAR,
    details: {
      updates,
      copyRounds: samples.baseline.map(Math.round),
      mirrorRounds: samples.subject.map(Math.round),
      copySpread: spread(samples.baseline),
      mirrorSpread: spread(samples.subject),
      checksum: sink,
    },
  });
};
