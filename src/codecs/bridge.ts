import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/Either';
import { describeErrors, showValue, summarizeIssues } from './errors.js';
import { JsonFailure, parseJson } from './internal/json.js';
import { Integer } from './values.js';

/**
 * The messages of the WebSocket bridge (`pando-rx bridge`, `startBridge()`): JSON text, one
 * message per WebSocket message, in both directions. Browser-safe: io-ts and fp-ts only. The
 * table is in docs/bridge.md.
 *
 * ```ts
 * const message = decodeBridgeClientMessage('{"type":"subscribe","prefix":"llm."}');
 * if (message._tag === 'Right') console.log(message.right.type); // "subscribe"
 * ```
 */

/** The version of the message format, sent in `hello`. */
export const BRIDGE_PROTOCOL_VERSION = 1;

/** Browser → bridge: add one prefix filter to the connection's event subscription. */
const Subscribe = t.type({ type: t.literal('subscribe'), prefix: t.string }, 'Subscribe');
/** Browser → bridge: remove one prefix filter. */
const Unsubscribe = t.type({ type: t.literal('unsubscribe'), prefix: t.string }, 'Unsubscribe');
/** Browser → bridge: one JSON-RPC request (its text), numbered by the browser for the `sent` answer. */
const Request = t.type({ type: t.literal('request'), seq: Integer, request: t.string }, 'Request');

/** Every message a browser may send to the bridge. */
export const BridgeClientMessage = t.union([Subscribe, Unsubscribe, Request], 'BridgeClientMessage');
export type BridgeClientMessage = t.TypeOf<typeof BridgeClientMessage>;

/** The codes of a bridge `error` message. */
export const BridgeErrorCode = t.keyof(
  {
    'bad-message': null,
    'control-refused': null,
    'bad-request': null,
  },
  'BridgeErrorCode',
);
export type BridgeErrorCode = t.TypeOf<typeof BridgeErrorCode>;

/**
 * One instance of a fleet bridge, as its `fleet` side describes it: its id (what a browser
 * passes as `?instance=`), its working directory, and what the registry says of it.
 */
export const BridgeFleetMember = t.intersection(
  [
    t.type({ id: t.string, workdir: t.string }),
    t.partial({ pid: Integer, mode: t.string, primary: t.boolean, startedAt: t.string, pubPort: Integer, rpcPort: Integer }),
  ],
  'BridgeFleetMember',
);
export type BridgeFleetMember = t.TypeOf<typeof BridgeFleetMember>;

/** Every message the bridge sends to a browser. */
export const BridgeServerMessage = t.union(
  [
    t.type({ type: t.literal('hello'), version: Integer, control: t.boolean }, 'Hello'),
    t.type({ type: t.literal('frame'), data: t.string }, 'Frame'),
    t.type({ type: t.literal('connection'), state: t.keyof({ connected: null, disconnected: null }) }, 'Connection'),
    t.type({ type: t.literal('ready') }, 'Ready'),
    t.type({ type: t.literal('sent'), seq: Integer, sent: t.boolean }, 'Sent'),
    t.type({ type: t.literal('reply'), data: t.string }, 'Reply'),
    t.type({ type: t.literal('behind'), dropped: Integer }, 'Behind'),
    t.type({ type: t.literal('error'), code: BridgeErrorCode, message: t.string }, 'Error'),
    t.type({ type: t.literal('members'), members: t.array(BridgeFleetMember) }, 'Members'),
    t.type({ type: t.literal('joined'), member: BridgeFleetMember }, 'Joined'),
    t.type({ type: t.literal('left'), id: t.string }, 'Left'),
  ],
  'BridgeServerMessage',
);
export type BridgeServerMessage = t.TypeOf<typeof BridgeServerMessage>;

/** A message that does not decode, with why, in one line. */
export class BridgeMessageError extends Error {
  override readonly name = 'BridgeMessageError';
  constructor(readonly detail: string) {
    super(`bad bridge message: ${detail}`);
  }
}

/** Decodes by the `type` key first, so that an error names the field of that message type. */
const decodeByType =
  <A>(codecs: Readonly<Record<string, t.Decoder<unknown, A>>>) =>
  (text: string): Either<BridgeMessageError, A> => {
    const value = parseJson(text);
    if (value instanceof JsonFailure) return left(new BridgeMessageError(`message ${value.reason}`));
    const type = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
    const codec = typeof type === 'string' && Object.prototype.hasOwnProperty.call(codecs, type) ? codecs[type] : undefined;
    if (codec === undefined) {
      const expected = Object.keys(codecs).join(', ');
      return left(new BridgeMessageError(`message.type: expected one of ${expected}, got ${showValue(type)}`));
    }
    const result = codec.decode(value);
    return isLeft(result) ? left(new BridgeMessageError(summarizeIssues(describeErrors(result.left, 'message')))) : right(result.right);
  };

/**
 * A browser's message (JSON text) decoded, or a `BridgeMessageError` that says what is wrong.
 * Never throws.
 *
 * ```ts
 * decodeBridgeClientMessage('{"type":"subscribe"}'); // Left: message.prefix: expected string, got nothing
 * ```
 */
export const decodeBridgeClientMessage = decodeByType<BridgeClientMessage>({ subscribe: Subscribe, unsubscribe: Unsubscribe, request: Request });

/**
 * A bridge's message (JSON text) decoded, or a `BridgeMessageError`. Never throws.
 *
 * ```ts
 * decodeBridgeServerMessage('{"type":"ready"}'); // Right: { type: 'ready' }
 * ```
 */
export const decodeBridgeServerMessage = decodeByType<BridgeServerMessage>(
  Object.fromEntries(BridgeServerMessage.types.map((codec) => [codec.props.type.value, codec])) as Record<string, t.Decoder<unknown, BridgeServerMessage>>,
);

/**
 * One message as the text to send (the encoding of both directions).
 *
 * ```ts
 * encodeBridgeMessage({ type: 'subscribe', prefix: 'llm.token\u0000' });
 * ```
 */
export const encodeBridgeMessage = (message: BridgeClientMessage | BridgeServerMessage): string => JSON.stringify(message);

/**
 * The JSON-RPC error code with which the bridge answers a request it will not forward (a
 * control method on a read-only bridge, a method it does not know): the call fails at once
 * with an `RpcError` of this code, and nothing reached the instance.
 */
export const BRIDGE_REFUSED_CODE = -32003;
