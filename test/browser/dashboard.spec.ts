import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type * as Api from '../../src/index';
import type * as Testing from '../../src/testing/index';
import { launchChromium, type HeadlessChromium } from '../helpers/chromium';
import { freePort } from '../helpers/live';
import { registryEntryOf } from '../helpers/registry';

// What a user installs: the built bridge (dist/cjs), which finds the built dashboard
// (dist/dashboard) beside itself; jest's dist project has built both.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBridge } = require(join(__dirname, '../../dist/cjs/index.js')) as typeof Api;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startFakeInstance } = require(join(__dirname, '../../dist/cjs/testing/index.js')) as typeof Testing;

const TOKEN = 'dashboard-spec-token';

// A browser, a bridge restart and reconnection backoff: more than jest's default 20 s on a busy machine.
jest.setTimeout(90_000);
const HOSTILE_TITLE = '<img src=x id=pwned onerror="document.title=1">\u0007 bell';

describe('the dashboard in a real browser (Chromium), against the built bridge and a fake instance', () => {
  let chromium: HeadlessChromium;
  let fake: Testing.FakeInstance;
  let bridge: Api.Bridge | undefined;
  let port: number;

  const startTheBridge = async (token = TOKEN): Promise<void> => {
    bridge = await startBridge(
      { pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint, instanceId: fake.instanceId, path: '/work/shop-api' },
      { port, token, allowControl: true, warn: () => undefined },
    );
  };
  const status = (page: Page, label: string) => page.locator('#status-label', { hasText: new RegExp(`^${label}$`) }).waitFor({ timeout: 15_000 });

  beforeAll(async () => {
    chromium = await launchChromium();
    fake = await startFakeInstance({
      mode: 'full',
      heartbeatIntervalMs: 500,
      tokenIntervalMs: 100, // slow enough to see the text grow, and to interrupt it
      sessions: [
        { id: 'sess-refactor', title: 'Refactor the config loader', updated_at: new Date(Date.now() - 120_000), message_count: 0 },
        { id: 'sess-hostile', title: HOSTILE_TITLE, updated_at: new Date(Date.now() - 3_600_000), message_count: 0 },
      ],
      activeSessionId: 'sess-refactor',
      script: (_sessionId, content) => ({
        reply: `Streaming a reply to "${content}": I read the loader and renamed it.`,
        toolCalls: [{ name: 'read_file', params: { path: 'src/config/loader.ts' }, result: 'export const load = () => ({})', afterToken: 3, durationMs: 120 }],
      }),
    });
    port = await freePort();
    await startTheBridge();
  });

  afterAll(async () => {
    await chromium.close();
    await bridge?.close();
    await fake.stop({ silent: true });
  });

  it('shows the sessions, streams a sent message’s reply with its tool call, says "bridge unreachable" when the bridge stops, and recovers when it is back', async () => {
    const { page, errors } = await chromium.newPage();
    await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);

    // Loaded: the instance, its sessions (the active one selected), status alive.
    await status(page, 'alive');
    await page.locator('#instances li', { hasText: 'shop-api' }).waitFor();
    await page.locator('#sessions li').nth(1).waitFor();
    await expect(page.locator('#sessions li[aria-selected="true"] .session-name').textContent()).resolves.toBe('Refactor the config loader');
    // A hostile title is text, not markup; its control character is shown as �.
    await expect(page.locator('#sessions li[data-id="sess-hostile"] .session-name').textContent()).resolves.toBe(
      '<img src=x id=pwned onerror="document.title=1">\uFFFD bell',
    );
    expect(await page.locator('#pwned').count()).toBe(0);
    await expect(page.locator('#mode').textContent()).resolves.toBe('control allowed');
    await chromium.screenshot(page, 'dashboard-1-loaded');

    // Send a message: the reply streams in, the tool call shows its duration, the session list updates.
    await page.locator('#message').fill('rename the loader');
    await page.locator('#send').click();
    await page.locator('#transcript .msg.user', { hasText: 'rename the loader' }).waitFor();
    await page.locator('#transcript .msg.live[data-status="streaming"] .body', { hasText: 'Streaming a reply' }).waitFor();
    await chromium.screenshot(page, 'dashboard-2-streaming');
    await page.locator('#transcript .msg.assistant', { hasText: 'I read the loader and renamed it.' }).waitFor();
    await page.locator('#tools li[data-status="ok"] .tool-name', { hasText: 'read_file' }).waitFor();
    await expect(page.locator('#tools li[data-status="ok"] .duration').textContent()).resolves.toMatch(/^\d+ ms$/);
    await page.locator('#sessions li[data-id="sess-refactor"] .item-meta', { hasText: '2 messages' }).waitFor();
    await expect(page.locator('#message').inputValue()).resolves.toBe('');
    await chromium.screenshot(page, 'dashboard-3-replied');
    expect(errors).toEqual([]);

    // The bridge stops: the page says so (not "instance down").
    await bridge!.close();
    bridge = undefined;
    await status(page, 'bridge unreachable');
    expect(await page.locator('#send').isDisabled()).toBe(true);
    await chromium.screenshot(page, 'dashboard-4-bridge-unreachable');

    // Back on the same port: alive again, the list back.
    await startTheBridge();
    await status(page, 'alive');
    await page.locator('#sessions li[data-id="sess-refactor"] .item-meta', { hasText: '2 messages' }).waitFor();
    await page.locator('#transcript .msg.assistant', { hasText: 'I read the loader and renamed it.' }).waitFor();
    await chromium.screenshot(page, 'dashboard-5-recovered');
    await page.emulateMedia({ colorScheme: 'dark' });
    await chromium.screenshot(page, 'dashboard-5-recovered-dark');

    // Interrupt a turn while it streams: it stops short, and what was said is stored.
    await page.locator('#message').fill('stop me');
    await page.locator('#send').click();
    // At its first token (the earlier turn's live text was replaced by its stored reply), so
    // that the click lands well before the turn's ~14 tokens are out.
    await page.locator('#transcript .msg.live[data-status="streaming"]').waitFor();
    await page.locator('#interrupt').click();
    await page.locator('#sessions li[data-id="sess-refactor"] .item-meta', { hasText: '4 messages' }).waitFor();
    const last = page.locator('#transcript .msg.assistant .body').last();
    await expect(last.textContent()).resolves.toMatch(/^Streaming/);
    await expect(last.textContent()).resolves.not.toContain('renamed it.');
    await chromium.screenshot(page, 'dashboard-5-interrupted-dark');
    await page.close();
  });

  it('without a token asks for one; with a wrong one says the bridge refused it', async () => {
    const { page } = await chromium.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator('#gate-title', { hasText: 'Connect to the bridge' }).waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    await chromium.screenshot(page, 'dashboard-6-no-token');

    await page.locator('#gate-token').fill('not-the-token');
    await page.locator('#gate-form button[type="submit"]').click();
    await page.locator('#gate-title', { hasText: 'The bridge refused this token' }).waitFor({ timeout: 15_000 });
    await status(page, 'refused');
    await chromium.screenshot(page, 'dashboard-7-refused');

    // The right token from there: the dashboard.
    await page.locator('#gate-token').fill(TOKEN);
    await page.locator('#gate-form button[type="submit"]').click();
    await status(page, 'alive');
    expect(page.url()).toBe(`http://127.0.0.1:${port}/#token=${TOKEN}`);
    await page.close();
  });

  it('a bridge restarted with another token: the open page says it is refused, and recovers by itself when the bridge is back with its token', async () => {
    const { page } = await chromium.newPage();
    await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
    await status(page, 'alive');
    await bridge!.close();
    await status(page, 'bridge unreachable');
    await startTheBridge('another-token-entirely');
    await page.locator('#gate-title', { hasText: 'The bridge refused this token' }).waitFor({ timeout: 15_000 });
    await bridge!.close();
    await startTheBridge();
    await status(page, 'alive');
    expect(await page.locator('#gate').isHidden()).toBe(true);
    await page.locator('#sessions li[data-id="sess-refactor"]').waitFor();
    await page.close();
  });

  it('a read-only fleet bridge: both instances listed, each with its own sessions; no send box', async () => {
    const registryDir = mkdtempSync(join(tmpdir(), 'pando-rx-dashboard-fleet-'));
    const others = await Promise.all(
      ['billing', 'search'].map((name) =>
        startFakeInstance({
          heartbeatIntervalMs: 500,
          sessions: [{ id: `sess-${name}`, title: `Work on ${name}`, updated_at: new Date(), message_count: 3 }],
        }),
      ),
    );
    let fleetBridge: Api.Bridge | undefined;
    try {
      others.forEach((other, i) =>
        writeFileSync(join(registryDir, `${other.instanceId}.json`), JSON.stringify(registryEntryOf(other, { path: `/work/${i === 0 ? 'billing' : 'search'}`, is_primary: i === 0 }))),
      );
      fleetBridge = await startBridge({ fleet: true, registryDir, pollIntervalMs: 100 }, { port: 0, warn: () => undefined });
      const { page } = await chromium.newPage();
      await page.goto(`${fleetBridge.url.replace(/^ws/, 'http')}#token=${encodeURIComponent(fleetBridge.token)}`);
      await page.locator('#instances li').nth(1).waitFor();
      await status(page, 'alive');
      await expect(page.locator('#mode').textContent()).resolves.toBe('read-only');
      expect(await page.locator('#composer').isHidden()).toBe(true);
      expect(await page.locator('#readonly-note').isVisible()).toBe(true);
      await page.locator('#sessions li .session-name', { hasText: 'Work on billing' }).waitFor();
      await chromium.screenshot(page, 'dashboard-8-fleet');
      await page.locator('#instances li', { hasText: 'search' }).click();
      await page.locator('#sessions li .session-name', { hasText: 'Work on search' }).waitFor();
      await status(page, 'alive');
      expect(await page.locator('#sessions li').count()).toBe(1);
      await chromium.screenshot(page, 'dashboard-9-fleet-second');
      await page.close();
    } finally {
      await fleetBridge?.close();
      for (const other of others) await other.stop({ silent: true });
      rmSync(registryDir, { recursive: true, force: true });
    }
  });
});
