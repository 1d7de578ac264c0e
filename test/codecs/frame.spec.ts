import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { FrameDecodeError, decodeFrame, encodeFrame } from '../../src/codecs/frame.js';
import type { PandoEvent } from '../../src/codecs/topics.js';

const utf8 = new TextEncoder();
const T0 = '2026-03-01T10:20:30.123Z';
const T0_MS = Date.UTC(2026, 2, 1, 10, 20, 30, 123);

const bytes = (...parts: Array<string | number[] | Uint8Array>): Uint8Array => {
  const chunks = parts.map((p) => (typeof p === 'string' ? utf8.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

const envelopeJson = (topic: string, payload: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ instanceId: 'inst-1', projectId: 'proj', topic, timestamp: T0, payload, ...extra });

const tokenPayload = { session_id: 'sess-1', token: 'Hi' };

const failureOf = (frame: Uint8Array): FrameDecodeError => {
  const result = decodeFrame(frame);
  if (isRight(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`);
  expect(result.left).toBeInstanceOf(FrameDecodeError);
  expect(result.left).toBeInstanceOf(Error);
  expect(result.left.name).toBe('FrameDecodeError');
  return result.left;
};

const eventOf = (frame: Uint8Array): PandoEvent => {
  const result = decodeFrame(frame);
  if (isLeft(result)) throw result.left;
  return result.right;
};

describe('decodeFrame: good frames', () => {
  it('decodes topic, envelope and payload', () => {
    const frame = bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload, { sessionId: 'sess-1' }));
    expect(eventOf(frame)).toEqual({
      topic: 'llm.token',
      instanceId: 'inst-1',
      projectId: 'proj',
      sessionId: 'sess-1',
      timestamp: new Date(T0_MS),
      payload: tokenPayload,
    });
  });

  it('leaves an omitted sessionId absent', () => {
    const event = eventOf(bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload)));
    expect('sessionId' in event).toBe(false);
    expect(Object.keys(event).sort()).toEqual(['instanceId', 'payload', 'projectId', 'timestamp', 'topic']);
  });

  it('tolerates unknown envelope keys and does not copy them into the event', () => {
    const event = eventOf(bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload, { seq: 7, traceId: 'x' })));
    expect(event).toEqual({ topic: 'llm.token', instanceId: 'inst-1', projectId: 'proj', timestamp: new Date(T0_MS), payload: tokenPayload });
  });

  it('reads an envelope timestamp with 9 fractional digits and an offset', () => {
    const frame = bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload, { timestamp: '2026-03-01T12:20:30.123456789+02:00' }));
    expect(eventOf(frame).timestamp).toEqual(new Date(T0_MS));
  });

  it('splits at the first 0x00 and takes a unicode topic', () => {
    const frame = bytes('évé.ñt', [0], envelopeJson('évé.ñt', { text: 'a\u0000b' }));
    expect(eventOf(frame)).toMatchObject({ topic: 'évé.ñt', payload: { text: 'a\u0000b' } });
  });

  it('takes a Node Buffer, and a view into a larger buffer', () => {
    const frame = bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload));
    expect(eventOf(Buffer.from(frame)).payload).toEqual(tokenPayload);
    const padded = bytes('garbage', frame, [0xff, 0xfe]);
    expect(eventOf(padded.subarray(7, 7 + frame.length)).payload).toEqual(tokenPayload);
  });

  it('keeps a byte-order mark as part of the topic', () => {
    const frame = bytes('\uFEFFllm.token', [0], envelopeJson('\uFEFFllm.token', 1));
    expect(eventOf(frame)).toMatchObject({ topic: '\uFEFFllm.token', payload: 1 });
  });
});

describe('decodeFrame: bad frames', () => {
  const ENVELOPE_SHAPE =
    'expected { instanceId: string, projectId: string, topic: string, timestamp: RFC 3339 time, payload: unknown }';

  it.each([
    ['no separator', bytes('llm.token', envelopeJson('llm.token', tokenPayload))],
    ['an empty frame', new Uint8Array(0)],
  ])('separator: %s', (_name, frame) => {
    const error = failureOf(frame);
    expect(error.stage).toBe('separator');
    expect(error.message).toBe('cannot decode frame: separator: no 0x00 byte between topic and envelope');
    expect(error.detail).toBe('no 0x00 byte between topic and envelope');
    expect(error.topic).toBeUndefined();
    expect(error.path).toBeUndefined();
    expect(error.issues).toEqual([]);
  });

  it('utf8: a topic that is not UTF-8', () => {
    const error = failureOf(bytes([0x6c, 0x6c, 0x6d, 0xff], [0], envelopeJson('llm', 1)));
    expect(error.stage).toBe('utf8');
    expect(error.message).toBe('cannot decode frame: utf8: topic is not valid UTF-8');
    expect(error.topic).toBeUndefined();
    expect(error.path).toBeUndefined();
  });

  it('utf8: a topic that ends inside a multi-byte character', () => {
    const error = failureOf(bytes('llm.', [0xe2, 0x82], [0], envelopeJson('llm.', 1)));
    expect(error.message).toBe('cannot decode frame: utf8: topic is not valid UTF-8');
  });

  it('utf8: an envelope that is not UTF-8', () => {
    const error = failureOf(bytes('llm.token', [0], '{"instanceId":"', [0xc3, 0x28], '"}'));
    expect(error.stage).toBe('utf8');
    expect(error.message).toBe('cannot decode "llm.token" frame: utf8: envelope is not valid UTF-8');
    expect(error.topic).toBe('llm.token');
    expect(error.path).toBeUndefined();
  });

  it('utf8: an encoded surrogate (CESU-8) is not UTF-8', () => {
    const error = failureOf(bytes('t', [0], '"', [0xed, 0xa0, 0x80], '"'));
    expect(error.message).toBe('cannot decode "t" frame: utf8: envelope is not valid UTF-8');
  });

  it.each([
    ['not JSON', 'not json'],
    ['an empty envelope', ''],
    ['truncated JSON', envelopeJson('llm.token', tokenPayload).slice(0, -1)],
    ['two JSON values', `${envelopeJson('llm.token', tokenPayload)}{}`],
    ['a raw 0x00 inside the JSON', `{"instanceId":"a\u0000b"}`],
  ])('json: %s', (_name, envelope) => {
    const error = failureOf(bytes('llm.token', [0], envelope));
    expect(error.stage).toBe('json');
    expect(error.topic).toBe('llm.token');
    expect(error.path).toBeUndefined();
    // The parenthesis holds the JavaScript engine's own words, which vary between Node versions.
    expect(error.message).toMatch(/^cannot decode "llm\.token" frame: json: envelope is not JSON \(.+\)$/);
    expect(error.detail).toBe(`envelope is not JSON (${jsonParseMessage(envelope)})`);
  });

  it('envelope: a missing instanceId', () => {
    const { instanceId: _omitted, ...rest } = JSON.parse(envelopeJson('llm.token', tokenPayload)) as Record<string, unknown>;
    const error = failureOf(bytes('llm.token', [0], JSON.stringify(rest)));
    expect(error.stage).toBe('envelope');
    expect(error.message).toBe('cannot decode "llm.token" frame: envelope: instanceId: expected string, got nothing');
    expect(error.topic).toBe('llm.token');
    expect(error.path).toBe('instanceId');
    expect(error.issues).toEqual([{ path: 'instanceId', message: 'expected string, got nothing' }]);
  });

  it('envelope: a timestamp that is not RFC 3339', () => {
    const error = failureOf(bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload, { timestamp: '2026-03-01 10:20:30Z' })));
    expect(error.stage).toBe('envelope');
    expect(error.path).toBe('timestamp');
    expect(error.message).toBe(
      'cannot decode "llm.token" frame: envelope: timestamp: expected RFC 3339 time, got "2026-03-01 10:20:30Z" ' +
        '(not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm))',
    );
  });

  it('envelope: a Unix-seconds timestamp', () => {
    const error = failureOf(bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload, { timestamp: 1_772_360_430 })));
    expect(error.message).toBe('cannot decode "llm.token" frame: envelope: timestamp: expected RFC 3339 time, got 1772360430');
  });

  it('envelope: a sessionId that is not a string', () => {
    const error = failureOf(bytes('llm.token', [0], envelopeJson('llm.token', tokenPayload, { sessionId: 5 })));
    expect(error.message).toBe('cannot decode "llm.token" frame: envelope: sessionId: expected string, got 5');
    expect(error.path).toBe('sessionId');
  });

  it('envelope: several bad keys are counted', () => {
    const error = failureOf(bytes('llm.token', [0], JSON.stringify({ topic: 'llm.token', timestamp: T0, payload: {} })));
    expect(error.message).toBe('cannot decode "llm.token" frame: envelope: instanceId: expected string, got nothing (and 1 more)');
    expect(error.issues.map((i) => i.path)).toEqual(['instanceId', 'projectId']);
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"llm.token"'],
  ])('envelope: JSON that is %s', (_name, json) => {
    const error = failureOf(bytes('llm.token', [0], json));
    expect(error.stage).toBe('envelope');
    expect(error.path).toBe('');
    expect(error.message).toBe(`cannot decode "llm.token" frame: envelope: ${ENVELOPE_SHAPE}, got ${json} (and 1 more)`);
  });

  it('topic-mismatch: the frame says one topic and the envelope another', () => {
    const error = failureOf(bytes('llm.token', [0], envelopeJson('llm.end', tokenPayload)));
    expect(error.stage).toBe('topic-mismatch');
    expect(error.message).toBe('cannot decode "llm.token" frame: topic-mismatch: frame topic "llm.token" but envelope topic "llm.end"');
    expect(error.topic).toBe('llm.token');
    expect(error.path).toBe('topic');
  });

  it('topic-mismatch: a topic that differs only by the prefix a SUB filters on', () => {
    const error = failureOf(bytes('llm.token', [0], envelopeJson('llm.token.v2', tokenPayload)));
    expect(error.message).toBe(
      'cannot decode "llm.token" frame: topic-mismatch: frame topic "llm.token" but envelope topic "llm.token.v2"',
    );
  });

  it('payload: a wrong-typed value', () => {
    const error = failureOf(bytes('llm.token', [0], envelopeJson('llm.token', { session_id: 42, token: 'x' })));
    expect(error.stage).toBe('payload');
    expect(error.message).toBe('cannot decode "llm.token" frame: payload: payload.session_id: expected string, got 42');
    expect(error.detail).toBe('payload.session_id: expected string, got 42');
    expect(error.topic).toBe('llm.token');
    expect(error.path).toBe('payload.session_id');
    expect(error.issues).toEqual([{ path: 'payload.session_id', message: 'expected string, got 42' }]);
  });

  it('payload: a nested path', () => {
    const good = { id: 'a', title: 'A', updated_at: T0, message_count: 1 };
    const bad = { id: 'b', title: 'B', updated_at: '2025-02-30T00:00:00Z', message_count: 1 };
    const error = failureOf(bytes('session.list', [0], envelopeJson('session.list', { sessions: [good, bad] })));
    expect(error.path).toBe('payload.sessions[1].updated_at');
    expect(error.message).toBe(
      'cannot decode "session.list" frame: payload: payload.sessions[1].updated_at: ' +
        'expected RFC 3339 time, got "2025-02-30T00:00:00Z" (day out of range)',
    );
  });

  it('payload: missing for a known topic', () => {
    const error = failureOf(bytes('llm.start', [0], JSON.stringify({ instanceId: 'i', projectId: '', topic: 'llm.start', timestamp: T0 })));
    expect(error.message).toBe('cannot decode "llm.start" frame: payload: payload: expected LlmStartPayload, got nothing');
    expect(error.path).toBe('payload');
  });

  it('payload: null for a known topic', () => {
    const error = failureOf(bytes('session.list', [0], envelopeJson('session.list', null)));
    expect(error.message).toBe('cannot decode "session.list" frame: payload: payload: expected SessionListPayload, got null');
  });

  it('payload: a bad db.* notice', () => {
    const error = failureOf(bytes('db.skill.deleted', [0], envelopeJson('db.skill.deleted', { instance_id: 'i' })));
    expect(error.message).toBe('cannot decode "db.skill.deleted" frame: payload: payload.path: expected string, got nothing (and 2 more)');
    expect(error.issues.map((i) => i.path)).toEqual(['payload.path', 'payload.topic', 'payload.timestamp']);
  });
});

/** What `JSON.parse` says about `text` on this engine. */
function jsonParseMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${text} is JSON`);
}

describe('decodeFrame: hostile frames', () => {
  const PLAIN = new Set<unknown>([Object.prototype, Array.prototype, Date.prototype]);

  /** Every object of the event has a plain prototype and no `__proto__` key of its own. */
  const expectPlain = (value: unknown, where = 'event'): void => {
    if (typeof value !== 'object' || value === null) return;
    expect({ where, plain: PLAIN.has(Object.getPrototypeOf(value)) }).toEqual({ where, plain: true });
    expect({ where, ownProto: Object.prototype.hasOwnProperty.call(value, '__proto__') }).toEqual({ where, ownProto: false });
    for (const [key, item] of Object.entries(value)) expectPlain(item, `${where}.${key}`);
  };

  const session = '{"id":"s1","title":"T","updated_at":"2026-03-01T10:20:30Z","message_count":1';

  it('__proto__ in the envelope cannot give the event a sessionId', () => {
    const envelope = `{"__proto__":{"sessionId":{"evil":true}},"instanceId":"i","projectId":"","topic":"llm.token","timestamp":"${T0}","payload":{"session_id":"s","token":"t"}}`;
    const event = eventOf(bytes('llm.token', [0], envelope));
    expect(event.sessionId).toBeUndefined();
    expect('sessionId' in event).toBe(false);
    expectPlain(event);
  });

  it('__proto__ in a session.update payload cannot give it inherited fields', () => {
    const envelope = `{"instanceId":"i","projectId":"","topic":"session.update","timestamp":"${T0}","payload":${session},"__proto__":{"isAdmin":true,"hasOwnProperty":1}}}`;
    const event = eventOf(bytes('session.update', [0], envelope));
    const payload = event.payload as Record<string, unknown>;
    expect(payload['isAdmin']).toBeUndefined();
    expect(typeof payload.hasOwnProperty).toBe('function');
    expect(payload).toEqual({ id: 's1', title: 'T', updated_at: new Date('2026-03-01T10:20:30Z'), message_count: 1 });
    expectPlain(event);
  });

  it('__proto__ in session.list items (and the list payload) cannot give them a prototype', () => {
    const envelope = `{"instanceId":"i","projectId":"","topic":"session.list","timestamp":"${T0}","payload":{"__proto__":{"x":1},"sessions":[${session},"__proto__":{"isAdmin":true}},${session},"\u005f_proto__":{"isAdmin":true}}]}}`;
    const event = eventOf(bytes('session.list', [0], envelope));
    const { sessions } = event.payload as { sessions: Array<Record<string, unknown>> };
    expect(sessions).toHaveLength(2);
    for (const item of sessions) expect(item['isAdmin']).toBeUndefined();
    expectPlain(event);
  });

  it('__proto__ in a heartbeat cannot set active_session_id', () => {
    const envelope = `{"instanceId":"i","projectId":"","topic":"instance.heartbeat","timestamp":"${T0}","payload":{"instance_id":"i","session_count":0,"uptime":"5s","started_at":"${T0}","__proto__":{"active_session_id":5}}}`;
    const event = eventOf(bytes('instance.heartbeat', [0], envelope));
    expect((event.payload as { active_session_id?: unknown }).active_session_id).toBeUndefined();
    expect('active_session_id' in (event.payload as object)).toBe(false);
    expectPlain(event);
  });

  it('__proto__ in the raw payload of an unknown topic is dropped too', () => {
    const envelope = `{"instanceId":"i","projectId":"","topic":"agent.thinking","timestamp":"${T0}","payload":{"a":[{"__proto__":{"isAdmin":true},"b":1}]}}`;
    const event = eventOf(bytes('agent.thinking', [0], envelope));
    expect(event.payload).toEqual({ a: [{ b: 1 }] });
    expectPlain(event);
  });

  it('json: a payload nested 100,000 deep is refused with the depth and the topic', () => {
    for (const topic of ['llm.token', 'agent.thinking', 'db.session.updated']) {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const error = failureOf(bytes(topic, [0], `{"instanceId":"i","projectId":"","topic":"${topic}","timestamp":"${T0}","payload":${deep}}`));
      expect(error.stage).toBe('json');
      expect(error.topic).toBe(topic);
      expect(error.message).toBe(`cannot decode "${topic}" frame: json: envelope is nested deeper than 512 levels`);
    }
  });

  it('payload: 1e400 is not a finite number, not "null"', () => {
    const envelope = `{"instanceId":"i","projectId":"","topic":"llm.end","timestamp":"${T0}","payload":{"session_id":"s","tokens_in":1e400,"tokens_out":-1e400}}`;
    const error = failureOf(bytes('llm.end', [0], envelope));
    expect(error.message).toBe('cannot decode "llm.end" frame: payload: payload.tokens_in: expected integer, got Infinity (not a finite number) (and 1 more)');
    expect(error.issues[1]).toEqual({ path: 'payload.tokens_out', message: 'expected integer, got -Infinity (not a finite number)' });
  });

  it('payload: a list of 200,000 bad sessions stops at the first bad item (so it costs about what a good list costs)', () => {
    const envelopeOf = (sessions: string): Uint8Array =>
      bytes('session.list', [0], `{"instanceId":"i","projectId":"","topic":"session.list","timestamp":"${T0}","payload":{"sessions":[${sessions}]}}`);
    const bad = envelopeOf(Array.from({ length: 200_000 }, (_, i) => `{"n":${i % 10}}`).join(','));
    // Before, every item was checked and its issues built (20-60 times the cost of a good list,
    // measured); now decoding stops at the first bad item and says how many it did not check.
    // The cost itself is measured by benchmarks, not here.
    const error = failureOf(bad);
    expect(error.issues).toHaveLength(5);
    expect(error.message).toBe('cannot decode "session.list" frame: payload: payload.sessions[0].id: expected string, got nothing (and 4 more)');
    expect(error.issues[4]).toEqual({ path: 'payload.sessions', message: '199999 more items not checked (decoding stops at the first bad item)' });
  });

  it('payload: a bad last item of a long list is found, with its path', () => {
    const item = '{"id":"s","title":"","updated_at":"2026-03-01T10:20:30Z","message_count":1}';
    const frameOf = (last: string): Uint8Array =>
      bytes('session.list', [0], `{"instanceId":"i","projectId":"","topic":"session.list","timestamp":"${T0}","payload":{"sessions":[${Array.from({ length: 20_000 }, () => item).join(',')},${last}]}}`);
    expect(decodeFrame(frameOf(item))._tag).toBe('Right');
    const bad = frameOf('{}');
    expect(failureOf(bad).path).toBe('payload.sessions[20000].id');
  });
});

describe('encodeFrame', () => {
  const text = (frame: Uint8Array): string => new TextDecoder().decode(frame);

  it('writes topic, 0x00, then the envelope with its keys in order', () => {
    const event: PandoEvent = {
      topic: 'llm.token',
      instanceId: 'inst-1',
      projectId: '',
      sessionId: 'sess-1',
      timestamp: new Date(T0_MS),
      payload: { session_id: 'sess-1', token: 'Hi' },
    };
    expect(text(encodeFrame(event))).toBe(
      'llm.token\u0000{"instanceId":"inst-1","projectId":"","sessionId":"sess-1","topic":"llm.token",' +
        '"timestamp":"2026-03-01T10:20:30.123Z","payload":{"session_id":"sess-1","token":"Hi"}}',
    );
    const frame = encodeFrame(event);
    expect(frame[9]).toBe(0);
    expect(frame.indexOf(0)).toBe(9);
  });

  it('omits sessionId when it is absent or empty', () => {
    const base = { topic: 'llm.start', instanceId: 'i', projectId: 'p', timestamp: new Date(0), payload: { session_id: '' } } as const;
    const expected = 'llm.start\u0000{"instanceId":"i","projectId":"p","topic":"llm.start","timestamp":"1970-01-01T00:00:00Z","payload":{"session_id":""}}';
    expect(text(encodeFrame(base))).toBe(expected);
    expect(text(encodeFrame({ ...base, sessionId: '' }))).toBe(expected);
  });

  it('writes dates as RFC 3339 in UTC and durations as their text', () => {
    const event: PandoEvent = {
      topic: 'instance.heartbeat',
      instanceId: 'i',
      projectId: '',
      timestamp: new Date(-62_135_596_800_000),
      payload: {
        instance_id: 'i',
        session_count: 0,
        uptime: { ms: 5_400_000, text: '1h30m0s' },
        started_at: new Date(T0_MS),
      },
    };
    expect(text(encodeFrame(event))).toBe(
      'instance.heartbeat\u0000{"instanceId":"i","projectId":"","topic":"instance.heartbeat","timestamp":"0001-01-01T00:00:00Z",' +
        '"payload":{"instance_id":"i","session_count":0,"uptime":"1h30m0s","started_at":"2026-03-01T10:20:30.123Z"}}',
    );
  });

  it('writes an unknown topic with its payload as it is', () => {
    const event: PandoEvent = { topic: 'agent.x', instanceId: 'i', projectId: '', timestamp: new Date(0), payload: [1, { a: null }] };
    expect(text(encodeFrame(event))).toBe(
      'agent.x\u0000{"instanceId":"i","projectId":"","topic":"agent.x","timestamp":"1970-01-01T00:00:00Z","payload":[1,{"a":null}]}',
    );
  });

  it('escapes a NUL inside a string so that the first 0x00 stays the separator', () => {
    const event: PandoEvent = {
      topic: 'llm.token',
      instanceId: 'i\u0000',
      projectId: '',
      timestamp: new Date(0),
      payload: { session_id: 's', token: '\u0000' },
    };
    const frame = encodeFrame(event);
    expect(frame.filter((b) => b === 0)).toHaveLength(1);
    expect(eventOf(frame)).toEqual(event);
  });
});
