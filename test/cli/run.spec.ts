import { mkdirSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type CliIo } from '../../src/cli/main.js';
import { relativeAge, table, uniquePrefixLength } from '../../src/cli/format.js';
import { Styled, displayWidth, neutralize, plainText, truncate } from '../../src/cli/text.js';
import { topicFilter } from '../../src/cli/live-commands.js';
import { DEFAULT_SESSION_IDS, startFakeInstance, type FakeInstance } from '../../src/testing/index.js';
import { freePort } from '../helpers/live.js';

/** `run(argv, io)` in this process, for what a spawned command cannot show: a terminal. */

const sink = () => {
  let text = '';
  return { write: (chunk: string) => void (text += chunk), text: () => text };
};

const ioFor = (overrides: Partial<CliIo> = {}) => {
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = { stdout, stderr, env: {}, cwd: '/', isTTY: false, ...overrides };
  return { io, stdout, stderr };
};

const ESC = '\u001b[';

describe('run() on a terminal', () => {
  let fake: FakeInstance;
  beforeEach(async () => {
    fake = await startFakeInstance({ heartbeatIntervalMs: 0, sessions: [
      { id: 's1', title: 'A rather long title that will not fit in a narrow terminal', updated_at: new Date(Date.now() - 3 * 60_000), message_count: 3 },
    ], messages: {} });
  });
  afterEach(() => fake.stop({ silent: true }));
  const args = () => ['--pub', fake.pubEndpoint, '--rpc', fake.rpcEndpoint];

  it('colours, and titles truncated to the width', async () => {
    const { io, stdout } = ioFor({ isTTY: true, stderrIsTTY: false, columns: 40 });
    expect(await run(['sessions', ...args()], io)).toBe(0);
    const text = stdout.text();
    expect(text).toContain(ESC);
    const plain = text.replace(/\u001b\[\d+m/g, '');
    for (const line of plain.trimEnd().split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(40);
    expect(plain).toMatch(/ A rather long \S*… /);
    expect(plain).toContain('3m ago');
  });

  it('NO_COLOR: no colours, even on a terminal', async () => {
    const { io, stdout } = ioFor({ isTTY: true, columns: 200, env: { NO_COLOR: '1' } });
    expect(await run(['sessions', ...args()], io)).toBe(0);
    expect(stdout.text()).not.toContain(ESC);
  });

  it('a spinner on stderr while waiting, erased afterwards; none when stderr is not a terminal', async () => {
    fake.delayReplies(300);
    const tty = ioFor({ isTTY: false, stderrIsTTY: true });
    expect(await run(['ping', ...args()], tty.io)).toBe(0);
    expect(tty.stderr.text()).toContain('connecting to');
    expect(tty.stderr.text().endsWith('\r\u001b[2K')).toBe(true);

    const plain = ioFor();
    expect(await run(['ping', ...args()], plain.io)).toBe(0);
    expect(plain.stderr.text()).toBe('');
  });

  it('an aborted signal (Ctrl-C) ends tail cleanly with 0', async () => {
    const controller = new AbortController();
    const { io } = ioFor({ signal: controller.signal });
    const done = run(['tail', ...args()], io);
    await fake.waitForRequest((r) => r.method === 'instance.ping'); // status$ pings once connected
    controller.abort();
    expect(await done).toBe(0);
  });

  it('an aborted signal while a one-shot command waits: 130', async () => {
    fake.dropReplies();
    const controller = new AbortController();
    const { io } = ioFor({ signal: controller.signal });
    const done = run(['ping', ...args()], io);
    await fake.waitForRequest((r) => r.method === 'instance.ping');
    controller.abort();
    expect(await done).toBe(130);
  });
});

describe('formatting', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  it.each([
    ['2026-03-01T11:59:58Z', 'just now'],
    ['2026-03-01T11:59:15Z', '45s ago'],
    ['2026-03-01T11:57:00Z', '3m ago'],
    ['2026-03-01T09:00:00Z', '3h ago'],
    ['2026-02-24T12:00:00Z', '5d ago'],
    ['2024-01-01T00:00:00Z', '2y ago'],
    ['2026-03-01T12:03:00Z', 'in 3m'],
    ['0001-01-01T00:00:00Z', 'never'],
  ])('relativeAge(%s) = %s', (date, expected) => {
    expect(relativeAge(new Date(date), now)).toBe(expected);
  });

  it('truncate and neutralize', () => {
    expect(plainText(truncate('abcdef', 4))).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('abcdef', Number.POSITIVE_INFINITY)).toBe('abcdef');
    expect(neutralize('a\u001b[31mb\nc')).toBe('a␛[31mb c');
    expect(neutralize('a\r\nb\tc', 'block')).toBe('a\nb\tc');
    expect(neutralize('a\rb\u0007\u007f\u009b\u202e\u2066')).toBe('a␍b␇␡\\u009b\\u202e\\u2066');
  });

  it('display width: CJK and emoji take two columns, and truncation counts columns', () => {
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('👍 ok')).toBe(5);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(plainText(truncate('日本語のタイトル', 7))).toBe('日本語…');
    expect(displayWidth(truncate('日本語のタイトル', 7))).toBeLessThanOrEqual(7);
  });

  it('table: aligned columns, the flexible one truncated to the width, no trailing spaces', () => {
    const lines = table(
      [{ header: 'ID' }, { header: 'TITLE', flexible: true }, { header: 'N', align: 'right' }, { header: 'AGE' }],
      [
        ['a', 'a long title indeed', '10', '3m ago'],
        ['bb', 'short', '2', 'just now'],
      ],
      30,
    ).map((line) => plainText(line));
    expect(lines).toEqual(['ID  TITLE          N  AGE', 'a   a long titl…  10  3m ago', 'bb  short          2  just now']);
    for (const line of lines.slice(1)) expect(line.length).toBeLessThanOrEqual(30);
  });

  it('uniquePrefixLength: 8 characters, or as many as tell the ids apart', () => {
    expect(uniquePrefixLength([...DEFAULT_SESSION_IDS])).toBe(8);
    expect(uniquePrefixLength(['abcdefgh1', 'abcdefgh2'])).toBe(9);
    expect(uniquePrefixLength(['s1', 's2'])).toBe(8);
  });

  it('topicFilter: exact topics subscribe narrowly, prefixes and unknown topics match on the client', () => {
    expect(topicFilter(['llm.token,llm.end']).exact).toEqual(['llm.token', 'llm.end']);
    const prefix = topicFilter(['llm.*', 'plugin.new']);
    expect(prefix.exact).toBeUndefined();
    expect([prefix.matches('llm.token'), prefix.matches('plugin.new'), prefix.matches('tool.end')]).toEqual([true, true, false]);
    expect(topicFilter(['instance.*']).namesHeartbeat).toBe(true);
    expect(topicFilter([]).matches('anything')).toBe(true);
  });
});

describe('truncate with styles', () => {
  it('counts only visible columns, and keeps the styles of what it keeps', () => {
    const text = ['ab ', new Styled('red', 'cdef'), ' gh'];
    expect(truncate(text, 10)).toBe(text);
    expect(truncate(text, 6)).toEqual(['ab ', new Styled('red', 'cd'), '…']);
  });
});

describe('tail in-process', () => {
  let fake: FakeInstance;
  beforeEach(async () => {
    fake = await startFakeInstance({ heartbeatIntervalMs: 0 });
  });
  afterEach(() => fake.stop({ silent: true }));

  /** Runs tail until `stop()`, once it shows the probe events (from then on it sees every event). */
  const startTail = async (args: string[], columns?: number) => {
    const controller = new AbortController();
    const { io, stdout, stderr } = ioFor({ signal: controller.signal, ...(columns === undefined ? {} : { columns }) });
    const done = run(['tail', '--pub', fake.pubEndpoint, '--rpc', fake.rpcEndpoint, ...args], io);
    const probe = setInterval(() => void fake.publishTopic('session.update', { id: 'probe', title: 'PROBE', updated_at: new Date(), message_count: 0 }), 20);
    await until(() => stdout.text().includes('PROBE')).finally(() => clearInterval(probe));
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      /** Publishes an END marker, waits for it, then stops tail; resolves to its exit code. */
      end: async (): Promise<number> => {
        await fake.publishTopic('session.update', { id: 'end', title: 'END', updated_at: new Date(), message_count: 0 });
        await until(() => stdout.text().includes('END'));
        controller.abort();
        return done;
      },
    };
  };

  const envelope = (topic: string, payload: string): string =>
    `${topic}\u0000{"instanceId":"x","projectId":"","topic":"${topic}","timestamp":"2026-03-01T10:00:00Z","payload":${payload}}`;
  /** Deeper than the command shows (32, 256 with --json), within what the decoder takes (512). */
  const DEEP = 400;
  /** Deeper than the decoder takes: such a frame is refused as bad, and said so. */
  const TOO_DEEP = 100_000;

  it('survives payloads nested 400 and 100,000 deep: shows what it can, says what it cut, and goes on', async () => {
    const tail = await startTail([]);
    await fake.publishRaw(envelope('plugin.deep', '['.repeat(DEEP) + ']'.repeat(DEEP)));
    await fake.publishRaw(envelope('db.session.updated', `{"instance_id":"x","path":"sessions/1","topic":"t","timestamp":"t","payload":${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`));
    await fake.publishRaw(envelope('plugin.deeper', '['.repeat(TOO_DEEP) + ']'.repeat(TOO_DEEP)));
    expect(await tail.end()).toBe(0);
    expect(tail.stdout()).toMatch(/plugin\.deep +\[\[\[\[.*…\(cut: nested deeper than \d+ levels\)/);
    expect(tail.stdout()).toMatch(/db\.session\.updated +sessions\/1 \{"a":\{"a":.*…\(cut: nested deeper than \d+ levels\)/);
    expect(tail.stderr()).toMatch(/skipped a frame that does not decode: .*nested deeper than 512 levels/);
  });

  it('--json survives it too: valid JSON cut at a depth, and a note on stderr that says so', async () => {
    const tail = await startTail(['--json']);
    await fake.publishRaw(envelope('plugin.deep', '['.repeat(DEEP) + ']'.repeat(DEEP)));
    expect(await tail.end()).toBe(0);
    const lines = tail.stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as { topic: string; payload: unknown });
    const deep = lines.find((line) => line.topic === 'plugin.deep')!;
    let depth = 0;
    let value: unknown = deep.payload;
    while (Array.isArray(value)) {
      value = value[0];
      depth++;
    }
    expect(value).toMatch(/^…\(cut: nested deeper than \d+ levels\)$/);
    expect(depth).toBeGreaterThan(100);
    expect(tail.stderr()).toMatch(/the payload of this plugin\.deep event is nested deeper than \d+ levels: cut there/);
    expect(lines[lines.length - 1]!.topic).toBe('session.update'); // the END marker: the stream went on
  });

  /** The text of each session, from the lines that show streamed text. */
  const textBySession = (stdout: string): Map<string, string[]> => {
    const lines = new Map<string, string[]>();
    for (const match of stdout.matchAll(/^\d\d:\d\d:\d\d (\S+) +▍ (.*)$/gm)) lines.set(match[1]!, [...(lines.get(match[1]!) ?? []), match[2]!]);
    return lines;
  };

  it('two sessions streaming at once: each one reads as lines, not one word per line', async () => {
    const tail = await startTail([], 60);
    const a = 'alpha one two three four five six seven eight nine ten eleven twelve thirteen fourteen'.split(' ');
    const b = 'beta uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince'.split(' ');
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length) await fake.publishTopic('llm.token', { session_id: 'aaaaaaaa-1', token: `${a[i]} ` });
      if (i < b.length) await fake.publishTopic('llm.token', { session_id: 'bbbbbbbb-2', token: `${b[i]} ` });
    }
    await fake.publishTopic('llm.end', { session_id: 'aaaaaaaa-1', tokens_in: 0, tokens_out: a.length });
    await fake.publishTopic('llm.end', { session_id: 'bbbbbbbb-2', tokens_in: 0, tokens_out: b.length });
    expect(await tail.end()).toBe(0);
    const lines = textBySession(tail.stdout());
    const words = (id: string): string[] => (lines.get(id) ?? []).flatMap((line) => line.trim().split(' '));
    // Every word of each, in order, on lines of that session only; whole lines, not one word per line.
    expect(words('aaaaaaaa')).toEqual(a);
    expect(words('bbbbbbbb')).toEqual(b);
    const all = [...(lines.get('aaaaaaaa') ?? []), ...(lines.get('bbbbbbbb') ?? [])];
    expect(all.length).toBeLessThanOrEqual(6);
    expect(all.filter((line) => line.trim().split(' ').length <= 3).length).toBeLessThanOrEqual(2); // at most the end of each
    for (const line of tail.stdout().split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(60 + 20); // the open line may run on; buffered ones fit
  });
});

/** Resolves once `condition()` holds (checked every 10 ms); the guard turns a hang into a failure. */
const until = (condition: () => boolean, guardMs = 8000): Promise<void> =>
  new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      clearInterval(check);
      reject(new Error('condition not met'));
    }, guardMs);
    const check = setInterval(() => {
      if (condition()) {
        clearTimeout(guard);
        clearInterval(check);
        resolve();
      }
    }, 10);
  });

describe('an instance that is not there', () => {
  let registry: string;
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'pando-rx-unreachable-'));
    dirs.push(dir);
    return dir;
  };
  beforeEach(() => {
    registry = tempDir();
  });
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const runHere = async (args: string[]) => {
    const { io, stdout, stderr } = ioFor({ env: { PANDO_REGISTRY_DIR: registry } });
    const started = Date.now();
    const code = await run(args, io);
    return { code, stdout: stdout.text(), stderr: stderr.text(), ms: Date.now() - started };
  };

  it('a refused connection fails at once, in one short line that says which endpoint and what to try', async () => {
    const [pub, rpc] = [await freePort(), await freePort()];
    const { code, stdout, stderr, ms } = await runHere(['ping', '--pub', String(pub), '--rpc', String(rpc), '--timeout', '5000']);
    expect(code).toBe(1);
    expect(ms).toBeLessThan(2000); // not the 5-s --timeout
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `pando-rx: no Pando instance at RPC tcp://127.0.0.1:${rpc}: connection refused (given by --pub/--rpc); no other instance is registered; try pando-rx simulate\n`,
    );
  });

  it('--workdir: where the endpoints came from, and where instances do run', async () => {
    const workdir = tempDir();
    const elsewhere = tempDir();
    writeFileSync(
      join(registry, 'other.json'),
      JSON.stringify({ instance_id: 'other', path: elsewhere, pid: process.pid, pub_port: 1, rpc_port: 2, started_at: '2026-03-01T10:00:00Z', mode: 'tui', is_primary: true }),
    );
    const { code, stderr, ms } = await runHere(['sessions', '--workdir', workdir, '--timeout', '5000']);
    expect(code).toBe(1);
    expect(ms).toBeLessThan(2000);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      new RegExp(`^pando-rx: no Pando instance at RPC tcp://127\\.0\\.0\\.1:\\d+: connection refused \\(deterministic ports of ${workdir}; no lock file or registry entry\\); instances are running in: ${elsewhere} \\(use --workdir\\), or try pando-rx simulate\\n$`),
    );
  });

  it('trusts a lock file only once the instance confirms it: another instance at its ports is refused', async () => {
    const fake = await startFakeInstance({ heartbeatIntervalMs: 0 });
    try {
      const workdir = tempDir();
      const port = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
      mkdirSync(join(workdir, '.pando'));
      const lock = (id: string): void =>
        writeFileSync(
          join(workdir, '.pando', 'ipc.lock'),
          JSON.stringify({ instance_id: id, pid: process.pid, pub_port: port(fake.pubEndpoint), rpc_port: port(fake.rpcEndpoint), started_at: '2026-03-01T10:00:00Z' }),
        );
      lock('impostor');
      const refused = await runHere(['ping', '--workdir', workdir]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`answered as instance "${fake.instanceId}", not "impostor"`);
      expect(refused.stderr).toContain('not trusted');
      lock(fake.instanceId);
      const confirmed = await runHere(['ping', '--workdir', workdir]);
      expect(confirmed.code).toBe(0);
      expect(confirmed.stdout).toContain(fake.instanceId);
    } finally {
      await fake.stop({ silent: true });
    }
  });

  it('a wrong --pub: the RPC endpoint answers, so the line blames the PUB endpoint only', async () => {
    const fake = await startFakeInstance({ heartbeatIntervalMs: 0 });
    try {
      const pub = await freePort();
      for (const command of ['sessions', 'tail']) {
        const { code, stderr, ms } = await runHere([command, '--pub', String(pub), '--rpc', fake.rpcEndpoint, '--timeout', '5000']);
        expect(code).toBe(1);
        expect(ms).toBeLessThan(2000);
        expect(stderr).toBe(
          `pando-rx: the instance answers at RPC ${fake.rpcEndpoint}, but its events do not arrive from PUB tcp://127.0.0.1:${pub}: connection refused (given by --pub/--rpc); check --pub\n`,
        );
      }
      // ping needs only the RPC endpoint.
      expect((await runHere(['ping', '--pub', String(pub), '--rpc', fake.rpcEndpoint])).code).toBe(0);
    } finally {
      await fake.stop({ silent: true });
    }
  });

  it('something listens but does not answer: the line says how long it waited', async () => {
    const server = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const { code, stderr } = await runHere(['ping', '--pub', String(await freePort()), '--rpc', String(port), '--timeout', '300']);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^pando-rx: no Pando instance at RPC tcp://127\\.0\\.0\\.1:${port}: no answer within 300 ms \\(given by --pub/--rpc\\); `));
    } finally {
      server.close();
    }
  });
});
