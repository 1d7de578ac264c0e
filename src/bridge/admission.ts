import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What the bridge admits: its token, the names it answers to, the pages it serves. */
export interface AdmissionRules {
  readonly token: string;
  /** Accepted `Host` header values (`name:port`), lower case. */
  readonly hosts: ReadonlySet<string>;
  /** Accepted `Origin` header values, lower case; a request without `Origin` (not a browser) passes. */
  readonly origins: ReadonlySet<string>;
}

/** Why a WebSocket upgrade was refused: the HTTP status and a short reason. */
export interface Refusal {
  readonly status: 401 | 403 | 421;
  readonly reason: string;
}

/** Whether `host` is a loopback name or address. */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** The `Host` values a bridge bound to `host:port` answers to (loopback: every loopback name). */
export const boundHosts = (host: string, port: number): Set<string> => {
  const names = isLoopback(host) ? ['localhost', '127.0.0.1', '[::1]', host.includes(':') && !host.startsWith('[') ? `[${host}]` : host] : [host];
  return new Set(names.map((name) => `${name.toLowerCase()}:${port}`));
};

/** The origins of the bridge's own pages (`http://<host>` for every bound `Host`). */
export const ownOrigins = (hosts: ReadonlySet<string>): Set<string> => new Set([...hosts].map((host) => `http://${host}`));

/**
 * The query parameters of a request's target. Parsed by hand, not with `new URL()`, which
 * throws on targets like `//` that a hostile client may send.
 */
export const queryOf = (request: IncomingMessage): URLSearchParams => {
  const target = request.url ?? '';
  const mark = target.indexOf('?');
  return new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1));
};

const sameToken = (given: string, expected: string): boolean => {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Checks one WebSocket upgrade request, in this order:
 * - `Host` must be one of the names the bridge is bound to (a DNS-rebinding page reaches the
 *   bridge under its own name): else 421;
 * - `Origin`, when present, must be in the allow-list (a page elsewhere cannot use the
 *   visitor's browser as a way in): else 403;
 * - the `token` query parameter must be the bridge's token (compared in constant time): else 401.
 *
 * ```ts
 * const refusal = checkUpgrade(request, rules);
 * if (refusal) reject(socket, refusal);
 * ```
 */
export const checkUpgrade = (request: IncomingMessage, rules: AdmissionRules): Refusal | undefined => {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!rules.hosts.has(host)) return { status: 421, reason: `Host ${JSON.stringify(host)} is not a name this bridge is bound to` };
  const origin = request.headers.origin;
  if (origin !== undefined && !rules.origins.has(origin.toLowerCase())) {
    return { status: 403, reason: `Origin ${JSON.stringify(origin)} is not allowed` };
  }
  const token = queryOf(request).get('token');
  if (token === null || !sameToken(token, rules.token)) return { status: 401, reason: 'missing or wrong token' };
  return undefined;
};
