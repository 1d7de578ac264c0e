/**
 * The NATS subject scheme of pando-rx: the contract between a relay and every NATS client
 * (documented in `docs/scale-out.md`). Pure functions, no NATS import.
 *
 * - `pando.<instance>.evt.<topic tokens>`: one message per frame, the frame as Pando published it
 *   (`<topic> NUL <JSON envelope>`); each dot-separated part of the topic is one token;
 * - `pando.<instance>.rpc`: JSON-RPC 2.0 request-reply for the methods that read
 *   (`READ_ONLY_METHODS`); `pando.<instance>.ctl`: the same for every other method (control), so
 *   that NATS permissions decide who may control;
 * - `pando.<instance>.status`: the instance's liveness as the relay sees it (`RelayStatus`),
 *   published on every change; `pando.<instance>.status.get` answers the current one;
 * - `pando.fleet.join` / `pando.fleet.leave`: an instance joining or leaving a relay's host;
 *   `pando.fleet.announce`: a client asks every relay to announce its instances again.
 *
 * Ids and topic parts become valid tokens with {@link encodeToken}: `A-Z a-z 0-9 _ -` pass as
 * they are, every other byte of their UTF-8 becomes `~` plus two upper-case hex digits, and an
 * empty part becomes a lone `~`.
 *
 * ```ts
 * eventSubject('abc', 'llm.token'); // 'pando.abc.evt.llm.token'
 * ```
 */

/** The first token of every subject of the scheme. */
export const SUBJECT_ROOT = 'pando';
/** Where relays announce an instance joining. */
export const FLEET_JOIN_SUBJECT = `${SUBJECT_ROOT}.fleet.join`;
/** Where relays announce an instance leaving. */
export const FLEET_LEAVE_SUBJECT = `${SUBJECT_ROOT}.fleet.leave`;
/** Where a client asks every relay to announce its instances again on `pando.fleet.join` (empty body). */
export const FLEET_ANNOUNCE_SUBJECT = `${SUBJECT_ROOT}.fleet.announce`;
/** Every instance's status subject, for a fleet watcher (`pando.*.status`). */
export const ALL_STATUS_SUBJECT = `${SUBJECT_ROOT}.*.status`;

const PLAIN = /^[A-Za-z0-9_-]$/;
const encoder = new TextEncoder();

/**
 * Makes any string one valid NATS subject token (reversible, see {@link decodeToken}).
 *
 * ```ts
 * encodeToken('a b.c'); // 'a~20b~2Ec'
 * ```
 */
export const encodeToken = (text: string): string => {
  if (text === '') return '~';
  let out = '';
  for (const char of text) {
    if (PLAIN.test(char)) out += char;
    else for (const byte of encoder.encode(char)) out += `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
};

/**
 * The string that {@link encodeToken} made a token of.
 *
 * ```ts
 * decodeToken('a~20b'); // 'a b'
 * ```
 */
export const decodeToken = (token: string): string => {
  if (token === '~') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '~') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
};

/** `pando.<instance>`: the root of one instance's subjects. */
export const instanceSubject = (instanceId: string): string => `${SUBJECT_ROOT}.${encodeToken(instanceId)}`;

/** The subject of one topic's frames, e.g. `pando.abc.evt.llm.token`. */
export const eventSubject = (instanceId: string, topic: string): string =>
  `${instanceSubject(instanceId)}.evt.${topic.split('.').map(encodeToken).join('.')}`;

/** The subject of an instance's JSON-RPC requests that read (`READ_ONLY_METHODS`). */
export const rpcSubject = (instanceId: string): string => `${instanceSubject(instanceId)}.rpc`;

/** The subject of an instance's other JSON-RPC requests: control (`message.send`, `session.activate`, …). */
export const controlSubject = (instanceId: string): string => `${instanceSubject(instanceId)}.ctl`;

/** The methods that only read: sent on `pando.<instance>.rpc`, and all that a read-only relay passes on. */
export const READ_ONLY_METHODS: ReadonlySet<string> = new Set([
  'instance.ping',
  'instance.info',
  'session.list',
  'session.get',
  'message.list',
  'state.sync',
]);

/** The subject a request for `method` goes to: `rpcSubject` for a read, else `controlSubject`. */
export const requestSubject = (instanceId: string, method: string): string =>
  READ_ONLY_METHODS.has(method) ? rpcSubject(instanceId) : controlSubject(instanceId);

/** Every event subject of one instance (`pando.<instance>.evt.>`): what its JetStream stream keeps. */
export const allEventsSubject = (instanceId: string): string => `${instanceSubject(instanceId)}.evt.>`;

/**
 * The JetStream stream that keeps one instance's events when its relay replays
 * (`PANDO_EVT_<token>`: a stream name takes no `.`, `*` or `>`, and a token has none).
 *
 * ```ts
 * eventStreamName('a1b2c3'); // 'PANDO_EVT_a1b2c3'
 * ```
 */
export const eventStreamName = (instanceId: string): string => `PANDO_EVT_${encodeToken(instanceId)}`;

/** The subject on which an instance's liveness is published. */
export const statusSubject = (instanceId: string): string => `${instanceSubject(instanceId)}.status`;

/** The subject that answers an instance's current liveness. */
export const statusRequestSubject = (instanceId: string): string => `${statusSubject(instanceId)}.get`;

/**
 * The narrowest subject that carries every frame starting with `prefix` (an event-link prefix:
 * `''` everything, `'llm.'` a family, `'llm.token\u0000'` one topic). Frames on it may still need
 * the byte-prefix filter when the prefix ends inside a topic part or inside the JSON.
 *
 * ```ts
 * subjectForPrefix('abc', 'llm.');            // 'pando.abc.evt.llm.>'
 * subjectForPrefix('abc', 'llm.token\u0000'); // 'pando.abc.evt.llm.token'
 * ```
 */
export const subjectForPrefix = (instanceId: string, prefix: string): string => {
  const base = `${instanceSubject(instanceId)}.evt`;
  const nul = prefix.indexOf('\u0000');
  if (nul >= 0) return eventSubject(instanceId, prefix.slice(0, nul));
  const parts = prefix.split('.');
  parts.pop(); // the last part is partial (or empty): a wildcard covers it
  return [base, ...parts.map(encodeToken), '>'].join('.');
};

/** What a relay says of an instance on its status subject. */
export interface RelayStatus {
  /** The instance's id. */
  readonly instanceId: string;
  /**
   * `connecting`: the relay has not reached the instance yet; `up`: its PUB socket is connected;
   * `down`: the connection dropped; `gone`: the relay stopped serving it.
   */
  readonly state: 'connecting' | 'up' | 'down' | 'gone';
  /** The relay publishes its status again at least this often (ms): silence for three times as long means it is gone. */
  readonly everyMs?: number;
}

/** What a relay says of an instance on `pando.fleet.join` and `pando.fleet.leave`. */
export interface MemberAnnouncement {
  readonly instanceId: string;
  /** The instance's project directory on its host. */
  readonly path: string;
  readonly pid: number;
  readonly mode: string;
  readonly isPrimary: boolean;
  /** Its ports on its host (loopback there), its start time (ISO), and the relay's host name. */
  readonly pubPort?: number;
  readonly rpcPort?: number;
  readonly startedAt?: string;
  readonly host?: string;
}

/** The announcement in a join or leave body, or `undefined` when the body is not one. */
export const parseAnnouncement = (body: string): MemberAnnouncement | undefined => {
  try {
    const value = JSON.parse(body) as Partial<MemberAnnouncement> | null;
    if (typeof value !== 'object' || value === null || typeof value.instanceId !== 'string' || value.instanceId === '') return undefined;
    return {
      instanceId: value.instanceId,
      path: typeof value.path === 'string' ? value.path : '',
      pid: typeof value.pid === 'number' ? value.pid : 0,
      mode: typeof value.mode === 'string' ? value.mode : '',
      isPrimary: value.isPrimary === true,
      ...(typeof value.pubPort === 'number' ? { pubPort: value.pubPort } : {}),
      ...(typeof value.rpcPort === 'number' ? { rpcPort: value.rpcPort } : {}),
      ...(typeof value.startedAt === 'string' ? { startedAt: value.startedAt } : {}),
      ...(typeof value.host === 'string' ? { host: value.host } : {}),
    };
  } catch {
    return undefined;
  }
};

/** The JSON-RPC error codes with which a relay answers a request it did not pass on. */
export const RelayErrorCode = {
  /** A control method, and the relay was started without `allowControl` (or it came on the read subject). */
  ControlRefused: -32010,
  /** The instance could not take the request at once: it was not delivered, and never will be. */
  NotDelivered: -32011,
  /** No relay serves this instance on the NATS server (nothing was delivered). */
  NoRelay: -32012,
  /** The NATS server refused to let this client publish the request (a permissions violation): nothing was delivered. */
  PermissionDenied: -32013,
} as const;
