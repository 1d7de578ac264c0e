import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer } from 'zeromq';
import { run, type CliIo } from '../../src/cli/main.js';
import { FakeMethodError, startFakeInstance, type FakeInstance } from '../../src/testing/index.js';
import { freePort } from '../helpers/live.js';

/**
 * Hostile input (issue 10): escape sequences, OSC titles and links, CSI, C1 controls and bidi
 * overrides in every field that the command prints (session ids, titles, tokens, tool names,
 * messages, RPC errors, the lock file, the registry, the arguments, what simulate logs) never
 * reach stdout or stderr raw. Each command runs in-process through `run()`.
 */

// No '/' in it: it also names files.
const EVIL =
  '\u001b]0;pwned\u0007' + // OSC: set the window title
  '\u001b]8;;https:evil.example\u001b\\link\u001b]8;;\u001b\\' + // OSC 8: a hyperlink
  '\u001b[2J\u001b[H' + // CSI: clear the screen, home
  '\u009b31m' + // C1 CSI: red
  '\u202eevil\u202c\u2066x\u2069' + // bidi override and isolate
  '\r\u0008\u007f';

/** Any byte a terminal acts on (tabs and newlines aside). */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The output with our own colour codes and spinner removed: what remains must be inert. */
const inert = (text: string): string => text.replace(/\r\u001b\[2K/g, '').replace(/\u001b\[\d+(;\d+)*m/g, '').replace(/\u001b\[H\u001b\[2J/g, '');

const sink = () => {
  let text = '';
  return { write: (chunk: string) => void (text += chunk), text: () => text };
};

const temps: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pando-rx-hostile-'));
  temps.push(dir);
  return dir;
};

let registry: string;
const ioFor = (overrides: Partial<CliIo> = {}) => {
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = { stdout, stderr, env: { PANDO_REGISTRY_DIR: registry }, cwd: registry, isTTY: false, ...overrides };
  return { io, stdout, stderr };
};

/** Runs a command to its end (aborting it once `stopWhen` says so), and checks that nothing raw came out. */
const runInert = async (args: string[], options: { tty?: boolean; stopWhen?: (stdout: string) => boolean; onStart?: () => void | Promise<void> } = {}) => {
  const controller = new AbortController();
  const { io, stdout, stderr } = ioFor({ isTTY: options.tty === true, stderrIsTTY: false, columns: 200, signal: controller.signal });
  const done = run(args, io);
  let failure: unknown;
  if (options.stopWhen !== undefined) {
    const stop = options.stopWhen;
    await options.onStart?.();
    failure = await new Promise<void>((resolve, reject) => {
      // The guard only turns a hang into a clear failure (and still ends the command).
      const guard = setTimeout(() => {
        clearInterval(check);
        reject(new Error(`pando-rx ${args.join(' ')}: no expected output\nstdout: ${stdout.text()}\nstderr: ${stderr.text()}`));
      }, 8_000);
      const check = setInterval(() => {
        if (stop(stdout.text())) {
          clearTimeout(guard);
          clearInterval(check);
          resolve();
        }
      }, 10);
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    controller.abort();
  }
  const code = await done;
  if (failure !== undefined) throw failure;
  const [out, err] = [stdout.text(), stderr.text()];
  expect({ args, raw: RAW.test(inert(out)) || RAW.test(inert(err)), out, err }).toEqual({ args, raw: false, out, err });
  if (options.tty !== true) expect(out + err).not.toContain('\u001b');
  return { code, out, err };
};

const EVIL_ID = `z${EVIL}`;
let fake: FakeInstance;
beforeEach(async () => {
  registry = tempDir();
  fake = await startFakeInstance({
    instanceId: `fake${EVIL}`,
    heartbeatIntervalMs: 0,
    tokenIntervalMs: 1,
    sessions: [
      { id: EVIL_ID, title: `Title ${EVIL}`, updated_at: new Date(), message_count: 1 },
      { id: `y${EVIL}`, title: 'plain', updated_at: new Date(Date.now() - 60_000), message_count: 0 },
    ],
    messages: { [EVIL_ID]: [{ id: `m${EVIL}`, role: 'user', content: `line one ${EVIL}\nline two ${EVIL}`, created_at: new Date() }] },
    script: () => ({
      reply: [`tok ${EVIL} `, 'end'],
      toolCalls: [{ name: `tool${EVIL}`, params: { p: EVIL }, result: `res ${EVIL}`, afterToken: 1, durationMs: 1 }],
    }),
  });
});
afterEach(async () => {
  await fake.stop({ silent: true });
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const endpoints = () => ['--pub', fake.pubEndpoint, '--rpc', fake.rpcEndpoint];

describe('nothing raw reaches the terminal', () => {
  it('sessions, messages, ping: ids, titles, message text, the instance id; on a terminal with colours too', async () => {
    for (const tty of [false, true]) {
      const sessions = await runInert(['sessions', ...endpoints()], { tty });
      expect(sessions.code).toBe(0);
      expect(inert(sessions.out)).toContain('␛]0;pwned␇');
      expect(inert(sessions.out)).toContain('\\u009b31m');
      expect(inert((await runInert(['messages', EVIL_ID, ...endpoints()], { tty })).out)).toContain('line two ␛]0;pwned␇');
      expect(inert((await runInert(['ping', ...endpoints()], { tty })).out)).toContain('pong from fake␛]0;pwned␇');
    }
    const json = await runInert(['sessions', '--json', ...endpoints()]);
    expect(json.out).toContain('\\u009b31m');
    expect(json.out).toContain('\\u202e');
    expect((JSON.parse(json.out) as { sessions: Array<{ id: string }> }).sessions[0]!.id).toBe(EVIL_ID); // escaped, not changed
    expect((await runInert(['messages', '--json', EVIL_ID, ...endpoints()])).out).toContain('\\u2066');
  });

  it('sessions --watch on a terminal: the redraw is ours, the titles are inert', async () => {
    const { code, out } = await runInert(['sessions', '--watch', ...endpoints()], { tty: true, stopWhen: (text) => text.includes('Title') });
    expect(code).toBe(0);
    expect(out.startsWith('\u001b[H\u001b[2J')).toBe(true);
    expect(inert(out)).toContain('Title ␛]0;pwned␇');
  });

  it('activate, interrupt, send: ids and titles, tokens and tool names, and RPC errors from the instance', async () => {
    expect((await runInert(['activate', EVIL_ID, ...endpoints()])).code).toBe(0);
    expect((await runInert(['interrupt', EVIL_ID, ...endpoints()])).code).toBe(0);
    expect((await runInert(['activate', 'z', '--json', ...endpoints()])).out).toContain('\\u202e');
    const sent = await runInert(['send', EVIL_ID, 'hi', ...endpoints()]);
    expect(sent.code).toBe(0);
    expect(sent.out).toContain('tok ␛]0;pwned␇');
    expect(sent.out).toContain('tool␛]0;pwned␇');
    const sentJson = await runInert(['send', '--json', EVIL_ID, 'hi', ...endpoints()]);
    expect(sentJson.out).toContain('\\u009b31m');

    fake.overrideMethod('session.activate', () => {
      throw new FakeMethodError(`boom ${EVIL}`);
    });
    const failed = await runInert(['activate', EVIL_ID, ...endpoints()]);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('boom ␛]0;pwned␇');
    const unknown = await runInert(['send', `x${EVIL}`, 'hi', ...endpoints()]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no session "x');
  });

  it('tail and tail --json: every kind of event, and a frame that does not decode', async () => {
    const publishAll = async (): Promise<void> => {
      await fake.upsertSession({ id: EVIL_ID, title: `New ${EVIL}`, updated_at: new Date(), message_count: 2 });
      await fake.publishTopic('message.append', { session_id: EVIL_ID, message_id: EVIL, role: 'user', content: `msg ${EVIL}` });
      await fake.playTurn(EVIL_ID, 'go');
      await fake.publishTopic('tool.start', { session_id: `other${EVIL}`, tool_name: `t${EVIL}`, call_id: EVIL, params: EVIL });
      await fake.publishTopic('llm.token', { session_id: `other${EVIL}`, token: `buffered ${EVIL}` });
      await fake.publishTopic('llm.token', { session_id: EVIL_ID, token: `open ${EVIL}` });
      await fake.publishRaw(`plugin.x\u0000${JSON.stringify({ instanceId: EVIL, projectId: '', topic: 'plugin.x', timestamp: '2026-03-01T10:00:00Z', payload: { k: EVIL } })}`);
      await fake.publishTopic('db.session.updated', { instance_id: EVIL, path: `path${EVIL}`, topic: EVIL, payload: { v: EVIL }, timestamp: EVIL });
      await fake.publishRaw(`llm.token\u0000{"instanceId":"${EVIL.replace(/[\u0000-\u001f\\]/g, '')}","bad":`);
      await fake.publishTopic('session.update', { id: 'END', title: 'END', updated_at: new Date(), message_count: 0 });
    };
    for (const json of [false, true]) {
      let probe: ReturnType<typeof setInterval> | undefined;
      const { code, out, err } = await runInert(['tail', '--heartbeats', ...(json ? ['--json'] : []), ...endpoints()], {
        onStart: () => {
          probe = setInterval(() => void fake.publishTopic('session.update', { id: 'PROBE', title: 'PROBE', updated_at: new Date(), message_count: 0 }), 20);
        },
        stopWhen: (text) => {
          if (probe !== undefined && text.includes('PROBE')) {
            clearInterval(probe);
            probe = undefined;
            void publishAll();
          }
          return text.includes('"END"') || text.includes('"title":"END"');
        },
      });
      expect(code).toBe(0);
      expect(out).toContain(json ? '\\u009b31m' : 'tok ␛]0;pwned␇');
      expect(err).toContain('skipped a frame that does not decode');
    }
  });

  it('instances, ping --workdir and the unreachable line: registry ids, paths and file names, lock file ids', async () => {
    const workdir = tempDir();
    const entry = (id: string, path: string, pid: number) =>
      JSON.stringify({ instance_id: id, path, pid, pub_port: fake.pubPort, rpc_port: fake.rpcPort, started_at: '2026-03-01T10:00:00Z', mode: 'tui', is_primary: true });
    writeFileSync(join(registry, 'live.json'), entry(`id${EVIL}`, `/tmp/p${EVIL}`, process.pid));
    writeFileSync(join(registry, `gone${EVIL}.json`), entry(`gone${EVIL}`, `/tmp/g${EVIL}`, 2_147_483_646));
    writeFileSync(join(registry, `bad${EVIL}.json`), `{ not json ${EVIL}`);
    for (const json of [false, true]) {
      const listed = await runInert(['instances', ...(json ? ['--json'] : [])]);
      expect(listed.code).toBe(0);
      expect(listed.out + listed.err).toContain(json ? '\\u009b31m' : 'id␛]0;pwned␇');
    }
    mkdirSync(join(workdir, '.pando'));
    writeFileSync(
      join(workdir, '.pando', 'ipc.lock'),
      JSON.stringify({ instance_id: `lock${EVIL}`, pid: process.pid, pub_port: fake.pubPort, rpc_port: fake.rpcPort, started_at: '2026-03-01T10:00:00Z' }),
    );
    // The lock names another id than the instance answers with: refused, and the claim is shown neutralised.
    const pinged = await runInert(['ping', '--workdir', workdir]);
    expect(pinged.code).toBe(1);
    expect(pinged.err).toContain('instance lock␛]0;pwned␇');
    const [pub, rpc] = [await freePort(), await freePort()];
    const refused = await runInert(['ping', '--pub', String(pub), '--rpc', String(rpc)]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('instances are running in: /tmp/p␛]0;pwned␇');
  });

  it('arguments echoed in usage errors', async () => {
    expect((await runInert([`frobnicate${EVIL}`])).code).toBe(2);
    expect((await runInert(['tail', `--bogus${EVIL}`])).code).toBe(2);
    expect((await runInert(['ping', '--timeout', EVIL])).code).toBe(2);
    expect((await runInert(['ping', '--pub', EVIL, '--rpc', '1'])).code).toBe(2);
    expect((await runInert(['tail', '--topic', `a b${EVIL}`, ...endpoints()])).code).toBe(2);
  });

  it("simulate: the method name and params any client sends, in its log and --json", async () => {
    for (const json of [false, true]) {
      const workdir = tempDir();
      let dealer: Dealer | undefined;
      const { code, out } = await runInert(['simulate', '--secondary', '--heartbeat', '0', '--workdir', workdir, '--registry', registry, ...(json ? ['--json'] : [])], {
        stopWhen: (text) => {
          const rpc = /RPC +(tcp:\/\/\S+)/.exec(text)?.[1] ?? /"rpcEndpoint":"([^"]+)"/.exec(text)?.[1];
          if (rpc !== undefined && dealer === undefined) {
            dealer = new Dealer({ linger: 0 });
            dealer.connect(rpc);
            void dealer.send(['', JSON.stringify({ jsonrpc: '2.0', id: '1', method: `m${EVIL}`, params: { p: EVIL } })]);
          }
          return text.includes('m␛]0;pwned␇') || text.includes('"method":"m\\u001b]0;pwned\\u0007');
        },
      });
      dealer?.close();
      expect(code).toBe(0);
      expect(out).toMatch(json ? /\\u009b31m/ : /rpc m␛\]0;pwned␇/);
    }
  });
});
