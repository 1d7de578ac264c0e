import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { describeErrors, summarizeIssues, type DecodeIssue } from './errors.js';
import { payloadCodecFor, type PandoEvent } from './topics.js';
import { Rfc3339Date, formatRfc3339 } from './values.js';

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

const decodeText = (text: string, sep: number): Either<FrameDecodeError, PandoEvent> => {
  const topic = text.slice(0, sep);
  let json: unknown;
  try {
    json = JSON.parse(text.slice(sep + 1));
  } catch (e) {
    return left(new FrameDecodeError('json', `envelope is not JSON (${(e as Error).message})`, topic));
  }
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

/**
 * Decodes one PUB frame (`<topic> 0x00 <JSON envelope>`) into a typed event.
 *
 * Never throws, whatever the bytes: a bad frame is a `FrameDecodeError` that says which stage
 * failed, the topic when known, and the path of the bad value. An unknown topic is not a
 * failure: its payload stays the raw JSON.
 */
export const decodeFrame = (frame: Uint8Array): Either<FrameDecodeError, PandoEvent> => {
  try {
    const sep = frame.indexOf(0);
    if (sep < 0) return left(new FrameDecodeError('separator', 'no 0x00 byte between topic and envelope'));
    // UTF-8 never encodes anything but U+0000 as 0x00, so the byte offset of the separator is
    // also its string offset within the topic: decode the frame once and split the text.
    const text = tryUtf8(frame);
    if (text !== undefined) {
      const textSep = text.indexOf('\u0000');
      return decodeText(text, textSep);
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
