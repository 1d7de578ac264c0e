import type { Either } from 'fp-ts/Either';
import type { FrameDecodeError } from './frame-decode-error.js';
import { frameDecoder } from './internal/frame-decoder.js';
import { payloadCodecFor, type PandoEvent } from './topics.js';
import { formatRfc3339 } from './values.js';

/**
 * A PUB frame, `<topic> 0x00 <JSON envelope>`: decoding and encoding. The envelope codec and
 * the error type live in their own files and are re-exported here; the decoder itself is
 * internal/frame-decoder.ts.
 */

export { Envelope } from './envelope.js';
export { FrameDecodeError, type FrameDecodeStage } from './frame-decode-error.js';

const utf8Encoder = new TextEncoder();

/**
 * Decodes one PUB frame (`<topic> 0x00 <JSON envelope>`) into a typed event.
 *
 * Never throws, whatever the bytes: a bad frame is a `FrameDecodeError` that says which stage
 * failed, the topic when known, and the path of the bad value. An unknown topic is not a
 * failure: its payload stays the raw JSON. A decoded value is exactly what its codec says: own
 * keys only (a `__proto__` key is dropped), nested at most 512 levels deep.
 *
 * ```ts
 * const decoded = decodeFrame(frame);
 * if (isRight(decoded) && decoded.right.topic === 'llm.token') console.log(decoded.right.payload);
 * ```
 */
export const decodeFrame: (frame: Uint8Array) => Either<FrameDecodeError, PandoEvent> = frameDecoder.decode;

/**
 * Encodes an event as Pando would publish it: the topic, a 0x00 byte, then the envelope with
 * the wire's own key names and the payload encoded by its topic's codec (dates as RFC 3339,
 * durations as Go text). `decodeFrame(encodeFrame(e))` equals `e`.
 *
 * ```ts
 * const frame = encodeFrame({ topic: 'llm.token', instanceId: 'a1', projectId: '', timestamp: new Date(), payload: { session_id: 's1', token: 'Hi' } });
 * ```
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
