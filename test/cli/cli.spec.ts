import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SESSION_IDS, startFakeInstance, type FakeInstance, type FakeInstanceOptions, type TurnScript } from '../../src/testing/index.js';
import { killChildren, removeTempDirs, runCli, startCli, tempDir } from './helpers.js';

/**
 * The built `pando-rx` command, end to end: each test spawns `node bin/pando-rx.js …` (pipes,
 * so plain output) against a fake instance running in this process.
 */

const [OLDER, NEWER] = DEFAULT_SESSION_IDS; // 'Fix the flaky login test' (4 messages), 'CSV export for monthly reports' (active)

let fake: FakeInstance | undefined;
const startFake = async (options: FakeInstanceOptions = {}): Promise<FakeInstance> => {
  fake = await startFakeInstance({ heartbeatIntervalMs: 0, tokenIntervalMs: 1, ...options });
  return fake;
};
const endpoints = (f: FakeInstance): string[] => ['--pub', f.pubEndpoint, '--rpc', f.rpcEndpoint];

/** A registry directory of the test's own, so that /tmp/pando-instances is never read. */
let registry: string;


beforeEach(() => {
  registry = tempDir('registry');
});

afterEach(async () => {
  await killChildren();
  await fake?.stop({ silent: true });
  fake = undefined;
  removeTempDirs();
});

const env = (): Record<string, string> => ({ PANDO_REGISTRY_DIR: registry });

/** A PID that names no process. */
const DEAD_PID = 2_147_483_646;

describe('usage errors exit 2', () => {
  it.each([
    [[], 'no command'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['ping', '--timeout', 'soon'], 'expected a whole number of milliseconds'],
    [['ping', '--pub', '5551'], '--pub and --rpc go together'],
    [['ping', '--pub', 'localhost:1', '--rpc', '2'], 'is not a ZeroMQ endpoint'],
    [['send', OLDER], "missing required argument 'text'"],
    [['tail', '--bogus'], "unknown option '--bogus'"],
    [['messages', OLDER, '--last', '0'], 'expected a whole number (at least 1)'],
  ])('pando-rx %j', async (args, message) => {
    const { code, stderr } = await runCli(args as string[], { env: env() });
    expect(code).toBe(2);
    if (message === 'no command') return;
    // Commander's own errors and ours: one line, one style.
    expect(stderr).toMatch(/^pando-rx: .* \(run with --help for usage\)\n$/);
    expect(stderr).toContain(message);
  });

  it('--help is not an error', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: pando-rx');
    expect(stdout).toMatch(/simulate/);
  });
});

describe('RPC commands', () => {
  it('ping: the instance id, exit 0; --json: stable keys', async () => {
    const f = await startFake({ instanceId: 'fake-ping' });
    const human = await runCli(['ping', ...endpoints(f)], { env: env() });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^pong from fake-ping in \d+ ms, up \S+, at tcp:\/\/127\.0\.0\.1:\d+ \(from --pub\/--rpc\)\n$/);

    const json = await runCli(['ping', '--json', ...endpoints(f)], { env: env() });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['pubEndpoint', 'rpcEndpoint', 'via', 'latencyMs', 'result']);
    expect(parsed['result']).toEqual({ status: 'ok', instance_id: 'fake-ping', uptime: expect.any(String) });
    expect(parsed['via']).toBe('flags');
  });

  it('activate <prefix>: makes the session active', async () => {
    const f = await startFake();
    const { code, stdout } = await runCli(['activate', OLDER.slice(0, 6), ...endpoints(f)], { env: env() });
    expect(code).toBe(0);
    expect(stdout).toBe(`session ${OLDER} "Fix the flaky login test" is now active\n`);
    expect(f.activeSessionId).toBe(OLDER);
  });

  it('an unknown session: exit 1, and nothing is sent', async () => {
    const f = await startFake();
    const { code, stderr } = await runCli(['activate', 'no-such-session', ...endpoints(f)], { env: env() });
    expect(code).toBe(1);
    expect(stderr).toContain('no session "no-such-session"');
    expect(f.requests.map((r) => r.method)).toEqual(['session.list']);
  });

  it('messages: the conversation; --json: the wire records', async () => {
    const f = await startFake();
    const human = await runCli(['messages', OLDER, ...endpoints(f)], { env: env() });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Fix the flaky login test · ');
    expect(human.stdout).toContain('  The login test fails one run in ten. Can you find out why?');
    expect(human.stdout).toMatch(/assistant · 1h ago\n {2}Done: the test now waits for the button to be enabled\.\n$/);

    const last = await runCli(['messages', OLDER, '--last', '1', ...endpoints(f)], { env: env() });
    expect(last.stdout).toMatch(/^Fix the flaky login test · \S+ · 4 messages, the last 1 shown\n\nassistant · 1h ago\n {2}Done: the test now waits for the button to be enabled\.\n$/);
    const lastJson = JSON.parse((await runCli(['messages', OLDER, '--json', '-n', '2', ...endpoints(f)], { env: env() })).stdout) as { messages: Array<{ content: string }> };
    expect(lastJson.messages.map((m) => m.content)).toEqual(['Make it wait for the button instead.', 'Done: the test now waits for the button to be enabled.']);

    const json = await runCli(['messages', OLDER, '--json', ...endpoints(f)], { env: env() });
    const parsed = JSON.parse(json.stdout) as { sessionId: string; messages: Array<Record<string, unknown>> };
    expect(parsed.sessionId).toBe(OLDER);
    expect(parsed.messages).toHaveLength(4);
    expect(Object.keys(parsed.messages[0]!)).toEqual(['id', 'role', 'content', 'created_at']);
    expect(parsed.messages[0]!['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('interrupt: cuts the running turn short', async () => {
    const f = await startFake({ tokenIntervalMs: 20 });
    const turn = f.playTurn(NEWER, 'a long one', () => ({ reply: Array.from({ length: 200 }, (_, i) => `w${i} `) }));
    const { code, stdout } = await runCli(['interrupt', NEWER, '--json', ...endpoints(f)], { env: env() });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ sessionId: NEWER, result: { ok: true } });
    expect((await turn).outcome).toBe('interrupted');
  });

  it('send: prints the reply as it streams, tool calls on their own line, and exits 0 after llm.end', async () => {
    const script: TurnScript = () => ({
      reply: ['Hel', 'lo ', 'there.'],
      toolCalls: [{ name: 'bash', params: { cmd: 'ls' }, result: 'a.txt', afterToken: 3, durationMs: 5 }],
    });
    const f = await startFake({ script, tokenIntervalMs: 5 });
    const { code, stdout, stderr } = await runCli(['send', NEWER.slice(0, 8), 'list', 'the', 'files', ...endpoints(f)], { env: env() });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Hello there\.\n {2}✓ bash \d+ ms\n$/);
    expect(f.requests.find((r) => r.method === 'message.send')?.params).toEqual({ session_id: NEWER, content: 'list the files' });
  });

  it('send --json: every event of the turn, one per line, up to llm.end', async () => {
    const f = await startFake({ script: () => ({ reply: ['a', 'b'] }) });
    const { code, stdout } = await runCli(['send', '--json', OLDER, 'hi', ...endpoints(f)], { env: env() });
    expect(code).toBe(0);
    const events = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { topic: string; timestamp: string; payload: Record<string, unknown> });
    expect(events.map((e) => e.topic)).toEqual(['message.append', 'session.update', 'llm.start', 'llm.token', 'llm.token', 'llm.end']);
    expect(events.filter((e) => e.topic === 'llm.token').map((e) => e.payload['token'])).toEqual(['a', 'b']);
    expect(events[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it("send to today's Pando (no agent runner): the instance's error, exit 1", async () => {
    const f = await startFake({ mode: 'pando' });
    const started = Date.now();
    const { code, stdout, stderr } = await runCli(['send', OLDER, 'hi', ...endpoints(f)], { env: env() });
    // Nothing it opened keeps it alive: it ends long before main()'s 2-s backstop would end it.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('pando-rx: the instance answered -32000: message.send: agent runner not available on this instance\n');
  });
});

describe('sessions', () => {
  it('an aligned table, active session marked, newest first', async () => {
    const f = await startFake({ mode: 'pando' }); // the snapshot falls back to session.list
    const { code, stdout } = await runCli(['sessions', ...endpoints(f)], { env: env() });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {3}ID {8}TITLE {27}MSGS {2}UPDATED$/);
    expect(lines[1]).toBe(`   ${NEWER.slice(0, 8)}  CSV export for monthly reports     2  2m ago`);
    expect(lines[2]).toBe(`   ${OLDER.slice(0, 8)}  Fix the flaky login test           4  1h ago`);
  });

  it('--json: the mirror with the wire records and RFC 3339 dates', async () => {
    const f = await startFake();
    const { code, stdout } = await runCli(['sessions', '--json', ...endpoints(f)], { env: env() });
    expect(code).toBe(0);
    const mirror = JSON.parse(stdout) as Record<string, unknown> & { sessions: Array<Record<string, unknown>> };
    expect(Object.keys(mirror)).toEqual(['instanceId', 'activeSessionId', 'source', 'syncedAt', 'sessions']);
    expect(mirror['instanceId']).toBe(f.instanceId);
    expect(mirror['activeSessionId']).toBe(NEWER);
    expect(mirror['source']).toBe('state.sync');
    expect(mirror.sessions.map((s) => s['id'])).toEqual([NEWER, OLDER]);
    expect(mirror.sessions[0]).toEqual({
      id: NEWER,
      title: 'CSV export for monthly reports',
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      message_count: 2,
    });
  });

  it('--watch --json: one mirror per change, until Ctrl-C (exit 0)', async () => {
    const f = await startFake();
    const cli = startCli(['sessions', '--watch', '--json', ...endpoints(f)], { env: env() });
    await cli.waitForStdout(/\n/);
    await f.upsertSession({ id: 's-new', title: 'A new one', updated_at: new Date(), message_count: 0 });
    const out = await cli.waitForStdout(/A new one/);
    // One line for the first mirror, one for the change (the first is not emitted twice).
    const mirrors = out.trimEnd().split('\n').map((line) => JSON.parse(line) as { sessions: unknown[] });
    expect(mirrors.map((m) => m.sessions.length)).toEqual([2, 3]);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });
});

describe('tail', () => {
  /** Publishes probe tokens until the command shows one: from then on it sees every event. */
  const waitUntilListening = async (f: FakeInstance, cli: ReturnType<typeof startCli>): Promise<void> => {
    const probe = setInterval(() => void f.publishTopic('llm.token', { session_id: 'probe', token: 'PROBE' }), 20);
    try {
      await cli.waitForStdout(/PROBE/);
    } finally {
      clearInterval(probe);
    }
  };

  it('--json --topic llm.token: one JSON line per token while a turn plays', async () => {
    const f = await startFake({ heartbeatIntervalMs: 20 });
    const cli = startCli(['tail', '--json', '--topic', 'llm.token', ...endpoints(f)], { env: env() });
    await waitUntilListening(f, cli);
    const turn = await f.playTurn(OLDER, 'hello', () => ({ reply: ['one ', 'two ', 'three'] }));
    expect(turn.outcome).toBe('completed');
    const out = await cli.waitForStdout(/"three"/);
    const events = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { topic: string; sessionId?: string; payload: { token: string } });
    expect(new Set(events.map((e) => e.topic))).toEqual(new Set(['llm.token']));
    expect(events.filter((e) => e.sessionId === OLDER).map((e) => e.payload.token)).toEqual(['one ', 'two ', 'three']);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('for people: tokens flow on one line, tool calls with ✓ and their duration, heartbeats hidden', async () => {
    const f = await startFake({ heartbeatIntervalMs: 20 });
    const cli = startCli(['tail', '--session', OLDER.slice(0, 4), ...endpoints(f)], { env: env() });
    // Probes of the session itself (--session hides other sessions), that end no token line.
    const mark = (title: string) => f.publishTopic('session.update', { id: OLDER, title, updated_at: new Date(), message_count: 4 });
    const probe = setInterval(() => void mark('PROBE'), 20);
    await cli.waitForStdout(/PROBE/).finally(() => clearInterval(probe));
    await f.playTurn(OLDER, 'hello', () => ({
      reply: ['Hel', 'lo.'],
      toolCalls: [{ name: 'read_file', params: { path: 'a.ts' }, result: 'export {}', afterToken: 1, durationMs: 5 }],
    }));
    await f.playTurn(NEWER, 'not shown', () => ({ reply: ['hidden'] }));
    await mark('END');
    const out = await cli.waitForStdout(/"END"/);
    expect(out).toMatch(/\d\d:\d\d:\d\d 5b0c7a52 ▍ Hel\n/);
    expect(out).toMatch(/\d\d:\d\d:\d\d 5b0c7a52 tool\.start +read_file \{"path":"a\.ts"\}\n/);
    expect(out).toMatch(/\d\d:\d\d:\d\d 5b0c7a52 tool\.end +✓ read_file \d+ ms → export \{\}\n/);
    expect(out).toMatch(/\d\d:\d\d:\d\d 5b0c7a52 ▍ lo\.\n/);
    expect(out).toMatch(/\d\d:\d\d:\d\d 5b0c7a52 llm\.end +0 tokens in, 2 out\n|llm\.end +\d+ tokens in, 2 out\n/);
    expect(out).not.toContain('hidden');
    expect(out).not.toContain('instance.heartbeat');
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('--heartbeats shows them', async () => {
    const f = await startFake({ heartbeatIntervalMs: 20, instanceId: 'fake-hb' });
    const cli = startCli(['tail', '--heartbeats', ...endpoints(f)], { env: env() });
    const out = await cli.waitForStdout(/instance\.heartbeat +fake-hb · 2 sessions · up /);
    expect(out).toContain('instance.heartbeat');
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });
});

describe('discovery', () => {
  it('through the lock file of --workdir', async () => {
    const f = await startFake({ instanceId: 'fake-locked' });
    const workdir = tempDir('locked');
    mkdirSync(join(workdir, '.pando'));
    writeFileSync(
      join(workdir, '.pando', 'ipc.lock'),
      JSON.stringify({ instance_id: 'fake-locked', pid: process.pid, pub_port: f.pubPort, rpc_port: f.rpcPort, started_at: '2026-03-01T10:00:00Z' }),
    );
    const { code, stdout } = await runCli(['ping', '--json'], { env: env(), cwd: workdir }); // --workdir defaults to the cwd
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ via: 'lock', rpcEndpoint: f.rpcEndpoint, result: { instance_id: 'fake-locked' } });
  });

  it('through a registry with a stale entry and a malformed file; instances lists what is live', async () => {
    const f = await startFake({ instanceId: 'fake-live' });
    const workdir = tempDir('registered');
    const entry = (id: string, pid: number, primary: boolean) => ({
      instance_id: id,
      path: workdir,
      pid,
      pub_port: f.pubPort,
      rpc_port: f.rpcPort,
      started_at: '2026-03-01T10:00:00Z',
      mode: 'tui',
      is_primary: primary,
    });
    writeFileSync(join(registry, 'fake-live.json'), JSON.stringify(entry('fake-live', process.pid, true)));
    writeFileSync(join(registry, 'gone.json'), JSON.stringify(entry('gone', DEAD_PID, true)));
    writeFileSync(join(registry, 'broken.json'), '{ not json');

    const ping = await runCli(['ping', '--workdir', workdir, '--registry', registry]);
    expect(ping.code).toBe(0);
    expect(ping.stdout).toContain(`pong from fake-live`);
    expect(ping.stdout).toContain(`registry entry ${join(registry, 'fake-live.json')}`);

    const listed = await runCli(['instances', '--registry', registry]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ID +MODE +PID +PATH +PUB +RPC +PRIMARY +STARTED$/);
    expect(lines[1]).toMatch(new RegExp(`^fake-live +tui +${process.pid} +${workdir} +${f.pubPort} +${f.rpcPort} +yes +\\d+[smhdy] ago$`));
    expect(listed.stderr).toContain(`skipped a stale entry: ${join(registry, 'gone.json')} (pid ${DEAD_PID} of gone is not running)`);
    expect(listed.stderr).toContain(`skipped ${join(registry, 'broken.json')}: not JSON`);

    const json = await runCli(['instances', '--json'], { env: env() }); // the registry from $PANDO_REGISTRY_DIR
    const parsed = JSON.parse(json.stdout) as { registryDir: string; instances: Array<Record<string, unknown>>; stale: unknown[]; invalid: unknown[] };
    expect(parsed.registryDir).toBe(registry);
    expect(parsed.instances.map((i) => i['instance_id'])).toEqual(['fake-live']);
    expect(Object.keys(parsed.instances[0]!)).toEqual(['instance_id', 'path', 'pid', 'pub_port', 'rpc_port', 'started_at', 'mode', 'is_primary', 'file']);
    expect(parsed.stale).toHaveLength(1);
    expect(parsed.invalid).toEqual([{ file: join(registry, 'broken.json'), reason: expect.stringContaining('not JSON') }]);
  });
});

describe('simulate', () => {
  it('announces itself in the registry and a lock file, is found by the other commands, and cleans up on Ctrl-C', async () => {
    const workdir = tempDir('simulated');
    const sim = startCli(['simulate', '--json', '--workdir', workdir, '--registry', registry, '--heartbeat', '100', '--pace', '1']);
    const ready = JSON.parse((await sim.waitForStdout(/"event":"ready".*\n/)).split('\n')[0]!) as Record<string, string>;
    const registryFile = join(registry, `${ready['instanceId']}.json`);
    const lockFile = join(workdir, '.pando', 'ipc.lock');
    expect(ready).toMatchObject({ event: 'ready', mode: 'full', workdir, primary: true, registryFile, lockFile });
    expect(existsSync(registryFile)).toBe(true);
    expect(existsSync(lockFile)).toBe(true);

    const listed = await runCli(['instances', '--registry', registry, '--json']);
    const parsed = JSON.parse(listed.stdout) as { instances: Array<Record<string, unknown>> };
    expect(parsed.instances).toEqual([
      expect.objectContaining({ instance_id: ready['instanceId'], path: workdir, pid: sim.child.pid, mode: 'noninteractive', is_primary: true }),
    ]);

    const ping = await runCli(['ping', '--workdir', workdir, '--registry', registry]);
    expect(ping.code).toBe(0);
    expect(ping.stdout).toContain(`pong from ${ready['instanceId']}`);
    expect(ping.stdout).toContain(`lock file ${lockFile}`);

    // The other commands' requests are logged, one JSON line each.
    await sim.waitForStdout(/"event":"request".*"method":"instance.ping"/);

    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
    expect(sim.stdout()).toContain('"event":"stopped"');
    expect(existsSync(registryFile)).toBe(false);
    expect(existsSync(lockFile)).toBe(false);
    expect(existsSync(join(workdir, '.pando'))).toBe(false);
  });

  it('--secondary: free ports, is_primary false, no lock file', async () => {
    const workdir = tempDir('secondary');
    const sim = startCli(['simulate', '--secondary', '--mode', 'pando', '--workdir', workdir, '--registry', registry, '--heartbeat', '0']);
    const out = await sim.waitForStdout(/Ctrl-C to stop\n/);
    expect(out).toMatch(/^ready: simulated Pando instance fake-[0-9a-f]{8} \(pando mode, secondary, pid \d+\) in /);
    expect(out).toContain('  lock      none');
    expect(existsSync(join(workdir, '.pando'))).toBe(false);
    const listed = await runCli(['instances', '--registry', registry]);
    expect(listed.stdout).toMatch(/ no +(just now|\S+ ago)\n$/);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });
});
