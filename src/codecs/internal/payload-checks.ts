import type { Duration } from '../values.js';
import { parseGoDuration, parseRfc3339 } from '../values.js';
import type {
  HeartbeatPayload,
  LlmEndPayload,
  LlmStartPayload,
  LlmTokenPayload,
  MessageAppendPayload,
  Session,
  SessionListPayload,
  ShutdownPayload,
  ToolEndPayload,
  ToolStartPayload,
  WriteChange,
} from '../payloads.js';
import { isDbTopic, type PayloadOf, type TableTopic } from '../topics.js';

/**
 * The payload codecs of the topic table, written again as plain checks: what `decodeFrame`
 * runs on every frame, because io-ts's combinators cost a closure call and a context array per
 * field. Each check returns exactly what its codec's `decode` returns for a valid payload (the
 * same value, the same keys in the same order; extra keys kept), and `undefined` for anything
 * else. The codec stays the reference: `decodeFrame` runs it whenever a check says
 * `undefined`, and its errors are the ones reported.
 *
 * test/codecs/frame.fast-path.spec.ts holds the two to each other: on valid and mutated frames
 * of every topic, the same events and the same failures; and no valid frame reaches a codec.
 * A change to a payload codec in payloads.ts changes its check here.
 */

/** A payload check: the decoded payload, or `undefined` where its codec would fail. */
export type PayloadCheck<A> = (u: unknown) => A | undefined;

type Wire = Readonly<Record<string, unknown>>;

/** A JSON object (io-ts's `UnknownRecord`, for values from `JSON.parse`). */
const objectOrUndefined = (u: unknown): Wire | undefined =>
  typeof u === 'object' && u !== null && !Array.isArray(u) ? (u as Wire) : undefined;

/** `Integer`. */
const isInteger = (u: unknown): boolean => typeof u === 'number' && Number.isInteger(u);

/** `Rfc3339Date`. */
const time = (u: unknown): Date | undefined => {
  if (typeof u !== 'string') return undefined;
  const parsed = parseRfc3339(u);
  return typeof parsed === 'string' ? undefined : parsed;
};

/** `GoDuration`. */
const duration = (u: unknown): Duration | undefined => {
  if (typeof u !== 'string') return undefined;
  const ms = parseGoDuration(u);
  return typeof ms === 'string' ? undefined : { ms, text: u };
};

/** `Session` (io-ts copies the object to set `updated_at`; so does this). */
const session: PayloadCheck<Session> = (u) => {
  const o = objectOrUndefined(u);
  if (o === undefined || typeof o['id'] !== 'string' || typeof o['title'] !== 'string' || !isInteger(o['message_count'])) {
    return undefined;
  }
  const updated_at = time(o['updated_at']);
  return updated_at === undefined ? undefined : ({ ...o, updated_at } as Session);
};

/** `SessionListPayload`: `sessions` is `nullableArray(Session)`. */
const sessionList: PayloadCheck<SessionListPayload> = (u) => {
  const o = objectOrUndefined(u);
  if (o === undefined) return undefined;
  const wire = o['sessions'];
  if (wire === null) return { ...o, sessions: [] } as SessionListPayload;
  if (!Array.isArray(wire)) return undefined;
  const sessions: Session[] = [];
  for (const item of wire) {
    const decoded = session(item);
    if (decoded === undefined) return undefined;
    sessions.push(decoded);
  }
  return { ...o, sessions } as SessionListPayload;
};

const messageAppend: PayloadCheck<MessageAppendPayload> = (u) => {
  const o = objectOrUndefined(u);
  if (o === undefined) return undefined;
  const role = o['role'];
  return typeof o['session_id'] === 'string' &&
    typeof o['message_id'] === 'string' &&
    (role === 'user' || role === 'assistant') &&
    typeof o['content'] === 'string'
    ? (o as MessageAppendPayload)
    : undefined;
};

const llmStart: PayloadCheck<LlmStartPayload> = (u) => {
  const o = objectOrUndefined(u);
  return o !== undefined && typeof o['session_id'] === 'string' ? (o as LlmStartPayload) : undefined;
};

const llmToken: PayloadCheck<LlmTokenPayload> = (u) => {
  const o = objectOrUndefined(u);
  return o !== undefined && typeof o['session_id'] === 'string' && typeof o['token'] === 'string'
    ? (o as LlmTokenPayload)
    : undefined;
};

const llmEnd: PayloadCheck<LlmEndPayload> = (u) => {
  const o = objectOrUndefined(u);
  return o !== undefined && typeof o['session_id'] === 'string' && isInteger(o['tokens_in']) && isInteger(o['tokens_out'])
    ? (o as LlmEndPayload)
    : undefined;
};

const toolStart: PayloadCheck<ToolStartPayload> = (u) => {
  const o = objectOrUndefined(u);
  return o !== undefined &&
    typeof o['session_id'] === 'string' &&
    typeof o['tool_name'] === 'string' &&
    typeof o['call_id'] === 'string' &&
    typeof o['params'] === 'string'
    ? (o as ToolStartPayload)
    : undefined;
};

const toolEnd: PayloadCheck<ToolEndPayload> = (u) => {
  const o = objectOrUndefined(u);
  return o !== undefined &&
    typeof o['session_id'] === 'string' &&
    typeof o['tool_name'] === 'string' &&
    typeof o['call_id'] === 'string' &&
    typeof o['is_error'] === 'boolean' &&
    typeof o['result'] === 'string'
    ? (o as ToolEndPayload)
    : undefined;
};

/** `HeartbeatPayload` (io-ts's intersection merges into a copy with the same key order). */
const heartbeat: PayloadCheck<HeartbeatPayload> = (u) => {
  const o = objectOrUndefined(u);
  if (o === undefined || typeof o['instance_id'] !== 'string' || !isInteger(o['session_count'])) return undefined;
  const active = o['active_session_id'];
  if (active !== undefined && typeof active !== 'string') return undefined;
  const uptime = duration(o['uptime']);
  const started_at = time(o['started_at']);
  return uptime === undefined || started_at === undefined ? undefined : ({ ...o, uptime, started_at } as HeartbeatPayload);
};

const shutdown: PayloadCheck<ShutdownPayload> = (u) => {
  const o = objectOrUndefined(u);
  if (o === undefined || typeof o['instance_id'] !== 'string') return undefined;
  const reason = o['reason'];
  return reason === undefined || typeof reason === 'string' ? (o as ShutdownPayload) : undefined;
};

/** `WriteChange` (a missing `payload` becomes an own key holding `undefined`, as in io-ts). */
const writeChange: PayloadCheck<WriteChange> = (u) => {
  const o = objectOrUndefined(u);
  if (
    o === undefined ||
    typeof o['instance_id'] !== 'string' ||
    typeof o['path'] !== 'string' ||
    typeof o['topic'] !== 'string' ||
    typeof o['timestamp'] !== 'string'
  ) {
    return undefined;
  }
  return (Object.prototype.hasOwnProperty.call(o, 'payload') ? o : { ...o, payload: undefined }) as WriteChange;
};

/** One check per topic of the topic table: a topic added there is a type error here until it has one. */
export const PAYLOAD_CHECKS: { readonly [K in TableTopic]: PayloadCheck<PayloadOf<K>> } = {
  'session.update': session,
  'session.activated': session,
  'session.deleted': session,
  'session.list': sessionList,
  'message.append': messageAppend,
  'llm.start': llmStart,
  'llm.token': llmToken,
  'llm.end': llmEnd,
  'tool.start': toolStart,
  'tool.end': toolEnd,
  'instance.heartbeat': heartbeat,
  'instance.shutdown': shutdown,
};

/**
 * The check of a topic's payload, as `payloadCodecFor` gives its codec; `null` for a topic
 * this library does not know (its payload is kept as raw JSON).
 */
export const payloadCheckFor = (topic: string): PayloadCheck<unknown> | null => {
  if (Object.prototype.hasOwnProperty.call(PAYLOAD_CHECKS, topic)) return PAYLOAD_CHECKS[topic as TableTopic];
  return isDbTopic(topic) ? writeChange : null;
};
