import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/Either';
import { describeErrors, summarizeIssues } from './errors.js';
import { JsonFailure, parseJson } from './internal/json.js';
import { Session } from './payloads.js';
import { GoDuration, Integer, NonEmptyString, Rfc3339Date, nullableArray } from './values.js';

/**
 * JSON-RPC 2.0 as Pando speaks it (PROTOCOL.md §2): ids are strings, params are an object,
 * every method has a params codec and a result codec in the method table.
 */

/**
 * A request as the ROUTER reads it. `id` must be a string for Pando (a numeric id is answered
 * with -32700); a request without id is still answered, with id `""`.
 */
export const JsonRpcRequest = t.intersection(
  [t.type({ jsonrpc: t.literal('2.0'), method: t.string }), t.partial({ id: t.string, params: t.unknown })],
  'JsonRpcRequest',
);
export type JsonRpcRequest = t.TypeOf<typeof JsonRpcRequest>;

/** The `error` member of an error response. */
export const JsonRpcErrorObject = t.intersection(
  [t.type({ code: Integer, message: t.string }), t.partial({ data: t.unknown })],
  'JsonRpcErrorObject',
);
export type JsonRpcErrorObject = t.TypeOf<typeof JsonRpcErrorObject>;

/** A response carrying an error. */
export const JsonRpcErrorResponse = t.type(
  { jsonrpc: t.literal('2.0'), id: t.string, error: JsonRpcErrorObject },
  'JsonRpcErrorResponse',
);
export type JsonRpcErrorResponse = t.TypeOf<typeof JsonRpcErrorResponse>;

/** A response carrying a result (any JSON, to be decoded by the method's result codec). */
export const JsonRpcSuccessResponse = new t.Type<
  { jsonrpc: '2.0'; id: string; result: unknown },
  { jsonrpc: '2.0'; id: string; result: unknown },
  unknown
>(
  'JsonRpcSuccessResponse',
  (u): u is { jsonrpc: '2.0'; id: string; result: unknown } =>
    typeof u === 'object' && u !== null && (u as { jsonrpc?: unknown }).jsonrpc === '2.0' &&
    typeof (u as { id?: unknown }).id === 'string' && 'result' in u,
  (u, c) => {
    const base = t.type({ jsonrpc: t.literal('2.0'), id: t.string }).validate(u, c);
    if (isLeft(base)) return base;
    return 'result' in (u as object)
      ? t.success(u as { jsonrpc: '2.0'; id: string; result: unknown })
      : t.failure(u, c, 'expected a "result" or an "error" member, got neither');
  },
  t.identity,
);
export type JsonRpcSuccessResponse = t.TypeOf<typeof JsonRpcSuccessResponse>;

/** Any response: error first, since a result may be any JSON. */
export const JsonRpcResponse = t.union([JsonRpcErrorResponse, JsonRpcSuccessResponse], 'JsonRpcResponse');
export type JsonRpcResponse = t.TypeOf<typeof JsonRpcResponse>;

/** Pando's error codes. */
export const RpcErrorCode = {
  /** The request was not JSON (or its id was not a string); the reply's id is `""`. */
  ParseError: -32700,
  /** No such method (`ipc: method not found`); also what current builds answer for `state.sync`. */
  MethodNotFound: -32601,
  /** The method failed; the message names it, e.g. `session.get: session not found`. */
  MethodFailed: -32000,
} as const;

// ---- params and results ----------------------------------------------------------------

/** `{}`: methods without parameters (extra keys tolerated). */
export const EmptyParams = t.type({}, 'EmptyParams');
export type EmptyParams = t.TypeOf<typeof EmptyParams>;

/** `{ session_id }`, non-empty. */
export const SessionIdParams = t.type({ session_id: NonEmptyString }, 'SessionIdParams');
export type SessionIdParams = t.TypeOf<typeof SessionIdParams>;

/** `message.send` params: `{ session_id, content }`, both non-empty. */
export const SendMessageParams = t.type({ session_id: NonEmptyString, content: NonEmptyString }, 'SendMessageParams');
export type SendMessageParams = t.TypeOf<typeof SendMessageParams>;

/** `state.sync` params: `{ project_id? }`. */
export const StateSyncParams = t.partial({ project_id: t.string }, 'StateSyncParams');
export type StateSyncParams = t.TypeOf<typeof StateSyncParams>;

/** `instance.ping` result. */
export const PingResult = t.type({ status: t.literal('ok'), instance_id: t.string, uptime: GoDuration }, 'PingResult');
export type PingResult = t.TypeOf<typeof PingResult>;

/** `session.list` result: a bare array (Go's nil slice `null` decodes to `[]`). */
export const SessionListResult = nullableArray(Session, 'Session[] | null');
export type SessionListResult = t.TypeOf<typeof SessionListResult>;

/** `{ ok: true }`: `session.activate`, `message.send`, `session.interrupt`. */
export const OkResult = t.type({ ok: t.literal(true) }, 'OkResult');
export type OkResult = t.TypeOf<typeof OkResult>;

/** One stored message, as `message.list` returns it. */
export const MessageRecord = t.type(
  { id: t.string, role: t.string, content: t.string, created_at: Rfc3339Date },
  'MessageRecord',
);
export type MessageRecord = t.TypeOf<typeof MessageRecord>;

/** `message.list` result. */
export const MessageListResult = nullableArray(MessageRecord, 'MessageRecord[] | null');
export type MessageListResult = t.TypeOf<typeof MessageListResult>;

/** `state.sync` result: a snapshot of the instance's sessions. */
export const StateSyncResult = t.intersection(
  [
    t.type({ sessions: nullableArray(Session, 'Session[] | null'), instance_id: t.string }),
    t.partial({ active_session_id: t.string }),
  ],
  'StateSyncResult',
);
export type StateSyncResult = t.TypeOf<typeof StateSyncResult>;

/** `instance.info` result: any JSON. */
export const InstanceInfoResult = t.unknown;
export type InstanceInfoResult = t.TypeOf<typeof InstanceInfoResult>;

/**
 * The method table: method → params codec and result codec, for the nine methods of
 * PROTOCOL.md §2. `RemoteControl` and the fake instance are both driven from it: a new method
 * is one line here.
 */
export const MethodTable = {
  'instance.ping': { params: EmptyParams, result: PingResult },
  'session.list': { params: EmptyParams, result: SessionListResult },
  'session.get': { params: SessionIdParams, result: Session },
  'session.activate': { params: SessionIdParams, result: OkResult },
  'message.send': { params: SendMessageParams, result: OkResult },
  'session.interrupt': { params: SessionIdParams, result: OkResult },
  'message.list': { params: SessionIdParams, result: MessageListResult },
  'state.sync': { params: StateSyncParams, result: StateSyncResult },
  'instance.info': { params: EmptyParams, result: InstanceInfoResult },
} as const;

/** A method of the method table. */
export type Method = keyof typeof MethodTable;
/** The params of a method, as the caller gives them. */
export type ParamsOf<M extends Method> = t.TypeOf<(typeof MethodTable)[M]['params']>;
/** The result of a method, as decoded. */
export type ResultOf<M extends Method> = t.TypeOf<(typeof MethodTable)[M]['result']>;

/** The nine methods, in table order. */
export const METHODS = Object.keys(MethodTable) as readonly Method[];

/** Whether `method` is in the method table. */
export const isMethod = (method: string): method is Method => Object.prototype.hasOwnProperty.call(MethodTable, method);

/** Why a reply could not be read as a JSON-RPC response. */
export interface ReplyDecodeFailure {
  /** Which step failed: UTF-8, JSON (or nested too deep), or the response's shape. */
  readonly reason: 'not-utf8' | 'not-json' | 'not-a-response';
  /** What was wrong, in one line. */
  readonly detail: string;
  /**
   * The reply's `id`, when it has a string one although the rest is malformed (a bad `error`
   * object, `jsonrpc: "1.0"`, neither `result` nor `error`): the call it answers can fail at
   * once instead of waiting for its timeout.
   */
  readonly id?: string;
}

const replyDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one reply frame as a JSON-RPC response, or says why it is not one. Never throws.
 * The response has no `__proto__` key at any depth and is nested at most 512 levels deep.
 *
 * ```ts
 * const reply = decodeResponse('{"jsonrpc":"1.0","id":"k3-1","result":{}}');
 * // left({ reason: 'not-a-response', detail: 'jsonrpc: expected "2.0", got "1.0"', id: 'k3-1' })
 * ```
 */
export const decodeResponse = (frame: Uint8Array | string): Either<ReplyDecodeFailure, JsonRpcResponse> => {
  let text: string;
  if (typeof frame === 'string') text = frame;
  else {
    try {
      text = replyDecoder.decode(frame);
    } catch {
      return left({ reason: 'not-utf8', detail: 'reply is not valid UTF-8' });
    }
  }
  const json = parseJson(text);
  if (json instanceof JsonFailure) return left({ reason: 'not-json', detail: `reply ${json.reason}` });
  // The common case without the union's failed first branch (an error reply's checks and its
  // error report): a reply with no `error` member that passes the success check is exactly
  // what the union returns for it (the reply itself).
  if (typeof json === 'object' && json !== null && !('error' in json) && JsonRpcSuccessResponse.is(json)) return right(json);
  const response = JsonRpcResponse.decode(json);
  if (!isLeft(response)) return right(response.right);
  // Report what is wrong with the kind of reply it meant to be (an error reply when it has an
  // `error` member), not the union's errors, which lead with the error branch even for a reply
  // that has neither member or a bad id.
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
  const meant = isObject ? ('error' in json ? JsonRpcErrorResponse : JsonRpcSuccessResponse).decode(json) : response;
  const errors = isLeft(meant) ? meant.left : response.left;
  const detail = summarizeIssues(describeErrors(errors));
  const id = isObject ? (json as { readonly id?: unknown }).id : undefined;
  return left(typeof id === 'string' ? { reason: 'not-a-response', detail, id } : { reason: 'not-a-response', detail });
};
