// The frames the benchmarks send, written by hand as Pando writes them (PROTOCOL.md §1):
// `<topic> 0x00 <JSON envelope>`, camelCase envelope, snake_case payload, RFC 3339 times with
// nanoseconds. No library code is used, so the baseline and the subject see the same bytes.

export const INSTANCE_ID = 'bench-5f3a9c21';
const SESSION_COUNT_FOR_TOKENS = 8;

/** Tokens as an LLM streams them: mostly short ASCII words, now and then non-ASCII text. */
const TOKENS = [' the', ' function', '(', ' returns', ' a', ' value', '.\n', ' Let', ' me', ' check', ' é', ' →', ' 你好', ' ✓', ' 🙂', '`'];

const pad = (n, width) => String(n).padStart(width, '0');

/** A Go `time.Time` as Pando writes it: RFC 3339 with 9 fractional digits, UTC. */
export const goTime = (i) =>
  `2026-03-01T10:${pad(Math.floor(i / 60) % 60, 2)}:${pad(i % 60, 2)}.${pad((i * 7919) % 1e9, 9)}Z`;

const sessionId = (i) => `0f8e4a2c-session-${pad(i, 5)}`;

/** The envelope text of the i-th `llm.token` event. */
export const tokenEnvelope = (i, token = TOKENS[i % TOKENS.length]) => {
  const sid = sessionId(i % SESSION_COUNT_FOR_TOKENS);
  return JSON.stringify({
    instanceId: INSTANCE_ID,
    projectId: '',
    sessionId: sid,
    topic: 'llm.token',
    timestamp: goTime(i),
    payload: { session_id: sid, token },
  });
};

/** The i-th `llm.token` frame. */
export const tokenFrame = (i) => Buffer.from(`llm.token\u0000${tokenEnvelope(i)}`, 'utf8');

/** `count` distinct `llm.token` frames (the publisher cycles through them). */
export const tokenFrames = (count = 1024) => Array.from({ length: count }, (_, i) => tokenFrame(i));

/** Width of the send time carried by a stamped frame, in decimal digits of nanoseconds. */
export const STAMP_DIGITS = 17;

/**
 * An `llm.token` frame whose token is the send time (monotonic ns, zero-padded). It is the last
 * value of the frame, so a bare reader finds it at a fixed offset from the end (`stampOf`).
 */
export const stampedTokenFrame = (i, sendNs) => Buffer.from(`llm.token\u0000${tokenEnvelope(i, pad(sendNs, STAMP_DIGITS))}`, 'utf8');

/** The send time of a stamped frame, read from its bytes (the frame ends with `"}}`). */
export const stampOf = (frame) => Number(frame.toString('latin1', frame.length - 3 - STAMP_DIGITS, frame.length - 3));

/** The send time of a stamped event, as decoded by the library. */
export const stampOfToken = (token) => Number(token);

/** A Session of the mirror benchmarks, as the wire has it. */
export const wireSession = (s, version) => ({
  id: sessionId(s),
  title: `Session ${s}`,
  updated_at: `2026-03-01T${pad(Math.floor(version / 3600) % 24, 2)}:${pad(Math.floor(version / 60) % 60, 2)}:${pad(version % 60, 2)}Z`,
  message_count: version,
});

/** The i-th `session.update` frame over `sessions` sessions: each one changes its session. */
export const sessionUpdateFrame = (i, sessions) => {
  const s = i % sessions;
  const session = wireSession(s, 1 + Math.floor(i / sessions) + s);
  return Buffer.from(
    `session.update\u0000${JSON.stringify({
      instanceId: INSTANCE_ID,
      projectId: '',
      sessionId: session.id,
      topic: 'session.update',
      timestamp: goTime(i),
      payload: session,
    })}`,
    'utf8',
  );
};

/** The sessions of the snapshot (`state.sync`) that the mirror benchmarks start from. */
export const snapshotSessions = (sessions) => Array.from({ length: sessions }, (_, s) => wireSession(s, 0));

/** The frame that ends a count-terminated stream (a topic the library does not know). */
export const END_TOPIC = 'bench.end';
export const endFrame = (sent) =>
  Buffer.from(
    `${END_TOPIC}\u0000${JSON.stringify({ instanceId: INSTANCE_ID, projectId: '', topic: END_TOPIC, timestamp: goTime(0), payload: { sent } })}`,
    'utf8',
  );

/** Whether a raw frame is the end marker (its first byte: `b`, where data frames have `l`/`s`). */
export const isEndFrame = (frame) => frame[0] === 0x62;
