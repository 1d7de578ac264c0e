import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

/** The files of the built dashboard (scripts/build.mjs writes them to dist/dashboard/), by URL path. */
const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/**
 * Where the built dashboard is found by default: `dist/dashboard/`, beside the built bridge
 * (`dist/cjs/bridge/`). Undefined where there is no `__dirname` (an ES module bundle).
 */
export const defaultDashboardDir = (): string | undefined =>
  typeof __dirname === 'string' ? join(__dirname, '..', '..', 'dashboard') : undefined;

/** The dashboard's files, read once; `undefined` when the dashboard is not built there. */
export const loadDashboard = (dir: string | undefined): ReadonlyMap<string, { readonly body: Buffer; readonly type: string }> | undefined => {
  if (dir === undefined || !Object.values(FILES).every(({ file }) => existsSync(join(dir, file)))) return undefined;
  return new Map(Object.entries(FILES).map(([path, { file, type }]) => [path, { body: readFileSync(join(dir, file)), type }]));
};

/**
 * The headers of every page the bridge serves: a strict Content-Security-Policy (scripts,
 * styles and connections to the bridge's own origin and its WebSocket only; no frames, no
 * forms, no base), no MIME sniffing, no referrer, no caching.
 */
const securityHeaders = (host: string): Record<string, string> => ({
  'Content-Security-Policy':
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; ` +
    `connect-src 'self' ws://${host}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
});

const text = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) }).end(body);
};

/**
 * Answers one plain HTTP request to the bridge: `GET /` (and `HEAD`), its script and its
 * stylesheet; anything else 404, any other method 405. The caller has checked `Host`; `host`
 * is that checked value, the WebSocket origin the page may connect to. Without a built
 * dashboard, `/` says so in plain text.
 *
 * ```ts
 * const files = loadDashboard(defaultDashboardDir());
 * server.on('request', (request, response) => serveDashboard(files, request, response, request.headers.host!));
 * ```
 */
export const serveDashboard = (
  files: ReturnType<typeof loadDashboard>,
  request: IncomingMessage,
  response: ServerResponse,
  host: string,
): void => {
  const headers = securityHeaders(host);
  const target = request.url ?? '/';
  const path = target.split('?')[0]!;
  if (!Object.prototype.hasOwnProperty.call(FILES, path)) return text(response, 404, 'not found\n', headers);
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(response, 405, 'GET only\n', { ...headers, Allow: 'GET, HEAD' });
  const file = files?.get(path);
  if (file === undefined) {
    return text(
      response,
      404,
      'pando-rx bridge: the dashboard is not built here (npm run build writes dist/dashboard/).\n' +
        'The WebSocket endpoint works: connectBrowser({ url, token }).\n',
      headers,
    );
  }
  response.writeHead(200, { ...headers, 'Content-Type': file.type, 'Content-Length': String(file.body.length) });
  response.end(request.method === 'HEAD' ? undefined : file.body);
};
