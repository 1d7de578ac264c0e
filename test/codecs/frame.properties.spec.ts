import { inspect, isDeepStrictEqual } from 'node:util';
import * as fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import { FrameDecodeError, decodeFrame, encodeFrame, type FrameDecodeStage } from '../../src/codecs/frame.js';
import { DB_TOPICS, TABLE_TOPICS, isKnownTopic, type PandoEvent } from '../../src/codecs/topics.js';
import { formatGoDuration, parseGoDuration } from '../../src/codecs/values.js';

/**
 * Properties of the frame codec. Every generator yields the same value twice: as Pando would
 * write it on the wire (`wire`) and as the library should decode it (`value`), built
 * independently of the codecs under test, so that decoding is checked against the protocol
 * and not against itself.
 */

const RUNS = 10_000;
const utf8 = new TextEncoder();

interface Pair {
  /** The JSON value as it goes on the wire (may be written in any of the forms Go may use). */
  readonly wire: unknown;
  /** The canonical JSON value, as `encodeFrame` writes it. */
  readonly canon: unknown;
  /** The decoded value. */
  readonly value: unknown;
}

const same = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<Pair> => arb.map((v) => ({ wire: v, canon: v, value: v }));

/** Any string of Unicode scalar values (incl. NUL, astral characters; no lone surrogates). */
const text = fc.string({ unit: 'binary', maxLength: 16 });
const nonEmptyText = fc.string({ unit: 'binary', minLength: 1, maxLength: 16 });
const integer = fc.oneof(fc.integer(), fc.maxSafeInteger());

/**
 * JSON as `JSON.parse` gives it back (fc.jsonValue can hold -0, which JSON writes as 0), with
 * no `__proto__` key: decoding drops those (frame.spec.ts, "hostile frames").
 */
const json = fc
  .jsonValue({ maxDepth: 3, noUnicodeString: false })
  .map((v) => JSON.parse(JSON.stringify(v), (key, value: unknown) => (key === '__proto__' ? undefined : value)) as unknown);

const YEAR_1 = -62_135_596_800_000;
const YEAR_9999_END = 253_402_300_799_999;
/** RFC 3339 in UTC with the fraction's trailing zeros trimmed: toISOString, not the codec. */
const canonicalTime = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f === '' ? 'Z' : `.${f}Z`));

/**
 * A time between years 1 and 9999 with millisecond precision. On the wire it is sometimes
 * written with an offset and up to 9 fractional digits (what Go may send), which decode to the
 * same instant.
 */
const time: fc.Arbitrary<Pair> = fc
  .record({
    ms: fc.integer({ min: YEAR_1, max: YEAR_9999_END }),
    offset: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), { nil: undefined }),
    extra: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 6 }),
  })
  .map(({ ms, offset, extra }) => {
    const canon = canonicalTime(ms);
    let wire = canon;
    const local = ms + (offset ?? 0) * 60_000;
    if (offset !== undefined && local >= YEAR_1 && local <= YEAR_9999_END) {
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      wire = `${new Date(local).toISOString().slice(0, 23)}${extra}${zone}`;
    }
    return { wire, canon, value: new Date(ms) };
  });

/** Go duration text: from the formatter (whole nanoseconds), or forms Go also accepts. */
const duration: fc.Arbitrary<Pair> = fc
  .oneof(
    fc.integer({ min: -1e15, max: 1e15 }).map((ns) => formatGoDuration(ns / 1e6)),
    fc.constantFrom('', '0', '0s', '1.s', '.5s', '2us', '2\u00b5s', '2\u03bcs', '+5s', '-1h2m3.5s', '10.5s4m', '300ms'),
  )
  .map((t) => ({ wire: t, canon: t, value: { ms: parseGoDuration(t) as number, text: t } }));

/**
 * An object with the given keys in order (the optional ones sometimes left out), and sometimes
 * extra keys the library does not know, which must survive decoding and encoding.
 */
const object = (required: Record<string, fc.Arbitrary<Pair>>, optional: Record<string, fc.Arbitrary<Pair>> = {}) => {
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const extraKey = fc.string({ maxLength: 8 }).filter((k) => !known.has(k) && k !== '__proto__');
  return fc
    .record({
      required: fc.record(required),
      optional: fc.record(optional, { requiredKeys: [] }),
      extra: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(extraKey, json, { maxKeys: 2 }) }),
    })
    .map(({ required: r, optional: o, extra }): Pair => {
      const wire: Record<string, unknown> = {};
      const canon: Record<string, unknown> = {};
      const value: Record<string, unknown> = {};
      for (const [k, pair] of [...Object.entries(r), ...Object.entries(o)] as Array<[string, Pair]>) {
        wire[k] = pair.wire;
        canon[k] = pair.canon;
        value[k] = pair.value;
      }
      for (const [k, v] of Object.entries(extra as Record<string, unknown>)) {
        Object.defineProperty(wire, k, { value: v, enumerable: true, writable: true, configurable: true });
        Object.defineProperty(canon, k, { value: v, enumerable: true, writable: true, configurable: true });
        Object.defineProperty(value, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      return { wire, canon, value };
    });
};

const session = object({ id: same(text), title: same(text), updated_at: time, message_count: same(integer) });

/** A list that Go may write as null when empty: null decodes to [] and encodes as []. */
const list = (item: fc.Arbitrary<Pair>): fc.Arbitrary<Pair> =>
  fc.oneof(
    fc.array(item, { maxLength: 3 }).map((items) => ({
      wire: items.map((i) => i.wire),
      canon: items.map((i) => i.canon),
      value: items.map((i) => i.value),
    })),
    fc.constant({ wire: null, canon: [], value: [] }),
  );

/** The payload of each topic of the table, from PROTOCOL.md §1. */
const PAYLOADS: Record<(typeof TABLE_TOPICS)[number], fc.Arbitrary<Pair>> = {
  'session.update': session,
  'session.activated': session,
  'session.deleted': session,
  'session.list': object({ sessions: list(session) }),
  'message.append': object({
    session_id: same(text),
    message_id: same(text),
    role: same(fc.constantFrom('user', 'assistant')),
    content: same(text),
  }),
  'llm.start': object({ session_id: same(text) }),
  'llm.token': object({ session_id: same(text), token: same(text) }),
  'llm.end': object({ session_id: same(text), tokens_in: same(integer), tokens_out: same(integer) }),
  'tool.start': object({ session_id: same(text), tool_name: same(text), call_id: same(text), params: same(text) }),
  'tool.end': object({
    session_id: same(text),
    tool_name: same(text),
    call_id: same(text),
    is_error: same(fc.boolean()),
    result: same(text),
  }),
  'instance.heartbeat': object(
    { instance_id: same(text), session_count: same(integer), uptime: duration, started_at: time },
    { active_session_id: same(text) },
  ),
  'instance.shutdown': object({ instance_id: same(text) }, { reason: same(text) }),
};

const writeChange = object({
  instance_id: same(text),
  path: same(text),
  topic: same(text),
  payload: same(json),
  timestamp: same(text),
});

/** A topic no codec knows (any NUL-free text, including `""`). */
const unknownTopic = fc.string({ unit: 'binary', maxLength: 20 }).filter((t) => !t.includes('\u0000') && !isKnownTopic(t));

interface Case {
  /** The frame as a producer may send it. */
  readonly wire: Uint8Array;
  /** The frame exactly as `encodeFrame` must write it. */
  readonly canon: string;
  /** The decoded event. */
  readonly event: PandoEvent;
}

/** An event of `topic` with `payload`, and its frames. */
const eventCase = (topic: fc.Arbitrary<string>, payload: fc.Arbitrary<Pair>): fc.Arbitrary<Case> =>
  fc
    .record({
      topic,
      instanceId: text,
      projectId: text,
      sessionId: fc.option(nonEmptyText, { nil: undefined }),
      timestamp: time,
      payload,
    })
    .map(({ topic: t, instanceId, projectId, sessionId, timestamp, payload: p }) => {
      const session = sessionId === undefined ? {} : { sessionId };
      const envelope = (ts: unknown, pl: unknown) => ({ instanceId, projectId, ...session, topic: t, timestamp: ts, payload: pl });
      const event = { topic: t, instanceId, projectId, ...session, timestamp: timestamp.value as Date, payload: p.value } as PandoEvent;
      return {
        wire: utf8.encode(`${t}\u0000${JSON.stringify(envelope(timestamp.wire, p.wire))}`),
        canon: `${t}\u0000${JSON.stringify(envelope(timestamp.canon, p.canon))}`,
        event,
      };
    });

const CASES: Array<[string, fc.Arbitrary<Case>]> = [
  ...TABLE_TOPICS.map((t): [string, fc.Arbitrary<Case>] => [t, eventCase(fc.constant(t), PAYLOADS[t])]),
  ['db.<entity>.<change>', eventCase(fc.constantFrom(...DB_TOPICS), writeChange)],
  ['an unknown topic', eventCase(unknownTopic, same(json))],
];

const textOf = (frame: Uint8Array): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(frame);

/**
 * Deep equality that tells a missing key from an undefined one, +0 from -0, and a Date from
 * its text. `isDeepStrictEqual` is some thirty times faster than `toEqual`, which matters at
 * 10,000 runs per topic; jest's diff is shown only on failure.
 */
const expectEqual = (actual: unknown, expected: unknown): void => {
  if (!isDeepStrictEqual(actual, expected)) {
    expect(actual).toStrictEqual(expected);
    throw new Error(`not deep-equal: ${inspect(actual)} and ${inspect(expected)}`);
  }
};

const decoded = (frame: Uint8Array): PandoEvent => {
  const result = decodeFrame(frame);
  if (isLeft(result)) throw result.left;
  return result.right;
};

describe('decodeFrame and encodeFrame, for arbitrary events', () => {
  it.each(CASES)(
    '%s: decodes what Pando may send, encodes exactly the canonical frame, and round-trips',
    (_name, cases) => {
      fc.assert(
        fc.property(cases, ({ wire, canon, event }) => {
          // decodeFrame reads each form the protocol allows as the intended value
          expectEqual(decoded(wire), event);
          // encodeFrame writes topic, 0x00, and the envelope with its keys in order, snake_case payload
          const frame = encodeFrame(event);
          const written = textOf(frame);
          if (written !== canon) expect(written).toBe(canon);
          // and decoding it gives the event back (sessionId absent when it was)
          expectEqual(decoded(frame), event);
        }),
        { numRuns: RUNS },
      );
    },
  );
});

const STAGES: readonly FrameDecodeStage[] = ['separator', 'utf8', 'json', 'envelope', 'topic-mismatch', 'payload'];

/**
 * Decodes `frame`; fails the property if decodeFrame throws or returns anything but a
 * FrameDecodeError of a known stage or an event whose topic is the text before the first 0x00.
 * Plain checks rather than `expect`, whose overhead dominates at 10,000 runs. Returns whether
 * the frame decoded.
 */
const checkOutcome = (frame: Uint8Array): boolean => {
  let result: ReturnType<typeof decodeFrame>;
  try {
    result = decodeFrame(frame);
  } catch (e) {
    throw new Error(`decodeFrame threw ${String(e)} for [${Array.from(frame).join(',')}]`);
  }
  if (isLeft(result)) {
    const error = result.left;
    if (!(error instanceof FrameDecodeError) || !STAGES.includes(error.stage) || !error.message.startsWith('cannot decode ')) {
      throw new Error(`not a FrameDecodeError: ${inspect(error)}`);
    }
    return false;
  }
  const event = result.right;
  const topicEnd = frame.indexOf(0);
  if (topicEnd < 0 || event.topic !== textOf(frame.subarray(0, topicEnd)) || Number.isNaN(event.timestamp.getTime())) {
    throw new Error(`a bad event: ${inspect(event)}`);
  }
  return true;
};

describe('decodeFrame never throws', () => {
  it(`over arbitrary bytes (${RUNS} runs)`, () => {
    const anyBytes = fc.uint8Array({ maxLength: 64 });
    fc.assert(
      fc.property(
        fc.oneof(
          anyBytes,
          // bytes around a separator, so that the later stages are reached too
          fc.tuple(anyBytes, anyBytes).map(([a, b]) => Uint8Array.from([...a, 0, ...b])),
          fc.tuple(fc.constantFrom(...TABLE_TOPICS, 'db.file.created', 'x'), fc.jsonValue()).map(([t, j]) =>
            utf8.encode(`${t}\u0000${JSON.stringify(j)}`),
          ),
        ),
        (frame) => {
          checkOutcome(frame);
        },
      ),
      { numRuns: RUNS },
    );
  });

  type Mutation =
    | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
    | { readonly kind: 'set'; readonly at: number; readonly byte: number }
    | { readonly kind: 'insert'; readonly at: number; readonly byte: number }
    | { readonly kind: 'delete'; readonly at: number };

  const interestingByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0x22, 0x7b, 0x7d, 0x5c, 0x2e, 0x80, 0xc3, 0xff));
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: interestingByte }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: interestingByte }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  );

  const mutate = (frame: Uint8Array, mutations: readonly Mutation[]): Uint8Array => {
    const bytes = Array.from(frame);
    for (const m of mutations) {
      const at = m.at % (bytes.length + (m.kind === 'insert' ? 1 : 0) || 1);
      if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
      else if (bytes.length === 0) continue;
      else if (m.kind === 'delete') bytes.splice(at, 1);
      else if (m.kind === 'set') bytes[at] = m.byte;
      else bytes[at] = bytes[at]! ^ (1 << m.bit);
    }
    return Uint8Array.from(bytes);
  };

  it(`over mutations of valid frames (${RUNS} runs)`, () => {
    const valid = fc.oneof(...CASES.map(([, c]) => c)).map((c) => c.wire);
    let decodedSome = 0;
    fc.assert(
      fc.property(valid, fc.array(mutation, { minLength: 1, maxLength: 4 }), (frame, mutations) => {
        if (checkOutcome(mutate(frame, mutations))) decodedSome++;
      }),
      { numRuns: RUNS },
    );
    // The mutations must leave some frames valid (e.g. a changed letter in a string), or the
    // property would only ever exercise the failure paths.
    expect(decodedSome).toBeGreaterThan(RUNS / 50);
  });
});
