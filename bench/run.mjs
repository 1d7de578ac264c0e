#!/usr/bin/env node
// Runs every benchmark, each in its own Node process (with --expose-gc), prints one table and
// writes bench/results/latest.json. See bench/README.md.
//
//   node bench/run.mjs [--quick | --smoke] [--only=throughput,decode,...] [--out=file.json] [--profile]
//
// --quick    smaller counts, 3 rounds (a look, not a measurement)
// --smoke    tiny counts, 1 round: checks that every benchmark runs and reports (npm test)
// --only     a comma-separated subset of: throughput, decode, latency, rpc, mirror, memory, slow-consumer, nats
// --out      where to write the JSON (default bench/results/latest.json; smoke.json for --smoke)
// --profile  runs each benchmark under `node --cpu-prof`, profiles in bench/results/profiles/
// BENCH_SCALE=<factor> multiplies the counts, BENCH_ROUNDS=<n> sets the rounds,
// PANDO_RX_DIST=<dir> measures another build of the library (default dist/cjs).
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROOT, scaleFromArgs } from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The benchmarks, in table order: id → module. */
export const BENCHMARKS = {
  throughput: './throughput.mjs',
  decode: './decode.mjs',
  latency: './latency.mjs',
  rpc: './rpc.mjs',
  mirror: './mirror-scaling.mjs',
  memory: './memory.mjs',
  'slow-consumer': './slow-consumer.mjs',
  nats: './nats.mjs',
};

const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const scale = scaleFromArgs(args);

/** In a worker: run one benchmark and send its rows to the parent. */
const runWorker = async (id) => {
  try {
    const module = await import(pathToFileURL(join(here, BENCHMARKS[id])).href);
    const result = await module.run(scale);
    process.send({ type: 'rows', rows: Array.isArray(result) ? result : [result] });
  } catch (err) {
    process.send({ type: 'error', error: String(err?.stack ?? err) });
  }
  process.disconnect();
};

/** Runs one benchmark in a child process; resolves with its rows (an ERROR row on failure). */
const runInChild = (id, profileDir) =>
  new Promise((resolveRows) => {
    const execArgv = ['--expose-gc'];
    if (profileDir !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${id}.cpuprofile`);
    const child = fork(fileURLToPath(import.meta.url), [`--worker=${id}`, ...args.filter((a) => !a.startsWith('--only='))], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let rows;
    let failure;
    child.on('message', (message) => {
      if (message.type === 'rows') rows = message.rows;
      else if (message.type === 'error') failure = message.error;
    });
    child.on('exit', (code, signal) => {
      if (rows !== undefined) return resolveRows(rows);
      const error = failure ?? `worker exited (${code ?? signal}) without a result`;
      resolveRows([{ id, name: id, baseline: { text: '-' }, subject: { text: '-' }, ratioText: '-', bar: '-', verdict: 'ERROR', details: { error } }]);
    });
  });

const pad = (text, width) => text + ' '.repeat(Math.max(0, width - [...text].length));

/** The table, as Markdown (it reads as plain text too). */
export const formatTable = (rows) => {
  const header = ['benchmark', 'baseline', 'subject', 'ratio', 'q1–q3', 'bar', 'verdict'];
  const cells = rows.map((r) => [r.name, r.baseline.text, r.subject.text, r.ratioText, r.spread ?? '-', r.bar, r.verdict]);
  const widths = header.map((h, i) => Math.max([...h].length, ...cells.map((c) => [...c[i]].length)));
  const line = (c) => `| ${c.map((x, i) => pad(x, widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
};

/** One line per row with the figures behind it. */
const formatNotes = (rows) =>
  rows
    .map((r) => {
      const d = r.details ?? {};
      switch (r.id) {
        case 'throughput':
          return `- throughput: events$ ${r.subject.text}, bare ${r.baseline.text}; publisher ${d.publisherRate?.toLocaleString('en-US')} ev/s; received/sent per round: bare ${d.baselineReceivedOfSent}; events$ ${d.subjectReceivedOfSent}; CPU per event (${d.cpuKind}): bare ${d.cpuNsPerEvent?.bare} ns, decoding loop ${d.cpuNsPerEvent?.decodingLoop} ns, the library's receive loop + decodeFrame alone ${d.cpuNsPerEvent?.floor} ns, events$ ${d.cpuNsPerEvent?.events} ns; that loop reaches ${d.floor?.ofCountingLoop} of the counting loop's rate (${d.floor?.rate?.toLocaleString('en-US')} ev/s) at ${d.floor?.cpuOfCountingLoop}× its CPU, and events$ ${d.floor?.eventsOfFloor} of that loop's rate at ${d.floor?.eventsCpuOfFloor}× its CPU`;
        case 'rpc-sequential':
          return `- rpc: CPU per call (${d.cpuKind}) bare ${d.cpuNsPerCall?.bareSequential} ns, RemoteControl ${d.cpuNsPerCall?.sequential} ns; p50/p99 µs bare ${d.latencyUs?.bareSequential?.join('/')}, RemoteControl ${d.latencyUs?.sequential?.join('/')}`;
        case 'decode':
          return `- decode: ${d.nsPerFrame?.decodeFrame} ns/frame decodeFrame vs ${d.nsPerFrame?.jsonParse} ns/frame JSON.parse (${d.frames} frames/round)`;
        case 'latency':
        case 'latency-50k':
          return `- latency ${d.rate}/s: p50 ${d.subject?.p50?.toFixed(0)} µs vs bare ${d.baseline?.p50?.toFixed(0)} µs; p99 ${d.subject?.p99?.toFixed(0)} µs vs ${d.baseline?.p99?.toFixed(0)} µs (${d.events} events at ${d.rate}/s per round; pace held by the publisher: bare rounds ${d.heldRate?.baseline?.join(' ')}, events$ rounds ${d.heldRate?.subject?.join(' ')} /s); the bare loop that also decodes each frame: p50 ${d.decodingLoop?.p50?.toFixed(0)} µs, p99 ${d.decodingLoop?.p99?.toFixed(0)} µs (${d.decodingLoopRatio}× bare on this row's percentile; events$ ${d.ofDecodingLoop}× of it)`;
        case 'rpc-concurrent':
          return `- rpc: at ${d.inFlight} in flight p50/p99 µs bare ${d.latencyUs?.bareConcurrent?.join('/')}, RemoteControl ${d.latencyUs?.concurrent?.join('/')}; bare DEALER with ${d.inFlight} in flight ${d.bareConcurrent?.toLocaleString('en-US')} call/s (${d.bareConcurrentVsBareSequential}× bare sequential); RemoteControl reaches ${d.concurrentVsBareConcurrent} of it`;
        case 'mirror':
          return `- mirror update: ${d.updates?.toLocaleString('en-US')} updates per round; update+read ns per round ${d.mirrorSpread} (median ${r.subject.text}); copy ${d.copySpread} (median ${r.baseline.text})`;
        case 'memory':
          return `- memory: ${d.received?.toLocaleString('en-US')}/${d.events?.toLocaleString('en-US')} events, ${d.mirrorEmissions?.toLocaleString('en-US')} mirrors (size ${d.mirrorSize}), ${d.eventsPerSecond?.toLocaleString('en-US')} ev/s; RSS ${d.rssBeforeMB} → ${d.rssAfterMB} MB`;
        case 'slow-consumer': {
          const s = (d.subject ?? []).map((x) => `${x.received}/${x.sent} (+${x.peakRssGrowthMB.toFixed(1)} MB RSS, +${x.peakHeapGrowthMB.toFixed(1)} MB heap)`).join(', ');
          const b = (d.baseline ?? []).map((x) => `${x.received}/${x.sent} (+${x.peakRssGrowthMB.toFixed(1)} MB RSS)`).join(', ');
          return `- slow consumer: events$ received/sent ${s}; bare ${b}; dropped by ${d.droppedBy}`;
        }
        case 'nats-throughput':
          return `- NATS events/s: received/sent per round: direct ${d.directReceivedOfSent}; through relay + NATS ${d.natsReceivedOfSent}`;
        case 'nats-latency':
          return `- NATS latency ${d.rate}/s: p50 ${d.nats?.p50?.toFixed(0)} µs vs direct ${d.direct?.p50?.toFixed(0)} µs; p99 ${d.nats?.p99?.toFixed(0)} µs vs ${d.direct?.p99?.toFixed(0)} µs (${d.events} events per round)`;
        case 'nats-relay-cpu':
          return `- NATS CPU (${d.cpuKind}) ns per event per round: relay ${d.relayNsPerEvent?.join(' ')}; direct client ${d.directClientNsPerEvent?.join(' ')}; NATS client ${d.natsClientNsPerEvent?.join(' ')}; nats-server ${d.natsServerNsPerEvent?.join(' ')} (per 10k ev/s: NATS client ${d.natsClientPercentPer10k?.toFixed(1)} %, nats-server ${d.natsServerPercentPer10k?.toFixed(1)} % of a core)`;
        default:
          return r.verdict === 'ERROR' ? `- ${r.id}: ERROR ${String(d.error).split('\n')[0]}` : undefined;
      }
    })
    .filter((line) => line !== undefined)
    .join('\n');

const main = async () => {
  const only = option('only')?.split(',').filter(Boolean) ?? Object.keys(BENCHMARKS);
  for (const id of only) if (!(id in BENCHMARKS)) throw new Error(`unknown benchmark "${id}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const profileDir = args.includes('--profile') ? resolve(ROOT, 'bench/results/profiles') : undefined;
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const started = new Date();
  const machine = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavgBefore: loadavg().map((x) => Number(x.toFixed(2))),
  };
  process.stderr.write(`pando-rx benchmarks (${scale.name}, ×${scale.factor}, ${scale.rounds} rounds) on ${machine.cores} × ${machine.cpu}, node ${machine.node}\n`);
  const rows = [];
  for (const id of only) {
    const t0 = Date.now();
    process.stderr.write(`  ${id} ... `);
    const result = await runInChild(id, profileDir);
    rows.push(...result);
    process.stderr.write(`${result.map((r) => `${r.verdict} ${r.ratioText}`).join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  machine.loadavgAfter = loadavg().map((x) => Number(x.toFixed(2)));
  const table = formatTable(rows);
  const notes = formatNotes(rows);
  process.stdout.write(`\n${table}\n\n${notes}\n`);
  const out = resolve(option('out') ?? join(ROOT, 'bench', 'results', scale.name === 'smoke' ? 'smoke.json' : 'latest.json'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ startedAt: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000, scale, machine, rows, table }, null, 2)}\n`);
  process.stderr.write(`written ${out}\n`);
  if (rows.some((r) => r.verdict === 'ERROR')) process.exitCode = 1;
};

const worker = option('worker');
if (worker !== undefined) await runWorker(worker);
else await main();
