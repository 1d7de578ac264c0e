import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The benchmarks, test-sized: `node bench/run.mjs --smoke` runs every benchmark with tiny counts
 * and one round, through the same code and the same built library (dist/, built by the global
 * setup when stale) as `npm run bench`, so that they cannot rot. No timing is asserted: only
 * that each benchmark ran and produced a well-formed row.
 */

interface Figure {
  readonly value: number;
  readonly unit: string;
  readonly text: string;
}
interface Row {
  readonly id: string;
  readonly name: string;
  readonly baseline: Figure;
  readonly subject: Figure;
  readonly ratio: number;
  readonly ratioText: string;
  readonly bar: string;
  readonly verdict: string;
  readonly details: Record<string, unknown>;
}
interface Results {
  readonly scale: { readonly name: string };
  readonly rows: readonly Row[];
  readonly table: string;
}

const ROWS = [
  'throughput',
  'throughput-decode',
  'cpu-event',
  'decode',
  'latency',
  'latency-50k',
  'rpc-sequential',
  'rpc-cpu',
  'rpc-p99',
  'rpc-concurrent',
  'rpc-p99-concurrent',
  'mirror',
  'memory',
  'slow-consumer',
  'nats-throughput',
  'nats-latency',
  'nats-relay-cpu',
];

/** Rows that report a figure without a bar (issue 14 asks for the figures, not a threshold). */
const INFO_ROWS = new Set(['nats-throughput', 'nats-latency', 'nats-relay-cpu']);

describe('benchmarks (smoke run)', () => {
  const root = join(__dirname, '..', '..');
  let results: Results;
  let stdout = '';

  beforeAll(() => {
    // The global setup builds dist/ when it is stale; build it here too should it be missing.
    if (!existsSync(join(root, 'dist', 'cjs', 'index.js'))) {
      spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'pando-rx-bench-'));
    try {
      const out = join(dir, 'smoke.json');
      const env = { ...process.env };
      delete env['PANDO_RX_DIST'];
      delete env['BENCH_SCALE'];
      delete env['BENCH_ROUNDS'];
      const run = spawnSync(process.execPath, [join(root, 'bench', 'run.mjs'), '--smoke', `--out=${out}`], {
        cwd: root,
        env,
        encoding: 'utf8',
        timeout: 90_000,
      });
      stdout = run.stdout;
      if (run.status !== 0) throw new Error(`bench/run.mjs --smoke exited ${run.status ?? run.signal}:\n${run.stderr}\n${run.stdout}`);
      results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs every benchmark, in table order, at the smoke scale', () => {
    expect(results.scale.name).toBe('smoke');
    expect(results.rows.map((row) => row.id)).toEqual(ROWS);
  });

  it.each(ROWS)('%s: a well-formed row with a verdict', (id) => {
    const row = results.rows.find((r) => r.id === id)!;
    expect(row.verdict).toMatch(INFO_ROWS.has(id) ? /^INFO$/ : /^(PASS|FAIL)$/);
    expect(row.name).toEqual(expect.any(String));
    expect(row.bar).not.toBe('');
    for (const figure of [row.baseline, row.subject]) {
      expect(Number.isFinite(figure.value)).toBe(true);
      expect(figure.unit).not.toBe('');
      expect(figure.text).not.toBe('');
    }
    expect(Number.isFinite(row.ratio)).toBe(true);
    expect(row.ratioText).not.toBe('');
  });

  it('accounts for every event: received never exceeds sent, and the drops are reported', () => {
    const byId = Object.fromEntries(results.rows.map((r) => [r.id, r]));
    const throughput = byId['throughput']!.details as { baselineReceivedOfSent: string; subjectReceivedOfSent: string };
    for (const pair of `${throughput.baselineReceivedOfSent} ${throughput.subjectReceivedOfSent}`.split(' ')) {
      const [received, sent] = pair.split('/').map(Number);
      expect(received).toBeGreaterThan(0);
      expect(received).toBeLessThanOrEqual(sent!);
    }
    const slow = byId['slow-consumer']!.details as { subject: Array<{ sent: number; received: number; dropped: number }> };
    for (const round of slow.subject) {
      expect(round.received + round.dropped).toBe(round.sent);
      expect(round.dropped).toBeGreaterThanOrEqual(0);
    }
    for (const id of ['nats-throughput', 'nats-latency']) {
      const nats = byId[id]!.details as { directReceivedOfSent: string; natsReceivedOfSent: string };
      for (const pair of `${nats.directReceivedOfSent} ${nats.natsReceivedOfSent}`.split(' ')) {
        const [received, sent] = pair.split('/').map(Number);
        expect(received).toBeGreaterThan(0);
        expect(received).toBeLessThanOrEqual(sent!);
      }
    }
    const relay = byId['nats-relay-cpu']!.details as { relayed: number[] };
    for (const relayed of relay.relayed) expect(relayed).toBeGreaterThan(0);
    const memory = byId['memory']!.details as { events: number; received: number; mirrorSize: number };
    expect(memory.received).toBe(memory.events);
    expect(memory.mirrorSize).toBe(100);
  });

  it('prints one table with a line per row', () => {
    expect(stdout).toContain('| benchmark');
    for (const row of results.rows) expect(results.table).toContain(`| ${row.name}`);
  });
});
