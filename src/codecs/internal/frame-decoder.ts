import { isLeft, left, right, type Either } from 'fp-ts/Either';
import { Envelope } from '../envelope.js';
import { describeErrors, summarizeIssues, type DecodeIssue } from '../errors.js';
import { FrameDecodeError, type FrameDecodeStage } from '../frame-decode-error.js';
import { payloadCodecFor, type PandoEvent } from '../topics.js';
import { parseRfc3339 } from '../values.js';
import { JsonFailure, parseJson } from './json.js';
import { payloadCheckFor, type PayloadCheck } from './payload-checks.js';

/**
 * The frame decoder behind `decodeFrame`. Every frame is split, read as UTF-8 and parsed once;
 * then the fast path checks the envelope inline and the payload with its topic's plain check
 * (internal/payload-checks.ts). Only when the fast path declines do the io-ts codecs run: they
 * decide, and their errors are the ones reported. The fast path declines only what the codecs
 * reject, so a valid frame never reaches them; `stats` counts both paths so that a test can
 * see it (test/codecs/frame.fast-path.spec.ts). Not public API.
 */

/** How a decoder's frames went. */
export interface FrameDecoderStats {
  /** Frames decoded by the fast path. */
  fastPath: number;
  /** Frames decoded by the io-ts codecs, after the fast path declined them (or was off). */
  codecs: number;
  /** Frames that did not decode. */
  failures: number;
}

export interface FrameDecoder {
  /** `decodeFrame`. */
  readonly decode: (frame: Uint8Array) => Either<FrameDecodeError, PandoEvent>;
  readonly stats: Readonly<FrameDecoderStats>;
}

type MutableEvent = { -readonly [K in keyof PandoEvent]: PandoEvent[K] };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const hasOwn = Object.prototype.hasOwnProperty;

const tryUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
};

const failedWith = (stage: FrameDecodeStage, issues: readonly DecodeIssue[], topic: string): FrameDecodeError =>
  new FrameDecodeError(stage, summarizeIssues(issues), topic, issues[0]?.path, issues);

/** Why a frame that is not valid UTF-8 does not decode (no separator, or which part is bad). */
const notUtf8 = (frame: Uint8Array): FrameDecodeError => {
  const sep = frame.indexOf(0);
  if (sep < 0) return new FrameDecodeError('separator', 'no 0x00 byte between topic and envelope');
  const topic = tryUtf8(frame.subarray(0, sep));
  if (topic === undefined) return new FrameDecodeError('utf8', 'topic is not valid UTF-8');
  return new FrameDecodeError('utf8', 'envelope is not valid UTF-8', topic);
};

/** The event as the io-ts codecs decode it; every failure's report. */
const codecEvent = (topic: string, json: unknown): Either<FrameDecodeError, PandoEvent> => {
  const envelope = Envelope.decode(json);
  if (isLeft(envelope)) return left(failedWith('envelope', describeErrors(envelope.left), topic));
  const env = envelope.right;
  if (env.topic !== topic) {
    return left(new FrameDecodeError('topic-mismatch', `frame topic "${topic}" but envelope topic "${env.topic}"`, topic, 'topic'));
  }
  let payload = env.payload;
  const codec = payloadCodecFor(topic);
  if (codec !== undefined) {
    const decoded = codec.decode(payload);
    if (isLeft(decoded)) return left(failedWith('payload', describeErrors(decoded.left, 'payload'), topic));
    payload = decoded.right;
  }
  const event = { topic, instanceId: env.instanceId, projectId: env.projectId, timestamp: env.timestamp, payload } as MutableEvent;
  if (hasOwn.call(env, 'sessionId')) event.sessionId = env.sessionId!;
  return right(event as PandoEvent);
};

/**
 * A decoder with its own statistics and topic cache. `fastPath: false` gives the reference
 * decoder that the fast path is tested against.
 */
export const createFrameDecoder = (options: { readonly fastPath: boolean }): FrameDecoder => {
  const stats: FrameDecoderStats = { fastPath: 0, codecs: 0, failures: 0 };
  // Frames come in runs of one topic (a reply streams as llm.token): keep the last one's check.
  let lastTopic = '';
  let lastCheck: PayloadCheck<unknown> | null = payloadCheckFor(lastTopic);

  /** The event, when the envelope and payload are valid; `undefined` to let the codecs decide. */
  const fastEvent = (topic: string, json: unknown): PandoEvent | undefined => {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
    const env = json as Readonly<Record<string, unknown>>;
    const instanceId = env['instanceId'];
    const projectId = env['projectId'];
    const sessionId = env['sessionId'];
    const wireTime = env['timestamp'];
    if (
      typeof instanceId !== 'string' ||
      typeof projectId !== 'string' ||
      env['topic'] !== topic ||
      typeof wireTime !== 'string' ||
      (sessionId !== undefined && typeof sessionId !== 'string')
    ) {
      return undefined;
    }
    const timestamp = parseRfc3339(wireTime);
    if (typeof timestamp === 'string') return undefined;
    if (topic !== lastTopic) {
      lastTopic = topic;
      lastCheck = payloadCheckFor(topic);
    }
    let payload = env['payload'];
    if (lastCheck !== null) {
      payload = lastCheck(payload);
      if (payload === undefined) return undefined;
    }
    return (
      sessionId === undefined
        ? { topic, instanceId, projectId, timestamp, payload }
        : { topic, instanceId, projectId, timestamp, payload, sessionId }
    ) as PandoEvent;
  };

  const decode = (frame: Uint8Array): Either<FrameDecodeError, PandoEvent> => {
    let topic: string | undefined;
    try {
      // UTF-8 never encodes anything but U+0000 as 0x00: the first NUL of the text is the
      // separator byte. One decode and one search on the success path.
      const text = tryUtf8(frame);
      if (text === undefined) {
        stats.failures++;
        return left(notUtf8(frame));
      }
      const sep = text.indexOf('\u0000');
      if (sep < 0) {
        stats.failures++;
        return left(new FrameDecodeError('separator', 'no 0x00 byte between topic and envelope'));
      }
      topic = text.slice(0, sep);
      const json = parseJson(text.slice(sep + 1));
      if (json instanceof JsonFailure) {
        stats.failures++;
        return left(new FrameDecodeError('json', `envelope ${json.reason}`, topic));
      }
      if (options.fastPath) {
        const event = fastEvent(topic, json);
        if (event !== undefined) {
          stats.fastPath++;
          return right(event);
        }
      }
      const decoded = codecEvent(topic, json);
      if (isLeft(decoded)) stats.failures++;
      else stats.codecs++;
      return decoded;
    } catch (e) {
      // Defensive: nothing above is expected to throw, but a decoder must never take a stream down.
      stats.failures++;
      return left(new FrameDecodeError('json', `unexpected failure: ${String(e)}`, topic));
    }
  };

  return { decode, stats };
};

/** The decoder that `decodeFrame` is. */
export const frameDecoder: FrameDecoder = createFrameDecoder({ fastPath: true });
