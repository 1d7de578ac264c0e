import type * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/Either';
import { describeErrors } from '../codecs/errors.js';
import { MethodTable, type JsonRpcResponse, type Method, type ParamsOf, type ResultOf } from '../codecs/rpc.js';
import { RpcArgumentError, RpcDecodeError, RpcError } from './rpc-errors.js';

/**
 * One call's request and its result, between the method table (the codecs) and the RPC
 * client: params checked and encoded into a request, a response decoded into a result or a
 * typed error.
 */

/** A request ready to be sent: its id and its JSON text. */
export interface EncodedRequest {
  readonly id: string;
  readonly json: string;
}

/**
 * Builds the request of one call (with the caller's `id`), after checking the params
 * against the method's params codec. Invalid params are an `RpcArgumentError`; nothing to send.
 */
export const buildRequest = <M extends Method>(
  method: M,
  params: ParamsOf<M>,
  id: string,
): Either<RpcArgumentError, EncodedRequest> => {
  const codec = MethodTable[method].params as t.Type<unknown, unknown, unknown>;
  const checked = codec.decode(params);
  if (isLeft(checked)) return left(new RpcArgumentError(method, describeErrors(checked.left, 'params')));
  // The text JSON.stringify would write for `{ jsonrpc, id, method, params }`, written around
  // the two parts that need it: a method of the table is a plain dotted name (nothing to
  // escape), and this runs once per call (a third of the time of stringifying the object).
  const json = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"${method}","params":${JSON.stringify(codec.encode(checked.right))}}`;
  return right({ id, json });
};

/**
 * Decodes a response's payload for `method`: the decoded result, or an `RpcError` (error
 * reply) or `RpcDecodeError` (a result that does not match the method's result codec).
 */
export const decodeResult = <M extends Method>(
  method: M,
  response: JsonRpcResponse,
): Either<RpcError | RpcDecodeError, ResultOf<M>> => {
  if ('error' in response) {
    const { code, message, data } = response.error;
    return left(new RpcError(code, message, method, data));
  }
  const codec = MethodTable[method].result as t.Type<ResultOf<M>, unknown, unknown>;
  const decoded = codec.decode(response.result);
  return isLeft(decoded) ? left(new RpcDecodeError(method, describeErrors(decoded.left, 'result'))) : right(decoded.right);
};
