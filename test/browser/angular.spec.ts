import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startBridge, type Bridge } from '../../src/bridge/start-bridge';
import { startFakeInstance, type FakeInstance } from '../../src/testing/fake-instance';
import { launchChromium, type HeadlessChromium } from '../helpers/chromium';
import { startStaticServer, type StaticServer } from '../helpers/static-server';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'angular');
const NG = join(ROOT, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
const TOKEN = 'angular-spec-token-0123456789';

/**
 * `ng build` of examples/angular into `outDir`, as a user would run it (the production
 * configuration), with analytics off and no network: it resolves `pando-rx/browser` from the
 * built package (`dist/esm`), which jest's dist project has just built.
 */
const buildExample = (outDir: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NG, 'build', '--output-path', outDir, '--progress=false'], {
      cwd: EXAMPLE,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', NG_FORCE_TTY: 'false', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ng build exited with ${code}:\n${output}`))));
  });

// The Angular example (examples/angular) built with the project, served statically, in Debian's
// Chromium, against a real bridge and a fake instance that streams replies.
describe('the Angular example in Chromium', () => {
  let outDir: string;
  let chromium: HeadlessChromium;
  let server: StaticServer;
  let fake: FakeInstance;
  let bridge: Bridge | undefined;
  let port: number;

  const start = async (atPort: number): Promise<Bridge> =>
    startBridge(
      { pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint },
      { token: TOKEN, port: atPort, allowControl: true, allowedOrigins: [server.origin], warn: () => undefined },
    );

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'pando-rx-angular-'));
    await buildExample(outDir);
    server = await startStaticServer(join(outDir, 'browser'));
    fake = await startFakeInstance({ mode: 'full', tokenIntervalMs: 15 });
    bridge = await start(0);
    port = Number(new URL(bridge.url).port);
    chromium = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    await bridge?.close();
    await fake?.stop();
    await server?.close();
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
  });

  const statusOf = (page: Page) => page.getByTestId('status');
  const countOf = (page: Page, sessionId: string) => page.locator(`[data-session="${sessionId}"] [data-testid="message-count"]`);

  /** Types a message into the send box and sends it. */
  const send = async (page: Page, text: string): Promise<void> => {
    await page.getByTestId('message').fill(text);
    await page.getByTestId('send').click();
  };

  it('shows the sessions, streams a reply, says "bridge unreachable" while the bridge is gone, and recovers', async () => {
    const { page, errors } = await chromium.newPage();
    const bridgeUrl = `ws://127.0.0.1:${port}/`;
    await page.goto(`${server.origin}/?bridge=${encodeURIComponent(bridgeUrl)}#token=${TOKEN}`);

    // The session list, from mirror$ (newest first), and the status from status$.
    await statusOf(page).filter({ hasText: 'live' }).waitFor();
    const sessions = fake.sessions();
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    // The mirror's first emission is complete, so once the last row is there, all are.
    await page.locator('[data-session]').nth(sessions.length - 1).waitFor();
    expect(await page.locator('[data-session]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-session')))).toEqual(sessions.map((s) => s.id));
    await chromium.screenshot(page, 'angular-sessions');

    // Choose the second session, send a message: the reply streams in (streamText) and the list updates.
    const target = sessions[1]!;
    await page.locator(`[data-session="${target.id}"]`).click();
    await page.locator(`[data-session="${target.id}"][aria-current="true"]`).waitFor();
    const before = Number(await countOf(page, target.id).textContent());
    await send(page, 'hello from Angular');
    const turn = page.getByTestId('turn').last();
    await turn.filter({ hasText: 'Let me look' }).waitFor();
    await chromium.screenshot(page, 'angular-streaming');
    await page.locator('[data-testid="turn"][data-status="done"]', { hasText: 'You said: "hello from Angular". Done.' }).waitFor();
    await countOf(page, target.id).filter({ hasNotText: new RegExp(`^${before}$`) }).waitFor();
    expect(Number(await countOf(page, target.id).textContent())).toBeGreaterThan(before);
    expect(await page.getByTestId('message').inputValue()).toBe('');
    expect(fake.requests.filter((r) => r.method === 'message.send').map((r) => r.params)).toEqual([
      { session_id: target.id, content: 'hello from Angular' },
    ]);
    await chromium.screenshot(page, 'angular-reply');
    expect(errors).toEqual([]);

    // The bridge goes away: the page says so (not "instance down", not "live").
    await bridge!.close();
    bridge = undefined;
    await statusOf(page).filter({ hasText: 'bridge unreachable' }).waitFor();
    await chromium.screenshot(page, 'angular-unreachable');

    // It comes back on the same port: the view recovers by itself and a second message streams.
    bridge = await start(port);
    await statusOf(page).filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
    await send(page, 'are you back?');
    await page.locator('[data-testid="turn"][data-status="done"]', { hasText: 'You said: "are you back?". Done.' }).waitFor();
    await chromium.screenshot(page, 'angular-recovered');

    // No console error and no uncaught exception, the bridge's absence included.
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('on a read-only bridge, shows everything and says why a message cannot be sent; nothing reaches the instance', async () => {
    const readOnly = await startBridge(
      { pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint },
      { token: TOKEN, port: 0, allowedOrigins: [server.origin], warn: () => undefined },
    );
    try {
      const { page, errors } = await chromium.newPage();
      const sendsBefore = fake.requests.filter((r) => r.method === 'message.send').length;
      await page.goto(`${server.origin}/?bridge=${encodeURIComponent(readOnly.url)}#token=${TOKEN}`);
      await statusOf(page).filter({ hasText: 'live' }).waitFor();
      await page.locator('[data-session]').first().waitFor();
      await send(page, 'may I?');
      await page.getByTestId('send-error').filter({ hasText: 'This bridge is read-only: start it with --allow-control' }).waitFor();
      await chromium.screenshot(page, 'angular-read-only');
      expect(await page.getByTestId('message').inputValue()).toBe('may I?'); // kept, to send once allowed
      expect(fake.requests.filter((r) => r.method === 'message.send')).toHaveLength(sendsBefore);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await readOnly.close();
    }
  }, 60_000);
});
