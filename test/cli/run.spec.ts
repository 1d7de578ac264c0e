import { run, type CliIo } from '../../src/cli/main.js';
import { relativeAge, table, uniquePrefixLength } from '../../src/cli/format.js';
import { Styled, displayWidth, neutralize, plainText, truncate } from '../../src/cli/text.js';
import { topicFilter } from '../../src/cli/live-commands.js';
import { DEFAULT_SESSION_IDS, startFakeInstance, type FakeInstance } from '../../src/testing/index.js';

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
