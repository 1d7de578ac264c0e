import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/Either';
import { describeErrors, summarizeIssues, type DecodeIssue } from './errors.js';
import { payloadCodecFor, type PandoEvent } from './topics.js';
import { Integer, Rfc3339Date, formatRfc3339, parseRfc3339 } from './values.js';

/**
 * The envelope of every event (JSON, camelCase keys). `sessionId` is omitted when empty;
 * `payload` is decoded separately, by the topic's codec.
 */
export const Envelope = t.intersection(
  [
    t.type({ instanceId: t.string, projectId: t.string, topic: t.string, timestamp: Rfc3339Date, payload: t.unknown }),
    t.partial({ sessionId: t.string }),
  ],
  'Envelope',
);
export type Envelope = t.TypeOf<typeof Envelope>;

/** Which step of decoding a frame failed. */
export type FrameDecodeStage =
  /** the frame has no 0x00 between topic and envelope */
  | 'separator'
  /** the topic or the envelope is not valid UTF-8 */
  | 'utf8'
  /** the envelope is not JSON */
  | 'json'
  /** the envelope is JSON but not an envelope */
  | 'envelope'
  /** the frame's topic and the envelope's `topic` differ */
  | 'topic-mismatch'
  /** the payload does not match its topic's codec */
  | 'payload';

/** A frame that could not be decoded: which stage failed, for which topic, and where. */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
  constructor(
    /** Which step failed. */
    readonly stage: FrameDecodeStage,
    /** What was wrong, in one line. */
    readonly detail: string,
    /** The topic, when it could be read. */
    readonly topic?: string,
    /** The path of the first bad value (`payload.session_id`), for envelope and payload failures. */
    readonly path?: string,
    /** Every bad value, for envelope and payload failures. */
    readonly issues: readonly DecodeIssue[] = [],
  ) {
    super(`cannot decode ${topic === undefined ? 'frame' : `"${topic}" frame`}: ${stage}: ${detail}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const hasOwn = Object.prototype.hasOwnProperty;

const tryUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
};

const failed = (stage: FrameDecodeStage, issues: readonly DecodeIssue[], topic?: string): Either<FrameDecodeError, never> =>
  left(new FrameDecodeError(stage, summarizeIssues(issues), topic, issues[0]?.path, issues));

// ---- the fast path ---------------------------------------------------------------------------
//
// Every frame goes through JSON.parse once. The parsed value is then checked by hand-written
// equivalents of the io-ts codecs (`fastEvent`), which return `undefined` whenever they are not
// sure of the answer; only then do the codecs themselves run (`codecEvent`), so every failure,
// and every success the fast path declines, is exactly what the codecs say. A success of the
// fast path is equal to the codecs' one: same values, same object identities (an object that the
// codec would return as is is returned as is; one it would copy is copied the same way).
// `decodeFrameWithCodecs` below is the reference, for the tests.

/** What a fast checker returns when it cannot vouch for a value. */
const DECLINE: unique symbol = Symbol('decline');
type FastDecoder = (u: unknown) => unknown;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Two ASCII digits at `i` as a number, or -1. */
const twoDigits = (s: string, i: number): number => {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * `parseRfc3339` for the form Pando writes (`YYYY-MM-DDTHH:MM:SS[.1-9 digits]Z`, year 100 or
 * later), without a regular expression; `undefined` for anything else (offsets, out-of-range
 * fields, years below 100), which `parseRfc3339` then handles. Where it returns a Date,
 * `parseRfc3339` returns the same instant: the same fields through `Date.UTC`, which agrees with
 * its `setUTCFullYear` / `setUTCHours` for years from 100 on.
 */
const fastRfc3339 = (s: string): Date | undefined => {
  const n = s.length;
  if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 0x5a /* Z */) return undefined;
  if (
    s.charCodeAt(4) !== 0x2d /* - */ ||
    s.charCodeAt(7) !== 0x2d ||
    s.charCodeAt(10) !== 0x54 /* T */ ||
    s.charCodeAt(13) !== 0x3a /* : */ ||
    s.charCodeAt(16) !== 0x3a
  ) {
    return undefined;
  }
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if ((century | yy | month | day | hour | minute | second) < 0) return undefined;
  let ms = 0;
  if (n > 20) {
    // '.', 1 to 9 digits, 'Z'; the first three digits are the milliseconds, the rest truncated.
    if (n < 22 || s.charCodeAt(19) !== 0x2e /* . */) return undefined;
    for (let i = 20; i < n - 1; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      if (i === 20) ms += d * 100;
      else if (i === 21) ms += d * 10;
      else if (i === 22) ms += d;
    }
  }
  const year = century * 100 + yy;
  if (year < 100 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > maxDay) return undefined;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
};

/** `Rfc3339Date`'s validation: the Date, or DECLINE where the codec fails. */
const rfc3339OrDecline = (u: unknown): unknown => {
  if (typeof u !== 'string') return DECLINE;
  const fast = fastRfc3339(u);
  if (fast !== undefined) return fast;
  const parsed = parseRfc3339(u);
  return typeof parsed === 'string' ? DECLINE : parsed;
};

const NO_CONTEXT: t.Context = [];

/**
 * The fast equivalent of one codec: the primitives, `Integer`, `Rfc3339Date` and `t.type` are
 * checked inline, with `t.type`'s own rules (the input object itself when no property changes,
 * else an `Object.assign` copy with the changed properties set); any other codec runs its own
 * `validate` (whose success never depends on the context).
 */
const compileFast = (codec: t.Mixed): FastDecoder => {
  if (codec === Rfc3339Date) return rfc3339OrDecline;
  if (codec === Integer) return (u) => (typeof u === 'number' && Number.isInteger(u) ? u : DECLINE);
  const tagged = codec as t.Mixed & { readonly _tag?: string };
  switch (tagged._tag) {
    case 'StringType':
      return (u) => (typeof u === 'string' ? u : DECLINE);
    case 'NumberType':
      return (u) => (typeof u === 'number' ? u : DECLINE);
    case 'BooleanType':
      return (u) => (typeof u === 'boolean' ? u : DECLINE);
    case 'UnknownType':
      return (u) => u;
    case 'InterfaceType': {
      const props = (codec as unknown as t.InterfaceType<t.Props>).props;
      const keys = Object.keys(props);
      const checks = keys.map((key) => compileFast(props[key]!));
      const count = keys.length;
      return (u) => {
        if (u === null || typeof u !== 'object' || Array.isArray(u)) return DECLINE;
        const o = u as Record<string, unknown>;
        let a = o;
        for (let i = 0; i < count; i++) {
          const key = keys[i]!;
          const ak = a[key];
          const vak = checks[i]!(ak);
          if (vak === DECLINE) return DECLINE;
          if (vak !== ak || (vak === undefined && !hasOwn.call(a, key))) {
            if (a === o) a = Object.assign({}, o);
            a[key] = vak;
          }
        }
        return a;
      };
    }
    default:
      return (u) => {
        const result = codec.validate(u, NO_CONTEXT);
        return result._tag === 'Right' ? result.right : DECLINE;
      };
  }
};

const fastDecoders = new Map<t.Mixed, FastDecoder>();
const fastDecoderFor = (codec: t.Mixed): FastDecoder => {
  let decoder = fastDecoders.get(codec);
  if (decoder === undefined) {
    decoder = compileFast(codec);
    fastDecoders.set(codec, decoder);
  }
  return decoder;
};

/**
 * The event, when the envelope and payload are plainly valid; `undefined` to let the codecs
 * decide. Declines an envelope with an own `__proto__` key, where the codecs' copies would
 * change their prototype.
 */
const fastEvent = (topic: string, json: unknown): PandoEvent | undefined => {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const env = json as Record<string, unknown>;
  const instanceId = env['instanceId'];
  const projectId = env['projectId'];
  const wireTime = env['timestamp'];
  if (typeof instanceId !== 'string' || typeof projectId !== 'string' || env['topic'] !== topic) return undefined;
  const hasSessionId = hasOwn.call(env, 'sessionId');
  const sessionId = env['sessionId'];
  if (hasSessionId && typeof sessionId !== 'string') return undefined;
  if (hasOwn.call(env, '__proto__')) return undefined;
  const timestamp = rfc3339OrDecline(wireTime);
  if (timestamp === DECLINE) return undefined;
  let payload = env['payload'];
  const codec = payloadCodecFor(topic);
  if (codec !== undefined) {
    payload = fastDecoderFor(codec)(payload);
    if (payload === DECLINE) return undefined;
  }
  const event = { topic, instanceId, projectId, timestamp, payload } as { -readonly [K in keyof PandoEvent]: PandoEvent[K] };
  if (hasSessionId) event.sessionId = sessionId as string;
  return event as PandoEvent;
};

// ---- the codecs' path --------------------------------------------------------------------------

/** The event as the io-ts codecs decode it (the reference; also every failure's report). */
const codecEvent = (topic: string, json: unknown): Either<FrameDecodeError, PandoEvent> => {
  const envelope = Envelope.decode(json);
  if (isLeft(envelope)) return failed('envelope', describeErrors(envelope.left), topic);
  const env = envelope.right;
  if (env.topic !== topic) {
    return left(
      new FrameDecodeError('topic-mismatch', `frame topic "${topic}" but envelope topic "${env.topic}"`, topic, 'topic'),
    );
  }
  let payload = env.payload;
  const codec = payloadCodecFor(topic);
  if (codec !== undefined) {
    const decoded = codec.decode(payload);
    if (isLeft(decoded)) return failed('payload', describeErrors(decoded.left, 'payload'), topic);
    payload = decoded.right;
  }
  const event = {
    topic,
    instanceId: env.instanceId,
    projectId: env.projectId,
    timestamp: env.timestamp,
    payload,
  } as { -readonly [K in keyof PandoEvent]: PandoEvent[K] };
  if (hasOwn.call(env, 'sessionId')) event.sessionId = env.sessionId!;
  return right(event as PandoEvent);
};

const decodeText = (text: string, sep: number, fast: boolean): Either<FrameDecodeError, PandoEvent> => {
  const topic = text.slice(0, sep);
  let json: unknown;
  try {
    json = JSON.parse(text.slice(sep + 1));
  } catch (e) {
    return left(new FrameDecodeError('json', `envelope is not JSON (${(e as Error).message})`, topic));
  }
  if (fast) {
    const event = fastEvent(topic, json);
    if (event !== undefined) return right(event);
  }
  return codecEvent(topic, json);
};

const decodeBytes = (frame: Uint8Array, fast: boolean): Either<FrameDecodeError, PandoEvent> => {
  try {
    const sep = frame.indexOf(0);
    if (sep < 0) return left(new FrameDecodeError('separator', 'no 0x00 byte between topic and envelope'));
    // UTF-8 never encodes anything but U+0000 as 0x00, so the byte offset of the separator is
    // also its string offset within the topic: decode the frame once and split the text.
    const text = tryUtf8(frame);
    if (text !== undefined) {
      const textSep = text.indexOf('\u0000');
      return decodeText(text, textSep, fast);
    }
    const topic = tryUtf8(frame.subarray(0, sep));
    if (topic === undefined) return left(new FrameDecodeError('utf8', 'topic is not valid UTF-8'));
    return left(new FrameDecodeError('utf8', 'envelope is not valid UTF-8', topic));
  } catch (e) {
    // Defensive: nothing above is expected to throw, but a decoder must never take a stream down.
    return left(new FrameDecodeError('json', `unexpected failure: ${String(e)}`));
  }
};

/**
 * Decodes one PUB frame (`<topic> 0x00 <JSON envelope>`) into a typed event.
 *
 * Never throws, whatever the bytes: a bad frame is a `FrameDecodeError` that says which stage
 * failed, the topic when known, and the path of the bad value. An unknown topic is not a
 * failure: its payload stays the raw JSON.
 */
export const decodeFrame = (frame: Uint8Array): Either<FrameDecodeError, PandoEvent> => decodeBytes(frame, true);

/**
 * `decodeFrame` with every frame checked by the io-ts codecs themselves, without the fast path
 * that `decodeFrame` takes for plainly valid frames. The same results, slower: the reference
 * against which the fast path is tested. Not part of the public API.
 *
 * @internal
 */
export const decodeFrameWithCodecs = (frame: Uint8Array): Either<FrameDecodeError, PandoEvent> => decodeBytes(frame, false);

/**
 * Encodes an event as Pando would publish it: the topic, a 0x00 byte, then the envelope with
 * the wire's own key names and the payload encoded by its topic's codec (dates as RFC 3339,
 * durations as Go text). `decodeFrame(encodeFrame(e))` equals `e`.
 */
export const encodeFrame = (event: PandoEvent): Uint8Array => {
  const codec = payloadCodecFor(event.topic);
  const envelope: Record<string, unknown> = { instanceId: event.instanceId, projectId: event.projectId };
  if (event.sessionId !== undefined && event.sessionId !== '') envelope['sessionId'] = event.sessionId;
  envelope['topic'] = event.topic;
  envelope['timestamp'] = formatRfc3339(event.timestamp);
  envelope['payload'] = codec === undefined ? event.payload : codec.encode(event.payload);
  return utf8Encoder.encode(`${event.topic}\u0000${JSON.stringify(envelope)}`);
};
