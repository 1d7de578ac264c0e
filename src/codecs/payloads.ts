import * as t from 'io-ts';
import { GoDuration, Integer, Rfc3339Date, nullableArray } from './values.js';

/**
 * Event payload codecs: one per shape of PROTOCOL.md §1, keys as on the wire (snake_case).
 * Extra keys are tolerated (kept); optional keys that are omitted stay absent.
 */

/** A session: `{ id, title, updated_at, message_count }` (always the whole session). */
export const Session = t.type(
  {
    id: t.string,
    title: t.string,
    updated_at: Rfc3339Date,
    message_count: Integer,
  },
  'Session',
);
export type Session = t.TypeOf<typeof Session>;

/** `session.list`: the full list of sessions; Go's nil slice (`null`) decodes to `[]`. */
export const SessionListPayload = t.type({ sessions: nullableArray(Session, 'Session[] | null') }, 'SessionListPayload');
export type SessionListPayload = t.TypeOf<typeof SessionListPayload>;

/** Who wrote a message. */
export const Role = t.keyof({ user: null, assistant: null });
export type Role = t.TypeOf<typeof Role>;

/** `message.append`: one message added to a session. */
export const MessageAppendPayload = t.type(
  { session_id: t.string, message_id: t.string, role: Role, content: t.string },
  'MessageAppendPayload',
);
export type MessageAppendPayload = t.TypeOf<typeof MessageAppendPayload>;

/** `llm.start`: an LLM turn begins (not published by current Pando builds). */
export const LlmStartPayload = t.type({ session_id: t.string }, 'LlmStartPayload');
export type LlmStartPayload = t.TypeOf<typeof LlmStartPayload>;

/** `llm.token`: one streamed text delta. */
export const LlmTokenPayload = t.type({ session_id: t.string, token: t.string }, 'LlmTokenPayload');
export type LlmTokenPayload = t.TypeOf<typeof LlmTokenPayload>;

/** `llm.end`: a turn ended (current builds send 0 for both counts). */
export const LlmEndPayload = t.type(
  { session_id: t.string, tokens_in: Integer, tokens_out: Integer },
  'LlmEndPayload',
);
export type LlmEndPayload = t.TypeOf<typeof LlmEndPayload>;

/** `tool.start`: a tool call begins; `params` is JSON as a string. */
export const ToolStartPayload = t.type(
  { session_id: t.string, tool_name: t.string, call_id: t.string, params: t.string },
  'ToolStartPayload',
);
export type ToolStartPayload = t.TypeOf<typeof ToolStartPayload>;

/** `tool.end`: a tool call ended; `result` is cut to 512 characters plus `...`. */
export const ToolEndPayload = t.type(
  { session_id: t.string, tool_name: t.string, call_id: t.string, is_error: t.boolean, result: t.string },
  'ToolEndPayload',
);
export type ToolEndPayload = t.TypeOf<typeof ToolEndPayload>;

/**
 * `instance.heartbeat`, every 5 s. Quirks of current builds: `instance_id` may be the PUB
 * address, `uptime` may be `""`, `session_count` is 0.
 */
export const HeartbeatPayload = t.intersection(
  [
    t.type({ instance_id: t.string, session_count: Integer, uptime: GoDuration, started_at: Rfc3339Date }),
    t.partial({ active_session_id: t.string }),
  ],
  'HeartbeatPayload',
);
export type HeartbeatPayload = t.TypeOf<typeof HeartbeatPayload>;

/** `instance.shutdown`: published just before the sockets close (and often lost). */
export const ShutdownPayload = t.intersection(
  [t.type({ instance_id: t.string }), t.partial({ reason: t.string })],
  'ShutdownPayload',
);
export type ShutdownPayload = t.TypeOf<typeof ShutdownPayload>;

/** The entities of the `db.<entity>.<change>` family. */
export const DbEntity = t.keyof({ session: null, message: null, file: null, project: null, skill: null });
export type DbEntity = t.TypeOf<typeof DbEntity>;

/** The changes of the `db.<entity>.<change>` family. */
export const DbChange = t.keyof({ created: null, updated: null, deleted: null });
export type DbChange = t.TypeOf<typeof DbChange>;

/** `db.<entity>.<change>`: a write-change notice; `timestamp` is kept as the text sent. */
export const WriteChange = t.type(
  { instance_id: t.string, path: t.string, topic: t.string, payload: t.unknown, timestamp: t.string },
  'WriteChange',
);
export type WriteChange = t.TypeOf<typeof WriteChange>;
