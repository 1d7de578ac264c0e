import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { FrameDecodeError, decodeFrame, encodeFrame } from '../../src/codecs/frame.js';
import {
  HeartbeatPayload,
  MessageAppendPayload,
  Session,
  SessionListPayload,
  ShutdownPayload,
  WriteChange,
} from '../../src/codecs/payloads.js';
import { DB_TOPICS, isKnownEvent, type PandoEvent } from '../../src/codecs/topics.js';

/**
 * Vectors for every topic of PROTOCOL.md §1, as Pando's Go side writes them, decoded through
 * the whole frame path (`decodeFrame`) so that the topic table is exercised too.
 */

const utf8 = new TextEncoder();
const T0 = '2026-03-01T10:20:30Z';
const T0_MS = Date.UTC(2026, 2, 1, 10, 20, 30);

/** A frame as Pando publishes it: `<topic>\0<envelope>`, the envelope's keys in Go's order. */
const frame = (topic: string, payload: unknown, envelope: { sessionId?: string } = {}): Uint8Array =>
  utf8.encode(
    `${topic}\u0000${JSON.stringify({ instanceId: 'inst-1', projectId: '', ...envelope, topic, timestamp: T0, payload })}`,
  );
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** A frame from raw envelope text. */
const rawFrame = (topic: string, payloadJson: string): Uint8Array =>
  utf8.encode(`${topic}\u0000{"instanceId":"inst-1","projectId":"","topic":"${topic}","timestamp":"${T0}","payload":${payloadJson}}`);

const decoded = (bytes: Uint8Array): PandoEvent => {
  const result = decodeFrame(bytes);
  if (isLeft(result)) throw result.left;
  return result.right;
};

const payloadOf = (topic: string, payload: unknown): unknown => decoded(frame(topic, payload)).payload;

const failureOf = (bytes: Uint8Array): FrameDecodeError => {
  const result = decodeFrame(bytes);
  if (isRight(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`);
  return result.left;
};

const wireSession = { id: 'sess-1', title: 'Fix the build', updated_at: T0, message_count: 4 };
const session = { id: 'sess-1', title: 'Fix the build', updated_at: new Date(T0_MS), message_count: 4 };

describe.each(['session.update', 'session.activated', 'session.deleted'])('%s (a whole Session)', (topic) => {
  it('decodes the session with updated_at as a Date', () => {
    const event = decoded(frame(topic, wireSession, { sessionId: 'sess-1' }));
    expect(event).toEqual({
      topic,
      instanceId: 'inst-1',
      projectId: '',
      sessionId: 'sess-1',
      timestamp: new Date(T0_MS),
      payload: session,
    });
    expect(isKnownEvent(event)).toBe(true);
  });

  it('keeps unknown extra keys', () => {
    expect(payloadOf(topic, { ...wireSession, pinned: true, tags: ['a'] })).toEqual({ ...session, pinned: true, tags: ['a'] });
  });

  it('accepts a zero-time updated_at and zero messages', () => {
    expect(payloadOf(topic, { ...wireSession, updated_at: '0001-01-01T00:00:00Z', message_count: 0 })).toEqual({
      ...session,
      updated_at: new Date(-62_135_596_800_000),
      message_count: 0,
    });
  });

  it('rejects a session without updated_at', () => {
    const { updated_at: _omitted, ...rest } = wireSession;
    const error = failureOf(frame(topic, rest));
    expect(error.message).toBe(`cannot decode "${topic}" frame: payload: payload.updated_at: expected RFC 3339 time, got nothing`);
    expect(error.path).toBe('payload.updated_at');
  });

  it('rejects a fractional message_count', () => {
    expect(failureOf(frame(topic, { ...wireSession, message_count: 2.5 })).message).toBe(
      `cannot decode "${topic}" frame: payload: payload.message_count: expected integer, got 2.5 (not a whole number)`,
    );
  });
});

describe('session.list', () => {
  it('decodes the full list', () => {
    const other = { id: 'sess-2', title: '', updated_at: '2026-03-01T10:20:30.5+01:00', message_count: 0 };
    expect(payloadOf('session.list', { sessions: [wireSession, other] })).toEqual({
      sessions: [session, { id: 'sess-2', title: '', updated_at: new Date(T0_MS - 3_600_000 + 500), message_count: 0 }],
    });
  });

  it('decodes "sessions": null (a Go nil slice) to []', () => {
    expect(decoded(rawFrame('session.list', '{"sessions":null}')).payload).toEqual({ sessions: [] });
    expect(decoded(rawFrame('session.list', '{"sessions":[]}')).payload).toEqual({ sessions: [] });
  });

  it('rejects a missing sessions key', () => {
    expect(failureOf(frame('session.list', {})).message).toBe(
      'cannot decode "session.list" frame: payload: payload.sessions: expected Session[] | null, got nothing',
    );
  });

  it('encodes [] as [], never as null', () => {
    expect(SessionListPayload.encode({ sessions: [] })).toEqual({ sessions: [] });
  });
});

describe('message.append', () => {
  it.each(['user', 'assistant'] as const)('decodes a %s message', (role) => {
    const payload = { session_id: 'sess-1', message_id: 'msg-9', role, content: 'héllo\nwörld ✓' };
    expect(payloadOf('message.append', payload)).toEqual(payload);
  });

  it('rejects another role, listing the allowed ones', () => {
    const error = failureOf(frame('message.append', { session_id: 's', message_id: 'm', role: 'system', content: '' }));
    expect(error.message).toBe(
      'cannot decode "message.append" frame: payload: payload.role: expected "user" | "assistant", got "system"',
    );
    expect(MessageAppendPayload.is({ session_id: 's', message_id: 'm', role: 'user', content: '' })).toBe(true);
  });
});

describe('llm.start', () => {
  it('decodes the session id', () => {
    expect(payloadOf('llm.start', { session_id: 'sess-1' })).toEqual({ session_id: 'sess-1' });
  });

  it('rejects a numeric session id', () => {
    const error = failureOf(frame('llm.start', { session_id: 42 }));
    expect(error.message).toBe('cannot decode "llm.start" frame: payload: payload.session_id: expected string, got 42');
    expect(error.stage).toBe('payload');
    expect(error.path).toBe('payload.session_id');
  });
});

describe('llm.token', () => {
  it.each(['Hel', '', ' ', '🙂', 'a\u0000b', '"quoted"\\'])('decodes the token %p exactly', (token) => {
    expect(payloadOf('llm.token', { session_id: 'sess-1', token })).toEqual({ session_id: 'sess-1', token });
  });

  it('rejects a missing token', () => {
    expect(failureOf(frame('llm.token', { session_id: 'sess-1' })).message).toBe(
      'cannot decode "llm.token" frame: payload: payload.token: expected string, got nothing',
    );
  });
});

describe('llm.end', () => {
  it('decodes the token counts', () => {
    expect(payloadOf('llm.end', { session_id: 's', tokens_in: 1200, tokens_out: 345 })).toEqual({
      session_id: 's',
      tokens_in: 1200,
      tokens_out: 345,
    });
  });

  it('accepts the zero counts current builds send', () => {
    expect(payloadOf('llm.end', { session_id: 's', tokens_in: 0, tokens_out: 0 })).toEqual({
      session_id: 's',
      tokens_in: 0,
      tokens_out: 0,
    });
  });

  it('rejects a count sent as a string', () => {
    expect(failureOf(frame('llm.end', { session_id: 's', tokens_in: '3', tokens_out: 0 })).message).toBe(
      'cannot decode "llm.end" frame: payload: payload.tokens_in: expected integer, got "3"',
    );
  });
});

describe('tool.start', () => {
  it('keeps params as the JSON text it is', () => {
    const payload = { session_id: 's', tool_name: 'bash', call_id: 'call_1', params: '{"command":"ls -la"}' };
    expect(payloadOf('tool.start', payload)).toEqual(payload);
  });

  it('rejects params sent as an object', () => {
    expect(failureOf(frame('tool.start', { session_id: 's', tool_name: 'bash', call_id: 'c', params: { command: 'ls' } })).message).toBe(
      'cannot decode "tool.start" frame: payload: payload.params: expected string, got {"command":"ls"}',
    );
  });
});

describe('tool.end', () => {
  it.each([false, true])('decodes is_error %p and a result cut at 512 characters', (isError) => {
    const result = `${'x'.repeat(512)}...`;
    const payload = { session_id: 's', tool_name: 'bash', call_id: 'call_1', is_error: isError, result };
    expect(payloadOf('tool.end', payload)).toEqual(payload);
  });

  it('rejects is_error sent as a string', () => {
    expect(
      failureOf(frame('tool.end', { session_id: 's', tool_name: 'bash', call_id: 'c', is_error: 'false', result: '' })).message,
    ).toBe('cannot decode "tool.end" frame: payload: payload.is_error: expected boolean, got "false"');
  });
});

describe('instance.heartbeat', () => {
  const wire = {
    instance_id: 'inst-1',
    active_session_id: 'sess-1',
    session_count: 3,
    uptime: '1h30m0s',
    started_at: '2026-03-01T08:50:30Z',
  };

  it('decodes uptime to { ms, text } and started_at to a Date', () => {
    expect(payloadOf('instance.heartbeat', wire)).toEqual({
      instance_id: 'inst-1',
      active_session_id: 'sess-1',
      session_count: 3,
      uptime: { ms: 5_400_000, text: '1h30m0s' },
      started_at: new Date(T0_MS - 5_400_000),
    });
  });

  it('leaves an omitted active_session_id absent', () => {
    const { active_session_id: _omitted, ...rest } = wire;
    const payload = payloadOf('instance.heartbeat', rest) as HeartbeatPayload;
    expect('active_session_id' in payload).toBe(false);
    expect(Object.keys(payload).sort()).toEqual(['instance_id', 'session_count', 'started_at', 'uptime']);
  });

  it('accepts the quirks of current builds: PUB address as instance_id, uptime "", session_count 0', () => {
    const quirky = {
      instance_id: 'tcp://127.0.0.1:46503',
      session_count: 0,
      uptime: '',
      started_at: '2026-03-01T10:20:30.123456789Z',
    };
    expect(payloadOf('instance.heartbeat', quirky)).toEqual({
      instance_id: 'tcp://127.0.0.1:46503',
      session_count: 0,
      uptime: { ms: 0, text: '' },
      started_at: new Date(T0_MS + 123),
    });
  });

  it.each([
    ['2µs', 0.002],
    ['300ms', 300],
    ['1.5s', 1_500],
    ['0s', 0],
  ])('decodes the uptime %p', (uptime, ms) => {
    expect((payloadOf('instance.heartbeat', { ...wire, uptime }) as HeartbeatPayload).uptime).toEqual({ ms, text: uptime });
  });

  it('rejects an uptime that is not Go duration text', () => {
    expect(failureOf(frame('instance.heartbeat', { ...wire, uptime: '90' })).message).toBe(
      'cannot decode "instance.heartbeat" frame: payload: payload.uptime: expected Go duration, got "90" (unexpected "90")',
    );
  });

  it('counts every bad key in the message and lists them all in issues', () => {
    const error = failureOf(frame('instance.heartbeat', { instance_id: 'i', session_count: -1.5, uptime: 5, started_at: 'now' }));
    expect(error.message).toBe(
      'cannot decode "instance.heartbeat" frame: payload: payload.session_count: expected integer, got -1.5 (not a whole number) (and 2 more)',
    );
    expect(error.issues.map((i) => i.path)).toEqual(['payload.session_count', 'payload.uptime', 'payload.started_at']);
  });

  it('encodes back to wire text: uptime as sent, started_at in UTC', () => {
    const payload = payloadOf('instance.heartbeat', { ...wire, started_at: '2026-03-01T10:50:30.25+02:00' }) as HeartbeatPayload;
    expect(HeartbeatPayload.encode(payload)).toEqual({ ...wire, started_at: '2026-03-01T08:50:30.25Z' });
  });
});

describe('instance.shutdown', () => {
  it('decodes a reason', () => {
    expect(payloadOf('instance.shutdown', { instance_id: 'inst-1', reason: 'user quit' })).toEqual({
      instance_id: 'inst-1',
      reason: 'user quit',
    });
  });

  it('leaves an omitted reason absent', () => {
    const payload = payloadOf('instance.shutdown', { instance_id: 'inst-1' }) as ShutdownPayload;
    expect('reason' in payload).toBe(false);
    expect(ShutdownPayload.is(payload)).toBe(true);
  });

  it('rejects a reason that is not a string', () => {
    expect(failureOf(frame('instance.shutdown', { instance_id: 'inst-1', reason: null })).message).toBe(
      'cannot decode "instance.shutdown" frame: payload: payload.reason: expected string, got null',
    );
  });
});

describe('db.<entity>.<change>', () => {
  it.each([...DB_TOPICS])('decodes %s as a write-change notice', (topic) => {
    const payload = {
      instance_id: 'inst-1',
      path: '/home/user/project',
      topic,
      payload: { id: 'x', nested: [1, null, { a: 'b' }] },
      timestamp: '2026-03-01T10:20:30.123456789+01:00',
    };
    const event = decoded(frame(topic, payload));
    expect(event.topic).toBe(topic);
    expect(event.payload).toEqual(payload); // the inner timestamp stays text, the inner payload raw
    expect(isKnownEvent(event)).toBe(true);
  });

  it('has 15 topics: 5 entities × 3 changes', () => {
    expect(DB_TOPICS).toHaveLength(15);
    expect(new Set(DB_TOPICS).size).toBe(15);
    expect(DB_TOPICS).toEqual(expect.arrayContaining(['db.session.created', 'db.skill.deleted', 'db.file.updated']));
  });

  it('accepts any inner payload, even null', () => {
    const payload = { instance_id: 'i', path: 'p', topic: 'db.file.created', payload: null, timestamp: '' };
    expect(payloadOf('db.file.created', payload)).toEqual(payload);
  });

  it('rejects a notice whose timestamp is not a string', () => {
    const payload = { instance_id: 'i', path: 'p', topic: 'db.file.created', payload: {}, timestamp: 1_700_000_000 };
    expect(failureOf(frame('db.file.created', payload)).message).toBe(
      'cannot decode "db.file.created" frame: payload: payload.timestamp: expected string, got 1700000000',
    );
    expect(WriteChange.is(payload)).toBe(false);
  });

  it.each(['db.user.created', 'db.session.renamed', 'db.session', 'db.session.created.extra', 'db..created'])(
    'treats %s, outside the family, as an unknown topic with a raw payload',
    (topic) => {
      const payload = { anything: [1, 'two'], timestamp: 5 };
      const event = decoded(frame(topic, payload));
      expect(event.payload).toEqual(payload);
      expect(isKnownEvent(event)).toBe(false);
    },
  );
});

describe('unknown topics', () => {
  it.each([
    ['agent.thinking', { session_id: 's', updated_at: T0 }],
    ['session.renamed', { id: 5 }],
    ['x', [1, 2, 3]],
    ['', 'a bare string'],
    ['constructor', null],
    ['__proto__', 42],
    ['llm.token.v2', { token: 1 }],
  ])('decodes %p to an event with the raw JSON payload', (topic, payload) => {
    const event = decoded(frame(topic, payload, { sessionId: 's' }));
    expect(event).toEqual({ topic, instanceId: 'inst-1', projectId: '', sessionId: 's', timestamp: new Date(T0_MS), payload });
    expect(isKnownEvent(event)).toBe(false);
  });

  it('leaves times in an unknown payload as text', () => {
    expect(payloadOf('agent.thinking', { updated_at: T0 })).toEqual({ updated_at: T0 });
  });

  it('re-encodes the raw payload unchanged', () => {
    const bytes = frame('agent.thinking', { b: 1, a: [true, null] }, { sessionId: 's' });
    expect(text(encodeFrame(decoded(bytes)))).toBe(text(bytes));
  });
});

describe('the codecs themselves', () => {
  it('Session.is checks a decoded session', () => {
    expect(Session.is(session)).toBe(true);
    expect(Session.is(wireSession)).toBe(false);
  });
});
