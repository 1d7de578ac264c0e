import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeFrame } from '../../src/codecs/frame.js';
import {
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
} from '../../src/codecs/payloads.js';
import {
  DB_TOPICS,
  KNOWN_TOPICS,
  TABLE_TOPICS,
  TopicTable,
  isDbTopic,
  isKnownEvent,
  isKnownTopic,
  payloadCodecFor,
  type PandoEvent,
} from '../../src/codecs/topics.js';

describe('TopicTable', () => {
  it('maps the twelve topics of the protocol to their payload codecs', () => {
    expect(TopicTable).toEqual({
      'session.update': Session,
      'session.activated': Session,
      'session.deleted': Session,
      'session.list': SessionListPayload,
      'message.append': MessageAppendPayload,
      'llm.start': LlmStartPayload,
      'llm.token': LlmTokenPayload,
      'llm.end': LlmEndPayload,
      'tool.start': ToolStartPayload,
      'tool.end': ToolEndPayload,
      'instance.heartbeat': HeartbeatPayload,
      'instance.shutdown': ShutdownPayload,
    });
    expect(TABLE_TOPICS).toEqual(Object.keys(TopicTable));
    expect(TABLE_TOPICS).toHaveLength(12);
  });

  it('lists 27 known topics: the table and the db family', () => {
    expect(KNOWN_TOPICS).toEqual([...TABLE_TOPICS, ...DB_TOPICS]);
    expect(KNOWN_TOPICS).toHaveLength(27);
    expect(KNOWN_TOPICS.every(isKnownTopic)).toBe(true);
  });
});

describe('isDbTopic', () => {
  it.each(['session', 'message', 'file', 'project', 'skill'])('accepts every change of db.%s', (entity) => {
    for (const change of ['created', 'updated', 'deleted']) expect(isDbTopic(`db.${entity}.${change}`)).toBe(true);
  });

  it.each([
    'db.session',
    'db.session.',
    'db.session.created.',
    'db.session.created.x',
    'db.Session.created',
    'db.session.Created',
    'db.user.created',
    'db.constructor.created',
    'db.session.toString',
    'db..created',
    'db.',
    'db',
    'xdb.session.created',
    ' db.session.created',
  ])('rejects %p', (topic) => {
    expect(isDbTopic(topic)).toBe(false);
    expect(isKnownTopic(topic)).toBe(false);
  });
});

describe('isKnownTopic and payloadCodecFor', () => {
  it.each([...TABLE_TOPICS])('gives %s its table codec', (topic) => {
    expect(isKnownTopic(topic)).toBe(true);
    expect(payloadCodecFor(topic)).toBe(TopicTable[topic]);
  });

  it.each([...DB_TOPICS])('gives %s the write-change codec', (topic) => {
    expect(payloadCodecFor(topic)).toBe(WriteChange);
  });

  it.each(['', 'llm', 'llm.', 'llm.token ', 'LLM.TOKEN', 'llm.token\u0000', 'constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'knows no codec for %p (nothing inherited from Object.prototype either)',
    (topic) => {
      expect(isKnownTopic(topic)).toBe(false);
      expect(payloadCodecFor(topic)).toBeUndefined();
    },
  );
});

describe('isKnownEvent', () => {
  const decode = (topic: string, payload: unknown): PandoEvent => {
    const bytes = new TextEncoder().encode(
      `${topic}\u0000${JSON.stringify({ instanceId: 'i', projectId: '', topic, timestamp: '2026-03-01T10:20:30Z', payload })}`,
    );
    const result = decodeFrame(bytes);
    if (isLeft(result)) throw result.left;
    return result.right;
  };

  it('narrows so that switch (event.topic) types each payload', () => {
    const event = decode('llm.end', { session_id: 's', tokens_in: 7, tokens_out: 9 });
    let total = -1;
    if (isKnownEvent(event)) {
      switch (event.topic) {
        case 'llm.end':
          total = event.payload.tokens_in + event.payload.tokens_out; // typed as LlmEndPayload
          break;
        default:
          total = -2;
      }
    }
    expect(total).toBe(16);
  });

  it('is false for an unknown topic', () => {
    expect(isKnownEvent(decode('agent.thinking', {}))).toBe(false);
  });
});
