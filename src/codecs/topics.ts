import * as t from 'io-ts';
import {
  DbChange,
  DbEntity,
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
} from './payloads.js';

/**
 * The topic table: topic → payload codec, for the twelve named topics of PROTOCOL.md §1.
 * `PandoEvent`, `ofTopic`, the fake instance and the docs are all derived from it: a new topic
 * is one line here. The `db.<entity>.<change>` family is matched by `payloadCodecFor`.
 */
export const TopicTable = {
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
} as const;

/** A topic of the topic table. */
export type TableTopic = keyof typeof TopicTable;

/** A topic of the write-change family, e.g. `db.session.updated`. */
export type DbTopic = `db.${DbEntity}.${DbChange}`;

/** Every topic that has a payload codec. */
export type KnownTopic = TableTopic | DbTopic;

/** The twelve topics of the table, in table order. */
export const TABLE_TOPICS = Object.keys(TopicTable) as readonly TableTopic[];

/** The fifteen `db.<entity>.<change>` topics. */
export const DB_TOPICS: readonly DbTopic[] = Object.keys(DbEntity.keys).flatMap((entity) =>
  Object.keys(DbChange.keys).map((change) => `db.${entity}.${change}` as DbTopic),
);

/** Every known topic: the table's and the `db.*` family. */
export const KNOWN_TOPICS: readonly KnownTopic[] = [...TABLE_TOPICS, ...DB_TOPICS];

const hasOwn = Object.prototype.hasOwnProperty;

/** Whether `topic` is one of the `db.<entity>.<change>` topics. */
export const isDbTopic = (topic: string): topic is DbTopic => {
  if (!topic.startsWith('db.')) return false;
  const dot = topic.indexOf('.', 3);
  return dot > 0 && DbEntity.is(topic.slice(3, dot)) && DbChange.is(topic.slice(dot + 1));
};

/** Whether `topic` has a payload codec. */
export const isKnownTopic = (topic: string): topic is KnownTopic =>
  hasOwn.call(TopicTable, topic) || isDbTopic(topic);

/** The payload of a topic, as decoded. */
export type PayloadOf<K extends KnownTopic> = K extends TableTopic ? t.TypeOf<(typeof TopicTable)[K]> : WriteChange;

/** The payload codec of a known topic; `undefined` for a topic this library does not know. */
export function payloadCodecFor<K extends KnownTopic>(topic: K): t.Type<PayloadOf<K>, unknown, unknown>;
export function payloadCodecFor(topic: string): t.Type<unknown, unknown, unknown> | undefined;
export function payloadCodecFor(topic: string): t.Type<unknown, unknown, unknown> | undefined {
  if (hasOwn.call(TopicTable, topic)) return TopicTable[topic as TableTopic] as t.Type<unknown, unknown, unknown>;
  return isDbTopic(topic) ? (WriteChange as unknown as t.Type<unknown, unknown, unknown>) : undefined;
}

/** The envelope fields that every event carries. */
export interface EventHeader {
  /** The publishing instance. */
  readonly instanceId: string;
  /** The project, often `''`. */
  readonly projectId: string;
  /** The session the event is about; absent when the instance sent none. */
  readonly sessionId?: string;
  /** When the instance published it. */
  readonly timestamp: Date;
}

/** A decoded event of one known topic. */
export type EventOf<K extends KnownTopic> = EventHeader & { readonly topic: K; readonly payload: PayloadOf<K> };

/** Any event of a known topic: a union discriminated by `topic`. */
export type KnownEvent = { [K in KnownTopic]: EventOf<K> }[KnownTopic];

/**
 * An event of a topic this library does not know (Pando grows): its payload is the raw JSON.
 * Use `isKnownEvent` (or `ofTopic`) before switching on `topic` to narrow the payload.
 */
export type UnknownEvent = EventHeader & { readonly topic: string; readonly payload: unknown };

/** Every decoded event. */
export type PandoEvent = KnownEvent | UnknownEvent;

/** Narrows an event to the known topics, so that `switch (event.topic)` types each payload. */
export const isKnownEvent = (event: PandoEvent): event is KnownEvent => isKnownTopic(event.topic);

/** The events of the given topics. */
export type EventOfTopics<K extends readonly KnownTopic[]> = EventOf<K[number]>;

export type SessionUpdateEvent = EventOf<'session.update'>;
export type SessionActivatedEvent = EventOf<'session.activated'>;
export type SessionDeletedEvent = EventOf<'session.deleted'>;
export type SessionListEvent = EventOf<'session.list'>;
export type MessageAppendEvent = EventOf<'message.append'>;
export type LlmStartEvent = EventOf<'llm.start'>;
export type LlmTokenEvent = EventOf<'llm.token'>;
export type LlmEndEvent = EventOf<'llm.end'>;
export type ToolStartEvent = EventOf<'tool.start'>;
export type ToolEndEvent = EventOf<'tool.end'>;
export type HeartbeatEvent = EventOf<'instance.heartbeat'>;
export type ShutdownEvent = EventOf<'instance.shutdown'>;
export type WriteChangeEvent = EventOf<DbTopic>;
