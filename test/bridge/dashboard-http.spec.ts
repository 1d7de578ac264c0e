import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../src/bridge/start-bridge';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One plain HTTP request to the bridge, with the Host header given. */
const get = (bridge: Bridge, path: string, options: { host?: string; method?: string } = {}): Promise<Answer> => {
  const { port } = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { Host: options.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
};

describe('the bridge serves the dashboard at / (plain HTTP)', () => {
  let dir: string;
  const bridges: Bridge[] = [];
  const bridge = async (dashboardDir: string): Promise<Bridge> => {
    // No instance behind it: the HTTP side does not need one.
    const started = await startBridge({ pubEndpoint: 'tcp://127.0.0.1:1', rpcEndpoint: 'tcp://127.0.0.1:2' }, { port: 0, dashboardDir, warn: () => undefined });
    bridges.push(started);
    return started;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pando-rx-dashboard-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dash</title>');
    writeFileSync(join(dir, 'dashboard.js'), 'console.log(1);');
    writeFileSync(join(dir, 'dashboard.css'), 'body{}');
  });
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the page, its script and its stylesheet with a strict CSP, nosniff and no referrer; the token is not in the page', async () => {
    const b = await bridge(dir);
    const { port } = new URL(b.url);
    const page = await get(b, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe('<!doctype html><title>dash</title>');
    expect(page.body).not.toContain(b.token);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await get(b, '/dashboard.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(b, '/dashboard.css')).body).toBe('body{}');
    expect((await get(b, '/?x=1')).status).toBe(200);
    // The CSP names the origin the page was loaded under.
    expect(String((await get(b, '/', { host: `localhost:${port}` })).headers['content-security-policy'])).toContain(`ws://localhost:${port}`);
  });

  it('answers 404 to anything else, 405 to other methods, and 421 to a foreign Host (DNS rebinding)', async () => {
    const b = await bridge(dir);
    expect((await get(b, '/index.html')).status).toBe(404);
    expect((await get(b, '/../package.json')).status).toBe(404);
    expect((await get(b, '/dashboard.js.map')).status).toBe(404);
    expect((await get(b, '/', { method: 'POST' })).status).toBe(405);
    const head = await get(b, '/', { method: 'HEAD' });
    expect([head.status, head.body]).toEqual([200, '']);
    const rebound = await get(b, '/', { host: 'evil.example:80' });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('dash');
    expect(b.stats().refusedConnections).toBe(1);
  });

  it('says in plain text when no dashboard is built', async () => {
    const b = await bridge(join(dir, 'missing'));
    const page = await get(b, '/');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(page.body).toContain('the dashboard is not built');
  });
});
