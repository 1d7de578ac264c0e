// Shared helpers of the benchmarks: loading the built library, scales, rounds, statistics, GC.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** The repository root (bench/..). */
export const ROOT = resolve(here, '..', '..');

/**
 * The BUILT library (CommonJS), as a user would load it. `PANDO_RX_DIST` may point at another
 * build of it (a directory holding `index.js`), e.g. to compare a change against the baseline.
 */
export const loadLibrary = () => require(join(resolve(ROOT, process.env.PANDO_RX_DIST ?? 'dist/cjs'), 'index.js'));

/**
 * One internal module of the same build (a path under it, without `.js`), for the reference
 * loops that reuse one part of the library: e.g. its SUB receive loop without the rest.
 */
export const loadInternal = (path) => require(join(resolve(ROOT, process.env.PANDO_RX_DIST ?? 'dist/cjs'), `${path}.js`));

/** zeromq.js, the one the library uses. */
export const loadZeromq = () => require('zeromq');

/**
 * How big a run is. `full` is what `npm run bench` measures; `quick` (`--quick`) is a fast look;
 * `smoke` (`--smoke`, used by `npm test`) only checks that every benchmark runs and reports.
 * `BENCH_SCALE=<factor>` multiplies the counts of whichever preset is used.
 */
export const PRESETS = {
  full: { name: 'full', rounds: 5, factor: 1 },
  quick: { name: 'quick', rounds: 3, factor: 0.2 },
  smoke: { name: 'smoke', rounds: 1, factor: 0.001 },
};

/** The preset named by `argv` (`--smoke`, `--quick`, else full) with `BENCH_SCALE` applied. */
export const scaleFromArgs = (argv = process.argv.slice(2), env = process.env) => {
  const preset = argv.includes('--smoke') ? PRESETS.smoke : argv.includes('--quick') ? PRESETS.quick : PRESETS.full;
  const extra = Number(env.BENCH_SCALE ?? '1');
  const factor = preset.factor * (Number.isFinite(extra) && extra > 0 ? extra : 1);
  const rounds = Number(env.BENCH_ROUNDS ?? preset.rounds);
  return { name: preset.name, factor, rounds: Number.isInteger(rounds) && rounds > 0 ? rounds : preset.rounds };
};

/** `full` scaled by the run's factor, never below `min`. */
export const count = (scale, full, min = 50) => Math.max(min, Math.round(full * scale.factor));

export const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The p-th percentile (0..100, nearest rank) of `values` (a typed array is sorted in place). */
export const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = values instanceof Float64Array ? values.sort() : [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
};

/** The quartiles (q1, q3) of `values`, nearest rank. */
export const quartiles = (values) => [percentile(values, 25), percentile(values, 75)];

/** Ratios of paired rounds (subject[i] / baseline[i]). */
export const roundRatios = (baseline, subject) => subject.map((s, i) => s / baseline[i]);

let schedstat = true;
/**
 * CPU time of the calling (JS) thread in ns: the first field of /proc/thread-self/schedstat
 * (Linux), which excludes libzmq's I/O thread and V8's helper threads; elsewhere the process's
 * user + system time (`process.cpuUsage()`). `threadCpuKind` says which.
 */
export const threadCpuNs = () => {
  if (schedstat) {
    try {
      return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    } catch {
      schedstat = false;
    }
  }
  return processCpuNs();
};
/** CPU time of this whole process so far (user + system, every thread), in ns. */
export const processCpuNs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1e3;
};
export const threadCpuKind = () => (threadCpuNs(), schedstat ? 'JS thread (schedstat)' : 'process (cpuUsage)');

/** Monotonic nanoseconds as a Number (CLOCK_MONOTONIC: the same clock in every process). */
export const nowNs = () => Number(process.hrtime.bigint());

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Warm up each side once, then `rounds` rounds of both, alternating which goes first
 * (B S, S B, B S, ...), so that drift on a noisy machine hits both sides alike. Each side
 * returns a sample (any object); the caller reduces them (usually with `median`).
 */
export const alternate = async ({ rounds, warmup = true, baseline, subject }) => {
  if (warmup) {
    await baseline(true);
    await subject(true);
  }
  const samples = { baseline: [], subject: [] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      samples.baseline.push(await baseline(false));
      samples.subject.push(await subject(false));
    } else {
      samples.subject.push(await subject(false));
      samples.baseline.push(await baseline(false));
    }
  }
  return samples;
};

/**
 * Runs every side (an async function of `warmup`) once to warm up, then `rounds` rounds of all
 * of them, the order rotating (A B C, B C A, C A B, …) so that drift on a noisy machine hits
 * every side alike and each round's figures pair up. Returns each side's samples, in order.
 */
export const rotate = async ({ rounds, sides }) => {
  for (const side of sides) await side(true);
  const runs = sides.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (round + k) % sides.length;
      runs[i].push(await sides[i](false));
    }
  }
  return runs;
};

let gcFunction;
/** A full GC: `global.gc` under `--expose-gc`, else the same function obtained through V8 flags. */
export const gc = () => {
  if (gcFunction === undefined) {
    if (typeof globalThis.gc === 'function') gcFunction = globalThis.gc;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc');
    }
  }
  gcFunction();
};

/** GC a few times (weak refs, finalizers, promise jobs settle in between), then heapUsed. */
export const settledHeap = async () => {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
};

export const MB = 1024 * 1024;

/** Busy-waits `ms` milliseconds: what a slow, synchronous subscriber does to the event loop. */
export const spin = (ms) => {
  const until = nowNs() + ms * 1e6;
  while (nowNs() < until) {
    // busy
  }
};

/**
 * One row of the table. `ratio` is the figure the bar is about; `pass` is null for a row that
 * has no bar. `baseline` / `subject` are `{ value, unit, text }`.
 */
export const row = ({ id, name, baseline, subject, ratio, ratioText, spread, bar, pass, details = {} }) => ({
  id,
  name,
  baseline,
  subject,
  ratio,
  ratioText: ratioText ?? (Number.isFinite(ratio) ? `${ratio.toFixed(2)}` : String(ratio)),
  // The quartiles of the per-round ratios (how noisy the ratio is), when the row has rounds.
  spread: spread === undefined ? '-' : spread.map((x) => x.toFixed(2)).join('–'),
  bar,
  verdict: pass === null ? 'INFO' : pass ? 'PASS' : 'FAIL',
  details,
});

/** `{ value, unit, text }` with a compact text: 123,456 /s, 12.3 µs, 4.5 MB. */
export const figure = (value, unit, digits = 0) => ({
  value,
  unit,
  text: `${Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(value)} ${unit}`,
});
