import { isDeepStrictEqual } from 'node:util';
import * as fc from 'fast-check';
import { decodeFrame } from '../../src/codecs/frame.js';
import { createFrameDecoder, frameDecoder } from '../../src/codecs/internal/frame-decoder.js';
import { PAYLOAD_CHECKS } from '../../src/codecs/internal/payload-checks.js';
import { TABLE_TOPICS } from '../../src/codecs/topics.js';
import { parseRfc3339 } from '../../src/codecs/values.js';

/**
 * `decodeFrame` checks each frame with plain code (the envelope inline, the payload with its
 * topic's check in internal/payload-checks.ts) and runs the io-ts codecs only when that fast
 * path declines. It must give exactly what the codecs give, and decline only what they reject:
 * these properties compare `decodeFrame` with a decoder whose fast path is off (the codecs
 * only), on valid frames of every topic and on frames with one thing changed, and watch the
 * decoder's statistics to see that no frame the codecs accept went to them. Turning the fast
 * path off (or breaking one of its checks so that it declines) fails them.
 */

const RUNS = Number(process.env.FAST_PATH_RUNS ?? 5_000);
const utf8 = new TextEncoder();
const reference = createFrameDecoder({ fastPath: false });

const PLAIN_PROTOTYPES = new Set<unknown>([Object.prototype, Array.prototype, Date.prototype]);

/**
 * Structural equality that also compares key order and prototypes, which must be the plain
 * ones (a JSON `"__proto__"` key never becomes a prototype, in either decoder).
 */
const sameValue = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const pa: unknown = Object.getPrototypeOf(a);
  const pb: unknown = Object.getPrototypeOf(b);
  if (pa !== pb || !PLAIN_PROTOTYPES.has(pa)) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => sameValue((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]));
};

/**
 * Decoded the same way: the same event (values, key order, prototypes), or the same failure;
 * and decoded by the fast path whenever the codecs accept the frame.
 */
const expectSameDecoding = (frame: Uint8Array): void => {
  const codecsBefore = frameDecoder.stats.codecs;
  const fast = decodeFrame(frame);
  const expected = reference.decode(frame);
  expect(fast._tag).toBe(expected._tag);
  if (fast._tag === 'Right' && expected._tag === 'Right') {
    if (!sameValue(fast.right, expected.right)) expect(fast.right).toEqual(expected.right);
    expect(sameValue(fast.right, expected.right)).toBe(true);
    expect(isDeepStrictEqual(JSON.stringify(fast.right), JSON.stringify(expected.right))).toBe(true);
    // The fast path took it: the codecs never ran.
    expect(frameDecoder.stats.codecs).toBe(codecsBefore);
  } else if (fast._tag === 'Left' && expected._tag === 'Left') {
    const { stage, detail, topic, path, issues, message } = fast.left;
    expect({ stage, detail, topic, path, issues, message }).toEqual({
      stage: expected.left.stage,
      detail: expected.left.detail,
      topic: expected.left.topic,
      path: expected.left.path,
      issues: expected.left.issues,
      message: expected.left.message,
    });
  }
};

const frameOf = (topic: string, envelope: unknown): Uint8Array => utf8.encode(`${topic}\u0000${JSON.stringify(envelope)}`);

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * RFC 3339-ish text around the valid forms: every field sometimes out of range, 0 to 11
 * fractional digits, `Z`, `z`, offsets (valid or not), a wrong separator, now and then any string.
 */
const timeText: fc.Arbitrary<string> = fc.oneof(
  {
    // valid, as Pando writes them: UTC, 0 to 9 fractional digits
    weight: 8,
    arbitrary: fc
      .record({
        ms: fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }),
        digits: fc.integer({ min: 0, max: 9 }),
        extra: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 6, maxLength: 6 }),
      })
      .map(({ ms, digits, extra }) => {
        const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
        const fraction = `${iso.slice(20, 23)}${extra}`.slice(0, digits);
        return `${iso.slice(0, 19)}${digits === 0 ? '' : `.${fraction}`}Z`;
      }),
  },
  {
    weight: 8,
    arbitrary: fc
      .record({
        year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 99, 100, 1900, 2000, 2024, 2100, 2026)),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 25 }),
        minute: fc.integer({ min: 0, max: 61 }),
        second: fc.integer({ min: 0, max: 61 }),
        fraction: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 11 }), { nil: undefined }),
        zone: fc.constantFrom('Z', 'Z', 'Z', 'z', '+00:00', '+01:30', '-23:59', '+24:00', '-00:60', ''),
        t: fc.constantFrom('T', 'T', 'T', 't', ' '),
      })
      .map(
        ({ year, month, day, hour, minute, second, fraction, zone, t }) =>
          `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}${t}${two(hour)}:${two(minute)}:${two(second)}` +
          `${fraction === undefined ? '' : `.${fraction}`}${zone}`,
      ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 32 }) },
  { weight: 1, arbitrary: fc.constantFrom('0001-01-01T00:00:00Z', '2024-02-29T23:59:59.999999999Z', '2023-02-29T00:00:00Z', '0099-12-31T23:59:59Z', '0100-01-01T00:00:00.5Z') },
);

const text = fc.string({ unit: 'binary', maxLength: 12 });
const json = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const session = fc.record({ id: text, title: text, updated_at: timeText, message_count: fc.integer() });

/** A valid wire payload of each topic (times drawn from `timeText`, so not always valid). */
const PAYLOADS: Record<string, fc.Arbitrary<unknown>> = {
  'session.update': session,
  'session.activated': session,
  'session.deleted': session,
  'session.list': fc.record({ sessions: fc.oneof(fc.array(session, { maxLength: 3 }), fc.constant(null)) }),
  'message.append': fc.record({ session_id: text, message_id: text, role: fc.constantFrom('user', 'assistant'), content: text }),
  'llm.start': fc.record({ session_id: text }),
  'llm.token': fc.record({ session_id: text, token: text }),
  'llm.end': fc.record({ session_id: text, tokens_in: fc.integer(), tokens_out: fc.integer() }),
  'tool.start': fc.record({ session_id: text, tool_name: text, call_id: text, params: text }),
  'tool.end': fc.record({ session_id: text, tool_name: text, call_id: text, is_error: fc.boolean(), result: text }),
  'instance.heartbeat': fc.record(
    {
      instance_id: text,
      session_count: fc.integer(),
      uptime: fc.constantFrom('', '0s', '5s', '1h30m0s', '1.5s', 'bad'),
      started_at: timeText,
      active_session_id: text,
    },
    { requiredKeys: ['instance_id', 'session_count', 'uptime', 'started_at'] },
  ),
  'instance.shutdown': fc.record({ instance_id: text, reason: text }, { requiredKeys: ['instance_id'] }),
  'db.session.updated': fc.record({ instance_id: text, path: text, topic: text, payload: json, timestamp: text }),
  'some.future.topic': json,
};

/** A valid envelope of a random topic (its times drawn from `timeText`). */
const envelope = fc
  .record({
    topic: fc.constantFrom(...Object.keys(PAYLOADS)),
    instanceId: text,
    projectId: text,
    sessionId: fc.option(text, { nil: undefined }),
    timestamp: timeText,
  })
  .chain((head) =>
    PAYLOADS[head.topic]!.map((payload) => {
      const env: Record<string, unknown> = { instanceId: head.instanceId, projectId: head.projectId };
      if (head.sessionId !== undefined) env['sessionId'] = head.sessionId;
      env['topic'] = head.topic;
      env['timestamp'] = head.timestamp;
      env['payload'] = payload;
      return env;
    }),
  );

/** Sets (or, with `undefined`, deletes) an own key, `__proto__` included. */
const setKey = (target: Record<string, unknown>, key: string, value: unknown): void => {
  if (value === undefined) delete target[key];
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

const anyValue = fc.oneof(
  json,
  text,
  timeText,
  fc.constant(undefined),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(null, true, 0.5, -1.5, 2 ** 53, 'user', 'assistant', '', '1h', []),
);

/**
 * One change to an envelope: a key of it, of its payload or of its first session replaced,
 * added or removed. The key is one of the target's own (`ownKey` picks among them, so that a
 * field added to a generator is mutated too) or one from the list.
 */
const mutation = fc.record({
  where: fc.constantFrom('envelope', 'payload', 'first session'),
  ownKey: fc.option(fc.nat(), { nil: undefined }),
  key: fc.oneof(
    fc.constantFrom('instanceId', 'projectId', 'sessionId', 'topic', 'timestamp', 'payload', '__proto__', 'extra'),
    fc.constantFrom('id', 'title', 'updated_at', 'message_count', 'session_id', 'token', 'tokens_in', 'is_error', 'role', 'sessions', 'uptime'),
  ),
  value: anyValue,
});

describe('decodeFrame fast path', () => {
  it('decodes valid frames of every topic as the codecs do', () => {
    fc.assert(
      fc.property(envelope, (env) => expectSameDecoding(frameOf(env['topic'] as string, env))),
      { numRuns: RUNS },
    );
  });

  it('decodes frames with one thing changed as the codecs do (same event or same failure)', () => {
    fc.assert(
      fc.property(envelope, mutation, fc.boolean(), (generated, { where, ownKey, key: listedKey, value }, sameTopic) => {
        // Change a copy: fast-check replays generated values while shrinking.
        const env = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
        const topic = env['topic'] as string;
        const payload = env['payload'];
        const firstSession = (payload as { sessions?: unknown[] } | null)?.sessions?.[0];
        const target =
          where === 'envelope' ? env : where === 'payload' ? payload : firstSession;
        if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
          const keys = Object.keys(target);
          const key = ownKey === undefined || keys.length === 0 ? listedKey : keys[ownKey % keys.length]!;
          setKey(target as Record<string, unknown>, key, value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
        }
        expectSameDecoding(frameOf(sameTopic ? topic : 'llm.token', env));
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes payloads with one field changed as the codecs do', () => {
    const topicOf = (env: Record<string, unknown>): string => env['topic'] as string;
    fc.assert(
      fc.property(envelope, fc.nat(), anyValue, fc.boolean(), (generated, pick, value, inSession) => {
        const env = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
        const payload = env['payload'];
        const firstSession = (payload as { sessions?: unknown[] } | null)?.sessions?.[0];
        const target = inSession && firstSession !== undefined ? firstSession : payload;
        if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
          const keys = Object.keys(target);
          if (keys.length > 0) setKey(target as Record<string, unknown>, keys[pick % keys.length]!, value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
        }
        expectSameDecoding(frameOf(topicOf(env), env));
      }),
      { numRuns: RUNS },
    );
  });

  it('reads times exactly as parseRfc3339 does', () => {
    fc.assert(
      fc.property(timeText, (time) => {
        const env = { instanceId: 'i', projectId: '', topic: 'llm.start', timestamp: time, payload: { session_id: 's' } };
        const decoded = decodeFrame(frameOf('llm.start', env));
        const parsed = parseRfc3339(time);
        if (typeof parsed === 'string') {
          expect(decoded._tag).toBe('Left');
        } else {
          expect(decoded._tag).toBe('Right');
          if (decoded._tag === 'Right') expect(decoded.right.timestamp.getTime()).toBe(parsed.getTime());
        }
        expectSameDecoding(frameOf('llm.start', env));
      }),
      { numRuns: RUNS },
    );
  });

  it('returns a payload object as is where the codec would, and copies it where the codec would', () => {
    const token = decodeFrame(frameOf('llm.token', { instanceId: 'i', projectId: '', topic: 'llm.token', timestamp: '2026-03-01T10:00:00Z', payload: { session_id: 's', token: 't', extra: 1 } }));
    expect(token._tag === 'Right' && token.right.payload).toEqual({ session_id: 's', token: 't', extra: 1 });
    const update = decodeFrame(
      frameOf('session.update', {
        instanceId: 'i',
        projectId: '',
        topic: 'session.update',
        timestamp: '2026-03-01T10:00:00.123456789Z',
        payload: { id: 's', title: 'T', updated_at: '2026-03-01T09:59:59Z', message_count: 3, extra: [1] },
      }),
    );
    expect(update._tag === 'Right' && update.right.payload).toEqual({
      id: 's',
      title: 'T',
      updated_at: new Date('2026-03-01T09:59:59Z'),
      message_count: 3,
      extra: [1],
    });
    expect(update._tag === 'Right' && update.right.timestamp.toISOString()).toBe('2026-03-01T10:00:00.123Z');
  });

  it('has a check for every topic of the table, and a generator here for each', () => {
    expect(Object.keys(PAYLOAD_CHECKS).sort()).toEqual([...TABLE_TOPICS].sort());
    for (const topic of TABLE_TOPICS) expect(PAYLOADS[topic]).toBeDefined();
  });

  it('is what decodeFrame runs: valid frames never reach the codecs, and do with the fast path off', () => {
    const frames = fc.sample(envelope, 400).map((env) => frameOf(env['topic'] as string, env));
    const valid = frames.filter((frame) => reference.decode(frame)._tag === 'Right');
    expect(valid.length).toBeGreaterThan(100); // about half: the generated times are often invalid
    const before = { ...frameDecoder.stats };
    for (const frame of valid) expect(decodeFrame(frame)._tag).toBe('Right');
    expect(frameDecoder.stats.fastPath - before.fastPath).toBe(valid.length);
    expect(frameDecoder.stats.codecs).toBe(before.codecs);
    // The reference decoder, with the fast path off, sends each of them to the codecs.
    const off = createFrameDecoder({ fastPath: false });
    for (const frame of valid) off.decode(frame);
    expect(off.stats).toEqual({ fastPath: 0, codecs: valid.length, failures: 0 });
  });
});
