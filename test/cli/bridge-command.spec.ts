import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { connectBrowser } from '../../src/browser.js';
import { run, type CliIo } from '../../src/cli/main.js';
import { startFakeInstance, type FakeInstance } from '../../src/testing/index.js';

/** `pando-rx bridge` in this process: started, used by a WebSocket client, stopped by the abort signal. */
describe('pando-rx bridge', () => {
  let fake: FakeInstance;
  beforeEach(async () => {
    fake = await startFakeInstance({ heartbeatIntervalMs: 0 });
  });
  afterEach(() => fake.stop({ silent: true }));

  const start = (args: string[], env: Record<string, string> = {}) => startRaw(['--pub', fake.pubEndpoint, '--rpc', fake.rpcEndpoint, ...args], env);
  const startRaw = (args: string[], env: Record<string, string> = {}) => {
    let out = '';
    let err = '';
    let wake: () => void = () => undefined;
    const controller = new AbortController();
    const io: CliIo = {
      stdout: { write: (chunk: string) => ((out += chunk), wake()) },
      stderr: { write: (chunk: string) => void (err += chunk) },
      env,
      cwd: '/',
      isTTY: false,
      signal: controller.signal,
    };
    const code = run(['bridge', '--port', '0', ...args], io);
    const line = (pattern: RegExp): Promise<string> =>
      new Promise((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error(`no line ${pattern} in ${JSON.stringify(out)} / ${JSON.stringify(err)}`)), 5000);
        const check = (): void => {
          const found = out.split('\n').find((l) => pattern.test(l));
          if (found === undefined) return;
          clearTimeout(guard);
          wake = () => undefined;
          resolve(found);
        };
        wake = check;
        check();
      });
    return { code, line, stop: () => controller.abort(), stderr: () => err };
  };

  it('prints its URL and token (--json), serves a WebSocket client with them, and stops on Ctrl-C with exit 0', async () => {
    const bridge = start(['--json', '--allow-control'], { PANDO_RX_BRIDGE_TOKEN: 'from-the-environment' });
    const ready = JSON.parse(await bridge.line(/"event":"ready"/)) as { url: string; token: string; control: boolean };
    expect(ready).toMatchObject({ url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/$/), token: 'from-the-environment', control: true });
    const ws = new WebSocket(`${ready.url}?side=events&token=${ready.token}`);
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
    });
    expect(JSON.parse(hello)).toEqual({ type: 'hello', version: 1, control: true });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    bridge.stop();
    expect(await bridge.code).toBe(0);
    await closed;
    expect(JSON.parse(await bridge.line(/"event":"stopped"/))).toMatchObject({ event: 'stopped', connections: 1 });
  });

  it('refuses a non-loopback --host without --allow-non-loopback (usage error, nothing bound)', async () => {
    const bridge = start(['--host', '0.0.0.0']);
    expect(await bridge.code).toBe(2);
    expect(bridge.stderr()).toContain('not loopback');
  });

  it("prints startBridge's warning through the output boundary, neutralised (not console.warn)", async () => {
    // Not loopback, so startBridge warns with the host in the text; then the name does not resolve.
    const bridge = start(['--host', 'x\u001b]0;pwned\u0007', '--allow-non-loopback']);
    expect(await bridge.code).toBe(1);
    const lines = bridge.stderr().split('\n');
    expect(lines[0]).toBe('warning: pando-rx bridge: listening on x␛]0;pwned␇, which is not loopback: anyone who can reach it may try the token');
    expect(bridge.stderr()).not.toMatch(/[\u001b\u0007]/);
  });

  it('prints a generated token and says read-only', async () => {
    const bridge = start([]);
    const token = (await bridge.line(/^ {2}token /)).trim().split(/\s+/)[1]!;
    expect(token.length).toBeGreaterThanOrEqual(24);
    expect(await bridge.line(/^ {2}control /)).toContain('read-only');
    bridge.stop();
    expect(await bridge.code).toBe(0);
  });

  it('--simulate serves a fake instance of its own, control allowed, and prints the dashboard address with the token in the fragment', async () => {
    const bridge = startRaw(['--simulate', '--token', 'simulated-token']);
    const open = (await bridge.line(/^ {2}open /)).trim().split(/\s+/)[1]!;
    expect(open).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=simulated-token$/);
    expect(await bridge.line(/^ {2}control /)).toContain('allowed');
    const url = open.replace(/^http/, 'ws').replace(/#.*$/, '');
    const pando = connectBrowser({ url, token: 'simulated-token', WebSocket, rpcTimeoutMs: 5000 });
    try {
      expect((await firstValueFrom(pando.listSessions())).length).toBeGreaterThan(0);
    } finally {
      pando.close();
    }
    bridge.stop();
    expect(await bridge.code).toBe(0);
  });

  it('--fleet serves the registry (--json says fleet: true); with --workdir it is a usage error', async () => {
    const registry = mkdtempSync(join(tmpdir(), 'pando-rx-bridge-cli-'));
    try {
      const bad = startRaw(['--fleet', '--workdir', '/tmp']);
      expect(await bad.code).toBe(2);
      expect(bad.stderr()).toContain('--fleet');
      const bridge = startRaw(['--fleet', '--registry', registry, '--json']);
      const ready = JSON.parse(await bridge.line(/"event":"ready"/)) as Record<string, unknown>;
      expect(ready).toMatchObject({ fleet: true, control: false, dashboard: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/#token=/) });
      expect(ready).not.toHaveProperty('pubEndpoint');
      bridge.stop();
      expect(await bridge.code).toBe(0);
    } finally {
      rmSync(registry, { recursive: true, force: true });
    }
  });
});
