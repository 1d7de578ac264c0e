import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs the `chromium` package where it is missing); never a download. */
export const CHROMIUM_PATH = process.env.PANDO_RX_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests save their screenshots (git-ignored). */
export const SCREENSHOT_DIR = resolve(__dirname, '../../test-output/screenshots');

/** A headless Chromium for one spec (playwright gives it a fresh, empty profile). `close()` it in `afterAll`. */
export interface HeadlessChromium {
  readonly browser: Browser;
  /** A new page whose console errors and uncaught exceptions are collected in `errors`. */
  newPage(): Promise<{ page: Page; errors: string[] }>;
  /** Saves a full-page screenshot as `<SCREENSHOT_DIR>/<name>.png` and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium headless through playwright-core, with the flags this machine's
 * closed network needs (no background networking, no component updates, no QUIC): without them
 * Chromium keeps trying to reach Google's hosts.
 */
export const launchChromium = async (): Promise<HeadlessChromium> => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    newPage: async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      return { page, errors };
    },
    screenshot: async (page, name) => {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: async () => {
      await browser.close();
    },
  };
};
