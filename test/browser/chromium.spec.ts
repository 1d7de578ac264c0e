import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium, type HeadlessChromium } from '../helpers/chromium';

// The browser tests' own footing: Debian's Chromium starts headless, runs a page's script, and
// playwright-core sees what it rendered. If this fails, the dashboard and Angular specs cannot tell.
describe('headless Chromium', () => {
  let chromium: HeadlessChromium;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    chromium = await launchChromium();
    server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>t</title><p id="out"></p><script>document.getElementById("out").textContent = String(6 * 7);</script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await chromium.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('loads a loopback page and runs its script', async () => {
    const { page, errors } = await chromium.newPage();
    await page.goto(url);
    await page.locator('#out', { hasText: '42' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
